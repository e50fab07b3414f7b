/*
 * Host test of the Hyper-V identification (hv/ident.c) against a scripted CPUID: no
 * hypervisor, QEMU (TCG, KVM), plain Hyper-V, SNP and TDX with a paravisor, isolation
 * without one, each condition of the shared-GPA boundary rule at its edges, the cases
 * where the two rules it replaces (arch alias_detect, synic_detect) differed, which
 * leaves are read when, and the published identification (init once, set, reset).
 */
#include <stdint.h>
#include <string.h>

#include "hv/ident.h"
#include "hv/tlfs.h"
#include "tests/unit/ut.h"
#include <umbra/errno.h>

/* The scripted CPU: an SNP guest under a paravisor, boundary bit 46, unless a test
 * changes a field. */
static struct {
	uint32_t leaf1_ecx, max_leaf, feat_eax, feat_ebx, feat_edx, iso_eax, iso_ebx, vs_eax;
	uint32_t ext_max, addr_eax;
	char sig[13];
	uint32_t reads[16];             /* leaves read, in order */
	unsigned nreads;
} cpu;

static void cpu_reset(unsigned bit)
{
	memset(&cpu, 0, sizeof(cpu));
	cpu.leaf1_ecx = CPUID_1_ECX_HYPERVISOR | 0x1;
	cpu.max_leaf = 0x40000082;
	memcpy(cpu.sig, "Microsoft Hv", 13);
	cpu.feat_eax = 0x2E7F;
	cpu.feat_ebx = HV_EBX_ISOLATION | HV_EBX_POST_MESSAGES | HV_EBX_SIGNAL_EVENTS;
	cpu.feat_edx = HV_EDX_GUEST_CRASH_MSRS | 0x100;
	cpu.iso_eax = HV_ISO_EAX_PARAVISOR;
	cpu.iso_ebx = (bit << HV_ISO_EBX_BOUNDARY_SHIFT) | HV_ISO_EBX_BOUNDARY_ON | HV_ISO_SNP;
	cpu.vs_eax = HV_VS_EAX_CONFIDENTIAL_VMBUS;
	cpu.ext_max = 0x80000008;
	cpu.addr_eax = 0x3000 | 48;     /* 48-bit linear, MAXPHYADDR 48 */
}

static void fake_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)sub;
	memset(out, 0, 4 * sizeof(uint32_t));
	if (cpu.nreads < 16)
		cpu.reads[cpu.nreads++] = leaf;
	switch (leaf) {
	case 1:
		out[2] = cpu.leaf1_ecx;
		break;
	case HV_CPUID_VENDOR:
		out[0] = cpu.max_leaf;
		memcpy(&out[1], cpu.sig, 4);
		memcpy(&out[2], cpu.sig + 4, 4);
		memcpy(&out[3], cpu.sig + 8, 4);
		break;
	case HV_CPUID_FEATURES:
		out[0] = cpu.feat_eax;
		out[1] = cpu.feat_ebx;
		out[3] = cpu.feat_edx;
		break;
	case HV_CPUID_ISOLATION:
		out[0] = cpu.iso_eax;
		out[1] = cpu.iso_ebx;
		break;
	case HV_CPUID_VS_PROPERTIES:
		out[0] = cpu.vs_eax;
		break;
	case CPUID_EXT_MAX:
		out[0] = cpu.ext_max;
		break;
	case CPUID_EXT_ADDR_SIZE:
		out[0] = cpu.addr_eax;
		break;
	}
}

static bool was_read(uint32_t leaf)
{
	for (unsigned i = 0; i < cpu.nreads; i++)
		if (cpu.reads[i] == leaf)
			return true;
	return false;
}

static struct hv_ident id;

static int detect(void)
{
	memset(&id, 0xA5, sizeof(id));          /* detect must zero what it does not set */
	cpu.nreads = 0;
	return hv_ident_detect(fake_cpuid, &id);
}

/* The boundary detect finds, checking the rest is consistent with it. */
static uint64_t boundary(void)
{
	int rc = detect();
	UT_EQ(rc, 0);
	UT_CHECK(!(id.shared_boundary && id.boundary_refused));
	return id.shared_boundary;
}

static void t_no_hypervisor(void)
{
	char name[13];

	cpu_reset(46);
	cpu.leaf1_ecx = 0;
	UT_EQ(detect(), UMBRA_ENODEV);
	UT_CHECK(!id.hypervisor && !id.hyperv && !id.isolated);
	UT_EQ(id.signature[0], 0);
	UT_EQ(id.max_leaf, 0);
	UT_EQ(id.shared_boundary, 0);
	UT_EQ(cpu.nreads, 1);                   /* leaf 1 only: 0x4000xxxx is not ours */
	UT_CHECK(!strcmp(hv_ident_name(&id, name), "none"));
	UT_CHECK(!hv_ident_is_qemu(&id));
}

