/* Host unit tests of ring/: layout, writer, reader, validation, signalling, flow control. */
#include "tests/unit/ut.h"

#include "ring/ring.h"
#include "ring/tests/ring_testlib.h"

#define RB (RING_CTL_SIZE + 4096u) /* one ring: control page + 4 KiB data */
#define DSZ 4096u

static _Alignas(8) uint8_t pkbuf[1 << 20];

struct lb { /* loopback: our writer and our reader on the same ring memory */
	void *mem;
	struct ring_tx tx;
	struct ring_rx rx;
};

static int lb_init(struct lb *l, size_t bytes)
{
	l->mem = ring_t_alloc(bytes);
	if (!l->mem || ring_rx_init(&l->rx, l->mem, bytes) || ring_tx_init(&l->tx, l->mem, bytes))
		return -1;
	return 0;
}

static void lb_free(struct lb *l)
{
	free(l->mem);
}

/* Move both ends (empty ring) to data offset off by writing and reading fillers. */
static void lb_advance_to(struct lb *l, uint32_t off)
{
	while (l->tx.w != off) {
		uint32_t d = (off + DSZ - l->tx.w) % DSZ;
		uint32_t step = d < 24 ? 1000 : (d > DSZ / 2 ? DSZ / 2 : d);
		UT_EQ(ring_tx_inband(&l->tx, pkbuf, step - 24, 0, false) >= 0, 1);
		struct ring_pkt p;
		UT_EQ(ring_rx_read(&l->rx, pkbuf, sizeof pkbuf, &p) >= 0, 1);
	}
}

static void t_init_args(void)
{
	struct ring_tx tx;
	struct ring_rx rx;
	struct ring_pair p;
	uint8_t *m = ring_t_alloc(4 * 4096);
	UT_EQ(ring_tx_init(NULL, m, 8192), UMBRA_EINVAL);
	UT_EQ(ring_tx_init(&tx, NULL, 8192), UMBRA_EINVAL);
	UT_EQ(ring_tx_init(&tx, m + 8, 8192), UMBRA_EINVAL);
	UT_EQ(ring_tx_init(&tx, m, 8192 + 8), UMBRA_EINVAL);
	UT_EQ(ring_tx_init(&tx, m, 4096), UMBRA_EINVAL);
	UT_EQ(ring_rx_init(&rx, m, 4096), UMBRA_EINVAL);
	UT_EQ(ring_rx_init(&rx, m + 4096 + 16, 8192), UMBRA_EINVAL);
	UT_EQ(ring_pair_init(&p, m, 4 * 4096, 0), UMBRA_EINVAL);
	UT_EQ(ring_pair_init(&p, m, 4 * 4096, 1), UMBRA_EINVAL); /* outbound too small */
	UT_EQ(ring_pair_init(&p, m, 4 * 4096, 4), UMBRA_EINVAL); /* no inbound */
	UT_EQ(ring_pair_init(&p, m, 4 * 4096, 3), UMBRA_EINVAL); /* inbound too small */
	UT_EQ(ring_pair_init(&p, m, 4 * 4096, 2), 0);
	UT_CHECK(p.tx.ctl == m && p.rx.ctl == m + 2 * 4096);
	UT_EQ(p.tx.size, 4096);
	UT_EQ(p.rx.size, 4096);
	/* every byte zeroed except the feature bits */
	for (uint32_t i = 0; i < 4 * 4096; i++) {
		uint32_t o = i % 8192;
		uint8_t want = (o == RING_CTL_FEATURES) ? 1 : 0;
		if (m[i] != want) {
			UT_EQ(m[i], want);
			break;
		}
	}
	/* NULL everywhere: errors, no crash */
	struct ring_pkt pk;
	UT_EQ(ring_tx_send(NULL, NULL), UMBRA_EINVAL);
	UT_EQ(ring_tx_send(&p.tx, NULL), UMBRA_EINVAL);
	UT_EQ(ring_tx_inband(&p.tx, NULL, 5, 0, false), UMBRA_EINVAL);
	UT_EQ(ring_rx_peek(NULL, pkbuf, 64, &pk), UMBRA_EINVAL);
	UT_EQ(ring_rx_peek(&p.rx, NULL, 64, &pk), UMBRA_EINVAL);
	UT_EQ(ring_rx_peek(&p.rx, pkbuf, 8, &pk), UMBRA_EINVAL);
	UT_EQ(ring_rx_peek(&p.rx, pkbuf + 4, 64, &pk), UMBRA_EINVAL);
	UT_EQ(ring_rx_peek(&p.rx, pkbuf, 64, NULL), UMBRA_EINVAL);
	UT_EQ(ring_rx_consume(&p.rx), UMBRA_EINVAL);
	UT_EQ(ring_rx_commit(NULL), UMBRA_EINVAL);
	UT_EQ(ring_rx_batch_begin(NULL), UMBRA_EINVAL);
	UT_EQ(ring_rx_batch_end(NULL), UMBRA_EINVAL);
	UT_EQ(ring_tx_block(NULL, 24), UMBRA_EINVAL);
	UT_EQ(ring_tx_block(&p.tx, 20), UMBRA_EINVAL);
	UT_EQ(ring_tx_block(&p.tx, 4096), UMBRA_EINVAL);
	UT_EQ(ring_pair_reset(NULL), UMBRA_EINVAL);
	UT_EQ(ring_pkt_gpa_range(NULL, NULL, NULL, NULL, NULL, NULL), UMBRA_EINVAL);
	struct ring_send bad = { .type = RING_PKT_INBAND, .flags = 2 };
	UT_EQ(ring_tx_send(&p.tx, &bad), UMBRA_EINVAL);
	bad.flags = 0;
	bad.type = RING_PKT_XFER_PAGES;
	UT_EQ(ring_tx_send(&p.tx, &bad), UMBRA_EINVAL);
	bad.type = RING_PKT_GPA_DIRECT; /* no ranges */
	UT_EQ(ring_tx_send(&p.tx, &bad), UMBRA_EINVAL);
	UT_EQ(ring_t_get32(m, RING_CTL_WRITE_INDEX), 0); /* nothing was written */
	free(m);
}

