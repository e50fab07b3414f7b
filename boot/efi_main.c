/*
 * UEFI entry. gnu-efi's crt0 (_start) relocates the image and calls efi_main with the
 * SysV ABI (so efi_main is not EFIAPI); firmware calls below are EFIAPI (ms_abi via
 * GNU_EFI_USE_MS_ABI). Before ExitBootServices: banner on ConOut, load options (or the
 * options file) -> argv, ACPI RSDP, TSC frequency, UEFI GetTime, and every allocation
 * the kernel needs later (memory-map buffer with slack, stacks, page-table arena), all as
 * EfiLoaderData so the page allocator never receives them. Then the ExitBootServices retry loop: after a failed
 * attempt only GetMemoryMap and ExitBootServices are called (UEFI 2.8 rule).
 */
#include <efi.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "boot/boot_info.h"
#include "boot/cmdline.h"
#include "boot/optpath.h"
#include "boot/runtime.h"
#include "hv/ident.h"
#include "hv/tlfs.h"
#include "lib/string.h"

#define PAGE 4096ull
#define KSTACK_PAGES 64         /* 256 KiB */
#define IST_PAGES 4             /* 16 KiB each */
#define MAP_SLACK_DESCS 32
#define EBS_MAX_ATTEMPTS 8

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

static struct boot_info bi;
static char argbuf[BOOT_ARG_BYTES];

static void con(EFI_SYSTEM_TABLE *st, CHAR16 *s)
{
	if (st->ConOut)
		st->ConOut->OutputString(st->ConOut, s);
}

/* Load options -> argv (boot/cmdline.h): UCS-2 text only (boot-manager entries may carry
 * binary optional data, which is ignored); argv[0] is the image name when the first word
 * ends in .efi (as the UEFI Shell passes it), else "umbra". */
static void add_load_options(struct boot_cmdline *c, const EFI_LOADED_IMAGE *li)
{
	if (li && li->LoadOptions && li->LoadOptionsSize)
		boot_cmdline_add(c, li->LoadOptions, li->LoadOptionsSize,
				 BOOT_CMDLINE_UCS2 | BOOT_CMDLINE_IMAGE_NAME);
}

/*
 * The options file (docs/boot.md, "Load options"), read when the load options hold no
 * word: BOOT_OPTFILE_NAME in the directory of the image's file path, on the volume it
 * was loaded from. The ESP is the host's in a confidential VM: at most BOOT_OPTFILE_MAX
 * bytes are read into a pool buffer that is freed again, and the text goes through the
 * same parser as the load options.
 */
static void add_options_file(EFI_BOOT_SERVICES *bs, const EFI_LOADED_IMAGE *li,
			     struct boot_cmdline *c)
{
	static const EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = NULL;
	EFI_FILE_PROTOCOL *root = NULL, *f = NULL;
	uint16_t path[BOOT_OPTPATH_MAX];
	uint8_t *buf = NULL;
	UINTN total = 0;
	EFI_STATUS s;

