/*
 * Validation of a packet that is already in private memory. Rules (OpenVMM parse_packet,
 * the stricter reader): the descriptor checks in ring_pkt.h, and a type header that
 * describes itself: GPA-direct range_count >= 1, each range byte_count >= 1, byte_offset < 4096,
 * its PFNs inside the header area; transfer-page ranges inside the header area.
 */
#include "ring/ring.h"
#include "ring/ring_pkt.h"
#include "ring/ring_shared.h"

static int pkt_check_gpa(const uint8_t *h, uint32_t hlen, uint32_t *count)
{
	struct ring_gpa_hdr gh;
	if (hlen < sizeof gh)
		return UMBRA_ECORRUPT;
	memcpy(&gh, h, sizeof gh);
	if (gh.range_count == 0 || gh.range_count > (hlen - sizeof gh) / 16u)
		return UMBRA_ECORRUPT; /* every range needs >= 16 bytes (header + one PFN) */
	uint32_t off = sizeof gh;
	for (uint32_t i = 0; i < gh.range_count; i++) {
		struct ring_gpa_range_hdr rh;
		if (hlen - off < sizeof rh)
			return UMBRA_ECORRUPT;
		memcpy(&rh, h + off, sizeof rh);
		off += sizeof rh;
		if (rh.byte_count == 0 || rh.byte_offset >= RING_PAGE_SIZE)
			return UMBRA_ECORRUPT;
		uint64_t pfn_bytes = 8ull * ring_gpa_pfn_count(rh.byte_offset, rh.byte_count);
		if (pfn_bytes > hlen - off)
			return UMBRA_ECORRUPT;
		off += (uint32_t)pfn_bytes;
	}
	*count = gh.range_count;
	return 0;
}

static int pkt_check_xfer(const uint8_t *h, uint32_t hlen, uint32_t *count)
{
	struct ring_xfer_hdr xh;
	if (hlen < sizeof xh)
		return UMBRA_ECORRUPT;
	memcpy(&xh, h, sizeof xh);
	if (xh.range_count > (hlen - sizeof xh) / sizeof(struct ring_xfer_range))
		return UMBRA_ECORRUPT;
	*count = xh.range_count;
	return 0;
}

int ring_pkt_parse_body(const struct ring_desc *d, const uint8_t *buf, struct ring_pkt *pkt)
{
	uint32_t hdr_len = d->offset8 * 8u - (uint32_t)sizeof *d;
	uint32_t count = 0;
	int rc = 0;
	if (d->type == RING_PKT_GPA_DIRECT)
		rc = pkt_check_gpa(buf + sizeof *d, hdr_len, &count);
	else if (d->type == RING_PKT_XFER_PAGES)
		rc = pkt_check_xfer(buf + sizeof *d, hdr_len, &count);
	if (rc)
		return rc;
	pkt->type = d->type;
	pkt->flags = d->flags;
	pkt->trans_id = d->trans_id;
	pkt->len = d->len8 * 8u;
	pkt->hdr = buf + sizeof *d;
	pkt->hdr_len = hdr_len;
	pkt->data = buf + d->offset8 * 8u;
	pkt->data_len = (d->len8 - d->offset8) * 8u;
	pkt->range_count = count;
	return 0;
}

int ring_pkt_parse(const uint8_t *buf, struct ring_pkt *pkt)
{
	struct ring_desc d;
	memcpy(&d, buf, sizeof d);
	int rc = ring_pkt_check_desc(&d);
	if (rc)
		return rc;
	return ring_pkt_parse_body(&d, buf, pkt);
}

int ring_pkt_gpa_range(const struct ring_pkt *pkt, uint32_t *pos, uint32_t *byte_count,
		       uint32_t *byte_offset, const uint64_t **pfns, uint32_t *pfn_count)
{
	if (pkt == NULL || pos == NULL || byte_count == NULL || byte_offset == NULL ||
	    pfns == NULL || pfn_count == NULL || pkt->type != RING_PKT_GPA_DIRECT ||
	    pkt->hdr == NULL)
		return UMBRA_EINVAL;
	/* *pos is a byte cursor into the header; 0 means "first range". */
	uint32_t off = *pos == 0 ? (uint32_t)sizeof(struct ring_gpa_hdr) : *pos;
	if (off < sizeof(struct ring_gpa_hdr) || (off & 7u))
		return UMBRA_EINVAL;
	if (off >= pkt->hdr_len || pkt->hdr_len - off < sizeof(struct ring_gpa_range_hdr))
		return UMBRA_ENOENT;
	/* Stop after range_count ranges even if header slack follows. */
	uint32_t seen = 0;
	for (uint32_t o = sizeof(struct ring_gpa_hdr); o < off && seen < pkt->range_count; seen++) {
		struct ring_gpa_range_hdr rh;
		memcpy(&rh, pkt->hdr + o, sizeof rh);
		o += (uint32_t)sizeof rh + 8u * ring_gpa_pfn_count(rh.byte_offset, rh.byte_count);
	}
	if (seen >= pkt->range_count)
		return UMBRA_ENOENT;
	struct ring_gpa_range_hdr rh;
	memcpy(&rh, pkt->hdr + off, sizeof rh);
	uint32_t n = ring_gpa_pfn_count(rh.byte_offset, rh.byte_count);
	if (rh.byte_count == 0 || rh.byte_offset >= RING_PAGE_SIZE ||
	    (uint64_t)n * 8u > pkt->hdr_len - off - sizeof rh)
		return UMBRA_EINVAL; /* not a validated packet */
	*byte_count = rh.byte_count;
	*byte_offset = rh.byte_offset;
	*pfns = (const uint64_t *)(const void *)(pkt->hdr + off + sizeof rh);
	*pfn_count = n;
	*pos = off + (uint32_t)sizeof rh + n * 8u;
	return 0;
}
