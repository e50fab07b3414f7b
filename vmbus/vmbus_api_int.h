/* Private to the client API implementation (vmbus_api.c, vmbus_io.c). */
#ifndef UMBRA_VMBUS_API_INT_H
#define UMBRA_VMBUS_API_INT_H

#include <umbra/vmbus.h>
#include "vmbus/vmbus_api.h"
#include "vmbus/vmbus_conn.h"
#include "ring/ring.h"
#include "mem/bounce.h"
#include "vmbus/vmbus_policy.h"

#define VMBUS_DEFAULT_MAX_PKT VMBUS_MAX_PACKET_DEFAULT
#define VMBUS_MAX_PKT_LIMIT   VMBUS_MAX_PACKET_LIMIT

struct vmbus_bufrec {
	uint64_t gpa;
	size_t pages;
	bool shared;
};

/* A bounced transfer in flight: its pool pages and what the app asked for. Only these
 * are used by vmbus_xfer_done; the app's struct vmbus_xfer is a handle checked against
 * them. */
struct vmbus_xrec {
	uint64_t pool_gpa;
	uint8_t *pool_va;
	uint32_t pages;
	uint32_t seq;           /* 0 = free */
	void *buf;
	size_t len;
	unsigned dir;
};

/* A channel slot. The app never sees it: its handle (struct vmbus_channel *) is a number
 * naming the slot and the open's generation (vmbus_api.c, vmbus_ch_get). */
struct vmbus_ch {
	uint64_t gen;           /* generation of the open that holds the slot; 0 = free */
	bool used;
	bool failed;
	bool shared_ring;
	bool conf_ext;
	bool private_only;      /* opened under the confidentiality policy (vmbus_policy.h) */
	volatile bool event;
	uint32_t relid;
	uint32_t gpadl;
	uint64_t ring_gpa;
	void *ring_va;
	size_t ring_pages;
	uint32_t send_pages;
	uint8_t *pkbuf;
	uint64_t pkbuf_gpa;
	size_t pkbuf_pages;
	vmbus_rx_fn cb;
	vmbus_event_fn on_event;
	void *ctx;
	uint32_t max_pkt;       /* max_packet_bytes: larger payloads are reported */
	uint64_t oversized;     /* packets above max_pkt consumed */
	bool oversize_logged;
	/* Callback channels: the events told (once each), and an oversized packet that found
	 * no pages (retried at the next interrupt or vmbus_dispatch call). */
	bool fail_told, rescind_told, rx_stalled;
	/* A failed HvSignalEvent (status chosen by the host): counted, and owed until a
	 * retry at the next send or receive call on the channel succeeds. */
	bool signal_owed;
	uint16_t last_signal_status;
	uint64_t signal_failures;
	struct ring_pair rp;
	struct vmbus_bufrec bufs[VMBUS_API_MAX_BUFS];
	struct vmbus_xrec xfers[VMBUS_API_MAX_XFERS];
};

struct vmbus_api_state {
	struct vmbus_conn *conn;
	struct vmbus_mem_ops ops;
	struct vmbus_ch ch[VMBUS_API_MAX_OPEN];
	/* The shared bounce pool, made on first use (pool_pages > 0 once made). */
	struct mem_bounce pool;
	uint32_t pool_want;     /* pages to make it with (0 = default) */
	uint32_t xfer_seq;
	bool in_dispatch;
};
extern struct vmbus_api_state vmbus_api_s;

/* The slot an app's handle names: 0 and *out if h is the handle of an open channel;
 * UMBRA_ECLOSED if h was handed out by vmbus_open and its channel is closed since (even
 * if the slot holds another channel now); UMBRA_EINVAL for anything else. Decided by
 * integer checks alone: h is never dereferenced. */
int vmbus_ch_get(struct vmbus_channel *h, struct vmbus_ch **out);
/* The app's handle of an open slot. */
struct vmbus_channel *vmbus_ch_handle(const struct vmbus_ch *ch);
bool vmbus_ch_rescinded(const struct vmbus_ch *ch);
uint64_t vmbus_api_now(void);
/* Wait for an interrupt (bounded) unless ready(arg) already holds (checked with
 * interrupts disabled: no lost wakeup), then process control messages. */
void vmbus_api_wait(uint64_t max_ns, bool (*ready)(void *arg), void *arg);
/* Connect on first use when the runtime's bring-up is linked. */
bool vmbus_api_ready(void);
/* Pages by the memory policy: shared = host-visible (zeroed, VA through the shared
 * alias). put returns them (host-visible ones are scrubbed and made private first;
 * what cannot be made private is quarantined by mem/). */
int vmbus_pages_get(size_t npages, bool shared, uint64_t *gpa, void **va);
void vmbus_pages_put(uint64_t gpa, size_t npages, bool shared);
/* Page number the host is given for the page at gpa (the one switch of the PFN form
 * for host-visible memory lives in vmbus_mem_ops.shared_pfn_bias). */
uint64_t vmbus_host_pfn(uint64_t gpa, bool shared);
/* Send path helpers (vmbus_io.c): 0 and *out if the channel of handle h can send now,
 * else its error (an owed signal is retried first); the ring's result turned into the API's: the packet was published
 * when the ring says so, and that is the result. The signal the ring asks for is sent;
 * its failure is counted and owed, never returned. */
int vmbus_tx_check(struct vmbus_channel *h, struct vmbus_ch **out);
int vmbus_tx_result(struct vmbus_ch *ch, int rc);
/* HvSignalEvent for ch; a failure is counted (channel and connection) and owed. */
void vmbus_ch_signal(struct vmbus_ch *ch);
/* Retry an owed signal once (no-op otherwise). */
void vmbus_ch_signal_owed(struct vmbus_ch *ch);
/* Whether ch has something for a waiter: data in its inbound ring, the event flag, a
 * failure or a rescind. Safe with interrupts disabled (reads only). */
bool vmbus_ch_ready(struct vmbus_ch *ch);

/* Describe the run [start, start+len) (len > 0) as one GPA-direct range: its PFNs in the
 * host's form at pfns (room for ring_gpa_pfn_count(start & 4095, len)); returns the count. */
uint32_t vmbus_gpa_run(uint64_t start, uint32_t len, bool shared, uint64_t *pfns,
		       struct ring_gpa_range *r);

/* Scrub and give back the pool pages of every bounced transfer of ch. */
void vmbus_xfers_release(struct vmbus_ch *ch);
/* The host may still write the pool pages of ch's bounced transfers: leave them taken
 * for good (never reused); returns how many pages. */
uint64_t vmbus_xfers_quarantine(struct vmbus_ch *ch);

#ifdef UMBRA_HOST
/* Test-only (never in an image): route the external buffers of a channel with
 * confidential external memory through the bounce pool, to prove the leak checker
 * catches it. */
extern bool vmbus_test_bounce_confidential;
#endif

#endif
