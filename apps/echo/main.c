/*
 * echo: the VMBus client API end to end, through include/umbra/vmbus.h only.
 *
 * With VMBus (a SIM image, `make SIM=1 APP=apps/echo`, or a Hyper-V VM offering two echo
 * devices of ECHO_CLASS): connects, finds the two echo offers, checks their
 * confidential-ring flags against the connection (one confidential, one relayed when the
 * connection is confidential; neither otherwise), opens both and exchanges `packets=N`
 * (default 1000) packets of random sizes over each, up to ECHO_WINDOW in flight. Even
 * packets ask for a completion (answered by a type-11 completion), odd ones are echoed
 * as in-band packets (type 6); type, transaction id, length and every byte are checked.
 * Then closes both. Prints "echo: PASS" and returns 0, or "echo: FAIL ..." and returns 1.
 *
 * Options for SIM images (docs/sim.md "In an EFI image" lists the umbra.sim.* options
 * that make the machine): `gpa` also tests every GPA-direct device (gpa.c);
 * `rescind=RELID` expects that echo channel to be rescinded during its traffic
 * (umbra.sim.rescind): the rest of its packets are not owed, the rescind must be seen
 * (UMBRA_ERESCINDED) and the close must succeed; `timeout=MS` waits MS ms in vmbus_recv
 * on the first channel after its traffic and checks UMBRA_ETIMEDOUT came after at least
 * 3/4 of that by umbra_time_ns (the TSC); `expect_connect_fail` expects the connection to
 * fail (a hostile host) and passes when it does.
 *
 * Without Hyper-V (the plain image under QEMU): checks that every VMBus call returns
 * UMBRA_ENODEV, prints "echo: SKIP no Hyper-V" and returns ECHO_STATUS_NO_VMBUS (2), so
 * a run that exchanged nothing is never mistaken for a pass.
 *
 * Every wait is bounded: vmbus_recv by ECHO_RECV_NS, the whole run by ECHO_DEADLINE_NS
 * of umbra_time_ns.
 */
#include "echo.h"

#define ECHO_STATUS_NO_VMBUS 2
#define ECHO_DEFAULT_PACKETS 1000u
#define ECHO_MAX_PAYLOAD 3000u
#define ECHO_WINDOW 4u
#define ECHO_RECV_NS 1000000000ull       /* 1 s per receive */
#define ECHO_DEADLINE_NS 60000000000ull  /* 60 s for the whole run */

/* The echo device class: the simulator's SIM_DEV_ECHO default ("umbra-sim-dev-01"). */
static const struct vmbus_guid ECHO_CLASS = { { 'u', 'm', 'b', 'r', 'a', '-', 's', 'i', 'm',
						  '-', 'd', 'e', 'v', '-', '0', '1' } };

int echo_failures;
static uint64_t echo_deadline;
static uint32_t echo_rng = 12345;
static uint32_t echo_expect_rescind;    /* rescind=RELID */
static uint32_t echo_timeout_ms;        /* timeout=MS */

static uint32_t echo_rand(void)
{
	echo_rng = echo_rng * 1664525u + 1013904223u;
	return echo_rng >> 8;
}

#define yn echo_yn

/* Payload of packet i: length and bytes are a function of (i, salt) only. */
static size_t echo_len(uint32_t i, uint32_t salt)
{
	uint32_t x = (i + 1) * 2654435761u ^ salt;
	return 1 + (x ^ (x >> 13)) % ECHO_MAX_PAYLOAD;
}

static void echo_fill(uint8_t *p, size_t len, uint32_t i, uint32_t salt)
{
	for (size_t k = 0; k < len; k++)
		p[k] = (uint8_t)(k * 31 + i * 7 + salt + (k >> 8));
}

