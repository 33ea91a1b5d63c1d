/*
 * view_search.c: search results across folders, and the saved searches
 * (issue 6).
 *
 * '/' asks for a notmuch query (Up and Down recall the earlier ones,
 * kept in the settings store as "search-history"); the results are a
 * message list over every folder, newest first: flags, date, sender,
 * subject and folder, with format.c's columns. They come from the
 * user's index (background.c keeps it); while the index does not hold
 * all of the open folder yet, or there is none, the open folder is
 * searched with IMAP SEARCH instead, and the view says so. When the
 * index changes (new mail, a message moved elsewhere) the query runs
 * again, the cursor staying on its message.
 *
 * A result names its folder and UID: Enter opens that folder as the
 * current one with the cursor on the message and shows it in the pager
 * (q comes back here); flag, read, delete (to Trash) and move act on it
 * over IMAP the same way and update the row.
 *
 * Saved searches are "name<TAB>query" lines of the setting
 * "saved-searches"; the folder list shows them under the folders and
 * opens one by running its query (this view's open() with the query as
 * arg).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tui/app.h"
#include "tui/display.h"
#include "tui/format.h"
#include "tui/text.h"
#include "util/log.h"
#include "util/sanitize.h"

#define RESULTS_PAGE 200     /* hits read from the index at a time */
#define RESULTS_IMAP_MAX 500 /* the newest IMAP SEARCH hits listed */
#define RESULTS_LABEL "Search: "
#define RESULTS_HISTORY_KEY "search-history"
#define RESULTS_HISTORY_MAX 50
#define RESULTS_SAVED_KEY "saved-searches"

/* One message found; strings owned, UTF-8, not sanitised. */
struct result {
	char *folder; /* server name */
	char *who;    /* the sender column */
	char *subject;
	char *message_id; /* "" when not known */
	uint32_t uid;	  /* 0: not numbered yet */
	uint32_t flags;	  /* enum imap_flag */
	int64_t date;
};

struct results_priv {
	struct buf query;
	struct result *v; /* owned */
	size_t n, alloc;
	unsigned total;	  /* messages the query matches */
	int imap;	  /* from IMAP SEARCH on the open folder */
	struct buf where; /* that folder's name, for the header */
	size_t cur, top;
	int page;	  /* rows on screen at the last draw */
	unsigned changes; /* background_changes() at the last run */
};

static const struct view_hint results_hints[] = {
	{ REQ_BACK, NULL },	     { REQ_OPEN, "Open" },
	{ REQ_DELETE, "Del" },	     { REQ_MOVE, "Move" },
	{ REQ_FLAG, "Flag" },	     { REQ_SEARCH, "New search" },
	{ REQ_SAVE_SEARCH, "Save" }, { REQ_HELP, "Help" },
	{ REQ_NONE, NULL },
};

/* Whether two server names are the same folder (INBOX in any case). */
static int
results_same_folder(const char *x, const char *y)
{
	if (!strcasecmp(x, "INBOX") && !strcasecmp(y, "INBOX"))
		return 1;
	return !strcmp(x, y);
}

/* The name of folder (server name) as the folder list shows it. */
static char *
results_folder_name(struct app *a, const char *folder)
{
	size_t i;
	char *s;

	for (i = 0; i < a->n_folders; i++)
		if (results_same_folder(a->folders[i].name, folder))
			return xstrdup(a->folders[i].display);
	s = imap_utf7_to_utf8(folder);
	return s ? s : xstrdup(folder);
}

/* ---- Saved searches and the query history, in the settings store. */

/* Frees the n saved searches of s. */
void
view_search_saved_free(struct view_saved_search *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(s[i].name);
		free(s[i].query);
	}
	free(s);
}

/*
 * The saved searches, in the order saved, into *out (n of them, the
 * caller frees them with view_search_saved_free()). None without a
 * settings store. Returns 0 or -1.
 */
