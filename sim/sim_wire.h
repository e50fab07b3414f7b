/*
 * The simulator's own encoding of the Hyper-V / VMBus wire formats, written from openvmm
 * vm/hv1/hvdef/src/lib.rs (status codes, hypercall codes, MSRs, HvMessage, HvSynicSint),
 * vm/devices/vmbus/vmbus_core/src/protocol.rs (messages, versions, feature and offer flags),
 * vm/devices/vmbus/vmbus_ring/src/lib.rs (control page, PacketDescriptor) and
 * vm/x86/x86defs/src/lib.rs (X86X_AMD_MSR_GHCB, X86X_AMD_MSR_SEV), with Linux
 * include/linux/hyperv.h, independently of
 * the runtime's vmbus/ and ring/ headers. Sizes are the body sizes AFTER the 8-byte
 * VMBus message header unless the name says _msg.
 */
#ifndef UMBRA_SIM_WIRE_H
#define UMBRA_SIM_WIRE_H

#include <stdint.h>

/* Hyper-V status codes (openvmm vm/hv1/hvdef/src/lib.rs HvError). */
#define HVS_SUCCESS 0x0
#define HVS_INVALID_HYPERCALL_CODE 0x2
#define HVS_INVALID_HYPERCALL_INPUT 0x3
#define HVS_INVALID_ALIGNMENT 0x4
#define HVS_INVALID_PARAMETER 0x5
#define HVS_ACCESS_DENIED 0x6
#define HVS_OPERATION_DENIED 0x8
#define HVS_INVALID_PARTITION_ID 0xD
#define HVS_INSUFFICIENT_MEMORY 0xB
#define HVS_INVALID_CONNECTION_ID 0x12
#define HVS_INSUFFICIENT_BUFFERS 0x13

/* Hypercall codes. */
#define HVC_POST_MESSAGE 0x005C
#define HVC_SIGNAL_EVENT 0x005D
#define HVC_MODIFY_VISIBILITY 0x00DB
#define HVC_FAST (1ull << 16)
#define HVC_REP_COUNT(c) (((c) >> 32) & 0xFFF)
#define HVC_REP_START(c) (((c) >> 48) & 0xFFF)
#define HV_PARTITION_SELF 0xFFFFFFFFFFFFFFFFull
#define HV_MAX_VISIBILITY_REPS 510

/* MSRs. */
#define MSR_GUEST_OS_ID 0x40000000u
#define MSR_HYPERCALL 0x40000001u
#define MSR_VP_INDEX 0x40000002u
#define MSR_VP_ASSIST 0x40000073u
#define MSR_SCONTROL 0x40000080u
#define MSR_SVERSION 0x40000081u
#define MSR_SIEFP 0x40000082u
#define MSR_SIMP 0x40000083u
#define MSR_EOM 0x40000084u
#define MSR_SINT0 0x40000090u
#define MSR_SINT15 0x4000009Fu
#define MSR_GHCB 0xC0010130u
#define MSR_SEV_STATUS 0xC0010131u

#define SINT_MASKED (1ull << 16)
#define SINT_AUTO_EOI (1ull << 17)
#define SINT_POLLING (1ull << 18)
#define SINT_PROXY (1ull << 20)

/* HvPostMessage input (256 bytes). */
struct __attribute__((packed)) hv_post_input {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t message_type;
	uint32_t payload_size;
	uint8_t payload[240];
};
_Static_assert(sizeof(struct hv_post_input) == 256, "post input");

/* SynIC message slot (256 bytes). */
struct __attribute__((packed)) hv_message {
	uint32_t type;
	uint8_t payload_size;
	uint8_t flags;          /* bit0 message_pending */
	uint16_t reserved;
	uint64_t sender;
	uint8_t payload[240];
};
_Static_assert(sizeof(struct hv_message) == 256, "hv message");

