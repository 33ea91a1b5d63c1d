/*
 * index.h: the mail layer under the UI, its one public header.
 *
 * Files: imap.c (IMAP sessions over libetpan, with TLS verified by GnuTLS
 * because libetpan does not verify certificates), cache.c (the per-user
 * header cache), mailbox.c (the open folder's order and envelopes),
 * mime.c and html.c (rendering a message for the pager). Later: smtp.c,
 * search.c.
 *
 * Functions return 0 (or a count) and -1 with err_msg() set.
 *
 * IMAP: imap_open() connects (port 0: 993 for tls, 143 otherwise), runs
 * TLS or STARTTLS and sends ID x-originating-ip when client_addr is set;
 * imap_login(), imap_status() (STATUS MESSAGES UNSEEN) use the session;
 * imap_close() sends LOGOUT and frees it. Every network step gives up
 * after 15 s. imap_check_login() is the door's password check: one
 * connection, and a refusal kept apart from an unreachable server.
 */
#ifndef TUIMAIL_INDEX_H
#define TUIMAIL_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* How to reach an IMAP server; strings are borrowed. */
struct imap_params {
	const char *host;
	unsigned port;
	int security;	     /* enum conf_security: tls, starttls, none */
	int verify_cert;     /* verify chain and host name */
	const char *ca_file; /* NULL or "": the system trust store */
	const char *client_addr; /* sent as ID x-originating-ip, or NULL */
};

enum imap_login_result {
	IMAP_LOGIN_ERROR = -1,	 /* could not ask: network, TLS, protocol */
	IMAP_LOGIN_REFUSED = 0,	 /* the server said no */
	IMAP_LOGIN_ACCEPTED = 1,
};

struct imap_conn; /* an open IMAP session */

int imap_open(struct imap_conn **out, const struct imap_params *p);
int imap_login(struct imap_conn *c, const char *user, const char *pass);
int imap_status(struct imap_conn *c, const char *mailbox, unsigned *messages,
		unsigned *unseen);
int imap_status_modseq(struct imap_conn *c, const char *mailbox,
		       uint64_t *modseq);
void imap_close(struct imap_conn *c);

int imap_check_login(const struct imap_params *p, const char *user,
		     const char *pass);

/*
 * ---- Reading (issue 4). Every string handed out is owned by the struct
 * that holds it and freed by its _free/_clear function. Strings from the
 * server are raw (not decoded, not sanitised): mime_decode_header() turns
 * header text into UTF-8 and the display sanitises.
 */

/* Message flags, as a bit set. */
enum imap_flag {
	IMAP_FLAG_SEEN = 1 << 0,
	IMAP_FLAG_ANSWERED = 1 << 1,
	IMAP_FLAG_FLAGGED = 1 << 2,
	IMAP_FLAG_DELETED = 1 << 3,
	IMAP_FLAG_DRAFT = 1 << 4,
	IMAP_FLAG_FORWARDED = 1 << 5, /* $Forwarded */
};

/* What a folder is for (RFC 6154 SPECIAL-USE, or guessed from its name). */
enum imap_special {
	IMAP_SPECIAL_NONE,
	IMAP_SPECIAL_INBOX,
	IMAP_SPECIAL_DRAFTS,
	IMAP_SPECIAL_SENT,
	IMAP_SPECIAL_TRASH,
	IMAP_SPECIAL_JUNK,
	IMAP_SPECIAL_ARCHIVE,
};

struct imap_folder {
	char *name;	 /* server name (modified UTF-7), what commands take */
	char *display;	 /* the same in UTF-8, for the screen */
	char delim;	 /* hierarchy delimiter, 0 if none */
	int noselect;	 /* \Noselect or \NonExistent */
	int special;	 /* enum imap_special */
	unsigned messages, unseen; /* from STATUS; 0 when noselect */
};

