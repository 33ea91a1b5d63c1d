/*
 * background.c: work done between keys (app.h): the user's search index
 * (a->search) and the mirror that keeps it in step with IMAP
 * (a->mirror), on an IMAP session of the mirror's own.
 *
 * The first step opens both in the user's state dir. The session that
 * gets the index's writer lock indexes; another session of the same user
 * searches read-only and the mirror tries for the lock every few seconds
 * (mirror_step() does that), so a second ssh session never waits. Each
 * step runs the mirror for at most the budget the key loop gives (plus
 * one IMAP round trip), so a key never waits longer than that. The
 * mirror logs in with the password it asks of the door each time (door
 * mode, as session.c does on reconnecting) or a->pass (local mode).
 *
 * What the user does also tells the mirror where to look: when the open
 * folder's count moves (IDLE, a poll) or the STATUS counts of the others
 * do, those folders are checked at once instead of at the next interval.
 *
 * One session runs in a process, so the little state this file keeps
 * beside struct app is file-static.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tui/app.h"
#include "util/door_proto.h"
#include "util/log.h"

#define BG_STATUS_MS 500    /* progress for the status bar, this often */
#define BG_READER_MS 2000   /* a reader reads the progress this often */
#define BG_WAKE_MIN_MS 1000 /* the key loop wakes for us at most this often */

static struct {
	int tried;	       /* opening was tried */
	struct buf problem;    /* why there is no index, "" when there is */
	struct buf last_error; /* the mirror's last error, logged once */
	int64_t status_at;     /* read the progress again then */
	uint64_t indexed;      /* the progress last read */
	unsigned folders_done;
	unsigned changes;	  /* grows when the index may have changed */
	unsigned mbox_gen;	  /* the open folder last seen ... */
	uint32_t exists, uidnext; /* ... and its counts */
	uint64_t folder_sum;	  /* the STATUS counts of every folder */
	int was_busy;		  /* the last step left work */
} bg = { .problem = BUF_INIT, .last_error = BUF_INIT };

/* Milliseconds on a clock that only goes forward. */
static int64_t
bg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The mirror's interrupt: a key has reached the terminal. */
static int
bg_key_waiting(void *arg)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };

	(void)arg;
	return poll(&p, 1, 0) > 0;
}

/*
 * The mirror's connect function: a new IMAP session logged in as the
 * user, arg being the app (session_login(): the door's password, wiped
 * at once, or the local session's). Returns 0 or -1 with err_msg() set.
 */
static int
bg_connect(struct imap_conn **out, void *arg)
{
	return session_login(arg, NULL, out);
}

/* Opens the index and the mirror; on failure says why, once. */
static void
bg_open(struct app *a)
{
	struct mirror_opts o = { 0 };

	bg.tried = 1;
	buf_reset(&bg.problem);
	if (!a->state_dir.len) {
		buf_adds(&bg.problem, "no state dir for the search index");
		goto fail;
	}
	if (search_open(&a->search, a->state_dir.buf, SEARCH_MIRROR) < 0) {
		buf_adds(&bg.problem, err_msg());
		a->search = NULL;
		goto fail;
	}
	o.connect = bg_connect;
	o.connect_arg = a;
	o.interrupt = bg_key_waiting;
	if (mirror_open(&a->mirror, a->search, &o) < 0) {
		buf_adds(&bg.problem, err_msg());
		search_close(a->search);
		a->search = NULL;
		a->mirror = NULL;
		goto fail;
	}
	log_debug("search: index open, %s",
		  search_is_writer(a->search) ? "writer" : "reader");
	return;
fail:
	log_warn("search: %s", bg.problem.buf);
	if (!a->message.len)
		app_error(a,
			  "search index not available (%s): searches use "
			  "IMAP SEARCH",
			  bg.problem.buf);
}

/* Appends n with a comma between thousands: "12,345". */
static void
bg_add_count(struct buf *b, uint64_t n)
{
	char digits[32];
	size_t len, i;

	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	len = strlen(digits);
	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf_addch(b, ',');
		buf_addch(b, digits[i]);
	}
}

/*
 * Reads how far the index is into the status bar's "indexed N of M",
 * cleared once every folder is complete. A change of the count means
 * the index changed: bg.changes grows. Returns 1 when what the screen
 * shows changed.
 */
