/* The options file's path from the image's device path (boot/optpath.h). UEFI 2.10
 * section 10.3.5.4 (File Path Media Device Path: type 4, subtype 4, a NUL-terminated
 * path name) and 10.3.1 (the end node: type 0x7F, subtype 0xFF, or 0x01 between
 * instances; here the first instance is the image's). */
#include "boot/optpath.h"

#include <stdbool.h>

#include <umbra/errno.h>

#include "lib/string.h"

#define DP_MEDIA 0x04
#define DP_MEDIA_FILEPATH 0x04
#define DP_END 0x7f

int boot_optpath(const void *devpath, size_t max_bytes, const char *name, uint16_t *out,
		 size_t cap)
{
	const uint8_t *p = devpath;
	size_t off = 0, n = 0;
	bool end = false;

	if (!out || !cap || !name)
		return UMBRA_EINVAL;
	out[0] = 0;
	while (p && !end && max_bytes - off >= 4) {
		uint8_t type = p[off], sub = p[off + 1];
		size_t len = (size_t)(p[off + 2] | p[off + 3] << 8);
		if (len < 4 || len > max_bytes - off)
			return UMBRA_EINVAL;
		if (type == DP_END && (sub == 0xff || sub == 0x01)) {
			end = true;
		} else if (type == DP_MEDIA && sub == DP_MEDIA_FILEPATH) {
			const uint8_t *s = p + off + 4;
			size_t units = (len - 4) / 2;
			if (units && n && out[n - 1] != '\\' && s[0] != '\\' && s[0] != '/') {
				if (n + 1 >= cap)
					return UMBRA_ENOSPC;
				out[n++] = '\\';
			}
			for (size_t k = 0; k < units; k++) {
				uint16_t u = (uint16_t)(s[2 * k] | s[2 * k + 1] << 8);
				if (!u)
					break;
				if (u < 0x20 || u == 0x7f)
					return UMBRA_EINVAL;
				if (n + 1 >= cap)
					return UMBRA_ENOSPC;
				out[n++] = u == '/' ? '\\' : u;
			}
		}
		off += len;
	}
	if (!end)
		return UMBRA_EINVAL;
	while (n && out[n - 1] != '\\')
		n--;                    /* the directory, with its trailing "\" */
	size_t lead = n && out[0] == '\\' ? 0 : 1, nl = strlen(name);
	if (n + lead + nl + 1 > cap)
		return UMBRA_ENOSPC;
	if (lead) {
		memmove(out + 1, out, n * sizeof(*out));
		out[0] = '\\';
		n++;
	}
	for (size_t k = 0; k < nl; k++)
		out[n++] = (uint8_t)name[k];
	out[n] = 0;
	return 0;
}
