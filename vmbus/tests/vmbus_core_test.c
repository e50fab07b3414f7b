/* Protocol core against the scripted server: exact bytes, policy and hostile hosts. */
#include "tests/unit/ut.h"
#include "vmbus/tests/script.h"
#include "vmbus/vmbus_conn.h"
#include "vmbus/vmbus_msg.h"
#include <umbra/errno.h>

static struct script S;
static struct vmbus_conn C;

#define IC_CONF_60  "0e000000 00000000 00000600 00000000 02000000 10000000 0000000000000000 0000000000000000"
#define IC_PLAIN_60 "0e000000 00000000 00000600 00000000 02000000 00000000 0000000000000000 0000000000000000"
#define VR2_OK_CONF "0f000000 00000000 01000000 01000000 10000000"
#define VR2_OK      "0f000000 00000000 01000000 01000000 00000000"
#define VR_REFUSED  "0f000000 00000000 00000000 00000000"
#define REQ_OFFERS  "03000000 00000000"
#define ALL_OFFERS  "04000000 00000000"

static void setup(void)
{
	script_init(&S);
	vmbus_conn_init(&C, &S.tp);
	C.timeout_ns = 1000000000ull;
}

/* Connect (confidential or not) with the given offers; returns connect's result. */
static int connect_with(bool conf, int noffers, const struct script_msg *offers)
{
	struct script_step *st = script_expect(&S, conf, 4, conf ? IC_CONF_60 : IC_PLAIN_60, 0);
	script_reply(st, conf ? VR2_OK_CONF : VR2_OK);
	st = script_expect(&S, conf, 1, REQ_OFFERS, 0);
	for (int i = 0; i < noffers; i++)
		script_reply_bin(st, offers[i].b, offers[i].len);
	script_reply(st, ALL_OFFERS);
	return vmbus_conn_connect(&C, conf);
}

static void t_connect_confidential_bytes(void)
{
	setup();
	struct script_msg o[2];
	script_offer(&o[0], 1, 0x0002, 0x10, 0x2001);
	script_offer(&o[1], 2, 0x0000, 0x20, 0x2002);
	o[0].b[58] = 0x34, o[0].b[59] = 0x12;           /* mmio_megabytes */
	o[0].b[182] = 0x78, o[0].b[183] = 0x56;         /* mmio_megabytes_optional */
	for (int i = 0; i < 120; i++)
		o[0].b[60 + i] = (uint8_t)(0x80 + i);   /* user-defined area */
	UT_EQ(connect_with(true, 2, o), 0);
	UT_CHECK(script_done(&S));
	UT_CHECK(C.connected);
	UT_CHECK(C.confidential);
	UT_CHECK(C.direct);
	UT_EQ(C.version, 0x00060000);
	UT_EQ(C.msg_conn_id, 1);
	UT_EQ(C.features, 0x10);
	struct vmbus_chan_rec *r = vmbus_conn_chan(&C, 1);
	UT_REQUIRE(r);
	UT_EQ(r->offer.flags, 0x2);
	UT_EQ(r->offer.connection_id, 0x2001);
	UT_EQ(r->offer.if_instance[0], 0x10);
	UT_EQ(r->offer.if_type[3], 0xA3);
	UT_EQ(r->offer.mmio_megabytes, 0x1234);
	UT_EQ(r->offer.mmio_megabytes_optional, 0x5678);
	UT_EQ(r->offer.user_defined[0], 0x80);
	UT_EQ(r->offer.user_defined[119], 0x80 + 119);
	UT_EQ(r->offer.sub_channel_index, 0);
	UT_REQUIRE(vmbus_conn_chan(&C, 2));
	UT_EQ(vmbus_conn_chan(&C, 2)->offer.flags, 0);
}

/* Direct post refused (INVALID_CONNECTION_ID) -> EREFUSED; the caller's resend goes by the
 * host-visible route, same version, no 0x10; an offer that claims 0x2/0x4 there is dropped
 * (Linux vmbus_onoffer), a plain one kept. */
static void t_fallback_resend(void)
{
	setup();
	script_expect(&S, 1, 4, IC_CONF_60, 0x12);
	UT_EQ(vmbus_conn_connect(&C, true), UMBRA_EREFUSED);
	UT_CHECK(!C.connected);
	UT_EQ(S.nposted, 1);
	struct script_msg o[2];
	script_offer(&o[0], 5, 0x0006, 0x10, 0x2005);
	script_offer(&o[1], 6, 0x0000, 0x11, 0x2006);
	UT_EQ(connect_with(false, 2, o), 0);
	UT_CHECK(script_done(&S));
	UT_CHECK(!C.direct);
	UT_CHECK(!C.confidential);
	UT_CHECK(!vmbus_conn_chan(&C, 5));
	UT_REQUIRE(vmbus_conn_chan(&C, 6));
	UT_EQ(vmbus_conn_chan(&C, 6)->offer.flags, 0);
	UT_EQ(C.stats.conf_offers_dropped, 1);
}

