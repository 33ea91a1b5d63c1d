/*
 * view_help.c: the key bindings actually loaded for the view below (its
 * keymap section, then the global ones it does not override), each with
 * its request name and description from request.h.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/display.h"
#include "tui/wrap.h"
#include "util/log.h"

struct help_priv {
	struct buf text; /* owned: one binding a line */
	struct wrap wrap;
	int wrap_cols;
	size_t top;
	int page;
};

static const struct view_hint help_hints[] = {
	{ REQ_BACK, NULL },
	{ REQ_MOVE_DOWN, "Down" },
	{ REQ_MOVE_UP, "Up" },
	{ REQ_NONE, NULL },
};

/* What a keymap section is called on the help screen. */
static const char *
help_ctx_title(enum keymap_ctx ctx)
{
	switch (ctx) {
	case KM_INDEX:
		return "the message list";
	case KM_PAGER:
		return "the pager";
	case KM_FOLDERS:
		return "the folder list";
	case KM_COMPOSER:
		return "the composer";
	case KM_ADMIN:
		return "the admin pane";
	default:
		return "every view";
	}
}

/* Appends the bindings of section ctx that take effect in view ctx. */
static void
help_section(struct help_priv *p, const struct keymap *km,
	     enum keymap_ctx ctx, enum keymap_ctx view)
{
	const struct keymap_binding *b;
	size_t n, i;
	char key[32];

	n = keymap_bindings(km, ctx, &b);
	for (i = 0; i < n; i++) {
		if (b[i].req == REQ_NONE ||
		    keymap_lookup(km, view, b[i].key) != b[i].req)
			continue;
		keymap_key_name(b[i].key, key, sizeof(key));
		buf_addf(&p->text, "  %-12s %-18s %s\n", key,
			 request_name(b[i].req), request_help(b[i].req));
	}
}

/* Writes the help text for the keymap context *arg points to. Returns 0. */
static int
help_open(struct app *a, struct view *v, const void *arg)
{
	enum keymap_ctx ctx = *(const enum keymap_ctx *)arg;
	struct help_priv *p = calloc(1, sizeof(*p));

	if (!p)
		fatal("out of memory");
	buf_init(&p->text);
	wrap_init(&p->wrap);
	v->priv = p;
	if (ctx != KM_GLOBAL) {
		buf_addf(&p->text, "Keys in %s (%s):\n", help_ctx_title(ctx),
			 keymap_ctx_name(ctx));
		help_section(p, a->km, ctx, ctx);
		buf_addch(&p->text, '\n');
	}
	buf_addf(&p->text, "Keys in every view (global):\n");
	help_section(p, a->km, KM_GLOBAL, ctx);
	return 0;
}

/* Draws the help text from its top line in r. */
static void
help_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	struct help_priv *p = v->priv;
	const struct wrap_line *l;
	size_t max;
	int y;

	(void)a;
	if (p->wrap_cols != r->cols) {
		wrap_text(&p->wrap, p->text.buf, p->text.len, r->cols);
		p->wrap_cols = r->cols;
	}
	p->page = r->rows;
	max = p->wrap.n > (size_t)r->rows ? p->wrap.n - (size_t)r->rows : 0;
	if (p->top > max)
		p->top = max;
	for (y = 0; y < r->rows && p->top + (size_t)y < p->wrap.n; y++) {
		l = &p->wrap.lines[p->top + (size_t)y];
		display_text(r->row + y, r->col, r->cols,
			     p->text.buf[l->off] == ' ' ? TH_NORMAL
							: TH_HEADER_NAME,
			     p->text.buf + l->off, l->len);
	}
}

/* Scrolls the help; Enter and help close it. Returns an enum view_result. */
static int
help_request(struct app *a, struct view *v, enum tui_request req)
{
	struct help_priv *p = v->priv;
	size_t page = p->page > 1 ? (size_t)p->page - 1 : 1;

	(void)a;
	switch (req) {
	case REQ_MOVE_DOWN:
		p->top++;
		break;
	case REQ_MOVE_UP:
		if (p->top > 0)
			p->top--;
		break;
	case REQ_PAGE_DOWN:
		p->top += page;
		break;
	case REQ_PAGE_UP:
		p->top = p->top > page ? p->top - page : 0;
		break;
	case REQ_FIRST:
		p->top = 0;
		break;
	case REQ_LAST:
		p->top = p->wrap.n;
		break;
	case REQ_OPEN:
	case REQ_HELP:
		app_pop(a);
		break;
	default:
		return VIEW_PASS;
	}
	return VIEW_DONE;
}

/* Frees the help's state. */
static void
help_done(struct app *a, struct view *v)
{
	struct help_priv *p = v->priv;

	(void)a;
	if (!p)
		return;
	buf_release(&p->text);
	wrap_release(&p->wrap);
	free(p);
}

const struct view_ops view_help_ops = {
	.name = "help",
	.ctx = KM_PAGER,
	.sidebar = 0,
	.hints = help_hints,
	.open = help_open,
	.draw = help_draw,
	.request = help_request,
	.done = help_done,
};
