/* Simulated CPU: CPUID, plain MSR access, port I/O, interrupts, PVALIDATE. */
#include "lib/string.h"
#include "umbra/errno.h"
#include "sim/sim_int.h"

static void sig(uint32_t out[4], const char *s12, int eax_first)
{
	/* EBX, ECX, EDX carry the 12 characters. */
	memcpy(&out[1], s12, 4);
	memcpy(&out[2], s12 + 4, 4);
	memcpy(&out[3], s12 + 8, 4);
	(void)eax_first;
}

void hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)subleaf;
	memset(out, 0, 16);
	if (!S->up)
		return;
	sim_enter();
	S->st.cpuids++;
	bool amd = sim_is_snp();
	bool hv = sim_has_hv();
	bool pv = sim_is_paravisor();
	switch (leaf) {
	case 0:
		out[0] = sim_is_tdx() ? 0x21 : 0xD;
		/* EBX, EDX, ECX order for the vendor string. */
		memcpy(&out[1], amd ? "Auth" : "Genu", 4);
		memcpy(&out[3], amd ? "enti" : "ineI", 4);
		memcpy(&out[2], amd ? "cAMD" : "ntel", 4);
		break;
	case 1:
		out[0] = 0x000A0F11;
		out[2] = (1u << 31) | (1u << 21); /* hypervisor present, x2APIC */
		out[3] = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 9);
		break;
	case 0x80000000:
		out[0] = amd ? 0x8000001F : 0x80000008;
		break;
	case 0x8000001F:
		if (sim_is_snp() && sim_is_enlightened()) {
			out[0] = (1u << 1) | (1u << 3) | (1u << 4);
			out[1] = 51;
		}
		break;
	case 0x21:
		if (sim_is_tdx() && sim_is_enlightened()) {
			memcpy(&out[1], "Inte", 4);
			memcpy(&out[3], "lTDX", 4);
			memcpy(&out[2], "    ", 4);
		}
		break;
	case 0x40000000:
		if (hv) {
			out[0] = 0x4000000C;
			sig(out, "Microsoft Hv", 0);
		}
		break;
	case 0x40000001:
		if (hv)
			out[0] = 0x31237648; /* "Hv#1" */
		break;
	case 0x40000002:
		if (hv) {
			out[0] = 20348;
			out[1] = 0x000A0000;
		}
		break;
	case 0x40000003:
		if (hv && pv) {
			/* OpenHCL's CVM leaf (openvmm cvm_cpuid/snp.rs and tdx.rs hv_cpuid_leaves):
			 * hv1_emulator cpuid.rs SUPPORTED_PRIVILEGES (partition reference counter 1,
			 * SynIC 2, stimers 3, hypercall MSRs 5, VP_INDEX 6, reference TSC 9) plus
			 * APIC MSRs 4, guest idle 10, frequency MSRs 11; EBX: extended GVA flush 15,
			 * VP registers 17, fast hypercall output 19, start VP 21, isolation 22
			 * (access_vsm 16 depends on the partition: no VSM here). No PostMessages /
			 * SignalEvents (EBX 4/5). EDX (hvdef HvFeatures): XMM fast input 4, guest
			 * idle 5, frequency regs 8, crash regs 10, extended GVA ranges 14, fast
			 * output 15, direct stimers 19, register PAT 20, translate GVA flags 30. */
			out[0] = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) |
				(1u << 9) | (1u << 10) | (1u << 11);
			out[1] = (1u << 15) | (1u << 17) | (1u << 19) | (1u << 21) | (1u << 22);
			out[3] = (1u << 4) | (1u << 5) | (1u << 8) | (1u << 10) | (1u << 14) |
				(1u << 15) | (1u << 19) | (1u << 20) | (1u << 30);
		} else if (hv) {
			/* hyperv: TIME_REF_COUNT, SynIC, stimers, HYPERCALL MSRs, VP_INDEX,
			 * REFERENCE_TSC; PostMessages, SignalEvents (Hyper-V's own leaf is closed). */
			out[0] = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 6) | (1u << 9);
			out[1] = (1u << 4) | (1u << 5);
			out[3] = 1u << 8;
		}
		break;
	case 0x40000004:
		if (hv && pv) {
			/* HvEnlightenmentInformation as OpenHCL fills it: remote flush hypercall 2,
			 * relaxed timing 5, deprecate AutoEOI 9, ex processor masks 11; on SNP
			 * (no Secure AVIC) also APIC MSRs 3 and synthetic cluster IPI 10; on TDX
			 * with x2APIC neither. EBX long spin wait count = !0. */
			out[0] = (1u << 2) | (1u << 5) | (1u << 9) | (1u << 11) |
				(sim_is_snp() ? (1u << 3) | (1u << 10) : 0);
			out[1] = 0xFFFFFFFFu;
		}
		break;
	case 0x40000005:
		if (hv) {
			/* OpenHCL reports MAX_CPUS = 2048 (cvm_cpuid snp.rs, tdx.rs); hyperv: the VP count. */
			out[0] = pv ? 2048 : S->cfg.nvp;
			out[1] = pv ? 2048 : S->cfg.nvp;
		}
		break;
	case 0x40000006:
		/* HvHardwareFeatures (make_isolated_hv_cpuid_leaves): APIC overlay assist 0,
		 * MSR bitmaps 1, SLAT 3. */
		if (hv && pv)
			out[0] = (1u << 0) | (1u << 1) | (1u << 3);
		break;
	case 0x4000000C:
		if (hv && sim_is_cvm()) {
			out[0] = pv ? 1 : 0;
			unsigned bits = sim_is_snp() ? SIM_SNP_BOUNDARY_BITS : SIM_TDX_BOUNDARY_BITS;
			out[1] = (sim_is_snp() ? 2u : 3u) | (1u << 5) | (bits << 6);
		}
		break;
	case 0x40000080:
		if (hv) {
			out[0] = 0x40000082;
			sig(out, "Microsoft VS", 0);
		}
		break;
	case 0x40000081:
		if (hv)
			out[0] = 0x31235356; /* "VS#1" */
		break;
	case 0x40000082:
		/* vmm_core cpuid/mod.rs hyperv_cpuid_leaves, from OpenHCL's worker.rs: IS_PORTABLE
		 * (bit 0) always, EXTENDED_IOAPIC_RTE (bit 2) for UEFI (not PCAT), Confidential
		 * VMBus available (bit 3) with the VMBus relay. hyperv: 0 (closed). */
		if (hv && pv)
			out[0] = 1u | (1u << 2) | (sim_is_legacy() ? 0 : 1u << 3);
		break;
	default:
		break;
	}
	sim_leave();
}

