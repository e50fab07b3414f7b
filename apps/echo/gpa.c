/*
 * echo `gpa`: the GPA-direct device of a SIM image (docs/sim.md "The VMBus server and
 * devices", SIM_DEV_GPA_DIRECT). Its protocol, as an app driving it must write it: a
 * GPA-direct packet (type 9) whose in-band payload is {u32 op, u32 arg} (op 1 FILL writes
 * byte arg over the ranges, 2 HASH reads them, 3 PATTERN writes the arg (1..64) bytes
 * that follow, repeated); with a completion requested the device answers {u32 status,
 * u32 bytes, u64 FNV-1a-64 of the bytes read} (status 0, or 0xC0000001 when a range is
 * not memory of the channel's kind).
 */
#include "echo.h"

const struct vmbus_guid ECHO_GPA_CLASS = { { 'u', 'm', 'b', 'r', 'a', '-', 's', 'i', 'm',
					     '-', 'd', 'e', 'v', '-', '0', '2' } };

#define OP_FILL 1u
#define OP_HASH 2u
#define OP_PATTERN 3u
#define GPA_RECV_NS 1000000000ull
#define XFER_BYTES 6000u

struct gpa_cmd {
	uint32_t op, arg;
	uint8_t pattern[16];
};

struct gpa_result {
	uint32_t status, bytes;
	uint64_t hash;
};

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001B3ull;
	return h;
}
#define FNV_INIT 0xCBF29CE484222325ull

/* The device's completion for tid: 0 and *res, or -1. */
static int gpa_result(struct vmbus_channel *ch, uint64_t tid, struct gpa_result *res)
{
	struct vmbus_packet pk;
	uint8_t in[64];
	int rc = vmbus_recv(ch, in, sizeof in, &pk, GPA_RECV_NS);

	ECHO_CHECK(rc == (int)sizeof *res && pk.type == 11 && pk.trans_id == tid,
		   "gpa completion %llu: rc %d type %u tid %llu", (unsigned long long)tid, rc,
		   rc >= 0 ? pk.type : 0, rc >= 0 ? (unsigned long long)pk.trans_id : 0ull);
	if (rc != (int)sizeof *res)
		return -1;
	__builtin_memcpy(res, in, sizeof *res);
	return 0;
}

/* Device-side access to a vmbus_buffer of the channel's kind: FILL two pieces, check
 * the bytes around them are untouched, then HASH what the app wrote. */
