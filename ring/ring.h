/*
 * VMBus ring buffers: hardened reader, writer, signalling decisions, flow control.
 *
 * Portable: no hardware access, no signalling. Every call that may require waking the peer
 * returns RING_SIGNAL and the caller signals (HvSignalEvent / monitor page); the ring never
 * signals by itself. All functions return 0 (or RING_SIGNAL / RING_MORE where stated) on
 * success and a negative UMBRA_E* code on failure; none crashes on bad arguments.
 *
 * Memory: a channel's buffer holds the outbound (guest->host) ring first and the inbound
 * (host->guest) ring at a page offset. Each ring is a 4 KiB control page plus a data area
 * of a page multiple (ring_wire.h). The buffer is shared with the host, which may write any
 * byte at any time: the reader reads each shared index once per step and validates it,
 * copies each packet (descriptor, then the rest) once into caller-provided private memory
 * and validates only that copy; no shared byte of a packet is read twice, the trailer is
 * never read. The writer validates the host's read index whenever it needs free space.
 *
 * Failed state: when shared state fails validation (a bad index, a malformed packet) the
 * ring half returns UMBRA_ECORRUPT, stays failed (every later call returns the same error
 * without touching shared memory) until ring_*_reset().
 *
 * Concurrency: one ring_tx is used by one thread at a time, likewise one ring_rx; the tx
 * and rx halves of a pair are independent. The peer is the host (or another thread in tests).
 *
 * Typical use by a channel (vmbus/):
 *
 *   ring_pair_init(&p, buf, 2 * ring_bytes, ring_bytes / 4096);   // before the GPADL
 *   rc = ring_tx_inband(&p.tx, msg, len, tid, true);
 *   if (rc == RING_SIGNAL) signal_host();
 *   else if (rc == UMBRA_EAGAIN) {                                 // ring full
 *       need = ring_inband_size(len);
 *       if (ring_tx_block(&p.tx, need) == UMBRA_EAGAIN) wait for host signal (bounded);
 *       ring_tx_unblock(&p.tx); retry;
 *   }
 *
 *   // on the channel interrupt:
 *   ring_rx_batch_begin(&p.rx);
 *   for (;;) {
 *       while ((rc = ring_rx_next(&p.rx, pkbuf, sizeof pkbuf, &pkt)) == 0) handle(&pkt);
 *       // (or ring_rx_next_many for several packets per call)
 *       if (rc != UMBRA_EAGAIN) error (ECORRUPT: channel failed; ENOSPC: pkt.len too big);
 *       if (ring_rx_commit(&p.rx) == RING_SIGNAL) signal_host();   // blocked host writer
 *       if (ring_rx_batch_end(&p.rx) != RING_MORE) break;          // unmask + re-check
 *       ring_rx_batch_begin(&p.rx);
 *   }
 */
#ifndef UMBRA_RING_RING_H
#define UMBRA_RING_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <umbra/errno.h>
#include "ring/ring_wire.h"

/* Why a ring half failed (ring_tx_fault / ring_rx_fault), for diagnostics. */
enum ring_fault {
	RING_FAULT_NONE = 0,
	RING_FAULT_INDEX,    /* peer's index out of range, unaligned or moved inconsistently */
	RING_FAULT_SHORT,    /* fewer bytes published than the smallest packet */
	RING_FAULT_DESC,     /* unknown type, unknown flags, bad data offset or length */
	RING_FAULT_LEN,      /* packet longer than the published data */
	RING_FAULT_TYPE_HDR, /* malformed GPA-direct or transfer-page header */
};

/* Positive results. */
#define RING_SIGNAL 1 /* success; the caller must signal the peer */
#define RING_MORE   2 /* ring_rx_batch_end: data arrived while unmasking; drain again */

/* Smallest ring (control page + one data page) and largest data area. */
#define RING_MIN_BYTES      (RING_CTL_SIZE + RING_PAGE_SIZE)
#define RING_MAX_DATA_BYTES 0x40000000u

/* ---- writer (our outbound ring; we are the producer) ----------------------------- */

struct ring_tx {
	volatile uint8_t *ctl;  /* shared control page */
	volatile uint8_t *data; /* shared data area */
	uint32_t size;          /* data area bytes */
	uint32_t w;             /* our write index incl. queued packets (authoritative) */
	uint32_t w_pub;         /* write index last published to the host */
	uint32_t r_cache;       /* last validated read index of the peer */
	int err;                /* 0 or the sticky error */
	uint8_t fault;          /* enum ring_fault */
};

/* One piece of payload. */
struct ring_iov {
	const void *base;
	size_t len;
};

/* One GPA range of a GPA-direct packet: byte_count bytes starting byte_offset (< 4096)
 * into the first page; pfns has ring_gpa_pfn_count(byte_offset, byte_count) entries. */
struct ring_gpa_range {
	uint32_t byte_count;
	uint32_t byte_offset;
	const uint64_t *pfns;
};

