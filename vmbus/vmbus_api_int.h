/* Private to the client API implementation (vmbus_api.c, vmbus_io.c). */
#ifndef UMBRA_VMBUS_API_INT_H
#define UMBRA_VMBUS_API_INT_H

#include <umbra/vmbus.h>
#include "vmbus/vmbus_api.h"
#include "vmbus/vmbus_conn.h"
#include "ring/ring.h"
#include "mem/bounce.h"

#define VMBUS_CH_MAGIC 0x564D4348u
#define VMBUS_DEFAULT_MAX_PKT (16u << 10)
#define VMBUS_MAX_PKT_LIMIT   (1u << 20)

struct vmbus_bufrec {
	uint64_t gpa;
	size_t pages;
	bool shared;
};

/* A bounced transfer in flight: its pool pages. */
struct vmbus_xrec {
	uint64_t pool_gpa;
	uint8_t *pool_va;
	uint32_t pages;
	uint32_t seq;           /* 0 = free */
};

struct vmbus_channel {
	uint32_t magic;
	bool used;
	bool failed;
	bool shared_ring;
	bool conf_ext;
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
	void *ctx;
	struct ring_pair rp;
	struct vmbus_bufrec bufs[VMBUS_API_MAX_BUFS];
	struct vmbus_xrec xfers[VMBUS_API_MAX_XFERS];
};

struct vmbus_api_state {
	struct vmbus_conn *conn;
	struct vmbus_mem_ops ops;
	struct vmbus_channel ch[VMBUS_API_MAX_OPEN];
	/* The shared bounce pool, made on first use (pool_pages > 0 once made). */
	struct mem_bounce pool;
	uint32_t pool_want;     /* pages to make it with (0 = default) */
	uint32_t xfer_seq;
	bool in_dispatch;
};
extern struct vmbus_api_state vmbus_api_s;

/* 0 if ch is a live handle; UMBRA_ECLOSED for a closed slot; UMBRA_EINVAL otherwise. */
int vmbus_ch_check(const struct vmbus_channel *ch);
bool vmbus_ch_rescinded(const struct vmbus_channel *ch);
uint64_t vmbus_api_now(void);
/* Wait for an interrupt (bounded), then process control messages. */
void vmbus_api_wait(uint64_t max_ns);
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
/* Send path helpers (vmbus_io.c): 0 if ch can send now, else its error; the ring's
 * result turned into the API's (signals the host when the ring says so). */
int vmbus_tx_check(struct vmbus_channel *ch);
int vmbus_tx_result(struct vmbus_channel *ch, int rc);

/* Describe the run [start, start+len) (len > 0) as one GPA-direct range: its PFNs in the
 * host's form at pfns (room for ring_gpa_pfn_count(start & 4095, len)); returns the count. */
uint32_t vmbus_gpa_run(uint64_t start, uint32_t len, bool shared, uint64_t *pfns,
		       struct ring_gpa_range *r);

/* Scrub and give back the pool pages of every bounced transfer of ch. */
void vmbus_xfers_release(struct vmbus_channel *ch);

#ifdef UMBRA_HOST
/* Test-only (never in an image): route the external buffers of a channel with
 * confidential external memory through the bounce pool, to prove the leak checker
 * catches it. */
extern bool vmbus_test_bounce_confidential;
#endif

#endif
