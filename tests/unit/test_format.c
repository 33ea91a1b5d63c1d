/*
 * Unit tests for tui/format.c: the date column with an injected clock
 * and time zone, sizes, flags, the sender column, the column layout and
 * the thread tree.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "index/index.h"
#include "tui/format.h"
#include "util/buf.h"

static int
setup(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

/* Unix seconds of a UTC date and time. */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm);
}

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static const char *
date(int64_t when, int64_t now)
{
	static char out[32];

	fmt_date(out, sizeof(out), when, now);
	return out;
}

static void
test_date_today_this_year_older(void **state)
{
	int64_t now = utc(2026, 11, 25, 10, 0);

	(void)state;
	set_tz("UTC0");
	assert_string_equal(date(utc(2026, 11, 25, 7, 55), now), "07:55");
	assert_string_equal(date(utc(2026, 11, 25, 0, 0), now), "00:00");
	assert_string_equal(date(utc(2026, 11, 24, 23, 59), now), "24 Nov");
	assert_string_equal(date(utc(2026, 1, 2, 12, 0), now), "2 Jan");
	assert_string_equal(date(utc(2025, 11, 25, 12, 0), now),
			    "2025-11-25");
	assert_string_equal(date(utc(2024, 2, 29, 12, 0), now), "2024-02-29");
	assert_string_equal(date(0, now), "");
}

/* The same instant is "today" in one zone and yesterday in another. */
static void
test_date_follows_tz(void **state)
{
	int64_t now = utc(2026, 11, 25, 10, 0);
	int64_t msg = utc(2026, 11, 24, 20, 30);

	(void)state;
	set_tz("UTC0");
	assert_string_equal(date(msg, now), "24 Nov");
	set_tz("JST-9"); /* 05:30 on the 25th, now 19:00 */
	assert_string_equal(date(msg, now), "05:30");
	set_tz("EST5EDT,M3.2.0,M11.1.0"); /* 15:30 on the 24th, now 05:00 */
	assert_string_equal(date(msg, now), "24 Nov");
	set_tz("UTC0");
}

static void
test_date_new_year(void **state)
{
	int64_t now = utc(2027, 1, 1, 0, 30);

	(void)state;
	set_tz("UTC0");
	assert_string_equal(date(utc(2026, 12, 31, 23, 0), now), "2026-12-31");
	assert_string_equal(date(utc(2027, 1, 1, 0, 10), now), "00:10");
}

static void
test_sizes(void **state)
{
	char s[16];

	(void)state;
	fmt_size(s, sizeof(s), 0);
	assert_string_equal(s, "0");
	fmt_size(s, sizeof(s), 512);
	assert_string_equal(s, "512");
	fmt_size(s, sizeof(s), 1234);
	assert_string_equal(s, "1.2K");
	fmt_size(s, sizeof(s), 30 * 1024);
	assert_string_equal(s, "30K");
	fmt_size(s, sizeof(s), 1572864);
	assert_string_equal(s, "1.5M");
	fmt_size(s, sizeof(s), 20 * 1024 * 1024);
	assert_string_equal(s, "20M");
	fmt_size(s, sizeof(s), 1023 * 1024);
	assert_string_equal(s, "1.0M");
}

static void
test_flags(void **state)
{
	char f[8];

	(void)state;
	fmt_flags(f, sizeof(f), 0);
	assert_string_equal(f, "N  ");
	fmt_flags(f, sizeof(f), IMAP_FLAG_SEEN);
	assert_string_equal(f, "   ");
	fmt_flags(f, sizeof(f),
		  IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED | IMAP_FLAG_ANSWERED);
	assert_string_equal(f, " !r");
	fmt_flags(f, sizeof(f), IMAP_FLAG_DELETED);
	assert_string_equal(f, "D  ");
}

static const char *
addr(const char *in)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	fmt_address(&b, in);
	return b.buf;
}

static void
test_address_short_form(void **state)
{
	(void)state;
	assert_string_equal(addr("Zoë Müller <zoe@example.de>"), "Zoë Müller");
	assert_string_equal(addr("\"Doe, John\" <j@x.org>, bob@y.org"),
			    "Doe, John");
	assert_string_equal(addr("<only@x.org>"), "only@x.org");
	assert_string_equal(addr("plain@x.org"), "plain@x.org");
	assert_string_equal(addr("a@x.org, b@y.org"), "a@x.org");
	assert_string_equal(addr("山田太郎 <taro@example.jp>"), "山田太郎");
	assert_string_equal(addr(""), "");
}

static void
test_columns(void **state)
{
	struct fmt_columns c;

	(void)state;
	fmt_columns(100, &c);
	assert_int_equal(c.flags_col, 0);
	assert_int_equal(c.date_col, 4);
	assert_int_equal(c.from_col, 15);
	assert_int_equal(c.from_w, 22);
	assert_int_equal(c.subject_col, 38);
	assert_int_equal(c.size_w, 5);
	assert_int_equal(c.size_col, 95);
	assert_int_equal(c.subject_col + c.subject_w + 1, c.size_col);
	fmt_columns(80, &c);
	assert_int_equal(c.from_w, 18);
	assert_int_equal(c.subject_col + c.subject_w + 1 + c.size_w, 80);
	fmt_columns(40, &c);
	assert_int_equal(c.size_w, 0);
	assert_int_equal(c.subject_col + c.subject_w, 40);
	fmt_columns(10, &c);
	assert_int_equal(c.subject_w, 0);
}

static uint32_t
depth_of(void *arg, size_t i)
{
	return ((const uint32_t *)arg)[i];
}

static void
test_tree(void **state)
{
	/*
	 * A
	 * ├─>B
	 * │ ├─>C
	 * │ │ └─>D
	 * │ └─>E
	 * └─>F
	 * G
	 * └─>H
	 */
	static const uint32_t depths[] = { 0, 1, 2, 3, 2, 1, 0, 1 };
	static const char *const want[] = {
		"", "├─>", "│ ├─>", "│ │ └─>", "│ └─>", "└─>", "", "└─>",
	};
	struct buf b = BUF_INIT;
	size_t i, n = sizeof(depths) / sizeof(*depths);
	int cols;

	(void)state;
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		cols = fmt_tree(&b, i, n, depth_of, (void *)depths);
		assert_string_equal(b.buf, want[i]);
		assert_int_equal(cols, depths[i] ? 2 * (int)depths[i] + 1 : 0);
	}
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_today_this_year_older),
		cmocka_unit_test(test_date_follows_tz),
		cmocka_unit_test(test_date_new_year),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_address_short_form),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_tree),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
