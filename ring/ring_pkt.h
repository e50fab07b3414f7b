/* Internal to ring/: validation of a packet already copied into private memory. */
#ifndef UMBRA_RING_PKT_H
#define UMBRA_RING_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "ring/ring.h"

/* Descriptor checks that need no more than the 16 descriptor bytes (OpenVMM rules):
 * known type (6, 7, 9, 11), only the COMPLETION_REQUESTED flag, data_offset8 >= 2,
 * len8 >= data_offset8. */
#define RING_PKT_KNOWN_TYPES ((1u << RING_PKT_INBAND) | (1u << RING_PKT_XFER_PAGES) | \
			      (1u << RING_PKT_GPA_DIRECT) | (1u << RING_PKT_COMP))

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the wire format is little-endian");
_Static_assert(offsetof(struct ring_desc, offset8) == 2 && offsetof(struct ring_desc, len8) == 4 &&
	       offsetof(struct ring_desc, flags) == 6, "descriptor word decoded by ring_pkt_desc_bad");

/* The checks on the descriptor's first 8 bytes as one little-endian word (type @0,
 * offset8 @16, len8 @32, flags @48); nonzero = corrupt. One branch per rule, no
 * intermediate flags (this runs once per packet). */
static inline int ring_pkt_desc_bad(uint64_t w0)
{
	uint32_t type = (uint16_t)w0, offset8 = (uint16_t)(w0 >> 16);
	uint32_t len8 = (uint16_t)(w0 >> 32);
	return type >= 32 || ((1u << type) & RING_PKT_KNOWN_TYPES) == 0 ||
	       (w0 >> 48 & ~(uint64_t)RING_FLAG_COMPLETION_REQUESTED) != 0 || offset8 < 2 ||
	       len8 < offset8;
}

static inline int ring_pkt_check_desc(const struct ring_desc *d)
{
	uint64_t w0;
	__builtin_memcpy(&w0, d, sizeof w0);
	return ring_pkt_desc_bad(w0) ? UMBRA_ECORRUPT : 0;
}

/* Full validation of the private copy buf (len8 * 8 bytes, 8-byte aligned, whose length
 * the caller has already checked against the ring); fills *pkt. 0 or UMBRA_ECORRUPT. */
int ring_pkt_parse(const uint8_t *buf, struct ring_pkt *pkt);
/* The same with the descriptor already copied out of buf[0..16) and checked. */
int ring_pkt_parse_body(const struct ring_desc *d, const uint8_t *buf, struct ring_pkt *pkt);

#endif
