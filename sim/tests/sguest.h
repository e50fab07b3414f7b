/*
 * A small scripted guest for the simulator's own tests and the umbra-sim runner. It uses
 * only hw_*() and the simulator's wire header; it shares nothing with the runtime's
 * synic/, vmbus/ or ring/ code. Not hardened: it is a test driver, not a VMBus client.
 */
#ifndef UMBRA_SIM_SGUEST_H
#define UMBRA_SIM_SGUEST_H

#include <stdbool.h>
#include <stdint.h>
#include "sim/sim.h"
#include "sim/sim_wire.h"

enum sg_route { SG_DIRECT, SG_BYPASS };   /* hypercall page / GHCB-or-TDVMCALL */

struct sg {
	uint64_t next, end;              /* bump allocator over the free RAM range */
	uint64_t boundary;
	void *hcpage;
	uint64_t pv_simp, pv_siefp;      /* GPAs (private) */
	uint64_t hv_simp, hv_siefp;      /* GPAs as the platform gave them (may carry the alias) */
	uint64_t post_page, shared_page; /* private / host-visible scratch pages */
	bool confidential;               /* paravisor SINT2 not proxied; posts direct */
	uint8_t vector;
	unsigned irqs;
	bool retry_busy;                 /* sg_post retries HV_STATUS_INSUFFICIENT_BUFFERS */
	uint32_t vp_index;               /* HV_X64_MSR_VP_INDEX of the running VP */
};

int sg_init(struct sg *g, bool confidential);
uint64_t sg_alloc(struct sg *g, uint64_t npages);       /* zeroed private pages; 0 if none */
/* 0x00DB with partial-completion loop. Returns the HV status. */
unsigned sg_visibility(struct sg *g, uint64_t gpa, uint64_t npages, bool shared);
uint64_t sg_hcall(struct sg *g, enum sg_route r, uint64_t control, const void *in, size_t inlen);
unsigned sg_post(struct sg *g, enum sg_route r, uint32_t conn, const void *msg, uint32_t len);
unsigned sg_signal(struct sg *g, enum sg_route r, uint32_t conn);
/* GHCB MSR-protocol SEV information exchange (SNP); the negotiated version or 0. */
unsigned sg_ghcb_negotiate(struct sg *g);
/* Default route for VMBus messages in this configuration. */
enum sg_route sg_msg_route(const struct sg *g);
/* Hypervisor MSRs (GHCB exit 0x7C / TDVMCALL 31/32; plain MSRs in hyperv). */
bool sg_hv_rdmsr(struct sg *g, uint32_t msr, uint64_t *v);
bool sg_hv_wrmsr(struct sg *g, uint32_t msr, uint64_t v);
/* Wait up to timeout_ns for a SINT2 message on either SynIC; copies the payload. */
int sg_recv(struct sg *g, uint8_t *buf, uint32_t *len, uint64_t timeout_ns, bool *from_pv);
/* Wait for a message of type `type`, discarding others. */
int sg_expect(struct sg *g, uint32_t type, uint8_t *buf, uint32_t *len, uint64_t timeout_ns);

/* VMBus steps (post on the default route, wait for the reply). */
int sg_connect(struct sg *g, uint32_t version, uint32_t features, uint8_t *resp, uint32_t *resp_len);
int sg_offers(struct sg *g, struct vm_offer *offers, unsigned max, unsigned *n);
/* GpadlHeader + bodies for npages consecutive pages at gpa (PFNs | alias if alias). */
int sg_gpadl(struct sg *g, uint32_t relid, uint32_t id, uint64_t gpa, uint32_t npages, bool alias,
	uint32_t *status);

struct sg_ring { uint8_t *base; uint32_t dsize; };
struct sg_chan {
	uint32_t relid, gpadl, conn_id;
	uint64_t gpa;
	uint32_t pages;
	struct sg_ring out, in;   /* out = guest->host, in = host->guest */
};
/* Allocate 2 x ring_pages, make them host-visible unless private, GPADL, open. Returns
 * the OpenResult status in *status (0 ok). */
int sg_open_channel(struct sg *g, uint32_t relid, uint32_t ring_pages, bool private_ring,
	struct sg_chan *ch, uint32_t *status);
/* Write a packet; 1 if the host must be signalled, 0 if not, <0 if no room. */
int sg_ring_write(struct sg_ring *r, uint16_t type, uint16_t flags, uint64_t tid, const void *data, uint32_t n);
/* Read one packet (descriptor included). 0, UMBRA_EAGAIN if empty, UMBRA_EPROTO if bad. */
int sg_ring_read(struct sg_ring *r, uint8_t *buf, uint32_t cap, uint32_t *len);
/* Send one in-band packet and signal if needed. */
int sg_chan_send(struct sg *g, struct sg_chan *ch, uint16_t type, uint16_t flags, uint64_t tid,
	const void *data, uint32_t n);
/* Wait (bounded) for one packet on the h2g ring. */
int sg_chan_recv(struct sg *g, struct sg_chan *ch, uint8_t *buf, uint32_t cap, uint32_t *len, uint64_t timeout_ns);

#endif
