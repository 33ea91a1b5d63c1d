/*
 * view_pager.c: one message of the open folder, as mime_render() gives
 * it: the usual headers (or all of them), the attachments with name,
 * type and size, then the body, cut into screen lines by wrap.c. Quotes
 * and the signature take their theme colours; a search marks its
 * matches. The message is the message list's current row, so next and
 * previous move that cursor.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/app.h"
#include "tui/display.h"
#include "tui/format.h"
#include "tui/text.h"
#include "tui/wrap.h"
#include "util/log.h"

struct pager_priv {
	uint32_t uid;		/* the message shown */
	struct buf raw;		/* owned: the message as fetched */
	struct mime_view mv;	/* owned when have_mv */
	int have_mv;
	struct buf doc;		/* owned: headers, attachments, body */
	size_t hdr_lines;	/* text lines of doc that are headers */
	size_t att_end;		/* then attachments up to this line */
	struct wrap wrap;	/* doc cut for wrap_cols columns */
	int wrap_cols;
	size_t top;		/* the first screen line shown */
	int page;		/* lines on screen at the last draw */
	int all_headers;
	enum mime_pref pref;
	struct buf find;	/* what / looks for */
	size_t find_at;		/* doc offset of the last match */
	int found;
	int seek;		/* the next draw shows find_at's line */
};

static const struct view_hint pager_hints[] = {
	{ REQ_BACK, NULL },	      { REQ_NEXT_MESSAGE, "Next" },
	{ REQ_PREV_MESSAGE, "Prev" }, { REQ_ALL_HEADERS, "Headers" },
	{ REQ_TOGGLE_HTML, "HTML" },  { REQ_FIND, "Find" },
	{ REQ_DELETE, "Del" },	      { REQ_MOVE, "Move" },
	{ REQ_HELP, "Help" },	      { REQ_NONE, NULL },
};

static const char *const pager_usual[] = { "From", "To", "Cc", "Date",
					   "Subject" };

/* Lays out doc from the rendered message: headers, attachments, body. */
static void
pager_build(struct pager_priv *p)
{
	const struct mime_view *mv = &p->mv;
	const char *val;
	char size[16];
	size_t i, lines = 0;

	buf_reset(&p->doc);
	if (p->all_headers) {
		for (i = 0; i < mv->n_headers; i++, lines++)
			buf_addf(&p->doc, "%s: %s\n", mv->headers[i].name,
				 mv->headers[i].value);
	} else {
		for (i = 0; i < sizeof(pager_usual) / sizeof(*pager_usual);
		     i++) {
			val = mime_view_header(mv, pager_usual[i]);
			if (!val)
				continue;
			buf_addf(&p->doc, "%s: %s\n", pager_usual[i], val);
			lines++;
		}
	}
	p->hdr_lines = lines;
	for (i = 0; i < mv->n_attachments; i++, lines++) {
		const struct mime_attachment *at = &mv->attachments[i];

		fmt_size(size, sizeof(size), at->size);
		buf_addf(&p->doc, "Attachment: %s (%s, %s)\n",
			 at->filename && *at->filename ? at->filename
						       : "(no name)",
			 at->type ? at->type : "application/octet-stream",
			 size);
	}
	p->att_end = lines;
	buf_addch(&p->doc, '\n');
	buf_add(&p->doc, mv->body.buf, mv->body.len);
	p->wrap_cols = 0;
	p->found = 0;
}

/* Renders p->raw again, as text or HTML (p->pref). Returns 0 or -1. */
static int
pager_render(struct pager_priv *p)
{
	if (p->have_mv)
		mime_view_free(&p->mv);
	p->have_mv = 0;
	memset(&p->mv, 0, sizeof(p->mv));
	if (mime_render(p->raw.buf, p->raw.len, p->pref, &p->mv) < 0)
		return -1;
	p->have_mv = 1;
	pager_build(p);
	return 0;
}

/*
 * Loads the message list's current message: fetches it, renders it and
 * marks it read. Returns 0, or -1 with err_msg() set (the old message
 * stays).
 */
static int
pager_load(struct app *a, struct pager_priv *p)
{
	struct mailbox_row r;
	struct buf raw = BUF_INIT;

	if (session_row(a, a->cur, &r) < 0)
		return err_set("no message here");
	if (session_fetch_message(a, r.uid, &raw) < 0) {
		buf_release(&raw);
		return err_set("%s", a->message.buf);
	}
	buf_release(&p->raw);
	p->raw = raw;
	p->uid = r.uid;
	p->top = 0;
	p->pref = MIME_PREFER_TEXT;
	if (pager_render(p) < 0)
		return err_prefix("cannot show the message");
	if (p->mv.raw)
		app_message(a, "this message does not parse: shown as it is");
	if (r.env && !(r.env->flags & IMAP_FLAG_SEEN))
		session_set_flags(a, a->cur, IMAP_FLAG_SEEN, 1);
	return 0;
}

/* Loads after the list's cursor moved, or says why not. */
static void
pager_reload(struct app *a, struct pager_priv *p)
{
	if (pager_load(a, p) < 0)
		app_error(a, "%s", err_msg());
}

