/*
 * VMBus channel-management messages: the wire formats, nothing else.
 *
 * Every message is little-endian and packed, starts with struct vmbus_msg_hdr and must fit
 * the 240-byte SynIC payload. Sizes and offsets follow Linux include/linux/hyperv.h
 * (struct vmbus_channel_*), FreeBSD sys/dev/hyperv/vmbus/vmbus_reg.h and openvmm
 * vm/devices/vmbus/vmbus_core/src/protocol.rs, which agree; each struct carries its message
 * type in a comment and a _Static_assert on its size. Direction: g2h = guest to host
 * (we send it), h2g = host to guest (we parse it, as hostile input).
 */
#ifndef UMBRA_VMBUS_WIRE_H
#define UMBRA_VMBUS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define VMBUS_MSG_MAX            240u   /* HV_MESSAGE_PAYLOAD_SIZE */
#define VMBUS_SINT               2u
#define VMBUS_CONN_ID_MESSAGE    1u     /* InitiateContact target for versions < 5.0 */
#define VMBUS_CONN_ID_MULTICLIENT 4u    /* InitiateContact target for versions >= 5.0 */
#define VMBUS_SYNIC_MSG_TYPE     1u     /* HvPostMessage message_type for VMBus */

/* Versions: major << 16 | minor. */
#define VMBUS_VERSION_WIN8_1     0x00030000u
#define VMBUS_VERSION_WIN10      0x00040000u
#define VMBUS_VERSION_WIN10_V4_1 0x00040001u
#define VMBUS_VERSION_WIN10_V5   0x00050000u
#define VMBUS_VERSION_WIN10_V5_1 0x00050001u
#define VMBUS_VERSION_WIN10_V5_2 0x00050002u
#define VMBUS_VERSION_WIN10_V5_3 0x00050003u
#define VMBUS_VERSION_COPPER     0x00060000u   /* 6.0: feature flags */

/* Feature flags (InitiateContact / VersionResponse2, 6.0 only). */
#define VMBUS_FEATURE_CONFIDENTIAL_CHANNELS 0x10u

/* Offer flags (chn_flags). */
#define VMBUS_OFFER_ENUMERATE_DEVICE_INTERFACE 0x0001u
#define VMBUS_OFFER_CONFIDENTIAL_RING          0x0002u
#define VMBUS_OFFER_CONFIDENTIAL_EXTERNAL_MEM  0x0004u
#define VMBUS_OFFER_NAMED_PIPE_MODE            0x0010u

#define VMBUS_MAX_RELID          2047u  /* event flags 1..2047; 0 reserved */
#define VMBUS_GPADL_HDR_MAX_PFNS 26u
#define VMBUS_GPADL_BODY_MAX_PFNS 28u

/*
 * The message table: one row per channel-management message type this client knows, the
 * only list of them. Everything else derives from it: enum vmbus_msgtype below, the
 * parser's size and direction checks (vmbus_msg_min_size, vmbus_msg_parse) and the names
 * (vmbus_msg_name) in vmbus/vmbus_msg.c; vmbus/tests/vmbus_table_test.c walks it.
 *
 *   X(type, ID, "Name", direction, struct, minimum size in bytes)
 *
 * ID: VMBUS_MSG_<ID>, the suffix of Linux's CHANNELMSG_<ID> (include/linux/hyperv.h,
 * enum vmbus_channel_message_type). Name: the message's name in logs, tests and
 * docs/vmbus.md (openvmm's struct names, but Linux's UnloadResponse for openvmm's
 * UnloadComplete; VersionResponse covers the 6.0 VersionResponse2). Direction:
 * H2G = the host sends it, we parse it as hostile input; G2H = we send it, and one
 * received from the host is malformed; NONE = nobody sends it (type 0). Directions as
 * in Linux drivers/hv/channel_mgmt.c channel_message_table (a handler = host to guest)
 * and openvmm vm/devices/vmbus/vmbus_client/src/lib.rs handle_synic_message (the
 * server-bound messages are the arm it refuses); numbers as in openvmm
 * vm/devices/vmbus/vmbus_core/src/protocol.rs vmbus_messages!. Minimum size: the
 * struct's fixed part, header included: the whole struct, or the bytes before pfn[]
 * (GPADL messages) or before the optional 6.0 field (VersionResponse). For H2G rows it
 * is what the parser requires; for G2H rows it is the smallest message we send.
 *
 * Types 18..29 (reserved channels, TL connect, ModifyChannel, ModifyConnection,
 * Pause/Resume: Linux 18..24, openvmm 18..29) are not rows: the client uses none of
 * them and drops them benignly whichever side sends them, as it does any type >= 30.
 */
