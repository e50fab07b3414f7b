/* Internal to ring/: validation of a packet already copied into private memory. */
#ifndef UMBRA_RING_PKT_H
#define UMBRA_RING_PKT_H

#include <stdint.h>

#include "ring/ring.h"

/* Descriptor checks that need no more than the 16 descriptor bytes (OpenVMM rules):
 * known type (6, 7, 9, 11), only the COMPLETION_REQUESTED flag, data_offset8 >= 2,
 * len8 >= data_offset8. */
static inline int ring_pkt_check_desc(const struct ring_desc *d)
{
	uint16_t t = d->type;
	if (t != RING_PKT_INBAND && t != RING_PKT_XFER_PAGES && t != RING_PKT_GPA_DIRECT &&
	    t != RING_PKT_COMP)
		return UMBRA_ECORRUPT;
	if ((d->flags & ~RING_FLAG_COMPLETION_REQUESTED) != 0)
		return UMBRA_ECORRUPT;
	if (d->offset8 < 2 || d->len8 < d->offset8)
		return UMBRA_ECORRUPT;
	return 0;
}

/* Full validation of the private copy buf (len8 * 8 bytes, 8-byte aligned, whose length
 * the caller has already checked against the ring); fills *pkt. 0 or UMBRA_ECORRUPT. */
int ring_pkt_parse(const uint8_t *buf, struct ring_pkt *pkt);
/* The same with the descriptor already copied out of buf[0..16) and checked. */
int ring_pkt_parse_body(const struct ring_desc *d, const uint8_t *buf, struct ring_pkt *pkt);

#endif
