/*
 * The VMBus protocol core: connection, offers, GPADLs, open/close, rescind, unload.
 *
 * It knows nothing of hardware. It is driven through a small transport (in OpenVMM's
 * vmbus_client style): post a message, signal an event, receive the next host message,
 * plus a clock. The runtime's transport sits on synic/; host tests use a scripted server
 * that checks every posted byte. Single-threaded: callers serialize; only the transport's
 * receive queue may be filled from interrupt context.
 *
 * Every wait on the host is bounded by conn->timeout_ns (UMBRA_ETIMEDOUT). Every host
 * message is copied and validated (vmbus_msg_parse) before it is used; malformed ones are
 * dropped and counted, unknown ones ignored.
 */
#ifndef UMBRA_VMBUS_CONN_H
#define UMBRA_VMBUS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmbus/vmbus_wire.h"

/* Hypervisor status codes the core interprets (HV_STATUS_*). */
#define VMBUS_HV_SUCCESS               0x0000u
#define VMBUS_HV_INSUFFICIENT_MEMORY   0x000Bu
#define VMBUS_HV_INVALID_CONNECTION_ID 0x0012u
#define VMBUS_HV_INSUFFICIENT_BUFFERS  0x0013u
#define VMBUS_HV_TIME_OUT              0x0078u

struct vmbus_transport {
	void *ctx;
	/*
	 * Post one message (HvPostMessage, message type 1) to connection conn_id. `direct`
	 * selects the route: true = the trusted direct path to the paravisor (confidential
	 * connection), false = the host-visible path (GHCB/tdcall in a CVM, plain elsewhere).
	 * Returns the 16-bit hypervisor status.
	 */
	uint16_t (*post)(void *ctx, bool direct, uint32_t conn_id, const void *msg, size_t len);
	/* HvSignalEvent(conn_id, flag 0). Returns the hypervisor status. */
	uint16_t (*signal)(void *ctx, uint32_t conn_id);
	/*
	 * Copy the next host message (raw SynIC payload, at most VMBUS_MSG_MAX bytes) into
	 * buf and return its length, waiting at most timeout_ns (0 = do not wait).
	 * UMBRA_ETIMEDOUT when none arrived.
	 */
	int (*recv)(void *ctx, void *buf, size_t cap, uint64_t timeout_ns);
	/* Monotonic nanoseconds, and a short busy/idle delay used for post retries. */
	uint64_t (*now_ns)(void *ctx);
	void (*delay_ns)(void *ctx, uint64_t ns);
};

#define VMBUS_MAX_CHANNELS   64
#define VMBUS_MAX_GPADLS     128
#define VMBUS_POST_RETRIES   100        /* INSUFFICIENT_BUFFERS & co, like Linux */
#define VMBUS_DEFAULT_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)
#define VMBUS_GPADL_FIRST    0xE1E10u

enum vmbus_chan_state {
	VMBUS_CHAN_FREE = 0,
	VMBUS_CHAN_OFFERED,     /* offer valid, not opened */
	VMBUS_CHAN_OPENING,     /* OpenChannel sent */
	VMBUS_CHAN_OPEN,
};

/* A validated offer, in private memory. */
struct vmbus_offer {
	uint8_t if_type[16];
	uint8_t if_instance[16];
	uint16_t flags;                 /* 0x2/0x4 only on a confidential connection (else dropped) */
	uint16_t sub_channel_index;
	uint32_t relid;
	uint32_t connection_id;
	uint8_t monitor_id;
	bool monitor_allocated;
	bool dedicated_interrupt;
	uint16_t mmio_megabytes, mmio_megabytes_optional;
	uint8_t user_defined[120];
};

struct vmbus_chan_rec {
	struct vmbus_offer offer;
	uint8_t state;                  /* enum vmbus_chan_state */
	bool rescinded;
	bool claimed;                   /* a user holds it: RelIdReleased waits for release */
	bool open_answered;
	uint32_t open_status;
	uint32_t ngpadl;                /* GPADLs not yet torn down */
};

enum vmbus_gpadl_state {
	VMBUS_GPADL_FREE = 0,
	VMBUS_GPADL_CREATING,
	VMBUS_GPADL_CREATED,
	VMBUS_GPADL_FAILED,
	VMBUS_GPADL_TEARING,
	VMBUS_GPADL_TORN,
};

struct vmbus_gpadl_rec {
	uint32_t id;
	uint32_t relid;
	uint8_t state;
	uint32_t status;
};

struct vmbus_conn_stats {
	uint64_t rx, tx, dropped_malformed, ignored_unknown, unexpected;
	uint64_t offers_rejected, post_retries;
	uint64_t conf_offers_dropped;   /* 0x2/0x4 offered on a non-confidential connection */
	uint64_t old_host_id4;          /* InitiateContact to id 4 refused: pre-5.0 host */
	/* HvSignalEvent calls that returned a failure status (the host's choice; the
	 * operation that published the data stands) and the last such status. */
	uint64_t signal_failures;
	uint16_t last_signal_status;
	/* GPADLs whose header reached the host but a later GpadlBody post failed: the
	 * record is dropped at once (the table stays usable); the caller quarantines the
	 * pages (vmbus_chan.c, "partial GPADL"). */
	uint64_t gpadl_abandoned;
	/* Kept by the client API (vmbus_api.c): pages never returned because the host did
	 * not confirm the teardown of a GPADL (or of the ring) that covered or referenced
	 * them. */
	uint64_t pages_quarantined;
};