static void t_inband_layout(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	uint8_t msg[13];
	for (int i = 0; i < 13; i++)
		msg[i] = (uint8_t)(0xF0 + i);
	UT_EQ(ring_tx_inband(&l.tx, msg, sizeof msg, 0x1122334455667788ull, true), RING_SIGNAL);
	/* 16 + 13 = 29 -> len8 4 (32 bytes), trailer 8: write index 40 */
	UT_EQ(ring_t_get32(l.mem, RING_CTL_WRITE_INDEX), 40);
	const uint8_t *d = (const uint8_t *)l.mem + RING_CTL_SIZE;
	struct ring_desc desc;
	memcpy(&desc, d, 16);
	UT_EQ(desc.type, RING_PKT_INBAND);
	UT_EQ(desc.offset8, 2);
	UT_EQ(desc.len8, 4);
	UT_EQ(desc.flags, RING_FLAG_COMPLETION_REQUESTED);
	UT_CHECK(desc.trans_id == 0x1122334455667788ull);
	UT_CHECK(memcmp(d + 16, msg, 13) == 0);
	for (int i = 29; i < 32; i++)
		UT_EQ(d[i], 0); /* padding zeroed */
	struct ring_trailer t;
	memcpy(&t, d + 32, 8);
	UT_EQ(t.reserved, 0);
	UT_EQ(t.start_offset, 0);
	/* second packet: trailer carries its start offset */
	UT_EQ(ring_tx_inband(&l.tx, msg, 8, 7, false), 0); /* not empty before: no signal */
	memcpy(&t, d + 40 + 24, 8);
	UT_EQ(t.start_offset, 40);

	struct ring_pkt p;
	UT_EQ(ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p), 0);
	UT_EQ(p.type, RING_PKT_INBAND);
	UT_EQ(p.flags, 1);
	UT_CHECK(p.trans_id == 0x1122334455667788ull);
	UT_EQ(p.len, 32);
	UT_EQ(p.hdr_len, 0);
	UT_EQ(p.data_len, 16); /* includes padding */
	UT_CHECK(memcmp(p.data, msg, 13) == 0);
	UT_CHECK(p.data >= pkbuf && p.data + p.data_len <= pkbuf + sizeof pkbuf);
	UT_EQ(ring_t_get32(l.mem, RING_CTL_READ_INDEX), 40);
	UT_EQ(ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p), 0);
	UT_EQ(p.data_len, 8);
	UT_EQ(p.trans_id, 7);
	UT_EQ(ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p), UMBRA_EAGAIN);
	lb_free(&l);
}

static void t_zero_len_and_completion(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 1, false), RING_SIGNAL);
	UT_EQ(ring_tx_completion(&l.tx, "ok", 2, 99), 0);
	UT_EQ(ring_inband_size(0), 24);
	UT_EQ(ring_inband_size(2), 32);
	UT_EQ(ring_t_get32(l.mem, RING_CTL_WRITE_INDEX), 24 + 32);
	struct ring_pkt p;
	UT_EQ(ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p), 0);
	UT_EQ(p.type, RING_PKT_INBAND);
	UT_EQ(p.len, 16);
	UT_EQ(p.data_len, 0);
	UT_EQ(ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p), 0);
	UT_EQ(p.type, RING_PKT_COMP);
	UT_EQ(p.flags, 0);
	UT_EQ(p.trans_id, 99);
	UT_EQ(p.data_len, 8);
	UT_CHECK(memcmp(p.data, "ok\0\0\0\0\0\0", 8) == 0);
	lb_free(&l);
}