#define VMBUS_MSG_TABLE(X) \
	X(0,  INVALID,              "Invalid",             NONE, vmbus_msg_hdr,          sizeof(struct vmbus_msg_hdr)) \
	X(1,  OFFERCHANNEL,         "OfferChannel",        H2G,  vmbus_offer_channel,    sizeof(struct vmbus_offer_channel)) \
	X(2,  RESCIND_CHANNELOFFER, "RescindChannelOffer", H2G,  vmbus_msg_relid,        sizeof(struct vmbus_msg_relid)) \
	X(3,  REQUESTOFFERS,        "RequestOffers",       G2H,  vmbus_msg_empty,        sizeof(struct vmbus_msg_empty)) \
	X(4,  ALLOFFERS_DELIVERED,  "AllOffersDelivered",  H2G,  vmbus_msg_empty,        sizeof(struct vmbus_msg_empty)) \
	X(5,  OPENCHANNEL,          "OpenChannel",         G2H,  vmbus_open_channel,     sizeof(struct vmbus_open_channel)) \
	X(6,  OPENCHANNEL_RESULT,   "OpenResult",          H2G,  vmbus_open_result,      sizeof(struct vmbus_open_result)) \
	X(7,  CLOSECHANNEL,         "CloseChannel",        G2H,  vmbus_msg_relid,        sizeof(struct vmbus_msg_relid)) \
	X(8,  GPADL_HEADER,         "GpadlHeader",         G2H,  vmbus_gpadl_header,     VMBUS_GPADL_HEADER_FIXED) \
	X(9,  GPADL_BODY,           "GpadlBody",           G2H,  vmbus_gpadl_body,       VMBUS_GPADL_BODY_FIXED) \
	X(10, GPADL_CREATED,        "GpadlCreated",        H2G,  vmbus_gpadl_created,    sizeof(struct vmbus_gpadl_created)) \
	X(11, GPADL_TEARDOWN,       "GpadlTeardown",       G2H,  vmbus_gpadl_teardown,   sizeof(struct vmbus_gpadl_teardown)) \
	X(12, GPADL_TORNDOWN,       "GpadlTorndown",       H2G,  vmbus_gpadl_torndown,   sizeof(struct vmbus_gpadl_torndown)) \
	X(13, RELID_RELEASED,       "RelIdReleased",       G2H,  vmbus_msg_relid,        sizeof(struct vmbus_msg_relid)) \
	X(14, INITIATE_CONTACT,     "InitiateContact",     G2H,  vmbus_initiate_contact, sizeof(struct vmbus_initiate_contact)) \
	X(15, VERSION_RESPONSE,     "VersionResponse",     H2G,  vmbus_version_response, VMBUS_VERSION_RESPONSE_MIN) \
	X(16, UNLOAD,               "Unload",              G2H,  vmbus_msg_empty,        sizeof(struct vmbus_msg_empty)) \
	X(17, UNLOAD_RESPONSE,      "UnloadResponse",      H2G,  vmbus_msg_empty,        sizeof(struct vmbus_msg_empty))

enum vmbus_msg_dir {
	VMBUS_DIR_NONE = 0,
	VMBUS_DIR_G2H = 1,
	VMBUS_DIR_H2G = 2,
};

