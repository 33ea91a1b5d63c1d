/*
 * Unit tests for tui/editor.c: insertion and cleaning, motion, deleting,
 * undo and redo with coalesced typing, counts, soft wrap and scrolling,
 * and the cost of a big paste and of keys on a long text.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tui/editor.h"
#include "util/buf.h"

static int
setup(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

/* The whole text, in a static buffer. */
static const char *
text(const struct editor *e)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	editor_text(e, &b);
	return b.buf;
}

static void
type(struct editor *e, const char *s)
{
	editor_insert(e, s, strlen(s));
}

static void
test_insert_lines(void **state)
{
	struct editor e;

	(void)state;
	editor_init(&e);
	assert_true(editor_empty(&e));
	type(&e, "Hello wörld");
	assert_string_equal(text(&e), "Hello wörld");
	assert_int_equal(e.cur.col, strlen("Hello wörld"));
	e.cur.col = 5;
	type(&e, ",\nnew\nline");
	assert_string_equal(text(&e), "Hello,\nnew\nline wörld");
	assert_int_equal(e.n, 3);
	assert_int_equal(e.cur.line, 2);
	assert_int_equal(e.cur.col, 4);
	editor_newline(&e);
	assert_string_equal(text(&e), "Hello,\nnew\nline\n wörld");
	assert_false(editor_empty(&e));
	editor_release(&e);
}

static void
test_clean(void **state)
{
	struct editor e;

	(void)state;
	editor_init(&e);
	/* CR, ESC, a C1 control and a bidi override go; a tab becomes spaces. */
	type(&e, "a\r\n\x1b[31mx\xc2\x9b\xe2\x80\xaey\tz");
	assert_string_equal(text(&e), "a\n[31mxy  z");
	editor_set_text(&e, "bad \xff byte", 10);
	assert_string_equal(text(&e), "bad \xef\xbf\xbd byte");
	assert_int_equal(e.cur.line, 0);
	assert_int_equal(e.cur.col, 0);
	assert_int_equal(editor_undo(&e), -1);
	editor_release(&e);
}

static void
test_motion(void **state)
{
	struct editor e;

	(void)state;
	editor_init(&e);
	type(&e, "one, twö  three\nfour");
	editor_first(&e);
	editor_word_right(&e);
	assert_int_equal(e.cur.col, 3); /* before "," */
	editor_word_right(&e);
	assert_int_equal(e.cur.col, 5); /* "twö" */
	editor_word_right(&e);
	assert_int_equal(e.cur.col, 11); /* "three" */
	editor_word_right(&e);
	editor_word_right(&e);
	assert_int_equal(e.cur.line, 1);
	assert_int_equal(e.cur.col, 0);
	editor_word_left(&e);
	assert_int_equal(e.cur.line, 0);
	assert_int_equal(e.cur.col, 11);
	editor_word_left(&e);
	assert_int_equal(e.cur.col, 5);
	editor_right(&e);
	editor_right(&e);
	editor_right(&e);
	assert_int_equal(e.cur.col, 9); /* over the two bytes of ö */
	editor_left(&e);
	assert_int_equal(e.cur.col, 7);
	editor_line_end(&e);
	editor_right(&e);
	assert_int_equal(e.cur.line, 1);
	editor_left(&e);
	assert_int_equal(e.cur.line, 0);
	editor_line_start(&e);
	assert_int_equal(e.cur.col, 0);
	editor_last(&e);
	assert_int_equal(e.cur.line, 1);
	assert_int_equal(e.cur.col, 4);
	/* Up keeps the column; a shorter line clamps it. */
	assert_int_equal(editor_up(&e, 80), 0);
	assert_int_equal(e.cur.col, 4);
	assert_int_equal(editor_up(&e, 80), -1);
	assert_int_equal(editor_down(&e, 80), 0);
	assert_int_equal(e.cur.col, 4);
	editor_release(&e);
}

