/* Simulator core: machine state, configuration, memory and enforcement, PRNG, time,
 * steps, logging, health. */
#include <stdarg.h>
#include "lib/fmt.h"
#include "lib/string.h"
#include "umbra/errno.h"
#include "sim/sim_int.h"

struct sim_state sim_g;
#if UMBRA_IMAGE
/* A test image passes a block of real RAM in sim_config.ram (sim/sim_image.c):
 * no static arena in the image file. */
#define sim_arena ((uint8_t *)0)
#else
static uint8_t sim_arena[SIM_ARENA_BYTES] __attribute__((aligned(4096)));
#endif

static const char *const plat_names[SIM_PLATFORM_COUNT] = {
	"none", "hyperv", "snp-paravisor", "tdx-paravisor", "snp-legacy-paravisor",
	"tdx-legacy-paravisor", "snp", "tdx",
};

const char *sim_platform_name(enum sim_platform p)
{
	return (unsigned)p < SIM_PLATFORM_COUNT ? plat_names[p] : "?";
}

int sim_platform_parse(const char *name)
{
	for (int i = 0; name && i < SIM_PLATFORM_COUNT; i++)
		if (strcmp(name, plat_names[i]) == 0)
			return i;
	return -1;
}

/*
 * The simulated platforms, one row each: adding a configuration touches this table (and
 * enum sim_platform). Everything else asks these predicates.
 */
static const struct sim_platform_desc {
	bool hyperv;            /* Hyper-V CPUID leaves and SynIC */
	bool snp, tdx;          /* hardware isolation */
	bool paravisor;         /* OpenHCL present (its SynIC, VMBus server, 0x00DB) */
	bool cvmb;              /* Confidential VMBus available (0x40000082 EAX bit 3) */
} plat_desc[SIM_PLATFORM_COUNT] = {
	[SIM_NONE] = { 0 },
	[SIM_HYPERV] = { .hyperv = true },
	[SIM_SNP_PARAVISOR] = { .hyperv = true, .snp = true, .paravisor = true, .cvmb = true },
	[SIM_TDX_PARAVISOR] = { .hyperv = true, .tdx = true, .paravisor = true, .cvmb = true },
	[SIM_SNP_LEGACY_PARAVISOR] = { .hyperv = true, .snp = true, .paravisor = true },
	[SIM_TDX_LEGACY_PARAVISOR] = { .hyperv = true, .tdx = true, .paravisor = true },
	[SIM_SNP] = { .snp = true },
	[SIM_TDX] = { .tdx = true },
};

static const struct sim_platform_desc *desc(void)
{
	static const struct sim_platform_desc none;
	unsigned p = (unsigned)S->cfg.platform;
	return p < SIM_PLATFORM_COUNT ? &plat_desc[p] : &none;
}

bool sim_is_paravisor(void) { return desc()->paravisor; }
bool sim_is_legacy(void) { return desc()->paravisor && !desc()->cvmb; }
bool sim_is_snp(void) { return desc()->snp; }
bool sim_is_tdx(void) { return desc()->tdx; }
bool sim_is_cvm(void) { return desc()->snp || desc()->tdx; }
bool sim_has_hv(void) { return S->up && desc()->hyperv; }
bool sim_is_enlightened(void) { return sim_is_cvm() && !desc()->paravisor; }

void sim_config_default(struct sim_config *c, enum sim_platform p)
{
	memset(c, 0, sizeof(*c));
	c->platform = p;
	c->seed = 1;
	c->nvp = 1;
}

const struct sim_config *sim_get_config(void) { return &S->cfg; }

