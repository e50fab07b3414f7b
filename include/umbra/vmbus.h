/*
 * The VMBus client API for applications: the one way an app talks to VMBus devices.
 *
 * The runtime connects to VMBus on the app's first VMBus call (paravisor-first
 * Confidential VMBus when available, otherwise the host-visible path) and collects the
 * offers. An app then finds a
 * device, opens a channel with the ring sizes it wants, and exchanges packets.
 *
 * Memory policy (enforced here, not left to the app): a channel whose offer has the
 * confidential-ring flag gets its rings in private memory; otherwise the rings are made
 * host-visible and restored to private after close. Buffers from vmbus_buffer_alloc()
 * are private when the offer has the confidential-external-memory flag, host-visible
 * otherwise; vmbus_send_gpa_direct() refuses (UMBRA_EPERM) a buffer of another channel
 * whose kind differs, rather than copy it. vmbus_xfer_send() moves the app's own private
 * memory: in place on a channel with confidential external memory, through the shared
 * bounce pool otherwise. Data the app passes to vmbus_send() is copied into the ring: for
 * a channel whose ring is host-visible that copy is visible to the host.
 *
 * Threading: single-threaded. Callbacks (VMBUS_OPEN with on_packet) run only inside
 * vmbus_dispatch(), never from interrupt context.
 *
 * Errors: every function returns 0 (or a count / index) on success, or a negative code
 * from umbra/errno.h. Common ones:
 *   UMBRA_EINVAL      bad argument (NULL, unknown handle, size out of range)
 *   UMBRA_ENODEV      no Hyper-V / VMBus not connected
 *   UMBRA_ENOENT      no such offer
 *   UMBRA_EBUSY       the offer is already open
 *   UMBRA_ECLOSED     channel handle already closed
 *   UMBRA_ERESCINDED  the host rescinded the channel (close it); sends fail at once, a receive
 *                     still returns every packet queued before the rescind, then this code
 *   UMBRA_EAGAIN      ring full (send) / nothing to read (recv with timeout 0)
 *   UMBRA_ENOSPC      packet larger than the ring (send) or than the buffer (recv)
 *   UMBRA_EMSGSIZE    packet above the channel's max_packet_bytes and the buffer (recv)
 *   UMBRA_ETIMEDOUT   a bounded wait expired
 *   UMBRA_ECORRUPT    the host broke the ring protocol; the channel stays failed
 *   UMBRA_EREFUSED    the host refused the GPADL or the open
 *   UMBRA_ENOMEM      out of pages
 *   UMBRA_EPERM       the memory is of the wrong kind for the channel's policy
 *   UMBRA_ENOBUFS     the shared bounce pool is full (vmbus_xfer_send, no wait)
 *   UMBRA_EPOLICY     the app's confidentiality policy forbids it (see the end of this file)
 * No function crashes on bad arguments, including garbage channel handles.
 */
#ifndef UMBRA_VMBUS_H
#define UMBRA_VMBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <umbra/errno.h>
#include <umbra/vmbus_guid.h>   /* struct vmbus_guid, its text form, the class GUIDs */

/* Offer flags as the client API reports them (after the connection's policy). */
#define VMBUS_FLAG_CONFIDENTIAL_RING     0x0002u
#define VMBUS_FLAG_CONFIDENTIAL_EXTERNAL 0x0004u
#define VMBUS_FLAG_NAMED_PIPE            0x0010u  /* the user area starts with a pipe mode */

/* The offer's user-defined area (Linux include/linux/hyperv.h MAX_USER_DEFINED_BYTES,
 * openvmm vmbus_core protocol.rs UserDefinedData) and the pipe modes of a named-pipe
 * offer (openvmm PipeType; Linux VMBUS_PIPE_TYPE_*). */
#define VMBUS_OFFER_USER_BYTES  120
#define VMBUS_PIPE_TYPE_BYTE    0u
#define VMBUS_PIPE_TYPE_MESSAGE 4u

