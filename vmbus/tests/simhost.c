/* One fresh simulated machine for host tests and benchmarks (see simhost.h). */
#include "vmbus/tests/simhost.h"
#include "vmbus/vmbus_platform.h"
#include "mem/mem.h"

int simhost_start(const struct sim_config *cfg, uint64_t *free_pages)
{
	if (sim_init(cfg) != 0)
		return -1;
	mem_page_reset();
	vmbus_platform_reset();
	uint64_t gpa, n;
	if (sim_ram_free_range(&gpa, &n) != 0 || mem_page_add_range(gpa, n) != 0)
		return -1;
	if (free_pages)
		*free_pages = mem_page_free_count();
	return 0;
}
