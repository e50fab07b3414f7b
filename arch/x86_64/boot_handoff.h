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

#define BOOT_MAX_ARGS 32               /* argv entries, argv[0] included */
#define BOOT_ARG_BYTES 1024             /* their text, NULs included */
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

/* Where argv came from (docs/boot.md, "Load options"). */
enum boot_opt_source {
	BOOT_OPT_NONE,
	BOOT_OPT_LOADOPTS,              /* LoadedImage->LoadOptions */
	BOOT_OPT_FILE,                  /* the options file on the image's volume */
};

/* What became of the options file (tried only when the load options hold no word). */
enum boot_opt_file {
	BOOT_OPTFILE_NOT_TRIED,
	BOOT_OPTFILE_USED,
	BOOT_OPTFILE_ABSENT,            /* no file system, or no such file */
	BOOT_OPTFILE_BAD_PATH,          /* the image's device path gave no usable path */
	BOOT_OPTFILE_TOO_BIG,           /* larger than BOOT_OPTFILE_MAX */
	BOOT_OPTFILE_NOT_TEXT,          /* boot/cmdline.h: not text */
	BOOT_OPTFILE_READ_ERROR,        /* opt_file_size holds the EFI status */
};
#define BOOT_OPTFILE_MAX 4096           /* bytes */

/* UEFI EFI_TIME (UEFI 2.10 section 8.3, GetTime). */
struct boot_efi_time {
	uint16_t year;                  /* 1900..9999 */
	uint8_t month;                  /* 1..12 */
	uint8_t day;                    /* 1..31 */
	uint8_t hour;                   /* 0..23 */
	uint8_t minute;                 /* 0..59 */
	uint8_t second;                 /* 0..59 */
	uint8_t pad1;
	uint32_t nanosecond;            /* 0..999999999 */
	int16_t timezone;               /* -1440..1440 minutes, or 2047 (unspecified) */
	uint8_t daylight;               /* bits 0 (adjust) and 1 (in daylight) */
	uint8_t pad2;
} __attribute__((packed));
_Static_assert(sizeof(struct boot_efi_time) == 16, "EFI_TIME layout");

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

	/* load options as argv (ASCII; non-ASCII becomes '?'; boot/cmdline.h), with the
	 * runtime's umbra.* words still in it; argc counts argv[0] */
	int argc;
	char *argv[BOOT_MAX_ARGS + 1];
	unsigned arg_words;             /* words read (argv[0] from an image name not counted) */
	unsigned args_dropped;          /* of them, dropped: argv or its buffer full */
	unsigned arg_bytes_dropped;     /* their characters */
	enum boot_opt_source opt_source;
	char opt_file[128];             /* the options file tried (ASCII), "" if none */
	enum boot_opt_file opt_file_status;
	uint64_t opt_file_size;         /* its size, or the EFI status of a failed read */

	/* UEFI GetTime just before the memory map is read (boot/efi_time.h) */
	struct boot_efi_time efi_time;
	uint64_t efi_time_status;       /* its EFI_STATUS (0 = success) */
	uint64_t efi_time_tsc;          /* TSC when it returned */
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
