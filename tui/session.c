/*
 * session.c: the mail session under the views (see app.h): the IMAP
 * connection and its login, the folder list with its counts, the open
 * folder (a struct mailbox of index/), the actions on messages and
 * folders, new mail (IDLE on the open folder, STATUS polling for the
 * others) and reconnecting with backoff when the connection is lost.
 *
 * The password: in door mode it is asked of the door again for each
 * login (door_hello) and wiped at once; in local mode it stays in
 * a->pass, wiped by app_release().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "tui/app.h"
#include "tui/display.h"
#include "util/door_proto.h"
#include "util/log.h"

#define SESSION_POLL_S 60	 /* STATUS of the other folders */
#define SESSION_BACKOFF_MAX 30 /* seconds between reconnection tries */

/* Where each special folder goes in the folder list. */
static int
session_rank(int special)
{
	switch (special) {
	case IMAP_SPECIAL_INBOX:
		return 0;
	case IMAP_SPECIAL_DRAFTS:
		return 1;
	case IMAP_SPECIAL_SENT:
		return 2;
	case IMAP_SPECIAL_ARCHIVE:
		return 3;
	case IMAP_SPECIAL_JUNK:
		return 4;
	case IMAP_SPECIAL_TRASH:
		return 5;
	default:
		return 10;
	}
}

/* Orders the folder list for qsort(): special folders first, then by name. */
static int
session_folder_cmp(const void *pa, const void *pb)
{
	const struct imap_folder *a = pa, *b = pb;
	int ra = session_rank(a->special), rb = session_rank(b->special);

	if (ra != rb)
		return ra - rb;
	return strcasecmp(a->display, b->display);
}

/* Returns 1 when two server names are the same folder (INBOX in any case). */
static int
session_same_folder(const char *a, const char *b)
{
	if (!strcasecmp(a, "INBOX") && !strcasecmp(b, "INBOX"))
		return 1;
	return !strcmp(a, b);
}

/* The folder list's entry for the open folder, or NULL. */
const struct imap_folder *
session_current_folder(const struct app *a)
{
	size_t i;

	for (i = 0; i < a->n_folders; i++)
		if (session_same_folder(a->folders[i].name, a->folder.buf))
			return &a->folders[i];
	return NULL;
}

/* The first folder of a special kind (enum imap_special), or NULL. */
const struct imap_folder *
session_special(const struct app *a, int special)
{
	size_t i;

	for (i = 0; i < a->n_folders; i++)
		if (a->folders[i].special == special)
			return &a->folders[i];
	return NULL;
}

/* The folder list's entry for name (borrowed), or NULL. */
static struct imap_folder *
session_folder_mut(struct app *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n_folders; i++)
		if (session_same_folder(a->folders[i].name, name))
			return &a->folders[i];
	return NULL;
}

/* Returns the rows of the open folder, 0 without one. */
size_t
session_count(struct app *a)
{
	return a->mbox ? mailbox_count(a->mbox) : 0;
}

/* Row i of the open folder into *row; -1 when there is none. */
int
session_row(struct app *a, size_t i, struct mailbox_row *row)
{
	if (!a->mbox || i >= mailbox_count(a->mbox))
		return -1;
	return mailbox_row(a->mbox, i, row);
}

/* The UID under the cursor, 0 when there is none. */
static uint32_t
session_cur_uid(struct app *a)
{
	struct mailbox_row r;

	return session_row(a, a->cur, &r) == 0 ? r.uid : 0;
}

/* Puts the cursor back on uid, or as near to where it was as can be. */
static void
session_restore(struct app *a, uint32_t uid, size_t old)
{
	size_t n = session_count(a), i;

	if (uid && a->mbox && mailbox_find_uid(a->mbox, uid, &i) == 0) {
		a->cur = i;
		return;
	}
	a->cur = n == 0 ? 0 : old < n ? old : n - 1;
}

/*
 * Says whether the session can talk to the server; when it cannot, says
 * so on the message line.
 */
