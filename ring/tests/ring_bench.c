/*
 * make bench: ring/ throughput with the producer and the consumer on two threads.
 *
 * For each payload size (64 B, 1 KiB, 4 KiB, 64 KiB), in one run on this machine:
 *  - memcpy bandwidth for that size (dst cycling through a buffer as large as the ring);
 *    a copy-in + copy-out ring can reach at most half of it ("copy limit");
 *  - a bare SPSC ring: length-prefixed records, cached indices on separate cache lines,
 *    no validation, no signalling, the same publication batching as "bench ring";
 *  - ring/ ("bench ring"): the producer queues bursts of BURST packets (at most
 *    data_size / 8 bytes) and flushes once per burst; the consumer polls with interrupts
 *    masked, reads up to 32 packets per ring_rx_next_many call and publishes its read
 *    index lazily (every data_size / 8 bytes or when idle) - the fast configuration;
 *  - ring/ ("bench ring_send"): ring_tx_inband per packet (publish + barrier + signal
 *    decision each time) and an interrupt-style consumer (mask, drain, commit, unmask,
 *    re-check) - the Linux-like configuration.
 *  Both copy every packet into a private buffer and validate it.
 * Each measurement is the best of reps (default 25) short repetitions, interleaved
 * (the machine is shared; the best repetition is the least disturbed one).
 * Output: bench ring size=S pkts_per_s=.. bytes_per_s=.. copy_limit_ratio=.. bare_ratio=..
 * plus "bench ring_bare ...", "bench ring_send ...", "bench memcpy ..." lines, and
 * "bench ring_cpu ..." - the CPU cost per packet of each side on one thread (no
 * cache-line transfers, little scheduling noise), which bounds the two-thread figures.
 * Arguments: [reps] [ring data KiB] [only this payload size].
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring/ring.h"

static unsigned reps = 25;
#ifndef BURST
#define BURST 16u
#endif
static uint32_t ring_data = 512 * 1024;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Busy-wait step; yields now and then so that a descheduled peer can run when the
 * machine is shared (otherwise a spinning thread burns the peer's time slice). */
