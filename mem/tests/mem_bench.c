/*
 * mem/ benchmark: page allocator and heap over an 8 GiB lazily backed (MAP_NORESERVE)
 * fake physical range, so the bitmap covers "several GiB" as in a real boot while only
 * pages actually allocated get touched. Prints `bench mem_... ` lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "arch/x86_64/hw.h"
#include "mem/mem.h"

#define RAM_GPA 0x100000ull
#define RAM_BYTES (8ull << 30)

static uint8_t *ram;

void *hw_phys_to_virt(uint64_t gpa)
{
	return gpa >= RAM_GPA && gpa - RAM_GPA < RAM_BYTES ? ram + (gpa - RAM_GPA) : NULL;
}

uint64_t hw_virt_to_phys(const void *va)
{
	return RAM_GPA + (uint64_t)((const uint8_t *)va - ram);
}

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(void)
{
	ram = mmap(NULL, RAM_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	double t0 = now_ns();
	if (mem_page_add_range(RAM_GPA, RAM_BYTES / 4096) != 0)
		return 1;
	double t1 = now_ns();
	printf("bench mem_add_range_8gib_us=%.1f mem_pages_total=%llu\n", (t1 - t0) / 1e3,
	       (unsigned long long)mem_page_total_count());

	/* Hot single-page alloc + free (includes zeroing 4 KiB). */
	enum { PAIRS = 200000, SEQ = 65536 };
	uint64_t gpa;
	t0 = now_ns();
	for (int i = 0; i < PAIRS; i++) {
		if (mem_page_alloc(1, 1, &gpa) || mem_page_free(gpa, 1))
			return 1;
	}
	t1 = now_ns();
	printf("bench mem_page_alloc_free_1_ns=%.1f\n", (t1 - t0) / PAIRS);

	/* Sequential 1-page allocations (256 MiB), then every other one freed. */
	static uint64_t got[SEQ];
	t0 = now_ns();
	for (int i = 0; i < SEQ; i++)
		if (mem_page_alloc(1, 1, &got[i]))
			return 1;
	t1 = now_ns();
	printf("bench mem_page_alloc_seq_1_cold_ns=%.1f\n", (t1 - t0) / SEQ);  /* host page faults */
	for (int i = 0; i < SEQ; i++)
		mem_page_free(got[i], 1);
	t0 = now_ns();
	for (int i = 0; i < SEQ; i++)
		if (mem_page_alloc(1, 1, &got[i]))
			return 1;
	t1 = now_ns();
	printf("bench mem_page_alloc_seq_1_ns=%.1f\n", (t1 - t0) / SEQ);
	for (int i = 0; i < SEQ; i += 2)
		mem_page_free(got[i], 1);
	/* A 16-page aligned request must scan past 32768 single-page holes every time. */
	enum { FRAG = 2000 };
	t0 = now_ns();
	for (int i = 0; i < FRAG; i++) {
		if (mem_page_alloc(16, 16, &gpa) || mem_page_free(gpa, 16))
			return 1;
	}
	t1 = now_ns();
	printf("bench mem_page_alloc_16_past_32k_holes_ns=%.1f\n", (t1 - t0) / FRAG);
	t0 = now_ns();
	for (int i = 0; i < PAIRS; i++) {
		if (mem_page_alloc(1, 1, &gpa) || mem_page_free(gpa, 1))
			return 1;
	}
	t1 = now_ns();
	printf("bench mem_page_alloc_free_1_fragmented_ns=%.1f\n", (t1 - t0) / PAIRS);
	for (int i = 1; i < SEQ; i += 2)
		mem_page_free(got[i], 1);

	/* Heap: 64-byte pairs, then a random mix of 1..4096 bytes with 4096 live blocks. */
	enum { HOPS = 1000000, LIVE = 4096 };
	t0 = now_ns();
	for (int i = 0; i < HOPS; i++) {
		void *p = mem_alloc(64);
		if (!p || mem_free(p))
			return 1;
	}
	t1 = now_ns();
	printf("bench mem_heap_alloc_free_64_ns=%.1f\n", (t1 - t0) / HOPS);
	static void *live[LIVE];
	for (int i = 0; i < LIVE; i++)
		live[i] = mem_alloc(rnd() % 4096 + 1);
	t0 = now_ns();
	for (int i = 0; i < HOPS; i++) {
		unsigned k = (unsigned)(rnd() % LIVE);
		if (mem_free(live[k]) || !(live[k] = mem_alloc(rnd() % 4096 + 1)))
			return 1;
	}
	t1 = now_ns();
	printf("bench mem_heap_random_1_4096_ns=%.1f\n", (t1 - t0) / HOPS);
	for (int i = 0; i < LIVE; i++)
		mem_free(live[i]);
	mem_heap_trim();
	if (mem_page_free_count() != mem_page_total_count() || mem_page_check())
		return 1;
	munmap(ram, RAM_BYTES);
	return 0;
}
