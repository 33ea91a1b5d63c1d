/*
 * display.c: the session screen, and the only file with curses in it.
 *
 * Row 0 says who is logged in and what INBOX holds, the rows below give
 * the previous login and any error, and the last row is the status bar,
 * redrawn at the new size when the terminal is resized, and from scratch
 * on Ctrl-L (a screen garbled by something else on the terminal).
 */
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "tui/display.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/sanitize.h"

#define DISPLAY_FALLBACK_TERM "xterm-256color"
#define DISPLAY_KEY_REDRAW ('L' & 037) /* Ctrl-L, as in mutt and vi */

static SCREEN *display_screen;

/*
 * Sets up curses on the terminal of stdin and stdout: UTF-8 locale first,
 * then the terminal type from TERM, or xterm-256color when that is unset
 * or unknown. Returns 0, or -1 with err_msg() set.
 */
int
display_open(void)
{
	const char *term = getenv("TERM");

	setlocale(LC_ALL, "C.UTF-8");
	display_screen = newterm(NULL, stdout, stdin);
	if (!display_screen)
		display_screen = newterm(DISPLAY_FALLBACK_TERM, stdout, stdin);
	if (!display_screen)
		return err_set("cannot open the terminal (TERM '%s')",
			       term ? term : "");
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	return 0;
}

/* Gives the terminal back. */
void
display_close(void)
{
	if (!display_screen)
		return;
	endwin();
	delscreen(display_screen);
	display_screen = NULL;
}

/*
 * Returns how many bytes of the display-safe string s fit in cols
 * columns, never splitting a character; *used gets their width.
 */
static size_t
display_fit(const char *s, size_t len, int cols, int *used)
{
	size_t off = 0;
	uint32_t cp;
	int n, w, width = 0;

	while (off < len) {
		n = san_utf8_decode((const unsigned char *)s + off, len - off,
				    &cp);
		if (n < 0)
			break;
		w = san_cp_width(cp);
		if (width + w > cols)
			break;
		width += w;
		off += (size_t)n;
	}
	if (used)
		*used = width;
	return off;
}

/*
 * Draws the display-safe text on rows from y on, wrapped at the screen
 * width (after a space where there is one), at most max_rows rows.
 * Returns the rows used.
 */
static int
display_wrapped(int y, const char *text, int max_rows)
{
	size_t len = strlen(text), n, cut;
	int rows = 0;

	while (len > 0 && rows < max_rows) {
		n = display_fit(text, len, COLS, NULL);
		if (n == 0)
			break;
		cut = n;
		if (n < len && text[n] != ' ') {
			while (cut > 0 && text[cut - 1] != ' ')
				cut--;
			if (cut == 0)
				cut = n;
		}
		mvaddnstr(y + rows, 0, text, (int)cut);
		text += cut;
		len -= cut;
		while (len > 0 && *text == ' ') {
			text++;
			len--;
		}
		rows++;
	}
	return rows;
}

/* Appends the sanitised form of the untrusted string raw to out. */
static void
display_san(struct buf *out, const char *raw)
{
	if (raw)
		san_text(out, raw, strlen(raw), 0);
}

/* The status bar on the last row: name, size, keys, in reverse video. */
static void
display_status_bar(void)
{
	struct buf b = BUF_INIT;
	size_t n;
	int used;

	buf_addf(&b, "tuimail  %dx%d  q: quit", COLS, LINES);
	n = display_fit(b.buf, b.len, COLS, &used);
	attron(A_REVERSE);
	mvaddnstr(LINES - 1, 0, b.buf, (int)n);
	/* Writing the bottom-right cell returns ERR but draws it. */
	for (; used < COLS; used++)
		addch(' ');
	attroff(A_REVERSE);
	buf_release(&b);
}

static void
display_draw(const struct display_info *in)
{
	struct buf b = BUF_INIT;
	char when[32];
	struct tm tm;
	int y = 2, room;

	erase();
	display_san(&b, in->email);
	if (in->have_counts)
		buf_addf(&b, " - INBOX: %u messages, %u unread", in->messages,
			 in->unseen);
	else
		buf_adds(&b, " - INBOX: not available");
	display_wrapped(0, b.buf, 1);

	if (in->prev_login && LINES > 3) {
		localtime_r(&in->prev_login, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		buf_reset(&b);
		buf_addf(&b, "Last login: %s from ", when);
		display_san(&b, in->prev_addr);
		y += display_wrapped(y, b.buf, 1);
	}
	room = LINES - 1 - y;
	if (in->error && room > 0) {
		buf_reset(&b);
		buf_adds(&b, "error: ");
		display_san(&b, in->error);
		attron(A_BOLD);
		display_wrapped(y, b.buf, room);
		attroff(A_BOLD);
	}
	display_status_bar();
	refresh();
	buf_release(&b);
}

/*
 * Shows info and reads keys until the user quits with q, the terminal
 * hangs up, or a signal handler sets *stop. Redraws on KEY_RESIZE, and
 * clears and repaints the whole terminal on Ctrl-L. Returns an enum
 * display_end.
 */
int
display_run(const struct display_info *info, volatile sig_atomic_t *stop)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	int ch, idle = 0;

	display_draw(info);
	for (;;) {
		while ((ch = getch()) != ERR) {
			idle = 0;
			if (ch == 'q')
				return DISPLAY_QUIT;
			if (ch == KEY_RESIZE)
				display_draw(info);
			if (ch == DISPLAY_KEY_REDRAW) {
				clearok(curscr, TRUE);
				display_draw(info);
			}
		}
		if (*stop)
			return DISPLAY_SIGNAL;
		/*
		 * Wait here rather than in getch(): poll() returns on every
		 * signal (then getch() reports KEY_RESIZE after SIGWINCH),
		 * and it sees the hang-up of the terminal. Input that is
		 * readable yet never makes a key, again and again, is an
		 * end of file.
		 */
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return DISPLAY_HANGUP;
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
			return DISPLAY_HANGUP;
		if ((pfd.revents & POLLIN) && ++idle > 100)
			return DISPLAY_HANGUP;
	}
}
