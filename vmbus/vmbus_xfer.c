/* The public client API: transfers of the app's own memory, in place (confidential
 * external memory) or through the shared bounce pool (everything else). */
#include "vmbus/vmbus_api_int.h"
#include "lib/string.h"

#ifdef UMBRA_HOST
bool vmbus_test_bounce_confidential;
#define BOUNCE_CONFIDENTIAL vmbus_test_bounce_confidential
#else
#define BOUNCE_CONFIDENTIAL false
#endif

#define POOL_WAIT_SLICE_NS 1000000ull

static uint64_t g_pfns[VMBUS_GPA_MAX_PAGES];

int vmbus_bounce_pool_pages(uint32_t pages)
{
	if (pages == 0 || pages > MEM_BOUNCE_MAX_PAGES)
		return UMBRA_EINVAL;
	if (vmbus_api_s.pool.pages)
		return UMBRA_EBUSY;
	vmbus_api_s.pool_want = pages;
	return 0;
}

int vmbus_bounce_info(struct vmbus_bounce_info *out)
{
	if (!out)
		return UMBRA_EINVAL;
	const struct mem_bounce *p = &vmbus_api_s.pool;
	*out = (struct vmbus_bounce_info){
		.pages = p->pages, .in_use = p->in_use, .high_water = p->high_water,
		.takes = p->takes, .exhausted = p->exhausted,
	};
	return 0;
}

/* The pool, made on first use from host-visible pages. */
static int pool_get(void)
{
	struct mem_bounce *p = &vmbus_api_s.pool;
	if (p->pages)
		return 0;
	uint32_t n = vmbus_api_s.pool_want ? vmbus_api_s.pool_want : VMBUS_BOUNCE_DEFAULT_PAGES;
	uint64_t gpa;
	void *va;
	int rc = vmbus_pages_get(n, true, &gpa, &va);
	if (rc)
		return rc;
	rc = mem_bounce_init(p, gpa, va, n);
	if (rc)
		vmbus_pages_put(gpa, n, true);
	return rc;
}

void vmbus_api_release(void)
{
	struct mem_bounce *p = &vmbus_api_s.pool;
	for (int i = 0; i < VMBUS_API_MAX_OPEN; i++)
		if (vmbus_api_s.ch[i].used)
			vmbus_xfers_release(&vmbus_api_s.ch[i]);
	if (p->pages)
		vmbus_pages_put(p->gpa, p->pages, true);
	memset(p, 0, sizeof(*p));
}

void vmbus_xfers_release(struct vmbus_ch *ch)
{
	for (int i = 0; i < VMBUS_API_MAX_XFERS; i++) {
		struct vmbus_xrec *r = &ch->xfers[i];
		if (r->seq)
			mem_bounce_put(&vmbus_api_s.pool, r->pool_gpa, r->pages);
		memset(r, 0, sizeof(*r));
	}
}

uint64_t vmbus_xfers_quarantine(struct vmbus_ch *ch)
{
	uint64_t q = 0;
	for (int i = 0; i < VMBUS_API_MAX_XFERS; i++) {
		struct vmbus_xrec *r = &ch->xfers[i];
		if (r->seq)
			q += r->pages;          /* stays taken in the pool: never reused */
		memset(r, 0, sizeof(*r));
	}
	return q;
}

/* The condition of a pool wait from inside a callback (no callback can release pages
 * then): the channel failed or was rescinded, or it has an event. */
static bool pool_wait_ready(void *arg)
{
	return vmbus_ch_ready(arg);
}

/* Pool pages for a transfer on ch, waiting (bounded) if the app asked for it. */
static int pool_take(struct vmbus_ch *ch, uint32_t pages, uint64_t timeout_ns,
		     uint64_t *gpa, void **va)
{
	int rc = pool_get();
	if (rc)
		return rc;
	uint64_t start = vmbus_api_now();
	for (;;) {
		rc = mem_bounce_take(&vmbus_api_s.pool, pages, gpa, va);
		if (rc != UMBRA_ENOBUFS || timeout_ns == 0)
			return rc;
		uint64_t el = vmbus_api_now() - start;
		if (el >= timeout_ns)
			return UMBRA_ETIMEDOUT;
		uint64_t slice = timeout_ns - el < POOL_WAIT_SLICE_NS ? timeout_ns - el : POOL_WAIT_SLICE_NS;
		if (vmbus_api_s.in_dispatch) {
			ch->event = false;
			vmbus_api_wait(slice, pool_wait_ready, ch);
		} else
			vmbus_dispatch(slice);      /* callbacks may call vmbus_xfer_done */
	}
}

static int free_slot(const struct vmbus_ch *ch)
{
	for (int i = 0; i < VMBUS_API_MAX_XFERS; i++)
		if (!ch->xfers[i].seq)
			return i;
	return -1;
}

static int send_pages(struct vmbus_ch *ch, uint64_t gpa, size_t len, bool shared,
		      const void *data, size_t dlen, uint64_t trans_id, unsigned flags)
{
	struct ring_gpa_range r;
	vmbus_gpa_run(gpa, (uint32_t)len, shared, g_pfns, &r);
	return vmbus_tx_result(ch, ring_tx_gpa_direct(&ch->rp.tx, &r, 1, data, dlen, trans_id,
						    (flags & VMBUS_SEND_COMPLETION_REQUESTED) != 0));
}

