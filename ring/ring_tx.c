/* Ring writer: our outbound ring, we are the producer. See ring.h for the contract. */
#include "ring/ring.h"
#include "ring/ring_shared.h"

_Static_assert(offsetof(struct ring_desc, offset8) == 2 && offsetof(struct ring_desc, len8) == 4 &&
	       offsetof(struct ring_desc, flags) == 6 && offsetof(struct ring_desc, trans_id) == 8,
	       "descriptor words built by ring_tx_queue");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the wire format is little-endian");

int ring_tx_init(struct ring_tx *tx, void *ring, size_t ring_bytes)
{
	if (tx == NULL || !ring_geometry_ok(ring, ring_bytes))
		return UMBRA_EINVAL;
	tx->ctl = (volatile uint8_t *)ring;
	tx->data = tx->ctl + RING_CTL_SIZE;
	tx->size = (uint32_t)(ring_bytes - RING_CTL_SIZE);
	return ring_tx_reset(tx);
}

int ring_tx_reset(struct ring_tx *tx)
{
	if (tx == NULL || tx->ctl == NULL || tx->size == 0)
		return UMBRA_EINVAL;
	/* Zero everything: no stale private bytes end up host-visible, indices start at 0. */
	ring_sh_zero(tx->ctl, (size_t)RING_CTL_SIZE + tx->size);
	ring_sh_store32(tx->ctl + RING_CTL_FEATURES, RING_FEAT_PENDING_SEND_SZ);
	tx->w = 0;
	tx->w_pub = 0;
	tx->r_cache = 0;
	tx->err = 0;
	tx->fault = RING_FAULT_NONE;
	return 0;
}

int ring_tx_error(const struct ring_tx *tx)
{
	return tx == NULL ? UMBRA_EINVAL : tx->err;
}

int ring_tx_fault(const struct ring_tx *tx)
{
	return tx == NULL ? UMBRA_EINVAL : tx->fault;
}

static long send_hdr_len(const struct ring_send *s)
{
	if (s->type != RING_PKT_GPA_DIRECT)
		return s->nranges == 0 ? 0 : UMBRA_EINVAL;
	if (s->nranges == 0 || s->ranges == NULL || s->nranges > RING_MAX_PKT_LEN / 16)
		return UMBRA_EINVAL;
	uint64_t n = sizeof(struct ring_gpa_hdr);
	for (uint32_t i = 0; i < s->nranges; i++) {
		const struct ring_gpa_range *g = &s->ranges[i];
		if (g->byte_count == 0 || g->byte_offset >= RING_PAGE_SIZE || g->pfns == NULL)
			return UMBRA_EINVAL;
		n += sizeof(struct ring_gpa_range_hdr) +
		     8ull * ring_gpa_pfn_count(g->byte_offset, g->byte_count);
		if (n > RING_MAX_PKT_LEN)
			return UMBRA_ENOSPC;
	}
	return (long)n;
}

static long send_payload_len(const struct ring_send *s)
{
	if (s->niov != 0 && s->iov == NULL)
		return UMBRA_EINVAL;
	uint64_t n = 0;
	for (uint32_t i = 0; i < s->niov; i++) {
		if (s->iov[i].len != 0 && s->iov[i].base == NULL)
			return UMBRA_EINVAL;
		if (s->iov[i].len > RING_MAX_PKT_LEN)
			return UMBRA_ENOSPC;
		n += s->iov[i].len;
		if (n > RING_MAX_PKT_LEN)
			return UMBRA_ENOSPC;
	}
	return (long)n;
}

/* Packet length (descriptor + headers + payload, before padding) or negative error. */
static long send_pkt_len(const struct ring_send *s, long *hdr_len)
{
	if (s == NULL)
		return UMBRA_EINVAL;
	if (s->type != RING_PKT_INBAND && s->type != RING_PKT_COMP && s->type != RING_PKT_GPA_DIRECT)
		return UMBRA_EINVAL;
	if ((s->flags & ~RING_FLAG_COMPLETION_REQUESTED) != 0)
		return UMBRA_EINVAL;
	long h = send_hdr_len(s);
	if (h < 0)
		return h;
	long p = send_payload_len(s);
	if (p < 0)
		return p;
	uint64_t len = sizeof(struct ring_desc) + (uint64_t)h + (uint64_t)p;
	if (len > RING_MAX_PKT_LEN)
		return UMBRA_ENOSPC;
	*hdr_len = h;
	return (long)len;
}