/* Old hosts (docs/vmbus.md, "Connection"): a host whose VMBus stops at 4.x answers
 * InitiateContact on id 4 with INVALID_CONNECTION_ID; every 5.x attempt gets it, then 4.1
 * goes to id 1 and connects (Linux drivers/hv/connection.c vmbus_post_msg,
 * vmbus_connect). */
static void t_old_host(void)
{
	setup();
	static const char *const ic5[] = {
		IC_PLAIN_60,
		"0e000000 00000000 03000500 00000000 02000000 00000000 0000000000000000 0000000000000000",
		"0e000000 00000000 02000500 00000000 02000000 00000000 0000000000000000 0000000000000000",
		"0e000000 00000000 01000500 00000000 02000000 00000000 0000000000000000 0000000000000000",
		"0e000000 00000000 00000500 00000000 02000000 00000000 0000000000000000 0000000000000000",
	};
	for (int i = 0; i < 5; i++)
		script_expect(&S, 0, 4, ic5[i], 0x12);
	struct script_step *st = script_expect(&S, 0, 1,
		"0e000000 00000000 01000400 00000000 0000000000000000 0000000000000000 0000000000000000", 0);
	script_reply(st, "0f000000 00000000 01000000 00000000");
	st = script_expect(&S, 0, 1, REQ_OFFERS, 0);
	script_reply(st, ALL_OFFERS);
	UT_EQ(vmbus_conn_connect(&C, false), 0);
	UT_CHECK(script_done(&S));
	UT_EQ(C.version, 0x00040001);
	UT_EQ(C.msg_conn_id, 1);
	UT_EQ(C.stats.old_host_id4, 5);
	/* an isolated VM never goes below 5.2: refused on id 4 down to 5.2 is ENOTSUP */
	setup();
	C.isolated = true;
	for (int i = 0; i < 3; i++)
		script_expect(&S, 0, 4, ic5[i], 0x12);
	UT_EQ(vmbus_conn_connect(&C, false), UMBRA_ENOTSUP);
	UT_CHECK(script_done(&S));
}

/* A server that grants 6.0 on the direct route but not 0x10 gives a non-confidential
 * connection: an offer with 0x2 is dropped even though the route is trusted. */
static void t_conf_not_granted(void)
{
	setup();
	struct script_step *st = script_expect(&S, 1, 4, IC_CONF_60, 0);
	script_reply(st, VR2_OK);
	st = script_expect(&S, 1, 1, REQ_OFFERS, 0);
	struct script_msg o;
	script_offer(&o, 3, 0x0002, 0, 0x2003);
	script_reply_bin(st, o.b, o.len);
	script_reply(st, ALL_OFFERS);
	UT_EQ(vmbus_conn_connect(&C, true), 0);
	UT_CHECK(script_done(&S));
	UT_CHECK(C.direct);
	UT_CHECK(!C.confidential);
	UT_CHECK(!vmbus_conn_chan(&C, 3));
	UT_EQ(C.stats.conf_offers_dropped, 1);
}

/* Every version refused: 6.0 .. 3.0 in order, the right connection id and SINT fields. */
static void t_versions_refused(void)
{
	setup();
	script_reply(script_expect(&S, 0, 4, IC_PLAIN_60, 0), VR_REFUSED);
	script_reply(script_expect(&S, 0, 4, "0e000000 00000000 03000500 00000000 02000000 00000000 0000000000000000 0000000000000000", 0), VR_REFUSED);
	script_reply(script_expect(&S, 0, 4, "0e000000 00000000 02000500 00000000 02000000 00000000 0000000000000000 0000000000000000", 0), VR_REFUSED);
	script_reply(script_expect(&S, 0, 4, "0e000000 00000000 01000500 00000000 02000000 00000000 0000000000000000 0000000000000000", 0), VR_REFUSED);
	script_reply(script_expect(&S, 0, 4, "0e000000 00000000 00000500 00000000 02000000 00000000 0000000000000000 0000000000000000", 0), VR_REFUSED);
	script_reply(script_expect(&S, 0, 1, "0e000000 00000000 01000400 00000000 00000000 00000000 0000000000000000 0000000000000000", 0), VR_REFUSED);
	script_reply(script_expect(&S, 0, 1, "0e000000 00000000 00000400 00000000 00000000 00000000 0000000000000000 0000000000000000", 0), VR_REFUSED);
	script_reply(script_expect(&S, 0, 1, "0e000000 00000000 00000300 00000000 00000000 00000000 0000000000000000 0000000000000000", 0), VR_REFUSED);
	UT_EQ(vmbus_conn_connect(&C, false), UMBRA_ENOTSUP);
	UT_CHECK(script_done(&S));
	UT_CHECK(!C.connected);
}

/* Isolated: nothing below 5.2 is tried. */
static void t_isolated_min_52(void)
{
	setup();
	C.isolated = true;
	for (int i = 0; i < 3; i++)
		script_reply(script_expect_type(&S, 14, 0), VR_REFUSED);
	UT_EQ(vmbus_conn_connect(&C, false), UMBRA_ENOTSUP);
	UT_CHECK(script_done(&S));
	UT_EQ(S.nposted, 3);
	UT_EQ(*(uint32_t *)(S.posted[2].b + 8), 0x00050002);
}

