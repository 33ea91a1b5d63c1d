/*
 * editor.h: the composer's text, without any screen: UTF-8 lines, a
 * cursor, word motion, deleting words and lines, undo and redo, soft
 * wrap for display and honest counts.
 *
 * The text is an array of lines (no '\n' kept); the cursor is a line and
 * a byte offset in it, always at the start of a character. Inserted text
 * is cleaned: '\r' and control characters are dropped, a tab becomes
 * spaces to the next multiple of 8, invalid UTF-8 becomes U+FFFD.
 *
 * Undo records every insertion and deletion; typing and backspacing next
 * to the last change extend its record until editor_undo_break() (the
 * composer calls it after a pause or a move), so that one undo takes back
 * a burst of typing or a whole paste. Costs: a keystroke touches its line
 * only; counts are kept per line and summed over the lines (a few
 * microseconds for thousands of lines); wrapping is computed for the rows
 * on screen only.
 *
 * Soft wrap: a line of more than cols columns is shown on several rows,
 * broken after the last space that fits, else at the last character that
 * fits. The view's scroll position (top line and row within it) lives
 * here so that the cursor can be kept on screen.
 */
#ifndef TUIMAIL_EDITOR_H
#define TUIMAIL_EDITOR_H

#include <stddef.h>

#include "util/buf.h"

struct editor_pos {
	size_t line; /* from 0 */
	size_t col;  /* byte offset in the line */
};

struct editor_line {
	char *s;	   /* owned; not NUL-terminated */
	size_t len, cap;
	size_t chars;	   /* code points, valid unless dirty */
	size_t words;
	int dirty;
};

struct editor_undo; /* one recorded change */

struct editor {
	struct editor_line *lines; /* owned, n >= 1 */
	size_t n, alloc;
	struct editor_pos cur;
	int goal;		   /* screen column kept by up and down, -1 */
	struct editor_undo *undo;  /* owned */
	size_t n_undo;		   /* records applied */
	size_t n_rec, alloc_undo;  /* records kept (the rest redo) */
	int can_extend;		   /* the last record may grow */
	unsigned long gen;	   /* changes since editor_init */
	size_t top_line, top_row;  /* the first row on screen */
};

struct editor_counts {
	size_t chars; /* code points, newlines included */
	size_t words; /* runs of non-space holding a letter or digit */
	size_t lines;
};

void editor_init(struct editor *e);
void editor_release(struct editor *e);
void editor_set_text(struct editor *e, const char *text, size_t len);
void editor_text(const struct editor *e, struct buf *out);
int editor_empty(const struct editor *e);

void editor_insert(struct editor *e, const char *text, size_t len);
void editor_insert_cp(struct editor *e, unsigned cp);
void editor_newline(struct editor *e);
int editor_backspace(struct editor *e);
int editor_delete_char(struct editor *e);
int editor_delete_word(struct editor *e);
int editor_delete_line(struct editor *e);
int editor_undo(struct editor *e);
int editor_redo(struct editor *e);
void editor_undo_break(struct editor *e);

void editor_left(struct editor *e);
void editor_right(struct editor *e);
void editor_word_left(struct editor *e);
void editor_word_right(struct editor *e);
void editor_line_start(struct editor *e);
void editor_line_end(struct editor *e);
void editor_first(struct editor *e);
void editor_last(struct editor *e);
int editor_up(struct editor *e, int cols);
int editor_down(struct editor *e, int cols);

void editor_counts(struct editor *e, struct editor_counts *out);

size_t editor_wrap(const char *s, size_t len, int cols, size_t *starts,
		   size_t max);
void editor_scroll(struct editor *e, int cols, int rows);
void editor_cursor_row(const struct editor *e, int cols, size_t *row,
		       int *col);

#endif
