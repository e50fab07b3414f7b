/* The load-option registry (rt/options.h). Host-tested: rt/tests/options_test.c. */
#include "rt/options.h"

#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"

#define MAX_WORDS 64            /* argv holds at most 32 (BOOT_MAX_ARGS) */

/* The runtime's own options; the consumers' comments say what each does. */
static const struct rt_option rt_options[] = {
	/* boot/poweroff.c: isa-debug-exit forced on (1) or off (0) */
	{ "umbra.debug_exit", "0|1", true, NULL },
	/* boot/poweroff.c: skip ResetSystem, power off through ACPI S5 */
	{ "umbra.poweroff", "acpi", true, NULL },
	/* boot/efi_main.c: a stale map key for the first / every ExitBootServices */
	{ "umbra.test_ebs_retry", NULL, false, NULL },
	{ "umbra.test_ebs_fail", NULL, false, NULL },
	/* arch/x86_64/paging.c: a fake shared-GPA boundary bit (QEMU only; 0 = none) */
	{ "umbra.test_alias_bits", "0..63", true, NULL },
	/* rt/vmbus_up.c: the VMBus confidentiality policy; only adds to the app's */
	{ "umbra.vmbus.policy", "private|private-connection", true, NULL },
	/* rt/kernel.c: wait for a debugger after the image line (tools/debug.sh) */
	{ "umbra.gdb", NULL, false, NULL },
};
#define NRT (sizeof rt_options / sizeof rt_options[0])

static const struct rt_option *extra_tab;
static unsigned extra_n;
static const char *words[MAX_WORDS];
static unsigned nwords;

static bool is_runtime_word(const char *w)
{
	return !strncmp(w, RT_OPTION_PREFIX, sizeof RT_OPTION_PREFIX - 1);
}

const char *rt_option_match(const struct rt_option *o, const char *word)
{
	size_t n;

	if (!o || !o->name || !word)
		return NULL;
	n = strlen(o->name);
	if (strncmp(word, o->name, n))
		return NULL;
	if (word[n] == '\0')
		return word + n;
	return word[n] == '=' ? word + n + 1 : NULL;
}

/* Decimal digits only, at least one, fits 64 bits. */
static bool parse_dec(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool value_in(const char *spec, const char *v)
{
	size_t vlen = strlen(v);
	uint64_t x = 0, lo = 0, hi = 0;

	if (!strcmp(spec, "N"))
		return parse_dec(v, vlen, &x);
	const char *dots = NULL;
	for (const char *p = spec; *p; p++)
		if (p[0] == '.' && p[1] == '.')
			dots = p;
	if (dots && parse_dec(spec, (size_t)(dots - spec), &lo) &&
	    parse_dec(dots + 2, strlen(dots + 2), &hi))
		return parse_dec(v, vlen, &x) && x >= lo && x <= hi;
	for (const char *p = spec;;) {
		const char *e = p;
		while (*e && *e != '|')
			e++;
		if ((size_t)(e - p) == vlen && !strncmp(p, v, vlen))
			return true;
		if (!*e)
			return false;
		p = e + 1;
	}
}

bool rt_option_valid(const struct rt_option *o, const char *word)
{
	const char *v = rt_option_match(o, word);
	bool bare;

	if (!v)
		return false;
	bare = v == word + strlen(o->name);
	if (!o->values && !o->check)
		return bare;
	if (bare && o->value_required)
		return false;
	if (o->check)
		return o->check(v);
	return bare || value_in(o->values, v);
}

/* The option word names (its text up to "=" equals the name), or NULL. */
static const struct rt_option *lookup(const char *word)
{
	for (unsigned i = 0; i < NRT + extra_n; i++) {
		const struct rt_option *o = i < NRT ? &rt_options[i] : &extra_tab[i - NRT];
		if (rt_option_match(o, word))
			return o;
	}
	return NULL;
}

static void put(void (*out)(const char *), const char *s)
{
	if (out && s)
		out(s);
}

static void warn_unknown(void (*out)(const char *), const char *w)
{
	put(out, "umbra: WARN option ");
	put(out, w);
	put(out, ": unknown (known:");
	for (unsigned i = 0; i < NRT + extra_n; i++) {
		put(out, i ? ", " : " ");
		put(out, i < NRT ? rt_options[i].name : extra_tab[i - NRT].name);
	}
	put(out, "); ignored\n");
}

static void warn_value(void (*out)(const char *), const struct rt_option *o, const char *w)
{
	put(out, "umbra: WARN option ");
	put(out, w);
	if (!o->values && !o->check)
		put(out, ": a flag, takes no value");
	else if (o->values)
		put(out, ": valid values "), put(out, o->values);
	else
		put(out, ": invalid value");
	if (o->values && !o->value_required)
		put(out, " or none");
	put(out, "; ignored\n");
}

int rt_options_init(int argc, char *const *argv, const struct rt_option *extra,
		    unsigned nextra, void (*out)(const char *text))
{
	int warnings = 0;

	extra_tab = extra;
	extra_n = extra ? nextra : 0;
	nwords = 0;
	for (int i = 1; argv && i < argc; i++) {
		const char *w = argv[i];
		if (!w || !is_runtime_word(w))
			continue;
		const struct rt_option *o = lookup(w);
		if (!o) {
			warn_unknown(out, w);
			warnings++;
		} else if (!rt_option_valid(o, w)) {
			warn_value(out, o, w);
			warnings++;
		} else if (nwords < MAX_WORDS) {
			words[nwords++] = w;
		}
	}
	return warnings;
}

const char *rt_option(const char *name)
{
	const char *v = NULL;

	if (!name)
		return NULL;
	for (unsigned i = 0; i < NRT + extra_n; i++) {
		const struct rt_option *o = i < NRT ? &rt_options[i] : &extra_tab[i - NRT];
		if (strcmp(o->name, name))
			continue;
		for (unsigned k = 0; k < nwords; k++) {
			const char *m = rt_option_match(o, words[k]);
			if (m)
				v = m;
		}
		return v;
	}
	return NULL;
}

int rt_options_strip(int argc, char **argv)
{
	int n = argc > 0 ? 1 : 0;

	if (!argv)
		return 0;
	for (int i = 1; i < argc; i++)
		if (argv[i] && !is_runtime_word(argv[i]))
			argv[n++] = argv[i];
	argv[n] = NULL;
	return n;
}
