/* Internal to ring/: validation of a packet already copied into private memory. */
#ifndef UMBRA_RING_PKT_H
#define UMBRA_RING_PKT_H

#include <stdint.h>

#include "ring/ring.h"

/* Descriptor checks that need no more than the 16 descriptor bytes (OpenVMM rules):
 * known type (6, 7, 9, 11), only the COMPLETION_REQUESTED flag, data_offset8 >= 2,
 * len8 >= data_offset8. */
#define RING_PKT_KNOWN_TYPES ((1u << RING_PKT_INBAND) | (1u << RING_PKT_XFER_PAGES) | \
			      (1u << RING_PKT_GPA_DIRECT) | (1u << RING_PKT_COMP))

static inline int ring_pkt_check_desc(const struct ring_desc *d)
{
	uint32_t t = d->type;
	int bad = t >= 32 || ((1u << (t & 31)) & RING_PKT_KNOWN_TYPES) == 0;
	bad |= (d->flags & ~RING_FLAG_COMPLETION_REQUESTED) != 0;
	bad |= d->offset8 < 2;
	bad |= d->len8 < d->offset8;
	return bad ? UMBRA_ECORRUPT : 0;
}

/* Full validation of the private copy buf (len8 * 8 bytes, 8-byte aligned, whose length
 * the caller has already checked against the ring); fills *pkt. 0 or UMBRA_ECORRUPT. */
int ring_pkt_parse(const uint8_t *buf, struct ring_pkt *pkt);
/* The same with the descriptor already copied out of buf[0..16) and checked. */
int ring_pkt_parse_body(const struct ring_desc *d, const uint8_t *buf, struct ring_pkt *pkt);

#endif
