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
 * A refused direct post, or 0x10 not granted, is logged as "umbra: WARN vmbus: ...".
 *
 * The confidentiality policy (include/umbra/vmbus.h): with VMBUS_POLICY_PRIVATE_CONNECTION
 * in effect the bring-up is UMBRA_EPOLICY, logged, wherever the connection would not be
 * confidential: no isolation or no CPUID bit (before the SynIC or any page is touched),
 * a refused direct post (SynIC shut down, no fallback, nothing posted by the bypass
 * route), 0x10 not granted (Unload by the direct route, SynIC shut down).
 *
 * Depends only on layers below rt/ (vmbus/, synic/, mem/, hw.h) and rt/options.c, so
 * host tests link it against sim/. Nothing below calls it by name: rt/kernel.c's vmbus_platform_ops
 * (vmbus/vmbus_api.h) makes rt_vmbus_start the bring-up of the first API call and, once
 * up, registers rt_vmbus_exit as the clean-exit hook; host tests define their own
 * vmbus_platform_ops (vmbus/tests/simhost.c). Log and trace lines go to its log / trace.
 */
#ifndef UMBRA_RT_VMBUS_UP_H
#define UMBRA_RT_VMBUS_UP_H

#include <stdbool.h>
#include "synic/synic.h"
#include "hv/ident.h"

/* Bring VMBus up once (later calls return the first result). 0, UMBRA_ENODEV (no
 * Hyper-V), UMBRA_ENOTSUP (isolated VM without a paravisor) or the connect error. */
int rt_vmbus_start(const struct hv_ident *id);
/* Unload and shut the SynIC down (channels must be closed). */
int rt_vmbus_stop(void);
/* The clean-exit hook: close what the app left open (bounded waits each), unload, SynIC
 * off, log "vmbus: unload at exit: ...". Does nothing unless VMBus is up. */
void rt_vmbus_exit(void);
/* What discovery found (valid after rt_vmbus_start). */
const struct synic_config *rt_vmbus_config(void);
/* Whether the fallback path was taken after a refused direct post. */
bool rt_vmbus_fell_back(void);
/* The load option of the confidentiality policy (include/umbra/vmbus.h, "Confidentiality
 * policy"; registered in rt/options.c): "private" = VMBUS_POLICY_PRIVATE,
 * "private-connection" = VMBUS_POLICY_PRIVATE_CONNECTION, absent or invalid = 0. It is
 * vmbus_platform_ops.policy (rt/kernel.c, vmbus/tests/simhost.c): it only adds to the
 * app's policy. */
#define RT_VMBUS_POLICY_OPTION "umbra.vmbus.policy"
unsigned rt_vmbus_policy_option(void);
/* Forget everything (tests that re-create the machine). */
void rt_vmbus_reset(void);

#ifdef UMBRA_HOST
/* Test-only: give the host PFNs of host-visible memory with the shared-GPA boundary
 * (the other form of the switch in rt/vmbus_up.c). */
extern bool rt_vmbus_test_pfn_boundary;
#endif

#endif
