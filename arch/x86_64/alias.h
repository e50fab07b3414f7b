/*
 * The shared-GPA alias (vTOM model). In a Hyper-V CVM under the OpenHCL paravisor, CPUID
 * 0x4000000C reports a boundary B = 2^bits (SNP vTOM: usually bit 46; TDX shared bit: 47).
 * A host-visible page at GPA g must be accessed at GPA g | B. The runtime maps that alias
 * of RAM in a virtual window (paging_build.c): VA ALIAS_VA + g -> PA g | B, RW + NX.
 * ALIAS_VA = 2^46 keeps the window canonical for 4-level paging whatever B is (bit 47
 * itself is not a canonical lower-half VA); for B = 2^46 the window is the identity.
 *
 * Arithmetic only (the CPUID decoding is hv/ident.c's), host-tested (alias_test.c). The
 * image's hw_phys_to_virt/hw_virt_to_phys (hw_real.c) are these functions with the
 * boundary arch_paging_init mapped.
 */
#ifndef UMBRA_ARCH_ALIAS_H
#define UMBRA_ARCH_ALIAS_H

#include <stdint.h>

#define ALIAS_VA      (1ull << 46)      /* window base; RAM must lie below it */
#define ALIAS_VA_END  (1ull << 47)      /* end of the lower canonical half */
#define ALIAS_MAX_BIT 51                /* highest PA bit a page-table entry holds */

/*
 * The boundary the page tables must honour, from the Hyper-V identification (hv/ident.h,
 * whose one rule decides usability): *boundary = id->shared_boundary (0 when there is none:
 * no Hyper-V, not isolated, max leaf below 0x4000000C, boundary not active; QEMU and plain
 * Hyper-V) and 0 is returned. UMBRA_ENOTSUP (and *boundary = 0) when the boundary is
 * active but was refused (bit 0, above ALIAS_MAX_BIT, or at or above MAXPHYADDR): the
 * page tables cannot map the alias, and every host-visible access would fault, so the
 * boot must stop rather than run without one. This is the stricter check the runtime
 * needs here; synic/ just sees no boundary.
 */
struct hv_ident;
int alias_boundary(const struct hv_ident *id, uint64_t *boundary);

/*
 * gpa -> VA for boundary b (0 = none): the alias form gpa | b becomes ALIAS_VA + (gpa & ~b),
 * anything else the identity. Arithmetic only: the page tables map the result for
 * gpa & ~b below the window's top; above it hw_phys_to_virt maps the alias on demand
 * (paging_build.h, pt_alias_map) for g below alias_limit(b).
 */
static inline uint64_t alias_phys_to_virt(uint64_t b, uint64_t gpa)
{
	if (b && (gpa & b))
		return ALIAS_VA + (gpa & ~b);
	return gpa;
}

/*
 * First g whose alias g | b cannot be mapped: g must be below b (the alias of g is g | b
 * only for g < b; SNP vTOM) and ALIAS_VA + g must stay below ALIAS_VA_END (a TDX shared
 * bit 47 leaves g in [2^46, 2^47) without a canonical window VA). 0 for b = 0.
 */
static inline uint64_t alias_limit(uint64_t b)
{
	return b < ALIAS_VA_END - ALIAS_VA ? b : ALIAS_VA_END - ALIAS_VA;
}

/* The inverse: a VA in [ALIAS_VA, ALIAS_VA_END) is (va - ALIAS_VA) | b when b != 0. */
static inline uint64_t alias_virt_to_phys(uint64_t b, uint64_t va)
{
	if (b && va >= ALIAS_VA && va < ALIAS_VA_END)
		return (va - ALIAS_VA) | b;
	return va;
}

#endif
