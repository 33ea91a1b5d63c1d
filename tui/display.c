/*
 * display.c: the only file with curses in it (see display.h).
 *
 * The terminal is opened with newterm() under the C.UTF-8 locale, with
 * xterm-256color when TERM is unset or unknown. Each theme element
 * becomes one colour pair plus attributes; colorN is mapped down on
 * terminals with fewer than 256 colours, and NO_COLOR (or a theme
 * without colours) keeps the attributes only.
 *
 * Bracketed paste is on while the screen is: the terminal sends a paste
 * between ESC [ 200 ~ and ESC [ 201 ~, which display_read_key() turns
 * into TK_PASTE_START and TK_PASTE_END. These are not in terminfo's key
 * list, so curses (keypad mode) hands them over as an ESC and the raw
 * bytes after it, and they are matched here.
 */
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "tui/display.h"
#include "tui/text.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/sanitize.h"

#define DISPLAY_FALLBACK_TERM "xterm-256color"
#define DISPLAY_ESCDELAY 25 /* ms to wait for the rest of an escape sequence */
/*
 * Inside a paste an ESC is most likely the start of the closing bracket,
 * cut by the network: wait longer for the rest of it.
 */
#define DISPLAY_PASTE_ESCDELAY 500
#define DISPLAY_PASTE_ON "\033[?2004h"
#define DISPLAY_PASTE_OFF "\033[?2004l"
/* Readable input that never makes a key this often is an end of file. */
#define DISPLAY_MAX_EMPTY_READS 100

static SCREEN *display_screen;
static attr_t display_attrs[TH_COUNT];
static short display_pairs[TH_COUNT];
static struct buf display_scratch = BUF_INIT;
static struct buf display_line = BUF_INIT;
static int display_empty_reads;

static void display_reset_input(void);

/*
 * Writes the control sequence s to the terminal now. Not putp(): with
 * newterm() on stdout its bytes stay in a buffer nothing flushes. A
 * terminal that cannot take it has gone: nothing to do about that.
 */
