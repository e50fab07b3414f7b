/* EFI_TIME -> Unix ns (boot/efi_time.h). */
#include "boot/efi_time.h"

#include <stdbool.h>
#include <stddef.h>
#include <umbra/errno.h>

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const uint8_t d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days from 0001-01-01 to y-01-01 in the proleptic Gregorian calendar. */
static int64_t days_before_year(int64_t y)
{
	y -= 1;
	return y * 365 + y / 4 - y / 100 + y / 400;
}

static const char *bad_field(const struct boot_efi_time *t)
{
	if (t->year < 1900 || t->year > 9999)
		return "year";
	if (t->month < 1 || t->month > 12)
		return "month";
	if (t->day < 1 || t->day > days_in_month(t->year, t->month))
		return "day";
	if (t->hour > 23)
		return "hour";
	if (t->minute > 59)
		return "minute";
	if (t->second > 59)
		return "second";
	if (t->nanosecond > 999999999u)
		return "nanosecond";
	if ((t->timezone < -1440 || t->timezone > 1440) &&
	    t->timezone != BOOT_EFI_UNSPECIFIED_TIMEZONE)
		return "timezone";
	if (t->daylight & ~3u)
		return "daylight";
	return NULL;
}

int boot_efi_time_to_unix_ns(const struct boot_efi_time *t, uint64_t *unix_ns,
			     const char **field)
{
	const char *bad = t ? bad_field(t) : "time";

	if (field)
		*field = bad;
	if (!unix_ns || bad)
		return UMBRA_EINVAL;
	int64_t days = days_before_year(t->year) - days_before_year(1970);
	for (unsigned m = 1; m < t->month; m++)
		days += days_in_month(t->year, m);
	days += t->day - 1;
	int64_t s = days * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
	if (t->timezone != BOOT_EFI_UNSPECIFIED_TIMEZONE)
		s -= (int64_t)t->timezone * 60;
	if (s < 0 || (uint64_t)s > (UINT64_MAX - t->nanosecond) / 1000000000u)
		return UMBRA_ERANGE;
	*unix_ns = (uint64_t)s * 1000000000u + t->nanosecond;
	return 0;
}
