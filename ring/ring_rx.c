/*
 * Ring reader: our inbound ring, we are the consumer. See ring.h for the contract.
 *
 * Hardening: the write index is read once per refill (one acquire load) and validated
 * (in range, aligned, never moving backwards past data we know about); the descriptor is
 * copied to private memory once, its length fields are checked against the validated
 * index, then the rest of the packet is copied once and validated as a whole. The trailer
 * is skipped unread. No shared byte of a packet is read twice in one peek, and the shared
 * read_index is never read (we own it).
 */
#include "ring/ring.h"
#include "ring/ring_pkt.h"
#include "ring/ring_shared.h"

int ring_rx_init(struct ring_rx *rx, void *ring, size_t ring_bytes)
{
	if (rx == NULL || !ring_geometry_ok(ring, ring_bytes))
		return UMBRA_EINVAL;
	rx->ctl = (volatile uint8_t *)ring;
	rx->data = rx->ctl + RING_CTL_SIZE;
	rx->size = (uint32_t)(ring_bytes - RING_CTL_SIZE);
	return ring_rx_reset(rx);
}

int ring_rx_reset(struct ring_rx *rx)
{
	if (rx == NULL || rx->ctl == NULL || rx->size == 0)
		return UMBRA_EINVAL;
	ring_sh_zero(rx->ctl, (size_t)RING_CTL_SIZE + rx->size);
	/* Linux sets the feature bit in both rings at init; the host (the producer of this
	 * ring) owns the word after open and may clear it. */
	ring_sh_store32(rx->ctl + RING_CTL_FEATURES, RING_FEAT_PENDING_SEND_SZ);
	rx->r = 0;
	rx->r_pub = 0;
	rx->w_seen = 0;
	rx->peek_bytes = 0;
	rx->err = 0;
	rx->fault = RING_FAULT_NONE;
	return 0;
}

int ring_rx_error(const struct ring_rx *rx)
{
	return rx == NULL ? UMBRA_EINVAL : rx->err;
}

int ring_rx_fault(const struct ring_rx *rx)
{
	return rx == NULL ? UMBRA_EINVAL : rx->fault;
}

static int rx_fail(struct ring_rx *rx, uint8_t fault)
{
	rx->err = UMBRA_ECORRUPT;
	rx->fault = fault;
	rx->peek_bytes = 0;
	return UMBRA_ECORRUPT;
}

/* One load of the write index, validated: in range, aligned, and not behind w_seen as
 * seen from the read index we last published. The producer only moves forward and only
 * into space we released, so new data never overlaps packets we consumed but have not
 * published yet (and a batch never reads a shared byte twice). */
static int rx_load_write_index(struct ring_rx *rx)
{
	uint32_t w = ring_sh_load32(rx->ctl + RING_CTL_WRITE_INDEX);
	if (!ring_index_ok(w, rx->size) ||
	    ring_dist(rx->r_pub, w, rx->size) < ring_dist(rx->r_pub, rx->w_seen, rx->size))
		return rx_fail(rx, RING_FAULT_INDEX);
	rx->w_seen = w;
	return 0;
}

/* Copy n bytes (n <= size) from the data area at off, wrapping. */
static inline void rx_get(const struct ring_rx *rx, uint32_t off, void *dst, uint32_t n)
{
	uint32_t first = rx->size - off;
	if (n <= first) {
		ring_sh_copy_in(dst, rx->data + off, n);
		return;
	}
	ring_sh_copy_in(dst, rx->data + off, first);
	ring_sh_copy_in((uint8_t *)dst + first, rx->data, n - first);
}

/* Copy and validate the next packet; on success returns 0 and the ring bytes it
 * occupies in *bytes (nothing is consumed). */
static inline __attribute__((always_inline)) int
rx_peek_core(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkt, uint32_t *bytes);

/* Argument checks, then the core. */
static inline __attribute__((always_inline)) int
rx_peek(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkt, uint32_t *bytes)
{
	if (rx == NULL || rx->ctl == NULL || pkt == NULL || buf == NULL ||
	    cap < sizeof(struct ring_desc) || ((uintptr_t)buf & 7u))
		return UMBRA_EINVAL;
	if (rx->err)
		return rx->err;
	return rx_peek_core(rx, buf, cap, pkt, bytes);
}