/* A negative VersionResponse on the confidential attempt moves to 5.3 on the same
 * direct route; it is not a reason to fall back. connection_state != 0 counts as no. */
static void t_negative_response_next_version(void)
{
	setup();
	script_reply(script_expect(&S, 1, 4, IC_CONF_60, 0), "0f000000 00000000 01020000 01000000 10000000");
	struct script_step *st = script_expect(&S, 1, 4, "0e000000 00000000 03000500 00000000 02000000 00000000 0000000000000000 0000000000000000", 0);
	script_reply(st, "0f000000 00000000 01000000 07000000");
	script_reply(script_expect(&S, 1, 7, REQ_OFFERS, 0), ALL_OFFERS);
	UT_EQ(vmbus_conn_connect(&C, true), 0);
	UT_CHECK(script_done(&S));
	UT_CHECK(C.direct);
	UT_CHECK(!C.confidential);
	UT_EQ(C.version, 0x00050003);
	UT_EQ(C.msg_conn_id, 7);
}

/* INSUFFICIENT_BUFFERS bursts are retried; the count is bounded. */
static void t_insufficient_buffers(void)
{
	setup();
	struct script_step *st = script_expect(&S, 0, 4, IC_PLAIN_60, 0x13);
	st->repeat = 7;
	script_reply(script_expect(&S, 0, 4, IC_PLAIN_60, 0), VR2_OK);
	script_reply(script_expect(&S, 0, 1, REQ_OFFERS, 0), ALL_OFFERS);
	UT_EQ(vmbus_conn_connect(&C, false), 0);
	UT_CHECK(script_done(&S));
	UT_EQ(C.stats.post_retries, 7);

	setup();
	st = script_expect(&S, 0, 4, IC_PLAIN_60, 0x13);
	st->repeat = VMBUS_POST_RETRIES;
	UT_EQ(vmbus_conn_connect(&C, false), UMBRA_EIO);
	UT_CHECK(script_done(&S));
	UT_EQ(S.nposted, VMBUS_POST_RETRIES);
}

/* A server that never answers: bounded failure with ETIMEDOUT, clock within the bound. */
static void t_server_silent(void)
{
	setup();
	script_expect(&S, 1, 4, IC_CONF_60, 0);
	UT_EQ(vmbus_conn_connect(&C, true), UMBRA_ETIMEDOUT);
	UT_CHECK(script_done(&S));
	UT_CHECK(S.now >= C.timeout_ns);
	UT_CHECK(S.now < 2 * C.timeout_ns);
	UT_CHECK(S.recv_calls < 10);

	/* Answers the version but never finishes the offers. */
	setup();
	script_reply(script_expect(&S, 0, 4, IC_PLAIN_60, 0), VR2_OK);
	script_expect(&S, 0, 1, REQ_OFFERS, 0);
	UT_EQ(vmbus_conn_connect(&C, false), UMBRA_ETIMEDOUT);
	UT_CHECK(!C.connected);
}

/* Corrupted, short and unknown messages are dropped; the handshake still completes. */
static void t_corrupt_messages(void)
{
	setup();
	struct script_step *st = script_expect(&S, 0, 4, IC_PLAIN_60, 0);
	script_reply(st, "0f000000 00000000 0100");                 /* short VR */
	script_reply(st, "17000000 00000000 00");                    /* type 23: ignored */
	script_reply(st, "0e000000 00000000 00000600 00000000");     /* g2h type from host */
	script_reply(st, "0000");                                    /* shorter than a header */
	script_reply(st, "63000000 00000000");                       /* unknown type 99 */
	script_reply(st, VR2_OK);
	st = script_expect(&S, 0, 1, REQ_OFFERS, 0);
	struct script_msg o;
	script_offer(&o, 9, 0, 0x30, 0x2009);
	script_reply_bin(st, o.b, 195);                              /* short offer */
	script_reply(st, ALL_OFFERS);
	UT_EQ(vmbus_conn_connect(&C, false), 0);
	UT_CHECK(script_done(&S));
	UT_EQ(C.stats.dropped_malformed, 4);
	UT_EQ(C.stats.ignored_unknown, 2);
	UT_CHECK(vmbus_conn_chan(&C, 9) == NULL);

	/* 6.0 accepted in the 16-byte form: protocol error. */
	setup();
	script_reply(script_expect(&S, 0, 4, IC_PLAIN_60, 0), "0f000000 00000000 01000000 01000000");
	UT_EQ(vmbus_conn_connect(&C, false), UMBRA_EPROTO);
	/* message connection id 0 or with reserved bits: protocol error. */
	setup();
	script_reply(script_expect(&S, 0, 4, IC_PLAIN_60, 0), "0f000000 00000000 01000000 00000000 00000000");
	UT_EQ(vmbus_conn_connect(&C, false), UMBRA_EPROTO);
	setup();
	script_reply(script_expect(&S, 0, 4, IC_PLAIN_60, 0), "0f000000 00000000 01000000 01000001 00000000");
	UT_EQ(vmbus_conn_connect(&C, false), UMBRA_EPROTO);
	/* features beyond what was asked are not believed */
	setup();
	script_reply(script_expect(&S, 0, 4, IC_PLAIN_60, 0), "0f000000 00000000 01000000 01000000 ffffffff");
	script_reply(script_expect(&S, 0, 1, REQ_OFFERS, 0), ALL_OFFERS);
	UT_EQ(vmbus_conn_connect(&C, false), 0);
	UT_EQ(C.features, 0);
	UT_CHECK(!C.confidential);
}

