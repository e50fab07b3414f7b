/*
 * Hyper-V identification (contract in hv/ident.h). CPUID leaves per the TLFS "Feature and
 * Interface Discovery" and openvmm vm/hv1/hvdef/src/lib.rs HvIsolationConfiguration;
 * the order and conditions follow Linux arch/x86/kernel/cpu/mshyperv.c
 * (ms_hyperv_platform checks X86_FEATURE_HYPERVISOR before leaf 0x40000000).
 */
#include "hv/ident.h"
#include "hv/tlfs.h"
#include "lib/string.h"
#include <umbra/errno.h>

static struct hv_ident the_ident;
static bool the_ident_set;

static void decode_boundary(hv_cpuid_fn cpuid, struct hv_ident *id)
{
	uint32_t r[4];
	unsigned n = id->boundary_bit;

	if (n >= 1 && n <= HV_PA_MAX_BIT) {
		cpuid(CPUID_EXT_MAX, 0, r);
		if (r[0] >= CPUID_EXT_ADDR_SIZE) {
			cpuid(CPUID_EXT_ADDR_SIZE, 0, r);
			id->maxphyaddr = (uint8_t)(r[0] & CPUID_MAXPHYADDR_MASK);
		}
		if (!id->maxphyaddr || n < id->maxphyaddr) {
			id->shared_boundary = 1ull << n;
			return;
		}
	}
	id->boundary_refused = true;
}

int hv_ident_detect(hv_cpuid_fn cpuid, struct hv_ident *out)
{
	uint32_t r[4];

	if (!cpuid || !out)
		return UMBRA_EINVAL;
	memset(out, 0, sizeof(*out));
	cpuid(1, 0, r);
	out->hypervisor = (r[2] & CPUID_1_ECX_HYPERVISOR) != 0;
	if (!out->hypervisor)
		return UMBRA_ENODEV;
	cpuid(HV_CPUID_VENDOR, 0, r);
	out->max_leaf = r[0];
	memcpy(out->signature, &r[1], 4);
	memcpy(out->signature + 4, &r[2], 4);
	memcpy(out->signature + 8, &r[3], 4);
	out->signature[12] = 0;
	if (r[1] != HV_SIG_EBX || r[2] != HV_SIG_ECX || r[3] != HV_SIG_EDX ||
	    out->max_leaf < HV_CPUID_FEATURES)
		return UMBRA_ENODEV;
	out->hyperv = true;
	cpuid(HV_CPUID_FEATURES, 0, r);
	out->features_eax = r[0];
	out->features_ebx = r[1];
	out->features_edx = r[3];
	out->isolated = (r[1] & HV_EBX_ISOLATION) != 0;
	if (!out->isolated || out->max_leaf < HV_CPUID_ISOLATION)
		return 0;
	cpuid(HV_CPUID_ISOLATION, 0, r);
	out->paravisor = (r[0] & HV_ISO_EAX_PARAVISOR) != 0;
	out->iso_type = (uint8_t)(r[1] & HV_ISO_EBX_TYPE_MASK);
	out->boundary_active = (r[1] & HV_ISO_EBX_BOUNDARY_ON) != 0;
	out->boundary_bit = (uint8_t)((r[1] >> HV_ISO_EBX_BOUNDARY_SHIFT) & HV_ISO_EBX_BOUNDARY_MASK);
	cpuid(HV_CPUID_VS_PROPERTIES, 0, r);
	out->cvmb_available = (r[0] & HV_VS_EAX_CONFIDENTIAL_VMBUS) != 0;
	if (out->boundary_active)
		decode_boundary(cpuid, out);
	return 0;
}

const struct hv_ident *hv_ident(void)
{
	return &the_ident;
}

const struct hv_ident *hv_ident_init(hv_cpuid_fn cpuid)
{
	if (!the_ident_set && cpuid) {
		hv_ident_detect(cpuid, &the_ident);
		the_ident_set = true;
	}
	return &the_ident;
}

void hv_ident_set(const struct hv_ident *id)
{
	if (id)
		the_ident = *id;
	else
		memset(&the_ident, 0, sizeof(the_ident));
	the_ident_set = id != NULL;
}

const char *hv_ident_name(const struct hv_ident *id, char buf[13])
{
	memcpy(buf, id->signature, 13);
	buf[12] = 0;
	for (int i = 0; i < 12 && buf[i]; i++)
		if (buf[i] < 0x21 || buf[i] > 0x7e)
			buf[i] = '_';
	if (!id->hypervisor || !buf[0])
		memcpy(buf, "none", 5);
	return buf;
}

bool hv_ident_is_qemu(const struct hv_ident *id)
{
	return !strcmp(id->signature, "TCGTCGTCGTCG") || !strcmp(id->signature, "KVMKVMKVM");
}