static void t_qemu(void)
{
	char name[13];

	cpu_reset(46);
	memcpy(cpu.sig, "TCGTCGTCGTCG", 13);
	cpu.max_leaf = 0x40000001;
	UT_EQ(detect(), UMBRA_ENODEV);
	UT_CHECK(id.hypervisor && !id.hyperv);
	UT_CHECK(!strcmp(id.signature, "TCGTCGTCGTCG"));
	UT_CHECK(hv_ident_is_qemu(&id));
	UT_CHECK(!strcmp(hv_ident_name(&id, name), "TCGTCGTCGTCG"));
	UT_CHECK(!was_read(HV_CPUID_FEATURES) && !was_read(HV_CPUID_ISOLATION));
	UT_EQ(id.features_eax, 0);
	UT_EQ(id.features_edx, 0);

	cpu_reset(46);
	memcpy(cpu.sig, "KVMKVMKVM\0\0\0", 13);
	UT_EQ(detect(), UMBRA_ENODEV);
	UT_CHECK(hv_ident_is_qemu(&id));
	UT_CHECK(!strcmp(hv_ident_name(&id, name), "KVMKVMKVM"));

	/* Another hypervisor: named, not QEMU, not Hyper-V; an empty one is "none". */
	cpu_reset(46);
	memcpy(cpu.sig, "VMwareVMware", 13);
	UT_EQ(detect(), UMBRA_ENODEV);
	UT_CHECK(!hv_ident_is_qemu(&id));
	memset(cpu.sig, 0, sizeof(cpu.sig));
	UT_EQ(detect(), UMBRA_ENODEV);
	UT_CHECK(!strcmp(hv_ident_name(&id, name), "none"));
}

static void t_hyperv_plain(void)
{
	char name[13];

	cpu_reset(46);
	cpu.feat_ebx &= ~HV_EBX_ISOLATION;
	cpu.feat_eax |= HV_EAX_ACCESS_FREQUENCY_MSRS;
	UT_EQ(detect(), 0);
	UT_CHECK(id.hypervisor && id.hyperv && !id.isolated && !id.paravisor);
	UT_EQ(id.max_leaf, 0x40000082);
	UT_EQ(id.features_eax, cpu.feat_eax);
	UT_EQ(id.features_ebx, cpu.feat_ebx);
	UT_EQ(id.features_edx, cpu.feat_edx);
	UT_EQ(id.shared_boundary, 0);
	UT_CHECK(!id.boundary_refused && !id.cvmb_available);
	/* not isolated: the isolation leaf is not read, even though it has content */
	UT_CHECK(!was_read(HV_CPUID_ISOLATION) && !was_read(HV_CPUID_VS_PROPERTIES));
	UT_CHECK(!was_read(CPUID_EXT_ADDR_SIZE));
	UT_CHECK(!strcmp(hv_ident_name(&id, name), "Microsoft_Hv"));
	UT_CHECK(!hv_ident_is_qemu(&id));

	/* the signature is compared exactly, and the feature leaf must exist */
	cpu_reset(46);
	memcpy(cpu.sig, "Microsoft HV", 13);
	UT_EQ(detect(), UMBRA_ENODEV);
	UT_CHECK(!id.hyperv);
	cpu_reset(46);
	cpu.max_leaf = 0x40000002;
	UT_EQ(detect(), UMBRA_ENODEV);
	UT_CHECK(!id.hyperv && !was_read(HV_CPUID_FEATURES));
	cpu.max_leaf = 0x40000003;
	UT_EQ(detect(), 0);
	UT_CHECK(id.hyperv && id.isolated);     /* isolated, but no isolation leaf */
	UT_CHECK(!was_read(HV_CPUID_ISOLATION));
	UT_EQ(id.shared_boundary, 0);
}

static void t_snp_paravisor(void)
{
	cpu_reset(46);
	UT_EQ(boundary(), 1ull << 46);
	UT_CHECK(id.hyperv && id.isolated && id.paravisor && id.cvmb_available);
	UT_EQ(id.iso_type, HV_ISO_SNP);
	UT_CHECK(id.boundary_active && !id.boundary_refused);
	UT_EQ(id.boundary_bit, 46);
	UT_EQ(id.maxphyaddr, 48);
	const uint32_t order[] = { 1, HV_CPUID_VENDOR, HV_CPUID_FEATURES, HV_CPUID_ISOLATION,
				   HV_CPUID_VS_PROPERTIES, CPUID_EXT_MAX, CPUID_EXT_ADDR_SIZE };
	UT_EQ(cpu.nreads, sizeof order / sizeof order[0]);
	for (unsigned i = 0; i < cpu.nreads && i < sizeof order / sizeof order[0]; i++)
		UT_EQ(cpu.reads[i], order[i]);

	/* a legacy paravisor: no Confidential VMBus, the rest the same */
	cpu.vs_eax = 0;
	UT_EQ(boundary(), 1ull << 46);
	UT_CHECK(!id.cvmb_available && id.paravisor);
}

