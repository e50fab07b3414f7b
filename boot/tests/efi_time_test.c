/* Host tests of EFI_TIME -> Unix ns (boot/efi_time.c), against libc's timegm too. */
#define _DEFAULT_SOURCE
#include <time.h>

#include "boot/efi_time.h"

#include <umbra/errno.h>

#include "tests/unit/ut.h"

static struct boot_efi_time tm(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
			       unsigned s)
{
	struct boot_efi_time t = { .year = (uint16_t)y, .month = (uint8_t)mo, .day = (uint8_t)d,
				   .hour = (uint8_t)h, .minute = (uint8_t)mi, .second = (uint8_t)s };
	return t;
}

static long long secs(struct boot_efi_time t)
{
	uint64_t ns = 0;
	int rc = boot_efi_time_to_unix_ns(&t, &ns, NULL);
	return rc ? rc : (long long)(ns / 1000000000u);
}

static const char *field(struct boot_efi_time t)
{
	uint64_t ns;
	const char *f = "unset";
	boot_efi_time_to_unix_ns(&t, &ns, &f);
	return f ? f : "none";
}

static void t_known_instants(void)
{
	UT_EQ(secs(tm(1970, 1, 1, 0, 0, 0)), 0);
	UT_EQ(secs(tm(1970, 1, 2, 0, 0, 1)), 86401);
	UT_EQ(secs(tm(2000, 2, 29, 12, 0, 0)), 951825600);
	UT_EQ(secs(tm(2000, 3, 1, 0, 0, 0)), 951868800);
	UT_EQ(secs(tm(2038, 1, 19, 3, 14, 8)), 2147483648ll);
	UT_EQ(secs(tm(2100, 3, 1, 0, 0, 0)), 4107542400ll);
	UT_EQ(secs(tm(2024, 12, 31, 23, 59, 59)), 1735689599);
	struct boot_efi_time t = tm(2001, 9, 9, 1, 46, 40);
	t.nanosecond = 999999999;
	uint64_t ns;
	UT_EQ(boot_efi_time_to_unix_ns(&t, &ns, NULL), 0);
	UT_CHECK(ns == 1000000000ull * 1000000000ull + 999999999ull);
}

static void t_leap_years_and_century_rule(void)
{
	UT_CHECK(!strcmp(field(tm(2024, 2, 29, 0, 0, 0)), "none"));
	UT_CHECK(!strcmp(field(tm(2023, 2, 29, 0, 0, 0)), "day"));
	UT_CHECK(!strcmp(field(tm(2000, 2, 29, 0, 0, 0)), "none"));    /* 400 rule */
	UT_CHECK(!strcmp(field(tm(1900, 2, 29, 0, 0, 0)), "day"));     /* century rule */
	UT_CHECK(!strcmp(field(tm(2100, 2, 29, 0, 0, 0)), "day"));
	UT_CHECK(!strcmp(field(tm(2023, 4, 31, 0, 0, 0)), "day"));
	UT_CHECK(!strcmp(field(tm(2023, 12, 31, 0, 0, 0)), "none"));
	/* every day of 1970..2400 against timegm */
	int mism = 0;
	for (unsigned y = 1970; y <= 2400; y++)
		for (unsigned m = 1; m <= 12; m++)
			for (unsigned d = 1; d <= 31; d++) {
				struct tm c = { .tm_year = (int)y - 1900, .tm_mon = (int)m - 1,
						.tm_mday = (int)d, .tm_hour = 13, .tm_min = 7,
						.tm_sec = 5 };
				time_t want = timegm(&c);
				bool real = c.tm_mday == (int)d;   /* timegm normalised it */
				long long got = secs(tm(y, m, d, 13, 7, 5));
				if (real ? got != (long long)want : got != UMBRA_EINVAL)
					mism++;
			}
	UT_EQ(mism, 0);
}

