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

enum vmbus_msgtype {
	VMBUS_MSG_INVALID = 0,
	VMBUS_MSG_OFFERCHANNEL = 1,
	VMBUS_MSG_RESCIND_CHANNELOFFER = 2,
	VMBUS_MSG_REQUESTOFFERS = 3,
	VMBUS_MSG_ALLOFFERS_DELIVERED = 4,
	VMBUS_MSG_OPENCHANNEL = 5,
	VMBUS_MSG_OPENCHANNEL_RESULT = 6,
	VMBUS_MSG_CLOSECHANNEL = 7,
	VMBUS_MSG_GPADL_HEADER = 8,
	VMBUS_MSG_GPADL_BODY = 9,
	VMBUS_MSG_GPADL_CREATED = 10,
	VMBUS_MSG_GPADL_TEARDOWN = 11,
	VMBUS_MSG_GPADL_TORNDOWN = 12,
	VMBUS_MSG_RELID_RELEASED = 13,
	VMBUS_MSG_INITIATE_CONTACT = 14,
	VMBUS_MSG_VERSION_RESPONSE = 15,
	VMBUS_MSG_UNLOAD = 16,
	VMBUS_MSG_UNLOAD_RESPONSE = 17,
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

/* VMBUS_MSG_GPADL_BODY (9), g2h. */
struct vmbus_gpadl_body {
	struct vmbus_msg_hdr hdr;
	uint32_t msgnumber;             /* @8 (0, like Linux; servers ignore it) */
	uint32_t gpadl;                 /* @12 */
	uint64_t pfn[VMBUS_GPADL_BODY_MAX_PFNS]; /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpadl_body) == VMBUS_MSG_MAX, "gpadl_body");
#define VMBUS_GPADL_BODY_FIXED 16u

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
