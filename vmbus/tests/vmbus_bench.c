/*
 * VMBus cost on the simulated platform (counts, not time: the simulator counts every
 * guest exit). Prints machine-readable lines:
 *
 *   bench vmbus_open config=C kind=K ring=BYTES exits=N min=M posts=P vis_calls=V ...
 *   bench vmbus_close ...
 *   bench vmbus_stream config=C kind=K packets=10000 signals=S min=M irqs=I ...
 *
 * exits = direct hypercalls + GHCB exits (page and MSR protocol) + TDCALLs + plain MSR
 * accesses during the operation. min = what the protocol cannot avoid: one post per
 * control message (GpadlHeader, ceil((pages - 26) / 28) GpadlBody, OpenChannel; for close
 * CloseChannel + GpadlTeardown) plus one 0x00DB call per 510 pages for host-visible rings.
 * ring = bytes of EACH ring (send and receive); the GPADL covers both.
 * Streaming: 10,000 in-band packets without completions, written in bursts until the
 * send ring is full, the echoes drained between bursts; min = ceil(10000 / packets that
 * fit the ring) = the wake-ups a host that sleeps whenever the ring is empty needs (a host
 * that happens to be awake needs fewer, so signals can come out below it).
 *
 *   bench vmbus_share config=C mib=M vis_calls=V min=M2 vis_calls_per_mib=X
 *   bench vmbus_xfer config=C dir=D size=S path=bounce|inplace xfers=N bytes_per_s=B ...
 *
 * vmbus_share: 0x00DB calls to make a host-visible buffer of M MiB (vmbus_buffer_alloc on a
 * relayed channel) and to make it private again; min = 2 * ceil(pages / 510).
 * vmbus_xfer: the app's own buffer moved by GPA-direct (the simulator's device hashes it,
 * TO_HOST, or fills it, FROM_HOST): through the shared bounce pool on a relayed channel,
 * in place on a channel with confidential external memory. Wall-clock throughput of the
 * whole simulated exchange, both paths in the same run; ratio = bounce / in place.
 */
#include <time.h>
#include "sim/sim_wire.h"
#include <stdio.h>
#include <string.h>
#include "sim/sim.h"
#include "vmbus/tests/simhost.h"
#include <umbra/vmbus.h>
#include "rt/vmbus_up.h"
#include "mem/mem.h"

static uint64_t exits(const struct sim_stats *s)
{
	return s->direct_hypercalls + s->ghcb_exits + s->ghcb_msr_protocol + s->tdcalls +
	       s->msr_reads + s->msr_writes;
}

static int machine(enum sim_platform p)
{
	struct sim_config cfg;
	sim_config_default(&cfg, p);
	cfg.no_leak_scan = true;     /* counts only; the tests run with the scan on */
	return simhost_start(&cfg, NULL);
}

/* A machine with device d, connected; 0 and *relid, or -1. */
static int machine_with(enum sim_platform p, const struct sim_device_desc *d, uint32_t *relid)
{
	struct vmbus_info inf;
	return machine(p) || sim_add_device(d, relid) || vmbus_info(&inf) ? -1 : 0;
}

