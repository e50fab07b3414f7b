/* Command-line text -> argv (boot/cmdline.h). */
#include "boot/cmdline.h"

#include <stdint.h>

#include "lib/string.h"

#define NOT_TEXT 0              /* decoded in place of a character that makes it binary */

struct dec {
	const uint8_t *p;
	size_t n, i;
	bool utf16, file;
};

static bool utf16_at(const struct dec *d, size_t i, uint16_t lo, uint16_t hi)
{
	if (d->n - i < 2)
		return false;
	uint16_t u = (uint16_t)(d->p[i] | d->p[i + 1] << 8);
	return u >= lo && u <= hi;
}

/* The next character: ASCII as is, anything else '?', NOT_TEXT for a NUL in a file or
 * a dangling byte of UTF-16 in a file; -1 at the end. */
static int next(struct dec *d)
{
	if (d->i >= d->n)
		return -1;
	if (d->utf16) {
		if (d->n - d->i < 2) {
			d->i = d->n;
			return d->file ? NOT_TEXT : -1;
		}
		uint16_t u = (uint16_t)(d->p[d->i] | d->p[d->i + 1] << 8);
		d->i += 2;
		if (u == 0 && !d->file) {
			d->i = d->n;    /* load options end at their NUL */
			return -1;
		}
		if (u >= 0xd800 && u <= 0xdbff && utf16_at(d, d->i, 0xdc00, 0xdfff))
			d->i += 2;
		return u < 0x80 ? u : '?';
	}
	uint8_t b = d->p[d->i++];
	if (b < 0x80)
		return b;
	if (b >= 0xc2 && b <= 0xf4) {
		int k = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
		while (k-- > 0 && d->i < d->n && (d->p[d->i] & 0xc0) == 0x80)
			d->i++;
	}
	return '?';
}

static bool blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void dec_init(struct dec *d, const void *data, size_t size, unsigned flags)
{
	d->p = data;
	d->n = data ? size : 0;
	d->i = 0;
	d->file = flags & BOOT_CMDLINE_FILE;
	d->utf16 = flags & BOOT_CMDLINE_UCS2;
	if (d->file && d->n >= 2 && d->p[0] == 0xff && d->p[1] == 0xfe) {
		d->utf16 = true;
		d->i = 2;
	} else if (d->file && d->n >= 3 && d->p[0] == 0xef && d->p[1] == 0xbb &&
		   d->p[2] == 0xbf) {
		d->i = 3;
	}
}

static bool ends_in_efi(const char *w, size_t n)
{
	const char *e = w + n - 4;

	return n > 4 && e[0] == '.' && (e[1] | 0x20) == 'e' && (e[2] | 0x20) == 'f' &&
	       (e[3] | 0x20) == 'i';
}

void boot_cmdline_init(struct boot_cmdline *c, char *buf, size_t buf_size, char **argv,
		       int max_args)
{
	memset(c, 0, sizeof(*c));
	c->buf = buf;
	c->buf_size = buf_size;
	c->argv = argv;
	c->max_args = max_args < 1 ? 1 : max_args;
	c->argv[0] = "umbra";
	c->argv[1] = NULL;
	c->argc = 1;
}

bool boot_cmdline_add(struct boot_cmdline *c, const void *data, size_t size, unsigned flags)
{
	struct dec d;
	int ch;

	dec_init(&d, data, size, flags);
	while ((ch = next(&d)) >= 0)
		if ((ch < 0x20 && !blank(ch)) || ch == 0x7f)
			return false;
	dec_init(&d, data, size, flags);
	ch = next(&d);
	while (ch >= 0) {
		if (blank(ch)) {
			ch = next(&d);
			continue;
		}
		if (ch == '#' && (flags & BOOT_CMDLINE_FILE)) {
			while (ch >= 0 && ch != '\n' && ch != '\r')
				ch = next(&d);
			continue;
		}
		size_t start = c->used, len = 0;
		bool fits = true;
		for (; ch >= 0 && !blank(ch); ch = next(&d), len++) {
			if (fits && c->used + 1 < c->buf_size)
				c->buf[c->used++] = (char)ch;
			else
				fits = false;
		}
		bool image = (flags & BOOT_CMDLINE_IMAGE_NAME) && c->argc == 1 && !c->words &&
			     fits && ends_in_efi(c->buf + start, len);
		if (!image)
			c->words++;
		if (!fits || (!image && c->argc >= c->max_args)) {
			c->used = start;
			c->dropped_words++;
			c->dropped_bytes += (unsigned)len;
			continue;
		}
		c->buf[c->used++] = '\0';
		if (image) {
			c->argv[0] = c->buf + start;
			flags &= ~(unsigned)BOOT_CMDLINE_IMAGE_NAME;
		} else {
			c->argv[c->argc++] = c->buf + start;
			c->argv[c->argc] = NULL;
		}
	}
	return true;
}