long ring_send_size(const struct ring_send *s)
{
	long h;
	long len = send_pkt_len(s, &h);
	if (len < 0)
		return len;
	return (long)(((uint32_t)len + 7u) & ~7u) + (long)sizeof(struct ring_trailer);
}

uint32_t ring_inband_size(size_t len)
{
	if (len > RING_MAX_PKT_LEN)
		return 0;
	return (((uint32_t)sizeof(struct ring_desc) + (uint32_t)len + 7u) & ~7u) +
	       (uint32_t)sizeof(struct ring_trailer);
}

/* Copy n bytes (n <= size) into the data area at off, wrapping; returns the next offset. */
static inline uint32_t tx_put(const struct ring_tx *tx, uint32_t off, const void *src, uint32_t n)
{
	uint32_t first = tx->size - off;
	if (n < first) {
		ring_sh_copy_out(tx->data + off, src, n);
		return off + n;
	}
	ring_sh_copy_out(tx->data + off, src, first);
	if (n > first)
		ring_sh_copy_out(tx->data, (const uint8_t *)src + first, n - first);
	return n - first;
}

/* Read and validate the host's read index: in range, aligned, and between our cached
 * value and our published write index (the consumer only moves forward and never passes
 * what it was shown; queued packets are not shown). */
static int tx_load_read_index(struct ring_tx *tx)
{
	uint32_t r = ring_sh_load32(tx->ctl + RING_CTL_READ_INDEX);
	if (!ring_index_ok(r, tx->size) ||
	    ring_dist(tx->r_cache, r, tx->size) > ring_dist(tx->r_cache, tx->w_pub, tx->size)) {
		tx->err = UMBRA_ECORRUPT;
		tx->fault = RING_FAULT_INDEX;
		return UMBRA_ECORRUPT;
	}
	tx->r_cache = r;
	return 0;
}

/* Bytes free for writing as the writer counts them (size - used); a packet of total
 * bytes fits only if free > total, so the ring never becomes completely full. */
static inline uint32_t tx_free(const struct ring_tx *tx)
{
	return tx->size - ring_dist(tx->r_cache, tx->w, tx->size);
}

static int tx_queue_general(struct ring_tx *tx, const struct ring_send *s)
	__attribute__((noinline));

/* memcpy, then 0; out of line so that tx_queue_simple reaches it with a tail call and
 * its common path makes no call at all (no registers to save and restore). */
static __attribute__((noinline)) int tx_copy_payload(volatile uint8_t *dst, const void *src,
						     size_t len)
{
	ring_sh_copy_out(dst, src, len);
	return 0;
}

/* In-band or completion packet with one payload piece that fits, without wrapping, into
 * the free space last validated: the common case. Anything else (a wrap, a read index to
 * reload, a packet that can never fit, bad arguments) goes to the general path, which
 * applies every check again and gives the same results. The payload copy is the last
 * step: inline moves up to RING_SH_SMALL bytes, else a tail call to memcpy. */
static inline __attribute__((always_inline)) int
tx_queue_simple(struct ring_tx *tx, const struct ring_send *s, uint16_t type, uint16_t flags,
		uint64_t trans_id, const void *data, size_t len)
{
	if (ring_unlikely(len > RING_MAX_PKT_LEN - sizeof(struct ring_desc) ||
			  (data == NULL && len != 0) || (flags & ~RING_FLAG_COMPLETION_REQUESTED) != 0))
		return tx_queue_general(tx, s);
	uint32_t plen = (uint32_t)sizeof(struct ring_desc) + (uint32_t)len;
	uint32_t pkt_bytes = (plen + 7u) & ~7u;
	uint32_t total = pkt_bytes + (uint32_t)sizeof(struct ring_trailer);
	uint32_t old_w = tx->w, end = old_w + total, r = tx->r_cache;
	/* Fits without wrapping (end <= size) and leaves the ring not full (free > total,
	 * free = size - used): with the reader ahead of us that is end < r; with it behind
	 * (or level), end <= size suffices unless r == 0, when end < size is needed. */
	if (ring_unlikely(end > tx->size || (r > old_w ? end >= r : r == 0 && end == tx->size)))
		return tx_queue_general(tx, s);
	volatile uint8_t *p = tx->data + old_w;
	uint64_t w0 = (uint64_t)type | 2ull << 16 | (uint64_t)(pkt_bytes / 8u) << 32 |
		      (uint64_t)flags << 48;
	ring_sh_copy_out(p, &w0, 8);
	ring_sh_copy_out(p + 8, &trans_id, 8);
	if (plen & 7u) {
		uint64_t zero = 0; /* padding word; the payload copy overwrites its head */
		ring_sh_copy_out(p + pkt_bytes - 8, &zero, 8);
	}
	uint64_t trailer = (uint64_t)old_w << 32;
	ring_sh_copy_out(p + pkt_bytes, &trailer, 8);
	tx->w = end == tx->size ? 0 : end; /* private until ring_tx_flush publishes it */
	if (len > RING_SH_SMALL)
		return tx_copy_payload(p + 16, data, len);
	ring_sh_copy_out_small(p + 16, data, len);
	return 0;
}

