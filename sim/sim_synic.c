/*
 * The two SynICs per VP: the paravisor's (private pages, overlay-copy semantics) and the
 * hypervisor's (host-visible pages). Message slots, per-SINT queues (16 deep), EOM,
 * event flags, the proxy bit and the proxy-IRR interrupt filter: openvmm
 * vm/hv1/hv1_emulator/src/synic.rs post_message, signal_event and
 * openhcl/virt_mshv_vtl/src/processor/mod.rs update_proxy_irr_filter; rule by rule in
 * docs/sim-fidelity.md "MSRs and the two SynICs".
 */
#include "lib/string.h"
#include "umbra/errno.h"
#include "sim/sim_int.h"

static struct sim_synic *all_synics(unsigned i, unsigned *vp)
{
	*vp = i / 2;
	return (i & 1) ? &S->vp[i / 2].hv : &S->vp[i / 2].pv;
}

void sim_synic_reset(void)
{
	for (unsigned v = 0; v < SIM_MAX_VPS; v++) {
		struct sim_vp *vp = &S->vp[v];
		vp->pv.is_pv = true;
		vp->hv.is_pv = false;
		/* The paravisor's SynIC resets enabled (hv1_emulator synic.rs SintState::default);
		 * the hypervisor's resets to 0 (TLFS "SCONTROL Register": 0 at VP creation and
		 * reset, no message queuing or event flags), and OpenHCL presets only SIMP/SIEFP
		 * (and the GHCB) for VTL0, not SCONTROL (virt_mshv_vtl snp/mod.rs and tdx/mod.rs
		 * BackingPrivate::init). */
		vp->pv.scontrol = 1;
		vp->hv.scontrol = 0;
		for (int i = 0; i < 16; i++)
			vp->pv.sint[i] = vp->hv.sint[i] = SINT_MASKED;
		if (sim_is_paravisor()) {
			/* Paravisor-provided, host-visible, preset with the boundary bit, enabled. */
			uint64_t base = S->plat_gpa + (1 + 3ull * v) * 4096;
			vp->hv.simp = (base | S->boundary) | 1;
			vp->hv.siefp = ((base + 4096) | S->boundary) | 1;
			vp->hv.preset_simp = vp->hv.simp;
			vp->hv.preset_siefp = vp->hv.siefp;
		}
	}
}

/* Memory view a SynIC uses for its pages. */
static enum sim_who who_for(const struct sim_synic *sy)
{
	if (!sim_is_cvm())
		return WHO_PV_ANY;
	return sy->is_pv ? WHO_PV_PRIVATE : WHO_HOST;
}

static void overlay_sync(struct sim_synic *sy, uint64_t oldv, uint64_t newv, uint8_t *ovl)
{
	bool was = oldv & 1, now = newv & 1;
	uint64_t og = oldv & ~0xFFFull, ng = newv & ~0xFFFull;
	if (was && (!now || og != ng))
		sim_mem_rw(og, ovl, 4096, WHO_PV_ANY, false); /* copy back on disable */
	if (now && (!was || og != ng))
		sim_mem_rw(ng, ovl, 4096, WHO_PV_ANY, true);  /* overlay appears on enable */
	(void)sy;
}

bool sim_synic_msr_read(struct sim_synic *sy, uint32_t msr, uint64_t *v)
{
	switch (msr) {
	case MSR_SCONTROL: *v = sy->scontrol; return true;
	case MSR_SVERSION: *v = 1; return true;
	case MSR_SIEFP: *v = sy->siefp; return true;
	case MSR_SIMP: *v = sy->simp; return true;
	case MSR_EOM: *v = 0; return true;
	default:
		if (msr >= MSR_SINT0 && msr <= MSR_SINT15) {
			*v = sy->sint[msr - MSR_SINT0];
			return true;
		}
		return false;
	}
}

static void try_deliver(struct sim_synic *sy, unsigned vp, unsigned sint);

