/* Host test of lib/fmt.c: every supported conversion is checked against the host libc's
 * snprintf, plus truncation, NUL termination and the return-value contract. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/fmt.h"
#include "tests/unit/ut.h"

/* No format attribute: lets the tests pass deliberately malformed formats. */
static int raw(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#define SAME(...) do { \
	char a_[256], b_[256]; \
	int na_ = fmt_snprintf(a_, sizeof a_, __VA_ARGS__); \
	int nb_ = snprintf(b_, sizeof b_, __VA_ARGS__); \
	UT_EQ(na_, nb_); \
	if (strcmp(a_, b_) != 0) { \
		fprintf(stderr, "%s:%d: got \"%s\" want \"%s\"\n", __FILE__, __LINE__, a_, b_); \
		ut_cur_failed_ = 1; \
	} } while (0)

static void t_integers(void)
{
	SAME("%d %i %u", 0, -1, 0u);
	SAME("%d %d", INT_MAX, INT_MIN);
	SAME("%u %x %X", UINT_MAX, 0xdeadbeefu, 0xdeadbeefu);
	SAME("%ld %lu %lx", LONG_MIN, ULONG_MAX, 0x123456789abcdefUL);
	SAME("%lld %llu %llx", LLONG_MIN, ULLONG_MAX, 0xfedcba9876543210ULL);
	SAME("%zu %zx", (size_t)SIZE_MAX, (size_t)4096);
	SAME("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
	SAME("[%5d] [%-5d] [%05d] [%05d] [%-5d]", 42, 42, 42, -42, -42);
	SAME("[%08x] [%8X] [%-8x] [%1x]", 0xabcu, 0xabcu, 0xabcu, 0x12345u);
	SAME("[%*d] [%-*d] [%*d]", 6, 7, 6, 7, -6, 7);
	SAME("%016llx", 0x1ULL);
}

static void t_strings_chars(void)
{
	SAME("[%s] [%10s] [%-10s] [%.3s] [%10.2s]", "abc", "abc", "abc", "abcdef", "abcdef");
	SAME("[%.*s] [%.0s]", 2, "xyz", "xyz");
	SAME("[%c] [%3c] [%-3c] %%", 'a', 'b', 'c');
	SAME("no conversions at all");
	SAME("%s", "");
}

static void t_pointer(void)
{
	void *p = (void *)(uintptr_t)0x7fff12345678ULL;
	char a[64], b[64];

	/* glibc prints %p as 0x..., the format the runtime promises. */
	fmt_snprintf(a, sizeof a, "%p", p);
	snprintf(b, sizeof b, "%p", p);
	UT_CHECK(strcmp(a, b) == 0);
	fmt_snprintf(a, sizeof a, "%p", (void *)0);
	UT_CHECK(strcmp(a, "0x0") == 0);
	fmt_snprintf(a, sizeof a, "[%18p]", p);
	snprintf(b, sizeof b, "[%18p]", p);
	UT_CHECK(strcmp(a, b) == 0);
}

static void t_null_string(void)
{
	char a[32];
	const char *volatile nul = NULL;

	UT_EQ(raw(a, sizeof a, "%s", nul), 6);
	UT_CHECK(strcmp(a, "(null)") == 0);
}

static void t_truncation(void)
{
	char a[8];

	memset(a, 'Z', sizeof a);
	UT_EQ(fmt_snprintf(a, 5, "%s-%d", "hello", 12345), 11);
	UT_CHECK(strcmp(a, "hell") == 0);
	UT_EQ(a[5], 'Z');               /* nothing written past size */

	memset(a, 'Z', sizeof a);
	UT_EQ(fmt_snprintf(a, 1, "abc"), 3);
	UT_EQ(a[0], '\0');
	UT_EQ(a[1], 'Z');

	memset(a, 'Z', sizeof a);
	UT_EQ(fmt_snprintf(a, 0, "abc"), 3);
	UT_EQ(a[0], 'Z');               /* size 0: buffer untouched */
	UT_EQ(fmt_snprintf(NULL, 0, "%d", 12345), 5);

	memset(a, 'Z', sizeof a);
	UT_EQ(fmt_snprintf(a, sizeof a, "%s", "1234567"), 7);
	UT_CHECK(strcmp(a, "1234567") == 0);
	UT_EQ(fmt_snprintf(a, sizeof a, "%s", "12345678"), 8);
	UT_CHECK(strcmp(a, "1234567") == 0);
}

static void t_unknown_and_trailing(void)
{
	char a[32];

	/* Unsupported conversions are copied verbatim and consume no argument. */
	UT_EQ(raw(a, sizeof a, "%q %d", 5), 4);
	UT_CHECK(strcmp(a, "%q 5") == 0);
	UT_EQ(raw(a, sizeof a, "abc%"), 4);
	UT_CHECK(strcmp(a, "abc%") == 0);
	UT_EQ(raw(a, sizeof a, "x%-05"), 5);
	UT_CHECK(strcmp(a, "x%-05") == 0);
	UT_EQ(raw(a, sizeof a, "[%-05d]", -42), 7);   /* - wins over 0 */
	UT_CHECK(strcmp(a, "[-42  ]") == 0);
}

static void t_huge_width_bounded(void)
{
	char a[16];

	/* A silly width must not overflow anything: the count is computed, the buffer holds. */
	int n = raw(a, sizeof a, "%99999999d", 1);
	UT_CHECK(n >= 100000);
	UT_EQ(strlen(a), sizeof a - 1);
}

int main(void)
{
	UT_RUN(t_integers);
	UT_RUN(t_strings_chars);
	UT_RUN(t_pointer);
	UT_RUN(t_null_string);
	UT_RUN(t_truncation);
	UT_RUN(t_unknown_and_trailing);
	UT_RUN(t_huge_width_bounded);
	return UT_DONE();
}
