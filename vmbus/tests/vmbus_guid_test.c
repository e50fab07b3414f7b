/* Host test of vmbus/vmbus_guid.c: every well-known class GUID parsed from the text its
 * source prints equals the header's macro, the wire byte order, round trips, and the
 * rejection of malformed text and NULL arguments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <umbra/vmbus.h>        /* includes umbra/vmbus_guid.h: both must compile together */
#include "tests/unit/ut.h"

/* Text forms exactly as the sources write them (case, braces), see vmbus_guid.h. */
static const struct {
	const char *text;
	struct vmbus_guid guid;
	const char *name;
} known[] = {
	/* Linux hyperv.h comment above HV_SHUTDOWN_GUID; openvmm shutdown.rs INTERFACE_ID */
	{ "{0e0b6031-5213-4934-818b-38d90ced39db}", VMBUS_CLASS_SHUTDOWN, "shutdown" },
	/* Linux comment above HV_TS_GUID (mixed case as written) */
	{ "{9527E630-D0AE-497b-ADCE-E80AB0175CAF}", VMBUS_CLASS_TIMESYNC, "timesync" },
	/* openvmm vmbus_core/src/protocol.rs HEARTBEAT_IC */
	{ "57164f39-9115-4e78-ab55-382f3bd5422d", VMBUS_CLASS_HEARTBEAT, "heartbeat" },
	/* openvmm hyperv_ic_protocol/src/kvp.rs INTERFACE_ID */
	{ "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6", VMBUS_CLASS_KVP, "kvp" },
	/* openvmm vmbus_core/src/protocol.rs VSS_IC (Linux HV_VSS_GUID has no comment) */
	{ "35fa2e29-ea23-4236-96ae-3a6ebacba440", VMBUS_CLASS_VSS, "vss" },
	/* Linux comment above HV_FCOPY_GUID */
	{ "{34D14BE3-DEE4-41c8-9AE7-6B174977C192}", VMBUS_CLASS_FCOPY, "fcopy" },
	/* openvmm vmbus_core/src/protocol.rs RDV_IC */
	{ "276aacf4-ac15-426c-98dd-7521ad3f01fe", VMBUS_CLASS_RDV, "rdv" },
	/* Linux comment above HV_AVMA1_GUID */
	{ "{f8e65716-3cb3-4a06-9a60-1889c5cccab5}", VMBUS_CLASS_AVMA1, "avma1" },
	/* openvmm vmbus_core/src/protocol.rs INHERITED_ACTIVATION */
	{ "3375baf4-9e15-4b30-b765-67acb10d607b", VMBUS_CLASS_AVMA2, "avma2" },
	/* openvmm storvsp_protocol/src/lib.rs SCSI_INTERFACE_ID */
	{ "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", VMBUS_CLASS_SCSI, "scsi" },
	/* openvmm storvsp_protocol/src/lib.rs IDE_ACCELERATOR_INTERFACE_ID */
	{ "32412632-86cb-44a2-9b5c-50d1417354f5", VMBUS_CLASS_IDE, "ide" },
	/* Linux comment above HV_SYNTHFC_GUID */
	{ "{2f9bcc4a-0069-4af3-b76b-6fd0be528cda}", VMBUS_CLASS_FC, "fc" },
	/* openvmm vmbus/vmbfs/src/protocol.rs INTERFACE_TYPE */
	{ "c376c1c3-d276-48d2-90a9-c04748072c60", VMBUS_CLASS_VMBFS, "vmbfs" },
	/* openvmm vmbus_core/src/protocol.rs NET */
	{ "f8615163-df3e-46c5-913f-f2d2f965ed0e", VMBUS_CLASS_NET, "net" },
	/* Linux comment above HV_ND_GUID */
	{ "{8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501}", VMBUS_CLASS_ND, "nd" },
	/* openvmm uidevices/src/keyboard/protocol.rs INTERFACE_GUID */
	{ "f912ad6d-2b17-48ea-bd65-f927a61c7684", VMBUS_CLASS_KEYBOARD, "keyboard" },
	/* openvmm uidevices/src/mouse/protocol.rs INTERFACE_GUID */
	{ "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a", VMBUS_CLASS_MOUSE, "mouse" },
	/* Linux comment above HV_SYNTHVID_GUID */
	{ "{DA0A7802-E377-4aac-8E77-0558EB1073F8}", VMBUS_CLASS_VIDEO, "video" },
	/* openvmm serial/vmbus_serial_protocol/src/lib.rs UART_INTERFACE_TYPE */
	{ "8b60ccf6-709f-4c11-90b5-229c959a9e6a", VMBUS_CLASS_UART, "uart" },
	/* Linux comment above HV_DM_GUID */
	{ "{525074dc-8985-46e2-8057-a307dc18a502}", VMBUS_CLASS_DYNMEM, "dynmem" },
	/* openvmm pci/vpci_protocol/src/lib.rs GUID_VPCI_VSP_CHANNEL_TYPE (upper case) */
	{ "44C4F61D-4444-4400-9D52-802E27EDE19F", VMBUS_CLASS_PCI, "pci" },
};
#define NKNOWN (sizeof known / sizeof known[0])

