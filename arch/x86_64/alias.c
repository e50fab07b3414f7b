/*
 * Shared-GPA boundary detection from CPUID (contract in alias.h). Portable: the caller
 * passes the CPUID function, so the host test can play any platform.
 */
#include "arch/x86_64/alias.h"
#include <umbra/errno.h>

#define HV_LEAF_VENDOR    0x40000000u
#define HV_LEAF_FEATURES  0x40000003u
#define HV_LEAF_ISOLATION 0x4000000cu
#define HV_ISOLATION_BIT  (1u << 22)    /* 0x40000003 EBX */
#define HV_BOUNDARY_ON    (1u << 5)     /* 0x4000000C EBX */

/* "Microsoft Hv" as EBX, ECX, EDX of leaf 0x40000000 (little-endian). */
#define HV_SIG_EBX 0x7263694du          /* "Micr" */
#define HV_SIG_ECX 0x666f736fu          /* "osof" */
#define HV_SIG_EDX 0x76482074u          /* "t Hv" */

int alias_detect(alias_cpuid_fn cpuid, uint64_t *boundary)
{
	uint32_t r[4];

	*boundary = 0;
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return 0;
	cpuid(HV_LEAF_VENDOR, 0, r);
	if (r[0] < HV_LEAF_ISOLATION || r[1] != HV_SIG_EBX || r[2] != HV_SIG_ECX ||
	    r[3] != HV_SIG_EDX)
		return 0;
	cpuid(HV_LEAF_FEATURES, 0, r);
	if (!(r[1] & HV_ISOLATION_BIT))
		return 0;
	cpuid(HV_LEAF_ISOLATION, 0, r);
	if (!(r[1] & HV_BOUNDARY_ON))
		return 0;
	unsigned bits = (r[1] >> 6) & 63;
	if (bits > ALIAS_MAX_BIT)
		return UMBRA_ENOTSUP;
	cpuid(0x80000000u, 0, r);
	if (r[0] >= 0x80000008u) {
		cpuid(0x80000008u, 0, r);
		if (bits >= (r[0] & 0xff))
			return UMBRA_ENOTSUP;
	}
	*boundary = 1ull << bits;
	return 0;
}
