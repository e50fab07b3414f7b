/* Host tests of the wall clock (rt/walltime.c) with a scripted monotonic clock. */
#include <stdarg.h>
#include <umbra/umbra.h>

#include "arch/x86_64/arch.h"
#include "boot/efi_time.h"
#include "boot/runtime.h"
#include "rt/runtime.h"

#include "tests/unit/ut.h"

static uint64_t now_ns;
static char log_buf[1024];

uint64_t arch_now_ns(void)
{
	return now_ns;
}

uint64_t arch_tsc_to_ns(uint64_t d)
{
	return d * 10;                  /* a 100 MHz TSC */
}

int boot_printf(const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(log_buf);

	va_start(ap, fmt);
	int r = vsnprintf(log_buf + n, sizeof log_buf - n, fmt, ap);
	va_end(ap);
	return r;
}

static struct boot_info bi;

static void boot(uint16_t y, uint8_t mo, uint8_t d, int16_t tz, uint64_t status)
{
	memset(&bi, 0, sizeof bi);
	bi.efi_time = (struct boot_efi_time){ .year = y, .month = mo, .day = d, .hour = 12,
					      .timezone = tz };
	bi.efi_time_status = status;
	bi.tsc_entry = 1000;
	bi.efi_time_tsc = 1000 + 500000;        /* 5 ms after entry */
	log_buf[0] = 0;
	rt_wall_clock_boot(&bi);
}

/* Runs first: nothing set yet. */
static void t_unknown_until_set(void)
{
	uint64_t t = 7;
	UT_EQ(umbra_time_wall_ns(&t), UMBRA_ENOENT);
	UT_EQ(t, 7);
	UT_EQ(umbra_time_wall_ns(NULL), UMBRA_EINVAL);
	UT_CHECK(rt_wall_clock_source() == NULL);
	boot(2000, 2, 30, 0, 0);
	UT_EQ(umbra_time_wall_ns(&t), UMBRA_ENOENT);
	UT_CHECK(strstr(log_buf, "umbra: WARN wall_clock: EFI_TIME 2000-02-30T12:00:00 tz=0 "
			"daylight=0 bad day; unknown\n"));
	boot(2000, 2, 29, 0, 0x8000000000000003ull);
	UT_EQ(umbra_time_wall_ns(&t), UMBRA_ENOENT);
	UT_CHECK(strstr(log_buf, "GetTime failed (EFI status 0x8000000000000003); unknown"));
	boot(1970, 1, 1, 1440, 0);
	UT_EQ(umbra_time_wall_ns(&t), UMBRA_ENOENT);
	UT_CHECK(strstr(log_buf, "tz=1440 daylight=0 out of range; unknown"));
}

static void t_boot_sample_plus_monotonic(void)
{
	uint64_t t = 0;
	boot(2000, 2, 29, BOOT_EFI_UNSPECIFIED_TIMEZONE, 0);
	UT_CHECK(!strcmp(log_buf, "umbra: wall_clock source=uefi unix_s=951825600 "
			 "efi=2000-02-29T12:00:00 tz=unspecified (taken as UTC)\n"));
	UT_CHECK(!strcmp(rt_wall_clock_source(), "uefi"));
	now_ns = 5000000;                       /* the instant GetTime returned */
	UT_EQ(umbra_time_wall_ns(&t), 0);
	UT_CHECK(t == 951825600ull * 1000000000ull);
	now_ns += 1234567;
	UT_EQ(umbra_time_wall_ns(&t), 0);
	UT_CHECK(t == 951825600ull * 1000000000ull + 1234567);
	now_ns = 0;                             /* before the sample: never goes back */
	UT_EQ(umbra_time_wall_ns(&t), 0);
	UT_CHECK(t == 951825600ull * 1000000000ull);
	boot(2000, 2, 29, -60, 0);
	UT_CHECK(strstr(log_buf, "unix_s=951829200 efi=2000-02-29T12:00:00 tz=-60 min\n"));
}

static void t_setter_replaces(void)
{
	uint64_t t = 0;
	now_ns = 100;
	rt_wall_clock_set(UINT64_MAX - 10, 100, "timesync");
	UT_CHECK(!strcmp(rt_wall_clock_source(), "timesync"));
	UT_EQ(umbra_time_wall_ns(&t), 0);
	UT_CHECK(t == UINT64_MAX - 10);
	now_ns = 200;                           /* saturates instead of wrapping */
	UT_EQ(umbra_time_wall_ns(&t), 0);
	UT_CHECK(t == UINT64_MAX);
	rt_wall_clock_set(5, 0, NULL);
	UT_CHECK(!strcmp(rt_wall_clock_source(), "unknown"));
	UT_EQ(umbra_time_wall_ns(&t), 0);
	UT_EQ(t, 205);
}

int main(void)
{
	UT_RUN(t_unknown_until_set);
	UT_RUN(t_boot_sample_plus_monotonic);
	UT_RUN(t_setter_replaces);
	return UT_DONE();
}