int
session_online(struct app *a)
{
	if (a->state == APP_ONLINE && a->conn)
		return 1;
	if (a->state == APP_RECONNECTING)
		app_error(a, "not connected to the IMAP server: reconnecting");
	else
		app_error(a, "not connected to the IMAP server (%s to retry)",
			  "refresh");
	return 0;
}

/* The connection is gone: keep what is on screen and start retrying. */
static void
session_lost(struct app *a, const char *why)
{
	log_warn("imap connection lost: %s", why);
	a->idling = 0;
	a->state = APP_RECONNECTING;
	a->backoff = 1;
	a->next_retry = time(NULL) + a->backoff;
	app_error(a, "connection to the IMAP server lost (%s): reconnecting",
		  why);
}

/*
 * After an IMAP call failed: tells a lost connection (a NOOP fails too)
 * from a refusal, and shows which. Returns -1.
 */
int
session_fail(struct app *a, const char *what)
{
	char why[512];

	snprintf(why, sizeof(why), "%s", err_msg());
	if (a->state == APP_ONLINE && a->conn) {
		a->idling = 0;
		/* Not imap_noop(): its EXPUNGE count is mailbox_refresh()'s. */
		if (imap_alive(a->conn) < 0) {
			session_lost(a, why);
			return -1;
		}
	}
	app_error(a, "%s: %s", what, why);
	return -1;
}

/*
 * Opens a new IMAP connection of the account, logged in, into *out (the
 * session's own, or the search mirror's). pass is the password when the
 * caller has it; NULL asks the door again (door mode) or takes a->pass.
 * Returns 0, or -1 with err_msg() set.
 */
int
session_login(struct app *a, const char *pass, struct imap_conn **out)
{
	struct imap_params p = { 0 };
	struct door_session s;
	struct imap_conn *c = NULL;
	int rc = -1;

	*out = NULL;
	door_session_init(&s);
	if (!pass && a->door) {
		if (door_hello(DOOR_FD, &s) < 0) {
			err_prefix("cannot ask the door for the login");
			goto out;
		}
		pass = s.imap_pass.buf;
	} else if (!pass) {
		pass = a->pass.buf;
	}
	p.host = a->imap_host.buf;
	p.port = a->imap_port;
	p.security = a->imap_security;
	p.verify_cert = a->imap_verify;
	p.ca_file = a->imap_ca_file.buf;
	p.client_addr = a->client_addr.len ? a->client_addr.buf : NULL;
	if (imap_open(&c, &p) < 0)
		goto out;
	if (imap_login(c, a->imap_user.buf, pass) < 0) {
		imap_close(c);
		goto out;
	}
	*out = c;
	rc = 0;
out:
	buf_release_secret(&s.imap_pass);
	door_session_release(&s);
	return rc;
}

/* Connects and logs in, into a->conn (see session_login()). */
static int
session_connect(struct app *a, const char *pass)
{
	if (session_login(a, pass, &a->conn) < 0)
		return -1;
	a->can_idle = imap_has_capability(a->conn, "IDLE");
	return 0;
}

/* Lists the folders again, special ones first. Returns 0 or -1. */
static int
session_list(struct app *a)
{
	struct imap_folder *f;
	size_t n;

	if (imap_list_folders(a->conn, &f, &n) < 0)
		return session_fail(a, "cannot list the folders");
	qsort(f, n, sizeof(*f), session_folder_cmp);
	imap_folders_free(a->folders, a->n_folders);
	a->folders = f;
	a->n_folders = n;
	return 0;
}

/*
 * Door mode: tells the door the mailbox usage GETQUOTAROOT reported, for
 * the admin pane; once a session start and again when it changes. A door
 * that cannot store it is only logged: reading mail goes on.
 */
static void
session_usage(struct app *a)
{
	struct door_req r;

	if (!a->door || !a->have_quota || a->usage_sent)
		return;
	door_req_init(&r, DOOR_USAGE);
	r.u[0] = a->quota_used_kb * 1024;
	if (door_call(DOOR_FD, &r, NULL, NULL) < 0)
		log_warn("cannot store the usage: %s", err_msg());
	else
		a->usage_sent = 1;
	door_req_release(&r);
}

