/* The three routes: direct (hypercall page, plain MSRs), GHCB (SNP), TDG.VP.VMCALL (TDX). */
#include "synic/synic_int.h"
#include "arch/x86_64/hw.h"
#include "lib/string.h"
#include <umbra/errno.h>

static inline void w64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint64_t r64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static void ghcb_mark_valid(uint8_t *g, uint32_t off)
{
	uint32_t bit = off / 8;
	g[GHCB_BITMAP + bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/*
 * GHCB protocol version negotiation by the MSR protocol, before the GHCB page is used
 * (GHCB spec 2.3.1 SEV Information; Linux arch/x86/hyperv/ivm.c hv_ghcb_negotiate_protocol):
 * save the GHCB MSR (the paravisor's GHCB GPA), write SEV_INFO_REQ, VMGEXIT, read the
 * response, put the GPA back. Linux then issues one more VMGEXIT; nothing requires it (the
 * MSR is the guest's own, read by the hypervisor at the next exit), so we do not.
 * Interrupts off: the handler may use the GHCB for an EOM.
 */
int synic_ghcb_negotiate(void)
{
	bool irq = hw_irq_save_disable();
	uint64_t saved = hw_rdmsr(MSR_SEV_GHCB);
	hw_wrmsr(MSR_SEV_GHCB, GHCB_MSR_SEV_INFO_REQ);
	hw_vmgexit();
	uint64_t v = hw_rdmsr(MSR_SEV_GHCB);
	hw_wrmsr(MSR_SEV_GHCB, saved);
	synic_s.st.ghcb_exits++;
	hw_irq_restore(irq);
	if ((v & GHCB_MSR_INFO_MASK) != GHCB_MSR_SEV_INFO_RESP)
		return UMBRA_EPROTO;
	unsigned max = GHCB_MSR_PROTO_MAX(v), min = GHCB_MSR_PROTO_MIN(v);
	if (max < GHCB_PROTOCOL_MIN || min > GHCB_PROTOCOL_MAX || min > max)
		return UMBRA_ENOTSUP;
	synic_s.ghcb_version = (uint16_t)(max < GHCB_PROTOCOL_MAX ? max : GHCB_PROTOCOL_MAX);
	return 0;
}

/* After negotiation the GHCB MSR keeps the paravisor-provided GHCB GPA: each call is one
 * VMGEXIT. */

/* Hyper-V hypercall through the GHCB (usage 1): input at offset 0, output GPA at 0xFE8,
 * control in / result out at 0xFF0. Interrupts off: the GHCB is one shared page. */
uint64_t synic_ghcb_hypercall(uint64_t control, const void *in, size_t in_len, uint64_t out_gpa)
{
	uint8_t *g = synic_s.ghcb;
	if (!g || !synic_s.ghcb_version || in_len > GHCB_HV_OUTPUT)
		return HV_STATUS_INVALID_PARAMETER;
	/* control never carries the fast bit (synic_hypercall_fast8 sends the slow form):
	 * OpenHCL's GHCB hypercall handler has no fast register pairs and answers
	 * HV_STATUS_INVALID_HYPERCALL_INPUT (openvmm openhcl/virt_mshv_vtl/src/processor/
	 * snp/mod.rs GhcbEnlightenedHypercall); Linux hv_ghcb_hypercall only ever writes the
	 * call code. */
	bool irq = hw_irq_save_disable();
	memset(g, 0, in_len > 16 ? in_len : 16);
	if (in_len)
		memcpy(g, in, in_len);
	w64(g + GHCB_HV_OUTPUT, out_gpa);
	w64(g + GHCB_HV_CONTROL, control);
	uint16_t ver = synic_s.ghcb_version;
	uint32_t usage = GHCB_USAGE_HYPERV;
	memcpy(g + GHCB_VERSION, &ver, 2);
	memcpy(g + GHCB_USAGE, &usage, 4);
	hw_vmgexit();
	uint64_t res = r64(g + GHCB_HV_CONTROL);
	usage = GHCB_USAGE_STANDARD;
	memcpy(g + GHCB_USAGE, &usage, 4);
	synic_s.st.ghcb_exits++;
	hw_irq_restore(irq);
	return res;
}

/* SVM_EXIT_MSR through the GHCB (usage 0). */
static int ghcb_msr(uint32_t msr, uint64_t *value, bool write)
{
	uint8_t *g = synic_s.ghcb;
	if (!g || !synic_s.ghcb_version)
		return UMBRA_EIO;
	bool irq = hw_irq_save_disable();
	memset(g + GHCB_BITMAP, 0, 16);
	w64(g + GHCB_RCX, msr);
	w64(g + GHCB_RAX, write ? (*value & 0xFFFFFFFFull) : 0);
	w64(g + GHCB_RDX, write ? (*value >> 32) : 0);
	w64(g + GHCB_EXITCODE, SVM_EXIT_MSR);
	w64(g + GHCB_EXITINFO1, write ? 1 : 0);
	w64(g + GHCB_EXITINFO2, 0);
	ghcb_mark_valid(g, GHCB_RCX);
	ghcb_mark_valid(g, GHCB_RAX);
	ghcb_mark_valid(g, GHCB_RDX);
	ghcb_mark_valid(g, GHCB_EXITCODE);
	ghcb_mark_valid(g, GHCB_EXITINFO1);
	ghcb_mark_valid(g, GHCB_EXITINFO2);
	uint16_t ver = synic_s.ghcb_version;
	uint32_t usage = GHCB_USAGE_STANDARD;
	memcpy(g + GHCB_VERSION, &ver, 2);
	memcpy(g + GHCB_USAGE, &usage, 4);
	hw_vmgexit();
	int rc = (r64(g + GHCB_EXITINFO1) & 0xFFFFFFFFull) ? UMBRA_EIO : 0;
	if (!rc && !write)
		*value = (r64(g + GHCB_RAX) & 0xFFFFFFFFull) | (r64(g + GHCB_RDX) << 32);
	synic_s.st.ghcb_exits++;
	hw_irq_restore(irq);
	return rc;
}

/* TDG.VP.VMCALL: RCX names the registers passed (bit n = GPR n: RDX 2, R8 8, R10..R13). */
#define TDX_REG(n) (1ull << (n))

static int tdcall_msr(uint32_t msr, uint64_t *value, bool write)
{
	struct hw_tdcall_regs r;
	memset(&r, 0, sizeof(r));
	r.rcx = TDX_REG(10) | TDX_REG(11) | TDX_REG(12) | TDX_REG(13);
	r.r10 = 0;
	r.r11 = write ? TDVMCALL_MSR_WRITE : TDVMCALL_MSR_READ;
	r.r12 = msr;
	r.r13 = write ? *value : 0;
	uint64_t rax = hw_tdcall(&r);
	synic_s.st.tdcalls++;
	if (rax != 0 || r.r10 != 0)
		return UMBRA_EIO;
	if (!write)
		*value = r.r11;
	return 0;
}

uint64_t synic_tdcall_hypercall(uint64_t control, uint64_t rdx, uint64_t r8)
{
	struct hw_tdcall_regs r;
	memset(&r, 0, sizeof(r));
	r.rcx = TDX_REG(2) | TDX_REG(8) | TDX_REG(10) | TDX_REG(11);
	r.r10 = control;
	r.rdx = rdx;
	r.r8 = r8;
	uint64_t rax = hw_tdcall(&r);
	synic_s.st.tdcalls++;
	if (rax != 0)
		return HV_STATUS_ACCESS_DENIED;
	return r.r11;
}

uint64_t synic_hypercall(enum synic_route rt, uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
	synic_s.st.hypercalls++;
	uint64_t b = synic_s.cfg.shared_boundary;
	switch (rt) {
	case SYNIC_ROUTE_DIRECT:
		if (!synic_s.hcpage)
			return HV_STATUS_ACCESS_DENIED;
		return hw_hypercall(synic_s.hcpage, control, in_gpa, out_gpa);
	case SYNIC_ROUTE_GHCB:
		/* The GHCB carries the input itself; only a one-page input is supported. */
		if (!in_gpa)
			return synic_ghcb_hypercall(control, NULL, 0, out_gpa);
		return synic_ghcb_hypercall(control, hw_phys_to_virt(in_gpa),
				      4096 - (in_gpa & 4095) < GHCB_HV_OUTPUT ? 4096 - (in_gpa & 4095) : GHCB_HV_OUTPUT,
				      out_gpa);
	case SYNIC_ROUTE_TDCALL:
		return synic_tdcall_hypercall(control, in_gpa ? in_gpa | b : 0, out_gpa ? out_gpa | b : 0);
	}
	return HV_STATUS_INVALID_PARAMETER;
}

uint64_t synic_hypercall_fast8(enum synic_route rt, uint16_t code, uint64_t input)
{
	uint64_t control = code | HV_HYPERCALL_FAST;
	synic_s.st.hypercalls++;
	switch (rt) {
	case SYNIC_ROUTE_DIRECT:
		if (!synic_s.hcpage)
			return HV_STATUS_ACCESS_DENIED;
		return hw_hypercall(synic_s.hcpage, control, input, 0);
	case SYNIC_ROUTE_GHCB:
		/* The GHCB has no fast form: the same call, slow, with the 8-byte input at
		 * GHCB offset 0 (Linux drivers/hv/connection.c vmbus_set_event on SNP). */
		return synic_ghcb_hypercall(code, &input, 8, 0);
	case SYNIC_ROUTE_TDCALL:
		return synic_tdcall_hypercall(control, input, 0);
	}
	return HV_STATUS_INVALID_PARAMETER;
}

int synic_msr_read(enum synic_route rt, uint32_t msr, uint64_t *value)
{
	if (!value)
		return UMBRA_EINVAL;
	switch (rt) {
	case SYNIC_ROUTE_DIRECT:
		*value = hw_rdmsr(msr);
		return 0;
	case SYNIC_ROUTE_GHCB:
		synic_s.st.msr_bypass++;
		return ghcb_msr(msr, value, false);
	case SYNIC_ROUTE_TDCALL:
		synic_s.st.msr_bypass++;
		return tdcall_msr(msr, value, false);
	}
	return UMBRA_EINVAL;
}

int synic_msr_write(enum synic_route rt, uint32_t msr, uint64_t value)
{
	switch (rt) {
	case SYNIC_ROUTE_DIRECT:
		hw_wrmsr(msr, value);
		return 0;
	case SYNIC_ROUTE_GHCB:
		synic_s.st.msr_bypass++;
		return ghcb_msr(msr, &value, true);
	case SYNIC_ROUTE_TDCALL:
		synic_s.st.msr_bypass++;
		return tdcall_msr(msr, &value, true);
	}
	return UMBRA_EINVAL;
}