static void
test_delete(void **state)
{
	struct editor e;

	(void)state;
	editor_init(&e);
	type(&e, "alpha beta\ngamma");
	assert_int_equal(editor_delete_word(&e), 0);
	assert_string_equal(text(&e), "alpha beta\n");
	assert_int_equal(editor_backspace(&e), 0);
	assert_string_equal(text(&e), "alpha beta");
	assert_int_equal(editor_delete_word(&e), 0);
	assert_string_equal(text(&e), "alpha ");
	editor_line_start(&e);
	assert_int_equal(editor_delete_char(&e), 0);
	assert_string_equal(text(&e), "lpha ");
	editor_set_text(&e, "1\n2\n3", 5);
	e.cur.line = 1;
	assert_int_equal(editor_delete_line(&e), 0);
	assert_string_equal(text(&e), "1\n3");
	assert_int_equal(e.cur.line, 1);
	assert_int_equal(editor_delete_line(&e), 0);
	assert_string_equal(text(&e), "1");
	assert_int_equal(editor_delete_line(&e), 0);
	assert_string_equal(text(&e), "");
	assert_int_equal(editor_delete_line(&e), -1);
	assert_int_equal(editor_backspace(&e), -1);
	assert_int_equal(editor_delete_char(&e), -1);
	editor_release(&e);
}

static void
test_undo(void **state)
{
	struct editor e;
	int i;

	(void)state;
	editor_init(&e);
	/* A burst of typing is one change; a break starts the next. */
	for (i = 0; i < 5; i++)
		editor_insert_cp(&e, "hello"[i]);
	editor_undo_break(&e);
	type(&e, " wörld");
	assert_string_equal(text(&e), "hello wörld");
	assert_int_equal(editor_undo(&e), 0);
	assert_string_equal(text(&e), "hello");
	assert_int_equal(editor_redo(&e), 0);
	assert_string_equal(text(&e), "hello wörld");
	assert_int_equal(editor_redo(&e), -1);
	/* Backspaces make one change too. */
	editor_undo_break(&e);
	editor_backspace(&e);
	editor_backspace(&e);
	editor_backspace(&e);
	assert_string_equal(text(&e), "hello wö");
	assert_int_equal(editor_undo(&e), 0);
	assert_string_equal(text(&e), "hello wörld");
	assert_int_equal(e.cur.col, strlen("hello wörld"));
	assert_int_equal(editor_undo(&e), 0);
	assert_int_equal(editor_undo(&e), 0);
	assert_string_equal(text(&e), "");
	assert_int_equal(editor_undo(&e), -1);
	assert_int_equal(editor_redo(&e), 0);
	assert_int_equal(editor_redo(&e), 0);
	assert_string_equal(text(&e), "hello wörld");
	/* A new change drops what could be redone. */
	type(&e, "!");
	assert_int_equal(editor_redo(&e), -1);
	/* Deleting a line across lines, undone and redone. */
	editor_set_text(&e, "a\nb\nc", 5);
	e.cur.line = 2;
	editor_delete_line(&e);
	assert_string_equal(text(&e), "a\nb");
	editor_undo(&e);
	assert_string_equal(text(&e), "a\nb\nc");
	editor_redo(&e);
	assert_string_equal(text(&e), "a\nb");
	editor_release(&e);
}

static void
test_counts(void **state)
{
	struct editor e;
	struct editor_counts c;

	(void)state;
	editor_init(&e);
	editor_counts(&e, &c);
	assert_int_equal(c.chars, 0);
	assert_int_equal(c.words, 0);
	assert_int_equal(c.lines, 1);
	/* Quote marks and dashes are not words; "Grüße" is one. */
	type(&e, "> Grüße aus Köln -- ok\n\n-- \nJane");
	editor_counts(&e, &c);
	assert_int_equal(c.words, 5);
	assert_int_equal(c.lines, 4);
	assert_int_equal(c.chars, 22 + 1 + 0 + 1 + 3 + 1 + 4);
	editor_backspace(&e);
	editor_counts(&e, &c);
	assert_int_equal(c.words, 5);
	editor_delete_word(&e);
	editor_counts(&e, &c);
	assert_int_equal(c.words, 4);
	editor_release(&e);
}

