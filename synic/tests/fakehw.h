/*
 * A recording implementation of arch/x86_64/hw.h for synic/ unit tests: a small RAM
 * arena, a CPUID table, plain MSRs, a hypervisor MSR file reached by the GHCB / TDVMCALL
 * exits, and a log of every exit with the bytes the hypervisor would have seen.
 */
#ifndef UMBRA_SYNIC_TESTS_FAKEHW_H
#define UMBRA_SYNIC_TESTS_FAKEHW_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/hw.h"

#define FAKE_RAM_BASE  0x100000ull
#define FAKE_RAM_PAGES 128
#define FAKE_LOG 512

enum fake_kind { F_WRMSR, F_HCALL, F_GHCB_HCALL, F_GHCB_MSR, F_TDX_HCALL, F_TDX_MSR, F_GHCB_PROTO };

struct fake_exit {
	enum fake_kind kind;
	uint32_t msr;
	bool write;
	uint64_t value;          /* MSR value */
	uint64_t control, in, out;
	uint8_t input[256];      /* hypercall input as seen at the exit */
	uint64_t rcx_mask;       /* TDX: registers exposed */
	uint8_t valid[16];       /* GHCB valid bitmap at the exit */
	uint32_t usage;          /* GHCB usage at the exit */
	uint64_t info1;
};

struct fake_hw {
	uint64_t boundary;
	uint32_t cpuid[8][5];    /* leaf, eax, ebx, ecx, edx */
	int ncpuid;
	uint64_t pv_msr[0x100];  /* 0x40000000..0x400000FF plain */
	uint64_t hv_msr[0x100];  /* reached by GHCB / TDVMCALL */
	uint64_t ghcb_msr;
	uint64_t ghcb_gpa;
	struct fake_exit log[FAKE_LOG];
	int nlog;
	uint16_t hcall_status;   /* returned by every hypercall */
	uint32_t vis_partial;    /* first 0xDB call completes only this many reps (0 = all) */
	uint32_t vis_fail_in;    /* the vis_fail_in-th 0xDB call from now fails (status 11) */
	uint32_t vis_fail_reps;  /* with this many reps completed */
	hw_irq_fn irq_fn;
	void *irq_ctx;
	uint8_t irq_vector;
	uint64_t now;
	bool irq_enabled;
	bool hypercall_unfilled; /* the hypervisor leaves the hypercall page zero */
	uint64_t sev_info;       /* SEV_INFO answer (0 = max 2, min 1, C-bit 51) */
	uint32_t vp_index;       /* HV_X64_MSR_VP_INDEX */
};

extern struct fake_hw F;
extern uint8_t fake_ram[FAKE_RAM_PAGES * 4096];

/* platform: 0 none, 1 hyperv, 2 snp-paravisor, 3 tdx-paravisor, 4 snp-legacy. */
void fake_init(int platform);
/* Take a zeroed page from the arena (GPA). */
uint64_t fake_page(void);
int fake_count(enum fake_kind k, uint32_t msr);
const struct fake_exit *fake_last(enum fake_kind k, uint32_t msr);

#endif