int
view_search_saved(struct app *a, struct view_saved_search **out, size_t *n)
{
	struct view_saved_search *v = NULL;
	struct buf b = BUF_INIT;
	char *line, *next, *tab;
	size_t len = 0;

	*out = NULL;
	*n = 0;
	if (!a->cache)
		return 0;
	if (cache_setting_get(a->cache, RESULTS_SAVED_KEY, &b) < 0) {
		buf_release(&b);
		return -1;
	}
	for (line = b.buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		tab = strchr(line, '\t');
		if (!tab || tab == line)
			continue;
		*tab = '\0';
		v = reallocarray(v, len + 1, sizeof(*v));
		if (!v)
			fatal("out of memory");
		v[len].name = xstrdup(line);
		v[len].query = xstrdup(tab + 1);
		len++;
	}
	buf_release(&b);
	*out = v;
	*n = len;
	return 0;
}

/*
 * Writes the n saved searches of v, leaving out the one called skip
 * (NULL: none), then adds name and query when name is not NULL.
 * Returns 0 or -1.
 */
static int
results_saved_write(struct app *a, const struct view_saved_search *v, size_t n,
		    const char *skip, const char *name, const char *query)
{
	struct buf b = BUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if (!skip || strcmp(v[i].name, skip))
			buf_addf(&b, "%s\t%s\n", v[i].name, v[i].query);
	if (name)
		buf_addf(&b, "%s\t%s\n", name, query);
	rc = cache_setting_set(a->cache, RESULTS_SAVED_KEY, b.buf);
	buf_release(&b);
	return rc;
}

/*
 * Saves query as name (replacing a search of that name). Returns 0 or
 * -1 with err_msg() set.
 */
int
view_search_save(struct app *a, const char *name, const char *query)
{
	struct view_saved_search *v;
	size_t n;
	int rc;

	if (!a->cache)
		return err_set("no settings store: searches cannot be saved");
	if (strpbrk(name, "\t\n") || strpbrk(query, "\t\n"))
		return err_set("a saved search cannot hold tabs or newlines");
	if (view_search_saved(a, &v, &n) < 0)
		return -1;
	rc = results_saved_write(a, v, n, name, name, query);
	view_search_saved_free(v, n);
	return rc;
}

/* Forgets the saved search called name. Returns 0 or -1. */
int
view_search_unsave(struct app *a, const char *name)
{
	struct view_saved_search *v;
	size_t n;
	int rc;

	if (!a->cache)
		return err_set("no settings store");
	if (view_search_saved(a, &v, &n) < 0)
		return -1;
	rc = results_saved_write(a, v, n, name, NULL, NULL);
	view_search_saved_free(v, n);
	return rc;
}

/* Puts the stored queries into the prompt's history, once a session. */
static void
results_history_load(struct app *a)
{
	struct buf b = BUF_INIT;
	char *line, *nl;
	size_t n = 0, i;
	char **lines = NULL;

	if (!a->cache || prompt_history_entry(RESULTS_LABEL, 0) ||
	    cache_setting_get(a->cache, RESULTS_HISTORY_KEY, &b) < 0 ||
	    !b.len) {
		buf_release(&b);
		return;
	}
	/* Stored newest first; added oldest first, so the newest ends on top.
	 */
	for (line = b.buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		lines = reallocarray(lines, n + 1, sizeof(*lines));
		if (!lines)
			fatal("out of memory");
		lines[n++] = line;
	}
	for (i = n; i > 0; i--)
		prompt_history_add(RESULTS_LABEL, lines[i - 1]);
	free(lines);
	buf_release(&b);
}

/* Stores the prompt's history of queries, newest first. */
static void
results_history_save(struct app *a)
{
	struct buf b = BUF_INIT;
	const char *e;
	size_t i;

	if (!a->cache)
		return;
	for (i = 0; i < RESULTS_HISTORY_MAX &&
		    (e = prompt_history_entry(RESULTS_LABEL, i)) != NULL;
	     i++)
		buf_addf(&b, "%s\n", e);
	if (cache_setting_set(a->cache, RESULTS_HISTORY_KEY, b.buf) < 0)
		log_warn("cannot save the search history: %s", err_msg());
	buf_release(&b);
}

/* ---- Running a query. */