/* The look of a screen line: header, attachment, quote, signature, link. */
static enum theme_element
pager_element(const struct pager_priv *p, const struct wrap_line *l)
{
	if (l->src < p->hdr_lines)
		return TH_HEADER;
	if (l->src < p->att_end)
		return TH_ATTACHMENT;
	switch (l->kind) {
	case WRAP_QUOTE1:
		return TH_QUOTE1;
	case WRAP_QUOTE2:
		return TH_QUOTE2;
	case WRAP_QUOTE3:
		return TH_QUOTE3;
	case WRAP_SIGNATURE:
		return TH_SIGNATURE;
	case WRAP_LINK:
		return TH_LINK;
	default:
		return TH_NORMAL;
	}
}

/* Finds needle in s[0..len) whatever the ASCII case; NULL if absent. */
static const char *
pager_match(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	if (n == 0 || n > len)
		return NULL;
	for (i = 0; i + n <= len; i++)
		if (!strncasecmp(s + i, needle, n))
			return s + i;
	return NULL;
}

/*
 * Draws s[0..len) at y, x in el with the matches of the search marked.
 * Returns the columns drawn.
 */
static int
pager_put(int y, int x, int w, enum theme_element el, const char *s,
	  size_t len, const char *needle)
{
	const char *m;
	int used = 0;

	while (len > 0 && used < w) {
		m = needle && *needle ? pager_match(s, len, needle) : NULL;
		if (!m) {
			used += display_text(y, x + used, w - used, el, s, len);
			break;
		}
		used += display_text(y, x + used, w - used, el, s,
				     (size_t)(m - s));
		used += display_text(y, x + used, w - used, TH_SEARCH_MATCH, m,
				     strlen(needle));
		len -= (size_t)(m - s) + strlen(needle);
		s = m + strlen(needle);
	}
	return used;
}

/* The last top line that still fills rows rows. */
static size_t
pager_max_top(const struct pager_priv *p, int rows)
{
	return p->wrap.n > (size_t)rows ? p->wrap.n - (size_t)rows : 0;
}

/* The screen line that holds doc offset off. */
static size_t
pager_line_of(const struct pager_priv *p, size_t off)
{
	size_t i;

	for (i = 0; i + 1 < p->wrap.n; i++)
		if (p->wrap.lines[i + 1].off > off)
			return i;
	return p->wrap.n ? p->wrap.n - 1 : 0;
}

/* Draws the message from its top line in r, rewrapped when r is new. */
static void
pager_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	struct pager_priv *p = v->priv;
	const char *needle = p->found ? p->find.buf : NULL;
	const struct wrap_line *l;
	const char *s, *colon;
	size_t i;
	int y, used;

	(void)a;
	if (p->wrap_cols != r->cols) {
		wrap_text(&p->wrap, p->doc.buf, p->doc.len, r->cols);
		p->wrap_cols = r->cols;
	}
	p->page = r->rows;
	if (p->seek)
		p->top = pager_line_of(p, p->find_at);
	p->seek = 0;
	if (p->top > pager_max_top(p, r->rows))
		p->top = pager_max_top(p, r->rows);
	for (y = 0; y < r->rows; y++) {
		i = p->top + (size_t)y;
		if (i >= p->wrap.n)
			break;
		l = &p->wrap.lines[i];
		s = p->doc.buf + l->off;
		used = 0;
		if (l->src < p->hdr_lines && l->first &&
		    (colon = memchr(s, ':', l->len)) != NULL) {
			used = pager_put(r->row + y, r->col, r->cols,
					 TH_HEADER_NAME, s,
					 (size_t)(colon - s) + 1, needle);
			s = colon + 1;
			used += pager_put(r->row + y, r->col + used,
					  r->cols - used, TH_HEADER, s,
					  l->len - (size_t)(s - p->doc.buf -
							    l->off),
					  needle);
			continue;
		}
		pager_put(r->row + y, r->col, r->cols, pager_element(p, l), s,
			  l->len, needle);
	}
}

/* Looks for the search text from doc offset off on, going round once. */
static void
pager_find_from(struct app *a, struct pager_priv *p, size_t off)
{
	const char *m = NULL;

	if (off < p->doc.len)
		m = pager_match(p->doc.buf + off, p->doc.len - off,
				p->find.buf);
	if (!m) {
		m = pager_match(p->doc.buf, p->doc.len, p->find.buf);
		if (m)
			app_message(a, "search went round to the top");
	}
	if (!m) {
		p->found = 0;
		app_error(a, "'%s' not found", p->find.buf);
		return;
	}
	p->found = 1;
	p->find_at = (size_t)(m - p->doc.buf);
	p->seek = 1;
}

/* Asks what to find and looks for it from the top of the screen on. */
static void
pager_find(struct app *a, struct pager_priv *p)
{
	struct buf text = BUF_INIT;

	buf_adds(&text, p->find.buf);
	if (prompt_text(a, "Find: ", &text) == 0 && text.len) {
		buf_reset(&p->find);
		buf_adds(&p->find, text.buf);
		pager_find_from(a, p,
				p->top < p->wrap.n ? p->wrap.lines[p->top].off
						   : 0);
	}
	buf_release(&text);
}

