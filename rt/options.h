/*
 * Runtime load options: every argv word that starts with "umbra." (docs/boot.md,
 * "Load options"). One registry: the runtime's table (rt/options.c) plus the table the
 * platform hooks bring (rt/runtime.h, rt_platform_hooks.options), validated once by
 * rt_options_init before app_main. Unknown names and bad values get one WARN line each
 * and are ignored, i.e. a bad value is the same as the option being absent. Of several
 * valid occurrences the last one wins. Early consumers that read the raw words before
 * this runs (boot/efi_main.c, boot/poweroff.c, arch/x86_64/paging.c) apply the same rule.
 */
#ifndef UMBRA_RT_OPTIONS_H
#define UMBRA_RT_OPTIONS_H

#include <stdbool.h>

#define RT_OPTION_PREFIX "umbra."

/*
 * One option. values is what the WARN line shows and, unless check is set, what a value
 * is validated against:
 *   NULL      a bare flag: "name" only ("name=..." is a bad value)
 *   "N"       a decimal number that fits 64 bits
 *   "LO..HI"  a decimal number in [LO, HI]
 *   "a|b|c"   exactly one of the words
 * value_required: "name" without "=" is a bad value (ignored for flags). check, when
 * set, decides instead of values (returns true when the value is valid; it gets "" for a
 * bare word that value_required allows).
 */
struct rt_option {
	const char *name;
	const char *values;
	bool value_required;
	bool (*check)(const char *value);
};

/* Validates argv[1..argc-1] against the runtime's table and extra[0..nextra) and keeps
 * the words for rt_option (the caller keeps argv alive). Each warning is written through
 * out, in pieces, each line ending in "\n"; out may be NULL. Returns the warning count. */
int rt_options_init(int argc, char *const *argv, const struct rt_option *extra,
		    unsigned nextra, void (*out)(const char *text));

/* The value of the last valid occurrence of the option name: "" for a bare word, NULL
 * when absent, when every occurrence was invalid, or when name is not in a table. */
const char *rt_option(const char *name);

/* Removes every "umbra."-word from argv[1..] in place (argv[0] stays), keeps the order
 * of the rest, NULL-terminates, and returns the new argc. */
int rt_options_strip(int argc, char **argv);

/* The value of word for the option (NULL when word is not an occurrence of it, "" when
 * bare), and whether it is valid (for host tests and early consumers' agreement tests). */
const char *rt_option_match(const struct rt_option *o, const char *word);
bool rt_option_valid(const struct rt_option *o, const char *word);

#endif