/* Frees the strings of the n results of v. */
static void
results_free_rows(struct result *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].folder);
		free(v[i].who);
		free(v[i].subject);
		free(v[i].message_id);
	}
}

/* Empties the list. */
static void
results_clear(struct results_priv *p)
{
	results_free_rows(p->v, p->n);
	p->n = 0;
	p->total = 0;
}

/* A new row at the end of the list, zeroed. */
static struct result *
results_add(struct results_priv *p)
{
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 64;
		p->v = reallocarray(p->v, p->alloc, sizeof(*p->v));
		if (!p->v)
			fatal("out of memory");
	}
	memset(&p->v[p->n], 0, sizeof(*p->v));
	return &p->v[p->n++];
}

/* The sender column of a decoded From: its name, or its address. */
static char *
results_who(const char *from)
{
	struct buf b = BUF_INIT;

	fmt_address(&b, from ? from : "");
	return buf_detach(&b, NULL);
}

/* A header decoded (RFC 2047); the raw text when that fails. */
static char *
results_decode(const char *raw)
{
	char *s = mime_decode_header(raw ? raw : "");

	return s ? s : xstrdup(raw);
}

/*
 * Appends the index's hits from offset p->n on, RESULTS_PAGE of them.
 * Returns 0 or -1 with err_msg() set.
 */
static int
results_more(struct app *a, struct results_priv *p)
{
	struct search_hit *h;
	struct result *r;
	size_t n, i;

	if (p->imap || !a->search || p->n >= p->total)
		return 0;
	if (search_query(a->search, p->query.buf, p->n, RESULTS_PAGE, &h, &n) <
	    0)
		return -1;
	for (i = 0; i < n; i++) {
		r = results_add(p);
		r->folder = xstrdup(h[i].folder);
		r->who = results_who(h[i].from);
		r->subject = xstrdup(h[i].subject);
		r->message_id = xstrdup(h[i].message_id);
		r->uid = h[i].uid;
		r->flags = h[i].flags;
		r->date = h[i].date;
	}
	search_hits_free(h, n);
	if (n == 0)
		p->total = (unsigned)p->n;
	return 0;
}

/* Orders results newest first, then by UID down. */
static int
results_cmp(const void *x, const void *y)
{
	const struct result *r = x, *s = y;

	if (r->date != s->date)
		return r->date > s->date ? -1 : 1;
	return r->uid > s->uid ? -1 : r->uid < s->uid;
}

/*
 * Searches the open folder with IMAP SEARCH: the newest
 * RESULTS_IMAP_MAX hits, their envelopes fetched. Returns 0 or -1 with
 * the reason on the message line.
 */
static int
results_run_imap(struct app *a, struct results_priv *p)
{
	struct buf crit = BUF_INIT;
	struct imap_envelope *env = NULL;
	uint32_t *uids = NULL;
	size_t n = 0, k = 0, i;
	struct result *r;
	char *from;
	int rc = -1;

	p->imap = 1;
	buf_reset(&p->where);
	buf_adds(&p->where, a->folder.buf);
	if (!session_online(a))
		goto out;
	if (!a->mbox) {
		app_error(a, "no folder open to search on the server");
		goto out;
	}
	if (search_imap_criteria(p->query.buf, &crit) < 0) {
		app_error(a, "the server cannot search that: %s", err_msg());
		goto out;
	}
	if (imap_search(a->conn, crit.buf, &uids, &n) < 0) {
		session_fail(a, "cannot search on the server");
		goto out;
	}
	p->total = (unsigned)n;
	k = n < RESULTS_IMAP_MAX ? n : RESULTS_IMAP_MAX;
	if (k) {
		env = calloc(k, sizeof(*env));
		if (!env)
			fatal("out of memory");
		if (imap_fetch_envelopes(a->conn, uids + (n - k), k, env) < 0) {
			session_fail(a, "cannot fetch the messages found");
			goto out;
		}
	}
	for (i = 0; i < k; i++) {
		if (!env[i].uid)
			continue;
		r = results_add(p);
		r->folder = xstrdup(a->folder.buf);
		r->subject = results_decode(env[i].subject);
		from = results_decode(env[i].from);
		r->who = results_who(from);
		free(from);
		r->message_id = xstrdup(env[i].message_id);
		r->uid = env[i].uid;
		r->flags = env[i].flags;
		r->date = env[i].date ? env[i].date : env[i].arrival;
		imap_envelope_clear(&env[i]);
	}
	if (p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), results_cmp);
	rc = 0;
