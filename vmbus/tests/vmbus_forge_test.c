/*
 * The host cannot speak for the paravisor (docs/vmbus.md, "Who may speak"), end to end
 * against sim/ on SNP and TDX with OpenHCL: the runtime's synic/, vmbus/, ring/,
 * mem/ code unchanged, the host writing whatever it likes into the hypervisor SIMP of a
 * confidential connection (sim_host_forge_hv_message, hostile.forge_hv_msg_pm) and
 * naming the hypervisor SynIC pages (hostile.hv_simp_lie / hv_siefp_lie).
 *
 * Forged messages are built here byte by byte from the VMBus layouts (Linux
 * include/linux/hyperv.h vmbus_channel_*; openvmm vm/devices/vmbus/vmbus_core/src/
 * protocol.rs), not from the runtime's wire header.
 */
#include "tests/unit/ut.h"
#include "sim/sim.h"
#include "vmbus/tests/simhost.h"
#include <umbra/vmbus.h>
#include "vmbus/vmbus_api.h"
#include "synic/synic.h"
#include "arch/x86_64/hw.h"

#define WAIT_NS 1000000000ull
#define RING (16u << 10)

static const enum sim_platform PLAT[2] = { SIM_SNP_PARAVISOR, SIM_TDX_PARAVISOR };

static bool machine(enum sim_platform p, const struct sim_hostile *h, uint64_t seed)
{
	struct sim_config cfg;
	sim_config_default(&cfg, p);
	cfg.seed = seed;
	cfg.ram_bytes = 8ull << 20;
	if (h)
		cfg.hostile = *h;
	return simhost_start(&cfg, NULL) == 0;
}

static void put32(uint8_t *m, unsigned off, uint32_t v) { memcpy(m + off, &v, 4); }
static void put16(uint8_t *m, unsigned off, uint16_t v) { memcpy(m + off, &v, 2); }

/* RescindChannelOffer (type 2): header, child_relid. */
static void forge_rescind(uint32_t relid)
{
	uint8_t m[12] = { 0 };
	put32(m, 0, 2);
	put32(m, 8, relid);
	UT_EQ(sim_host_forge_hv_message(0, m, sizeof(m)), 0);
}

/* OfferChannel (type 1, 196 bytes): the same device, no 0x2/0x4, another relid. */
static void forge_offer(const struct vmbus_offer_info *like, uint32_t relid, uint32_t connid)
{
	uint8_t m[196] = { 0 };
	put32(m, 0, 1);
	memcpy(m + 8, like->class_id.b, 16);
	memcpy(m + 24, like->instance_id.b, 16);
	put16(m, 56, 0);                        /* chn_flags: host-visible */
	put16(m, 180, like->subchannel_index);
	put32(m, 184, relid);
	put32(m, 192, connid);
	UT_EQ(sim_host_forge_hv_message(0, m, sizeof(m)), 0);
}

static uint64_t untrusted(void)
{
	struct synic_stats st;
	synic_get_stats(&st);
	return st.msgs_untrusted;
}

/* n in-band packets through an echo channel, each checked. */
static int echo(struct vmbus_channel *c, int n)
{
	uint8_t out[256], in[512];
	for (int i = 0; i < n; i++) {
		size_t len = 8 + (size_t)(i * 37) % 200;
		for (size_t k = 0; k < len; k++)
			out[k] = (uint8_t)(i + k);
		int rc = vmbus_send(c, out, len, (uint64_t)i + 1, 0);
		if (rc)
			return rc;
		struct vmbus_packet p;
		rc = vmbus_recv(c, in, sizeof(in), &p, WAIT_NS);
		if (rc < 0)
			return rc;
		if (p.len < len || memcmp(in, out, len))
			return -1000 - i;
	}
	return 0;
}

