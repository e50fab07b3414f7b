/*
 * Discovery: CPUID 0x40000000, 0x40000003 (TLFS "Feature and Interface Discovery"),
 * 0x4000000C, 0x40000082 (Linux include/hyperv/hvgdk_mini.h and
 * arch/x86/kernel/cpu/mshyperv.c ms_hyperv_init_platform; openvmm vm/hv1/hvdef/src/lib.rs
 * HvIsolationConfiguration, VS1_PARTITION_PROPERTIES_EAX_CONFIDENTIAL_VMBUS_AVAILABLE).
 */
#include "synic/synic.h"
#include "synic/synic_hw.h"
#include "arch/x86_64/hw.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include <umbra/errno.h>

int synic_detect(struct synic_config *out)
{
	if (!out)
		return UMBRA_EINVAL;
	memset(out, 0, sizeof(*out));
	uint32_t r[4];
	hw_cpuid(HV_CPUID_VENDOR, 0, r);
	/* "Microsoft Hv" = EBX "Micr", ECX "osof", EDX "t Hv" */
	if (r[1] != 0x7263694Du || r[2] != 0x666F736Fu || r[3] != 0x76482074u)
		return UMBRA_ENODEV;
	out->max_leaf = r[0];
	if (r[0] < HV_CPUID_FEATURES)
		return UMBRA_ENODEV;
	out->hyperv = true;
	hw_cpuid(HV_CPUID_FEATURES, 0, r);
	out->priv_eax = r[0];
	out->priv_ebx = r[1];
	out->isolated = (r[1] & HV_EBX_ISOLATION) != 0;
	if (out->isolated && out->max_leaf >= HV_CPUID_ISOLATION) {
		hw_cpuid(HV_CPUID_ISOLATION, 0, r);
		out->paravisor = (r[0] & HV_ISO_EAX_PARAVISOR) != 0;
		out->iso_type = (uint8_t)(r[1] & HV_ISO_EBX_TYPE_MASK);
		if (r[1] & HV_ISO_EBX_BOUNDARY_ON) {
			unsigned bits = (r[1] >> HV_ISO_EBX_BOUNDARY_SHIFT) & 0x3F;
			if (bits >= 1 && bits <= 51)
				out->shared_boundary = 1ull << bits;
		}
		/* Intercepted by the paravisor (not the hypervisor); read without checking the
		 * 0x40000081 signature, like upstream Linux. */
		hw_cpuid(HV_CPUID_VS_PROPERTIES, 0, r);
		out->cvmb_available = (r[0] & HV_VS_EAX_CONFIDENTIAL_VMBUS) != 0;
	}
	out->bypass = SYNIC_ROUTE_DIRECT;
	if (out->isolated && out->paravisor) {
		if (out->iso_type == SYNIC_ISO_SNP)
			out->bypass = SYNIC_ROUTE_GHCB;
		else if (out->iso_type == SYNIC_ISO_TDX)
			out->bypass = SYNIC_ROUTE_TDCALL;
	}
	if (out->isolated && (out->iso_type == SYNIC_ISO_SNP || out->iso_type == SYNIC_ISO_TDX) &&
	    !out->paravisor)
		return UMBRA_ENOTSUP;
	return 0;
}

void synic_describe(const struct synic_config *c, char *buf, size_t size)
{
	static const char *const iso[] = { "none", "vbs", "snp", "tdx" };
	if (!c || !buf || !size)
		return;
	if (!c->hyperv) {
		fmt_snprintf(buf, size, "hyperv: not present (no Hyper-V)");
		return;
	}
	fmt_snprintf(buf, size,
		     "hyperv: isolation=%s paravisor=%s shared-boundary=0x%llx confidential-vmbus=%s",
		     c->isolated ? iso[c->iso_type & 3] : "none", c->paravisor ? "yes" : "no",
		     (unsigned long long)c->shared_boundary, c->cvmb_available ? "available" : "no");
}
