/*
 * Hyper-V hypercalls on every route: direct (hypercall page, trusted), GHCB usage 1 and
 * TDG.VP.VMCALL (untrusted). HvPostMessage, HvSignalEvent, and 0x00DB
 * HvModifySparseGpaPageHostVisibility (paravisor, direct route only).
 */
#include "lib/string.h"
#include "sim/sim_int.h"

static uint64_t hv_result(unsigned status, uint64_t reps)
{
	return (uint64_t)status | (reps << 32);
}

/*
 * Read slow-call input, in openvmm hv1_hypercall support.rs order (check_buffer, then
 * read_at): a buffer crossing its page is Straddle, then a misaligned one Unaligned, then
 * an unreadable one Access. Only Unaligned maps to HV_STATUS_INVALID_ALIGNMENT; every
 * other parse error is HV_STATUS_INVALID_HYPERCALL_INPUT (From<HypercallParseError>).
 */
static unsigned read_input(enum sim_route r, uint64_t gpa, void *buf, size_t len)
{
	if ((gpa & 0xFFF) + len > 4096)
		return HVS_INVALID_HYPERCALL_INPUT;
	if (len && (gpa & 7))
		return HVS_INVALID_ALIGNMENT;
	enum sim_who who = r == ROUTE_DIRECT ? WHO_PV_ANY : WHO_HOST;
	int rc = sim_mem_rw(gpa, buf, len, who, false);
	if (rc == -2) {
		sim_guest_error("untrusted hypercall input at 0x%llx is in private memory",
			(unsigned long long)gpa);
		return HVS_INVALID_HYPERCALL_INPUT;
	}
	return rc ? HVS_INVALID_HYPERCALL_INPUT : HVS_SUCCESS;
}

/* A page the paravisor has registered as an overlay for some VP (its SIMP, SIEFP or
 * hypercall page, while enabled): underhill_mem refuses to make it host-visible. */
static bool overlay_page(uint64_t pfn)
{
	for (unsigned v = 0; v < S->cfg.nvp; v++) {
		const struct sim_vp *vp = &S->vp[v];
		if (((vp->pv.simp & 1) && vp->pv.simp >> 12 == pfn) ||
		    ((vp->pv.siefp & 1) && vp->pv.siefp >> 12 == pfn) ||
		    ((vp->hypercall & 1) && vp->hypercall >> 12 == pfn))
			return true;
	}
	return false;
}

/* What change_host_visibility accepts: guest RAM (no boundary bit, not a platform page,
 * which lives outside the guest's memory map), and not an overlay page when sharing. */
static bool vis_page_ok(uint64_t pfn, uint32_t vis)
{
	if ((S->boundary && ((pfn << 12) & S->boundary)) || (pfn >> 40))
		return false;
	uint64_t gpa = pfn << 12;
	uint64_t pp, pn;
	if (!sim_gpa_ram(gpa))
		return false;
	if (sim_platform_pages(&pp, &pn) == 0 && gpa >= pp && gpa < pp + pn * 4096)
		return false;
	return !(vis == SIM_VIS_SHARED && sim_is_paravisor() && overlay_page(pfn));
}

/*
 * 0x00DB on the direct route, as OpenHCL answers it: openvmm hardware_cvm/mod.rs
 * modify_gpa_visibility (partition id != self -> AccessDenied, visibility not 0/3 ->
 * InvalidParameter) and underhill_mem/src/lib.rs change_host_visibility, which checks every
 * page before changing any (not guest RAM, or an overlay page made shared ->
 * OperationDenied with 0 reps of its own; RepHypercall::run reports rep_start + 0).
 * The hostile knobs model a platform that completes only part of a valid call.
 */
static uint64_t modify_visibility(uint64_t control, uint64_t in)
{
	uint64_t count = HVC_REP_COUNT(control), start = HVC_REP_START(control);
	if (count == 0 || start >= count)
		return hv_result(HVS_INVALID_HYPERCALL_INPUT, 0); /* InvalidControl */
	uint8_t buf[4096];
	/* > 510 reps: the 16 + 8n byte input cannot fit its page (Straddle -> 3). */
	unsigned st = count > HV_MAX_VISIBILITY_REPS ? HVS_INVALID_HYPERCALL_INPUT :
		read_input(ROUTE_DIRECT, in, buf, 16 + 8 * count);
	if (st)
		return hv_result(st, 0);
	if (rd64(buf) != HV_PARTITION_SELF)
		return hv_result(HVS_ACCESS_DENIED, start);
	uint32_t vis = rd32(buf + 8) & 3;
	if ((rd32(buf + 8) & ~3u) || (vis != SIM_VIS_PRIVATE && vis != SIM_VIS_SHARED))
		return hv_result(HVS_INVALID_PARAMETER, start);
	S->st.visibility_calls++;
	for (uint64_t i = start; i < count; i++)
		if (!vis_page_ok(rd64(buf + 16 + 8 * i), vis))
			return hv_result(HVS_OPERATION_DENIED, start);
	uint64_t limit = count;
	if (count - start > 1 && sim_chance(S->cfg.hostile.visibility_partial_pm)) {
		sim_hostile_note();
		limit = start + 1 + sim_rand() % (count - start - 1);
	}
	bool fail = false;
	if (sim_chance(S->cfg.hostile.visibility_fail_pm) &&
	    (!S->cfg.hostile.visibility_fail_private_only || vis == SIM_VIS_PRIVATE)) {
		sim_hostile_note();
		limit = start + sim_rand() % (limit - start);
		fail = true;
	}
	for (uint64_t i = start; i < limit; i++)
		if (sim_change_vis(rd64(buf + 16 + 8 * i), (enum sim_vis)vis) != 0)
			return hv_result(HVS_OPERATION_DENIED, i); /* not reached: checked above */
	return hv_result(fail ? HVS_INSUFFICIENT_MEMORY : HVS_SUCCESS, limit);
}

