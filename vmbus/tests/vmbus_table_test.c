/*
 * The VMBus message table (vmbus_wire.h VMBUS_MSG_TABLE) against the structs, against
 * itself and against two independent transcriptions: Linux and openvmm. Then the parser
 * walked over every type and length the table implies.
 */
#include "tests/unit/ut.h"
#include "vmbus/vmbus_msg.h"
#include <stddef.h>
#include <umbra/errno.h>

struct row {
	uint32_t type;
	const char *id;                 /* "OFFERCHANNEL" */
	const char *name;               /* "OfferChannel" */
	enum vmbus_msg_dir dir;
	const char *st;                 /* "vmbus_offer_channel" */
	size_t st_size;                 /* sizeof(struct st) */
	size_t min;
};

static const struct row rows[] = {
#define ROW_(type, i, nm, d, s, mn) \
	{ type, #i, nm, VMBUS_DIR_##d, #s, sizeof(struct s), mn },
	VMBUS_MSG_TABLE(ROW_)
#undef ROW_
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/*
 * Linux include/linux/hyperv.h enum vmbus_channel_message_type (names, numbers) and
 * drivers/hv/channel_mgmt.c channel_message_table (a handler: host to guest; its
 * min_payload_len, header included; 0 = no check beyond the header).
 */
static const struct { uint32_t type; const char *name; enum vmbus_msg_dir dir; size_t min; } lx[] = {
	{ 0,  "CHANNELMSG_INVALID",              VMBUS_DIR_NONE, 0 },
	{ 1,  "CHANNELMSG_OFFERCHANNEL",         VMBUS_DIR_H2G,  196 },
	{ 2,  "CHANNELMSG_RESCIND_CHANNELOFFER", VMBUS_DIR_H2G,  12 },
	{ 3,  "CHANNELMSG_REQUESTOFFERS",        VMBUS_DIR_G2H,  0 },
	{ 4,  "CHANNELMSG_ALLOFFERS_DELIVERED",  VMBUS_DIR_H2G,  0 },
	{ 5,  "CHANNELMSG_OPENCHANNEL",          VMBUS_DIR_G2H,  0 },
	{ 6,  "CHANNELMSG_OPENCHANNEL_RESULT",   VMBUS_DIR_H2G,  20 },
	{ 7,  "CHANNELMSG_CLOSECHANNEL",         VMBUS_DIR_G2H,  0 },
	{ 8,  "CHANNELMSG_GPADL_HEADER",         VMBUS_DIR_G2H,  0 },
	{ 9,  "CHANNELMSG_GPADL_BODY",           VMBUS_DIR_G2H,  0 },
	{ 10, "CHANNELMSG_GPADL_CREATED",        VMBUS_DIR_H2G,  20 },
	{ 11, "CHANNELMSG_GPADL_TEARDOWN",       VMBUS_DIR_G2H,  0 },
	{ 12, "CHANNELMSG_GPADL_TORNDOWN",       VMBUS_DIR_H2G,  12 },
	{ 13, "CHANNELMSG_RELID_RELEASED",       VMBUS_DIR_G2H,  0 },
	{ 14, "CHANNELMSG_INITIATE_CONTACT",     VMBUS_DIR_G2H,  0 },
	{ 15, "CHANNELMSG_VERSION_RESPONSE",     VMBUS_DIR_H2G,  16 },
	{ 16, "CHANNELMSG_UNLOAD",               VMBUS_DIR_G2H,  0 },
	{ 17, "CHANNELMSG_UNLOAD_RESPONSE",      VMBUS_DIR_H2G,  0 },
	/* Not rows (ignored): CHANNELMSG_18..20, TL_CONNECT_REQUEST (g2h), MODIFYCHANNEL
	 * (g2h), TL_CONNECT_RESULT (h2g), MODIFYCHANNEL_RESPONSE (h2g). */
	{ 18, "CHANNELMSG_18", VMBUS_DIR_NONE, 0 },
	{ 19, "CHANNELMSG_19", VMBUS_DIR_NONE, 0 },
	{ 20, "CHANNELMSG_20", VMBUS_DIR_NONE, 0 },
	{ 21, "CHANNELMSG_TL_CONNECT_REQUEST", VMBUS_DIR_G2H, 0 },
	{ 22, "CHANNELMSG_MODIFYCHANNEL", VMBUS_DIR_G2H, 0 },
	{ 23, "CHANNELMSG_TL_CONNECT_RESULT", VMBUS_DIR_H2G, 0 },
	{ 24, "CHANNELMSG_MODIFYCHANNEL_RESPONSE", VMBUS_DIR_H2G, 16 },
};

/*
 * openvmm vm/devices/vmbus/vmbus_core/src/protocol.rs vmbus_messages! (numbers, names;
 * body = size of the smallest variant's struct, without the 8-byte MessageHeader) and
 * vm/devices/vmbus/vmbus_client/src/lib.rs handle_synic_message (the messages it
 * handles: host to guest; the arm it refuses as server-bound: guest to host).
 */
static const struct { uint32_t type; const char *name; enum vmbus_msg_dir dir; size_t body; } ov[] = {
	{ 1,  "OFFER_CHANNEL",             VMBUS_DIR_H2G, 188 },
	{ 2,  "RESCIND_CHANNEL_OFFER",     VMBUS_DIR_H2G, 4 },
	{ 3,  "REQUEST_OFFERS",            VMBUS_DIR_G2H, 0 },
	{ 4,  "ALL_OFFERS_DELIVERED",      VMBUS_DIR_H2G, 0 },
	{ 5,  "OPEN_CHANNEL",              VMBUS_DIR_G2H, 140 },  /* OpenChannel (not 2) */
	{ 6,  "OPEN_CHANNEL_RESULT",       VMBUS_DIR_H2G, 12 },
	{ 7,  "CLOSE_CHANNEL",             VMBUS_DIR_G2H, 4 },
	{ 8,  "GPADL_HEADER",              VMBUS_DIR_G2H, 12 },   /* ranges follow */
	{ 9,  "GPADL_BODY",                VMBUS_DIR_G2H, 8 },
	{ 10, "GPADL_CREATED",             VMBUS_DIR_H2G, 12 },
	{ 11, "GPADL_TEARDOWN",            VMBUS_DIR_G2H, 8 },
	{ 12, "GPADL_TORNDOWN",            VMBUS_DIR_H2G, 4 },
	{ 13, "REL_ID_RELEASED",           VMBUS_DIR_G2H, 4 },
	{ 14, "INITIATE_CONTACT",          VMBUS_DIR_G2H, 32 },   /* InitiateContact (not 2) */
	{ 15, "VERSION_RESPONSE",          VMBUS_DIR_H2G, 8 },    /* VersionResponse (not 2/3) */
	{ 16, "UNLOAD",                    VMBUS_DIR_G2H, 0 },
	{ 17, "UNLOAD_COMPLETE",           VMBUS_DIR_H2G, 0 },
	/* Not rows (ignored). */
	{ 18, "OPEN_RESERVED_CHANNEL",     VMBUS_DIR_G2H, 0 },
	{ 19, "CLOSE_RESERVED_CHANNEL",    VMBUS_DIR_G2H, 0 },
	{ 20, "CLOSE_RESERVED_RESPONSE",   VMBUS_DIR_H2G, 0 },
	{ 21, "TL_CONNECT_REQUEST",        VMBUS_DIR_G2H, 0 },
	{ 22, "MODIFY_CHANNEL",            VMBUS_DIR_G2H, 0 },
	{ 23, "TL_CONNECT_REQUEST_RESULT", VMBUS_DIR_H2G, 0 },
	{ 24, "MODIFY_CHANNEL_RESPONSE",   VMBUS_DIR_H2G, 0 },
	{ 25, "MODIFY_CONNECTION",         VMBUS_DIR_G2H, 0 },
	{ 26, "MODIFY_CONNECTION_RESPONSE", VMBUS_DIR_H2G, 0 },
	{ 27, "PAUSE",                     VMBUS_DIR_G2H, 0 },
	{ 28, "PAUSE_RESPONSE",            VMBUS_DIR_H2G, 0 },
	{ 29, "RESUME",                    VMBUS_DIR_G2H, 0 },
};

static const struct row *row_of(uint32_t type)
{
	for (size_t i = 0; i < NROWS; i++)
		if (rows[i].type == type)
			return &rows[i];
	return NULL;
}

/* The struct's fixed part: all of it, or the bytes before its variable (pfn[]) or
 * optional (6.0 supported_features) tail. Computed from the structs, not the table. */
static size_t fixed_size(const char *st, size_t whole)
{
	if (!strcmp(st, "vmbus_gpadl_header"))
		return offsetof(struct vmbus_gpadl_header, pfn);
	if (!strcmp(st, "vmbus_gpadl_body"))
		return offsetof(struct vmbus_gpadl_body, pfn);
	if (!strcmp(st, "vmbus_version_response"))
		return offsetof(struct vmbus_version_response, supported_features);
	return whole;
}

/* Every row: min = the struct's fixed size, types and names unique, the lookups agree. */
static void t_rows(void)
{
	UT_EQ(NROWS, 18);
	UT_EQ(VMBUS_MSG_TABLE_END, 18);
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		UT_EQ(r->type, i);                                  /* dense, in order */
		UT_EQ(r->min, fixed_size(r->st, r->st_size));
		UT_CHECK(r->min >= sizeof(struct vmbus_msg_hdr) && r->st_size <= VMBUS_MSG_MAX);
		UT_CHECK(r->name[0] >= 'A' && r->name[0] <= 'Z');
		for (size_t j = 0; j < i; j++) {
			UT_CHECK(strcmp(r->name, rows[j].name) != 0);
			UT_CHECK(strcmp(r->id, rows[j].id) != 0);
		}
		const struct vmbus_msg_info *in = vmbus_msg_info(r->type);
		UT_REQUIRE(in != NULL);
		UT_CHECK(!strcmp(in->name, r->name));
		UT_CHECK(!strcmp(vmbus_msg_name(r->type), r->name));
		UT_EQ(in->min_size, r->min);
		UT_EQ(in->dir, r->dir);
		UT_EQ(vmbus_msg_min_size(r->type), r->dir == VMBUS_DIR_H2G ? r->min : 0);
	}
	/* The enum comes from the same rows. */
	UT_EQ(VMBUS_MSG_OFFERCHANNEL, 1);
	UT_EQ(VMBUS_MSG_GPADL_HEADER, 8);
	UT_EQ(VMBUS_MSG_INITIATE_CONTACT, 14);
	UT_EQ(VMBUS_MSG_UNLOAD_RESPONSE, 17);
	/* Which types share a struct. */
	UT_CHECK(!strcmp(row_of(VMBUS_MSG_CLOSECHANNEL)->st, "vmbus_msg_relid"));
	UT_CHECK(!strcmp(row_of(VMBUS_MSG_UNLOAD)->st, "vmbus_msg_empty"));
	/* No row, no name. */
	const uint32_t none[] = { 18, 23, 24, 29, 30, 99, 0x80000000u, 0xffffffffu };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		UT_CHECK(vmbus_msg_info(none[i]) == NULL);
		UT_CHECK(!strcmp(vmbus_msg_name(none[i]), "unknown"));
		UT_EQ(vmbus_msg_min_size(none[i]), 0);
	}
}

