/* apps/echo: what main.c (echo traffic, rescind, timeouts) and gpa.c (GPA-direct
 * devices and transfers) share. */
#ifndef ECHO_ECHO_H
#define ECHO_ECHO_H

#include <stdbool.h>
#include <stdint.h>
#include <umbra/umbra.h>
#include <umbra/vmbus.h>

#define ECHO_MAX_REPORTS 10   /* failure lines printed; the rest are only counted */

extern int echo_failures;

#define ECHO_CHECK(cond, ...)                                                 \
	do {                                                                      \
		if (!(cond) && ++echo_failures <= ECHO_MAX_REPORTS) {                 \
			umbra_printf("echo: FAIL line %d: ", __LINE__);                  \
			umbra_printf(__VA_ARGS__);                                        \
			umbra_printf("\n");                                               \
		}                                                                     \
	} while (0)

static inline const char *echo_yn(int b) { return b ? "yes" : "no"; }

/* The simulator's GPA-direct device class ("umbra-sim-dev-02", SIM_DEV_GPA_DIRECT). */
extern const struct vmbus_guid ECHO_GPA_CLASS;

/* Every GPA-direct offer: open it, check device-written and device-read buffers of the
 * channel's kind (vmbus_buffer_alloc + vmbus_send_gpa_direct) and the app's own private
 * memory (vmbus_xfer_send: in place with confidential external memory, bounced
 * otherwise), close. Returns how many devices were tested. */
unsigned echo_gpa_all(void);

#endif
