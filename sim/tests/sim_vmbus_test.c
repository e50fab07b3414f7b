/* The simulated VMBus server against OpenHCL's: openvmm
 * vm/devices/vmbus/vmbus_server/src/channels.rs and vmbus_ring, as listed rule by rule in
 * docs/sim-fidelity.md "VMBus server messages" and "Rings and devices". */
#include "sim/tests/test_util.h"

static struct sg G;
static uint8_t B[4096];
static uint32_t L;

/* Machine with one paravisor echo (relid 1), one relayed echo (2), one GPA-direct
 * device with confidential external memory (3), one relayed GPA-direct (4). */
static int boot(enum sim_platform p, bool conf)
{
	tu_config(p);
	if (tu_start())
		return -1;
	struct sim_device_desc d[4] = {
		{ .kind = SIM_DEV_ECHO },
		{ .kind = SIM_DEV_ECHO, .relayed = true },
		{ .kind = SIM_DEV_GPA_DIRECT, .confidential_external_memory = true },
		{ .kind = SIM_DEV_GPA_DIRECT, .relayed = true },
	};
	for (int i = 0; i < 4; i++)
		if (sim_add_device(&d[i], NULL))
			return -1;
	return sg_init(&G, conf);
}

static int connect_offers(uint32_t features, struct vm_offer *offs, unsigned *n)
{
	if (sg_connect(&G, VMV_COPPER, features, B, &L))
		return -1;
	return sg_offers(&G, offs, 8, n);
}

static int post(const void *m, uint32_t len)
{
	return (int)sg_post(&G, sg_msg_route(&G), 1, m, len);
}

