/*
 * prompt.c: the modal questions of the views, on the message line: yes
 * or no, a choice of letters, a line of text (folder names, find), and
 * the folder picker over the view area. Each runs its own key loop over
 * the drawn screen; Esc or ^G cancels, and so does the end of the
 * session (a hang-up or a signal). A bracketed paste is text for a line
 * of text, and no answer at all to the others.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/display.h"
#include "tui/text.h"
#include "util/log.h"
#include "util/sanitize.h"

#define PROMPT_HISTORY_MAX 50 /* lines kept for each question */
#define PROMPT_HISTORIES 8    /* questions with a history */

/*
 * The lines typed at one text question, newest first, for Up and Down.
 * One session runs in a process, so the histories are file-static.
 */
struct prompt_history {
	char *label;		     /* owned: the question */
	char *v[PROMPT_HISTORY_MAX]; /* owned, v[0] the newest */
	size_t n;
};

static struct prompt_history prompt_hist[PROMPT_HISTORIES];

/* Reads a key for a prompt; -1 when the session ends meanwhile. */
static int
prompt_key(struct app *a)
{
	int k;

	for (;;) {
		k = display_key(-1, -1);
		if (k >= 0)
			return k;
		if (k == DISPLAY_HANGUP) {
			a->hangup = 1;
			return -1;
		}
		if (k == DISPLAY_INTERRUPT && *a->stop)
			return -1;
	}
}

/*
 * Follows the paste brackets in *pasting. Returns 1 when k is one (and
 * no key to act on), else 0.
 */
static int
prompt_bracket(int k, int *pasting)
{
	if (k != TK_PASTE_START && k != TK_PASTE_END)
		return 0;
	*pasting = k == TK_PASTE_START;
	return 1;
}

/* Whether key k is a character to type. */
static int
prompt_printable(int k)
{
	return k >= 0x20 && k < TK_BASE && k != 0x7f &&
	       !(k >= 0x80 && k < 0xa0);
}

/* Returns 1 for the keys that cancel a question: Esc and ^G. */
static int
prompt_is_cancel(int k)
{
	return k == TK_ESC || k == TK_CTRL('G');
}

/* Draws the screen with the question on the message line. */
static void
prompt_show(struct app *a, const char *text, size_t len, int cursor_col)
{
	int rows, cols;

	app_draw(a);
	display_size(&rows, &cols);
	display_text_pad(rows >= 3 ? rows - 2 : rows - 1, 0, cols, TH_NORMAL,
			 text, len);
	display_cursor(cursor_col >= 0 ? (rows >= 3 ? rows - 2 : rows - 1)
				       : -1,
		       cursor_col);
	display_refresh();
}

/*
 * Asks question and waits for one of the ASCII letters in keys. Returns
 * the index of the letter typed, or -1 when cancelled.
 */
int
prompt_choice(struct app *a, const char *question, const char *keys)
{
	const char *hit;
	int k, pasting = 0;

	for (;;) {
		prompt_show(a, question, strlen(question), -1);
		k = prompt_key(a);
		if (k >= 0 && (prompt_bracket(k, &pasting) || pasting))
			continue;
		if (k < 0 || prompt_is_cancel(k) || k == TK_ENTER)
			return -1;
		if (k > 0 && k < 128 && (hit = strchr(keys, k)) != NULL)
			return (int)(hit - keys);
	}
}

/* Asks a yes-or-no question. Returns 1 for yes, 0 otherwise. */
int
prompt_yesno(struct app *a, const char *question)
{
	struct buf q = BUF_INIT;
	int r;

	buf_addf(&q, "%s (y/n)", question);
	r = prompt_choice(a, q.buf, "yn");
	buf_release(&q);
	return r == 0;
}

/* Appends code point cp (a typed key) as UTF-8. */
void
prompt_add_utf8(struct buf *b, int cp)
{
	char u[4];

	buf_add(b, u, san_utf8_encode((uint32_t)cp, u));
}

/* The start of the character before byte pos of s. */
static size_t
prompt_back(const char *s, size_t pos)
{
	while (pos > 0 && ((unsigned char)s[--pos] & 0xC0) == 0x80)
		;
	return pos;
}

/* The end of the character at byte pos of s. */
static size_t
prompt_forward(const char *s, size_t len, size_t pos)
{
	if (pos < len)
		pos++;
	while (pos < len && ((unsigned char)s[pos] & 0xC0) == 0x80)
		pos++;
	return pos;
}

/* Inserts s[0..n) at byte pos of text. */
static void
prompt_insert(struct buf *text, size_t pos, const char *s, size_t n)
{
	struct buf t = BUF_INIT;

	buf_add(&t, text->buf, pos);
	buf_add(&t, s, n);
	buf_add(&t, text->buf + pos, text->len - pos);
	buf_reset(text);
	buf_add(text, t.buf, t.len);
	buf_release(&t);
}