static void t_tdx_paravisor(void)
{
	cpu_reset(47);
	cpu.iso_ebx = (cpu.iso_ebx & ~HV_ISO_EBX_TYPE_MASK) | HV_ISO_TDX;
	UT_EQ(boundary(), 1ull << 47);
	UT_EQ(id.iso_type, HV_ISO_TDX);
	UT_CHECK(id.paravisor && id.cvmb_available);
	cpu.addr_eax = 52;                      /* GPAW 52: shared bit 51 */
	cpu.iso_ebx = (51u << HV_ISO_EBX_BOUNDARY_SHIFT) | HV_ISO_EBX_BOUNDARY_ON | HV_ISO_TDX;
	UT_EQ(boundary(), 1ull << 51);
	cpu_reset(47);
	cpu.max_leaf = HV_CPUID_ISOLATION;      /* exactly enough */
	UT_EQ(boundary(), 1ull << 47);
}

/* Isolation without a paravisor, or without an active boundary: reported as such; the
 * boundary field is ignored unless active. */
static void t_isolation_variants(void)
{
	cpu_reset(46);
	cpu.iso_eax = 0;
	UT_EQ(boundary(), 1ull << 46);
	UT_CHECK(id.isolated && !id.paravisor);
	cpu_reset(46);
	cpu.iso_ebx &= ~HV_ISO_EBX_BOUNDARY_ON;
	UT_EQ(boundary(), 0);
	UT_CHECK(!id.boundary_active && !id.boundary_refused);
	UT_EQ(id.boundary_bit, 46);
	UT_CHECK(!was_read(CPUID_EXT_MAX));
	cpu_reset(46);
	cpu.max_leaf = 0x4000000B;
	UT_EQ(boundary(), 0);
	UT_CHECK(id.isolated && !id.paravisor && !id.cvmb_available);
	cpu_reset(46);
	cpu.iso_ebx = (cpu.iso_ebx & ~HV_ISO_EBX_TYPE_MASK) | HV_ISO_VBS;
	UT_EQ(boundary(), 1ull << 46);
	UT_EQ(id.iso_type, HV_ISO_VBS);
}

/* The boundary rule: 1 <= bit <= 51, and below MAXPHYADDR when reported. */
static void t_boundary_refused(void)
{
	static const struct { unsigned bit, maxpa; uint32_t ext_max; bool ok; } c[] = {
		{ 0, 48, 0x80000008, false },   /* B = 1 is no boundary */
		{ 1, 48, 0x80000008, true },
		{ 39, 40, 0x80000008, true },   /* the QEMU test hook's bit under TCG */
		{ 40, 40, 0x80000008, false },
		{ 47, 47, 0x80000008, false },  /* at MAXPHYADDR: a reserved PTE bit */
		{ 47, 48, 0x80000008, true },
		{ 51, 52, 0x80000008, true },
		{ 52, 52, 0x80000008, false },  /* past any PTE's address field */
		{ 52, 0, 0x80000007, false },
		{ 63, 48, 0x80000008, false },
		{ 47, 36, 0x80000007, true },   /* no 0x80000008: the PTE limit only */
		{ 51, 36, 0x80000007, true },
		{ 47, 0, 0x80000008, true },    /* MAXPHYADDR 0: not reported */
	};
	for (unsigned i = 0; i < sizeof c / sizeof c[0]; i++) {
		cpu_reset(c[i].bit);
		cpu.ext_max = c[i].ext_max;
		cpu.addr_eax = 0x3000 | c[i].maxpa;
		uint64_t b = boundary();
		UT_EQ(b, c[i].ok ? 1ull << c[i].bit : 0);
		UT_EQ(id.boundary_refused, !c[i].ok);
		UT_EQ(id.boundary_bit, c[i].bit);
		UT_CHECK(id.isolated && id.paravisor);  /* the rest is still reported */
		UT_EQ(id.maxphyaddr, c[i].ext_max >= 0x80000008 && c[i].bit >= 1 && c[i].bit <= 51
				     ? c[i].maxpa : 0);
		if (!c[i].ok && c[i].bit > HV_PA_MAX_BIT)
			UT_CHECK(!was_read(CPUID_EXT_ADDR_SIZE));
	}
}

/*
 * Where the rules this replaces differed. arch's alias_detect: CPUID.1 bit 31 required,
 * bit >= MAXPHYADDR or > 51 refused (UMBRA_ENOTSUP), bit 0 taken as B = 1 (which
 * pt_build then refused, EINVAL), MAXPHYADDR 0 refused everything. synic_detect: no
 * CPUID.1 check, bits 1..51 accepted whatever MAXPHYADDR, others silently 0.
 */
