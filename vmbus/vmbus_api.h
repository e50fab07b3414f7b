/*
 * Binding of the public client API (include/umbra/vmbus.h) to a connection and to the
 * platform's memory services. The runtime attaches after vmbus_conn_connect() succeeded
 * (vmbus/vmbus_platform.c); host tests attach a scripted or fake host.
 */
#ifndef UMBRA_VMBUS_API_H
#define UMBRA_VMBUS_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmbus/vmbus_conn.h"

struct vmbus_mem_ops {
	void *ctx;
	/* npages contiguous zeroed private pages: GPA (no shared-boundary bit) and VA. */
	int (*page_alloc)(void *ctx, size_t npages, uint64_t *gpa, void **va);
	int (*page_free)(void *ctx, uint64_t gpa, size_t npages);
	/* Make pages host-visible (true) or private again (false); contents are undefined
	 * afterwards. NULL when every page is already host-visible (no isolation). */
	int (*set_visibility)(void *ctx, uint64_t gpa, size_t npages, bool host_visible);
	/* Wait up to max_ns for an interrupt (may return early). */
	void (*wait)(void *ctx, uint64_t max_ns);
};

#define VMBUS_API_MAX_OPEN   32
#define VMBUS_API_MAX_BUFS   16         /* live buffers per channel */
#define VMBUS_RING_MIN_BYTES 8192u
#define VMBUS_RING_MAX_BYTES (16u << 20)

/* Attach the API to a connected connection. Sets the connection's rescind hook. */
int vmbus_api_attach(struct vmbus_conn *conn, const struct vmbus_mem_ops *ops);
/* Forget the connection (after unload); open channels become closed. */
void vmbus_api_detach(void);
/* The attached connection or NULL. */
struct vmbus_conn *vmbus_api_conn(void);
/* Interrupt path: the event flag of relid was set. Interrupt-safe. */
void vmbus_api_event(uint32_t relid);

#endif