static void t_gpa_direct(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	uint64_t pfn_a[1] = { 0x1234 }, pfn_b[3] = { 0x10, 0x11, 0x12 };
	struct ring_gpa_range r[2] = {
		{ .byte_count = 100, .byte_offset = 8, .pfns = pfn_a },
		{ .byte_count = 8192, .byte_offset = 4000, .pfns = pfn_b }, /* 3 pages */
	};
	UT_EQ(ring_gpa_pfn_count(4000, 8192), 3);
	UT_EQ(ring_gpa_pfn_count(0, 4096), 1);
	UT_EQ(ring_gpa_pfn_count(1, 4096), 2);
	struct ring_iov iov = { "abc", 3 };
	struct ring_send s = { .type = RING_PKT_GPA_DIRECT, .flags = RING_FLAG_COMPLETION_REQUESTED,
			       .trans_id = 5, .ranges = r, .nranges = 2, .iov = &iov, .niov = 1 };
	/* 16 desc + 8 hdr + (8 + 8) + (8 + 24) = 72 = offset; + 3 payload -> 80; + 8 */
	UT_EQ(ring_send_size(&s), 88);
	UT_EQ(ring_tx_send(&l.tx, &s), RING_SIGNAL);
	const uint8_t *d = (const uint8_t *)l.mem + RING_CTL_SIZE;
	struct ring_desc desc;
	memcpy(&desc, d, 16);
	UT_EQ(desc.type, RING_PKT_GPA_DIRECT);
	UT_EQ(desc.offset8, 9);
	UT_EQ(desc.len8, 10);
	UT_EQ(ring_t_get32(d, 16 + 4), 2); /* range_count */
	UT_EQ(ring_t_get32(d, 24), 100);
	UT_EQ(ring_t_get32(d, 28), 8);

	struct ring_pkt p;
	UT_EQ(ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p), 0);
	UT_EQ(p.type, RING_PKT_GPA_DIRECT);
	UT_EQ(p.range_count, 2);
	UT_EQ(p.hdr_len, 56);
	UT_CHECK(memcmp(p.data, "abc", 3) == 0);
	uint32_t pos = 0, bc, bo, np;
	const uint64_t *pf;
	UT_EQ(ring_pkt_gpa_range(&p, &pos, &bc, &bo, &pf, &np), 0);
	UT_EQ(bc, 100);
	UT_EQ(bo, 8);
	UT_EQ(np, 1);
	UT_EQ(pf[0], 0x1234);
	UT_EQ(ring_pkt_gpa_range(&p, &pos, &bc, &bo, &pf, &np), 0);
	UT_EQ(bc, 8192);
	UT_EQ(np, 3);
	UT_EQ(pf[2], 0x12);
	UT_EQ(ring_pkt_gpa_range(&p, &pos, &bc, &bo, &pf, &np), UMBRA_ENOENT);
	/* invalid ranges are refused by the writer */
	struct ring_gpa_range bad = { .byte_count = 0, .byte_offset = 0, .pfns = pfn_a };
	UT_EQ(ring_tx_gpa_direct(&l.tx, &bad, 1, NULL, 0, 0, false), UMBRA_EINVAL);
	bad.byte_count = 1;
	bad.byte_offset = 4096;
	UT_EQ(ring_tx_gpa_direct(&l.tx, &bad, 1, NULL, 0, 0, false), UMBRA_EINVAL);
	bad.byte_offset = 0;
	bad.pfns = NULL;
	UT_EQ(ring_tx_gpa_direct(&l.tx, &bad, 1, NULL, 0, 0, false), UMBRA_EINVAL);
	UT_EQ(ring_tx_gpa_direct(&l.tx, r, 0, NULL, 0, 0, false), UMBRA_EINVAL);
	lb_free(&l);
}

/* Every packet starting at every 8-byte offset of the data area, several sizes, so that
 * the descriptor, the body, the padding and the trailer each straddle the wrap point. */
static void t_wrap_every_offset(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	/* every branch of the small-packet copies (payload <= 64, body <= 64) and beyond */
	static const uint32_t sizes[] = { 0, 1, 3, 4, 7, 8, 9, 15, 16, 24, 31, 32, 40, 47, 48,
					  56, 63, 64, 65, 100, 1000, 4000 };
	uint8_t msg[4096];
	int bad = 0;
	for (uint32_t off = 0; off < DSZ && !bad; off += 8) {
		for (size_t k = 0; k < sizeof sizes / sizeof sizes[0] && !bad; k++) {
			uint32_t n = sizes[k];
			if (ring_inband_size(n) > DSZ - 8)
				continue;
			lb_advance_to(&l, off);
			ring_t_pattern(msg, n, off * 31 + n);
			UT_EQ(ring_tx_inband(&l.tx, msg, n, off + n, false) >= 0, 1);
			/* raw check: padding bytes zero, trailer at the right place */
			uint32_t plen = 16 + n, pad = (8 - plen % 8) % 8;
			uint8_t raw[16];
			ring_t_get(l.mem, DSZ, off + plen, raw, pad + 8);
			for (uint32_t i = 0; i < pad; i++)
				if (raw[i]) bad = 1;
			struct ring_trailer t;
			memcpy(&t, raw + pad, 8);
			if (t.start_offset != off || t.reserved != 0) bad = 1;
			struct ring_pkt p;
			if (ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p) < 0 || p.trans_id != off + n ||
			    p.data_len < n || memcmp(p.data, msg, n) != 0)
				bad = 1;
			else
				for (uint32_t i = n; i < p.data_len; i++)
					if (p.data[i]) bad = 1;
			if (bad)
				fprintf(stderr, "wrap failure at offset %u size %u\n", off, n);
		}
	}
	UT_EQ(bad, 0);
	lb_free(&l);
}

static void t_full_empty(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	/* 100-byte payload -> 128 bytes per packet; 4096/128 = 32 but the ring never fills:
	 * 31 fit (3968 used, free 128 is not > 128). */
	int n = 0, rc;
	while ((rc = ring_tx_inband(&l.tx, pkbuf, 100, n, false)) >= 0)
		n++;
	UT_EQ(rc, UMBRA_EAGAIN);
	UT_EQ(n, 31);
	UT_CHECK(ring_t_get32(l.mem, RING_CTL_WRITE_INDEX) != ring_t_get32(l.mem, RING_CTL_READ_INDEX));
	/* a 24-byte packet still fits (free 128 > 24), and then nothing more than 104 */
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), 0);
	UT_EQ(ring_tx_inband(&l.tx, pkbuf, 80, 0, false), UMBRA_EAGAIN); /* needs 104, free 104 */
	UT_EQ(ring_tx_inband(&l.tx, pkbuf, 72, 0, false), 0);             /* 96 < 104 */
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), UMBRA_EAGAIN);    /* free 8 */
	struct ring_pkt p;
	UT_EQ(ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p), 0);
	UT_EQ(p.trans_id, 0);
	UT_EQ(ring_tx_inband(&l.tx, pkbuf, 100, 77, false), 0); /* room again after one read */
	int got = 1;
	while ((rc = ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p)) >= 0)
		got++;
	UT_EQ(rc, UMBRA_EAGAIN);
	UT_EQ(got, 31 + 2 + 1);
	UT_EQ(ring_rx_pending(&l.rx), 0);
	lb_free(&l);
}

