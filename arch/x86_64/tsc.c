/*
 * Monotonic clock from the TSC: ns = (tsc - tsc0) * mult >> 32, mult = 10^9 * 2^32 / hz
 * (64x64->128 multiply, no division at run time). The frequency comes from boot/
 * (CPUID 0x15/0x16, the Hyper-V frequency MSR, or calibration against UEFI Stall).
 */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"

static uint64_t tsc_base, tsc_mult, hz;

void arch_tsc_init(uint64_t tsc_hz, uint64_t tsc0)
{
	if (!tsc_hz)
		tsc_hz = 1000000000ull;         /* unknown: assume 1 GHz rather than stop time */
	hz = tsc_hz;
	tsc_base = tsc0;
	tsc_mult = (1000000000ull << 32) / tsc_hz;     /* 4.3e18 fits in 64 bits */
}

uint64_t arch_tsc_hz(void)
{
	return hz;
}

uint64_t arch_tsc_to_ns(uint64_t d)
{
	return (uint64_t)(((unsigned __int128)d * tsc_mult) >> 32);
}

uint64_t arch_now_ns(void)
{
	uint64_t t = cpu_rdtsc();

	return t > tsc_base ? arch_tsc_to_ns(t - tsc_base) : 0;
}
