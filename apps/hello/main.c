/*
 * hello: prints a banner and its arguments, then exits with the status given by an
 * argument "exit=N" (default 0).
 */
#include <umbra/umbra.h>

static int parse_status(const char *s, int *out)
{
	int v = 0, neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

int app_main(int argc, char **argv)
{
	int status = 0;

	umbra_printf("hello: Hello from Umbra!\n");
	umbra_printf("hello: argc=%d\n", argc);
	for (int i = 0; i < argc; i++) {
		umbra_printf("hello: argv[%d]=%s\n", i, argv[i]);
		const char *a = argv[i];
		if (a[0] == 'e' && a[1] == 'x' && a[2] == 'i' && a[3] == 't' && a[4] == '=' &&
		    parse_status(a + 5, &status) != 0)
			umbra_printf("hello: bad %s, ignored\n", a);
	}
	umbra_printf("hello: exiting with status %d\n", status);
	return status;
}
