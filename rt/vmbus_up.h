/*
 * The runtime's VMBus bring-up: discovery, SynIC (synic/), connection with the
 * paravisor-first / fallback decision, and the public API bound to it.
 *
 * Decision (CPUID bit and trial): Confidential VMBus is attempted only when the VM is
 * isolated, a paravisor is present AND CPUID 0x40000082 EAX bit 3 says it is available
 * (what upstream Linux and OpenHCL rely on). When attempted, the InitiateContact is posted
 * by the direct route; if that post itself fails (e.g. INVALID_CONNECTION_ID) the SynIC is
 * reconfigured for the fallback (paravisor SINT2 proxied) and the same message is resent
 * through GHCB/TDCALL (mu_msvm's rule). A negative VersionResponse only moves to the next
 * version. Without the bit (legacy paravisor) the fallback configuration is used directly:
 * no trial, so a paravisor that answers a direct post with silence cannot cost a timeout.
 */
#ifndef UMBRA_VMBUS_PLATFORM_H
#define UMBRA_VMBUS_PLATFORM_H

#include <stdbool.h>
#include "synic/synic.h"

/* Bring VMBus up once (later calls return the first result). 0, UMBRA_ENODEV (no
 * Hyper-V), UMBRA_ENOTSUP (isolated VM without a paravisor) or the connect error. */
int vmbus_platform_start(void);
/* Unload and shut the SynIC down (channels must be closed). */
int vmbus_platform_stop(void);
/* What discovery found (valid after vmbus_platform_start). */
const struct synic_config *vmbus_platform_config(void);
/* Whether the fallback path was taken after a refused direct post. */
bool vmbus_platform_fell_back(void);
/* Forget everything (tests that re-create the machine). */
void vmbus_platform_reset(void);

#ifdef UMBRA_HOST
/* Test-only: give the host PFNs of host-visible memory with the shared-GPA boundary
 * (the other form of the switch in vmbus_platform.c). */
extern bool vmbus_platform_test_pfn_boundary;
#endif

#endif
