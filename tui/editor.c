/*
 * editor.c: the composer's text buffer (see editor.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "tui/editor.h"
#include "tui/text.h"
#include "util/log.h"
#include "util/sanitize.h"

/* Records kept for undo; the older half goes when there are more. */
#define EDITOR_UNDO_MAX 4096

/* One change: text inserted at or deleted from at (its end is end). */
struct editor_undo {
	int insert;
	struct editor_pos at, end;
	struct buf text; /* with '\n' between lines */
};

static void *
editor_realloc(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n, size);
	if (!p)
		fatal("out of memory");
	return p;
}

/* Makes room for len more bytes in l. */
static void
editor_line_grow(struct editor_line *l, size_t len)
{
	size_t cap = l->cap ? l->cap : 16;

	/* Every line touched gets a buffer: memcpy() wants no NULL. */
	if (l->s && l->len + len <= l->cap)
		return;
	while (cap < l->len + len)
		cap *= 2;
	l->s = editor_realloc(l->s, cap, 1);
	l->cap = cap;
}

/* Inserts count empty lines before line at. */
static void
editor_lines_open(struct editor *e, size_t at, size_t count)
{
	if (e->n + count > e->alloc) {
		size_t alloc = e->alloc ? e->alloc : 64;

		while (alloc < e->n + count)
			alloc *= 2;
		e->lines = editor_realloc(e->lines, alloc, sizeof(*e->lines));
		e->alloc = alloc;
	}
	memmove(e->lines + at + count, e->lines + at,
		(e->n - at) * sizeof(*e->lines));
	memset(e->lines + at, 0, count * sizeof(*e->lines));
	e->n += count;
}

/* An empty text: one empty line, the cursor on it, nothing to undo. */
void
editor_init(struct editor *e)
{
	memset(e, 0, sizeof(*e));
	editor_lines_open(e, 0, 1);
	e->goal = -1;
}

/* Frees the undo records from index from on. */
static void
editor_undo_drop(struct editor *e, size_t from)
{
	size_t i;

	for (i = from; i < e->n_rec; i++)
		buf_release(&e->undo[i].text);
	e->n_rec = from;
	if (e->n_undo > from)
		e->n_undo = from;
}

/* Frees everything e owns. */
void
editor_release(struct editor *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->lines[i].s);
	free(e->lines);
	editor_undo_drop(e, 0);
	free(e->undo);
	memset(e, 0, sizeof(*e));
}

/* The start of the character before byte col of l (col > 0). */
static size_t
editor_back(const struct editor_line *l, size_t col)
{
	while (col > 0 && ((unsigned char)l->s[--col] & 0xC0) == 0x80)
		;
	return col;
}

/* The end of the character at byte col of l (col < len). */
static size_t
editor_fwd(const struct editor_line *l, size_t col)
{
	col++;
	while (col < l->len && ((unsigned char)l->s[col] & 0xC0) == 0x80)
		col++;
	return col;
}

/* The code point at byte col of l, or 0xFFFD. */
static uint32_t
editor_cp(const struct editor_line *l, size_t col)
{
	uint32_t cp;

	if (san_utf8_decode((const unsigned char *)l->s + col, l->len - col,
			    &cp) < 0)
		return 0xFFFD;
	return cp;
}

/* 0 for a space, 1 for a word character, 2 for anything else. */
static int
editor_class(uint32_t cp)
{
	if (cp == ' ' || cp == '\t' || cp == 0xA0 || iswspace((wint_t)cp))
		return 0;
	if (cp == '_' || iswalnum((wint_t)cp))
		return 1;
	return 2;
}

/* Whether a code point may go into the text ('\n' aside). */
static int
editor_cp_ok(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
		return 0;
	/* Bidi overrides and isolates would reorder what follows. */
	if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return 1;
}

/*
 * Cleans text for insertion after col chars of a line into out: see the
 * top of editor.h.
 */
