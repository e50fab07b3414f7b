/*
 * Randomized model test: our writer and our reader share one ring (loopback) and a
 * random sequence of sends (all packet types, every size up to the maximum), reads,
 * peeks, commits, batch begin/end, blocked-writer set/clear, feature toggles and resets
 * runs against a simple reference model (a FIFO of expected packets plus the indices).
 * Every result code, every signalling decision and every byte of every packet read is
 * compared with the model.
 *
 * Ops: RING_MODEL_OPS env or argv[1] (default 3,000,000); seed: RING_MODEL_SEED or argv[2].
 */
#include <stdlib.h>

#include "tests/unit/ut.h"

#include "ring/ring.h"
#include "ring/tests/ring_testlib.h"

#define MAXQ 4096

struct mpkt {
	uint16_t type, flags;
	uint64_t tid;
	uint32_t len;   /* payload bytes */
	uint64_t seed;  /* payload pattern and ranges */
	uint32_t nranges;
	uint32_t total; /* ring bytes */
};

struct model {
	uint32_t size;
	uint32_t w, w_pub, r_priv, r_pub; /* w includes queued (unflushed) packets */
	uint32_t mask, pending, feat;
	struct mpkt q[MAXQ];
	uint32_t head, npub, npriv; /* q[head..] unconsumed-by-host; npriv consumed privately */
	uint32_t nqueued;           /* last nqueued entries of q are queued, not published */
	uint32_t count;
};

static _Alignas(8) uint8_t rbuf[1 << 17];
static uint8_t want[1 << 17];
static uint64_t pfns[64][8];
static struct ring_gpa_range ranges[64];

static uint32_t dist(uint32_t a, uint32_t b, uint32_t size)
{
	return (b + size - a) % size;
}

static void make_ranges(uint64_t seed, uint32_t n)
{
	uint64_t s = seed;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = (uint32_t)(ring_t_rand(&s) % 4096);
		uint32_t cnt = 1 + (uint32_t)(ring_t_rand(&s) % 20000);
		uint32_t np = ring_gpa_pfn_count(off, cnt);
		if (np > 8) { cnt = 8 * 4096 - off; np = 8; }
		for (uint32_t k = 0; k < np; k++)
			pfns[i][k] = ring_t_rand(&s);
		ranges[i] = (struct ring_gpa_range){ cnt, off, pfns[i] };
	}
}