out:
	if (env && rc < 0)
		for (i = 0; i < k; i++)
			imap_envelope_clear(&env[i]);
	free(env);
	free(uids);
	buf_release(&crit);
	return rc;
}

/* Whether the index can answer for the open folder now. */
static int
results_index_ready(struct app *a)
{
	return a->search &&
	       search_folder_complete(a->search,
				      a->folder.len ? a->folder.buf : "INBOX");
}

/*
 * Whether query is one only the index can answer (folder:, path:, a tag
 * that is no flag...): then a partial index beats no answer at all.
 */
static int
results_index_only(const char *query)
{
	struct buf b = BUF_INIT;
	int r = search_imap_criteria(query, &b) < 0;

	buf_release(&b);
	return r;
}

/*
 * Runs the query again, the cursor staying on the message it was on
 * (else on the same row). say: tell how many matched on the message
 * line. Returns 0 or -1.
 */
static int
results_run(struct app *a, struct results_priv *p, int say)
{
	struct result *old = p->cur < p->n ? &p->v[p->cur] : NULL;
	char *keep_folder = NULL, *keep_id = NULL, *where;
	uint32_t keep_uid = 0;
	size_t old_cur = p->cur, old_n = p->n, i;
	int rc = 0;

	if (old) {
		keep_folder = xstrdup(old->folder);
		keep_id = xstrdup(old->message_id);
		keep_uid = old->uid;
	}
	results_clear(p);
	p->changes = background_changes(a);
	if (results_index_ready(a) ||
	    (a->search && results_index_only(p->query.buf))) {
		p->imap = 0;
		/* As many rows as before: the cursor stays where it was. */
		rc = search_count(a->search, p->query.buf, &p->total);
		if (rc == 0)
			do
				rc = results_more(a, p);
			while (rc == 0 && p->n < old_n && p->n < p->total);
		if (rc < 0) {
			app_error(a, "%s", err_msg());
			rc = -1;
		} else if (say && !results_index_ready(a)) {
			app_message(a,
				    "%u found; the index is not complete "
				    "yet: some may be missing",
				    p->total);
		} else if (say) {
			app_message(a, "%u message%s found", p->total,
				    p->total == 1 ? "" : "s");
		}
	} else {
		rc = results_run_imap(a, p);
		if (rc == 0 && say) {
			where = results_folder_name(a, p->where.buf);
			app_message(a,
				    "%s: searched %s on the server (%u found)",
				    a->search ? "the index is not complete yet"
					      : "no search index",
				    where, p->total);
			free(where);
		}
	}
	p->cur = old_cur < p->n ? old_cur : p->n ? p->n - 1 : 0;
	for (i = 0; old && i < p->n; i++)
		if ((*keep_id && !strcmp(p->v[i].message_id, keep_id)) ||
		    (p->v[i].uid == keep_uid &&
		     !strcmp(p->v[i].folder, keep_folder))) {
			p->cur = i;
			break;
		}
	free(keep_folder);
	free(keep_id);
	return rc;
}

/* ---- Drawing. */

/* Appends the sanitised s padded or clipped to cols columns. */
static void
results_col(struct buf *line, const char *s, int cols, enum text_align al)
{
	struct buf t = BUF_INIT;

	san_text(&t, s, strlen(s), 0);
	text_pad(line, t.buf, t.len, cols, al);
	buf_release(&t);
}

/* The look of a row: the cursor, then deleted, flagged, unread. */
static enum theme_element
results_element(const struct result *r, int current)
{
	if (current)
		return TH_INDICATOR;
	if (r->flags & IMAP_FLAG_DELETED)
		return TH_DELETED;
	if (r->flags & IMAP_FLAG_FLAGGED)
		return TH_FLAGGED;
	if (!(r->flags & IMAP_FLAG_SEEN))
		return TH_UNREAD;
	return TH_NORMAL;
}