int vmbus_xfer_send(struct vmbus_channel *h, void *buf, size_t len, unsigned dir,
		    const void *data, size_t data_len, uint64_t trans_id, unsigned flags,
		    uint64_t pool_timeout_ns, struct vmbus_xfer *x)
{
	struct vmbus_ch *ch;
	int rc = vmbus_tx_check(h, &ch);
	if (rc)
		return rc;
	uintptr_t off = (uintptr_t)buf & 4095;
	if (!x || !buf || len == 0 || len > VMBUS_GPA_MAX_PAGES * 4096ull - off ||
	    dir == 0 || (dir & ~(VMBUS_XFER_TO_HOST | VMBUS_XFER_FROM_HOST)) ||
	    (data_len && !data) || (flags & ~VMBUS_SEND_COMPLETION_REQUESTED))
		return UMBRA_EINVAL;
	memset(x, 0, sizeof(*x));
	if (ch->conf_ext && !BOUNCE_CONFIDENTIAL) {
		/* Confidential external memory: the device reads and writes the app's private
		 * pages where they are. Never copied anywhere. */
		uint64_t gpa;
		if (!vmbus_api_s.ops.private_range)
			return UMBRA_EPERM;
		rc = vmbus_api_s.ops.private_range(vmbus_api_s.ops.ctx, buf, len, &gpa);
		if (rc)
			return rc;
		/* Published (a failed signal is owed, not returned): the transfer is live and
		 * the device may write the buffer until its completion. */
		rc = send_pages(ch, gpa, len, false, data, data_len, trans_id, flags);
		if (rc)
			return rc;
		*x = (struct vmbus_xfer){ .ch = h, .buf = buf, .len = len, .dir = dir };
		return 0;
	}
	rc = vmbus_policy_host_visible(ch, true);
	if (rc)
		return rc;      /* the bounce would make the app's data host-visible */
	if (free_slot(ch) < 0)
		return UMBRA_EBUSY;     /* before waiting for the pool */
	uint32_t pages = (uint32_t)((len + 4095) / 4096);
	uint64_t pgpa;
	void *pva;
	rc = pool_take(ch, pages, pool_timeout_ns, &pgpa, &pva);
	if (rc)
		return rc;
	/* The wait may have run callbacks: they may have closed or rescinded the channel (and
	 * opened another in its slot: the handle tells) or started transfers of their own.
	 * The record slot is chosen only now. */
	rc = vmbus_ch_get(h, &ch) ? UMBRA_ECLOSED : vmbus_ch_rescinded(ch) ? UMBRA_ERESCINDED : 0;
	int slot = rc ? -1 : free_slot(ch);
	if (!rc && slot < 0)
		rc = UMBRA_EBUSY;
	if (rc) {
		mem_bounce_put(&vmbus_api_s.pool, pgpa, pages);
		return rc;
	}
	if (dir & VMBUS_XFER_TO_HOST)
		memcpy(pva, buf, len);           /* exposed only now; the rest stays zero */
	rc = send_pages(ch, pgpa, len, true, data, data_len, trans_id, flags);
	if (rc) {
		mem_bounce_put(&vmbus_api_s.pool, pgpa, pages);
		return rc;
	}
	if (++vmbus_api_s.xfer_seq == 0)
		vmbus_api_s.xfer_seq = 1;
	ch->xfers[slot] = (struct vmbus_xrec){
		.pool_gpa = pgpa, .pool_va = pva, .pages = pages, .seq = vmbus_api_s.xfer_seq,
		.buf = buf, .len = len, .dir = dir,
	};
	*x = (struct vmbus_xfer){
		.ch = h, .buf = buf, .len = len, .dir = dir, .bounced = true,
		.slot = (uint32_t)slot, .seq = vmbus_api_s.xfer_seq,
	};
	return 0;
}

int vmbus_xfer_done(struct vmbus_xfer *x)
{
	if (!x)
		return UMBRA_EINVAL;
	struct vmbus_ch *ch;
	int rc = vmbus_ch_get(x->ch, &ch);
	if (rc)
		return rc;
	if (!x->bounced)
		return x->buf ? 0 : UMBRA_EINVAL;       /* in place: nothing to copy or release */
	if (x->slot >= VMBUS_API_MAX_XFERS || !x->seq || ch->xfers[x->slot].seq != x->seq)
		return UMBRA_EINVAL;
	struct vmbus_xrec *r = &ch->xfers[x->slot];
	/* x is only a handle: what is copied where comes from the record alone. */
	if (x->buf != r->buf || x->len != r->len || x->dir != r->dir)
		return UMBRA_EINVAL;
	if (r->dir & VMBUS_XFER_FROM_HOST)
		memcpy(r->buf, r->pool_va, r->len);   /* out right after the device is done */
	mem_bounce_put(&vmbus_api_s.pool, r->pool_gpa, r->pages);
	memset(r, 0, sizeof(*r));
	x->seq = 0;
	return 0;
}