static void
editor_clean(const char *text, size_t len, size_t col, struct buf *out)
{
	size_t off = 0;
	uint32_t cp;
	char u[4];
	int n;

	while (off < len) {
		unsigned char c = (unsigned char)text[off];

		if (c == '\n') {
			buf_addch(out, '\n');
			col = 0;
			off++;
			continue;
		}
		if (c == '\t') {
			do
				buf_addch(out, ' ');
			while (++col % 8);
			off++;
			continue;
		}
		if (c < 0x80) {
			if (editor_cp_ok(c)) {
				buf_addch(out, c);
				col++;
			}
			off++;
			continue;
		}
		n = san_utf8_decode((const unsigned char *)text + off,
				    len - off, &cp);
		if (n < 0) {
			cp = 0xFFFD;
			n = 1;
		}
		off += (size_t)n;
		if (!editor_cp_ok(cp))
			continue;
		buf_add(out, u, san_utf8_encode(cp, u));
		col++;
	}
}

/* Where text inserted at at ends. */
static struct editor_pos
editor_pos_after(struct editor_pos at, const char *text, size_t len)
{
	const char *nl = memrchr(text, '\n', len);
	size_t i;

	if (!nl) {
		at.col += len;
		return at;
	}
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			at.line++;
	at.col = len - (size_t)(nl + 1 - text);
	return at;
}

/* Inserts clean text at at. Returns where it ends. */
static struct editor_pos
editor_raw_insert(struct editor *e, struct editor_pos at, const char *text,
		  size_t len)
{
	struct editor_line *l = &e->lines[at.line];
	const char *nl = memchr(text, '\n', len);
	size_t first, nlines = 0, i, tail;
	const char *p;

	e->gen++;
	editor_line_grow(l, 0);
	if (!nl) {
		editor_line_grow(l, len);
		memmove(l->s + at.col + len, l->s + at.col, l->len - at.col);
		memcpy(l->s + at.col, text, len);
		l->len += len;
		l->dirty = 1;
		return editor_pos_after(at, text, len);
	}
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			nlines++;
	editor_lines_open(e, at.line + 1, nlines);
	l = &e->lines[at.line];
	/* The tail of the line moves to the end of the last new line. */
	tail = l->len - at.col;
	first = (size_t)(nl - text);
	p = nl + 1;
	for (i = 1; i <= nlines; i++) {
		struct editor_line *m = &e->lines[at.line + i];
		const char *q = memchr(p, '\n', len - (size_t)(p - text));
		size_t n = q ? (size_t)(q - p) : len - (size_t)(p - text);

		editor_line_grow(m, n + (i == nlines ? tail : 0));
		memcpy(m->s, p, n);
		m->len = n;
		if (i == nlines) {
			memcpy(m->s + n, l->s + at.col, tail);
			m->len += tail;
		}
		m->dirty = 1;
		p = q ? q + 1 : p + n;
	}
	l->len = at.col;
	editor_line_grow(l, first);
	memcpy(l->s + l->len, text, first);
	l->len += first;
	l->dirty = 1;
	return editor_pos_after(at, text, len);
}

/* Deletes [from, to), copying it to out when not NULL. */
static void
editor_raw_delete(struct editor *e, struct editor_pos from,
		  struct editor_pos to, struct buf *out)
{
	struct editor_line *a = &e->lines[from.line], *b;
	size_t i;

