/*
 * libFuzzer target for boot/memmap.c. Input: byte 0 = number of carve-outs (mod 5), then
 * 16 bytes per carve-out (base, npages), then 24-byte descriptors (type, base, npages,
 * small values so that ranges meet and overlap). Checks on every accepted map: added
 * ranges are page aligned, disjoint, inside free descriptors only, outside page 0,
 * every carve-out and every non-free descriptor, and their sum is res.free_pages.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "boot/memmap.h"

#define PG 4096ull
#define MAXD 64

static struct boot_range added[4096];
static unsigned nadded;

static int rec(uint64_t base, uint64_t npages)
{
	if (nadded < 4096) {
		added[nadded].base = base;
		added[nadded].npages = npages;
	}
	nadded++;
	return 0;
}

static int ov(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return an && bn && a < b + bn * PG && b < a + an * PG;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_efi_desc map[MAXD];
	static struct boot_memmap_result res;
	struct boot_range carve[4];
	unsigned nc, nd = 0;

	if (size < 1)
		return 0;
	nc = data[0] % 5;
	data++;
	size--;
	if (size < nc * 16)
		return 0;
	for (unsigned i = 0; i < nc; i++) {
		uint64_t b, n;
		memcpy(&b, data, 8);
		memcpy(&n, data + 8, 8);
		carve[i].base = (b % 0x400) * PG + (b >> 60);   /* sometimes unaligned */
		carve[i].npages = n % 0x40;
		data += 16;
		size -= 16;
	}
	while (size >= 24 && nd < MAXD) {
		uint64_t t, b, n;
		memcpy(&t, data, 8);
		memcpy(&b, data + 8, 8);
		memcpy(&n, data + 16, 8);
		memset(&map[nd], 0, sizeof map[nd]);
		map[nd].type = (uint32_t)(t % 17);
		map[nd].phys_start = (b % 0x400) * PG;
		map[nd].npages = n % 0x80;
		nd++;
		data += 24;
		size -= 24;
	}
	nadded = 0;
	if (boot_memmap_process(map, nd * sizeof map[0], sizeof map[0], nc ? carve : NULL, nc,
				rec, &res) != 0)
		return 0;
	if (nadded > 4096)
		return 0;
	uint64_t sum = 0;
	for (unsigned i = 0; i < nadded; i++) {
		struct boot_range r = added[i];
		sum += r.npages;
		if (!r.npages || r.base % PG || ov(r.base, r.npages, 0, 1))
			__builtin_trap();
		for (unsigned c = 0; c < nc; c++)
			if (ov(r.base, r.npages, carve[c].base, carve[c].npages))
				__builtin_trap();
		for (unsigned j = 0; j < i; j++)
			if (ov(r.base, r.npages, added[j].base, added[j].npages))
				__builtin_trap();
		for (unsigned k = 0; k < nd; k++)
			if (boot_mem_classify(map[k].type) != BOOT_MEM_FREE &&
			    ov(r.base, r.npages, map[k].phys_start, map[k].npages))
				__builtin_trap();
		for (uint64_t a = r.base; a < r.base + r.npages * PG; a += PG) {
			int in = 0;
			for (unsigned k = 0; k < nd && !in; k++)
				in = boot_mem_classify(map[k].type) == BOOT_MEM_FREE &&
				     ov(a, 1, map[k].phys_start, map[k].npages);
			if (!in)
				__builtin_trap();
		}
	}
	if (sum != res.free_pages)
		__builtin_trap();
	return 0;
}