	bi.opt_file_status = BOOT_OPTFILE_ABSENT;
	if (!li || bs->HandleProtocol(li->DeviceHandle, (EFI_GUID *)&sfs_guid,
				      (void **)&fs) != EFI_SUCCESS || !fs)
		return;
	if (boot_optpath(li->FilePath, BOOT_DEVPATH_MAX, BOOT_OPTFILE_NAME, path,
			 BOOT_OPTPATH_MAX)) {
		bi.opt_file_status = BOOT_OPTFILE_BAD_PATH;
		return;
	}
	size_t i = 0;
	for (; path[i] && i + 1 < sizeof bi.opt_file; i++)
		bi.opt_file[i] = path[i] < 0x7f ? (char)path[i] : '?';
	bi.opt_file[i] = 0;
	s = fs->OpenVolume(fs, &root);
	if (s == EFI_SUCCESS)
		s = root->Open(root, &f, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
	if (s == EFI_SUCCESS)
		s = bs->AllocatePool(EfiLoaderData, BOOT_OPTFILE_MAX + 1, (void **)&buf);
	/* Read may return less than asked: loop until it returns nothing or one byte past
	 * the limit is in (the file is then too big, whatever its size). */
	while (s == EFI_SUCCESS && total <= BOOT_OPTFILE_MAX) {
		UINTN n = BOOT_OPTFILE_MAX + 1 - total;
		s = f->Read(f, &n, buf + total);
		if (s != EFI_SUCCESS || !n)
			break;
		if (n > BOOT_OPTFILE_MAX + 1 - total) {
			s = EFI_BAD_BUFFER_SIZE;        /* more than asked for */
			break;
		}
		total += n;
	}
	bi.opt_file_size = total;
	if (s == EFI_NOT_FOUND && !buf) {
		bi.opt_file_status = BOOT_OPTFILE_ABSENT;
	} else if (s != EFI_SUCCESS) {
		bi.opt_file_status = BOOT_OPTFILE_READ_ERROR;
		bi.opt_file_size = s;
	} else if (total > BOOT_OPTFILE_MAX) {
		bi.opt_file_status = BOOT_OPTFILE_TOO_BIG;
	} else if (!boot_cmdline_add(c, buf, total, BOOT_CMDLINE_FILE)) {
		bi.opt_file_status = BOOT_OPTFILE_NOT_TEXT;
	} else {
		bi.opt_file_status = BOOT_OPTFILE_USED;
		bi.opt_source = BOOT_OPT_FILE;
	}
	if (buf)
		bs->FreePool(buf);
	if (f)
		f->Close(f);
	if (root)
		root->Close(root);
}

static void read_options(EFI_BOOT_SERVICES *bs, const EFI_LOADED_IMAGE *li)
{
	struct boot_cmdline c;

	boot_cmdline_init(&c, argbuf, sizeof argbuf, bi.argv, BOOT_MAX_ARGS);
	add_load_options(&c, li);
	if (c.words)
		bi.opt_source = BOOT_OPT_LOADOPTS;
	else
		add_options_file(bs, li, &c);
	bi.argc = c.argc;
	bi.arg_words = c.words;
	bi.args_dropped = c.dropped_words;
	bi.arg_bytes_dropped = c.dropped_bytes;
}

/* UEFI GetTime while boot services still run (docs/boot.md, "Wall clock"); the kernel
 * converts and checks it (boot/efi_time.h). */
static void save_time(EFI_SYSTEM_TABLE *st)
{
	EFI_TIME t;

	_Static_assert(sizeof(t) == sizeof(bi.efi_time), "EFI_TIME layout");
	memset(&t, 0, sizeof t);
	bi.efi_time_status = st->RuntimeServices && st->RuntimeServices->GetTime ?
			     st->RuntimeServices->GetTime(&t, NULL) : EFI_UNSUPPORTED;
	bi.efi_time_tsc = cpu_rdtsc();
	memcpy(&bi.efi_time, &t, sizeof t);
}

static bool guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static uint64_t find_rsdp(EFI_SYSTEM_TABLE *st)
{
	static const EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	uint64_t v1 = 0;

	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
		if (guid_eq(&t->VendorGuid, &acpi20))
			return (uint64_t)(uintptr_t)t->VendorTable;
		if (guid_eq(&t->VendorGuid, &acpi10))
			v1 = (uint64_t)(uintptr_t)t->VendorTable;
	}
	return v1;
}

/* TSC Hz: CPUID 0x15, the Hyper-V frequency MSR (when the identification says Hyper-V
 * and 0x40000003 EAX bit 11), CPUID 0x16, else UEFI Stall. */
static void tsc_frequency(EFI_BOOT_SERVICES *bs)
{
	uint32_t r[4];

	cpu_cpuid(0, 0, r);
	uint32_t max = r[0];
	if (max >= 0x15) {
		cpu_cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2]) {
			bi.tsc_hz = (uint64_t)r[2] * r[1] / r[0];
			bi.tsc_source = BOOT_TSC_CPUID15;
			return;
		}
	}
	const struct hv_ident *hv = hv_ident();
	if (hv->hyperv && (hv->features_eax & HV_EAX_ACCESS_FREQUENCY_MSRS)) {
		bi.tsc_hz = cpu_rdmsr(HV_MSR_TSC_FREQUENCY);
		bi.tsc_source = BOOT_TSC_HV_MSR;
		if (bi.tsc_hz)
			return;
	}
	if (max >= 0x16) {
		cpu_cpuid(0x16, 0, r);
		if (r[0] & 0xffff) {
			bi.tsc_hz = (uint64_t)(r[0] & 0xffff) * 1000000ull;
			bi.tsc_source = BOOT_TSC_CPUID16;
			return;
		}
	}
	/* 10 ms against Stall, the shortest window that stays accurate under TCG. */
	uint64_t t0 = cpu_rdtsc();
	bs->Stall(10000);
	uint64_t t1 = cpu_rdtsc();
	bi.tsc_hz = (t1 - t0) * 100;
	bi.tsc_source = BOOT_TSC_STALL;
}

static EFI_STATUS alloc_pages(EFI_BOOT_SERVICES *bs, uint64_t npages, uint64_t *out)
{
	EFI_PHYSICAL_ADDRESS a = 0;
	EFI_STATUS s = bs->AllocatePages(AllocateAnyPages, EfiLoaderData, npages, &a);

	*out = a;
	return s;
}

static void kernel_entry(void *arg)
{
	boot_kernel_main(arg);
}

/* Debug-only: the load option umbra.test_ebs_retry makes the first ExitBootServices
 * attempt use a stale map key, exercising the retry path; umbra.test_ebs_fail makes
 * every attempt stale, exercising the failure path, and wins over the other. Both are
 * bare flags: "=..." is a bad value, ignored as rt/options.c does. Returns the attempts
 * to spoil. */