typedef void (*vmbus_rescind_fn)(void *ctx, uint32_t relid);

struct vmbus_conn {
	const struct vmbus_transport *tp;
	uint64_t timeout_ns;            /* bound on every wait; VMBUS_DEFAULT_TIMEOUT_NS if 0 */
	uint32_t target_vcpu;           /* VP that receives control messages */
	bool isolated;                  /* refuse versions below 5.2 */

	bool connected;
	bool direct;                    /* messages go by the direct (paravisor) route */
	bool confidential;              /* 0x10 granted: offers may carry 0x2/0x4 */
	bool offers_done;
	uint32_t version;
	uint32_t features;
	uint32_t msg_conn_id;
	uint32_t next_gpadl;

	/* answers the waits look for */
	bool vr_got, unload_got;
	union vmbus_msg_any vr;
	size_t vr_len;

	struct vmbus_chan_rec ch[VMBUS_MAX_CHANNELS];
	struct vmbus_gpadl_rec gp[VMBUS_MAX_GPADLS];
	struct vmbus_conn_stats stats;

	vmbus_rescind_fn on_rescind;    /* optional; called from message processing */
	void *on_rescind_ctx;
};

/* Zero *c and bind it to a transport. */
void vmbus_conn_init(struct vmbus_conn *c, const struct vmbus_transport *tp);

/*
 * Negotiate a version. confidential = try the paravisor-first Confidential VMBus: post
 * InitiateContact(6.0, features 0x10) by the direct route. Versions tried: 6.0, 5.3, 5.2,
 * 5.1, 5.0, 4.1, 4.0, 3.0 (stopping at 5.2 when c->isolated). A negative VersionResponse
 * moves to the next version, and so does INVALID_CONNECTION_ID for an InitiateContact to
 * id 4 on the host-visible route (a pre-5.0 host listens on id 1 only). Returns 0 when connected (then RequestOffers has been sent
 * and every offer up to AllOffersDelivered processed),
 *   UMBRA_EREFUSED  confidential attempt: the direct post itself failed (e.g.
 *                   INVALID_CONNECTION_ID). Nothing was negotiated; the caller reconfigures
 *                   the SynIC for the fallback and calls again with confidential = false.
 *   UMBRA_ENOTSUP   every version refused;
 *   UMBRA_ETIMEDOUT no answer in time;  UMBRA_EIO post failed;  UMBRA_EPROTO bad answer.
 */
int vmbus_conn_connect(struct vmbus_conn *c, bool confidential);

/* Send Unload and wait for UnloadResponse. Forgets all channels and GPADLs. */
int vmbus_conn_unload(struct vmbus_conn *c);

/* Process every message already queued (no waiting). Returns how many were handled. */
int vmbus_conn_poll(struct vmbus_conn *c);

/* Process messages for up to timeout_ns or until one arrives. */
int vmbus_conn_poll_wait(struct vmbus_conn *c, uint64_t timeout_ns);

/* Feed one raw host message (what the transport's recv returns). Returns the type
 * handled, or the vmbus_msg_parse error. */
int vmbus_conn_handle(struct vmbus_conn *c, const void *raw, size_t len);

/* Channel record for relid, or NULL. */
struct vmbus_chan_rec *vmbus_conn_chan(struct vmbus_conn *c, uint32_t relid);

/*
 * Create a GPADL of one range over npfns pages for channel relid: GpadlHeader with up to
 * 26 PFNs, GpadlBody messages with up to 28 each, then wait for GpadlCreated. npfns must
 * be ceil((byte_offset + byte_count) / 4096), byte_offset <= 0xFFF, byte_count > 0.
 * UMBRA_EREFUSED if the host reports a non-zero creation status, UMBRA_ERESCINDED if the
 * channel was rescinded (any GPADL the host still created is torn down first).
 */
int vmbus_conn_gpadl_create(struct vmbus_conn *c, uint32_t relid, uint32_t byte_offset,
			    uint32_t byte_count, const uint64_t *pfns, uint32_t npfns,
			    uint32_t *gpadl_out);

/* Send GpadlTeardown and wait for GpadlTorndown. On UMBRA_ETIMEDOUT the host may still
 * use the pages: the caller must not reuse them. */
int vmbus_conn_gpadl_teardown(struct vmbus_conn *c, uint32_t gpadl);

/*
 * Open relid on ring GPADL `gpadl`, host->guest ring at downstream_page_offset pages,
 * interrupts to target_vp. Waits for OpenResult (relid, openid = relid).
 * UMBRA_EREFUSED on a non-zero status; UMBRA_ERESCINDED if rescinded before the answer.
 */
int vmbus_conn_open(struct vmbus_conn *c, uint32_t relid, uint32_t gpadl,
		    uint32_t downstream_page_offset, uint32_t target_vp);

/* Send CloseChannel (there is no response) if the channel is open and not rescinded. */
int vmbus_conn_close(struct vmbus_conn *c, uint32_t relid);

/* Mark the channel claimed by a user (it then stays until vmbus_conn_release). */
int vmbus_conn_claim(struct vmbus_conn *c, uint32_t relid);
/* The user is done with relid (closed, GPADLs torn down). If it was rescinded, send
 * RelIdReleased and forget it. */
int vmbus_conn_release(struct vmbus_conn *c, uint32_t relid);

/* HvSignalEvent to the channel's connection id. */
int vmbus_conn_signal(struct vmbus_conn *c, uint32_t relid);

#endif
