/*
 * Host test of lib/string.c (the image's memcpy & co.): compiled here under other names
 * and compared with libc on many sizes, alignments and overlaps.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/ut.h"

#define memcpy lib_memcpy
#define memmove lib_memmove
#define memset lib_memset
#define memcmp lib_memcmp
#define strlen lib_strlen
#define strcmp lib_strcmp
#define strncmp lib_strncmp
#include "lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp

static unsigned char a[600], b[600], ref[600];

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 3));
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void t_memcpy_memset(void)
{
	for (size_t off = 0; off < 9; off++) {
		for (size_t n = 0; n < 300; n += (n < 40 ? 1 : 37)) {
			fill(a, sizeof a, (unsigned)(n + off));
			memset(b, 0x5a, sizeof b);
			memcpy(ref, b, sizeof b);
			UT_CHECK(lib_memcpy(b + off, a + 3, n) == b + off);
			memcpy(ref + off, a + 3, n);
			UT_CHECK(memcmp(b, ref, sizeof b) == 0);
			UT_CHECK(lib_memset(b + off, 0xc3 + (int)n, n) == b + off);
			memset(ref + off, 0xc3 + (int)n, n);
			UT_CHECK(memcmp(b, ref, sizeof b) == 0);
		}
	}
}

static void t_memmove_overlap(void)
{
	for (int shift = -17; shift <= 17; shift++) {
		for (size_t n = 0; n < 200; n += 13) {
			size_t src = 100, dst = (size_t)((int)src + shift);
			fill(a, sizeof a, (unsigned)(shift + 50));
			memcpy(ref, a, sizeof a);
			UT_CHECK(lib_memmove(a + dst, a + src, n) == a + dst);
			memmove(ref + dst, ref + src, n);
			UT_CHECK(memcmp(a, ref, sizeof a) == 0);
		}
	}
	/* The direction flag is clear again after a backward copy. */
	uint64_t fl;
	lib_memmove(a + 10, a, 50);
	__asm__ volatile("pushfq; popq %0" : "=r"(fl));
	UT_CHECK(!(fl & (1u << 10)));
}

static void t_compare(void)
{
	fill(a, 64, 1);
	memcpy(b, a, 64);
	UT_EQ(lib_memcmp(a, b, 64), 0);
	UT_EQ(lib_memcmp(a, b, 0), 0);
	b[40] = (unsigned char)(a[40] + 1);
	UT_EQ(sign(lib_memcmp(a, b, 64)), sign(memcmp(a, b, 64)));
	UT_EQ(sign(lib_memcmp(b, a, 64)), sign(memcmp(b, a, 64)));
	a[5] = 0xff;
	b[5] = 0x01;
	UT_EQ(lib_memcmp(a, b, 64), 1);         /* bytes compare as unsigned */

	const char *s[] = { "", "a", "ab", "abc", "abd", "b", "\xff", "abc\xff" };
	for (size_t i = 0; i < 8; i++) {
		UT_EQ(lib_strlen(s[i]), strlen(s[i]));
		for (size_t j = 0; j < 8; j++) {
			UT_EQ(sign(lib_strcmp(s[i], s[j])), sign(strcmp(s[i], s[j])));
			for (size_t n = 0; n < 5; n++)
				UT_EQ(sign(lib_strncmp(s[i], s[j], n)), sign(strncmp(s[i], s[j], n)));
		}
	}
}

int main(void)
{
	UT_RUN(t_memcpy_memset);
	UT_RUN(t_memmove_overlap);
	UT_RUN(t_compare);
	return UT_DONE();
}
