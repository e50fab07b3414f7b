/*
 * memtest: the page allocator and the heap seen from an application.
 *
 * Pages: allocate chunks (16 pages, then single pages) until the allocator says no, and check
 * every chunk: page aligned, zeroed, outside every umbra_reserved_region(), not covering this
 * app's code, data or stack, and not overlapping any other chunk (each chunk carries a
 * pattern derived from its address; an overlap overwrites a neighbour's pattern). Then check
 * the free count reached 0 and matches, free everything, check that a double free and a
 * bogus free are refused, and allocate the same number of pages again.
 * Heap: the same with umbra_alloc blocks of mixed sizes (16-byte alignment, patterns,
 * reserved regions, umbra_zalloc zeroing, double/bogus free refused, same count again).
 *
 * Static state: a 1 MiB zero-initialised array (.bss, which has no file contents: linker.ld)
 * must read as zero, be writable, and never be handed out by the page allocator or the heap
 * (the loader zero-fills it and reserves it with the image).
 *
 * Prints "memtest: PASS" and exits 0, or "memtest: FAIL ..." and exits 1. With argv "fill"
 * every allocated page is overwritten completely (see mt_fill).
 */
#include <umbra/umbra.h>

#define MT_PAGE 4096ull
#define MT_MAGIC 0x6d656d7465737421ull

static int mt_failures;
static uint64_t mt_static_word = 1;
#define MT_BSS_BYTES (1024u * 1024u)
static uint64_t mt_bss[MT_BSS_BYTES / 8];

#define MT_CHECK(cond, ...)                                                   \
	do {                                                                      \
		if (!(cond)) {                                                        \
			if (mt_failures++ < 10) {                                         \
				umbra_printf("memtest: FAIL line %d: ", __LINE__);           \
				umbra_printf(__VA_ARGS__);                                    \
				umbra_printf("\n");                                           \
			}                                                                 \
		}                                                                     \
	} while (0)

/* Chunk header at the start of every allocated page run (the list lives in the pages). */
struct mt_chunk {
	struct mt_chunk *next;
	uint64_t npages;
	uint64_t tag; /* address ^ MT_MAGIC */
};

static int mt_overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Returns 1 when [base, base+len) overlaps a firmware region the runtime must never hand out. */
static int mt_hits_reserved(uint64_t base, uint64_t len, uint64_t *rbase_out)
{
	uint64_t rb, rn;
	for (unsigned i = 0; umbra_reserved_region(i, &rb, &rn) == 0; i++) {
		if (mt_overlaps(base, len, rb, rn * MT_PAGE)) {
			*rbase_out = rb;
			return 1;
		}
	}
	return 0;
}

/* Returns 1 when [base, base+len) covers this app's own code, data, .bss or current stack. */
static int mt_hits_self(uint64_t base, uint64_t len)
{
	if (mt_overlaps(base, len, (uint64_t)(uintptr_t)mt_bss, MT_BSS_BYTES))
		return 1;
	volatile uint64_t local = 0;
	uint64_t probes[] = { (uint64_t)(uintptr_t)&app_main, (uint64_t)(uintptr_t)&mt_static_word,
			      (uint64_t)(uintptr_t)&local };
	for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (probes[i] >= base && probes[i] < base + len)
			return 1;
	return 0;
}

static int mt_page_zeroed(const uint64_t *w, int full)
{
	unsigned step = full ? 1 : 61;
	for (unsigned i = 0; i < MT_PAGE / 8; i += step)
		if (w[i])
			return 0;
	return w[MT_PAGE / 8 - 1] == 0;
}

/* argv "fill": overwrite every word of every page first, so that a page the allocator should
 * never have handed out (runtime-services code or data, ACPI tables) is destroyed and the
 * final UEFI ResetSystem or ACPI S5 power-off breaks, independently of umbra_reserved_region. */
static int mt_fill;

