/*
 * app.h: one tuimail session as its views see it: the account, the mail
 * session (session.c: the IMAP connection, the folders, the open folder,
 * new mail, reconnecting), the screen (app.c: the view stack, the title
 * row, the message line, the status bar, the key loop) and the prompts
 * (prompt.c).
 *
 * Screen rows: 0 the title (the keys of the view on top), 1 .. rows-3 the
 * views, rows-2 the message line (messages, errors, prompts), rows-1 the
 * status bar (account, folder, position, quota, connection, size).
 */
#ifndef TUIMAIL_APP_H
#define TUIMAIL_APP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "index/index.h"
#include "tui/keymap.h"
#include "tui/theme.h"
#include "tui/view.h"
#include "util/buf.h"

#define APP_MAX_VIEWS 8

enum app_state {
	APP_OFFLINE,	  /* never connected, or given up */
	APP_ONLINE,
	APP_RECONNECTING, /* the connection was lost: retrying */
};

struct app {
	/* The account; every string owned. */
	int door;		/* door mode: credentials from DOOR_FD */
	struct buf email;
	struct buf imap_host, imap_ca_file, client_addr, imap_user;
	unsigned imap_port;
	int imap_security, imap_verify;
	struct buf pass;	/* local mode only; secret, wiped at exit */
	struct buf state_dir;	/* where cache.db lives, "" for none */
	struct buf display_name; /* the account's, for From */
	struct buf smtp_host;	/* "" when sending is not set up */
	unsigned smtp_port;
	int smtp_security, smtp_verify, save_sent;
	int is_admin;		/* door mode: may open the admin pane */
	int mail_admin;		/* door mode: the admin pane is on at all */

	/* The mail session (session.c). */
	enum app_state state;
	int ever_online;
	struct imap_conn *conn;	/* owned; NULL while offline */
	struct cache *cache;	/* owned; NULL without a usable state dir */
	struct imap_folder *folders; /* owned, special folders first */
	size_t n_folders;
	struct mailbox *mbox;	/* owned: the open folder, or NULL */
	unsigned mbox_gen;	/* counts the mailboxes opened */
	struct buf folder;	/* its server name */
	struct mailbox_opts opts;
	size_t cur;		/* the message list's current row */
	uint64_t quota_used_kb, quota_limit_kb;
	int have_quota;
	int usage_sent;		/* door mode: DOOR_USAGE sent for quota_used_kb */
	int can_idle, idling;
	time_t next_poll, next_retry;
	int backoff;		/* seconds before the next retry */
	struct buf start_error;	/* why the session could not start */

	/* Search (background.c): the index and its mirror, or NULL. */
	struct search *search;	/* owned */
	struct mirror *mirror;	/* owned */
	struct buf bg_status;	/* "indexed 12,345 of 100,000", or "" */

	/* The screen (app.c). */
	struct keymap *km;	/* owned */
	struct theme theme;
	int sidebar;
	struct view views[APP_MAX_VIEWS];
	int n_views;
	struct buf message;	/* the message line */
	int message_error;
	int pasting;		/* a paste no view takes: dropped until its end */
	int quit;		/* the user quit */
	int hangup;		/* the terminal went away */
	volatile sig_atomic_t *stop; /* set by a signal handler */
};

void app_init(struct app *a);
void app_release(struct app *a);
int app_run(struct app *a);
int app_push(struct app *a, const struct view_ops *ops, const void *arg);
void app_pop(struct app *a);
void app_pop_to_root(struct app *a);
void app_draw(struct app *a);
void app_message(struct app *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void app_error(struct app *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int app_key_for(const struct app *a, enum keymap_ctx ctx,
		enum tui_request req, char *out, size_t len);
struct view *app_top(struct app *a);

/* session.c */
int session_start(struct app *a, const char *pass);
int session_login(struct app *a, const char *pass, struct imap_conn **out);
void session_end(struct app *a, int polite);
int session_online(struct app *a);
int session_fail(struct app *a, const char *what);
int session_open_folder(struct app *a, const char *name);
int session_reorder(struct app *a, const struct mailbox_opts *o);
int session_refresh(struct app *a, int purge);
int session_fetch(struct app *a, size_t first, size_t count);
int session_row(struct app *a, size_t i, struct mailbox_row *row);
size_t session_count(struct app *a);
int session_set_flags(struct app *a, size_t i, uint32_t flags, int add);
int session_copy(struct app *a, size_t i, const char *dest, int move);
int session_mark_all_read(struct app *a);
int session_purge(struct app *a);
int session_fetch_message(struct app *a, uint32_t uid, struct buf *raw);
int session_folder_create(struct app *a, const char *display);
int session_folder_rename(struct app *a, size_t i, const char *display);
int session_folder_delete(struct app *a, size_t i);
int session_unread_uids(struct app *a, uint32_t **uids, size_t *n);
const struct imap_folder *session_current_folder(const struct app *a);
const struct imap_folder *session_special(const struct app *a, int special);
int session_idle_begin(struct app *a);
void session_idle_end(struct app *a);
int session_timeout_ms(const struct app *a);
void session_tick(struct app *a);
void session_save_setting(struct app *a, const char *key, long value);

/*
 * background.c: work done while the user does nothing (the search
 * mirror). background_step() runs at most budget_ms and returns 1 when
 * more work is waiting, 0 when there is none; background_end() stops it.
 */
int background_step(struct app *a, unsigned budget_ms);
void background_end(struct app *a);
/*
 * background_wait_ms(): how long the key loop may wait for a key (wait,
 * or less when the mirror wants to run sooner); background_changes()
 * grows when the index may have changed; background_problem() says why
 * there is no index ("" when there is); background_poke() asks for a
 * folder (NULL: all) to be looked at now.
 */
int background_wait_ms(struct app *a, int wait);
unsigned background_changes(struct app *a);
const char *background_problem(struct app *a);
void background_poke(struct app *a, const char *folder);

/* main.c: the keymap and the theme, changed from the settings view. */
const char *main_looks_name(const char *kind);
int main_looks_set(struct app *a, const char *kind, const char *name);
void main_looks_list(const char *kind, struct buf *names);

/* prompt.c */
int prompt_yesno(struct app *a, const char *question);
int prompt_text(struct app *a, const char *label, struct buf *text);
int prompt_text_private(struct app *a, const char *label, struct buf *text);
void prompt_add_utf8(struct buf *b, int cp);
void prompt_history_add(const char *label, const char *entry);
const char *prompt_history_entry(const char *label, size_t i);
int prompt_choice(struct app *a, const char *question, const char *keys);
int prompt_folder(struct app *a, const char *label, size_t *folder);

#endif
