/* include/umbra/vmbus_guid.h: GUID text form, comparison and the well-known class names.
 * Portable, no state; linked into the image and the host tests. */
#include <umbra/vmbus_guid.h>

#define GUID_TEXT_LEN 36

/* Where in the text form the two hex digits of wire byte i start: the first three fields
 * are little-endian, so their bytes appear in the text in reverse order. */
static const uint8_t guid_text_pos[16] = {
	6, 4, 2, 0,     /* d1 */
	11, 9,          /* d2 */
	16, 14,         /* d3 */
	19, 21,         /* d4[0..1] */
	24, 26, 28, 30, 32, 34,
};

static bool guid_dash_at(unsigned i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

static int guid_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vmbus_guid_parse(const char *text, struct vmbus_guid *out)
{
	struct vmbus_guid g;

	if (!text || !out)
		return UMBRA_EINVAL;
	const char *body = text + (text[0] == '{');
	/* Character by character, so a short string is never read past its NUL. */
	for (unsigned i = 0; i < GUID_TEXT_LEN; i++) {
		if (guid_dash_at(i) ? body[i] != '-' : guid_hex(body[i]) < 0)
			return UMBRA_EINVAL;
	}
	const char *end = body + GUID_TEXT_LEN;
	if (body != text && *end++ != '}')
		return UMBRA_EINVAL;
	if (*end != '\0')
		return UMBRA_EINVAL;
	for (unsigned i = 0; i < 16; i++) {
		const char *p = body + guid_text_pos[i];
		g.b[i] = (uint8_t)(guid_hex(p[0]) << 4 | guid_hex(p[1]));
	}
	*out = g;
	return 0;
}

int vmbus_guid_format(const struct vmbus_guid *g, char *buf, size_t size)
{
	static const char digits[] = "0123456789abcdef";

	if (buf && size > 0)
		buf[0] = '\0';
	if (!g || !buf || size < VMBUS_GUID_STR_LEN)
		return UMBRA_EINVAL;
	for (unsigned i = 8; i < GUID_TEXT_LEN; i += 5)
		buf[i] = '-';
	for (unsigned i = 0; i < 16; i++) {
		buf[guid_text_pos[i]] = digits[g->b[i] >> 4];
		buf[guid_text_pos[i] + 1] = digits[g->b[i] & 0xf];
	}
	buf[GUID_TEXT_LEN] = '\0';
	return GUID_TEXT_LEN;
}

bool vmbus_guid_eq(const struct vmbus_guid *a, const struct vmbus_guid *b)
{
	if (!a || !b)
		return false;
	for (unsigned i = 0; i < 16; i++)
		if (a->b[i] != b->b[i])
			return false;
	return true;
}

static const struct {
	struct vmbus_guid guid;
	const char *name;
} guid_names[] = {
	{ VMBUS_CLASS_SHUTDOWN, "shutdown" },
	{ VMBUS_CLASS_TIMESYNC, "timesync" },
	{ VMBUS_CLASS_HEARTBEAT, "heartbeat" },
	{ VMBUS_CLASS_KVP, "kvp" },
	{ VMBUS_CLASS_VSS, "vss" },
	{ VMBUS_CLASS_FCOPY, "fcopy" },
	{ VMBUS_CLASS_RDV, "rdv" },
	{ VMBUS_CLASS_AVMA1, "avma1" },
	{ VMBUS_CLASS_AVMA2, "avma2" },
	{ VMBUS_CLASS_SCSI, "scsi" },
	{ VMBUS_CLASS_IDE, "ide" },
	{ VMBUS_CLASS_FC, "fc" },
	{ VMBUS_CLASS_VMBFS, "vmbfs" },
	{ VMBUS_CLASS_NET, "net" },
	{ VMBUS_CLASS_ND, "nd" },
	{ VMBUS_CLASS_KEYBOARD, "keyboard" },
	{ VMBUS_CLASS_MOUSE, "mouse" },
	{ VMBUS_CLASS_VIDEO, "video" },
	{ VMBUS_CLASS_UART, "uart" },
	{ VMBUS_CLASS_DYNMEM, "dynmem" },
	{ VMBUS_CLASS_PCI, "pci" },
};

const char *vmbus_guid_name(const struct vmbus_guid *g)
{
	if (!g)
		return NULL;
	for (size_t i = 0; i < sizeof guid_names / sizeof guid_names[0]; i++)
		if (vmbus_guid_eq(g, &guid_names[i].guid))
			return guid_names[i].name;
	return NULL;
}
