/*
 * sanitize.c: the one place where untrusted text becomes display text.
 */
#include <string.h>
#include <wchar.h>

#include "sanitize.h"

#define SAN_REPLACEMENT 0xFFFDu

/*
 * Decodes one UTF-8 sequence at s. Returns its length in bytes (1 to 4) and
 * stores the code point in *cp, or returns -1 when the sequence is invalid
 * (truncated, overlong, a surrogate or beyond U+10FFFF); the caller then
 * skips one byte.
 */
int
san_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c, min;
	int n, i;

	if (len == 0)
		return -1;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (len < (size_t)n)
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*cp = c;
	return n;
}

/* Returns 1 for code points that must never reach a terminal. */
static int
san_forbidden(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7F)
		return 1;
	if (cp >= 0x80 && cp <= 0x9F)
		return 1;
	/* Bidi embeddings and overrides, then isolates. */
	if (cp >= 0x202A && cp <= 0x202E)
		return 1;
	if (cp >= 0x2066 && cp <= 0x2069)
		return 1;
	return 0;
}

/*
 * Returns the number of terminal columns cp takes: 0 for combining marks,
 * 2 for wide characters, and 1 where wcwidth() does not know it.
 */
int
san_cp_width(uint32_t cp)
{
	int w = wcwidth((wchar_t)cp);

	return w < 0 ? 1 : w;
}

/* Writes code point cp as UTF-8 into out; returns its length (1 to 4). */
size_t
san_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Returns 1 when s[0..len) is valid UTF-8 (control characters allowed). */
int
san_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;
	int n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = san_utf8_decode(p + i, len - i, &cp);
		if (n < 0)
			return 0;
		i += (size_t)n;
	}
	return 1;
}

static void
san_put_cp(struct buf *out, uint32_t cp)
{
	char u[4];

	buf_add(out, u, san_utf8_encode(cp, u));
}

/*
 * Appends a display-safe copy of in[0..len) to out (see sanitize.h).
 * Tab stops count from the start of this text and of each kept line.
 * Returns the column reached at the end, i.e. the width of the last line.
 */
size_t
san_text(struct buf *out, const char *in, size_t len, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, col = 0;
	uint32_t cp;
	int n;

	buf_grow(out, len);
	while (i < len) {
		n = san_utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			san_put_cp(out, SAN_REPLACEMENT);
			col++;
			i++;
			continue;
		}
		i += (size_t)n;
		if (cp == '\t') {
			do
				buf_addch(out, ' ');
			while (++col % SAN_TABSTOP);
		} else if (cp == '\n') {
			if (flags & SAN_NEWLINES) {
				buf_addch(out, '\n');
				col = 0;
			} else {
				buf_addch(out, ' ');
				col++;
			}
		} else if (!san_forbidden(cp)) {
			san_put_cp(out, cp);
			col += (size_t)san_cp_width(cp);
		}
	}
	return col;
}

/* Returns the columns a sanitised UTF-8 string takes on one line. */
size_t
san_width(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, w = 0;
	uint32_t cp;
	int n;

	while (i < len) {
		n = san_utf8_decode(p + i, len - i, &cp);
		if (n < 0) {
			w++;
			i++;
			continue;
		}
		w += (size_t)san_cp_width(cp);
		i += (size_t)n;
	}
	return w;
}