static void mt_stamp_page(uint64_t *w)
{
	uint64_t v = (uint64_t)(uintptr_t)w ^ MT_MAGIC;
	if (mt_fill)
		for (unsigned i = 0; i < MT_PAGE / 8; i++)
			w[i] = v ^ (0x9e3779b97f4a7c15ull * i);
	w[8] = v;
	w[MT_PAGE / 16] = ~v;
	w[MT_PAGE / 8 - 1] = v + 1;
}

static int mt_page_stamped(const uint64_t *w)
{
	uint64_t v = (uint64_t)(uintptr_t)w ^ MT_MAGIC;
	return w[8] == v && w[MT_PAGE / 16] == ~v && w[MT_PAGE / 8 - 1] == v + 1;
}

/* Allocates chunks of `size` pages until refused; pushes them on *list. Returns pages taken. */
static uint64_t mt_take_pages(struct mt_chunk **list, size_t size, uint64_t limit, uint64_t *nchunks)
{
	uint64_t taken = 0;
	while (taken + size <= limit) {
		void *p = 0;
		int rc = umbra_page_alloc(size, &p);
		if (rc != 0) {
			MT_CHECK(rc == UMBRA_ENOMEM, "page_alloc(%zu) returned %d (%s), expected ENOMEM", size,
				 rc, umbra_strerror(rc));
			break;
		}
		uint64_t base = (uint64_t)(uintptr_t)p, rb = 0;
		MT_CHECK(p != 0 && base % MT_PAGE == 0, "page_alloc gave unaligned %p", p);
		if (p == 0 || base % MT_PAGE)
			break;
		MT_CHECK(!mt_hits_reserved(base, size * MT_PAGE, &rb),
			 "pages %p+%zu overlap reserved region at 0x%llx", p, size, (unsigned long long)rb);
		MT_CHECK(!mt_hits_self(base, size * MT_PAGE), "pages %p+%zu cover the app's own memory", p, size);
		for (size_t i = 0; i < size; i++) {
			uint64_t *w = (uint64_t *)(uintptr_t)(base + i * MT_PAGE);
			MT_CHECK(mt_page_zeroed(w, (taken + i) % 64 == 0), "page %p not zeroed", (void *)w);
			mt_stamp_page(w);
		}
		struct mt_chunk *c = p;
		c->next = *list;
		c->npages = size;
		c->tag = base ^ MT_MAGIC;
		*list = c;
		taken += size;
		(*nchunks)++;
	}
	return taken;
}

static uint64_t mt_verify_pages(struct mt_chunk *list)
{
	uint64_t pages = 0;
	for (struct mt_chunk *c = list; c; c = c->next) {
		uint64_t base = (uint64_t)(uintptr_t)c;
		MT_CHECK(c->tag == (base ^ MT_MAGIC), "chunk %p header overwritten", (void *)c);
		for (uint64_t i = 0; i < c->npages; i++)
			MT_CHECK(mt_page_stamped((uint64_t *)(uintptr_t)(base + i * MT_PAGE)),
				 "page %p (chunk %p) overwritten: overlapping allocations",
				 (void *)(uintptr_t)(base + i * MT_PAGE), (void *)c);
		pages += c->npages;
	}
	return pages;
}

static uint64_t mt_free_pages_list(struct mt_chunk *list, struct mt_chunk **first_freed, uint64_t *first_n)
{
	uint64_t pages = 0;
	while (list) {
		struct mt_chunk *next = list->next;
		uint64_t n = list->npages;
		int rc = umbra_page_free(list, n);
		MT_CHECK(rc == 0, "page_free(%p, %llu) = %d", (void *)list, (unsigned long long)n, rc);
		if (!*first_freed) {
			*first_freed = list;
			*first_n = n;
		}
		pages += n;
		list = next;
	}
	return pages;
}

static uint64_t mt_free_now(void)
{
	struct umbra_meminfo mi = { 0, 0 };
	int rc = umbra_mem_info(&mi);
	MT_CHECK(rc == 0, "mem_info = %d", rc);
	return mi.free_pages;
}