/* No Hyper-V: every call must say so. */
static int echo_no_vmbus(void)
{
	struct vmbus_offer_info o;
	struct vmbus_open_params p = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
	struct vmbus_channel *ch = (struct vmbus_channel *)1;
	int rc;

	umbra_printf("echo: no Hyper-V: vmbus_info = UMBRA_ENODEV\n");
	rc = vmbus_offer_count();
	ECHO_CHECK(rc == UMBRA_ENODEV, "vmbus_offer_count = %d", rc);
	rc = vmbus_offer_get(0, &o);
	ECHO_CHECK(rc == UMBRA_ENODEV, "vmbus_offer_get = %d", rc);
	rc = vmbus_find(&ECHO_CLASS, 0, &o);
	ECHO_CHECK(rc == UMBRA_ENODEV, "vmbus_find = %d", rc);
	rc = vmbus_open(1, &p, &ch);
	ECHO_CHECK(rc == UMBRA_ENODEV && ch == NULL, "vmbus_open = %d", rc);
	rc = vmbus_dispatch(0);
	ECHO_CHECK(rc == UMBRA_ENODEV, "vmbus_dispatch = %d", rc);
	if (echo_failures) {
		umbra_printf("echo: FAIL (%d failures)\n", echo_failures);
		return 1;
	}
	umbra_printf("echo: offer_count offer_get find open dispatch all return UMBRA_ENODEV\n");
	umbra_printf("echo: SKIP no Hyper-V\n");
	return ECHO_STATUS_NO_VMBUS;
}

/* Receives the answer to packet i and checks it: 0 right, 1 wrong, or vmbus_recv's
 * negative error. */
static int echo_recv_one(struct vmbus_channel *ch, uint32_t i, uint32_t salt, uint8_t *want,
			 uint8_t *in, size_t cap)
{
	struct vmbus_packet pk;
	size_t len = echo_len(i, salt);
	int rc = vmbus_recv(ch, in, cap, &pk, ECHO_RECV_NS);

	if (rc < 0) {
		ECHO_CHECK(rc == UMBRA_ERESCINDED && echo_expect_rescind, "packet %u: vmbus_recv = %s",
			   i, umbra_strerror(rc));
		return rc;
	}
	echo_fill(want, len, i, salt);
	uint16_t type = (i & 1) ? 6 : 11;
	/* The payload comes back padded to 8 bytes by the sender. */
	bool ok = pk.type == type && pk.trans_id == 0x1000000ull + i && (size_t)rc >= len &&
		  (size_t)rc <= ((len + 7) & ~(size_t)7);
	for (size_t k = 0; ok && k < len; k++)
		ok = in[k] == want[k];
	ECHO_CHECK(ok, "packet %u: type %u tid 0x%llx len %d (sent %zu bytes)", i, pk.type,
		   (unsigned long long)pk.trans_id, rc, len);
	return ok ? 0 : 1;
}

/* n packets over ch with up to ECHO_WINDOW in flight; returns how many came back right.
 * *rescinded: the channel was rescinded after *done packets came back. */
static uint32_t echo_traffic(struct vmbus_channel *ch, uint32_t n, uint32_t salt, bool *rescinded,
			     uint32_t *done_out)
{
	static uint8_t out[ECHO_MAX_PAYLOAD], want[ECHO_MAX_PAYLOAD], in[ECHO_MAX_PAYLOAD + 64];
	uint32_t sent = 0, done = 0, good = 0;

	while (done < n) {
		if (umbra_time_ns() > echo_deadline) {
			ECHO_CHECK(0, "deadline passed after %u of %u packets", done, n);
			break;
		}
		if (sent < n && sent - done < ECHO_WINDOW) {
			size_t len = echo_len(sent, salt);
			echo_fill(out, len, sent, salt);
			unsigned flags = (sent & 1) ? 0 : VMBUS_SEND_COMPLETION_REQUESTED;
			int rc = vmbus_send(ch, out, len, 0x1000000ull + sent, flags);
			if (rc == 0) {
				sent++;
				continue;
			}
			/* After a rescind a send fails, but the answers already in the ring are
			 * still delivered (vmbus.h): stop sending, drain them. */
			if (rc == UMBRA_ERESCINDED && echo_expect_rescind) {
				*rescinded = true;
				n = sent;
				continue;
			}
			if (rc != UMBRA_EAGAIN || sent == done) {
				ECHO_CHECK(0, "packet %u: vmbus_send = %s", sent, umbra_strerror(rc));
				break;
			}
		}
		int rc = echo_recv_one(ch, done, salt, want, in, sizeof(in));
		if (rc < 0) {
			*rescinded = rc == UMBRA_ERESCINDED;
			break;
		}
		done++;
		good += rc == 0;
	}
	*done_out = done;
	return good;
}

