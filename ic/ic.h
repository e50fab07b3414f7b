/*
 * ic/: the integration-component services (Shutdown, Time Sync, Heartbeat, KVP, VSS) on
 * the public VMBus client API (include/umbra/vmbus.h) only. Wire formats: ic/ic_wire.h.
 * Model and decisions: docs/ic.md.
 *
 * The framework (ic/ic_core.c) owns the channels. For each service it finds the offer
 * by class GUID, opens it (polled, IC_RING_BYTES each way), and services it: one host
 * message at a time is received into a private buffer and validated (pipe framing,
 * header, sizes), NEGOTIATE is answered by the framework (highest common framework and
 * message version, any list order; every NEGOTIATE resets the channel's versions),
 * messages of the service's type go to its handle(), any other type is answered with
 * IC_E_FAIL (Linux hv_util.c), and the one response is sent before the next message is
 * read. A service never touches VMBus itself.
 *
 * Contexts: handle(), after_send() and reset() may run in interrupt context (the timer
 * tick; ic_in_irq() says so): there they must not allocate, block, wait or print (use
 * ic_log, which defers the line), and must finish quickly. thread_work() runs in thread
 * context only (a runtime wait, or ic_poll called from thread context).
 *
 * Threading: single CPU. The servicing passes (ic_poll, ic_poll_irq) never nest; a
 * service's public API (called by the app) brackets its access to state that handle()
 * also uses with ic_enter()/ic_leave(), so no servicing pass runs in between.
 */
#ifndef UMBRA_IC_IC_H
#define UMBRA_IC_IC_H

#include <stdbool.h>
#include <stdint.h>
#include <umbra/vmbus.h>

#include "ic/ic_wire.h"

/* Ring bytes each way (control page + 16 KiB data: ic.md §1, >= 16 KiB, larger than any
 * IC message; Linux opens 3 data pages). No packet that fits the ring is larger than the
 * receive buffer, so receiving never needs the page allocator. */
#define IC_RING_BYTES   (20u << 10)
/* The largest message (pipe header + ICMSG header + body) received or sent. */
#define IC_MSG_MAX      (16u << 10)
#define IC_BODY_MAX     (IC_MSG_MAX - IC_PREFIX)

/* What handle() decides. */
#define IC_ANSWER 0     /* send the response (resp as filled) */
#define IC_DROP   1     /* send nothing (malformed request; Linux drops those, see docs) */

/* A validated request: a private copy; valid during handle() only. */
struct ic_msg {
	const struct ic_hdr *hdr;       /* the request's ICMSG header */
	const uint8_t *body;            /* hdr->size bytes, inside the private copy */
	uint32_t len;                   /* == hdr->size */
	struct ic_version fw, ver;      /* negotiated framework / message version */
};

/* The one response. The framework pre-fills it as Linux answers: the request's header
 * echoed (type, versions, transaction id), flags TRANSACTION|RESPONSE, status IC_S_OK,
 * and body = a copy of the request body (len = min(request len, cap)). handle() edits
 * body in place, may change len (0..cap) and sets status. */
struct ic_resp {
	uint8_t *body;
	uint32_t len;
	uint32_t cap;                   /* the service's resp_max */
	uint32_t status;                /* IC_S_OK, IC_E_FAIL, ... */
};

struct ic_ctx;                          /* one service's channel (opaque) */