/* Removes text[from..to). */
static void
prompt_remove(struct buf *text, size_t from, size_t to)
{
	memmove(text->buf + from, text->buf + to, text->len - to + 1);
	buf_setlen(text, text->len - (to - from));
}

/*
 * The history of the question label; with make, a new empty one (the
 * least recently made is dropped when all are taken), else NULL.
 */
static struct prompt_history *
prompt_history(const char *label, int make)
{
	struct prompt_history *h;
	size_t i;

	for (i = 0; i < PROMPT_HISTORIES; i++)
		if (prompt_hist[i].label &&
		    !strcmp(prompt_hist[i].label, label))
			return &prompt_hist[i];
	if (!make)
		return NULL;
	for (i = 0; i < PROMPT_HISTORIES && prompt_hist[i].label; i++)
		;
	if (i == PROMPT_HISTORIES) {
		h = &prompt_hist[0];
		free(h->label);
		for (i = 0; i < h->n; i++)
			free(h->v[i]);
		memmove(prompt_hist, prompt_hist + 1,
			(PROMPT_HISTORIES - 1) * sizeof(*prompt_hist));
		i = PROMPT_HISTORIES - 1;
	}
	h = &prompt_hist[i];
	memset(h, 0, sizeof(*h));
	h->label = strdup(label);
	if (!h->label)
		fatal("out of memory");
	return h;
}

/*
 * Puts entry first in the history of the question label (an earlier
 * copy moves up); "" is not kept.
 */
void
prompt_history_add(const char *label, const char *entry)
{
	struct prompt_history *h;
	char *e;
	size_t i;

	if (!*entry)
		return;
	h = prompt_history(label, 1);
	for (i = 0; i < h->n; i++)
		if (!strcmp(h->v[i], entry))
			break;
	if (i < h->n) {
		e = h->v[i];
	} else {
		e = strdup(entry);
		if (!e)
			fatal("out of memory");
		if (h->n == PROMPT_HISTORY_MAX)
			free(h->v[--h->n]);
		i = h->n++;
	}
	memmove(h->v + 1, h->v, i * sizeof(*h->v));
	h->v[0] = e;
}

/* Entry i (0 the newest) of the history of label (borrowed), or NULL. */
const char *
prompt_history_entry(const char *label, size_t i)
{
	struct prompt_history *h = prompt_history(label, 0);

	return h && i < h->n ? h->v[i] : NULL;
}

static int prompt_line(struct app *a, const char *label, struct buf *text,
		       int history);

/*
 * Reads a line of text after label, starting from what text holds.
 * Enter accepts (0), Esc or ^G cancels (-1); Backspace, Delete, Left,
 * Right, Home (^A), End (^E) and ^U (clear) edit; Up (^P) and Down (^N)
 * go through the lines accepted before at the same question. A paste
 * is text: its tabs and line breaks become spaces (none at its end),
 * other control characters are dropped.
 */
int
prompt_text(struct app *a, const char *label, struct buf *text)
{
	return prompt_line(a, label, text, 1);
}

/*
 * As prompt_text(), for one-time codes and the like: the answer is kept
 * in no history, so Up cannot bring it back and no copy outlives it.
 */
int
prompt_text_private(struct app *a, const char *label, struct buf *text)
{
	return prompt_line(a, label, text, 0);
}