/* VMBUS_MSG_INVALID = 0 ... VMBUS_MSG_UNLOAD_RESPONSE = 17, from the table. */
enum vmbus_msgtype {
#define VMBUS_MSG_ENUM_(type, id, name, dir, st, min) VMBUS_MSG_##id = type,
	VMBUS_MSG_TABLE(VMBUS_MSG_ENUM_)
#undef VMBUS_MSG_ENUM_
	VMBUS_MSG_TABLE_END,            /* one past the last row */
	VMBUS_MSG_COUNT_KNOWN = 30,     /* types >= this are unknown; below it some are ignored */
};

struct vmbus_msg_hdr {
	uint32_t msgtype;
	uint32_t padding;               /* zero */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_hdr) == 8, "hdr");

/* VMBUS_MSG_INITIATE_CONTACT (14), g2h. For versions < 5.0 bytes 16..23 are the legacy
 * interrupt-page GPA (we send 0). No client id (feature 0x8 not requested). */
struct vmbus_initiate_contact {
	struct vmbus_msg_hdr hdr;
	uint32_t version_requested;     /* @8 */
	uint32_t target_vcpu;           /* @12 VP index for message delivery */
	uint8_t msg_sint;               /* @16 (>= 5.0) */
	uint8_t msg_vtl;                /* @17 (>= 5.1) */
	uint16_t reserved;              /* @18 */
	uint32_t feature_flags;         /* @20 (6.0) */
	uint64_t monitor_page1;         /* @24 parent->child, 0: no monitor pages */
	uint64_t monitor_page2;         /* @32 child->parent */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_initiate_contact) == 40, "initiate_contact");

/* VMBUS_MSG_VERSION_RESPONSE (15), h2g. 16 bytes; 20 with supported_features (6.0). */
struct vmbus_version_response {
	struct vmbus_msg_hdr hdr;
	uint8_t version_supported;      /* @8 */
	uint8_t connection_state;       /* @9 0 = ok */
	uint16_t padding;               /* @10 */
	uint32_t msg_conn_id;           /* @12 connection id for later messages (>= 5.0) */
	uint32_t supported_features;    /* @16 only in the 20-byte (6.0) form */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_version_response) == 20, "version_response");
#define VMBUS_VERSION_RESPONSE_MIN 16u
_Static_assert(VMBUS_VERSION_RESPONSE_MIN == offsetof(struct vmbus_version_response, supported_features),
	       "version_response min");

/* VMBUS_MSG_REQUESTOFFERS (3) g2h, VMBUS_MSG_ALLOFFERS_DELIVERED (4) h2g,
 * VMBUS_MSG_UNLOAD (16) g2h, VMBUS_MSG_UNLOAD_RESPONSE (17) h2g: header only. */
struct vmbus_msg_empty {
	struct vmbus_msg_hdr hdr;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_empty) == 8, "empty");

/* VMBUS_MSG_OFFERCHANNEL (1), h2g. */
struct vmbus_offer_channel {
	struct vmbus_msg_hdr hdr;
	uint8_t if_type[16];            /* @8 class GUID (wire byte order) */
	uint8_t if_instance[16];        /* @24 */
	uint8_t reserved1[16];          /* @40 */
	uint16_t chn_flags;             /* @56 */
	uint16_t mmio_megabytes;        /* @58 */
	uint8_t user_defined[120];      /* @60 */
	uint16_t sub_channel_index;     /* @180 */
	uint16_t mmio_megabytes_optional; /* @182 */
	uint32_t child_relid;           /* @184 */
	uint8_t monitor_id;             /* @188 */
	uint8_t monitor_allocated;      /* @189 bit 0 */
	uint16_t is_dedicated_interrupt; /* @190 bit 0 */
	uint32_t connection_id;         /* @192 HvSignalEvent target */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_offer_channel) == 196, "offer_channel");

/* VMBUS_MSG_RESCIND_CHANNELOFFER (2) h2g, VMBUS_MSG_CLOSECHANNEL (7) g2h,
 * VMBUS_MSG_RELID_RELEASED (13) g2h. */
struct vmbus_msg_relid {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;           /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_relid) == 12, "msg_relid");

/* VMBUS_MSG_OPENCHANNEL (5), g2h. The short form (no OpenChannel2 fields): we never
 * request features 0x1/0x2. */