static struct vmbus_channel *open_echo(bool relayed, uint32_t *relid, struct vmbus_offer_info *info)
{
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO, .relayed = relayed };
	if (sim_add_device(&d, relid))
		return NULL;
	bool found = false;
	for (int tries = 0; tries < 100 && !found; tries++) {
		vmbus_info(&(struct vmbus_info){ 0 });        /* take the hot-add offer */
		for (unsigned i = 0; !found && vmbus_offer_get(i, info) == 0; i++)
			found = info->relid == *relid;
		if (!found)
			sim_run(100000);
	}
	if (!found)
		return NULL;
	struct vmbus_open_params op = { .send_ring_bytes = RING, .recv_ring_bytes = RING };
	struct vmbus_channel *c = NULL;
	int rc = vmbus_open(*relid, &op, &c);
	if (rc)
		fprintf(stderr, "open relid %u: %s\n", *relid, umbra_strerror(rc));
	return rc == 0 ? c : NULL;
}

/* The host writes a message straight into slot 2 of the hypervisor SIMP page (host
 * memory: it needs no hypercall and no enabled SynIC for that). */
static void poke_hv_slot(const uint8_t *payload, uint8_t n)
{
	struct sim_synic_regs r;
	UT_EQ(sim_synic_regs(0, false, &r), 0);
	uint8_t *slot = hw_phys_to_virt((r.simp & ~0xFFFull) | sim_shared_boundary());
	UT_REQUIRE(slot);
	slot += 2 * 256;
	uint8_t m[256] = { 1, 0, 0, 0, n, 1 };   /* type 1 (VMBus), size, message pending */
	memcpy(m + 16, payload, n);
	memcpy(slot, m, sizeof(m));
}

/* A VersionResponse(refused) written before connect would downgrade the connection to
 * 5.3 without 0x10; an accepted one without 0x10 would make it non-confidential. Both
 * as a page write before bring-up and as forged messages during the connect. */
static void t_forged_version(void)
{
	for (int k = 0; k < 2; k++) {
		UT_REQUIRE(machine(PLAT[k], NULL, 7));
		uint8_t vr[20] = { 15, 0, 0, 0, 0, 0, 0, 0, 0 };   /* VersionResponse refused */
		poke_hv_slot(vr, 16);
		struct vmbus_info vi;
		UT_EQ(vmbus_info(&vi), 0);
		UT_CHECK(vi.confidential);
		UT_EQ(vi.version, 0x00060000);
		UT_CHECK(untrusted() >= 1);
		UT_CHECK(sim_ok());
		for (uint64_t seed = 1; seed <= 8; seed++) {
			struct sim_hostile h = { .forge_hv_msg_pm = 300 };
			UT_REQUIRE(machine(PLAT[k], &h, seed));
			UT_EQ(vmbus_info(&vi), 0);
			UT_CHECK(vi.confidential);
			UT_EQ(vi.version, 0x00060000);
			UT_CHECK(untrusted() >= 1);
			UT_CHECK(sim_ok());
		}
	}
}

/* A forged Rescind plus a forged re-offer of the same device without 0x2 would make the
 * app re-open "its" device with host-visible rings. */
static void t_forged_rescind_reoffer(void)
{
	for (int k = 0; k < 2; k++) {
		UT_REQUIRE(machine(PLAT[k], NULL, 11));
		uint32_t relid;
		struct vmbus_offer_info info;
		struct vmbus_channel *c = open_echo(false, &relid, &info);
		UT_REQUIRE(c);
		UT_CHECK(info.confidential_ring);
		int before = vmbus_offer_count();
		forge_rescind(relid);
		forge_offer(&info, relid + 20, 0x3000 + relid);
		struct vmbus_info vi;
		UT_EQ(vmbus_info(&vi), 0);
		UT_EQ(vmbus_offer_count(), before);
		struct vmbus_offer_info f;
		UT_EQ(vmbus_find(&info.class_id, 0, &f), 0);
		UT_EQ(f.relid, relid);
		UT_CHECK(f.confidential_ring);
		UT_CHECK(!f.rescinded);
		UT_EQ(vmbus_find(&info.class_id, 1, &f), UMBRA_ENOENT);
		UT_EQ(echo(c, 50), 0);
		UT_EQ(vmbus_close(c), 0);
		UT_CHECK(untrusted() >= 2);
		UT_CHECK(sim_ok());
	}
}

