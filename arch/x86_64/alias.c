/*
 * The shared-GPA boundary the page tables map (contract in alias.h). The identification
 * and its boundary rule are hv/ident.c's; this only turns a refused boundary into an error.
 */
#include "arch/x86_64/alias.h"
#include "hv/ident.h"
#include "hv/tlfs.h"
#include <umbra/errno.h>

_Static_assert(ALIAS_MAX_BIT == HV_PA_MAX_BIT, "the PTE limit is the identification's");

int alias_boundary(const struct hv_ident *id, uint64_t *boundary)
{
	*boundary = 0;
	if (!id)
		return 0;
	if (id->boundary_refused)
		return UMBRA_ENOTSUP;
	*boundary = id->shared_boundary;
	return 0;
}
