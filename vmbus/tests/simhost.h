/* Host tests and benchmarks of the runtime against sim/: one fresh machine. */
#ifndef UMBRA_VMBUS_TESTS_SIMHOST_H
#define UMBRA_VMBUS_TESTS_SIMHOST_H

#include <stddef.h>
#include <stdint.h>
#include "sim/sim.h"

/* Create the machine cfg describes, forget the runtime's pages, VMBus and isolation
 * state, and hand the simulator's free RAM to the page allocator. 0, or -1 on failure;
 * *free_pages (optional) = the allocator's free pages right after. */
int simhost_start(const struct sim_config *cfg, uint64_t *free_pages);

/* simhost.c defines vmbus_platform_ops (vmbus/vmbus_api.h): start = rt_vmbus_start on the
 * simulated machine (identified afresh); the
 * log and trace lines (one line each, no newline) go here when set. */
extern void (*simhost_console)(const char *line);
/* Capture those lines (newline-terminated, cut at the buffer's end) into simhost_log from
 * now on, starting empty. */
extern char simhost_log[16384];
extern size_t simhost_log_len;
void simhost_capture(void);

#endif
