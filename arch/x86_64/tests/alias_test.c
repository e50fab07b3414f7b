/*
 * Host test of the shared-GPA alias (alias.c, alias.h): the boundary the tables get from
 * a scripted CPUID through the Hyper-V identification (hv/ident.c; every condition in
 * turn, MAXPHYADDR and the PTE address width, a refused boundary as UMBRA_ENOTSUP), and
 * the translation both ways for SNP-style (bit 46), TDX-style (bit 47) and lower
 * boundaries, and without one; the on-demand limit.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/alias.h"
#include "hv/ident.h"
#include "tests/unit/ut.h"
#include <umbra/errno.h>

/* The scripted CPU: an isolated Hyper-V guest unless a test changes a field. */
static struct {
	uint32_t hv_bit, max_leaf, iso_ebx, cfg_ebx, ext_max, maxpa;
	char sig[13];
} cpu;

static void cpu_reset(unsigned bits)
{
	cpu.hv_bit = 1u << 31;
	cpu.max_leaf = 0x40000082;
	memcpy(cpu.sig, "Microsoft Hv", 13);
	cpu.iso_ebx = (1u << 22) | 0x2fff;     /* other privilege bits set too */
	cpu.cfg_ebx = (bits << 6) | (1u << 5) | 2;   /* active, SNP */
	cpu.ext_max = 0x80000008;
	cpu.maxpa = 48;
}

static void fake_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)sub;
	memset(out, 0, 4 * sizeof(uint32_t));
	switch (leaf) {
	case 1:
		out[2] = cpu.hv_bit | 0x1;
		break;
	case 0x40000000:
		out[0] = cpu.max_leaf;
		memcpy(&out[1], cpu.sig, 4);
		memcpy(&out[2], cpu.sig + 4, 4);
		memcpy(&out[3], cpu.sig + 8, 4);
		break;
	case 0x40000003:
		out[1] = cpu.iso_ebx;
		break;
	case 0x4000000c:
		out[0] = 1;                     /* paravisor present */
		out[1] = cpu.cfg_ebx;
		break;
	case 0x80000000:
		out[0] = cpu.ext_max;
		break;
	case 0x80000008:
		out[0] = 0x3000 | cpu.maxpa;   /* 48-bit linear */
		break;
	}
}

static uint64_t detect(int want_rc)
{
	struct hv_ident id;
	uint64_t b = 0xdead;

	hv_ident_detect(fake_cpuid, &id);
	UT_EQ(alias_boundary(&id, &b), want_rc);
	return b;
}

static void t_detect_snp_tdx(void)
{
	cpu_reset(46);
	UT_EQ(detect(0), 1ull << 46);
	cpu_reset(47);
	cpu.cfg_ebx = (cpu.cfg_ebx & ~0xfu) | 3;    /* TDX */
	UT_EQ(detect(0), 1ull << 47);
	cpu_reset(40);
	UT_EQ(detect(0), 1ull << 40);
	cpu_reset(47);
	cpu.max_leaf = 0x4000000c;                  /* exactly enough */
	UT_EQ(detect(0), 1ull << 47);
}

/* Any missing condition means no boundary, and no error (QEMU, plain Hyper-V). */
static void t_detect_absent(void)
{
	cpu_reset(46);
	cpu.hv_bit = 0;
	UT_EQ(detect(0), 0);
	cpu_reset(46);
	memcpy(cpu.sig, "TCGTCGTCGTCG", 13);
	UT_EQ(detect(0), 0);
	cpu_reset(46);
	memcpy(cpu.sig, "Microsoft HV", 13);        /* case matters */
	UT_EQ(detect(0), 0);
	cpu_reset(46);
	cpu.max_leaf = 0x4000000b;
	UT_EQ(detect(0), 0);
	cpu_reset(46);
	cpu.iso_ebx &= ~(1u << 22);
	UT_EQ(detect(0), 0);
	cpu_reset(46);
	cpu.cfg_ebx &= ~(1u << 5);                  /* bits given, but not active */
	UT_EQ(detect(0), 0);
}