/* Asks for the quota; a server without one just has none shown. */
static void
session_quota(struct app *a)
{
	uint64_t used, limit;

	a->have_quota = imap_quota(a->conn, &used, &limit) > 0;
	if (a->have_quota) {
		if (used != a->quota_used_kb)
			a->usage_sent = 0;
		a->quota_used_kb = used;
		a->quota_limit_kb = limit;
	}
	session_usage(a);
}

/* STATUS of one folder into its entry. Returns 1 when it has new mail. */
static int
session_status(struct app *a, struct imap_folder *f)
{
	unsigned messages, unseen;
	int fresh;

	if (f->noselect)
		return 0;
	if (imap_status(a->conn, f->name, &messages, &unseen) < 0)
		return session_fail(a, "cannot check the folders");
	fresh = messages > f->messages && unseen > f->unseen;
	f->messages = messages;
	f->unseen = unseen;
	return fresh;
}

/* Counts of the open folder, after something changed in it. */
static void
session_counts(struct app *a)
{
	struct imap_folder *f = session_folder_mut(a, a->folder.buf);

	if (f && a->state == APP_ONLINE)
		session_status(a, f);
}

/* Loads a saved setting into *value; leaves it alone without one. */
static void
session_load_setting(struct app *a, const char *key, int *value, int max)
{
	struct buf b = BUF_INIT;
	char *end;
	long v;

	if (a->cache && cache_setting_get(a->cache, key, &b) == 0 && b.len) {
		v = strtol(b.buf, &end, 10);
		if (!*end && v >= 0 && v <= max)
			*value = (int)v;
	}
	buf_release(&b);
}

/* Saves a setting in the cache, when there is one. */
void
session_save_setting(struct app *a, const char *key, long value)
{
	char v[32];

	if (!a->cache)
		return;
	snprintf(v, sizeof(v), "%ld", value);
	if (cache_setting_set(a->cache, key, v) < 0)
		log_warn("cannot save setting '%s': %s", key, err_msg());
}