static void
display_send(const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/*
 * Sets up curses on the terminal of stdin and stdout: UTF-8 locale first,
 * then the terminal type from TERM, or xterm-256color when that is unset
 * or unknown. Returns 0, or -1 with err_msg() set.
 */
int
display_open(void)
{
	const char *term = getenv("TERM");
	struct theme t;

	setlocale(LC_ALL, "C.UTF-8");
	display_reset_input();
	display_screen = newterm(NULL, stdout, stdin);
	if (!display_screen)
		display_screen = newterm(DISPLAY_FALLBACK_TERM, stdout, stdin);
	if (!display_screen)
		return err_set("cannot open the terminal (TERM '%s')",
			       term ? term : "");
	/* Raw: ^C, ^Z, ^S and ^Q are keys a keymap may bind. */
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(DISPLAY_ESCDELAY);
	curs_set(0);
	display_send(DISPLAY_PASTE_ON);
	theme_defaults(&t);
	display_theme(&t, 0);
	return 0;
}

/* Gives the terminal back. */
void
display_close(void)
{
	if (!display_screen)
		return;
	endwin();
	display_send(DISPLAY_PASTE_OFF);
	delscreen(display_screen);
	display_screen = NULL;
	buf_release(&display_scratch);
	buf_release(&display_line);
}

/* Turns theme attributes (enum theme_attr bits) into curses ones. */
static attr_t
display_theme_attrs(unsigned a)
{
	attr_t r = A_NORMAL;

	if (a & THA_BOLD)
		r |= A_BOLD;
	if (a & THA_DIM)
		r |= A_DIM;
	if (a & THA_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THA_REVERSE)
		r |= A_REVERSE;
	if (a & THA_ITALIC)
		r |= A_ITALIC;
	return r;
}

/*
 * Makes t the look of every element: one colour pair each, colours
 * mapped down to what the terminal has, or no colours at all when
 * no_color is set or the terminal has none.
 */
void
display_theme(const struct theme *t, int no_color)
{
	int e, fg, bg, colors;

	if (!display_screen)
		return;
	colors = !no_color && has_colors() && start_color() == OK ? COLORS : 0;
	if (colors > 0)
		use_default_colors();
	for (e = 0; e < TH_COUNT; e++) {
		display_attrs[e] = display_theme_attrs(t->s[e].attrs);
		display_pairs[e] = 0;
		if (colors < 8)
			continue;
		fg = theme_color_down(t->s[e].fg, colors);
		bg = theme_color_down(t->s[e].bg, colors);
		if (fg < 0 && bg < 0)
			continue;
		if (e + 1 < COLOR_PAIRS &&
		    init_pair((short)(e + 1), (short)fg, (short)bg) == OK)
			display_pairs[e] = (short)(e + 1);
	}
	/* Cells drawn without a colour of their own, and erased ones. */
	bkgdset(' ' | COLOR_PAIR(display_pairs[TH_NORMAL]));
}

/* The rows and columns of the terminal now. */
void
display_size(int *rows, int *cols)
{
	*rows = LINES;
	*cols = COLS;
}

/* Blanks the screen for the next draw (drawn on display_refresh()). */
void
display_erase(void)
{
	erase();
}

/* Makes el the look of what is drawn next. */
static void
display_set(enum theme_element el)
{
	attrset(display_attrs[el]);
	color_set(display_pairs[el], NULL);
}

/*
 * Draws the untrusted string s[0..len) at row, col in element el,
 * sanitised, in at most width columns (never past the right edge).
 * Returns the columns drawn.
 */
int
display_text(int row, int col, int width, enum theme_element el,
	     const char *s, size_t len)
{
	size_t n;
	int used;

	if (row < 0 || row >= LINES || col < 0 || col >= COLS || width <= 0)
		return 0;
	if (width > COLS - col)
		width = COLS - col;
	buf_reset(&display_scratch);
	san_text(&display_scratch, s, len, 0);
	n = text_fit(display_scratch.buf, display_scratch.len, width, &used);
	if (n == 0)
		return 0;
	display_set(el);
	mvaddnstr(row, col, display_scratch.buf, (int)n);
	return used;
}

/*
 * Draws s like display_text() and fills the rest of the width columns
 * with spaces in the same element.
 */
void
display_text_pad(int row, int col, int width, enum theme_element el,
		 const char *s, size_t len)
{
	int used;

	if (width > COLS - col)
		width = COLS - col;
	used = display_text(row, col, width, el, s, len);
	display_fill(row, col + used, width - used, el);
}

/* Fills width columns of row from col with spaces in element el. */
void
display_fill(int row, int col, int width, enum theme_element el)
{
	int i;

	if (row < 0 || row >= LINES || col < 0 || col >= COLS || width <= 0)
		return;
	if (width > COLS - col)
		width = COLS - col;
	buf_reset(&display_line);
	for (i = 0; i < width; i++)
		buf_addch(&display_line, ' ');
	display_set(el);
	/* Writing the bottom-right cell returns ERR but draws it. */
	mvaddnstr(row, col, display_line.buf, width);
}

/* Shows the cursor at row, col; a negative row hides it. */
void
display_cursor(int row, int col)
{
	if (row < 0) {
		curs_set(0);
		return;
	}
	move(row, col);
	curs_set(1);
}

/* Sends what was drawn to the terminal. */
void
display_refresh(void)
{
	refresh();
}

/*
 * Makes the next display_refresh() clear the terminal and repaint every
 * cell, for a screen garbled by something else (Ctrl-L).
 */
void
display_redraw(void)
{
	clearok(curscr, TRUE);
}

/* Turns a curses function key into a tuimail key, or -1. */
static int
display_map_function_key(wint_t k)
{
	switch (k) {
	case KEY_UP:
		return TK_UP;
	case KEY_DOWN:
		return TK_DOWN;
	case KEY_LEFT:
		return TK_LEFT;
	case KEY_RIGHT:
		return TK_RIGHT;
	case KEY_PPAGE:
		return TK_PAGE_UP;
	case KEY_NPAGE:
		return TK_PAGE_DOWN;
	case KEY_HOME:
		return TK_HOME;
	case KEY_END:
		return TK_END;
	case KEY_IC:
		return TK_INSERT;
	case KEY_DC:
		return TK_DELETE;
	case KEY_BACKSPACE:
		return TK_BACKSPACE;
	case KEY_BTAB:
		return TK_BACKTAB;
	case KEY_RESIZE:
		return TK_RESIZE;
	case KEY_ENTER:
		return TK_ENTER;
	default:
		break;
	}
	if (k >= KEY_F(1) && k <= KEY_F(12))
		return TK_F1 + (int)(k - KEY_F(1));
	return -1;
}

/*
 * The UTF-8 character being read: its bytes so far and its length. The
 * rest may not have reached the terminal yet (a paste comes in pieces
 * cut anywhere), so it waits here across reads. Not get_wch(): in
 * nodelay mode it drops such a start, then takes the lone continuation
 * byte for the start of a character and swallows up to 144 bytes after
 * it looking for the end: two lines of a paste gone.
 */
static unsigned char display_mb[4];
static size_t display_mb_len, display_mb_need;

/*
 * Keys read from curses but given back, to be read again first: the key
 * after a cut character, the bytes after an ESC that began no paste
 * bracket. At most 1 + 5 wait at once; room for more is kept anyway.
 */
static int display_q[16];
static size_t display_qn;

/*
 * The escape sequence being matched against the paste brackets (both
 * 6 bytes, differing in the fifth only), with the time to give up
 * waiting for the rest; and whether a paste is coming in, its last
 * byte a CR.
 */
static const char display_paste_start[] = "\033[200~";
static const char display_paste_end[] = "\033[201~";
#define DISPLAY_BRACKET_LEN (sizeof(display_paste_start) - 1)
static int display_esc[DISPLAY_BRACKET_LEN];
static size_t display_esc_len;
static long display_esc_deadline;
static int display_pasting, display_paste_cr;

static long display_now_ms(void);

/* Forgets what is half read, from a screen before. */
static void
display_reset_input(void)
{
	display_mb_len = display_qn = display_esc_len = 0;
	display_pasting = display_paste_cr = 0;
}

/* The next key given back, or from curses; -1 when there is none. */
static int
display_raw(void)
{
	int k;

	if (display_qn) {
		k = display_q[0];
		memmove(display_q, display_q + 1,
			--display_qn * sizeof(*display_q));
		return k;
	}
	k = getch();
	if (k == ERR)
		return -1;
	display_empty_reads = 0;
	return k;
}

/* Gives back keys k[0..n), to be read again before anything else. */
static void
display_unget(const int *k, size_t n)
{
	if (display_qn + n > sizeof(display_q) / sizeof(*display_q))
		fatal("display: too many keys given back");
	memmove(display_q + n, display_q, display_qn * sizeof(*display_q));
	memcpy(display_q, k, n * sizeof(*k));
	display_qn += n;
}

/*
 * Goes on matching the sequence begun in display_esc. Returns
 * TK_PASTE_START or TK_PASTE_END for a whole bracket, 0 while the rest
 * has not come yet, or TK_ESC for anything else: the bytes after the ESC
 * are given back, to be read as the keys they are. An ESC alone for
 * DISPLAY_PASTE_ESCDELAY inside a paste is the Esc key of a user whose
 * terminal never closed the paste: it closes it (TK_PASTE_END).
 */
static int
display_match_esc(void)
{
	size_t i = display_esc_len;
	int k;

	while (display_esc_len < DISPLAY_BRACKET_LEN) {
		k = display_raw();
		if (k < 0) {
			if (display_now_ms() < display_esc_deadline)
				return 0;
			break;
		}
		i = display_esc_len;
		display_esc[display_esc_len++] = k;
		if (k != display_paste_start[i] && k != display_paste_end[i])
			break;
	}
	if (display_esc_len == DISPLAY_BRACKET_LEN &&
	    display_esc[DISPLAY_BRACKET_LEN - 1] == '~') {
		display_esc_len = 0;
		display_paste_cr = 0;
		display_pasting = display_esc[4] == '0';
		return display_pasting ? TK_PASTE_START : TK_PASTE_END;
	}
	display_unget(display_esc + 1, display_esc_len - 1);
	k = display_pasting && display_esc_len == 1 ? TK_PASTE_END : TK_ESC;
	if (k == TK_PASTE_END)
		display_pasting = 0;
	display_esc_len = 0;
	return k;
}

/* The length of the UTF-8 sequence that byte c starts, or 0. */
static size_t
display_utf8_len(int c)
{
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

/*
 * Reads one key if curses has one: a key code, or -1. Bytes come from
 * getch() (8 bits: the terminal is CS8 without ISTRIP, as a pty and
 * any UTF-8 terminal is) and are put together here; a byte that starts
 * no character, or a character cut short, is one U+FFFD, and the keys
 * after it are kept. The paste brackets become TK_PASTE_START and
 * TK_PASTE_END, and inside a paste CR LF is one Enter.
 */
static int
display_read_key(void)
{
	uint32_t cp;
	int k, cr;

	for (;;) {
		if (display_esc_len) {
			k = display_match_esc();
			return k ? k : -1;
		}
		k = display_raw();
		if (k < 0)
			return -1;
		cr = display_paste_cr;
		display_paste_cr = 0;
		if (display_mb_len && (k >= KEY_MIN || (k & 0xC0) != 0x80)) {
			display_mb_len = 0;
			display_unget(&k, 1);
			return 0xFFFD;
		}
		if (k >= KEY_MIN) {
			k = display_map_function_key(k);
			if (k < 0)
				continue;
			return k;
		}
		if (display_mb_len) {
			display_mb[display_mb_len++] = (unsigned char)k;
			if (display_mb_len < display_mb_need)
				continue;
			k = san_utf8_decode(display_mb, display_mb_len, &cp);
			display_mb_len = 0;
			return k < 0 ? 0xFFFD : (int)cp;
		}
		if (k >= 0x80) {
			display_mb_need = display_utf8_len(k);
			if (!display_mb_need)
				return 0xFFFD;
			display_mb[0] = (unsigned char)k;
			display_mb_len = 1;
			continue;
		}
		if (k == TK_ESC) {
			/* curses waited for a key sequence already. */
			display_esc[0] = k;
			display_esc_len = 1;
			display_esc_deadline = display_now_ms();
			display_esc_deadline += display_pasting
							? DISPLAY_PASTE_ESCDELAY
							: DISPLAY_ESCDELAY;
			continue;
		}
		if (display_pasting && k == '\n' && cr)
			continue;
		if (k == '\n' || k == '\r') {
			display_paste_cr = display_pasting && k == '\r';
			return TK_ENTER;
		}
		if (k == 127)
			return TK_BACKSPACE;
		return k;
	}
}

/* A monotonic clock in milliseconds. */
static long
display_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Waits up to timeout_ms (-1: for ever) for a key, watching fd (-1:
 * none) too. Returns the key (keys.h: a code point, a control key or a
 * TK_ key; TK_RESIZE after the terminal changed size) or an enum
 * display_event. Waits in poll() rather than in curses, so that a
 * signal and the hang-up of the terminal end the wait. An ESC is
 * returned once the rest of a paste bracket has had time to come
 * (DISPLAY_ESCDELAY; inside a paste longer).
 */
int
display_key(int timeout_ms, int fd)
{
	struct pollfd pfd[2];
	long deadline = timeout_ms >= 0 ? display_now_ms() + timeout_ms : 0;
	int k, rc, wait, esc, interrupted = 0;

	for (;;) {
		k = display_read_key();
		if (k >= 0)
			return k;
		if (interrupted)
			return DISPLAY_INTERRUPT;
		wait = -1;
		if (timeout_ms >= 0) {
			long left = deadline - display_now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		/* An ESC waits for the rest of its sequence, not longer. */
		esc = display_esc_len > 0;
		if (esc) {
			long left = display_esc_deadline - display_now_ms();
			int w = left > 0 ? (int)left : 0;

			if (wait < 0 || w < wait)
				wait = w;
		}
		pfd[0].fd = STDIN_FILENO;
		pfd[1].fd = fd;
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		rc = poll(pfd, 2, wait);
		if (rc < 0) {
			if (errno != EINTR)
				return DISPLAY_HANGUP;
			/* A resize shows up as KEY_RESIZE on the next read. */
			interrupted = 1;
			continue;
		}
		if (rc == 0) {
			if (esc && (timeout_ms < 0 ||
				    deadline - display_now_ms() > 0))
				continue;
			return DISPLAY_TIMEOUT;
		}
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			return DISPLAY_HANGUP;
		if (pfd[0].revents & POLLIN) {
			if (++display_empty_reads > DISPLAY_MAX_EMPTY_READS)
				return DISPLAY_HANGUP;
			continue;
		}
		if (pfd[1].revents)
			return DISPLAY_FD;
	}
}