int ring_tx_queue(struct ring_tx *tx, const struct ring_send *s)
{
	if (ring_unlikely(tx == NULL || tx->ctl == NULL || s == NULL))
		return UMBRA_EINVAL;
	if (ring_unlikely(tx->err))
		return tx->err;
	if (ring_likely(s->niov == 1 && s->nranges == 0 && s->iov != NULL &&
			(s->type == RING_PKT_INBAND || s->type == RING_PKT_COMP)))
		return tx_queue_simple(tx, s, s->type, s->flags, s->trans_id, s->iov[0].base,
				       s->iov[0].len);
	return tx_queue_general(tx, s);
}

/* Any packet, any payload pieces, wrapping. tx and s are non-NULL, tx not failed. */
static int tx_queue_general(struct ring_tx *tx, const struct ring_send *s)
{
	long hdr_len = 0;
	long plen = send_pkt_len(s, &hdr_len);
	if (plen < 0)
		return (int)plen;
	uint32_t len8 = ((uint32_t)plen + 7u) / 8u;
	uint32_t total = len8 * 8u + (uint32_t)sizeof(struct ring_trailer);
	if (total > tx->size - 8u)
		return UMBRA_ENOSPC;
	if (tx_free(tx) <= total) {
		int rc = tx_load_read_index(tx);
		if (rc)
			return rc;
		if (tx_free(tx) <= total)
			return UMBRA_EAGAIN;
	}

	uint32_t old_w = tx->w;
	uint32_t pkt_bytes = len8 * 8u;
	uint32_t offset8 = ((uint32_t)sizeof(struct ring_desc) + (uint32_t)hdr_len) / 8u;
	/* Descriptor as two little-endian words (struct ring_desc layout), stored directly:
	 * building a packed struct on the stack and copying it costs a store-forward stall. */
	uint64_t dw[2];
	dw[0] = (uint64_t)s->type | (uint64_t)offset8 << 16 | (uint64_t)len8 << 32 |
		(uint64_t)s->flags << 48;
	dw[1] = s->trans_id;
	uint64_t trailer = (uint64_t)old_w << 32; /* reserved 0, start offset */
	uint32_t pad = pkt_bytes - (uint32_t)plen;
	uint32_t off;
	if (old_w + total <= tx->size) {
		/* Contiguous: constant-size stores for descriptor, padding word and trailer. */
		volatile uint8_t *p = tx->data + old_w;
		ring_sh_copy_out(p, &dw[0], 8);
		ring_sh_copy_out(p + 8, &dw[1], 8);
		if (pad) {
			uint64_t zero = 0; /* last word; the payload copy overwrites its head */
			ring_sh_copy_out(p + pkt_bytes - 8, &zero, 8);
		}
		off = old_w + (uint32_t)sizeof dw;
	} else {
		off = tx_put(tx, old_w, dw, sizeof dw);
	}
	if (s->type == RING_PKT_GPA_DIRECT) {
		struct ring_gpa_hdr gh = { .reserved = 0, .range_count = s->nranges };
		off = tx_put(tx, off, &gh, sizeof gh);
		for (uint32_t i = 0; i < s->nranges; i++) {
			const struct ring_gpa_range *g = &s->ranges[i];
			struct ring_gpa_range_hdr rh = { .byte_count = g->byte_count,
							 .byte_offset = g->byte_offset };
			off = tx_put(tx, off, &rh, sizeof rh);
			off = tx_put(tx, off, g->pfns, 8u * ring_gpa_pfn_count(g->byte_offset, g->byte_count));
		}
	}
	for (uint32_t i = 0; i < s->niov; i++)
		if (s->iov[i].len)
			off = tx_put(tx, off, s->iov[i].base, (uint32_t)s->iov[i].len);
	if (old_w + total <= tx->size) {
		ring_sh_copy_out(tx->data + old_w + pkt_bytes, &trailer, 8);
		off = old_w + total;
		tx->w = off == tx->size ? 0 : off;
	} else {
		/* Wrapping: zero padding, then the trailer, in one copy. */
		uint8_t tail[16] = { 0 };
		memcpy(tail + pad, &trailer, sizeof trailer);
		tx->w = tx_put(tx, off, tail, pad + (uint32_t)sizeof trailer);
	}
	return 0;
}

