/*
 * view_index.c: the message list of the open folder, the root view.
 *
 * Columns: flags, date, sender (the recipient in Sent and Drafts),
 * subject (after the thread tree when threaded) and size; the layout and
 * the formatting are format.c's. Only the rows on screen are fetched (and
 * a page around them once the screen is shown), so a folder of 100,000
 * messages costs its order array and a few pages of envelopes. Collapsed
 * threads are kept by the UID of their root, so they survive a new sort
 * and a reconnection.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/app.h"
#include "tui/display.h"
#include "tui/format.h"
#include "tui/text.h"
#include "util/log.h"
#include "util/sanitize.h"

#define INDEX_DECODE_SLOTS 512 /* decoded sender and subject, by UID */

struct index_decoded {
	uint32_t uid;
	int valid;
	char *who;	/* owned: the sender column, decoded */
	char *subject;	/* owned: decoded */
};

struct index_priv {
	size_t top;			/* the first row on screen */
	int page;			/* rows on screen at the last draw */
	unsigned gen;			/* the mailbox the cache is for */
	struct index_decoded dec[INDEX_DECODE_SLOTS];
	uint32_t *collapsed;		/* owned: UIDs of collapsed roots */
	size_t n_collapsed;
	size_t want_first, want_count;	/* rows to prefetch when idle */
};

static const struct view_hint index_hints[] = {
	{ REQ_BACK, NULL },	     { REQ_OPEN, "Open" },
	{ REQ_DELETE, "Del" },	     { REQ_UNDELETE, "Undel" },
	{ REQ_MOVE, "Move" },	     { REQ_FLAG, "Flag" },
	{ REQ_TOGGLE_READ, "Read" }, { REQ_CHANGE_FOLDER, "Folders" },
	{ REQ_THREADS, "Threads" },  { REQ_HELP, "Help" },
	{ REQ_NONE, NULL },
};

/* The message list's state: it is always the root view. */
static struct index_priv *
index_of_app(struct app *a)
{
	return a->n_views > 0 ? a->views[0].priv : NULL;
}

/* The thread depth of row i, 0 when threads are off. */
static uint32_t
index_depth(struct app *a, size_t i)
{
	struct mailbox_row r;

	if (!a->opts.threaded || session_row(a, i, &r) < 0)
		return 0;
	return r.depth;
}

/* index_depth() for fmt_tree(), arg being the app. */
static uint32_t
index_depth_cb(void *arg, size_t i)
{
	return index_depth(arg, i);
}

/* The UID of row i, 0 when there is no such row. */
static uint32_t
index_uid(struct app *a, size_t i)
{
	struct mailbox_row r;

	return session_row(a, i, &r) == 0 ? r.uid : 0;
}

/* Returns 1 when the thread whose root is uid is collapsed. */
static int
index_is_collapsed(const struct index_priv *p, uint32_t uid)
{
	size_t i;

	for (i = 0; i < p->n_collapsed; i++)
		if (p->collapsed[i] == uid)
			return 1;
	return 0;
}

/* The root of the thread row i belongs to (i itself unthreaded). */
static size_t
index_root(struct app *a, size_t i)
{
	while (i > 0 && index_depth(a, i) > 0)
		i--;
	return i;
}

/* Whether row i shows: not inside a collapsed thread. */
static int
index_visible(struct app *a, struct index_priv *p, size_t i)
{
	if (!a->opts.threaded || !p->n_collapsed || index_depth(a, i) == 0)
		return 1;
	return !index_is_collapsed(p, index_uid(a, index_root(a, i)));
}

/* The next row that shows after i, or the count when there is none. */
static size_t
index_next(struct app *a, struct index_priv *p, size_t i)
{
	size_t n = session_count(a), j = i + 1;

	while (j < n) {
		if (index_visible(a, p, j))
			return j;
		while (j < n && index_depth(a, j) > 0)
			j++;
	}
	return n;
}

/* The row that shows before i; i itself when there is none. */
static size_t
index_prev(struct app *a, struct index_priv *p, size_t i)
{
	size_t j;

	if (i == 0)
		return 0;
	j = i - 1;
	if (!index_visible(a, p, j))
		j = index_root(a, j);
	return j;
}

/* Moves from row i over up to steps rows that show, forwards or back. */
static size_t
index_walk(struct app *a, struct index_priv *p, size_t i, int steps)
{
	size_t n = session_count(a), j;

	for (; steps > 0; steps--) {
		j = index_next(a, p, i);
		if (j >= n)
			break;
		i = j;
	}
	for (; steps < 0; steps++) {
		if (i == 0)
			break;
		i = index_prev(a, p, i);
	}
	return i;
}

