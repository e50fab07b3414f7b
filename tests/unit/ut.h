/*
 * Minimal host unit-test harness. A test binary calls UT_RUN(fn) for each test and
 * returns UT_DONE() from main; the last line it prints is "N passed, N failed", which
 * tests/run sums across binaries.
 */
#ifndef UMBRA_TESTS_UT_H
#define UMBRA_TESTS_UT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ut_passed_, ut_failed_, ut_cur_failed_;
static const char *ut_cur_ = "";

#define UT_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, ut_cur_, #cond); \
		ut_cur_failed_ = 1; \
	} } while (0)

#define UT_EQ(a, b) do { \
	long long ut_a_ = (long long)(a), ut_b_ = (long long)(b); \
	if (ut_a_ != ut_b_) { \
		fprintf(stderr, "%s:%d: %s: %s == %s failed: %lld vs %lld (0x%llx vs 0x%llx)\n", \
			__FILE__, __LINE__, ut_cur_, #a, #b, ut_a_, ut_b_, \
			(unsigned long long)ut_a_, (unsigned long long)ut_b_); \
		ut_cur_failed_ = 1; \
	} } while (0)

/* Stop the current test on failure (for checks later code depends on). The condition
 * is evaluated once. */
#define UT_REQUIRE(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s: required: %s\n", __FILE__, __LINE__, ut_cur_, #cond); \
		ut_cur_failed_ = 1; \
		return; \
	} } while (0)

#define UT_RUN(fn) do { \
	ut_cur_ = #fn; ut_cur_failed_ = 0; fn(); \
	if (ut_cur_failed_) { ut_failed_++; printf("FAIL %s\n", #fn); } \
	else { ut_passed_++; printf("ok   %s\n", #fn); } \
	fflush(stdout); } while (0)

#define UT_DONE() (printf("%d passed, %d failed\n", ut_passed_, ut_failed_), ut_failed_ ? 1 : 0)

#endif
