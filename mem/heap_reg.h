/*
 * The heap's registry: the set of base VAs of every slab and large block the heap holds.
 * mem_free() looks a candidate base up here before it reads any header, so a foreign
 * pointer is never dereferenced. Open addressing with linear probing; the table lives in
 * pages from the page allocator and doubles at half load. Key 0 is never a member.
 */
#ifndef UMBRA_MEM_HEAP_REG_H
#define UMBRA_MEM_HEAP_REG_H

#include <stdbool.h>
#include <stdint.h>

/* 0, or UMBRA_ENOMEM if the table had to grow and no pages were left. */
int mem_reg_insert(uintptr_t key);
bool mem_reg_has(uintptr_t key);
/* Removing a key that is not present does nothing. */
void mem_reg_remove(uintptr_t key);
uint64_t mem_reg_count(void);
uint64_t mem_reg_pages(void);
/* Give the table's pages back if it is empty. */
void mem_reg_release_if_empty(void);
/* Forget the table without freeing it (mem_page_reset). */
void mem_reg_reset(void);

#endif