static bool gpa_buffer(struct vmbus_channel *ch, const struct vmbus_offer_info *o)
{
	struct vmbus_buffer b;
	struct gpa_result res;
	int rc = vmbus_buffer_alloc(ch, 3 * 4096, &b);

	ECHO_CHECK(rc == 0, "vmbus_buffer_alloc = %s", umbra_strerror(rc));
	if (rc)
		return false;
	ECHO_CHECK(b.host_visible == !o->confidential_external, "buffer host_visible=%d", b.host_visible);
	uint8_t *p = b.va;
	for (size_t i = 0; i < b.bytes; i++)
		p[i] = 0;
	struct vmbus_gpa_buf gb[2] = { { &b, 100, 5000 }, { &b, 8192, 300 } };
	struct gpa_cmd c = { OP_FILL, 0x5A, { 0 } };
	bool ok = false;
	rc = vmbus_send_gpa_direct(ch, gb, 2, &c, 8, 1, VMBUS_SEND_COMPLETION_REQUESTED);
	ECHO_CHECK(rc == 0, "vmbus_send_gpa_direct(FILL) = %s", umbra_strerror(rc));
	if (rc == 0 && gpa_result(ch, 1, &res) == 0) {
		ok = res.status == 0 && res.bytes == 5300;
		for (size_t i = 0; i < b.bytes; i++)
			ok &= p[i] == (((i >= 100 && i < 5100) || (i >= 8192 && i < 8492)) ? 0x5A : 0);
		ECHO_CHECK(ok, "FILL: status 0x%x bytes %u, buffer contents wrong", res.status, res.bytes);
	}
	for (size_t i = 0; i < b.bytes; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	c.op = OP_HASH;
	rc = vmbus_send_gpa_direct(ch, gb, 2, &c, 8, 2, VMBUS_SEND_COMPLETION_REQUESTED);
	ECHO_CHECK(rc == 0, "vmbus_send_gpa_direct(HASH) = %s", umbra_strerror(rc));
	if (rc == 0 && gpa_result(ch, 2, &res) == 0) {
		uint64_t want = fnv(fnv(FNV_INIT, p + 100, 5000), p + 8192, 300);
		bool hok = res.status == 0 && res.bytes == 5300 && res.hash == want;
		ECHO_CHECK(hok, "HASH: status 0x%x bytes %u hash %llx want %llx", res.status,
			   res.bytes, (unsigned long long)res.hash, (unsigned long long)want);
		ok &= hok;
	} else {
		ok = false;
	}
	rc = vmbus_buffer_free(ch, &b);
	ECHO_CHECK(rc == 0, "vmbus_buffer_free = %s", umbra_strerror(rc));
	return ok;
}

/* The app's own private memory: TO_HOST (device hashes it) and FROM_HOST (device
 * writes a pattern), in place with 0x4, bounced without. */
static bool gpa_xfer(struct vmbus_channel *ch, const struct vmbus_offer_info *o)
{
	uint8_t *buf = umbra_alloc(XFER_BYTES);
	struct vmbus_xfer x;
	struct gpa_result res;
	struct gpa_cmd c = { OP_HASH, 0, { 0 } };
	bool ok = false;

	ECHO_CHECK(buf, "umbra_alloc(%u) failed", XFER_BYTES);
	if (!buf)
		return false;
	for (unsigned i = 0; i < XFER_BYTES; i++)
		buf[i] = (uint8_t)(i ^ (i >> 7));
	int rc = vmbus_xfer_send(ch, buf, XFER_BYTES, VMBUS_XFER_TO_HOST, &c, 8, 3,
				 VMBUS_SEND_COMPLETION_REQUESTED, GPA_RECV_NS, &x);
	ECHO_CHECK(rc == 0, "vmbus_xfer_send(TO_HOST) = %s", umbra_strerror(rc));
	if (rc == 0) {
		ECHO_CHECK(x.bounced == !o->confidential_external, "TO_HOST bounced=%d", x.bounced);
		if (gpa_result(ch, 3, &res) == 0) {
			uint64_t want = fnv(FNV_INIT, buf, XFER_BYTES);
			ok = res.status == 0 && res.bytes == XFER_BYTES && res.hash == want;
			ECHO_CHECK(ok, "xfer HASH: status 0x%x bytes %u hash %llx want %llx",
				   res.status, res.bytes, (unsigned long long)res.hash,
				   (unsigned long long)want);
		}
		rc = vmbus_xfer_done(&x);
		ECHO_CHECK(rc == 0, "vmbus_xfer_done(TO_HOST) = %s", umbra_strerror(rc));
	}
	c.op = OP_PATTERN;
	c.arg = sizeof c.pattern;
	for (unsigned i = 0; i < sizeof c.pattern; i++)
		c.pattern[i] = (uint8_t)(0xA0 + i);
	rc = vmbus_xfer_send(ch, buf, XFER_BYTES, VMBUS_XFER_FROM_HOST, &c, sizeof c, 4,
			     VMBUS_SEND_COMPLETION_REQUESTED, GPA_RECV_NS, &x);
	ECHO_CHECK(rc == 0, "vmbus_xfer_send(FROM_HOST) = %s", umbra_strerror(rc));
	if (rc == 0) {
		ECHO_CHECK(x.bounced == !o->confidential_external, "FROM_HOST bounced=%d", x.bounced);
		bool got = gpa_result(ch, 4, &res) == 0 && res.status == 0 && res.bytes == XFER_BYTES;
		rc = vmbus_xfer_done(&x);
		ECHO_CHECK(rc == 0, "vmbus_xfer_done(FROM_HOST) = %s", umbra_strerror(rc));
		for (unsigned i = 0; got && i < XFER_BYTES; i++)
			got = buf[i] == c.pattern[i % sizeof c.pattern];
		ECHO_CHECK(got, "xfer PATTERN: status 0x%x bytes %u, buffer contents wrong",
			   res.status, res.bytes);
		ok &= got;
	} else {
		ok = false;
	}
	umbra_free(buf);
	return ok;
}

unsigned echo_gpa_all(void)
{
	struct vmbus_offer_info o;
	unsigned k;

	for (k = 0; vmbus_find(&ECHO_GPA_CLASS, k, &o) == 0; k++) {
		struct vmbus_open_params p = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
		struct vmbus_channel *ch = NULL;
		int rc = vmbus_open(o.relid, &p, &ch);
		ECHO_CHECK(rc == 0 && ch, "vmbus_open(%u) = %s", o.relid, umbra_strerror(rc));
		if (rc || !ch)
			continue;
		bool b = gpa_buffer(ch, &o), x = gpa_xfer(ch, &o);
		umbra_printf("echo: gpa relid=%u confidential_ring=%s confidential_external=%s "
			     "buffer=%s xfer=%s %s\n", o.relid, echo_yn(o.confidential_ring),
			     echo_yn(o.confidential_external), b ? "ok" : "FAILED",
			     o.confidential_external ? "in-place" : "bounced", x ? "ok" : "FAILED");
		rc = vmbus_close(ch);
		ECHO_CHECK(rc == 0, "vmbus_close(%u) = %s", o.relid, umbra_strerror(rc));
	}
	return k;
}