/* The header row: how many matched, where, and the query. */
static void
results_draw_header(struct app *a, struct results_priv *p,
		    const struct view_rect *r)
{
	struct buf b = BUF_INIT;
	char *where;

	if (p->imap) {
		where = results_folder_name(a, p->where.buf);
		buf_addf(&b, "%u found in %s by IMAP SEARCH (%s): %s", p->total,
			 where, a->search ? "index not complete" : "no index",
			 p->query.buf);
		free(where);
	} else {
		buf_addf(&b, "%u %s: %s", p->total,
			 p->total == 1 ? "message matches" : "messages match",
			 p->query.buf);
	}
	display_text_pad(r->row, r->col, r->cols, TH_STATUS, b.buf, b.len);
	buf_release(&b);
}

/* Draws the header and the rows around the cursor in r. */
static void
results_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	struct results_priv *p = v->priv;
	struct fmt_columns c;
	struct buf line = BUF_INIT;
	time_t now = time(NULL);
	char f[8], date[32];
	char *where;
	int rows = r->rows - 1, y, fw;
	size_t i;

	/*
	 * The index moved on: run the query again, from the index only
	 * (never a server round trip from inside a draw).
	 */
	if (p->changes != background_changes(a) &&
	    (results_index_ready(a) ||
	     (a->search && results_index_only(p->query.buf))))
		results_run(a, p, 0);
	if (r->rows < 1)
		return;
	results_draw_header(a, p, r);
	if (p->n == 0) {
		display_text(r->row + 1, r->col, r->cols, TH_NORMAL,
			     "No messages.", strlen("No messages."));
		return;
	}
	p->page = rows > 0 ? rows : 1;
	if (p->cur >= p->n)
		p->cur = p->n - 1;
	if (p->top > p->cur)
		p->top = p->cur;
	if (rows > 0 && p->cur >= p->top + (size_t)rows)
		p->top = p->cur - (size_t)rows + 1;
	fw = r->cols >= 80 ? 16 : r->cols >= 60 ? 10 : 0;
	fmt_columns(r->cols, &c);
	c.subject_w = r->cols - c.subject_col - (fw ? fw + 1 : 0);
	if (c.subject_w < 0)
		c.subject_w = 0;
	for (y = 0; y < rows; y++) {
		const struct result *res;

		i = p->top + (size_t)y;
		if (i >= p->n)
			break;
		res = &p->v[i];
		buf_reset(&line);
		fmt_flags(f, sizeof(f), res->flags);
		fmt_date(date, sizeof(date), res->date, now);
		results_col(&line, f, c.flags_w, TEXT_LEFT);
		buf_addch(&line, ' ');
		results_col(&line, date, c.date_w, TEXT_LEFT);
		buf_addch(&line, ' ');
		results_col(&line, res->who, c.from_w, TEXT_LEFT);
		buf_addch(&line, ' ');
		results_col(&line, res->subject, c.subject_w, TEXT_LEFT);
		if (fw) {
			where = results_folder_name(a, res->folder);
			buf_addch(&line, ' ');
			results_col(&line, where, fw, TEXT_LEFT);
			free(where);
		}
		display_text_pad(r->row + 1 + y, r->col, r->cols,
				 results_element(res, i == p->cur), line.buf,
				 line.len);
	}
	buf_release(&line);
}

/* ---- Acting on a result. */

/*
 * Makes the result's folder the open one and finds its row there, into
 * *row. Returns 0, or -1 with the reason on the message line.
 */
static int
results_locate(struct app *a, const struct result *r, size_t *row)
{
	if (!r->uid) {
		app_error(a, "this message is not numbered by the server yet");
		return -1;
	}
	if (!session_online(a))
		return -1;
	if ((!a->mbox || !results_same_folder(a->folder.buf, r->folder)) &&
	    session_open_folder(a, r->folder) < 0)
		return -1;
	if (!a->mbox || mailbox_find_uid(a->mbox, r->uid, row) < 0) {
		app_error(a, "the message is no longer in that folder");
		return -1;
	}
	return 0;
}