static void open_close(enum sim_platform p, bool relayed, uint32_t ring)
{
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = relayed };
	uint32_t relid;
	if (machine_with(p, &d, &relid))
		return;
	struct vmbus_offer_info o;
	vmbus_offer_get(0, &o);
	struct vmbus_open_params op = { .send_ring_bytes = ring, .recv_ring_bytes = ring };
	uint32_t pages = 2 * ring / 4096;
	uint32_t gpadl_msgs = 1 + (pages > 26 ? (pages - 26 + 27) / 28 : 0);
	uint32_t vis = o.confidential_ring ? 0 : (pages + 509) / 510;
	const char *kind = o.confidential_ring ? "confidential" : "relayed";

	struct sim_stats a, b;
	struct vmbus_channel *ch;
	sim_reset_stats();
	int rc = vmbus_open(relid, &op, &ch);
	sim_get_stats(&a);
	printf("bench vmbus_open config=%s kind=%s ring=%u rc=%d exits=%llu min=%u posts=%llu "
	       "vis_calls=%llu eoms=%llu msr=%llu\n", sim_platform_name(p), kind, ring, rc,
	       (unsigned long long)exits(&a), gpadl_msgs + 1 + vis, (unsigned long long)a.posts,
	       (unsigned long long)a.visibility_calls, (unsigned long long)a.eoms,
	       (unsigned long long)(a.msr_reads + a.msr_writes));
	if (rc)
		return;
	sim_reset_stats();
	rc = vmbus_close(ch);
	sim_get_stats(&b);
	printf("bench vmbus_close config=%s kind=%s ring=%u rc=%d exits=%llu min=%u posts=%llu "
	       "vis_calls=%llu eoms=%llu\n", sim_platform_name(p), kind, ring, rc,
	       (unsigned long long)exits(&b), 2 + vis, (unsigned long long)b.posts,
	       (unsigned long long)b.visibility_calls, (unsigned long long)b.eoms);
	rt_vmbus_stop();
}

static void stream(enum sim_platform p, bool relayed)
{
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = relayed };
	uint32_t relid;
	if (machine_with(p, &d, &relid))
		return;
	struct vmbus_offer_info o;
	vmbus_offer_get(0, &o);
	struct vmbus_open_params op = { .send_ring_bytes = 64 << 10, .recv_ring_bytes = 256 << 10 };
	struct vmbus_channel *ch;
	if (vmbus_open(relid, &op, &ch))
		return;
	static uint8_t buf[512], in[1024];
	memset(buf, 0x5A, sizeof(buf));
	struct sim_stats s;
	sim_reset_stats();
	int sent = 0, got = 0, bursts = 0, maxburst = 1;
	while (got < 10000) {
		int n = 0;
		while (sent < 10000 && vmbus_send(ch, buf, sizeof(buf), (uint64_t)sent, 0) == 0) {
			sent++;
			n++;
		}
		bursts += n > 0;
		if (n > maxburst)
			maxburst = n;
		int rc;
		while ((rc = vmbus_recv(ch, in, sizeof(in), NULL, got < sent ? 10000000ull : 0)) > 0)
			if (++got == sent)
				break;
		if (rc < 0 && rc != UMBRA_EAGAIN && rc != UMBRA_ETIMEDOUT)
			break;
	}
	sim_get_stats(&s);
	printf("bench vmbus_stream config=%s kind=%s packets=%d bytes=%zu signals=%llu min=%d "
	       "irqs=%llu bursts=%d exits=%llu\n", sim_platform_name(p),
	       o.confidential_ring ? "confidential" : "relayed", got, sizeof(buf),
	       (unsigned long long)s.signals, (10000 + maxburst - 1) / maxburst,
	       (unsigned long long)s.irqs_delivered, bursts,
	       (unsigned long long)exits(&s));
	vmbus_close(ch);
	rt_vmbus_stop();
}