/* Offer validation. */
static void t_offer_validation(void)
{
	setup();
	struct script_msg o[10];
	script_offer(&o[0], 1, 0x2, 0x10, 0x2001);          /* ok */
	script_offer(&o[1], 0, 0x2, 0x20, 0x2000);          /* relid 0 */
	script_offer(&o[2], 2048, 0x2, 0x30, 0x2800);       /* relid out of range */
	script_offer(&o[3], 1, 0x2, 0x40, 0x2001);          /* duplicate relid */
	script_offer(&o[4], 4, 0x2, 0x10, 0x2004);          /* duplicate class+instance */
	script_offer(&o[5], 5, 0x4, 0x50, 0x2005);          /* 0x4 without 0x2 */
	script_offer(&o[6], 6, 0x6, 0x60, 0x2006);          /* 0x2|0x4: ok */
	script_offer(&o[7], 7, 0x0, 0x70, 0x01002007);      /* reserved connection id bits */
	script_offer(&o[8], 8, 0x0, 0x80, 0);               /* connection id 0 */
	script_offer(&o[9], 2047, 0x0, 0x90, 0x27FF);       /* max relid: ok */
	UT_EQ(connect_with(true, 10, o), 0);
	UT_CHECK(script_done(&S));
	UT_CHECK(vmbus_conn_chan(&C, 1) != NULL);
	UT_EQ(vmbus_conn_chan(&C, 1)->offer.if_instance[0], 0x10);
	UT_CHECK(vmbus_conn_chan(&C, 4) == NULL);
	UT_CHECK(vmbus_conn_chan(&C, 5) == NULL);
	UT_REQUIRE(vmbus_conn_chan(&C, 6) != NULL);
	UT_EQ(vmbus_conn_chan(&C, 6)->offer.flags, 0x6);
	UT_CHECK(vmbus_conn_chan(&C, 7) == NULL);
	UT_CHECK(vmbus_conn_chan(&C, 8) == NULL);
	UT_CHECK(vmbus_conn_chan(&C, 2047) != NULL);
	UT_EQ(C.stats.offers_rejected, 7);

	/* Hot-add after AllOffersDelivered is accepted; table overflow is rejected. */
	for (uint32_t i = 0; i < VMBUS_MAX_CHANNELS + 4; i++) {
		struct script_msg m;
		script_offer(&m, 100 + i, 0, (uint8_t)i, 0x3000 + i);
		m.b[40] = (uint8_t)i;  /* reserved bytes: ignored */
		script_inject_bin(&S, m.b, m.len);
	}
	vmbus_conn_poll(&C);
	int n = 0;
	for (int i = 0; i < VMBUS_MAX_CHANNELS; i++)
		n += C.ch[i].state != VMBUS_CHAN_FREE;
	UT_EQ(n, VMBUS_MAX_CHANNELS);
}

/* Offers before the connection exists are not believed. */
static void t_offer_before_connect(void)
{
	setup();
	struct script_msg o;
	script_offer(&o, 1, 0x2, 0x10, 0x2001);
	UT_EQ(vmbus_conn_handle(&C, o.b, o.len), 1);
	UT_CHECK(vmbus_conn_chan(&C, 1) == NULL);
	UT_EQ(C.stats.unexpected, 1);
}

static uint64_t PFN[64];

#define GPADL_CREATED(relid, id, st) "0a000000 00000000 " relid " " id " " st

static void connected_one(bool conf)
{
	setup();
	struct script_msg o;
	script_offer(&o, 1, conf ? 0x2 : 0, 0x10, 0x2001);
	UT_EQ(connect_with(conf, 1, &o), 0);
	for (int i = 0; i < 64; i++)
		PFN[i] = 0x100000 + (uint64_t)i * 3;
}

static void hex_pfns(char *out, int from, int n)
{
	*out = 0;
	for (int i = from; i < from + n; i++) {
		uint64_t v = PFN[i];
		for (int b = 0; b < 8; b++)
			out += sprintf(out, "%02x", (unsigned)((v >> (8 * b)) & 0xFF));
		*out++ = ' ';
		*out = 0;
	}
}

