#include "vmbus/vmbus_msg.h"
#include "lib/string.h"
#include <umbra/errno.h>

/* Every row's struct is a wire struct that fits the SynIC payload and holds its
 * minimum size; the type is small enough to index vmbus_msg_table. */
#define VMBUS_MSG_CHECK_(type, id, name, dir, st, min) \
	_Static_assert((min) >= sizeof(struct vmbus_msg_hdr) && (min) <= sizeof(struct st) && \
		       sizeof(struct st) <= VMBUS_MSG_MAX && (type) < VMBUS_MSG_TABLE_END, #id);
VMBUS_MSG_TABLE(VMBUS_MSG_CHECK_)
#undef VMBUS_MSG_CHECK_

/* vmbus_wire.h's VMBUS_MSG_TABLE indexed by type; a row without a name is no row. */
static const struct vmbus_msg_info vmbus_msg_table[VMBUS_MSG_TABLE_END] = {
#define VMBUS_MSG_ROW_(type, id, nm, d, st, min) \
	[type] = { .name = nm, .min_size = (min), .dir = VMBUS_DIR_##d },
	VMBUS_MSG_TABLE(VMBUS_MSG_ROW_)
#undef VMBUS_MSG_ROW_
};

const struct vmbus_msg_info *vmbus_msg_info(uint32_t msgtype)
{
	if (msgtype >= VMBUS_MSG_TABLE_END || !vmbus_msg_table[msgtype].name)
		return NULL;
	return &vmbus_msg_table[msgtype];
}

const char *vmbus_msg_name(uint32_t msgtype)
{
	const struct vmbus_msg_info *i = vmbus_msg_info(msgtype);
	return i ? i->name : "unknown";
}

size_t vmbus_msg_min_size(uint32_t msgtype)
{
	const struct vmbus_msg_info *i = vmbus_msg_info(msgtype);
	return i && i->dir == VMBUS_DIR_H2G ? i->min_size : 0;
}

int vmbus_msg_parse(const void *src, size_t len, union vmbus_msg_any *out, size_t *out_len)
{
	if (!out)
		return UMBRA_EINVAL;
	memset(out, 0, sizeof(*out));
	if (out_len)
		*out_len = 0;
	if (!src || len < sizeof(struct vmbus_msg_hdr) || len > VMBUS_MSG_MAX)
		return UMBRA_EPROTO;
	/* The only read of the source: everything below looks at the private copy. */
	memcpy(out->bytes, src, len);
	if (out_len)
		*out_len = len;
	uint32_t t = out->hdr.msgtype;
	const struct vmbus_msg_info *i = vmbus_msg_info(t);
	if (!i)
		return UMBRA_ENOENT;            /* not a row: nothing the client uses */
	if (i->dir != VMBUS_DIR_H2G)
		return UMBRA_EPROTO;            /* guest-to-host (or type 0) from the host */
	if (len < i->min_size)
		return UMBRA_EPROTO;
	return (int)t;
}
