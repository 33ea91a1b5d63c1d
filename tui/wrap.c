/*
 * wrap.c: cutting pager text into screen lines (see wrap.h).
 */
#include <stdlib.h>
#include <string.h>

#include "tui/text.h"
#include "tui/wrap.h"
#include "util/log.h"

/* Makes w empty. */
void
wrap_init(struct wrap *w)
{
	memset(w, 0, sizeof(*w));
}

/* Frees the lines of w and leaves it empty. */
void
wrap_release(struct wrap *w)
{
	free(w->lines);
	wrap_init(w);
}

/* Appends one screen line to w. */
static void
wrap_add(struct wrap *w, size_t off, size_t len, size_t src, int first,
	 enum wrap_kind kind)
{
	if (w->n == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 256;
		w->lines = reallocarray(w->lines, w->alloc, sizeof(*w->lines));
		if (!w->lines)
			fatal("out of memory");
	}
	w->lines[w->n++] = (struct wrap_line){ off, len, src, first, kind };
}

/*
 * Returns how deep the line s[0..len) quotes: the number of '>' at its
 * start, spaces between them allowed ("> > x" is 2).
 */
int
wrap_quote_depth(const char *s, size_t len)
{
	size_t i = 0;
	int depth = 0;

	while (i < len && (s[i] == '>' || (s[i] == ' ' && depth > 0))) {
		if (s[i] == '>')
			depth++;
		i++;
	}
	return depth;
}

/* Returns 1 for a link footnote line: "[12] scheme:..." */
static int
wrap_is_link(const char *s, size_t len)
{
	size_t i = 1;

	if (len < 4 || s[0] != '[')
		return 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 1 || i + 2 >= len || s[i] != ']' || s[i + 1] != ' ')
		return 0;
	return memchr(s + i + 2, ':', len - i - 2) != NULL;
}

/* How a text line reads, given whether the signature has begun. */
static enum wrap_kind
wrap_kind_of(const char *s, size_t len, int in_sig)
{
	int depth;

	if (in_sig)
		return WRAP_SIGNATURE;
	depth = wrap_quote_depth(s, len);
	if (depth > 0)
		return (enum wrap_kind)(WRAP_QUOTE1 + (depth - 1) % 3);
	if (wrap_is_link(s, len))
		return WRAP_LINK;
	return WRAP_TEXT;
}

/*
 * Cuts text[0..len) into lines of at most cols columns into w (emptied
 * first). A text line that fits stays whole; a longer one breaks after
 * its last space that fits, and the spaces at the break are dropped.
 */
void
wrap_text(struct wrap *w, const char *text, size_t len, int cols)
{
	size_t pos = 0, src = 0, end, n, cut, start;
	int in_sig = 0, first;
	enum wrap_kind kind;
	const char *nl;

	w->n = 0;
	if (cols < 1)
		cols = 1;
	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		end = nl ? (size_t)(nl - text) : len;
		if (end - pos == 3 && !memcmp(text + pos, "-- ", 3))
			in_sig = 1;
		kind = wrap_kind_of(text + pos, end - pos, in_sig);
		start = pos;
		first = 1;
		do {
			n = text_fit(text + start, end - start, cols, NULL);
			/* Narrower than one character: take it anyway. */
			if (n == 0)
				n = text_fit(text + start, end - start, 2,
					     NULL);
			cut = n;
			if (start + n < end && text[start + n] != ' ') {
				while (cut > 0 && text[start + cut - 1] != ' ')
					cut--;
				if (cut == 0)
					cut = n;
			}
			wrap_add(w, start, cut, src, first, kind);
			first = 0;
			start += cut;
			while (start < end && text[start] == ' ')
				start++;
		} while (start < end);
		pos = end + 1;
		src++;
	}
}