/* What SELECT (or EXAMINE) told about the open folder. */
struct imap_mailbox_info {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t exists;
	uint64_t highestmodseq; /* 0 without CONDSTORE */
	int readonly;
};

enum imap_sort_key {
	IMAP_SORT_ARRIVAL, /* the server's order, no SORT needed */
	IMAP_SORT_DATE,
	IMAP_SORT_FROM,
	IMAP_SORT_SUBJECT,
	IMAP_SORT_SIZE,
	IMAP_SORT_TO,
};

/* Which messages a listing holds. */
enum imap_limit {
	IMAP_LIMIT_ALL,
	IMAP_LIMIT_UNSEEN,
	IMAP_LIMIT_FLAGGED,
};

/* One row of a threaded order: UID THREAD REFERENCES, flattened. */
struct imap_thread_row {
	uint32_t uid;
	uint32_t depth;	   /* 0 for a thread's root */
	uint32_t children; /* messages below this one in its thread */
};

/* An envelope as the message list needs it; strings raw, owned. */
struct imap_envelope {
	uint32_t uid;
	uint32_t flags; /* enum imap_flag bits */
	uint32_t size;	/* RFC822.SIZE */
	int64_t date;	/* Date: header, Unix seconds; 0 if unparseable */
	int64_t arrival; /* INTERNALDATE */
	char *from;	 /* "Name <addr>" or addr, raw header text */
	char *to;
	char *cc;
	char *subject;
	char *message_id;
	char *in_reply_to;
};

int imap_list_folders(struct imap_conn *c, struct imap_folder **out,
		      size_t *n);
void imap_folders_free(struct imap_folder *f, size_t n);
int imap_select(struct imap_conn *c, const char *folder, int readonly,
		struct imap_mailbox_info *out);
int imap_sort(struct imap_conn *c, enum imap_sort_key key, int reverse,
	      enum imap_limit limit, uint32_t **uids, size_t *n);
int imap_search(struct imap_conn *c, const char *criteria, uint32_t **uids,
		size_t *n);
int imap_thread(struct imap_conn *c, enum imap_limit limit,
		struct imap_thread_row **rows, size_t *n);
int imap_fetch_envelopes(struct imap_conn *c, const uint32_t *uids,
			 size_t n, struct imap_envelope *out);
void imap_envelope_clear(struct imap_envelope *e);
int imap_fetch_flags(struct imap_conn *c, uint64_t changedsince,
		     void (*cb)(uint32_t uid, uint32_t flags, void *arg),
		     void *arg);
int imap_fetch_message(struct imap_conn *c, uint32_t uid, struct buf *raw);
int imap_store_flags(struct imap_conn *c, const uint32_t *uids, size_t n,
		     uint32_t flags, int add);
int imap_copy(struct imap_conn *c, const uint32_t *uids, size_t n,
	      const char *dest, int move);
int imap_expunge(struct imap_conn *c, const uint32_t *uids, size_t n);
/* The composer's drafts and Sent copies (issue 5). */
int imap_append(struct imap_conn *c, const char *folder, uint32_t flags,
		const char *raw, size_t len, uint32_t *uid);
int imap_remove_in(struct imap_conn *c, const char *folder, uint32_t uid,
		   const char *reselect);
int imap_folder_create(struct imap_conn *c, const char *name);
int imap_folder_rename(struct imap_conn *c, const char *from,
		       const char *to);
int imap_folder_delete(struct imap_conn *c, const char *name);
int imap_quota(struct imap_conn *c, uint64_t *used_kb, uint64_t *limit_kb);
int imap_noop(struct imap_conn *c, uint32_t *exists);
int imap_alive(struct imap_conn *c);
int imap_idle_start(struct imap_conn *c);
int imap_idle_fd(struct imap_conn *c);
int imap_idle_done(struct imap_conn *c, int *changed);
int imap_has_capability(struct imap_conn *c, const char *name);
char *imap_utf7_to_utf8(const char *mutf7);
char *imap_utf8_to_utf7(const char *utf8);

