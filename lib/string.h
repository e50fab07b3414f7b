/*
 * The few C string/memory functions the portable code uses, with their standard
 * names and prototypes. The EFI image links lib/string.c; host builds use libc's.
 */
#ifndef UMBRA_LIB_STRING_H
#define UMBRA_LIB_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