/* Sets or clears flag on the message shown. */
static void
pager_toggle(struct app *a, uint32_t flag)
{
	struct mailbox_row r;

	if (session_row(a, a->cur, &r) < 0 || !r.env)
		return;
	session_set_flags(a, a->cur, flag, !(r.env->flags & flag));
}

/* Handles the pager's requests. Returns an enum view_result. */
static int
pager_request(struct app *a, struct view *v, enum tui_request req)
{
	struct pager_priv *p = v->priv;
	size_t max = pager_max_top(p, p->page);
	size_t page = p->page > 1 ? (size_t)p->page - 1 : 1, f;

	switch (req) {
	case REQ_MOVE_DOWN:
		if (p->top < max)
			p->top++;
		else
			app_message(a, "end of the message");
		break;
	case REQ_MOVE_UP:
		if (p->top > 0)
			p->top--;
		break;
	case REQ_PAGE_DOWN:
		if (p->top >= max)
			app_message(a, "end of the message");
		p->top = p->top + page < max ? p->top + page : max;
		break;
	case REQ_PAGE_UP:
		p->top = p->top > page ? p->top - page : 0;
		break;
	case REQ_FIRST:
		p->top = 0;
		break;
	case REQ_LAST:
		p->top = max;
		break;
	case REQ_NEXT_MESSAGE:
		if (view_index_step(a, 1) < 0)
			app_message(a, "no next message");
		else
			pager_reload(a, p);
		break;
	case REQ_PREV_MESSAGE:
		if (view_index_step(a, -1) < 0)
			app_message(a, "no previous message");
		else
			pager_reload(a, p);
		break;
	case REQ_NEXT_UNREAD:
		if (view_index_next_unread(a) == 0)
			pager_reload(a, p);
		break;
	case REQ_ALL_HEADERS:
		p->all_headers = !p->all_headers;
		pager_build(p);
		p->top = 0;
		break;
	case REQ_TOGGLE_HTML:
		if (p->pref == MIME_PREFER_TEXT && !p->mv.had_html) {
			app_message(a, "this message has no HTML part");
			break;
		}
		p->pref = p->pref == MIME_PREFER_TEXT ? MIME_PREFER_HTML
						      : MIME_PREFER_TEXT;
		if (pager_render(p) < 0)
			app_error(a, "%s", err_msg());
		else
			app_message(a, "showing the %s part",
				    p->pref == MIME_PREFER_HTML ? "HTML"
								: "text");
		p->top = 0;
		break;
	case REQ_FIND:
		pager_find(a, p);
		break;
	case REQ_FIND_NEXT:
		if (!p->find.len)
			app_message(a, "nothing to find yet");
		else
			pager_find_from(a, p, p->found ? p->find_at + 1 : 0);
		break;
	case REQ_DELETE:
		if (session_set_flags(a, a->cur, IMAP_FLAG_DELETED, 1) < 0)
			break;
		if (view_index_step(a, 1) < 0)
			app_pop(a);
		else
			pager_reload(a, p);
		break;
	case REQ_UNDELETE:
		session_set_flags(a, a->cur, IMAP_FLAG_DELETED, 0);
		break;
	case REQ_FLAG:
		pager_toggle(a, IMAP_FLAG_FLAGGED);
		break;
	case REQ_TOGGLE_READ:
		pager_toggle(a, IMAP_FLAG_SEEN);
		break;
	case REQ_MOVE:
	case REQ_COPY:
		if (prompt_folder(a, req == REQ_MOVE ? "Move to folder"
						     : "Copy to folder",
				  &f) < 0)
			break;
		if (session_copy(a, a->cur, a->folders[f].name,
				 req == REQ_MOVE) == 0 &&
		    req == REQ_MOVE)
			app_pop(a);
		break;
	default:
		return VIEW_PASS;
	}
	return VIEW_DONE;
}

/* Shows the message list's current message. Returns 0 or -1. */
static int
pager_open(struct app *a, struct view *v, const void *arg)
{
	struct pager_priv *p = calloc(1, sizeof(*p));

	(void)arg;
	if (!p)
		fatal("out of memory");
	buf_init(&p->raw);
	buf_init(&p->doc);
	buf_init(&p->find);
	wrap_init(&p->wrap);
	v->priv = p;
	return pager_load(a, p);
}

/* Frees the pager's state. */
static void
pager_done(struct app *a, struct view *v)
{
	struct pager_priv *p = v->priv;

	(void)a;
	if (!p)
		return;
	if (p->have_mv)
		mime_view_free(&p->mv);
	buf_release(&p->raw);
	buf_release(&p->doc);
	buf_release(&p->find);
	wrap_release(&p->wrap);
	free(p);
}

const struct view_ops view_pager_ops = {
	.name = "pager",
	.ctx = KM_PAGER,
	.sidebar = 1,
	.hints = pager_hints,
	.open = pager_open,
	.draw = pager_draw,
	.request = pager_request,
	.done = pager_done,
};