/*
 * ---- The header cache (cache.c): the per-user cache.db (sqlite3, 0600,
 * in the user's state dir), envelopes keyed by folder, UIDVALIDITY and
 * UID; a UIDVALIDITY change drops that folder's rows. Also the user's
 * settings (key/value) and, later, seen addresses.
 */
struct cache;

int cache_open(struct cache **out, const char *path);
void cache_close(struct cache *c);
int cache_folder_check(struct cache *c, const char *folder,
		       uint32_t uidvalidity, uint64_t *highestmodseq);
int cache_folder_set_modseq(struct cache *c, const char *folder,
			    uint64_t highestmodseq);
int cache_get_envelopes(struct cache *c, const char *folder,
			const uint32_t *uids, size_t n,
			struct imap_envelope *out, unsigned char *found);
int cache_put_envelopes(struct cache *c, const char *folder,
			const struct imap_envelope *e, size_t n);
int cache_set_flags(struct cache *c, const char *folder, uint32_t uid,
		    uint32_t flags);
int cache_forget(struct cache *c, const char *folder, const uint32_t *uids,
		 size_t n);
int cache_change_flags(struct cache *c, const char *folder,
		       const uint32_t *uids, size_t n, uint32_t bits, int add);
int cache_setting_get(struct cache *c, const char *key, struct buf *out);
int cache_setting_set(struct cache *c, const char *key, const char *value);
/*
 * The last order of a folder's rows (mailbox.c's UIDs or thread rows, as
 * bytes) under a name for the options that made it, kept with the state
 * SELECT reported (UIDVALIDITY, UIDNEXT, EXISTS, HIGHESTMODSEQ): a folder
 * opened again unchanged needs no UID SORT. cache_order_get() returns 1
 * with *rows (the caller's to free) only for exactly that state, else 0.
 */
int cache_order_get(struct cache *c, const char *folder, const char *how,
		    const struct imap_mailbox_info *state, void **rows,
		    size_t *len);
int cache_order_put(struct cache *c, const char *folder, const char *how,
		    const struct imap_mailbox_info *state, const void *rows,
		    size_t len);

/*
 * ---- The open folder as the message list sees it (mailbox.c): the order
 * of its messages (UID SORT or UID THREAD on the server, never every
 * header first) and their envelopes, fetched for the rows asked for plus
 * a margin and kept in the cache.
 */
struct mailbox;

struct mailbox_opts {
	enum imap_sort_key sort;
	int reverse;
	int threaded;
	enum imap_limit limit;
};

/* One row of the list; envelope strings are borrowed from the mailbox. */
struct mailbox_row {
	const struct imap_envelope *env; /* NULL while not yet fetched */
	uint32_t uid;
	uint32_t depth;	   /* thread depth, 0 when not threaded */
	uint32_t children; /* thread members below, for collapsing */
};

int mailbox_open(struct mailbox **out, struct imap_conn *c, struct cache *k,
		 const char *folder, const struct mailbox_opts *o);
/* The cached rows alone, to draw while SELECT runs (see mailbox.c). */
int mailbox_open_preview(struct mailbox **out, struct imap_conn *c,
			 struct cache *k, const char *folder,
			 const struct mailbox_opts *o);
void mailbox_close(struct mailbox *m);
size_t mailbox_count(const struct mailbox *m);
const struct imap_mailbox_info *mailbox_info(const struct mailbox *m);
int mailbox_fetch(struct mailbox *m, size_t first, size_t count);
int mailbox_row(struct mailbox *m, size_t i, struct mailbox_row *out);
int mailbox_reorder(struct mailbox *m, const struct mailbox_opts *o);
int mailbox_refresh(struct mailbox *m, int *changed);
int mailbox_set_flags(struct mailbox *m, size_t i, uint32_t flags, int add);
int mailbox_find_uid(const struct mailbox *m, uint32_t uid, size_t *i);
/*
 * What the session itself did to the open folder, applied in place with
 * no new UID SORT: mailbox_remove_uids() after its own EXPUNGE or MOVE
 * (the UIDs gone; their EXPUNGE responses are not taken for another
 * client's by mailbox_refresh()), mailbox_note_flags() after its own
 * STORE on messages whose rows may not be fetched (mark all read).
 */
