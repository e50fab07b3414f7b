/*
 * hv/: the bottom layer's Hyper-V identification. One decoder of the CPUID leaves that
 * say which hypervisor this is and how the partition is isolated (hv/tlfs.h), and the one
 * result the runtime detected, which every consumer reads: arch/ (the shared-GPA alias
 * window), boot/ (TSC frequency MSR, QEMU debug-exit), the boot log, synic/.
 *
 * Portable: the caller passes the CPUID function, so host tests play any platform
 * (hv/tests/ident_test.c). Depends on nothing but lib/ and umbra/errno.h.
 */
#ifndef UMBRA_HV_IDENT_H
#define UMBRA_HV_IDENT_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*hv_cpuid_fn)(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

struct hv_ident {
	bool hypervisor;                /* CPUID.1 ECX bit 31 */
	char signature[13];             /* 0x40000000 EBX:ECX:EDX, NUL-terminated; "" when
					 * no hypervisor bit (the leaf is then not read) */
	uint32_t max_leaf;              /* 0x40000000 EAX (0 when not read) */
	bool hyperv;                    /* hypervisor, "Microsoft Hv", max_leaf >= 0x40000003 */
	uint32_t features_eax;          /* 0x40000003 EAX, EBX (privileges); 0 unless hyperv */
	uint32_t features_ebx;
	uint32_t features_edx;          /* 0x40000003 EDX (feature flags, HV_EDX_*); 0 unless hyperv */
	bool isolated;                  /* hyperv and 0x40000003 EBX bit 22 */
	/* 0x4000000C, read only when isolated and max_leaf >= 0x4000000C (else all 0): */
	bool paravisor;                 /* EAX bit 0 */
	uint8_t iso_type;               /* EBX[3:0]: HV_ISO_NONE/VBS/SNP/TDX */
	bool boundary_active;           /* EBX bit 5 */
	uint8_t boundary_bit;           /* EBX[11:6], as reported */
	uint8_t maxphyaddr;             /* CPUID 0x80000008 EAX[7:0], read only when the
					 * boundary is active; 0 = not reported */
	/* The shared-GPA boundary 1 << boundary_bit when active and usable (the rule in
	 * hv_ident_detect), else 0. boundary_refused: active but not usable. */
	uint64_t shared_boundary;
	bool boundary_refused;
	bool cvmb_available;            /* 0x40000082 EAX bit 3 (read with 0x4000000C) */
};

/*
 * Reads the leaves through `cpuid` into *out (zeroed first), in this order: 1; 0x40000000
 * only with the hypervisor bit; 0x40000003 only for "Microsoft Hv" with max_leaf >=
 * 0x40000003; 0x4000000C and 0x40000082 only when isolated and max_leaf >= 0x4000000C
 * (0x40000082 is the paravisor's and is read without its 0x40000081 signature, like
 * Linux ms_hyperv_init_platform); 0x80000000 and 0x80000008 only for an active boundary.
 *
 * The one boundary rule: an active boundary bit n is usable when 1 <= n <= HV_PA_MAX_BIT
 * (51, the last bit a page-table entry or a GPA holds) and, when the CPU reports
 * MAXPHYADDR (0x80000008 exists and EAX[7:0] != 0), n < MAXPHYADDR: bit n is then a
 * real physical-address bit. Otherwise no host-visible page could be addressed at all
 * (every access through g | B would hit a reserved PTE bit), so shared_boundary = 0 and
 * boundary_refused is set; refusing is the consumer's call (arch_paging_init stops the
 * boot with UMBRA_ENOTSUP, synic/ sees no boundary).
 *
 * Returns 0 for Hyper-V (hyperv set), UMBRA_ENODEV otherwise (*out still filled: another
 * hypervisor's signature, or none), UMBRA_EINVAL for NULL arguments.
 */
int hv_ident_detect(hv_cpuid_fn cpuid, struct hv_ident *out);

/*
 * The identification the runtime detected. Before the first hv_ident_init (or after
 * hv_ident_set(NULL)) an all-zero one: no hypervisor known. Never NULL.
 */
const struct hv_ident *hv_ident(void);

/*
 * Once: the first call runs hv_ident_detect(cpuid) and publishes the result; later calls
 * return it and read nothing. At boot the first caller is efi_main (through
 * arch_hv_ident(), with the real CPUID, before the TSC frequency is chosen).
 */
const struct hv_ident *hv_ident_init(hv_cpuid_fn cpuid);

/* Host tests: publish *id as the runtime's identification, or forget it (NULL), so the
 * next hv_ident_init detects again. */
void hv_ident_set(const struct hv_ident *id);

/*
 * The signature for logs: characters outside '!'..'~' become '_' (the first NUL ends
 * it), "none" without a hypervisor or with an empty signature. Returns buf.
 */
const char *hv_ident_name(const struct hv_ident *id, char buf[13]);

/* The signature is QEMU's (TCG or KVM accelerator). */
bool hv_ident_is_qemu(const struct hv_ident *id);

#endif
