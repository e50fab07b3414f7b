/*
 * What boot/efi_main.c hands the kernel entry after ExitBootServices: struct boot_info
 * (defined in arch/x86_64/boot_handoff.h, which arch/ reads too), the accessor and the
 * kernel entry.
 */
#ifndef UMBRA_BOOT_INFO_H
#define UMBRA_BOOT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/boot_handoff.h"

/* The boot information of the running image (valid once the kernel entry started;
 * NULL before). Later layers read unaccepted[] and the memory map from here. */
const struct boot_info *boot_info_get(void);

/* Kernel entry, on the kernel stack, interrupts off, firmware GDT/IDT/CR3 still live. */
_Noreturn void boot_kernel_main(struct boot_info *bi);

#endif
