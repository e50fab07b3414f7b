/* An application built outside the Umbra tree (see Makefile: three lines). */
#include <umbra/umbra.h>

#include "greet.h"

int app_main(int argc, char **argv)
{
	struct umbra_meminfo mi;
	void *page = NULL;

	greet(argc > 1 ? argv[1] : "world");
	if (umbra_page_alloc(1, &page) == 0 && umbra_mem_info(&mi) == 0)
		umbra_printf("outoftree: page %p, %llu of %llu pages free\n", page,
			     (unsigned long long)mi.free_pages, (unsigned long long)mi.total_pages);
	umbra_printf("outoftree: done after %llu us\n", (unsigned long long)(umbra_time_ns() / 1000));
	return 0;
}
