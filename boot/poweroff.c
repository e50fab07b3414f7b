/*
 * Power-off, in this order:
 *  1. QEMU isa-debug-exit (port 0xf4), only when the hypervisor signature is QEMU's
 *     (TCG or KVM) or the load option umbra.debug_exit=1 forces it (=0 disables it):
 *     writes 0x10 + status for 0 <= status <= 111, else 0x7f. QEMU then exits with
 *     (value << 1) | 1, i.e. 33 + 2 * status (33 = success, 255 = out of range).
 *  2. UEFI ResetSystem(EfiResetShutdown) through the preserved runtime services.
 *  3. ACPI S5: PM1a/PM1b_CNT from the FADT, SLP_TYPa from the DSDT's \_S5 package.
 *  4. cli; hlt forever.
 * The load option umbra.poweroff=acpi skips step 2 (to test step 3).
 */
#include <efi.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "boot/runtime.h"
#include "hv/ident.h"
#include "lib/string.h"

#define DEBUG_EXIT_PORT 0xf4

static EFI_RUNTIME_SERVICES *rt;
static uint64_t rsdp;
static bool debug_exit;

bool boot_debug_exit_wanted(const struct boot_info *bi)
{
	/* The identification efi_main made (arch_hv_ident detects only if none was). */
	bool qemu = hv_ident_is_qemu(arch_hv_ident());
	for (int i = 1; i < bi->argc; i++) {
		if (!strcmp(bi->argv[i], "umbra.debug_exit=1"))
			qemu = true;
		else if (!strcmp(bi->argv[i], "umbra.debug_exit=0"))
			qemu = false;
	}
	return qemu;
}

void boot_poweroff_setup(const struct boot_info *bi, bool qemu_debug_exit)
{
	rt = bi->efi_rt;
	/* Test hook: the load option umbra.poweroff=acpi skips ResetSystem. */
	for (int i = 1; i < bi->argc; i++)
		if (!strcmp(bi->argv[i], "umbra.poweroff=acpi"))
			rt = NULL;
	rsdp = bi->acpi_rsdp;
	debug_exit = qemu_debug_exit;
}

static const uint8_t *acpi_table(uint64_t pa, uint32_t *len)
{
	if (!pa || !arch_paging_mapped(pa, 36))
		return NULL;
	const uint8_t *t = (const uint8_t *)(uintptr_t)pa;
	uint32_t l;
	memcpy(&l, t + 4, 4);
	if (l < 36 || l > (64u << 20) || !arch_paging_mapped(pa, l))
		return NULL;
	*len = l;
	return t;
}

static const uint8_t *acpi_find(const char sig[4], uint32_t *len)
{
	const uint8_t *r = (const uint8_t *)(uintptr_t)rsdp;
	uint32_t rl, el;

	if (!rsdp || !arch_paging_mapped(rsdp, 36) || memcmp(r, "RSD PTR ", 8))
		return NULL;
	uint64_t xsdt = 0;
	uint32_t rsdt;
	memcpy(&rsdt, r + 16, 4);
	if (r[15] >= 2)
		memcpy(&xsdt, r + 24, 8);
	const uint8_t *sdt = acpi_table(xsdt ? xsdt : rsdt, &rl);
	if (!sdt)
		return NULL;
	unsigned esz = xsdt ? 8 : 4;
	for (uint32_t off = 36; off + esz <= rl; off += esz) {
		uint64_t e = 0;
		memcpy(&e, sdt + off, esz);
		const uint8_t *t = acpi_table(e, &el);
		if (t && !memcmp(t, sig, 4)) {
			*len = el;
			return t;
		}
	}
	return NULL;
}

/* SLP_TYPa of \_S5 (AML: "_S5_" PackageOp PkgLength NumElements value...), else 0. */
static uint16_t s5_slp_typ(const uint8_t *fadt, uint32_t flen)
{
	uint64_t dsdt = 0;
	uint32_t d32 = 0, dl;

	if (flen >= 148)
		memcpy(&dsdt, fadt + 140, 8);
	if (!dsdt && flen >= 44) {
		memcpy(&d32, fadt + 40, 4);
		dsdt = d32;
	}
	const uint8_t *d = acpi_table(dsdt, &dl);
	if (!d)
		return 0;
	for (uint32_t i = 36; i + 8 < dl; i++) {
		if (memcmp(d + i, "_S5_", 4) || d[i + 4] != 0x12)
			continue;
		uint32_t j = i + 5;
		j += 1 + (d[j] >> 6);           /* PkgLength */
		j += 1;                         /* NumElements */
		if (j >= dl)
			return 0;
		if (d[j] == 0x0a && j + 1 < dl)
			return d[j + 1] & 7;    /* BytePrefix */
		if (d[j] == 0x01)
			return 1;               /* OneOp */
		return d[j] <= 7 ? d[j] : 0;    /* ZeroOp or a raw small value */
	}
	return 0;
}

static void acpi_s5(void)
{
	uint32_t flen;
	const uint8_t *f = acpi_find("FACP", &flen);
	uint32_t pm1a = 0, pm1b = 0;

	if (f && flen >= 72) {
		memcpy(&pm1a, f + 64, 4);
		memcpy(&pm1b, f + 68, 4);
	}
	if (!pm1a && flen >= 184 && f && f[172] == 1)   /* X_PM1a_CNT_BLK in I/O space */
		memcpy(&pm1a, f + 176, 4);
	uint16_t typ = f ? s5_slp_typ(f, flen) : 0;
	uint16_t v = (uint16_t)((typ << 10) | (1u << 13));
	bool fadt = pm1a && pm1a < 0x10000;
	boot_printf("umbra: poweroff acpi-s5 pm1a=0x%x slp_typ=%u from=%s\n",
		    fadt ? (unsigned)pm1a : 0x604u, (unsigned)typ, fadt ? "fadt" : "fallback");
	arch_serial_flush();
	if (fadt) {
		cpu_outw((uint16_t)pm1a, v);
		if (pm1b && pm1b < 0x10000)
			cpu_outw((uint16_t)pm1b, v);
	} else {
		cpu_outw(0x604, v);             /* QEMU q35 */
		cpu_outw(0xb004, v);            /* QEMU pc (PIIX4) */
	}
}

_Noreturn void boot_poweroff(int status)
{
	cpu_cli();
	boot_printf("umbra: exit status=%d\n", status);
	arch_serial_flush();
	if (debug_exit) {
		uint8_t v = status >= 0 && status <= 111 ? (uint8_t)(0x10 + status) : 0x7f;
		cpu_outb(DEBUG_EXIT_PORT, v);
	}
	if (rt) {
		boot_printf("umbra: poweroff resetsystem\n");
		arch_serial_flush();
		rt->ResetSystem(EfiResetShutdown, status ? EFI_ABORTED : EFI_SUCCESS, 0, NULL);
	}
	acpi_s5();
	for (;;)
		cpu_hlt();
}