int mailbox_remove_uids(struct mailbox *m, const uint32_t *uids, size_t n);
int mailbox_note_flags(struct mailbox *m, const uint32_t *uids, size_t n,
		       uint32_t flags, int add);

/*
 * ---- MIME (mime.c, html.c): a raw message rendered for the pager. GMime
 * parses; text/plain honours format=flowed; text/html becomes text through
 * libxml2's HTML parser with links numbered as footnotes, nothing remote
 * fetched; every charset GMime knows is converted to UTF-8. A message that
 * does not parse is shown raw. The result is sanitised (SAN_NEWLINES).
 */
enum mime_pref { MIME_PREFER_TEXT, MIME_PREFER_HTML };

struct mime_attachment {
	char *filename;	  /* decoded, may be "" */
	char *type;	  /* "image/png" */
	size_t size;	  /* decoded bytes, estimated from the encoding */
	int part;	  /* index for later saving */
};

struct mime_header {
	char *name;
	char *value; /* decoded to UTF-8, sanitised, unfolded */
};

struct mime_view {
	struct mime_header *headers; /* every header, in order */
	size_t n_headers;
	struct buf body;	     /* rendered text, lines end in '\n' */
	struct mime_attachment *attachments;
	size_t n_attachments;
	int had_html;		     /* an HTML alternative exists */
	int raw;		     /* the message did not parse: shown raw */
};

int mime_render(const char *raw, size_t len, enum mime_pref pref,
		struct mime_view *out);
void mime_view_free(struct mime_view *v);
const char *mime_view_header(const struct mime_view *v, const char *name);
char *mime_decode_header(const char *raw);
int html_to_text(const char *html, size_t len, struct buf *out);
int flowed_to_text(const char *text, size_t len, int delsp,
		   struct buf *out);

/*
 * ---- Writing (issue 5): compose.c builds the message to send from what
 * the user typed, with GMime, and prepares the fields of a reply or a
 * forward; smtp.c submits it. Strings in and out are UTF-8.
 *
 * compose_build() checks every field first (compose_check() alone does
 * only that): a bad address fails with err_msg() naming it, and struct
 * compose_error says which field and which entry, so that the composer
 * can put the cursor on it. The message it makes is text/plain; charset=
 * utf-8; format=flowed (quoted-printable when 8-bit), multipart/mixed
 * with base64 attachments when there are some, RFC 2047 headers, folded.
 * out.raw is exactly what smtp_send() sends and what goes to Sent: CRLF
 * line ends, not dot-stuffed. Bcc never appears in it, only among the
 * envelope recipients.
 *
 * compose_start() turns a raw message into the fields of a reply,
 * reply-all or forward: recipients without the user's own addresses,
 * "Re: "/"Fwd: " not doubled, the text quoted under an attribution line,
 * In-Reply-To and References. The other compose_ functions are the pure
 * steps it is made of, public for the composer and the unit tests.
 *
 * smtp_send() submits one message: TLS, STARTTLS or none (certificates
 * verified as for IMAP), EHLO, AUTH PLAIN or LOGIN, MAIL FROM, RCPT TO
 * for every recipient, DATA, QUIT; each step gives up after 30 s (the
 * answer to the end of the data after 5 min, as a server may scan the
 * message first). Any refusal fails the whole message, nothing is sent,
 * and err_msg() carries the server's words. Where the server offers
 * XCLIENT to us, client_addr goes with it, as IMAP's ID does. The
 * password never reaches err_msg() or a log.
 */

