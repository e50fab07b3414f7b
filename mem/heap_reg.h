/*
 * The heap's registry: a map from the VA of every page that starts a heap object's
 * possible position (each page of a slab, the first page of a large block) to the VA of
 * the span's header. mem_free() looks the pointer's page up here before it reads any
 * header, so a foreign pointer is never dereferenced, and no VA alignment beyond 4 KiB
 * is assumed. Open addressing with linear probing; the table lives in pages from the
 * page allocator and doubles at half load. Key 0 is never a member.
 */
#ifndef UMBRA_MEM_HEAP_REG_H
#define UMBRA_MEM_HEAP_REG_H

#include <stdint.h>

/* Make room for n more keys: 0, or UMBRA_ENOMEM (table unchanged). */
int mem_reg_reserve(uint64_t n);
/* Insert a key not present yet; room must have been reserved. */
void mem_reg_insert(uintptr_t page, uintptr_t span);
/* The span registered for page, or 0. */
uintptr_t mem_reg_lookup(uintptr_t page);
/* Removing a key that is not present does nothing. */
void mem_reg_remove(uintptr_t page);
uint64_t mem_reg_count(void);
uint64_t mem_reg_pages(void);
/* Give the table's pages back if it is empty. */
void mem_reg_release_if_empty(void);
/* Forget the table without freeing it (mem_page_reset). */
void mem_reg_reset(void);

#endif
