/*
 * Host test of the guest-crash MSR report (arch/x86_64/crash_hv.c): when it is made
 * (Hyper-V with CPUID 0x40000003 EDX bit 10, CRASH_CTL reporting CRASH_NOTIFY, not an
 * SNP/TDX partition without a paravisor), which MSRs are read before the decision, the
 * five parameters, and the order of the writes (P0..P4, then CRASH_CTL = notify only).
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/crash_hv.h"
#include "hv/tlfs.h"
#include "tests/unit/ut.h"
#include <umbra/errno.h>

/* A scripted MSR file: values for reads, a log of every access. */
struct access {
	char op;
	uint32_t msr;
	uint64_t value;
};
static struct {
	uint64_t crash_ctl, guest_os_id;
	struct access log[16];
	unsigned n;
} F;

static uint64_t f_rdmsr(uint32_t msr)
{
	uint64_t v = 0;
	if (msr == HV_MSR_CRASH_CTL)
		v = F.crash_ctl;
	else if (msr == HV_MSR_GUEST_OS_ID)
		v = F.guest_os_id;
	if (F.n < 16)
		F.log[F.n++] = (struct access){ 'r', msr, v };
	return v;
}

static void f_wrmsr(uint32_t msr, uint64_t value)
{
	if (F.n < 16)
		F.log[F.n++] = (struct access){ 'w', msr, value };
}

static const struct arch_crash_hv_msr M = { f_rdmsr, f_wrmsr };
static const uint8_t BID[20] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22 };

static struct hv_ident hyperv_id(void)
{
	struct hv_ident id;

	memset(&id, 0, sizeof(id));
	id.hypervisor = id.hyperv = true;
	id.features_edx = HV_EDX_GUEST_CRASH_MSRS;
	return id;
}

static struct arch_crash_hv_in crash_in(void)
{
	struct arch_crash_hv_in in = {
		.vector = 14, .error = 0x2, .rip = 0xe0bd1e2, .image_base = 0xe0bc000,
		.build_id = BID, .build_id_len = sizeof(BID),
	};
	return in;
}

static void f_reset(void)
{
	memset(&F, 0, sizeof(F));
	F.crash_ctl = HV_CRASH_CTL_NOTIFY | HV_CRASH_CTL_NOTIFY_MSG;
	F.guest_os_id = 0x8100000000000001ull;
}

static void t_values(void)
{
	struct hv_ident id = hyperv_id();
	struct arch_crash_hv_in in = crash_in();
	uint64_t p[HV_CRASH_PARAMS] = { 0 }, ctl = 0;

	f_reset();
	UT_EQ(arch_crash_hv_prepare(&id, &in, &M, p, &ctl), 0);
	UT_EQ(ctl, F.crash_ctl);
	UT_EQ(p[0], (2ull << 32) | 14);
	UT_EQ(p[1], 0x8100000000000001ull);
	UT_EQ(p[2], 0x11e2);
	UT_EQ(p[3], 0xe0bc000);
	UT_EQ(p[4], 0x123456789abcdef0ull);
	/* only reads so far: CRASH_CTL first (the decision), then the guest OS id */
	UT_EQ(F.n, 2);
	UT_CHECK(F.log[0].op == 'r' && F.log[0].msr == HV_MSR_CRASH_CTL);
	UT_CHECK(F.log[1].op == 'r' && F.log[1].msr == HV_MSR_GUEST_OS_ID);

	/* the error code keeps its low 32 bits above the vector; a short build-id */
	f_reset();
	in.error = 0xFFFFFFFF00000011ull;
	in.vector = 0x1ff;
	in.build_id_len = 3;
	UT_EQ(arch_crash_hv_prepare(&id, &in, &M, p, NULL), 0);
	UT_EQ(p[0], (0x11ull << 32) | 0xff);
	UT_EQ(p[4], 0x1234560000000000ull);
	in.build_id = NULL;
	UT_EQ(arch_crash_hv_prepare(&id, &in, &M, p, NULL), 0);
	UT_EQ(p[4], 0);
	/* a RIP below the base wraps: P2 + P3 is still the RIP */
	in.rip = 0x1000;
	UT_EQ(arch_crash_hv_prepare(&id, &in, &M, p, NULL), 0);
	UT_EQ(p[2] + p[3], 0x1000);
}