static void t_versions_exact_match_and_reply_forms(void)
{
	static const uint32_t v[11] = { VMV_V1, VMV_WIN7, VMV_WIN8, VMV_WIN8_1, VMV_WIN10, VMV_RS3_0,
		VMV_RS3_1, VMV_RS4, VMV_RS5, VMV_IRON, VMV_COPPER };
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	for (int i = 0; i < 11; i++) {
		TU_REQ(sg_connect(&G, v[i], 0, B, &L) == 0);
		UT_EQ(L, v[i] == VMV_COPPER ? 20 : 16);
		UT_EQ(B[8], 1);
		UT_EQ(B[9], 0);
		UT_EQ(tu_u32(B, 12), v[i] >= VMV_RS3_1 ? 1 : v[i]);
	}
	static const uint32_t bad[4] = { 0x00050004, 0x00060001, 0x00070000, 0 };
	for (int i = 0; i < 4; i++) {
		TU_REQ(sg_connect(&G, bad[i], VMF_CONFIDENTIAL, B, &L) == 0);
		UT_EQ(L, 16);
		for (int k = 8; k < 16; k++)
			UT_EQ(B[k], 0);
	}
	struct sim_server_info si;
	sim_server_info(&si);
	UT_CHECK(!si.connected);
	/* Monitor pages must be both zero or both non-zero. */
	struct vm_initiate m;
	tu_initiate(&m, VMV_COPPER, 0);
	m.monitor1 = 0x1000;
	UT_EQ(post(&m, 40), 0);
	TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
	UT_EQ(L, 20);
	UT_EQ(B[8], 1);
	UT_EQ(B[9], 2);
	/* Client id requested with the 32-byte body: dropped, no reply. */
	m.monitor1 = 0;
	m.features = VMF_CLIENT_ID;
	UT_EQ(post(&m, 40), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	UT_EQ(post(&m, 56), 0);
	TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
	UT_EQ(tu_u32(B, 16), VMF_CLIENT_ID);
	/* Multiclient port with SINT != 2: unsupported reply on that SINT (not 2). */
	tu_initiate(&m, VMV_COPPER, 0);
	m.sint = 3;
	UT_EQ(sg_post(&G, SG_DIRECT, 4, &m, 40), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	UT_CHECK(sim_ok());
}

static void t_feature_flags_and_trust(void)
{
	/* Trusted (direct) InitiateContact gets 0x10; unknown flags are masked. */
	TU_REQ(boot(SIM_TDX_PARAVISOR, true) == 0);
	TU_REQ(sg_connect(&G, VMV_COPPER, 0xFFFFFFF7u, B, &L) == 0);
	UT_EQ(tu_u32(B, 16), VMF_GUEST_SIGNAL | VMF_REDIRECT | VMF_MODIFY_CONN | VMF_CONFIDENTIAL | VMF_PAUSE_RESUME);
	struct sim_server_info si;
	sim_server_info(&si);
	UT_CHECK(si.trusted);
	/* After a trusted connect, untrusted messages are dropped (even InitiateContact). */
	struct vm_hdr h = { VM_REQUEST_OFFERS, 0 };
	UT_EQ(sg_post(&G, SG_BYPASS, 1, &h, 8), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	sim_server_info(&si);
	UT_EQ(si.msgs_dropped_untrusted, 1);
	/* Untrusted InitiateContact never gets 0x10. */
	TU_REQ(boot(SIM_SNP_PARAVISOR, false) == 0);
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	UT_EQ(tu_u32(B, 16), 0);
	sim_server_info(&si);
	UT_CHECK(!si.trusted);
	/* Trusted messages on an untrusted connection are accepted. */
	UT_EQ(sg_post(&G, SG_DIRECT, 1, &h, 8), 0);
	TU_REQ(sg_expect(&G, VM_ALL_OFFERS, B, &L, TU_WAIT) == 0);
	/* Before Copper the flag bytes are ignored. */
	TU_REQ(sg_connect(&G, VMV_IRON, VMF_CONFIDENTIAL, B, &L) == 0);
	UT_EQ(L, 16);
	sim_server_info(&si);
	UT_EQ(si.features, 0);
	/* Not a CVM: never 0x10. */
	TU_REQ(boot(SIM_HYPERV, false) == 0);
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	UT_EQ(tu_u32(B, 16) & VMF_CONFIDENTIAL, 0);
	UT_CHECK(sim_ok());
}

static void t_offers_flags_and_ids(void)
{
	struct vm_offer o[8];
	unsigned n;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	TU_REQ(n == 4);
	static const uint16_t flags[4] = { 0x2, 0x0, 0x6, 0x0 };
	for (unsigned i = 0; i < n; i++) {
		UT_EQ(o[i].h.type, VM_OFFER);
		UT_EQ(o[i].relid, i + 1);
		UT_EQ(o[i].connection_id, 0x2000 + i + 1);
		UT_EQ(o[i].flags, flags[i]);
		UT_EQ(o[i].monitor_allocated, 0);
		UT_EQ(o[i].is_dedicated, 1);
	}
	/* Second RequestOffers is dropped. */
	struct vm_hdr h = { VM_REQUEST_OFFERS, 0 };
	UT_EQ(post(&h, 8), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	/* Without 0x10 granted the confidential flags are stripped. */
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(0, o, &n) == 0);
	for (unsigned i = 0; i < n; i++)
		UT_EQ(o[i].flags, 0);
	/* Legacy paravisor: never. */
	TU_REQ(boot(SIM_TDX_LEGACY_PARAVISOR, false) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	UT_EQ(n, 4);
	for (unsigned i = 0; i < n; i++)
		UT_EQ(o[i].flags, 0);
	/* Hot add after offers: offered at once. */
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
	uint32_t relid;
	TU_REQ(sim_add_device(&d, &relid) == 0);
	TU_REQ(sg_expect(&G, VM_OFFER, B, &L, TU_WAIT) == 0);
	UT_EQ(L, 196);
	UT_EQ(tu_u32(B, 184), relid);
	UT_CHECK(sim_ok());
}

static void t_gpadl_pfn_limits_and_reassembly(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	uint64_t gpa = sg_alloc(&G, 100);
	/* 26 PFNs fit the header message (20 + 8 + 26*8 = 236 <= 240). */
	TU_REQ(sg_gpadl(&G, 1, 100, gpa, 26, false, &st) == 0);
	UT_EQ(st, 0);
	/* 26 + 28 + 28 + 8 = 90 pages: header and three bodies. */
	TU_REQ(sg_gpadl(&G, 1, 101, gpa, 90, false, &st) == 0);
	UT_EQ(st, 0);
	/* A 27th PFN in the header does not fit a SynIC message: HvPostMessage says 0x5. */
	uint8_t m[256];
	memset(m, 0, sizeof(m));
	struct vm_gpadl_header h = { { VM_GPADL_HEADER, 0 }, 1, 102, 8 + 8 * 27, 1 };
	memcpy(m, &h, sizeof(h));
	UT_EQ(sg_post(&G, SG_DIRECT, 1, m, 20 + 8 + 27 * 8), HVS_INVALID_PARAMETER);
	/* A 29th PFN in a body likewise (16 + 29*8 = 248). */
	UT_EQ(sg_post(&G, SG_DIRECT, 1, m, 16 + 29 * 8), HVS_INVALID_PARAMETER);
	/* Duplicate GPADL id on the channel: failure status. */
	TU_REQ(sg_gpadl(&G, 1, 100, gpa, 2, false, &st) == 0);
	UT_EQ(st, VMBUS_STATUS_UNSUCCESSFUL);
	/* byte_offset > 0xFFF: failure. */
	uint32_t range[2] = { 4096, 0x1000 };
	h.gpadl = 103;
	h.range_len = 8 + 16;
	memcpy(m, &h, sizeof(h));
	memcpy(m + 20, range, 8);
	uint64_t pfn[2] = { gpa >> 12, (gpa >> 12) + 1 };
	memcpy(m + 28, pfn, 16);
	UT_EQ(post(m, 44), 0);
	TU_REQ(sg_expect(&G, VM_GPADL_CREATED, B, &L, TU_WAIT) == 0);
	UT_EQ(L, 20);
	UT_EQ(tu_u32(B, 12), 103);
	UT_EQ(tu_u32(B, 16), VMBUS_STATUS_UNSUCCESSFUL);
	/* GPADL for an unknown channel: GpadlCreated with the failure status, for that relid
	 * and GPADL id (openvmm channels.rs handle_gpadl_header answers every header error). */
	h.relid = 30;
	h.gpadl = 104;
	h.range_len = 16;
	range[1] = 0;
	memcpy(m, &h, sizeof(h));
	memcpy(m + 20, range, 8);
	UT_EQ(post(m, 36), 0);
	TU_REQ(sg_expect(&G, VM_GPADL_CREATED, B, &L, TU_WAIT) == 0);
	UT_EQ(L, 20);
	UT_EQ(tu_u32(B, 8), 30);
	UT_EQ(tu_u32(B, 12), 104);
	UT_EQ(tu_u32(B, 16), VMBUS_STATUS_UNSUCCESSFUL);
	/* The same with a header that announces bodies: the header is answered at once, the
	 * body that follows names no GPADL in progress and gets no answer (handle_gpadl_body). */
	h.gpadl = 105;
	h.range_len = 8 + 8 * 30;
	range[0] = 30 * 4096;
	memcpy(m, &h, sizeof(h));
	memcpy(m + 20, range, 8);
	UT_EQ(post(m, 36), 0);
	TU_REQ(sg_expect(&G, VM_GPADL_CREATED, B, &L, TU_WAIT) == 0);
	UT_EQ(tu_u32(B, 12), 105);
	UT_EQ(tu_u32(B, 16), VMBUS_STATUS_UNSUCCESSFUL);
	struct sim_server_info si0, si1;
	sim_server_info(&si0);
	uint8_t body[16 + 8 * 4] = { VM_GPADL_BODY };
	body[8] = 0; /* msgnum */
	memcpy(body + 12, &h.gpadl, 4);
	UT_EQ(post(body, sizeof(body)), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	sim_server_info(&si1);
	UT_EQ(si1.msgs_dropped_invalid, si0.msgs_dropped_invalid + 1);
	UT_CHECK(sim_ok());
}

static int open_raw(uint32_t relid, uint32_t gpadl, uint32_t off, uint32_t len, uint32_t *status)
{
	struct vm_open o;
	memset(&o, 0, sizeof(o));
	o.h.type = VM_OPEN;
	o.relid = relid;
	o.open_id = 77;
	o.gpadl = gpadl;
	o.downstream_offset = off;
	if (post(&o, len))
		return -1;
	int rc = sg_expect(&G, VM_OPEN_RESULT, B, &L, TU_WAIT);
	if (rc)
		return rc;
	*status = tu_u32(B, 16);
	return L == 20 && tu_u32(B, 8) == relid && tu_u32(B, 12) == 77 ? 0 : -2;
}

static void t_open_memory_type_check(void)
{
	for (int p = SIM_SNP_PARAVISOR; p <= SIM_TDX_PARAVISOR; p++) {
		struct vm_offer o[8];
		unsigned n;
		uint32_t st;
		TU_REQ(boot(p, true) == 0);
		TU_REQ(connect_offers(VMF_CONFIDENTIAL | VMF_REDIRECT, o, &n) == 0);
		uint64_t priv = sg_alloc(&G, 8), shared = sg_alloc(&G, 8);
		TU_REQ(sg_visibility(&G, shared, 8, true) == 0);
		/* GPADLs are always accepted; the check happens at open. */
		TU_REQ(sg_gpadl(&G, 1, 1, shared, 8, false, &st) == 0 && st == 0);
		TU_REQ(sg_gpadl(&G, 1, 2, priv, 8, true, &st) == 0 && st == 0);
		TU_REQ(sg_gpadl(&G, 2, 3, priv, 8, false, &st) == 0 && st == 0);
		TU_REQ(sg_gpadl(&G, 2, 4, shared, 8, true, &st) == 0 && st == 0);
		TU_REQ(sg_gpadl(&G, 1, 5, priv, 8, false, &st) == 0 && st == 0);
		/* Confidential ring in host-visible memory, or named through the alias: refused. */
		TU_REQ(open_raw(1, 1, 4, 156, &st) == 0);
		UT_EQ(st, VMBUS_STATUS_UNSUCCESSFUL);
		TU_REQ(open_raw(1, 2, 4, 156, &st) == 0);
		UT_EQ(st, VMBUS_STATUS_UNSUCCESSFUL);
		/* Relayed ring in private memory: refused. */
		TU_REQ(open_raw(2, 3, 4, 156, &st) == 0);
		UT_EQ(st, VMBUS_STATUS_UNSUCCESSFUL);
		/* Relayed ring host-visible (alias PFNs accepted too): ok. */
		TU_REQ(open_raw(2, 4, 4, 156, &st) == 0);
		UT_EQ(st, 0);
		/* Ring layout: downstream offset must leave >= 2 pages each side. */
		TU_REQ(open_raw(1, 5, 1, 156, &st) == 0);
		UT_EQ(st, VMBUS_STATUS_UNSUCCESSFUL);
		TU_REQ(open_raw(1, 5, 7, 156, &st) == 0);
		UT_EQ(st, VMBUS_STATUS_UNSUCCESSFUL);
		/* OpenChannel (148 bytes) when 0x1/0x2 were negotiated: dropped. */
		UT_EQ(open_raw(1, 5, 4, 148, &st), UMBRA_ETIMEDOUT);
		TU_REQ(open_raw(1, 5, 4, 156, &st) == 0);
		UT_EQ(st, 0);
		/* Already open: dropped. */
		UT_EQ(open_raw(1, 5, 4, 156, &st), UMBRA_ETIMEDOUT);
		struct sim_channel_info ci;
		TU_REQ(sim_channel_info(1, &ci) == 0);
		UT_EQ(ci.state, SIM_CHAN_OPEN);
		UT_CHECK(ci.confidential_ring);
		UT_EQ(ci.connection_id, 0x2001);
		UT_EQ(ci.event_flag, 1);
		UT_CHECK(sim_ok());
	}
	/* Legacy paravisor: every ring must be host-visible. */
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_LEGACY_PARAVISOR, false) == 0);
	TU_REQ(connect_offers(0, o, &n) == 0);
	uint64_t priv = sg_alloc(&G, 8);
	TU_REQ(sg_gpadl(&G, 1, 9, priv, 8, false, &st) == 0 && st == 0);
	TU_REQ(open_raw(1, 9, 4, 148, &st) == 0);
	UT_EQ(st, VMBUS_STATUS_UNSUCCESSFUL);
}

static void t_ring_endpoint_setup_and_echo(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	struct sg_chan c;
	TU_REQ(sg_open_channel(&G, 1, 4, true, &c, &st) == 0 && st == 0);
	/* At open: incoming (g2h) interrupt_mask = 1, outgoing feature_bits = 1, pss = 0. */
	UT_EQ(tu_u32(c.out.base, 8), 1);
	UT_EQ(tu_u32(c.in.base, 64), 1);
	UT_EQ(tu_u32(c.in.base, 12), 0);
	/* Idle: the server unmasks. */
	sim_run(1000000);
	UT_EQ(tu_u32(c.out.base, 8), 0);
	/* Echo: in-band -> in-band; completion requested -> completion, same tid and payload. */
	TU_REQ(sg_chan_send(&G, &c, PKT_INBAND, 0, 0x1234, "0123456789abcdefXYZ", 19) == 0);
	TU_REQ(sg_chan_recv(&G, &c, B, sizeof(B), &L, TU_WAIT) == 0);
	struct vm_pkt h;
	memcpy(&h, B, 16);
	UT_EQ(h.type, PKT_INBAND);
	UT_EQ(h.tid, 0x1234);
	UT_EQ(h.offset8, 2);
	UT_EQ(h.len8, (16 + 19 + 7) / 8);
	UT_EQ(memcmp(B + 16, "0123456789abcdefXYZ", 19), 0);
	UT_EQ(B[16 + 19], 0); /* padding zeroed */
	TU_REQ(sg_chan_send(&G, &c, PKT_INBAND, PKT_FLAG_COMP, 0x99, "ping", 4) == 0);
	TU_REQ(sg_chan_recv(&G, &c, B, sizeof(B), &L, TU_WAIT) == 0);
	memcpy(&h, B, 16);
	UT_EQ(h.type, PKT_COMP);
	UT_EQ(h.tid, 0x99);
	/* Many packets, wrapping the ring several times. */
	for (int i = 0; i < 400; i++) {
		uint8_t pl[100];
		memset(pl, i, sizeof(pl));
		TU_REQ(sg_chan_send(&G, &c, PKT_INBAND, PKT_FLAG_COMP, (uint64_t)i, pl, 30 + i % 70) == 0);
		TU_REQ(sg_chan_recv(&G, &c, B, sizeof(B), &L, TU_WAIT) == 0);
		memcpy(&h, B, 16);
		UT_EQ(h.tid, (uint64_t)i);
		UT_EQ(B[16], (uint8_t)i);
	}
	struct sim_channel_info ci;
	sim_channel_info(1, &ci);
	UT_EQ(ci.packets_in, 402);
	UT_EQ(ci.packets_out, 402);
	UT_CHECK(sim_ok());
}

/* sim_rescind_after: the device answers exactly N packets, then the channel is
 * rescinded; or at a time, even while the guest only waits. */
static void t_scheduled_rescind(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	UT_EQ(sim_rescind_after(9, 1, 0), UMBRA_ENOENT);
	UT_EQ(sim_rescind_after(1, 0, 0), UMBRA_EINVAL);
	TU_REQ(sim_rescind_after(1, 3, 0) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	struct sg_chan c;
	TU_REQ(sg_open_channel(&G, 1, 4, true, &c, &st) == 0 && st == 0);
	for (int i = 0; i < 5; i++)
		TU_REQ(sg_chan_send(&G, &c, PKT_INBAND, PKT_FLAG_COMP, (uint64_t)i, "ping", 4) == 0);
	unsigned answers = 0, rescinds = 0;
	for (int k = 0; k < 3; k++)
		answers += sg_chan_recv(&G, &c, B, sizeof(B), &L, TU_WAIT) == 0;
	while (sg_recv(&G, B, &L, TU_WAIT, NULL) == 0)
		rescinds += tu_u32(B, 0) == VM_RESCIND && tu_u32(B, 8) == 1;
	UT_EQ(answers, 3);
	UT_EQ(sg_chan_recv(&G, &c, B, sizeof(B), &L, TU_WAIT), UMBRA_ETIMEDOUT);
	UT_EQ(rescinds, 1);
	struct sim_channel_info ci;
	sim_channel_info(1, &ci);
	UT_EQ(ci.state, SIM_CHAN_RESCINDED);
	UT_EQ(ci.packets_in, 3);
	UT_EQ(sim_rescind_after(1, 1, 0), UMBRA_ENOENT);
	/* by time: relid 2, 40 ms from now, while the guest just waits for a message */
	uint64_t t = sim_now() + 40000000ull;
	TU_REQ(sim_rescind_after(2, 0, t) == 0);
	TU_REQ(sg_recv(&G, B, &L, 100000000ull, NULL) == 0);
	UT_EQ(tu_u32(B, 0), VM_RESCIND);
	UT_EQ(tu_u32(B, 8), 2);
	UT_CHECK(sim_now() >= t);
	UT_CHECK(sim_now() < t + 1000000);
	UT_CHECK(sim_ok());
}

static void t_flow_control_pending_send_size(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_TDX_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	struct sg_chan c;
	TU_REQ(sg_open_channel(&G, 1, 2, true, &c, &st) == 0 && st == 0);
	/* The guest masks its inbound ring, so the only signal left is flow control. */
	uint32_t one = 1;
	memcpy(c.in.base + 8, &one, 4);
	/* Fill the h2g ring (4 KiB data) with echoes the guest does not read. */
	uint8_t pl[500];
	memset(pl, 0x42, sizeof(pl));
	for (int sent = 0; sent < 10; sent++) {
		TU_REQ(sg_chan_send(&G, &c, PKT_INBAND, 0, (uint64_t)sent, pl, sizeof(pl)) == 0);
		sim_run(100000);
	}
	struct sim_channel_info ci;
	sim_channel_info(1, &ci);
	UT_CHECK(ci.packets_out < 10);
	uint32_t pss = tu_u32(c.in.base, 12);
	UT_CHECK(pss >= 528 && (pss & 7) == 0); /* server blocked: pending_send_size, 8-aligned */
	UT_CHECK(tu_u32(c.out.base, 0) != tu_u32(c.out.base, 4)); /* g2h not drained */
	/* The guest is "blocked" too and asks to be told when the whole ring is free, with
	 * the low bits set as some writers do: only the `& ~7` rule makes that reachable. */
	uint32_t want = c.out.dsize | 7;
	memcpy(c.out.base + 12, &want, 4);
	uint64_t s0 = ci.signals_out;
	unsigned got = 0;
	while (sg_ring_read(&c.in, B, sizeof(B), &L) == 0)
		got++;
	UT_CHECK(got > 0);
	sg_signal(&G, SG_BYPASS, c.conn_id); /* reader freed space past the server's pss */
	sim_run(1000000);
	while (sg_ring_read(&c.in, B, sizeof(B), &L) == 0)
		got++;
	UT_EQ(got, 10);
	UT_EQ(tu_u32(c.in.base, 12), 0); /* unblocked: pss cleared */
	UT_EQ(tu_u32(c.out.base, 0), tu_u32(c.out.base, 4));
	sim_channel_info(1, &ci);
	UT_EQ(ci.packets_out, 10);
	UT_EQ(ci.signals_out, s0 + 1);
	UT_CHECK(sim_ok());
}

static void t_gpa_direct_device(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	struct sg_chan cc, cr;
	TU_REQ(sg_open_channel(&G, 3, 2, true, &cc, &st) == 0 && st == 0);
	TU_REQ(sg_open_channel(&G, 4, 2, false, &cr, &st) == 0 && st == 0);
	uint64_t priv = sg_alloc(&G, 2), shared = sg_alloc(&G, 2);
	TU_REQ(sg_visibility(&G, shared, 2, true) == 0);
	struct { uint32_t rsvd, count, bc, bo; uint64_t pfn[2]; struct sim_dma_cmd cmd; } __attribute__((packed)) pk;
	for (int k = 0; k < 4; k++) {
		struct sg_chan *c = k < 2 ? &cc : &cr;
		uint64_t buf = (k % 2 == 0) ? priv : shared;
		bool ok = (k == 0) || (k == 3); /* conf ext -> private only; relayed -> shared only */
		memset(&pk, 0, sizeof(pk));
		pk.count = 1;
		pk.bc = 5000;
		pk.bo = 100;
		pk.pfn[0] = buf >> 12;
		pk.pfn[1] = (buf >> 12) + 1;
		pk.cmd.op = SIM_DMA_FILL;
		pk.cmd.arg = 0xAB;
		/* Write a type 9 packet, then point offset8 past the ranges (at the command). */
		uint32_t w = tu_u32(c->out.base, 0);
		TU_REQ(sg_ring_write(&c->out, PKT_GPA_DIRECT, PKT_FLAG_COMP, 5, &pk, sizeof(pk)) >= 0);
		uint16_t off8 = (uint16_t)((16 + sizeof(pk) - sizeof(struct sim_dma_cmd)) / 8);
		memcpy(c->out.base + 4096 + w + 2, &off8, 2);
		sg_signal(&G, SG_BYPASS, c->conn_id);
		TU_REQ(sg_chan_recv(&G, c, B, sizeof(B), &L, TU_WAIT) == 0);
		struct sim_dma_result res;
		memcpy(&res, B + 16, sizeof(res));
		UT_EQ(B[0], PKT_COMP);
		UT_EQ(res.status, ok ? 0 : SIM_DMA_BAD);
		if (ok) {
			bool sh = sim_page_visibility(buf) == SIM_VIS_SHARED;
			uint8_t *p = hw_phys_to_virt(buf | (sh ? sim_shared_boundary() : 0));
			UT_EQ(p[99], 0);
			UT_EQ(p[100], 0xAB);
			UT_EQ(p[5099], 0xAB);
			UT_EQ(p[5100], 0);
			UT_EQ(res.bytes, 5000);
		}
	}
	UT_CHECK(sim_ok());
}

static void t_close_teardown_rescind_release_unload(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	struct sg_chan c;
	TU_REQ(sg_open_channel(&G, 1, 2, true, &c, &st) == 0 && st == 0);
	/* Teardown of the open ring GPADL is deferred until close. */
	struct vm_gpadl_teardown td = { { VM_GPADL_TEARDOWN, 0 }, 1, c.gpadl };
	UT_EQ(post(&td, 16), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	struct vm_u32_msg cl = { { VM_CLOSE, 0 }, 1 };
	UT_EQ(post(&cl, 12), 0);
	TU_REQ(sg_expect(&G, VM_GPADL_TORNDOWN, B, &L, TU_WAIT) == 0);
	UT_EQ(L, 12);
	UT_EQ(tu_u32(B, 8), c.gpadl);
	/* Close has no reply; close of a closed channel is dropped. */
	UT_EQ(post(&cl, 12), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	/* Reopen, then rescind while open: RescindChannelOffer, device stops. */
	TU_REQ(sg_open_channel(&G, 1, 2, true, &c, &st) == 0 && st == 0);
	TU_REQ(sim_rescind(1) == 0);
	TU_REQ(sg_expect(&G, VM_RESCIND, B, &L, TU_WAIT) == 0);
	UT_EQ(L, 12);
	UT_EQ(tu_u32(B, 8), 1);
	struct sim_channel_info ci;
	sim_channel_info(1, &ci);
	UT_EQ(ci.state, SIM_CHAN_RESCINDED);
	/* Open after rescind: no answer. GpadlTeardown: immediate. */
	UT_EQ(open_raw(1, c.gpadl, 2, 156, &st), UMBRA_ETIMEDOUT);
	td.gpadl = c.gpadl;
	UT_EQ(post(&td, 16), 0);
	TU_REQ(sg_expect(&G, VM_GPADL_TORNDOWN, B, &L, TU_WAIT) == 0);
	/* RelIdReleased frees the relid; a new device reuses it. */
	struct vm_u32_msg rr = { { VM_RELID_RELEASED, 0 }, 1 };
	UT_EQ(post(&rr, 12), 0);
	sim_run(1000000);
	UT_EQ(sim_channel_info(1, &ci), UMBRA_ENOENT);
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
	uint32_t relid;
	TU_REQ(sim_add_device(&d, &relid) == 0);
	UT_EQ(relid, 1);
	TU_REQ(sg_expect(&G, VM_OFFER, B, &L, TU_WAIT) == 0);
	/* Unload: UnloadComplete (header only); then only InitiateContact is accepted. */
	struct vm_hdr u = { VM_UNLOAD, 0 };
	UT_EQ(post(&u, 8), 0);
	TU_REQ(sg_expect(&G, VM_UNLOAD_COMPLETE, B, &L, TU_WAIT) == 0);
	UT_EQ(L, 8);
	UT_EQ(post(&u, 8), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	/* InitiateContact while connected: implicit unload, no UnloadComplete. */
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	UT_CHECK(sim_ok());
	/* A client-direction message from the guest is a guest error. */
	struct vm_hdr bad = { VM_ALL_OFFERS, 0 };
	UT_EQ(post(&bad, 8), 0);
	sim_run(1000000);
	struct sim_stats s;
	sim_get_stats(&s);
	UT_EQ(s.guest_errors, 1);
}

static void t_guest_ring_violations_detected(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	struct sg_chan c;
	TU_REQ(sg_open_channel(&G, 1, 2, true, &c, &st) == 0 && st == 0);
	sim_run(1000000);
	/* Guest writes the server's g2h interrupt_mask: InterruptsExternallyMasked. */
	uint32_t one = 1;
	memcpy(c.out.base + 8, &one, 4);
	TU_REQ(sg_ring_write(&c.out, PKT_INBAND, 0, 1, "x", 1) >= 0);
	sg_signal(&G, SG_BYPASS, c.conn_id);
	sim_run(1000000);
	struct sim_channel_info ci;
	sim_channel_info(1, &ci);
	UT_CHECK(ci.corrupt);
	/* Invalid descriptor type on a fresh channel. */
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	TU_REQ(sg_open_channel(&G, 1, 2, true, &c, &st) == 0 && st == 0);
	TU_REQ(sg_ring_write(&c.out, 3, 0, 1, "x", 1) >= 0);
	sg_signal(&G, SG_BYPASS, c.conn_id);
	sim_run(1000000);
	sim_channel_info(1, &ci);
	UT_CHECK(ci.corrupt);
	/* Unaligned write index. */
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	TU_REQ(sg_open_channel(&G, 1, 2, true, &c, &st) == 0 && st == 0);
	uint32_t w = 12;
	memcpy(c.out.base, &w, 4);
	sg_signal(&G, SG_BYPASS, c.conn_id);
	sim_run(1000000);
	sim_channel_info(1, &ci);
	UT_CHECK(ci.corrupt);
	struct sim_stats s;
	sim_get_stats(&s);
	UT_EQ(s.guest_errors, 1);
}

static void t_unstick_after_open(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	struct sg_chan c;
	TU_REQ(sg_open_channel(&G, 1, 2, true, &c, &st) == 0 && st == 0);
	TU_REQ(sg_chan_send(&G, &c, PKT_INBAND, 0, 1, "abc", 3) == 0);
	sim_run(1000000);
	struct sim_channel_info ci;
	sim_channel_info(1, &ci);
	uint64_t s0 = ci.signals_out;
	/* The guest has not read the reply: 100 ms after open the server re-signals. */
	sim_run(200000000);
	sim_channel_info(1, &ci);
	UT_EQ(ci.signals_out, s0 + 1);
}

static void t_pause_resume_and_modify_connection(void)
{
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL | VMF_PAUSE_RESUME | VMF_MODIFY_CONN, B, &L) == 0);
	UT_EQ(tu_u32(B, 16), VMF_CONFIDENTIAL | VMF_PAUSE_RESUME | VMF_MODIFY_CONN);
	uint64_t mc[3] = { VM_MODIFY_CONNECTION, 0, 0 };
	UT_EQ(post(mc, 24), 0);
	TU_REQ(sg_expect(&G, VM_MODIFY_CONNECTION_RESPONSE, B, &L, TU_WAIT) == 0);
	UT_EQ(L, 9);
	UT_EQ(B[8], 0);
	struct vm_hdr h = { VM_PAUSE, 0 };
	UT_EQ(post(&h, 8), 0);
	TU_REQ(sg_expect(&G, VM_PAUSE_RESPONSE, B, &L, TU_WAIT) == 0);
	/* While paused: requests are dropped, and server-initiated messages are held. */
	h.type = VM_REQUEST_OFFERS;
	UT_EQ(post(&h, 8), 0);
	TU_REQ(sim_rescind(1) == 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	h.type = VM_RESUME;
	UT_EQ(post(&h, 8), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT); /* rescind of an unoffered channel is silent */
	h.type = VM_REQUEST_OFFERS;
	UT_EQ(post(&h, 8), 0);
	unsigned offers = 0;
	for (;;) {
		TU_REQ(sg_recv(&G, B, &L, TU_WAIT, NULL) == 0);
		if (tu_u32(B, 0) == VM_ALL_OFFERS)
			break;
		offers++;
	}
	UT_EQ(offers, 3);
	h.type = VM_PAUSE;
	UT_EQ(post(&h, 8), 0);
	TU_REQ(sg_expect(&G, VM_PAUSE_RESPONSE, B, &L, TU_WAIT) == 0);
	TU_REQ(sim_rescind(2) == 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	h.type = VM_RESUME;
	UT_EQ(post(&h, 8), 0);
	TU_REQ(sg_expect(&G, VM_RESCIND, B, &L, TU_WAIT) == 0);
	UT_EQ(tu_u32(B, 8), 2);
	UT_CHECK(sim_ok());
}

/* Failure forms by version, the multiclient SINT reply, and a client-direction message
 * from a guest that is not connected (openvmm channels.rs send_version_response_with_target;
 * initiate_contact: "unsupported multiclient request" to MessageTarget::Custom;
 * handle_synic_message: "Server received client message"). */
static void t_failure_forms_and_multiclient_sint(void)
{
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	struct vm_initiate m;
	/* Monitor pages mismatched before Win8: the 16-byte zero reply (no state field). */
	tu_initiate(&m, VMV_WIN7, 0);
	m.monitor1 = 0x1000;
	UT_EQ(post(&m, 40), 0);
	TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
	UT_EQ(L, 16);
	for (int k = 8; k < 16; k++)
		UT_EQ(B[k], 0);
	/* From Win8: supported = 1, connection_state = 2, still the 16-byte form. */
	tu_initiate(&m, VMV_WIN8, 0);
	m.monitor2 = 0x1000;
	UT_EQ(post(&m, 40), 0);
	TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
	UT_EQ(L, 16);
	UT_EQ(B[8], 1);
	UT_EQ(B[9], 2);
	struct sim_server_info si;
	sim_server_info(&si);
	UT_CHECK(!si.connected);
	/* Multiclient port, SINT 3: the unsupported reply arrives in SIMP slot 3. */
	hw_wrmsr(MSR_SINT0 + 3, G.vector);
	tu_initiate(&m, VMV_COPPER, 0);
	m.sint = 3;
	UT_EQ(sg_post(&G, SG_DIRECT, 4, &m, 40), 0);
	sim_run(1000000);
	const uint8_t *slot = (const uint8_t *)hw_phys_to_virt(G.pv_simp) + 3 * 256;
	UT_EQ(tu_u32(slot, 0), 1);
	UT_EQ(slot[4], 16);
	UT_EQ(tu_u32(slot, 16), VM_VERSION_RESPONSE);
	for (int k = 24; k < 32; k++)
		UT_EQ(slot[k], 0);
	/* The same on connection 1: SINT forced to 2, so it connects. */
	UT_EQ(sg_post(&G, SG_DIRECT, 1, &m, 40), 0);
	TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
	UT_EQ(B[8], 1);
	UT_EQ(B[9], 0);
	/* Multiclient with VTL != 0 (>= 5.1): forwarded to nobody. */
	tu_initiate(&m, VMV_COPPER, 0);
	m.vtl = 1;
	UT_EQ(sg_post(&G, SG_DIRECT, 4, &m, 40), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	UT_CHECK(sim_ok());
	/* VersionResponse sent by the guest while disconnected: still a guest error. */
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	uint8_t vr[16] = { VM_VERSION_RESPONSE };
	UT_EQ(post(vr, 16), 0);
	sim_run(1000000);
	struct sim_stats s;
	sim_get_stats(&s);
	UT_EQ(s.guest_errors, 1);
}

/* Replies go to the target VP of the last successful InitiateContact; an unsupported
 * version is answered there too, not at the new request's VP (openvmm channels.rs
 * initiate_contact answers it with send_version_response before modify_connection, and only
 * vmbus_server/src/lib.rs modify_connection moves the port: set_target_vp). */
static void t_reply_target_vp(void)
{
	tu_config(SIM_SNP_PARAVISOR)->nvp = 2;
	TU_REQ(tu_start() == 0);
	TU_REQ(sg_init(&G, true) == 0);  /* programs VP 0's SynICs only */
	struct vm_initiate m;
	struct sim_stats s0, s1;
	sim_get_stats(&s0);
	tu_initiate(&m, VMV_COPPER, 1);
	UT_EQ(post(&m, 40), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);  /* went to VP 1 (masked) */
	sim_get_stats(&s1);
	UT_EQ(s1.msgs_dropped - s0.msgs_dropped, 1);
	struct sim_server_info si;
	sim_server_info(&si);
	UT_CHECK(si.connected);
	UT_EQ(si.target_vp, 1);
	/* Unsupported version asked for VP 0: the zero reply still goes to VP 1. */
	tu_initiate(&m, 0x00070000, 0);
	UT_EQ(post(&m, 40), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	sim_get_stats(&s0);
	UT_EQ(s0.msgs_dropped - s1.msgs_dropped, 1);
	/* A supported version for VP 0 is answered on VP 0. */
	tu_initiate(&m, VMV_COPPER, 0);
	UT_EQ(post(&m, 40), 0);
	TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
	UT_EQ(B[8], 1);
	UT_CHECK(sim_ok());
	/* A target VP that does not exist: supported, connection_state 2, and a guest error
	 * (vmbus_server would take any index; our decision). */
	tu_initiate(&m, VMV_COPPER, 2);
	UT_EQ(post(&m, 40), 0);
	TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
	UT_EQ(B[8], 1);
	UT_EQ(B[9], 2);
	sim_get_stats(&s1);
	UT_EQ(s1.guest_errors, 1);
}

/* Rescind while a GPADL is half sent (header posted, bodies not): the GPADL still
 * completes (openvmm channels.rs gpadl_completed, from openvmm PR #3959: GPADLs on a
 * revoked, unreleased channel succeed), tears down at once, and RelIdReleased drops any
 * GPADL still in flight (channels.rs client_release_channel, incomplete_gpadls; openvmm
 * PR #2410). */
static void t_rescind_while_gpadl_in_flight(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	uint64_t gpa = sg_alloc(&G, 60);
	uint8_t m[240];
	struct vm_gpadl_header h = { { VM_GPADL_HEADER, 0 }, 1, 300, 8 + 8 * 60, 1 };
	memcpy(m, &h, sizeof(h));
	uint32_t range[2] = { 60 * 4096, 0 };
	memcpy(m + 20, range, 8);
	for (uint32_t i = 0; i < 26; i++) {
		uint64_t pfn = (gpa >> 12) + i;
		memcpy(m + 28 + 8 * i, &pfn, 8);
	}
	UT_EQ(post(m, 28 + 8 * 26), 0);
	TU_REQ(sim_rescind(1) == 0);
	TU_REQ(sg_expect(&G, VM_RESCIND, B, &L, TU_WAIT) == 0);
	uint32_t sent = 26;
	while (sent < 60) {
		uint32_t k = 60 - sent < 28 ? 60 - sent : 28;
		struct vm_gpadl_body b = { { VM_GPADL_BODY, 0 }, 0, 300 };
		memcpy(m, &b, sizeof(b));
		for (uint32_t i = 0; i < k; i++) {
			uint64_t pfn = (gpa >> 12) + sent + i;
			memcpy(m + 16 + 8 * i, &pfn, 8);
		}
		UT_EQ(post(m, 16 + 8 * k), 0);
		sent += k;
	}
	TU_REQ(sg_expect(&G, VM_GPADL_CREATED, B, &L, TU_WAIT) == 0);
	UT_EQ(tu_u32(B, 12), 300);
	UT_EQ(tu_u32(B, 16), 0);
	/* A new GPADL on the revoked channel is accepted as well. */
	TU_REQ(sg_gpadl(&G, 1, 301, gpa, 2, false, &st) == 0);
	UT_EQ(st, 0);
	struct vm_gpadl_teardown td = { { VM_GPADL_TEARDOWN, 0 }, 1, 300 };
	UT_EQ(post(&td, 16), 0);
	TU_REQ(sg_expect(&G, VM_GPADL_TORNDOWN, B, &L, TU_WAIT) == 0);
	UT_EQ(tu_u32(B, 8), 300);
	/* Another header in flight, then RelIdReleased: its body finds nothing. */
	h.gpadl = 302;
	memcpy(m, &h, sizeof(h));
	memcpy(m + 20, range, 8);
	UT_EQ(post(m, 28 + 8 * 26), 0);
	struct vm_u32_msg rr = { { VM_RELID_RELEASED, 0 }, 1 };
	UT_EQ(post(&rr, 12), 0);
	sim_run(1000000);
	struct sim_channel_info ci;
	UT_EQ(sim_channel_info(1, &ci), UMBRA_ENOENT);
	struct vm_gpadl_body b = { { VM_GPADL_BODY, 0 }, 0, 302 };
	memcpy(m, &b, sizeof(b));
	UT_EQ(post(m, 16 + 8 * 28), 0);
	UT_EQ(post(m, 16 + 8 * 6), 0);   /* all 60 PFNs sent: a live GPADL would complete */
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	UT_CHECK(sim_ok());
}

/* Descriptor validation on the server's reader (openvmm vmbus_ring/src/lib.rs
 * parse_packet): only flag 0x1,
 * offset8 >= 2, len8 >= offset8, the packet within the written bytes. */
static void t_descriptor_validation(void)
{
	/* {flags, offset8, len8}; the true packet is {0, 2, 3}. */
	static const uint16_t bad[5][3] = { { 0, 2, 3 }, { 2, 2, 3 }, { 0, 1, 3 }, { 0, 3, 2 }, { 0, 2, 200 } };
	for (int k = 0; k < 5; k++) {
		struct vm_offer o[8];
		unsigned n;
		uint32_t st;
		TU_REQ(boot(SIM_TDX_PARAVISOR, true) == 0);
		TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
		struct sg_chan c;
		TU_REQ(sg_open_channel(&G, 1, 2, true, &c, &st) == 0 && st == 0);
		uint32_t w = tu_u32(c.out.base, 0);
		TU_REQ(sg_ring_write(&c.out, PKT_INBAND, 0, 1, "abcdefgh", 8) >= 0);
		uint16_t d[3] = { bad[k][1], bad[k][2], bad[k][0] };
		memcpy(c.out.base + 4096 + w + 2, d, 6);
		sg_signal(&G, SG_DIRECT, c.conn_id);
		sim_run(1000000);
		struct sim_channel_info ci;
		TU_REQ(sim_channel_info(1, &ci) == 0);
		UT_EQ(ci.corrupt, k != 0);
		UT_EQ(ci.packets_in, k == 0);
		struct sim_stats s;
		sim_get_stats(&s);
		UT_EQ(s.guest_errors, k != 0);
	}
}

/* HvSignalEvent reaches the device on both routes, for paravisor and relayed channels
 * (paravisor channels: openvmm vmm_core/virt/src/synic.rs SynicPortMap::handle_signal_event
 * from either dispatcher; relayed channels: vm/devices/vmbus/vmbus_relay/src/lib.rs
 * handle_offer, vmbus_client/src/lib.rs guest_to_host_interrupt); an unknown connection
 * id is 0x12 on both (handle_signal_event, HvError::InvalidConnectionId). */
static void t_signal_on_both_routes(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL, o, &n) == 0);
	struct sg_chan c[2];
	TU_REQ(sg_open_channel(&G, 1, 2, true, &c[0], &st) == 0 && st == 0);
	TU_REQ(sg_open_channel(&G, 2, 2, false, &c[1], &st) == 0 && st == 0);
	sim_run(1000000);
	for (int k = 0; k < 4; k++) {
		struct sg_chan *ch = &c[k & 1];
		enum sg_route r = k < 2 ? SG_DIRECT : SG_BYPASS;
		struct sim_channel_info a, b;
		TU_REQ(sim_channel_info(ch->relid, &a) == 0);
		TU_REQ(sg_ring_write(&ch->out, PKT_INBAND, 0, (uint64_t)k, "abcdefgh", 8) >= 0);
		UT_EQ(sg_signal(&G, r, ch->conn_id), HVS_SUCCESS);
		TU_REQ(sg_chan_recv(&G, ch, B, sizeof(B), &L, TU_WAIT) == 0);
		TU_REQ(sim_channel_info(ch->relid, &b) == 0);
		UT_EQ(b.signals_in - a.signals_in, 1);
		UT_EQ(b.packets_in - a.packets_in, 1);
		UT_EQ(sg_signal(&G, r, 0x2000 + 30), HVS_INVALID_CONNECTION_ID);
	}
	UT_CHECK(sim_ok());
}

/* With 0x1 negotiated, OpenChannel2's connection id and event flag are used verbatim
 * (openvmm channels.rs handle_open_channel, guest_specified_interrupt_info, and
 * OpenParams::from_request): the event port is the guest's id, replies set the guest's flag. */
static void t_guest_specified_signal_parameters(void)
{
	struct vm_offer o[8];
	unsigned n;
	uint32_t st;
	TU_REQ(boot(SIM_SNP_PARAVISOR, true) == 0);
	TU_REQ(connect_offers(VMF_CONFIDENTIAL | VMF_GUEST_SIGNAL, o, &n) == 0);
	uint64_t gpa = sg_alloc(&G, 4);
	TU_REQ(sg_gpadl(&G, 1, 77, gpa, 4, false, &st) == 0 && st == 0);
	struct vm_open m;
	memset(&m, 0, sizeof(m));
	m.h.type = VM_OPEN;
	m.relid = 1;
	m.open_id = 5;
	m.gpadl = 77;
	m.downstream_offset = 2;
	m.connection_id = 0x3005;
	m.event_flag = 9;
	UT_EQ(post(&m, 156), 0);
	TU_REQ(sg_expect(&G, VM_OPEN_RESULT, B, &L, TU_WAIT) == 0);
	UT_EQ(tu_u32(B, 16), 0);
	struct sim_channel_info ci;
	TU_REQ(sim_channel_info(1, &ci) == 0);
	UT_EQ(ci.connection_id, 0x3005);
	UT_EQ(ci.event_flag, 9);
	struct sg_chan c;
	memset(&c, 0, sizeof(c));
	c.relid = 1;
	c.conn_id = 0x3005;
	c.out.base = hw_phys_to_virt(gpa);
	c.out.dsize = 4096;
	c.in.base = c.out.base + 2 * 4096;
	c.in.dsize = 4096;
	sim_run(1000000);
	uint8_t *flags = (uint8_t *)hw_phys_to_virt(G.pv_siefp) + 512;
	memset(flags, 0, 256);
	UT_EQ(sg_signal(&G, SG_DIRECT, 0x2001), HVS_INVALID_CONNECTION_ID);
	TU_REQ(sg_ring_write(&c.out, PKT_INBAND, 0, 1, "abcdefgh", 8) >= 0);
	UT_EQ(sg_signal(&G, SG_DIRECT, 0x3005), HVS_SUCCESS);
	TU_REQ(sg_chan_recv(&G, &c, B, sizeof(B), &L, TU_WAIT) == 0);
	UT_EQ((flags[1] >> 1) & 1, 1);   /* flag 9 */
	UT_EQ(flags[0], 0);               /* not the relid's bit */
	UT_CHECK(sim_ok());
}

/* An untrusted InitiateContact on a trusted connection is dropped like every other
 * untrusted message: the trusted connection and its 0x10 stay (openvmm channels.rs
 * handle_synic_message, ChannelError::UntrustedMessage; check_version_supported). */
static void t_untrusted_initiate_after_trusted_connect(void)
{
	TU_REQ(boot(SIM_TDX_PARAVISOR, true) == 0);
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	struct vm_initiate m;
	tu_initiate(&m, VMV_COPPER, 0);
	UT_EQ(sg_post(&G, SG_BYPASS, 1, &m, 40), 0);
	UT_EQ(sg_recv(&G, B, &L, TU_WAIT, NULL), UMBRA_ETIMEDOUT);
	struct sim_server_info si;
	sim_server_info(&si);
	UT_CHECK(si.connected && si.trusted);
	UT_EQ(si.features, VMF_CONFIDENTIAL);
	UT_EQ(si.msgs_dropped_untrusted, 1);
	/* After Unload the connection is gone and an untrusted one may be made. */
	struct vm_hdr u = { VM_UNLOAD, 0 };
	UT_EQ(post(&u, 8), 0);
	TU_REQ(sg_expect(&G, VM_UNLOAD_COMPLETE, B, &L, TU_WAIT) == 0);
	hw_wrmsr(MSR_SINT0 + 2, G.vector | SINT_PROXY);
	m.features = VMF_CONFIDENTIAL;
	UT_EQ(sg_post(&G, SG_BYPASS, 1, &m, 40), 0);
	TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
	UT_EQ(B[8], 1);
	UT_EQ(tu_u32(B, 16), 0);
	sim_server_info(&si);
	UT_CHECK(si.connected && !si.trusted);
	UT_CHECK(sim_ok());
}

/* A host server older than 5.0 does not listen on connection 4 (Linux connection.c
 * vmbus_post_msg: "old hosts ... HV_STATUS_INVALID_CONNECTION_ID"); from 5.0 it does;
 * OpenHCL's server always does (vmbus_server lib.rs VmbusServerBuilder::build). */
static void t_old_host_no_connection_4(void)
{
	struct { int p; uint32_t max; bool listens; } cases[] = {
		{ SIM_HYPERV, VMV_WIN10, false },
		{ SIM_HYPERV, VMV_RS3_1, true },
		{ SIM_TDX_LEGACY_PARAVISOR, VMV_RS3_0, false },
		{ SIM_SNP_PARAVISOR, VMV_WIN10, true },
	};
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		tu_config(cases[k].p)->max_version = cases[k].max;
		TU_REQ(tu_start() == 0);
		TU_REQ(sg_init(&G, cases[k].p == SIM_SNP_PARAVISOR) == 0); /* legacy: via the hypervisor */
		struct vm_initiate m;
		tu_initiate(&m, VMV_WIN10, G.vp_index);
		enum sg_route r = sg_msg_route(&G);
		UT_EQ(sg_post(&G, r, 4, &m, 40), cases[k].listens ? HVS_SUCCESS : HVS_INVALID_CONNECTION_ID);
		if (cases[k].listens)
			TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
		/* Connection 1 always works. */
		UT_EQ(sg_post(&G, r, 1, &m, 40), HVS_SUCCESS);
		TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
		UT_EQ(B[8], 1);
		UT_CHECK(sim_ok());
	}
}

/* VP indices start at vp_index_base: InitiateContact and OpenChannel name VP indices;
 * one that does not exist is a guest error (vmbus_server accepts any: our decision),
 * answered as before (connection_state 2, OpenResult failure). */
static void t_vp_index_targets(void)
{
	struct sim_config *c = tu_config(SIM_SNP_PARAVISOR);
	c->vp_index_base = 4;
	c->nvp = 2;
	TU_REQ(tu_start() == 0);
	struct sim_device_desc d = { .kind = SIM_DEV_ECHO };
	uint32_t relid;
	TU_REQ(sim_add_device(&d, &relid) == 0);
	TU_REQ(sg_init(&G, true) == 0);
	UT_EQ(G.vp_index, 4);
	TU_REQ(sg_connect(&G, VMV_COPPER, VMF_CONFIDENTIAL, B, &L) == 0);
	UT_EQ(B[8], 1);
	UT_EQ(B[9], 0);
	struct sim_server_info si;
	sim_server_info(&si);
	UT_EQ(si.target_vp, 4);
	struct vm_offer offs[2];
	unsigned n;
	TU_REQ(sg_offers(&G, offs, 2, &n) == 0);
	struct sg_chan ch;
	uint32_t st;
	TU_REQ(sg_open_channel(&G, relid, 2, true, &ch, &st) == 0);
	UT_EQ(st, 0);
	struct sim_channel_info ci;
	TU_REQ(sim_channel_info(relid, &ci) == 0);
	UT_EQ(ci.target_vp, 4);
	uint8_t data[8] = { 9 };
	UT_EQ(sg_chan_send(&G, &ch, 6, 0, 1, data, 8), 0);
	TU_REQ(sg_chan_recv(&G, &ch, B, sizeof(B), &L, TU_WAIT) == 0);
	UT_CHECK(sim_ok());
	/* VP index 0 does not exist here. */
	struct vm_initiate m;
	tu_initiate(&m, VMV_COPPER, 0);
	UT_EQ(post(&m, 40), 0);
	TU_REQ(sg_expect(&G, VM_VERSION_RESPONSE, B, &L, TU_WAIT) == 0);
	UT_EQ(B[9], 2);
	struct sim_stats s;
	sim_get_stats(&s);
	UT_EQ(s.guest_errors, 1);
	UT_CHECK(strstr(sim_last_problem(), "target VP index 0") != NULL);
}

int main(void)
{
	UT_RUN(t_versions_exact_match_and_reply_forms);
	UT_RUN(t_feature_flags_and_trust);
	UT_RUN(t_offers_flags_and_ids);
	UT_RUN(t_gpadl_pfn_limits_and_reassembly);
	UT_RUN(t_open_memory_type_check);
	UT_RUN(t_ring_endpoint_setup_and_echo);
	UT_RUN(t_flow_control_pending_send_size);
	UT_RUN(t_gpa_direct_device);
	UT_RUN(t_close_teardown_rescind_release_unload);
	UT_RUN(t_guest_ring_violations_detected);
	UT_RUN(t_unstick_after_open);
	UT_RUN(t_pause_resume_and_modify_connection);
	UT_RUN(t_failure_forms_and_multiclient_sint);
	UT_RUN(t_reply_target_vp);
	UT_RUN(t_old_host_no_connection_4);
	UT_RUN(t_vp_index_targets);
	UT_RUN(t_rescind_while_gpadl_in_flight);
	UT_RUN(t_scheduled_rescind);
	UT_RUN(t_descriptor_validation);
	UT_RUN(t_signal_on_both_routes);
	UT_RUN(t_guest_specified_signal_parameters);
	UT_RUN(t_untrusted_initiate_after_trusted_connect);
	return UT_DONE();
}
