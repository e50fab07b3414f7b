/*
 * The confidentiality policy (include/umbra/vmbus.h, "Confidentiality policy"): its
 * state and the checks the client API and the runtime's bring-up make. Every refusal is
 * UMBRA_EPOLICY and logs one line saying why (vmbus_log).
 */
#ifndef UMBRA_VMBUS_POLICY_H
#define UMBRA_VMBUS_POLICY_H

#include <stdbool.h>
#include <stdint.h>

struct vmbus_ch;

/* The policy enforced: the app's flags | the platform's (vmbus_platform_ops.policy,
 * read on the first call and kept). */
unsigned vmbus_policy_effective(void);

/* The bring-up was refused by the policy (rt/vmbus_up.c): later calls that need the
 * connection return UMBRA_EPOLICY. */
void vmbus_policy_refused(void);
/* What a call that needs the connection returns without one: UMBRA_EPOLICY after a
 * refused bring-up, else UMBRA_ENODEV. */
int vmbus_policy_down_rc(void);

/* vmbus_open of relid, whose offer has offer_flags, with vmbus_open_params.flags
 * open_flags: 0 and *private_only (the channel keeps the policy until closed);
 * UMBRA_EINVAL for unknown open flags; UMBRA_EPOLICY (logged) if the channel must be
 * private and its ring would be host-visible (no 0x2). Decided before anything is
 * allocated or posted. */
int vmbus_policy_open(uint32_t relid, uint16_t offer_flags, uint32_t open_flags,
		      bool *private_only);

/* ch is about to put the app's data into host-visible memory: bounce = a transfer
 * through the pool, else a vmbus_buffer handed out host-visible. 0 if the policy allows
 * it, else UMBRA_EPOLICY (logged). */
int vmbus_policy_host_visible(const struct vmbus_ch *ch, bool bounce);

/* Forget the app's flags, the platform's and the refusal (tests re-creating the
 * machine; rt_vmbus_reset). */
void vmbus_policy_reset(void);

#endif