/* Parse text from a heap copy of exactly strlen + 1 bytes, so ASan sees any read past
 * its NUL. */
static int parse_exact(const char *text, struct vmbus_guid *out)
{
	size_t n = strlen(text) + 1;
	char *copy = malloc(n);
	int rc;

	if (!copy)
		abort();
	memcpy(copy, text, n);
	rc = vmbus_guid_parse(copy, out);
	free(copy);
	return rc;
}

/* The text without braces, in lower case: what vmbus_guid_format must print. */
static void canonical(const char *text, char out[VMBUS_GUID_STR_LEN])
{
	size_t k = 0;

	for (const char *p = text; *p && k < VMBUS_GUID_STR_LEN - 1; p++) {
		if (*p == '{' || *p == '}')
			continue;
		out[k++] = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	}
	out[k] = '\0';
}

static void t_known_classes(void)
{
	for (size_t i = 0; i < NKNOWN; i++) {
		struct vmbus_guid g;
		char want[VMBUS_GUID_STR_LEN], got[VMBUS_GUID_STR_LEN];

		UT_EQ(parse_exact(known[i].text, &g), 0);
		if (!vmbus_guid_eq(&g, &known[i].guid))
			fprintf(stderr, "  %s: parse != macro\n", known[i].text);
		UT_CHECK(vmbus_guid_eq(&g, &known[i].guid));
		UT_CHECK(memcmp(&g, &known[i].guid, sizeof g) == 0);
		const char *name = vmbus_guid_name(&known[i].guid);
		UT_CHECK(name && strcmp(name, known[i].name) == 0);
		canonical(known[i].text, want);
		UT_EQ(vmbus_guid_format(&known[i].guid, got, sizeof got), 36);
		UT_CHECK(strcmp(got, want) == 0);
	}
}

/* Every class and every name once: a copy-paste slip in the table would show here. */
static void t_known_distinct(void)
{
	for (size_t i = 0; i < NKNOWN; i++)
		for (size_t j = i + 1; j < NKNOWN; j++) {
			UT_CHECK(!vmbus_guid_eq(&known[i].guid, &known[j].guid));
			UT_CHECK(strcmp(known[i].name, known[j].name) != 0);
		}
}

/* Wire order against bytes written out by others, not by VMBUS_GUID_INIT: Linux's older
 * hyperv.h spelled HV_NIC_GUID as the byte array { 0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf,
 * 0xc5, 0x46, 0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e } (VMBus carries it so in
 * the offer's if_type), and the echo class of apps/echo is 16 ASCII bytes. */
