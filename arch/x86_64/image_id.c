/* The GNU build-id note parser (image_id.h); portable. */
#include "arch/x86_64/image_id.h"

#include "lib/string.h"

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

size_t arch_build_id_parse(const void *notes, size_t len, const uint8_t **id)
{
	const uint8_t *p = notes;
	size_t off = 0;

	if (id)
		*id = NULL;
	if (!notes || !id)
		return 0;
	while (len - off >= sizeof(struct arch_elf_note)) {
		struct arch_elf_note h;
		memcpy(&h, p + off, sizeof(h));
		size_t name = off + sizeof(h);
		if (h.namesz > len - name || pad4(h.namesz) > len - name)
			return 0;
		size_t desc = name + pad4(h.namesz);
		if (h.descsz > len - desc)
			return 0;
		if (h.type == ARCH_NT_GNU_BUILD_ID && h.namesz == 4 && !memcmp(p + name, "GNU", 4)) {
			if (!h.descsz || h.descsz > ARCH_BUILD_ID_MAX)
				return 0;
			*id = p + desc;
			return h.descsz;
		}
		if (pad4(h.descsz) > len - desc)
			return 0;
		off = desc + pad4(h.descsz);
	}
	return 0;
}
