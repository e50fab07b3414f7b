/*
 * Hyper-V Top-Level Functional Specification constants and formats, the one copy for the
 * whole runtime: CPUID leaves and bits, synthetic MSRs, hypercall codes, control bits,
 * status codes and inputs, the SynIC message slot and event-flag layout. Sources: TLFS
 * ("Feature and Interface Discovery", "Hypercall Interface", "Virtual Interrupt
 * Controller"); Linux include/hyperv/hvgdk_mini.h; openvmm vm/hv1/hvdef/src/lib.rs.
 * Constants and packed structs with size asserts only; no code, no dependencies.
 * (SNP GHCB and TDX TDVMCALL formats are not Hyper-V's: synic/synic_hw.h.)
 */
#ifndef UMBRA_HV_TLFS_H
#define UMBRA_HV_TLFS_H

#include <stdint.h>

/* ---- CPUID ---- */

/* Architectural (Intel SDM / AMD APM), read before any hypervisor leaf. */
#define CPUID_1_ECX_HYPERVISOR (1u << 31)     /* leaf 1 ECX: a hypervisor is present */
#define CPUID_EXT_MAX          0x80000000u    /* EAX: highest extended leaf */
#define CPUID_EXT_ADDR_SIZE    0x80000008u    /* EAX[7:0]: MAXPHYADDR */
#define CPUID_MAXPHYADDR_MASK  0xFFu

#define HV_CPUID_VENDOR        0x40000000u    /* EAX max leaf; EBX:ECX:EDX signature */
#define HV_CPUID_FEATURES      0x40000003u    /* partition privileges and features */
#define HV_CPUID_ISOLATION     0x4000000Cu    /* isolation configuration */
#define HV_CPUID_VS_PROPERTIES 0x40000082u    /* paravisor (virtualization stack) properties */

/* "Microsoft Hv" as EBX, ECX, EDX of leaf 0x40000000 (little-endian). */
#define HV_SIG_EBX 0x7263694Du                /* "Micr" */
#define HV_SIG_ECX 0x666F736Fu                /* "osof" */
#define HV_SIG_EDX 0x76482074u                /* "t Hv" */

/* 0x40000003 EAX (HV_PARTITION_PRIVILEGE_MASK low half) */
#define HV_EAX_ACCESS_FREQUENCY_MSRS (1u << 11)   /* HV_X64_MSR_TSC/APIC_FREQUENCY */
/* 0x40000003 EBX (high half) */
#define HV_EBX_POST_MESSAGES   (1u << 4)
#define HV_EBX_SIGNAL_EVENTS   (1u << 5)
#define HV_EBX_ISOLATION       (1u << 22)
/* 0x40000003 EDX (feature flags; TLFS "Feature and Interface Discovery"; Linux
 * hyperv-tlfs.h HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE; openvmm hvdef HvFeatures
 * guest_crash_regs_available) */
#define HV_EDX_GUEST_CRASH_MSRS (1u << 10)    /* HV_X64_MSR_CRASH_P0..P4, CRASH_CTL */

/* 0x4000000C (HvIsolationConfiguration) */
#define HV_ISO_EAX_PARAVISOR   (1u << 0)
#define HV_ISO_EBX_TYPE_MASK   0xFu           /* isolation type, enum below */
#define HV_ISO_EBX_BOUNDARY_ON (1u << 5)      /* shared-GPA boundary active */
#define HV_ISO_EBX_BOUNDARY_SHIFT 6           /* bits 11:6: boundary bit number */
#define HV_ISO_EBX_BOUNDARY_MASK  0x3Fu
#define HV_ISO_NONE 0u
#define HV_ISO_VBS  1u
#define HV_ISO_SNP  2u
#define HV_ISO_TDX  3u

/* 0x40000082 EAX */
#define HV_VS_EAX_CONFIDENTIAL_VMBUS (1u << 3)

/* Highest physical-address bit x86-64 has (52-bit PAs); a boundary bit above it is
 * no address bit at all. */
#define HV_PA_MAX_BIT 51u

/* ---- synthetic MSRs ---- */

#define HV_MSR_GUEST_OS_ID 0x40000000u
#define HV_MSR_HYPERCALL   0x40000001u
#define HV_MSR_VP_INDEX    0x40000002u
#define HV_MSR_TSC_FREQUENCY 0x40000022u      /* Hz; with HV_EAX_ACCESS_FREQUENCY_MSRS */
#define HV_MSR_SCONTROL    0x40000080u
#define HV_MSR_SIEFP       0x40000082u
#define HV_MSR_SIMP        0x40000083u
#define HV_MSR_EOM         0x40000084u
#define HV_MSR_SINT0       0x40000090u        /* SINTn = HV_MSR_SINT0 + n */
#define HV_MSR_SINT(n)     (HV_MSR_SINT0 + (n))
#define HV_SINT_VECTOR_MASK 0xFFull
#define HV_SINT_MASKED     (1ull << 16)
#define HV_SINT_AUTO_EOI   (1ull << 17)
#define HV_SINT_PROXY      (1ull << 20)
#define HV_PAGE_ENABLE     1ull               /* SIMP, SIEFP, HYPERCALL bit 0 */
#define HV_PAGE_RESERVED   0xFFEull           /* SIMP/SIEFP bits 11:1 (TLFS 11.9.2) */
#define HV_PAGE_ADDR_MASK  (~0xFFFull)        /* SIMP/SIEFP/HYPERCALL: GPA of the page */
#define HV_SCONTROL_ENABLE 1ull               /* SCONTROL bit 0: SynIC enabled */