static void t_old_rules_differences(void)
{
	/* 1. leaf 1 without the hypervisor bit but a Hyper-V leaf anyway (real hardware
	 * returns the highest basic leaf's data there): no hypervisor. synic used to say
	 * Hyper-V. */
	cpu_reset(46);
	cpu.leaf1_ecx = 0;
	UT_EQ(detect(), UMBRA_ENODEV);
	UT_CHECK(!id.hyperv && !was_read(HV_CPUID_VENDOR));
	/* 2. a boundary at MAXPHYADDR: synic took it, arch refused; now refused for both. */
	cpu_reset(47);
	cpu.addr_eax = 47;
	UT_EQ(boundary(), 0);
	UT_CHECK(id.boundary_refused);
	/* 3. bit 0: arch took B = 1, synic ignored it; now refused. */
	cpu_reset(0);
	UT_EQ(boundary(), 0);
	UT_CHECK(id.boundary_refused);
	/* 4. bit 52 with MAXPHYADDR 52: both refused (arch loudly); now refused. */
	cpu_reset(52);
	cpu.addr_eax = 52;
	UT_EQ(boundary(), 0);
	UT_CHECK(id.boundary_refused);
	/* 5. 0x80000008 present with EAX[7:0] = 0 (the simulator): arch refused every
	 * boundary, synic took it; now "not reported", taken. */
	cpu_reset(46);
	cpu.addr_eax = 0;
	UT_EQ(boundary(), 1ull << 46);
	UT_EQ(id.maxphyaddr, 0);
	/* 6. max leaf 0x40000003..0x4000000B: arch said "no Hyper-V boundary", synic
	 * "Hyper-V, isolated, no boundary": now the latter, with no boundary for both. */
	cpu_reset(46);
	cpu.max_leaf = 0x40000005;
	UT_EQ(boundary(), 0);
	UT_CHECK(id.hyperv && id.isolated && !id.boundary_refused);
}

static uint32_t calls;
static void counting_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	calls++;
	fake_cpuid(leaf, sub, out);
}

static void t_published(void)
{
	hv_ident_set(NULL);
	const struct hv_ident *p = hv_ident();
	UT_REQUIRE(p != NULL);
	UT_CHECK(!p->hypervisor && !p->hyperv && !p->shared_boundary);

	cpu_reset(46);
	calls = 0;
	p = hv_ident_init(counting_cpuid);
	UT_CHECK(p == hv_ident());
	UT_EQ(p->shared_boundary, 1ull << 46);
	uint32_t first = calls;
	UT_CHECK(first > 0);
	/* once: a later init reads nothing and changes nothing */
	cpu_reset(47);
	UT_CHECK(hv_ident_init(counting_cpuid) == p);
	UT_EQ(calls, first);
	UT_EQ(hv_ident()->shared_boundary, 1ull << 46);
	UT_CHECK(hv_ident_init(NULL) == p);

	/* set publishes a given one; NULL forgets it, and init detects again */
	struct hv_ident q = { .hypervisor = true, .hyperv = true, .max_leaf = 0x40000005 };
	hv_ident_set(&q);
	UT_EQ(hv_ident()->max_leaf, 0x40000005);
	UT_CHECK(hv_ident_init(counting_cpuid)->max_leaf == 0x40000005);
	UT_EQ(calls, first);
	hv_ident_set(NULL);
	UT_CHECK(!hv_ident()->hypervisor);
	UT_EQ(hv_ident_init(counting_cpuid)->shared_boundary, 1ull << 47);
	UT_CHECK(calls > first);
	hv_ident_set(NULL);
}

static void t_bad_args(void)
{
	struct hv_ident x;

	UT_EQ(hv_ident_detect(NULL, &x), UMBRA_EINVAL);
	UT_EQ(hv_ident_detect(fake_cpuid, NULL), UMBRA_EINVAL);
}

static void t_name_sanitized(void)
{
	char name[13];

	cpu_reset(46);
	memcpy(cpu.sig, "ab\x01" "c d\x7f" "efgh~", 13);
	detect();
	UT_CHECK(!strcmp(hv_ident_name(&id, name), "ab_c_d_efgh~"));
}

int main(void)
{
	UT_RUN(t_no_hypervisor);
	UT_RUN(t_qemu);
	UT_RUN(t_hyperv_plain);
	UT_RUN(t_snp_paravisor);
	UT_RUN(t_tdx_paravisor);
	UT_RUN(t_isolation_variants);
	UT_RUN(t_boundary_refused);
	UT_RUN(t_old_rules_differences);
	UT_RUN(t_published);
	UT_RUN(t_bad_args);
	UT_RUN(t_name_sanitized);
	return UT_DONE();
}
