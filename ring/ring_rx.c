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

/* The reader's position during one call, kept in locals: stores into the caller's buffer
 * (bytes, which may alias anything) then force no reloads of the ring state, and a batch
 * pays for the write index arithmetic once per refill instead of once per packet. */
struct rx_cur {
	volatile uint8_t *data;
	uint32_t size;
	uint32_t r;     /* next packet (rx->r until written back) */
	uint32_t avail; /* validated bytes from r to rx->w_seen; 0 = caught up */
};

static inline struct rx_cur rx_cur_get(const struct ring_rx *rx)
{
	struct rx_cur c = { rx->data, rx->size, rx->r, ring_dist(rx->r, rx->w_seen, rx->size) };
	return c;
}

/* Copy n bytes (n <= size, a multiple of 8, off 8-byte aligned) from the data area at
 * off, wrapping: one bounds check, one copy unless the bytes wrap. */
static inline void rx_get(const struct rx_cur *c, uint32_t off, void *dst, uint32_t n)
{
	uint32_t first = c->size - off;
	if (ring_likely(n <= first)) {
		ring_sh_copy_in8(dst, c->data + off, n);
		return;
	}
	ring_sh_copy_in(dst, c->data + off, first);
	ring_sh_copy_in((uint8_t *)dst + first, c->data, n - first);
}

/* Copy the n body bytes of the packet at r (they follow its 16-byte descriptor), wrapping. */
static inline void rx_get_wrapped(const struct rx_cur *c, uint32_t r, void *dst, uint32_t n)
{
	uint32_t off = r + (uint32_t)sizeof(struct ring_desc);
	rx_get(c, off >= c->size ? off - c->size : off, dst, n);
}

/* Copy and validate the packet at c->r into buf; on success returns 0 and the ring bytes
 * it occupies in *bytes (nothing is consumed, c is not advanced). rx initialised and not
 * failed, buf 8-byte aligned, cap >= 16, pkt valid. */
static inline __attribute__((always_inline)) int
rx_peek_core(struct ring_rx *rx, struct rx_cur *c, uint8_t *buf, size_t cap,
	     struct ring_pkt *pkt, uint32_t *bytes)
{
	/* Known data first; touch the shared write index only when we caught up with it. */
	if (c->avail == 0) {
		int rc = rx_load_write_index(rx);
		if (rc)
			return rc;
		c->avail = ring_dist(c->r, rx->w_seen, c->size);
		if (c->avail == 0)
			return UMBRA_EAGAIN;
	}
	if (ring_unlikely(c->avail < sizeof(struct ring_desc) + sizeof(struct ring_trailer)))
		return rx_fail(rx, RING_FAULT_SHORT);

	/* The descriptor is read from shared memory once, into private words; every check
	 * and every result field below comes from these words (decoded in registers, never
	 * re-loaded from buf or from shared memory). */
	uint32_t r = c->r;
	uint64_t dw[2];
	ring_sh_load_desc(c->data, r, c->size, &dw[0], &dw[1]);
	uint32_t type = (uint16_t)dw[0], offset8 = (uint16_t)(dw[0] >> 16);
	uint32_t len8 = (uint16_t)(dw[0] >> 32), flags = (uint16_t)(dw[0] >> 48);
	if (ring_unlikely(ring_pkt_desc_bad(dw[0])))
		return rx_fail(rx, RING_FAULT_DESC);
	uint32_t len = len8 * 8u; /* <= RING_MAX_PKT_LEN: len + 8 cannot overflow */
	if (ring_unlikely(len + (uint32_t)sizeof(struct ring_trailer) > c->avail))
		return rx_fail(rx, RING_FAULT_LEN);
	if (ring_unlikely(len > cap)) {
		pkt->len = len;
		return UMBRA_ENOSPC;
	}
	*bytes = len + (uint32_t)sizeof(struct ring_trailer);
	__builtin_memcpy(buf, dw, sizeof dw);
	/* The body: len - 16 bytes after the descriptor, in one copy unless it wraps (len was
	 * checked against the validated available bytes, so it ends inside them). */
	uint8_t *body = buf + sizeof dw;
	uint32_t body_len = len - (uint32_t)sizeof dw;
	if (ring_likely(type == RING_PKT_INBAND || type == RING_PKT_COMP)) {
		/* No type header: the descriptor checks above are the whole validation, so the
		 * result is filled in first and the body copy comes last (fewer live values). */
		pkt->type = (uint16_t)type;
		pkt->flags = (uint16_t)flags;
		pkt->trans_id = dw[1];
		pkt->len = len;
		pkt->hdr = body;
		pkt->hdr_len = offset8 * 8u - (uint32_t)sizeof dw;
		pkt->data = buf + offset8 * 8u;
		pkt->data_len = len - offset8 * 8u;
		pkt->range_count = 0;
		if (ring_likely(len <= c->size - r)) /* the packet ends before the area does */
			ring_sh_copy_in8(body, c->data + r + sizeof dw, body_len);
		else
			rx_get_wrapped(c, r, body, body_len);
		return 0;
	}
	rx_get_wrapped(c, r, body, body_len);
	/* Validate the private copy only; d holds the descriptor words checked above
	 * (buf[0..16) is never re-read from shared memory). */
	struct ring_desc d;
	__builtin_memcpy(&d, dw, sizeof d);
	if (ring_pkt_parse_body(&d, buf, pkt) != 0)
		return rx_fail(rx, RING_FAULT_TYPE_HDR);
	return 0;
}

