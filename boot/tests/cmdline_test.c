/* Host tests of the command-line parser (boot/cmdline.c) and the options-file path
 * (boot/optpath.c). */
#include "boot/cmdline.h"
#include "boot/optpath.h"

#include <stdint.h>
#include <umbra/errno.h>

#include "tests/unit/ut.h"

static char buf[1024];
static char *argv[33];
static struct boot_cmdline c;

/* ASCII -> UCS-2 LE bytes (n units incl. an optional NUL the caller writes). */
static size_t ucs2(uint8_t *out, const char *s)
{
	size_t n = 0;
	for (; *s; s++) {
		out[n++] = (uint8_t)*s;
		out[n++] = 0;
	}
	return n;
}

static void reset(size_t bufsz, int max)
{
	boot_cmdline_init(&c, buf, bufsz, argv, max);
}

static void t_ucs2_words_and_image_name(void)
{
	uint8_t in[256];
	size_t n = ucs2(in, "shell.EFI   a\tbb\r\nccc ");
	in[n++] = 0;
	in[n++] = 0;
	n += ucs2(in + n, " after-nul");
	reset(sizeof buf, 32);
	UT_REQUIRE(boot_cmdline_add(&c, in, n, BOOT_CMDLINE_UCS2 | BOOT_CMDLINE_IMAGE_NAME));
	UT_EQ(c.argc, 4);
	UT_CHECK(!strcmp(argv[0], "shell.EFI"));
	UT_CHECK(!strcmp(argv[1], "a"));
	UT_CHECK(!strcmp(argv[2], "bb"));
	UT_CHECK(!strcmp(argv[3], "ccc"));
	UT_CHECK(argv[4] == NULL);
	UT_EQ(c.words, 3);
	UT_EQ(c.dropped_words, 0);
}

static void t_image_name_only_first(void)
{
	uint8_t in[64];
	size_t n = ucs2(in, "a x.efi .efi");
	reset(sizeof buf, 32);
	UT_REQUIRE(boot_cmdline_add(&c, in, n, BOOT_CMDLINE_UCS2 | BOOT_CMDLINE_IMAGE_NAME));
	UT_CHECK(!strcmp(argv[0], "umbra"));
	UT_EQ(c.argc, 4);
	UT_CHECK(!strcmp(argv[3], ".efi"));
	n = ucs2(in, ".efi x.efi");
	reset(sizeof buf, 32);
	UT_REQUIRE(boot_cmdline_add(&c, in, n, BOOT_CMDLINE_UCS2 | BOOT_CMDLINE_IMAGE_NAME));
	UT_CHECK(!strcmp(argv[0], "umbra"));    /* ".efi" alone is no image name */
	n = ucs2(in, "x.efi");
	reset(sizeof buf, 32);
	UT_REQUIRE(boot_cmdline_add(&c, in, n, BOOT_CMDLINE_UCS2));
	UT_CHECK(!strcmp(argv[0], "umbra"));    /* without the flag */
	UT_EQ(c.argc, 2);
}

static void t_ucs2_non_ascii_and_binary(void)
{
	/* é, a surrogate pair (U+1F600), an unpaired low surrogate */
	const uint8_t in[] = { 'a', 0, 0xe9, 0, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xdc, 'b', 0 };
	reset(sizeof buf, 32);
	UT_REQUIRE(boot_cmdline_add(&c, in, sizeof in, BOOT_CMDLINE_UCS2));
	UT_EQ(c.argc, 2);
	UT_CHECK(!strcmp(argv[1], "a???b"));
	const uint8_t bin[] = { 'a', 0, 0x01, 0, 'b', 0 };
	reset(sizeof buf, 32);
	UT_CHECK(!boot_cmdline_add(&c, bin, sizeof bin, BOOT_CMDLINE_UCS2));
	UT_EQ(c.argc, 1);
	UT_EQ(c.words, 0);
	const uint8_t odd[] = { 'a', 0, 'b' };  /* a dangling byte ends load options */
	reset(sizeof buf, 32);
	UT_CHECK(boot_cmdline_add(&c, odd, sizeof odd, BOOT_CMDLINE_UCS2));
	UT_CHECK(!strcmp(argv[1], "a"));
	reset(sizeof buf, 32);
	UT_CHECK(boot_cmdline_add(&c, NULL, 8, BOOT_CMDLINE_UCS2));
	UT_EQ(c.argc, 1);
}

static void t_max_args_dropped_counted(void)
{
	char text[512] = "";
	uint8_t in[1024];
	for (int i = 1; i <= 40; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "%d ", i);
	size_t n = ucs2(in, text);
	reset(sizeof buf, 32);
	UT_REQUIRE(boot_cmdline_add(&c, in, n, BOOT_CMDLINE_UCS2));
	UT_EQ(c.argc, 32);
	UT_CHECK(!strcmp(argv[31], "31"));
	UT_CHECK(argv[32] == NULL);
	UT_EQ(c.words, 40);
	UT_EQ(c.dropped_words, 9);
	UT_EQ(c.dropped_bytes, 18);             /* "32".."40" */
}

