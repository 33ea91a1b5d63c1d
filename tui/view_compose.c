/*
 * view_compose.c: the composer: a new message, a reply, a forward or a
 * draft resumed. Header fields To, Cc, Bcc and Subject and the text are
 * each an editor (editor.c); From is the account's. Keys not bound in
 * the [composer] section are typed into the field with the cursor, and a
 * paste is taken in one go (the keys already waiting are read at once)
 * so that a megabyte does not redraw the screen a million times. A paste
 * the terminal brackets (TK_PASTE_START .. TK_PASTE_END) is text however
 * it looks: no key in it is a request.
 *
 * Nothing typed may be lost: the draft goes to the Drafts folder every
 * COMPOSE_AUTOSAVE_S seconds while it changes, on postpone, when sending
 * fails and when the view closes unasked (hang-up, SIGTERM: main.c pops
 * the views before the IMAP session ends). Each new copy replaces the
 * previous one (APPEND, then the old UID is expunged). When IMAP is down
 * the draft is written to <state_dir>/drafts/ (0700, files 0600) and
 * view_compose_flush_local() moves it to Drafts at the next login.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tui/app.h"
#include "tui/display.h"
#include "tui/editor.h"
#include "tui/text.h"
#include "util/door_proto.h"
#include "util/log.h"

#define COMPOSE_AUTOSAVE_S 30	   /* seconds between drafts while changing */
#define COMPOSE_PAUSE_MS 1000	   /* a pause this long ends an undo step */
#define COMPOSE_PASTE_MAX (256 * 1024) /* keys taken in one go */
#define COMPOSE_ATTACH_MAX (25 * 1024 * 1024)
#define COMPOSE_COMPLETIONS 10
#define COMPOSE_RECENT_MAX 100	   /* addresses kept in the cache */
#define COMPOSE_RECENT_KEY "compose.addresses"

/* The editable fields, in Tab order. */
enum cfield { CF_TO, CF_CC, CF_BCC, CF_SUBJECT, CF_BODY, CF_N };

static const char *const cfield_label[CF_N] = { "To: ", "Cc: ", "Bcc: ",
						"Subject: ", "" };

struct compose_priv {
	struct editor ed[CF_N];
	enum cfield field;
	struct compose_attachment *att; /* owned, with their strings */
	size_t n_att;
	unsigned att_gen;		/* counts attachment changes */
	char *in_reply_to, *references; /* owned or NULL */
	/* The message replied to or forwarded: flagged once sent. */
	char *orig_folder;		/* owned or NULL */
	uint32_t orig_uid;
	uint32_t orig_flag;		/* IMAP_FLAG_ANSWERED or _FORWARDED */
	uint32_t draft_uid;		/* our copy in Drafts, 0: none */
	char *draft_folder;		/* owned: where that copy is */
	char *local_draft;		/* owned: a copy on this host, or NULL */
	unsigned long saved;		/* compose_gen() at the last save */
	time_t last_save;
	long last_key_ms;
	int closing;			/* sent or cancelled: nothing to save */
	int cur_row, cur_col;		/* the cursor on screen, -1: none */
	/*
	 * A bracketed paste coming in: in a header field, whether text came
	 * yet, a line break is waiting (to be ", " or the end of Subject),
	 * and lines were dropped.
	 */
	int pasting, paste_text, paste_break, paste_dropped;
	int body_cols, body_rows;	/* the text's size when last drawn */
	/* Completion: the candidates for the entry being completed. */
	char *comp[COMPOSE_COMPLETIONS];
	size_t n_comp, comp_i;
	unsigned long comp_gen;
};

static const struct view_hint compose_hints[] = {
	{ REQ_SEND, "Send" },	    { REQ_POSTPONE, "Postpone" },
	{ REQ_CANCEL, "Cancel" },   { REQ_NEXT_FIELD, "Next" },
	{ REQ_ATTACH, "Attach" },   { REQ_COMPLETE, "Complete" },
	{ REQ_UNDO, "Undo" },	    { REQ_HELP, "Help" },
	{ REQ_NONE, NULL },
};

/* A number that changes whenever the text, a field or an attachment does. */
static unsigned long
compose_gen(const struct compose_priv *p)
{
	unsigned long g = p->att_gen;
	int i;

	for (i = 0; i < CF_N; i++)
		g += p->ed[i].gen;
	return g;
}

static int
compose_dirty(const struct compose_priv *p)
{
	return compose_gen(p) != p->saved;
}

static long
compose_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A field's text, in a buffer the caller releases. */
static void
compose_field_text(struct compose_priv *p, enum cfield f, struct buf *out)
{
	buf_reset(out);
	editor_text(&p->ed[f], out);
}

static void
compose_att_clear(struct compose_attachment *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].filename);
		free(a[i].type);
		free(a[i].data);
	}
	free(a);
}

/* Takes the attachments v[0..n) (moved: v is freed, its strings kept). */
static void
compose_att_take(struct compose_priv *p, struct compose_attachment *v,
		 size_t n)
{
	struct compose_attachment *w;

	if (!n) {
		free(v);
		return;
	}
	w = reallocarray(p->att, p->n_att + n, sizeof(*w));
	if (!w)
		fatal("out of memory");
	memcpy(w + p->n_att, v, n * sizeof(*v));
	p->att = w;
	p->n_att += n;
	free(v);
	p->att_gen++;
}

/* Frees the completion candidates. */
static void
compose_comp_clear(struct compose_priv *p)
{
	size_t i;

	for (i = 0; i < p->n_comp; i++)
		free(p->comp[i]);
	p->n_comp = p->comp_i = 0;
}

/*
 * The message as it stands, for building: m borrows from bufs (five of
 * them, released by the caller).
 */
static void
compose_msg_fill(struct app *a, struct compose_priv *p, struct buf *bufs,
		 struct compose_msg *m, int draft, struct buf *origin)
{
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < CF_N; i++)
		compose_field_text(p, (enum cfield)i, &bufs[i]);
	m->from_name = a->display_name.buf;
	m->from_addr = a->email.buf;
	m->to = bufs[CF_TO].buf;
	m->cc = bufs[CF_CC].buf;
	m->bcc = bufs[CF_BCC].buf;
	m->subject = bufs[CF_SUBJECT].buf;
	m->body = bufs[CF_BODY].buf;
	m->att = p->att;
	m->n_att = p->n_att;
	m->in_reply_to = p->in_reply_to;
	m->references = p->references;
	m->draft = draft;
	if (draft && p->orig_uid && p->orig_folder) {
		buf_reset(origin);
		buf_addf(origin, "%s %u %s",
			 p->orig_flag == IMAP_FLAG_ANSWERED ? "answered"
							    : "forwarded",
			 p->orig_uid, p->orig_folder);
		m->origin = origin->buf;
	}
}