static void t_wire_order(void)
{
	static const uint8_t nic[16] = { 0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
					 0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e };
	const struct vmbus_guid net = VMBUS_CLASS_NET;
	struct vmbus_guid g;
	char s[VMBUS_GUID_STR_LEN];

	UT_CHECK(memcmp(net.b, nic, 16) == 0);
	UT_EQ(vmbus_guid_parse("f8615163-df3e-46c5-913f-f2d2f965ed0e", &g), 0);
	UT_CHECK(memcmp(g.b, nic, 16) == 0);

	memcpy(g.b, "umbra-sim-dev-01", 16);
	UT_EQ(vmbus_guid_format(&g, s, sizeof s), 36);
	/* "umbr" = 75 6d 62 72 -> d1 0x72626d75; "a-" -> d2 0x2d61; "si" -> d3 0x6973 */
	UT_CHECK(strcmp(s, "72626d75-2d61-6973-6d2d-6465762d3031") == 0);
	UT_CHECK(vmbus_guid_name(&g) == NULL);
}

static void t_round_trip(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int n = 0; n < 2000; n++) {
		struct vmbus_guid a, b;
		char s[VMBUS_GUID_STR_LEN], braced[VMBUS_GUID_STR_LEN + 2];

		for (int i = 0; i < 16; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			a.b[i] = (uint8_t)(n < 2 ? (n ? 0xff : 0) : x >> 32);
		}
		UT_EQ(vmbus_guid_format(&a, s, sizeof s), 36);
		UT_EQ(strlen(s), 36);
		for (int i = 0; i < 36; i++)
			UT_CHECK(s[i] == '-' || (s[i] >= '0' && s[i] <= '9') ||
				 (s[i] >= 'a' && s[i] <= 'f'));
		UT_EQ(parse_exact(s, &b), 0);
		UT_CHECK(vmbus_guid_eq(&a, &b));
		/* Upper case and braces name the same GUID. */
		snprintf(braced, sizeof braced, "{%s}", s);
		for (char *p = braced; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		memset(&b, 0, sizeof b);
		UT_EQ(parse_exact(braced, &b), 0);
		UT_CHECK(vmbus_guid_eq(&a, &b));
	}
}

static void t_reject(void)
{
	static const char *const bad[] = {
		"",
		"{",
		"{}",
		"0e0b6031-5213-4934-818b-38d90ced39d",          /* 35 characters */
		"0e0b6031-5213-4934-818b-38d90ced39dbb",        /* 37 */
		"0e0b6031-5213-4934-818b-38d90ced39d-",
		"0e0b6031-5213-4934-818b-38d90ced39dg",         /* bad hex */
		"0e0b6031-5213-4934-818b-38d9 ced39db",
		"xe0b6031-5213-4934-818b-38d90ced39db",
		"0e0b6031-5213-4934-818b-38d90ced39d\xdb",
		"0e0b60315-213-4934-818b-38d90ced39db",         /* misplaced dashes */
		"0e0b6031-52134-934-818b-38d90ced39db",
		"0e0b6031-5213-49348-18b-38d90ced39db",
		"0e0b6031-5213-4934-818b3-8d90ced39db",
		"0e0b6031+5213-4934-818b-38d90ced39db",
		"0e0b603152134934818b38d90ced39db",             /* no dashes */
		"0e0b6031-5213-4934-818b-38d90ced39db ",        /* trailing garbage */
		"0e0b6031-5213-4934-818b-38d90ced39db\n",
		"0e0b6031-5213-4934-818b-38d90ced39dbx",
		"0e0b6031-5213-4934-818b-38d90ced39db}",
		" 0e0b6031-5213-4934-818b-38d90ced39db",        /* leading blank */
		"{0e0b6031-5213-4934-818b-38d90ced39db",        /* unbalanced braces */
		"{0e0b6031-5213-4934-818b-38d90ced39db}}",
		"{{0e0b6031-5213-4934-818b-38d90ced39db}}",
		"{0e0b6031-5213-4934-818b-38d90ced39db}x",
		"{0e0b6031-5213-4934-818b-38d90ced39db)",
		"(0e0b6031-5213-4934-818b-38d90ced39db)",
		"0x0e0b6031-5213-4934-818b-38d90ced39db",
		"-0e0b6031-5213-4934-818b-38d90ced39d",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct vmbus_guid g;
		memset(&g, 0xa5, sizeof g);
		int rc = parse_exact(bad[i], &g);
		if (rc != UMBRA_EINVAL)
			fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
		UT_EQ(rc, UMBRA_EINVAL);
		for (int k = 0; k < 16; k++)
			UT_EQ(g.b[k], 0xa5);            /* *out untouched on error */
	}
	/* A NUL inside the text ends it: the rest is never looked at. */
	char cut[] = "0e0b6031-5213-4934-818b-38d90ced39db";
	struct vmbus_guid g;
	for (size_t at = 0; at < sizeof cut - 1; at++) {
		char t[sizeof cut];
		memcpy(t, cut, sizeof cut);
		t[at] = '\0';
		UT_EQ(vmbus_guid_parse(t, &g), UMBRA_EINVAL);
	}
}

