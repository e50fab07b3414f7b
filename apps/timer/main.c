/*
 * timer: the periodic timer interrupt and the clock seen from an application.
 *
 *  1. umbra_time_ns is strictly increasing over many back-to-back reads.
 *  2. Timer ticks arrive while the app spins (interrupts are on in app context); the wait is
 *     bounded by TIMER_WAIT_NS of umbra_time_ns, so a dead timer fails instead of hanging.
 *  3. umbra_sleep_ns(d) returns after at least d (lower bound only: no timed assertion)
 *     and ticks keep arriving across it.
 *  4. SSE state survives interrupts: values held in XMM registers across a software
 *     interrupt whose handler overwrites all 16 XMM registers come back unchanged
 *     (deterministic), and the same floating-point recurrence, run twice while ticks
 *     arrive, gives bit-identical results.
 *
 * Prints "timer: PASS" and exits 0, or "timer: FAIL ..." and exits 1.
 */
#include <umbra/umbra.h>

/* Test-only use of the runtime's hardware seam: a handler for a free vector (0x30..0xdf). */
#include "arch/x86_64/hw.h"

#define TIMER_READS 200000u
#define TIMER_WAIT_NS 5000000000ull /* 5 s: bound on waiting for ticks */
#define TIMER_SLEEP_NS 20000000ull  /* 20 ms */

static int timer_failures;

#define TIMER_CHECK(cond, ...)                                                \
	do {                                                                      \
		if (!(cond)) {                                                        \
			timer_failures++;                                                 \
			umbra_printf("timer: FAIL line %d: ", __LINE__);                 \
			umbra_printf(__VA_ARGS__);                                        \
			umbra_printf("\n");                                               \
		}                                                                     \
	} while (0)

static void timer_monotonic(void)
{
	uint64_t prev = umbra_time_ns(), bad = 0, first_bad_prev = 0, first_bad = 0;
	uint64_t start = prev;
	for (unsigned i = 0; i < TIMER_READS; i++) {
		uint64_t now = umbra_time_ns();
		if (now <= prev && bad++ == 0) {
			first_bad_prev = prev;
			first_bad = now;
		}
		prev = now;
	}
	TIMER_CHECK(bad == 0, "%llu of %u reads did not advance (first: %llu after %llu)",
		    (unsigned long long)bad, TIMER_READS, (unsigned long long)first_bad,
		    (unsigned long long)first_bad_prev);
	umbra_printf("timer: %u reads strictly increasing over %llu ns\n", TIMER_READS,
		     (unsigned long long)(prev - start));
}

/* Spins until `count` more ticks arrived; returns the ns it took or 0 on timeout. */
static uint64_t timer_wait_ticks(uint64_t count)
{
	uint64_t t0 = umbra_time_ns(), k0 = umbra_timer_ticks();
	while (umbra_timer_ticks() - k0 < count) {
		if (umbra_time_ns() - t0 > TIMER_WAIT_NS)
			return 0;
		__asm__ volatile("pause");
	}
	uint64_t dt = umbra_time_ns() - t0;
	return dt ? dt : 1;
}

static void timer_ticks(void)
{
	uint64_t k0 = umbra_timer_ticks();
	uint64_t dt = timer_wait_ticks(20);
	uint64_t k1 = umbra_timer_ticks();
	TIMER_CHECK(dt != 0, "fewer than 20 ticks in %llu ms (ticks %llu -> %llu)",
		    (unsigned long long)(TIMER_WAIT_NS / 1000000), (unsigned long long)k0,
		    (unsigned long long)k1);
	TIMER_CHECK(k1 >= k0, "tick counter went backwards %llu -> %llu", (unsigned long long)k0,
		    (unsigned long long)k1);
	if (dt)
		umbra_printf("timer: 20 ticks in %llu us (about %llu Hz)\n", (unsigned long long)(dt / 1000),
			     (unsigned long long)(20ull * 1000000000ull / dt));
}

static void timer_sleep(void)
{
	uint64_t k0 = umbra_timer_ticks();
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = umbra_time_ns();
		umbra_sleep_ns(TIMER_SLEEP_NS);
		uint64_t dt = umbra_time_ns() - t0;
		TIMER_CHECK(dt >= TIMER_SLEEP_NS, "sleep(%llu ns) returned after %llu ns",
			    (unsigned long long)TIMER_SLEEP_NS, (unsigned long long)dt);
		umbra_printf("timer: sleep %llu us took %llu us\n", (unsigned long long)(TIMER_SLEEP_NS / 1000),
			     (unsigned long long)(dt / 1000));
	}
	uint64_t t0 = umbra_time_ns();
	umbra_sleep_ns(0);
	umbra_sleep_ns(1);
	TIMER_CHECK(umbra_time_ns() > t0, "time did not advance across short sleeps");
	TIMER_CHECK(umbra_timer_ticks() > k0, "no tick during %llu ms of sleep",
		    (unsigned long long)(3 * TIMER_SLEEP_NS / 1000000));
}

