/*
 * UEFI EFI_TIME -> Unix time (docs/boot.md, "Wall clock"). Pure: host-tested in
 * boot/tests/efi_time_test.c. The time is the host's: the firmware reads an RTC the host
 * emulates, and on Hyper-V the host sets it to its own local time with the time zone
 * unspecified (openvmm openhcl/underhill_core/src/emuplat/local_clock.rs,
 * UnderhillLocalClock::new; mu_msvm MsvmPkg/MsvmPcAtRealTimeClockRuntimeDxe/PcRtc.c
 * returns EFI_UNSPECIFIED_TIMEZONE without its "RTC" variable). So a value is checked for
 * form only, never trusted as true.
 */
#ifndef UMBRA_BOOT_EFI_TIME_H
#define UMBRA_BOOT_EFI_TIME_H

#include <stdint.h>

#include "arch/x86_64/boot_handoff.h"

#define BOOT_EFI_UNSPECIFIED_TIMEZONE 0x07ff

/*
 * Nanoseconds since 1970-01-01T00:00:00 UTC, leap seconds not counted (POSIX time).
 * Every field must be in the UEFI range (boot_handoff.h; the day within its month, the
 * Gregorian leap rule), Daylight bits 2..7 clear; else UMBRA_EINVAL and *field names
 * the first bad field ("year", "month", ...). TimeZone is local time minus UTC in
 * minutes (UTC = local - TimeZone), with daylight saving already in it, so Daylight is
 * not applied; EFI_UNSPECIFIED_TIMEZONE is taken as UTC (docs/boot.md says why).
 * UMBRA_ERANGE when the instant is before 1970 or does not fit 64 bits of ns (after
 * 2554-07-21). field may be NULL.
 */
int boot_efi_time_to_unix_ns(const struct boot_efi_time *t, uint64_t *unix_ns,
			     const char **field);

#endif
