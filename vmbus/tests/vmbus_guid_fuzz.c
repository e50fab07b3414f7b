/* libFuzzer target: vmbus_guid_parse on arbitrary text (it parses load options and other
 * untrusted input). The input, cut at its first NUL, is parsed from a heap copy of exactly
 * its length + 1 (ASan catches a read past the NUL). An accepted text must be 36
 * characters, or 38 inside braces, and formatting the result must give back the text in
 * lower case without braces, which parses to the same GUID. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <umbra/vmbus_guid.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = 0;

	while (len < size && data[len])
		len++;
	char *text = malloc(len + 1);
	if (!text)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';

	struct vmbus_guid g, h;
	memset(&g, 0x5a, sizeof g);
	int rc = vmbus_guid_parse(text, &g);
	if (rc != 0) {
		if (rc != UMBRA_EINVAL)
			__builtin_trap();
		for (int i = 0; i < 16; i++)
			if (g.b[i] != 0x5a)
				__builtin_trap();       /* *out written on failure */
		free(text);
		return 0;
	}
	const char *body = text;
	if (len == 38 && text[0] == '{' && text[37] == '}')
		body = text + 1;
	else if (len != 36)
		__builtin_trap();

	char s[VMBUS_GUID_STR_LEN];
	if (vmbus_guid_format(&g, s, sizeof s) != 36 || s[36] != '\0')
		__builtin_trap();
	for (int i = 0; i < 36; i++) {
		char c = body[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (s[i] != c)
			__builtin_trap();
	}
	if (vmbus_guid_parse(s, &h) != 0 || !vmbus_guid_eq(&g, &h))
		__builtin_trap();
	free(text);
	return 0;
}