static void t_null_args(void)
{
	struct vmbus_guid g = VMBUS_CLASS_SCSI, h = VMBUS_CLASS_SCSI;
	char buf[VMBUS_GUID_STR_LEN + 8];

	UT_EQ(vmbus_guid_parse(NULL, &g), UMBRA_EINVAL);
	UT_EQ(vmbus_guid_parse("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", NULL), UMBRA_EINVAL);
	UT_EQ(vmbus_guid_format(NULL, buf, sizeof buf), UMBRA_EINVAL);
	UT_EQ(vmbus_guid_format(&g, NULL, sizeof buf), UMBRA_EINVAL);
	UT_EQ(vmbus_guid_format(&g, NULL, 0), UMBRA_EINVAL);

	/* Too small: an empty string, nothing written past buf[0]. */
	memset(buf, 'x', sizeof buf);
	UT_EQ(vmbus_guid_format(&g, buf, VMBUS_GUID_STR_LEN - 1), UMBRA_EINVAL);
	UT_EQ(buf[0], '\0');
	UT_EQ(buf[1], 'x');
	memset(buf, 'x', sizeof buf);
	UT_EQ(vmbus_guid_format(&g, buf, 0), UMBRA_EINVAL);
	UT_EQ(buf[0], 'x');
	/* Exactly big enough: the NUL is the last byte, nothing after it. */
	memset(buf, 'x', sizeof buf);
	UT_EQ(vmbus_guid_format(&g, buf, VMBUS_GUID_STR_LEN), 36);
	UT_EQ(buf[36], '\0');
	UT_EQ(buf[37], 'x');

	UT_CHECK(vmbus_guid_eq(&g, &h));
	UT_CHECK(vmbus_guid_eq(&g, &g));
	UT_CHECK(!vmbus_guid_eq(&g, NULL));
	UT_CHECK(!vmbus_guid_eq(NULL, &g));
	UT_CHECK(!vmbus_guid_eq(NULL, NULL));
	h.b[15] ^= 1;
	UT_CHECK(!vmbus_guid_eq(&g, &h));
	h.b[15] ^= 1;
	h.b[0] ^= 0x80;
	UT_CHECK(!vmbus_guid_eq(&g, &h));
	UT_CHECK(vmbus_guid_name(&h) == NULL);
	UT_CHECK(vmbus_guid_name(NULL) == NULL);
}

int main(void)
{
	UT_RUN(t_known_classes);
	UT_RUN(t_known_distinct);
	UT_RUN(t_wire_order);
	UT_RUN(t_round_trip);
	UT_RUN(t_reject);
	UT_RUN(t_null_args);
	return UT_DONE();
}