static void t_max_packet(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	/* total = data size - 8 is the largest that fits an empty ring */
	size_t maxp = DSZ - 8 - 8 - 16;
	UT_EQ(ring_tx_inband(&l.tx, pkbuf, maxp + 1, 0, false), UMBRA_ENOSPC);
	UT_EQ(ring_tx_inband(&l.tx, pkbuf, maxp, 0, false), RING_SIGNAL);
	UT_EQ(ring_t_get32(l.mem, RING_CTL_WRITE_INDEX), DSZ - 8);
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), UMBRA_EAGAIN);
	struct ring_pkt p;
	UT_EQ(ring_rx_read(&l.rx, pkbuf, 64, &p), UMBRA_ENOSPC); /* buffer too small: kept */
	UT_EQ(p.len, DSZ - 16);
	UT_EQ(ring_rx_error(&l.rx), 0);
	UT_EQ(ring_rx_read(&l.rx, pkbuf, DSZ - 16, &p), 0);
	UT_EQ(p.data_len, maxp);
	lb_free(&l);
	/* the len8 limit on a big ring */
	lbrc_ = lb_init(&l, RING_CTL_SIZE + (1u << 20));
	UT_REQUIRE(lbrc_ == 0);
	UT_EQ(ring_tx_inband(&l.tx, pkbuf, RING_MAX_PKT_LEN - 16 + 1, 0, false), UMBRA_ENOSPC);
	UT_EQ(ring_tx_inband(&l.tx, pkbuf, RING_MAX_PKT_LEN - 16, 0, false), RING_SIGNAL);
	UT_EQ(ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p), 0);
	UT_EQ(p.len, RING_MAX_PKT_LEN);
	lb_free(&l);
}

static void t_peek_consume(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	ring_tx_inband(&l.tx, "A", 1, 1, false);
	ring_tx_inband(&l.tx, "B", 1, 2, false);
	struct ring_pkt p;
	UT_EQ(ring_rx_peek(&l.rx, pkbuf, 64, &p), 0);
	UT_EQ(p.trans_id, 1);
	UT_EQ(ring_rx_peek(&l.rx, pkbuf, 64, &p), 0);
	UT_EQ(p.trans_id, 1);
	UT_EQ(ring_rx_consume(&l.rx), 0);
	UT_EQ(ring_rx_consume(&l.rx), UMBRA_EINVAL); /* nothing peeked */
	UT_EQ(ring_t_get32(l.mem, RING_CTL_READ_INDEX), 0); /* not published before commit */
	UT_EQ(ring_rx_next(&l.rx, pkbuf, 64, &p), 0);
	UT_EQ(p.trans_id, 2);
	UT_EQ(ring_rx_commit(&l.rx), 0);
	UT_EQ(ring_t_get32(l.mem, RING_CTL_READ_INDEX), 64);
	lb_free(&l);
}

static void t_next_many(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	struct ring_pkt ps[8];
	UT_EQ(ring_rx_next_many(&l.rx, pkbuf, sizeof pkbuf, ps, 8), UMBRA_EAGAIN);
	UT_EQ(ring_rx_next_many(&l.rx, pkbuf, sizeof pkbuf, ps, 0), UMBRA_EINVAL);
	for (int i = 0; i < 5; i++)
		ring_tx_inband(&l.tx, pkbuf, (size_t)(i * 20), (uint64_t)i, false);
	/* sizes 16, 40, 56, 80, 96: a 100-byte buffer takes the first two */
	UT_EQ(ring_rx_next_many(&l.rx, pkbuf, 100, ps, 8), 2);
	UT_EQ(ps[0].trans_id, 0);
	UT_EQ(ps[1].trans_id, 1);
	UT_CHECK(ps[1].hdr == pkbuf + 16 + 16);
	UT_EQ(ring_rx_next_many(&l.rx, pkbuf, 40, ps, 8), UMBRA_ENOSPC); /* 56 needed */
	UT_EQ(ps[0].len, 56);
	UT_EQ(ring_rx_next_many(&l.rx, pkbuf, sizeof pkbuf, ps, 2), 2);
	UT_EQ(ps[1].trans_id, 3);
	UT_EQ(ring_rx_next_many(&l.rx, pkbuf, sizeof pkbuf, ps, 8), 1);
	UT_EQ(ps[0].trans_id, 4);
	/* a corrupt packet after a good one: the good one is returned, then the error */
	ring_tx_inband(&l.tx, pkbuf, 8, 9, false);
	struct ring_desc bad = { .type = 3, .offset8 = 2, .len8 = 2 };
	ring_tx_inband(&l.tx, pkbuf, 0, 0, false);
	memcpy((uint8_t *)l.mem + RING_CTL_SIZE + l.tx.w - 24, &bad, sizeof bad);
	UT_EQ(ring_rx_next_many(&l.rx, pkbuf, sizeof pkbuf, ps, 8), 1);
	UT_EQ(ps[0].trans_id, 9);
	UT_EQ(ring_rx_next_many(&l.rx, pkbuf, sizeof pkbuf, ps, 8), UMBRA_ECORRUPT);
	UT_EQ(ring_rx_fault(&l.rx), RING_FAULT_DESC);
	lb_free(&l);
}

