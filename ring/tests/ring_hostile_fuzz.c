/*
 * libFuzzer target: a hostile host that changes indices, descriptors and packet bytes
 * between the reader's steps. ring/ is built with RING_SHARED_TRACE (ring/tests/
 * ring_traced.c); before every shared access the hook takes the next input byte and may
 * rewrite the write index, a descriptor at the reader's position, any data word, the
 * pending size or the feature bits.
 *
 * Input: byte 0 options (bits 0-1 ring size, bit 2 batch mode, bit 3 ring_rx_next_many),
 * bytes 1-2 start offset,
 * byte 3 number of legitimate packets (each: type byte, size byte), then the host's
 * action stream.
 *
 * Checks: accesses stay inside the ring (the trace aborts), one peek reads each shared
 * byte and the write index at most once, every packet returned re-validates from the
 * private copy alone with the same fields, the loop is bounded, and a failed ring touches
 * no shared memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring/ring.h"
#include "ring/ring_pkt.h"
#include "ring/tests/ring_trace.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static _Alignas(8) uint8_t pkbuf[1 << 15];
static const uint8_t *h_in;
static size_t h_n;
static uint8_t *h_mem;
static uint32_t h_dsz;
static struct ring_rx *h_rx;
static unsigned h_wchanges;

static uint32_t take(size_t bytes)
{
	uint32_t v = 0;
	for (size_t i = 0; i < bytes && h_n; i++, h_n--)
		v |= (uint32_t)*h_in++ << (8 * i);
	return v;
}

static void host_hook(enum ring_trace_kind kind, size_t off, size_t n, void *ctx)
{
	(void)kind; (void)off; (void)n; (void)ctx;
	if (h_n == 0)
		return;
	uint8_t a = (uint8_t)take(1);
	uint8_t *data = h_mem + RING_CTL_SIZE;
	switch (a & 7) {
	case 4: {
		uint32_t w = take(2) * 8u; /* mostly aligned, sometimes out of range */
		if (a & 8)
			w |= a >> 5;
		memcpy(h_mem + RING_CTL_WRITE_INDEX, &w, 4);
		h_wchanges++;
		break;
	}
	case 5: {
		uint32_t o = (take(2) * 8u) % h_dsz;
		uint32_t v = take(4);
		memcpy(data + o, &v, 4);
		break;
	}
	case 6: { /* rewrite the descriptor at the reader's position */
		uint32_t o = h_rx->r;
		uint8_t d[8];
		uint32_t v = take(4), v2 = take(4);
		memcpy(d, &v, 4);
		memcpy(d + 4, &v2, 4);
		for (int i = 0; i < 8; i++)
			data[(o + (uint32_t)i) % h_dsz] = d[i];
		break;
	}
	case 7: {
		uint32_t v = take(4);
		memcpy(h_mem + ((a & 8) ? RING_CTL_PENDING_SEND : RING_CTL_FEATURES), &v, 4);
		break;
	}
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	if (n < 4)
		return 0;
	uint8_t opt = in[0];
	uint32_t dsz = 4096u << (opt & 3);
	if (dsz > 16384)
		dsz = 16384;
	size_t rb = RING_CTL_SIZE + dsz;
	uint8_t *mem = aligned_alloc(4096, rb);
	struct ring_tx tx;
	struct ring_rx rx;
	ring_trace_set_hook(NULL, NULL);
	ring_trace_region(mem, rb);
	CHECK(ring_rx_init(&rx, mem, rb) == 0 && ring_tx_init(&tx, mem, rb) == 0);
	uint32_t start = (uint32_t)(((in[1] | (in[2] << 8)) * 8u) % dsz);
	while (tx.w != start) {
		uint32_t d = (start + dsz - tx.w) % dsz;
		uint32_t step = d < 24 ? 1000 : (d > dsz / 2 ? dsz / 2 : d);
		struct ring_pkt p;
		CHECK(ring_tx_inband(&tx, pkbuf, step - 24, 0, false) >= 0);
		CHECK(ring_rx_read(&rx, pkbuf, sizeof pkbuf, &p) >= 0);
	}
	unsigned npk = in[3] & 15;
	h_in = in + 4;
	h_n = n - 4;
	for (unsigned i = 0; i < npk; i++) {
		uint32_t t = take(1), sz = take(1) * 9u;
		uint64_t pfn[4] = { 1, 2, 3, 4 };
		struct ring_gpa_range g = { 1 + sz, t & 0xF0, pfn };
		if (t & 1)
			ring_tx_gpa_direct(&tx, &g, 1, pkbuf, sz, i, true);
		else if (t & 2)
			ring_tx_completion(&tx, pkbuf, sz, i);
		else
			ring_tx_inband(&tx, pkbuf, sz, i, t & 4);
	}

	h_mem = mem;
	h_dsz = dsz;
	h_rx = &rx;
	h_wchanges = 0;
	ring_trace_set_hook(host_hook, NULL);
	if (opt & 4)
		ring_rx_batch_begin(&rx);
	unsigned reads = 0;
	int rc;
	for (;;) {
		struct ring_pkt p;
		ring_trace_epoch();
		if (opt & 8) { /* batch form: re-validate each packet */
			struct ring_pkt ps[4];
			int k = ring_rx_next_many(&rx, pkbuf, sizeof pkbuf, ps, 4);
			const struct ring_trace_stats *st = ring_trace_stats();
			/* Even across packets and write-index moves: new data may only arrive in
			 * space we released, so no byte is read twice before a commit. */
			CHECK(st->max_reads <= 1);
			if (k <= 0) {
				rc = k;
				break;
			}
			for (int i = 0; i < k; i++) {
				struct ring_pkt q;
				CHECK(ring_pkt_parse(ps[i].hdr - 16, &q) == 0);
				CHECK(q.len == ps[i].len && q.type == ps[i].type &&
				      q.data_len == ps[i].data_len && q.range_count == ps[i].range_count);
			}
			reads += (unsigned)k;
			CHECK(reads <= (h_wchanges + 2) * (dsz / 24));
			continue;
		}
		rc = ring_rx_next(&rx, pkbuf, sizeof pkbuf, &p);
		const struct ring_trace_stats *st = ring_trace_stats();
		CHECK(st->max_reads <= 1 && st->write_index_loads <= 1);
		if (rc != 0)
			break;
		struct ring_pkt q;
		CHECK(ring_pkt_parse(pkbuf, &q) == 0);
		CHECK(q.type == p.type && q.flags == p.flags && q.trans_id == p.trans_id &&
		      q.len == p.len && q.hdr == p.hdr && q.hdr_len == p.hdr_len &&
		      q.data == p.data && q.data_len == p.data_len && q.range_count == p.range_count);
		reads++;
		CHECK(reads <= (h_wchanges + 2) * (dsz / 24));
		if ((reads & 3) == 0) {
			int c = ring_rx_commit(&rx);
			CHECK(c == 0 || c == RING_SIGNAL || c == UMBRA_ECORRUPT);
		}
		if ((reads & 7) == 0 && (opt & 4)) {
			int e = ring_rx_batch_end(&rx);
			CHECK(e == 0 || e == RING_MORE || e == UMBRA_ECORRUPT);
			ring_rx_batch_begin(&rx);
		}
	}
	CHECK(rc == UMBRA_EAGAIN || rc == UMBRA_ECORRUPT);
	if (ring_rx_error(&rx)) {
		struct ring_pkt p;
		ring_trace_epoch();
		CHECK(ring_rx_next(&rx, pkbuf, sizeof pkbuf, &p) == UMBRA_ECORRUPT);
		CHECK(ring_rx_commit(&rx) == UMBRA_ECORRUPT);
		CHECK(ring_rx_batch_end(&rx) == UMBRA_ECORRUPT);
		const struct ring_trace_stats *st = ring_trace_stats();
		CHECK(st->loads + st->stores + st->copies_in + st->copies_out == 0);
	}
	ring_trace_set_hook(NULL, NULL);
	free(mem);
	return 0;
}
