/*
 * VMBus ring buffer wire format: the control page at the start of every ring and the
 * packets in its data area. Little-endian, packed, sizes asserted. Sources: Linux
 * include/linux/hyperv.h struct hv_ring_buffer / vmpacket_descriptor, openvmm
 * vm/devices/vmbus/vmbus_ring/src/lib.rs Control / PacketDescriptor.
 *
 * A ring = one 4 KiB control page followed by a data area of a page multiple. Indices are
 * byte offsets into the data area, 8-byte aligned, < data size. write_index == read_index
 * means empty, so a writer never fills the ring completely.
 */
#ifndef UMBRA_RING_WIRE_H
#define UMBRA_RING_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define RING_PAGE_SIZE 4096u
#define RING_CTL_SIZE  4096u

/* Ring control page (not a message; first page of each ring). */
struct ring_ctl {
	uint32_t write_index;     /* owned by the producer: offset of the next write */
	uint32_t read_index;      /* owned by the consumer: offset of the next read */
	uint32_t interrupt_mask;  /* owned by the consumer: 1 = no signal on empty->non-empty */
	uint32_t pending_send_sz; /* owned by the producer: bytes it waits for, 0 = not blocked */
	uint32_t reserved1[12];
	uint32_t feature_bits;    /* producer's features (RING_FEAT_*) */
	uint8_t reserved2[RING_CTL_SIZE - 68];
} __attribute__((packed));
_Static_assert(sizeof(struct ring_ctl) == RING_CTL_SIZE, "ring_ctl is one page");
_Static_assert(offsetof(struct ring_ctl, read_index) == 4, "read_index @4");
_Static_assert(offsetof(struct ring_ctl, interrupt_mask) == 8, "interrupt_mask @8");
_Static_assert(offsetof(struct ring_ctl, pending_send_sz) == 12, "pending_send_sz @12");
_Static_assert(offsetof(struct ring_ctl, feature_bits) == 64, "feature_bits @64");

#define RING_CTL_WRITE_INDEX  0u
#define RING_CTL_READ_INDEX   4u
#define RING_CTL_INTR_MASK    8u
#define RING_CTL_PENDING_SEND 12u
#define RING_CTL_FEATURES     64u

/* feature_bits bit 0: the producer implements pending_send_sz flow control. */
#define RING_FEAT_PENDING_SEND_SZ 0x1u

/* Packet descriptor (VMPACKET_DESCRIPTOR), 16 bytes at the start of every packet. */
struct ring_desc {
	uint16_t type;     /* RING_PKT_* */
	uint16_t offset8;  /* data offset from packet start, in 8-byte units, >= 2 */
	uint16_t len8;     /* packet length incl. descriptor, in 8-byte units, >= offset8 */
	uint16_t flags;    /* RING_FLAG_* */
	uint64_t trans_id; /* meaningful with COMPLETION_REQUESTED or for type COMP */
} __attribute__((packed));
_Static_assert(sizeof(struct ring_desc) == 16, "descriptor is 16 bytes");

/* Packet types (VMBUS_PACKET_TYPE). The reader accepts only 6, 7, 9, 11 (as OpenVMM). */
#define RING_PKT_INVALID      0u
#define RING_PKT_SYNCH        1u
#define RING_PKT_ADD_XFER     2u
#define RING_PKT_RM_XFER      3u
#define RING_PKT_EST_GPADL    4u
#define RING_PKT_TEAR_GPADL   5u
#define RING_PKT_INBAND       6u  /* in-band data */
#define RING_PKT_XFER_PAGES   7u  /* data using transfer pages (host -> guest only) */
#define RING_PKT_GPADL        8u
#define RING_PKT_GPA_DIRECT   9u  /* data with GPA page ranges */
#define RING_PKT_CANCEL       10u
#define RING_PKT_COMP         11u /* completion */
#define RING_PKT_ADDITIONAL   12u
#define RING_PKT_ADD_DATA     13u

/* Only defined descriptor flag; any other bit is corrupt. */
#define RING_FLAG_COMPLETION_REQUESTED 0x1u

/* Trailer after every (8-byte padded) packet. */
struct ring_trailer {
	uint32_t reserved;     /* 0 */
	uint32_t start_offset; /* ring offset where this packet started (Linux: prev index << 32) */
} __attribute__((packed));
_Static_assert(sizeof(struct ring_trailer) == 8, "trailer is 8 bytes");

/* GPA-direct header after the descriptor (type 9); range_count ranges follow. */
struct ring_gpa_hdr {
	uint32_t reserved;
	uint32_t range_count; /* >= 1 */
} __attribute__((packed));
_Static_assert(sizeof(struct ring_gpa_hdr) == 8, "gpa header is 8 bytes");

/* One GPA range, followed by ceil((byte_offset + byte_count) / 4096) u64 PFNs. */
struct ring_gpa_range_hdr {
	uint32_t byte_count;  /* >= 1 */
	uint32_t byte_offset; /* offset into the first page, < 4096 */
} __attribute__((packed));
_Static_assert(sizeof(struct ring_gpa_range_hdr) == 8, "gpa range header is 8 bytes");

/* Transfer-page header after the descriptor (type 7); range_count ranges follow. */
struct ring_xfer_hdr {
	uint16_t set_id;
	uint8_t sender_owns_set;
	uint8_t reserved;
	uint32_t range_count;
} __attribute__((packed));
_Static_assert(sizeof(struct ring_xfer_hdr) == 8, "xfer header is 8 bytes");

struct ring_xfer_range {
	uint32_t byte_count;
	uint32_t byte_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct ring_xfer_range) == 8, "xfer range is 8 bytes");

/* Largest packet len8 can describe (descriptor included, trailer excluded). */
#define RING_MAX_PKT_LEN (0xFFFFu * 8u)

#endif