/* The host forges control messages all the time (offers, rescinds, OpenResult,
 * GpadlCreated, GpadlTorndown with the ids in use): nothing of it reaches the protocol
 * core, every operation completes as the paravisor answered it. */
static void t_forged_noise(void)
{
	for (int k = 0; k < 2; k++) {
		struct sim_hostile h = { .forge_hv_msg_pm = 200 };
		UT_REQUIRE(machine(PLAT[k], &h, 13 + (uint64_t)k));
		for (int round = 0; round < 4; round++) {
			uint32_t r1, r2;
			struct vmbus_offer_info i1, i2;
			struct vmbus_channel *c1 = open_echo(false, &r1, &i1);
			struct vmbus_channel *c2 = open_echo(true, &r2, &i2);
			UT_REQUIRE(c1 && c2);
			UT_CHECK(i1.confidential_ring);
			UT_CHECK(!i2.confidential_ring);
			UT_EQ(echo(c1, 100), 0);
			UT_EQ(echo(c2, 100), 0);
			UT_EQ(vmbus_close(c1), 0);
			UT_EQ(vmbus_close(c2), 0);
		}
		const struct vmbus_conn *conn = vmbus_api_conn();
		UT_REQUIRE(conn);
		struct sim_server_info si;
		sim_server_info(&si);
		/* every message the protocol core handled is one the paravisor sent */
		UT_EQ(conn->stats.rx, si.msgs_out);
		UT_EQ(conn->stats.unexpected, 0);
		UT_CHECK(untrusted() > 0);
		UT_CHECK(sim_ok());
		if (!sim_ok())
			fprintf(stderr, "sim: %s\n", sim_last_problem());
	}
}

/* The host names the hypervisor SIMP/SIEFP: a private page of ours (in either alias), a
 * page outside RAM, zero, or with reserved bits. Refused, our own host-visible pages
 * programmed instead, and relayed channels (events on the hypervisor SIEFP) work. */
static void t_host_named_pages(void)
{
	static const uint8_t lies[] = { SIM_LIE_PRIVATE, SIM_LIE_NOT_RAM, SIM_LIE_ZERO, SIM_LIE_UNALIGNED };
	for (int k = 0; k < 2; k++) {
		for (unsigned l = 0; l < sizeof(lies); l++) {
			uint64_t gpa, n;
			struct sim_hostile h = { .hv_simp_lie = lies[l], .hv_siefp_lie = lies[l] };
			UT_REQUIRE(machine(PLAT[k], NULL, 17));
			UT_REQUIRE(sim_ram_free_range(&gpa, &n) == 0);
			h.hv_page_lie_gpa = gpa + (n / 2) * 4096;
			UT_REQUIRE(machine(PLAT[k], &h, 17));
			uint32_t relid;
			struct vmbus_offer_info info;
			struct vmbus_channel *c = open_echo(true, &relid, &info);
			UT_REQUIRE(c);
			UT_EQ(echo(c, 100), 0);
			UT_EQ(vmbus_close(c), 0);
			struct synic_stats st;
			synic_get_stats(&st);
			UT_EQ(st.hv_pages_refused, 2);
			UT_CHECK(sim_ok());
			if (!sim_ok())
				fprintf(stderr, "lie %u: sim: %s\n", lies[l], sim_last_problem());
		}
	}
}

int main(void)
{
	UT_RUN(t_forged_version);
	UT_RUN(t_forged_rescind_reoffer);
	UT_RUN(t_forged_noise);
	UT_RUN(t_host_named_pages);
	return UT_DONE();
}
