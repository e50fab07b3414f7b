/*
 * Host test of the build-id note parser (arch/x86_64/image_id.c): the note ld writes,
 * another note before it, name and type that must both match, truncated and oversized
 * notes. The note of a real image is checked by the boot test `build-id`.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/image_id.h"
#include "tests/unit/ut.h"

/* A note as ld --build-id=sha1 emits it: namesz 4, descsz 20, type 3, "GNU\0", 20 bytes. */
static size_t put_note(uint8_t *at, uint32_t namesz, uint32_t descsz, uint32_t type,
		       const char *name, uint8_t fill)
{
	struct arch_elf_note h = { namesz, descsz, type };
	size_t o = sizeof(h);

	memcpy(at, &h, sizeof(h));
	memcpy(at + o, name, namesz);
	o += (namesz + 3) & ~3u;
	memset(at + o, fill, descsz);
	o += (descsz + 3) & ~3u;
	return o;
}

static void t_ld_note(void)
{
	uint8_t buf[64] = { 0 };
	const uint8_t *id = (const uint8_t *)1;
	size_t n = put_note(buf, 4, 20, ARCH_NT_GNU_BUILD_ID, "GNU", 0xab);

	UT_EQ(n, 36);
	UT_EQ(arch_build_id_parse(buf, n, &id), 20);
	UT_REQUIRE(id == buf + 16);
	UT_EQ(id[0], 0xab);
	UT_EQ(id[19], 0xab);
	/* one byte short of the descriptor: refused */
	UT_EQ(arch_build_id_parse(buf, n - 1, &id), 0);
	UT_CHECK(id == NULL);
	UT_EQ(arch_build_id_parse(buf, 0, &id), 0);
}

static void t_other_notes_first(void)
{
	uint8_t buf[128] = { 0 };
	const uint8_t *id;
	size_t o = 0;

	o += put_note(buf + o, 4, 5, 1, "GNU", 0x11);          /* NT_GNU_ABI_TAG-like, odd size */
	o += put_note(buf + o, 4, 8, ARCH_NT_GNU_BUILD_ID, "XYZ", 0x22); /* wrong owner */
	o += put_note(buf + o, 5, 8, ARCH_NT_GNU_BUILD_ID, "GNUX", 0x33); /* wrong name size */
	size_t at = o;
	o += put_note(buf + o, 4, 8, ARCH_NT_GNU_BUILD_ID, "GNU", 0x44);
	UT_REQUIRE(arch_build_id_parse(buf, o, &id) == 8);
	UT_REQUIRE(id == buf + at + 16);
	UT_EQ(id[0], 0x44);
}

static void t_malformed(void)
{
	uint8_t buf[256] = { 0 };
	const uint8_t *id;

	/* a name size running past the end */
	size_t n = put_note(buf, 4, 4, 1, "GNU", 0);
	struct arch_elf_note h = { 0xFFFFFFF0u, 4, 1 };
	memcpy(buf, &h, sizeof(h));
	UT_EQ(arch_build_id_parse(buf, n, &id), 0);
	/* a descriptor size running past the end */
	h = (struct arch_elf_note){ 4, 0xFFFFFFFFu, ARCH_NT_GNU_BUILD_ID };
	memcpy(buf, &h, sizeof(h));
	UT_EQ(arch_build_id_parse(buf, n, &id), 0);
	/* empty and oversized build-ids */
	n = put_note(buf, 4, 0, ARCH_NT_GNU_BUILD_ID, "GNU", 0);
	UT_EQ(arch_build_id_parse(buf, n, &id), 0);
	n = put_note(buf, 4, ARCH_BUILD_ID_MAX + 4, ARCH_NT_GNU_BUILD_ID, "GNU", 0);
	UT_EQ(arch_build_id_parse(buf, n, &id), 0);
	n = put_note(buf, 4, ARCH_BUILD_ID_MAX, ARCH_NT_GNU_BUILD_ID, "GNU", 0);
	UT_EQ(arch_build_id_parse(buf, n, &id), ARCH_BUILD_ID_MAX);
	/* shorter than a header; NULL arguments */
	UT_EQ(arch_build_id_parse(buf, 11, &id), 0);
	UT_EQ(arch_build_id_parse(NULL, 64, &id), 0);
	UT_EQ(arch_build_id_parse(buf, 64, NULL), 0);
}

int main(void)
{
	UT_RUN(t_ld_note);
	UT_RUN(t_other_notes_first);
	UT_RUN(t_malformed);
	return UT_DONE();
}