/* ---- hostile input: each must give ECORRUPT, stay failed, and recover on reset ---- */

static int corrupt_case(int which)
{
	void *m = ring_t_alloc(RB);
	struct ring_rx rx;
	ring_rx_init(&rx, m, RB);
	struct ring_desc d = { .type = RING_PKT_INBAND, .offset8 = 2, .len8 = 4, .flags = 0, .trans_id = 1 };
	uint8_t body[256] = { 0 };
	uint32_t blen = 16;
	int use_commit = 0;
	switch (which) {
	case 0: d.type = 0; break;
	case 1: d.type = 1; break;
	case 2: d.type = 8; break;
	case 3: d.type = 10; break;
	case 4: d.type = 12; break;
	case 5: d.type = 0xFFFF; break;
	case 6: d.flags = 2; break;
	case 7: d.flags = 0x8001; break;
	case 8: d.offset8 = 1; break;
	case 9: d.offset8 = 0; break;
	case 10: d.offset8 = 5; break; /* > len8 */
	case 11: d.len8 = 200; break;  /* longer than published data */
	case 12: /* GPA direct, range_count 0 */
		d.type = RING_PKT_GPA_DIRECT; d.offset8 = 5; d.len8 = 5; blen = 24;
		break;
	case 13: /* GPA direct, byte_offset 4096 */
		d.type = RING_PKT_GPA_DIRECT; d.offset8 = 5; d.len8 = 5; blen = 24;
		ring_t_set32(body, 4, 1); ring_t_set32(body, 8, 1); ring_t_set32(body, 12, 4096);
		break;
	case 14: /* GPA direct, byte_count 0 */
		d.type = RING_PKT_GPA_DIRECT; d.offset8 = 5; d.len8 = 5; blen = 24;
		ring_t_set32(body, 4, 1); ring_t_set32(body, 8, 0); ring_t_set32(body, 12, 0);
		break;
	case 15: /* GPA direct, range needs 2 PFNs but header has room for 1 */
		d.type = RING_PKT_GPA_DIRECT; d.offset8 = 5; d.len8 = 5; blen = 24;
		ring_t_set32(body, 4, 1); ring_t_set32(body, 8, 4096); ring_t_set32(body, 12, 1);
		break;
	case 16: /* GPA direct, range_count 2 with room for 1 */
		d.type = RING_PKT_GPA_DIRECT; d.offset8 = 5; d.len8 = 5; blen = 24;
		ring_t_set32(body, 4, 2); ring_t_set32(body, 8, 1); ring_t_set32(body, 12, 0);
		break;
	case 17: /* GPA direct with no header room */
		d.type = RING_PKT_GPA_DIRECT; d.offset8 = 2; d.len8 = 4;
		break;
	case 18: /* GPA direct, huge byte_count (PFN count overflow) */
		d.type = RING_PKT_GPA_DIRECT; d.offset8 = 5; d.len8 = 5; blen = 24;
		ring_t_set32(body, 4, 1); ring_t_set32(body, 8, 0xFFFFFFFFu); ring_t_set32(body, 12, 4095);
		break;
	case 19: /* transfer pages, ranges beyond the header */
		d.type = RING_PKT_XFER_PAGES; d.offset8 = 4; d.len8 = 4; blen = 16;
		ring_t_set32(body, 4, 2);
		break;
	case 20: /* write index out of range */
		ring_t_host_write(m, DSZ, &d, body, blen);
		ring_t_set32(m, RING_CTL_WRITE_INDEX, DSZ + 8);
		goto check;
	case 21: /* write index unaligned */
		ring_t_host_write(m, DSZ, &d, body, blen);
		ring_t_set32(m, RING_CTL_WRITE_INDEX, 41);
		goto check;
	case 22: /* fewer than 24 bytes published */
		ring_t_set32(m, RING_CTL_WRITE_INDEX, 16);
		goto check;
	case 23: /* write index moves backwards into data the reader already saw */
		ring_t_host_write(m, DSZ, &d, body, blen);
		ring_t_host_write(m, DSZ, &d, body, blen);
		ring_t_set32(m, RING_CTL_PENDING_SEND, 8);
		{
			struct ring_pkt p;
			if (ring_rx_next(&rx, pkbuf, 64, &p) != 0) { free(m); return -100; }
		}
		ring_t_set32(m, RING_CTL_WRITE_INDEX, 48); /* r = 40, seen 80 */
		use_commit = 1;
		goto check;
	case 24: /* len8 == 0 */
		d.len8 = 0; d.offset8 = 0; break;
	}
	ring_t_host_write(m, DSZ, &d, body, blen);
check:;
	struct ring_pkt p;
	int rc = use_commit ? ring_rx_commit(&rx) : ring_rx_read(&rx, pkbuf, sizeof pkbuf, &p);
	int ok = rc == UMBRA_ECORRUPT;
	static const uint8_t want_fault[25] = {
		[0 ... 10] = RING_FAULT_DESC, [11] = RING_FAULT_LEN,
		[12 ... 16] = RING_FAULT_TYPE_HDR, [17] = RING_FAULT_TYPE_HDR, [18] = RING_FAULT_TYPE_HDR,
		[19] = RING_FAULT_TYPE_HDR, [20 ... 21] = RING_FAULT_INDEX, [22] = RING_FAULT_SHORT,
		[23] = RING_FAULT_INDEX, [24] = RING_FAULT_DESC,
	};
	if (ring_rx_fault(&rx) != want_fault[which]) {
		fprintf(stderr, "case %d: fault %d, want %d\n", which, ring_rx_fault(&rx), want_fault[which]);
		ok = 0;
	}
	/* sticky: a valid packet at the start does not help until reset */
	ring_t_set32(m, RING_CTL_WRITE_INDEX, 0);
	ok = ok && ring_rx_read(&rx, pkbuf, sizeof pkbuf, &p) == UMBRA_ECORRUPT;
	ok = ok && ring_rx_commit(&rx) == UMBRA_ECORRUPT && ring_rx_batch_begin(&rx) == UMBRA_ECORRUPT;
	ok = ok && ring_rx_error(&rx) == UMBRA_ECORRUPT;
	ok = ok && ring_rx_reset(&rx) == 0 && ring_rx_read(&rx, pkbuf, sizeof pkbuf, &p) == UMBRA_EAGAIN;
	struct ring_desc good = { .type = RING_PKT_INBAND, .offset8 = 2, .len8 = 2 };
	ring_t_host_write(m, DSZ, &good, NULL, 0);
	ok = ok && ring_rx_read(&rx, pkbuf, sizeof pkbuf, &p) == 0;
	free(m);
	return ok ? 0 : -1 - rc;
}

