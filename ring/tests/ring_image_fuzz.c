/*
 * libFuzzer target: the input is what a hostile host leaves in the ring - the control
 * words and the data area - seen by our reader (and writer) after a legitimate start.
 *
 * Input: byte 0 options (bit 0-1 ring size 4/8/16 KiB, bit 2 batch mode, bit 3 small
 * buffer, bit 4 peek/consume, bit 5 ring_rx_next_many with max 1 + bits 6-7), bytes 1-2 start offset / 8, bytes 3-70 the first 68 bytes
 * of the control page, the rest the data area (zero-filled if short).
 *
 * Checks: no crash or out-of-bounds access (ASan), the read loop terminates within
 * data_size / 24 packets, every returned packet is self-consistent and lies inside the
 * caller's buffer, a failed ring stays failed, and only expected codes come back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring/ring.h"

static _Alignas(8) uint8_t pkbuf[1 << 15];

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void check_pkt(const struct ring_pkt *p, size_t cap)
{
	CHECK(p->len >= 16 && p->len <= cap && (p->len & 7) == 0);
	CHECK(p->hdr == pkbuf + 16);
	CHECK(16 + p->hdr_len + p->data_len == p->len);
	CHECK(p->data == p->hdr + p->hdr_len);
	CHECK(p->type == RING_PKT_INBAND || p->type == RING_PKT_XFER_PAGES ||
	      p->type == RING_PKT_GPA_DIRECT || p->type == RING_PKT_COMP);
	CHECK((p->flags & ~RING_FLAG_COMPLETION_REQUESTED) == 0);
	if (p->type == RING_PKT_GPA_DIRECT) {
		uint32_t pos = 0, bc, bo, np, n = 0;
		const uint64_t *pf;
		while (ring_pkt_gpa_range(p, &pos, &bc, &bo, &pf, &np) == 0) {
			CHECK((const uint8_t *)pf >= p->hdr &&
			      (const uint8_t *)(pf + np) <= p->hdr + p->hdr_len);
			CHECK(bo < 4096 && bc > 0);
			n++;
			CHECK(n <= p->range_count);
		}
		CHECK(n == p->range_count);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	if (n < 3)
		return 0;
	uint8_t opt = in[0];
	uint32_t dsz = 4096u << (opt & 3);
	if (dsz > 16384)
		dsz = 16384;
	size_t rb = RING_CTL_SIZE + dsz;
	uint8_t *mem = aligned_alloc(4096, rb);
	struct ring_tx tx;
	struct ring_rx rx;
	CHECK(ring_rx_init(&rx, mem, rb) == 0 && ring_tx_init(&tx, mem, rb) == 0);
	/* legitimate start: move both ends to the chosen offset */
	uint32_t start = (uint32_t)(((in[1] | (in[2] << 8)) * 8u) % dsz);
	while (tx.w != start) {
		uint32_t d = (start + dsz - tx.w) % dsz;
		uint32_t step = d < 24 ? 1000 : (d > dsz / 2 ? dsz / 2 : d);
		struct ring_pkt p;
		CHECK(ring_tx_inband(&tx, pkbuf, step - 24, 0, false) >= 0);
		CHECK(ring_rx_read(&rx, pkbuf, sizeof pkbuf, &p) >= 0);
	}
	/* the host takes over */
	in += 3;
	n -= 3;
	size_t c = n < 68 ? n : 68;
	memcpy(mem, in, c);
	in += c;
	n -= c;
	memset(mem + RING_CTL_SIZE, 0, dsz);
	memcpy(mem + RING_CTL_SIZE, in, n < dsz ? n : dsz);

	size_t cap = (opt & 8) ? 256 : sizeof pkbuf;
	if (opt & 4)
		ring_rx_batch_begin(&rx);
	int rc = 0;
	unsigned reads = 0;
	for (;;) {
		struct ring_pkt p;
		if (opt & 32) { /* batch form */
			struct ring_pkt ps[8];
			int k = ring_rx_next_many(&rx, pkbuf, cap, ps, 1 + (opt >> 6));
			if (k <= 0) {
				rc = k;
				break;
			}
			const uint8_t *prev = pkbuf;
			for (int i = 0; i < k; i++) {
				CHECK(ps[i].hdr == prev + 16);
				CHECK(ps[i].len >= 16 && (ps[i].len & 7) == 0);
				CHECK(16 + ps[i].hdr_len + ps[i].data_len == ps[i].len);
				CHECK(ps[i].data + ps[i].data_len <= pkbuf + cap);
				prev += ps[i].len;
			}
			reads += (unsigned)k;
			CHECK(reads <= dsz / 24);
			continue;
		}
		if (opt & 16) {
			rc = ring_rx_peek(&rx, pkbuf, cap, &p);
			if (rc == 0)
				CHECK(ring_rx_consume(&rx) == 0);
		} else {
			rc = ring_rx_next(&rx, pkbuf, cap, &p);
		}
		if (rc != 0)
			break;
		check_pkt(&p, cap);
		reads++;
		CHECK(reads <= dsz / 24);
		if ((reads & 3) == 0) {
			int c2 = ring_rx_commit(&rx);
			CHECK(c2 == 0 || c2 == RING_SIGNAL || c2 == UMBRA_ECORRUPT);
		}
	}
	CHECK(rc == UMBRA_EAGAIN || rc == UMBRA_ECORRUPT || rc == UMBRA_ENOSPC);
	int c3 = ring_rx_commit(&rx);
	CHECK(c3 == 0 || c3 == RING_SIGNAL || c3 == UMBRA_ECORRUPT);
	if (opt & 4) {
		int e = ring_rx_batch_end(&rx);
		CHECK(e == 0 || e == RING_MORE || e == UMBRA_ECORRUPT);
	}
	if (ring_rx_error(&rx)) {
		struct ring_pkt p;
		CHECK(ring_rx_next(&rx, pkbuf, cap, &p) == UMBRA_ECORRUPT);
		CHECK(ring_rx_commit(&rx) == UMBRA_ECORRUPT);
	}
	/* our writer against the same hostile control words */
	for (int i = 0; i < 4; i++) {
		int w = ring_tx_inband(&tx, pkbuf, (size_t)(i * 700), 1, true);
		CHECK(w == 0 || w == RING_SIGNAL || w == UMBRA_EAGAIN || w == UMBRA_ECORRUPT);
		if (w == UMBRA_EAGAIN) {
			int b = ring_tx_block(&tx, ring_inband_size((size_t)i * 700));
			CHECK(b == 0 || b == UMBRA_EAGAIN || b == UMBRA_ECORRUPT);
		}
	}
	free(mem);
	return 0;
}