/* timeout=MS: nothing is sent, so vmbus_recv must wait the time it was given. */
static void echo_timeout(struct vmbus_channel *ch, uint32_t ms)
{
	uint8_t in[64];
	uint64_t t0 = umbra_time_ns();
	int rc = vmbus_recv(ch, in, sizeof in, NULL, ms * 1000000ull);
	uint64_t us = (umbra_time_ns() - t0) / 1000;

	umbra_printf("echo: vmbus_recv timeout %u ms: %s after %llu us\n", ms, umbra_strerror(rc),
		     (unsigned long long)us);
	ECHO_CHECK(rc == UMBRA_ETIMEDOUT, "timeout: vmbus_recv = %s", umbra_strerror(rc));
	ECHO_CHECK(us >= ms * 750ull, "timeout: %u ms expired after %llu us (< 3/4 of it)", ms,
		   (unsigned long long)us);
}

/* Opens relid, runs the traffic, closes. 0 on success. */
static int echo_channel(const struct vmbus_offer_info *o, uint32_t ring_bytes, uint32_t n,
			uint32_t salt)
{
	struct vmbus_open_params p = { .send_ring_bytes = ring_bytes, .recv_ring_bytes = ring_bytes };
	struct vmbus_channel *ch = NULL;
	int rc = vmbus_open(o->relid, &p, &ch);

	ECHO_CHECK(rc == 0 && ch, "vmbus_open(%u) = %s", o->relid, umbra_strerror(rc));
	if (rc || !ch)
		return -1;
	umbra_printf("echo: opened relid=%u ring_kib=%u confidential_ring=%s\n", o->relid,
		     ring_bytes >> 10, yn(o->confidential_ring));
	uint64_t t0 = umbra_time_ns();
	bool rescinded = false;
	uint32_t done = 0;
	uint32_t good = echo_traffic(ch, n, salt, &rescinded, &done);
	uint64_t us = (umbra_time_ns() - t0) / 1000;
	umbra_printf("echo: relid=%u %u of %u packets echoed exactly in %llu us\n", o->relid,
		     good, n, (unsigned long long)us);
	if (o->relid == echo_expect_rescind) {
		ECHO_CHECK(rescinded, "relid %u was not rescinded", o->relid);
		ECHO_CHECK(good == done, "relid %u: %u of %u answers right", o->relid, good, done);
		if (rescinded)
			umbra_printf("echo: relid=%u rescinded after %u packets\n", o->relid, done);
	} else {
		ECHO_CHECK(!rescinded, "relid %u rescinded unexpectedly", o->relid);
		ECHO_CHECK(good == n, "relid %u: %u of %u packets right", o->relid, good, n);
		if (echo_timeout_ms && !rescinded) {
			echo_timeout(ch, echo_timeout_ms);
			echo_timeout_ms = 0;    /* on the first channel only */
		}
	}
	rc = vmbus_close(ch);
	ECHO_CHECK(rc == 0, "vmbus_close(%u) = %s", o->relid, umbra_strerror(rc));
	rc = vmbus_channel_relid(ch);
	ECHO_CHECK(rc == UMBRA_EINVAL || rc == UMBRA_ECLOSED, "closed handle: relid = %d", rc);
	return good == n ? 0 : -1;
}

/* The value of NAME=N (1..999999), or dflt when absent or not a number. */
static uint32_t echo_num(int argc, char **argv, const char *name, uint32_t dflt)
{
	uint32_t n = dflt;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *b = name;
		while (*b && *a == *b)
			a++, b++;
		if (*b || *a != '=')
			continue;
		uint32_t v = 0;
		for (a++; *a >= '0' && *a <= '9' && v < 1000000; a++)
			v = v * 10 + (uint32_t)(*a - '0');
		if (!*a && v)
			n = v;
	}
	return n;
}

static bool echo_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *b = name;
		while (*a && *a == *b)
			a++, b++;
		if (!*a && !*b)
			return true;
	}
	return false;
}

/* leave_open: open the relayed channel once more and return without closing it; the
 * runtime's exit path must close it and unload. */
