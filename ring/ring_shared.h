/*
 * The only way ring code touches host-shared memory. Internal to ring/.
 *
 * Index words are read with one acquire load each (the value is then validated and never
 * re-read) and published with one release store. Byte ranges are copied in/out with
 * memcpy; a concurrent host write can tear a copy, which is harmless because the reader
 * validates only its private copy.
 *
 * Barriers (x86-64 TSO; the builtins keep the compiler honest and port to weaker CPUs):
 *  - acquire load of the peer's index, then the data copies: the data is read after the
 *    index that published it.
 *  - data copies, then release store of our index: the peer sees the data first.
 *  - a full barrier between publishing our index (or mask) and reading the peer's word
 *    that decides a signal (store->load ordering): ring_sh_store32_mb() does the store
 *    and the barrier in one locked instruction.
 *
 * With RING_SHARED_TRACE defined (test and fuzz builds that compile ring/ via
 * ring/tests/ring_traced.c) every access goes through ring_trace_* hooks instead, so a
 * test can count touched bytes or act as a hostile host between the reader's steps.
 */
#ifndef UMBRA_RING_SHARED_H
#define UMBRA_RING_SHARED_H

#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "ring/ring.h"

/* Small packets: copies of up to RING_SH_SMALL bytes are inline constant-size moves (a call
 * to memcpy costs more than the copy itself at this size, and in the image memcpy is rep
 * movsb); larger copies use memcpy. */
#define RING_SH_SMALL 64u
_Static_assert(RING_SH_SMALL == 64, "ring_sh_copy_in8 / ring_sh_copy_out_small cover n <= 64");

