/* Unit tests for tui/text.c: widths, clipping and padding, wide chars. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tui/text.h"
#include "util/buf.h"

static int
setup(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

static void
test_widths(void **state)
{
	(void)state;
	assert_int_equal(text_width("abc", 3), 3);
	assert_int_equal(text_width("山田太郎", strlen("山田太郎")), 8);
	assert_int_equal(text_width("🎉x", strlen("🎉x")), 3);
	/* e + combining acute accent: one column. */
	assert_int_equal(text_width("e\xcc\x81", 3), 1);
	assert_int_equal(text_width("Zoë", strlen("Zoë")), 3);
}

static void
test_fit_never_splits_a_wide_char(void **state)
{
	const char *s = "ab山田";
	int used;

	(void)state;
	assert_int_equal(text_fit(s, strlen(s), 3, &used), 2);
	assert_int_equal(used, 2);
	assert_int_equal(text_fit(s, strlen(s), 4, &used), 5);
	assert_int_equal(used, 4);
	assert_int_equal(text_fit(s, strlen(s), 100, &used), strlen(s));
	assert_int_equal(used, 6);
	assert_int_equal(text_fit(s, strlen(s), 0, &used), 0);
	/* A combining mark stays with its base at the edge. */
	assert_int_equal(text_fit("e\xcc\x81x", 4, 1, &used), 3);
	assert_int_equal(used, 1);
}

static void
test_pad_left_and_right(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(text_pad(&b, "abc", 3, 6, TEXT_LEFT), 3);
	assert_string_equal(b.buf, "abc   ");
	buf_reset(&b);
	text_pad(&b, "42", 2, 5, TEXT_RIGHT);
	assert_string_equal(b.buf, "   42");
	buf_reset(&b);
	text_pad(&b, "abcdef", 6, 4, TEXT_LEFT);
	assert_string_equal(b.buf, "abcd");
	buf_release(&b);
}

/* Every padded cell is exactly cols wide, whatever the characters. */
static void
test_pad_wide_chars_keep_columns(void **state)
{
	static const char *const samples[] = {
		"山田太郎 <taro@example.jp>", "🎉 Launch party on Friday! 🥂",
		"Zoë Müller", "新しいプロジェクトのご案内", "plain ascii",
	};
	struct buf b = BUF_INIT;
	size_t i;
	int cols;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(*samples); i++)
		for (cols = 0; cols < 30; cols++) {
			buf_reset(&b);
			text_pad(&b, samples[i], strlen(samples[i]), cols,
				 TEXT_LEFT);
			assert_int_equal(text_width(b.buf, b.len), cols);
			buf_reset(&b);
			text_pad(&b, samples[i], strlen(samples[i]), cols,
				 TEXT_RIGHT);
			assert_int_equal(text_width(b.buf, b.len), cols);
		}
	/* A wide char that would cross the edge becomes a space. */
	buf_reset(&b);
	text_pad(&b, "a山", strlen("a山"), 2, TEXT_LEFT);
	assert_string_equal(b.buf, "a ");
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_fit_never_splits_a_wide_char),
		cmocka_unit_test(test_pad_left_and_right),
		cmocka_unit_test(test_pad_wide_chars_keep_columns),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