static void t_reader_rejects_corrupt(void)
{
	for (int i = 0; i <= 24; i++) {
		int r = corrupt_case(i);
		if (r != 0)
			fprintf(stderr, "corrupt case %d: %d\n", i, r);
		UT_EQ(r, 0);
	}
}

/* The host may only write into space we released: a write index that wraps into packets
 * consumed but not yet committed is corrupt. */
static void t_write_index_into_unreleased_space(void)
{
	void *m = ring_t_alloc(RB);
	struct ring_rx rx;
	ring_rx_init(&rx, m, RB);
	struct ring_desc d = { .type = RING_PKT_INBAND, .offset8 = 2, .len8 = 4 };
	uint8_t body[16] = { 0 };
	ring_t_host_write(m, DSZ, &d, body, 16);
	ring_t_host_write(m, DSZ, &d, body, 16);
	struct ring_pkt p;
	UT_EQ(ring_rx_next(&rx, pkbuf, 64, &p), 0);
	UT_EQ(ring_rx_next(&rx, pkbuf, 64, &p), 0); /* r = 80, nothing committed */
	ring_t_set32(m, RING_CTL_WRITE_INDEX, 40);  /* "wrapped" over our unreleased packets */
	UT_EQ(ring_rx_next(&rx, pkbuf, 64, &p), UMBRA_ECORRUPT);
	UT_EQ(ring_rx_fault(&rx), RING_FAULT_INDEX);
	/* after a commit the same space is released and a wrap to it is legitimate */
	ring_rx_reset(&rx);
	ring_t_set32(m, RING_CTL_FEATURES, 0);
	ring_t_host_write(m, DSZ, &d, body, 16);
	ring_t_host_write(m, DSZ, &d, body, 16);
	UT_EQ(ring_rx_next(&rx, pkbuf, 64, &p), 0);
	UT_EQ(ring_rx_next(&rx, pkbuf, 64, &p), 0);
	UT_EQ(ring_rx_commit(&rx), 0);
	for (int i = 0; i < 101; i++) /* 4040 bytes from 80: wraps to 24, over released space */
		ring_t_host_write(m, DSZ, &d, body, 16);
	UT_EQ(ring_t_get32(m, RING_CTL_WRITE_INDEX), 24);
	int n = 0;
	while (ring_rx_next(&rx, pkbuf, 64, &p) == 0)
		n++;
	UT_EQ(n, 101);
	UT_EQ(ring_rx_error(&rx), 0);
	free(m);
}

/* Known types with valid headers are accepted: transfer pages from the host. */
static void t_reader_accepts_xfer(void)
{
	void *m = ring_t_alloc(RB);
	struct ring_rx rx;
	ring_rx_init(&rx, m, RB);
	struct ring_desc d = { .type = RING_PKT_XFER_PAGES, .offset8 = 5, .len8 = 6,
			       .flags = RING_FLAG_COMPLETION_REQUESTED, .trans_id = 3 };
	uint8_t body[32] = { 0 };
	ring_t_set32(body, 4, 2); /* two ranges of 8 bytes after the 8-byte header */
	ring_t_set32(body, 8, 100);
	ring_t_host_write(m, DSZ, &d, body, 32);
	struct ring_pkt p;
	UT_EQ(ring_rx_read(&rx, pkbuf, sizeof pkbuf, &p), 0);
	UT_EQ(p.type, RING_PKT_XFER_PAGES);
	UT_EQ(p.range_count, 2);
	UT_EQ(p.hdr_len, 24);
	UT_EQ(p.data_len, 8);
	free(m);
}

static void t_writer_rejects_bad_read_index(void)
{
	static const uint32_t bad_r[] = { DSZ, DSZ + 8, 12, 0xFFFFFFF8u, 200 };
	for (size_t i = 0; i < sizeof bad_r / sizeof bad_r[0]; i++) {
		struct lb l;
		int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
		for (int k = 0; k < 30; k++) /* fill: 30 * 128 = 3840, the next needs the real r */
			ring_tx_inband(&l.tx, pkbuf, 100, 0, false);
		/* 200 stands for "beyond our write index" (w = 3840, nothing consumed) */
		ring_t_set32(l.mem, RING_CTL_READ_INDEX, bad_r[i] == 200 ? 3848 : bad_r[i]);
		int rc = ring_tx_inband(&l.tx, pkbuf, 300, 0, false);
		UT_EQ(rc, UMBRA_ECORRUPT);
		UT_EQ(ring_tx_error(&l.tx), UMBRA_ECORRUPT);
		UT_EQ(ring_tx_fault(&l.tx), RING_FAULT_INDEX);
		ring_t_set32(l.mem, RING_CTL_READ_INDEX, 3840);
		UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), UMBRA_ECORRUPT); /* sticky */
		UT_EQ(ring_tx_block(&l.tx, 64), UMBRA_ECORRUPT);
		UT_EQ(ring_tx_reset(&l.tx), 0);
		UT_EQ(ring_tx_fault(&l.tx), RING_FAULT_NONE);
		UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), RING_SIGNAL);
		lb_free(&l);
	}
}