/* Argument checks shared by peek, next and next_many. */
static inline int rx_args_ok(const struct ring_rx *rx, const void *buf, size_t cap,
			     const struct ring_pkt *pkt)
{
	return rx != NULL && rx->ctl != NULL && pkt != NULL && buf != NULL &&
	       cap >= sizeof(struct ring_desc) && ((uintptr_t)buf & 7u) == 0;
}

int ring_rx_peek(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkt)
{
	if (!rx_args_ok(rx, buf, cap, pkt)) {
		if (rx != NULL)
			rx->peek_bytes = 0;
		return UMBRA_EINVAL;
	}
	rx->peek_bytes = 0;
	if (rx->err)
		return rx->err;
	struct rx_cur c = rx_cur_get(rx);
	uint32_t bytes;
	int rc = rx_peek_core(rx, &c, buf, cap, pkt, &bytes);
	if (rc == 0)
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
	if (!rx_args_ok(rx, buf, cap, pkt))
		return UMBRA_EINVAL;
	if (rx->err)
		return rx->err;
	struct rx_cur c = rx_cur_get(rx);
	uint32_t bytes;
	int rc = rx_peek_core(rx, &c, buf, cap, pkt, &bytes);
	if (rc)
		return rc;
	uint32_t r = c.r + bytes;
	rx->r = r >= c.size ? r - c.size : r;
	rx->peek_bytes = 0;
	return 0;
}

int ring_rx_next_many(struct ring_rx *rx, void *buf, size_t cap, struct ring_pkt *pkts,
		      uint32_t max)
{
	if (!rx_args_ok(rx, buf, cap, pkts) || max == 0)
		return UMBRA_EINVAL;
	if (rx->err)
		return rx->err;
	/* Per packet only the position, the available bytes, the buffer cursor and the result
	 * cursor change; the rest is read-only for the call. */
	struct rx_cur c = rx_cur_get(rx);
	uint8_t *p = buf;
	uint8_t *const end = p + cap;
	struct ring_pkt *pk = pkts, *const pk_end = pkts + max;
	int rc;
	do {
		uint32_t bytes;
		rc = rx_peek_core(rx, &c, p, (size_t)(end - p), pk, &bytes);
		if (rc)
			break; /* EAGAIN, ENOSPC (the packet stays) or ECORRUPT (sticky) */
		/* A branch, not a select: the next descriptor load does not wait for the
		 * compare (the position is the loop-carried dependency of a batch). */
		c.r += bytes;
		if (ring_unlikely(c.r >= c.size)) {
			c.r -= c.size;
			__asm__("" : "+r"(c.r)); /* keeps this a branch */
		}
		c.avail -= bytes;
		p += bytes - (uint32_t)sizeof(struct ring_trailer); /* a multiple of 8: aligned */
		pk++;
	} while (pk < pk_end && (size_t)(end - p) >= sizeof(struct ring_desc));
	rx->r = c.r;
	rx->peek_bytes = 0;
	return pk > pkts ? (int)(pk - pkts) : rc;
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