/* A recurrence the compiler keeps in XMM registers between the calls in the outer loop. */
__attribute__((noinline)) static uint64_t timer_fp_run(unsigned outer)
{
	double a = 1.0, b = 0.5, c = 0.25;
	for (unsigned o = 0; o < outer; o++) {
		for (unsigned i = 0; i < 20000; i++) {
			a = a * 1.0000001 + b;
			b = b * 0.9999999 - c * 1e-9;
			c = c + a * 1e-12;
		}
		(void)umbra_timer_ticks();
	}
	union {
		double d;
		uint64_t u;
	} x = { .d = a + b * 3.0 + c * 7.0 };
	return x.u;
}

static void timer_fpu(void)
{
	uint64_t k0 = umbra_timer_ticks();
	uint64_t r1 = timer_fp_run(200);
	uint64_t k1 = umbra_timer_ticks();
	uint64_t r2 = timer_fp_run(200);
	uint64_t k2 = umbra_timer_ticks();
	TIMER_CHECK(r1 == r2, "FP results differ across interrupts: 0x%llx vs 0x%llx", (unsigned long long)r1,
		    (unsigned long long)r2);
	TIMER_CHECK(k2 > k0, "no tick during the FP runs: the check proved nothing");
	umbra_printf("timer: fp recurrence identical across %llu + %llu ticks\n", (unsigned long long)(k1 - k0),
		     (unsigned long long)(k2 - k1));
}

#define TIMER_SSE_VECTOR 0xd0
#define TIMER_SSE_ROUNDS 16u
static volatile unsigned timer_sse_hits;

/* Runs in interrupt context: overwrite every XMM register with all-ones (a NaN pattern). */
static void timer_clobber_sse(void *ctx)
{
	(void)ctx;
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\t"
			 "pcmpeqd %%xmm2, %%xmm2\n\tpcmpeqd %%xmm3, %%xmm3\n\t"
			 "pcmpeqd %%xmm4, %%xmm4\n\tpcmpeqd %%xmm5, %%xmm5\n\t"
			 "pcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\t"
			 "pcmpeqd %%xmm8, %%xmm8\n\tpcmpeqd %%xmm9, %%xmm9\n\t"
			 "pcmpeqd %%xmm10, %%xmm10\n\tpcmpeqd %%xmm11, %%xmm11\n\t"
			 "pcmpeqd %%xmm12, %%xmm12\n\tpcmpeqd %%xmm13, %%xmm13\n\t"
			 "pcmpeqd %%xmm14, %%xmm14\n\tpcmpeqd %%xmm15, %%xmm15"
			 ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			 "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	timer_sse_hits++;
}

static uint64_t timer_bits(double d)
{
	union {
		double d;
		uint64_t u;
	} x = { .d = d };
	return x.u;
}

static void timer_sse_irq(void)
{
	int rc = hw_irq_set_handler(TIMER_SSE_VECTOR, timer_clobber_sse, 0);
	TIMER_CHECK(rc == 0, "hw_irq_set_handler(0x%x) = %d", TIMER_SSE_VECTOR, rc);
	if (rc)
		return;
	double a = 1.25, b = -3.5;
	unsigned bad = 0;
	for (unsigned i = 0; i < TIMER_SSE_ROUNDS; i++) {
		/* a and b live in XMM registers across the interrupt ("+x"). */
		__asm__ volatile("int %[v]" : "+x"(a), "+x"(b) : [v] "i"(TIMER_SSE_VECTOR) : "memory");
		if (timer_bits(a) != timer_bits(1.25) || timer_bits(b) != timer_bits(-3.5))
			bad++;
		a = 1.25;
		b = -3.5;
	}
	TIMER_CHECK(timer_sse_hits == TIMER_SSE_ROUNDS, "handler ran %u times, expected %u", timer_sse_hits,
		    TIMER_SSE_ROUNDS);
	TIMER_CHECK(bad == 0, "XMM registers clobbered by an interrupt handler in %u of %u rounds", bad,
		    TIMER_SSE_ROUNDS);
	umbra_printf("timer: XMM registers intact in %u of %u interrupts whose handler clobbers them\n",
		     TIMER_SSE_ROUNDS - bad, TIMER_SSE_ROUNDS);
}

int app_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	timer_monotonic();
	timer_ticks();
	timer_sleep();
	timer_sse_irq();
	timer_fpu();
	umbra_printf("timer: %s (%d failures)\n", timer_failures ? "FAIL" : "PASS", timer_failures);
	return timer_failures ? 1 : 0;
}
