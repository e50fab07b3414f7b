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
 */
#include <stdio.h>
#include <string.h>
#include "tests/sim/sim.h"
#include <umbra/vmbus.h>
#include "vmbus/vmbus_platform.h"
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
	if (sim_init(&cfg))
		return -1;
	mem_page_reset();
	vmbus_platform_reset();
	uint64_t gpa, n;
	if (sim_ram_free_range(&gpa, &n) || mem_page_add_range(gpa, n))
		return -1;
	return 0;
}

static void open_close(enum sim_platform p, bool relayed, uint32_t ring)
{
	if (machine(p))
		return;
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = relayed };
	uint32_t relid;
	struct vmbus_info inf;
	if (sim_add_device(&d, &relid) || vmbus_info(&inf))
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
	vmbus_platform_stop();
}

static void stream(enum sim_platform p, bool relayed)
{
	if (machine(p))
		return;
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = relayed };
	uint32_t relid;
	struct vmbus_info inf;
	if (sim_add_device(&d, &relid) || vmbus_info(&inf))
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
	vmbus_platform_stop();
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
	return 0;
}
