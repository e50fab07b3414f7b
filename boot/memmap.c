#include "boot/memmap.h"
#include "lib/string.h"
#include <umbra/errno.h>

#define PAGE 4096ull

enum boot_mem_class boot_mem_classify(uint32_t t)
{
	switch (t) {
	case 3:         /* EfiBootServicesCode */
	case 4:         /* EfiBootServicesData */
	case 7:         /* EfiConventionalMemory */
		return BOOT_MEM_FREE;
	case 1:         /* EfiLoaderCode */
	case 2:         /* EfiLoaderData */
		return BOOT_MEM_IN_USE;
	case BOOT_EFI_UNACCEPTED:
		return BOOT_MEM_UNACCEPTED;
	default:        /* reserved, runtime services, unusable, ACPI, MMIO, PAL, persistent, unknown */
		return BOOT_MEM_RESERVED;
	}
}

static void add_range(struct boot_range *arr, unsigned cap, unsigned *count, bool *overflow,
		      uint64_t base, uint64_t npages)
{
	if (*count && arr[*count - 1].base + arr[*count - 1].npages * PAGE == base) {
		arr[*count - 1].npages += npages;
		return;
	}
	if (*count == cap) {
		*overflow = true;
		return;
	}
	arr[*count].base = base;
	arr[*count].npages = npages;
	(*count)++;
}

/* Hands [base, end) minus the carve-outs to add_free, in address order. */
static void flush_free(uint64_t base, uint64_t end, const struct boot_range *carve,
		       unsigned ncarve, int (*add_free)(uint64_t, uint64_t),
		       struct boot_memmap_result *res)
{
	while (base < end) {
		bool moved;
		do {            /* step over every carve-out that contains base */
			moved = false;
			for (unsigned i = 0; i < ncarve; i++) {
				uint64_t cb = carve[i].base & ~(PAGE - 1);
				uint64_t ce = (carve[i].base + carve[i].npages * PAGE + PAGE - 1) & ~(PAGE - 1);
				if (carve[i].npages && cb <= base && base < ce) {
					base = ce;
					moved = true;
				}
			}
		} while (moved && base < end);
		if (base >= end)
			break;
		uint64_t stop = end;
		for (unsigned i = 0; i < ncarve; i++) {
			uint64_t cb = carve[i].base & ~(PAGE - 1);
			if (carve[i].npages && cb > base && cb < stop)
				stop = cb;
		}
		uint64_t n = (stop - base) / PAGE;
		if (add_free(base, n) == 0)
			res->free_pages += n;
		else
			res->add_errors++;
		base = stop;
	}
}

int boot_memmap_process(const void *map, uint64_t map_size, uint64_t desc_size,
			const struct boot_range *carve, unsigned ncarve,
			int (*add_free)(uint64_t base, uint64_t npages),
			struct boot_memmap_result *res)
{
	const uint8_t *p = map;
	struct boot_range page0 = { 0, 1 };
	struct boot_range cv[17];
	uint64_t fb = 0, fe = 0;        /* pending merged free range [fb, fe) */

	if (!map || !res || !add_free || desc_size < sizeof(struct boot_efi_desc) ||
	    map_size % desc_size || ncarve > 16 || (ncarve && !carve))
		return UMBRA_EINVAL;
	memset(res, 0, sizeof(*res));
	cv[0] = page0;
	for (unsigned i = 0; i < ncarve; i++)
		cv[i + 1] = carve[i];

	/* Validate first: a malformed map (unaligned, wrapping, beyond 52-bit physical, or
	 * with overlapping descriptors) adds nothing. Overlaps are checked pairwise: maps
	 * hold a few hundred descriptors at most, and a free range overlapping a firmware
	 * one must never reach the allocator. */
	for (uint64_t off = 0; off < map_size; off += desc_size) {
		struct boot_efi_desc d;
		memcpy(&d, p + off, sizeof d);
		if ((d.phys_start & (PAGE - 1)) || d.npages > (UINT64_MAX - d.phys_start) / PAGE ||
		    d.phys_start + d.npages * PAGE > (1ull << 52))
			return UMBRA_EINVAL;
		for (uint64_t o2 = 0; o2 < off; o2 += desc_size) {
			struct boot_efi_desc e;
			memcpy(&e, p + o2, sizeof e);
			if (d.npages && e.npages && d.phys_start < e.phys_start + e.npages * PAGE &&
			    e.phys_start < d.phys_start + d.npages * PAGE)
				return UMBRA_EINVAL;
		}
	}

	for (uint64_t off = 0; off < map_size; off += desc_size) {
		struct boot_efi_desc d;
		memcpy(&d, p + off, sizeof d);
		uint64_t end = d.phys_start + d.npages * PAGE;
		if (!d.npages)
			continue;
		if (end > res->max_phys)
			res->max_phys = end;
		switch (boot_mem_classify(d.type)) {
		case BOOT_MEM_FREE:
			if (fe == d.phys_start && fe != fb) {
				fe = end;
			} else {
				flush_free(fb, fe, cv, ncarve + 1, add_free, res);
				fb = d.phys_start;
				fe = end;
			}
			break;
		case BOOT_MEM_RESERVED:
			add_range(res->reserved, BOOT_MAX_RESERVED, &res->reserved_count,
				  &res->reserved_overflow, d.phys_start, d.npages);
			break;
		case BOOT_MEM_UNACCEPTED:
			add_range(res->unaccepted, BOOT_MAX_UNACCEPTED, &res->unaccepted_count,
				  &res->unaccepted_overflow, d.phys_start, d.npages);
			break;
		case BOOT_MEM_IN_USE:
			break;
		}
	}
	flush_free(fb, fe, cv, ncarve + 1, add_free, res);
	return 0;
}