/* Names, numbers and directions as Linux has them; h2g minimums at least Linux's. */
static void t_linux(void)
{
	for (size_t i = 0; i < sizeof(lx) / sizeof(lx[0]); i++) {
		const struct row *r = row_of(lx[i].type);
		if (lx[i].type >= VMBUS_MSG_TABLE_END) {
			UT_CHECK(r == NULL);
			continue;
		}
		UT_REQUIRE(r != NULL);
		char want[64];
		snprintf(want, sizeof(want), "CHANNELMSG_%s", r->id);
		UT_CHECK(!strcmp(want, lx[i].name));
		UT_EQ(r->dir, lx[i].dir);
		size_t lmin = lx[i].min > 8 ? lx[i].min : 8;        /* 0: the header only */
		if (r->dir == VMBUS_DIR_H2G)
			UT_EQ(r->min, lmin);
	}
}

/* Names, numbers, directions and sizes as openvmm has them. */
static void t_openvmm(void)
{
	for (size_t i = 0; i < sizeof(ov) / sizeof(ov[0]); i++) {
		const struct row *r = row_of(ov[i].type);
		if (ov[i].type >= VMBUS_MSG_TABLE_END) {
			UT_CHECK(r == NULL);
			continue;
		}
		UT_REQUIRE(r != NULL);
		UT_EQ(r->dir, ov[i].dir);
		/* Our GpadlHeader counts its one range's 8-byte header (byte count, offset) in
		 * the fixed part; openvmm's stops at rangecount. */
		size_t extra = r->type == VMBUS_MSG_GPADL_HEADER ? sizeof(struct vmbus_gpa_range_hdr) : 0;
		UT_EQ(r->min, sizeof(struct vmbus_msg_hdr) + ov[i].body + extra);
	}
	UT_EQ(ov[sizeof(ov) / sizeof(ov[0]) - 1].type + 1, VMBUS_MSG_COUNT_KNOWN);
}

