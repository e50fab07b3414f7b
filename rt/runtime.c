/* The application API of include/umbra/umbra.h on top of arch/, boot/ and mem/. */
#include <umbra/umbra.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/hw.h"
#include "boot/runtime.h"
#include "lib/fmt.h"
#include "mem/mem.h"
#include "rt/runtime.h"

#define PRINT_BUF 512

static const struct boot_memmap_result *memmap;

void rt_set_memmap(const struct boot_memmap_result *res)
{
	memmap = res;
}

int umbra_vprintf(const char *fmt, va_list ap)
{
	if (!fmt)
		return UMBRA_EINVAL;
	return boot_vprintf(fmt, ap);
}

int umbra_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = umbra_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void umbra_log(const char *fmt, ...)
{
	char buf[PRINT_BUF];
	va_list ap;
	uint64_t us = arch_now_ns() / 1000;

	if (!fmt)
		return;
	int p = fmt_snprintf(buf, sizeof buf, "[%8llu us] ", (unsigned long long)us);
	va_start(ap, fmt);
	fmt_vsnprintf(buf + p, sizeof buf - (size_t)p, fmt, ap);
	va_end(ap);
	boot_printf("%s", buf);
}

uint64_t umbra_time_ns(void)
{
	return arch_now_ns();
}

void umbra_sleep_ns(uint64_t ns)
{
	uint64_t start = arch_now_ns();
	uint64_t end = start + ns < start ? UINT64_MAX : start + ns;

	for (uint64_t now = start; now < end; now = arch_now_ns())
		arch_wait_for_interrupt(end - now);
}

uint64_t umbra_timer_ticks(void)
{
	return arch_timer_ticks();
}

void *umbra_alloc(size_t size)
{
	return mem_alloc(size);
}

void *umbra_zalloc(size_t size)
{
	return mem_zalloc(size);
}

int umbra_free(void *ptr)
{
	return mem_free(ptr);
}

int umbra_page_alloc(size_t npages, void **out)
{
	uint64_t gpa;

	if (!out || !npages)
		return UMBRA_EINVAL;
	*out = NULL;
	int rc = mem_page_alloc(npages, 1, &gpa);
	if (rc < 0)
		return rc;
	*out = hw_phys_to_virt(gpa);
	return 0;
}

int umbra_page_free(void *pages, size_t npages)
{
	if (!pages || !npages || ((uintptr_t)pages & (MEM_PAGE_SIZE - 1)))
		return UMBRA_EINVAL;
	return mem_page_free(hw_virt_to_phys(pages), npages);
}

int umbra_mem_info(struct umbra_meminfo *out)
{
	if (!out)
		return UMBRA_EINVAL;
	out->total_pages = mem_page_total_count();
	out->free_pages = mem_page_free_count();
	return 0;
}

int umbra_reserved_region(unsigned i, uint64_t *base, uint64_t *npages)
{
	if (!base || !npages)
		return UMBRA_EINVAL;
	if (!memmap || i >= memmap->reserved_count)
		return UMBRA_ENOENT;
	*base = memmap->reserved[i].base;
	*npages = memmap->reserved[i].npages;
	return 0;
}

static void (*exit_hook)(void);

void rt_set_exit_hook(void (*fn)(void))
{
	exit_hook = fn;
}

void rt_run_exit_hook(void)
{
	void (*fn)(void) = exit_hook;
	exit_hook = NULL;
	if (fn)
		fn();
}

_Noreturn void umbra_exit(int status)
{
	rt_run_exit_hook();
	boot_poweroff(status);
}