static void mt_pages(void)
{
	struct umbra_meminfo mi = { 0, 0 };
	MT_CHECK(umbra_mem_info(&mi) == 0, "mem_info failed");
	MT_CHECK(umbra_mem_info(0) < 0, "mem_info(NULL) accepted");
	uint64_t free0 = mi.free_pages, nres = 0, rb, rn, rpages = 0;
	for (; umbra_reserved_region((unsigned)nres, &rb, &rn) == 0; nres++)
		rpages += rn;
	umbra_printf("memtest: pages total=%llu free=%llu reserved_regions=%llu reserved_pages=%llu\n",
		     (unsigned long long)mi.total_pages, (unsigned long long)free0,
		     (unsigned long long)nres, (unsigned long long)rpages);
	MT_CHECK(nres > 0, "no reserved regions reported (OVMF always has runtime-services memory)");
	MT_CHECK(free0 > 0 && free0 <= mi.total_pages, "free %llu of total %llu", (unsigned long long)free0,
		 (unsigned long long)mi.total_pages);

	struct mt_chunk *list = 0;
	uint64_t nchunks = 0;
	uint64_t taken = mt_take_pages(&list, 16, ~0ull, &nchunks);
	taken += mt_take_pages(&list, 1, ~0ull, &nchunks);
	uint64_t free_ex = mt_free_now();
	umbra_printf("memtest: pages allocated=%llu in %llu chunks, free after exhaustion=%llu\n",
		     (unsigned long long)taken, (unsigned long long)nchunks, (unsigned long long)free_ex);
	MT_CHECK(taken > 0, "no page could be allocated");
	MT_CHECK(free_ex == 0, "allocator refused a page while reporting %llu free", (unsigned long long)free_ex);
	MT_CHECK(taken == free0 - free_ex, "took %llu pages but free dropped by %llu", (unsigned long long)taken,
		 (unsigned long long)(free0 - free_ex));
	MT_CHECK(mt_verify_pages(list) == taken, "chunk list lost pages");

	struct mt_chunk *first = 0;
	uint64_t first_n = 0;
	MT_CHECK(mt_free_pages_list(list, &first, &first_n) == taken, "freed a different page count");
	MT_CHECK(mt_free_now() == free0, "free count %llu after freeing all, was %llu",
		 (unsigned long long)mt_free_now(), (unsigned long long)free0);
	int rc = umbra_page_free(first, first_n);
	MT_CHECK(rc < 0, "double page_free(%p) accepted (%d)", (void *)first, rc);
	uint64_t local_page = (uint64_t)(uintptr_t)&rc & ~(MT_PAGE - 1);
	rc = umbra_page_free((void *)(uintptr_t)local_page, 1);
	MT_CHECK(rc < 0, "page_free of the stack page accepted (%d)", rc);
	rc = umbra_page_free((void *)(uintptr_t)0x1001, 1);
	MT_CHECK(rc < 0, "page_free of an unaligned address accepted (%d)", rc);
	void *p = (void *)1;
	MT_CHECK(umbra_page_alloc(0, &p) < 0, "page_alloc(0) accepted");
	MT_CHECK(umbra_page_alloc(1, 0) < 0, "page_alloc(1, NULL) accepted");
	MT_CHECK(mt_free_now() == free0, "free count changed by refused calls");

	list = 0;
	nchunks = 0;
	uint64_t again = mt_take_pages(&list, 1, taken, &nchunks);
	MT_CHECK(again == taken, "reallocated only %llu of %llu pages", (unsigned long long)again,
		 (unsigned long long)taken);
	MT_CHECK(mt_verify_pages(list) == again, "overlap after reallocation");
	first = 0;
	mt_free_pages_list(list, &first, &first_n);
	MT_CHECK(mt_free_now() == free0, "free count not restored after the second round");
	umbra_printf("memtest: pages reallocated=%llu, free=%llu\n", (unsigned long long)again,
		     (unsigned long long)mt_free_now());
}

