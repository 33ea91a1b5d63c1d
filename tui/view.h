/*
 * view.h: the views of tuimail, each one file behind a view_ops table,
 * in the shape of tig's and htop's: the app keeps a stack of views, draws
 * them into a rectangle, and hands each key's request (request.h) to the
 * view on top; a view that does not handle it leaves it to the app.
 *
 *   view_index.c    the message list of the open folder (the root view)
 *   view_pager.c    one message
 *   view_folders.c  the folder list, and the sidebar
 *   view_help.c     the bindings loaded for a context
 *   view_compose.c  the composer: new message, reply, forward, draft
 *   view_search.c   search results across folders, saved searches
 *   view_admin.c    the admin pane: accounts, domains, aliases, audit
 *   view_settings.c the user's settings and two-factor authentication
 */
#ifndef TUIMAIL_VIEW_H
#define TUIMAIL_VIEW_H

#include <stdint.h>

#include "tui/keymap.h"
#include "tui/request.h"
#include "util/buf.h"

struct app;
struct view;

/* Where a view draws: rows and columns of the screen. */
struct view_rect {
	int row, col, rows, cols;
};

/* A request worth showing in the title row, with a short label. */
struct view_hint {
	enum tui_request req;
	const char *label;
};

/* What request() returns. */
enum view_result {
	VIEW_PASS = 0, /* not handled here: the app's global handling */
	VIEW_DONE = 1,
};

struct view_ops {
	const char *name;
	enum keymap_ctx ctx;	/* the keymap section of its keys */
	int sidebar;		/* has the folder sidebar beside it */
	const struct view_hint *hints;	/* ends with REQ_NONE */
	/* Sets up v->priv from arg; 0, or -1 with err_msg() set. */
	int (*open)(struct app *a, struct view *v, const void *arg);
	void (*draw)(struct app *a, struct view *v, const struct view_rect *r);
	int (*request)(struct app *a, struct view *v, enum tui_request req);
	/*
	 * Optional: sees every key before the keymap does (text fields:
	 * the composer, a filter being typed). VIEW_DONE when it took the
	 * key, VIEW_PASS to look the key up in the keymap as usual.
	 */
	int (*key)(struct app *a, struct view *v, int key);
	/* After the screen is shown: work that may wait (prefetching). */
	void (*idle)(struct app *a, struct view *v);
	/*
	 * Optional: milliseconds until idle() has timed work to do (the
	 * composer's autosave), -1 for none; the key loop wakes by then.
	 */
	int (*wake_ms)(struct app *a, struct view *v);
	void (*done)(struct app *a, struct view *v);
};

struct view {
	const struct view_ops *ops;
	void *priv; /* owned by the view, freed by done() */
};

extern const struct view_ops view_index_ops;
extern const struct view_ops view_pager_ops;
extern const struct view_ops view_folders_ops;
extern const struct view_ops view_help_ops;
extern const struct view_ops view_compose_ops;
extern const struct view_ops view_search_ops;
extern const struct view_ops view_admin_ops;
extern const struct view_ops view_settings_ops;

/* What the composer starts from: view_compose_ops.open()'s arg. */
enum view_compose_mode {
	VIEW_COMPOSE_NEW,
	VIEW_COMPOSE_REPLY,
	VIEW_COMPOSE_REPLY_ALL,
	VIEW_COMPOSE_FORWARD,
	VIEW_COMPOSE_DRAFT,	/* resume a message of the Drafts folder */
};

struct view_compose_arg {
	enum view_compose_mode mode;
	const char *folder; /* the original's folder (server name) */
	uint32_t uid;	    /* the original, 0 for a new message */
	const char *to;	    /* a new message's To, or NULL */
};

/* At login: drafts kept on this host while IMAP was down go to Drafts. */
int view_compose_flush_local(struct app *a);
/* The message list's Enter in Drafts: the draft opens in the composer. */
int view_compose_open_draft(struct app *a);

/* The message list's moves, for the pager's next and previous message. */
int view_index_step(struct app *a, int dir);
int view_index_next_unread(struct app *a);

/* A saved search (view_search.c), a virtual folder; strings owned. */
struct view_saved_search {
	char *name;
	char *query;
};

int view_search_saved(struct app *a, struct view_saved_search **out,
		      size_t *n);
void view_search_saved_free(struct view_saved_search *s, size_t n);
int view_search_save(struct app *a, const char *name, const char *query);
int view_search_unsave(struct app *a, const char *name);

/* view_settings.c: a password typed unseen (the admin pane asks too). */
int settings_prompt_secret(struct app *a, const char *label, struct buf *out);

/* The folder list as the sidebar and as the picker of prompt.c. */
int view_folders_sidebar(struct app *a, const struct view_rect *r);
void view_folders_draw_list(struct app *a, const struct view_rect *r,
			    size_t cur, size_t *top);

#endif