bool sim_synic_msr_write(struct sim_synic *sy, uint32_t msr, uint64_t v)
{
	unsigned vpi = (unsigned)(((uintptr_t)sy - (uintptr_t)&S->vp[0]) / sizeof(struct sim_vp));
	switch (msr) {
	case MSR_SCONTROL:
		sy->writes_scontrol++;
		sy->scontrol = v & 1;
		for (unsigned i = 0; v & 1 && i < 16; i++)
			try_deliver(sy, vpi, i);
		return true;
	case MSR_SVERSION:
		return false;
	case MSR_SIMP:
	case MSR_SIEFP: {
		if (msr == MSR_SIMP)
			sy->writes_simp++;
		else
			sy->writes_siefp++;
		if (sy->is_pv && sim_is_cvm() && (v & 1)) {
			uint64_t g = v & ~0xFFFull;
			if (!sim_ram_ptr(g) || (S->boundary && (g & S->boundary)) ||
			    sim_page_visibility(g) != SIM_VIS_PRIVATE)
				return false; /* overlay on a host-visible page: OperationDenied -> #GP */
		}
		if (!sy->is_pv && sim_is_cvm() && (v & 1)) {
			/* A guest-chosen hypervisor page (either alias) must be host-visible RAM: the
			 * hypervisor writes it through the shared view. Refused: register unchanged. */
			uint64_t g = v & ~0xFFFull;
			if (!sim_ram_ptr(g) || sim_page_visibility(g) != SIM_VIS_SHARED) {
				sim_guest_error("hypervisor %s set to 0x%llx, not a host-visible RAM page",
					msr == MSR_SIMP ? "SIMP" : "SIEFP", (unsigned long long)g);
				return true;
			}
		}
		uint64_t *reg = msr == MSR_SIMP ? &sy->simp : &sy->siefp;
		if (sy->is_pv)
			overlay_sync(sy, *reg, v, msr == MSR_SIMP ? sy->simp_overlay : sy->siefp_overlay);
		*reg = v;
		if (msr == MSR_SIMP)
			for (unsigned i = 0; i < 16; i++)
				try_deliver(sy, vpi, i);
		return true;
	}
	case MSR_EOM:
		for (unsigned i = 0; i < 16; i++) {
			sy->q[i].head &= 0xFFFF; /* clear need-EOM (bit 16) */
			try_deliver(sy, vpi, i);
		}
		return true;
	default:
		if (msr >= MSR_SINT0 && msr <= MSR_SINT15) {
			if (!(v & SINT_MASKED) && (v & 0xFF) < 16)
				return false;
			sy->sint[msr - MSR_SINT0] = v;
			return true;
		}
		return false;
	}
}

struct sim_synic *sim_synic_for(unsigned vp, unsigned sint, bool relayed)
{
	struct sim_vp *v = &S->vp[vp];
	if (!sim_is_paravisor())
		return &v->hv;
	if (sim_is_legacy() || relayed)
		return &v->hv;
	return (v->pv.sint[sint] & SINT_PROXY) ? &v->hv : &v->pv;
}

void sim_synic_raise(struct sim_synic *sy, unsigned sint)
{
	uint64_t s = sy->sint[sint];
	if (s & (SINT_MASKED | SINT_POLLING))
		return;
	unsigned vec = (unsigned)(s & 0xFF);
	if (!sy->is_pv && sim_is_paravisor()) {
		/* Proxy-IRR filter: the vector must be owned by an unmasked paravisor SINT that is
		 * proxied, or any unmasked one while the VMBus relay is active. */
		bool ok = false;
		const struct sim_synic *pv = &S->vp[S->cur_vp].pv;
		for (int i = 0; i < 16; i++) {
			uint64_t p = pv->sint[i];
			if (!(p & SINT_MASKED) && (p & 0xFF) == vec && ((p & SINT_PROXY) || !sim_is_legacy()))
				ok = true;
		}
		if (!ok) {
			S->st.irqs_filtered++;
			return;
		}
	}
	S->irq_pending[vec / 8] |= (uint8_t)(1u << (vec % 8));
}

static bool sint_live(const struct sim_synic *sy, unsigned sint)
{
	return (sy->scontrol & 1) && !(sy->sint[sint] & SINT_MASKED) &&
	       !(sy->is_pv && (sy->sint[sint] & SINT_PROXY));
}

