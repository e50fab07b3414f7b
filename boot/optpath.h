/*
 * Where the options file is (docs/boot.md, "Load options"): the directory of the loaded
 * image's file path (LoadedImage->FilePath), on the image's own volume. Pure:
 * host-tested in boot/tests/cmdline_test.c.
 */
#ifndef UMBRA_BOOT_OPTPATH_H
#define UMBRA_BOOT_OPTPATH_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_OPTFILE_NAME "umbra.cmdline"
#define BOOT_OPTPATH_MAX 128            /* UCS-2 units with the NUL */
#define BOOT_DEVPATH_MAX 4096           /* bytes of device path walked at most */

/*
 * From a UEFI device path (nodes of type, subtype, 16-bit LE length; end node 7F FF or
 * 7F 01), read at most max_bytes: the media file-path nodes (04 04, UCS-2 text up to its
 * NUL, concatenated with "\" between them) up to the last "\" or "/" ("\" when there is
 * none), with a leading "\" and "\" for "/", then name (ASCII). out gets the UCS-2 path
 * and its NUL. 0; UMBRA_EINVAL for a malformed path (a node shorter than 4 bytes or past
 * max_bytes, no end node, a control character in the path); UMBRA_ENOSPC when the
 * result does not fit in cap units.
 */
int boot_optpath(const void *devpath, size_t max_bytes, const char *name, uint16_t *out,
		 size_t cap);

#endif
