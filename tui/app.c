/*
 * app.c: the screen of a session: the view stack, the title row, the
 * message line, the status bar and the key loop (see app.h). While the
 * user reads, the open folder IDLEs; the loop also runs the session's
 * timers (STATUS polling, reconnecting).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/app.h"
#include "tui/display.h"
#include "util/log.h"

/* Quiet time before the open folder IDLEs. */
#define APP_IDLE_AFTER_MS 400
/* The longest slice of background work between two looks at the keys. */
#define APP_BACKGROUND_MS 30
/* No background work until the keys have paused this long. */
#define APP_BACKGROUND_QUIET_MS 150

/* The sidebar's width for a screen cols wide, 0 for none. */
static int
app_sidebar_width(const struct app *a, int cols)
{
	int w;

	if (!a->sidebar || cols < 50)
		return 0;
	w = cols / 5;
	if (w < 16)
		w = 16;
	if (w > 30)
		w = 30;
	return w;
}

/* Sets up an empty session: no views, the default order (newest first). */
void
app_init(struct app *a)
{
	memset(a, 0, sizeof(*a));
	buf_init(&a->email);
	buf_init(&a->imap_host);
	buf_init(&a->imap_ca_file);
	buf_init(&a->client_addr);
	buf_init(&a->imap_user);
	buf_init(&a->pass);
	buf_init(&a->state_dir);
	buf_init(&a->display_name);
	buf_init(&a->smtp_host);
	buf_init(&a->bg_status);
	buf_init(&a->folder);
	buf_init(&a->start_error);
	buf_init(&a->message);
	theme_defaults(&a->theme);
	a->opts.sort = IMAP_SORT_ARRIVAL;
	a->opts.reverse = 1;
	a->opts.threaded = 0;
	a->opts.limit = IMAP_LIMIT_ALL;
}

/* Frees what a owns; the password is wiped first. */
void
app_release(struct app *a)
{
	while (a->n_views > 0)
		app_pop(a);
	keymap_free(a->km);
	a->km = NULL;
	buf_release(&a->email);
	buf_release(&a->imap_host);
	buf_release(&a->imap_ca_file);
	buf_release(&a->client_addr);
	buf_release(&a->imap_user);
	buf_release_secret(&a->pass);
	buf_release(&a->state_dir);
	buf_release(&a->display_name);
	buf_release(&a->smtp_host);
	buf_release(&a->bg_status);
	buf_release(&a->folder);
	buf_release(&a->start_error);
	buf_release(&a->message);
}

/* The view on top of the stack (borrowed), or NULL before the first. */
struct view *
app_top(struct app *a)
{
	return a->n_views > 0 ? &a->views[a->n_views - 1] : NULL;
}

/*
 * Opens a view of ops over the others, with arg for its open(). Returns
 * 0, or -1 with the reason shown on the message line.
 */
int
app_push(struct app *a, const struct view_ops *ops, const void *arg)
{
	struct view *v;

	if (a->n_views == APP_MAX_VIEWS) {
		app_error(a, "too many views open");
		return -1;
	}
	v = &a->views[a->n_views];
	v->ops = ops;
	v->priv = NULL;
	if (ops->open(a, v, arg) < 0) {
		app_error(a, "%s", err_msg());
		if (ops->done)
			ops->done(a, v);
		return -1;
	}
	a->n_views++;
	return 0;
}

/* Closes the view on top. */
void
app_pop(struct app *a)
{
	struct view *v = app_top(a);

	if (!v)
		return;
	if (v->ops->done)
		v->ops->done(a, v);
	v->priv = NULL;
	a->n_views--;
}

/* Closes every view above the message list. */
void
app_pop_to_root(struct app *a)
{
	while (a->n_views > 1)
		app_pop(a);
}

/* Puts a formatted message (an error when error is set) on the message line. */
static void
app_vset(struct app *a, int error, const char *fmt, va_list ap)
{
	buf_reset(&a->message);
	buf_vaddf(&a->message, fmt, ap);
	a->message_error = error;
}

/* Shows a message on the message line until the next key. */
void
app_message(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vset(a, 0, fmt, ap);
	va_end(ap);
}

/* Shows an error on the message line until the next key. */
void
app_error(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vset(a, 1, fmt, ap);
	va_end(ap);
}

/*
 * Writes the name of a key that asks for req in ctx (or, not overridden
 * there, in the global section) into out. Returns 0, or -1 when no key
 * does.
 */