static inline void spin_wait(unsigned *spins)
{
	cpu_relax();
	if ((++*spins & 127) == 0)
		sched_yield();
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static unsigned long count_for(size_t size)
{
	/* short repetitions (tens of ms): the best one is the least disturbed */
	unsigned long n = (64ul << 20) / (size + 24);
	return n < 1024 ? 1024 : n > 1000000 ? 1000000 : n;
}

/* ---- memcpy ---- */

static double bench_memcpy(size_t size, double best)
{
	size_t region = ring_data;
	uint8_t *src = aligned_alloc(4096, size), *dst = aligned_alloc(4096, region + size);
	memset(src, 1, size);
	memset(dst, 0, region + size);
	unsigned long n = count_for(size);
	{
		size_t off = 0;
		double t0 = now();
		for (unsigned long i = 0; i < n; i++) {
			memcpy(dst + off, src, size);
			__asm__ volatile("" ::: "memory");
			off += (size + 24 + 7) & ~(size_t)7;
			if (off + size > region)
				off = 0;
		}
		double bw = (double)n * (double)size / (now() - t0);
		if (bw > best)
			best = bw;
	}
	free(src);
	free(dst);
	return best;
}

/* ---- bare SPSC ring ---- */

struct bare {
	_Alignas(64) uint32_t w;
	_Alignas(64) uint32_t r;
	_Alignas(64) uint8_t *data;
	uint32_t size;
	size_t psize;
	unsigned long n;
	uint64_t sum;
};

static inline uint32_t bdist(uint32_t a, uint32_t b, uint32_t size)
{
	return b >= a ? b - a : size - a + b;
}

static inline void bput(struct bare *b, uint32_t off, const void *src, uint32_t n)
{
	uint32_t first = b->size - off;
	if (n <= first) {
		memcpy(b->data + off, src, n);
	} else {
		memcpy(b->data + off, src, first);
		memcpy(b->data, (const uint8_t *)src + first, n - first);
	}
}

static inline void bget(struct bare *b, uint32_t off, void *dst, uint32_t n)
{
	uint32_t first = b->size - off;
	if (n <= first) {
		memcpy(dst, b->data + off, n);
	} else {
		memcpy(dst, b->data + off, first);
		memcpy((uint8_t *)dst + first, b->data, n - first);
	}
}

/* The bare ring uses the same batching as "bench ring": the producer publishes its
 * index once per BURST packets (and before waiting for space), the consumer publishes
 * its index every data_size / 8 bytes or when idle. What remains is the cost of the
 * VMBus layout, validation and signalling decisions. */
static void *bare_producer(void *arg)
{
	struct bare *b = arg;
	pin(0);
	uint8_t *src = aligned_alloc(64, b->psize + 8);
	memset(src, 2, b->psize + 8);
	uint32_t w = 0, r = 0, need = (uint32_t)((8 + b->psize + 7) & ~(size_t)7);
	unsigned spins = 0, queued = 0;
	for (unsigned long i = 0; i < b->n; i++) {
		while (b->size - bdist(r, w, b->size) <= need) {
			if (queued) {
				__atomic_store_n(&b->w, w, __ATOMIC_RELEASE);
				queued = 0;
			}
			r = __atomic_load_n(&b->r, __ATOMIC_ACQUIRE);
			if (b->size - bdist(r, w, b->size) <= need)
				spin_wait(&spins);
		}
		uint64_t hdr = b->psize | ((uint64_t)i << 32);
		bput(b, w, &hdr, 8);
		uint32_t o = w + 8 >= b->size ? w + 8 - b->size : w + 8;
		bput(b, o, src, (uint32_t)b->psize);
		w = w + need >= b->size ? w + need - b->size : w + need;
		if (++queued >= BURST || queued * need >= b->size / 8 || i + 1 == b->n) {
			__atomic_store_n(&b->w, w, __ATOMIC_RELEASE);
			queued = 0;
		}
	}
	free(src);
	return NULL;
}

static void *bare_consumer(void *arg)
{
	struct bare *b = arg;
	pin(1);
	uint8_t *dst = aligned_alloc(64, b->psize + 8);
	uint32_t r = 0, w = 0, r_pub = 0, lazy = b->size / 8;
	uint64_t sum = 0;
	unsigned spins = 0, idle = 0;
	for (unsigned long i = 0; i < b->n;) {
		w = __atomic_load_n(&b->w, __ATOMIC_ACQUIRE);
		if (w == r) {
			if (++idle == 16 && r != r_pub) {
				__atomic_store_n(&b->r, r, __ATOMIC_RELEASE);
				r_pub = r;
			}
			spin_wait(&spins);
			continue;
		}
		idle = 0;
		while (r != w) {
			uint64_t hdr;
			bget(b, r, &hdr, 8);
			uint32_t len = (uint32_t)hdr;
			bget(b, r + 8 >= b->size ? r + 8 - b->size : r + 8, dst, len);
			sum += dst[len - 1] + (hdr >> 32);
			r += (8 + len + 7) & ~7u;
			if (r >= b->size)
				r -= b->size;
			i++;
			if (bdist(r_pub, r, b->size) >= lazy) {
				__atomic_store_n(&b->r, r, __ATOMIC_RELEASE);
				r_pub = r;
			}
		}
	}
	__atomic_store_n(&b->r, r, __ATOMIC_RELEASE);
	b->sum = sum;
	free(dst);
	return NULL;
}

static double bench_bare(size_t size, unsigned long n, double best)
{
	{
		struct bare *b = aligned_alloc(64, sizeof *b);
		memset(b, 0, sizeof *b);
		b->data = aligned_alloc(4096, ring_data);
		memset(b->data, 0, ring_data);
		b->size = ring_data;
		b->psize = size;
		b->n = n;
		pthread_t p, c;
		double t0 = now();
		pthread_create(&c, NULL, bare_consumer, b);
		pthread_create(&p, NULL, bare_producer, b);
		pthread_join(p, NULL);
		pthread_join(c, NULL);
		double rate = (double)n / (now() - t0);
		if (rate > best)
			best = rate;
		free(b->data);
		free(b);
	}
	return best;
}

/* ---- ring/ ---- */

/* The producer's and the consumer's private state on separate cache lines (false sharing
 * would otherwise dominate the small-packet figures). */
struct rb {
	void *mem;
	size_t psize;
	unsigned long n;
	unsigned burst; /* packets per flush; 1 = ring_tx_send per packet */
	_Alignas(64) struct ring_tx tx;
	unsigned long signals, full, errors;
	_Alignas(64) struct ring_rx rx;
	unsigned long rsignals, rerrors;
	_Alignas(64) char end;
};

static void *ring_producer(void *arg)
{
	struct rb *b = arg;
	pin(0);
	uint8_t *src = aligned_alloc(64, b->psize + 8);
	memset(src, 3, b->psize + 8);
	struct ring_iov iov = { src, b->psize };
	struct ring_send s = { .type = RING_PKT_INBAND, .iov = &iov, .niov = 1 };
	unsigned queued = 0, spins = 0;
	for (unsigned long i = 0; i < b->n; i++) {
		int rc;
		s.trans_id = i;
		while ((rc = ring_tx_queue(&b->tx, &s)) == UMBRA_EAGAIN) {
			if (queued) { /* the host must see what we have before we wait */
				b->signals += ring_tx_flush(&b->tx) == RING_SIGNAL;
				queued = 0;
			}
			b->full++;
			spin_wait(&spins);
		}
		if (rc < 0) {
			b->errors++;
			break;
		}
		if (++queued >= b->burst || i + 1 == b->n) {
			rc = ring_tx_flush(&b->tx);
			if (rc < 0) {
				b->errors++;
				break;
			}
			b->signals += rc == RING_SIGNAL;
			queued = 0;
		}
	}
	free(src);
	return NULL;
}

/* Interrupt-style consumer (Linux-like): wait (poll) for data, mask, drain, commit,
 * unmask and re-check. Used with the per-packet producer. */
static void *ring_consumer_intr(void *arg)
{
	struct rb *b = arg;
	pin(1);
	size_t cap = b->psize + 64;
	uint8_t *buf = aligned_alloc(64, cap);
	unsigned long got = 0;
	uint64_t expect = 0;
	unsigned spins = 0;
	while (got < b->n) {
		/* a real consumer waits for the interrupt here; poll the write index instead */
		if (ring_rx_pending(&b->rx) == 0) {
			spin_wait(&spins);
			continue;
		}
		ring_rx_batch_begin(&b->rx);
		for (;;) {
			struct ring_pkt p;
			int rc;
			while ((rc = ring_rx_next(&b->rx, buf, cap, &p)) == 0) {
				if (p.trans_id != expect)
					b->rerrors++;
				expect++;
				got++;
			}
			if (rc != UMBRA_EAGAIN) {
				b->rerrors++;
				got = b->n;
				break;
			}
			b->rsignals += ring_rx_commit(&b->rx) == RING_SIGNAL;
			if (ring_rx_batch_end(&b->rx) != RING_MORE)
				break;
			ring_rx_batch_begin(&b->rx);
		}
	}
	free(buf);
	return NULL;
}

/* Polling consumer (busy-poll / NAPI-like): interrupts stay masked, the read index is
 * published once size/8 bytes were consumed or when idle. Used with bursts. */
static void *ring_consumer_poll(void *arg)
{
	struct rb *b = arg;
	pin(1);
	size_t cap = b->psize + 64 > 8192 ? b->psize + 64 : 8192;
	uint8_t *buf = aligned_alloc(64, cap);
	struct ring_pkt pk[32];
	unsigned long got = 0;
	uint64_t expect = 0;
	unsigned spins = 0, idle = 0;
	uint32_t lazy = b->rx.size / 8, consumed = 0;
	ring_rx_batch_begin(&b->rx);
	while (got < b->n) {
		int rc = ring_rx_next_many(&b->rx, buf, cap, pk, 32);
		if (rc > 0) {
			for (int i = 0; i < rc; i++) {
				if (pk[i].trans_id != expect)
					b->rerrors++;
				expect++;
				consumed += pk[i].len + 8;
			}
			got += (unsigned long)rc;
			idle = 0;
			if (consumed >= lazy) {
				b->rsignals += ring_rx_commit(&b->rx) == RING_SIGNAL;
				consumed = 0;
			}
			continue;
		}
		if (rc != UMBRA_EAGAIN) {
			b->rerrors++;
			break;
		}
		if (++idle == 16 && ring_rx_uncommitted(&b->rx)) {
			b->rsignals += ring_rx_commit(&b->rx) == RING_SIGNAL;
			consumed = 0;
		}
		spin_wait(&spins);
	}
	ring_rx_commit(&b->rx);
	ring_rx_batch_end(&b->rx);
	free(buf);
	return NULL;
}

static double bench_ring(size_t size, unsigned long n, unsigned burst, double best, struct rb *stats)
{
	{
		struct rb *b = aligned_alloc(64, sizeof *b);
		memset(b, 0, sizeof *b);
		size_t bytes = RING_CTL_SIZE + ring_data;
		b->mem = aligned_alloc(4096, bytes);
		if (ring_tx_init(&b->tx, b->mem, bytes) || ring_rx_init(&b->rx, b->mem, bytes)) {
			fprintf(stderr, "ring init failed\n");
			exit(1);
		}
		b->psize = size;
		b->n = n;
		b->burst = burst;
		pthread_t p, c;
		double t0 = now();
		pthread_create(&c, NULL, burst > 1 ? ring_consumer_poll : ring_consumer_intr, b);
		pthread_create(&p, NULL, ring_producer, b);
		pthread_join(p, NULL);
		pthread_join(c, NULL);
		double rate = (double)n / (now() - t0);
		if (b->errors || b->rerrors) {
			fprintf(stderr, "ring bench: %lu errors\n", b->errors + b->rerrors);
			exit(1);
		}
		if (rate > best) {
			best = rate;
			*stats = *b;
		}
		free(b->mem);
		free(b);
	}
	return best;
}

/* ---- per-side CPU cost, one thread (no cache-line transfers, no scheduling noise) ---- */

struct cpu_cost {
	double ring_w, ring_r, bare_w, bare_r; /* ns per packet */
};

static struct cpu_cost bench_cpu(size_t size, unsigned long n)
{
	struct cpu_cost c = { 1e9, 1e9, 1e9, 1e9 };
	size_t bytes = RING_CTL_SIZE + ring_data, cap = size + 64 > 8192 ? size + 64 : 8192;
	uint8_t *mem = aligned_alloc(4096, bytes), *bd = aligned_alloc(4096, ring_data);
	uint8_t *src = aligned_alloc(64, size + 8), *buf = aligned_alloc(64, cap);
	memset(src, 5, size + 8);
	memset(bd, 0, ring_data);
	struct ring_tx tx;
	struct ring_rx rx;
	struct ring_iov iov = { src, size };
	struct ring_send sd = { .type = RING_PKT_INBAND, .iov = &iov, .niov = 1 };
	struct ring_pkt pk[32];
	volatile uint64_t sink = 0;
	for (unsigned rep = 0; rep < 5; rep++) {
		/* ring/ writer: bursts of BURST, the "host" frees everything when full */
		ring_tx_init(&tx, mem, bytes);
		double t0 = now();
		unsigned q = 0;
		for (unsigned long i = 0; i < n; i++) {
			sd.trans_id = i;
			int rc = ring_tx_queue(&tx, &sd);
			if (rc == UMBRA_EAGAIN) {
				ring_tx_flush(&tx);
				__atomic_store_n((uint32_t *)(void *)(mem + RING_CTL_READ_INDEX), tx.w,
						 __ATOMIC_RELEASE);
				rc = ring_tx_queue(&tx, &sd);
			}
			if (rc < 0)
				exit(1);
			if (++q == BURST) {
				ring_tx_flush(&tx);
				q = 0;
			}
		}
		ring_tx_flush(&tx);
		double t = (now() - t0) * 1e9 / (double)n;
		c.ring_w = t < c.ring_w ? t : c.ring_w;
		/* ring/ reader: a full ring re-read (rewound) with ring_rx_next_many */
		ring_tx_init(&tx, mem, bytes);
		ring_rx_init(&rx, mem, bytes);
		while (ring_tx_queue(&tx, &sd) == 0) {}
		ring_tx_flush(&tx);
		unsigned long got = 0;
		t0 = now();
		while (got < n) {
			rx.r = rx.r_pub = rx.w_seen = 0;
			int k;
			while ((k = ring_rx_next_many(&rx, buf, cap, pk, 32)) > 0) {
				got += (unsigned long)k;
				sink += pk[0].trans_id;
			}
		}
		t = (now() - t0) * 1e9 / (double)got;
		c.ring_r = t < c.ring_r ? t : c.ring_r;
		/* bare writer and reader over the same layout rules */
		struct bare b = { .data = bd, .size = ring_data, .psize = size };
		uint32_t w = 0, need = (uint32_t)((8 + size + 7) & ~(size_t)7);
		t0 = now();
		for (unsigned long i = 0; i < n; i++) {
			uint64_t hdr = size | ((uint64_t)i << 32);
			bput(&b, w, &hdr, 8);
			bput(&b, w + 8 >= b.size ? w + 8 - b.size : w + 8, src, (uint32_t)size);
			w = w + need >= b.size ? w + need - b.size : w + need;
			if ((i & (BURST - 1)) == BURST - 1)
				__atomic_store_n(&b.w, w, __ATOMIC_RELEASE);
		}
		t = (now() - t0) * 1e9 / (double)n;
		c.bare_w = t < c.bare_w ? t : c.bare_w;
		uint32_t fill = (b.size / need - 1) * need;
		for (uint32_t o = 0, i = 0; o < fill; o += need, i++) {
			uint64_t hdr = size | ((uint64_t)i << 32);
			bput(&b, o, &hdr, 8);
		}
		got = 0;
		t0 = now();
		while (got < n) {
			for (uint32_t r = 0; r != fill; got++) {
				uint64_t hdr;
				bget(&b, r, &hdr, 8);
				uint32_t len = (uint32_t)hdr;
				bget(&b, r + 8 >= b.size ? r + 8 - b.size : r + 8, buf, len);
				sink += hdr >> 32;
				r += (8 + len + 7) & ~7u;
			}
		}
		t = (now() - t0) * 1e9 / (double)got;
		c.bare_r = t < c.bare_r ? t : c.bare_r;
	}
	free(mem);
	free(bd);
	free(src);
	free(buf);
	return c;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		reps = (unsigned)strtoul(argv[1], NULL, 0);
	if (argc > 2)
		ring_data = (uint32_t)strtoul(argv[2], NULL, 0) * 1024u;
	if (reps == 0 || ring_data < 128 * 1024 || ring_data % 4096) {
		fprintf(stderr, "usage: ring_bench [reps] [ring data KiB >= 128]\n");
		return 2;
	}
	size_t only = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
	static const size_t sizes[] = { 64, 1024, 4096, 65536 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t s = sizes[i];
		if (only && s != only)
			continue;
		unsigned long n = count_for(s);
		/* Repetitions interleave the four measurements so that each sees the same
		 * background load; each keeps its best. */
		double mc = 0, bare = 0, ring = 0, ring1 = 0;
		struct rb st = { 0 }, st1 = { 0 };
		if (getenv("RING_BENCH_PROFILE")) { /* profiling aid: only the burst ring */
			for (unsigned rep = 0; rep < reps; rep++)
				ring = bench_ring(s, n, BURST, ring, &st);
			printf("bench ring_profile size=%zu pkts_per_s=%.0f\n", s, ring);
			continue;
		}
		for (unsigned rep = 0; rep < reps; rep++) {
			mc = bench_memcpy(s, mc);
			bare = bench_bare(s, n, bare);
			ring = bench_ring(s, n, BURST, ring, &st);
			ring1 = bench_ring(s, n, 1, ring1, &st1);
		}
		struct cpu_cost cc = bench_cpu(s, n);
		printf("bench memcpy size=%zu bytes_per_s=%.0f\n", s, mc);
		printf("bench ring_cpu size=%zu writer_ns=%.2f reader_ns=%.2f bare_writer_ns=%.2f "
		       "bare_reader_ns=%.2f\n", s, cc.ring_w, cc.ring_r, cc.bare_w, cc.bare_r);
		printf("bench ring_bare size=%zu pkts_per_s=%.0f bytes_per_s=%.0f copy_limit_ratio=%.3f\n",
		       s, bare, bare * (double)s, bare * (double)s / (mc / 2));
		printf("bench ring size=%zu pkts_per_s=%.0f bytes_per_s=%.0f copy_limit_ratio=%.3f "
		       "bare_ratio=%.3f ring_kib=%u burst=%u signals=%lu reader_signals=%lu\n",
		       s, ring, ring * (double)s, ring * (double)s / (mc / 2), ring / bare,
		       ring_data / 1024, BURST, st.signals, st.rsignals);
		printf("bench ring_send size=%zu pkts_per_s=%.0f bytes_per_s=%.0f copy_limit_ratio=%.3f "
		       "bare_ratio=%.3f ring_kib=%u burst=1 signals=%lu reader_signals=%lu\n",
		       s, ring1, ring1 * (double)s, ring1 * (double)s / (mc / 2), ring1 / bare,
		       ring_data / 1024, st1.signals, st1.rsignals);
		fflush(stdout);
	}
	return 0;
}