/* prompt_text(); history: the answer joins the question's history. */
static int
prompt_line(struct app *a, const char *label, struct buf *text, int history)
{
	struct buf line = BUF_INIT, ch = BUF_INIT, draft = BUF_INIT;
	const char *past;
	size_t pos = text->len, skip, at = 0;
	int k, rows, cols, lw, cw, rc = -1;
	int pasting = 0, pasted = 0, brk = 0;

	for (;;) {
		display_size(&rows, &cols);
		lw = text_width(label, strlen(label));
		/* Scroll the text so that the cursor stays on screen. */
		skip = 0;
		while (skip < pos &&
		       lw + text_width(text->buf + skip, pos - skip) >= cols)
			skip = prompt_forward(text->buf, text->len, skip);
		cw = lw + text_width(text->buf + skip, pos - skip);
		buf_reset(&line);
		buf_adds(&line, label);
		buf_add(&line, text->buf + skip, text->len - skip);
		prompt_show(a, line.buf, line.len, cw < cols ? cw : cols - 1);
		k = prompt_key(a);
		if (k >= 0 && prompt_bracket(k, &pasting)) {
			pasted = brk = 0;
			continue;
		}
		if (k >= 0 && pasting) {
			if (k == TK_ENTER) {
				brk = pasted;
				continue;
			}
			if (k == TK_TAB)
				k = ' ';
			if (!prompt_printable(k))
				continue;
			if (brk) {
				prompt_insert(text, pos++, " ", 1);
				brk = 0;
			}
			pasted = 1;
		}
		if (k < 0 || prompt_is_cancel(k))
			break;
		if (k == TK_ENTER) {
			if (history)
				prompt_history_add(label, text->buf);
			rc = 0;
			break;
		}
		/* at: 0 the line typed (kept in draft), i the i-th before. */
		if (k == TK_UP || k == TK_CTRL('P')) {
			past = prompt_history_entry(label, at);
			if (!past)
				continue;
			if (at++ == 0) {
				buf_reset(&draft);
				buf_add(&draft, text->buf, text->len);
			}
			buf_reset(text);
			buf_adds(text, past);
			pos = text->len;
		} else if (k == TK_DOWN || k == TK_CTRL('N')) {
			if (at == 0)
				continue;
			past = --at ? prompt_history_entry(label, at - 1)
				    : draft.buf;
			buf_reset(text);
			buf_adds(text, past ? past : "");
			pos = text->len;
		} else if (k == TK_BACKSPACE || k == TK_CTRL('H')) {
			size_t b = prompt_back(text->buf, pos);

			prompt_remove(text, b, pos);
			pos = b;
		} else if (k == TK_DELETE || k == TK_CTRL('D')) {
			prompt_remove(text, pos,
				      prompt_forward(text->buf, text->len,
						     pos));
		} else if (k == TK_LEFT || k == TK_CTRL('B')) {
			pos = prompt_back(text->buf, pos);
		} else if (k == TK_RIGHT || k == TK_CTRL('F')) {
			pos = prompt_forward(text->buf, text->len, pos);
		} else if (k == TK_HOME || k == TK_CTRL('A')) {
			pos = 0;
		} else if (k == TK_END || k == TK_CTRL('E')) {
			pos = text->len;
		} else if (k == TK_CTRL('U')) {
			buf_reset(text);
			pos = 0;
		} else if (prompt_printable(k)) {
			buf_reset(&ch);
			prompt_add_utf8(&ch, k);
			prompt_insert(text, pos, ch.buf, ch.len);
			pos += ch.len;
		}
	}
	display_cursor(-1, 0);
	buf_release(&line);
	buf_release(&ch);
	buf_release(&draft);
	return rc;
}

/*
 * Lets the user pick a folder from the list (keys of the folder list:
 * move, open; back or Esc cancels). Returns 0 with its index in *folder,
 * or -1.
 */
int
prompt_folder(struct app *a, const char *label, size_t *folder)
{
	const struct imap_folder *open = session_current_folder(a);
	struct buf q = BUF_INIT;
	struct view_rect r;
	enum tui_request req;
	size_t cur = 0, top = 0, page;
	int k, rows, cols, rc = -1, pasting = 0;

	if (a->n_folders == 0) {
		app_error(a, "no folders");
		return -1;
	}
	while (cur + 1 < a->n_folders &&
	       (a->folders[cur].noselect || &a->folders[cur] == open))
		cur++;
	buf_addf(&q, "%s: choose one and press Enter (Esc cancels)", label);
	for (;;) {
		display_size(&rows, &cols);
		r.row = rows >= 4 ? 1 : 0;
		r.col = 0;
		r.cols = cols;
		r.rows = rows - r.row - (rows >= 3 ? 2 : 1);
		page = r.rows > 1 ? (size_t)r.rows - 1 : 1;
		app_draw(a);
		for (k = 0; k < r.rows; k++)
			display_fill(r.row + k, 0, cols, TH_NORMAL);
		view_folders_draw_list(a, &r, cur, &top);
		display_text_pad(rows >= 3 ? rows - 2 : rows - 1, 0, cols,
				 TH_NORMAL, q.buf, q.len);
		display_refresh();
		k = prompt_key(a);
		if (k >= 0 && (prompt_bracket(k, &pasting) || pasting))
			continue;
		if (k < 0 || prompt_is_cancel(k))
			break;
		req = keymap_lookup(a->km, KM_FOLDERS, k);
		if (k == TK_ENTER)
			req = REQ_OPEN;
		if (req == REQ_BACK || req == REQ_QUIT)
			break;
		if (req == REQ_MOVE_DOWN && cur + 1 < a->n_folders)
			cur++;
		else if (req == REQ_MOVE_UP && cur > 0)
			cur--;
		else if (req == REQ_PAGE_DOWN)
			cur = cur + page < a->n_folders ? cur + page
							: a->n_folders - 1;
		else if (req == REQ_PAGE_UP)
			cur = cur > page ? cur - page : 0;
		else if (req == REQ_FIRST)
			cur = 0;
		else if (req == REQ_LAST)
			cur = a->n_folders - 1;
		else if (req == REQ_REDRAW)
			display_redraw();
		else if (req == REQ_OPEN) {
			if (a->folders[cur].noselect) {
				buf_reset(&q);
				buf_addf(&q, "'%s' holds only folders; choose "
					     "another (Esc cancels)",
					 a->folders[cur].display);
				continue;
			}
			*folder = cur;
			rc = 0;
			break;
		}
	}
	buf_release(&q);
	return rc;
}