	e->gen++;
	editor_line_grow(a, 0);
	editor_line_grow(&e->lines[to.line], 0);
	if (from.line == to.line) {
		if (out)
			buf_add(out, a->s + from.col, to.col - from.col);
		memmove(a->s + from.col, a->s + to.col, a->len - to.col);
		a->len -= to.col - from.col;
		a->dirty = 1;
		return;
	}
	if (out) {
		buf_add(out, a->s + from.col, a->len - from.col);
		for (i = from.line + 1; i < to.line; i++) {
			buf_addch(out, '\n');
			buf_add(out, e->lines[i].s, e->lines[i].len);
		}
		buf_addch(out, '\n');
		buf_add(out, e->lines[to.line].s, to.col);
	}
	b = &e->lines[to.line];
	a->len = from.col;
	editor_line_grow(a, b->len - to.col);
	memcpy(a->s + a->len, b->s + to.col, b->len - to.col);
	a->len += b->len - to.col;
	a->dirty = 1;
	for (i = from.line + 1; i <= to.line; i++)
		free(e->lines[i].s);
	memmove(e->lines + from.line + 1, e->lines + to.line + 1,
		(e->n - to.line - 1) * sizeof(*e->lines));
	e->n -= to.line - from.line;
}

/* A new undo record (the redo records after it are dropped). */
static struct editor_undo *
editor_record(struct editor *e, int insert, struct editor_pos at,
	      struct editor_pos end)
{
	struct editor_undo *u;

	editor_undo_drop(e, e->n_undo);
	if (e->n_rec == EDITOR_UNDO_MAX) {
		size_t half = EDITOR_UNDO_MAX / 2, i;

		for (i = 0; i < half; i++)
			buf_release(&e->undo[i].text);
		memmove(e->undo, e->undo + half,
			(e->n_rec - half) * sizeof(*e->undo));
		e->n_rec -= half;
		e->n_undo = e->n_rec;
	}
	if (e->n_rec == e->alloc_undo) {
		e->alloc_undo = e->alloc_undo ? e->alloc_undo * 2 : 64;
		e->undo = editor_realloc(e->undo, e->alloc_undo,
					 sizeof(*e->undo));
	}
	u = &e->undo[e->n_rec++];
	e->n_undo = e->n_rec;
	u->insert = insert;
	u->at = at;
	u->end = end;
	buf_init(&u->text);
	return u;
}

/* The last record, when the next change may extend it. */
static struct editor_undo *
editor_last_record(struct editor *e)
{
	if (!e->can_extend || e->n_undo == 0 || e->n_undo != e->n_rec)
		return NULL;
	return &e->undo[e->n_undo - 1];
}

static int
editor_pos_eq(struct editor_pos a, struct editor_pos b)
{
	return a.line == b.line && a.col == b.col;
}

/* Ends the change being extended: the next one starts a new record. */
void
editor_undo_break(struct editor *e)
{
	e->can_extend = 0;
}

/*
 * Inserts text (cleaned, see editor.h) at the cursor, which ends after
 * it. Consecutive insertions make one undo record until a break.
 */
void
editor_insert(struct editor *e, const char *text, size_t len)
{
	struct editor_line *l = &e->lines[e->cur.line];
	struct buf clean = BUF_INIT;
	struct editor_undo *u;
	struct editor_pos end;
	size_t col = 0, i;

	for (i = 0; i < e->cur.col; i++)
		if (((unsigned char)l->s[i] & 0xC0) != 0x80)
			col++;
	editor_clean(text, len, col, &clean);
	if (clean.len == 0)
		goto out;
	end = editor_raw_insert(e, e->cur, clean.buf, clean.len);
	u = editor_last_record(e);
	if (u && u->insert && editor_pos_eq(u->end, e->cur)) {
		buf_add(&u->text, clean.buf, clean.len);
		u->end = end;
	} else {
		u = editor_record(e, 1, e->cur, end);
		buf_add(&u->text, clean.buf, clean.len);
	}
	e->cur = end;
	e->can_extend = 1;
	e->goal = -1;
out:
	buf_release(&clean);
}

/* Inserts one code point (a typed key). */
void
editor_insert_cp(struct editor *e, unsigned cp)
{
	char u[4];

	editor_insert(e, u, san_utf8_encode(cp, u));
}

/* Breaks the line at the cursor. */
void
editor_newline(struct editor *e)
{
	editor_insert(e, "\n", 1);
}

/*
 * Deletes [from, to) as one change, extending the record being built
 * when it is next to it.
 */
