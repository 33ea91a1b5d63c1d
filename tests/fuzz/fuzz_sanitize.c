/*
 * libFuzzer target: whatever bytes come in, what comes out is valid UTF-8
 * with no control characters but '\n', and no bidi overrides.
 */
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct buf b = BUF_INIT;
	size_t i = 0;
	uint32_t cp;
	int n;

	if (!init) {
		setlocale(LC_CTYPE, "C.UTF-8");
		init = 1;
	}
	san_text(&b, (const char *)data, size, size && data[0] & 1 ?
		 SAN_NEWLINES : 0);
	while (i < b.len) {
		n = san_utf8_decode((const unsigned char *)b.buf + i,
				    b.len - i, &cp);
		if (n < 0 || (cp < 0x20 && cp != '\n') || cp == 0x7f ||
		    (cp >= 0x80 && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			abort();
		i += (size_t)n;
	}
	buf_release(&b);
	return 0;
}