struct vmbus_offer_info {
	struct vmbus_guid class_id;     /* interface type */
	struct vmbus_guid instance_id;
	uint32_t relid;                 /* channel id, 1..2047; the key for vmbus_open */
	uint16_t flags;                 /* offer flags (0x2/0x4 only on a confidential connection) */
	uint16_t subchannel_index;
	bool confidential_ring;         /* rings live in private memory */
	bool confidential_external;     /* GPA-direct buffers live in private memory */
	bool rescinded;
	/* As the host sent them in the offer, copied (fixed sizes); host data that the
	 * runtime neither checks nor uses: the device's protocol gives it meaning. */
	uint16_t mmio_megabytes;          /* MMIO space the device needs, MiB */
	uint16_t mmio_megabytes_optional; /* MMIO space it can use besides, MiB */
	uint32_t pipe_mode;               /* flags & VMBUS_FLAG_NAMED_PIPE: the area's first
					   * 4 bytes (VMBUS_PIPE_TYPE_*, or whatever the host
					   * wrote); else 0 */
	uint8_t user_defined[VMBUS_OFFER_USER_BYTES]; /* the whole area, pipe mode included */
};

struct vmbus_info {
	bool connected;
	bool confidential;              /* paravisor-first Confidential VMBus in use */
	uint32_t version;               /* negotiated protocol version, major << 16 | minor */
	uint32_t offers;                /* offers currently known */
	uint64_t signal_failures;       /* HvSignalEvent calls the host failed (all channels) */
	uint64_t pages_quarantined;     /* pages never returned: the host did not confirm
					 * it let go of them (see vmbus_close) */
};

/* Connection state. UMBRA_EINVAL if out is NULL; UMBRA_ENODEV if not connected (out is
 * still filled). */
int vmbus_info(struct vmbus_info *out);

/* Number of offers (>= 0), or UMBRA_ENODEV. */
int vmbus_offer_count(void);
/* Offer number index (0-based, in relid order). UMBRA_ENOENT past the end. */
int vmbus_offer_get(unsigned index, struct vmbus_offer_info *out);
/* The nth (0-based) offer whose class is class_id. UMBRA_ENOENT if none. */
int vmbus_find(const struct vmbus_guid *class_id, unsigned nth, struct vmbus_offer_info *out);

/*
 * Per-process limits of the client API (the runtime's tables are these sizes):
 *  VMBUS_MAX_OFFERS         offer records at once (a rescinded one counts until it is
 *                           released); a further offer is rejected
 *  VMBUS_MAX_OPEN_CHANNELS  channels open at once (vmbus_open: UMBRA_EBUSY); also the
 *                           largest n of vmbus_wait
 *  VMBUS_MAX_BUFFERS        live vmbus_buffer_alloc buffers per channel (UMBRA_ENOMEM)
 *  VMBUS_BUFFER_MAX_BYTES   the largest vmbus_buffer_alloc
 *  VMBUS_RING_MIN/MAX_BYTES each ring of vmbus_open (a multiple of 4 KiB)
 *  VMBUS_MAX_PACKET_DEFAULT max_packet_bytes when 0; VMBUS_MAX_PACKET_LIMIT its largest
 *  VMBUS_XFER_MAX_INFLIGHT  bounced transfers per channel (below)
 */
#define VMBUS_MAX_OFFERS         64
#define VMBUS_MAX_OPEN_CHANNELS  32
#define VMBUS_MAX_BUFFERS        16
#define VMBUS_BUFFER_MAX_BYTES   (64u << 20)
#define VMBUS_RING_MIN_BYTES     (8u << 10)
#define VMBUS_RING_MAX_BYTES     (8u << 20)
#define VMBUS_MAX_PACKET_DEFAULT (16u << 10)
#define VMBUS_MAX_PACKET_LIMIT   (1u << 20)

/* Opaque channel handle: a value that names one vmbus_open, never a pointer (do not
 * dereference it). vmbus_open never returns the same value twice in a process; once the
 * channel is closed, every call on its handle returns UMBRA_ECLOSED for good, also after
 * a later open reuses the channel's resources. A value no open returned is UMBRA_EINVAL
 * (unless it forges the handle format, docs/vmbus.md "Handles": then UMBRA_ECLOSED). */
struct vmbus_channel;

/* A received packet. data points into the caller's buffer (vmbus_recv), is NULL for a
 * packet only described (vmbus_recv's UMBRA_ENOSPC / UMBRA_EMSGSIZE, vmbus_discard), or
 * points into private runtime memory valid during the callback (vmbus_dispatch). */
struct vmbus_packet {
	uint16_t type;          /* 6 in-band, 11 completion, 9 GPA-direct, 7 transfer pages */
	uint16_t flags;         /* VMBUS_SEND_COMPLETION_REQUESTED */
	uint64_t trans_id;
	const void *data;       /* payload (after the packet's type header) */
	uint32_t len;           /* payload bytes, including the sender's padding to 8 */
};