static void t_buffer_full_drops_whole_words(void)
{
	reset(12, 32);                          /* 11 characters + NULs */
	UT_REQUIRE(boot_cmdline_add(&c, "abcd efghijk lm n", 17, BOOT_CMDLINE_FILE));
	/* "abcd\0" (5), "efghijk" would need 8 more: dropped; "lm\0" (3), "n" would need
	 * 2 of the 4 left... fits: 5 + 3 + 2 = 10 < 12 */
	UT_EQ(c.argc, 4);
	UT_CHECK(!strcmp(argv[1], "abcd"));
	UT_CHECK(!strcmp(argv[2], "lm"));
	UT_CHECK(!strcmp(argv[3], "n"));
	UT_EQ(c.dropped_words, 1);
	UT_EQ(c.dropped_bytes, 7);
	reset(0, 32);
	UT_REQUIRE(boot_cmdline_add(&c, "a b", 3, BOOT_CMDLINE_FILE));
	UT_EQ(c.argc, 1);
	UT_EQ(c.dropped_words, 2);
}

static void t_file_utf8_comments_bom(void)
{
	const char f[] = "\xef\xbb\xbf# a comment umbra.x\n"
			 "umbra.sim=snp  app-arg # trailing\r\n"
			 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80x \xff\x80 a#b\n";
	reset(sizeof buf, 32);
	UT_REQUIRE(boot_cmdline_add(&c, f, sizeof f - 1, BOOT_CMDLINE_FILE));
	UT_EQ(c.argc, 8);
	UT_CHECK(!strcmp(argv[1], "umbra.sim=snp"));
	UT_CHECK(!strcmp(argv[2], "app-arg"));
	UT_CHECK(!strcmp(argv[3], "caf?"));
	UT_CHECK(!strcmp(argv[4], "?"));
	UT_CHECK(!strcmp(argv[5], "?x"));
	UT_CHECK(!strcmp(argv[6], "??"));        /* invalid bytes: one '?' each */
	/* "a#b" is a word: '#' only starts a comment at a word start */
	UT_CHECK(!strcmp(argv[7], "a#b"));
	UT_EQ(c.words, 7);
	reset(sizeof buf, 32);
	UT_REQUIRE(boot_cmdline_add(&c, "a#b", 3, BOOT_CMDLINE_FILE));
	UT_CHECK(!strcmp(argv[1], "a#b"));
	reset(sizeof buf, 32);
	UT_REQUIRE(boot_cmdline_add(&c, "#x", 2, 0));
	UT_CHECK(!strcmp(argv[1], "#x"));       /* load options have no comments */
}

static void t_file_binary_and_utf16(void)
{
	reset(sizeof buf, 32);
	UT_CHECK(!boot_cmdline_add(&c, "a\0b", 3, BOOT_CMDLINE_FILE));
	UT_CHECK(!boot_cmdline_add(&c, "a\x1b[0m", 5, BOOT_CMDLINE_FILE));
	UT_CHECK(!boot_cmdline_add(&c, "a\x7f", 2, BOOT_CMDLINE_FILE));
	UT_EQ(c.argc, 1);
	const uint8_t u16[] = { 0xff, 0xfe, 'x', 0, ' ', 0, 'y', 0, '\n', 0 };
	UT_REQUIRE(boot_cmdline_add(&c, u16, sizeof u16, BOOT_CMDLINE_FILE));
	UT_EQ(c.argc, 3);
	UT_CHECK(!strcmp(argv[2], "y"));
	const uint8_t u16odd[] = { 0xff, 0xfe, 'x', 0, 'y' };
	UT_CHECK(!boot_cmdline_add(&c, u16odd, sizeof u16odd, BOOT_CMDLINE_FILE));
	const uint8_t u16nul[] = { 0xff, 0xfe, 'x', 0, 0, 0 };
	UT_CHECK(!boot_cmdline_add(&c, u16nul, sizeof u16nul, BOOT_CMDLINE_FILE));
	UT_EQ(c.argc, 3);
}

static void t_append_after_image_name(void)
{
	uint8_t in[64];
	size_t n = ucs2(in, "fs0:\\umbra.efi");
	reset(sizeof buf, 32);
	UT_REQUIRE(boot_cmdline_add(&c, in, n, BOOT_CMDLINE_UCS2 | BOOT_CMDLINE_IMAGE_NAME));
	UT_EQ(c.words, 0);
	UT_REQUIRE(boot_cmdline_add(&c, "a b", 3, BOOT_CMDLINE_FILE));
	UT_CHECK(!strcmp(argv[0], "fs0:\\umbra.efi"));
	UT_EQ(c.argc, 3);
}