#define NEED_EOM 0x10000u

static void try_deliver(struct sim_synic *sy, unsigned vp, unsigned sint)
{
	__typeof__(sy->q[0]) *q = &sy->q[sint];
	while (q->count && !(q->head & NEED_EOM)) {
		uint8_t *m = q->msg[q->head & 0xFFFF];
		uint8_t slot[256];
		bool on = sy->simp & 1;
		if (!sint_live(sy, sint) || (!on && !sy->is_pv)) {
			/* masked, proxied away or hypervisor SIMP disabled: drop on the floor */
			q->head = (q->head + 1) % SIM_SINT_QUEUE_DEPTH;
			q->count--;
			S->st.msgs_dropped++;
			continue;
		}
		uint64_t gpa = (sy->simp & ~0xFFFull) + sint * 256ull;
		uint8_t *ovl = on ? NULL : sy->simp_overlay + sint * 256;
		if (ovl)
			memcpy(slot, ovl, 16);
		else if (sim_mem_rw(gpa, slot, 16, who_for(sy), false) != 0) {
			sim_guest_error("%s SIMP page 0x%llx not accessible to its owner; message dropped",
				sy->is_pv ? "paravisor" : "hypervisor", (unsigned long long)gpa);
			q->head = (q->head + 1) % SIM_SINT_QUEUE_DEPTH;
			q->count--;
			S->st.msgs_dropped++;
			continue;
		}
		if (rd32(slot) != 0) {
			/* busy: flag message_pending, wait for the guest's EOM */
			slot[5] |= 1;
			if (ovl)
				ovl[5] = slot[5];
			else
				sim_mem_rw(gpa + 5, &slot[5], 1, who_for(sy), true);
			q->head |= NEED_EOM;
			return;
		}
		memcpy(slot, m, 256);
		q->head = (q->head + 1) % SIM_SINT_QUEUE_DEPTH;
		q->count--;
		if (q->count)
			slot[5] |= 1;
		if (sim_chance(S->cfg.hostile.msg_corrupt_pm)) {
			sim_hostile_note();
			/* Either one bit anywhere in the slot, or one aligned u32 field of the header
			 * or the payload replaced by a random value. */
			uint64_t r = sim_rand();
			if (r & 1)
				slot[(r >> 1) % 256] ^= (uint8_t)(1u << ((r >> 20) % 8));
			else
				wr32(slot + 4 * ((r >> 1) % 64), (uint32_t)(r >> 32));
		}
		/* Traced as written, so a corrupted message shows as the guest sees it. */
		sim_trace_msg(false, sy->is_pv, ROUTE_INTERNAL, (uint32_t)rd64(slot + 8), slot + 16, slot[4] <= 240 ? slot[4] : 240);
		if (ovl)
			memcpy(ovl, slot, 256);
		else
			sim_mem_rw(gpa, slot, 256, who_for(sy), true);
		S->st.msgs_delivered++;
		(void)vp;
		sim_synic_raise(sy, sint);
		if (q->count) {
			q->head |= NEED_EOM;
			return;
		}
	}
}

int sim_synic_post(struct sim_synic *sy, unsigned vp, unsigned sint, const uint8_t *payload, uint32_t n)
{
	if (!sint_live(sy, sint)) {
		S->st.msgs_dropped++;
		return -2;
	}
	__typeof__(sy->q[0]) *q = &sy->q[sint];
	if (q->count >= SIM_SINT_QUEUE_DEPTH)
		return -1;
	uint8_t *m = q->msg[((q->head & 0xFFFF) + q->count) % SIM_SINT_QUEUE_DEPTH];
	memset(m, 0, 256);
	wr32(m, 1); /* HvMessageType for VMBus */
	m[4] = (uint8_t)n;
	memcpy(m + 16, payload, n);
	q->count++;
	try_deliver(sy, vp, sint);
	return 0;
}

void sim_synic_deliver_queues(void)
{
	for (unsigned i = 0; i < 2 * SIM_MAX_VPS; i++) {
		unsigned vp;
		struct sim_synic *sy = all_synics(i, &vp);
		for (unsigned s = 0; s < 16; s++)
			if (sy->q[s].count)
				try_deliver(sy, vp, s);
	}
}

