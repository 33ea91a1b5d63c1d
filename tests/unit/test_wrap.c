/* Unit tests for tui/wrap.c: pager lines, wide chars, quotes, signature. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tui/text.h"
#include "tui/wrap.h"
#include "util/buf.h"

static int
setup(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

/* The screen lines of text at cols, joined with '|'. */
static const char *
lines(const char *text, int cols)
{
	static struct buf b = BUF_INIT;
	struct wrap w;
	size_t i;

	wrap_init(&w);
	wrap_text(&w, text, strlen(text), cols);
	buf_reset(&b);
	for (i = 0; i < w.n; i++) {
		if (i)
			buf_addch(&b, '|');
		buf_add(&b, text + w.lines[i].off, w.lines[i].len);
	}
	wrap_release(&w);
	return b.buf;
}

static void
test_short_lines_stay(void **state)
{
	(void)state;
	assert_string_equal(lines("hello\nworld\n", 20), "hello|world");
	assert_string_equal(lines("a\n\nb\n", 20), "a||b");
	assert_string_equal(lines("no newline", 20), "no newline");
	assert_string_equal(lines("", 20), "");
}

static void
test_breaks_after_spaces(void **state)
{
	(void)state;
	assert_string_equal(lines("the quick brown fox jumps\n", 10),
			    "the quick |brown fox |jumps");
	/* Runs of spaces at a break are dropped, indentation kept. */
	assert_string_equal(lines("  indented text    here\n", 15),
			    "  indented text|here");
}

static void
test_long_words_are_cut(void **state)
{
	(void)state;
	assert_string_equal(
		lines("https://example.com/a/very/long/path\n", 12),
		"https://exam|ple.com/a/ve|ry/long/path");
}

static void
test_wide_chars(void **state)
{
	const char *t = "新しいプロジェクトのご案内です\n";
	struct wrap w;
	size_t i;

	(void)state;
	wrap_init(&w);
	wrap_text(&w, t, strlen(t), 9);
	assert_int_equal(w.n, 4);
	for (i = 0; i < w.n; i++)
		assert_true(text_width(t + w.lines[i].off, w.lines[i].len) <=
			    9);
	assert_int_equal(text_width(t + w.lines[0].off, w.lines[0].len), 8);
	/* Narrower than one character still makes progress. */
	wrap_text(&w, t, strlen(t), 1);
	assert_int_equal(w.n, 15);
	wrap_release(&w);
}

static void
test_kinds(void **state)
{
	const char *t = "Hi,\n> quoted\n> > twice\n>>> thrice\n>>>> four\n"
			"[1] https://example.com/\n[x] not a link\n"
			"-- \nJane\n> in the signature\n";
	static const enum wrap_kind want[] = {
		WRAP_TEXT,   WRAP_QUOTE1, WRAP_QUOTE2,	  WRAP_QUOTE3,
		WRAP_QUOTE1, WRAP_LINK,	  WRAP_TEXT,	  WRAP_SIGNATURE,
		WRAP_SIGNATURE, WRAP_SIGNATURE,
	};
	struct wrap w;
	size_t i;

	(void)state;
	wrap_init(&w);
	wrap_text(&w, t, strlen(t), 40);
	assert_int_equal(w.n, sizeof(want) / sizeof(*want));
	for (i = 0; i < w.n; i++) {
		assert_int_equal(w.lines[i].kind, want[i]);
		assert_int_equal(w.lines[i].src, i);
		assert_true(w.lines[i].first);
	}
	wrap_release(&w);
	assert_int_equal(wrap_quote_depth("> > x", 5), 2);
	assert_int_equal(wrap_quote_depth(" > x", 4), 0);
}

static void
test_continuations_keep_their_line(void **state)
{
	const char *t = "> one two three four five\nnext\n";
	struct wrap w;

	(void)state;
	wrap_init(&w);
	wrap_text(&w, t, strlen(t), 10);
	assert_int_equal(w.n, 4);
	assert_int_equal(w.lines[1].src, 0);
	assert_false(w.lines[1].first);
	assert_int_equal(w.lines[1].kind, WRAP_QUOTE1);
	assert_int_equal(w.lines[3].src, 1);
	assert_true(w.lines[3].first);
	wrap_release(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_lines_stay),
		cmocka_unit_test(test_breaks_after_spaces),
		cmocka_unit_test(test_long_words_are_cut),
		cmocka_unit_test(test_wide_chars),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_continuations_keep_their_line),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
