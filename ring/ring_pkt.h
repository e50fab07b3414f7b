/* Internal to ring/: validation of a packet already copied into private memory. */
#ifndef UMBRA_RING_PKT_H
#define UMBRA_RING_PKT_H

#include <stdint.h>

#include "ring/ring.h"

/* Descriptor checks that need no more than the 16 descriptor bytes. */
int ring_pkt_check_desc(const struct ring_desc *d);
/* Full validation of the private copy buf (len8 * 8 bytes, 8-byte aligned, whose length
 * the caller has already checked against the ring); fills *pkt. 0 or UMBRA_ECORRUPT. */
int ring_pkt_parse(const uint8_t *buf, struct ring_pkt *pkt);

#endif
