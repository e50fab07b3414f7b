/*
 * SEV-SNP: VMGEXIT with the GHCB MSR protocol or the GHCB page: openvmm
 * openhcl/virt_mshv_vtl/src/processor/snp/mod.rs handle_vmgexit; Linux arch/x86/hyperv/ivm.c
 * hv_ghcb_negotiate_protocol, hv_ghcb_hypercall, hv_ghcb_msr_read/write; KVM
 * arch/x86/kvm/svm/sev.c sev_es_validate_vmgexit; rule by rule in docs/sim-fidelity.md "GHCB".
 * In the paravisor configurations the GHCB page is provided by the paravisor (MSR
 * 0xC0010130 preset to its GPA with the vTOM bit: openvmm snp/mod.rs init registers it,
 * Linux arch/x86/hyperv/hv_init.c hyperv_init_ghcb reads it) and any other page is a
 * GhcbMisconfiguration.
 */
#include "lib/string.h"
#include "sim/sim_int.h"

#define G_RAX 0x1F8
#define G_RCX 0x308
#define G_RDX 0x310
#define G_R8 0x340
#define G_EXITCODE 0x390
#define G_INFO1 0x398
#define G_INFO2 0x3A0
#define G_BITMAP 0x3F0
#define G_HV_OUTPUT 0xFE8
#define G_HV_CONTROL 0xFF0
#define G_VERSION 0xFFA
#define G_USAGE 0xFFC
/* Protocol versions offered in the SEV information response (no v3 exists in any source). */
#define GHCB_VER_MIN 1
#define GHCB_VER_MAX 2

/* The SNP paravisor configurations require the guest to negotiate (SEV information
 * request) before its first GHCB-page exit, as Linux hv_ghcb_negotiate_protocol does. */
static bool need_negotiation(void)
{
	return sim_is_snp() && sim_is_paravisor();
}

static bool valid(const uint8_t *g, unsigned off)
{
	unsigned bit = off / 8;
	return g[G_BITMAP + bit / 8] & (1u << (bit % 8));
}

