/*
 * Freestanding formatting (portable; unit-tested on the host). Supports the subset
 * documented for umbra_printf in include/umbra/umbra.h. Always NUL-terminates when
 * size > 0; returns the length the full output would have had.
 */
#ifndef UMBRA_LIB_FMT_H
#define UMBRA_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
