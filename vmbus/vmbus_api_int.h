/* Private to the client API implementation (vmbus_api.c, vmbus_io.c). */
#ifndef UMBRA_VMBUS_API_INT_H
#define UMBRA_VMBUS_API_INT_H

#include <umbra/vmbus.h>
#include "vmbus/vmbus_api.h"
#include "vmbus/vmbus_conn.h"
#include "ring/ring.h"

#define VMBUS_CH_MAGIC 0x564D4348u
#define VMBUS_DEFAULT_MAX_PKT (16u << 10)
#define VMBUS_MAX_PKT_LIMIT   (1u << 20)

struct vmbus_bufrec {
	uint64_t gpa;
	size_t pages;
	bool shared;
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
};

struct vmbus_api_state {
	struct vmbus_conn *conn;
	struct vmbus_mem_ops ops;
	struct vmbus_channel ch[VMBUS_API_MAX_OPEN];
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
/* Pages by the memory policy: shared = made host-visible (and zeroed). put makes them
 * private again before freeing, and leaks them if that fails. */
int vmbus_pages_get(size_t npages, bool shared, uint64_t *gpa, void **va);
void vmbus_pages_put(uint64_t gpa, size_t npages, bool shared);

#endif
