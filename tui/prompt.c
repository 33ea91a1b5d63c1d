/*
 * prompt.c: the modal questions of the views, on the message line: yes
 * or no, a choice of letters, a line of text (folder names, find), and
 * the folder picker over the view area. Each runs its own key loop over
 * the drawn screen; Esc or ^G cancels, and so does the end of the
 * session (a hang-up or a signal).
 */
#include <string.h>

#include "tui/app.h"
#include "tui/display.h"
#include "tui/text.h"
#include "util/log.h"

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
	int k;

	for (;;) {
		prompt_show(a, question, strlen(question), -1);
		k = prompt_key(a);
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

/* Appends code point cp as UTF-8. */
static void
prompt_add_utf8(struct buf *b, int cp)
{
	if (cp < 0x80) {
		buf_addch(b, cp);
	} else if (cp < 0x800) {
		buf_addch(b, 0xC0 | (cp >> 6));
		buf_addch(b, 0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		buf_addch(b, 0xE0 | (cp >> 12));
		buf_addch(b, 0x80 | ((cp >> 6) & 0x3F));
		buf_addch(b, 0x80 | (cp & 0x3F));
	} else {
		buf_addch(b, 0xF0 | (cp >> 18));
		buf_addch(b, 0x80 | ((cp >> 12) & 0x3F));
		buf_addch(b, 0x80 | ((cp >> 6) & 0x3F));
		buf_addch(b, 0x80 | (cp & 0x3F));
	}
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
 * Reads a line of text after label, starting from what text holds.
 * Enter accepts (0), Esc or ^G cancels (-1); Backspace, Delete, Left,
 * Right, Home (^A), End (^E) and ^U (clear) edit.
 */
int
prompt_text(struct app *a, const char *label, struct buf *text)
{
	struct buf line = BUF_INIT, ch = BUF_INIT;
	size_t pos = text->len, skip;
	int k, rows, cols, lw, cw, rc = -1;

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
		if (k < 0 || prompt_is_cancel(k))
			break;
		if (k == TK_ENTER) {
			rc = 0;
			break;
		}
		if (k == TK_BACKSPACE || k == TK_CTRL('H')) {
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
		} else if (k >= 0x20 && k < TK_BASE && k != 0x7f &&
			   !(k >= 0x80 && k < 0xa0)) {
			buf_reset(&ch);
			prompt_add_utf8(&ch, k);
			prompt_insert(text, pos, ch.buf, ch.len);
			pos += ch.len;
		}
	}
	display_cursor(-1, 0);
	buf_release(&line);
	buf_release(&ch);
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
	int k, rows, cols, rc = -1;

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
