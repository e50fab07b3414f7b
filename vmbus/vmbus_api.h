/*
 * Binding of the public client API (include/umbra/vmbus.h) to a connection and to the
 * platform's memory services. The runtime attaches after vmbus_conn_connect() succeeded
 * (rt/vmbus_up.c); host tests attach a scripted or fake host.
 */
#ifndef UMBRA_VMBUS_API_H
#define UMBRA_VMBUS_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <umbra/vmbus.h>
#include "vmbus/vmbus_conn.h"

struct vmbus_mem_ops {
	void *ctx;
	/* npages contiguous zeroed private pages: GPA (no shared-boundary bit) and VA. */
	int (*page_alloc)(void *ctx, size_t npages, uint64_t *gpa, void **va);
	int (*page_free)(void *ctx, uint64_t gpa, size_t npages);
	/* npages contiguous zeroed host-visible pages (GPA without the boundary bit, VA
	 * through the shared alias), and their return: scrubbed, made private, freed; a
	 * page that cannot be made private is quarantined (never reused) and the call
	 * fails. NULL when there is no isolation (page_alloc memory is host-visible). */
	int (*shared_alloc)(void *ctx, size_t npages, uint64_t *gpa, void **va);
	int (*shared_free)(void *ctx, uint64_t gpa, size_t npages);
	/* In-place transfers: 0 and *gpa if [va, va+len) is private RAM the runtime's
	 * allocator handed out, contiguous in GPA; UMBRA_EPERM if a page of it is
	 * host-visible; UMBRA_EINVAL if it is other memory. NULL: refused (EPERM). */
	int (*private_range)(void *ctx, const void *va, size_t len, uint64_t *gpa);
	/* OR-ed into the GPA of host-visible memory for GPADL and GPA-direct page numbers:
	 * 0 (the low alias; always without isolation) or the shared-GPA boundary
	 * (rt/vmbus_up.c decides). */
	uint64_t shared_pfn_bias;
	/* Wait up to max_ns for an interrupt unless ready(arg) is true or a host message is
	 * already queued (may return early). ready is evaluated with interrupts disabled and
	 * the halt begins atomically with re-enabling them (hw_wait_for_interrupt), so an
	 * interrupt that arrives after the check ends the wait: no lost wakeup. ready may be
	 * NULL (wait for any interrupt). */
	void (*wait)(void *ctx, uint64_t max_ns, bool (*ready)(void *arg), void *arg);
};

/* The tables, sized by the public limits (include/umbra/vmbus.h). */
#define VMBUS_API_MAX_OPEN   VMBUS_MAX_OPEN_CHANNELS
#define VMBUS_API_MAX_BUFS   VMBUS_MAX_BUFFERS  /* live buffers per channel */
#define VMBUS_API_MAX_XFERS  VMBUS_XFER_MAX_INFLIGHT
#define VMBUS_BOUNCE_DEFAULT_PAGES 64   /* shared bounce pool: 256 KiB */
#define VMBUS_RING_PAIR_MAX_BYTES (2 * VMBUS_RING_MAX_BYTES)  /* both rings of a channel */

/* Attach the API to a connected connection. Sets the connection's rescind hook. */
int vmbus_api_attach(struct vmbus_conn *conn, const struct vmbus_mem_ops *ops);
/* Close every open channel (the runtime's exit path); returns how many. */
int vmbus_api_close_all(void);
/* Give back the memory the API holds for the connection (the shared bounce pool and the
 * pages of bounced transfers); before unload. */
void vmbus_api_release(void);
/* Forget the connection (after unload); open channels become closed. Touches no
 * memory (also used when a test re-creates the machine). */
void vmbus_api_detach(void);
/* The attached connection or NULL. */
struct vmbus_conn *vmbus_api_conn(void);
/* Interrupt path: the event flag of relid was set. Interrupt-safe. */
void vmbus_api_event(uint32_t relid);

/*
 * What VMBus needs from the layer above, chosen at link time: every program that links
 * vmbus_api.c links exactly one definition of vmbus_platform_ops. Images: rt/kernel.c.
 * Host tests of the bring-up: vmbus/tests/simhost.c; tests of the API alone define their
 * own. No call registers it, so an image whose app never calls the VMBus API links
 * neither VMBus nor the bring-up (--gc-sections drops the definition with them).
 */
struct vmbus_platform_ops {
	/* The bring-up the first API call runs while no connection is attached (every such
	 * call until one attaches; the bring-up keeps its own first result). NULL: none,
	 * calls fail with UMBRA_ENODEV until a test attaches. */
	int (*start)(void);
	/* Where VMBus log lines go: one line, without its newline (the runtime prefixes the
	 * time). NULL: dropped. */
	void (*log)(const char *line);
	/* Where vmbus_trace(true) prints the trace lines, one line without its newline.
	 * NULL: vmbus_trace(true) fails with UMBRA_ENOTSUP. */
	void (*trace)(const char *line);
	/* The confidentiality policy the platform adds to the app's (VMBUS_POLICY_*: the
	 * load option, rt/vmbus_up.c), read once, when the policy is first needed. NULL:
	 * none. */
	unsigned (*policy)(void);
};
extern const struct vmbus_platform_ops vmbus_platform_ops;

/* Formats a log line (a trailing newline is dropped) for vmbus_platform_ops.log; longer
 * than VMBUS_LOG_MAX - 1 bytes is cut. */
#define VMBUS_LOG_MAX 256
void vmbus_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