/* VMBus channel message types. */
enum {
	VM_OFFER = 1, VM_RESCIND = 2, VM_REQUEST_OFFERS = 3, VM_ALL_OFFERS = 4, VM_OPEN = 5,
	VM_OPEN_RESULT = 6, VM_CLOSE = 7, VM_GPADL_HEADER = 8, VM_GPADL_BODY = 9,
	VM_GPADL_CREATED = 10, VM_GPADL_TEARDOWN = 11, VM_GPADL_TORNDOWN = 12,
	VM_RELID_RELEASED = 13, VM_INITIATE = 14, VM_VERSION_RESPONSE = 15, VM_UNLOAD = 16,
	VM_UNLOAD_COMPLETE = 17, VM_MODIFY_CHANNEL = 22, VM_MODIFY_CHANNEL_RESPONSE = 24,
	VM_MODIFY_CONNECTION = 25, VM_MODIFY_CONNECTION_RESPONSE = 26, VM_PAUSE = 27,
	VM_PAUSE_RESPONSE = 28, VM_RESUME = 29,
};

#define VMV_V1 0x0000000Du
#define VMV_WIN7 0x00010001u
#define VMV_WIN8 0x00020004u
#define VMV_WIN8_1 0x00030000u
#define VMV_WIN10 0x00040000u
#define VMV_RS3_0 0x00040001u
#define VMV_RS3_1 0x00050000u
#define VMV_RS4 0x00050001u
#define VMV_RS5 0x00050002u
#define VMV_IRON 0x00050003u
#define VMV_COPPER 0x00060000u

#define VMF_GUEST_SIGNAL 0x01u
#define VMF_REDIRECT 0x02u
#define VMF_MODIFY_CONN 0x04u
#define VMF_CLIENT_ID 0x08u
#define VMF_CONFIDENTIAL 0x10u
#define VMF_PAUSE_RESUME 0x20u

#define OFFER_CONF_RING 0x0002u
#define OFFER_CONF_EXT 0x0004u

#define VMBUS_STATUS_UNSUCCESSFUL 0x8000FFFFu

struct __attribute__((packed)) vm_hdr {
	uint32_t type;
	uint32_t padding;
};

/* InitiateContact (14): 32-byte body; InitiateContact2 adds a 16-byte client id. */
struct __attribute__((packed)) vm_initiate {
	struct vm_hdr h;
	uint32_t version;
	uint32_t target_vp;
	uint8_t sint;           /* interrupt_page_or_target_info byte 0 (>= 5.0) */
	uint8_t vtl;            /* byte 1 (>= 5.1) */
	uint16_t pad;
	uint32_t features;      /* bytes 4..7 (>= 6.0) */
	uint64_t monitor1;
	uint64_t monitor2;
	uint8_t client_id[16];
};
_Static_assert(sizeof(struct vm_initiate) == 56, "initiate2");

/* VersionResponse (15): 8/12-byte body. */
struct __attribute__((packed)) vm_version_response {
	struct vm_hdr h;
	uint8_t supported;
	uint8_t state;
	uint16_t pad;
	uint32_t version_or_conn;
	uint32_t features;
};
_Static_assert(sizeof(struct vm_version_response) == 20, "vr2");

/* OfferChannel (1): 188-byte body. */
struct __attribute__((packed)) vm_offer {
	struct vm_hdr h;
	uint8_t interface_id[16];
	uint8_t instance_id[16];
	uint32_t rsvd[4];
	uint16_t flags;
	uint16_t mmio_mb;
	uint8_t user_defined[120];
	uint16_t subchannel_index;
	uint16_t mmio_mb_optional;
	uint32_t relid;
	uint8_t monitor_id;
	uint8_t monitor_allocated;
	uint16_t is_dedicated;
	uint32_t connection_id;
};
_Static_assert(sizeof(struct vm_offer) == 196, "offer");

/* RescindChannelOffer (2), CloseChannel (7), RelIdReleased (13), GpadlTorndown (12). */
struct __attribute__((packed)) vm_u32_msg {
	struct vm_hdr h;
	uint32_t value;
};
_Static_assert(sizeof(struct vm_u32_msg) == 12, "u32 msg");