int
app_key_for(const struct app *a, enum keymap_ctx ctx, enum tui_request req,
	    char *out, size_t len)
{
	const struct keymap_binding *b;
	size_t n, i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		enum keymap_ctx c = pass == 0 ? ctx : KM_GLOBAL;

		n = keymap_bindings(a->km, c, &b);
		for (i = 0; i < n; i++) {
			if (b[i].req != req)
				continue;
			if (keymap_lookup(a->km, ctx, b[i].key) != req)
				continue;
			keymap_key_name(b[i].key, out, len);
			return 0;
		}
	}
	return -1;
}

/* Row 0: the keys of the view on top, "q:Quit  d:Delete  ...". */
static void
app_draw_title(struct app *a, int cols)
{
	struct view *v = app_top(a);
	const struct view_hint *h;
	struct buf b = BUF_INIT;
	char key[32];

	for (h = v->ops->hints; h && h->req != REQ_NONE; h++) {
		const char *label = h->label;

		if (h->req == REQ_BACK)
			label = a->n_views == 1 ? "Quit" : "Back";
		size_t kl;

		if (app_key_for(a, v->ops->ctx, h->req, key, sizeof(key)) < 0)
			continue;
		/* "<Enter>" reads better as "Enter" up there. */
		kl = strlen(key);
		if (kl > 2 && key[0] == '<' && key[kl - 1] == '>')
			buf_addf(&b, "%s%.*s:%s", b.len ? "  " : "",
				 (int)kl - 2, key + 1, label);
		else
			buf_addf(&b, "%s%s:%s", b.len ? "  " : "", key, label);
	}
	display_text_pad(0, 0, cols, TH_TITLE, b.buf, b.len);
	buf_release(&b);
}

/* How the open folder is sorted and limited, for the status bar. */
static void
app_describe_order(const struct app *a, struct buf *b)
{
	static const char *const keys[] = { "arrival", "date", "from",
					    "subject", "size", "to" };
	const struct mailbox_opts *o = &a->opts;

	buf_addf(b, "by %s", keys[o->sort]);
	if (o->reverse)
		buf_adds(b, " rev");
	if (o->threaded)
		buf_adds(b, ", threads");
	if (o->limit == IMAP_LIMIT_UNSEEN)
		buf_adds(b, ", unread only");
	else if (o->limit == IMAP_LIMIT_FLAGGED)
		buf_adds(b, ", flagged only");
}

/* Appends a size given in KiB as "512K", "1.2M" or "3.4G". */
static void
app_add_kb(struct buf *b, uint64_t kb)
{
	if (kb < 1024)
		buf_addf(b, "%uK", (unsigned)kb);
	else if (kb < 10 * 1024)
		buf_addf(b, "%.1fM", (double)kb / 1024);
	else if (kb < 1024 * 1024)
		buf_addf(b, "%uM", (unsigned)(kb / 1024));
	else
		buf_addf(b, "%.1fG", (double)kb / (1024 * 1024));
}

/* The parts of the status bar's left side, in their order. */
enum app_part {
	APP_WHO,
	APP_UNREAD,
	APP_STATE,
	APP_BG,
	APP_QUOTA,
	APP_ORDER,
	APP_PARTS
};

/*
 * The last row: account, folder and position, connection state, quota
 * and order on the left (the last ones left out when the row is too
 * short); size and the help and quit keys on the right.
 */
