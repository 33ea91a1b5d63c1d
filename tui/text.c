/*
 * text.c: widths, clipping and padding of display text (see text.h).
 */
#include <stdint.h>
#include <string.h>

#include "tui/text.h"
#include "util/sanitize.h"

/* Returns the columns the display text s[0..len) takes on one line. */
int
text_width(const char *s, size_t len)
{
	return (int)san_width(s, len);
}

/*
 * Returns how many bytes of s[0..len) fit in cols columns without
 * splitting a character; *used (when not NULL) gets their width.
 * Zero-width characters after the last one that fits stay with it.
 */
size_t
text_fit(const char *s, size_t len, int cols, int *used)
{
	size_t off = 0;
	uint32_t cp;
	int n, w, width = 0;

	while (off < len) {
		n = san_utf8_decode((const unsigned char *)s + off, len - off,
				    &cp);
		if (n < 0) {
			n = 1;
			w = 1;
		} else {
			w = san_cp_width(cp);
		}
		if (width + w > cols)
			break;
		width += w;
		off += (size_t)n;
	}
	if (used)
		*used = width;
	return off;
}

/*
 * Appends s[0..len) to out clipped or padded with spaces to exactly cols
 * columns, on the left or the right. A wide character that would cross
 * the last column is left out and its place padded. Returns the columns
 * the text itself took.
 */
int
text_pad(struct buf *out, const char *s, size_t len, int cols,
	 enum text_align align)
{
	size_t n;
	int used, i;

	if (cols <= 0)
		return 0;
	n = text_fit(s, len, cols, &used);
	if (align == TEXT_RIGHT)
		for (i = used; i < cols; i++)
			buf_addch(out, ' ');
	buf_add(out, s, n);
	if (align == TEXT_LEFT)
		for (i = used; i < cols; i++)
			buf_addch(out, ' ');
	return used;
}