/* OpenChannel (5): 140-byte body; OpenChannel2 148. */
struct __attribute__((packed)) vm_open {
	struct vm_hdr h;
	uint32_t relid;
	uint32_t open_id;
	uint32_t gpadl;
	uint32_t target_vp;
	uint32_t downstream_offset;
	uint8_t user_data[120];
	uint32_t connection_id;
	uint16_t event_flag;
	uint16_t flags;
};
_Static_assert(sizeof(struct vm_open) == 156, "open2");

/* OpenResult (6): 12-byte body. */
struct __attribute__((packed)) vm_open_result {
	struct vm_hdr h;
	uint32_t relid;
	uint32_t open_id;
	uint32_t status;
};
_Static_assert(sizeof(struct vm_open_result) == 20, "open result");

/* GpadlHeader (8): 12-byte fixed body then range data. */
struct __attribute__((packed)) vm_gpadl_header {
	struct vm_hdr h;
	uint32_t relid;
	uint32_t gpadl;
	uint16_t range_len;
	uint16_t range_count;
};
_Static_assert(sizeof(struct vm_gpadl_header) == 20, "gpadl header");

/* GpadlBody (9): 8-byte fixed body then PFNs. */
struct __attribute__((packed)) vm_gpadl_body {
	struct vm_hdr h;
	uint32_t msgnum;
	uint32_t gpadl;
};
_Static_assert(sizeof(struct vm_gpadl_body) == 16, "gpadl body");

/* GpadlCreated (10): 12-byte body. GpadlTeardown (11): 8-byte body. */
struct __attribute__((packed)) vm_gpadl_created {
	struct vm_hdr h;
	uint32_t relid;
	uint32_t gpadl;
	uint32_t status;
};
_Static_assert(sizeof(struct vm_gpadl_created) == 20, "gpadl created");

struct __attribute__((packed)) vm_gpadl_teardown {
	struct vm_hdr h;
	uint32_t relid;
	uint32_t gpadl;
};
_Static_assert(sizeof(struct vm_gpadl_teardown) == 16, "gpadl teardown");

/* ModifyChannel (22) / ModifyChannelResponse (24): 8-byte body. */
struct __attribute__((packed)) vm_modify {
	struct vm_hdr h;
	uint32_t relid;
	uint32_t value;
};
_Static_assert(sizeof(struct vm_modify) == 16, "modify");

/* Ring control page words and packets (openvmm vmbus_ring/src/lib.rs Control,
 * PacketDescriptor; Linux include/linux/hyperv.h struct hv_ring_buffer,
 * struct vmpacket_descriptor, enum vmbus_packet_type). */
#define RING_IN 0
#define RING_OUT 4
#define RING_IMASK 8
#define RING_PSS 12
#define RING_FEAT 64

struct __attribute__((packed)) vm_pkt {
	uint16_t type;
	uint16_t offset8;
	uint16_t len8;
	uint16_t flags;
	uint64_t tid;
};
_Static_assert(sizeof(struct vm_pkt) == 16, "packet descriptor");

#define PKT_INBAND 6
#define PKT_XFER 7
#define PKT_GPA_DIRECT 9
#define PKT_COMP 11
#define PKT_FLAG_COMP 1

/* GPA-direct device command and result (the simulator's own device protocol). */
struct __attribute__((packed)) sim_dma_cmd {
	uint32_t op;   /* 1 FILL, 2 HASH, 3 PATTERN */
	uint32_t arg;  /* FILL byte; PATTERN length (1..64), the pattern follows the command */
};
struct __attribute__((packed)) sim_dma_result {
	uint32_t status;  /* 0 or 0xC0000001 */
	uint32_t bytes;
	uint64_t hash;    /* FNV-1a 64 of the bytes */
};
#define SIM_DMA_FILL 1
#define SIM_DMA_HASH 2
#define SIM_DMA_PATTERN 3   /* write the pattern, repeated, over the ranges */
#define SIM_DMA_BAD 0xC0000001u

#endif
