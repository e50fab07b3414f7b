/*
 * The Umbra runtime API for applications.
 *
 * An application is a folder under apps/ (or an out-of-tree directory using umbra.mk)
 * that defines app_main(). The runtime calls it after taking over the machine, with the
 * UEFI load options (or, when there are none, the options file umbra.cmdline next to the
 * image) split on blanks as argv: argv[0] is the image name when the first word ends in
 * ".efi", else "umbra"; argv[argc] is NULL; argc <= 32. The runtime's own options (every
 * word starting "umbra.") are removed, the other words keep their order; words beyond
 * the limits (32 entries, 1 KiB of text) are dropped whole, with a WARN in the boot log
 * (docs/boot.md, "Load options"). Returning from app_main is the same as
 * umbra_exit(return value).
 *
 * Every function is callable only after the runtime has started the app. Functions that
 * can fail return a negative UMBRA_E* code (umbra/errno.h).
 */
#ifndef UMBRA_UMBRA_H
#define UMBRA_UMBRA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <umbra/errno.h>

int app_main(int argc, char **argv);

/* Formatted output to the console (COM1). Supports %d %i %u %x %X %p %s %c %% with
 * the l, ll, z flags, field width, '0' and '-' flags and precision for %s.
 * Returns the number of characters written. */
int umbra_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int umbra_vprintf(const char *fmt, va_list ap);
/* Like umbra_printf, prefixed with the time since boot in microseconds. */
void umbra_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic time since boot in nanoseconds. */
uint64_t umbra_time_ns(void);
/* Wall-clock time: nanoseconds since 1970-01-01 UTC (leap seconds not counted) in *out,
 * or UMBRA_ENOENT while unknown (UMBRA_EINVAL for NULL). At boot it is the firmware's
 * clock (UEFI GetTime, whole seconds) plus the monotonic time since: that clock is the
 * host's, so it is neither trusted nor exact. On Hyper-V it is the host's local time
 * (taken as UTC: off by the host's UTC offset). The boot log's "umbra: wall_clock"
 * line says where it came from (docs/boot.md, "Wall clock"). */
int umbra_time_wall_ns(uint64_t *out);
/* Sleep at least ns nanoseconds (interrupts stay enabled). */
void umbra_sleep_ns(uint64_t ns);
/* Number of periodic timer interrupts taken since the timer started. */
uint64_t umbra_timer_ticks(void);

/* Heap: 16-byte aligned; NULL on exhaustion or size 0. umbra_free returns UMBRA_EINVAL
 * for a pointer the heap did not hand out or already freed. */
void *umbra_alloc(size_t size);
void *umbra_zalloc(size_t size);
int umbra_free(void *ptr);

/* Whole zeroed 4 KiB pages, physically contiguous, identity mapped (VA == PA). */
int umbra_page_alloc(size_t npages, void **out);
int umbra_page_free(void *pages, size_t npages);

struct umbra_meminfo {
	uint64_t total_pages;   /* pages the allocator manages */
	uint64_t free_pages;    /* pages free right now */
};
int umbra_mem_info(struct umbra_meminfo *out);

/* Firmware regions the runtime never hands out (runtime services, ACPI, reserved,
 * MMIO). Index i from 0; UMBRA_ENOENT past the end. */
int umbra_reserved_region(unsigned i, uint64_t *base, uint64_t *npages);

/* Report the status on the console and power the VM off. Never returns. */
_Noreturn void umbra_exit(int status);

#endif
