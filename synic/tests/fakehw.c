#include "synic/tests/fakehw.h"
#include <string.h>

struct fake_hw F;
uint8_t fake_ram[FAKE_RAM_PAGES * 4096] __attribute__((aligned(4096)));
static unsigned next_page;
static bool vis_first;

static void cpuid_set(uint32_t leaf, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	uint32_t *e = F.cpuid[F.ncpuid++];
	e[0] = leaf; e[1] = a; e[2] = b; e[3] = c; e[4] = d;
}

uint64_t fake_page(void)
{
	if (next_page >= FAKE_RAM_PAGES)
		return 0;
	uint64_t gpa = FAKE_RAM_BASE + (uint64_t)next_page++ * 4096;
	memset(hw_phys_to_virt(gpa), 0, 4096);
	return gpa;
}

void fake_init(int platform)
{
	memset(&F, 0, sizeof(F));
	memset(fake_ram, 0, sizeof(fake_ram));
	next_page = 0;
	vis_first = true;
	F.irq_enabled = true;
	if (platform == 0)
		return;
	cpuid_set(0x40000000, 0x40000082, 0x7263694D, 0x666F736F, 0x76482074);
	bool iso = platform >= 2;
	cpuid_set(0x40000003, 0x2E7F, (1u << 4) | (1u << 5) | (iso ? 1u << 22 : 0), 0, 0);
	if (iso) {
		bool snp = platform == 2 || platform == 4;
		unsigned bits = snp ? 46 : 47;
		F.boundary = 1ull << bits;
		cpuid_set(0x4000000C, 1, (snp ? 2u : 3u) | (1u << 5) | (bits << 6), 0, 0);
		cpuid_set(0x40000082, platform == 4 ? 0 : 0x8, 0, 0, 0);
		if (snp) {
			F.ghcb_gpa = fake_page();
			F.ghcb_msr = F.ghcb_gpa | F.boundary;
		}
		uint64_t simp = fake_page(), siefp = fake_page();
		F.hv_msr[0x83] = simp | F.boundary | 1;
		F.hv_msr[0x82] = siefp | F.boundary | 1;
	}
	/* last, so that the entries above keep their indices: the hypervisor bit */
	cpuid_set(1, 0, 0, 1u << 31, 0);
}

static struct fake_exit *rec(enum fake_kind k)
{
	struct fake_exit *e = &F.log[F.nlog < FAKE_LOG ? F.nlog++ : FAKE_LOG - 1];
	memset(e, 0, sizeof(*e));
	e->kind = k;
	return e;
}

int fake_count(enum fake_kind k, uint32_t msr)
{
	int n = 0;
	for (int i = 0; i < F.nlog; i++)
		n += F.log[i].kind == k && (msr == 0 || F.log[i].msr == msr);
	return n;
}

const struct fake_exit *fake_last(enum fake_kind k, uint32_t msr)
{
	for (int i = F.nlog - 1; i >= 0; i--)
		if (F.log[i].kind == k && (msr == 0 || F.log[i].msr == msr))
			return &F.log[i];
	return NULL;
}

void hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)subleaf;
	memset(out, 0, 16);
	for (int i = 0; i < F.ncpuid; i++)
		if (F.cpuid[i][0] == leaf)
			memcpy(out, &F.cpuid[i][1], 16);
}

uint64_t hw_rdmsr(uint32_t msr)
{
	if (msr == 0xC0010130u)
		return F.ghcb_msr;
	if (msr == 0x40000002u)
		return F.vp_index;
	if (msr >= 0x40000000u && msr < 0x40000100u)
		return F.pv_msr[msr - 0x40000000u];
	return 0;
}

void hw_wrmsr(uint32_t msr, uint64_t value)
{
	struct fake_exit *e = rec(F_WRMSR);
	e->msr = msr;
	e->write = true;
	e->value = value;
	if (msr == 0xC0010130u)
		F.ghcb_msr = value;
	else if (msr >= 0x40000000u && msr < 0x40000100u)
		F.pv_msr[msr - 0x40000000u] = value;
	if (msr == 0x40000001u && (value & 1)) {
		/* HV_X64_MSR_HYPERCALL: the hypervisor fills the page (vmcall; ret) */
		uint8_t *pg = hw_phys_to_virt(value & ~0xFFFull);
		if (F.hypercall_unfilled)
			F.pv_msr[1] = value & ~1ull;
		else if (pg)
			memcpy(pg, "\x0f\x01\xc1\xc3", 4);
	}
}

void *hw_phys_to_virt(uint64_t gpa)
{
	gpa &= ~F.boundary;
	if (gpa < FAKE_RAM_BASE || gpa >= FAKE_RAM_BASE + sizeof(fake_ram))
		return NULL;
	return &fake_ram[gpa - FAKE_RAM_BASE];
}

uint64_t hw_virt_to_phys(const void *va)
{
	return FAKE_RAM_BASE + (uint64_t)((const uint8_t *)va - fake_ram);
}

