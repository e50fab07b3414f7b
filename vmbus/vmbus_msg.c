#include "vmbus/vmbus_msg.h"
#include "lib/string.h"
#include <umbra/errno.h>

size_t vmbus_msg_min_size(uint32_t msgtype)
{
	switch (msgtype) {
	case VMBUS_MSG_OFFERCHANNEL: return sizeof(struct vmbus_offer_channel);
	case VMBUS_MSG_RESCIND_CHANNELOFFER: return sizeof(struct vmbus_msg_relid);
	case VMBUS_MSG_ALLOFFERS_DELIVERED: return sizeof(struct vmbus_msg_hdr);
	case VMBUS_MSG_OPENCHANNEL_RESULT: return sizeof(struct vmbus_open_result);
	case VMBUS_MSG_GPADL_CREATED: return sizeof(struct vmbus_gpadl_created);
	case VMBUS_MSG_GPADL_TORNDOWN: return sizeof(struct vmbus_gpadl_torndown);
	case VMBUS_MSG_VERSION_RESPONSE: return VMBUS_VERSION_RESPONSE_MIN;
	case VMBUS_MSG_UNLOAD_RESPONSE: return sizeof(struct vmbus_msg_hdr);
	default: return 0;
	}
}

static int is_g2h_type(uint32_t t)
{
	switch (t) {
	case VMBUS_MSG_INVALID:
	case VMBUS_MSG_REQUESTOFFERS:
	case VMBUS_MSG_OPENCHANNEL:
	case VMBUS_MSG_CLOSECHANNEL:
	case VMBUS_MSG_GPADL_HEADER:
	case VMBUS_MSG_GPADL_BODY:
	case VMBUS_MSG_GPADL_TEARDOWN:
	case VMBUS_MSG_RELID_RELEASED:
	case VMBUS_MSG_INITIATE_CONTACT:
	case VMBUS_MSG_UNLOAD:
		return 1;
	default:
		return 0;
	}
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
	if (is_g2h_type(t))
		return UMBRA_EPROTO;
	size_t min = vmbus_msg_min_size(t);
	if (min == 0)
		return UMBRA_ENOENT;
	if (len < min)
		return UMBRA_EPROTO;
	return (int)t;
}
