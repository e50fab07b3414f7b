/* The guest-crash MSR report; the rules and the parameter layout are in crash_hv.h. */
#include "arch/x86_64/crash_hv.h"

#include <umbra/errno.h>

bool arch_crash_hv_available(const struct hv_ident *id)
{
	if (!id || !id->hyperv || !(id->features_edx & HV_EDX_GUEST_CRASH_MSRS))
		return false;
	if (id->isolated && !id->paravisor && (id->iso_type == HV_ISO_SNP || id->iso_type == HV_ISO_TDX))
		return false;
	return true;
}

int arch_crash_hv_prepare(const struct hv_ident *id, const struct arch_crash_hv_in *in,
			  const struct arch_crash_hv_msr *m, uint64_t p[HV_CRASH_PARAMS],
			  uint64_t *ctl)
{
	if (!id || !in || !m || !m->rdmsr || !m->wrmsr || !p)
		return UMBRA_EINVAL;
	if (!arch_crash_hv_available(id))
		return UMBRA_ENODEV;
	uint64_t caps = m->rdmsr(HV_MSR_CRASH_CTL);
	if (ctl)
		*ctl = caps;
	if (!(caps & HV_CRASH_CTL_NOTIFY))
		return UMBRA_ENOTSUP;

	uint64_t id8 = 0;
	for (size_t i = 0; in->build_id && i < 8 && i < in->build_id_len; i++)
		id8 |= (uint64_t)in->build_id[i] << (56 - 8 * i);
	p[0] = ((in->error & 0xFFFFFFFFull) << 32) | (in->vector & 0xFFu);
	p[1] = m->rdmsr(HV_MSR_GUEST_OS_ID);
	p[2] = in->rip - in->image_base;
	p[3] = in->image_base;
	p[4] = id8;
	return 0;
}

void arch_crash_hv_send(const struct arch_crash_hv_msr *m, const uint64_t p[HV_CRASH_PARAMS])
{
	for (unsigned i = 0; i < HV_CRASH_PARAMS; i++)
		m->wrmsr(HV_MSR_CRASH_P(i), p[i]);
	m->wrmsr(HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY);
}