static bool busy_burst(void)
{
	if (S->busy_left) {
		S->busy_left--;
		return true;
	}
	if (sim_chance(S->cfg.hostile.post_busy_pm)) {
		sim_hostile_note();
		S->busy_left = S->cfg.hostile.post_busy_burst - 1u;
		return true;
	}
	return false;
}

uint64_t sim_hcall_dispatch(enum sim_route r, uint64_t control, uint64_t in, uint64_t out,
	const uint8_t *inline_input, size_t inline_len)
{
	(void)out;
	unsigned code = (unsigned)(control & 0xFFFF);
	bool fast = control & HVC_FAST;
	bool trusted = r == ROUTE_DIRECT;
	if (!trusted && code != HVC_POST_MESSAGE && code != HVC_SIGNAL_EVENT)
		return hv_result(HVS_INVALID_HYPERCALL_CODE, 0);
	/* The GHCB hypercall ABI has no fast register pairs (openvmm snp/mod.rs
	 * GhcbEnlightenedHypercall::fast_register_pair_count() = 0), so the dispatcher refuses
	 * every fast call as too big for fast (hv1_hypercall support.rs: TooBigForFast ->
	 * HV_STATUS_INVALID_HYPERCALL_INPUT). TDVMCALL has 7 pairs: fast calls work there. */
	if (r == ROUTE_GHCB && fast)
		return hv_result(HVS_INVALID_HYPERCALL_INPUT, 0);
	switch (code) {
	case HVC_POST_MESSAGE: {
		struct hv_post_input pi;
		if (fast)
			return hv_result(HVS_INVALID_HYPERCALL_INPUT, 0);
		if (inline_input) {
			memcpy(&pi, inline_input, inline_len < sizeof(pi) ? inline_len : sizeof(pi));
		} else {
			unsigned st = read_input(r, in, &pi, sizeof(pi));
			if (st) {
				S->st.posts_failed++;
				return hv_result(st, 0);
			}
		}
		unsigned st;
		uint32_t conn = pi.connection_id & 0xFFFFFF;
		if (pi.payload_size > 240)
			st = HVS_INVALID_PARAMETER;
		else if (sim_srv_is_message_port(conn) && trusted && sim_is_paravisor() &&
			 (sim_is_legacy() || S->cfg.hostile.refuse_direct_post)) {
			st = HVS_INVALID_CONNECTION_ID;
			if (!sim_is_legacy())
				sim_hostile_note();
		} else if (sim_srv_is_message_port(conn) && busy_burst())
			st = HVS_INSUFFICIENT_BUFFERS;
		else
			st = (unsigned)sim_srv_post(conn, trusted, pi.payload, pi.payload_size);
		if (st == HVS_SUCCESS) {
			S->st.posts++;
			bool pv = r == ROUTE_DIRECT && sim_is_paravisor();
			sim_trace_msg(true, pv, r, conn, pi.payload, pi.payload_size);
		} else {
			S->st.posts_failed++;
		}
		return hv_result(st, 0);
	}
	case HVC_SIGNAL_EVENT: {
		uint64_t v;
		if (fast)
			v = inline_input ? rd64(inline_input) : in;
		else if (inline_input)
			v = rd64(inline_input);
		else {
			unsigned st = read_input(r, in, &v, 8);
			if (st)
				return hv_result(st, 0);
		}
		S->st.signals++;
		return hv_result((unsigned)sim_srv_signal((uint32_t)v & 0xFFFFFF, trusted), 0);
	}
	case HVC_MODIFY_VISIBILITY:
		if (!sim_is_paravisor())
			return hv_result(HVS_ACCESS_DENIED, 0);
		if (fast)
			return hv_result(HVS_INVALID_HYPERCALL_INPUT, 0);
		return modify_visibility(control, in);
	default:
		return hv_result(HVS_INVALID_HYPERCALL_CODE, 0);
	}
}

uint64_t hw_hypercall(const void *page, uint64_t control, uint64_t input, uint64_t output)
{
	if (!S->up)
		return HVS_INVALID_HYPERCALL_CODE;
	sim_enter();
	S->st.direct_hypercalls++;
	uint64_t res;
	struct sim_vp *vp = &S->vp[S->cur_vp];
	uint64_t hc = vp->hypercall;
	if (!sim_has_hv() || !(hc & 1) || page != sim_ram_ptr(hc & ~0xFFFull)) {
		sim_fault("hypercall 0x%llx through a page that is not the enabled hypercall page (#UD)",
			(unsigned long long)(control & 0xFFFF));
		res = HVS_INVALID_HYPERCALL_CODE;
	} else if (memcmp(page, sim_hypercall_code(), 4) != 0) {
		sim_fault("hypercall 0x%llx through a hypercall page without the hypervisor's code",
			(unsigned long long)(control & 0xFFFF));
		res = HVS_INVALID_HYPERCALL_CODE;
	} else {
		res = sim_hcall_dispatch(ROUTE_DIRECT, control, input, output, NULL, 0);
	}
	sim_leave();
	return res;
}
