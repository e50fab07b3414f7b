/*
 * The formats synic/'s routes use beyond the TLFS (whose constants are hv/tlfs.h, included
 * here): VMBus's SINT, the guest OS id, the SNP GHCB fields of the Hyper-V routes (Linux
 * arch/x86/hyperv/ivm.c union hv_ghcb; GHCB spec 2.x) and the TDX TDG.VP.VMCALL leaves.
 */
#ifndef UMBRA_SYNIC_HW_H
#define UMBRA_SYNIC_HW_H

#include <stdint.h>

#include "hv/tlfs.h"

/* VMBus's SINT (VMBUS_MESSAGE_SINT): its SIMP slot, SIEFP bitmap and SINTn MSR. */
#define VMBUS_SINT_INDEX   2u
/* SEV-ES/SNP: the GHCB MSR (AMD APM vol. 2, 15.35.5). */
#define MSR_SEV_GHCB       0xC0010130u

/* Open-source guest OS id: bit 63 open source, OS type [62:56] (0x7F: other), version. */
#define UMBRA_GUEST_OS_ID  ((1ull << 63) | (0x7Full << 56) | (0x01ull << 16))

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
