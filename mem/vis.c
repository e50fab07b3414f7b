/* Isolation policy: host-visible page records, scrubbing, quarantine (see mem/vis.h). */
#include "mem/vis.h"
#include "mem/mem.h"
#include "arch/x86_64/hw.h"
#include "lib/string.h"
#include <umbra/errno.h>

#define PAGE 4096ull
#define MAX_PAGES (1ull << 20)

struct vis_rec {
	uint64_t gpa, npages;
	bool used, quarantined;
};

static struct {
	bool on;
	struct mem_vis_ops ops;
	uint64_t boundary;
	struct vis_rec r[MEM_VIS_MAX_RANGES];
	struct mem_vis_info st;
} V;

int mem_vis_init(const struct mem_vis_ops *ops, uint64_t boundary)
{
	if (!ops || !ops->change || (boundary & (boundary - 1)) || boundary >= (1ull << 52))
		return UMBRA_EINVAL;
	memset(&V, 0, sizeof(V));
	V.ops = *ops;
	V.boundary = boundary;
	V.on = true;
	return 0;
}

void mem_vis_reset(void)
{
	memset(&V, 0, sizeof(V));
}

bool mem_vis_isolated(void)
{
	return V.on;
}

uint64_t mem_vis_boundary(void)
{
	return V.boundary;
}

static struct vis_rec *rec_free_slot(void)
{
	for (unsigned i = 0; i < MEM_VIS_MAX_RANGES; i++)
		if (!V.r[i].used)
			return &V.r[i];
	return NULL;
}

static void note(const char *what, uint64_t gpa, uint64_t n)
{
	if (V.ops.log)
		V.ops.log(what, gpa, n);
}

static void *alias(uint64_t gpa)
{
	return hw_phys_to_virt(gpa | V.boundary);
}

/* Record [gpa, gpa+n) as host-visible for good. The slot was checked for beforehand. */
static void quarantine(struct vis_rec *slot, uint64_t gpa, uint64_t n)
{
	*slot = (struct vis_rec){ .gpa = gpa, .npages = n, .used = true, .quarantined = true };
	V.st.shared_pages += n;
	V.st.quarantined_pages += n;
	V.st.ranges++;
	note("mem: quarantined pages that did not return to private", gpa, n);
}

/* Change pages to private, one retry for what the first call left; returns how many
 * pages from gpa on are private now. */
static uint64_t make_private(uint64_t gpa, uint64_t n)
{
	uint64_t done = 0;
	for (int tries = 0; tries < 2 && done < n; tries++) {
		uint64_t d = 0;
		memset(alias(gpa + done * PAGE), 0, (size_t)((n - done) * PAGE));
		if (V.ops.change(gpa + done * PAGE, n - done, false, &d) == 0) {
			done = n;
			break;
		}
		V.st.failures++;
		note("mem: visibility change to private failed", gpa + done * PAGE, n - done);
		done += d < n - done ? d : n - done;
	}
	if (done)
		memset(hw_phys_to_virt(gpa), 0, (size_t)(done * PAGE));
	return done;
}

int mem_vis_alloc(uint64_t npages, uint64_t *gpa, void **va)
{
	if (!gpa || !va || npages == 0 || npages > MAX_PAGES)
		return UMBRA_EINVAL;
	*gpa = 0;
	*va = NULL;
	if (!V.on) {
		int rc = mem_page_alloc(npages, 1, gpa);
		if (!rc)
			*va = hw_phys_to_virt(*gpa);
		return rc;
	}
	struct vis_rec *slot = rec_free_slot();
	if (!slot)
		return UMBRA_ENOMEM;
	uint64_t g;
	int rc = mem_page_alloc(npages, 1, &g);   /* zeroed: nothing private goes over */
	if (rc)
		return rc;
	uint64_t done = 0;
	rc = V.ops.change(g, npages, true, &done);
	if (rc) {
		V.st.failures++;
		note("mem: visibility change to host-visible failed", g, npages);
		if (done > npages)
			done = npages;
		uint64_t back = done ? make_private(g, done) : 0;
		if (back < done)
			quarantine(slot, g + back * PAGE, done - back);
		if (back)
			mem_page_free(g, back);
		if (done < npages)
			mem_page_free(g + done * PAGE, npages - done);
		return UMBRA_EIO;
	}
	memset(alias(g), 0, (size_t)(npages * PAGE));
	*slot = (struct vis_rec){ .gpa = g, .npages = npages, .used = true };
	V.st.shared_pages += npages;
	V.st.shared_total += npages;
	V.st.ranges++;
	*gpa = g;
	*va = alias(g);
	return 0;
}

int mem_vis_free(uint64_t gpa, uint64_t npages)
{
	if (!V.on)
		return mem_page_free(gpa, npages);
	struct vis_rec *r = NULL;
	for (unsigned i = 0; i < MEM_VIS_MAX_RANGES && !r; i++)
		if (V.r[i].used && !V.r[i].quarantined && V.r[i].gpa == gpa && V.r[i].npages == npages)
			r = &V.r[i];
	if (!r)
		return UMBRA_EINVAL;
	uint64_t done = make_private(gpa, npages);
	V.st.shared_pages -= npages;
	V.st.ranges--;
	r->used = false;
	if (done)
		mem_page_free(gpa, done);
	if (done < npages) {
		quarantine(r, gpa + done * PAGE, npages - done);
		return UMBRA_EIO;
	}
	return 0;
}

int mem_vis_any_shared(uint64_t gpa, uint64_t npages)
{
	if (!V.on)
		return 1;
	uint64_t a = gpa & ~V.boundary & ~(PAGE - 1), end = a + npages * PAGE;
	for (unsigned i = 0; i < MEM_VIS_MAX_RANGES; i++) {
		const struct vis_rec *r = &V.r[i];
		if (r->used && r->gpa < end && a < r->gpa + r->npages * PAGE)
			return 1;
	}
	return 0;
}

void *mem_vis_va(uint64_t gpa)
{
	gpa &= ~V.boundary;
	if (V.on && mem_vis_any_shared(gpa, 1))
		return alias(gpa);
	return hw_phys_to_virt(gpa);
}

void mem_vis_info(struct mem_vis_info *out)
{
	if (out)
		*out = V.st;
}

int mem_vis_range_get(unsigned i, uint64_t *gpa, uint64_t *npages, bool *quarantined)
{
	for (unsigned k = 0; k < MEM_VIS_MAX_RANGES; k++) {
		if (!V.r[k].used || i-- != 0)
			continue;
		if (gpa)
			*gpa = V.r[k].gpa;
		if (npages)
			*npages = V.r[k].npages;
		if (quarantined)
			*quarantined = V.r[k].quarantined;
		return 0;
	}
	return UMBRA_ENOENT;
}
