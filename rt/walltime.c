/*
 * Wall-clock time (include/umbra/umbra.h umbra_time_wall_ns): one sample of Unix time
 * and the monotonic time it was taken at; the wall time is the sample plus the
 * monotonic time since. Set at boot from UEFI GetTime (rt_wall_clock_boot); a later
 * time source (#13's host time sync) replaces it with rt_wall_clock_set.
 */
#include <umbra/umbra.h>

#include "arch/x86_64/arch.h"
#include "boot/efi_time.h"
#include "boot/runtime.h"
#include "rt/runtime.h"

static uint64_t wall_ns, wall_mono_ns;
static const char *wall_source;

void rt_wall_clock_set(uint64_t unix_ns, uint64_t mono_ns, const char *source)
{
	wall_ns = unix_ns;
	wall_mono_ns = mono_ns;
	wall_source = source ? source : "unknown";
}

const char *rt_wall_clock_source(void)
{
	return wall_source;
}

int umbra_time_wall_ns(uint64_t *out)
{
	if (!out)
		return UMBRA_EINVAL;
	if (!wall_source)
		return UMBRA_ENOENT;
	uint64_t now = arch_now_ns();
	uint64_t since = now > wall_mono_ns ? now - wall_mono_ns : 0;
	*out = wall_ns + since < wall_ns ? UINT64_MAX : wall_ns + since;
	return 0;
}

void rt_wall_clock_boot(const struct boot_info *bi)
{
	const struct boot_efi_time *t = &bi->efi_time;
	const char *field = NULL;
	uint64_t ns = 0;

	if (bi->efi_time_status) {
		boot_printf("umbra: WARN wall_clock: GetTime failed (EFI status 0x%llx); "
			    "unknown\n", (unsigned long long)bi->efi_time_status);
		return;
	}
	int rc = boot_efi_time_to_unix_ns(t, &ns, &field);
	if (rc) {
		boot_printf("umbra: WARN wall_clock: EFI_TIME %04u-%02u-%02uT%02u:%02u:%02u "
			    "tz=%d daylight=%u %s%s; unknown\n", t->year, t->month, t->day,
			    t->hour, t->minute, t->second, t->timezone, t->daylight,
			    field ? "bad " : "", field ? field : "out of range");
		return;
	}
	uint64_t mono = bi->efi_time_tsc > bi->tsc_entry ?
			arch_tsc_to_ns(bi->efi_time_tsc - bi->tsc_entry) : 0;
	rt_wall_clock_set(ns, mono, "uefi");
	boot_printf("umbra: wall_clock source=uefi unix_s=%llu efi=%04u-%02u-%02uT%02u:%02u:%02u ",
		    (unsigned long long)(ns / 1000000000u), t->year, t->month, t->day, t->hour,
		    t->minute, t->second);
	if (t->timezone == BOOT_EFI_UNSPECIFIED_TIMEZONE)
		boot_printf("tz=unspecified (taken as UTC)\n");
	else
		boot_printf("tz=%d min\n", t->timezone);
}