static uint64_t do_hcall(struct fake_exit *e, uint64_t control)
{
	uint16_t code = control & 0xFFFF;
	uint64_t count = (control >> 32) & 0xFFF, start = (control >> 48) & 0xFFF;
	if (code == 0x00DB) {
		uint64_t done = count;
		if (F.vis_partial && vis_first && F.vis_partial < count)
			done = F.vis_partial;
		vis_first = false;
		(void)start;
		if (F.vis_fail_in && --F.vis_fail_in == 0)
			return 11 | ((uint64_t)F.vis_fail_reps << 32);
		return F.hcall_status | ((F.hcall_status ? 0 : done) << 32);
	}
	(void)e;
	return F.hcall_status;
}

uint64_t hw_hypercall(const void *page, uint64_t control, uint64_t input, uint64_t output)
{
	(void)page;
	struct fake_exit *e = rec(F_HCALL);
	e->control = control;
	e->in = input;
	e->out = output;
	if (!(control & (1ull << 16)) && hw_phys_to_virt(input))
		memcpy(e->input, hw_phys_to_virt(input), sizeof(e->input));
	return do_hcall(e, control);
}

static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

void hw_vmgexit(void)
{
	if (F.ghcb_msr & 0xFFF) {
		/* MSR protocol: only SEV_INFO (0x002) is answered */
		struct fake_exit *e = rec(F_GHCB_PROTO);
		e->value = F.ghcb_msr;
		if ((F.ghcb_msr & 0xFFF) == 0x002)
			F.ghcb_msr = F.sev_info ? F.sev_info : 0x001 | (2ull << 48) | (1ull << 32) | (51ull << 24);
		return;
	}
	uint8_t *g = hw_phys_to_virt(F.ghcb_msr & ~0xFFFull);
	if (!g)
		return;
	uint32_t usage;
	memcpy(&usage, g + 0xFFC, 4);
	if (usage == 1) {
		struct fake_exit *e = rec(F_GHCB_HCALL);
		e->usage = usage;
		e->control = rd64(g + 0xFF0);
		e->out = rd64(g + 0xFE8);
		memcpy(e->input, g, sizeof(e->input));
		wr64(g + 0xFF0, do_hcall(e, e->control));
		return;
	}
	struct fake_exit *e = rec(F_GHCB_MSR);
	e->usage = usage;
	memcpy(e->valid, g + 0x3F0, 16);
	e->msr = (uint32_t)rd64(g + 0x308);
	e->info1 = rd64(g + 0x398);
	e->write = e->info1 == 1;
	uint64_t code = rd64(g + 0x390);
	if (code != 0x7C) {
		wr64(g + 0x398, 1);
		return;
	}
	uint32_t idx = e->msr - 0x40000000u;
	if (e->write) {
		e->value = (rd64(g + 0x1F8) & 0xFFFFFFFFull) | (rd64(g + 0x310) << 32);
		if (idx < 0x100)
			F.hv_msr[idx] = e->value;
	} else {
		uint64_t v = idx < 0x100 ? F.hv_msr[idx] : 0;
		wr64(g + 0x1F8, v & 0xFFFFFFFFull);
		wr64(g + 0x310, v >> 32);
	}
	wr64(g + 0x398, 0);
}

uint64_t hw_tdcall(struct hw_tdcall_regs *r)
{
	if (r->rax != 0)
		return 1;
	if (r->r10 != 0) {
		struct fake_exit *e = rec(F_TDX_HCALL);
		e->control = r->r10;
		e->in = r->rdx;
		e->out = r->r8;
		e->rcx_mask = r->rcx;
		if (!(r->r10 & (1ull << 16)) && hw_phys_to_virt(r->rdx))
			memcpy(e->input, hw_phys_to_virt(r->rdx), sizeof(e->input));
		r->r11 = do_hcall(e, r->r10);
		r->r10 = 0;
		return 0;
	}
	struct fake_exit *e = rec(F_TDX_MSR);
	e->rcx_mask = r->rcx;
	e->msr = (uint32_t)r->r12;
	e->write = r->r11 == 32;
	uint32_t idx = e->msr - 0x40000000u;
	if (e->write) {
		e->value = r->r13;
		if (idx < 0x100)
			F.hv_msr[idx] = r->r13;
	} else {
		r->r11 = idx < 0x100 ? F.hv_msr[idx] : 0;
	}
	r->r10 = 0;
	return 0;
}

int hw_irq_set_handler(uint8_t vector, hw_irq_fn fn, void *ctx)
{
	F.irq_vector = vector;
	F.irq_fn = fn;
	F.irq_ctx = ctx;
	return 0;
}

void hw_irq_eoi(void) {}

bool hw_irq_save_disable(void)
{
	bool was = F.irq_enabled;
	F.irq_enabled = false;
	return was;
}

void hw_irq_restore(bool enabled) { F.irq_enabled = enabled; }
void hw_wait_for_interrupt(uint64_t max_ns) { F.now += max_ns; }
uint64_t hw_now_ns(void) { return F.now += 100; }
