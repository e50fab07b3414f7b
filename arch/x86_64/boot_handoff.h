/*
 * The hand-off from the UEFI stage to the kernel: what boot/efi_main.c fills before and
 * after ExitBootServices (struct boot_info) and the UEFI memory-descriptor layout it
 * passes on. Types only. They live here, at the bottom, because arch/ reads them
 * (arch_gdt_init, arch_paging_init, paging_build.c) and arch/ includes nothing from
 * boot/; boot/boot_info.h and boot/memmap.h include this header. Everything a
 * boot_info points to lives in EfiLoaderData pages that the page allocator never receives.
 */
#ifndef UMBRA_ARCH_BOOT_HANDOFF_H
#define UMBRA_ARCH_BOOT_HANDOFF_H

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

/* UEFI EFI_MEMORY_DESCRIPTOR (version 1). The map's stride is desc_size, not sizeof. */
struct boot_efi_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t npages;
	uint64_t attribute;
};
_Static_assert(sizeof(struct boot_efi_desc) == 40, "EFI_MEMORY_DESCRIPTOR v1 layout");

#endif