#ifdef RING_SHARED_TRACE
uint32_t ring_trace_load32(const volatile uint8_t *p);
void ring_trace_store32(volatile uint8_t *p, uint32_t v);
void ring_trace_copy_in(void *dst, const volatile uint8_t *src, size_t n);
void ring_trace_copy_out(volatile uint8_t *dst, const void *src, size_t n);
void ring_trace_zero(volatile uint8_t *dst, size_t n);
#define ring_sh_load32   ring_trace_load32
#define ring_sh_store32  ring_trace_store32
#define ring_sh_copy_in  ring_trace_copy_in
#define ring_sh_copy_out ring_trace_copy_out
#define ring_sh_zero     ring_trace_zero
#define ring_sh_copy_in8       ring_trace_copy_in
#define ring_sh_copy_out_small ring_trace_copy_out
static inline void ring_sh_load_desc(const volatile uint8_t *data, uint32_t off, uint32_t size,
				     uint64_t *w0, uint64_t *w1)
{
	uint64_t w[2];
	if (off + 16u <= size) {
		ring_trace_copy_in(w, data + off, 16); /* one copy, as the trace tests count */
	} else {
		ring_trace_copy_in(&w[0], data + off, 8);
		ring_trace_copy_in(&w[1], data, 8);
	}
	*w0 = w[0];
	*w1 = w[1];
}
static inline void ring_sh_store32_mb(volatile uint8_t *p, uint32_t v)
{
	ring_trace_store32(p, v);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#else
/* Store followed by a full barrier, in one locked instruction (xchg on x86, cheaper
 * than a release store plus mfence). Used where the store must be ordered before a
 * later load of a word the peer writes. */
static inline void ring_sh_store32_mb(volatile uint8_t *p, uint32_t v)
{
	(void)__atomic_exchange_n((volatile uint32_t *)(volatile void *)p, v, __ATOMIC_SEQ_CST);
}

static inline uint32_t ring_sh_load32(const volatile uint8_t *p)
{
	return __atomic_load_n((const volatile uint32_t *)(const volatile void *)p, __ATOMIC_ACQUIRE);
}

static inline void ring_sh_store32(volatile uint8_t *p, uint32_t v)
{
	__atomic_store_n((volatile uint32_t *)(volatile void *)p, v, __ATOMIC_RELEASE);
}

/* __builtin_memcpy: constant sizes become plain moves even in -ffreestanding builds;
 * other sizes call memcpy (libc on the host, lib/string.c in the image). */
static inline void ring_sh_copy_in(void *dst, const volatile uint8_t *src, size_t n)
{
	__builtin_memcpy(dst, (const void *)src, n);
}

static inline void ring_sh_copy_out(volatile uint8_t *dst, const void *src, size_t n)
{
	__builtin_memcpy((void *)dst, src, n);
}

static inline void ring_sh_zero(volatile uint8_t *dst, size_t n)
{
	memset((void *)dst, 0, n);
}

/* 16 bytes, unaligned: one SSE load and store. */
static inline void ring_copy16(uint8_t *d, const uint8_t *s)
{
	__builtin_memcpy(d, s, 16);
}

/* The 16-byte descriptor at data + off (off 8-byte aligned, < size; the second word is at
 * data[0] when off = size - 8) as two 8-byte loads straight into registers: no vector load
 * bounced through the stack (a store-forwarding delay on the reader's per-packet
 * dependency chain). The empty asm makes the loaded values opaque, so the compiler can
 * neither re-read shared memory for them later nor merge the loads: each byte is read
 * exactly once. */
static inline void ring_sh_load_desc(const volatile uint8_t *data, uint32_t off, uint32_t size,
				     uint64_t *w0, uint64_t *w1)
{
	uint32_t off1 = off + 8u == size ? 0 : off + 8u;
	uint64_t a, b;
	__builtin_memcpy(&a, (const void *)(data + off), 8);
	__builtin_memcpy(&b, (const void *)(data + off1), 8);
	/* The values are opaque from here on: the compiler cannot re-read them from memory. */
	__asm__("" : "+r"(a), "+r"(b));
	*w0 = a;
	*w1 = b;
}

/* In: n a multiple of 8 (packet bytes), dst and src 8-byte aligned. Disjoint pieces, so
 * each shared byte is read exactly once. */
static inline void ring_sh_copy_in8(void *dst, const volatile uint8_t *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = (const uint8_t *)src;
	if (n > RING_SH_SMALL) {
		__builtin_memcpy(d, s, n);
		return;
	}
	if (n & 64) {
		ring_copy16(d, s);
		ring_copy16(d + 16, s + 16);
		ring_copy16(d + 32, s + 32);
		ring_copy16(d + 48, s + 48);
		return; /* n == 64 */
	}
	if (n & 32) {
		ring_copy16(d, s);
		ring_copy16(d + 16, s + 16);
		d += 32;
		s += 32;
	}
	if (n & 16) {
		ring_copy16(d, s);
		d += 16;
		s += 16;
	}
	if (n & 8)
		__builtin_memcpy(d, s, 8);
}

/* Out: n <= RING_SH_SMALL, any value. Pieces may overlap (the same private bytes are
 * stored twice); the source is never read past n. */
static inline void ring_sh_copy_out_small(volatile uint8_t *dst, const void *src, size_t n)
{
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = src;
	if (n >= 32) {
		ring_copy16(d, s);
		ring_copy16(d + 16, s + 16);
		ring_copy16(d + n - 32, s + n - 32);
		ring_copy16(d + n - 16, s + n - 16);
	} else if (n >= 16) {
		ring_copy16(d, s);
		ring_copy16(d + n - 16, s + n - 16);
	} else if (n >= 8) {
		__builtin_memcpy(d, s, 8);
		__builtin_memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		__builtin_memcpy(d, s, 4);
		__builtin_memcpy(d + n - 4, s + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
}
#endif

/* Branch hints for the per-packet paths (the rare outcome is an error or a wrap). */
#define ring_likely(x)   __builtin_expect(!!(x), 1)
#define ring_unlikely(x) __builtin_expect(!!(x), 0)

/* Byte distance from a to b going forward in a ring of size bytes (a, b < size). */
static inline uint32_t ring_dist(uint32_t a, uint32_t b, uint32_t size)
{
	return b >= a ? b - a : size - a + b;
}

/* A shared index is usable only if it is inside the data area and 8-byte aligned. */
static inline int ring_index_ok(uint32_t idx, uint32_t size)
{
	return idx < size && (idx & 7u) == 0;
}

/* Common ring geometry check for init: 4 KiB aligned, page multiple, bounded. */
static inline int ring_geometry_ok(const void *ring, size_t bytes)
{
	return ring != NULL && ((uintptr_t)ring & (RING_PAGE_SIZE - 1)) == 0 &&
	       bytes % RING_PAGE_SIZE == 0 && bytes >= 2 * RING_PAGE_SIZE &&
	       bytes - RING_PAGE_SIZE <= RING_MAX_DATA_BYTES;
}

#endif
