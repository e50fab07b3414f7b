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

/*
 * Copy `len` bytes at `src` (possibly shared memory; each byte is read once) into *out,
 * zero-padded to VMBUS_MSG_MAX, and validate it: 8 <= len <= 240, a host-to-guest type,
 * at least the minimum size for that type. Returns the message type (> 0) on success,
 * UMBRA_ENOENT for a type the client ignores (unknown or unused; drop it benignly), or
 * UMBRA_EPROTO for a malformed message (drop it and count it). *out_len gets the length.
 */
int vmbus_msg_parse(const void *src, size_t len, union vmbus_msg_any *out, size_t *out_len);

/* Minimum payload size for a host-to-guest type, 0 if the type is not one. */
size_t vmbus_msg_min_size(uint32_t msgtype);

#endif