/*
 * The Drafts folder's server name (borrowed), or NULL while offline.
 * Where the folder list shows none (a server without SPECIAL-USE and no
 * folder of a known name, or a list that could not be read), "Drafts",
 * created if it can be: drafts must not pile up on this host.
 */
static const char *
compose_drafts_folder(struct app *a)
{
	const struct imap_folder *f = session_special(a, IMAP_SPECIAL_DRAFTS);

	if (f)
		return f->name;
	if (!session_online(a))
		return NULL;
	if (imap_folder_create(a->conn, "Drafts") < 0)
		log_info("compose: no Drafts folder listed: %s", err_msg());
	return "Drafts";
}

/* The open folder, to select again after working in another one. */
static const char *
compose_reselect(struct app *a)
{
	return a->mbox ? a->folder.buf : NULL;
}

/* Makes <state_dir>/drafts (0700) and returns its path in out. */
static int
compose_local_dir(struct app *a, struct buf *out)
{
	buf_reset(out);
	if (!a->state_dir.len)
		return err_set("no state directory to keep the draft in");
	buf_addf(out, "%s/drafts", a->state_dir.buf);
	if (mkdir(out->buf, 0700) < 0 && errno != EEXIST)
		return err_set("cannot create '%s': %s", out->buf,
			       strerror(errno));
	return 0;
}

