/* Messages and events: the SINT2 handler, the private queue, post, signal, trace. */
#include "synic/synic_int.h"
#include "arch/x86_64/hw.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include <umbra/errno.h>

static const char *const route_name[] = { "direct", "ghcb", "tdcall" };

void synic_set_event_handler(synic_event_fn fn)
{
	synic_s.on_event = fn;
}

void synic_set_trace(synic_trace_fn fn)
{
	synic_s.trace = fn;
}

void synic_set_log(synic_log_fn fn)
{
	synic_s.log = fn;
}

/* On a confidential connection the paravisor's SIMP is the only legitimate source of
 * VMBus control messages; the hypervisor's is host-writable (mu_msvm MsvmPkg/VmbusDxe/
 * VmbusRoot.c VmbusRootSintNotify reads the paravisor page only when confidential).
 * On the fallback connection the hypervisor SynIC is the legitimate source. */
static bool untrusted_source(int which)
{
	return which == SYNIC_HV && synic_s.two && synic_s.confidential;
}

/* Thread context: say once that the host wrote into the hypervisor SIMP. */
static void note_untrusted(void)
{
	if (synic_s.st.msgs_untrusted && !synic_s.untrusted_logged && synic_s.log) {
		synic_s.untrusted_logged = true;
		char line[160];
		fmt_snprintf(line, sizeof(line),
			     "synic: dropped %llu message(s) the host wrote into the hypervisor SIMP of a confidential connection",
			     (unsigned long long)synic_s.st.msgs_untrusted);
		synic_s.log(line);
	}
}

void synic_get_stats(struct synic_stats *out)
{
	if (out)
		*out = synic_s.st;
}

void synic_trace_msg(bool g2h, int from, int route, uint32_t conn, const void *payload, size_t len)
{
	if (!synic_s.trace)
		return;
	char line[640];
	const uint8_t *p = payload;
	uint32_t mt = 0;
	if (len >= 4)
		memcpy(&mt, p, 4);
	int k = fmt_snprintf(line, sizeof(line), "trace %llu dir=%s synic=%s route=%s conn=%x msgtype=%u hex=",
			     (unsigned long long)synic_s.trace_n++, g2h ? "g2h" : "h2g",
			     from == SYNIC_PV ? "pv" : "hv", g2h ? route_name[route] : "-", conn, mt);
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < len && k + 3 < (int)sizeof(line); i++) {
		line[k++] = hx[p[i] >> 4];
		line[k++] = hx[p[i] & 15];
	}
	line[k] = 0;
	synic_s.trace(line);
}

static void eom(int which)
{
	synic_s.st.eoms++;
	if (which == SYNIC_PV || !synic_s.two)
		hw_wrmsr(HV_MSR_EOM, 0);
	else
		synic_msr_write(synic_s.cfg.bypass, HV_MSR_EOM, 0);
}