/* Hypervisor-side MSRs (GHCB / TDVMCALL routes, or plain MSRs in SIM_HYPERV). */
bool sim_hv_msr_access(uint32_t msr, uint64_t *v, bool write)
{
	struct sim_vp *vp = &S->vp[S->cur_vp];
	if (msr == MSR_GUEST_OS_ID) {
		/* TDX paravisor: OpenHCL serves GUEST_OS_ID on the TDVMCALL route from the same
		 * state as the plain MSR (openvmm tdx/mod.rs read_tdvmcall_msr /
		 * write_tdvmcall_msr -> cvm.hv[vtl]). On SNP the GHCB 0x7C exit reaches Hyper-V,
		 * which keeps its own (Linux hyperv_init writes the ID on both routes). */
		uint64_t *id = sim_is_tdx() && sim_is_paravisor() ? &vp->os_id_pv : &vp->os_id_hv;
		if (write)
			*id = *v;
		else
			*v = *id;
		return true;
	}
	if (msr == MSR_VP_INDEX) {
		if (write)
			return false;
		*v = S->cfg.vp_index_base + S->cur_vp;
		return true;
	}
	if (msr >= MSR_SCONTROL && msr <= MSR_SINT15) {
		if (msr == MSR_EOM && write)
			S->st.eoms++;
		return write ? sim_synic_msr_write(&vp->hv, msr, *v) : sim_synic_msr_read(&vp->hv, msr, v);
	}
	return false;
}

static bool hypercall_msr(uint64_t *v, bool write, uint64_t os_id)
{
	struct sim_vp *vp = &S->vp[S->cur_vp];
	if (!write) {
		*v = vp->hypercall;
		return true;
	}
	/* HV_X64_MSR_HYPERCALL: enable bit 0, locked bit 1, bits 11:2 RsvdP (TLFS; openvmm
	 * hvdef MsrHypercallContents). The hv1 emulator #GPs a write while locked, and one
	 * with a reserved bit set (hv1_emulator hv.rs msr_write_hypercall_page). */
	if ((vp->hypercall & 2) || (*v & 0xFFCull))
		return false; /* hw_wrmsr reports the #GP */
	uint64_t val = *v;
	if ((val & 1) && os_id == 0)
		val &= ~1ull; /* hypercalls cannot be enabled before GUEST_OS_ID */
	if (val & 1) {
		uint64_t gpa = val & ~0xFFFull;
		uint8_t *p = sim_ram_ptr(gpa);
		if (!p || (S->boundary && (gpa & S->boundary)) ||
		    (sim_is_cvm() && sim_page_visibility(gpa) != SIM_VIS_PRIVATE)) {
			sim_fault("wrmsr HYPERCALL: page 0x%llx is not private RAM (#GP)", (unsigned long long)gpa);
			return false;
		}
		if (S->cfg.hostile.hypercall_page_unfilled) {
			/* The page is not filled and the enable bit does not stick (Linux
			 * hyperv_init reads the MSR back and checks it). */
			sim_hostile_note();
			val &= ~1ull;
		} else {
			memcpy(p, sim_hypercall_code(), 4);
		}
	}
	vp->hypercall = val;
	return true;
}