/* rx initialised and not failed, buf 8-byte aligned, cap >= 16, pkt valid. */
static inline __attribute__((always_inline)) int
rx_peek_core(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkt, uint32_t *bytes)
{
	/* Known data first; touch the shared write index only when we caught up with it. */
	if (rx->r == rx->w_seen) {
		int rc = rx_load_write_index(rx);
		if (rc)
			return rc;
		if (rx->r == rx->w_seen)
			return UMBRA_EAGAIN;
	}
	uint32_t avail = ring_dist(rx->r, rx->w_seen, rx->size);
	if (avail < sizeof(struct ring_desc) + sizeof(struct ring_trailer))
		return rx_fail(rx, RING_FAULT_SHORT);

	uint8_t *p = buf;
	rx_get(rx, rx->r, p, sizeof(struct ring_desc));
	struct ring_desc d;
	memcpy(&d, p, sizeof d);
	if (ring_pkt_check_desc(&d) != 0)
		return rx_fail(rx, RING_FAULT_DESC);
	uint32_t len = d.len8 * 8u;
	if ((uint64_t)len + sizeof(struct ring_trailer) > avail)
		return rx_fail(rx, RING_FAULT_LEN);
	if (len > cap) {
		pkt->len = len;
		return UMBRA_ENOSPC;
	}
	uint32_t rest_off = rx->r + (uint32_t)sizeof d;
	if (rest_off >= rx->size)
		rest_off -= rx->size;
	*bytes = len + (uint32_t)sizeof(struct ring_trailer);
	if (d.type == RING_PKT_INBAND || d.type == RING_PKT_COMP) {
		/* No type header: the descriptor checks above are the whole validation, so the
		 * result is filled in first and the body copy comes last (fewer live values). */
		pkt->type = d.type;
		pkt->flags = d.flags;
		pkt->trans_id = d.trans_id;
		pkt->len = len;
		pkt->hdr = p + sizeof d;
		pkt->hdr_len = d.offset8 * 8u - (uint32_t)sizeof d;
		pkt->data = p + d.offset8 * 8u;
		pkt->data_len = len - d.offset8 * 8u;
		pkt->range_count = 0;
		rx_get(rx, rest_off, p + sizeof d, len - (uint32_t)sizeof d);
		return 0;
	}
	rx_get(rx, rest_off, p + sizeof d, len - (uint32_t)sizeof d);
	/* Validate the private copy only; d is the descriptor checked above (p[0..16) is
	 * never re-read from shared memory). */
	if (ring_pkt_parse_body(&d, p, pkt) != 0)
		return rx_fail(rx, RING_FAULT_TYPE_HDR);
	return 0;
}

int ring_rx_peek(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkt)
{
	uint32_t bytes = 0;
	int rc = rx_peek(rx, buf, cap, pkt, &bytes);
	if (rx != NULL)
		rx->peek_bytes = bytes;
	return rc;
}

int ring_rx_consume(struct ring_rx *rx)
{
	if (rx == NULL || rx->ctl == NULL)
		return UMBRA_EINVAL;
	if (rx->err)
		return rx->err;
	if (rx->peek_bytes == 0)
		return UMBRA_EINVAL;
	uint32_t r = rx->r + rx->peek_bytes;
	if (r >= rx->size)
		r -= rx->size;
	rx->r = r;
	rx->peek_bytes = 0;
	return 0;
}

int ring_rx_next(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkt)
{
	uint32_t bytes;
	int rc = rx_peek(rx, buf, cap, pkt, &bytes);
	if (rc)
		return rc;
	uint32_t r = rx->r + bytes;
	rx->r = r >= rx->size ? r - rx->size : r;
	rx->peek_bytes = 0;
	return 0;
}