/* GPADL of 60 pages: header with 26 PFNs, bodies with 28 and 6, exact bytes. */
static void t_gpadl_bytes(void)
{
	connected_one(true);
	static char hex[4096], pf[2048];
	hex_pfns(pf, 0, 26);
	/* relid 1, gpadl 0xE1E10, range_buflen 8+480=488=0x1e8, 1 range, 60*4096 bytes, off 0 = 00c00300 */
	snprintf(hex, sizeof(hex), "08000000 00000000 01000000 101e0e00 e801 0100 00c00300 00000000 %s", pf);
	script_expect(&S, 1, 1, hex, 0);
	hex_pfns(pf, 26, 28);
	snprintf(hex, sizeof(hex), "09000000 00000000 00000000 101e0e00 %s", pf);
	script_expect(&S, 1, 1, hex, 0);
	hex_pfns(pf, 54, 6);
	snprintf(hex, sizeof(hex), "09000000 00000000 00000000 101e0e00 %s", pf);
	script_reply(script_expect(&S, 1, 1, hex, 0), GPADL_CREATED("01000000", "101e0e00", "00000000"));
	uint32_t id = 0;
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 60 * 4096, PFN, 60, &id), 0);
	UT_EQ(id, 0xE1E10);
	UT_CHECK(script_done(&S));
	UT_EQ(S.posted[S.nposted - 3].len, 236);
	UT_EQ(S.posted[S.nposted - 2].len, 240);
	UT_EQ(S.posted[S.nposted - 1].len, 64);

	/* Teardown: exact bytes, waits for GpadlTorndown. */
	script_reply(script_expect(&S, 1, 1, "0b000000 00000000 01000000 101e0e00", 0), "0c000000 00000000 101e0e00");
	UT_EQ(vmbus_conn_gpadl_teardown(&C, id), 0);
	UT_CHECK(script_done(&S));
	UT_EQ(vmbus_conn_gpadl_teardown(&C, id), UMBRA_ENOENT);

	/* A small one with an offset fits the header alone; the next id is used. */
	script_reply(script_expect(&S, 1, 1, "08000000 00000000 01000000 111e0e00 1800 0100 20000000 f00f0000 0000100000000000 0300100000000000", 0),
		     GPADL_CREATED("01000000", "111e0e00", "00000000"));
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0xFF0, 32, PFN, 2, &id), 0);
	UT_EQ(id, 0xE1E11);
	UT_CHECK(script_done(&S));
}

static void t_gpadl_bad_args(void)
{
	connected_one(false);
	uint32_t id;
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 4096, PFN, 2, &id), UMBRA_EINVAL);   /* count mismatch */
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0x1000, 4096, PFN, 2, &id), UMBRA_EINVAL);
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 0, PFN, 1, &id), UMBRA_EINVAL);
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 4096, NULL, 1, &id), UMBRA_EINVAL);
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 4096, PFN, 1, NULL), UMBRA_EINVAL);
	UT_EQ(vmbus_conn_gpadl_create(&C, 99, 0, 4096, PFN, 1, &id), UMBRA_ENOENT);
	uint64_t bad = 1ull << 52;
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 4096, &bad, 1, &id), UMBRA_EINVAL);
	UT_EQ(vmbus_conn_gpadl_create(NULL, 1, 0, 4096, PFN, 1, &id), UMBRA_EINVAL);
	UT_EQ(vmbus_conn_open(&C, 1, 0x1234, 1, 0), UMBRA_EINVAL);                  /* no such GPADL */
	UT_EQ(vmbus_conn_signal(&C, 1), UMBRA_ECLOSED);
	UT_EQ(vmbus_conn_gpadl_teardown(&C, 5), UMBRA_ENOENT);
	UT_CHECK(script_done(&S));
}

/* GpadlCreated with a failure status: EREFUSED, nothing left behind. */
static void t_gpadl_failure_status(void)
{
	connected_one(false);
	script_reply(script_expect_type(&S, 8, 0), GPADL_CREATED("01000000", "101e0e00", "440000c0"));
	uint32_t id = 0;
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 4096, PFN, 1, &id), UMBRA_EREFUSED);
	UT_EQ(id, 0);
	UT_EQ(vmbus_conn_chan(&C, 1)->ngpadl, 0);
	/* A GpadlCreated for the wrong relid or an unknown id is ignored: bounded timeout. */
	struct script_step *st = script_expect_type(&S, 8, 0);
	script_reply(st, GPADL_CREATED("02000000", "111e0e00", "00000000"));
	script_reply(st, GPADL_CREATED("01000000", "991e0e00", "00000000"));
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 4096, PFN, 1, &id), UMBRA_ETIMEDOUT);
	UT_EQ(C.stats.unexpected, 2);
	/* the record stays: pages must not be reused */
	UT_EQ(vmbus_conn_chan(&C, 1)->ngpadl, 1);
	UT_CHECK(script_done(&S));
}

static uint32_t make_gpadl(void)
{
	uint32_t id = 0;
	char reply[128];
	uint32_t want = C.next_gpadl;
	snprintf(reply, sizeof(reply), "0a000000 00000000 01000000 %02x%02x%02x%02x 00000000",
		 want & 0xFF, (want >> 8) & 0xFF, (want >> 16) & 0xFF, want >> 24);
	script_reply(script_expect_type(&S, 8, 0), reply);
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 4 * 4096, PFN, 4, &id), 0);
	return id;
}