/* Drops row i of the list (the message went to another folder). */
static void
results_remove(struct results_priv *p, size_t i)
{
	results_free_rows(&p->v[i], 1);
	memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(*p->v));
	p->n--;
	if (p->total)
		p->total--;
	if (p->cur >= p->n && p->cur)
		p->cur--;
}

/* Opens the result under the cursor in the pager. */
static void
results_open_message(struct app *a, struct results_priv *p)
{
	struct result *r;
	size_t row;

	if (p->cur >= p->n)
		return;
	r = &p->v[p->cur];
	if (results_locate(a, r, &row) < 0)
		return;
	a->cur = row;
	if (app_push(a, &view_pager_ops, NULL) == 0)
		r->flags |= IMAP_FLAG_SEEN;
}

/* Sets or clears flag on the result under the cursor, as it is not. */
static void
results_toggle(struct app *a, struct results_priv *p, uint32_t flag)
{
	struct result *r;
	size_t row;
	int add;

	if (p->cur >= p->n)
		return;
	r = &p->v[p->cur];
	add = !(r->flags & flag);
	if (results_locate(a, r, &row) < 0 ||
	    session_set_flags(a, row, flag, add) < 0)
		return;
	if (add)
		r->flags |= flag;
	else
		r->flags &= ~flag;
	background_poke(a, r->folder);
}

/*
 * Moves the result under the cursor to dest (a server name), or to
 * Trash when dest is NULL; where there is no Trash, or it is there
 * already, it is marked deleted instead.
 */
static void
results_move(struct app *a, struct results_priv *p, const char *dest)
{
	const struct imap_folder *trash =
	    session_special(a, IMAP_SPECIAL_TRASH);
	struct buf to = BUF_INIT, from = BUF_INIT;
	struct result *r;
	size_t row;

	if (p->cur >= p->n)
		return;
	r = &p->v[p->cur];
	if (!dest && (!trash || results_same_folder(trash->name, r->folder))) {
		if (results_locate(a, r, &row) == 0 &&
		    session_set_flags(a, row, IMAP_FLAG_DELETED, 1) == 0) {
			r->flags |= IMAP_FLAG_DELETED;
			background_poke(a, r->folder);
		}
		return;
	}
	buf_adds(&to, dest ? dest : trash->name);
	buf_adds(&from, r->folder);
	if (results_locate(a, r, &row) == 0 &&
	    session_copy(a, row, to.buf, 1) == 0) {
		results_remove(p, p->cur);
		background_poke(a, from.buf);
		background_poke(a, to.buf);
	}
	buf_release(&to);
	buf_release(&from);
}

/* Asks for a folder and moves the result under the cursor there. */
static void
results_move_ask(struct app *a, struct results_priv *p)
{
	struct buf dest = BUF_INIT;
	size_t f;

	if (p->cur >= p->n)
		return;
	if (prompt_folder(a, "Move to folder", &f) < 0)
		return;
	buf_adds(&dest, a->folders[f].name);
	if (results_same_folder(dest.buf, p->v[p->cur].folder))
		app_error(a, "the message is in that folder already");
	else
		results_move(a, p, dest.buf);
	buf_release(&dest);
}

/* Asks for a name and saves the query under it. */
static void
results_save(struct app *a, struct results_priv *p)
{
	struct buf name = BUF_INIT;

	if (prompt_text(a, "Save search as: ", &name) == 0 && name.len) {
		if (view_search_save(a, name.buf, p->query.buf) < 0)
			app_error(a, "cannot save the search: %s", err_msg());
		else
			app_message(a,
				    "search saved as '%s': it is in the "
				    "folder list",
				    name.buf);
	}
	buf_release(&name);
}

/*
 * Asks for a query (Up and Down for the earlier ones) into q. Returns 0,
 * or -1 when cancelled or empty.
 */