/* ---- PRNG (splitmix64) ---- */
uint64_t sim_rand(void)
{
	uint64_t z = (S->rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

bool sim_chance(uint16_t pm)
{
	if (pm == 0)
		return false;
	return sim_rand() % 1000 < pm;
}

void sim_hostile_note(void) { S->st.hostile_actions++; }

/* ---- logging / health ---- */
static void vlog(const char *kind, const char *fmt, va_list ap)
{
	char buf[200];
	int n = fmt_snprintf(buf, sizeof(buf), "sim %s t=%llu: ", kind, (unsigned long long)S->now);
	if (n < 0 || n >= (int)sizeof(buf))
		n = 0;
	fmt_vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (kind[0] != 'l')
		fmt_snprintf(S->problem, sizeof(S->problem), "%s", buf);
	if (S->cfg.log)
		S->cfg.log(S->cfg.log_ctx, buf);
}

void sim_logf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("log", fmt, ap);
	va_end(ap);
}

void sim_fault(const char *fmt, ...)
{
	va_list ap;
	S->st.faults++;
	va_start(ap, fmt);
	vlog("fault", fmt, ap);
	va_end(ap);
}

void sim_guest_error(const char *fmt, ...)
{
	va_list ap;
	S->st.guest_errors++;
	va_start(ap, fmt);
	vlog("guest-error", fmt, ap);
	va_end(ap);
}

bool sim_ok(void)
{
	return S->leak.count == 0 && S->st.faults == 0 && S->st.guest_errors == 0 && !S->term.terminated;
}

const char *sim_last_problem(void) { return S->problem; }
void sim_termination(struct sim_termination *out) { *out = S->term; }
void sim_get_stats(struct sim_stats *out) { *out = S->st; }
void sim_reset_stats(void)
{
	memset(&S->st, 0, sizeof(S->st));
}

bool sim_irq_enabled(void) { return S->if_on; }

/* ---- memory ---- */
uint64_t sim_ram_pages(void) { return S->ram_pages; }
uint64_t sim_shared_boundary(void) { return S->boundary; }

bool sim_gpa_ram(uint64_t gpa)
{
	return S->up && gpa >= SIM_RAM_BASE && (gpa - SIM_RAM_BASE) / 4096 < S->ram_pages;
}

uint8_t *sim_ram_ptr(uint64_t gpa)
{
	if (S->boundary && (gpa & S->boundary) && gpa < 2 * S->boundary)
		gpa &= ~S->boundary;
	if (!sim_gpa_ram(gpa))
		return NULL;
	return S->ram + (gpa - SIM_RAM_BASE);
}

static uint64_t page_index(uint64_t gpa_noalias) { return (gpa_noalias - SIM_RAM_BASE) / 4096; }

int sim_ram_free_range(uint64_t *gpa, uint64_t *npages)
{
	if (!S->up || !gpa || !npages || S->ram_pages <= SIM_RESERVED_PAGES)
		return UMBRA_EINVAL;
	*gpa = SIM_RAM_BASE;
	*npages = S->ram_pages - SIM_RESERVED_PAGES;
	return 0;
}

int sim_platform_pages(uint64_t *gpa, uint64_t *npages)
{
	if (!S->up || !gpa || !npages)
		return UMBRA_EINVAL;
	*gpa = S->plat_gpa;
	*npages = SIM_RESERVED_PAGES;
	return 0;
}

static bool platform_page(uint64_t gpa_noalias)
{
	return gpa_noalias >= S->plat_gpa && gpa_noalias < S->plat_gpa + SIM_RESERVED_PAGES * 4096ull;
}

int sim_page_visibility(uint64_t gpa)
{
	uint8_t *p = sim_ram_ptr(gpa);
	if (!p)
		return UMBRA_EINVAL;
	return S->vis[(uint64_t)(p - S->ram) / 4096];
}

int sim_set_visibility(uint64_t gpa, uint64_t npages, enum sim_vis vis)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint8_t *p = sim_ram_ptr(gpa + i * 4096);
		if (!p)
			return UMBRA_EINVAL;
		S->vis[(uint64_t)(p - S->ram) / 4096] = (uint8_t)vis;
	}
	return 0;
}

/* Visibility change by the platform: contents become junk unless configured otherwise. */
int sim_change_vis(uint64_t pfn, enum sim_vis vis)
{
	uint64_t gpa = pfn << 12;
	if (!sim_gpa_ram(gpa) || platform_page(gpa))
		return -1;
	uint64_t i = page_index(gpa);
	if (S->vis[i] != vis) {
		S->vis[i] = (uint8_t)vis;
		if (!S->cfg.no_visibility_scramble) {
			uint8_t *p = S->ram + i * 4096;
			uint64_t x = sim_rand() | 1;
			for (unsigned k = 0; k < 4096; k += 8) {
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				wr64(p + k, x);
			}
		}
	}
	S->st.visibility_pages++;
	return 0;
}

/*
 * Access guest memory as `who`. The shared alias (GPA | boundary) names the host-visible
 * view; a private page is reachable only without it and only by the paravisor.
 */
