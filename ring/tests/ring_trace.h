/*
 * Test-side implementation of the ring_trace_* hooks (RING_SHARED_TRACE builds).
 * Every shared access by ring code is performed here, checked to lie inside the
 * registered region, and counted per byte since the last ring_trace_epoch(). An optional
 * callback runs before each access: a hostile "host" can change indices and packet bytes
 * between the reader's steps.
 */
#ifndef UMBRA_RING_TESTS_TRACE_H
#define UMBRA_RING_TESTS_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum ring_trace_kind { RING_TRACE_LOAD, RING_TRACE_STORE, RING_TRACE_COPY_IN, RING_TRACE_COPY_OUT, RING_TRACE_ZERO };

struct ring_trace_stats {
	unsigned long loads, stores, copies_in, copies_out;
	unsigned long bytes_in;        /* shared bytes read since the epoch */
	unsigned long max_reads;       /* highest read count of one data-area byte since the epoch */
	unsigned long outside;         /* accesses outside the region (must stay 0) */
	unsigned long write_index_loads;
};

/* Register the shared region (whole ring memory); resets all counters. */
void ring_trace_region(void *base, size_t len);
/* Start a new epoch (per-byte read counts and stats back to 0). */
void ring_trace_epoch(void);
const struct ring_trace_stats *ring_trace_stats(void);
/* Hook run before every access (NULL = none). */
void ring_trace_set_hook(void (*fn)(enum ring_trace_kind kind, size_t off, size_t n, void *ctx),
			 void *ctx);

#endif