static void t_bad_fields(void)
{
	UT_CHECK(!strcmp(field(tm(1899, 12, 31, 0, 0, 0)), "year"));
	UT_CHECK(!strcmp(field(tm(10000, 1, 1, 0, 0, 0)), "year"));
	UT_CHECK(!strcmp(field(tm(2020, 0, 1, 0, 0, 0)), "month"));
	UT_CHECK(!strcmp(field(tm(2020, 13, 1, 0, 0, 0)), "month"));
	UT_CHECK(!strcmp(field(tm(2020, 1, 0, 0, 0, 0)), "day"));
	UT_CHECK(!strcmp(field(tm(2020, 1, 32, 0, 0, 0)), "day"));
	UT_CHECK(!strcmp(field(tm(2020, 1, 1, 24, 0, 0)), "hour"));
	UT_CHECK(!strcmp(field(tm(2020, 1, 1, 0, 60, 0)), "minute"));
	UT_CHECK(!strcmp(field(tm(2020, 1, 1, 0, 0, 60)), "second"));
	struct boot_efi_time t = tm(2020, 1, 1, 0, 0, 0);
	t.nanosecond = 1000000000;
	UT_CHECK(!strcmp(field(t), "nanosecond"));
	t.nanosecond = 0;
	t.timezone = 1441;
	UT_CHECK(!strcmp(field(t), "timezone"));
	t.timezone = -1441;
	UT_CHECK(!strcmp(field(t), "timezone"));
	t.timezone = 2046;
	UT_CHECK(!strcmp(field(t), "timezone"));
	t.timezone = 1440;
	UT_CHECK(!strcmp(field(t), "none"));
	t.daylight = 4;
	UT_CHECK(!strcmp(field(t), "daylight"));
	t.daylight = 3;
	UT_CHECK(!strcmp(field(t), "none"));
	uint64_t ns = 7;
	UT_EQ(boot_efi_time_to_unix_ns(NULL, &ns, NULL), UMBRA_EINVAL);
	UT_EQ(boot_efi_time_to_unix_ns(&t, NULL, NULL), UMBRA_EINVAL);
	UT_EQ(ns, 7);
	t.month = 13;
	UT_EQ(boot_efi_time_to_unix_ns(&t, &ns, NULL), UMBRA_EINVAL);
	UT_EQ(ns, 7);
}

static void t_timezone(void)
{
	struct boot_efi_time t = tm(1970, 1, 1, 1, 0, 0);
	t.timezone = 60;                        /* local = UTC + 60 min */
	UT_EQ(secs(t), 0);
	t.timezone = -60;
	UT_EQ(secs(t), 7200);
	t.timezone = BOOT_EFI_UNSPECIFIED_TIMEZONE;
	UT_EQ(secs(t), 3600);                   /* taken as UTC */
	t.timezone = 60;
	t.daylight = 3;                         /* not applied: in TimeZone already */
	UT_EQ(secs(t), 0);
	t = tm(2020, 6, 1, 8, 0, 0);
	t.timezone = -480;                      /* UTC-8 */
	UT_EQ(secs(t), secs(tm(2020, 6, 1, 16, 0, 0)));
}

static void t_range(void)
{
	struct boot_efi_time t = tm(1969, 12, 31, 23, 59, 59);
	UT_EQ(secs(t), UMBRA_ERANGE);
	t = tm(1970, 1, 1, 0, 0, 0);
	t.timezone = 1;
	UT_EQ(secs(t), UMBRA_ERANGE);
	t = tm(1969, 12, 31, 23, 0, 0);
	t.timezone = -60;
	UT_EQ(secs(t), 0);
	/* 2^64 - 1 ns = 2554-07-21T23:34:33.709551615Z */
	t = tm(2554, 7, 21, 23, 34, 33);
	t.nanosecond = 709551615;
	uint64_t ns;
	UT_EQ(boot_efi_time_to_unix_ns(&t, &ns, NULL), 0);
	UT_CHECK(ns == UINT64_MAX);
	t.nanosecond++;
	UT_EQ(boot_efi_time_to_unix_ns(&t, &ns, NULL), UMBRA_ERANGE);
	UT_EQ(secs(tm(9999, 12, 31, 23, 59, 59)), UMBRA_ERANGE);
}

int main(void)
{
	UT_RUN(t_known_instants);
	UT_RUN(t_leap_years_and_century_rule);
	UT_RUN(t_bad_fields);
	UT_RUN(t_timezone);
	UT_RUN(t_range);
	return UT_DONE();
}
