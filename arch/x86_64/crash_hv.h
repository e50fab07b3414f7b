/*
 * The crash report to the hypervisor through the Hyper-V guest-crash MSRs (hv/tlfs.h),
 * so the host records the crash (Hyper-V: event 18590 with the five parameters; KVM:
 * a KVM_SYSTEM_EVENT_CRASH exit, QEMU "HV crash parameters"). Portable: the MSR
 * accessors are passed in, so host tests play any hypervisor (arch/x86_64/tests/
 * crash_hv_test.c); crash.c passes the real rdmsr/wrmsr.
 *
 * When: the identification says Hyper-V with CPUID 0x40000003 EDX bit 10 (Linux
 * hv_common_init checks the same bit, ms_hyperv.misc_features), and a plain MSR access
 * reaches a hypervisor or paravisor: not in an SNP or TDX partition without a paravisor,
 * where a synthetic MSR needs the GHCB protocol or a TDVMCALL (Linux hv_ivm_msr_write)
 * and a plain one raises #VC / #VE. Then CRASH_CTL is read: only when it reports
 * CRASH_NOTIFY (bit 63) does the report go out. Reads return the supported actions:
 * OpenHCL virt_mshv_vtl processor/mod.rs read_crash_msr (notify, message, no-dump),
 * KVM the value QEMU set at start (HV_CRASH_CTL_CRASH_NOTIFY with hv-crash).
 *
 * The parameters (Linux hyperv_report_panic writes P0 = error, P1 = guest OS ID,
 * P2 = RIP, P3 = RAX, P4 = RSP; the TLFS leaves them to the guest):
 *   P0 = exception vector in bits 7:0, error code (low 32 bits) in bits 63:32
 *   P1 = HV_X64_MSR_GUEST_OS_ID as read (0 until VMBus set it), as Linux
 *   P2 = RIP - image base: the link-time address, for addr2line on umbra.so
 *   P3 = the image base
 *   P4 = the first 8 bytes of the GNU build-id, big-endian (its hex is the build-id's
 *        first 16 digits, or fewer when it starts with zero bytes); 0 without one
 * No register contents: in a confidential VM the host must not learn them (RAX may
 * hold an app's secret), and OpenHCL forwards P0..P4 to the host (VtlCrashNotification
 * over the guest emulation transport, logged CVM_ALLOWED). Addresses and the build-id
 * say where the image crashed, nothing about its data.
 *
 * No crash message (CRASH_NOTIFY_MSG, bit 62): the crash text holds every register, the
 * host can read a message page outside a CVM and OpenHCL reads it from VTL0 (logging
 * it as CVM_CONFIDENTIAL only), and Linux turns the message off in isolated guests
 * (hv_common_init: sysctl_record_panic_msg = 0 when hv_is_isolation_supported). The
 * text stays on COM1.
 */
#ifndef UMBRA_ARCH_CRASH_HV_H
#define UMBRA_ARCH_CRASH_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/ident.h"
#include "hv/tlfs.h"

struct arch_crash_hv_in {
	uint64_t vector, error, rip;
	uint64_t image_base;
	const uint8_t *build_id;        /* may be NULL (then build_id_len is ignored) */
	size_t build_id_len;
};

struct arch_crash_hv_msr {
	uint64_t (*rdmsr)(uint32_t msr);
	void (*wrmsr)(uint32_t msr, uint64_t value);
};

/* Whether id offers the crash MSRs and a plain MSR access reaches them (rule above). */
bool arch_crash_hv_available(const struct hv_ident *id);

/*
 * The decision and the values: 0 with p[0..4] filled (CRASH_CTL and GUEST_OS_ID were
 * read); UMBRA_ENODEV when !arch_crash_hv_available (nothing was read); UMBRA_ENOTSUP
 * when CRASH_CTL lacks CRASH_NOTIFY (*ctl is what it read; only it was read);
 * UMBRA_EINVAL for NULL arguments. ctl may be NULL.
 */
int arch_crash_hv_prepare(const struct hv_ident *id, const struct arch_crash_hv_in *in,
			  const struct arch_crash_hv_msr *m, uint64_t p[HV_CRASH_PARAMS],
			  uint64_t *ctl);

/* Writes P0..P4, then CRASH_CTL = CRASH_NOTIFY (the host may stop the VM there). */
void arch_crash_hv_send(const struct arch_crash_hv_msr *m, const uint64_t p[HV_CRASH_PARAMS]);

#endif