/* The fields of the composer, for errors that point at one. */
enum compose_field {
	COMPOSE_FIELD_FROM,
	COMPOSE_FIELD_TO,
	COMPOSE_FIELD_CC,
	COMPOSE_FIELD_BCC,
	COMPOSE_FIELD_SUBJECT,
	COMPOSE_FIELD_BODY,
	COMPOSE_FIELD_ATTACHMENT,
};

/* Where a check failed: a field, and the entry in it that is wrong. */
struct compose_error {
	enum compose_field field;
	size_t entry;  /* 0-based: which address, or which attachment */
	size_t offset; /* byte offset of that entry in the field's text */
	size_t len;    /* its length in bytes; 0 for the whole field */
};

/* One mailbox; strings owned by the list that holds it. */
struct compose_addr {
	char *name; /* display name, UTF-8, "" if none */
	char *addr; /* local@domain, ASCII */
};

struct compose_addr_list {
	struct compose_addr *v; /* owned */
	size_t n;
};

/*
 * An attachment: a compose_msg borrows its strings and bytes, a
 * compose_start owns them.
 */
struct compose_attachment {
	char *filename; /* UTF-8; directories are dropped */
	char *type;	/* "application/pdf"; NULL: application/octet-stream */
	char *data;
	size_t len;
};

/* What the user wrote. Every pointer is borrowed; NULL counts as "". */
struct compose_msg {
	const char *from_name;
	const char *from_addr;
	const char *to;	 /* address lists as typed, ',' or ';' between */
	const char *cc;
	const char *bcc;
	const char *subject;
	const char *body; /* '\n' line ends, as typed: compose_build flows it */
	const struct compose_attachment *att;
	size_t n_att;
	const char *in_reply_to;  /* "<id>", or NULL */
	const char *references;	  /* "<a> <b>", or NULL */
	const char *msgid_domain; /* NULL: the domain of from_addr */
	const char *message_id;	  /* NULL: a new random one */
	int64_t date;		  /* Unix seconds; 0: now */
	/*
	 * A draft: To, Cc and Bcc are kept as typed (X-Tuimail-To, -Cc,
	 * -Bcc) even when they do not parse, Bcc is written, no recipient
	 * is needed, and the text is kept exactly (not flowed).
	 */
	int draft;
	const char *origin; /* draft: X-Tuimail-Origin, or NULL */
};

/* A built message; everything owned, freed by compose_out_free(). */
struct compose_out {
	struct buf raw;	  /* the message as sent: CRLF, not dot-stuffed */
	char *message_id; /* "<...@domain>" */
	char *from;	  /* the envelope sender */
	char **rcpt;	  /* envelope recipients: To, Cc, Bcc, each once */
	size_t n_rcpt;
};

enum compose_kind {
	COMPOSE_REPLY,
	COMPOSE_REPLY_ALL,
	COMPOSE_FORWARD,	  /* inline: the original's headers and text */
	COMPOSE_FORWARD_ATTACHED, /* the original as message/rfc822 */
};

struct compose_start_opts {
	enum compose_kind kind;
	const char *const *own; /* the user's own addresses; borrowed */
	size_t n_own;
	const char *attribution; /* NULL: COMPOSE_ATTRIBUTION */
	int keep_attachments;	 /* COMPOSE_FORWARD: copy the attachments */
};

/* %d the date, %n the name (or address), %a the address, %% a '%'. */
#define COMPOSE_ATTRIBUTION "On %d, %n wrote:"

/* The composer's fields for a reply or forward; everything owned. */
struct compose_start {
	char *to; /* "Name <addr>, addr", as the composer shows them */
	char *cc;
	char *subject;
	char *body;	   /* quoted or forwarded text, '\n' line ends */
	char *in_reply_to; /* NULL for a forward */
	char *references;  /* NULL for a forward */
	struct compose_attachment *att;
	size_t n_att;
};

/* The addresses of the message replied to; lists borrowed. */
struct compose_parent {
	const struct compose_addr_list *from;
	const struct compose_addr_list *reply_to;
	const struct compose_addr_list *to;
	const struct compose_addr_list *cc;
};