static int
bg_progress(struct app *a)
{
	struct search_progress pr;
	struct buf was = BUF_INIT;
	int changed = 0;

	if (search_progress(a->search, &pr) < 0)
		return 0;
	if (pr.indexed != bg.indexed || pr.complete != bg.folders_done) {
		bg.changes++;
		changed = 1;
	}
	bg.indexed = pr.indexed;
	bg.folders_done = pr.complete;
	buf_add(&was, a->bg_status.buf, a->bg_status.len);
	buf_reset(&a->bg_status);
	if (pr.folders && pr.complete == pr.folders && pr.indexed >= pr.total) {
		/* Done. */
	} else if (!pr.folders) {
		buf_adds(&a->bg_status, "indexing");
	} else {
		buf_adds(&a->bg_status, "indexed ");
		bg_add_count(&a->bg_status, pr.indexed);
		buf_adds(&a->bg_status, " of ");
		bg_add_count(&a->bg_status, pr.total);
	}
	if (strcmp(was.buf, a->bg_status.buf))
		changed = 1;
	buf_release(&was);
	return changed;
}

/*
 * Tells the mirror about changes the session saw: the open folder's
 * EXISTS or UIDNEXT moved (new mail, expunges), or the STATUS counts of
 * the folders did.
 */
static void
bg_watch(struct app *a)
{
	const struct imap_mailbox_info *mi;
	uint64_t sum = 0;
	size_t i;

	if (a->mbox) {
		mi = mailbox_info(a->mbox);
		if (a->mbox_gen == bg.mbox_gen &&
		    (mi->exists != bg.exists || mi->uidnext != bg.uidnext))
			mirror_poke(a->mirror, a->folder.buf);
		bg.mbox_gen = a->mbox_gen;
		bg.exists = mi->exists;
		bg.uidnext = mi->uidnext;
	}
	for (i = 0; i < a->n_folders; i++)
		sum = sum * 1000003 + a->folders[i].messages * 31 +
		      a->folders[i].unseen;
	if (bg.folder_sum && sum != bg.folder_sum)
		mirror_poke(a->mirror, NULL);
	bg.folder_sum = sum;
}

/*
 * Runs one slice (budget_ms) of the mirror when it has work. Returns 1
 * when more is waiting (or the screen has news to show: the key loop
 * draws before the next step), 0 when none is until
 * background_wait_ms().
 */
int
background_step(struct app *a, unsigned budget_ms)
{
	int64_t now = bg_now();
	int rc = 0, ran = 0, news = 0, writer;

	/* Not before the session is in: its error is the one to show. */
	if (!bg.tried && a->state != APP_ONLINE)
		return 0;
	if (!bg.tried)
		bg_open(a);
	if (!a->mirror)
		return 0;
	bg_watch(a);
	writer = search_is_writer(a->search);
	if (mirror_next_ms(a->mirror) == 0) {
		ran = 1;
		rc = mirror_step(a->mirror, budget_ms);
		if (rc < 0) {
			if (strcmp(bg.last_error.buf, err_msg())) {
				log_warn("%s", err_msg());
				buf_reset(&bg.last_error);
				buf_adds(&bg.last_error, err_msg());
			}
			rc = 0;
		}
		if (search_is_writer(a->search) != writer)
			log_debug("search: this session indexes now");
	}
	/* The work ran out: the results on screen may be out of date. */
	if (ran && !rc) {
		bg.changes++;
		news = 1;
	}
	if ((bg.was_busy && !rc) || now >= bg.status_at) {
		news |= bg_progress(a);
		bg.status_at =
		    now +
		    (search_is_writer(a->search) ? BG_STATUS_MS : BG_READER_MS);
	}
	bg.was_busy = rc;
	return rc || news;
}

/*
 * How long the key loop may wait for a key before the mirror wants a
 * step: wait (milliseconds, -1 for ever) or less.
 */
int
background_wait_ms(struct app *a, int wait)
{
	unsigned next;

	if (!a->mirror)
		return wait;
	next = mirror_next_ms(a->mirror);
	if (next < BG_WAKE_MIN_MS)
		next = BG_WAKE_MIN_MS;
	if (wait < 0 || next < (unsigned)wait)
		return (int)next;
	return wait;
}

/*
 * A number that grows whenever the index may have changed, for a view
 * showing results to run its query again.
 */
unsigned
background_changes(struct app *a)
{
	(void)a;
	return bg.changes;
}

/* Why there is no search index ("" when there is one, or before trying). */
const char *
background_problem(struct app *a)
{
	(void)a;
	return bg.problem.buf;
}

/* Asks the mirror to look at folder (NULL: all) at the next step. */
void
background_poke(struct app *a, const char *folder)
{
	if (a->mirror)
		mirror_poke(a->mirror, folder);
}

/* Saves and closes the mirror and the index (before the IMAP session ends). */
void
background_end(struct app *a)
{
	mirror_close(a->mirror);
	a->mirror = NULL;
	search_close(a->search);
	a->search = NULL;
	buf_reset(&a->bg_status);
	buf_release(&bg.problem);
	buf_release(&bg.last_error);
}