int ring_tx_flush(struct ring_tx *tx)
{
	if (tx == NULL || tx->ctl == NULL)
		return UMBRA_EINVAL;
	if (tx->err)
		return tx->err;
	if (tx->w == tx->w_pub)
		return 0;
	uint32_t old_w = tx->w_pub;
	/* Publish the write index: the packet bytes are visible before it (release), and the
	 * store is ordered before the loads that decide the signal (full barrier), otherwise
	 * the host could unmask and see an empty ring while we read its old mask. */
	ring_sh_store32_mb(tx->ctl + RING_CTL_WRITE_INDEX, tx->w);
	tx->w_pub = tx->w;
	if (ring_sh_load32(tx->ctl + RING_CTL_INTR_MASK) != 0)
		return 0;
	/* Signal only if the host had consumed everything published before. The value is
	 * only compared, never used to address memory. */
	return ring_sh_load32(tx->ctl + RING_CTL_READ_INDEX) == old_w ? RING_SIGNAL : 0;
}

int ring_tx_send(struct ring_tx *tx, const struct ring_send *s)
{
	int rc = ring_tx_queue(tx, s);
	if (rc)
		return rc;
	return ring_tx_flush(tx);
}

int ring_tx_inband(struct ring_tx *tx, const void *data, size_t len, uint64_t trans_id,
		   bool completion_requested)
{
	struct ring_iov iov = { data, len };
	struct ring_send s = {
		.type = RING_PKT_INBAND,
		.flags = completion_requested ? RING_FLAG_COMPLETION_REQUESTED : 0,
		.trans_id = trans_id, .iov = &iov, .niov = 1,
	};
	if (tx == NULL || tx->ctl == NULL)
		return UMBRA_EINVAL;
	if (tx->err)
		return tx->err;
	int rc = tx_queue_simple(tx, &s, s.type, s.flags, trans_id, data, len);
	return rc ? rc : ring_tx_flush(tx);
}

int ring_tx_completion(struct ring_tx *tx, const void *data, size_t len, uint64_t trans_id)
{
	struct ring_iov iov = { data, len };
	struct ring_send s = { .type = RING_PKT_COMP, .trans_id = trans_id, .iov = &iov, .niov = 1 };
	return ring_tx_send(tx, &s);
}

int ring_tx_gpa_direct(struct ring_tx *tx, const struct ring_gpa_range *ranges, uint32_t nranges,
		       const void *data, size_t len, uint64_t trans_id, bool completion_requested)
{
	struct ring_iov iov = { data, len };
	struct ring_send s = {
		.type = RING_PKT_GPA_DIRECT,
		.flags = completion_requested ? RING_FLAG_COMPLETION_REQUESTED : 0,
		.trans_id = trans_id, .ranges = ranges, .nranges = nranges, .iov = &iov, .niov = 1,
	};
	return ring_tx_send(tx, &s);
}

int ring_tx_block(struct ring_tx *tx, uint32_t needed)
{
	if (tx == NULL || tx->ctl == NULL)
		return UMBRA_EINVAL;
	if (tx->err)
		return tx->err;
	if (needed < RING_MIN_PKT_BYTES || (needed & 7u) || needed > tx->size - 8u)
		return UMBRA_EINVAL;
	if (tx->w != tx->w_pub)
		return UMBRA_EBUSY; /* flush first: the host cannot make room for unseen packets */
	/* Store + full barrier: the host must see pending_send_sz before we re-read its read
	 * index, else it could advance past the threshold unseen and never signal us. */
	ring_sh_store32_mb(tx->ctl + RING_CTL_PENDING_SEND, needed);
	int rc = tx_load_read_index(tx);
	if (rc)
		return rc;
	return tx_free(tx) > needed ? 0 : UMBRA_EAGAIN;
}

int ring_tx_unblock(struct ring_tx *tx)
{
	if (tx == NULL || tx->ctl == NULL)
		return UMBRA_EINVAL;
	if (tx->err)
		return tx->err;
	ring_sh_store32(tx->ctl + RING_CTL_PENDING_SEND, 0);
	return 0;
}