/* Writes raw to the composer's local draft file (0600), atomically. */
static int
compose_save_local(struct app *a, struct compose_priv *p, const char *raw,
		   size_t len)
{
	struct buf dir = BUF_INIT, tmp = BUF_INIT;
	int fd = -1, rc = -1;
	ssize_t w;
	size_t off = 0;

	if (compose_local_dir(a, &dir) < 0)
		goto out;
	if (!p->local_draft) {
		if (asprintf(&p->local_draft, "%s/%lld-%d.eml", dir.buf,
			     (long long)time(NULL), (int)getpid()) < 0)
			fatal("out of memory");
	}
	buf_addf(&tmp, "%s.tmp", p->local_draft);
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set("cannot write '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	while (off < len) {
		w = write(fd, raw + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			err_set("cannot write '%s': %s", tmp.buf,
				strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		err_set("cannot write '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.buf, p->local_draft) < 0) {
		err_set("cannot rename '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp.buf);
	buf_release(&dir);
	buf_release(&tmp);
	return rc;
}

/* Removes the previous copy of the draft in Drafts, if there is one. */
static void
compose_drop_remote(struct app *a, struct compose_priv *p)
{
	if (!p->draft_uid || !p->draft_folder || !session_online(a))
		return;
	if (imap_remove_in(a->conn, p->draft_folder, p->draft_uid,
			   compose_reselect(a)) < 0)
		log_warn("compose: cannot remove the old draft %u: %s",
			 p->draft_uid, err_msg());
	p->draft_uid = 0;
}

static void
compose_drop_local(struct compose_priv *p)
{
	if (p->local_draft)
		unlink(p->local_draft);
	free(p->local_draft);
	p->local_draft = NULL;
}

/*
 * Saves the draft: to Drafts when IMAP is up (the previous copy removed
 * after the new one is in), else to the state dir. say: put what
 * happened on the message line. Returns 0 (saved somewhere) or -1.
 */
static int
compose_save_draft(struct app *a, struct compose_priv *p, int say)
{
	struct buf bufs[CF_N], origin = BUF_INIT;
	struct compose_msg m;
	struct compose_out out;
	const char *drafts;
	char *own;
	uint32_t uid = 0, old = p->draft_uid;
	unsigned long gen = compose_gen(p);
	int i, rc = -1;

	for (i = 0; i < CF_N; i++)
		buf_init(&bufs[i]);
	compose_msg_fill(a, p, bufs, &m, 1, &origin);
	if (compose_build(&m, &out, NULL) < 0) {
		if (say)
			app_error(a, "cannot make the draft: %s", err_msg());
		goto out;
	}
	/* A copy: the folder list may be read again meanwhile. */
	drafts = compose_drafts_folder(a);
	own = drafts ? xstrdup(drafts) : NULL;
	drafts = own;
	if (drafts && session_online(a) &&
	    imap_append(a->conn, drafts, IMAP_FLAG_DRAFT | IMAP_FLAG_SEEN,
			out.raw.buf, out.raw.len, &uid) == 0) {
		if (old)
			compose_drop_remote(a, p);
		p->draft_uid = uid;
		free(p->draft_folder);
		p->draft_folder = xstrdup(drafts);
		compose_drop_local(p);
		if (say)
			app_message(a, "draft saved in %s", drafts);
		rc = 0;
	} else {
		buf_reset(&origin);
		buf_adds(&origin, drafts ? err_msg() : "no Drafts folder");
		log_warn("compose: draft not saved over IMAP: %s", origin.buf);
		if (compose_save_local(a, p, out.raw.buf, out.raw.len) == 0) {
			if (say)
				app_message(a, "draft kept on this host (%s); "
					       "it goes to Drafts at the next "
					       "login",
					    origin.buf);
			rc = 0;
		} else if (say) {
			app_error(a, "draft NOT saved: %s", err_msg());
		}
	}
	if (rc == 0) {
		p->saved = gen;
		p->last_save = time(NULL);
	}
	free(own);
out:
	compose_out_free(&out);
	for (i = 0; i < CF_N; i++)
		buf_release(&bufs[i]);
	buf_release(&origin);
	return rc;
}

/* The signature from the settings, as "\n\n-- \nSIG", or nothing. */
static void
compose_signature(struct app *a, struct buf *out)
{
	struct buf sig = BUF_INIT;

	if (a->cache && cache_setting_get(a->cache, "signature", &sig) == 0) {
		buf_rtrim(&sig);
		if (sig.len)
			buf_addf(out, "\n\n-- \n%s", sig.buf);
	}
	buf_release(&sig);
}

/* Fills the fields for a reply or forward of the message under arg. */
static int
compose_open_start(struct app *a, struct compose_priv *p,
		   const struct view_compose_arg *arg)
{
	struct compose_start_opts o = { 0 };
	struct compose_start s;
	struct buf raw = BUF_INIT, body = BUF_INIT;
	const char *own[1] = { a->email.buf };
	int rc = -1, c;
	size_t quoted, i;

	if (session_fetch_message(a, arg->uid, &raw) < 0) {
		err_set("cannot fetch the message: %s", a->message.buf);
		goto out;
	}
	o.own = own;
	o.n_own = 1;
	if (arg->mode == VIEW_COMPOSE_REPLY) {
		o.kind = COMPOSE_REPLY;
	} else if (arg->mode == VIEW_COMPOSE_REPLY_ALL) {
		o.kind = COMPOSE_REPLY_ALL;
	} else {
		c = prompt_choice(a, "Forward inline (i) or as an attachment "
				     "(a)?",
				  "ia");
		if (c < 0) {
			err_set("forward cancelled");
			goto out;
		}
		o.kind = c == 0 ? COMPOSE_FORWARD : COMPOSE_FORWARD_ATTACHED;
		o.keep_attachments = 1;
	}
	if (compose_start(raw.buf, raw.len, &o, &s) < 0) {
		compose_start_free(&s);
		goto out;
	}
	editor_set_text(&p->ed[CF_TO], s.to, strlen(s.to));
	editor_set_text(&p->ed[CF_CC], s.cc, strlen(s.cc));
	editor_set_text(&p->ed[CF_SUBJECT], s.subject, strlen(s.subject));
	buf_adds(&body, s.body);
	quoted = body.len;
	if (o.kind == COMPOSE_REPLY || o.kind == COMPOSE_REPLY_ALL) {
		/* The answer goes under the quote, above the signature. */
		while (body.len && body.buf[body.len - 1] == '\n')
			buf_setlen(&body, body.len - 1);
		buf_adds(&body, "\n\n");
		quoted = body.len;
		compose_signature(a, &body);
	}
	editor_set_text(&p->ed[CF_BODY], body.buf, body.len);
	if (o.kind == COMPOSE_REPLY || o.kind == COMPOSE_REPLY_ALL) {
		/* The cursor on the empty line under the quote. */
		for (i = 0; i < quoted; i++)
			if (body.buf[i] == '\n')
				p->ed[CF_BODY].cur.line++;
		if (p->ed[CF_BODY].cur.line >= p->ed[CF_BODY].n)
			p->ed[CF_BODY].cur.line = p->ed[CF_BODY].n - 1;
		p->field = CF_BODY;
	} else {
		p->field = CF_TO;
	}
	p->in_reply_to = s.in_reply_to;
	p->references = s.references;
	s.in_reply_to = s.references = NULL;
	compose_att_take(p, s.att, s.n_att);
	s.att = NULL;
	s.n_att = 0;
	p->orig_folder = xstrdup(arg->folder);
	p->orig_uid = arg->uid;
	p->orig_flag = o.kind == COMPOSE_REPLY || o.kind == COMPOSE_REPLY_ALL
			       ? IMAP_FLAG_ANSWERED
			       : IMAP_FLAG_FORWARDED;
	compose_start_free(&s);
	rc = 0;
out:
	buf_release(&raw);
	buf_release(&body);
	return rc;
}

/*
 * Puts the cursor where writing goes on: the end of the text, or of the
 * last line with text above the signature.
 */
static void
compose_cursor_before_signature(struct editor *e)
{
	size_t i;

	editor_last(e);
	for (i = e->n; i-- > 0;) {
		if (e->lines[i].len == 3 && memcmp(e->lines[i].s, "-- ", 3) == 0) {
			while (i > 0 && e->lines[i - 1].len == 0)
				i--;
			if (i > 0) {
				e->cur.line = i - 1;
				e->cur.col = e->lines[i - 1].len;
			}
			break;
		}
	}
}

/* Fills the fields from the draft under arg (in the open folder). */
static int
compose_open_draft(struct app *a, struct compose_priv *p,
		   const struct view_compose_arg *arg)
{
	struct compose_draft d;
	struct buf raw = BUF_INIT;
	char folder[512];
	unsigned uid;
	int rc = -1;

	if (session_fetch_message(a, arg->uid, &raw) < 0) {
		err_set("cannot fetch the draft: %s", a->message.buf);
		goto out;
	}
	if (compose_draft_parse(raw.buf, raw.len, &d) < 0) {
		compose_draft_free(&d);
		goto out;
	}
	editor_set_text(&p->ed[CF_TO], d.to, strlen(d.to));
	editor_set_text(&p->ed[CF_CC], d.cc, strlen(d.cc));
	editor_set_text(&p->ed[CF_BCC], d.bcc, strlen(d.bcc));
	editor_set_text(&p->ed[CF_SUBJECT], d.subject, strlen(d.subject));
	editor_set_text(&p->ed[CF_BODY], d.body, strlen(d.body));
	p->in_reply_to = d.in_reply_to;
	p->references = d.references;
	d.in_reply_to = d.references = NULL;
	if (d.origin && sscanf(d.origin, "%*s %u %511[^\n]", &uid, folder) == 2) {
		p->orig_uid = uid;
		p->orig_folder = xstrdup(folder);
		p->orig_flag = strncmp(d.origin, "answered", 8) == 0
				       ? IMAP_FLAG_ANSWERED
				       : IMAP_FLAG_FORWARDED;
	}
	compose_att_take(p, d.att, d.n_att);
	d.att = NULL;
	d.n_att = 0;
	/*
	 * Another program's draft may hold what the composer cannot keep
	 * (HTML, inline parts, other charsets): it stays as it is, and
	 * what is saved from here is a new draft beside it.
	 */
	p->draft_uid = d.ours ? arg->uid : 0;
	if (!d.ours)
		app_message(a, "a draft from another mail program: it stays "
			       "in Drafts as it was");
	p->draft_folder = xstrdup(arg->folder);
	p->field = d.to[0] ? CF_BODY : CF_TO;
	compose_cursor_before_signature(&p->ed[CF_BODY]);
	compose_draft_free(&d);
	rc = 0;
out:
	buf_release(&raw);
	return rc;
}

static int
compose_open(struct app *a, struct view *v, const void *varg)
{
	const struct view_compose_arg *arg = varg;
	struct compose_priv *p;
	struct buf body = BUF_INIT;
	int i, rc = 0;

	p = calloc(1, sizeof(*p));
	if (!p)
		fatal("out of memory");
	v->priv = p;
	for (i = 0; i < CF_N; i++)
		editor_init(&p->ed[i]);
	p->cur_row = -1;
	p->last_save = time(NULL);
	switch (arg ? arg->mode : VIEW_COMPOSE_NEW) {
	case VIEW_COMPOSE_NEW:
		if (arg && arg->to)
			editor_set_text(&p->ed[CF_TO], arg->to,
					strlen(arg->to));
		p->field = arg && arg->to ? CF_SUBJECT : CF_TO;
		compose_signature(a, &body);
		editor_set_text(&p->ed[CF_BODY], body.buf, body.len);
		break;
	case VIEW_COMPOSE_DRAFT:
		rc = compose_open_draft(a, p, arg);
		break;
	default:
		rc = compose_open_start(a, p, arg);
		break;
	}
	buf_release(&body);
	/* What the composer starts with is not a change worth a draft. */
	p->saved = compose_gen(p);
	return rc;
}

/* Remembers the recipients of a sent message for completion. */
static void
compose_remember(struct app *a, const struct compose_msg *m)
{
	struct compose_addr_list l = { 0 };
	struct buf old = BUF_INIT, out = BUF_INIT, one = BUF_INIT;
	const char *texts[3] = { m->to, m->cc, m->bcc };
	const char *line, *nl;
	size_t i, j, kept = 0;

	if (!a->cache)
		return;
	for (i = 0; i < 3; i++)
		compose_parse_addresses(texts[i], COMPOSE_FIELD_TO, &l, NULL);
	cache_setting_get(a->cache, COMPOSE_RECENT_KEY, &old);
	for (j = 0; j < l.n && kept < COMPOSE_RECENT_MAX; j++, kept++) {
		struct compose_addr_list one_l = { &l.v[j], 1 };
		char *s = compose_format_addresses(&one_l);

		buf_addf(&out, "%s\n", s);
		free(s);
	}
	for (line = old.buf; *line && kept < COMPOSE_RECENT_MAX; line = nl) {
		nl = strchr(line, '\n');
		nl = nl ? nl + 1 : line + strlen(line);
		buf_reset(&one);
		buf_add(&one, line, (size_t)(nl - line));
		/* Already at the top: leave the older line out. */
		for (j = 0; j < l.n; j++)
			if (strcasestr(one.buf, l.v[j].addr))
				break;
		if (j < l.n || one.len < 2)
			continue;
		buf_add(&out, one.buf, one.len);
		kept++;
	}
	cache_setting_set(a->cache, COMPOSE_RECENT_KEY, out.buf);
	compose_addr_list_free(&l);
	buf_release(&old);
	buf_release(&out);
	buf_release(&one);
}

/* The progress of a big send, on the message line. */
static void
compose_progress(size_t sent, size_t total, void *arg)
{
	struct app *a = arg;
	static unsigned last = 101;
	unsigned pct = total ? (unsigned)(sent * 100 / total) : 100;

	if (sent == 0)
		last = 101;

	if (pct / 10 == last / 10 && pct != 100)
		return;
	last = pct;
	app_message(a, "sending... %u%%", pct);
	app_draw(a);
	display_refresh();
}

/* Puts the cursor on the field and entry e points at. */
static void
compose_point_at(struct compose_priv *p, const struct compose_error *e)
{
	enum cfield f;

	switch (e->field) {
	case COMPOSE_FIELD_TO:
		f = CF_TO;
		break;
	case COMPOSE_FIELD_CC:
		f = CF_CC;
		break;
	case COMPOSE_FIELD_BCC:
		f = CF_BCC;
		break;
	case COMPOSE_FIELD_SUBJECT:
		f = CF_SUBJECT;
		break;
	case COMPOSE_FIELD_BODY:
		f = CF_BODY;
		break;
	default:
		return;
	}
	p->field = f;
	if (f != CF_BODY && e->offset <= p->ed[f].lines[0].len) {
		p->ed[f].cur.line = 0;
		p->ed[f].cur.col = e->offset;
	}
}

/* Sets flags on the original message after a reply or forward. */
static void
compose_flag_original(struct app *a, struct compose_priv *p)
{
	size_t i;

	if (!p->orig_uid || !p->orig_folder || !session_online(a))
		return;
	if (a->mbox && strcmp(p->orig_folder, a->folder.buf) == 0 &&
	    mailbox_find_uid(a->mbox, p->orig_uid, &i) == 0) {
		session_set_flags(a, i, p->orig_flag, 1);
		return;
	}
	if (imap_select(a->conn, p->orig_folder, 0,
			&(struct imap_mailbox_info){ 0 }) == 0)
		imap_store_flags(a->conn, &p->orig_uid, 1, p->orig_flag, 1);
	if (compose_reselect(a))
		imap_select(a->conn, compose_reselect(a), 0,
			    &(struct imap_mailbox_info){ 0 });
}

/*
 * Sends the message: checks it (the cursor goes to a bad field), asks
 * to confirm with the recipients named, submits it over SMTP with the
 * user's login, then keeps a copy in Sent, flags the original and drops
 * the draft. On failure the text stays and a draft is saved. Returns 1
 * when the composer is done.
 */
static int
compose_send(struct app *a, struct compose_priv *p)
{
	struct buf bufs[CF_N], q = BUF_INIT, origin = BUF_INIT;
	struct compose_msg m;
	struct compose_out out;
	struct compose_error e = { 0 };
	struct smtp_params sp = { 0 };
	struct door_session ds;
	const struct imap_folder *sent;
	size_t i;
	int rc = 0, sent_ok;

	door_session_init(&ds);
	for (i = 0; i < CF_N; i++)
		buf_init(&bufs[i]);
	memset(&out, 0, sizeof(out));
	buf_init(&out.raw);
	compose_msg_fill(a, p, bufs, &m, 0, &origin);
	if (compose_build(&m, &out, &e) < 0) {
		app_error(a, "%s", err_msg());
		compose_point_at(p, &e);
		goto out;
	}
	if (!a->smtp_host.len) {
		app_error(a, "sending is not set up here (no [smtp] host)");
		goto out;
	}
	buf_adds(&q, "Send to ");
	for (i = 0; i < out.n_rcpt; i++) {
		if (i == 4 && out.n_rcpt > 5) {
			buf_addf(&q, " and %zu more", out.n_rcpt - 4);
			break;
		}
		buf_addf(&q, "%s%s", i ? ", " : "", out.rcpt[i]);
	}
	buf_addch(&q, '?');
	if (!prompt_yesno(a, q.buf)) {
		app_message(a, "not sent");
		goto out;
	}
	app_message(a, "sending to %zu recipient%s...", out.n_rcpt,
		    out.n_rcpt == 1 ? "" : "s");
	app_draw(a);
	display_refresh();

	sp.host = a->smtp_host.buf;
	sp.port = a->smtp_port;
	sp.security = a->smtp_security;
	sp.verify_cert = a->smtp_verify;
	sp.ca_file = a->imap_ca_file.buf;
	sp.user = a->imap_user.buf;
	sp.client_addr = a->client_addr.len ? a->client_addr.buf : NULL;
	sp.progress = compose_progress;
	sp.progress_arg = a;
	if (a->door) {
		if (door_hello(DOOR_FD, &ds) < 0) {
			err_prefix("cannot ask the door for the login");
			sent_ok = -1;
			goto failed;
		}
		sp.pass = ds.imap_pass.buf;
	} else {
		sp.pass = a->pass.buf;
	}
	sent_ok = smtp_send(&sp, out.from, out.rcpt, out.n_rcpt, out.raw.buf,
			    out.raw.len);
	buf_release_secret(&ds.imap_pass);
failed:
	if (sent_ok < 0) {
		buf_reset(&q);
		buf_adds(&q, err_msg());
		compose_save_draft(a, p, 0);
		app_error(a, "NOT sent (%s): %s",
			  p->saved == compose_gen(p) ? "draft saved"
						     : "draft NOT saved",
			  q.buf);
		goto out;
	}
	compose_remember(a, &m);
	buf_reset(&q);
	buf_addf(&q, "sent to %zu recipient%s", out.n_rcpt,
		 out.n_rcpt == 1 ? "" : "s");
	sent = session_special(a, IMAP_SPECIAL_SENT);
	if (a->save_sent && session_online(a)) {
		if (!sent)
			buf_adds(&q, "; no Sent folder to keep a copy in");
		else if (imap_append(a->conn, sent->name, IMAP_FLAG_SEEN,
				     out.raw.buf, out.raw.len, NULL) < 0)
			buf_addf(&q, "; no copy in Sent: %s", err_msg());
	}
	compose_flag_original(a, p);
	compose_drop_remote(a, p);
	compose_drop_local(p);
	p->closing = 1;
	rc = 1;
	app_pop(a);
	/* After app_pop() the message line belongs to the view below. */
	app_message(a, "%s", q.buf);
out:
	door_session_release(&ds);
	compose_out_free(&out);
	for (i = 0; i < CF_N; i++)
		buf_release(&bufs[i]);
	buf_release(&q);
	buf_release(&origin);
	return rc;
}

/* Postpone: the draft to Drafts, and the composer closes. */
static void
compose_postpone(struct app *a, struct compose_priv *p)
{
	if (compose_save_draft(a, p, 1) < 0)
		return;
	p->closing = 1;
	app_pop(a);
	app_message(a, "draft saved; open it from Drafts to go on");
}

/* Cancel: asks whether to keep the draft. */
static void
compose_cancel(struct app *a, struct compose_priv *p)
{
	int c;

	if (!compose_dirty(p) && !p->draft_uid && !p->local_draft) {
		p->closing = 1;
		app_pop(a);
		return;
	}
	c = prompt_choice(a, "Keep the draft (k), discard it (d), or "
			     "continue editing (c)?",
			  "kdc");
	if (c == 0) {
		compose_postpone(a, p);
	} else if (c == 1) {
		compose_drop_remote(a, p);
		compose_drop_local(p);
		p->closing = 1;
		app_pop(a);
		app_message(a, "message discarded");
	}
}

/* The MIME type of a file name, from its extension. */
static const char *
compose_guess_type(const char *name)
{
	static const char *const types[][2] = {
		{ "pdf", "application/pdf" },  { "png", "image/png" },
		{ "jpg", "image/jpeg" },       { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },	       { "txt", "text/plain" },
		{ "csv", "text/csv" },	       { "html", "text/html" },
		{ "zip", "application/zip" },  { "gz", "application/gzip" },
		{ "eml", "message/rfc822" },   { "json", "application/json" },
		{ "odt", "application/vnd.oasis.opendocument.text" },
		{ "docx", "application/vnd.openxmlformats-officedocument."
			  "wordprocessingml.document" },
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot + 1, types[i][0]) == 0)
				return types[i][1];
	return "application/octet-stream";
}

/* Asks for a file and attaches it: a regular file this user can read. */
static void
compose_attach(struct app *a, struct compose_priv *p)
{
	struct compose_attachment *at;
	struct buf path = BUF_INIT;
	struct stat st;
	const char *base;
	char *data = NULL;
	size_t off = 0;
	ssize_t r;
	int fd = -1;

	if (prompt_text(a, "Attach file: ", &path) < 0 || !path.len)
		goto out;
	/* Non-blocking: a FIFO must not hang the session. */
	fd = open(path.buf, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		app_error(a, "cannot open '%s': %s", path.buf, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		app_error(a, "'%s' is not a regular file", path.buf);
		goto out;
	}
	if (st.st_size > COMPOSE_ATTACH_MAX) {
		app_error(a, "'%s' is too big to attach (%lld MB, at most %d)",
			  path.buf, (long long)st.st_size >> 20,
			  COMPOSE_ATTACH_MAX >> 20);
		goto out;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data)
		fatal("out of memory");
	while (off < (size_t)st.st_size) {
		r = read(fd, data + off, (size_t)st.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			app_error(a, "cannot read '%s': %s", path.buf,
				  r < 0 ? strerror(errno) : "short file");
			goto out;
		}
		off += (size_t)r;
	}
	at = calloc(1, sizeof(*at));
	if (!at)
		fatal("out of memory");
	base = strrchr(path.buf, '/');
	at->filename = xstrdup(base ? base + 1 : path.buf);
	at->type = xstrdup(compose_guess_type(at->filename));
	at->data = data;
	at->len = off;
	data = NULL;
	compose_att_take(p, at, 1);
	app_message(a, "attached '%s' (%s, %zu bytes)",
		    p->att[p->n_att - 1].filename, p->att[p->n_att - 1].type,
		    p->att[p->n_att - 1].len);
out:
	if (fd >= 0)
		close(fd);
	free(data);
	buf_release(&path);
}

static void
compose_detach(struct app *a, struct compose_priv *p)
{
	struct compose_attachment *at;

	if (!p->n_att) {
		app_error(a, "no attachment to remove");
		return;
	}
	at = &p->att[--p->n_att];
	app_message(a, "removed '%s'", at->filename);
	free(at->filename);
	free(at->type);
	free(at->data);
	p->att_gen++;
}

/* Adds candidate s unless it is there already; 1 when added. */
static int
compose_comp_add(struct compose_priv *p, const char *s)
{
	size_t i;
	char *c;

	if (p->n_comp == COMPOSE_COMPLETIONS || !*s)
		return 0;
	for (i = 0; i < p->n_comp; i++)
		if (strcasecmp(p->comp[i], s) == 0)
			return 0;
	/*
	 * A name from mail (decoded RFC 2047) may hold a line break: a
	 * header field is one line, so every control becomes a space.
	 */
	c = xstrdup(s);
	for (i = 0; c[i]; i++)
		if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
			c[i] = ' ';
	p->comp[p->n_comp++] = c;
	return 1;
}

/*
 * Completes the address being typed in To, Cc or Bcc: from the
 * recipients used before (kept in the cache) and the correspondents of
 * the search index. Asked again at once, the next candidate.
 */
static void
compose_complete(struct app *a, struct compose_priv *p)
{
	struct editor *e = &p->ed[p->field];
	struct editor_line *l = &e->lines[0];
	struct search_address found[COMPOSE_COMPLETIONS];
	struct buf prefix = BUF_INIT, recent = BUF_INIT, line = BUF_INIT;
	size_t start = e->cur.col, i;
	const char *s, *nl;
	int n;

	if (p->field > CF_BCC) {
		app_error(a, "completion works in To, Cc and Bcc");
		return;
	}
	while (start > 0 && l->s[start - 1] != ',' && l->s[start - 1] != ';')
		start--;
	while (start < e->cur.col && l->s[start] == ' ')
		start++;
	if (p->n_comp && p->comp_gen == e->gen) {
		p->comp_i = (p->comp_i + 1) % p->n_comp;
	} else {
		compose_comp_clear(p);
		buf_add(&prefix, l->s + start, e->cur.col - start);
		if (a->cache &&
		    cache_setting_get(a->cache, COMPOSE_RECENT_KEY, &recent) ==
			    0) {
			for (s = recent.buf; *s; s = nl) {
				nl = strchr(s, '\n');
				nl = nl ? nl + 1 : s + strlen(s);
				buf_reset(&line);
				buf_add(&line, s, (size_t)(nl - s));
				buf_rtrim(&line);
				if (strcasestr(line.buf, prefix.buf))
					compose_comp_add(p, line.buf);
			}
		}
		if (a->search) {
			n = search_addresses(a->search, prefix.buf, found,
					     COMPOSE_COMPLETIONS);
			for (i = 0; n > 0 && i < (size_t)n; i++) {
				struct compose_addr one = { found[i].name,
							    found[i].addr };
				struct compose_addr_list ol = { &one, 1 };
				char *f = compose_format_addresses(&ol);

				compose_comp_add(p, f);
				free(f);
			}
			if (n > 0)
				search_addresses_clear(found, (size_t)n);
		}
		if (!p->n_comp) {
			app_error(a, "no address known for '%s'", prefix.buf);
			goto out;
		}
	}
	/* Replace the entry with the candidate, as one undo step. */
	editor_undo_break(e);
	while (e->cur.col > start)
		editor_backspace(e);
	editor_insert(e, p->comp[p->comp_i], strlen(p->comp[p->comp_i]));
	editor_undo_break(e);
	p->comp_gen = e->gen;
	if (p->n_comp > 1)
		app_message(a, "%zu of %zu; again for the next", p->comp_i + 1,
			    p->n_comp);
out:
	buf_release(&prefix);
	buf_release(&recent);
	buf_release(&line);
}

/* Moves to the next (dir 1) or previous (-1) field, round. */
static void
compose_field_step(struct compose_priv *p, int dir)
{
	p->field = (enum cfield)(((int)p->field + dir + CF_N) % CF_N);
	editor_undo_break(&p->ed[p->field]);
}

static int
compose_request(struct app *a, struct view *v, enum tui_request req)
{
	struct compose_priv *p = v->priv;
	struct editor *e = &p->ed[p->field];
	int body = p->field == CF_BODY, cols = p->body_cols > 0 ? p->body_cols
							       : 80;
	int page = p->body_rows > 1 ? p->body_rows - 1 : 1, i;

	switch (req) {
	case REQ_CHAR_LEFT:
		editor_left(e);
		break;
	case REQ_CHAR_RIGHT:
		editor_right(e);
		break;
	case REQ_WORD_LEFT:
		editor_word_left(e);
		break;
	case REQ_WORD_RIGHT:
		editor_word_right(e);
		break;
	case REQ_LINE_START:
		editor_line_start(e);
		break;
	case REQ_LINE_END:
		editor_line_end(e);
		break;
	case REQ_MOVE_UP:
		if (!body || editor_up(e, cols) < 0)
			compose_field_step(p, -1);
		break;
	case REQ_MOVE_DOWN:
		if (!body)
			compose_field_step(p, 1);
		else
			editor_down(e, cols);
		break;
	case REQ_PAGE_UP:
	case REQ_PAGE_DOWN:
		for (i = 0; body && i < page; i++)
			if ((req == REQ_PAGE_UP ? editor_up(e, cols)
						: editor_down(e, cols)) < 0)
				break;
		break;
	case REQ_FIRST:
		editor_first(e);
		break;
	case REQ_LAST:
		editor_last(e);
		break;
	case REQ_NEWLINE:
		if (body)
			editor_newline(e);
		else
			compose_field_step(p, 1);
		break;
	case REQ_BACKSPACE:
		editor_backspace(e);
		break;
	case REQ_DELETE_CHAR:
		editor_delete_char(e);
		break;
	case REQ_DELETE_WORD:
		editor_delete_word(e);
		break;
	case REQ_DELETE_LINE:
		editor_delete_line(e);
		break;
	case REQ_UNDO:
		if (editor_undo(e) < 0)
			app_message(a, "nothing to undo");
		break;
	case REQ_REDO:
		if (editor_redo(e) < 0)
			app_message(a, "nothing to redo");
		break;
	case REQ_NEXT_FIELD:
		compose_field_step(p, 1);
		break;
	case REQ_PREV_FIELD:
		compose_field_step(p, -1);
		break;
	case REQ_COMPLETE:
		compose_complete(a, p);
		break;
	case REQ_ATTACH:
		compose_attach(a, p);
		break;
	case REQ_DETACH:
		compose_detach(a, p);
		break;
	case REQ_SEND:
		compose_send(a, p);
		break;
	case REQ_POSTPONE:
		compose_postpone(a, p);
		break;
	case REQ_CANCEL:
	case REQ_BACK:
		compose_cancel(a, p);
		break;
	case REQ_HELP:
	case REQ_REDRAW:
		return VIEW_PASS;
	default:
		app_message(a, "%s: not available in the composer",
			    request_name(req));
		break;
	}
	return VIEW_DONE;
}

/* Whether key k is text to type. */
static int
compose_printable(int k)
{
	return k >= 0x20 && k < TK_BASE && k != 0x7f && !(k >= 0x80 && k < 0xa0);
}

/* Whether key k belongs to a bracketed paste: a bracket, or inside one. */
static int
compose_in_paste(const struct compose_priv *p, int k)
{
	return p->pasting || k == TK_PASTE_START || k == TK_PASTE_END;
}

/*
 * Takes key k of a bracketed paste as text. In the text a tab becomes
 * spaces to the next tab stop (the editor's rule: columns, soft wrap and
 * the mail sent then look alike everywhere) and Enter a new line. In an
 * address field the lines are joined with ", " (one address a line is
 * a list), in Subject only the first line is kept. Other control
 * characters and function keys are dropped: none of them is a request.
 * Each paste is one undo step.
 */
static void
compose_paste_key(struct app *a, struct compose_priv *p, int k)
{
	struct editor *e = &p->ed[p->field];
	int body = p->field == CF_BODY;

	if (k == TK_PASTE_START || k == TK_PASTE_END) {
		if (k == TK_PASTE_END && p->paste_dropped)
			app_message(a, "Subject: only the first line of the "
				       "paste was kept");
		editor_undo_break(e);
		p->pasting = k == TK_PASTE_START;
		p->paste_text = p->paste_break = p->paste_dropped = 0;
		return;
	}
	if (k == TK_ENTER) {
		if (body)
			editor_newline(e);
		else if (p->paste_text)
			p->paste_break = 1;
		return;
	}
	if (k != TK_TAB && !compose_printable(k))
		return;
	if (p->paste_break && p->field == CF_SUBJECT) {
		p->paste_dropped = 1;
		return;
	}
	if (p->paste_break) {
		editor_insert(e, ", ", 2);
		p->paste_break = 0;
	}
	editor_insert_cp(e, (unsigned)k);
	p->paste_text = 1;
}

/*
 * Types unbound printable keys (and a new line in the text) into the
 * field, then every key already waiting (a paste) up to
 * COMPOSE_PASTE_MAX; a bound key among them is handled as its request,
 * and ends the run. A bracketed paste is text, key for key
 * (compose_paste_key()). A pause is counted from the last key taken: a
 * run of a long paste may take longer than COMPOSE_PAUSE_MS to type in,
 * and must stay one undo step with the next.
 */
static int
compose_key(struct app *a, struct view *v, int key)
{
	struct compose_priv *p = v->priv;
	enum tui_request req = keymap_lookup(a->km, KM_COMPOSER, key);
	enum keymap_ctx ctx = KM_COMPOSER;
	size_t n = 0;
	int k;

	if (!compose_in_paste(p, key) &&
	    (req == REQ_NEWLINE ? p->field != CF_BODY
				: req != REQ_NONE || !compose_printable(key)))
		return VIEW_PASS;
	if (!p->pasting &&
	    compose_now_ms() - p->last_key_ms >= COMPOSE_PAUSE_MS)
		editor_undo_break(&p->ed[p->field]);
	if (compose_in_paste(p, key))
		compose_paste_key(a, p, key);
	else if (req == REQ_NEWLINE)
		compose_request(a, v, req);
	else
		editor_insert_cp(&p->ed[p->field], (unsigned)key);
	while (n++ < COMPOSE_PASTE_MAX) {
		k = display_key(0, -1);
		if (k < 0) {
			if (k == DISPLAY_HANGUP)
				a->hangup = 1;
			break;
		}
		if (compose_in_paste(p, k)) {
			compose_paste_key(a, p, k);
			continue;
		}
		req = keymap_lookup(a->km, KM_COMPOSER, k);
		if (req == REQ_NONE && compose_printable(k)) {
			editor_insert_cp(&p->ed[p->field], (unsigned)k);
			continue;
		}
		if (req == REQ_NEWLINE) {
			/* Lines of a paste: keep going. */
			compose_request(a, v, req);
			continue;
		}
		if (req == REQ_NONE || k == TK_RESIZE)
			break;
		/* The request may close the composer, and free p. */
		p->last_key_ms = compose_now_ms();
		if (compose_request(a, v, req) == VIEW_PASS) {
			if (req == REQ_HELP)
				app_push(a, &view_help_ops, &ctx);
			else
				display_redraw();
		}
		return VIEW_DONE;
	}
	p->last_key_ms = compose_now_ms();
	return VIEW_DONE;
}

/* Draws one header field on row; sets the cursor when it is current. */
static void
compose_draw_field(struct compose_priv *p, enum cfield f, int row,
		   const struct view_rect *r)
{
	struct editor *e = &p->ed[f];
	struct editor_line *l = &e->lines[0];
	int lw = text_width(cfield_label[f], strlen(cfield_label[f]));
	int avail = r->cols - lw - 1, cw;
	size_t skip = 0;

	display_text_pad(row, r->col, lw, TH_HEADER_NAME, cfield_label[f],
			 strlen(cfield_label[f]));
	if (avail < 1)
		return;
	/*
	 * Scroll the field sideways so that the cursor shows: walk back
	 * from the cursor while the characters fit (linear, so a field
	 * holding a long paste still draws at once).
	 */
	if (p->field == f && text_width(l->s, e->cur.col) >= avail) {
		size_t k = e->cur.col, prev;
		int w = 0;

		while (k > 0) {
			prev = k - 1;
			while (prev > 0 &&
			       ((unsigned char)l->s[prev] & 0xC0) == 0x80)
				prev--;
			cw = text_width(l->s + prev, k - prev);
			if (w + cw >= avail)
				break;
			w += cw;
			k = prev;
		}
		skip = k;
	}
	display_text_pad(row, r->col + lw, r->cols - lw, TH_HEADER,
			 l->s + skip, l->len - skip);
	if (p->field == f) {
		cw = text_width(l->s + skip, e->cur.col - skip);
		p->cur_row = row;
		p->cur_col = r->col + lw + cw;
	}
}

/* The look of a line of the text: quotes by depth, the signature. */
static enum theme_element
compose_line_look(const struct editor_line *l, int *in_sig)
{
	size_t i, depth = 0;

	if (l->len == 3 && memcmp(l->s, "-- ", 3) == 0)
		*in_sig = 1;
	if (*in_sig)
		return TH_SIGNATURE;
	for (i = 0; i < l->len && (l->s[i] == '>' || l->s[i] == ' '); i++)
		if (l->s[i] == '>')
			depth++;
	return depth == 0   ? TH_NORMAL
	       : depth == 1 ? TH_QUOTE1
	       : depth == 2 ? TH_QUOTE2
			    : TH_QUOTE3;
}

/* Appends n bytes as "1.2 MB", "34 kB" or "56 B". */
static void
compose_add_size(struct buf *b, size_t n)
{
	if (n >= 1024 * 1024)
		buf_addf(b, "%.1f MB", (double)n / (1024 * 1024));
	else if (n >= 1024)
		buf_addf(b, "%zu kB", n / 1024);
	else
		buf_addf(b, "%zu B", n);
}

static void
compose_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	struct compose_priv *p = v->priv;
	struct editor *e = &p->ed[CF_BODY];
	struct editor_counts c;
	struct buf b = BUF_INIT;
	size_t line, row, nrows, *starts = NULL, max = 0, end;
	int y = r->row, bottom = r->row + r->rows, in_sig = 0, f, col;
	enum theme_element look;

	p->cur_row = -1;
	if (a->display_name.len)
		buf_addf(&b, "From: %s <%s>", a->display_name.buf,
			 a->email.buf);
	else
		buf_addf(&b, "From: %s", a->email.buf);
	if (y < bottom)
		display_text_pad(y++, r->col, r->cols, TH_HEADER_NAME, b.buf,
				 b.len);
	for (f = CF_TO; f <= CF_SUBJECT && y < bottom; f++)
		compose_draw_field(p, (enum cfield)f, y++, r);
	if (p->n_att && y < bottom) {
		size_t i;

		buf_reset(&b);
		buf_adds(&b, "Attached: ");
		for (i = 0; i < p->n_att; i++) {
			buf_addf(&b, "%s%s (%s, ", i ? "; " : "",
				 p->att[i].filename,
				 p->att[i].type ? p->att[i].type
						: "application/octet-stream");
			compose_add_size(&b, p->att[i].len);
			buf_addch(&b, ')');
		}
		display_text_pad(y++, r->col, r->cols, TH_ATTACHMENT, b.buf,
				 b.len);
	}
	editor_counts(e, &c);
	buf_reset(&b);
	buf_addf(&b, "--- %zu line%s, %zu word%s, %zu character%s%s ", c.lines,
		 c.lines == 1 ? "" : "s", c.words, c.words == 1 ? "" : "s",
		 c.chars, c.chars == 1 ? "" : "s",
		 compose_dirty(p) ? ", not saved" : "");
	if (y < bottom)
		display_text_pad(y++, r->col, r->cols, TH_STATUS, b.buf, b.len);
	p->body_cols = r->cols > 1 ? r->cols - 1 : 1;
	p->body_rows = bottom - y;
	if (p->body_rows < 1)
		goto out;
	editor_scroll(e, p->body_cols, p->body_rows);
	/* Whether the lines above the first shown are in the signature. */
	for (line = 0; line < e->top_line; line++)
		compose_line_look(&e->lines[line], &in_sig);
	for (line = e->top_line; line < e->n && y < bottom; line++) {
		struct editor_line *l = &e->lines[line];

		look = compose_line_look(l, &in_sig);
		nrows = editor_wrap(l->s, l->len, p->body_cols, NULL, 0);
		if (nrows > max) {
			free(starts);
			max = nrows;
			starts = reallocarray(NULL, max, sizeof(*starts));
			if (!starts)
				fatal("out of memory");
		}
		editor_wrap(l->s, l->len, p->body_cols, starts, max);
		for (row = line == e->top_line ? e->top_row : 0;
		     row < nrows && y < bottom; row++) {
			end = row + 1 < nrows ? starts[row + 1] : l->len;
			display_text_pad(y++, r->col, r->cols, look,
					 l->s + starts[row], end - starts[row]);
		}
	}
	while (y < bottom)
		display_fill(y++, r->col, r->cols, TH_NORMAL);
	if (p->field == CF_BODY) {
		editor_cursor_row(e, p->body_cols, &row, &col);
		p->cur_row = bottom - p->body_rows + (int)row;
		p->cur_col = r->col + (col < r->cols ? col : r->cols - 1);
	}
out:
	free(starts);
	buf_release(&b);
}

/*
 * After the screen is shown: the cursor goes to the field (the app draws
 * the status bar last), and a changed draft is saved every
 * COMPOSE_AUTOSAVE_S seconds.
 */
static void
compose_idle(struct app *a, struct view *v)
{
	struct compose_priv *p = v->priv;

	if (p->cur_row >= 0) {
		display_cursor(p->cur_row, p->cur_col);
		display_refresh();
	}
	if (compose_dirty(p) &&
	    time(NULL) - p->last_save >= COMPOSE_AUTOSAVE_S) {
		long t0 = compose_now_ms();

		if (compose_save_draft(a, p, 0) == 0)
			app_message(a, "draft saved");
		else
			p->last_save = time(NULL);
		/* Keys wait while a draft is saved: that is no pause. */
		p->last_key_ms += compose_now_ms() - t0;
	}
}

/* When the autosave is due: the key loop wakes for it even while IDLE. */
static int
compose_wake_ms(struct app *a, struct view *v)
{
	struct compose_priv *p = v->priv;
	time_t left;

	(void)a;
	if (!p || !compose_dirty(p))
		return -1;
	left = p->last_save + COMPOSE_AUTOSAVE_S - time(NULL);
	return left > 0 ? (int)left * 1000 : 0;
}

/* Closes the composer; unsaved changes go to a draft first. */
static void
compose_done(struct app *a, struct view *v)
{
	struct compose_priv *p = v->priv;
	int i;

	display_cursor(-1, 0);
	if (!p)
		return;
	if (!p->closing && compose_dirty(p))
		compose_save_draft(a, p, 0);
	for (i = 0; i < CF_N; i++)
		editor_release(&p->ed[i]);
	compose_att_clear(p->att, p->n_att);
	compose_comp_clear(p);
	free(p->in_reply_to);
	free(p->references);
	free(p->orig_folder);
	free(p->draft_folder);
	free(p->local_draft);
	free(p);
	v->priv = NULL;
}

/*
 * At login: the drafts kept on this host while IMAP was down go to
 * Drafts, and the message line says so. Returns how many moved.
 */
int
view_compose_flush_local(struct app *a)
{
	struct buf dir = BUF_INIT, path = BUF_INIT, raw = BUF_INIT;
	const char *drafts = compose_drafts_folder(a);
	struct dirent *de;
	char chunk[8192];
	ssize_t r;
	DIR *d = NULL;
	int fd, moved = 0, left = 0;

	if (!drafts || !session_online(a) || !a->state_dir.len)
		goto out;
	buf_addf(&dir, "%s/drafts", a->state_dir.buf);
	d = opendir(dir.buf);
	if (!d)
		goto out;
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);

		if (nl < 5 || strcmp(de->d_name + nl - 4, ".eml") != 0)
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir.buf, de->d_name);
		fd = open(path.buf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		buf_reset(&raw);
		while ((r = read(fd, chunk, sizeof(chunk))) > 0)
			buf_add(&raw, chunk, (size_t)r);
		close(fd);
		if (r == 0 &&
		    imap_append(a->conn, drafts, IMAP_FLAG_DRAFT | IMAP_FLAG_SEEN,
				raw.buf, raw.len, NULL) == 0) {
			unlink(path.buf);
			moved++;
		} else {
			left++;
		}
	}
	if (moved)
		app_message(a, "%d draft%s written while the mail server was "
			       "unreachable %s now in %s",
			    moved, moved == 1 ? "" : "s",
			    moved == 1 ? "is" : "are", drafts);
	if (left)
		app_error(a, "%d draft%s in %s could not go to %s yet", left,
			  left == 1 ? "" : "s", dir.buf, drafts);
out:
	if (d)
		closedir(d);
	buf_release(&dir);
	buf_release(&path);
	buf_release(&raw);
	return moved;
}

/*
 * The message list's Enter: in the Drafts folder a message opens in the
 * composer. Returns 0 when it did (or tried, with an error shown), -1
 * when the open folder is not Drafts.
 */
int
view_compose_open_draft(struct app *a)
{
	const struct imap_folder *d = session_special(a, IMAP_SPECIAL_DRAFTS);
	struct view_compose_arg arg = { VIEW_COMPOSE_DRAFT, NULL, 0, NULL };
	struct mailbox_row row;

	if (!d || !a->mbox || session_current_folder(a) != d)
		return -1;
	if (session_row(a, a->cur, &row) < 0 || !row.uid)
		return -1;
	arg.folder = a->folder.buf;
	arg.uid = row.uid;
	app_push(a, &view_compose_ops, &arg);
	return 0;
}

const struct view_ops view_compose_ops = {
	.name = "compose",
	.ctx = KM_COMPOSER,
	.hints = compose_hints,
	.open = compose_open,
	.draw = compose_draw,
	.request = compose_request,
	.key = compose_key,
	.idle = compose_idle,
	.wake_ms = compose_wake_ms,
	.done = compose_done,
};