int sim_mem_rw(uint64_t gpa, void *buf, size_t len, enum sim_who who, bool write)
{
	uint8_t *b = buf;
	while (len) {
		size_t chunk = 4096 - (gpa & 4095);
		if (chunk > len)
			chunk = len;
		bool alias = S->boundary && (gpa & S->boundary);
		uint8_t *p = sim_ram_ptr(gpa);
		if (!p)
			return -1;
		int vis = S->vis[(uint64_t)(p - S->ram) / 4096];
		if (who == WHO_HOST && vis != SIM_VIS_SHARED)
			return -2;
		if (who == WHO_PV_PRIVATE && (vis != SIM_VIS_PRIVATE || alias))
			return -2;
		if (write)
			memcpy(p, b, chunk);
		else
			memcpy(b, p, chunk);
		gpa += chunk;
		b += chunk;
		len -= chunk;
	}
	return 0;
}

void *hw_phys_to_virt(uint64_t gpa)
{
	uint8_t *p = sim_ram_ptr(gpa);
	if (p && S->boundary) {
		bool alias = (gpa & S->boundary) != 0;
		bool shared = S->vis[page_index(gpa & ~S->boundary)] == SIM_VIS_SHARED;
		if (shared && !alias)
			sim_guest_error("host-visible page 0x%llx reached through its private alias",
					(unsigned long long)gpa);
		else if (!shared && alias)
			sim_guest_error("private page 0x%llx reached through the shared alias",
					(unsigned long long)(gpa & ~S->boundary));
	}
	return p;
}

int sim_set_hostile(const struct sim_hostile *h)
{
	if (!h || !S->up)
		return UMBRA_EINVAL;
	struct sim_hostile n = *h;
	if (!n.msg_delay_max_ns)
		n.msg_delay_max_ns = 2000000;
	if (!n.post_busy_burst)
		n.post_busy_burst = 4;
	S->cfg.hostile = n;
	return 0;
}

uint64_t hw_virt_to_phys(const void *va)
{
	const uint8_t *p = va;
	if (!S->up || p < S->ram || p >= S->ram + S->ram_pages * 4096)
		return 0;
	return SIM_RAM_BASE + (uint64_t)(p - S->ram);
}

/* ---- init ---- */
int sim_init(const struct sim_config *c)
{
	if (!c || (unsigned)c->platform >= SIM_PLATFORM_COUNT || c->nvp > SIM_MAX_VPS)
		return UMBRA_EINVAL;
	memset(S, 0, sizeof(*S));
	S->cfg = *c;
	if (!S->cfg.nvp)
		S->cfg.nvp = 1;
	if (!S->cfg.server_latency_ns)
		S->cfg.server_latency_ns = 10000;
	if (!S->cfg.device_latency_ns)
		S->cfg.device_latency_ns = 5000;
	if (!S->cfg.exit_cost_ns)
		S->cfg.exit_cost_ns = 1000;
	if (!S->cfg.now_tick_ns)
		S->cfg.now_tick_ns = 100;
	if (!S->cfg.max_version)
		S->cfg.max_version = VMV_COPPER;
	if (!S->cfg.hostile.msg_delay_max_ns)
		S->cfg.hostile.msg_delay_max_ns = 2000000;
	if (!S->cfg.hostile.post_busy_burst)
		S->cfg.hostile.post_busy_burst = 4;
	uint8_t *ram = c->ram ? c->ram : sim_arena;
	if (!ram)
		return UMBRA_EINVAL;
	uint64_t bytes = c->ram ? c->ram_bytes : (c->ram_bytes && c->ram_bytes < SIM_ARENA_BYTES ? c->ram_bytes : SIM_ARENA_BYTES);
	uintptr_t a = ((uintptr_t)ram + 4095) & ~(uintptr_t)4095;
	if (bytes < (a - (uintptr_t)ram) + (SIM_RESERVED_PAGES + 16) * 4096ull)
		return UMBRA_EINVAL;
	bytes -= a - (uintptr_t)ram;
	S->ram = (uint8_t *)a;
	S->ram_pages = bytes / 4096;
	if (S->ram_pages > SIM_ARENA_BYTES / 4096)
		S->ram_pages = SIM_ARENA_BYTES / 4096;
	memset(S->ram, 0, S->ram_pages * 4096);
	S->rng = c->seed ^ 0x5EED5EED5EEDull;
	if (c->clock)
		S->clock_base = c->clock(c->clock_ctx);
	S->up = true;
	S->if_on = true;
	if (sim_is_snp())
		S->boundary = 1ull << SIM_SNP_BOUNDARY_BITS;
	else if (sim_is_tdx())
		S->boundary = 1ull << SIM_TDX_BOUNDARY_BITS;
	uint8_t v0 = desc()->hyperv && !sim_is_cvm() ? SIM_VIS_SHARED : SIM_VIS_PRIVATE;
	for (uint64_t i = 0; i < S->ram_pages; i++)
		S->vis[i] = v0;
	/* Platform pages at the top of RAM, above the guest's memory map (OpenHCL's shared
	 * pool, worker.rs build_vtl0_memory_layout): 0 GHCB, 1 hypervisor SIMP, 2 hypervisor
	 * SIEFP (per VP: +3*vp). */
	S->plat_gpa = SIM_RAM_BASE + (S->ram_pages - SIM_RESERVED_PAGES) * 4096ull;
	for (unsigned i = 0; i < SIM_RESERVED_PAGES && sim_is_cvm(); i++)
		S->vis[S->ram_pages - SIM_RESERVED_PAGES + i] = SIM_VIS_SHARED;
	S->ghcb_gpa = S->plat_gpa;
	S->ghcb_msr = sim_is_snp() ? (S->ghcb_gpa | S->boundary) : 0;
	sim_synic_reset();
	sim_srv_reset();
	return 0;
}

