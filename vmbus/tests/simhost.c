/* One fresh simulated machine for host tests and benchmarks (see simhost.h). */
#include <stdio.h>

#include "vmbus/tests/simhost.h"
#include "rt/vmbus_up.h"
#include "vmbus/vmbus_api.h"
#include "mem/mem.h"
#include "hv/ident.h"
#include "arch/x86_64/hw.h"

/* As rt/kernel.c's in an image: the first API call brings VMBus up; log and trace
 * lines go to simhost_console (NULL: dropped). */
void (*simhost_console)(const char *line);

static void console_line(const char *line)
{
	if (simhost_console)
		simhost_console(line);
}

char simhost_log[16384];
size_t simhost_log_len;

static void capture_line(const char *line)
{
	if (simhost_log_len < sizeof(simhost_log))
		simhost_log_len += (size_t)snprintf(simhost_log + simhost_log_len,
						    sizeof(simhost_log) - simhost_log_len, "%s\n", line);
	if (simhost_log_len > sizeof(simhost_log))
		simhost_log_len = sizeof(simhost_log);
}

void simhost_capture(void)
{
	simhost_log_len = 0;
	simhost_log[0] = 0;
	simhost_console = capture_line;
}

/* The simulated machine of this test, identified afresh (each test makes a new one). */
static int start(void)
{
	static struct hv_ident id;
	hv_ident_detect(hw_cpuid, &id);
	return rt_vmbus_start(&id);
}

const struct vmbus_platform_ops vmbus_platform_ops = {
	.start = start, .log = console_line, .trace = console_line,
	.policy = rt_vmbus_policy_option,       /* rt_options_init's argv, as in an image */
};

int simhost_start(const struct sim_config *cfg, uint64_t *free_pages)
{
	if (sim_init(cfg) != 0)
		return -1;
	mem_page_reset();
	rt_vmbus_reset();
	uint64_t gpa, n;
	if (sim_ram_free_range(&gpa, &n) != 0 || mem_page_add_range(gpa, n) != 0)
		return -1;
	if (free_pages)
		*free_pages = mem_page_free_count();
	return 0;
}
