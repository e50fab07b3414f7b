/*
 * No lost wakeup in synic_recv (docs/vmbus.md, "SynIC (synic/)", Waits), against
 * sim/: a host message whose interrupt arrives between synic_recv's queue check and
 * its halt must end the wait at once. The simulator delivers interrupts at the end of
 * any exit while IF=1 (its host runs on every 16th clock read too), so sweeping the clock
 * reads made before the call moves the interrupt across every point of synic_recv's
 * loop. With the check and the halt in one interrupts-off section
 * (hw_wait_for_interrupt's sti;hlt) every point is fine; with a window, one of them
 * sleeps the whole timeout.
 */
#include "tests/unit/ut.h"
#include "sim/sim.h"
#include "synic/synic.h"
#include "arch/x86_64/hw.h"
#include <umbra/errno.h>

static uint64_t next_gpa, end_gpa;
static int bump(uint64_t *gpa)
{
	if (next_gpa >= end_gpa)
		return UMBRA_ENOMEM;
	*gpa = next_gpa;
	next_gpa += 4096;
	memset(hw_phys_to_virt(*gpa), 0, 4096);
	return 0;
}
static const struct synic_pages PAGES = { .alloc = bump };

/* InitiateContact 6.0 (type 14) to connection id 4, message SINT 2, VTL 0. */
static const uint8_t IC[40] = { 14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 2 };

static void t_no_lost_wakeup(void)
{
	unsigned worst_k = 0;
	uint64_t worst = 0;
	for (unsigned k = 0; k < 48; k++) {
		struct sim_config cfg;
		sim_config_default(&cfg, SIM_HYPERV);
		cfg.server_latency_ns = 1;
		UT_REQUIRE(sim_init(&cfg) == 0);
		uint64_t n;
		UT_REQUIRE(sim_ram_free_range(&next_gpa, &n) == 0);
		end_gpa = next_gpa + n * 4096;
		struct synic_config sc;
		UT_REQUIRE(synic_detect(&sc) == 0);
		UT_REQUIRE(synic_init(&sc, &PAGES, false) == 0);
		UT_EQ(synic_post(true, 4, IC, sizeof(IC)), 0);
		for (unsigned i = 0; i < k; i++)
			(void)hw_now_ns();
		uint8_t buf[240];
		uint64_t t0 = sim_now();
		int r = synic_recv(buf, sizeof(buf), 1000000000ull);
		uint64_t dt = sim_now() - t0;
		UT_CHECK(r >= 4);
		if (dt > worst) {
			worst = dt;
			worst_k = k;
		}
		synic_shutdown();
		sim_fini();
	}
	if (worst >= 1000000)
		fprintf(stderr, "lost wakeup: %llu ns after %u clock reads\n", (unsigned long long)worst, worst_k);
	UT_CHECK(worst < 1000000);       /* 1 ms of virtual time; a lost wakeup costs 1 s */
}

int main(void)
{
	UT_RUN(t_no_lost_wakeup);
	return UT_DONE();
}
