/*
 * TDX: TDCALL leaves TDG.VP.INFO (Linux arch/x86/coco/tdx/tdx.c tdx_parse_tdinfo) and
 * TDG.VP.VMCALL (openvmm openhcl/virt_mshv_vtl/src/processor/tdx/mod.rs handle_tdvmcall,
 * TdHypercall; vm/x86/x86defs/src/tdx.rs TdVmCallSubFunction, TdVmCallR10Result; Linux
 * arch/x86/hyperv/ivm.c hv_tdx_msr_read/write, hv_tdx_hypercall; rule by rule in
 * docs/sim-fidelity.md "TDX"). A VMCALL with
 * R10 != 0 is a Hyper-V hypercall (untrusted); R10 == 0 is a GHCI call: RDMSR (31) /
 * WRMSR (32) to the hypervisor SynIC, MapGPA (0x10001, fully enlightened `tdx` only),
 * ReportFatalError (0x10003). Registers not exposed in RCX read as 0 and are not written.
 */
#include "sim/sim_int.h"

#define TDX_OPERAND_INVALID 0xC000010000000000ull
#define VMCALL_OK 0
#define VMCALL_RETRY 1
#define VMCALL_INVALID 0x8000000000000000ull

static uint64_t map_gpa(uint64_t start, uint64_t size, uint64_t *resume)
{
	if ((start & 0xFFF) || (size & 0xFFF) || size == 0)
		return VMCALL_INVALID;
	enum sim_vis vis = (start & S->boundary) ? SIM_VIS_SHARED : SIM_VIS_PRIVATE;
	uint64_t base = start & ~S->boundary, n = size / 4096, lim = n;
	if (n > 1 && sim_chance(S->cfg.hostile.visibility_partial_pm)) {
		sim_hostile_note();
		lim = 1 + sim_rand() % (n - 1);
	}
	S->st.visibility_calls++;
	for (uint64_t i = 0; i < lim; i++)
		if (sim_change_vis((base >> 12) + i, vis) != 0)
			return VMCALL_INVALID;
	if (lim < n) {
		*resume = start + lim * 4096;
		return VMCALL_RETRY;
	}
	return VMCALL_OK;
}

uint64_t hw_tdcall(struct hw_tdcall_regs *r)
{
	if (!S->up || !r)
		return TDX_OPERAND_INVALID;
	sim_enter();
	S->st.tdcalls++;
	uint64_t rax = 0;
	if (!sim_is_tdx()) {
		sim_fault("TDCALL outside a TDX guest (#UD)");
		rax = TDX_OPERAND_INVALID;
	} else if (r->rax == 1) {
		r->rcx = 48;
		r->rdx = 1ull << 28; /* SEPT_VE_DISABLE */
		r->r8 = S->cfg.nvp | ((uint64_t)S->cfg.nvp << 32);
		r->r9 = S->cur_vp;
	} else if (r->rax == 0) {
		S->st.tdvmcalls++;
		uint64_t m = r->rcx;
#define EXP(reg, bit) ((m & (1ull << (bit))) ? r->reg : 0)
		uint64_t r10 = EXP(r10, 10), r11 = EXP(r11, 11), r12 = EXP(r12, 12), r13 = EXP(r13, 13);
		uint64_t o10 = VMCALL_OK, o11 = r11;
		if (r10 != 0) {
			if (!sim_has_hv())
				o10 = VMCALL_INVALID;
			else {
				o11 = sim_hcall_dispatch(ROUTE_TDCALL, r10, EXP(rdx, 2), EXP(r8, 8), NULL, 0);
				o10 = 0;
			}
		} else if (r11 == 31 || r11 == 32) {
			uint64_t v = r13;
			if (!sim_has_hv() || !sim_hv_msr_untrusted((uint32_t)r12, &v, r11 == 32))
				o10 = VMCALL_INVALID;
			else if (r11 == 31)
				o11 = v;
		} else if (r11 == 0x10001) {
			if (!sim_is_enlightened())
				o10 = VMCALL_INVALID; /* the paravisor owns page state: use 0x00DB */
			else
				o10 = map_gpa(r12, r13, &o11);
		} else if (r11 == 0x10003) {
			S->term.terminated = true;
			S->term.tdx_error = r12;
			sim_logf("TDX ReportFatalError 0x%llx", (unsigned long long)r12);
		} else if (r11 == 12) {
			o10 = VMCALL_OK; /* HLT */
		} else {
			o10 = VMCALL_INVALID;
		}
		if (m & (1ull << 10))
			r->r10 = o10;
		if (m & (1ull << 11))
			r->r11 = o11;
#undef EXP
	} else {
		rax = TDX_OPERAND_INVALID;
	}
	r->rax = rax;
	sim_leave();
	return rax;
}