#define OPEN_1(gp, off, vp) "05000000 00000000 01000000 01000000 " gp " " vp " " off " " \
	"00000000000000000000000000000000000000000000000000000000000000000000000000000000" \
	"00000000000000000000000000000000000000000000000000000000000000000000000000000000" \
	"00000000000000000000000000000000000000000000000000000000000000000000000000000000"

static void t_open_close_bytes(void)
{
	connected_one(true);
	uint32_t id = make_gpadl();
	script_reply(script_expect(&S, 1, 1, OPEN_1("101e0e00", "02000000", "03000000"), 0),
		     "06000000 00000000 01000000 01000000 00000000");
	UT_EQ(vmbus_conn_open(&C, 1, id, 2, 3), 0);
	UT_EQ(vmbus_conn_chan(&C, 1)->state, VMBUS_CHAN_OPEN);
	UT_EQ(vmbus_conn_open(&C, 1, id, 2, 3), UMBRA_EBUSY);
	UT_EQ(vmbus_conn_signal(&C, 1), 0);
	UT_EQ(S.nsignals, 1);
	UT_EQ(S.signals[0], 0x2001);
	S.signal_status = 0x12;
	UT_EQ(vmbus_conn_signal(&C, 1), UMBRA_EIO);
	script_expect(&S, 1, 1, "07000000 00000000 01000000", 0);
	UT_EQ(vmbus_conn_close(&C, 1), 0);
	script_reply(script_expect(&S, 1, 1, "0b000000 00000000 01000000 101e0e00", 0), "0c000000 00000000 101e0e00");
	UT_EQ(vmbus_conn_gpadl_teardown(&C, id), 0);
	UT_CHECK(script_done(&S));
	UT_EQ(vmbus_conn_chan(&C, 1)->state, VMBUS_CHAN_OFFERED);
}

static void t_open_refused(void)
{
	connected_one(false);
	uint32_t id = make_gpadl();
	struct script_step *st = script_expect_type(&S, 5, 0);
	script_reply(st, "06000000 00000000 01000000 02000000 00000000");   /* wrong openid */
	script_reply(st, "06000000 00000000 01000000 01000000 ffff0080");
	UT_EQ(vmbus_conn_open(&C, 1, id, 2, 0), UMBRA_EREFUSED);
	UT_EQ(C.stats.unexpected, 1);
	UT_EQ(vmbus_conn_chan(&C, 1)->state, VMBUS_CHAN_OFFERED);
	/* never answered: ETIMEDOUT, and a CloseChannel fences a late open */
	script_expect_type(&S, 5, 0);
	script_expect(&S, 0, 1, "07000000 00000000 01000000", 0);
	UT_EQ(vmbus_conn_open(&C, 1, id, 2, 0), UMBRA_ETIMEDOUT);
	UT_EQ(vmbus_conn_chan(&C, 1)->state, VMBUS_CHAN_OFFERED);
	UT_CHECK(script_done(&S));
}

/* Rescind while the open is outstanding: ERESCINDED, then teardown and RelIdReleased. */
static void t_rescind_during_open(void)
{
	connected_one(true);
	UT_EQ(vmbus_conn_claim(&C, 1), 0);
	uint32_t id = make_gpadl();
	script_reply(script_expect_type(&S, 5, 0), "02000000 00000000 01000000");
	UT_EQ(vmbus_conn_open(&C, 1, id, 2, 0), UMBRA_ERESCINDED);
	UT_EQ(vmbus_conn_signal(&C, 1), UMBRA_ERESCINDED);
	UT_EQ(vmbus_conn_close(&C, 1), 0);                       /* no CloseChannel sent */
	script_reply(script_expect(&S, 1, 1, "0b000000 00000000 01000000 101e0e00", 0), "0c000000 00000000 101e0e00");
	UT_EQ(vmbus_conn_gpadl_teardown(&C, id), 0);
	script_expect(&S, 1, 1, "0d000000 00000000 01000000", 0);
	UT_EQ(vmbus_conn_release(&C, 1), 0);
	UT_CHECK(vmbus_conn_chan(&C, 1) == NULL);
	UT_CHECK(script_done(&S));
	/* The relid can be offered again. */
	struct script_msg o;
	script_offer(&o, 1, 0x2, 0x10, 0x2001);
	script_inject_bin(&S, o.b, o.len);
	vmbus_conn_poll(&C);
	UT_CHECK(vmbus_conn_chan(&C, 1) != NULL);
}

