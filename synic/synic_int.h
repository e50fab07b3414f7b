/* synic/ private state, shared by its files. */
#ifndef UMBRA_SYNIC_INT_H
#define UMBRA_SYNIC_INT_H

#include "synic/synic.h"
#include "synic/synic_hw.h"

#define SYNIC_QUEUE 64
#define SYNIC_PV 0
#define SYNIC_HV 1

struct synic_qmsg {
	uint8_t len;
	uint8_t from;                   /* SYNIC_PV / SYNIC_HV */
	uint8_t payload[HV_MSG_PAYLOAD_MAX];
};

struct synic_state {
	struct synic_config cfg;
	bool up;
	bool confidential;              /* posts by the direct route */
	bool two;                       /* paravisor present: two SynICs */
	void *hcpage;                   /* hypercall page VA */
	uint64_t hcpage_gpa;
	uint8_t *ghcb;                  /* SNP: GHCB VA */
	uint64_t ghcb_msr;              /* value of MSR 0xC0010130 (GHCB GPA, maybe with vTOM) */
	uint16_t ghcb_version;          /* negotiated by the MSR protocol (SEV_INFO) */
	uint32_t vp_index;              /* HV_X64_MSR_VP_INDEX of this CPU */
	bool hv_own_pages;              /* hypervisor SIMP/SIEFP are ours (host's were refused) */
	uint64_t hv_page_gpa[2];        /* [0] SIMP, [1] SIEFP of ours (from shared_alloc) */
	bool untrusted_logged;
	uint8_t *in_page;               /* hypercall input page for the direct route */
	uint64_t in_gpa;
	uint8_t *shared_page;           /* TDX: host-visible input page for TDVMCALL */
	uint64_t shared_gpa;
	bool shared_by_policy;          /* shared_page came from pages->shared_alloc */
	/* [SYNIC_PV], [SYNIC_HV]: message and event pages (NULL if that SynIC is absent) */
	volatile uint8_t *simp[2];
	volatile uint8_t *siefp[2];
	uint64_t own_gpa[8];            /* pages we allocated (freed on shutdown) */
	unsigned nown;
	const struct synic_pages *pages;
	/* private message queue, filled by the handler */
	struct synic_qmsg q[SYNIC_QUEUE];
	volatile unsigned qhead, qtail;
	synic_event_fn on_event;
	synic_trace_fn trace;
	synic_log_fn log;
	uint64_t trace_n;
	struct synic_stats st;
};

extern struct synic_state synic_s;

uint64_t synic_ghcb_hypercall(uint64_t control, const void *in, size_t in_len, uint64_t out_gpa);
int synic_ghcb_negotiate(void);
uint64_t synic_tdcall_hypercall(uint64_t control, uint64_t rdx, uint64_t r8);
void synic_isr(void *ctx);
void synic_trace_msg(bool g2h, int from, int route, uint32_t conn, const void *payload, size_t len);

#endif