/* ---- signalling decisions ---- */

static void t_writer_signal_states(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	struct ring_pkt p;
	/* empty, unmasked -> signal */
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), RING_SIGNAL);
	/* non-empty -> no signal */
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), 0);
	/* drained -> signal again */
	while (ring_rx_read(&l.rx, pkbuf, 64, &p) >= 0) {}
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), RING_SIGNAL);
	/* consumer masked (batch) -> no signal even when empty */
	UT_EQ(ring_rx_batch_begin(&l.rx), 0);
	UT_EQ(ring_t_get32(l.mem, RING_CTL_INTR_MASK), 1);
	while (ring_rx_next(&l.rx, pkbuf, 64, &p) >= 0) {}
	UT_EQ(ring_rx_commit(&l.rx), 0);
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), 0);
	/* batch end sees the packet that arrived while masked */
	UT_EQ(ring_rx_batch_end(&l.rx), RING_MORE);
	UT_EQ(ring_t_get32(l.mem, RING_CTL_INTR_MASK), 0);
	UT_EQ(ring_rx_read(&l.rx, pkbuf, 64, &p), 0);
	UT_EQ(ring_rx_batch_end(&l.rx), 0);
	/* consumed privately but not yet committed: the host view is still non-empty */
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), RING_SIGNAL);
	UT_EQ(ring_rx_next(&l.rx, pkbuf, 64, &p), 0);
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), 0);
	/* host-set nonzero mask value other than 1 also suppresses */
	ring_rx_read(&l.rx, pkbuf, 64, &p);
	ring_rx_read(&l.rx, pkbuf, 64, &p);
	ring_t_set32(l.mem, RING_CTL_INTR_MASK, 0x80000000u);
	UT_EQ(ring_tx_inband(&l.tx, NULL, 0, 0, false), 0);
	lb_free(&l);
}

/* Reader-side decision with a host writer that set pending_send_sz. */
static int reader_signal(uint32_t feat, uint32_t pending, uint32_t n_fill, uint32_t n_read)
{
	void *m = ring_t_alloc(RB);
	struct ring_rx rx;
	ring_rx_init(&rx, m, RB);
	ring_t_set32(m, RING_CTL_FEATURES, feat);
	struct ring_desc d = { .type = RING_PKT_INBAND, .offset8 = 2, .len8 = 14 }; /* 112 + 8 = 120 */
	uint8_t body[96] = { 0 };
	for (uint32_t i = 0; i < n_fill; i++)
		ring_t_host_write(m, DSZ, &d, body, 96);
	ring_t_set32(m, RING_CTL_PENDING_SEND, pending);
	struct ring_pkt p;
	for (uint32_t i = 0; i < n_read; i++)
		if (ring_rx_next(&rx, pkbuf, sizeof pkbuf, &p) != 0) { free(m); return -100; }
	int rc = ring_rx_commit(&rx);
	free(m);
	return rc;
}

static void t_reader_signal_states(void)
{
	/* 34 packets of 120 bytes: used 4080, free 16. */
	UT_EQ(reader_signal(1, 0, 34, 1), 0);              /* writer not blocked */
	UT_EQ(reader_signal(0, 200, 34, 5), 0);            /* host does not use the feature */
	UT_EQ(reader_signal(1, 200, 34, 1), 0);            /* free 136: not past 200 */
	UT_EQ(reader_signal(1, 200, 34, 2), RING_SIGNAL);  /* free 256 > 200 crossing */
	UT_EQ(reader_signal(1, 200, 34, 5), RING_SIGNAL);  /* one commit crossing */
	UT_EQ(reader_signal(1, 120, 34, 1), RING_SIGNAL);  /* free 16 -> 136 > 120 */
	UT_EQ(reader_signal(1, 136, 34, 1), 0);            /* free 136 not > 136 */
	UT_EQ(reader_signal(1, 143, 34, 1), 0);            /* low bits masked: 136 */
	UT_EQ(reader_signal(1, 135, 34, 1), RING_SIGNAL);  /* masked to 128 < 136 */
	UT_EQ(reader_signal(1, 200, 10, 2), 0);            /* free was already > pending */
	UT_EQ(reader_signal(1, 0xFFFFFFF8u, 34, 34), 0);   /* never satisfiable */
	UT_EQ(reader_signal(1, 8, 34, 0), 0);              /* nothing consumed */
}