/* Guest crash enlightenment (TLFS "Partition Crash Enlightenment"; Linux hyperv-tlfs.h
 * HV_X64_MSR_CRASH_P0..CTL, HV_CRASH_CTL_CRASH_NOTIFY(_MSG); openvmm hvdef GuestCrashCtl).
 * Present with HV_EDX_GUEST_CRASH_MSRS only (KVM #GPs otherwise). P0..P4 are five free
 * parameters the host logs; writing CRASH_CTL with CRASH_NOTIFY reports the crash (the
 * host may stop the VM right there). A read of CRASH_CTL returns the supported actions.
 * With CRASH_NOTIFY_MSG, P3 is the GPA and P4 the byte length (<= 4096) of a message. */
#define HV_MSR_CRASH_P0    0x40000100u        /* Pn = HV_MSR_CRASH_P0 + n, n <= 4 */
#define HV_MSR_CRASH_P(n)  (HV_MSR_CRASH_P0 + (n))
#define HV_CRASH_PARAMS    5u
#define HV_MSR_CRASH_CTL   0x40000105u
#define HV_CRASH_CTL_NOTIFY     (1ull << 63)
#define HV_CRASH_CTL_NOTIFY_MSG (1ull << 62)

/* ---- hypercalls ---- */

#define HVCALL_POST_MESSAGE      0x005Cu
#define HVCALL_SIGNAL_EVENT      0x005Du
#define HVCALL_MODIFY_VISIBILITY 0x00DBu      /* HvModifySparseGpaPageHostVisibility */
#define HV_HYPERCALL_FAST        (1ull << 16)
#define HV_HYPERCALL_REP_COUNT_SHIFT 32
#define HV_HYPERCALL_REP_START_SHIFT 48
#define HV_STATUS(rax)           ((uint16_t)((rax) & 0xFFFF))
#define HV_REPS_DONE(rax)        ((uint32_t)(((rax) >> 32) & 0xFFF))

/* HV_STATUS codes */
#define HV_STATUS_SUCCESS                 0x0000u
#define HV_STATUS_INVALID_HYPERCALL_CODE  0x0002u
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003u
#define HV_STATUS_INVALID_ALIGNMENT       0x0004u
#define HV_STATUS_INVALID_PARAMETER       0x0005u
#define HV_STATUS_ACCESS_DENIED           0x0006u
#define HV_STATUS_INVALID_PARTITION_STATE 0x0007u
#define HV_STATUS_INSUFFICIENT_MEMORY     0x000Bu
#define HV_STATUS_INVALID_CONNECTION_ID   0x0012u
#define HV_STATUS_INSUFFICIENT_BUFFERS    0x0013u

/* HvPostMessage input (slow call). */
#define HV_MSG_PAYLOAD_MAX 240u
struct hv_post_message_input {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t message_type;          /* HV_MSG_VMBUS for VMBus */
	uint32_t payload_size;          /* <= HV_MSG_PAYLOAD_MAX */
	uint8_t payload[HV_MSG_PAYLOAD_MAX];
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

/* ---- SynIC message page (SIMP): one 256-byte slot per SINT, at SIMP + sint * 256 ---- */

#define HV_MSG_NONE         0u                /* slot free */
#define HV_MSG_VMBUS        1u                /* HvMessageType for VMBus (TLFS 11.10.3) */
#define HV_MSG_FLAG_PENDING 0x1u
#define HV_MSG_SLOT_BYTES   256u
struct hv_message {
	uint32_t message_type;          /* @0; HV_MSG_NONE = slot free */
	uint8_t payload_size;           /* @4 */
	uint8_t flags;                  /* @5 bit0 message pending */
	uint16_t reserved;              /* @6 */
	uint64_t sender;                /* @8 */
	uint8_t payload[HV_MSG_PAYLOAD_MAX]; /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message) == HV_MSG_SLOT_BYTES, "hv_message");

/* SynIC event-flag page (SIEFP): 16 bitmaps of 256 bytes, one per SINT, at
 * SIEFP + sint * 256. */
#define HV_EVENT_FLAGS_BYTES 256u

#endif
