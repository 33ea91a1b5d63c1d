/*
 * view_folders.c: the folder list with its counts, special folders
 * first (session.c sorts them), where folders are opened, created,
 * renamed and deleted; the same list drawn narrow is the sidebar beside
 * the message list and the pager, and the picker of prompt.c. Under the
 * folders the list shows the saved searches (view_search.c), virtual
 * folders that open as search results and are renamed and deleted like
 * folders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/display.h"
#include "tui/text.h"
#include "util/log.h"

struct folders_priv {
	size_t cur, top; /* rows: the folders, then the saved searches */
	int page; /* rows on screen at the last draw */
	struct view_saved_search *saved; /* owned */
	size_t n_saved;
};

static const struct view_hint folders_hints[] = {
	{ REQ_BACK, NULL },		  { REQ_OPEN, "Open" },
	{ REQ_FOLDER_CREATE, "New" },	  { REQ_FOLDER_RENAME, "Rename" },
	{ REQ_FOLDER_DELETE, "Delete" },  { REQ_HELP, "Help" },
	{ REQ_NONE, NULL },
};

/*
 * Appends the name of f as the list shows it: indented two spaces per
 * level of the hierarchy, then its last part.
 */
static void
folders_label(struct buf *b, const struct imap_folder *f)
{
	const char *s = f->display, *p;

	if (f->delim) {
		for (p = s; *p; p++)
			if (*p == f->delim) {
				buf_adds(b, "  ");
				s = p + 1;
			}
	}
	buf_adds(b, s);
}

/* Returns 1 when f is the open folder. */
static int
folders_is_open(const struct app *a, const struct imap_folder *f)
{
	return session_current_folder(a) == f;
}

/* Keeps cur on screen: the first row to show for rows rows. */
static size_t
folders_scroll(size_t cur, size_t top, int rows)
{
	if (rows < 1)
		return cur;
	if (cur < top)
		return cur;
	if (cur >= top + (size_t)rows)
		return cur - (size_t)rows + 1;
	return top;
}

/*
 * The text of folder f's row into b (the name) and, with cw columns for
 * them, counts. Returns the row's look.
 */
static enum theme_element
folders_row(const struct app *a, const struct imap_folder *f, int cw,
	    struct buf *b, struct buf *counts)
{
	buf_addch(b, folders_is_open(a, f) ? '*' : ' ');
	folders_label(b, f);
	if (!f->noselect && cw) {
		if (f->unseen)
			buf_addf(counts, "%u unread", f->unseen);
		buf_addf(counts, " %8u ", f->messages);
	}
	return f->unseen && !f->noselect ? TH_UNREAD : TH_NORMAL;
}

/*
 * Draws the list of folders, then the n_saved saved searches of saved,
 * in r with the cursor on row cur: the open folder marked '*', then the
 * name, the unread count and the total; a saved search as "/name" and
 * its query.
 */
static void
folders_draw_rows(struct app *a, const struct view_rect *r, size_t cur,
		  size_t *top, const struct view_saved_search *saved,
		  size_t n_saved)
{
	struct buf b = BUF_INIT, counts = BUF_INIT;
	enum theme_element el;
	size_t i;
	int y, cw = r->cols >= 50 ? 26 : 0;

	if (a->n_folders == 0 && n_saved == 0) {
		display_text(r->row, r->col, r->cols, TH_NORMAL,
			     "No folders.", 11);
		return;
	}
	*top = folders_scroll(cur, *top, r->rows);
	for (y = 0; y < r->rows; y++) {
		i = *top + (size_t)y;
		if (i >= a->n_folders + n_saved)
			break;
		buf_reset(&b);
		buf_reset(&counts);
		if (i < a->n_folders) {
			el = folders_row(a, &a->folders[i], cw, &b, &counts);
		} else {
			buf_addf(&b, " /%s", saved[i - a->n_folders].name);
			if (cw)
				buf_addf(&counts, "%s ",
					 saved[i - a->n_folders].query);
			el = TH_NORMAL;
		}
		if (i == cur)
			el = TH_INDICATOR;
		display_text_pad(r->row + y, r->col, r->cols - cw, el, b.buf,
				 b.len);
		if (cw) {
			struct buf c = BUF_INIT;

			text_pad(&c, counts.buf, counts.len, cw, TEXT_RIGHT);
			display_text(r->row + y, r->col + r->cols - cw, cw, el,
				     c.buf, c.len);
			buf_release(&c);
		}
	}
	buf_release(&b);
	buf_release(&counts);
}

/*
 * Draws the folder list in r with the cursor on row cur: the open folder
 * marked '*', then the name, the unread count and the total.
 */
