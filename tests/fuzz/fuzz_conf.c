/* libFuzzer target: tui.conf text never crashes the parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* env_file would read the disk: drop any line that names it. */
	if (strstr(text, "env_file") == NULL &&
	    conf_load_string(&c, "fuzz", text) == 0)
		conf_free(&c);
	free(text);
	return 0;
}
