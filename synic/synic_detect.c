/*
 * Discovery: the Hyper-V identification (hv/ident.h, which reads CPUID 1, 0x40000000,
 * 0x40000003, 0x4000000C, 0x40000082 and decodes the shared-GPA boundary by its one rule)
 * translated into synic/'s configuration: the bypass route and this runtime's support
 * policy (an isolated SNP/TDX VM needs a paravisor).
 *
 * Which identification is the caller's: the runtime passes the one made once at boot
 * (rt/vmbus_up.c, from rt_platform_hooks: hv_ident() in production images, the simulated
 * machine's in SIM images); synic_detect identifies whatever machine is behind hw_cpuid
 * now (host tests, which create a fresh simulated or fake machine per test).
 */
#include "synic/synic.h"
#include "synic/synic_hw.h"
#include "arch/x86_64/hw.h"
#include "hv/ident.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include <umbra/errno.h>

_Static_assert(SYNIC_ISO_VBS == HV_ISO_VBS && SYNIC_ISO_SNP == HV_ISO_SNP &&
	       SYNIC_ISO_TDX == HV_ISO_TDX, "enum synic_iso is the TLFS isolation type");

int synic_config_from_ident(const struct hv_ident *id, struct synic_config *out)
{
	if (!id || !out)
		return UMBRA_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!id->hyperv)
		return UMBRA_ENODEV;
	out->hyperv = true;
	out->max_leaf = id->max_leaf;
	out->priv_eax = id->features_eax;
	out->priv_ebx = id->features_ebx;
	out->isolated = id->isolated;
	out->paravisor = id->paravisor;
	out->iso_type = id->iso_type;
	out->shared_boundary = id->shared_boundary;
	out->cvmb_available = id->cvmb_available;
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

int synic_detect(struct synic_config *out)
{
	if (!out)
		return UMBRA_EINVAL;
	struct hv_ident fresh;
	hv_ident_detect(hw_cpuid, &fresh);
	return synic_config_from_ident(&fresh, out);
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
