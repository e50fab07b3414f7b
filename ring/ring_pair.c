/* A channel's two rings in one buffer: outbound first, inbound at a page offset. */
#include "ring/ring.h"

int ring_pair_init(struct ring_pair *p, void *buf, size_t buf_bytes, uint32_t inbound_page_offset)
{
	if (p == NULL || buf == NULL || buf_bytes % RING_PAGE_SIZE != 0)
		return UMBRA_EINVAL;
	size_t out_bytes = (size_t)inbound_page_offset * RING_PAGE_SIZE;
	if (inbound_page_offset == 0 || out_bytes >= buf_bytes)
		return UMBRA_EINVAL;
	int rc = ring_tx_init(&p->tx, buf, out_bytes);
	if (rc)
		return rc;
	return ring_rx_init(&p->rx, (uint8_t *)buf + out_bytes, buf_bytes - out_bytes);
}

int ring_pair_reset(struct ring_pair *p)
{
	if (p == NULL)
		return UMBRA_EINVAL;
	int rc = ring_tx_reset(&p->tx);
	if (rc)
		return rc;
	return ring_rx_reset(&p->rx);
}