void sim_fini(void)
{
	memset(S, 0, sizeof(*S));
}

/* ---- time and steps ---- */
uint64_t sim_now(void) { return S->now; }

bool sim_clock_sync(void)
{
	if (!S->cfg.clock)
		return false;
	uint64_t t = S->cfg.clock(S->cfg.clock_ctx) - S->clock_base;
	if (t > S->now)
		S->now = t;
	return true;
}

uint64_t hw_now_ns(void)
{
	if (!S->up)
		return 0;
	if (!sim_clock_sync())
		S->now += S->cfg.now_tick_ns;
	/* Let the host run now and then so deadline-polling loops make progress. */
	if ((++S->now_calls & 15) == 0 && !S->stepping) {
		sim_step();
		sim_deliver_irqs(false);
	}
	return S->now;
}

uint64_t sim_next_due(void)
{
	uint64_t a = sim_srv_next_due(), b = sim_dev_next_due();
	return a < b ? a : b;
}

void sim_step(void)
{
	if (!S->up || S->stepping)
		return;
	S->stepping = true;
	S->st.steps++;
	for (int round = 0; round < 8; round++) {
		uint64_t before = S->st.msgs_delivered + S->srv.msgs_in + S->st.events_set + S->srv.msgs_out;
		sim_srv_step();
		sim_synic_deliver_queues();
		sim_dev_step();
		uint64_t after = S->st.msgs_delivered + S->srv.msgs_in + S->st.events_set + S->srv.msgs_out;
		if (after == before)
			break;
	}
	sim_dev_hostile_step();
	if (!S->cfg.no_leak_scan)
		sim_leak_scan();
	S->stepping = false;
}

void sim_enter(void)
{
	if (!sim_clock_sync())
		S->now += S->cfg.exit_cost_ns;
}

void sim_leave(void)
{
	sim_step();
	sim_deliver_irqs(false);
}

void sim_run(uint64_t ns)
{
	if (!S->up)
		return;
	uint64_t end = S->now + ns;
	for (;;) {
		sim_step();
		sim_deliver_irqs(false);
		uint64_t nd = sim_next_due();
		if (nd > end)
			break;
		S->now = nd > S->now ? nd : S->now + 1;
	}
	S->now = end;
	sim_step();
	sim_deliver_irqs(false);
}