int compose_check(const struct compose_msg *m, struct compose_error *e);
int compose_build(const struct compose_msg *m, struct compose_out *out,
		  struct compose_error *e);
void compose_out_free(struct compose_out *o);
int compose_start(const char *raw, size_t len,
		  const struct compose_start_opts *o, struct compose_start *out);
void compose_start_free(struct compose_start *s);

/*
 * A draft read back for the composer (compose_draft_parse()); everything
 * owned, freed by compose_draft_free(). origin is what the composer
 * keeps about the message replied to or forwarded ("answered 42 INBOX"),
 * or NULL.
 */
struct compose_draft {
	char *to, *cc, *bcc, *subject, *body;
	char *in_reply_to, *references, *origin;
	struct compose_attachment *att;
	size_t n_att;
	int ours; /* written by tuimail: nothing of it is lost on resuming */
};

int compose_draft_parse(const char *raw, size_t len,
			struct compose_draft *out);
void compose_draft_free(struct compose_draft *d);

int compose_parse_addresses(const char *text, enum compose_field field,
			    struct compose_addr_list *out,
			    struct compose_error *e);
void compose_addr_list_free(struct compose_addr_list *l);
char *compose_format_addresses(const struct compose_addr_list *l);
void compose_reply_recipients(const struct compose_parent *p, int all,
			      const char *const *own, size_t n_own,
			      struct compose_addr_list *to,
			      struct compose_addr_list *cc);
char *compose_subject_reply(const char *subject);
char *compose_subject_forward(const char *subject);
char *compose_attribution(const char *tmpl, const char *name,
			  const char *addr, int64_t date);
void compose_quote(struct buf *out, const char *text,
		   const char *attribution);
char *compose_references(const char *parent_refs,
			 const char *parent_in_reply_to,
			 const char *parent_id);
void compose_flowed(struct buf *out, const char *text, size_t width);

#define SMTP_TIMEOUT 30 /* seconds, for each step */

/* How to submit a message; strings are borrowed. */
struct smtp_params {
	const char *host;
	unsigned port;		 /* 0: 465 for tls, 587 otherwise */
	int security;		 /* enum conf_security: tls, starttls, none */
	int verify_cert;	 /* verify chain and host name */
	const char *ca_file;	 /* NULL or "": the system trust store */
	const char *user;	 /* NULL or "": no AUTH */
	const char *pass;	 /* secret: never copied, logged or shown */
	const char *helo;	 /* NULL: the local address, "[192.0.2.1]" */
	const char *client_addr; /* XCLIENT ADDR= where offered, or NULL */
	int timeout;		 /* seconds per step; 0: SMTP_TIMEOUT */
	/* Called as the message goes out: bytes of data sent, of len. */
	void (*progress)(size_t sent, size_t total, void *arg);
	void *progress_arg;
};

int smtp_send(const struct smtp_params *p, const char *from,
	      char *const *rcpt, size_t n_rcpt, const char *data,
	      size_t len);