/* ---- the options-file path ---- */

static size_t node(uint8_t *p, uint8_t type, uint8_t sub, const char *s)
{
	size_t n = 4 + (s ? 2 * strlen(s) + 2 : 0);
	p[0] = type;
	p[1] = sub;
	p[2] = (uint8_t)n;
	p[3] = (uint8_t)(n >> 8);
	if (s) {
		ucs2(p + 4, s);
		p[n - 2] = p[n - 1] = 0;
	}
	return n;
}

static const char *path_of(const uint8_t *dp, size_t max, int *rc)
{
	static uint16_t out[BOOT_OPTPATH_MAX];
	static char a[BOOT_OPTPATH_MAX];
	*rc = boot_optpath(dp, max, BOOT_OPTFILE_NAME, out, BOOT_OPTPATH_MAX);
	size_t i = 0;
	for (; out[i] && i + 1 < sizeof a; i++)
		a[i] = out[i] < 0x80 ? (char)out[i] : '?';
	a[i] = 0;
	return a;
}

static void t_optpath(void)
{
	uint8_t dp[1024];
	size_t n;
	int rc;

	n = node(dp, 4, 4, "\\EFI\\BOOT\\BOOTX64.EFI");
	n += node(dp + n, 0x7f, 0xff, NULL);
	UT_CHECK(!strcmp(path_of(dp, n, &rc), "\\EFI\\BOOT\\umbra.cmdline"));
	UT_EQ(rc, 0);
	/* split over two nodes, slashes, no leading separator */
	n = node(dp, 4, 4, "EFI");
	n += node(dp + n, 4, 4, "umbra/app.efi");
	n += node(dp + n, 0x7f, 0x01, NULL);
	UT_CHECK(!strcmp(path_of(dp, n, &rc), "\\EFI\\umbra\\umbra.cmdline"));
	UT_EQ(rc, 0);
	/* other nodes before (vendor media), no file node at all: the root */
	n = node(dp, 4, 3, NULL);
	n += node(dp + n, 0x7f, 0xff, NULL);
	UT_CHECK(!strcmp(path_of(dp, n, &rc), "\\umbra.cmdline"));
	UT_EQ(rc, 0);
	n = node(dp, 4, 4, "kernel");
	n += node(dp + n, 0x7f, 0xff, NULL);
	UT_CHECK(!strcmp(path_of(dp, n, &rc), "\\umbra.cmdline"));
	UT_EQ(rc, 0);
	/* malformed: no end node within the bound, a short node, a control character */
	n = node(dp, 4, 4, "\\a\\b.efi");
	path_of(dp, n, &rc);
	UT_EQ(rc, UMBRA_EINVAL);
	n += node(dp + n, 0x7f, 0xff, NULL);
	path_of(dp, n - 1, &rc);
	UT_EQ(rc, UMBRA_EINVAL);
	dp[2] = 3;
	path_of(dp, n, &rc);
	UT_EQ(rc, UMBRA_EINVAL);
	n = node(dp, 4, 4, "\\a\tb\\c");
	n += node(dp + n, 0x7f, 0xff, NULL);
	path_of(dp, n, &rc);
	UT_EQ(rc, UMBRA_EINVAL);
	path_of(NULL, 0, &rc);
	UT_EQ(rc, UMBRA_EINVAL);
	/* too long for the output */
	char longp[200];
	memset(longp, 'd', sizeof longp);
	longp[0] = '\\';
	longp[150] = '\\';
	longp[199] = 0;
	n = node(dp, 4, 4, longp);
	n += node(dp + n, 0x7f, 0xff, NULL);
	path_of(dp, n, &rc);
	UT_EQ(rc, UMBRA_ENOSPC);
	longp[110] = '\\';
	longp[111] = 0;
	n = node(dp, 4, 4, longp);
	n += node(dp + n, 0x7f, 0xff, NULL);
	path_of(dp, n, &rc);                    /* 111 + 13 + NUL = 125 units: fits */
	UT_EQ(rc, 0);
	longp[111] = 'e';
	longp[114] = '\\';
	longp[115] = 0;
	n = node(dp, 4, 4, longp);
	n += node(dp + n, 0x7f, 0xff, NULL);
	path_of(dp, n, &rc);                    /* 115 + 13 + NUL = 129 */
	UT_EQ(rc, UMBRA_ENOSPC);
}

int main(void)
{
	UT_RUN(t_ucs2_words_and_image_name);
	UT_RUN(t_image_name_only_first);
	UT_RUN(t_ucs2_non_ascii_and_binary);
	UT_RUN(t_max_args_dropped_counted);
	UT_RUN(t_buffer_full_drops_whole_words);
	UT_RUN(t_file_utf8_comments_bom);
	UT_RUN(t_file_binary_and_utf16);
	UT_RUN(t_append_after_image_name);
	UT_RUN(t_optpath);
	return UT_DONE();
}