static void
editor_delete(struct editor *e, struct editor_pos from, struct editor_pos to)
{
	struct editor_undo *u = editor_last_record(e);
	struct buf gone = BUF_INIT;

	editor_raw_delete(e, from, to, &gone);
	if (u && !u->insert && editor_pos_eq(u->at, to)) {
		/* Backspacing: the new text goes before the old. */
		buf_add(&gone, u->text.buf, u->text.len);
		buf_reset(&u->text);
		buf_add(&u->text, gone.buf, gone.len);
		u->at = from;
	} else if (u && !u->insert && editor_pos_eq(u->at, from)) {
		buf_add(&u->text, gone.buf, gone.len);
	} else {
		u = editor_record(e, 0, from, from);
		buf_add(&u->text, gone.buf, gone.len);
	}
	buf_release(&gone);
	e->cur = from;
	e->can_extend = 1;
	e->goal = -1;
}

/* Deletes the character before the cursor (joins lines at the start). */
int
editor_backspace(struct editor *e)
{
	struct editor_pos from = e->cur;

	if (from.col > 0) {
		from.col = editor_back(&e->lines[from.line], from.col);
	} else if (from.line > 0) {
		from.line--;
		from.col = e->lines[from.line].len;
	} else {
		return -1;
	}
	editor_delete(e, from, e->cur);
	return 0;
}

/* Deletes the character at the cursor (joins lines at the end). */
int
editor_delete_char(struct editor *e)
{
	struct editor_line *l = &e->lines[e->cur.line];
	struct editor_pos to = e->cur;

	if (to.col < l->len) {
		to.col = editor_fwd(l, to.col);
	} else if (to.line + 1 < e->n) {
		to.line++;
		to.col = 0;
	} else {
		return -1;
	}
	editor_delete(e, e->cur, to);
	return 0;
}

/* Moves p one word left: over spaces, then over one run of a class. */
static struct editor_pos
editor_word_back(const struct editor *e, struct editor_pos p)
{
	const struct editor_line *l = &e->lines[p.line];
	size_t c;
	int cls;

	if (p.col == 0) {
		if (p.line == 0)
			return p;
		p.line--;
		p.col = e->lines[p.line].len;
		l = &e->lines[p.line];
	}
	while (p.col > 0) {
		c = editor_back(l, p.col);
		if (editor_class(editor_cp(l, c)) != 0)
			break;
		p.col = c;
	}
	if (p.col == 0)
		return p;
	cls = editor_class(editor_cp(l, editor_back(l, p.col)));
	while (p.col > 0) {
		c = editor_back(l, p.col);
		if (editor_class(editor_cp(l, c)) != cls)
			break;
		p.col = c;
	}
	return p;
}

/* Deletes the word before the cursor (^W). */
int
editor_delete_word(struct editor *e)
{
	struct editor_pos from = editor_word_back(e, e->cur);

	if (editor_pos_eq(from, e->cur))
		return -1;
	editor_undo_break(e);
	editor_delete(e, from, e->cur);
	editor_undo_break(e);
	return 0;
}

/* Deletes the cursor's line, its line end with it. */
int
editor_delete_line(struct editor *e)
{
	struct editor_pos from = { e->cur.line, 0 }, to = { e->cur.line, 0 };
	size_t line = e->cur.line;

	if (e->n == 1 && e->lines[0].len == 0)
		return -1;
	if (line + 1 < e->n) {
		to.line++;
	} else if (line > 0) {
		from.line--;
		from.col = e->lines[from.line].len;
		to.col = e->lines[line].len;
	} else {
		to.col = e->lines[line].len;
	}
	editor_undo_break(e);
	editor_delete(e, from, to);
	editor_undo_break(e);
	e->cur.line = line < e->n ? line : e->n - 1;
	e->cur.col = 0;
	return 0;
}