/* ---- trace ---- */
void sim_trace_msg(bool g2h, bool pv, enum sim_route r, uint32_t conn, const uint8_t *p, uint32_t n)
{
	if (!S->cfg.trace)
		return;
	static const char *const rn[] = { "direct", "ghcb", "tdcall", "-" };
	char line[640];
	uint32_t mt = n >= 4 ? rd32(p) : 0;
	int k = fmt_snprintf(line, sizeof(line), "trace %llu dir=%s synic=%s route=%s conn=%x msgtype=%u hex=",
		(unsigned long long)S->trace_n++, g2h ? "g2h" : "h2g", pv ? "pv" : "hv",
		g2h ? rn[r] : "-", conn, mt);
	static const char hx[] = "0123456789abcdef";
	for (uint32_t i = 0; i < n && k + 3 < (int)sizeof(line); i++) {
		line[k++] = hx[p[i] >> 4];
		line[k++] = hx[p[i] & 15];
	}
	line[k] = 0;
	S->cfg.trace(S->cfg.trace_ctx, line);
}

/* ---- leak checker ---- */
int sim_leak_plant(const void *bytes, size_t len)
{
	if (!bytes || len < SIM_CANARY_MIN || len > SIM_CANARY_MAX)
		return UMBRA_EINVAL;
	for (int i = 0; i < SIM_MAX_CANARIES; i++) {
		if (!S->canary[i].used) {
			memcpy(S->canary[i].b, bytes, len);
			S->canary[i].len = (uint32_t)len;
			S->canary[i].used = true;
			S->leak_seen[i] = 0;
			return i;
		}
	}
	return UMBRA_ENOMEM;
}

int sim_leak_plant_at(uint64_t gpa, const void *bytes, size_t len)
{
	uint8_t *p = sim_ram_ptr(gpa);
	if (!p || sim_page_visibility(gpa) != SIM_VIS_PRIVATE || (gpa & 4095) + len > 4096)
		return UMBRA_EINVAL;
	int r = sim_leak_plant(bytes, len);
	if (r >= 0)
		memcpy(p, bytes, len);
	return r;
}

static void leak_hit(int c, uint64_t pg, uint64_t off)
{
	if (S->leak_seen[c] == pg + 1)
		return;
	S->leak_seen[c] = pg + 1;
	uint64_t gpa = SIM_RAM_BASE + pg * 4096 + off;
	if (S->leak.count++ == 0) {
		S->leak.canary = (unsigned)c;
		S->leak.gpa = gpa;
		S->leak.step = S->st.steps;
	}
	char buf[120];
	fmt_snprintf(buf, sizeof(buf), "sim LEAK: canary %d found in host-visible page at gpa 0x%llx (step %llu)",
		c, (unsigned long long)gpa, (unsigned long long)S->st.steps);
	fmt_snprintf(S->problem, sizeof(S->problem), "%s", buf);
	if (S->cfg.log)
		S->cfg.log(S->cfg.log_ctx, buf);
}

/* One pass over every host-visible page; a table of canary first bytes keeps it linear.
 * A canary may run into the next page only if that page is host-visible too. */
void sim_leak_scan(void)
{
	uint8_t first[256] = { 0 };
	bool any = false;
	for (int c = 0; c < SIM_MAX_CANARIES; c++)
		if (S->canary[c].used) {
			first[S->canary[c].b[0]] = 1;
			any = true;
		}
	if (!any || !S->boundary)
		return;
	uint64_t total = S->ram_pages * 4096;
	for (uint64_t pg = 0; pg < S->ram_pages; pg++) {
		if (S->vis[pg] != SIM_VIS_SHARED)
			continue;
		const uint8_t *p = S->ram + pg * 4096;
		for (uint64_t off = 0; off < 4096; off++) {
			if (!first[p[off]])
				continue;
			for (int c = 0; c < SIM_MAX_CANARIES; c++) {
				struct sim_canary *k = &S->canary[c];
				if (!k->used || k->b[0] != p[off] || pg * 4096 + off + k->len > total)
					continue;
				if (off + k->len > 4096 && S->vis[pg + 1] != SIM_VIS_SHARED)
					continue;
				if (memcmp(p + off, k->b, k->len) == 0)
					leak_hit(c, pg, off);
			}
		}
	}
}

unsigned sim_leak_check(void)
{
	sim_leak_scan();
	return S->leak.count;
}

void sim_leak_report(struct sim_leak_report *out) { *out = S->leak; }

void sim_leak_clear(void)
{
	memset(S->canary, 0, sizeof(S->canary));
	memset(&S->leak, 0, sizeof(S->leak));
	memset(S->leak_seen, 0, sizeof(S->leak_seen));
}