/* Empties the cache of decoded senders and subjects. */
static void
index_flush(struct index_priv *p)
{
	size_t i;

	for (i = 0; i < INDEX_DECODE_SLOTS; i++) {
		free(p->dec[i].who);
		free(p->dec[i].subject);
		p->dec[i] = (struct index_decoded){ 0 };
	}
}

/* Decodes a raw header value (RFC 2047); the raw text if that fails. */
static char *
index_decode(const char *raw)
{
	char *s;

	if (!raw)
		raw = "";
	s = mime_decode_header(raw);
	if (!s)
		s = strdup(raw);
	if (!s)
		fatal("out of memory");
	return s;
}

/*
 * The decoded sender column and subject of env, from the small cache;
 * sent: the folder holds mail the user sent, so show the recipient.
 */
static const struct index_decoded *
index_decoded(struct index_priv *p, const struct imap_envelope *env,
	      int sent)
{
	struct index_decoded *d = &p->dec[env->uid % INDEX_DECODE_SLOTS];
	struct buf b = BUF_INIT;
	char *who;

	if (d->valid && d->uid == env->uid)
		return d;
	free(d->who);
	free(d->subject);
	who = index_decode(sent ? env->to : env->from);
	if (sent)
		buf_adds(&b, "To: ");
	fmt_address(&b, who);
	free(who);
	d->who = buf_detach(&b, NULL);
	d->subject = index_decode(env->subject);
	d->uid = env->uid;
	d->valid = 1;
	return d;
}

/* Appends the sanitised s padded or clipped to cols columns. */
static void
index_col(struct buf *line, const char *s, int cols, enum text_align al)
{
	struct buf t = BUF_INIT;

	san_text(&t, s, strlen(s), 0);
	text_pad(line, t.buf, t.len, cols, al);
	buf_release(&t);
}

/* The look of a row: the cursor, then deleted, flagged, unread. */
static enum theme_element
index_element(const struct imap_envelope *env, int current)
{
	if (current)
		return TH_INDICATOR;
	if (!env)
		return TH_NORMAL;
	if (env->flags & IMAP_FLAG_DELETED)
		return TH_DELETED;
	if (env->flags & IMAP_FLAG_FLAGGED)
		return TH_FLAGGED;
	if (!(env->flags & IMAP_FLAG_SEEN))
		return TH_UNREAD;
	return TH_NORMAL;
}

/* Draws row i of the folder on screen row y. */
static void
index_draw_row(struct app *a, struct index_priv *p, int y, int x, int cols,
	       const struct fmt_columns *c, size_t i, time_t now, int sent)
{
	const struct index_decoded *d;
	const struct imap_envelope *env;
	struct mailbox_row r;
	struct buf line = BUF_INIT, tree = BUF_INIT, subj = BUF_INIT;
	enum theme_element el;
	char f[8], date[32], size[16];
	int tw = 0;

	if (session_row(a, i, &r) < 0)
		return;
	env = r.env;
	el = index_element(env, i == a->cur);
	if (a->opts.threaded)
		tw = fmt_tree(&tree, i, session_count(a), index_depth_cb, a);
	if (a->opts.threaded && r.depth == 0 && r.children > 0 &&
	    index_is_collapsed(p, r.uid)) {
		buf_addf(&tree, "(+%u) ", r.children);
		tw = text_width(tree.buf, tree.len);
	}
	if (env) {
		d = index_decoded(p, env, sent);
		fmt_flags(f, sizeof(f), env->flags);
		fmt_date(date, sizeof(date),
			 env->date ? env->date : env->arrival, now);
		fmt_size(size, sizeof(size), env->size);
		buf_add(&subj, tree.buf, tree.len);
		buf_adds(&subj, d->subject);
		index_col(&line, f, c->flags_w, TEXT_LEFT);
		buf_addch(&line, ' ');
		index_col(&line, date, c->date_w, TEXT_LEFT);
		buf_addch(&line, ' ');
		index_col(&line, d->who, c->from_w, TEXT_LEFT);
		buf_addch(&line, ' ');
		index_col(&line, subj.buf, c->subject_w, TEXT_LEFT);
		if (c->size_w) {
			buf_addch(&line, ' ');
			index_col(&line, size, c->size_w, TEXT_RIGHT);
		}
	} else {
		index_col(&line, "", c->flags_w + 1 + c->date_w + 1, TEXT_LEFT);
		index_col(&line, "...", c->from_w + 1, TEXT_LEFT);
		buf_add(&subj, tree.buf, tree.len);
		buf_adds(&subj, a->state == APP_ONLINE
					? "(loading)"
					: "(not fetched: offline)");
		index_col(&line, subj.buf, c->subject_w, TEXT_LEFT);
	}
	display_text_pad(y, x, cols, el, line.buf, line.len);
	if (tw > 0 && el != TH_INDICATOR && c->subject_w > 0)
		display_text(y, x + c->subject_col,
			     tw < c->subject_w ? tw : c->subject_w, TH_TREE,
			     tree.buf, tree.len);
	buf_release(&line);
	buf_release(&tree);
	buf_release(&subj);
}