/* Takes back the last change; the cursor goes where it was. */
int
editor_undo(struct editor *e)
{
	struct editor_undo *u;

	if (e->n_undo == 0)
		return -1;
	u = &e->undo[--e->n_undo];
	if (u->insert) {
		editor_raw_delete(e, u->at, u->end, NULL);
		e->cur = u->at;
	} else {
		e->cur = editor_raw_insert(e, u->at, u->text.buf, u->text.len);
	}
	e->can_extend = 0;
	e->goal = -1;
	return 0;
}

/* Makes the last undone change again. */
int
editor_redo(struct editor *e)
{
	struct editor_undo *u;
	struct editor_pos end;

	if (e->n_undo == e->n_rec)
		return -1;
	u = &e->undo[e->n_undo++];
	if (u->insert) {
		e->cur = editor_raw_insert(e, u->at, u->text.buf, u->text.len);
	} else {
		end = editor_pos_after(u->at, u->text.buf, u->text.len);
		editor_raw_delete(e, u->at, end, NULL);
		e->cur = u->at;
	}
	e->can_extend = 0;
	e->goal = -1;
	return 0;
}

/* Replaces the text (cleaned) and forgets undo; the cursor at the start. */
void
editor_set_text(struct editor *e, const char *text, size_t len)
{
	editor_release(e);
	editor_init(e);
	editor_insert(e, text, len);
	editor_undo_drop(e, 0);
	e->can_extend = 0;
	e->cur.line = e->cur.col = 0;
	e->top_line = e->top_row = 0;
}

/* Appends the text to out, lines joined with '\n' (none at the end). */
void
editor_text(const struct editor *e, struct buf *out)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		if (i)
			buf_addch(out, '\n');
		if (e->lines[i].len)
			buf_add(out, e->lines[i].s, e->lines[i].len);
	}
}

/* Returns 1 when the text holds nothing but white space. */
int
editor_empty(const struct editor *e)
{
	size_t i, j;

	for (i = 0; i < e->n; i++)
		for (j = 0; j < e->lines[i].len; j++)
			if (e->lines[i].s[j] != ' ')
				return 0;
	return 1;
}

/* Cursor moves: each ends the change being extended. */
static void
editor_moved(struct editor *e)
{
	e->can_extend = 0;
	e->goal = -1;
}

void
editor_left(struct editor *e)
{
	if (e->cur.col > 0) {
		e->cur.col = editor_back(&e->lines[e->cur.line], e->cur.col);
	} else if (e->cur.line > 0) {
		e->cur.line--;
		e->cur.col = e->lines[e->cur.line].len;
	}
	editor_moved(e);
}

void
editor_right(struct editor *e)
{
	struct editor_line *l = &e->lines[e->cur.line];

	if (e->cur.col < l->len) {
		e->cur.col = editor_fwd(l, e->cur.col);
	} else if (e->cur.line + 1 < e->n) {
		e->cur.line++;
		e->cur.col = 0;
	}
	editor_moved(e);
}

void
editor_word_left(struct editor *e)
{
	e->cur = editor_word_back(e, e->cur);
	editor_moved(e);
}

/* Past the end of this word (or run of signs), then over spaces. */
void
editor_word_right(struct editor *e)
{
	struct editor_line *l = &e->lines[e->cur.line];
	size_t c = e->cur.col;
	int cls;

	if (c == l->len) {
		if (e->cur.line + 1 < e->n) {
			e->cur.line++;
			e->cur.col = 0;
		}
		editor_moved(e);
		return;
	}
	cls = editor_class(editor_cp(l, c));
	while (cls != 0 && c < l->len && editor_class(editor_cp(l, c)) == cls)
		c = editor_fwd(l, c);
	while (c < l->len && editor_class(editor_cp(l, c)) == 0)
		c = editor_fwd(l, c);
	e->cur.col = c;
	editor_moved(e);
}

void
editor_line_start(struct editor *e)
{
	e->cur.col = 0;
	editor_moved(e);
}

void
editor_line_end(struct editor *e)
{
	e->cur.col = e->lines[e->cur.line].len;
	editor_moved(e);
}

