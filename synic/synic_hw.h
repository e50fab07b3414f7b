/*
 * Hyper-V interface formats and constants (TLFS; Linux include/hyperv/hvgdk_mini.h,
 * arch/x86/hyperv/ivm.c union hv_ghcb; openvmm vm/hv1/hvdef/src/lib.rs): CPUID leaves,
 * synthetic MSRs, hypercall codes and inputs, the SynIC message slot, the SNP GHCB fields
 * the Hyper-V routes use. Packed structs with size asserts; nothing else.
 */
#ifndef UMBRA_SYNIC_HW_H
#define UMBRA_SYNIC_HW_H

#include <stdint.h>

/* CPUID */
#define HV_CPUID_VENDOR        0x40000000u    /* "Microsoft Hv" in EBX:ECX:EDX */
#define HV_CPUID_FEATURES      0x40000003u
#define HV_CPUID_ISOLATION     0x4000000Cu
#define HV_CPUID_VS_PROPERTIES 0x40000082u
#define HV_EBX_ISOLATION       (1u << 22)     /* 0x40000003 EBX */
#define HV_EBX_POST_MESSAGES   (1u << 4)
#define HV_EBX_SIGNAL_EVENTS   (1u << 5)
#define HV_ISO_EAX_PARAVISOR   (1u << 0)      /* 0x4000000C EAX */
#define HV_ISO_EBX_TYPE_MASK   0xFu           /* 0x4000000C EBX: 0 none 1 VBS 2 SNP 3 TDX */
#define HV_ISO_EBX_BOUNDARY_ON (1u << 5)
#define HV_ISO_EBX_BOUNDARY_SHIFT 6           /* bits 11:6: boundary bit number */
#define HV_VS_EAX_CONFIDENTIAL_VMBUS (1u << 3) /* 0x40000082 EAX */

/* Synthetic MSRs */
#define HV_MSR_GUEST_OS_ID 0x40000000u
#define HV_MSR_HYPERCALL   0x40000001u
#define HV_MSR_VP_INDEX    0x40000002u
#define HV_MSR_SCONTROL    0x40000080u
#define HV_MSR_SIEFP       0x40000082u
#define HV_MSR_SIMP        0x40000083u
#define HV_MSR_EOM         0x40000084u
#define HV_MSR_SINT0       0x40000090u
#define VMBUS_SINT_INDEX   2u                 /* VMBus messages and events (VMBUS_MESSAGE_SINT) */
#define HV_SINT_MASKED     (1ull << 16)
#define HV_SINT_AUTO_EOI   (1ull << 17)
#define HV_SINT_PROXY      (1ull << 20)
#define HV_PAGE_ENABLE     1ull               /* SIMP, SIEFP, HYPERCALL bit 0 */
#define HV_PAGE_RESERVED   0xFFEull           /* SIMP/SIEFP bits 11:1 (TLFS 11.9.2) */
#define HV_SCONTROL_ENABLE 1ull               /* SCONTROL bit 0: SynIC enabled */
#define MSR_SEV_GHCB       0xC0010130u

/* Open-source guest OS id: bit 63 open source, OS type [62:56] (0x7F: other), version. */
#define UMBRA_GUEST_OS_ID  ((1ull << 63) | (0x7Full << 56) | (0x01ull << 16))

/* Hypercall codes and control bits */
#define HVCALL_POST_MESSAGE      0x005Cu
#define HVCALL_SIGNAL_EVENT      0x005Du
#define HVCALL_MODIFY_VISIBILITY 0x00DBu
#define HV_HYPERCALL_FAST        (1ull << 16)
#define HV_HYPERCALL_REP_COUNT_SHIFT 32
#define HV_HYPERCALL_REP_START_SHIFT 48
#define HV_STATUS(rax)           ((uint16_t)((rax) & 0xFFFF))
#define HV_REPS_DONE(rax)        ((uint32_t)(((rax) >> 32) & 0xFFF))
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003u
#define HV_STATUS_INVALID_PARAMETER 0x0005u
#define HV_STATUS_ACCESS_DENIED     0x0006u
#define HV_STATUS_INVALID_PARTITION_STATE 0x0007u