/* The rows of s at cols, joined with '|'. */
static const char *
rows(const char *s, int cols)
{
	static struct buf b = BUF_INIT;
	size_t starts[32], n, i, len = strlen(s);

	n = editor_wrap(s, len, cols, starts, 32);
	buf_reset(&b);
	for (i = 0; i < n; i++) {
		size_t end = i + 1 < n ? starts[i + 1] : len;

		if (i)
			buf_addch(&b, '|');
		buf_add(&b, s + starts[i], end - starts[i]);
	}
	return b.buf;
}

static void
test_wrap(void **state)
{
	(void)state;
	assert_string_equal(rows("", 10), "");
	assert_string_equal(rows("short", 10), "short");
	assert_string_equal(rows("the quick brown fox", 10),
			    "the quick |brown fox");
	assert_string_equal(rows("abcdefghijkl", 5), "abcde|fghij|kl");
	/* Wide characters are not split and count two columns. */
	assert_string_equal(rows("日本語のテキスト", 5), "日本|語の|テキ|スト");
}

static void
test_scroll_and_vertical(void **state)
{
	struct editor e;
	size_t row;
	int col, i;

	(void)state;
	editor_init(&e);
	for (i = 0; i < 30; i++)
		type(&e, "line with some words\n");
	type(&e, "the quick brown fox");
	editor_scroll(&e, 10, 5);
	editor_cursor_row(&e, 10, &row, &col);
	assert_int_equal(row, 4);
	assert_int_equal(col, 9);
	/* Up within a wrapped line, then into the line above. */
	assert_int_equal(editor_up(&e, 10), 0);
	assert_int_equal(e.cur.line, 30);
	assert_int_equal(e.cur.col, 9);
	assert_int_equal(editor_up(&e, 10), 0);
	assert_int_equal(e.cur.line, 29);
	editor_first(&e);
	editor_scroll(&e, 10, 5);
	assert_int_equal(e.top_line, 0);
	assert_int_equal(e.top_row, 0);
	editor_cursor_row(&e, 10, &row, &col);
	assert_int_equal(row, 0);
	assert_int_equal(editor_down(&e, 10), 0);
	assert_int_equal(e.cur.line, 0);
	assert_int_equal(e.cur.col, 10); /* "some" */
	editor_release(&e);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
test_big(void **state)
{
	struct editor e;
	struct editor_counts c;
	struct buf big = BUF_INIT;
	struct timespec t0;
	size_t i;
	double ms;

	(void)state;
	/* 1 MB pasted a character at a time, as a terminal delivers it. */
	for (i = 0; big.len < 1024 * 1024; i++)
		buf_addf(&big, "line %zu of the pasted text, with words\n", i);
	editor_init(&e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < big.len; i++)
		editor_insert(&e, big.buf + i, 1);
	ms = ms_since(&t0);
	assert_true(ms < 2000);
	assert_int_equal(strlen(text(&e)), big.len);
	/* Keys in the middle of a 5,000-line text. */
	editor_set_text(&e, big.buf, 5000 * 40);
	e.cur.line = 2500;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 1000; i++) {
		editor_insert_cp(&e, 'x');
		editor_newline(&e);
		editor_counts(&e, &c);
		editor_scroll(&e, 80, 24);
	}
	ms = ms_since(&t0) / 1000;
	assert_true(ms < 10);
	assert_int_equal(editor_undo(&e), 0);
	assert_int_equal(e.n, c.lines - 1000);
	buf_release(&big);
	editor_release(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_lines),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_motion),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_undo),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_scroll_and_vertical),
		cmocka_unit_test(test_big),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