static int want_ebs_stale_test(void)
{
	int n = 0;

	for (int i = 1; i < bi.argc; i++) {
		if (strcmp(bi.argv[i], "umbra.test_ebs_fail") == 0)
			n = EBS_MAX_ATTEMPTS;
		else if (strcmp(bi.argv[i], "umbra.test_ebs_retry") == 0 && !n)
			n = 1;
	}
	return n;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	static const EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_BOOT_SERVICES *bs = st->BootServices;
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS s;

	bi.tsc_entry = cpu_rdtsc();
	/* The one Hyper-V identification (hv/ident.h), before anything reads CPUID. */
	arch_hv_ident();
	con(st, L"umbra: UEFI hand-off, taking over the machine\r\n");

	if (bs->HandleProtocol(image, (EFI_GUID *)&li_guid, (void **)&li) == EFI_SUCCESS && li) {
		bi.image_base = (uint64_t)(uintptr_t)li->ImageBase;
		bi.image_size = li->ImageSize;
	}
	read_options(bs, li);
	bi.acpi_rsdp = find_rsdp(st);
	bi.efi_rt = st->RuntimeServices;
	tsc_frequency(bs);
	save_time(st);

	/* Memory-map buffer with slack for the allocations below and map growth. */
	UINTN map_size = 0, key = 0, dsz = 0;
	UINT32 dver = 0;
	s = bs->GetMemoryMap(&map_size, NULL, &key, &dsz, &dver);
	if (s != EFI_BUFFER_TOO_SMALL || dsz < sizeof(EFI_MEMORY_DESCRIPTOR))
		goto fail;
	uint64_t cap = map_size + MAP_SLACK_DESCS * dsz, map_pa;
	if (alloc_pages(bs, (cap + PAGE - 1) / PAGE, &map_pa) != EFI_SUCCESS)
		goto fail;
	cap = (cap + PAGE - 1) & ~(PAGE - 1);
	void *map = (void *)(uintptr_t)map_pa;
	map_size = cap;
	if (bs->GetMemoryMap(&map_size, map, &key, &dsz, &dver) != EFI_SUCCESS)
		goto fail;

	/* Page-table arena sized from this map; stacks with a guard page below each. */
	bi.pt_arena_pages = arch_paging_pages_needed(map, map_size, dsz, bi.image_size);
	if (alloc_pages(bs, bi.pt_arena_pages, &bi.pt_arena) != EFI_SUCCESS)
		goto fail;
	uint64_t stacks;
	if (alloc_pages(bs, 1 + KSTACK_PAGES + 3 * (1 + IST_PAGES), &stacks) != EFI_SUCCESS)
		goto fail;
	bi.kstack.guard = stacks;
	bi.kstack.top = stacks + (1 + KSTACK_PAGES) * PAGE;
	for (int i = 0; i < 3; i++) {
		bi.ist[i].guard = bi.kstack.top + i * (1 + IST_PAGES) * PAGE;
		bi.ist[i].top = bi.ist[i].guard + (1 + IST_PAGES) * PAGE;
	}

	int stale = want_ebs_stale_test();
	con(st, L"umbra: ExitBootServices\r\n");
	for (bi.ebs_attempts = 1; bi.ebs_attempts <= EBS_MAX_ATTEMPTS; bi.ebs_attempts++) {
		map_size = cap;
		s = bs->GetMemoryMap(&map_size, map, &key, &dsz, &dver);
		if (s != EFI_SUCCESS)
			break;
		s = bs->ExitBootServices(image, stale-- > 0 ? key + 1 : key);
		if (s == EFI_SUCCESS)
			break;
	}
	if (s != EFI_SUCCESS) {
		/* Boot services may be half gone (only GetMemoryMap/ExitBootServices are
		 * allowed now): report on COM1, then power off with the fatal status through
		 * debug-exit / runtime services / ACPI, never back into the firmware. */
		static const char msg[] = "umbra: FATAL ExitBootServices failed\n";
		cpu_cli();
		arch_serial_init();
		arch_serial_write(msg, sizeof msg - 1);
		boot_poweroff_setup(&bi, boot_debug_exit_wanted(&bi));
		boot_poweroff(BOOT_STATUS_CRASH);
	}
	cpu_cli();
	bi.tsc_ebs = cpu_rdtsc();
	bi.mmap = map;
	bi.mmap_size = map_size;
	bi.mmap_desc_size = dsz;
	bi.mmap_desc_version = dver;
	arch_switch_stack(bi.kstack.top, kernel_entry, &bi);

fail:
	con(st, L"umbra: FATAL boot allocation failed\r\n");
	return EFI_OUT_OF_RESOURCES;
}
