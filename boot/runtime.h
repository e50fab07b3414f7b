/*
 * boot/'s bottom services for the layers above: power-off and the raw console. (The
 * runtime API and the kernel entry live in rt/; this header keeps its name because
 * efi_main.c and poweroff.c include it.)
 */
#ifndef UMBRA_BOOT_RUNTIME_H
#define UMBRA_BOOT_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot/boot_info.h"

/* Status reported for a CPU exception (see docs/boot.md for the QEMU exit code). */
#define BOOT_STATUS_CRASH 110

/* Records what power-off needs (runtime services, ACPI, whether isa-debug-exit exists). */
/* isa-debug-exit is used only under QEMU (TCG or KVM hypervisor signature), unless a
 * load option umbra.debug_exit=0/1 says otherwise. */
bool boot_debug_exit_wanted(const struct boot_info *bi);
void boot_poweroff_setup(const struct boot_info *bi, bool qemu_debug_exit);
/* Prints "umbra: exit status=N" and powers the VM off. */
_Noreturn void boot_poweroff(int status);

/* Console output on COM1 (boot/console.c), without the app-facing checks. Output longer
 * than 511 bytes is cut and marked "...[truncated]". */
int boot_vprintf(const char *fmt, va_list ap);
int boot_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
