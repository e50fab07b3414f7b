/*
 * Shared-access discipline, checked on ring/ built with RING_SHARED_TRACE:
 *  - one peek reads each shared byte at most once and the write index at most once;
 *    it reads exactly the descriptor and body of the packet (never the trailer);
 *  - every access stays inside the ring (the trace hook aborts otherwise);
 *  - a host that rewrites the descriptor, the body or the write index while the reader
 *    is between its steps cannot change what the reader returns for that packet;
 *  - a failed ring touches no shared byte at all;
 *  - the writer never reads the data area.
 */
#include "tests/unit/ut.h"

#include "ring/ring.h"
#include "ring/tests/ring_testlib.h"
#include "ring/tests/ring_trace.h"

#define DSZ 8192u
#define RB (RING_CTL_SIZE + DSZ)

static _Alignas(8) uint8_t pkbuf[DSZ];
static uint8_t msg[DSZ];

static void t_each_byte_once(void)
{
	void *mem = ring_t_alloc(RB);
	struct ring_tx tx;
	struct ring_rx rx;
	ring_trace_region(mem, RB);
	ring_rx_init(&rx, mem, RB);
	ring_tx_init(&tx, mem, RB);
	uint64_t s = 42;
	int bad = 0;
	unsigned long pkts = 0;
	for (int i = 0; i < 20000 && !bad; i++) {
		uint32_t n = (uint32_t)(ring_t_rand(&s) % (i % 10 ? 300 : 5000));
		int nsent = 1 + (int)(ring_t_rand(&s) % 4), sent = 0;
		for (int k = 0; k < nsent; k++) {
			ring_t_pattern(msg, n, (uint64_t)i * 8 + (uint64_t)k);
			if (ring_tx_inband(&tx, msg, n, (uint64_t)i, k & 1) >= 0)
				sent++;
		}
		for (int k = 0; k < sent; k++) {
			ring_trace_epoch();
			struct ring_pkt p;
			int rc = ring_rx_next(&rx, pkbuf, sizeof pkbuf, &p);
			const struct ring_trace_stats *st = ring_trace_stats();
			if (rc != 0 || st->max_reads > 1 || st->write_index_loads > 1 ||
			    st->stores != 0 || st->bytes_in != p.len + 4u * st->loads) {
				fprintf(stderr, "pkt %d.%d rc %d max_reads %lu w_loads %lu bytes_in %lu len %u\n",
					i, k, rc, st->max_reads, st->write_index_loads, st->bytes_in, p.len);
				bad = 1;
				break;
			}
			pkts++;
		}
		ring_trace_epoch();
		ring_rx_commit(&rx);
		if (ring_trace_stats()->max_reads > 1)
			bad = 1;
	}
	UT_EQ(bad, 0);
	UT_CHECK(pkts > 20000);
	free(mem);
}

/* ---- a host that writes between the reader's steps ---- */

struct meddle {
	int copies_seen;
	int at_copy;          /* meddle before the at_copy-th copy-in (1 = descriptor, 2 = body) */
	int w_at_copy;        /* garbage write index before the w_at_copy-th copy-in */
	uint8_t *mem;
	uint32_t pkt_off;
};

static void meddle_hook(enum ring_trace_kind kind, size_t off, size_t n, void *ctx)
{
	struct meddle *m = ctx;
	(void)off;
	(void)n;
	if (kind != RING_TRACE_COPY_IN)
		return;
	++m->copies_seen;
	if (m->copies_seen == m->w_at_copy)
		ring_t_set32(m->mem, RING_CTL_WRITE_INDEX, 12345); /* after the reader's load */
	if (m->copies_seen == m->at_copy) {
		uint8_t *pkt = m->mem + RING_CTL_SIZE + m->pkt_off;
		struct ring_desc d;
		memcpy(&d, pkt, sizeof d);
		d.len8 = 0xFFFF;   /* way beyond the data */
		d.offset8 = 1;     /* invalid */
		d.type = 99;       /* unknown */
		memcpy(pkt, &d, sizeof d);
		memset(pkt + 16, 0xEE, 64); /* body too (only matters for the descriptor case) */
	}
}

