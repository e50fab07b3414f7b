/* The confidentiality policy (vmbus/vmbus_policy.h; the contract: include/umbra/vmbus.h,
 * "Confidentiality policy"). */
#include "vmbus/vmbus_policy.h"
#include "vmbus/vmbus_api_int.h"

static unsigned g_app;          /* vmbus_policy_set's flags */
static unsigned g_option;       /* the platform's, once read */
static bool g_option_read;
static bool g_refused;

static unsigned option_flags(void)
{
	if (!g_option_read) {
		g_option = vmbus_platform_ops.policy ? vmbus_platform_ops.policy() & VMBUS_POLICY_PRIVATE : 0;
		g_option_read = true;
	}
	return g_option;
}

unsigned vmbus_policy_effective(void)
{
	return g_app | option_flags();
}

void vmbus_policy_refused(void)
{
	g_refused = true;
}

int vmbus_policy_down_rc(void)
{
	return g_refused ? UMBRA_EPOLICY : UMBRA_ENODEV;
}

int vmbus_policy_get(struct vmbus_policy_info *out)
{
	if (!out)
		return UMBRA_EINVAL;
	*out = (struct vmbus_policy_info){
		.effective = vmbus_policy_effective(), .app = g_app, .option = option_flags(),
		.refused = g_refused,
	};
	return 0;
}

/* What the connection that is up violates of the policy want; 0 when nothing. */
static int violated(unsigned want)
{
	const struct vmbus_conn *c = vmbus_api_s.conn;
	if (!c || !c->connected)
		return 0;
	if ((want & VMBUS_POLICY_PRIVATE_CONNECTION) && !c->confidential) {
		vmbus_log("vmbus: policy private-connection refused: the connection is not "
			  "confidential (host-visible control plane)\n");
		return UMBRA_EPOLICY;
	}
	if (!(want & VMBUS_POLICY_PRIVATE_CHANNELS))
		return 0;
	for (int i = 0; i < VMBUS_API_MAX_OPEN; i++) {
		const struct vmbus_ch *ch = &vmbus_api_s.ch[i];
		if (ch->used && ch->shared_ring) {
			vmbus_log("vmbus: policy private-channels refused: relid %u is open with a "
				  "host-visible ring\n", (unsigned)ch->relid);
			return UMBRA_EPOLICY;
		}
	}
	return 0;
}

int vmbus_policy_set(unsigned flags)
{
	if (flags & ~VMBUS_POLICY_PRIVATE)
		return UMBRA_EINVAL;
	int rc = violated(flags | option_flags());
	if (rc)
		return rc;
	g_app = flags;
	return 0;
}

int vmbus_policy_open(uint32_t relid, uint16_t offer_flags, uint32_t open_flags,
		      bool *private_only)
{
	if (open_flags & ~VMBUS_OPEN_PRIVATE_ONLY)
		return UMBRA_EINVAL;
	bool priv = (open_flags & VMBUS_OPEN_PRIVATE_ONLY) ||
		    (vmbus_policy_effective() & VMBUS_POLICY_PRIVATE_CHANNELS);
	if (priv && !(offer_flags & VMBUS_FLAG_CONFIDENTIAL_RING)) {
		vmbus_log("vmbus: relid %u: open refused by the confidentiality policy: the offer "
			  "has no confidential ring (flags 0x%x), its ring would be host-visible\n",
			  (unsigned)relid, (unsigned)offer_flags);
		return UMBRA_EPOLICY;
	}
	*private_only = priv;
	return 0;
}

int vmbus_policy_host_visible(const struct vmbus_ch *ch, bool bounce)
{
	if (!ch->private_only && !(vmbus_policy_effective() & VMBUS_POLICY_PRIVATE_CHANNELS))
		return 0;
	vmbus_log("vmbus: relid %u: %s refused by the confidentiality policy: the channel has "
		  "no confidential external memory (0x4), %s\n", (unsigned)ch->relid,
		  bounce ? "transfer" : "buffer",
		  bounce ? "the data would be bounced through host-visible pages"
			 : "the buffer would be host-visible");
	return UMBRA_EPOLICY;
}

void vmbus_policy_reset(void)
{
	g_app = 0;
	g_option = 0;
	g_option_read = false;
	g_refused = false;
}