static void set_valid(uint8_t *g, unsigned off)
{
	unsigned bit = off / 8;
	g[G_BITMAP + bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static void msr_protocol(uint64_t v)
{
	S->st.ghcb_msr_protocol++;
	uint64_t req = v & 0xFFF;
	switch (req) {
	case 0x002: /* SEV information: GHCBData[63:48] max 2, [47:32] min 1, [31:24] C-bit 51
	             * (GHCB spec; Linux sev-common.h GHCB_MSR_SEV_INFO) */
		S->ghcb_msr = 0x001 | ((uint64_t)GHCB_VER_MAX << 48) | ((uint64_t)GHCB_VER_MIN << 32) |
			      (51ull << 24);
		S->ghcb_negotiated = true;
		break;
	case 0x012: { /* register GHCB GPA */
		uint64_t gfn = v >> 12, gpa = (gfn << 12) & ~S->boundary;
		bool ok = sim_is_enlightened() ? sim_page_visibility(gpa) == SIM_VIS_SHARED
						     : gpa == S->ghcb_gpa;
		if (ok)
			S->ghcb_gpa = gpa;
		S->ghcb_msr = 0x013 | ((ok ? gfn : 0xFFFFFFFFFFFFFull) << 12);
		break;
	}
	case 0x014: { /* page state change, one page */
		uint64_t op = (v >> 52) & 0xF, gfn = (v >> 12) & ((1ull << 40) - 1);
		uint64_t err = 0;
		if (!sim_is_enlightened()) {
			err = 1; /* the paravisor owns page state: use hypercall 0x00DB */
		} else if (op != 1 && op != 2) {
			err = 2;
		} else {
			S->st.visibility_calls++;
			if (sim_change_vis(gfn, op == 2 ? SIM_VIS_SHARED : SIM_VIS_PRIVATE) != 0)
				err = 3;
		}
		S->ghcb_msr = 0x015 | (err << 32);
		break;
	}
	case 0x080:
		S->ghcb_msr = 0x081 | (0x3ull << 12);
		break;
	case 0x100:
		S->term.terminated = true;
		S->term.reason_set = (unsigned)((v >> 12) & 0xF);
		S->term.reason_code = (unsigned)((v >> 16) & 0xFF);
		sim_logf("GHCB termination request set %u code %u", S->term.reason_set, S->term.reason_code);
		break;
	default:
		sim_fault("unknown GHCB MSR protocol request 0x%llx", (unsigned long long)req);
		break;
	}
}

static void page_exit(uint64_t v)
{
	S->st.ghcb_exits++;
	uint64_t gpa = v & ~S->boundary;
	uint8_t g[4096];
	if (need_negotiation() && !S->ghcb_negotiated) {
		sim_guest_error("VMGEXIT with the GHCB page before the GHCB protocol was negotiated "
				"(SEV information request)");
		return;
	}
	if (gpa != S->ghcb_gpa || sim_mem_rw(v, g, 4096, WHO_HOST, false) != 0) {
		sim_fault("VMGEXIT: GHCB 0x%llx is not the registered host-visible GHCB (GhcbMisconfiguration)",
			(unsigned long long)v);
		return;
	}
	uint16_t ver;
	memcpy(&ver, g + G_VERSION, 2);
	uint32_t usage = rd32(g + G_USAGE);
	if (ver < GHCB_VER_MIN || ver > GHCB_VER_MAX) {
		sim_guest_error("GHCB protocol version %u outside the negotiated %u..%u", ver,
				GHCB_VER_MIN, GHCB_VER_MAX);
		wr64(g + G_INFO1, 2);
		wr64(g + G_INFO2, 5);
		goto out;
	}
	if (usage == 1) {
		uint64_t control = rd64(g + G_HV_CONTROL), outg = rd64(g + G_HV_OUTPUT);
		uint64_t res = sim_hcall_dispatch(ROUTE_GHCB, control, 0, outg, g, 4072);
		wr64(g + G_HV_CONTROL, res);
		goto out;
	}
	if (usage != 0) {
		wr64(g + G_INFO1, 2);
		wr64(g + G_INFO2, 2); /* invalid usage */
		goto out;
	}
	if (!valid(g, G_EXITCODE) || !valid(g, G_INFO1) || !valid(g, G_INFO2)) {
		memset(g + G_BITMAP, 0, 16);
		wr64(g + G_INFO1, 2);
		wr64(g + G_INFO2, 4); /* missing input */
		set_valid(g, G_INFO1);
		set_valid(g, G_INFO2);
		goto out;
	}
	uint64_t code = rd64(g + G_EXITCODE), info1 = rd64(g + G_INFO1);
	uint8_t inbits[16];
	memcpy(inbits, g + G_BITMAP, 16);
	memset(g + G_BITMAP, 0, 16);
	uint64_t r1 = 0, r2 = 0;
	if (code == 0x7C) {
		bool write = info1 == 1;
		uint8_t save[16];
		memcpy(save, g + G_BITMAP, 16);
		memcpy(g + G_BITMAP, inbits, 16);
		bool ok_in = valid(g, G_RCX) && (!write || (valid(g, G_RAX) && valid(g, G_RDX)));
		memcpy(g + G_BITMAP, save, 16);
		if (!ok_in) {
			r1 = 2;
			r2 = 4;
		} else {
			uint32_t msr = (uint32_t)rd64(g + G_RCX);
			uint64_t val = (rd64(g + G_RAX) & 0xFFFFFFFFull) | (rd64(g + G_RDX) << 32);
			if (!sim_hv_msr_untrusted(msr, &val, write)) {
				r1 = 1; /* inject #GP */
				r2 = 13 | (3u << 8) | (1u << 11) | (1u << 31);
			} else if (!write) {
				wr64(g + G_RAX, val & 0xFFFFFFFFull);
				wr64(g + G_RDX, val >> 32);
				set_valid(g, G_RAX);
				set_valid(g, G_RDX);
			}
		}
	} else if (code == 0x81) {
		/* VMMCALL via a base GHCB: control RCX, input RDX, output R8, result RAX. */
		uint64_t res = sim_hcall_dispatch(ROUTE_GHCB, rd64(g + G_RCX), rd64(g + G_RDX), rd64(g + G_R8), NULL, 0);
		wr64(g + G_RAX, res);
		set_valid(g, G_RAX);
	} else if (code == 0x8000FFFEull) {
		S->term.terminated = true;
		S->term.reason_set = (unsigned)(info1 & 0xF);
		S->term.reason_code = (unsigned)((info1 >> 4) & 0xFF);
		sim_logf("GHCB termination set %u code %u", S->term.reason_set, S->term.reason_code);
	} else {
		r1 = 2;
		r2 = 6; /* invalid event */
	}
	wr64(g + G_INFO1, r1);
	wr64(g + G_INFO2, r2);
	set_valid(g, G_INFO1);
	set_valid(g, G_INFO2);
out:
	sim_mem_rw(v, g, 4096, WHO_HOST, true);
}

void hw_vmgexit(void)
{
	if (!S->up)
		return;
	sim_enter();
	if (!sim_is_snp())
		sim_fault("VMGEXIT outside an SNP guest (#UD)");
	else if (S->ghcb_msr & 0xFFF)
		msr_protocol(S->ghcb_msr);
	else
		page_exit(S->ghcb_msr);
	sim_leave();
}
