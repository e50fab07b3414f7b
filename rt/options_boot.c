/*
 * The boot's side of the load options (docs/boot.md, "Load options"): where they came
 * from and what was dropped, in the boot log; the registry's validation (rt/options.h)
 * with the platform's table; the app's argv without the runtime's words.
 */
#include "arch/x86_64/boot_handoff.h"
#include "boot/runtime.h"
#include "lib/string.h"
#include "rt/options.h"
#include "rt/runtime.h"

static void out(const char *text)
{
	boot_printf("%s", text);
}

static void log_file_problem(const struct boot_info *bi)
{
	const char *f = bi->opt_file;

	switch (bi->opt_file_status) {
	case BOOT_OPTFILE_BAD_PATH:
		boot_printf("umbra: WARN options file: the image's device path names no usable "
			    "directory; not read\n");
		break;
	case BOOT_OPTFILE_TOO_BIG:
		boot_printf("umbra: WARN options file %s: more than %u bytes; ignored\n", f,
			    (unsigned)BOOT_OPTFILE_MAX);
		break;
	case BOOT_OPTFILE_NOT_TEXT:
		boot_printf("umbra: WARN options file %s: not text (a NUL or control "
			    "character); ignored\n", f);
		break;
	case BOOT_OPTFILE_READ_ERROR:
		boot_printf("umbra: WARN options file %s: read failed (EFI status 0x%llx); "
			    "ignored\n", f, (unsigned long long)bi->opt_file_size);
		break;
	default:
		break;
	}
}

void rt_options_boot(const struct boot_info *bi)
{
	unsigned runtime = 0;

	for (int i = 1; i < bi->argc; i++)
		if (!strncmp(bi->argv[i], RT_OPTION_PREFIX, sizeof RT_OPTION_PREFIX - 1))
			runtime++;
	log_file_problem(bi);
	if (bi->opt_source == BOOT_OPT_FILE)
		boot_printf("umbra: options source=file:%s", bi->opt_file);
	else
		boot_printf("umbra: options source=%s",
			    bi->opt_source == BOOT_OPT_LOADOPTS ? "loadopts" : "none");
	boot_printf(" words=%u runtime=%u\n", bi->arg_words, runtime);
	if (bi->args_dropped)
		boot_printf("umbra: WARN argv: %u word(s) (%u bytes) dropped: at most %u "
			    "arguments and %u bytes\n", bi->args_dropped, bi->arg_bytes_dropped,
			    (unsigned)BOOT_MAX_ARGS, (unsigned)BOOT_ARG_BYTES);
	rt_options_init(bi->argc, bi->argv, rt_platform_hooks.options,
			rt_platform_hooks.noptions, out);
}

int rt_options_app_argv(const struct boot_info *bi, char **argv)
{
	for (int i = 0; i <= bi->argc; i++)
		argv[i] = bi->argv[i];
	return rt_options_strip(bi->argc, argv);
}
