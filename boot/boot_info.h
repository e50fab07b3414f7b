/*
 * What boot/efi_main.c hands the kernel entry after ExitBootServices. Everything it
 * points to lives in EfiLoaderData pages that the page allocator never receives.
 */
#ifndef UMBRA_BOOT_INFO_H
#define UMBRA_BOOT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#define BOOT_MAX_ARGS 32
#define BOOT_MAX_UNACCEPTED 64
#define BOOT_EFI_UNACCEPTED 15          /* EfiUnacceptedMemoryType (UEFI 2.9) */

struct boot_range {
	uint64_t base;
	uint64_t npages;
};

/* A stack: [guard, guard+4K) is left unmapped, [guard+4K, top) is the stack. */
struct boot_stack {
	uint64_t guard;
	uint64_t top;
};

enum boot_tsc_source {
	BOOT_TSC_CPUID15 = 1,           /* CPUID 0x15 crystal * ratio */
	BOOT_TSC_CPUID16,               /* CPUID 0x16 base MHz */
	BOOT_TSC_HV_MSR,                /* Hyper-V HV_X64_MSR_TSC_FREQUENCY */
	BOOT_TSC_STALL,                 /* calibrated against UEFI Stall() */
};

struct boot_info {
	/* the loaded image as the firmware placed it */
	uint64_t image_base;
	uint64_t image_size;

	/* final EFI memory map (the one ExitBootServices accepted) */
	const void *mmap;
	uint64_t mmap_size;
	uint64_t mmap_desc_size;
	uint32_t mmap_desc_version;
	unsigned ebs_attempts;

	/* UEFI runtime services (identity mapped; SetVirtualAddressMap never called) */
	void *efi_rt;
	uint64_t acpi_rsdp;             /* ACPI 2.0+ RSDP (or 1.0), 0 if none */

	/* memory the firmware left unaccepted (SNP/TDX); never given to the allocator */
	struct boot_range unaccepted[BOOT_MAX_UNACCEPTED];
	unsigned unaccepted_count;
	bool unaccepted_overflow;

	/* pre-allocated EfiLoaderData: kernel + IST stacks, and an arena for page tables */
	struct boot_stack kstack;
	struct boot_stack ist[3];       /* #DF, NMI, #MC */
	uint64_t pt_arena;
	uint64_t pt_arena_pages;

	/* TSC: frequency, how it was found, and timestamps of the boot phases */
	uint64_t tsc_hz;
	enum boot_tsc_source tsc_source;
	uint64_t tsc_entry;             /* efi_main entry = time 0 */
	uint64_t tsc_ebs;               /* ExitBootServices returned */

	/* load options as argv (ASCII; non-ASCII UTF-16 becomes '?') */
	int argc;
	char *argv[BOOT_MAX_ARGS + 1];
};

/* The boot information of the running image (valid once the kernel entry started;
 * NULL before). Later layers read unaccepted[] and the memory map from here. */
const struct boot_info *boot_info_get(void);

/* Kernel entry, on the kernel stack, interrupts off, firmware GDT/IDT/CR3 still live. */
_Noreturn void boot_kernel_main(struct boot_info *bi);

#endif