/* Fetches the rows in idx[0..n) that are missing, run by run. */
static void
index_fetch(struct app *a, const size_t *idx, int n)
{
	int k = 0, j;

	while (k < n && a->state == APP_ONLINE) {
		j = k;
		while (j + 1 < n && idx[j + 1] == idx[j] + 1)
			j++;
		session_fetch(a, idx[k], idx[j] - idx[k] + 1);
		k = j + 1;
	}
}

/* What the list shows without messages or without a folder. */
static void
index_draw_empty(struct app *a, const struct view_rect *r)
{
	const char *s = "No messages.";

	if (!a->mbox)
		s = "No folder open.";
	else if (a->opts.limit == IMAP_LIMIT_UNSEEN)
		s = "No unread messages.";
	else if (a->opts.limit == IMAP_LIMIT_FLAGGED)
		s = "No flagged messages.";

	display_text(r->row, r->col, r->cols, TH_NORMAL, s, strlen(s));
}

/* Wraps the start error over the rows, for a long reason. */
static void
index_draw_error(const struct app *a, const struct view_rect *r)
{
	struct buf b = BUF_INIT, s = BUF_INIT;
	size_t off = 0, n;
	int y;

	buf_addf(&b, "error: %s", a->start_error.buf);
	san_text(&s, b.buf, b.len, 0);
	for (y = 0; y < r->rows && off < s.len; y++) {
		n = text_fit(s.buf + off, s.len - off, r->cols, NULL);
		if (n == 0)
			break;
		display_text(r->row + y, r->col, r->cols, TH_ERROR,
			     s.buf + off, n);
		off += n;
	}
	buf_release(&b);
	buf_release(&s);
}

/* Draws the rows around the cursor in r, fetching those not here yet. */
static void
index_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	struct index_priv *p = v->priv;
	const struct imap_folder *f = session_current_folder(a);
	struct fmt_columns c;
	size_t n = session_count(a), i, idx[512], last_top;
	time_t now = time(NULL);
	int rows = r->rows < 512 ? r->rows : 512, k, shown, sent;

	/* A new mailbox may sit where the old one was: count, not compare. */
	if (p->gen != a->mbox_gen) {
		index_flush(p);
		p->gen = a->mbox_gen;
	}
	if (n == 0) {
		if (!a->mbox && a->start_error.len)
			index_draw_error(a, r);
		else
			index_draw_empty(a, r);
		return;
	}
	p->page = rows;
	if (a->cur >= n)
		a->cur = n - 1;
	if (!index_visible(a, p, a->cur))
		a->cur = index_root(a, a->cur);
	if (p->top >= n || p->top > a->cur)
		p->top = a->cur;
	if (!index_visible(a, p, p->top))
		p->top = index_root(a, p->top);
	if (index_walk(a, p, p->top, rows - 1) < a->cur)
		p->top = index_walk(a, p, a->cur, -(rows - 1));
	/* No blank rows under the last message while there are more above. */
	last_top = index_walk(a, p, index_prev(a, p, n), -(rows - 1));
	if (p->top > last_top)
		p->top = last_top;
	for (shown = 0, i = p->top; shown < rows && i < n; shown++) {
		idx[shown] = i;
		i = index_next(a, p, i);
	}
	index_fetch(a, idx, shown);
	fmt_columns(r->cols, &c);
	sent = f && (f->special == IMAP_SPECIAL_SENT ||
		     f->special == IMAP_SPECIAL_DRAFTS);
	for (k = 0; k < shown; k++)
		index_draw_row(a, p, r->row + k, r->col, r->cols, &c, idx[k],
			       now, sent);
	/* A page either side is fetched once the screen is shown. */
	p->want_first = idx[0] > (size_t)rows ? idx[0] - (size_t)rows : 0;
	p->want_count = idx[shown - 1] - p->want_first + 1 + (size_t)rows;
}

