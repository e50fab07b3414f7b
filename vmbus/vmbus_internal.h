/* Private helpers shared by the protocol core's files. */
#ifndef UMBRA_VMBUS_INTERNAL_H
#define UMBRA_VMBUS_INTERNAL_H

#include "vmbus/vmbus_conn.h"

uint64_t vmbus_timeout(const struct vmbus_conn *c);
uint16_t vmbus_post_raw(struct vmbus_conn *c, bool direct, uint32_t conn_id,
			const void *msg, size_t len);
/* Post on the negotiated connection id and route. 0, UMBRA_ECLOSED or UMBRA_EIO. */
int vmbus_post(struct vmbus_conn *c, const void *msg, size_t len);
int vmbus_conn_wait(struct vmbus_conn *c, bool (*cond)(struct vmbus_conn *, const void *),
	       const void *arg);
struct vmbus_gpadl_rec *vmbus_gpadl_find(struct vmbus_conn *c, uint32_t id);

#endif