void
editor_first(struct editor *e)
{
	e->cur.line = e->cur.col = 0;
	editor_moved(e);
}

void
editor_last(struct editor *e)
{
	e->cur.line = e->n - 1;
	e->cur.col = e->lines[e->cur.line].len;
	editor_moved(e);
}

/*
 * Where the screen row that starts at byte pos of s[0..len) ends: the
 * start of the next row, or len for the last one.
 */
static size_t
editor_next_row(const char *s, size_t len, size_t pos, int cols)
{
	size_t fit, i;

	if (cols < 1)
		cols = 1;
	fit = text_fit(s + pos, len - pos, cols, NULL);
	if (pos + fit >= len)
		return len;
	if (fit == 0) {
		/* A wide character in one column: it gets the row alone. */
		fit = 1;
		while (pos + fit < len &&
		       ((unsigned char)s[pos + fit] & 0xC0) == 0x80)
			fit++;
		return pos + fit;
	}
	/* After the last space that fits, unless that leaves nothing. */
	for (i = pos + fit; i > pos; i--)
		if (s[i - 1] == ' ' && i - 1 > pos)
			return i;
	if (s[pos + fit] == ' ')
		return pos + fit + 1;
	return pos + fit;
}

/*
 * Cuts the line s[0..len) into screen rows of cols columns. Writes the
 * byte offset where each row starts into starts (at most max of them,
 * starts may be NULL) and returns the number of rows, at least 1.
 */
size_t
editor_wrap(const char *s, size_t len, int cols, size_t *starts, size_t max)
{
	size_t pos = 0, n = 0;

	do {
		if (starts && n < max)
			starts[n] = pos;
		n++;
		pos = editor_next_row(s, len, pos, cols);
	} while (pos < len);
	return n;
}

/* The rows of line i. */
static size_t
editor_rows(const struct editor *e, size_t i, int cols)
{
	return editor_wrap(e->lines[i].s, e->lines[i].len, cols, NULL, 0);
}

/*
 * The row of line l holding byte col (a row ending in a break holds its
 * end only when it is the last row); *start gets that row's start, *end
 * the next row's start (or len).
 */
static size_t
editor_row_of(const struct editor_line *l, size_t col, int cols,
	      size_t *start, size_t *end)
{
	size_t pos = 0, next, row = 0;

	for (;;) {
		next = editor_next_row(l->s, l->len, pos, cols);
		if (col < next || next >= l->len) {
			*start = pos;
			*end = next;
			return row;
		}
		pos = next;
		row++;
	}
}

/* Row k of line l: its start and end. */
static void
editor_row_k(const struct editor_line *l, size_t k, int cols, size_t *start,
	     size_t *end)
{
	size_t pos = 0, next;

	for (;;) {
		next = editor_next_row(l->s, l->len, pos, cols);
		if (k == 0 || next >= l->len) {
			*start = pos;
			*end = next;
			return;
		}
		pos = next;
		k--;
	}
}

/*
 * Puts the cursor on the row above (dir -1) or below (1) at the column
 * kept from the first of a series of vertical moves. Returns -1 at the
 * first or last row.
 */
static int
editor_vertical(struct editor *e, int dir, int cols)
{
	struct editor_line *l = &e->lines[e->cur.line];
	size_t start, end, row, line = e->cur.line, k, fit;
	int goal = e->goal;

	row = editor_row_of(l, e->cur.col, cols, &start, &end);
	if (goal < 0)
		goal = text_width(l->s + start, e->cur.col - start);
	if (dir < 0) {
		if (row > 0) {
			k = row - 1;
		} else if (line > 0) {
			line--;
			k = editor_rows(e, line, cols) - 1;
		} else {
			return -1;
		}
	} else {
		if (end < l->len) {
			k = row + 1;
		} else if (line + 1 < e->n) {
			line++;
			k = 0;
		} else {
			return -1;
		}
	}
	l = &e->lines[line];
	editor_row_k(l, k, cols, &start, &end);
	fit = text_fit(l->s + start, end - start, goal, NULL);
	/* Not past a break: that place belongs to the next row. */
	if (end < l->len && start + fit == end && fit > 0)
		fit = editor_back(l, end) - start;
	e->cur.line = line;
	e->cur.col = start + fit;
	e->can_extend = 0;
	e->goal = goal;
	return 0;
}