/* Blocked-writer protocol across our writer and our reader. */
static void t_blocked_writer(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	int n = 0;
	while (ring_tx_inband(&l.tx, pkbuf, 1000, 0, false) >= 0) /* 1024 + 8 per packet */
		n++;
	UT_EQ(n, 3);
	uint32_t need = ring_inband_size(2000);
	UT_EQ(need, 2024);
	UT_EQ(ring_tx_block(&l.tx, need), UMBRA_EAGAIN);
	UT_EQ(ring_t_get32(l.mem, RING_CTL_PENDING_SEND), need);
	struct ring_pkt p;
	/* one packet consumed: free 1000 + 1032 = 2032 > 2024: crossing -> signal */
	UT_EQ(ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p), RING_SIGNAL);
	UT_EQ(ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p), 0); /* already above: no repeat */
	UT_EQ(ring_tx_block(&l.tx, need), 0);                  /* space now */
	UT_EQ(ring_tx_unblock(&l.tx), 0);
	UT_EQ(ring_t_get32(l.mem, RING_CTL_PENDING_SEND), 0);
	UT_EQ(ring_tx_inband(&l.tx, pkbuf, 2000, 0, false), 0);
	/* the feature bit of our outbound ring is advertised */
	UT_EQ(ring_t_get32(l.mem, RING_CTL_FEATURES) & RING_FEAT_PENDING_SEND_SZ, 1);
	lb_free(&l);
}

/* Bursts: queued packets are invisible until one flush publishes them all. */
static void t_queue_flush(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	struct ring_iov iov = { "abc", 3 };
	struct ring_send s = { .type = RING_PKT_INBAND, .iov = &iov, .niov = 1 };
	UT_EQ(ring_tx_flush(&l.tx), 0); /* nothing queued */
	for (int i = 0; i < 3; i++) {
		s.trans_id = (uint64_t)i;
		UT_EQ(ring_tx_queue(&l.tx, &s), 0);
	}
	UT_EQ(ring_t_get32(l.mem, RING_CTL_WRITE_INDEX), 0);
	UT_EQ(ring_rx_pending(&l.rx), 0);
	UT_EQ(ring_tx_block(&l.tx, 64), UMBRA_EBUSY); /* must flush before waiting */
	UT_EQ(ring_tx_flush(&l.tx), RING_SIGNAL);
	UT_EQ(ring_t_get32(l.mem, RING_CTL_WRITE_INDEX), 96);
	UT_EQ(ring_tx_flush(&l.tx), 0);
	struct ring_pkt p;
	for (int i = 0; i < 3; i++) {
		UT_EQ(ring_rx_next(&l.rx, pkbuf, 64, &p), 0);
		UT_EQ(p.trans_id, i);
	}
	UT_EQ(ring_rx_next(&l.rx, pkbuf, 64, &p), UMBRA_EAGAIN);
	/* the reader has not committed: the writer still counts the 3 packets as used, and
	 * queued packets count too: 4096 / 32 = 128 slots, 127 usable, 124 more */
	int n = 0;
	while (ring_tx_queue(&l.tx, &s) == 0)
		n++;
	UT_EQ(n, 124);
	UT_EQ(ring_tx_flush(&l.tx), 0); /* the host's read index is behind: not empty */
	UT_EQ(ring_rx_commit(&l.rx), 0);
	n = 0;
	while (ring_rx_next(&l.rx, pkbuf, 64, &p) == 0)
		n++;
	UT_EQ(n, 124);
	UT_EQ(ring_rx_commit(&l.rx), 0);
	UT_EQ(ring_tx_queue(&l.tx, &s), 0);
	UT_EQ(ring_tx_flush(&l.tx), RING_SIGNAL); /* empty before this flush */
	/* a host read index beyond what was published (into queued packets) is corrupt */
	while (ring_tx_queue(&l.tx, &s) == 0) {}
	ring_t_set32(l.mem, RING_CTL_READ_INDEX, (l.tx.w_pub + 32) % DSZ);
	UT_EQ(ring_tx_queue(&l.tx, &s), UMBRA_ECORRUPT);
	lb_free(&l);
}

/* The reader never writes the producer's words; the writer never writes the consumer's. */
static void t_ownership_of_control_words(void)
{
	struct lb l;
	int lbrc_ = lb_init(&l, RB);
	UT_REQUIRE(lbrc_ == 0);
	ring_t_set32(l.mem, RING_CTL_PENDING_SEND, 0);
	ring_t_set32(l.mem, RING_CTL_INTR_MASK, 0);
	for (int i = 0; i < 100; i++) {
		struct ring_pkt p;
		ring_tx_inband(&l.tx, pkbuf, (size_t)i * 7, (uint64_t)i, i & 1);
		ring_t_set32(l.mem, RING_CTL_INTR_MASK, 0x55); /* the reader owns it; writer must keep */
		if (i % 3 == 0)
			while (ring_rx_read(&l.rx, pkbuf, sizeof pkbuf, &p) >= 0) {}
		UT_EQ(ring_t_get32(l.mem, RING_CTL_INTR_MASK), 0x55);
		UT_EQ(ring_t_get32(l.mem, RING_CTL_PENDING_SEND), 0);
	}
	lb_free(&l);
}

int main(void)
{
	UT_RUN(t_init_args);
	UT_RUN(t_inband_layout);
	UT_RUN(t_zero_len_and_completion);
	UT_RUN(t_gpa_direct);
	UT_RUN(t_wrap_every_offset);
	UT_RUN(t_full_empty);
	UT_RUN(t_max_packet);
	UT_RUN(t_peek_consume);
	UT_RUN(t_next_many);
	UT_RUN(t_reader_rejects_corrupt);
	UT_RUN(t_reader_accepts_xfer);
	UT_RUN(t_write_index_into_unreleased_space);
	UT_RUN(t_writer_rejects_bad_read_index);
	UT_RUN(t_writer_signal_states);
	UT_RUN(t_reader_signal_states);
	UT_RUN(t_blocked_writer);
	UT_RUN(t_queue_flush);
	UT_RUN(t_ownership_of_control_words);
	return UT_DONE();
}
