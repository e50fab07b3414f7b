/*
 * The host-message parser. Every message the host (or paravisor) sends goes through
 * vmbus_msg_parse() before anything looks at it: it is copied into private memory first,
 * then validated; later code reads only the private copy.
 */
#ifndef UMBRA_VMBUS_MSG_H
#define UMBRA_VMBUS_MSG_H

#include <stddef.h>
#include <stdint.h>
#include "vmbus/vmbus_wire.h"

/* One row of vmbus_wire.h's VMBUS_MSG_TABLE. */
struct vmbus_msg_info {
	const char *name;               /* "OfferChannel", ... */
	size_t min_size;                /* fixed part, header included */
	enum vmbus_msg_dir dir;
};

/*
 * Copy `len` bytes at `src` (possibly shared memory; each byte is read once) into *out,
 * zero-padded to VMBUS_MSG_MAX, and validate it against VMBUS_MSG_TABLE: 8 <= len <= 240,
 * a host-to-guest row, at least that row's minimum size. Returns the message type (> 0)
 * on success, UMBRA_ENOENT for a type without a row (the client uses none of them; drop
 * it benignly), or UMBRA_EPROTO for a malformed message, a guest-to-host type or type 0
 * included (drop it and count it). *out_len gets the length.
 */
int vmbus_msg_parse(const void *src, size_t len, union vmbus_msg_any *out, size_t *out_len);

/* Minimum payload size for a host-to-guest type, 0 if the type is not one. */
size_t vmbus_msg_min_size(uint32_t msgtype);

/* The table's row for a type, NULL if it has none (types 18 and up). */
const struct vmbus_msg_info *vmbus_msg_info(uint32_t msgtype);

/* The type's name ("GpadlCreated"), "unknown" if it has no row. For log lines and tests;
 * the trace format prints msgtype=<dec> only (docs/sim.md). */
const char *vmbus_msg_name(uint32_t msgtype);

#endif