static void t_host_rewrites_between_steps(void)
{
	/* at_copy 2: after the descriptor copy the host rewrites the descriptor and body: the
	 * reader must return the packet as it was when copied (descriptor from copy 1, body
	 * overwritten before copy 2 is what copy 2 sees) and must not fail */
	void *mem = ring_t_alloc(RB);
	struct ring_tx tx;
	struct ring_rx rx;
	ring_trace_region(mem, RB);
	ring_rx_init(&rx, mem, RB);
	ring_tx_init(&tx, mem, RB);
	struct meddle m = { .at_copy = 2, .mem = mem };
	ring_t_pattern(msg, 100, 7);
	UT_EQ(ring_tx_inband(&tx, msg, 100, 77, true), RING_SIGNAL);
	ring_trace_set_hook(meddle_hook, &m);
	struct ring_pkt p;
	UT_EQ(ring_rx_next(&rx, pkbuf, sizeof pkbuf, &p), 0);
	ring_trace_set_hook(NULL, NULL);
	UT_EQ(p.type, RING_PKT_INBAND);
	UT_EQ(p.len, 120);
	UT_EQ(p.trans_id, 77);
	UT_EQ(p.data_len, 104);
	/* the descriptor in the private copy is the validated one, not the rewritten one */
	struct ring_desc d;
	memcpy(&d, pkbuf, sizeof d);
	UT_EQ(d.len8, 15);
	UT_EQ(d.offset8, 2);
	UT_EQ(ring_rx_error(&rx), 0);

	/* the write index changed to garbage right after the reader loaded it: this packet
	 * is unaffected; the next refill sees the garbage and fails */
	UT_EQ(ring_rx_commit(&rx), 0);
	UT_EQ(ring_tx_inband(&tx, msg, 10, 78, false), RING_SIGNAL);
	struct meddle m2 = { .w_at_copy = 1, .mem = mem };
	ring_trace_set_hook(meddle_hook, &m2);
	UT_EQ(ring_rx_next(&rx, pkbuf, sizeof pkbuf, &p), 0);
	ring_trace_set_hook(NULL, NULL);
	UT_EQ(p.trans_id, 78);
	UT_EQ(ring_rx_next(&rx, pkbuf, sizeof pkbuf, &p), UMBRA_ECORRUPT);

	/* failed: no shared byte touched by any call */
	ring_trace_epoch();
	UT_EQ(ring_rx_next(&rx, pkbuf, sizeof pkbuf, &p), UMBRA_ECORRUPT);
	UT_EQ(ring_rx_commit(&rx), UMBRA_ECORRUPT);
	UT_EQ(ring_rx_batch_begin(&rx), UMBRA_ECORRUPT);
	UT_EQ(ring_rx_batch_end(&rx), UMBRA_ECORRUPT);
	UT_EQ(ring_rx_pending(&rx), UMBRA_ECORRUPT);
	const struct ring_trace_stats *st = ring_trace_stats();
	UT_EQ(st->loads + st->stores + st->copies_in + st->copies_out, 0);
	free(mem);
}

static void t_descriptor_rewrite_before_first_copy(void)
{
	/* rewritten before the descriptor copy: the reader sees the bad descriptor and fails
	 * cleanly (no out-of-range copy: the trace hook aborts on one) */
	void *mem = ring_t_alloc(RB);
	struct ring_tx tx;
	struct ring_rx rx;
	ring_trace_region(mem, RB);
	ring_rx_init(&rx, mem, RB);
	ring_tx_init(&tx, mem, RB);
	struct meddle m = { .at_copy = 1, .mem = mem };
	UT_EQ(ring_tx_inband(&tx, msg, 100, 1, false), RING_SIGNAL);
	ring_trace_set_hook(meddle_hook, &m);
	struct ring_pkt p;
	UT_EQ(ring_rx_next(&rx, pkbuf, sizeof pkbuf, &p), UMBRA_ECORRUPT);
	ring_trace_set_hook(NULL, NULL);
	free(mem);
}

static void t_writer_access_pattern(void)
{
	void *mem = ring_t_alloc(RB);
	struct ring_tx tx;
	ring_trace_region(mem, RB);
	ring_tx_init(&tx, mem, RB);
	for (int i = 0; i < 1000; i++) {
		ring_trace_epoch();
		int rc = ring_tx_inband(&tx, msg, (size_t)(i % 200), 0, false);
		const struct ring_trace_stats *st = ring_trace_stats();
		UT_EQ(st->copies_in, 0);            /* never reads packet memory */
		UT_CHECK(st->loads <= 3);           /* read index (space), mask, read index (signal) */
		UT_EQ(st->stores, rc >= 0 ? 1 : 0); /* only the write index */
		if (rc == UMBRA_EAGAIN) /* host "consumes" everything */
			ring_t_set32(mem, RING_CTL_READ_INDEX, tx.w);
	}
	free(mem);
}

int main(void)
{
	UT_RUN(t_each_byte_once);
	UT_RUN(t_host_rewrites_between_steps);
	UT_RUN(t_descriptor_rewrite_before_first_copy);
	UT_RUN(t_writer_access_pattern);
	return UT_DONE();
}