static void share(enum sim_platform p, uint32_t mib)
{
	struct sim_device_desc d = { .kind = SIM_DEV_GPA_DIRECT, .relayed = true };
	uint32_t relid;
	struct vmbus_channel *ch;
	struct vmbus_open_params op = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
	if (machine_with(p, &d, &relid) || vmbus_open(relid, &op, &ch))
		return;
	struct vmbus_buffer b;
	struct sim_stats s;
	sim_reset_stats();
	int rc = vmbus_buffer_alloc(ch, (size_t)mib << 20, &b);
	if (!rc)
		rc = vmbus_buffer_free(ch, &b);
	sim_get_stats(&s);
	uint32_t pages = mib * 256;
	printf("bench vmbus_share config=%s mib=%u rc=%d vis_calls=%llu min=%u vis_calls_per_mib=%.3f\n",
	       sim_platform_name(p), mib, rc, (unsigned long long)s.visibility_calls,
	       2 * ((pages + 509) / 510), (double)s.visibility_calls / mib);
	vmbus_close(ch);
	rt_vmbus_stop();
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Bytes per second of n transfers of size bytes; 0 on failure. */
static double xfer_rate(struct vmbus_channel *ch, uint8_t *buf, size_t size, unsigned dir, int n,
			bool *bounced)
{
	struct sim_dma_cmd cmd = { .op = dir == VMBUS_XFER_TO_HOST ? SIM_DMA_HASH : SIM_DMA_FILL, .arg = 0x33 };
	uint8_t res[64];
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		struct vmbus_xfer x;
		struct vmbus_packet pk;
		if (vmbus_xfer_send(ch, buf, size, dir, &cmd, sizeof(cmd), (uint64_t)i,
				    VMBUS_SEND_COMPLETION_REQUESTED, 0, &x) ||
		    vmbus_recv(ch, res, sizeof(res), &pk, 1000000000ull) < 16 || vmbus_xfer_done(&x))
			return 0;
		*bounced = x.bounced;
	}
	return (double)size * n / (now_s() - t0);
}

static void xfers(enum sim_platform p)
{
	if (machine(p))
		return;
	struct sim_device_desc dc = { .kind = SIM_DEV_GPA_DIRECT, .confidential_external_memory = true };
	struct sim_device_desc dr = { .kind = SIM_DEV_GPA_DIRECT, .relayed = true };
	uint32_t rc_, rr;
	struct vmbus_info inf;
	struct vmbus_channel *cc, *cr;
	struct vmbus_open_params op = { .send_ring_bytes = 64 << 10, .recv_ring_bytes = 64 << 10 };
	if (sim_add_device(&dc, &rc_) || sim_add_device(&dr, &rr) || vmbus_info(&inf) ||
	    vmbus_open(rc_, &op, &cc) || vmbus_open(rr, &op, &cr))
		return;
	uint8_t *buf = mem_alloc(64 << 10);
	if (!buf)
		return;
	memset(buf, 0x5A, 64 << 10);
	static const size_t sizes[] = { 4096, 64 << 10 };
	for (unsigned d = 1; d <= 2; d++)
		for (unsigned k = 0; k < 2; k++) {
			int n = sizes[k] == 4096 ? 3000 : 300;
			double best[2] = { 0, 0 };
			bool bounced[2] = { false, false };
			for (int rep = 0; rep < 5; rep++)     /* interleaved, best of 5 */
				for (int path = 0; path < 2; path++) {
					double r = xfer_rate(path ? cc : cr, buf, sizes[k], d, n, &bounced[path]);
					if (r > best[path])
						best[path] = r;
				}
			for (int path = 0; path < 2; path++)
				printf("bench vmbus_xfer config=%s dir=%s size=%zu path=%s xfers=%d "
				       "bytes_per_s=%.0f ratio=%.3f\n", sim_platform_name(p),
				       d == 1 ? "to_host" : "from_host", sizes[k],
				       bounced[path] ? "bounce" : "inplace", n, best[path],
				       best[1] > 0 ? best[path] / best[1] : 0.0);
		}
	mem_free(buf);
	vmbus_close(cc);
	vmbus_close(cr);
	rt_vmbus_stop();
}

int main(void)
{
	static const enum sim_platform cfgs[] = { SIM_SNP_PARAVISOR, SIM_TDX_PARAVISOR };
	static const uint32_t rings[] = { 64u << 10, 1u << 20, 4u << 20 };
	for (unsigned c = 0; c < 2; c++)
		for (int rel = 0; rel < 2; rel++)
			for (unsigned r = 0; r < 3; r++)
				open_close(cfgs[c], rel, rings[r]);
	for (unsigned c = 0; c < 2; c++)
		for (int rel = 0; rel < 2; rel++)
			stream(cfgs[c], rel);
	for (unsigned c = 0; c < 2; c++) {
		share(cfgs[c], 1);
		share(cfgs[c], 8);
	}
	for (unsigned c = 0; c < 2; c++)
		xfers(cfgs[c]);
	return 0;
}