void
view_folders_draw_list(struct app *a, const struct view_rect *r, size_t cur,
		       size_t *top)
{
	folders_draw_rows(a, r, cur, top, NULL, 0);
}

/*
 * Draws the sidebar in r: each folder with its unread count, the open
 * one highlighted, and a line on the right. Returns the columns used.
 */
int
view_folders_sidebar(struct app *a, const struct view_rect *r)
{
	const struct imap_folder *open = session_current_folder(a);
	struct buf b = BUF_INIT, n = BUF_INIT;
	size_t i, cur = open ? (size_t)(open - a->folders) : 0, top = 0;
	int y, w = r->cols - 1, nw;

	top = folders_scroll(cur, 0, r->rows);
	for (y = 0; y < r->rows; y++) {
		enum theme_element el = TH_SIDEBAR;

		display_text(r->row + y, r->col + w, 1, TH_SIDEBAR, "│",
			     strlen("│"));
		i = top + (size_t)y;
		if (i >= a->n_folders) {
			display_fill(r->row + y, r->col, w, TH_SIDEBAR);
			continue;
		}
		buf_reset(&b);
		buf_reset(&n);
		buf_addch(&b, ' ');
		folders_label(&b, &a->folders[i]);
		if (a->folders[i].unseen && !a->folders[i].noselect)
			buf_addf(&n, " %u ", a->folders[i].unseen);
		else
			buf_addch(&n, ' ');
		if (&a->folders[i] == open)
			el = TH_SIDEBAR_CURRENT;
		nw = (int)n.len < w ? (int)n.len : w;
		display_text_pad(r->row + y, r->col, w - nw, el, b.buf, b.len);
		display_text_pad(r->row + y, r->col + w - nw, nw, el, n.buf,
				 n.len);
	}
	buf_release(&b);
	buf_release(&n);
	return r->cols;
}

/* Draws the folder list with its cursor in r. */
static void
folders_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	struct folders_priv *p = v->priv;
	size_t n = a->n_folders + p->n_saved;

	if (n && p->cur >= n)
		p->cur = n - 1;
	p->page = r->rows;
	folders_draw_rows(a, r, p->cur, &p->top, p->saved, p->n_saved);
}

/* Reads the saved searches again. */
static void
folders_load_saved(struct app *a, struct folders_priv *p)
{
	view_search_saved_free(p->saved, p->n_saved);
	p->saved = NULL;
	p->n_saved = 0;
	if (view_search_saved(a, &p->saved, &p->n_saved) < 0)
		app_error(a, "cannot read the saved searches: %s", err_msg());
}

/* The saved search under the cursor, or NULL on a folder. */
static const struct view_saved_search *
folders_saved_at(struct app *a, struct folders_priv *p)
{
	if (p->cur < a->n_folders || p->cur - a->n_folders >= p->n_saved)
		return NULL;
	return &p->saved[p->cur - a->n_folders];
}

/* Runs the saved search under the cursor, in place of the folder list. */
static void
folders_open_saved(struct app *a, const struct view_saved_search *ss)
{
	struct buf q = BUF_INIT;

	buf_adds(&q, ss->query);
	app_pop(a);
	app_push(a, &view_search_ops, q.buf);
	buf_release(&q);
}

/* Renames the saved search under the cursor (r) or forgets it. */
static void
folders_edit_saved(struct app *a, struct folders_priv *p,
		   const struct view_saved_search *ss, int rename)
{
	struct buf name = BUF_INIT, q = BUF_INIT, query = BUF_INIT;
	int rc = -1;

	buf_adds(&name, ss->name);
	buf_adds(&query, ss->query);
	if (rename) {
		buf_addf(&q, "Rename saved search '%s' to: ", ss->name);
		if (prompt_text(a, q.buf, &name) < 0 || !name.len ||
		    !strcmp(name.buf, ss->name))
			goto out;
		rc = view_search_unsave(a, ss->name);
		if (rc == 0)
			rc = view_search_save(a, name.buf, query.buf);
	} else {
		buf_addf(&q, "Forget the saved search '%s'?", ss->name);
		if (prompt_yesno(a, q.buf) != 1)
			goto out;
		rc = view_search_unsave(a, name.buf);
	}
	if (rc < 0)
		app_error(a, "cannot change the saved searches: %s",
			  err_msg());
	else
		app_message(a, rename ? "saved search renamed"
				      : "saved search forgotten");
	folders_load_saved(a, p);
out:
	buf_release(&name);
	buf_release(&q);
	buf_release(&query);
}

/* Puts the cursor on the folder shown as display, when there is one. */
static void
folders_seek(struct app *a, struct folders_priv *p, const char *display)
{
	size_t i;

	for (i = 0; i < a->n_folders; i++)
		if (!strcmp(a->folders[i].display, display)) {
			p->cur = i;
			return;
		}
}