/* Heap blocks: a list threaded through the blocks themselves. Every size in mt_sizes
 * exceeds the header, so the stamped last byte lies outside it. */
struct mt_block {
	struct mt_block *next;
	uint64_t size;
	uint64_t tag;
};

static const size_t mt_sizes[] = { 25, 40, 200, 1000, 64, 4000, 33, 520, 16384, 100 };
#define MT_NSIZES (sizeof(mt_sizes) / sizeof(mt_sizes[0]))

static void mt_block_stamp(struct mt_block *b)
{
	unsigned char *bytes = (unsigned char *)b;
	b->tag = (uint64_t)(uintptr_t)b ^ MT_MAGIC ^ b->size;
	bytes[b->size - 1] = (unsigned char)((uintptr_t)b >> 4);
}

static int mt_block_ok(const struct mt_block *b)
{
	const unsigned char *bytes = (const unsigned char *)b;
	return b->tag == ((uint64_t)(uintptr_t)b ^ MT_MAGIC ^ b->size) &&
	       bytes[b->size - 1] == (unsigned char)((uintptr_t)b >> 4);
}

/* Allocates blocks cycling through mt_sizes until refused or `limit` blocks. */
static uint64_t mt_take_blocks(struct mt_block **list, uint64_t limit, uint64_t *bytes)
{
	uint64_t n = 0;
	*bytes = 0;
	while (n < limit) {
		size_t size = mt_sizes[n % MT_NSIZES];
		int zero = n % 7 == 3;
		struct mt_block *b = zero ? umbra_zalloc(size) : umbra_alloc(size);
		if (!b)
			break;
		uint64_t base = (uint64_t)(uintptr_t)b, rb = 0;
		MT_CHECK(base % 16 == 0, "alloc(%zu) = %p not 16-byte aligned", size, (void *)b);
		MT_CHECK(!mt_hits_reserved(base, size, &rb), "block %p+%zu overlaps reserved region 0x%llx",
			 (void *)b, size, (unsigned long long)rb);
		MT_CHECK(!mt_hits_self(base, size), "block %p+%zu covers the app's own memory", (void *)b, size);
		if (zero) {
			const unsigned char *z = (const unsigned char *)b;
			size_t nz = 0;
			for (size_t i = 0; i < size; i++)
				nz += z[i] != 0;
			MT_CHECK(nz == 0, "zalloc(%zu) = %p has %zu nonzero bytes", size, (void *)b, nz);
		}
		b->next = *list;
		b->size = size;
		mt_block_stamp(b);
		*list = b;
		*bytes += size;
		n++;
	}
	return n;
}

