/* Helpers shared by the ring host tests (test-only). */
#ifndef UMBRA_RING_TESTS_TESTLIB_H
#define UMBRA_RING_TESTS_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "ring/ring.h"

/* 4 KiB aligned memory filled with 0xA5 (so "zeroed by init" is observable). */
void *ring_t_alloc(size_t bytes);
uint64_t ring_t_rand(uint64_t *state);
uint32_t ring_t_get32(const void *ring, uint32_t ctl_off);
void ring_t_set32(void *ring, uint32_t ctl_off, uint32_t v);
/* Raw access to the data area (wrapping), as a host would do. */
void ring_t_put(void *ring, uint32_t size, uint32_t off, const void *src, uint32_t n);
void ring_t_get(const void *ring, uint32_t size, uint32_t off, void *dst, uint32_t n);
/* Write a raw packet (descriptor + body, len8*8 bytes) and trailer at the host's write
 * index and publish it, bypassing ring_tx: a host writing arbitrary bytes. */
void ring_t_host_write(void *ring, uint32_t size, const struct ring_desc *d, const void *body,
		       uint32_t body_len);
/* Fill a pattern derived from seed into buf. */
void ring_t_pattern(void *buf, size_t n, uint64_t seed);

#endif