static inline uint32_t ring_gpa_pfn_count(uint32_t byte_offset, uint32_t byte_count)
{
	return (uint32_t)(((uint64_t)byte_offset + byte_count + RING_PAGE_SIZE - 1) / RING_PAGE_SIZE);
}

/* A packet to send. type: RING_PKT_INBAND, RING_PKT_COMP or RING_PKT_GPA_DIRECT;
 * flags: 0 or RING_FLAG_COMPLETION_REQUESTED; ranges only for GPA_DIRECT (>= 1). */
struct ring_send {
	uint16_t type;
	uint16_t flags;
	uint64_t trans_id;
	const struct ring_gpa_range *ranges;
	uint32_t nranges;
	const struct ring_iov *iov;
	uint32_t niov;
};

/* Bytes a packet occupies in the ring (descriptor, headers, payload, padding, trailer);
 * this is the value for ring_tx_block(). Negative error if the packet is malformed or can
 * never be described (len8 overflow). */
long ring_send_size(const struct ring_send *s);
/* The same for an in-band packet or completion with len payload bytes. */
uint32_t ring_inband_size(size_t len);

/* Set up a ring over ring_bytes of memory at ring (4 KiB aligned, ring_bytes a page
 * multiple >= RING_MIN_BYTES, data area <= RING_MAX_DATA_BYTES). Zeroes the whole ring
 * and sets feature_bits = RING_FEAT_PENDING_SEND_SZ (as Linux). Call before the host
 * can see the ring. */
int ring_tx_init(struct ring_tx *tx, void *ring, size_t ring_bytes);
/* Re-zero the ring and clear the failed state (only while the host is not using it, e.g.
 * after close and before reopen). */
int ring_tx_reset(struct ring_tx *tx);
/* 0 or the sticky error; ring_tx_fault: the enum ring_fault reason. */
int ring_tx_error(const struct ring_tx *tx);
int ring_tx_fault(const struct ring_tx *tx);

/* Write one packet. Returns 0 or RING_SIGNAL (the ring went empty->non-empty and the host
 * has not masked interrupts), UMBRA_EAGAIN if it does not fit now (nothing written),
 * UMBRA_ENOSPC if it can never fit this ring, UMBRA_EINVAL for a malformed request,
 * UMBRA_ECORRUPT if the host's read index is invalid (sticky). Never blocks. Padding is
 * zeroed; the trailer carries the start offset. */
int ring_tx_send(struct ring_tx *tx, const struct ring_send *s);
/* Bursts: ring_tx_queue writes a packet (same checks and results as ring_tx_send, but
 * never RING_SIGNAL) without publishing it; ring_tx_flush publishes everything queued
 * with one index store and one barrier and returns RING_SIGNAL if the ring went
 * empty->non-empty for the host (which has not masked interrupts), else 0.
 * ring_tx_send = queue + flush. Queued packets are invisible to the host until flushed,
 * so flush before waiting on anything. */
int ring_tx_queue(struct ring_tx *tx, const struct ring_send *s);
int ring_tx_flush(struct ring_tx *tx);

/* Convenience wrappers around ring_tx_send. */
int ring_tx_inband(struct ring_tx *tx, const void *data, size_t len, uint64_t trans_id,
		   bool completion_requested);
int ring_tx_completion(struct ring_tx *tx, const void *data, size_t len, uint64_t trans_id);
int ring_tx_gpa_direct(struct ring_tx *tx, const struct ring_gpa_range *ranges, uint32_t nranges,
		       const void *data, size_t len, uint64_t trans_id, bool completion_requested);

/* Blocked-writer protocol. After UMBRA_EAGAIN: ring_tx_block(tx, ring_send_size(..))
 * publishes pending_send_sz = needed, then re-checks the space: 0 = space is available
 * now (call ring_tx_unblock and retry), UMBRA_EAGAIN = wait for the host's signal (the
 * host signals when free space crosses needed), then ring_tx_unblock and retry.
 * needed must be a multiple of 8 in [RING_MIN_PKT_BYTES, data size - 8]; UMBRA_EBUSY if
 * queued packets are not flushed yet. */
#define RING_MIN_PKT_BYTES 24u
int ring_tx_block(struct ring_tx *tx, uint32_t needed);
int ring_tx_unblock(struct ring_tx *tx);

/* ---- reader (our inbound ring; we are the consumer) ------------------------------- */

struct ring_rx {
	volatile uint8_t *ctl;
	volatile uint8_t *data;
	uint32_t size;
	uint32_t r;          /* private read position (next packet) */
	uint32_t r_pub;      /* read index last published to the host */
	uint32_t w_seen;     /* last validated write index */
	uint32_t peek_bytes; /* ring bytes of the peeked packet (incl. trailer), 0 = none */
	int err;
	uint8_t fault;       /* enum ring_fault */
};

