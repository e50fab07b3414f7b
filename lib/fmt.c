/*
 * fmt_vsnprintf: the printf subset of include/umbra/umbra.h.
 *   conversions  %d %i %u %x %X %p %s %c %%
 *   length       hh h l ll z (hh/h accepted and applied)
 *   flags        '0' '-'; width and precision may be '*'
 *   precision    for %s (max characters), ignored for integers
 * Anything else is copied to the output verbatim. A NULL %s prints "(null)".
 */
#include <stdbool.h>
#include <stdint.h>

#include "lib/fmt.h"

struct fmt_out {
	char *buf;
	size_t size;
	size_t len;     /* characters the full output has so far */
};

static void fmt_put(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void fmt_pad(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		fmt_put(o, c);
}

/* Emits s[0..n) padded to width. Zero padding goes after a leading sign or 0x. */
static void fmt_field(struct fmt_out *o, const char *s, int n, int width, bool left,
		      bool zero, int prefix)
{
	int pad = width > n ? width - n : 0;

	if (left) {
		for (int i = 0; i < n; i++)
			fmt_put(o, s[i]);
		fmt_pad(o, ' ', pad);
		return;
	}
	if (zero) {
		for (int i = 0; i < prefix; i++)
			fmt_put(o, s[i]);
		fmt_pad(o, '0', pad);
		for (int i = prefix; i < n; i++)
			fmt_put(o, s[i]);
		return;
	}
	fmt_pad(o, ' ', pad);
	for (int i = 0; i < n; i++)
		fmt_put(o, s[i]);
}

/* Formats v in base 10 or 16 into tmp (right-aligned); returns the start index. */
static int fmt_num(char tmp[32], uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int i = 32;

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	return i;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { .buf = buf, .size = buf ? size : 0, .len = 0 };
	va_list args;

	va_copy(args, ap);
	if (!fmt)
		fmt = "(null)";
	while (*fmt) {
		const char *spec = fmt;
		bool left = false, zero = false;
		int width = 0, prec = -1, lmod = 0;   /* lmod: -2 hh, -1 h, 0, 1 l, 2 ll, 3 z */

		if (*fmt != '%') {
			fmt_put(&o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(args, int);
			if (width < 0) {
				left = true;
				width = width == INT32_MIN ? 0 : -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9') {
				if (width < 100000)
					width = width * 10 + (*fmt - '0');
				fmt++;
			}
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(args, int);
				if (prec < 0)
					prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9') {
					if (prec < 100000)
						prec = prec * 10 + (*fmt - '0');
					fmt++;
				}
			}
		}
		if (*fmt == 'h') {
			lmod = -1;
			if (*++fmt == 'h') {
				lmod = -2;
				fmt++;
			}
		} else if (*fmt == 'l') {
			lmod = 1;
			if (*++fmt == 'l') {
				lmod = 2;
				fmt++;
			}
		} else if (*fmt == 'z') {
			lmod = 3;
			fmt++;
		}
		if (left)
			zero = false;

		char tmp[32];
		char c = *fmt;
		if (c == 'd' || c == 'i') {
			int64_t v;
			if (lmod == 1)
				v = va_arg(args, long);
			else if (lmod == 2)
				v = va_arg(args, long long);
			else if (lmod == 3)
				v = (int64_t)va_arg(args, size_t);   /* signed size_t, same width */
			else
				v = va_arg(args, int);
			if (lmod == -1)
				v = (short)v;
			else if (lmod == -2)
				v = (signed char)v;
			uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
			int i = fmt_num(tmp, mag, 10, false);
			if (v < 0)
				tmp[--i] = '-';
			fmt_field(&o, tmp + i, 32 - i, width, left, zero, v < 0);
		} else if (c == 'u' || c == 'x' || c == 'X') {
			uint64_t v;
			if (lmod == 1)
				v = va_arg(args, unsigned long);
			else if (lmod == 2)
				v = va_arg(args, unsigned long long);
			else if (lmod == 3)
				v = va_arg(args, size_t);
			else
				v = va_arg(args, unsigned int);
			if (lmod == -1)
				v = (unsigned short)v;
			else if (lmod == -2)
				v = (unsigned char)v;
			int i = fmt_num(tmp, v, c == 'u' ? 10 : 16, c == 'X');
			fmt_field(&o, tmp + i, 32 - i, width, left, zero, 0);
		} else if (c == 'p') {
			uint64_t v = (uint64_t)(uintptr_t)va_arg(args, void *);
			int i = fmt_num(tmp, v, 16, false);
			tmp[--i] = 'x';
			tmp[--i] = '0';
			fmt_field(&o, tmp + i, 32 - i, width, left, zero, 2);
		} else if (c == 's') {
			const char *s = va_arg(args, const char *);
			int n = 0;
			if (!s)
				s = "(null)";
			while (s[n] && (prec < 0 || n < prec) && n < INT32_MAX - 1)
				n++;
			fmt_field(&o, s, n, width, left, false, 0);
		} else if (c == 'c') {
			tmp[0] = (char)va_arg(args, int);
			fmt_field(&o, tmp, 1, width, left, false, 0);
		} else if (c == '%') {
			fmt_put(&o, '%');
		} else {
			/* Unknown or truncated conversion: copy it verbatim. */
			while (spec < fmt)
				fmt_put(&o, *spec++);
			if (!c)
				break;
			fmt_put(&o, c);
		}
		fmt++;
	}
	va_end(args);
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