int
editor_up(struct editor *e, int cols)
{
	return editor_vertical(e, -1, cols);
}

int
editor_down(struct editor *e, int cols)
{
	return editor_vertical(e, 1, cols);
}

/* Counts one line's characters and words. */
static void
editor_count_line(struct editor_line *l)
{
	size_t off = 0, chars = 0, words = 0;
	int in_word = 0, has_alnum = 0, n, cls;
	uint32_t cp;

	while (off < l->len) {
		n = san_utf8_decode((const unsigned char *)l->s + off,
				    l->len - off, &cp);
		if (n < 0) {
			n = 1;
			cp = 0xFFFD;
		}
		off += (size_t)n;
		chars++;
		cls = editor_class(cp);
		if (cls == 0) {
			if (in_word && has_alnum)
				words++;
			in_word = has_alnum = 0;
			continue;
		}
		in_word = 1;
		if (cls == 1)
			has_alnum = 1;
	}
	if (in_word && has_alnum)
		words++;
	l->chars = chars;
	l->words = words;
	l->dirty = 0;
}

/* The text's counts; lines changed since the last call are counted again. */
void
editor_counts(struct editor *e, struct editor_counts *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < e->n; i++) {
		struct editor_line *l = &e->lines[i];

		if (l->dirty || (l->len && !l->chars))
			editor_count_line(l);
		out->chars += l->chars;
		out->words += l->words;
	}
	out->lines = e->n;
	out->chars += e->n - 1;
}

/* The cursor's row in its line. */
static size_t
editor_cur_row(const struct editor *e, int cols)
{
	size_t start, end;

	return editor_row_of(&e->lines[e->cur.line], e->cur.col, cols, &start,
			     &end);
}

/*
 * Moves the first row shown so that the cursor is on one of rows rows
 * of cols columns, scrolling as little as it can.
 */
void
editor_scroll(struct editor *e, int cols, int rows)
{
	size_t cl = e->cur.line, cr = editor_cur_row(e, cols);
	size_t line, row;
	int left;

	if (rows < 1)
		rows = 1;
	if (e->top_line >= e->n) {
		e->top_line = e->n - 1;
		e->top_row = 0;
	}
	if (e->top_row >= editor_rows(e, e->top_line, cols))
		e->top_row = 0;
	if (cl < e->top_line || (cl == e->top_line && cr < e->top_row)) {
		e->top_line = cl;
		e->top_row = cr;
		return;
	}
	/* Walk back from the cursor a screen's worth of rows. */
	line = cl;
	row = cr;
	for (left = rows - 1; left > 0; left--) {
		if (line == e->top_line && row == e->top_row)
			return;
		if (row > 0) {
			row--;
		} else {
			line--;
			row = editor_rows(e, line, cols) - 1;
		}
	}
	if (line > e->top_line || (line == e->top_line && row > e->top_row)) {
		e->top_line = line;
		e->top_row = row;
	}
}

/*
 * The cursor's place on screen after editor_scroll(): *row counted from
 * the first row shown, *col in columns.
 */
void
editor_cursor_row(const struct editor *e, int cols, size_t *row, int *col)
{
	const struct editor_line *l = &e->lines[e->cur.line];
	size_t i, n = 0, start, end, cr;

	cr = editor_row_of(l, e->cur.col, cols, &start, &end);
	for (i = e->top_line; i < e->cur.line; i++)
		n += editor_rows(e, i, cols);
	n += cr;
	n -= e->top_row;
	*row = n;
	*col = text_width(l->s + start, e->cur.col - start);
}