/* A packet as returned by the reader: every pointer points into the caller's private
 * buffer, every field was validated. The payload runs from the data offset to the end of
 * the packet, so it includes the sender's padding (VMBus carries no exact payload length;
 * protocols carry their own). */
struct ring_pkt {
	uint16_t type;        /* RING_PKT_INBAND, _XFER_PAGES, _GPA_DIRECT or _COMP */
	uint16_t flags;       /* 0 or RING_FLAG_COMPLETION_REQUESTED */
	uint64_t trans_id;
	uint32_t len;         /* packet bytes (len8 * 8), descriptor included */
	const uint8_t *hdr;   /* type header between descriptor and data offset */
	uint32_t hdr_len;     /* (GPA ranges, transfer-page ranges; may be 0 for in-band) */
	const uint8_t *data;  /* payload */
	uint32_t data_len;
	uint32_t range_count; /* validated range count (GPA_DIRECT, XFER_PAGES), else 0 */
};

int ring_rx_init(struct ring_rx *rx, void *ring, size_t ring_bytes);
int ring_rx_reset(struct ring_rx *rx);
int ring_rx_error(const struct ring_rx *rx);
int ring_rx_fault(const struct ring_rx *rx);

/* Copy the next packet into buf (8-byte aligned, cap >= 16 bytes) and validate the copy.
 * Returns 0 and fills *pkt; UMBRA_EAGAIN if the ring is empty; UMBRA_ENOSPC if the packet
 * is larger than cap (pkt->len = bytes needed; nothing consumed; not sticky);
 * UMBRA_ECORRUPT (sticky) for an invalid write index or packet; UMBRA_EINVAL for bad
 * arguments. Peek does not consume: repeated peeks return the same packet (re-copied). */
int ring_rx_peek(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkt);
/* Consume the packet returned by the last successful peek (private step: the read index
 * is published by ring_rx_commit). UMBRA_EINVAL if nothing was peeked. */
int ring_rx_consume(struct ring_rx *rx);
/* Peek + consume. */
int ring_rx_next(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkt);
/* Batch form of ring_rx_next: copies and validates up to max packets back to back into
 * buf (each 8-byte aligned) and consumes them; pkts[i] point into buf. Returns the number
 * of packets (> 0), or for the first packet the result ring_rx_next would give
 * (UMBRA_EAGAIN, UMBRA_ENOSPC, UMBRA_ECORRUPT, UMBRA_EINVAL). It stops early at a packet
 * that does not fit the rest of buf (left for the next call) or at a corrupt one (the
 * packets before it are returned; the next call returns UMBRA_ECORRUPT). */
int ring_rx_next_many(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkts,
		      uint32_t max);
/* Publish the read index. Returns RING_SIGNAL if the host writer is blocked
 * (pending_send_sz != 0, it advertises RING_FEAT_PENDING_SEND_SZ) and the free space just
 * crossed its pending size; 0 otherwise; UMBRA_ECORRUPT (sticky) on an invalid write index. */
int ring_rx_commit(struct ring_rx *rx);
/* Bytes consumed (ring_rx_consume) but not yet published by ring_rx_commit. A polling
 * consumer may commit lazily, e.g. once this exceeds a fraction of the ring. */
uint32_t ring_rx_uncommitted(const struct ring_rx *rx);
/* ring_rx_next + ring_rx_commit: 0 or RING_SIGNAL on success. */
int ring_rx_read(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkt);

/* Batch mode: begin sets interrupt_mask = 1 (the host stops signalling while we drain);
 * end sets it to 0, issues a full barrier and re-checks the write index: RING_MORE if
 * data is pending (drain again, the host may not have signalled), else 0. */
int ring_rx_batch_begin(struct ring_rx *rx);
int ring_rx_batch_end(struct ring_rx *rx);

/* Whether a packet is available (one load of the write index); 1, 0 or negative error. */
int ring_rx_pending(struct ring_rx *rx);

/* Iterate the ranges of a validated GPA-direct packet: *pos starts at 0; returns 0 with
 * the range and its PFNs (pointer into the packet copy, 8-byte aligned) or UMBRA_ENOENT
 * after the last range. */
int ring_pkt_gpa_range(const struct ring_pkt *pkt, uint32_t *pos, uint32_t *byte_count,
		       uint32_t *byte_offset, const uint64_t **pfns, uint32_t *pfn_count);

/* ---- a channel's pair of rings ---------------------------------------------------- */

struct ring_pair {
	struct ring_tx tx; /* outbound: guest -> host, at offset 0 */
	struct ring_rx rx; /* inbound: host -> guest, at inbound_page_offset pages */
};

/* buf (4 KiB aligned) holds buf_bytes; outbound ring = pages [0, inbound_page_offset),
 * inbound ring = the rest. inbound_page_offset is the downstream_ringbuffer_pageoffset
 * of the OpenChannel message. */
int ring_pair_init(struct ring_pair *p, void *buf, size_t buf_bytes, uint32_t inbound_page_offset);
int ring_pair_reset(struct ring_pair *p);

#endif