static int fails;
#define MCHECK(cond, ...) do { if (!(cond)) { if (fails++ < 10) { \
	fprintf(stderr, "model mismatch op %lu: %s: ", opno, #cond); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } } while (0)

static unsigned long opno;
static unsigned long st_sent, st_eagain, st_enospc, st_sig, st_read, st_rsig, st_small, st_more, st_resets;

static void check_packet(const struct mpkt *m, const struct ring_pkt *p)
{
	MCHECK(p->type == m->type && p->flags == m->flags && p->trans_id == m->tid,
	       "hdr %u/%u/%llu vs %u/%u/%llu", p->type, p->flags, (unsigned long long)p->trans_id,
	       m->type, m->flags, (unsigned long long)m->tid);
	MCHECK(p->len + 8 == m->total, "len %u total %u", p->len, m->total);
	MCHECK(p->data_len >= m->len && p->data_len - m->len < 8, "data_len %u len %u", p->data_len, m->len);
	ring_t_pattern(want, m->len, m->seed);
	MCHECK(memcmp(p->data, want, m->len) == 0, "payload differs (len %u)", m->len);
	for (uint32_t i = m->len; i < p->data_len; i++)
		MCHECK(p->data[i] == 0, "padding byte %u not zero", i);
	if (m->type == RING_PKT_GPA_DIRECT) {
		make_ranges(m->seed, m->nranges);
		MCHECK(p->range_count == m->nranges, "ranges %u vs %u", p->range_count, m->nranges);
		uint32_t pos = 0, bc, bo, np, i = 0;
		const uint64_t *pf;
		while (ring_pkt_gpa_range(p, &pos, &bc, &bo, &pf, &np) == 0 && i < m->nranges) {
			MCHECK(bc == ranges[i].byte_count && bo == ranges[i].byte_offset &&
			       memcmp(pf, pfns[i], np * 8) == 0, "range %u differs", i);
			i++;
		}
		MCHECK(i == m->nranges, "iterated %u ranges", i);
	}
}

static void run(unsigned long ops, uint64_t seed)
{
	static const uint32_t sizes[] = { 4096, 8192, 16384, 65536 };
	uint64_t s = seed;
	struct model *m = calloc(1, sizeof *m);
	void *mem = NULL;
	struct ring_tx tx;
	struct ring_rx rx;
	int fresh = 1;
	for (opno = 0; opno < ops && fails < 10; opno++) {
		if (fresh) {
			free(mem);
			m->size = sizes[ring_t_rand(&s) % 4];
			mem = ring_t_alloc(RING_CTL_SIZE + m->size);
			ring_rx_init(&rx, mem, RING_CTL_SIZE + m->size);
			ring_tx_init(&tx, mem, RING_CTL_SIZE + m->size);
			m->w = m->w_pub = m->r_priv = m->r_pub = m->mask = m->pending = 0;
			m->nqueued = 0;
			m->feat = 1;
			m->head = m->npub = m->npriv = m->count = 0;
			fresh = 0;
		}
		uint32_t size = m->size;
		uint64_t x = ring_t_rand(&s);
		unsigned op = (unsigned)(x % 100);
		x >>= 8;
		if (op < 45) { /* send */
			struct mpkt k = { 0 };
			unsigned t = (unsigned)(x % 3);
			k.type = t == 0 ? RING_PKT_INBAND : t == 1 ? RING_PKT_COMP : RING_PKT_GPA_DIRECT;
			k.flags = (x >> 2) & 1 ? RING_FLAG_COMPLETION_REQUESTED : 0;
			k.tid = ring_t_rand(&s);
			k.seed = ring_t_rand(&s);
			unsigned szc = (unsigned)((x >> 3) % 16);
			uint64_t y = ring_t_rand(&s);
			k.len = szc < 12 ? (uint32_t)(y % 256) : szc < 15 ? (uint32_t)(y % 4096)
				: (uint32_t)(y % (size + 64));
			uint32_t hdr = 0;
			if (k.type == RING_PKT_GPA_DIRECT) {
				k.nranges = 1 + (uint32_t)((x >> 8) % (((x >> 12) & 7) ? 3 : 64));
				make_ranges(k.seed, k.nranges);
				hdr = 8;
				for (uint32_t i = 0; i < k.nranges; i++)
					hdr += 8 + 8 * ring_gpa_pfn_count(ranges[i].byte_offset, ranges[i].byte_count);
			}
			k.total = ((16 + hdr + k.len + 7) & ~7u) + 8;
			ring_t_pattern(want, k.len, k.seed);
			struct ring_iov iov[3];
			uint32_t cut1 = k.len / 3, cut2 = k.len / 2;
			iov[0] = (struct ring_iov){ want, cut1 };
			iov[1] = (struct ring_iov){ want + cut1, cut2 - cut1 };
			iov[2] = (struct ring_iov){ want + cut2, k.len - cut2 };
			struct ring_iov one = { want, k.len };
			int single = (x >> 22) & 1; /* one piece: the writer's common-case path */
			struct ring_send sd = { .type = k.type, .flags = k.flags, .trans_id = k.tid,
						.ranges = k.type == RING_PKT_GPA_DIRECT ? ranges : NULL,
						.nranges = k.nranges, .iov = single ? &one : iov,
						.niov = single ? 1 : 3 };
			MCHECK(ring_send_size(&sd) == (long)k.total, "send size %ld vs %u", ring_send_size(&sd), k.total);
			int queue_only = ((x >> 20) & 3) == 0;
			int rc = queue_only ? ring_tx_queue(&tx, &sd) : ring_tx_send(&tx, &sd);
			int exp;
			uint32_t used = dist(m->r_pub, m->w, size);
			if (k.total > size - 8)
				exp = UMBRA_ENOSPC;
			else if (size - used <= k.total || m->count == MAXQ)
				exp = UMBRA_EAGAIN;
			else if (queue_only)
				exp = 0;
			else
				exp = (m->mask == 0 && m->r_pub == m->w_pub) ? RING_SIGNAL : 0;
			if (m->count == MAXQ && rc >= 0)
				exp = rc; /* model queue full: we only skip predicting; never happens */
			MCHECK(rc == exp, "send rc %d exp %d (total %u used %u size %u)", rc, exp, k.total, used, size);
			st_sent += rc >= 0; st_eagain += rc == UMBRA_EAGAIN; st_enospc += rc == UMBRA_ENOSPC;
			st_sig += rc == RING_SIGNAL;
			if (rc >= 0) {
				m->q[(m->head + m->count) % MAXQ] = k;
				m->count++;
				m->w = (m->w + k.total) % size;
				m->nqueued++;
				if (!queue_only) {
					m->w_pub = m->w;
					m->nqueued = 0;
				}
			}
		} else if (op < 80 && (x & 7) == 7) { /* next_many */
			uint32_t max = 1 + (uint32_t)((x >> 3) % 8);
			size_t cap = (x >> 6) % 4 ? sizeof rbuf : 16 + ((x >> 8) % 4096) * 8;
			struct ring_pkt ps[8];
			int rc = ring_rx_next_many(&rx, rbuf, cap, ps, max);
			uint32_t avail = m->count - m->nqueued - m->npriv, k = 0;
			size_t left = cap;
			while (k < max && k < avail) {
				struct mpkt *q = &m->q[(m->head + m->npriv + k) % MAXQ];
				if (q->total - 8 > left)
					break;
				left -= q->total - 8;
				k++;
				if (left < 16)
					break;
			}
			if (avail == 0) {
				MCHECK(rc == UMBRA_EAGAIN, "many rc %d exp EAGAIN", rc);
			} else if (k == 0) {
				MCHECK(rc == UMBRA_ENOSPC, "many rc %d exp ENOSPC", rc);
			} else {
				MCHECK(rc == (int)k, "many rc %d exp %u", rc, k);
				for (uint32_t i = 0; rc > 0 && i < (uint32_t)rc; i++) {
					struct mpkt *q = &m->q[(m->head + m->npriv) % MAXQ];
					check_packet(q, &ps[i]);
					m->npriv++;
					m->r_priv = (m->r_priv + q->total) % size;
					st_read++;
				}
			}
		} else if (op < 80) { /* next / peek / peek+consume */
			x >>= 3;
			unsigned mode = (unsigned)(x % 4);
			size_t cap = (x >> 2) % 8 ? sizeof rbuf : 16 + ((x >> 5) % 2048) * 8;
			struct ring_pkt p;
			int rc = mode == 0 ? ring_rx_peek(&rx, rbuf, cap, &p) : ring_rx_next(&rx, rbuf, cap, &p);
			if (m->npriv == m->count - m->nqueued) {
				MCHECK(rc == UMBRA_EAGAIN, "read rc %d exp EAGAIN", rc);
			} else {
				struct mpkt *k = &m->q[(m->head + m->npriv) % MAXQ];
				if (k->total - 8 > cap) {
					MCHECK(rc == UMBRA_ENOSPC && p.len == k->total - 8, "read rc %d exp ENOSPC", rc);
					st_small++;
				} else {
					MCHECK(rc == 0, "read rc %d exp 0", rc);
					st_read++;
					if (rc == 0)
						check_packet(k, &p);
					if (rc == 0 && mode == 1) {
						MCHECK(ring_rx_consume(&rx) == UMBRA_EINVAL, "double consume");
					}
					if (rc == 0 && mode == 0 && (x >> 20) % 2) {
						MCHECK(ring_rx_consume(&rx) == 0, "consume");
						mode = 1;
					}
					if (rc == 0 && mode != 0) {
						m->npriv++;
						m->r_priv = (m->r_priv + k->total) % size;
					}
				}
			}
		} else if (op < 88) { /* commit */
			int rc = ring_rx_commit(&rx);
			int exp = 0;
			uint32_t consumed = dist(m->r_pub, m->r_priv, size);
			uint32_t p = m->pending & ~7u;
			if (consumed && m->feat && p) {
				uint32_t free_after = size - dist(m->r_priv, m->w_pub, size);
				uint32_t free_before = free_after - consumed;
				exp = (free_before <= p && free_after > p) ? RING_SIGNAL : 0;
			}
			MCHECK(rc == exp, "commit rc %d exp %d", rc, exp);
			st_rsig += rc == RING_SIGNAL;
			m->r_pub = m->r_priv;
			m->head = (m->head + m->npriv) % MAXQ;
			m->count -= m->npriv;
			m->npriv = 0;
			MCHECK(ring_t_get32(mem, RING_CTL_READ_INDEX) == m->r_pub, "read index published");
		} else if (op < 92) { /* batch begin / end */
			if (x & 1) {
				MCHECK(ring_rx_batch_begin(&rx) == 0, "begin");
				m->mask = 1;
			} else {
				int rc = ring_rx_batch_end(&rx);
				MCHECK(rc == (m->npriv != m->count - m->nqueued ? RING_MORE : 0), "batch_end %d", rc);
				st_more += rc == RING_MORE;
				m->mask = 0;
			}
			MCHECK(ring_t_get32(mem, RING_CTL_INTR_MASK) == m->mask, "mask word");
		} else if (op < 96) { /* blocked writer */
			if (x & 1) {
				uint32_t need = 24 + (uint32_t)((x >> 1) % ((size - 8 - 24) / 8 + 1)) * 8;
				int rc = ring_tx_block(&tx, need);
				uint32_t used = dist(m->r_pub, m->w, size);
				if (m->nqueued) {
					MCHECK(rc == UMBRA_EBUSY, "block rc %d with queued packets", rc);
				} else {
					MCHECK(rc == (size - used > need ? 0 : UMBRA_EAGAIN), "block rc %d", rc);
					m->pending = need;
				}
			} else {
				MCHECK(ring_tx_unblock(&tx) == 0, "unblock");
				m->pending = 0;
			}
			MCHECK(ring_t_get32(mem, RING_CTL_PENDING_SEND) == m->pending, "pending word");
		} else if (op < 98) { /* the host toggles its pending-send-size feature; or a
				       * writer that set size - 1 (low bits masked by the reader) */
			if (x & 1)
				m->feat = !m->feat;
			else if (m->pending)
				m->pending |= 7;
			ring_t_set32(mem, RING_CTL_FEATURES, m->feat);
			ring_t_set32(mem, RING_CTL_PENDING_SEND, m->pending);
		} else if (op < 99) {
			if (x & 1) {
				int rc = ring_rx_pending(&rx);
				MCHECK(rc == (m->npriv != m->count - m->nqueued), "pending %d", rc);
			} else {
				int rc = ring_tx_flush(&tx);
				int exp = m->nqueued && m->mask == 0 && m->r_pub == m->w_pub ? RING_SIGNAL : 0;
				MCHECK(rc == exp, "flush %d exp %d", rc, exp);
				m->w_pub = m->w;
				m->nqueued = 0;
			}
		} else if ((x % 64) == 0) {
			fresh = 1; /* reset: new ring geometry */
			st_resets++;
		}
		MCHECK(ring_t_get32(mem, RING_CTL_WRITE_INDEX) == m->w_pub, "write index");
		MCHECK(ring_tx_error(&tx) == 0 && ring_rx_error(&rx) == 0, "no error state");
	}
	free(mem);
	free(m);
}

static unsigned long g_ops;
static uint64_t g_seed;

static void t_model(void)
{
	run(g_ops, g_seed);
	UT_EQ(fails, 0);
	printf("model: %lu ops, seed %llu: sent %lu (signal %lu) full %lu too-big %lu read %lu "
	       "small-buf %lu reader-signal %lu batch-more %lu resets %lu\n", opno,
	       (unsigned long long)g_seed, st_sent, st_sig, st_eagain, st_enospc, st_read, st_small,
	       st_rsig, st_more, st_resets);
	/* the run must have reached every interesting state */
	UT_CHECK(g_ops < 100000 || (st_sig && st_eagain && st_enospc && st_small && st_rsig && st_more));
}

int main(int argc, char **argv)
{
	const char *e = getenv("RING_MODEL_OPS");
	g_ops = argc > 1 ? strtoul(argv[1], NULL, 0) : e ? strtoul(e, NULL, 0) : 3000000ul;
	e = getenv("RING_MODEL_SEED");
	g_seed = argc > 2 ? strtoull(argv[2], NULL, 0) : e ? strtoull(e, NULL, 0) : 0x5EEDull;
	UT_RUN(t_model);
	return UT_DONE();
}
