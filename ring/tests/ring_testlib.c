#include <stdlib.h>
#include <string.h>

#include "ring/tests/ring_testlib.h"

void *ring_t_alloc(size_t bytes)
{
	void *p = aligned_alloc(RING_PAGE_SIZE, bytes);
	if (p)
		memset(p, 0xA5, bytes);
	return p;
}

uint64_t ring_t_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint32_t ring_t_get32(const void *ring, uint32_t off)
{
	uint32_t v;
	memcpy(&v, (const uint8_t *)ring + off, 4);
	return v;
}

void ring_t_set32(void *ring, uint32_t off, uint32_t v)
{
	memcpy((uint8_t *)ring + off, &v, 4);
}

void ring_t_put(void *ring, uint32_t size, uint32_t off, const void *src, uint32_t n)
{
	uint8_t *data = (uint8_t *)ring + RING_CTL_SIZE;
	for (uint32_t i = 0; i < n; i++)
		data[(off + i) % size] = ((const uint8_t *)src)[i];
}

void ring_t_get(const void *ring, uint32_t size, uint32_t off, void *dst, uint32_t n)
{
	const uint8_t *data = (const uint8_t *)ring + RING_CTL_SIZE;
	for (uint32_t i = 0; i < n; i++)
		((uint8_t *)dst)[i] = data[(off + i) % size];
}

void ring_t_host_write(void *ring, uint32_t size, const struct ring_desc *d, const void *body,
		       uint32_t body_len)
{
	uint32_t w = ring_t_get32(ring, RING_CTL_WRITE_INDEX);
	ring_t_put(ring, size, w, d, sizeof *d);
	if (body_len)
		ring_t_put(ring, size, w + 16, body, body_len);
	uint32_t len = 16 + body_len;
	struct ring_trailer t = { 0, w };
	ring_t_put(ring, size, w + len, &t, sizeof t);
	ring_t_set32(ring, RING_CTL_WRITE_INDEX, (w + len + 8) % size);
}

void ring_t_pattern(void *buf, size_t n, uint64_t seed)
{
	uint64_t s = seed;
	for (size_t i = 0; i < n; i++) {
		if ((i & 7) == 0)
			s = ring_t_rand(&s);
		((uint8_t *)buf)[i] = (uint8_t)(s >> ((i & 7) * 8));
	}
}
