/* Unit tests for tui/table.c: the admin pane's filter, sort and marks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tui/table.h"
#include "util/door_proto.h"

static const int match[] = { 0, 1 };

/* A table of n accounts "uNNNN@dDD.test", quota i % 7, in two pages. */
static void
fill(struct table *t, int n)
{
	struct door_rows page;
	char email[64], dom[32], quota[16];
	const char *cells[3] = { email, dom, quota };
	int i, half = n / 2;

	table_init(t, match, 2);
	door_rows_init(&page, 3);
	for (i = 0; i < n; i++) {
		snprintf(dom, sizeof(dom), "d%02d.test", i % 100);
		snprintf(email, sizeof(email), "u%04d@%s", i, dom);
		snprintf(quota, sizeof(quota), "%d", i % 7);
		door_rows_add(&page, cells);
		if (i + 1 == half || i + 1 == n) {
			table_take(t, &page);
			door_rows_init(&page, 3);
		}
	}
}

static void
test_pages_join(void **state)
{
	struct table t;

	(void)state;
	fill(&t, 1000);
	assert_int_equal(t.rows.rows, 1000);
	assert_int_equal(t.n_show, 1000);
	assert_string_equal(table_cell(&t, 999, 0), "u0999@d99.test");
	table_release(&t);
}

static void
test_filter_narrows_and_widens(void **state)
{
	struct table t;

	(void)state;
	fill(&t, 1000);
	table_set_filter(&t, "D4");
	assert_int_equal(t.n_show, 100); /* d40 .. d49, any case */
	table_set_filter(&t, "d42");
	assert_int_equal(t.n_show, 10);
	assert_string_equal(table_cell(&t, 0, 0), "u0042@d42.test");
	table_set_filter(&t, "d4");
	assert_int_equal(t.n_show, 100);
	table_set_filter(&t, "nothing");
	assert_int_equal(t.n_show, 0);
	assert_string_equal(table_cell(&t, 0, 0), "");
	table_set_filter(&t, "");
	assert_int_equal(t.n_show, 1000);
	table_release(&t);
}

static void
test_sort_keeps_the_filter(void **state)
{
	struct table t;

	(void)state;
	fill(&t, 1000);
	table_set_filter(&t, "d42");
	table_sort(&t, 2, 1, 1); /* quota, numbers, reversed */
	assert_int_equal(t.n_show, 10);
	assert_string_equal(table_cell(&t, 0, 2), "6");
	assert_string_equal(table_cell(&t, 9, 2), "0");
	table_sort(&t, 0, 0, 0);
	assert_string_equal(table_cell(&t, 0, 0), "u0042@d42.test");
	table_set_exact(&t, 1, "d42.test");
	table_set_filter(&t, "");
	assert_int_equal(t.n_show, 10);
	table_release(&t);
}

static void
test_marks(void **state)
{
	struct table t;
	struct buf b = BUF_INIT;

	(void)state;
	fill(&t, 10);
	assert_int_equal(table_toggle_mark(&t, 3), 1);
	assert_int_equal(table_toggle_mark(&t, 5), 1);
	assert_int_equal(table_toggle_mark(&t, 3), 0);
	assert_int_equal(t.n_marked, 1);
	table_marked(&t, 0, &b);
	assert_string_equal(b.buf, "u0005@d05.test\n");
	buf_release(&b);
	table_release(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_join),
		cmocka_unit_test(test_filter_narrows_and_widens),
		cmocka_unit_test(test_sort_keeps_the_filter),
		cmocka_unit_test(test_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
