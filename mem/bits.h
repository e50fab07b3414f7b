/*
 * Word-at-a-time bitmap helpers shared by the page allocator and the heap slabs.
 * Bit i lives in word i / 64, bit i % 64. A set bit means "in use". Ranges are
 * half-open [from, to); callers keep `to` within the bitmap.
 */
#ifndef UMBRA_MEM_BITS_H
#define UMBRA_MEM_BITS_H

#include <stdbool.h>
#include <stdint.h>

/* Mask of bits [lo, hi) within one word, 0 <= lo < hi <= 64. */
static inline uint64_t bits_mask(unsigned lo, unsigned hi)
{
	uint64_t m = hi == 64 ? ~0ull : (1ull << hi) - 1;
	return m & ~((1ull << lo) - 1);
}

/* First set bit in [from, to), or `to` if none. */
static inline uint64_t bits_find_set(const uint64_t *bm, uint64_t from, uint64_t to)
{
	while (from < to) {
		uint64_t w = from / 64;
		unsigned lo = (unsigned)(from % 64);
		unsigned hi = to - w * 64 >= 64 ? 64 : (unsigned)(to - w * 64);
		uint64_t v = bm[w] & bits_mask(lo, hi);
		if (v)
			return w * 64 + (uint64_t)__builtin_ctzll(v);
		from = w * 64 + hi;
	}
	return to;
}

/* First clear bit in [from, to), or `to` if none. */
static inline uint64_t bits_find_clear(const uint64_t *bm, uint64_t from, uint64_t to)
{
	while (from < to) {
		uint64_t w = from / 64;
		unsigned lo = (unsigned)(from % 64);
		unsigned hi = to - w * 64 >= 64 ? 64 : (unsigned)(to - w * 64);
		uint64_t v = ~bm[w] & bits_mask(lo, hi);
		if (v)
			return w * 64 + (uint64_t)__builtin_ctzll(v);
		from = w * 64 + hi;
	}
	return to;
}

/* Set (value true) or clear bits [from, to). */
static inline void bits_assign(uint64_t *bm, uint64_t from, uint64_t to, bool value)
{
	while (from < to) {
		uint64_t w = from / 64;
		unsigned lo = (unsigned)(from % 64);
		unsigned hi = to - w * 64 >= 64 ? 64 : (unsigned)(to - w * 64);
		uint64_t m = bits_mask(lo, hi);
		bm[w] = value ? bm[w] | m : bm[w] & ~m;
		from = w * 64 + hi;
	}
}

/* Population count without __builtin_popcountll, which needs libgcc without -mpopcnt. */
static inline uint64_t bits_popcount(uint64_t v)
{
	v = v - ((v >> 1) & 0x5555555555555555ull);
	v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
	v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0Full;
	return (v * 0x0101010101010101ull) >> 56;
}

/* Number of set bits in [from, to). */
static inline uint64_t bits_count(const uint64_t *bm, uint64_t from, uint64_t to)
{
	uint64_t n = 0;
	while (from < to) {
		uint64_t w = from / 64;
		unsigned lo = (unsigned)(from % 64);
		unsigned hi = to - w * 64 >= 64 ? 64 : (unsigned)(to - w * 64);
		n += bits_popcount(bm[w] & bits_mask(lo, hi));
		from = w * 64 + hi;
	}
	return n;
}

#endif