/* The parser over every type 0..40 and some large ones, at every length 0..240: an h2g
 * row is accepted from its minimum, a g2h row (or type 0) never, a type without a row is
 * ignored; the private copy is the input, zero-padded. */
static void t_parse_walk(void)
{
	uint32_t types[48];
	size_t nt = 0;
	for (uint32_t t = 0; t <= 40; t++)
		types[nt++] = t;
	types[nt++] = 256;
	types[nt++] = 0x100000fu;       /* 15 in the low byte */
	types[nt++] = 0xffffffffu;
	for (size_t k = 0; k < nt; k++) {
		uint32_t t = types[k];
		const struct row *r = row_of(t);
		for (size_t len = 0; len <= VMBUS_MSG_MAX + 1; len++) {
			uint8_t b[VMBUS_MSG_MAX + 1];
			for (size_t j = 0; j < sizeof(b); j++)
				b[j] = (uint8_t)(0xa5 ^ j);
			memcpy(b, &t, 4);
			union vmbus_msg_any m;
			size_t n = 12345;
			int rc = vmbus_msg_parse(b, len, &m, &n);
			int want;
			if (len < sizeof(struct vmbus_msg_hdr) || len > VMBUS_MSG_MAX)
				want = UMBRA_EPROTO;
			else if (!r)
				want = UMBRA_ENOENT;
			else if (r->dir != VMBUS_DIR_H2G || len < r->min)
				want = UMBRA_EPROTO;
			else
				want = (int)t;
			if (rc != want) {
				fprintf(stderr, "type %u (%s) len %zu: %d, want %d\n", t, vmbus_msg_name(t),
					len, rc, want);
				UT_CHECK(rc == want);
				return;
			}
			if (len >= sizeof(struct vmbus_msg_hdr) && len <= VMBUS_MSG_MAX) {
				UT_EQ(n, len);
				UT_CHECK(!memcmp(m.bytes, b, len));
				for (size_t j = len; j < VMBUS_MSG_MAX; j++)
					if (m.bytes[j] != 0) {
						UT_CHECK(m.bytes[j] == 0);
						return;
					}
			} else {
				UT_EQ(n, 0);
			}
		}
	}
	union vmbus_msg_any m;
	UT_EQ(vmbus_msg_parse(NULL, 8, &m, NULL), UMBRA_EPROTO);
	UT_EQ(vmbus_msg_parse("", 0, NULL, NULL), UMBRA_EINVAL);
}

int main(void)
{
	UT_RUN(t_rows);
	UT_RUN(t_linux);
	UT_RUN(t_openvmm);
	UT_RUN(t_parse_walk);
	return UT_DONE();
}