typedef void (*vmbus_rx_fn)(struct vmbus_channel *ch, const struct vmbus_packet *pkt, void *ctx);

/*
 * Events of a callback channel, told to on_event from vmbus_dispatch only (never from
 * interrupt context), each after the packets queued before it:
 *  VMBUS_EVENT_OVERSIZED  a packet whose payload is above max_packet_bytes: ev->pkt
 *                         describes it, ev->pkt.data/len hold its payload (valid during
 *                         the call). It is consumed when on_event returns (without an
 *                         on_event, unseen) and the channel goes on delivering. A packet
 *                         larger than the packet buffer is copied into temporary private
 *                         pages first; if none are free it stays queued, retried at the
 *                         channel's next interrupt or vmbus_dispatch call.
 *  VMBUS_EVENT_CORRUPT    the host broke the ring protocol: the channel failed (every
 *                         call on it returns UMBRA_ECORRUPT; close it). Once.
 *  VMBUS_EVENT_RESCINDED  the host rescinded the channel: nothing more arrives (close it).
 *                         Once, after every packet queued before the rescind.
 */
#define VMBUS_EVENT_OVERSIZED 1u
#define VMBUS_EVENT_CORRUPT   2u
#define VMBUS_EVENT_RESCINDED 3u
struct vmbus_event {
	unsigned kind;                  /* VMBUS_EVENT_* */
	struct vmbus_packet pkt;        /* VMBUS_EVENT_OVERSIZED only; else zero */
};
typedef void (*vmbus_event_fn)(struct vmbus_channel *ch, const struct vmbus_event *ev, void *ctx);

struct vmbus_open_params {
	uint32_t send_ring_bytes;       /* guest->host ring incl. its 4 KiB control page:  */
	uint32_t recv_ring_bytes;       /* each a multiple of 4 KiB, VMBUS_RING_MIN_BYTES ..
					 * VMBUS_RING_MAX_BYTES (8 KiB .. 8 MiB) */
	uint32_t target_vp;             /* VP that takes the channel interrupts (0 = BSP)  */
	uint32_t max_packet_bytes;      /* largest payload delivered as a packet (0 =
					 * VMBUS_MAX_PACKET_DEFAULT, 16 KiB; at most
					 * VMBUS_MAX_PACKET_LIMIT, 1 MiB); a larger one is
					 * reported: UMBRA_EMSGSIZE (vmbus_recv),
					 * VMBUS_EVENT_OVERSIZED */
	vmbus_rx_fn on_packet;          /* NULL: polling with vmbus_recv */
	void *ctx;                      /* passed to on_packet and on_event */
	vmbus_event_fn on_event;        /* optional, callback channels only (else EINVAL) */
	uint32_t flags;                 /* VMBUS_OPEN_* (0 = none; other bits: UMBRA_EINVAL) */
};

/* Nothing of this channel host-visible ("Confidentiality policy" at the end). */
#define VMBUS_OPEN_PRIVATE_ONLY 0x1u

/* Open the offer relid. Allocates the rings by the memory policy, creates the GPADL,
 * sends OpenChannel and waits (bounded) for the result. */
int vmbus_open(uint32_t relid, const struct vmbus_open_params *p, struct vmbus_channel **out);

/* Close: CloseChannel, GPADL teardown, rings and buffers back to private and freed, the
 * handle becomes invalid. Also the way to release a rescinded channel.
 * Memory comes back only when the host confirmed the ring GPADL's teardown
 * (GpadlTorndown). If it did not (the teardown post failed or went unanswered: the
 * result is that error), the host may still use the ring and what its packets describe:
 * the ring pages, the channel's vmbus_buffer pages and the pool pages of its bounced
 * transfers are quarantined (never freed or reused, counted in
 * vmbus_info.pages_quarantined, logged); the handle is invalid all the same. The app's
 * own memory of an in-place transfer still outstanding then stays the host's to write:
 * the app should not reuse it. vmbus_open's failure paths follow the same rule. */
int vmbus_close(struct vmbus_channel *ch);

/* Relid of an open channel, or UMBRA_EINVAL / UMBRA_ECLOSED. */
int vmbus_channel_relid(struct vmbus_channel *ch);

#define VMBUS_SEND_COMPLETION_REQUESTED 0x1u