/* The normal entry of the hypercall page: vmmcall; ret on AMD, vmcall; ret on Intel (the
 * first 4 bytes of hv1_emulator hv.rs hypercall_page). */
const uint8_t *sim_hypercall_code(void)
{
	static const uint8_t intel[] = { 0x0F, 0x01, 0xC1, 0xC3 }, amd[] = { 0x0F, 0x01, 0xD9, 0xC3 };
	return sim_is_snp() ? amd : intel;
}

static bool plain_msr(uint32_t msr, uint64_t *v, bool write)
{
	struct sim_vp *vp = &S->vp[S->cur_vp];
	enum sim_platform p = S->cfg.platform;
	if (sim_is_snp() && msr == MSR_GHCB) {
		if (write)
			S->ghcb_msr = *v;
		else
			*v = S->ghcb_msr;
		return true;
	}
	if (sim_is_snp() && msr == MSR_SEV_STATUS) {
		if (write)
			return false;
		/* SEV, SEV-ES, SNP (+ vTOM bit 3 with a paravisor). */
		*v = 0x7 | (sim_is_paravisor() ? 0x8 : 0);
		return true;
	}
	if (p == SIM_HYPERV) {
		if (msr == MSR_HYPERCALL)
			return hypercall_msr(v, write, vp->os_id_hv);
		if (msr == MSR_VP_ASSIST) {
			if (write)
				vp->vp_assist = *v;
			else
				*v = vp->vp_assist;
			return true;
		}
		return sim_hv_msr_access(msr, v, write);
	}
	if (!sim_is_paravisor())
		return false;
	switch (msr) {
	case MSR_GUEST_OS_ID:
		if (write)
			vp->os_id_pv = *v;
		else
			*v = vp->os_id_pv;
		return true;
	case MSR_HYPERCALL:
		return hypercall_msr(v, write, vp->os_id_pv);
	case MSR_VP_INDEX:
		if (write)
			return false;
		*v = S->cfg.vp_index_base + S->cur_vp;
		return true;
	case MSR_VP_ASSIST:
		if (write)
			vp->vp_assist = *v;
		else
			*v = vp->vp_assist;
		return true;
	default:
		break;
	}
	if (msr >= MSR_SCONTROL && msr <= MSR_SINT15) {
		if (msr == MSR_EOM && write)
			S->st.eoms++;
		return write ? sim_synic_msr_write(&vp->pv, msr, *v) : sim_synic_msr_read(&vp->pv, msr, v);
	}
	/* Under the paravisor, unknown MSRs are ignored on write and read as 0 on both
	 * platforms: openvmm snp/mod.rs handle_msr_access and tdx/mod.rs MSR_READ/MSR_WRITE
	 * exits (MsrError::Unknown -> "unknown tdx vm msr read" Some(0) / write: no #GP). */
	if (!write)
		*v = 0;
	return true;
}

uint64_t hw_rdmsr(uint32_t msr)
{
	uint64_t v = 0;
	if (!S->up)
		return 0;
	sim_enter();
	S->st.msr_reads++;
	if (!plain_msr(msr, &v, false)) {
		sim_fault("rdmsr 0x%x: #GP", msr);
		v = 0;
	}
	sim_leave();
	return v;
}

void hw_wrmsr(uint32_t msr, uint64_t value)
{
	if (!S->up)
		return;
	sim_enter();
	S->st.msr_writes++;
	if (!plain_msr(msr, &value, true))
		sim_fault("wrmsr 0x%x <- 0x%llx: #GP", msr, (unsigned long long)value);
	sim_leave();
}

/* ---- port I/O: COM1 only ---- */
uint8_t hw_inb(uint16_t port)
{
	if (port == 0x3FD)
		return 0x60; /* THR empty, transmitter idle */
	return 0xFF;
}

void hw_outb(uint16_t port, uint8_t value)
{
	if (port != 0x3F8 || !S->up)
		return;
	if (value == '\n' || S->con_len + 1 >= sizeof(S->con)) {
		S->con[S->con_len] = 0;
		if (S->cfg.log)
			S->cfg.log(S->cfg.log_ctx, S->con);
		S->con_len = 0;
		if (value == '\n')
			return;
	}
	S->con[S->con_len++] = (char)value;
}

uint32_t hw_inl(uint16_t port)
{
	(void)port;
	return 0xFFFFFFFFu;
}

void hw_outl(uint16_t port, uint32_t value)
{
	(void)port;
	(void)value;
}