/* Makes dir and its parents (0700) as needed. Returns 0 or -1. */
static int
session_mkdirs(char *dir)
{
	char *p;

	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Opens cache.db in the state dir; without one the session has none. */
static void
session_cache_open(struct app *a)
{
	struct buf path = BUF_INIT;

	if (!a->state_dir.len)
		return;
	buf_adds(&path, a->state_dir.buf);
	if (session_mkdirs(path.buf) < 0 ||
	    (buf_adds(&path, "/cache.db"), cache_open(&a->cache, path.buf)) <
		    0) {
		log_warn("no header cache: %s", err_msg());
		a->cache = NULL;
	}
	buf_release(&path);
}

/* Where the cursor goes in a freshly opened folder: the newest mail. */
static void
session_cursor_start(struct app *a)
{
	size_t n = session_count(a);

	a->cur = a->opts.reverse || n == 0 ? 0 : n - 1;
}

/* Opens folder name into a->mbox (which is closed). Returns 0 or -1. */
static int
session_mailbox_open(struct app *a, const char *name)
{
	struct mailbox *m;

	if (mailbox_open(&m, a->conn, a->cache, name, &a->opts) < 0)
		return -1;
	a->mbox = m;
	a->mbox_gen++;
	buf_reset(&a->folder);
	buf_adds(&a->folder, name);
	return 0;
}

/*
 * Before SELECT of INBOX (on a large Maildir Dovecot reads its whole
 * index first: ~70 ms on 100,000 messages), the screen shows the order
 * and envelopes the cache kept from the last session: the first screen
 * comes with the login, and session_start() puts the checked folder in
 * its place right after. The view is the one app_run() would push; no
 * key is read meanwhile, so nothing acts on the preview.
 */
static void
session_preview(struct app *a)
{
	struct mailbox *m;

	if (!a->cache || mailbox_open_preview(&m, a->conn, a->cache, "INBOX",
					      &a->opts) < 0)
		return;
	if (a->n_views == 0 && app_push(a, &view_index_ops, NULL) < 0) {
		mailbox_close(m);
		return;
	}
	a->mbox = m;
	a->mbox_gen++;
	session_cursor_start(a);
	if (!a->message.len)
		app_message(a, "checking INBOX with the server...");
	app_draw(a);
	display_refresh();
	if (!strcmp(a->message.buf, "checking INBOX with the server..."))
		buf_reset(&a->message);
	a->mbox = NULL;
	a->mbox_gen++;
	mailbox_close(m);
}

/*
 * Starts the session: the cache, the saved settings, the login with
 * pass (see session_connect()), INBOX, the folders and the quota. INBOX
 * is selected before the folders' STATUS: Dovecot opens a folder for
 * STATUS and closes it again, so on 100,000 messages a STATUS of INBOX
 * first costs another 80 ms, while one of the selected folder is free.
 * Returns 0, or -1 with the reason in a->start_error.
 */
int
session_start(struct app *a, const char *pass)
{
	int sort = a->opts.sort, rev = a->opts.reverse;
	int threads = a->opts.threaded, sidebar = a->sidebar;

	session_cache_open(a);
	session_load_setting(a, "sort", &sort, IMAP_SORT_TO);
	session_load_setting(a, "reverse", &rev, 1);
	session_load_setting(a, "threads", &threads, 1);
	session_load_setting(a, "sidebar", &sidebar, 1);
	a->opts.sort = (enum imap_sort_key)sort;
	a->opts.reverse = rev;
	a->opts.threaded = threads;
	a->sidebar = sidebar;
	buf_reset(&a->folder);
	buf_adds(&a->folder, "INBOX");
	if (session_connect(a, pass) < 0)
		goto fail;
	a->state = APP_ONLINE;
	a->ever_online = 1;
	a->next_poll = time(NULL) + SESSION_POLL_S;
	session_preview(a);
	if (session_mailbox_open(a, "INBOX") < 0)
		goto fail;
	session_cursor_start(a);
	if (session_list(a) < 0 && a->state != APP_ONLINE)
		goto fail;
	session_quota(a);
	return 0;
fail:
	buf_reset(&a->start_error);
	buf_adds(&a->start_error, err_msg());
	if (a->state == APP_ONLINE)
		a->state = APP_OFFLINE;
	return -1;
}

/*
 * Ends the session. polite: the user quit, so deleted messages are
 * moved or expunged first; otherwise (a hang-up, a signal) nothing more
 * is asked of the server than LOGOUT.
 */
void
session_end(struct app *a, int polite)
{
	if (a->idling)
		session_idle_end(a);
	if (polite && a->state == APP_ONLINE && a->mbox)
		session_purge(a);
	if (a->mbox)
		mailbox_close(a->mbox);
	a->mbox = NULL;
	if (a->conn)
		imap_close(a->conn);
	a->conn = NULL;
	imap_folders_free(a->folders, a->n_folders);
	a->folders = NULL;
	a->n_folders = 0;
	if (a->cache)
		cache_close(a->cache);
	a->cache = NULL;
	a->state = APP_OFFLINE;
}

/*
 * One try at reconnecting: a new login, the open folder opened again on
 * it with the cursor on the same message. On failure the next try waits
 * twice as long, up to SESSION_BACKOFF_MAX seconds.
 */
static void
session_retry(struct app *a)
{
	struct imap_conn *old_conn = a->conn;
	struct mailbox *old_box = a->mbox;
	uint32_t uid = session_cur_uid(a);
	size_t old_cur = a->cur;
	struct buf name = BUF_INIT;

	a->conn = NULL;
	if (session_connect(a, NULL) < 0) {
		a->conn = old_conn;
		a->backoff = a->backoff ? a->backoff * 2 : 1;
		if (a->backoff > SESSION_BACKOFF_MAX)
			a->backoff = SESSION_BACKOFF_MAX;
		a->next_retry = time(NULL) + a->backoff;
		app_error(a, "reconnecting in %d s: %s", a->backoff, err_msg());
		return;
	}
	buf_adds(&name, a->folder.len ? a->folder.buf : "INBOX");
	a->mbox = NULL;
	if (old_box)
		mailbox_close(old_box);
	if (old_conn)
		imap_close(old_conn);
	a->state = APP_ONLINE;
	a->ever_online = 1;
	a->backoff = 0;
	a->next_poll = time(NULL) + SESSION_POLL_S;
	/* The folder first, then STATUS of the others (session_start()). */
	if (session_mailbox_open(a, name.buf) < 0 &&
	    session_mailbox_open(a, "INBOX") < 0) {
		session_fail(a, "cannot open the folder again");
		goto out;
	}
	session_restore(a, uid, old_cur);
	session_list(a);
	if (a->state != APP_ONLINE)
		goto out;
	session_quota(a);
	buf_reset(&a->start_error);
	app_message(a, "reconnected to the IMAP server");
out:
	buf_release(&name);
}

/*
 * Brings the open folder up to date after IDLE or a poll said it
 * changed; says so when new mail came in. Returns 0 or -1.
 */
static int
session_check(struct app *a, int say_none)
{
	const struct imap_folder *f;
	uint32_t uid = session_cur_uid(a), exists0;
	size_t n0 = session_count(a), old = a->cur;
	int changed = 0;

	if (!a->mbox)
		return 0;
	exists0 = mailbox_info(a->mbox)->exists;
	if (mailbox_refresh(a->mbox, &changed) < 0)
		return session_fail(a, "cannot check for new mail");
	session_restore(a, uid, old);
	session_counts(a);
	f = session_current_folder(a);
	if (mailbox_info(a->mbox)->exists > exists0 || session_count(a) > n0)
		app_message(a, "new mail in %s",
			    f ? f->display : a->folder.buf);
	else if (say_none && !a->message.len)
		app_message(a, "no new mail in %s",
			    f ? f->display : a->folder.buf);
	return 0;
}

/* STATUS of every other folder; says which ones got new mail. */
static void
session_poll(struct app *a)
{
	struct buf fresh = BUF_INIT;
	size_t i;
	int r;

	for (i = 0; i < a->n_folders && a->state == APP_ONLINE; i++) {
		struct imap_folder *f = &a->folders[i];

		if (session_same_folder(f->name, a->folder.buf))
			continue;
		r = session_status(a, f);
		if (r < 0)
			break;
		if (r > 0)
			buf_addf(&fresh, "%s%s", fresh.len ? ", " : "",
				 f->display);
	}
	if (a->state == APP_ONLINE) {
		session_quota(a);
		if (!a->can_idle)
			session_check(a, 0);
	}
	if (fresh.len && a->state == APP_ONLINE)
		app_message(a, "new mail in %s", fresh.buf);
	buf_release(&fresh);
}

/*
 * Starts IDLE on the open folder when the session can. Returns the
 * descriptor to watch, or -1.
 */
int
session_idle_begin(struct app *a)
{
	if (a->idling)
		return imap_idle_fd(a->conn);
	if (a->state != APP_ONLINE || !a->mbox || !a->can_idle)
		return -1;
	if (imap_idle_start(a->conn) < 0) {
		session_fail(a, "cannot wait for new mail");
		if (a->state == APP_ONLINE)
			a->can_idle = 0;
		return -1;
	}
	a->idling = 1;
	return imap_idle_fd(a->conn);
}

/* Ends IDLE; when the server said something changed, looks. */
void
session_idle_end(struct app *a)
{
	int changed = 0;

	if (!a->idling)
		return;
	a->idling = 0;
	if (imap_idle_done(a->conn, &changed) < 0) {
		session_fail(a, "cannot wait for new mail");
		return;
	}
	if (changed)
		session_check(a, 0);
}

/* Milliseconds until session_tick() has work, -1 for none. */
int
session_timeout_ms(const struct app *a)
{
	time_t now = time(NULL), at;

	if (a->state == APP_RECONNECTING)
		at = a->next_retry;
	else if (a->state == APP_ONLINE)
		at = a->next_poll;
	else
		return -1;
	return at <= now ? 0 : (int)(at - now) * 1000;
}

/* Runs the timers that are due: a reconnection try, the STATUS poll. */
void
session_tick(struct app *a)
{
	time_t now = time(NULL);

	if (a->state == APP_RECONNECTING && now >= a->next_retry)
		session_retry(a);
	else if (a->state == APP_ONLINE && now >= a->next_poll) {
		a->next_poll = now + SESSION_POLL_S;
		session_poll(a);
	}
}

/*
 * Fetches the envelopes of rows first .. first+count-1 that are not
 * here yet. Returns 0 or -1 (nothing is asked while offline).
 */
int
session_fetch(struct app *a, size_t first, size_t count)
{
	size_t n = session_count(a);

	if (a->state != APP_ONLINE || !a->mbox || first >= n || count == 0)
		return -1;
	if (count > n - first)
		count = n - first;
	if (mailbox_fetch(a->mbox, first, count) < 0)
		return session_fail(a, "cannot fetch the message list");
	return 0;
}

/* Opens another folder; the deleted messages of this one go first. */
int
session_open_folder(struct app *a, const char *name)
{
	struct buf old = BUF_INIT;
	int rc = -1;

	if (!session_online(a))
		return -1;
	buf_adds(&old, a->folder.buf);
	if (a->mbox) {
		session_purge(a);
		if (a->state != APP_ONLINE)
			goto out;
		mailbox_close(a->mbox);
		a->mbox = NULL;
	}
	a->opts.limit = IMAP_LIMIT_ALL;
	if (session_mailbox_open(a, name) < 0) {
		session_fail(a, "cannot open the folder");
		if (a->state == APP_ONLINE && old.len)
			session_mailbox_open(a, old.buf);
		session_cursor_start(a);
		goto out;
	}
	session_cursor_start(a);
	session_counts(a);
	rc = 0;
out:
	buf_release(&old);
	return rc;
}

/* Sorts, threads or limits the open folder anew as o says. */
int
session_reorder(struct app *a, const struct mailbox_opts *o)
{
	uint32_t uid = session_cur_uid(a);
	size_t old = a->cur;

	if (!session_online(a) || !a->mbox)
		return -1;
	if (mailbox_reorder(a->mbox, o) < 0)
		return session_fail(a, "cannot sort the folder");
	a->opts = *o;
	session_restore(a, uid, old);
	return 0;
}

/*
 * Refresh ($): reconnects when offline; else moves away the deleted
 * messages (purge), looks for new mail here and in the other folders.
 */
int
session_refresh(struct app *a, int purge)
{
	if (a->state != APP_ONLINE) {
		int was_offline = a->state == APP_OFFLINE;

		a->next_retry = 0;
		if (was_offline && !a->mbox && a->conn) {
			imap_close(a->conn);
			a->conn = NULL;
		}
		/* Offline (a login that failed at start): one try, no more. */
		a->state = APP_RECONNECTING;
		session_retry(a);
		if (a->state != APP_ONLINE && was_offline)
			a->state = APP_OFFLINE;
		return a->state == APP_ONLINE ? 0 : -1;
	}
	if (purge && session_purge(a) < 0)
		return -1;
	if (a->state != APP_ONLINE)
		return -1;
	session_poll(a);
	if (a->state != APP_ONLINE)
		return -1;
	a->next_poll = time(NULL) + SESSION_POLL_S;
	return session_check(a, 1);
}

/*
 * Moves the messages marked deleted to Trash, or expunges them where
 * there is no Trash (or this is it). Returns how many went, or -1.
 */
int
session_purge(struct app *a)
{
	const struct imap_folder *trash;
	struct mailbox_row r;
	uint32_t *uids = NULL, uid;
	size_t n = session_count(a), k = 0, i, old = a->cur;
	int rc = -1;

	if (!a->mbox || a->state != APP_ONLINE)
		return 0;
	trash = session_special(a, IMAP_SPECIAL_TRASH);
	uid = session_cur_uid(a);
	for (i = 0; i < n; i++) {
		if (mailbox_row(a->mbox, i, &r) < 0 || !r.env ||
		    !(r.env->flags & IMAP_FLAG_DELETED))
			continue;
		uids = reallocarray(uids, k + 1, sizeof(*uids));
		if (!uids)
			fatal("out of memory");
		uids[k++] = r.uid;
	}
	if (k == 0) {
		rc = 0;
		goto out;
	}
	if (trash && !session_same_folder(trash->name, a->folder.buf)) {
		if (imap_store_flags(a->conn, uids, k, IMAP_FLAG_DELETED, 0) <
			    0 ||
		    imap_copy(a->conn, uids, k, trash->name, 1) < 0) {
			session_fail(a, "cannot move to Trash");
			goto out;
		}
		app_message(a, "%zu message%s moved to %s", k,
			    k == 1 ? "" : "s", trash->display);
	} else {
		if (imap_expunge(a->conn, uids, k) < 0) {
			session_fail(a, "cannot expunge");
			goto out;
		}
		app_message(a, "%zu message%s deleted for good", k,
			    k == 1 ? "" : "s");
	}
	/* The rows go in place: no new UID SORT of the whole folder. */
	if (mailbox_remove_uids(a->mbox, uids, k) < 0) {
		session_fail(a, "cannot list the folder again");
		goto out;
	}
	session_restore(a, uid, old);
	session_counts(a);
	if (trash)
		session_status(a, session_folder_mut(a, trash->name));
	rc = (int)k;
out:
	free(uids);
	return rc;
}

/*
 * Sets (add) or clears flags on row i, and keeps the folder's unread
 * count in step. Returns 0 or -1.
 */
int
session_set_flags(struct app *a, size_t i, uint32_t flags, int add)
{
	struct imap_folder *f = session_folder_mut(a, a->folder.buf);
	struct mailbox_row r;
	int was_seen = -1;

	if (!session_online(a) || session_row(a, i, &r) < 0)
		return -1;
	if (r.env)
		was_seen = !!(r.env->flags & IMAP_FLAG_SEEN);
	if (mailbox_set_flags(a->mbox, i, flags, add) < 0)
		return session_fail(a, "cannot change the flags");
	if (f && (flags & IMAP_FLAG_SEEN) && was_seen >= 0 &&
	    was_seen != add) {
		if (add && f->unseen > 0)
			f->unseen--;
		else if (!add)
			f->unseen++;
	}
	return 0;
}

/* Copies (or moves) row i to the folder dest. Returns 0 or -1. */
int
session_copy(struct app *a, size_t i, const char *dest, int move)
{
	struct imap_folder *f = session_folder_mut(a, dest);
	struct mailbox_row r;
	size_t old = a->cur;

	if (!session_online(a) || session_row(a, i, &r) < 0)
		return -1;
	if (session_same_folder(dest, a->folder.buf)) {
		app_error(a, "the message is in that folder already");
		return -1;
	}
	if (imap_copy(a->conn, &r.uid, 1, dest, move) < 0)
		return session_fail(a, move ? "cannot move" : "cannot copy");
	if (move) {
		if (mailbox_remove_uids(a->mbox, &r.uid, 1) < 0)
			return session_fail(a, "cannot list the folder again");
		session_restore(a, 0, old);
		session_counts(a);
	}
	if (f)
		session_status(a, f);
	app_message(a, "%s to %s", move ? "moved" : "copied",
		    f ? f->display : dest);
	return 0;
}

/* Marks every message of the open folder read. Returns 0 or -1. */
int
session_mark_all_read(struct app *a)
{
	struct mailbox_row r;
	uint32_t *uids;
	size_t n = session_count(a), i, k = 0;
	int rc = -1;

	if (!session_online(a) || n == 0)
		return -1;
	uids = calloc(n, sizeof(*uids));
	if (!uids)
		fatal("out of memory");
	for (i = 0; i < n; i++)
		if (mailbox_row(a->mbox, i, &r) == 0)
			uids[k++] = r.uid;
	if (imap_store_flags(a->conn, uids, k, IMAP_FLAG_SEEN, 1) < 0) {
		session_fail(a, "cannot mark the folder read");
		goto out;
	}
	/* Rows in memory and in the cache follow, with no second STORE. */
	mailbox_note_flags(a->mbox, uids, k, IMAP_FLAG_SEEN, 1);
	session_counts(a);
	app_message(a, "%zu message%s marked read", k, k == 1 ? "" : "s");
	rc = 0;
out:
	free(uids);
	return rc;
}

/* The whole message uid of the open folder into raw. Returns 0 or -1. */
int
session_fetch_message(struct app *a, uint32_t uid, struct buf *raw)
{
	if (!session_online(a))
		return -1;
	if (imap_fetch_message(a->conn, uid, raw) < 0)
		return session_fail(a, "cannot fetch the message");
	return 0;
}

/* The UIDs of the unread messages of the open folder, ascending. */
int
session_unread_uids(struct app *a, uint32_t **uids, size_t *n)
{
	if (!session_online(a))
		return -1;
	if (imap_sort(a->conn, IMAP_SORT_ARRIVAL, 0, IMAP_LIMIT_UNSEEN, uids,
		      n) < 0)
		return session_fail(a, "cannot look for unread messages");
	return 0;
}

/* Creates a folder named display (UTF-8). Returns 0 or -1. */
int
session_folder_create(struct app *a, const char *display)
{
	char *name;
	int rc;

	if (!session_online(a))
		return -1;
	name = imap_utf8_to_utf7(display);
	if (!name)
		return session_fail(a, "cannot create the folder");
	rc = imap_folder_create(a->conn, name);
	free(name);
	if (rc < 0)
		return session_fail(a, "cannot create the folder");
	if (session_list(a) < 0)
		return -1;
	app_message(a, "folder '%s' created", display);
	return 0;
}

/* Renames folder i to display (UTF-8). Returns 0 or -1. */
int
session_folder_rename(struct app *a, size_t i, const char *display)
{
	struct buf from = BUF_INIT;
	char *to = NULL;
	int open, rc = -1;

	if (!session_online(a) || i >= a->n_folders)
		return -1;
	if (a->folders[i].special == IMAP_SPECIAL_INBOX) {
		app_error(a, "INBOX cannot be renamed");
		return -1;
	}
	buf_adds(&from, a->folders[i].name);
	open = session_same_folder(from.buf, a->folder.buf);
	to = imap_utf8_to_utf7(display);
	if (!to || imap_folder_rename(a->conn, from.buf, to) < 0) {
		session_fail(a, "cannot rename the folder");
		goto out;
	}
	if (open) {
		buf_reset(&a->folder);
		buf_adds(&a->folder, to);
		if (a->mbox)
			mailbox_close(a->mbox);
		a->mbox = NULL;
		if (session_mailbox_open(a, to) < 0) {
			session_fail(a, "cannot open the renamed folder");
			goto out;
		}
		session_cursor_start(a);
	}
	if (session_list(a) < 0)
		goto out;
	app_message(a, "folder renamed to '%s'", display);
	rc = 0;
out:
	free(to);
	buf_release(&from);
	return rc;
}

/* Deletes folder i (not INBOX); the open one is left for INBOX first. */
int
session_folder_delete(struct app *a, size_t i)
{
	struct buf name = BUF_INIT, shown = BUF_INIT;
	int rc = -1;

	if (!session_online(a) || i >= a->n_folders)
		return -1;
	if (a->folders[i].special == IMAP_SPECIAL_INBOX) {
		app_error(a, "INBOX cannot be deleted");
		return -1;
	}
	buf_adds(&name, a->folders[i].name);
	buf_adds(&shown, a->folders[i].display);
	if (session_same_folder(name.buf, a->folder.buf) &&
	    session_open_folder(a, "INBOX") < 0)
		goto out;
	if (imap_folder_delete(a->conn, name.buf) < 0) {
		session_fail(a, "cannot delete the folder");
		goto out;
	}
	if (session_list(a) < 0)
		goto out;
	app_message(a, "folder '%s' deleted", shown.buf);
	rc = 0;
out:
	buf_release(&name);
	buf_release(&shown);
	return rc;
}