/*
 * Signals: HvSignalEvent's status is the host's to choose, and the data it announces is
 * already in the ring when it is made. The result of every send and receive is what the
 * ring did: 0 (or the length) once the packet is published / consumed, whatever the
 * signal returned. A failed signal is counted (vmbus_channel_stats, and
 * vmbus_info.signal_failures) and owed: the next send or receive call on the channel
 * (vmbus_send*, vmbus_xfer_send, vmbus_recv, vmbus_discard, each vmbus_dispatch pass)
 * retries it once before doing its own work. Nothing else reports it.
 */
struct vmbus_channel_stats {
	uint64_t signal_failures;       /* failed HvSignalEvent calls on this channel */
	uint16_t last_signal_status;    /* the host's status of the last failure, 0 = none */
	bool signal_owed;               /* the last signal failed; the next call retries it */
	uint64_t oversized;             /* packets above max_packet_bytes consumed (taken
					 * into a larger buffer, discarded, or reported by
					 * VMBUS_EVENT_OVERSIZED) */
};
int vmbus_channel_stats(struct vmbus_channel *ch, struct vmbus_channel_stats *out);

/* Send an in-band packet (len 0..max; flags 0 or VMBUS_SEND_COMPLETION_REQUESTED). Never
 * blocks: UMBRA_EAGAIN if the ring is full now. Signals the host only when the protocol
 * requires it (a failed signal does not change the result, see above). */
int vmbus_send(struct vmbus_channel *ch, const void *data, size_t len, uint64_t trans_id,
	       unsigned flags);
/* Send a completion packet (type 11) answering trans_id. */
int vmbus_send_completion(struct vmbus_channel *ch, const void *data, size_t len,
			  uint64_t trans_id);

/* Receive the next packet into buf (any alignment; NULL with cap 0 takes a packet without
 * payload). Waits up to timeout_ns (0 = poll).
 * Returns the payload length; *pkt (optional) gets type, flags, trans_id, len and
 * data = buf. A payload above max_packet_bytes is taken too when it fits cap. If it
 * does not fit cap, the packet stays queued, *pkt describes it (len = its payload bytes,
 * data NULL) and the result is UMBRA_ENOSPC, or UMBRA_EMSGSIZE when the payload is also
 * above max_packet_bytes (logged once per channel): call again with a buffer of pkt.len
 * bytes, or vmbus_discard. Only the payload's bytes of buf are written. UMBRA_ENOMEM if
 * a packet larger than the packet buffer finds no private pages for its copy (it stays
 * queued). Not allowed on a channel opened with on_packet (UMBRA_EINVAL). */
int vmbus_recv(struct vmbus_channel *ch, void *buf, size_t cap, struct vmbus_packet *pkt,
	       uint64_t timeout_ns);

/* Drop the next packet of a polling channel, of any size, without waiting. Returns its
 * payload length; *pkt (optional) describes it (data NULL; e.g. the trans_id of a request
 * to complete). UMBRA_EAGAIN if none is queued, UMBRA_ERESCINDED after a rescind with
 * nothing queued, UMBRA_ENOMEM as vmbus_recv, UMBRA_EINVAL on a callback channel. */
int vmbus_discard(struct vmbus_channel *ch, struct vmbus_packet *pkt);

/* Wait until one of n (1 .. VMBUS_MAX_OPEN_CHANNELS) channels has a packet (or was
 * rescinded, or failed). Returns the index of the first such channel, UMBRA_ETIMEDOUT, or
 * the error of a bad handle in the array (UMBRA_EINVAL, UMBRA_ECLOSED). A queued packet
 * keeps its channel ready until it is taken, discarded or (callback channels) delivered
 * or reported by vmbus_dispatch. */
int vmbus_wait(struct vmbus_channel *const *chs, unsigned n, uint64_t timeout_ns);

/* Run callbacks for every callback channel with packets or events, waiting up to
 * timeout_ns for the first. Returns the number of callbacks run (on_packet and on_event),
 * UMBRA_EBUSY from inside a callback. */
int vmbus_dispatch(uint64_t timeout_ns);

/* A buffer for GPA-direct packets, placed by the channel's memory policy. */
struct vmbus_buffer {
	void *va;
	uint64_t gpa;           /* GPA without the shared-GPA boundary bit */
	size_t bytes;           /* rounded up to whole pages */
	bool host_visible;
};
/* bytes 1 .. VMBUS_BUFFER_MAX_BYTES; UMBRA_ENOMEM when the channel holds
 * VMBUS_MAX_BUFFERS buffers already, or out of pages. */