static int
results_ask(struct app *a, struct buf *q)
{
	results_history_load(a);
	buf_reset(q);
	if (prompt_text(a, RESULTS_LABEL, q) < 0)
		return -1;
	buf_rtrim(q);
	if (!q->len)
		return -1;
	results_history_save(a);
	return 0;
}

/* Handles the results' requests. Returns an enum view_result. */
static int
results_request(struct app *a, struct view *v, enum tui_request req)
{
	struct results_priv *p = v->priv;
	size_t page = p->page > 1 ? (size_t)p->page - 1 : 1;
	struct buf q = BUF_INIT;

	switch (req) {
	case REQ_MOVE_DOWN:
		if (p->cur + 1 >= p->n)
			results_more(a, p);
		if (p->cur + 1 < p->n)
			p->cur++;
		else
			app_message(a, "you are on the last message");
		break;
	case REQ_MOVE_UP:
		if (p->cur > 0)
			p->cur--;
		else
			app_message(a, "you are on the first message");
		break;
	case REQ_PAGE_DOWN:
		if (p->cur + page >= p->n)
			results_more(a, p);
		p->cur = p->cur + page < p->n ? p->cur + page
			 : p->n		      ? p->n - 1
					      : 0;
		p->top = p->cur;
		break;
	case REQ_PAGE_UP:
		p->cur = p->cur > page ? p->cur - page : 0;
		p->top = p->cur;
		break;
	case REQ_FIRST:
		p->cur = 0;
		break;
	case REQ_LAST:
		while (p->n < p->total && p->n < 10 * RESULTS_PAGE) {
			size_t before = p->n;

			if (results_more(a, p) < 0 || p->n == before)
				break;
		}
		p->cur = p->n ? p->n - 1 : 0;
		break;
	case REQ_OPEN:
		results_open_message(a, p);
		break;
	case REQ_FLAG:
		results_toggle(a, p, IMAP_FLAG_FLAGGED);
		break;
	case REQ_TOGGLE_READ:
		results_toggle(a, p, IMAP_FLAG_SEEN);
		break;
	case REQ_DELETE:
		results_move(a, p, NULL);
		break;
	case REQ_MOVE:
		results_move_ask(a, p);
		break;
	case REQ_SAVE_SEARCH:
		results_save(a, p);
		break;
	case REQ_SEARCH:
		if (results_ask(a, &q) == 0) {
			buf_reset(&p->query);
			buf_add(&p->query, q.buf, q.len);
			p->cur = p->top = 0;
			results_clear(p);
			results_run(a, p, 1);
		}
		break;
	case REQ_REFRESH:
		background_poke(a, NULL);
		results_run(a, p, 1);
		break;
	default:
		buf_release(&q);
		return VIEW_PASS;
	}
	buf_release(&q);
	return VIEW_DONE;
}

/*
 * Opens the results of the query arg (a saved search's), or of one
 * asked for when arg is NULL. Returns 0, or -1 (cancelled, or the query
 * failed) with err_msg() set.
 */
static int
results_open(struct app *a, struct view *v, const void *arg)
{
	struct results_priv *p = calloc(1, sizeof(*p));

	if (!p)
		fatal("out of memory");
	buf_init(&p->query);
	buf_init(&p->where);
	v->priv = p;
	if (arg) {
		buf_adds(&p->query, arg);
	} else if (results_ask(a, &p->query) < 0) {
		return err_set("search cancelled");
	}
	if (results_run(a, p, 1) < 0)
		return err_set("%s", a->message.buf);
	return 0;
}

/* Frees the results. */
static void
results_done(struct app *a, struct view *v)
{
	struct results_priv *p = v->priv;

	(void)a;
	if (!p)
		return;
	results_clear(p);
	free(p->v);
	buf_release(&p->query);
	buf_release(&p->where);
	free(p);
	v->priv = NULL;
}

const struct view_ops view_search_ops = {
	.name = "search",
	.ctx = KM_INDEX,
	.hints = results_hints,
	.open = results_open,
	.draw = results_draw,
	.request = results_request,
	.done = results_done,
};