/* Rescind while open and in use. */
static void t_rescind_during_traffic(void)
{
	connected_one(false);
	UT_EQ(vmbus_conn_claim(&C, 1), 0);
	uint32_t id = make_gpadl();
	script_reply(script_expect_type(&S, 5, 0), "06000000 00000000 01000000 01000000 00000000");
	UT_EQ(vmbus_conn_open(&C, 1, id, 2, 0), 0);
	UT_EQ(vmbus_conn_signal(&C, 1), 0);
	script_inject(&S, "02000000 00000000 01000000");
	script_inject(&S, "02000000 00000000 01000000");            /* duplicate rescind */
	script_inject(&S, "02000000 00000000 09000000");            /* unknown relid */
	vmbus_conn_poll(&C);
	UT_EQ(C.stats.unexpected, 2);
	UT_EQ(vmbus_conn_signal(&C, 1), UMBRA_ERESCINDED);
	UT_EQ(vmbus_conn_close(&C, 1), 0);
	UT_EQ(vmbus_conn_release(&C, 1), 0);                        /* GPADL still there: deferred */
	UT_CHECK(vmbus_conn_chan(&C, 1) != NULL);
	script_reply(script_expect_type(&S, 11, 0), "0c000000 00000000 101e0e00");
	UT_EQ(vmbus_conn_gpadl_teardown(&C, id), 0);
	script_expect(&S, 0, 1, "0d000000 00000000 01000000", 0);
	UT_EQ(vmbus_conn_release(&C, 1), 0);
	UT_CHECK(vmbus_conn_chan(&C, 1) == NULL);
	UT_CHECK(script_done(&S));
}

/* Rescind of a channel nobody uses releases the relid at once. */
static void t_rescind_unused(void)
{
	connected_one(false);
	script_expect(&S, 0, 1, "0d000000 00000000 01000000", 0);
	script_inject(&S, "02000000 00000000 01000000");
	vmbus_conn_poll(&C);
	UT_CHECK(vmbus_conn_chan(&C, 1) == NULL);
	UT_CHECK(script_done(&S));
}

/* Rescind while a GPADL is being created: the host still answers; a created GPADL is
 * torn down before ERESCINDED is returned. */
static void t_rescind_during_gpadl(void)
{
	connected_one(true);
	UT_EQ(vmbus_conn_claim(&C, 1), 0);
	struct script_step *st = script_expect_type(&S, 8, 0);
	script_reply(st, "02000000 00000000 01000000");
	script_reply(st, GPADL_CREATED("01000000", "101e0e00", "00000000"));
	script_reply(script_expect(&S, 1, 1, "0b000000 00000000 01000000 101e0e00", 0), "0c000000 00000000 101e0e00");
	uint32_t id = 0;
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 4096, PFN, 1, &id), UMBRA_ERESCINDED);
	UT_EQ(vmbus_conn_chan(&C, 1)->ngpadl, 0);
	script_expect(&S, 1, 1, "0d000000 00000000 01000000", 0);
	UT_EQ(vmbus_conn_release(&C, 1), 0);
	UT_CHECK(script_done(&S));
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 4096, PFN, 1, &id), UMBRA_ENOENT);
}

static void t_unload(void)
{
	connected_one(true);
	script_reply(script_expect(&S, 1, 1, "10000000 00000000", 0), "11000000 00000000");
	UT_EQ(vmbus_conn_unload(&C), 0);
	UT_CHECK(!C.connected);
	UT_CHECK(vmbus_conn_chan(&C, 1) == NULL);
	UT_EQ(vmbus_conn_unload(&C), UMBRA_ECLOSED);
	UT_CHECK(script_done(&S));
	/* silent server */
	connected_one(false);
	script_expect(&S, 0, 1, "10000000 00000000", 0);
	UT_EQ(vmbus_conn_unload(&C), UMBRA_ETIMEDOUT);
	UT_CHECK(!C.connected);
	/* After unload nothing is posted. */
	UT_EQ(vmbus_conn_close(&C, 1), UMBRA_ENOENT);
	UT_CHECK(script_done(&S));
}

/* Random host messages never crash the core and never create invalid records. */
static void t_random_messages(void)
{
	connected_one(true);
	uint32_t x = 12345;
	for (int i = 0; i < 20000; i++) {
		uint8_t b[256];
		for (size_t j = 0; j < sizeof(b); j++) {
			x = x * 1103515245u + 12345u;
			b[j] = (uint8_t)(x >> 16);
		}
		b[0] = (uint8_t)(b[0] % 20);
		b[1] = b[2] = b[3] = 0;
		if (b[0] == 1) {           /* make offers plausible sometimes */
			b[186] = b[187] = 0;
			b[185] &= 7;
		}
		size_t len = (size_t)(x % 260);
		vmbus_conn_handle(&C, b, len);
	}
	for (int i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		const struct vmbus_chan_rec *r = &C.ch[i];
		if (r->state == VMBUS_CHAN_FREE)
			continue;
		UT_CHECK(r->offer.relid >= 1 && r->offer.relid <= 2047);
		UT_CHECK(!(r->offer.flags & 0x4) || (r->offer.flags & 0x2));
		UT_CHECK((r->offer.connection_id >> 24) == 0);
	}
	UT_CHECK(C.stats.dropped_malformed > 0);
}

/* A GpadlBody post fails (status 0x6, the host's choice) 200 times, more than the
 * 128-entry table: each UMBRA_EIO, the record dropped at once (no GpadlTeardown: the
 * server refuses one for an incomplete GPADL), the table stays usable. */