/* An active boundary that no page-table entry can carry is an error, not a silent 0. */
static void t_detect_unusable(void)
{
	cpu_reset(47);
	cpu.maxpa = 47;
	UT_EQ(detect(UMBRA_ENOTSUP), 0);
	cpu_reset(47);
	cpu.maxpa = 48;
	UT_EQ(detect(0), 1ull << 47);
	cpu_reset(52);
	cpu.maxpa = 52;
	UT_EQ(detect(UMBRA_ENOTSUP), 0);
	cpu_reset(63);
	UT_EQ(detect(UMBRA_ENOTSUP), 0);
	cpu_reset(51);
	cpu.maxpa = 52;
	UT_EQ(detect(0), 1ull << 51);
	cpu_reset(0);                               /* B = 1: no boundary (was EINVAL later) */
	UT_EQ(detect(UMBRA_ENOTSUP), 0);
	cpu_reset(1);
	cpu.maxpa = 48;
	UT_EQ(detect(0), 1ull << 1);
	cpu_reset(47);                              /* no 0x80000008: only the PTE limit */
	cpu.ext_max = 0x80000007;
	cpu.maxpa = 36;
	UT_EQ(detect(0), 1ull << 47);
}

/* No identification at all: no boundary. */
static void t_boundary_null(void)
{
	uint64_t b = 0xdead;

	UT_EQ(alias_boundary(NULL, &b), 0);
	UT_EQ(b, 0);
}

static void t_translate_snp(void)
{
	const uint64_t b = 1ull << 46;

	/* vTOM at bit 46: the window is the identity of the alias. */
	UT_EQ(alias_phys_to_virt(b, 0x12345000 | b), 0x12345000 | b);
	UT_EQ(alias_phys_to_virt(b, 0x12345678), 0x12345678);
	UT_EQ(alias_virt_to_phys(b, 0x12345000 | b), 0x12345000 | b);
	UT_EQ(alias_virt_to_phys(b, 0x12345678), 0x12345678);
}

static void t_translate_tdx(void)
{
	const uint64_t b = 1ull << 47;
	const uint64_t gpas[] = { 0, 0x1000, 0xfee00000, 0x123456789a0ull, (1ull << 46) - 1 };

	for (unsigned i = 0; i < sizeof gpas / sizeof gpas[0]; i++) {
		uint64_t g = gpas[i], va = alias_phys_to_virt(b, g | b);
		UT_EQ(va, ALIAS_VA + g);
		UT_CHECK(va < ALIAS_VA_END);            /* canonical lower half */
		UT_EQ(alias_virt_to_phys(b, va), g | b);
		UT_EQ(alias_phys_to_virt(b, g), g);     /* private alias: identity */
		UT_EQ(alias_virt_to_phys(b, g), g);
	}
}

static void t_translate_low_boundary(void)
{
	const uint64_t b = 1ull << 40;

	UT_EQ(alias_phys_to_virt(b, 0x5000 | b), ALIAS_VA + 0x5000);
	UT_EQ(alias_virt_to_phys(b, ALIAS_VA + 0x5000), 0x5000 | b);
	UT_EQ(alias_virt_to_phys(b, ALIAS_VA_END), ALIAS_VA_END);   /* outside the window */
}

static void t_translate_none(void)
{
	/* No boundary: everything is the identity, including addresses with bit 46/47. */
	const uint64_t vals[] = { 0, 0x1000, 1ull << 46, (1ull << 47) | 0x1000, ALIAS_VA + 5 };

	for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		UT_EQ(alias_phys_to_virt(0, vals[i]), vals[i]);
		UT_EQ(alias_virt_to_phys(0, vals[i]), vals[i]);
	}
}

/* The on-demand limit: g below B (SNP vTOM, low boundaries) and below 2^46 (a canonical
 * window VA, TDX's bit 47); every g below it has a window VA below ALIAS_VA_END. */
static void t_limit(void)
{
	UT_EQ(alias_limit(0), 0);
	UT_EQ(alias_limit(1ull << 39), 1ull << 39);
	UT_EQ(alias_limit(1ull << 46), 1ull << 46);
	UT_EQ(alias_limit(1ull << 47), 1ull << 46);
	UT_EQ(alias_limit(1ull << 51), 1ull << 46);
	for (unsigned bit = 32; bit <= ALIAS_MAX_BIT; bit++) {
		uint64_t b = 1ull << bit, g = alias_limit(b) - 4096;
		UT_CHECK(alias_phys_to_virt(b, g | b) < ALIAS_VA_END);
		UT_EQ(alias_virt_to_phys(b, alias_phys_to_virt(b, g | b)), g | b);
	}
}

int main(void)
{
	UT_RUN(t_detect_snp_tdx);
	UT_RUN(t_detect_absent);
	UT_RUN(t_detect_unusable);
	UT_RUN(t_boundary_null);
	UT_RUN(t_translate_snp);
	UT_RUN(t_translate_tdx);
	UT_RUN(t_translate_low_boundary);
	UT_RUN(t_translate_none);
	UT_RUN(t_limit);
	return UT_DONE();
}