struct ic_service {
	const char *name;               /* short name: logs and the umbra.ic= list */
	struct vmbus_guid class_id;     /* the offer's interface GUID (VMBUS_CLASS_*) */
	uint16_t msg_type;              /* IC_MSG_* that goes to handle() */
	/* Message versions supported (any order); the highest one the host also lists
	 * wins. Framework versions: fw_versions, or NULL for {3.0, 1.0}. */
	const struct ic_version *versions;
	unsigned nversions;
	const struct ic_version *fw_versions;
	unsigned nfw_versions;
	uint32_t resp_max;              /* largest response body (0: IC_NEGOTIATE_RESP_SIZE) */
	/* Started by default on an isolated (confidential) VM? Linux channel_mgmt.c
	 * vmbus_devs[].allowed_in_isolated. isolated_opt_in (optional) may say yes anyway
	 * (e.g. an app or option opt-in); it is asked once, at ic_start. */
	bool allowed_in_isolated;
	bool (*isolated_opt_in)(void);
	/* The request (type msg_type, after a successful NEGOTIATE). IC_ANSWER or IC_DROP. */
	int (*handle)(struct ic_ctx *ctx, const struct ic_msg *req, struct ic_resp *resp);
	/* Optional: after the response of a handle() call went out (Linux sends first, then
	 * acts: shutdown). Same context as handle(). */
	void (*after_send)(struct ic_ctx *ctx);
	/* Optional: the channel was (re)negotiated (ok: versions agreed) or closed (ok
	 * false, ver zero): forget per-session state. */
	void (*reset)(struct ic_ctx *ctx, bool ok, struct ic_version ver);
	/* Optional: thread-context work asked for with ic_want_thread(). */
	void (*thread_work)(struct ic_ctx *ctx);
	/* Optional: after the channel opened / before it closes (thread context). */
	int (*on_start)(struct ic_ctx *ctx);
	void (*on_stop)(struct ic_ctx *ctx);
};

/* The service table (ic/ic_registry.c): every service linked into the image, in start
 * order. A service's file defines its struct ic_service under the name listed there. */
unsigned ic_service_count(void);
const struct ic_service *ic_service_at(unsigned i);

/* ---- helpers for services ---- */
const struct ic_service *ic_ctx_service(const struct ic_ctx *ctx);
/* The negotiated message version (zero before a successful NEGOTIATE). */
struct ic_version ic_ctx_version(const struct ic_ctx *ctx);
/* True while the current servicing pass runs in interrupt context. */
bool ic_in_irq(void);
/* Ask for thread_work() at the next thread-context pass (any context; idempotent). */
void ic_want_thread(struct ic_ctx *ctx);
/* A log line ("umbra: ic: <service>: ..."); at most IC_LOG_BURST lines per service per
 * IC_LOG_WINDOW_NS, the rest counted and reported once. From interrupt context it is
 * queued and printed at the next thread-context pass. */
void ic_log(struct ic_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define IC_LOG_BURST     4u
#define IC_LOG_WINDOW_NS 10000000000ull
/* Bracket app-facing calls of a service (see Threading). Nestable. */
void ic_enter(void);
void ic_leave(void);

/* ---- for rt/ (the runtime's composition root) ---- */
struct ic_config {
	bool isolated;          /* hardware-isolated (confidential) VM */
	const char *select;     /* umbra.ic= value, or NULL: the default set (docs/ic.md) */
	/* Time source for latency and gap accounting, and the log sink (one line each,
	 * no trailing newline needed); both required. */
	uint64_t (*now_ns)(void);
	void (*log)(const char *line);
};
/* Opens every selected service whose offer exists. Returns the number started (>= 0) or
 * a negative error (UMBRA_EINVAL for a bad select string). Thread context, once. */
int ic_start(const struct ic_config *cfg);
/* A servicing pass over every channel (one message each, answered); thread context. */
void ic_poll(void);
/* The same from an interrupt handler: does nothing while a pass or an ic_enter section
 * is in progress or before ic_start / after ic_stop. */
void ic_poll_irq(void);
/* Closes every channel (thread context); further passes do nothing. */
void ic_stop(void);

struct ic_stats {
	uint64_t passes, irq_passes;    /* servicing passes (all / from interrupts) */
	uint64_t requests;              /* messages received */
	uint64_t responses;             /* responses sent */
	uint64_t dropped;               /* malformed, not answered */
	uint64_t failed;                /* answered IC_E_FAIL by the framework */
	uint64_t negotiations;
	uint64_t send_retries;          /* response held back: the send ring was full */
	uint64_t max_gap_ns;            /* longest time with started channels unserviced */
};
/* Totals (all services), or one service's (name). UMBRA_ENOENT for an unknown name. */
int ic_stats_get(const char *name, struct ic_stats *out);
/* Whether the named service's channel is open (and negotiated: *negotiated). */
bool ic_running(const char *name, bool *negotiated);

#endif