static void
app_draw_status(struct app *a, int row, int rows, int cols)
{
	const struct imap_folder *f = session_current_folder(a);
	static const enum app_part drop[] = { APP_ORDER, APP_QUOTA, APP_UNREAD,
					      APP_BG };
	struct buf part[APP_PARTS], l = BUF_INIT, r = BUF_INIT;
	char key[32];
	size_t n, len = 0;
	int rw, i;

	for (i = 0; i < APP_PARTS; i++)
		buf_init(&part[i]);
	buf_addf(&part[APP_WHO], " %s  ", a->email.buf);
	buf_adds(&part[APP_WHO], f ? f->display
				   : a->folder.len ? a->folder.buf : "INBOX");
	if (a->mbox) {
		n = session_count(a);
		buf_addf(&part[APP_WHO], ": %zu/%zu", n ? a->cur + 1 : 0, n);
		if (f)
			buf_addf(&part[APP_UNREAD], " (%u unread)", f->unseen);
		buf_adds(&part[APP_ORDER], "  ");
		app_describe_order(a, &part[APP_ORDER]);
	} else {
		buf_adds(&part[APP_WHO], ": not available");
	}
	if (a->have_quota && a->quota_limit_kb > 0) {
		buf_adds(&part[APP_QUOTA], "  quota ");
		app_add_kb(&part[APP_QUOTA], a->quota_used_kb);
		buf_adds(&part[APP_QUOTA], " of ");
		app_add_kb(&part[APP_QUOTA], a->quota_limit_kb);
		buf_addf(&part[APP_QUOTA], " (%u%%)",
			 (unsigned)(a->quota_used_kb * 100 /
				    a->quota_limit_kb));
	}
	if (a->state == APP_ONLINE)
		buf_adds(&part[APP_STATE], "  online");
	else if (a->state == APP_RECONNECTING)
		buf_adds(&part[APP_STATE], "  reconnecting");
	else
		buf_adds(&part[APP_STATE], "  offline");
	if (a->bg_status.len)
		buf_addf(&part[APP_BG], "  %s", a->bg_status.buf);

	buf_addf(&r, "  %dx%d", cols, rows);
	if (app_key_for(a, app_top(a)->ops->ctx, REQ_HELP, key,
			sizeof(key)) == 0)
		buf_addf(&r, "  %s:help", key);
	if (app_key_for(a, app_top(a)->ops->ctx, REQ_QUIT, key,
			sizeof(key)) == 0)
		buf_addf(&r, " %s:quit", key);
	buf_addch(&r, ' ');
	rw = (int)r.len > cols ? cols : (int)r.len;
	for (i = 0; i < APP_PARTS; i++)
		len += part[i].len;
	/* Too long: the least needed parts go first. */
	for (i = 0; (int)len + rw > cols && i < (int)(sizeof(drop) / sizeof(drop[0])); i++) {
		len -= part[drop[i]].len;
		buf_reset(&part[drop[i]]);
	}
	for (i = 0; i < APP_PARTS; i++)
		buf_add(&l, part[i].buf, part[i].len);
	display_text_pad(row, 0, cols - rw, TH_STATUS, l.buf, l.len);
	display_text_pad(row, cols - rw, rw, TH_STATUS, r.buf, r.len);
	for (i = 0; i < APP_PARTS; i++)
		buf_release(&part[i]);
	buf_release(&l);
	buf_release(&r);
}

/* Draws the whole screen, without sending it to the terminal. */
void
app_draw(struct app *a)
{
	struct view *v = app_top(a);
	struct view_rect r;
	int rows, cols, sw;

	display_size(&rows, &cols);
	display_erase();
	if (rows < 1 || cols < 1 || !v)
		return;
	if (rows >= 4)
		app_draw_title(a, cols);
	r.row = rows >= 4 ? 1 : 0;
	r.rows = rows - r.row - (rows >= 3 ? 2 : 1);
	r.col = 0;
	r.cols = cols;
	if (r.rows > 0) {
		sw = v->ops->sidebar ? app_sidebar_width(a, cols) : 0;
		if (sw > 0) {
			struct view_rect s = { r.row, 0, r.rows, sw };

			view_folders_sidebar(a, &s);
			r.col = sw;
			r.cols = cols - sw;
		}
		v->ops->draw(a, v, &r);
	}
	if (rows >= 3)
		display_text_pad(rows - 2, 0, cols,
				 a->message_error ? TH_ERROR : TH_NORMAL,
				 a->message.buf, a->message.len);
	app_draw_status(a, rows - 1, rows, cols);
}

/*
 * Opens the composer for req: a new message, or a reply to (or forward
 * of) the message under the message list's cursor, which the pager
 * keeps on the message it shows.
 */
static void
app_compose(struct app *a, enum tui_request req)
{
	struct view_compose_arg arg = { VIEW_COMPOSE_NEW, NULL, 0, NULL };
	struct mailbox_row row;

	if (req != REQ_COMPOSE) {
		if (!a->mbox || session_row(a, a->cur, &row) < 0 || !row.uid) {
			app_error(a, "no message to %s", request_name(req));
			return;
		}
		arg.folder = a->folder.buf;
		arg.uid = row.uid;
		arg.mode = req == REQ_REPLY	  ? VIEW_COMPOSE_REPLY
			   : req == REQ_REPLY_ALL ? VIEW_COMPOSE_REPLY_ALL
						  : VIEW_COMPOSE_FORWARD;
	}
	app_push(a, &view_compose_ops, &arg);
}

