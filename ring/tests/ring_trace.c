#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring/ring_wire.h"
#include "ring/tests/ring_trace.h"

static uint8_t *tr_base;
static size_t tr_len;
static uint8_t *tr_counts;
static struct ring_trace_stats tr_stats;
static void (*tr_hook)(enum ring_trace_kind, size_t, size_t, void *);
static void *tr_ctx;

void ring_trace_region(void *base, size_t len)
{
	free(tr_counts);
	tr_base = base;
	tr_len = len;
	tr_counts = calloc(len ? len : 1, 1);
	memset(&tr_stats, 0, sizeof tr_stats);
}

void ring_trace_epoch(void)
{
	if (tr_counts)
		memset(tr_counts, 0, tr_len);
	memset(&tr_stats, 0, sizeof tr_stats);
}

const struct ring_trace_stats *ring_trace_stats(void)
{
	return &tr_stats;
}

void ring_trace_set_hook(void (*fn)(enum ring_trace_kind, size_t, size_t, void *), void *ctx)
{
	tr_hook = fn;
	tr_ctx = ctx;
}

/* Returns the offset of [p, p+n) in the region, or (size_t)-1 if it is not inside. */
static size_t tr_check(const volatile uint8_t *p, size_t n)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)tr_base;
	if (tr_base == NULL || a < b || n > tr_len || a - b > tr_len - n) {
		tr_stats.outside++;
		fprintf(stderr, "ring_trace: access outside the ring: %p +%zu\n", (const void *)p, n);
		abort();
	}
	return a - b;
}

/* max_reads covers the data area (packet bytes); control words are counted by the
 * load statistics (write_index_loads). */
static void tr_count_reads(size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (tr_counts[off + i] < 255)
			tr_counts[off + i]++;
		if (off + i >= RING_CTL_SIZE && tr_counts[off + i] > tr_stats.max_reads)
			tr_stats.max_reads = tr_counts[off + i];
	}
	tr_stats.bytes_in += n;
}

uint32_t ring_trace_load32(const volatile uint8_t *p)
{
	size_t off = tr_check(p, 4);
	if (tr_hook)
		tr_hook(RING_TRACE_LOAD, off, 4, tr_ctx);
	tr_stats.loads++;
	if (off == 0)
		tr_stats.write_index_loads++; /* offset 0 = the write index when the region is one ring */
	tr_count_reads(off, 4);
	return __atomic_load_n((const volatile uint32_t *)(const volatile void *)p, __ATOMIC_ACQUIRE);
}

void ring_trace_store32(volatile uint8_t *p, uint32_t v)
{
	size_t off = tr_check(p, 4);
	if (tr_hook)
		tr_hook(RING_TRACE_STORE, off, 4, tr_ctx);
	tr_stats.stores++;
	__atomic_store_n((volatile uint32_t *)(volatile void *)p, v, __ATOMIC_RELEASE);
}

void ring_trace_copy_in(void *dst, const volatile uint8_t *src, size_t n)
{
	size_t off = tr_check(src, n);
	if (tr_hook)
		tr_hook(RING_TRACE_COPY_IN, off, n, tr_ctx);
	tr_stats.copies_in++;
	tr_count_reads(off, n);
	memcpy(dst, (const void *)src, n);
}

void ring_trace_copy_out(volatile uint8_t *dst, const void *src, size_t n)
{
	size_t off = tr_check(dst, n);
	if (tr_hook)
		tr_hook(RING_TRACE_COPY_OUT, off, n, tr_ctx);
	tr_stats.copies_out++;
	memcpy((void *)dst, src, n);
}

void ring_trace_zero(volatile uint8_t *dst, size_t n)
{
	size_t off = tr_check(dst, n);
	if (tr_hook)
		tr_hook(RING_TRACE_ZERO, off, n, tr_ctx);
	memset((void *)dst, 0, n);
}
