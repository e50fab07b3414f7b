/* boot/ internals shared between the kernel entry, the runtime API and power-off. */
#ifndef UMBRA_BOOT_RUNTIME_H
#define UMBRA_BOOT_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot/boot_info.h"
#include "boot/memmap.h"

/* Status reported for a CPU exception (see docs/boot.md for the QEMU exit code). */
#define BOOT_STATUS_CRASH 110

/* Records what power-off needs (runtime services, ACPI, whether isa-debug-exit exists). */
/* isa-debug-exit is used only under QEMU (TCG or KVM hypervisor signature), unless a
 * load option umbra.debug_exit=0/1 says otherwise. */
bool boot_debug_exit_wanted(const struct boot_info *bi);
void boot_poweroff_setup(const struct boot_info *bi, bool qemu_debug_exit);
/* Prints "umbra: exit status=N" and powers the VM off. */
_Noreturn void boot_poweroff(int status);
/* A clean exit (app_main returned or the app called umbra_exit) first runs the hook a
 * subsystem registered (VMBus: close what is open, unload, SynIC off), once. Crash paths
 * do not run it: the machine state is not trusted then. */
void boot_set_exit_hook(void (*fn)(void));
void boot_run_exit_hook(void);

/* The reserved list umbra_reserved_region() reports (set once at boot). */
void boot_runtime_set_memmap(const struct boot_memmap_result *res);

/* Console output without the app-facing checks. */
int boot_vprintf(const char *fmt, va_list ap);
int boot_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