/* Fetches the page before and after the screen, so paging is quick. */
static void
index_idle(struct app *a, struct view *v)
{
	struct index_priv *p = v->priv;

	if (p->want_count && a->state == APP_ONLINE && a->mbox)
		session_fetch(a, p->want_first, p->want_count);
	p->want_count = 0;
}

/* Moves the cursor of the list; dir > 0 down. Returns 0, or -1 at an end. */
int
view_index_step(struct app *a, int dir)
{
	struct index_priv *p = index_of_app(a);
	size_t n = session_count(a), j;

	if (!p || n == 0)
		return -1;
	if (dir > 0) {
		j = index_next(a, p, a->cur);
		if (j >= n)
			return -1;
	} else {
		if (a->cur == 0)
			return -1;
		j = index_prev(a, p, a->cur);
	}
	a->cur = j;
	return 0;
}

/* Orders UIDs for qsort() and bsearch(). */
static int
index_uid_cmp(const void *pa, const void *pb)
{
	uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;

	return x < y ? -1 : x > y;
}

/* Opens the thread that row i is in, when it is collapsed. */
static void
index_expand(struct app *a, struct index_priv *p, size_t i)
{
	uint32_t root = index_uid(a, index_root(a, i));
	size_t k;

	for (k = 0; k < p->n_collapsed; k++)
		if (p->collapsed[k] == root) {
			p->collapsed[k] = p->collapsed[--p->n_collapsed];
			return;
		}
}

/*
 * Moves the cursor to the next unread message after it, going round to
 * the top. The unread UIDs come from the server (SEARCH UNSEEN), so rows
 * not fetched yet count too. Returns 0, or -1 when there is none.
 */
int
view_index_next_unread(struct app *a)
{
	struct index_priv *p = index_of_app(a);
	uint32_t *uids = NULL, uid;
	size_t n = session_count(a), k, i, m = 0;
	int rc = -1;

	if (!p || n == 0 || session_unread_uids(a, &uids, &m) < 0)
		return -1;
	qsort(uids, m, sizeof(*uids), index_uid_cmp);
	for (k = 1; m > 0 && k <= n; k++) {
		i = (a->cur + k) % n;
		uid = index_uid(a, i);
		if (bsearch(&uid, uids, m, sizeof(*uids), index_uid_cmp)) {
			if (!index_visible(a, p, i))
				index_expand(a, p, i);
			a->cur = i;
			rc = 0;
			break;
		}
	}
	if (rc < 0)
		app_message(a, "no unread messages");
	free(uids);
	return rc;
}

/* Toggles a flag of the current message. */
static void
index_toggle(struct app *a, uint32_t flag)
{
	struct mailbox_row r;

	if (session_row(a, a->cur, &r) < 0)
		return;
	if (!r.env) {
		app_error(a, "the message is not fetched yet");
		return;
	}
	session_set_flags(a, a->cur, flag, !(r.env->flags & flag));
}

/* Asks for the sort order and sorts. */
static void
index_sort(struct app *a)
{
	static const enum imap_sort_key keys[] = {
		IMAP_SORT_ARRIVAL, IMAP_SORT_DATE, IMAP_SORT_FROM,
		IMAP_SORT_SUBJECT, IMAP_SORT_SIZE, IMAP_SORT_TO,
	};
	struct mailbox_opts o = a->opts;
	int c = prompt_choice(a,
			      "Sort by (a)rrival, (d)ate, (f)rom, (s)ubject, "
			      "si(z)e or (t)o?",
			      "adfszt");

	if (c < 0)
		return;
	o.sort = keys[c];
	if (session_reorder(a, &o) == 0)
		session_save_setting(a, "sort", o.sort);
}

/* Asks which messages to show (all, unread, flagged) and lists them. */
static void
index_limit(struct app *a)
{
	static const enum imap_limit limits[] = { IMAP_LIMIT_ALL,
						  IMAP_LIMIT_UNSEEN,
						  IMAP_LIMIT_FLAGGED };
	struct mailbox_opts o = a->opts;
	int c = prompt_choice(a, "Show (a)ll, (u)nread or (f)lagged messages?",
			      "auf");

	if (c < 0)
		return;
	o.limit = limits[c];
	session_reorder(a, &o);
}

/* Moves (or copies) the current message to a folder from the picker. */
static void
index_move_copy(struct app *a, int move)
{
	size_t f;

	if (session_count(a) == 0)
		return;
	if (prompt_folder(a, move ? "Move to folder" : "Copy to folder",
			  &f) < 0)
		return;
	session_copy(a, a->cur, a->folders[f].name, move);
}