/* HvPostMessage input (slow call). */
struct hv_post_message_input {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t message_type;          /* 1 for VMBus */
	uint32_t payload_size;          /* <= 240 */
	uint8_t payload[240];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_post_message_input) == 256, "post input");

/* HvSignalEvent input (fast call: the 8 bytes go in RDX). */
struct hv_signal_event_input {
	uint32_t connection_id;
	uint16_t flag_number;
	uint16_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_signal_event_input) == 8, "signal input");

/* HvModifySparseGpaPageHostVisibility input header; pfn[] follows (rep list). */
#define HV_PARTITION_SELF 0xFFFFFFFFFFFFFFFFull
#define HV_VIS_NONE       0u
#define HV_VIS_READ_WRITE 3u
#define HV_VIS_MAX_REPS   510u                /* (4096 - 16) / 8 */
struct hv_visibility_input {
	uint64_t partition_id;
	uint32_t host_visibility;
	uint32_t reserved;
	uint64_t pfn[HV_VIS_MAX_REPS];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_visibility_input) == 4096, "visibility input");

/* SynIC message slot (SIMP + sint * 256). */
#define HV_MSG_NONE        0u
#define HV_MSG_VMBUS       1u                 /* HvMessageType for VMBus (TLFS 11.10.3) */
#define HV_MSG_PAYLOAD_MAX 240u
#define HV_MSG_FLAG_PENDING 0x1u
struct hv_message {
	uint32_t message_type;          /* @0; 0 = slot free */
	uint8_t payload_size;           /* @4 */
	uint8_t flags;                  /* @5 bit0 message pending */
	uint16_t reserved;              /* @6 */
	uint64_t sender;                /* @8 */
	uint8_t payload[240];           /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message) == 256, "hv_message");

/* SIEFP: 16 x 256-byte bitmaps; SINT2's holds one bit per relid. */
#define HV_EVENT_FLAGS_BYTES 256u

/* SNP GHCB (4 KiB, host-visible): fields used by the Hyper-V routes. */
#define GHCB_RAX         0x1F8u
#define GHCB_RCX         0x308u
#define GHCB_RDX         0x310u
#define GHCB_EXITCODE    0x390u
#define GHCB_EXITINFO1   0x398u
#define GHCB_EXITINFO2   0x3A0u
#define GHCB_BITMAP      0x3F0u          /* valid bitmap: bit = field offset / 8 */
#define GHCB_HV_OUTPUT   0xFE8u          /* usage 1: output GPA */
#define GHCB_HV_CONTROL  0xFF0u          /* usage 1: control in, result out */
#define GHCB_VERSION     0xFFAu          /* u16 */
#define GHCB_USAGE       0xFFCu          /* u32: 0 standard, 1 Hyper-V hypercall */
#define GHCB_USAGE_STANDARD 0u
#define GHCB_USAGE_HYPERV   1u
#define GHCB_PROTOCOL_MIN 1u          /* versions this runtime speaks (GHCB spec 2.x) */
#define GHCB_PROTOCOL_MAX 2u
/* GHCB MSR protocol (GHCB spec 2.3.1; Linux arch/x86/include/asm/sev-common.h):
 * GHCBInfo in bits 11:0. SEV_INFO response: max version 63:48, min 47:32. */
#define GHCB_MSR_INFO_MASK    0xFFFull
#define GHCB_MSR_SEV_INFO_REQ 0x002ull
#define GHCB_MSR_SEV_INFO_RESP 0x001ull
#define GHCB_MSR_PROTO_MAX(v) ((unsigned)(((v) >> 48) & 0xFFFF))
#define GHCB_MSR_PROTO_MIN(v) ((unsigned)(((v) >> 32) & 0xFFFF))
#define SVM_EXIT_MSR     0x7Cu

/* TDX TDG.VP.VMCALL (TDCALL leaf 0) */
#define TDVMCALL_MSR_READ  31u
#define TDVMCALL_MSR_WRITE 32u

#endif