int ring_rx_next_many(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkts,
		      uint32_t max)
{
	if (rx == NULL || rx->ctl == NULL || pkts == NULL || max == 0 || buf == NULL ||
	    cap < sizeof(struct ring_desc) || ((uintptr_t)buf & 7u))
		return UMBRA_EINVAL;
	if (rx->err)
		return rx->err;
	uint8_t *p = buf;
	uint32_t n = 0;
	for (; n < max; n++) {
		uint32_t bytes;
		int rc = rx_peek_core(rx, p, cap, &pkts[n], &bytes);
		if (rc) {
			if (n == 0)
				return rc;
			break; /* EAGAIN, ENOSPC (the packet stays) or ECORRUPT (sticky) */
		}
		uint32_t r = rx->r + bytes;
		rx->r = r >= rx->size ? r - rx->size : r;
		uint32_t used = pkts[n].len; /* multiple of 8: the next copy stays aligned */
		p += used;
		cap -= used;
		if (cap < sizeof(struct ring_desc)) {
			n++;
			break;
		}
	}
	rx->peek_bytes = 0;
	return (int)n;
}

int ring_rx_commit(struct ring_rx *rx)
{
	if (rx == NULL || rx->ctl == NULL)
		return UMBRA_EINVAL;
	if (rx->err)
		return rx->err;
	if (rx->r == rx->r_pub)
		return 0;
	uint32_t consumed = ring_dist(rx->r_pub, rx->r, rx->size);
	/* Release: our copies of the consumed packets are complete before the host may
	 * overwrite them. Full barrier: the store is ordered before reading pending_send_sz,
	 * pairing with the writer's store(pending) / barrier / load(read_index). */
	ring_sh_store32_mb(rx->ctl + RING_CTL_READ_INDEX, rx->r);
	rx->r_pub = rx->r;
	if ((ring_sh_load32(rx->ctl + RING_CTL_FEATURES) & RING_FEAT_PENDING_SEND_SZ) == 0)
		return 0; /* the host polls; it never waits for our signal */
	/* Some writers set size - 1 (OpenVMM masks the low bits the same way). */
	uint32_t pending = ring_sh_load32(rx->ctl + RING_CTL_PENDING_SEND) & ~7u;
	if (pending == 0)
		return 0;
	int rc = rx_load_write_index(rx);
	if (rc)
		return rc;
	/* Writer's free space = size - used. Signal only on the crossing from
	 * "free <= pending" to "free > pending" (Linux hv_pkt_iter_close; identical to
	 * OpenVMM's old_free < pss <= new_free with free = size - used - 8, since all
	 * quantities are multiples of 8). */
	uint32_t free_after = rx->size - ring_dist(rx->r, rx->w_seen, rx->size);
	uint32_t free_before = free_after - consumed;
	if (free_after < consumed)
		return 0; /* cannot happen with a validated index; be safe */
	return (free_before <= pending && free_after > pending) ? RING_SIGNAL : 0;
}

uint32_t ring_rx_uncommitted(const struct ring_rx *rx)
{
	if (rx == NULL || rx->ctl == NULL || rx->size == 0)
		return 0;
	return ring_dist(rx->r_pub, rx->r, rx->size);
}

int ring_rx_read(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkt)
{
	int rc = ring_rx_next(rx, buf, cap, pkt);
	if (rc)
		return rc;
	return ring_rx_commit(rx);
}

int ring_rx_batch_begin(struct ring_rx *rx)
{
	if (rx == NULL || rx->ctl == NULL)
		return UMBRA_EINVAL;
	if (rx->err)
		return rx->err;
	ring_sh_store32(rx->ctl + RING_CTL_INTR_MASK, 1);
	return 0;
}

int ring_rx_batch_end(struct ring_rx *rx)
{
	if (rx == NULL || rx->ctl == NULL)
		return UMBRA_EINVAL;
	if (rx->err)
		return rx->err;
	/* Store + full barrier: unmask before re-reading the write index, pairing with the
	 * writer's store(write_index) / barrier / load(mask). A packet written after our
	 * load is signalled; one written before is seen here. */
	ring_sh_store32_mb(rx->ctl + RING_CTL_INTR_MASK, 0);
	if (rx->r != rx->w_seen)
		return RING_MORE;
	int rc = rx_load_write_index(rx);
	if (rc)
		return rc;
	return rx->r != rx->w_seen ? RING_MORE : 0;
}

int ring_rx_pending(struct ring_rx *rx)
{
	if (rx == NULL || rx->ctl == NULL)
		return UMBRA_EINVAL;
	if (rx->err)
		return rx->err;
	if (rx->r != rx->w_seen)
		return 1;
	int rc = rx_load_write_index(rx);
	if (rc)
		return rc;
	return rx->r != rx->w_seen;
}