/* Collapses the current thread onto its root, or expands it again. */
static void
index_collapse(struct app *a, struct index_priv *p)
{
	size_t root;
	uint32_t uid;

	if (!a->opts.threaded) {
		app_message(a, "threads are off");
		return;
	}
	root = index_root(a, a->cur);
	uid = index_uid(a, root);
	if (index_is_collapsed(p, uid)) {
		index_expand(a, p, root);
		return;
	}
	p->collapsed = reallocarray(p->collapsed, p->n_collapsed + 1,
				    sizeof(*p->collapsed));
	if (!p->collapsed)
		fatal("out of memory");
	p->collapsed[p->n_collapsed++] = uid;
	a->cur = root;
}

/* Handles the message list's requests. Returns an enum view_result. */
static int
index_request(struct app *a, struct view *v, enum tui_request req)
{
	struct index_priv *p = v->priv;
	struct mailbox_opts o = a->opts;
	size_t n = session_count(a);
	int page = p->page > 1 ? p->page - 1 : 1;

	switch (req) {
	case REQ_MOVE_DOWN:
		if (view_index_step(a, 1) < 0)
			app_message(a, "you are on the last message");
		break;
	case REQ_MOVE_UP:
		if (view_index_step(a, -1) < 0)
			app_message(a, "you are on the first message");
		break;
	case REQ_PAGE_DOWN:
		if (n == 0)
			break;
		p->top = index_walk(a, p, p->top, page);
		a->cur = index_walk(a, p, a->cur, page);
		break;
	case REQ_PAGE_UP:
		p->top = index_walk(a, p, p->top, -page);
		a->cur = index_walk(a, p, a->cur, -page);
		break;
	case REQ_FIRST:
		a->cur = 0;
		break;
	case REQ_LAST:
		if (n > 0)
			a->cur = index_prev(a, p, n);
		break;
	case REQ_OPEN:
		if (n > 0 && view_compose_open_draft(a) == 0)
			break;
		if (n > 0)
			app_push(a, &view_pager_ops, NULL);
		break;
	case REQ_NEXT_UNREAD:
		view_index_next_unread(a);
		break;
	case REQ_DELETE:
		if (n > 0 && session_set_flags(a, a->cur, IMAP_FLAG_DELETED,
					       1) == 0)
			view_index_step(a, 1);
		break;
	case REQ_UNDELETE:
		if (n > 0 && session_set_flags(a, a->cur, IMAP_FLAG_DELETED,
					       0) == 0)
			view_index_step(a, 1);
		break;
	case REQ_FLAG:
		index_toggle(a, IMAP_FLAG_FLAGGED);
		break;
	case REQ_TOGGLE_READ:
		index_toggle(a, IMAP_FLAG_SEEN);
		break;
	case REQ_MARK_ALL_READ:
		session_mark_all_read(a);
		break;
	case REQ_MOVE:
	case REQ_COPY:
		index_move_copy(a, req == REQ_MOVE);
		break;
	case REQ_THREADS:
		o.threaded = !o.threaded;
		if (session_reorder(a, &o) == 0) {
			session_save_setting(a, "threads", o.threaded);
			app_message(a, "threads %s", o.threaded ? "on" : "off");
		}
		break;
	case REQ_COLLAPSE:
		index_collapse(a, p);
		break;
	case REQ_SORT:
		index_sort(a);
		break;
	case REQ_SORT_REVERSE:
		o.reverse = !o.reverse;
		if (session_reorder(a, &o) == 0)
			session_save_setting(a, "reverse", o.reverse);
		break;
	case REQ_LIMIT:
		index_limit(a);
		break;
	default:
		return VIEW_PASS;
	}
	return VIEW_DONE;
}

/* Sets up the message list's state. Returns 0. */
static int
index_open(struct app *a, struct view *v, const void *arg)
{
	(void)a;
	(void)arg;
	v->priv = calloc(1, sizeof(struct index_priv));
	if (!v->priv)
		fatal("out of memory");
	return 0;
}

/* Frees the message list's state. */
static void
index_done(struct app *a, struct view *v)
{
	struct index_priv *p = v->priv;

	(void)a;
	if (!p)
		return;
	index_flush(p);
	free(p->collapsed);
	free(p);
}

const struct view_ops view_index_ops = {
	.name = "index",
	.ctx = KM_INDEX,
	.sidebar = 1,
	.hints = index_hints,
	.open = index_open,
	.draw = index_draw,
	.request = index_request,
	.idle = index_idle,
	.done = index_done,
};
