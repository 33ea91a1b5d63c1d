/*
 * Unit tests for the modified UTF-7 of IMAP folder names (RFC 3501
 * 5.1.3) in index/imap.c: imap_utf7_to_utf8() and imap_utf8_to_utf7().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "index/index.h"
#include "util/log.h"

/* Names and their server form, both ways. */
static const struct {
	const char *utf8, *mutf7;
} pairs[] = {
	{ "INBOX", "INBOX" },
	{ "", "" },
	{ "&", "&-" },
	{ "Tom & Jerry", "Tom &- Jerry" },
	{ "Entwürfe", "Entw&APw-rfe" },
	/* The example of RFC 3501. */
	{ "~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "☺!", "&Jjo-!" },
	/* Beyond the BMP: a surrogate pair. */
	{ "😀", "&2D3eAA-" },
	/* Controls are not printable: encoded. */
	{ "a\tb", "a&AAk-b" },
	{ "Ελληνικά & Русский", "&A5UDuwO7A7cDvQO5A7oDrA- &- &BCAEQwRBBEEEOgQ4BDk-" },
	{ "Zoë Müller/Brief & Co", "Zo&AOs- M&APw-ller/Brief &- Co" },
};

static void
test_both_ways(void **state)
{
	char *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
		s = imap_utf8_to_utf7(pairs[i].utf8);
		assert_non_null(s);
		assert_string_equal(s, pairs[i].mutf7);
		free(s);
		s = imap_utf7_to_utf8(pairs[i].mutf7);
		assert_non_null(s);
		assert_string_equal(s, pairs[i].utf8);
		free(s);
	}
}

static void
test_bad_utf7(void **state)
{
	static const char *const bad[] = {
		"&",	     /* no end */
		"&Jjo",	     /* no '-' */
		"a&Jjo!",    /* not base64 */
		"&2D0-",     /* a high surrogate alone */
		"&3gA-",     /* a low surrogate alone */
		"&2D3YPQ-",  /* a high surrogate, then another */
		"&A-",	     /* not even one unit */
		"&AOl-",     /* bits left over that are not zero */
		"&AAA-",     /* NUL */
		"Entw\xc3\xbcrfe", /* raw 8-bit: UTF-8, not modified UTF-7 */
		"a\tb",	     /* a raw control */
		"&APw/-",    /* '/' is not modified base64 (',' is) */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_null(imap_utf7_to_utf8(bad[i]));
		assert_non_null(strstr(err_msg(), "is not valid modified "
						  "UTF-7"));
	}
}

static void
test_lenient_where_harmless(void **state)
{
	char *s;

	(void)state;
	/* Printable ASCII encoded needlessly still decodes. */
	s = imap_utf7_to_utf8("&AGEAYg-");
	assert_non_null(s);
	assert_string_equal(s, "ab");
	free(s);
	/* Two runs next to each other. */
	s = imap_utf7_to_utf8("&AOk-&AOk-");
	assert_non_null(s);
	assert_string_equal(s, "éé");
	free(s);
}

static void
test_bad_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff",
		"a\xc3",	     /* cut short */
		"\xc0\xaf",	     /* overlong */
		"\xed\xa0\x80",	     /* an encoded surrogate */
		"\xf4\x90\x80\x80", /* beyond U+10FFFF */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_null(imap_utf8_to_utf7(bad[i]));
		assert_string_equal(err_msg(),
				    "folder name is not valid UTF-8");
	}
}

static void
test_round_trip_every_plane(void **state)
{
	/* One of each UTF-8 length, and runs of odd lengths. */
	static const char *const names[] = {
		"a", "é", "€", "𝄞", "éé", "ééé", "€€€€", "a€b𝄞c", "&&&", "&é&",
	};
	char *a, *b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		a = imap_utf8_to_utf7(names[i]);
		assert_non_null(a);
		b = imap_utf7_to_utf8(a);
		assert_non_null(b);
		assert_string_equal(b, names[i]);
		free(a);
		free(b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_ways),
		cmocka_unit_test(test_bad_utf7),
		cmocka_unit_test(test_lenient_where_harmless),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_round_trip_every_plane),
	};

	log_init("test_imaputf7", 1, 0);
	return cmocka_run_group_tests_name("imaputf7", tests, NULL, NULL);
}