int vmbus_buffer_alloc(struct vmbus_channel *ch, size_t bytes, struct vmbus_buffer *out);
/* Returns the pages (made private again first if they were host-visible). */
int vmbus_buffer_free(struct vmbus_channel *ch, struct vmbus_buffer *buf);

/* A piece of a buffer from vmbus_buffer_alloc for one GPA range. */
struct vmbus_gpa_buf {
	const struct vmbus_buffer *buf;
	size_t offset;
	size_t len;             /* > 0 */
};

#define VMBUS_GPA_MAX_RANGES 8
#define VMBUS_GPA_MAX_PAGES  64

/* Send a GPA-direct packet (type 9) describing up to VMBUS_GPA_MAX_RANGES buffer pieces
 * (VMBUS_GPA_MAX_PAGES pages in all) plus an in-band payload. The pieces must come from
 * vmbus_buffer_alloc on this channel. */
int vmbus_send_gpa_direct(struct vmbus_channel *ch, const struct vmbus_gpa_buf *bufs, unsigned n,
			  const void *data, size_t len, uint64_t trans_id, unsigned flags);

/*
 * Transfers of the app's own memory (any private buffer from umbra_alloc or
 * umbra_page_alloc) by one GPA-direct packet, without the app choosing the memory kind:
 *  - channel with confidential external memory (offer flag 0x4): the buffer is described
 *    in place, never copied. It must be private RAM the runtime's allocator handed out:
 *    UMBRA_EPERM if any page of it is host-visible, UMBRA_EINVAL for other memory.
 *  - any other channel: the data goes through the shared bounce pool: copied into
 *    host-visible pool pages right before the packet is sent (TO_HOST; the rest of the
 *    pages is zero) and out right after vmbus_xfer_done (FROM_HOST); pool pages are
 *    scrubbed when released. The pool never holds a confidential ring or a buffer of a
 *    channel with 0x4. If the pool has no room: pool_timeout_ns 0 returns UMBRA_ENOBUFS
 *    at once; otherwise the call waits up to pool_timeout_ns (running the callbacks of
 *    callback channels, so their completions can release pool pages) and then returns
 *    UMBRA_ETIMEDOUT. From inside a callback no callbacks run during the wait.
 * len is 1 .. VMBUS_GPA_MAX_PAGES * 4096 - (buf's offset in its page); dir is
 * VMBUS_XFER_TO_HOST (the device reads), VMBUS_XFER_FROM_HOST (it writes) or both. The
 * in-band payload data/len and trans_id/flags are as for vmbus_send. *x records the
 * transfer: after the device's completion the app calls vmbus_xfer_done(x) (also after
 * a rescind; vmbus_close releases what is still outstanding). At most
 * VMBUS_XFER_MAX_INFLIGHT bounced transfers per channel (UMBRA_EBUSY).
 */
#define VMBUS_XFER_TO_HOST      0x1u
#define VMBUS_XFER_FROM_HOST    0x2u
#define VMBUS_XFER_MAX_INFLIGHT 16

/* Filled by vmbus_xfer_send; a handle, not trusted: vmbus_xfer_done uses only the
 * runtime's own record of the transfer (buffer, length, direction) and refuses
 * (UMBRA_EINVAL, nothing copied or released) a struct whose fields no longer match it. */
struct vmbus_xfer {
	struct vmbus_channel *ch;
	void *buf;
	size_t len;
	unsigned dir;
	bool bounced;           /* went through the shared bounce pool */
	uint32_t slot, seq;     /* the runtime's bookkeeping */
};
int vmbus_xfer_send(struct vmbus_channel *ch, void *buf, size_t len, unsigned dir,
		    const void *data, size_t data_len, uint64_t trans_id, unsigned flags,
		    uint64_t pool_timeout_ns, struct vmbus_xfer *x);
/* Finish a transfer: FROM_HOST data is copied into the app's buffer, pool pages are
 * scrubbed and released. UMBRA_EINVAL if x is not an outstanding transfer (done twice,
 * or its fields were changed), UMBRA_ECLOSED if its channel was closed, reopened or not
 * (the pool pages were released or quarantined at the close). */
int vmbus_xfer_done(struct vmbus_xfer *x);

/* The shared bounce pool: its size in pages (1..1024, default 64) may be set before its
 * first use (UMBRA_EBUSY afterwards). */
