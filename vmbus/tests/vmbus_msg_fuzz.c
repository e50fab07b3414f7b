/* libFuzzer target: every host message goes through vmbus_msg_parse, then the protocol
 * core's dispatcher on a connected (confidential) connection. The input is split into
 * messages by a leading length byte. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "vmbus/vmbus_conn.h"
#include "vmbus/vmbus_msg.h"
#include <umbra/errno.h>

static uint64_t fz_now;
static uint16_t fz_post(void *ctx, bool d, uint32_t c, const void *m, size_t l)
{
	(void)ctx; (void)d; (void)c; (void)m; (void)l;
	return 0;
}
static uint16_t fz_signal(void *ctx, uint32_t c) { (void)ctx; (void)c; return 0; }
static int fz_recv(void *ctx, void *b, size_t cap, uint64_t t)
{
	(void)ctx; (void)b; (void)cap;
	fz_now += t;
	return UMBRA_ETIMEDOUT;
}
static uint64_t fz_clock(void *ctx) { (void)ctx; return fz_now; }
static void fz_delay(void *ctx, uint64_t ns) { (void)ctx; fz_now += ns; }
static const struct vmbus_transport fz_tp = {
	.post = fz_post, .signal = fz_signal, .recv = fz_recv, .now_ns = fz_clock, .delay_ns = fz_delay,
};
static struct vmbus_conn fz_c;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union vmbus_msg_any m;
	size_t n;
	int t = vmbus_msg_parse(data, size, &m, &n);
	if (t > 0 && n < vmbus_msg_min_size((uint32_t)t))
		__builtin_trap();
	/* The verdict is the table's (vmbus_wire.h VMBUS_MSG_TABLE): accepted only for a
	 * host-to-guest row, ignored only for a type without a row. */
	if (size >= sizeof(struct vmbus_msg_hdr) && size <= VMBUS_MSG_MAX) {
		const struct vmbus_msg_info *in = vmbus_msg_info(m.hdr.msgtype);
		if (t > 0 && (!in || in->dir != VMBUS_DIR_H2G || (uint32_t)t != m.hdr.msgtype))
			__builtin_trap();
		if ((t == UMBRA_ENOENT) != (in == NULL))
			__builtin_trap();
	}
	vmbus_conn_init(&fz_c, &fz_tp);
	fz_c.connected = true;
	fz_c.confidential = (size & 1) != 0;
	fz_c.msg_conn_id = 1;
	while (size > 0) {
		size_t len = data[0];
		data++, size--;
		if (len > size)
			len = size;
		vmbus_conn_handle(&fz_c, data, len);
		data += len, size -= len;
	}
	for (int i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		const struct vmbus_chan_rec *r = &fz_c.ch[i];
		if (r->state == VMBUS_CHAN_FREE)
			continue;
		if (r->offer.relid == 0 || r->offer.relid > VMBUS_MAX_RELID)
			__builtin_trap();
		if ((r->offer.flags & 0x4) && !(r->offer.flags & 0x2))
			__builtin_trap();
		if (!fz_c.confidential && (r->offer.flags & 0x6))
			__builtin_trap();
	}
	return 0;
}
