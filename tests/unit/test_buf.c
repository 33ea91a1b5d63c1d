/* Unit tests for util/buf.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"

static void
test_empty_is_never_null(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	buf_release(&b);
	assert_non_null(b.buf);
	assert_int_equal(b.len, 0);
}

static void
test_add_and_format(void **state)
{
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	buf_adds(&b, "abc");
	buf_addch(&b, '-');
	buf_addf(&b, "%d:%s", 42, "x");
	assert_string_equal(b.buf, "abc-42:x");
	assert_int_equal(b.len, 8);
	for (i = 0; i < 1000; i++)
		buf_addf(&b, "%04d", i);
	assert_int_equal(b.len, 8 + 4000);
	assert_memory_equal(b.buf + b.len - 4, "0999", 4);
	buf_reset(&b);
	assert_string_equal(b.buf, "");
	buf_release(&b);
}

static void
test_rtrim_setlen_detach(void **state)
{
	struct buf b = BUF_INIT;
	size_t len;
	char *s;

	(void)state;
	buf_adds(&b, "line \t\r\n");
	buf_rtrim(&b);
	assert_string_equal(b.buf, "line");
	buf_setlen(&b, 2);
	assert_string_equal(b.buf, "li");
	s = buf_detach(&b, &len);
	assert_string_equal(s, "li");
	assert_int_equal(len, 2);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	free(s);
	s = buf_detach(&b, NULL); /* an empty buffer still hands out memory */
	assert_string_equal(s, "");
	free(s);
}

static void
test_binary_data(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_add(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.buf, "a\0b", 4);
	buf_release_secret(&b);
	assert_int_equal(b.len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_never_null),
		cmocka_unit_test(test_add_and_format),
		cmocka_unit_test(test_rtrim_setlen_detach),
		cmocka_unit_test(test_binary_data),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