static void mt_heap(void)
{
	MT_CHECK(umbra_alloc(0) == 0, "alloc(0) returned a block");
	umbra_free(0); /* 0 or EINVAL are both fine; it must not crash */

	uint64_t free_before = mt_free_now();
	struct mt_block *list = 0;
	uint64_t bytes = 0;
	uint64_t n = mt_take_blocks(&list, ~0ull, &bytes);
	umbra_printf("memtest: heap blocks=%llu bytes=%llu until exhaustion\n", (unsigned long long)n,
		     (unsigned long long)bytes);
	MT_CHECK(n > MT_NSIZES, "heap gave only %llu blocks", (unsigned long long)n);
	uint64_t seen = 0;
	for (struct mt_block *b = list; b; b = b->next, seen++)
		MT_CHECK(mt_block_ok(b), "block %p (%llu bytes) overwritten: overlapping blocks", (void *)b,
			 (unsigned long long)b->size);
	MT_CHECK(seen == n, "block list has %llu of %llu", (unsigned long long)seen, (unsigned long long)n);

	struct mt_block *first = list;
	while (list) {
		struct mt_block *next = list->next;
		int rc = umbra_free(list);
		MT_CHECK(rc == 0, "free(%p) = %d", (void *)list, rc);
		list = next;
	}
	uint64_t free_after = mt_free_now();
	umbra_printf("memtest: heap freed all blocks: free pages %llu before, %llu after\n",
		     (unsigned long long)free_before, (unsigned long long)free_after);
	/* The heap may keep bookkeeping (its registry table, one empty slab per class) until
	 * trimmed; what it keeps must not grow from one cycle to the next (checked below). */
	int rc = umbra_free(first);
	MT_CHECK(rc == UMBRA_EINVAL, "double free(%p) returned %d, expected EINVAL", (void *)first, rc);
	uint64_t local = 0;
	rc = umbra_free(&local);
	MT_CHECK(rc == UMBRA_EINVAL, "free(stack address) returned %d, expected EINVAL", rc);
	rc = umbra_free(&mt_static_word);
	MT_CHECK(rc == UMBRA_EINVAL, "free(static address) returned %d, expected EINVAL", rc);

	uint64_t bytes2 = 0;
	uint64_t n2 = mt_take_blocks(&list, n, &bytes2);
	/* Exhaustion depends on where the page allocator places the heap's contiguous runs, so
	 * the second round must come within 1 % of the first, not match it exactly. */
	MT_CHECK(n2 * 100 >= n * 99, "heap reallocated only %llu of %llu blocks", (unsigned long long)n2,
		 (unsigned long long)n);
	for (struct mt_block *b = list; b; b = b->next)
		MT_CHECK(mt_block_ok(b), "block %p overwritten after reallocation", (void *)b);
	while (list) {
		struct mt_block *next = list->next;
		MT_CHECK(umbra_free(list) == 0, "free in the second round failed");
		list = next;
	}
	uint64_t free_after2 = mt_free_now();
	MT_CHECK(free_after2 == free_after, "the heap kept %lld more pages after the second cycle",
		 (long long)(free_after - free_after2));
	umbra_printf("memtest: heap reallocated=%llu blocks, free pages %llu after the second cycle\n",
		     (unsigned long long)n2, (unsigned long long)free_after2);
}

/* The .bss array before anything else touches it: all zero, then every word writable. */
static void mt_static_bss(void)
{
	volatile uint64_t *w = mt_bss;
	uint64_t nonzero = 0, bad = 0, n = MT_BSS_BYTES / 8;
	for (uint64_t i = 0; i < n; i++)
		nonzero += w[i] != 0;
	for (uint64_t i = 0; i < n; i++)
		w[i] = i ^ MT_MAGIC;
	for (uint64_t i = 0; i < n; i++)
		bad += w[i] != (i ^ MT_MAGIC);
	umbra_printf("memtest: bss bytes=%u at %p nonzero_words=%llu unwritable_words=%llu\n",
		     MT_BSS_BYTES, (void *)mt_bss, (unsigned long long)nonzero, (unsigned long long)bad);
	MT_CHECK(nonzero == 0, "%llu words of the static array were not zero", (unsigned long long)nonzero);
	MT_CHECK(bad == 0, "%llu words of the static array did not keep what was written",
		 (unsigned long long)bad);
}

static int mt_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

int app_main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (mt_streq(argv[i], "fill"))
			mt_fill = 1;
	if (mt_fill)
		umbra_printf("memtest: fill mode: every allocated page is overwritten\n");
	mt_static_bss();
	mt_pages();
	mt_heap();
	/* The heap must not keep the pages it drew while exhausting memory. */
	void *p = 0;
	MT_CHECK(umbra_page_alloc(1, &p) == 0, "page_alloc after the heap test failed");
	if (p)
		umbra_page_free(p, 1);
	umbra_printf("memtest: %s (%d failures)\n", mt_failures ? "FAIL" : "PASS", mt_failures);
	return mt_failures ? 1 : 0;
}