/* Asks for a name and creates that folder; the cursor goes on it. */
static void
folders_create(struct app *a, struct folders_priv *p)
{
	struct buf name = BUF_INIT;

	if (prompt_text(a, "Create folder: ", &name) == 0 && name.len &&
	    session_folder_create(a, name.buf) == 0)
		folders_seek(a, p, name.buf);
	buf_release(&name);
}

/* Asks for a new name of the folder under the cursor and renames it. */
static void
folders_rename(struct app *a, struct folders_priv *p)
{
	struct buf name = BUF_INIT, q = BUF_INIT;

	if (p->cur >= a->n_folders)
		return;
	buf_adds(&name, a->folders[p->cur].display);
	buf_addf(&q, "Rename '%s' to: ", a->folders[p->cur].display);
	if (prompt_text(a, q.buf, &name) == 0 && name.len &&
	    strcmp(name.buf, a->folders[p->cur].display) &&
	    session_folder_rename(a, p->cur, name.buf) == 0)
		folders_seek(a, p, name.buf);
	buf_release(&name);
	buf_release(&q);
}

/* Deletes the folder under the cursor once the user says yes. */
static void
folders_delete(struct app *a, struct folders_priv *p)
{
	struct buf q = BUF_INIT;

	if (p->cur >= a->n_folders)
		return;
	buf_addf(&q, "Delete folder '%s' and every message in it?",
		 a->folders[p->cur].display);
	if (prompt_yesno(a, q.buf) == 1)
		session_folder_delete(a, p->cur);
	buf_release(&q);
}

/* Handles the folder list's requests. Returns an enum view_result. */
static int
folders_request(struct app *a, struct view *v, enum tui_request req)
{
	struct folders_priv *p = v->priv;
	const struct view_saved_search *ss = folders_saved_at(a, p);
	size_t n = a->n_folders + p->n_saved;
	size_t page = p->page > 1 ? (size_t)p->page - 1 : 1;

	if (ss && (req == REQ_OPEN || req == REQ_FOLDER_RENAME ||
		   req == REQ_FOLDER_DELETE)) {
		if (req == REQ_OPEN)
			folders_open_saved(a, ss);
		else
			folders_edit_saved(a, p, ss,
					   req == REQ_FOLDER_RENAME);
		return VIEW_DONE;
	}
	switch (req) {
	case REQ_MOVE_DOWN:
		if (p->cur + 1 < n)
			p->cur++;
		break;
	case REQ_MOVE_UP:
		if (p->cur > 0)
			p->cur--;
		break;
	case REQ_PAGE_DOWN:
		p->cur = p->cur + page < n ? p->cur + page : n ? n - 1 : 0;
		break;
	case REQ_PAGE_UP:
		p->cur = p->cur > page ? p->cur - page : 0;
		break;
	case REQ_FIRST:
		p->cur = 0;
		break;
	case REQ_LAST:
		p->cur = n ? n - 1 : 0;
		break;
	case REQ_OPEN:
		if (p->cur >= n)
			break;
		if (a->folders[p->cur].noselect) {
			app_error(a, "'%s' holds only folders",
				  a->folders[p->cur].display);
			break;
		}
		if (session_open_folder(a, a->folders[p->cur].name) == 0)
			app_pop(a);
		break;
	case REQ_FOLDER_CREATE:
		folders_create(a, p);
		break;
	case REQ_FOLDER_RENAME:
		folders_rename(a, p);
		break;
	case REQ_FOLDER_DELETE:
		folders_delete(a, p);
		break;
	default:
		return VIEW_PASS;
	}
	return VIEW_DONE;
}

/* Opens the folder list with the cursor on the open folder. Returns 0. */
static int
folders_open(struct app *a, struct view *v, const void *arg)
{
	const struct imap_folder *f = session_current_folder(a);
	struct folders_priv *p = calloc(1, sizeof(*p));

	(void)arg;
	if (!p)
		fatal("out of memory");
	if (f)
		p->cur = (size_t)(f - a->folders);
	v->priv = p;
	folders_load_saved(a, p);
	return 0;
}

/* Frees the folder list's state. */
static void
folders_done(struct app *a, struct view *v)
{
	struct folders_priv *p = v->priv;

	(void)a;
	if (!p)
		return;
	view_search_saved_free(p->saved, p->n_saved);
	free(p);
}

const struct view_ops view_folders_ops = {
	.name = "folders",
	.ctx = KM_FOLDERS,
	.sidebar = 0,
	.hints = folders_hints,
	.open = folders_open,
	.draw = folders_draw,
	.request = folders_request,
	.done = folders_done,
};
