/*
 * wrap.h: the pager's text cut into screen lines.
 *
 * wrap_text() cuts display text (sanitised, lines ending in '\n') into
 * lines of at most cols columns: after the last space that fits where
 * there is one, else at the last character that fits, never inside a
 * character. Each screen line knows the text line it came from and how
 * that line reads: a quote (its depth of '>'), the signature (everything
 * after a "-- " line) or a link footnote ("[3] https://...").
 */
#ifndef TUIMAIL_WRAP_H
#define TUIMAIL_WRAP_H

#include <stddef.h>

enum wrap_kind {
	WRAP_TEXT,
	WRAP_QUOTE1,
	WRAP_QUOTE2,
	WRAP_QUOTE3,
	WRAP_SIGNATURE,
	WRAP_LINK,
};

struct wrap_line {
	size_t off, len;  /* bytes of the text, without the '\n' */
	size_t src;	  /* the text line it belongs to, from 0 */
	int first;	  /* the first screen line of that text line */
	enum wrap_kind kind;
};

struct wrap {
	struct wrap_line *lines; /* owned */
	size_t n, alloc;
};

void wrap_init(struct wrap *w);
void wrap_text(struct wrap *w, const char *text, size_t len, int cols);
void wrap_release(struct wrap *w);
int wrap_quote_depth(const char *s, size_t len);

#endif