static void t_gpadl_body_post_fails(void)
{
	connected_one(true);
	uint32_t id = 0;
	for (int i = 0; i < 200; i++) {
		S.cur = S.nsteps = 0;
		script_expect_type(&S, 8, 0);
		script_expect_type(&S, 9, 0x6);
		UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 30 * 4096, PFN, 30, &id), UMBRA_EIO);
		UT_CHECK(script_done(&S));
	}
	UT_EQ(C.stats.gpadl_abandoned, 200);
	UT_EQ(vmbus_conn_chan(&C, 1)->ngpadl, 0);
	/* a header failure is not counted as abandoned (nothing is known to be held) */
	S.cur = S.nsteps = 0;
	script_expect_type(&S, 8, 0x6);
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 30 * 4096, PFN, 30, &id), UMBRA_EIO);
	UT_EQ(C.stats.gpadl_abandoned, 200);
	/* a late GpadlCreated for an abandoned id is ignored */
	script_inject(&S, GPADL_CREATED("01000000", "101e0e00", "00000000"));
	vmbus_conn_poll(&C);
	UT_EQ(C.stats.unexpected, 1);
	/* the table still works: ids keep increasing, never reused */
	S.cur = S.nsteps = 0;
	uint32_t want = C.next_gpadl;
	UT_EQ(want, 0xE1E10u + 201);
	char reply[128];
	snprintf(reply, sizeof(reply), "0a000000 00000000 01000000 %02x%02x%02x%02x 00000000",
		 want & 0xFF, (want >> 8) & 0xFF, (want >> 16) & 0xFF, want >> 24);
	script_expect_type(&S, 8, 0);
	script_reply(script_expect_type(&S, 9, 0), reply);
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 30 * 4096, PFN, 30, &id), 0);
	UT_EQ(id, want);
	UT_CHECK(script_done(&S));
}

/* Rescind while a GPADL is created and the teardown post fails: not ERESCINDED (which
 * promises the teardown) but the teardown's error, and the record stays (the host still
 * holds the pages; the relid is not released). */
static void t_rescind_during_gpadl_teardown_fails(void)
{
	connected_one(true);
	UT_EQ(vmbus_conn_claim(&C, 1), 0);
	struct script_step *st = script_expect_type(&S, 8, 0);
	script_reply(st, "02000000 00000000 01000000");
	script_reply(st, GPADL_CREATED("01000000", "101e0e00", "00000000"));
	script_expect_type(&S, 11, 0x6);
	uint32_t id = 0;
	UT_EQ(vmbus_conn_gpadl_create(&C, 1, 0, 4096, PFN, 1, &id), UMBRA_EIO);
	UT_EQ(vmbus_conn_chan(&C, 1)->ngpadl, 1);
	UT_EQ(vmbus_conn_release(&C, 1), 0);            /* no RelIdReleased: GPADL held */
	UT_CHECK(vmbus_conn_chan(&C, 1) != NULL);
	UT_CHECK(script_done(&S));
}

/* A failed HvSignalEvent is counted with its status. */
static void t_signal_failure_counted(void)
{
	connected_one(true);
	uint32_t id = make_gpadl();
	script_reply(script_expect_type(&S, 5, 0), "06000000 00000000 01000000 01000000 00000000");
	UT_EQ(vmbus_conn_open(&C, 1, id, 2, 0), 0);
	S.signal_status = 0x6;
	UT_EQ(vmbus_conn_signal(&C, 1), UMBRA_EIO);
	UT_EQ(vmbus_conn_signal(&C, 1), UMBRA_EIO);
	UT_EQ(C.stats.signal_failures, 2);
	UT_EQ(C.stats.last_signal_status, 0x6);
	S.signal_status = 0;
	UT_EQ(vmbus_conn_signal(&C, 1), 0);
	UT_EQ(C.stats.signal_failures, 2);
	UT_CHECK(script_done(&S));
}

int main(void)
{
	UT_RUN(t_connect_confidential_bytes);
	UT_RUN(t_fallback_resend);
	UT_RUN(t_old_host);
	UT_RUN(t_conf_not_granted);
	UT_RUN(t_versions_refused);
	UT_RUN(t_isolated_min_52);
	UT_RUN(t_negative_response_next_version);
	UT_RUN(t_insufficient_buffers);
	UT_RUN(t_server_silent);
	UT_RUN(t_corrupt_messages);
	UT_RUN(t_offer_validation);
	UT_RUN(t_offer_before_connect);
	UT_RUN(t_gpadl_bytes);
	UT_RUN(t_gpadl_bad_args);
	UT_RUN(t_gpadl_failure_status);
	UT_RUN(t_open_close_bytes);
	UT_RUN(t_open_refused);
	UT_RUN(t_rescind_during_open);
	UT_RUN(t_rescind_during_traffic);
	UT_RUN(t_rescind_unused);
	UT_RUN(t_rescind_during_gpadl);
	UT_RUN(t_unload);
	UT_RUN(t_random_messages);
	UT_RUN(t_gpadl_body_post_fails);
	UT_RUN(t_rescind_during_gpadl_teardown_fails);
	UT_RUN(t_signal_failure_counted);
	return UT_DONE();
}