static bool signal1(struct sim_synic *sy, unsigned sint, unsigned flag);

bool sim_synic_signal(struct sim_synic *sy, unsigned vp, unsigned sint, unsigned flag)
{
	(void)vp;
	bool ok = signal1(sy, sint, flag);
	if (!ok)
		S->st.events_dropped++;
	return ok;
}

static bool signal1(struct sim_synic *sy, unsigned sint, unsigned flag)
{
	if (flag >= 2048 || !sint_live(sy, sint))
		return false;
	uint64_t off = sint * 256ull + flag / 8;
	uint8_t bit = (uint8_t)(1u << (flag % 8)), b;
	if (!(sy->siefp & 1)) {
		if (!sy->is_pv)
			return false;
		b = sy->siefp_overlay[off];
		sy->siefp_overlay[off] = b | bit;
	} else {
		uint64_t gpa = (sy->siefp & ~0xFFFull) + off;
		if (sim_mem_rw(gpa, &b, 1, who_for(sy), false) != 0) {
			sim_guest_error("%s SIEFP page not accessible to its owner; event dropped",
				sy->is_pv ? "paravisor" : "hypervisor");
			return false;
		}
		uint8_t nb = b | bit;
		sim_mem_rw(gpa, &nb, 1, who_for(sy), true);
	}
	S->st.events_set++;
	if (!(b & bit))
		sim_synic_raise(sy, sint);
	return true;
}

/* ---- the host's view: page lies, forged messages, test access ---- */

static uint64_t page_lie(uint8_t kind, uint64_t truth)
{
	switch (kind) {
	case SIM_LIE_PRIVATE: return S->cfg.hostile.hv_page_lie_gpa | 1;
	case SIM_LIE_UNALIGNED: return truth | 0x800;
	case SIM_LIE_NOT_RAM: return 0xF0000000ull | S->boundary | 1;
	case SIM_LIE_ZERO: return 0;
	default: return truth;
	}
}

bool sim_hv_msr_untrusted(uint32_t msr, uint64_t *v, bool write)
{
	if (!sim_hv_msr_access(msr, v, write))
		return false;
	if (write || !sim_is_paravisor() || (msr != MSR_SIMP && msr != MSR_SIEFP))
		return true;
	const struct sim_synic *sy = &S->vp[S->cur_vp].hv;
	uint8_t kind = msr == MSR_SIMP ? S->cfg.hostile.hv_simp_lie : S->cfg.hostile.hv_siefp_lie;
	uint64_t preset = msr == MSR_SIMP ? sy->preset_simp : sy->preset_siefp;
	if (kind != SIM_LIE_NONE && *v == preset) {
		sim_hostile_note();
		*v = page_lie(kind, *v);
	}
	return true;
}

int sim_host_forge_hv_message(unsigned vp, const void *payload, uint32_t n)
{
	if (!sim_has_hv() || vp >= S->cfg.nvp || n > 240 || (!payload && n))
		return UMBRA_EINVAL;
	struct sim_synic *sy = &S->vp[vp].hv;
	if (sim_synic_post(sy, vp, 2, payload, n) == -1)
		S->st.msgs_dropped++; /* the hypervisor's queue is full */
	return 0;
}

int sim_synic_regs(unsigned vp, bool pv, struct sim_synic_regs *out)
{
	if (!S->up || !out || vp >= S->cfg.nvp || (pv && !sim_is_paravisor()))
		return UMBRA_EINVAL;
	const struct sim_synic *sy = pv ? &S->vp[vp].pv : &S->vp[vp].hv;
	memset(out, 0, sizeof(*out));
	out->scontrol = sy->scontrol;
	out->simp = sy->simp;
	out->siefp = sy->siefp;
	out->sint2 = sy->sint[2];
	out->writes_scontrol = sy->writes_scontrol;
	out->writes_simp = sy->writes_simp;
	out->writes_siefp = sy->writes_siefp;
	return 0;
}
