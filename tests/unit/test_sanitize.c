/* Unit tests for util/sanitize.c: nothing hostile reaches the terminal. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/sanitize.h"

static char out_text[4096];

static const char *
clean(const char *in, size_t len, unsigned flags, size_t *col)
{
	struct buf b = BUF_INIT;
	size_t c = san_text(&b, in, len, flags);

	if (col)
		*col = c;
	snprintf(out_text, sizeof(out_text), "%s", b.buf);
	buf_release(&b);
	return out_text;
}
#define CLEAN(s) clean(s, sizeof(s) - 1, 0, NULL)

static void
test_plain_text_unchanged(void **state)
{
	(void)state;
	assert_string_equal(CLEAN("Hello, world"), "Hello, world");
	assert_string_equal(CLEAN("Zoë Müller 山田太郎 🎉"),
			    "Zoë Müller 山田太郎 🎉");
}

static void
test_escape_sequences_removed(void **state)
{
	(void)state;
	/* An OSC window-title sequence and a clear-screen. */
	assert_string_equal(CLEAN("a\x1b]0;pwned\x07" "b"), "a]0;pwnedb");
	assert_string_equal(CLEAN("\x1b[2Jx"), "[2Jx");
	assert_null(strchr(CLEAN("\x1b\x1b\x1b"), 0x1b));
	/* C1 CSI (U+009B) encoded in UTF-8, and a raw 0x9b byte. */
	assert_string_equal(CLEAN("a\xc2\x9b" "2Jb"), "a2Jb");
	assert_string_equal(CLEAN("a\x9b" "b"), "a\xef\xbf\xbd" "b");
	assert_string_equal(CLEAN("del\x7f!"), "del!");
}

static void
test_controls_and_newlines(void **state)
{
	size_t col;

	(void)state;
	assert_string_equal(CLEAN("a\r\nb"), "a b");
	assert_string_equal(clean("a\r\nb\n", 5, SAN_NEWLINES, &col), "a\nb\n");
	assert_int_equal(col, 0);
	assert_string_equal(CLEAN("bell\x07\x08\x0c"), "bell");
	assert_string_equal(CLEAN("nul\0x"), "nulx");
}

static void
test_bidi_overrides_removed(void **state)
{
	(void)state;
	/* U+202E RIGHT-TO-LEFT OVERRIDE and U+2066 LEFT-TO-RIGHT ISOLATE. */
	assert_string_equal(CLEAN("invoice\xe2\x80\xae" "fdp.exe"),
			    "invoicefdp.exe");
	assert_string_equal(CLEAN("\xe2\x81\xa6x\xe2\x81\xa9"), "x");
}

static void
test_invalid_utf8(void **state)
{
	(void)state;
	/* Truncated, overlong, surrogate, beyond U+10FFFF, stray byte. */
	assert_string_equal(CLEAN("a\xc3"), "a\xef\xbf\xbd");
	assert_string_equal(CLEAN("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(CLEAN("\xed\xa0\x80"),
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(CLEAN("\xf4\x90\x80\x80"),
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "\xef\xbf\xbd");
	assert_string_equal(CLEAN("\xff"), "\xef\xbf\xbd");
}

static void
test_tabs_and_widths(void **state)
{
	size_t col;

	(void)state;
	assert_string_equal(clean("a\tb", 3, 0, &col), "a       b");
	assert_int_equal(col, 9);
	/* Wide characters count two columns towards the tab stop. */
	assert_string_equal(clean("山\tb", strlen("山\tb"), 0, &col), "山      b");
	assert_int_equal(col, 9);
	assert_string_equal(clean("x\n\ty", 4, SAN_NEWLINES, &col),
			    "x\n        y");
	assert_int_equal(col, 9);
	assert_int_equal(san_width("山田太郎", strlen("山田太郎")), 8);
	assert_int_equal(san_width("e\xcc\x81", 3), 1); /* e + combining */
	assert_int_equal(san_width("🎉", strlen("🎉")), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_unchanged),
		cmocka_unit_test(test_escape_sequences_removed),
		cmocka_unit_test(test_controls_and_newlines),
		cmocka_unit_test(test_bidi_overrides_removed),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_tabs_and_widths),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests_name("sanitize", tests, NULL, NULL);
}