struct vmbus_open_channel {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t openid;                /* @12 */
	uint32_t ringbuffer_gpadl;      /* @16 */
	uint32_t target_vp;             /* @20 */
	uint32_t downstream_page_offset; /* @24 host->guest ring start, in 4 KiB pages */
	uint8_t user_data[120];         /* @28 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_open_channel) == 148, "open_channel");

/* VMBUS_MSG_OPENCHANNEL_RESULT (6), h2g. */
struct vmbus_open_result {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t openid;                /* @12 */
	uint32_t status;                /* @16 0 = success */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_open_result) == 20, "open_result");

/* One GPA range as carried in GpadlHeader: pfn[] follows (ceil((offset+count)/4K) entries). */
struct vmbus_gpa_range_hdr {
	uint32_t byte_count;
	uint32_t byte_offset;           /* <= 0xFFF */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpa_range_hdr) == 8, "gpa_range_hdr");

/* VMBUS_MSG_GPADL_HEADER (8), g2h. One range; range_buflen counts every PFN of the GPADL,
 * including those carried by the GpadlBody messages that follow. */
struct vmbus_gpadl_header {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t gpadl;                 /* @12 */
	uint16_t range_buflen;          /* @16 = 8 + 8 * total_pfns */
	uint16_t rangecount;            /* @18 = 1 */
	struct vmbus_gpa_range_hdr range; /* @20 */
	uint64_t pfn[VMBUS_GPADL_HDR_MAX_PFNS]; /* @28 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpadl_header) == 236, "gpadl_header");
_Static_assert(sizeof(struct vmbus_gpadl_header) <= VMBUS_MSG_MAX, "gpadl_header fits");
#define VMBUS_GPADL_HEADER_FIXED 28u    /* bytes before pfn[] */
_Static_assert(VMBUS_GPADL_HEADER_FIXED == offsetof(struct vmbus_gpadl_header, pfn), "gpadl_header fixed");

/* VMBUS_MSG_GPADL_BODY (9), g2h. */
struct vmbus_gpadl_body {
	struct vmbus_msg_hdr hdr;
	uint32_t msgnumber;             /* @8 (0, like Linux; servers ignore it) */
	uint32_t gpadl;                 /* @12 */
	uint64_t pfn[VMBUS_GPADL_BODY_MAX_PFNS]; /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpadl_body) == VMBUS_MSG_MAX, "gpadl_body");
#define VMBUS_GPADL_BODY_FIXED 16u
_Static_assert(VMBUS_GPADL_BODY_FIXED == offsetof(struct vmbus_gpadl_body, pfn), "gpadl_body fixed");

/* VMBUS_MSG_GPADL_CREATED (10), h2g. */
struct vmbus_gpadl_created {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t gpadl;                 /* @12 */
	uint32_t creation_status;       /* @16 0 = success */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpadl_created) == 20, "gpadl_created");

/* VMBUS_MSG_GPADL_TEARDOWN (11), g2h. */
struct vmbus_gpadl_teardown {
	struct vmbus_msg_hdr hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t gpadl;                 /* @12 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpadl_teardown) == 16, "gpadl_teardown");

/* VMBUS_MSG_GPADL_TORNDOWN (12), h2g. */
struct vmbus_gpadl_torndown {
	struct vmbus_msg_hdr hdr;
	uint32_t gpadl;                 /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpadl_torndown) == 12, "gpadl_torndown");

/* Any message, in private memory, zero-padded to the full SynIC payload. */
union vmbus_msg_any {
	struct vmbus_msg_hdr hdr;
	struct vmbus_version_response version_response;
	struct vmbus_offer_channel offer;
	struct vmbus_msg_relid relid;
	struct vmbus_open_result open_result;
	struct vmbus_gpadl_created gpadl_created;
	struct vmbus_gpadl_torndown gpadl_torndown;
	uint8_t bytes[VMBUS_MSG_MAX];
};
_Static_assert(sizeof(union vmbus_msg_any) == VMBUS_MSG_MAX, "msg_any");

#endif
