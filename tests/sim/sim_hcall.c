/*
 * Hyper-V hypercalls on every route: direct (hypercall page, trusted), GHCB usage 1 and
 * TDG.VP.VMCALL (untrusted). HvPostMessage, HvSignalEvent, and 0x00DB
 * HvModifySparseGpaPageHostVisibility (paravisor, direct route only).
 */
#include "lib/string.h"
#include "tests/sim/sim_int.h"

static uint64_t hv_result(unsigned status, uint64_t reps)
{
	return (uint64_t)status | (reps << 32);
}

/* Read slow-call input: 8-byte aligned, within one page. */
static unsigned read_input(enum sim_route r, uint64_t gpa, void *buf, size_t len)
{
	if ((gpa & 7) || (gpa & 0xFFF) + len > 4096)
		return HVS_INVALID_ALIGNMENT;
	enum sim_who who = r == ROUTE_DIRECT ? WHO_PV_ANY : WHO_HOST;
	int rc = sim_mem_rw(gpa, buf, len, who, false);
	if (rc == -2) {
		sim_guest_error("untrusted hypercall input at 0x%llx is in private memory",
			(unsigned long long)gpa);
		return HVS_INVALID_HYPERCALL_INPUT;
	}
	return rc ? HVS_INVALID_PARAMETER : HVS_SUCCESS;
}

static uint64_t modify_visibility(uint64_t control, uint64_t in)
{
	uint64_t count = HVC_REP_COUNT(control), start = HVC_REP_START(control);
	if (count == 0 || count > HV_MAX_VISIBILITY_REPS || start >= count)
		return hv_result(HVS_INVALID_HYPERCALL_INPUT, 0);
	uint8_t buf[4096];
	unsigned st = read_input(ROUTE_DIRECT, in, buf, 16 + 8 * count);
	if (st)
		return hv_result(st, 0);
	if (rd64(buf) != HV_PARTITION_SELF)
		return hv_result(HVS_INVALID_PARTITION_ID, 0);
	uint32_t vis = rd32(buf + 8) & 3;
	if ((rd32(buf + 8) & ~3u) || (vis != SIM_VIS_PRIVATE && vis != SIM_VIS_SHARED))
		return hv_result(HVS_INVALID_PARAMETER, 0);
	S->st.visibility_calls++;
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
	for (uint64_t i = start; i < limit; i++) {
		uint64_t pfn = rd64(buf + 16 + 8 * i);
		if ((S->boundary && ((pfn << 12) & S->boundary)) || (pfn >> 52) ||
		    sim_change_vis(pfn, (enum sim_vis)vis) != 0)
			return hv_result(HVS_INVALID_PARAMETER, i);
	}
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
