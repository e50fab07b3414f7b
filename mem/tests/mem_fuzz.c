/*
 * libFuzzer target mem_ops: the input is a program of page and heap operations, run
 * against a shadow model. Any disagreement (a bogus free accepted, a valid one refused,
 * a stamp overwritten, counters or bitmaps off) aborts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/hw.h"
#include "mem/mem.h"
#include "mem/tests/arena.h"
#include "umbra/errno.h"

#define PG 4096u
#define ARENA_PAGES 1024u
#define PLIVE 48u
#define HLIVE 256u
#define RECENT 16u

#define CHECK(c) do { if (!(c)) abort(); } while (0)

struct prun { uint64_t gpa, n; uint8_t tag; };
struct hblk { uint8_t *p; size_t n; uint8_t tag; };

static uint8_t owner[ARENA_PAGES];
static struct prun pl[PLIVE];
static struct hblk hl[HLIVE];
static void *recent[RECENT];
static unsigned npl, nhl, nrecent;

static const uint8_t *in;
static size_t in_len;
static uint8_t next(void)
{
	if (!in_len)
		return 0;
	in_len--;
	return *in++;
}

static uint64_t pidx(uint64_t gpa) { return (gpa - arena_gpa) / PG; }

static bool stamped(const uint8_t *p, size_t n, uint8_t tag)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(tag + i))
			return false;
	return true;
}

static int heap_find(const void *p)
{
	for (unsigned i = 0; i < nhl; i++)
		if (hl[i].p == p)
			return (int)i;
	return -1;
}

static void heap_drop(unsigned k)
{
	CHECK(stamped(hl[k].p, hl[k].n, hl[k].tag));
	CHECK(mem_free(hl[k].p) == 0);
	recent[nrecent++ % RECENT] = hl[k].p;
	hl[k] = hl[--nhl];
}

static void page_drop(unsigned k, uint64_t keep)
{
	struct prun *r = &pl[k];
	CHECK(stamped(hw_phys_to_virt(r->gpa), r->n * PG, r->tag));
	CHECK(mem_page_free(r->gpa + keep * PG, r->n - keep) == 0);
	for (uint64_t p = pidx(r->gpa) + keep; p < pidx(r->gpa) + r->n; p++)
		owner[p] = 0;
	if (keep) {
		r->n = keep;
		return;
	}
	*r = pl[--npl];
	for (uint64_t p = pidx(r->gpa); k < npl && p < pidx(r->gpa) + r->n; p++)
		owner[p] = (uint8_t)(k + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!arena_mem)
		arena_init(ARENA_PAGES * PG, ARENA_GPA_DEFAULT, 0x6b);
	mem_page_reset();
	CHECK(mem_page_add_range(arena_gpa, 400) == 0);
	CHECK(mem_page_add_range(arena_gpa + 420 * PG, ARENA_PAGES - 420) == 0);
	memset(owner, 0, sizeof(owner));
	npl = nhl = nrecent = 0;
	memset(recent, 0, sizeof(recent));
	uint64_t total = mem_page_total_count();
	in = data;
	in_len = size;

	while (in_len) {
		uint8_t op = next() % 8;
		switch (op) {
		case 0: {       /* page alloc */
			uint64_t n = next() % 40 + 1, align = 1ull << (next() % 7), gpa;
			if (npl == PLIVE)
				break;
			int rc = mem_page_alloc(n, align, &gpa);
			if (rc == UMBRA_ENOMEM)
				break;
			CHECK(rc == 0 && gpa % (align * PG) == 0);
			uint8_t *v = hw_phys_to_virt(gpa);
			for (uint64_t p = pidx(gpa); p < pidx(gpa) + n; p++) {
				CHECK(p < ARENA_PAGES && owner[p] == 0 && mem_page_state(arena_gpa + p * PG) == 1);
				owner[p] = (uint8_t)(npl + 1);
			}
			uint8_t tag = next();
			for (uint64_t i = 0; i < n * PG; i++) {
				CHECK(v[i] == 0);
				v[i] = (uint8_t)(tag + i);
			}
			pl[npl++] = (struct prun){ gpa, n, tag };
			break;
		}
		case 1:         /* page free, maybe keeping a head */
			if (npl) {
				unsigned k = next() % npl;
				uint64_t keep = next() % pl[k].n;
				page_drop(k, keep);
			}
			break;
		case 2: {       /* bogus page free */
			uint64_t p = ((uint64_t)next() << 8 | next()) % (ARENA_PAGES + 32), n = next() % 8 + 1;
			/* The heap's pages are not in owner[]: ask mem_page_state, cross-checked
			 * against what the model knows (metadata/gaps unmanaged, runs allocated). */
			bool owned = true, refusable = false;
			for (uint64_t q = p; q < p + n; q++) {
				bool unmanaged = q == 0 || (q >= 400 && q <= 420) || q >= ARENA_PAGES;
				int st = mem_page_state(arena_gpa + q * PG);
				CHECK(unmanaged == (st == UMBRA_ENOENT));
				CHECK(unmanaged || !owner[q] || st == 1);
				owned = owned && !unmanaged && owner[q];
				refusable = refusable || st != 1;
			}
			if (!owned && refusable)
				CHECK(mem_page_free(arena_gpa + p * PG, n) == UMBRA_EINVAL);
			break;
		}
		case 3: {       /* heap alloc */
			size_t n = ((size_t)next() << 8 | next()) >> (next() % 16);
			if (nhl == HLIVE)
				break;
			uint8_t *p = mem_alloc(n);
			if (!n)
				CHECK(!p);
			if (!p)
				break;
			CHECK((uintptr_t)p % 16 == 0);
			CHECK((uintptr_t)p >= (uintptr_t)arena_mem && (uintptr_t)p + n <= (uintptr_t)arena_mem + arena_size);
			CHECK(heap_find(p) < 0);
			uint8_t tag = next();
			for (size_t i = 0; i < n; i++)
				p[i] = (uint8_t)(tag + i);
			hl[nhl++] = (struct hblk){ p, n, tag };
			break;
		}
		case 4:         /* heap free */
			if (nhl)
				heap_drop(next() % nhl);
			break;
		case 5: {       /* free of a pointer near a live block */
			if (!nhl)
				break;
			unsigned k = next() % nhl;
			intptr_t off = ((intptr_t)(int8_t)next()) * 16 * (next() % 4 ? 1 : 64);
			uint8_t *q = hl[k].p + off;
			int j = heap_find(q);
			if (j >= 0)
				heap_drop((unsigned)j);
			else
				CHECK(mem_free(q) == UMBRA_EINVAL);
			break;
		}
		case 6: {       /* double free of a recently freed pointer */
			void *q = recent[next() % RECENT];
			int j = q ? heap_find(q) : -1;
			if (j >= 0)
				heap_drop((unsigned)j);
			else if (q)
				CHECK(mem_free(q) == UMBRA_EINVAL);
			break;
		}
		case 7:
			mem_heap_trim();
			break;
		}
	}
	CHECK(mem_page_check() == 0);
	while (nhl)
		heap_drop(0);
	while (npl)
		page_drop(0, 0);
	mem_heap_trim();
	struct mem_heap_info hi;
	mem_heap_info(&hi);
	CHECK(hi.pages == 0 && hi.allocs == 0);
	CHECK(mem_page_free_count() == total);
	CHECK(mem_page_check() == 0);
	return 0;
}