/* ---- interrupts ---- */
int hw_irq_set_handler(uint8_t vector, hw_irq_fn fn, void *ctx)
{
	if (vector < 32)
		return UMBRA_EINVAL;
#if UMBRA_IMAGE
	int rc = sim_image_irq_set(vector, fn, ctx);
	if (rc)
		return rc;
#endif
	S->irq[vector].fn = fn;
	S->irq[vector].ctx = ctx;
	return 0;
}

void hw_irq_eoi(void) {}

bool hw_irq_save_disable(void)
{
	bool p = S->if_on;
	S->if_on = false;
	return p;
}

void hw_irq_restore(bool enabled)
{
	S->if_on = enabled;
	if (enabled)
		sim_deliver_irqs(true);
}

int sim_deliver_irqs(bool force)
{
	int n = 0;
	if (!S->up || !S->if_on || S->in_handler)
		return 0;
	if (S->cfg.irq_mode == SIM_IRQ_WAIT_ONLY && !force)
		return 0;
	for (int v = 255; v >= 32; v--) {
		if (!(S->irq_pending[v / 8] & (1u << (v % 8))))
			continue;
		S->irq_pending[v / 8] &= (uint8_t)~(1u << (v % 8));
		if (!S->irq[v].fn) {
			S->st.irqs_filtered++;
			continue;
		}
		S->in_handler = true;
		S->if_on = false;
#if UMBRA_IMAGE
		sim_image_irq_raise((uint8_t)v);
#else
		S->irq[v].fn(S->irq[v].ctx);
#endif
		S->if_on = true;
		S->in_handler = false;
		S->st.irqs_delivered++;
		n++;
		v = 256; /* rescan: the handler may have raised more */
	}
	return n;
}

/* With an outside clock: wait on it, running the simulated events as they fall due
 * (sim_next_due is the earliest future one). */
static void wait_on_clock(uint64_t end)
{
	for (;;) {
		sim_clock_sync();
		sim_step();
		if (sim_deliver_irqs(true) || S->now >= end)
			return;
		uint64_t nd = sim_next_due();
		uint64_t until = nd < end ? nd : end;
		if (until > S->now && S->cfg.idle)
			S->cfg.idle(S->cfg.clock_ctx, until - S->now);
	}
}

/* Virtual clock: jump to each next event, up to the deadline. */
static void wait_virtual(uint64_t end)
{
	for (;;) {
		uint64_t nd = sim_next_due();
		if (nd == UINT64_MAX && end == UINT64_MAX)
			return;         /* nothing will ever happen: leave the time alone */
		if (nd > end) {
			S->now = end;
			sim_step();
			sim_deliver_irqs(true);
			return;
		}
		if (nd > S->now)
			S->now = nd;
		else
			S->now += 1;
		sim_step();
		if (sim_deliver_irqs(true))
			return;
	}
}

void hw_wait_for_interrupt(uint64_t max_ns)
{
	if (!S->up)
		return;
	bool prev = S->if_on;
	S->if_on = true;
	sim_clock_sync();
	uint64_t end = S->now + max_ns < S->now ? UINT64_MAX : S->now + max_ns;
	sim_step();
	if (!sim_deliver_irqs(true)) {
		if (S->cfg.clock)
			wait_on_clock(end);
		else
			wait_virtual(end);
	}
	S->if_on = prev;
}

/* ---- PVALIDATE: only the fully enlightened SNP guest (VMPL0) may use it ---- */
uint32_t hw_pvalidate(uint64_t va, bool huge, bool validate, bool *unchanged)
{
	if (unchanged)
		*unchanged = false;
	if (!S->up)
		return 1;
	sim_enter();
	uint32_t rc = 0;
	uint64_t gpa = hw_virt_to_phys((const void *)(uintptr_t)va);
	if (!(sim_is_snp() && sim_is_enlightened())) {
		sim_fault("PVALIDATE outside a VMPL0 SNP guest");
		rc = 1;
	} else if (!gpa || (gpa & (huge ? 0x1FFFFF : 0xFFF))) {
		rc = 1;
	} else {
		uint64_t n = huge ? 512 : 1;
		for (uint64_t i = 0; i < n; i++) {
			uint64_t pg = (gpa - SIM_RAM_BASE) / 4096 + i;
			if (pg >= S->ram_pages) {
				rc = 1;
				break;
			}
			bool was = S->validated[pg / 8] & (1u << (pg % 8));
			if (was == validate && unchanged)
				*unchanged = true;
			if (validate)
				S->validated[pg / 8] |= (uint8_t)(1u << (pg % 8));
			else
				S->validated[pg / 8] &= (uint8_t)~(1u << (pg % 8));
		}
	}
	sim_leave();
	return rc;
}