/*
 * ---- Search (issue 6): a notmuch index per user over a local Maildir,
 * kept in step with IMAP in the background.
 *
 * mirror.c copies every message (BODY.PEEK[], so nothing becomes \Seen)
 * into a Maildir mirror in the user's state dir, one file a message:
 * <state>/mirror/<folder>/cur/<uidvalidity>.<uid>:2,<flags>, so that a
 * search result names its folder and UID. <folder> is the server name in
 * UTF-8 with the hierarchy delimiter as '/' ("INBOX", "Lists/tuimail"),
 * which is what folder: matches. It works on an IMAP session of its own,
 * in bounded steps that the UI runs when it is idle: mirror_step() stops
 * after budget_ms (plus at most one IMAP round trip), and
 * mirror_next_ms() says when it wants to run again. Each folder is
 * checked every interval: UIDVALIDITY (a new one drops the folder's copy
 * and fetches it again), UIDNEXT, EXISTS and HIGHESTMODSEQ; new mail and
 * flag changes come from UID FETCH (FLAGS) CHANGEDSINCE, messages gone
 * from UID SEARCH ALL when the count does not add up (a full FLAGS
 * listing without CONDSTORE). Flags live in the file names, as in any
 * Maildir. All state is in the mirror and its index, so a session that
 * stops anywhere resumes where it was; after a crash (no clean close
 * recorded) the files of each folder are compared with the index. Where
 * maildir_root is set (Dovecot on this host, readable), Dovecot's own
 * Maildir++ is indexed in place through a view of symbolic links under
 * <state>/maildir, with the same folder: names; UIDs then come from
 * Dovecot's dovecot-uidlist files.
 *
 * search.c is the only file that includes notmuch.h. The database is
 * <root>/.notmuch (no config file). Tags follow the IMAP flags of the
 * message's copies: unread (no copy \Seen), flagged, replied, draft,
 * passed ($Forwarded), deleted (every copy \Deleted). One writer per
 * user: the session that holds <state>/search.lock (flock, never waited
 * for) keeps the database open for writing, commits at least every
 * second while it works, and searches its own handle; every other
 * session opens the database read-only for each query, which never
 * blocks, and takes the lock over (search_try_writer()) once it is free.
 * The per-folder state (struct search_folder) and mirror.c's own keys
 * (search_meta_*()) are kept in the database's own config, so a reader
 * sees the state that goes with the index.
 *
 * Queries use notmuch's syntax; folder:NAME matches a folder's
 * directory, and the case of NAME or its server spelling is fixed up
 * first (search_query_fix()). Hits come newest first. While
 * search_folder_complete() is 0 for a folder, the UI searches it with
 * IMAP SEARCH instead: search_imap_criteria() turns the query into
 * SEARCH criteria where it can.
 */

/* Where the indexed mail comes from. */
enum search_source {
	SEARCH_MIRROR,	/* <state>/mirror, fetched over IMAP */
	SEARCH_MAILDIR, /* Dovecot's Maildir, seen through <state>/maildir */
};

/* The tags search.c keeps in step with IMAP flags, at most this many. */
#define SEARCH_TAGS_MAX 6
/* Room for the flag letters of a Maildir name: "DFPRST" and a NUL. */
#define SEARCH_INFO_MAX 8

/* A folder as the index knows it; strings owned. */
struct search_folder {
	char *dir;	   /* under the mail root: "INBOX", "Lists/tuimail" */
	char *name;	   /* the IMAP server name (modified UTF-7) */
	char *source;	   /* SEARCH_MAILDIR: Dovecot's folder dir; else "" */
	uint32_t uidvalidity;
	uint32_t uidnext;  /* as of the last complete sync */
	uint32_t exists;   /* messages on the server at the last check */
	uint64_t modseq;   /* HIGHESTMODSEQ, or Maildir mtimes; 0: unknown */
	uint32_t indexed;  /* messages in the mirror and the index */
	int complete;	   /* nothing left to do at the last check */
};

/* One result; strings owned, UTF-8, not sanitised. */
struct search_hit {
	char *folder;	   /* server name of the copy chosen */
	char *path;	   /* the copy's file, readable by this process */
	uint32_t uidvalidity;
	uint32_t uid;	   /* 0 when not known (Maildir: not numbered yet) */
	uint32_t flags;	   /* enum imap_flag bits of that copy */
	int64_t date;	   /* Date: header, Unix seconds */
	char *from;
	char *subject;
	char *message_id;
	unsigned copies;   /* files of this message, in all folders */
};

/* How far the index is. */
struct search_progress {
	uint64_t indexed;  /* messages indexed */
	uint64_t total;	   /* messages on the server, as last seen */
	unsigned folders;
	unsigned complete; /* folders with nothing left to do */
	int writer;	   /* this session writes the index */
};

