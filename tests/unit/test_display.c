/*
 * Unit tests for the key reading of tui/display.c, through a real pty:
 * a paste whose UTF-8 characters arrive cut between two reads of the
 * terminal must come out whole, key for key, and a stray byte costs one
 * U+FFFD, not the keys after it. The paste brackets of xterm's
 * bracketed paste mode become TK_PASTE_START and TK_PASTE_END however
 * they are cut, and an Esc key stays an Esc key.
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
#include <time.h>
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

/*
 * Opens the display on a new pty: 0 or -1. What it sends to the terminal
 * goes to out, or is dropped when out is NULL.
 */
static int
tty_open_out(struct tty *t, struct buf *out)
{
	char b[4096];
	ssize_t n;

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
	while ((n = read(t->master, b, sizeof(b))) > 0)
		if (out)
			buf_add(out, b, (size_t)n);
	return 0;
}

static int
tty_open(struct tty *t)
{
	return tty_open_out(t, NULL);
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
		else if (k == TK_PASTE_START)
			buf_adds(out, "<PS>");
		else if (k == TK_UP)
			buf_adds(out, "<Up>");
		else if (k == TK_PASTE_END)
			buf_adds(out, "<PE>");
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

/* The mode is asked for with the screen, and turned off with it. */
static void
test_paste_mode(void **state)
{
	struct buf on = BUF_INIT, off = BUF_INIT;
	char b[4096];
	struct tty t;
	ssize_t n;

	(void)state;
	assert_int_equal(tty_open_out(&t, &on), 0);
	display_refresh();
	while ((n = read(t.master, b, sizeof(b))) > 0)
		buf_add(&on, b, (size_t)n);
	display_close();
	while ((n = read(t.master, b, sizeof(b))) > 0)
		buf_add(&off, b, (size_t)n);
	tty_close(&t);
	assert_non_null(strstr(on.buf, "\033[?2004h"));
	assert_null(strstr(on.buf, "\033[?2004l"));
	assert_non_null(strstr(off.buf, "\033[?2004l"));
	buf_release(&on);
	buf_release(&off);
}

/*
 * A paste in one piece: the brackets are keys of their own, a tab is a
 * tab, CR LF is one Enter and a lone LF another; outside, keys as ever.
 */
static void
test_paste_whole(void **state)
{
	const char in[] = "a\033[200~q\tx\r\ny\nz\033[201~b\r";
	struct buf got = BUF_INIT;
	struct tty t;

	(void)state;
	assert_int_equal(tty_open(&t), 0);
	put(&t, in, sizeof(in) - 1);
	keys(&t, &got);
	tty_close(&t);
	assert_string_equal(got.buf, "a<PS>q\tx\ry\rz<PE>b\r");
	buf_release(&got);
}

/*
 * Brackets cut between reads, one of them waiting longer than curses'
 * ESCDELAY inside the paste, and a cut character before one.
 */
static void
test_paste_cut(void **state)
{
	struct buf got = BUF_INIT;
	struct tty t;

	(void)state;
	assert_int_equal(tty_open(&t), 0);
	put(&t, "\033[20", 4);
	/* Not an Esc yet: the rest has some time to come. */
	assert_int_equal(display_key(0, -1), DISPLAY_TIMEOUT);
	put(&t, "0~h\xc3", 4);
	keys(&t, &got);
	put(&t, "\xbc\033", 2);
	keys(&t, &got);
	put(&t, "[201~", 5);
	keys(&t, &got);
	put(&t, "\033", 1);
	put(&t, "[200~1\0332", 8);
	put(&t, "\033[201~\r", 7);
	keys(&t, &got);
	tty_close(&t);
	assert_string_equal(got.buf, "<PS>h\xc3\xbc" "<PE><PS>1\0332<PE>\r");
	buf_release(&got);
}

/* A monotonic clock in milliseconds. */
static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Esc alone is an Esc soon, and other sequences are what they were: a
 * cursor key, or an ESC followed by its bytes. Inside a paste whose end
 * never comes, Esc closes the paste.
 */
static void
test_esc(void **state)
{
	const char in[] = "\033OAx\033[2x\r";
	struct buf got = BUF_INIT;
	struct tty t;
	long t0;

	(void)state;
	assert_int_equal(tty_open(&t), 0);
	put(&t, "\033", 1);
	t0 = now_ms();
	assert_int_equal(display_key(2000, -1), TK_ESC);
	assert_true(now_ms() - t0 < 300);
	put(&t, in, sizeof(in) - 1);
	keys(&t, &got);
	assert_string_equal(got.buf, "<Up>x\033[2x\r");
	buf_reset(&got);
	put(&t, "\033[200~a", 7);
	keys(&t, &got);
	assert_string_equal(got.buf, "<PS>a");
	put(&t, "\033", 1);
	assert_int_equal(display_key(2000, -1), TK_PASTE_END);
	put(&t, "\033", 1);
	assert_int_equal(display_key(2000, -1), TK_ESC);
	tty_close(&t);
	buf_release(&got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_utf8),
		cmocka_unit_test(test_bytewise),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_paste_mode),
		cmocka_unit_test(test_paste_whole),
		cmocka_unit_test(test_paste_cut),
		cmocka_unit_test(test_esc),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