static void echo_leave_open(const struct vmbus_offer_info *o)
{
	struct vmbus_open_params p = { .send_ring_bytes = 16 << 10, .recv_ring_bytes = 16 << 10 };
	struct vmbus_channel *ch = NULL;
	int rc = vmbus_open(o->relid, &p, &ch);
	ECHO_CHECK(rc == 0 && ch, "vmbus_open(%u) again = %s", o->relid, umbra_strerror(rc));
	if (!rc)
		umbra_printf("echo: relid=%u left open for the runtime to close\n", o->relid);
}

int app_main(int argc, char **argv)
{
	struct vmbus_info inf;
	struct vmbus_offer_info o[2];
	uint32_t n = echo_num(argc, argv, "packets", ECHO_DEFAULT_PACKETS);
	unsigned gpa = 0;

	echo_expect_rescind = echo_num(argc, argv, "rescind", 0);
	echo_timeout_ms = echo_num(argc, argv, "timeout", 0);
	echo_deadline = umbra_time_ns() + ECHO_DEADLINE_NS + echo_timeout_ms * 1000000ull;
	int rc = vmbus_info(&inf);
	if (rc == UMBRA_ENODEV && !inf.connected && !echo_flag(argc, argv, "expect_connect_fail"))
		return echo_no_vmbus();
	if (echo_flag(argc, argv, "expect_connect_fail")) {
		ECHO_CHECK(rc != 0, "connected although a failure was expected");
		if (rc == 0)
			goto out;
		umbra_printf("echo: connect failed as expected: vmbus_info = %s\n", umbra_strerror(rc));
		umbra_printf("echo: PASS (no connection)\n");
		return 0;
	}
	ECHO_CHECK(rc == 0, "vmbus_info = %s", umbra_strerror(rc));
	if (rc)
		goto out;
	umbra_printf("echo: connected version=%u.%u confidential=%s offers=%u\n",
		     inf.version >> 16, inf.version & 0xffff, yn(inf.confidential), inf.offers);
	for (unsigned k = 0; k < 2; k++) {
		rc = vmbus_find(&ECHO_CLASS, k, &o[k]);
		ECHO_CHECK(rc == 0, "echo offer %u: vmbus_find = %s", k, umbra_strerror(rc));
		if (rc)
			goto out;
	}
	struct vmbus_offer_info g;
	rc = vmbus_find(&ECHO_CLASS, 2, &g);
	ECHO_CHECK(rc == UMBRA_ENOENT, "a third echo offer: vmbus_find = %d", rc);
	rc = vmbus_offer_get(0, &g);
	ECHO_CHECK(rc == 0 && g.relid == o[0].relid, "vmbus_offer_get(0) = %d relid %u", rc, g.relid);
	umbra_printf("echo: offers relid=%u confidential_ring=%s, relid=%u confidential_ring=%s\n",
		     o[0].relid, yn(o[0].confidential_ring), o[1].relid, yn(o[1].confidential_ring));
	/* A confidential connection offers the paravisor's device with a private ring and
	 * the relayed host device without; otherwise neither is confidential. */
	ECHO_CHECK(o[0].confidential_ring == inf.confidential && !o[1].confidential_ring,
		   "confidential_ring flags %d %d on a %s connection", o[0].confidential_ring,
		   o[1].confidential_ring, inf.confidential ? "confidential" : "host-visible");
	echo_channel(&o[0], 64 << 10, n, echo_rand());
	echo_channel(&o[1], 16 << 10, n, echo_rand());
	if (echo_flag(argc, argv, "gpa")) {
		gpa = echo_gpa_all();
		ECHO_CHECK(gpa > 0, "gpa: no GPA-direct offer");
	}
	if (echo_flag(argc, argv, "leave_open"))
		echo_leave_open(&o[1]);
out:
	if (echo_failures) {
		umbra_printf("echo: FAIL (%d failures)\n", echo_failures);
		return 1;
	}
	umbra_printf("echo: PASS (%u packets on each of 2 channels", n);
	if (echo_expect_rescind)
		umbra_printf(", relid %u rescinded", echo_expect_rescind);
	if (gpa)
		umbra_printf(", %u GPA-direct device(s)", gpa);
	umbra_printf(")\n");
	return 0;
}