/* A correspondent, for the composer's completion; strings owned. */
struct search_address {
	char *name; /* display name, UTF-8, "" if none */
	char *addr;
	unsigned count; /* messages seen from or to it */
};

struct search;

int search_open(struct search **out, const char *state_dir,
		enum search_source src);
void search_close(struct search *s);
int search_is_writer(const struct search *s);
int search_try_writer(struct search *s);
const char *search_root(const struct search *s);
enum search_source search_source_of(const struct search *s);
int search_query(struct search *s, const char *query, size_t offset,
		 size_t limit, struct search_hit **hits, size_t *n);
void search_hits_free(struct search_hit *h, size_t n);
int search_count(struct search *s, const char *query, unsigned *count);
int search_folder_complete(struct search *s, const char *folder);
int search_progress(struct search *s, struct search_progress *out);
int search_addresses(struct search *s, const char *prefix,
		     struct search_address *out, size_t max);
void search_addresses_clear(struct search_address *a, size_t n);

/* The folder table (read by anyone, written by mirror.c as the writer). */
int search_folders(struct search *s, struct search_folder **out, size_t *n);
void search_folders_free(struct search_folder *f, size_t n);
int search_folder_put(struct search *s, const struct search_folder *f);
int search_folder_drop(struct search *s, const char *dir);
int search_meta_get(struct search *s, const char *key, struct buf *out);
int search_meta_put(struct search *s, const char *key, const char *value);

/*
 * Writing (mirror.c, as the writer): paths are absolute, under
 * search_root(). Changes go into one open transaction that
 * search_commit() makes durable and visible to readers.
 */
int search_add_file(struct search *s, const char *path);
int search_remove_file(struct search *s, const char *path);
int search_rename_file(struct search *s, const char *from, const char *to);
int search_dir_files(struct search *s, const char *dir,
		     int (*cb)(const char *name, void *arg), void *arg);
int search_commit(struct search *s);
int search_mkdirs(const char *dir);

/* Pure helpers: flags, tags, Maildir names and queries. */
size_t search_flags_to_tags(uint32_t flags, const char **tags);
uint32_t search_tags_to_flags(const char *const *tags, size_t n);
uint32_t search_maildir_flags(const char *name);
void search_maildir_info(uint32_t flags, char info[SEARCH_INFO_MAX]);
char *search_query_fix(const char *query, const struct search_folder *f,
		       size_t n);
int search_imap_criteria(const char *query, struct buf *out);

/*
 * ---- The mirror (mirror.c). connect opens and logs in the mirror's own
 * IMAP session (the caller keeps the credentials); it is called again
 * after the connection drops, no more often than a back-off allows.
 */
struct mirror;

struct mirror_opts {
	/* SEARCH_MAILDIR: the user's Maildir (mirror_maildir_path()). */
	const char *maildir;
	char maildir_delim; /* the server's hierarchy delimiter; 0: '/' */
	int (*connect)(struct imap_conn **out, void *arg);
	void *connect_arg;
	unsigned interval;  /* seconds between checks of a folder; 0: 10 */
	/* Optional: non-zero ends a step early (a key is waiting). */
	int (*interrupt)(void *arg);
	void *interrupt_arg;
};

int mirror_open(struct mirror **out, struct search *s,
		const struct mirror_opts *o);
int mirror_step(struct mirror *m, unsigned budget_ms);
unsigned mirror_next_ms(const struct mirror *m);
void mirror_poke(struct mirror *m, const char *folder);
void mirror_close(struct mirror *m);

char *mirror_maildir_path(const char *maildir_root, const char *user);
char *mirror_folder_dir(const char *name, char delim);
void mirror_file_name(struct buf *out, uint32_t uidvalidity, uint32_t uid,
		      uint32_t flags);
int mirror_parse_name(const char *name, uint32_t *uidvalidity,
		      uint32_t *uid, uint32_t *flags);

#endif