/* VMBus's SINT bitmap (VMBUS_SINT_INDEX) of one SIEFP: atomically take every set bit; bit = relid (0 reserved). */
static void scan_events(int which)
{
	volatile uint8_t *f = synic_s.siefp[which];
	if (!f)
		return;
	uint64_t *w = (uint64_t *)(uintptr_t)(f + VMBUS_SINT_INDEX * HV_EVENT_FLAGS_BYTES);
	for (unsigned i = 0; i < HV_EVENT_FLAGS_BYTES / 8; i++) {
		if (!__atomic_load_n(&w[i], __ATOMIC_RELAXED))
			continue;
		uint64_t bits = __atomic_exchange_n(&w[i], 0, __ATOMIC_SEQ_CST);
		while (bits) {
			unsigned b = (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			uint32_t relid = i * 64 + b;
			if (relid == 0)
				continue;
			synic_s.st.events++;
			if (synic_s.on_event)
				synic_s.on_event(relid);
		}
	}
}

/* VMBus's message slot (VMBUS_SINT_INDEX) of one SIMP: copy out (private), free the slot, EOM if pending. */
static void scan_msgs(int which)
{
	volatile uint8_t *simp = synic_s.simp[which];
	if (!simp)
		return;
	volatile struct hv_message *slot =
		(volatile struct hv_message *)(simp + VMBUS_SINT_INDEX * HV_MSG_SLOT_BYTES);
	for (int k = 0; k < SYNIC_QUEUE; k++) {
		if (slot->message_type == HV_MSG_NONE)
			return;
		unsigned used = synic_s.qtail - synic_s.qhead;
		if (used >= SYNIC_QUEUE)
			return;         /* keep it in the slot: back-pressure, nothing lost */
		struct hv_message m;
		memcpy(&m, (const void *)(uintptr_t)slot, sizeof(m));
		if (untrusted_source(which)) {
			synic_s.st.msgs_untrusted++;
		} else if (m.message_type == HV_MSG_VMBUS && m.payload_size <= HV_MSG_PAYLOAD_MAX) {
			struct synic_qmsg *q = &synic_s.q[synic_s.qtail % SYNIC_QUEUE];
			q->len = m.payload_size;
			q->from = (uint8_t)which;
			memcpy(q->payload, m.payload, m.payload_size);
			synic_s.qtail++;
			synic_s.st.msgs++;
			synic_trace_msg(false, which, 0, (uint32_t)m.sender, m.payload, m.payload_size);
		} else {
			synic_s.st.msgs_dropped++;
		}
		slot->message_type = HV_MSG_NONE;
		hw_mb();
		if (slot->flags & HV_MSG_FLAG_PENDING)
			eom(which);
	}
}

static void scan_all(void)
{
	scan_events(SYNIC_HV);
	scan_events(SYNIC_PV);
	scan_msgs(SYNIC_HV);
	scan_msgs(SYNIC_PV);
}

void synic_isr(void *ctx)
{
	(void)ctx;
	synic_s.st.irqs++;
	if (synic_s.up)
		scan_all();
	hw_irq_eoi();
}

bool synic_pending(void)
{
	return synic_s.qtail != synic_s.qhead;
}

void synic_poll(void)
{
	if (!synic_s.up)
		return;
	bool irq = hw_irq_save_disable();
	scan_all();
	hw_irq_restore(irq);
}

int synic_recv(void *buf, size_t cap, uint64_t timeout_ns)
{
	if (!buf)
		return UMBRA_EINVAL;
	if (!synic_s.up)
		return UMBRA_ENODEV;
	uint64_t start = 0;
	for (bool first = true;; first = false) {
		/* Check and halt under one interrupts-off section: hw_wait_for_interrupt
		 * enables them atomically with the halt, so a message queued by the handler
		 * after the check ends the wait (no lost wakeup). */
		bool irq = hw_irq_save_disable();
		note_untrusted();
		if (synic_s.qtail == synic_s.qhead)
			scan_all();
		/* Nothing from an untrusted source is ever queued (scan_msgs drops it), and a
		 * connection only goes from confidential to fallback, never back. */
		if (synic_s.qtail != synic_s.qhead) {
			struct synic_qmsg *q = &synic_s.q[synic_s.qhead % SYNIC_QUEUE];
			synic_s.qhead++;
			size_t n = q->len < cap ? q->len : cap;
			memcpy(buf, q->payload, n);
			hw_irq_restore(irq);
			return (int)n;
		}
		if (timeout_ns == 0) {
			hw_irq_restore(irq);
			return UMBRA_ETIMEDOUT;
		}
		if (first)
			start = hw_now_ns();
		uint64_t el = hw_now_ns() - start;
		if (el >= timeout_ns) {
			hw_irq_restore(irq);
			return UMBRA_ETIMEDOUT;
		}
		hw_wait_for_interrupt(timeout_ns - el);
		hw_irq_restore(irq);
	}
}

uint16_t synic_post(bool direct, uint32_t conn_id, const void *msg, size_t len)
{
	if (!synic_s.up)
		return HV_STATUS_INVALID_PARTITION_STATE;
	if (!msg || len > HV_MSG_PAYLOAD_MAX)
		return HV_STATUS_INVALID_PARAMETER;
	enum synic_route rt = (direct || !synic_s.two) ? SYNIC_ROUTE_DIRECT : synic_s.cfg.bypass;
	struct hv_post_message_input in;
	memset(&in, 0, sizeof(in));
	in.connection_id = conn_id;
	in.message_type = HV_MSG_VMBUS;
	in.payload_size = (uint32_t)len;
	memcpy(in.payload, msg, len);
	uint64_t rax;
	bool irq = hw_irq_save_disable();
	if (rt == SYNIC_ROUTE_DIRECT) {
		memcpy(synic_s.in_page, &in, sizeof(in));
		rax = synic_hypercall(SYNIC_ROUTE_DIRECT, HVCALL_POST_MESSAGE, synic_s.in_gpa, 0);
	} else if (rt == SYNIC_ROUTE_GHCB) {
		synic_s.st.hypercalls++;
		rax = synic_ghcb_hypercall(HVCALL_POST_MESSAGE, &in, sizeof(in), 0);
	} else {
		memcpy(synic_s.shared_page, &in, sizeof(in));
		synic_s.st.hypercalls++;
		rax = synic_tdcall_hypercall(HVCALL_POST_MESSAGE,
					     synic_s.shared_gpa | synic_s.cfg.shared_boundary, 0);
	}
	hw_irq_restore(irq);
	uint16_t st = HV_STATUS(rax);
	if (st == 0) {
		synic_s.st.posts++;
		synic_trace_msg(true, (rt == SYNIC_ROUTE_DIRECT && synic_s.two) ? SYNIC_PV : SYNIC_HV,
				rt, conn_id, msg, len);
	} else {
		synic_s.st.post_fail++;
	}
	return st;
}

uint16_t synic_signal(uint32_t conn_id)
{
	if (!synic_s.up)
		return HV_STATUS_INVALID_PARTITION_STATE;
	enum synic_route rt = synic_s.two ? synic_s.cfg.bypass : SYNIC_ROUTE_DIRECT;
	synic_s.st.signals++;
	return HV_STATUS(synic_hypercall_fast8(rt, HVCALL_SIGNAL_EVENT, conn_id));
}