int vmbus_bounce_pool_pages(uint32_t pages);
struct vmbus_bounce_info {
	uint32_t pages;         /* 0 until first used */
	uint32_t in_use, high_water;
	uint64_t takes;         /* transfers that went through it */
	uint64_t exhausted;     /* times a transfer found no room */
};
int vmbus_bounce_info(struct vmbus_bounce_info *out);

/* Trace: with tracing on, every SynIC message sent or received is printed on the
 * console as "trace <n> dir=<g2h|h2g> synic=<pv|hv> route=<direct|ghcb|tdcall|->
 * conn=<hex> msgtype=<dec> hex=<payload>", the format of the simulator's runner. */
int vmbus_trace(bool on);

/*
 * Confidentiality policy: what the app requires to stay private, enforced by the runtime
 * instead of a silent downgrade (docs/vmbus.md, "Confidentiality policy").
 *
 *  VMBUS_POLICY_PRIVATE_CONNECTION: connect only by paravisor-first Confidential VMBus.
 *    Where that is not available (no isolation; a paravisor without CPUID 0x40000082
 *    EAX bit 3), refused (the direct InitiateContact post fails) or not granted (feature
 *    0x10), the bring-up fails instead of falling back to the host-visible control
 *    plane: nothing is posted by the host-visible route, one log line says why, and
 *    every call that brings VMBus up (vmbus_info, vmbus_offer_count, vmbus_offer_get,
 *    vmbus_find, vmbus_open) returns UMBRA_EPOLICY. No Hyper-V at all stays
 *    UMBRA_ENODEV.
 *  VMBUS_POLICY_PRIVATE_CHANNELS: every channel opened as if with VMBUS_OPEN_PRIVATE_ONLY.
 *
 * VMBUS_OPEN_PRIVATE_ONLY (vmbus_open_params.flags), per channel: vmbus_open of an offer
 * without the confidential-ring flag 0x2 (its ring would be host-visible) fails; on the
 * open channel, vmbus_xfer_send without confidential external memory 0x4 (the data
 * would be bounced through host-visible pool pages) and vmbus_buffer_alloc (the buffer
 * would be host-visible) fail. vmbus_send copies into the private ring as always. Each
 * refusal is UMBRA_EPOLICY, logged with the relid and the reason, and leaves nothing
 * behind (no page made host-visible, no packet sent).
 *
 * Default (no flags): as without a policy; a connection that could have been
 * confidential and is not (the paravisor refused the direct post, or did not grant
 * 0x10) is logged as a warning, "umbra: WARN vmbus: ...".
 *
 * Effective policy = the app's flags (vmbus_policy_set) | the load option
 * umbra.vmbus.policy=private (both flags) or =private-connection. Load options come from
 * the host in a CVM (UEFI load options, the options file on the ESP), so an option can
 * only add to the app's policy, never remove from it: a host that drops or changes the
 * option still gets the app's own policy.
 *
 * vmbus_policy_set: UMBRA_EINVAL for unknown bits. Meant for before the first VMBus call:
 * the bring-up obeys the policy in effect then, once (a failed bring-up is not
 * retried). Once connected, a policy the connection already violates is refused with
 * UMBRA_EPOLICY (policy unchanged, logged): PRIVATE_CONNECTION on a connection that is
 * not confidential, PRIVATE_CHANNELS while a channel with a host-visible ring is open.
 * Otherwise it applies to later opens, transfers and buffer allocations; a channel
 * opened under the policy stays private-only until it is closed. Lowering the app's
 * flags is allowed (never below the load option's).
 */
#define VMBUS_POLICY_PRIVATE_CONNECTION 0x1u
#define VMBUS_POLICY_PRIVATE_CHANNELS   0x2u
#define VMBUS_POLICY_PRIVATE (VMBUS_POLICY_PRIVATE_CONNECTION | VMBUS_POLICY_PRIVATE_CHANNELS)
int vmbus_policy_set(unsigned flags);

struct vmbus_policy_info {
	unsigned effective;     /* what is enforced: app | option */
	unsigned app;           /* the app's (vmbus_policy_set) */
	unsigned option;        /* the load option's (umbra.vmbus.policy) */
	bool refused;           /* the bring-up failed because of the policy */
};
/* The policy in effect. UMBRA_EINVAL for NULL. Brings nothing up. */
int vmbus_policy_get(struct vmbus_policy_info *out);

#endif