/* The requests every view shares, when the view on top passes. */
static void
app_global(struct app *a, enum tui_request req)
{
	struct view *v = app_top(a);

	switch (req) {
	case REQ_QUIT:
		a->quit = 1;
		break;
	case REQ_BACK:
		if (a->n_views > 1)
			app_pop(a);
		else
			a->quit = 1;
		break;
	case REQ_HELP:
		if (v->ops != &view_help_ops) {
			enum keymap_ctx ctx = v->ops->ctx;

			app_push(a, &view_help_ops, &ctx);
		}
		break;
	case REQ_REDRAW:
		display_redraw();
		break;
	case REQ_CHANGE_FOLDER:
		if (v->ops != &view_folders_ops) {
			app_pop_to_root(a);
			app_push(a, &view_folders_ops, NULL);
		}
		break;
	case REQ_TOGGLE_SIDEBAR:
		a->sidebar = !a->sidebar;
		session_save_setting(a, "sidebar", a->sidebar);
		break;
	case REQ_REFRESH:
		session_refresh(a, 1);
		break;
	case REQ_COMPOSE:
	case REQ_REPLY:
	case REQ_REPLY_ALL:
	case REQ_FORWARD:
		app_compose(a, req);
		break;
	case REQ_SEARCH:
		app_push(a, &view_search_ops, NULL);
		break;
	case REQ_SETTINGS:
		if (v->ops != &view_settings_ops)
			app_push(a, &view_settings_ops, NULL);
		break;
	case REQ_ADMIN:
		if (v->ops != &view_admin_ops)
			app_push(a, &view_admin_ops, NULL);
		break;
	default:
		app_message(a, "%s: not available here", request_name(req));
		break;
	}
}

/*
 * A paste is text: only views that take text (their key hook) get it.
 * Elsewhere it is dropped whole, or a pasted "d" would delete. Esc ends
 * a paste whose end never comes. Returns 1 when key was dropped.
 */
static int
app_paste_dropped(struct app *a, int key)
{
	if (key == TK_PASTE_START)
		a->pasting = 1;
	else if (!a->pasting)
		return key == TK_PASTE_END; /* the end of a paste a view took */
	else if (key == TK_PASTE_END || key == TK_ESC)
		a->pasting = 0;
	app_message(a, "a paste goes only into text fields: it was ignored");
	return 1;
}

/* Handles one key typed in the view on top. */
static void
app_key(struct app *a, int key)
{
	struct view *v = app_top(a);
	enum tui_request req;
	char name[32], help[32];

	buf_reset(&a->message);
	a->message_error = 0;
	if (key == TK_RESIZE)
		return;
	if (v->ops->key && v->ops->key(a, v, key) == VIEW_DONE)
		return;
	if (app_paste_dropped(a, key))
		return;
	req = keymap_lookup(a->km, v->ops->ctx, key);
	if (req == REQ_NONE) {
		keymap_key_name(key, name, sizeof(name));
		if (app_key_for(a, v->ops->ctx, REQ_HELP, help,
				sizeof(help)) == 0)
			app_message(a, "'%s' is not bound; %s shows the keys",
				    name, help);
		else
			app_message(a, "'%s' is not bound", name);
		return;
	}
	if (v->ops->request(a, v, req) == VIEW_PASS)
		app_global(a, req);
}

/* A monotonic clock in milliseconds. */
static long
app_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Runs the session's screen until the user quits, the terminal hangs up
 * or a signal sets *a->stop: the message list of the open folder first.
 * Returns 0 when the user quit, -1 otherwise.
 */
int
app_run(struct app *a)
{
	struct view *v;
	long last_key = app_now_ms(), quiet;
	int k, fd, wait, busy = 1;

	/* The list may be up already: session_start() drew a preview. */
	if (a->n_views == 0 && app_push(a, &view_index_ops, NULL) < 0)
		return -1;
	while (!a->quit && !a->hangup && !*a->stop) {
		app_draw(a);
		display_refresh();
		v = app_top(a);
		if (v->ops->idle)
			v->ops->idle(a, v);
		wait = session_timeout_ms(a);
		fd = -1;
		/*
		 * Background work a slice at a time, and only once the keys
		 * have paused: a run of page-downs never waits for a slice.
		 */
		quiet = app_now_ms() - last_key;
		if (quiet >= APP_BACKGROUND_QUIET_MS)
			busy = background_step(a, APP_BACKGROUND_MS);
		if (busy && quiet >= APP_BACKGROUND_QUIET_MS)
			wait = 0;
		else if (busy)
			wait = (int)(APP_BACKGROUND_QUIET_MS - quiet);
		else
			wait = background_wait_ms(a, wait);
		if (!busy && app_now_ms() - last_key >= APP_IDLE_AFTER_MS)
			fd = session_idle_begin(a);
		if (fd < 0 && (wait < 0 || wait > APP_IDLE_AFTER_MS))
			wait = APP_IDLE_AFTER_MS;
		if (v->ops->wake_ms) {
			int w = v->ops->wake_ms(a, v);

			if (w >= 0 && (wait < 0 || w < wait))
				wait = w;
		}
		k = display_key(wait, fd);
		if (a->idling)
			session_idle_end(a);
		if (k >= 0) {
			last_key = app_now_ms();
			app_key(a, k);
		} else if (k == DISPLAY_HANGUP) {
			a->hangup = 1;
		}
		session_tick(a);
	}
	return a->quit ? 0 : -1;
}