static void t_send_order(void)
{
	const uint64_t p[HV_CRASH_PARAMS] = { 1, 2, 3, 4, 5 };

	f_reset();
	arch_crash_hv_send(&M, p);
	UT_EQ(F.n, 6);
	for (unsigned i = 0; i < 5; i++) {
		UT_CHECK(F.log[i].op == 'w');
		UT_EQ(F.log[i].msr, 0x40000100u + i);
		UT_EQ(F.log[i].value, i + 1);
	}
	/* notify only: never the message bit (no message page is sent) */
	UT_CHECK(F.log[5].op == 'w' && F.log[5].msr == 0x40000105u);
	UT_EQ(F.log[5].value, 1ull << 63);
}

static void t_not_offered(void)
{
	struct hv_ident id = hyperv_id();
	struct arch_crash_hv_in in = crash_in();
	uint64_t p[HV_CRASH_PARAMS];

	/* no EDX bit 10: no MSR is touched at all */
	f_reset();
	id.features_edx = ~HV_EDX_GUEST_CRASH_MSRS;
	UT_CHECK(!arch_crash_hv_available(&id));
	UT_EQ(arch_crash_hv_prepare(&id, &in, &M, p, NULL), UMBRA_ENODEV);
	UT_EQ(F.n, 0);
	/* the bit without Hyper-V (QEMU TCG, another hypervisor): the same */
	id = hyperv_id();
	id.hyperv = false;
	UT_EQ(arch_crash_hv_prepare(&id, &in, &M, p, NULL), UMBRA_ENODEV);
	UT_EQ(F.n, 0);
	/* no identification (all zero, as before hv_ident_init) */
	memset(&id, 0, sizeof(id));
	UT_EQ(arch_crash_hv_prepare(&id, &in, &M, p, NULL), UMBRA_ENODEV);
	UT_EQ(F.n, 0);
}

static void t_ctl_without_notify(void)
{
	struct hv_ident id = hyperv_id();
	struct arch_crash_hv_in in = crash_in();
	uint64_t p[HV_CRASH_PARAMS], ctl = 0;

	f_reset();
	F.crash_ctl = HV_CRASH_CTL_NOTIFY_MSG;      /* a message but no notify: not enough */
	UT_EQ(arch_crash_hv_prepare(&id, &in, &M, p, &ctl), UMBRA_ENOTSUP);
	UT_EQ(ctl, HV_CRASH_CTL_NOTIFY_MSG);
	UT_EQ(F.n, 1);
	UT_EQ(F.log[0].msr, HV_MSR_CRASH_CTL);
	F.crash_ctl = 0;
	UT_EQ(arch_crash_hv_prepare(&id, &in, &M, p, NULL), UMBRA_ENOTSUP);
}

static void t_isolation(void)
{
	struct hv_ident id = hyperv_id();
	static const uint8_t types[] = { HV_ISO_SNP, HV_ISO_TDX };

	/* SNP / TDX without a paravisor: a plain WRMSR would raise #VC / #VE */
	for (unsigned i = 0; i < 2; i++) {
		id = hyperv_id();
		id.isolated = true;
		id.iso_type = types[i];
		UT_CHECK(!arch_crash_hv_available(&id));
		/* with a paravisor (OpenHCL intercepts the crash MSRs): yes */
		id.paravisor = true;
		UT_CHECK(arch_crash_hv_available(&id));
	}
	/* VBS isolation and no isolation: plain MSRs */
	id = hyperv_id();
	id.isolated = true;
	id.iso_type = HV_ISO_VBS;
	UT_CHECK(arch_crash_hv_available(&id));
	id = hyperv_id();
	UT_CHECK(arch_crash_hv_available(&id));
}

static void t_bad_args(void)
{
	struct hv_ident id = hyperv_id();
	struct arch_crash_hv_in in = crash_in();
	struct arch_crash_hv_msr half = { f_rdmsr, NULL };
	uint64_t p[HV_CRASH_PARAMS];

	f_reset();
	UT_EQ(arch_crash_hv_prepare(NULL, &in, &M, p, NULL), UMBRA_EINVAL);
	UT_EQ(arch_crash_hv_prepare(&id, NULL, &M, p, NULL), UMBRA_EINVAL);
	UT_EQ(arch_crash_hv_prepare(&id, &in, NULL, p, NULL), UMBRA_EINVAL);
	UT_EQ(arch_crash_hv_prepare(&id, &in, &half, p, NULL), UMBRA_EINVAL);
	UT_EQ(arch_crash_hv_prepare(&id, &in, &M, NULL, NULL), UMBRA_EINVAL);
	UT_CHECK(!arch_crash_hv_available(NULL));
	UT_EQ(F.n, 0);
}

int main(void)
{
	UT_RUN(t_values);
	UT_RUN(t_send_order);
	UT_RUN(t_not_offered);
	UT_RUN(t_ctl_without_notify);
	UT_RUN(t_isolation);
	UT_RUN(t_bad_args);
	return UT_DONE();
}
