/*
 * Unit tests for the key reading of tui/display.c, through a real pty:
 * a paste whose UTF-8 characters arrive cut between two reads of the
 * terminal must come out whole, key for key, and a stray byte costs one
 * U+FFFD, not the keys after it.
 */
#include <fcntl.h>
#include <locale.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tui/display.h"
#include "util/buf.h"
#include "util/sanitize.h"

/* The pty the display runs on, and the stdin and stdout it replaces. */
struct tty {
	int master, saved_in, saved_out;
};

static void
drain(int master)
{
	char b[4096];

	while (read(master, b, sizeof(b)) > 0)
		;
}

/* Opens the display on a new pty: 0 or -1. */
static int
tty_open(struct tty *t)
{
	int slave;

	if (openpty(&t->master, &slave, NULL, NULL, NULL) < 0)
		return -1;
	fcntl(t->master, F_SETFL, O_NONBLOCK);
	fflush(stdout);
	t->saved_in = dup(0);
	t->saved_out = dup(1);
	dup2(slave, 0);
	dup2(slave, 1);
	close(slave);
	setenv("TERM", "xterm-256color", 1);
	if (display_open() < 0)
		return -1;
	drain(t->master);
	return 0;
}

static void
tty_close(struct tty *t)
{
	display_close();
	drain(t->master);
	fflush(stdout);
	dup2(t->saved_in, 0);
	dup2(t->saved_out, 1);
	close(t->saved_in);
	close(t->saved_out);
	close(t->master);
}

static void
put(struct tty *t, const char *s, size_t len)
{
	assert_int_equal(write(t->master, s, len), (ssize_t)len);
}

/* Reads keys until a pause of 200 ms, as UTF-8 ('\r' for Enter) into out. */
static void
keys(struct tty *t, struct buf *out)
{
	char u[4];
	int k;

	while ((k = display_key(200, -1)) >= 0) {
		if (k < TK_BASE)
			buf_add(out, u, san_utf8_encode((uint32_t)k, u));
		else
			buf_addf(out, "<%d>", k);
		drain(t->master);
	}
}

/*
 * A paste cut in the middle of "Ü": the first byte is read alone, the
 * rest comes later. Every key must arrive; curses' get_wch() in nodelay
 * mode lost the first byte and then 144 more while looking for the
 * character's start.
 */
static void
test_cut_utf8(void **state)
{
	const char *line = "Zeile 1 eines langen Textes, eingefügt auf einmal, "
			   "mit Ümläuten\r";
	struct buf want = BUF_INIT, got = BUF_INIT, rest = BUF_INIT;
	const char *cut = strstr(line, "Ü") + 1;
	struct tty t;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		buf_adds(&rest, line);
	buf_add(&want, line, (size_t)(cut - line));
	buf_adds(&want, cut);
	buf_addf(&want, "%s", rest.buf);
	assert_int_equal(tty_open(&t), 0);
	put(&t, line, (size_t)(cut - line));
	keys(&t, &got);
	put(&t, cut, strlen(cut));
	put(&t, rest.buf, rest.len);
	keys(&t, &got);
	tty_close(&t);
	assert_string_equal(got.buf, want.buf);
	buf_release(&want);
	buf_release(&got);
	buf_release(&rest);
}

/* Each cut of a 3- and a 4-byte character, a byte at a time. */
static void
test_bytewise(void **state)
{
	const char *s = "a€b😀c\r";
	struct buf got = BUF_INIT;
	struct tty t;
	size_t i;

	(void)state;
	assert_int_equal(tty_open(&t), 0);
	for (i = 0; s[i]; i++) {
		put(&t, s + i, 1);
		while (display_key(20, -1) >= 0 ? (buf_addch(&got, '+'), 1) : 0)
			;
	}
	tty_close(&t);
	/* One key per character, each after its last byte. */
	assert_int_equal(got.len, 6);
	buf_release(&got);
}

/* Stray bytes: one U+FFFD each, and the keys after them arrive. */
static void
test_invalid(void **state)
{
	const char in[] = "x\x9c" "y\xc3" "z\xff" "w\xe2\x82" "\r";
	struct buf got = BUF_INIT;
	struct tty t;

	(void)state;
	assert_int_equal(tty_open(&t), 0);
	put(&t, in, sizeof(in) - 1);
	keys(&t, &got);
	tty_close(&t);
	assert_string_equal(got.buf, "x\xef\xbf\xbd" "y\xef\xbf\xbd"
				     "z\xef\xbf\xbd" "w\xef\xbf\xbd\r");
	buf_release(&got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_utf8),
		cmocka_unit_test(test_bytewise),
		cmocka_unit_test(test_invalid),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
