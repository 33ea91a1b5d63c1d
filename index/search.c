/*
 * search.c: the per-user notmuch index, its one writer and its readers.
 *
 * The only file that includes notmuch.h. The database lives in the mail
 * root it indexes (<state>/mirror or <state>/maildir, see index.h) as
 * <root>/.notmuch, made without a config file; its own config holds
 * "database.autocommit = 1", so that ending an atomic section commits,
 * and one key per folder ("tuimail.folder.<dir>") with the state
 * mirror.c syncs it from, so that readers see the state that goes with
 * the documents they see.
 *
 * Who writes: the session that gets flock(LOCK_EX | LOCK_NB) on
 * <state>/search.lock. It keeps the database open for writing and keeps
 * an atomic section open while it works; search_commit() ends it. Every
 * other session never opens it for writing (a second writer would block
 * until the first closes) and opens it read-only for each call instead,
 * which never blocks and sees the last commit.
 *
 * Tags follow the Maildir flags of a message's files (its copies in
 * every folder): unread when no copy is \Seen, deleted when every copy
 * is \Deleted, flagged, replied, draft and passed when any copy is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <notmuch.h>

#include "index/index.h"
#include "util/log.h"

#define SEARCH_KEY_PREFIX "tuimail.folder."
#define SEARCH_STATE_VERSION 1
/* Messages looked at, newest first, to gather correspondents. */
#define SEARCH_ADDR_SCAN 400

/* Dovecot's UID of one Maildir file, by its base name (before ':'). */
struct search_uident {
	char *base; /* owned */
	uint32_t uid;
};

/* A parsed dovecot-uidlist, reread when the file changes. */
struct search_uidlist {
	char *source; /* owned: Dovecot's folder dir */
	struct timespec mtime;
	off_t size;
	uint32_t uidvalidity;
	struct search_uident *v; /* owned, sorted by base */
	size_t n;
};

struct search {
	char *state;		  /* owned: the user's state dir, absolute */
	char *root;		  /* owned: the mail root, absolute */
	char *lock_path;	  /* owned */
	enum search_source src;
	int lock_fd;		  /* the writer lock; -1 for a reader */
	notmuch_database_t *db;	  /* owned: the writer's handle, or NULL */
	int atomic;		  /* an atomic section is open on db */
	struct search_uidlist *ul; /* owned: SEARCH_MAILDIR UID maps */
	size_t n_ul;
};

/* The tag of each flag; inverse: the tag is set when the flag is not. */
static const struct {
	uint32_t flag;
	const char *tag;
	int inverse;
} search_tag_map[SEARCH_TAGS_MAX] = {
	{ IMAP_FLAG_SEEN, "unread", 1 },
	{ IMAP_FLAG_FLAGGED, "flagged", 0 },
	{ IMAP_FLAG_ANSWERED, "replied", 0 },
	{ IMAP_FLAG_DRAFT, "draft", 0 },
	{ IMAP_FLAG_DELETED, "deleted", 0 },
	{ IMAP_FLAG_FORWARDED, "passed", 0 },
};

/* Maildir info letters, in the ASCII order a name must have them in. */
static const struct {
	char letter;
	uint32_t flag;
} search_letters[] = {
	{ 'D', IMAP_FLAG_DRAFT },     { 'F', IMAP_FLAG_FLAGGED },
	{ 'P', IMAP_FLAG_FORWARDED }, { 'R', IMAP_FLAG_ANSWERED },
	{ 'S', IMAP_FLAG_SEEN },      { 'T', IMAP_FLAG_DELETED },
};

#define SEARCH_N_LETTERS (sizeof(search_letters) / sizeof(*search_letters))

/* ---- Flags, tags and Maildir names: pure. */

/*
 * Fills tags (room for SEARCH_TAGS_MAX) with the names of the tags that
 * a message with IMAP flags flags carries, in a fixed order; returns how
 * many. The strings are static.
 */
size_t
search_flags_to_tags(uint32_t flags, const char **tags)
{
	size_t i, n = 0;

	for (i = 0; i < SEARCH_TAGS_MAX; i++)
		if (!(flags & search_tag_map[i].flag) ==
		    !!search_tag_map[i].inverse)
			tags[n++] = search_tag_map[i].tag;
	return n;
}

/*
 * The IMAP flags that the n tags in tags stand for: the reverse of
 * search_flags_to_tags(). Tags it does not manage are ignored; without
 * "unread" the message is \Seen.
 */
uint32_t
search_tags_to_flags(const char *const *tags, size_t n)
{
	uint32_t flags = IMAP_FLAG_SEEN;
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < SEARCH_TAGS_MAX; j++) {
			if (strcmp(tags[i], search_tag_map[j].tag))
				continue;
			if (search_tag_map[j].inverse)
				flags &= ~search_tag_map[j].flag;
			else
				flags |= search_tag_map[j].flag;
		}
	return flags;
}

/*
 * The IMAP flags in a Maildir file name ("...:2,FS"): the letters after
 * the last ":2,". A name without that part has none; unknown letters
 * (keywords a-z) are ignored.
 */
uint32_t
search_maildir_flags(const char *name)
{
	const char *p = strrchr(name, ':');
	uint32_t flags = 0;
	size_t i;

	if (!p || strncmp(p, ":2,", 3))
		return 0;
	for (p += 3; *p; p++)
		for (i = 0; i < SEARCH_N_LETTERS; i++)
			if (*p == search_letters[i].letter)
				flags |= search_letters[i].flag;
	return flags;
}

/* Writes the Maildir info letters of flags into info, in ASCII order. */
void
search_maildir_info(uint32_t flags, char info[SEARCH_INFO_MAX])
{
	size_t i, n = 0;

	for (i = 0; i < SEARCH_N_LETTERS; i++)
		if (flags & search_letters[i].flag)
			info[n++] = search_letters[i].letter;
	info[n] = '\0';
}

/* ---- Folder state in the database's config. */

/* Frees the strings of f and zeroes it. */
static void
search_folder_clear(struct search_folder *f)
{
	free(f->dir);
	free(f->name);
	free(f->source);
	memset(f, 0, sizeof(*f));
}

/* Frees the n folders of f (an array from search_folders()). */
void
search_folders_free(struct search_folder *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		search_folder_clear(&f[i]);
	free(f);
}

/*
 * Reads one folder's config value into f (dir given). Returns 0, or -1
 * when the value is not one this version wrote.
 */
static int
search_folder_parse(const char *dir, const char *value,
		    struct search_folder *f)
{
	unsigned version, uv, next, exists, indexed;
	unsigned long long modseq;
	int complete, used = 0;
	const char *name, *source;

	memset(f, 0, sizeof(*f));
	if (sscanf(value, "%u %u %u %u %llu %u %d%n", &version, &uv, &next,
		   &exists, &modseq, &indexed, &complete, &used) != 7 ||
	    version != SEARCH_STATE_VERSION || value[used] != '\t')
		return -1;
	name = value + used + 1;
	source = strchr(name, '\t');
	if (!source)
		return -1;
	f->dir = xstrdup(dir);
	f->name = strndup(name, (size_t)(source - name));
	f->source = xstrdup(source + 1);
	if (!f->name)
		fatal("out of memory");
	f->uidvalidity = uv;
	f->uidnext = next;
	f->exists = exists;
	f->modseq = modseq;
	f->indexed = indexed;
	f->complete = complete != 0;
	return 0;
}

/* ---- Opening. */

/* Sets err_msg() for notmuch status st while doing what; returns -1. */
static int
search_fail(notmuch_status_t st, const char *what)
{
	return err_set("search index: cannot %s: %s", what,
		       notmuch_status_to_string(st));
}

/*
 * Creates dir and its missing parents, mode 0700 (the state dir, the
 * mirror's folders). Returns 0 or -1.
 */
int
search_mkdirs(const char *dir)
{
	char path[PATH_MAX];
	size_t i, len = strlen(dir);

	if (len >= sizeof(path))
		return err_set("path '%s' is too long", dir);
	memcpy(path, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return err_set("cannot create '%s': %s", path,
				       strerror(errno));
		path[i] = dir[i];
	}
	return 0;
}

/* Whether the database exists under the root. */
static int
search_db_exists(const struct search *s)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/.notmuch/xapian", s->root);
	return stat(path, &st) == 0;
}

/* Removes one entry of a tree for nftw(), children first. */
static int
search_rm_one(const char *path, const struct stat *st, int type,
	      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

/*
 * Opens (creating it when missing) the database for writing into s->db,
 * with autocommit 1. A database Xapian cannot read is rebuilt: the mail
 * is all in the root, and mirror.c indexes the files it finds.
 */
static int
search_open_rw(struct search *s)
{
	notmuch_database_t *db = NULL;
	notmuch_status_t st;
	char *msg = NULL, path[PATH_MAX];
	const char *ac;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		if (search_db_exists(s))
			st = notmuch_database_open_with_config(
				s->root, NOTMUCH_DATABASE_MODE_READ_WRITE, "",
				NULL, &db, &msg);
		else
			st = notmuch_database_create_with_config(
				s->root, "", NULL, &db, &msg);
		if (st == NOTMUCH_STATUS_XAPIAN_EXCEPTION && tries == 0) {
			log_warn("search index in '%s' unreadable, rebuilt: "
				 "%s", s->root, msg ? msg : "");
			free(msg);
			msg = NULL;
			snprintf(path, sizeof(path), "%s/.notmuch", s->root);
			nftw(path, search_rm_one, 16, FTW_DEPTH | FTW_PHYS);
			continue;
		}
		if (st) {
			err_set("search index: cannot open '%s': %s", s->root,
				msg ? msg : notmuch_status_to_string(st));
			free(msg);
			return -1;
		}
		free(msg);
		msg = NULL;
		ac = notmuch_config_get(db, NOTMUCH_CONFIG_AUTOCOMMIT);
		if (ac && !strcmp(ac, "1"))
			break;
		st = notmuch_database_set_config(db, "database.autocommit",
						 "1");
		notmuch_database_destroy(db);
		db = NULL;
		if (st)
			return search_fail(st, "set autocommit");
	}
	if (!db)
		return err_set("search index: cannot open '%s'", s->root);
	s->db = db;
	return 0;
}

/*
 * Takes the writer lock when it is free and opens the database for
 * writing. Returns 1 when s is (now) the writer, 0 when another session
 * is, -1 on error. Never waits.
 */
int
search_try_writer(struct search *s)
{
	int fd;

	if (s->lock_fd >= 0)
		return 1;
	fd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set("cannot open '%s': %s", s->lock_path,
			       strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		if (errno == EWOULDBLOCK)
			return 0;
		return err_set("cannot lock '%s': %s", s->lock_path,
			       strerror(errno));
	}
	if (search_open_rw(s) < 0) {
		close(fd);
		return -1;
	}
	s->lock_fd = fd;
	log_debug("search: writer of '%s'", s->root);
	return 1;
}

/*
 * Opens the index of the user whose state dir is state_dir (created if
 * missing), over the mail of src. The session becomes the writer when
 * no other session of the user is; otherwise it reads. *out is the
 * caller's, ended with search_close().
 */
int
search_open(struct search **out, const char *state_dir,
	    enum search_source src)
{
	struct search *s;
	char real[PATH_MAX];
	int rc = -1;

	*out = NULL;
	if (search_mkdirs(state_dir) < 0)
		return -1;
	if (!realpath(state_dir, real))
		return err_set("cannot resolve '%s': %s", state_dir,
			       strerror(errno));
	s = calloc(1, sizeof(*s));
	if (!s)
		fatal("out of memory");
	s->lock_fd = -1;
	s->src = src;
	s->state = xstrdup(real);
	if (asprintf(&s->root, "%s/%s", real,
		     src == SEARCH_MAILDIR ? "maildir" : "mirror") < 0 ||
	    asprintf(&s->lock_path, "%s/search.lock", real) < 0)
		fatal("out of memory");
	if (search_mkdirs(s->root) < 0 || search_try_writer(s) < 0)
		goto out;
	*out = s;
	s = NULL;
	rc = 0;
out:
	search_close(s);
	return rc;
}

/* Commits what is pending, closes the database, drops the lock. */
void
search_close(struct search *s)
{
	size_t i, j;

	if (!s)
		return;
	if (s->db) {
		if (search_commit(s) < 0)
			log_warn("%s", err_msg());
		notmuch_database_destroy(s->db);
	}
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	for (i = 0; i < s->n_ul; i++) {
		for (j = 0; j < s->ul[i].n; j++)
			free(s->ul[i].v[j].base);
		free(s->ul[i].v);
		free(s->ul[i].source);
	}
	free(s->ul);
	free(s->state);
	free(s->root);
	free(s->lock_path);
	free(s);
}

/* Whether this session writes the index. */
int
search_is_writer(const struct search *s)
{
	return s->db != NULL;
}

/* The mail root the index covers, absolute; owned by s. */
const char *
search_root(const struct search *s)
{
	return s->root;
}

/* Where the mail s indexes comes from. */
enum search_source
search_source_of(const struct search *s)
{
	return s->src;
}

/*
 * A handle to read with: the writer's own (which sees what it has not
 * committed yet) or a read-only one of its own, which *own says to
 * destroy. *db is NULL when no index exists yet. Returns 0 or -1.
 */
static int
search_db_read(struct search *s, notmuch_database_t **db, int *own)
{
	notmuch_status_t st;
	char *msg = NULL;

	*db = NULL;
	*own = 0;
	if (s->db) {
		*db = s->db;
		return 0;
	}
	if (!search_db_exists(s))
		return 0;
	st = notmuch_database_open_with_config(
		s->root, NOTMUCH_DATABASE_MODE_READ_ONLY, "", NULL, db, &msg);
	if (st) {
		err_set("search index: cannot read '%s': %s", s->root,
			msg ? msg : notmuch_status_to_string(st));
		free(msg);
		return -1;
	}
	free(msg);
	*own = 1;
	return 0;
}

/* ---- The folder table. */

/* Reads the folder table through db into *out (n of them). */
static int
search_folders_db(notmuch_database_t *db, struct search_folder **out,
		  size_t *n)
{
	notmuch_config_list_t *list = NULL;
	notmuch_status_t st;
	struct search_folder *v = NULL, f;
	size_t len = 0, alloc = 0, plen = strlen(SEARCH_KEY_PREFIX);
	const char *key;

	*out = NULL;
	*n = 0;
	if (!db)
		return 0;
	st = notmuch_database_get_config_list(db, SEARCH_KEY_PREFIX, &list);
	if (st)
		return search_fail(st, "read the folder table");
	for (; notmuch_config_list_valid(list);
	     notmuch_config_list_move_to_next(list)) {
		key = notmuch_config_list_key(list);
		if (strncmp(key, SEARCH_KEY_PREFIX, plen) ||
		    search_folder_parse(key + plen,
					notmuch_config_list_value(list),
					&f) < 0)
			continue;
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = reallocarray(v, alloc, sizeof(*v));
			if (!v)
				fatal("out of memory");
		}
		v[len++] = f;
	}
	notmuch_config_list_destroy(list);
	*out = v;
	*n = len;
	return 0;
}

/*
 * The folders the index knows, with their sync state, into *out (the
 * caller frees it with search_folders_free()). None before the first
 * sync. Returns 0 or -1.
 */
int
search_folders(struct search *s, struct search_folder **out, size_t *n)
{
	notmuch_database_t *db;
	int own, rc;

	*out = NULL;
	*n = 0;
	if (search_db_read(s, &db, &own) < 0)
		return -1;
	rc = search_folders_db(db, out, n);
	if (own)
		notmuch_database_destroy(db);
	return rc;
}

/* Opens the writer's atomic section if none is open. */
static int
search_begin(struct search *s)
{
	notmuch_status_t st;

	if (!s->db)
		return err_set("search index: this session does not write it");
	if (s->atomic)
		return 0;
	st = notmuch_database_begin_atomic(s->db);
	if (st)
		return search_fail(st, "begin a transaction");
	s->atomic = 1;
	return 0;
}

/*
 * Makes everything written since the last commit durable and visible to
 * readers. Returns 0 or -1. A no-op for a reader.
 */
int
search_commit(struct search *s)
{
	notmuch_status_t st;

	if (!s->db || !s->atomic)
		return 0;
	s->atomic = 0;
	st = notmuch_database_end_atomic(s->db);
	if (st)
		return search_fail(st, "commit");
	return 0;
}

/* Writes folder f's state (writer only), in the open transaction. */
int
search_folder_put(struct search *s, const struct search_folder *f)
{
	notmuch_status_t st;
	char *key, *value;

	if (search_begin(s) < 0)
		return -1;
	if (strchr(f->name, '\t') || strchr(f->name, '\n') ||
	    strchr(f->source ? f->source : "", '\t'))
		return err_set("folder name '%s' cannot be stored", f->name);
	if (asprintf(&key, "%s%s", SEARCH_KEY_PREFIX, f->dir) < 0 ||
	    asprintf(&value, "%u %u %u %u %llu %u %d\t%s\t%s",
		     SEARCH_STATE_VERSION, f->uidvalidity, f->uidnext,
		     f->exists, (unsigned long long)f->modseq, f->indexed,
		     f->complete ? 1 : 0, f->name,
		     f->source ? f->source : "") < 0)
		fatal("out of memory");
	st = notmuch_database_set_config(s->db, key, value);
	free(key);
	free(value);
	if (st)
		return search_fail(st, "save the state of a folder");
	return 0;
}

/* Forgets folder dir's state (writer only). */
int
search_folder_drop(struct search *s, const char *dir)
{
	notmuch_status_t st;
	char *key;

	if (search_begin(s) < 0)
		return -1;
	if (asprintf(&key, "%s%s", SEARCH_KEY_PREFIX, dir) < 0)
		fatal("out of memory");
	st = notmuch_database_set_config(s->db, key, "");
	free(key);
	if (st)
		return search_fail(st, "forget a folder");
	return 0;
}

/*
 * Reads the value of key ("tuimail." is put before it) from the
 * database's config into out ("" when unset or without an index).
 * Returns 0 or -1.
 */
int
search_meta_get(struct search *s, const char *key, struct buf *out)
{
	notmuch_database_t *db;
	notmuch_status_t st;
	char *full, *value = NULL;
	int own, rc = 0;

	buf_reset(out);
	if (search_db_read(s, &db, &own) < 0)
		return -1;
	if (!db)
		return 0;
	if (asprintf(&full, "tuimail.%s", key) < 0)
		fatal("out of memory");
	st = notmuch_database_get_config(db, full, &value);
	if (st)
		rc = search_fail(st, "read the config");
	else if (value)
		buf_adds(out, value);
	free(value);
	free(full);
	if (own)
		notmuch_database_destroy(db);
	return rc;
}

/* Sets key ("tuimail.key") to value, in the open transaction (writer). */
int
search_meta_put(struct search *s, const char *key, const char *value)
{
	notmuch_status_t st;
	char *full;

	if (search_begin(s) < 0)
		return -1;
	if (asprintf(&full, "tuimail.%s", key) < 0)
		fatal("out of memory");
	st = notmuch_database_set_config(s->db, full, value);
	free(full);
	if (st)
		return search_fail(st, "write the config");
	return 0;
}

/*
 * Whether the index holds all of folder (its server name) as of the
 * last check: 1 yes, 0 not (yet), so that the UI searches it over IMAP.
 */
int
search_folder_complete(struct search *s, const char *folder)
{
	struct search_folder *f;
	size_t i, n;
	int complete = 0;

	if (search_folders(s, &f, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!strcmp(f[i].name, folder) ||
		    (!strcasecmp(folder, "INBOX") &&
		     !strcasecmp(f[i].name, "INBOX")))
			complete = f[i].complete;
	search_folders_free(f, n);
	return complete;
}

/* How far the index is, for the status bar: from the folder table. */
int
search_progress(struct search *s, struct search_progress *out)
{
	struct search_folder *f;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->writer = search_is_writer(s);
	if (search_folders(s, &f, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		out->indexed += f[i].indexed;
		out->total += f[i].exists > f[i].indexed ? f[i].exists
							 : f[i].indexed;
		out->folders++;
		out->complete += f[i].complete != 0;
	}
	search_folders_free(f, n);
	return 0;
}

/* ---- Writing. */

/*
 * Sets the managed tags of msg from the flags of all its files. Returns
 * 0 or -1.
 */
static int
search_sync_tags(notmuch_message_t *msg)
{
	notmuch_filenames_t *fn;
	notmuch_tags_t *tags;
	const char *want[SEARCH_TAGS_MAX];
	uint32_t any = 0, all = ~0u, flags, have = 0, need = 0;
	size_t i, n;
	int files = 0;

	for (fn = notmuch_message_get_filenames(msg);
	     fn && notmuch_filenames_valid(fn);
	     notmuch_filenames_move_to_next(fn)) {
		flags = search_maildir_flags(notmuch_filenames_get(fn));
		any |= flags;
		all &= flags;
		files++;
	}
	if (fn)
		notmuch_filenames_destroy(fn);
	if (!files)
		return 0;
	flags = (any & ~IMAP_FLAG_DELETED) | (all & IMAP_FLAG_DELETED);
	n = search_flags_to_tags(flags, want);
	for (i = 0; i < SEARCH_TAGS_MAX; i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (want[j] == search_tag_map[i].tag)
				need |= 1u << i;
	}
	for (tags = notmuch_message_get_tags(msg);
	     tags && notmuch_tags_valid(tags); notmuch_tags_move_to_next(tags))
		for (i = 0; i < SEARCH_TAGS_MAX; i++)
			if (!strcmp(notmuch_tags_get(tags),
				    search_tag_map[i].tag))
				have |= 1u << i;
	if (tags)
		notmuch_tags_destroy(tags);
	if (have == need)
		return 0;
	if (notmuch_message_freeze(msg))
		return err_set("search index: cannot change tags");
	for (i = 0; i < SEARCH_TAGS_MAX; i++) {
		if ((need & ~have) & (1u << i))
			notmuch_message_add_tag(msg, search_tag_map[i].tag);
		else if ((have & ~need) & (1u << i))
			notmuch_message_remove_tag(msg, search_tag_map[i].tag);
	}
	if (notmuch_message_thaw(msg))
		return err_set("search index: cannot change tags");
	return 0;
}

/*
 * Indexes file path; tags are set from the flags of all the message's
 * files when sync is set. A file that is not mail is skipped. Returns 0
 * or -1.
 */
static int
search_index(struct search *s, const char *path, int sync)
{
	notmuch_message_t *msg = NULL;
	notmuch_status_t st;
	int rc = 0;

	if (search_begin(s) < 0)
		return -1;
	st = notmuch_database_index_file(s->db, path, NULL, &msg);
	if (st == NOTMUCH_STATUS_FILE_NOT_EMAIL) {
		log_debug("search: '%s' is not mail", path);
		return 0;
	}
	if (st && st != NOTMUCH_STATUS_DUPLICATE_MESSAGE_ID)
		return err_set("search index: cannot index '%s': %s", path,
			       notmuch_status_to_string(st));
	if (sync && msg)
		rc = search_sync_tags(msg);
	if (msg)
		notmuch_message_destroy(msg);
	return rc;
}

/* Indexes the mail file path (writer only). Returns 0 or -1. */
int
search_add_file(struct search *s, const char *path)
{
	return search_index(s, path, 1);
}

/*
 * Takes file path out of the index; the message goes when it was its
 * last file, else its tags follow the files left. *synced says whether
 * a message was left and its tags set. Returns 0 or -1.
 */
static int
search_unindex(struct search *s, const char *path, int *synced)
{
	notmuch_message_t *msg = NULL;
	notmuch_status_t st;
	char *id;
	int rc = 0;

	*synced = 0;
	if (search_begin(s) < 0)
		return -1;
	st = notmuch_database_find_message_by_filename(s->db, path, &msg);
	if (st)
		return search_fail(st, "look a file up");
	if (!msg)
		return 0;
	id = xstrdup(notmuch_message_get_message_id(msg));
	notmuch_message_destroy(msg);
	msg = NULL;
	st = notmuch_database_remove_message(s->db, path);
	if (st == NOTMUCH_STATUS_DUPLICATE_MESSAGE_ID) {
		st = notmuch_database_find_message(s->db, id, &msg);
		if (!st && msg) {
			rc = search_sync_tags(msg);
			notmuch_message_destroy(msg);
			*synced = 1;
		}
	} else if (st) {
		rc = err_set("search index: cannot remove '%s': %s", path,
			     notmuch_status_to_string(st));
	}
	free(id);
	return rc;
}

/* Takes file path out of the index (writer only). Returns 0 or -1. */
int
search_remove_file(struct search *s, const char *path)
{
	int synced;

	return search_unindex(s, path, &synced);
}

/*
 * The file from is now to (a flag change renames a Maildir file): the
 * index follows, tags set once. Returns 0 or -1.
 */
int
search_rename_file(struct search *s, const char *from, const char *to)
{
	int synced;

	if (search_index(s, to, 0) < 0 ||
	    search_unindex(s, from, &synced) < 0)
		return -1;
	return synced ? 0 : search_index(s, to, 1);
}

/*
 * Calls cb with the name of every file the index has in directory dir
 * (relative to the root, "INBOX/cur"); stops when cb returns non-zero
 * and returns that. Returns 0, or -1 on error.
 */
int
search_dir_files(struct search *s, const char *dir,
		 int (*cb)(const char *name, void *arg), void *arg)
{
	notmuch_directory_t *d = NULL;
	notmuch_filenames_t *fn;
	notmuch_status_t st;
	int rc = 0;

	if (!s->db)
		return err_set("search index: this session does not write it");
	st = notmuch_database_get_directory(s->db, dir, &d);
	if (st)
		return search_fail(st, "list a directory");
	if (!d)
		return 0;
	for (fn = notmuch_directory_get_child_files(d);
	     fn && notmuch_filenames_valid(fn) && !rc;
	     notmuch_filenames_move_to_next(fn))
		rc = cb(notmuch_filenames_get(fn), arg);
	if (fn)
		notmuch_filenames_destroy(fn);
	notmuch_directory_destroy(d);
	return rc;
}

/* ---- Queries. */

/* Whether c may end a bare folder: value. */
static int
search_value_end(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == ')' || c == '\n';
}

/* Whether folder value v can go into a query bare, without quotes. */
static int
search_bare(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;

	if (!*p)
		return 0;
	for (; *p; p++)
		if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("_./-%", *p)))
			return 0;
	return 1;
}

/*
 * The directory of the known folder that value names: its dir exactly,
 * else its dir or its UTF-8 server name in any case. NULL if none.
 */
static const char *
search_folder_match(const char *value, const struct search_folder *f,
		    size_t n)
{
	const char *hit = NULL;
	char *display;
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i].dir, value))
			return f[i].dir;
	for (i = 0; i < n && !hit; i++) {
		if (!strcasecmp(f[i].dir, value)) {
			hit = f[i].dir;
			break;
		}
		display = imap_utf7_to_utf8(f[i].name);
		if (!strcasecmp(display ? display : f[i].name, value))
			hit = f[i].dir;
		free(display);
	}
	return hit;
}

/*
 * Walks query for folder:VALUE terms (bare or quoted, at the start of a
 * word, outside quotes). For each, fn gets the value and where it is
 * (start of "folder:", end of the value). Copies everything else into
 * out when out is given.
 */
static void
search_walk_folders(const char *query, struct buf *out,
		    void (*fn)(const char *value, const char *start,
			       const char *end, void *arg),
		    void *arg)
{
	const char *p = query, *q, *v, *ve;
	char *value;
	int word_start = 1;

	while (*p) {
		if (*p == '"') {
			q = strchr(p + 1, '"');
			q = q ? q + 1 : p + strlen(p);
			if (out)
				buf_add(out, p, (size_t)(q - p));
			p = q;
			word_start = 0;
			continue;
		}
		if (word_start && !strncasecmp(p, "folder:", 7)) {
			v = p + 7;
			if (*v == '"') {
				ve = strchr(v + 1, '"');
				if (!ve)
					ve = v + strlen(v);
				value = strndup(v + 1, (size_t)(ve - v - 1));
				q = *ve ? ve + 1 : ve;
			} else {
				for (ve = v; !search_value_end(*ve); ve++)
					;
				value = strndup(v, (size_t)(ve - v));
				q = ve;
			}
			if (!value)
				fatal("out of memory");
			fn(value, p, q, arg);
			free(value);
			p = q;
			word_start = 0;
			continue;
		}
		word_start = *p == ' ' || *p == '\t' || *p == '(' ||
			     *p == '-' || *p == '+' || *p == '\n';
		if (out)
			buf_addch(out, *p);
		p++;
	}
}

struct search_fix {
	struct buf *out;
	const struct search_folder *f;
	size_t n;
};

/* Copies one folder: term into fx->out, rewritten to a known dir. */
static void
search_fix_one(const char *value, const char *start, const char *end,
	       void *arg)
{
	struct search_fix *fx = arg;
	const char *dir = search_folder_match(value, fx->f, fx->n);

	if (!dir || !strcmp(dir, value) || strchr(dir, '"')) {
		buf_add(fx->out, start, (size_t)(end - start));
		return;
	}
	if (search_bare(dir))
		buf_addf(fx->out, "folder:%s", dir);
	else
		buf_addf(fx->out, "folder:\"%s\"", dir);
}

/*
 * Rewrites the folder: terms of query to the directories of the n known
 * folders f: "folder:inbox" becomes "folder:INBOX", a server spelling
 * ("INBOX.Lists") its directory ("INBOX/Lists"). Everything else is
 * left as typed. Returns a string the caller frees.
 */
char *
search_query_fix(const char *query, const struct search_folder *f, size_t n)
{
	struct buf out = BUF_INIT;
	struct search_fix fx = { &out, f, n };

	search_walk_folders(query, &out, search_fix_one, &fx);
	return buf_detach(&out, NULL);
}

struct search_dirs {
	char **v;
	size_t n;
};

/* Collects the value of one folder: term into the list arg. */
static void
search_dirs_add(const char *value, const char *start, const char *end,
		void *arg)
{
	struct search_dirs *d = arg;

	(void)start;
	(void)end;
	d->v = reallocarray(d->v, d->n + 1, sizeof(*d->v));
	if (!d->v)
		fatal("out of memory");
	d->v[d->n++] = xstrdup(value);
}

/* A dovecot-uidlist file, read into ul (source set). Returns 0 or -1. */
static int
search_uidlist_read(struct search_uidlist *ul, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, *p;
	size_t cap = 0, alloc = 0, i;
	ssize_t len;
	unsigned version = 0, uv = 0, uid;

	if (!fp)
		return err_set("cannot open '%s': %s", path, strerror(errno));
	for (i = 0; i < ul->n; i++)
		free(ul->v[i].base);
	ul->n = 0;
	ul->uidvalidity = 0;
	if ((len = getline(&line, &cap, fp)) > 0) {
		if (sscanf(line, "%u", &version) == 1 && version == 1)
			sscanf(line, "%*u %u", &uv);
		else
			for (p = strtok(line, " \n"); p;
			     p = strtok(NULL, " \n"))
				if (*p == 'V')
					uv = (unsigned)strtoul(p + 1, NULL,
							       10);
		ul->uidvalidity = uv;
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (sscanf(line, "%u", &uid) != 1 || !uid)
			continue;
		p = version == 1 ? strchr(line, ' ') : strstr(line, " :");
		if (!p)
			continue;
		p += version == 1 ? 1 : 2;
		if (ul->n == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			ul->v = reallocarray(ul->v, alloc, sizeof(*ul->v));
			if (!ul->v)
				fatal("out of memory");
		}
		ul->v[ul->n].base = xstrdup(p);
		ul->v[ul->n].uid = uid;
		ul->n++;
	}
	free(line);
	fclose(fp);
	return 0;
}

/* Orders UID map entries by base name for qsort() and bsearch(). */
static int
search_uident_cmp(const void *a, const void *b)
{
	return strcmp(((const struct search_uident *)a)->base,
		      ((const struct search_uident *)b)->base);
}

/*
 * Dovecot's UID and UIDVALIDITY of Maildir file name in folder dir
 * source, from its dovecot-uidlist (reread when it changed). 0 when
 * Dovecot has not numbered it yet or the list cannot be read.
 */
static uint32_t
search_dovecot_uid(struct search *s, const char *source, const char *name,
		   uint32_t *uidvalidity)
{
	struct search_uidlist *ul = NULL;
	struct search_uident key, *hit;
	char path[PATH_MAX], *base;
	struct stat st;
	size_t i;

	*uidvalidity = 0;
	snprintf(path, sizeof(path), "%s/dovecot-uidlist", source);
	if (stat(path, &st) < 0)
		return 0;
	for (i = 0; i < s->n_ul && !ul; i++)
		if (!strcmp(s->ul[i].source, source))
			ul = &s->ul[i];
	if (!ul) {
		s->ul = reallocarray(s->ul, s->n_ul + 1, sizeof(*s->ul));
		if (!s->ul)
			fatal("out of memory");
		ul = &s->ul[s->n_ul++];
		memset(ul, 0, sizeof(*ul));
		ul->source = xstrdup(source);
	}
	if (ul->size != st.st_size ||
	    ul->mtime.tv_sec != st.st_mtim.tv_sec ||
	    ul->mtime.tv_nsec != st.st_mtim.tv_nsec) {
		if (search_uidlist_read(ul, path) < 0) {
			log_debug("%s", err_msg());
			return 0;
		}
		if (ul->n)
			qsort(ul->v, ul->n, sizeof(*ul->v),
			      search_uident_cmp);
		ul->size = st.st_size;
		ul->mtime = st.st_mtim;
	}
	base = xstrdup(name);
	if (strchr(base, ':'))
		*strchr(base, ':') = '\0';
	key.base = base;
	hit = ul->n ? bsearch(&key, ul->v, ul->n, sizeof(*ul->v),
			      search_uident_cmp)
		    : NULL;
	free(base);
	*uidvalidity = ul->uidvalidity;
	return hit ? hit->uid : 0;
}

/*
 * Fills hit h from message msg: the copy in one of the preferred
 * directories (the query's folder: terms) or else the first, its folder
 * and UID from its file name.
 */
static void
search_fill_hit(struct search *s, notmuch_message_t *msg,
		const struct search_folder *f, size_t nf,
		const struct search_dirs *pref, struct search_hit *h)
{
	notmuch_filenames_t *fn;
	const char *path, *chosen = NULL, *rel, *name, *slash;
	char *dir = NULL, *first = NULL, *best = NULL;
	size_t rootlen = strlen(s->root), i, j;
	const struct search_folder *folder = NULL;

	memset(h, 0, sizeof(*h));
	for (fn = notmuch_message_get_filenames(msg);
	     fn && notmuch_filenames_valid(fn);
	     notmuch_filenames_move_to_next(fn)) {
		path = notmuch_filenames_get(fn);
		h->copies++;
		if (!first)
			first = xstrdup(path);
		if (best || strncmp(path, s->root, rootlen) ||
		    path[rootlen] != '/')
			continue;
		rel = path + rootlen + 1;
		slash = strrchr(rel, '/');
		for (j = 0; slash && j < pref->n; j++) {
			size_t dl = strlen(pref->v[j]);

			if ((size_t)(slash - rel) == dl + 4 &&
			    !strncmp(rel, pref->v[j], dl) && rel[dl] == '/')
				best = xstrdup(path);
		}
	}
	if (fn)
		notmuch_filenames_destroy(fn);
	chosen = best ? best : first;
	h->path = xstrdup(chosen);
	h->date = notmuch_message_get_date(msg);
	h->from = xstrdup(notmuch_message_get_header(msg, "from"));
	h->subject = xstrdup(notmuch_message_get_header(msg, "subject"));
	h->message_id = xstrdup(notmuch_message_get_message_id(msg));
	if (chosen && !strncmp(chosen, s->root, rootlen) &&
	    chosen[rootlen] == '/') {
		rel = chosen + rootlen + 1;
		name = strrchr(rel, '/');
		/* <dir>/cur/<name> or <dir>/new/<name> */
		if (name && name - rel > 4 && name[-4] == '/') {
			dir = strndup(rel, (size_t)(name - rel - 4));
			if (!dir)
				fatal("out of memory");
			name++;
			for (i = 0; i < nf && !folder; i++)
				if (!strcmp(f[i].dir, dir))
					folder = &f[i];
			h->folder = xstrdup(folder ? folder->name : dir);
			if (s->src == SEARCH_MIRROR) {
				if (mirror_parse_name(name, &h->uidvalidity,
						      &h->uid, &h->flags) < 0)
					h->flags = search_maildir_flags(name);
			} else {
				h->flags = search_maildir_flags(name);
				if (folder && *folder->source)
					h->uid = search_dovecot_uid(
						s, folder->source, name,
						&h->uidvalidity);
			}
		}
	}
	if (!h->folder)
		h->folder = xstrdup("");
	free(dir);
	free(first);
	free(best);
}

/* Frees the n hits of h (an array from search_query()). */
void
search_hits_free(struct search_hit *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].folder);
		free(h[i].path);
		free(h[i].from);
		free(h[i].subject);
		free(h[i].message_id);
	}
	free(h);
}

/*
 * Runs query (notmuch syntax; "" is every message) and returns in *hits
 * the messages from offset on, at most limit of them (0: no limit),
 * newest first: n of them, the caller's to free with search_hits_free().
 * No index yet gives no hits. Returns 0 or -1 (a query that does not
 * parse, for one).
 */
int
search_query(struct search *s, const char *query, size_t offset,
	     size_t limit, struct search_hit **hits, size_t *n)
{
	notmuch_database_t *db;
	notmuch_query_t *q = NULL;
	notmuch_messages_t *msgs = NULL;
	notmuch_message_t *msg;
	notmuch_status_t st;
	struct search_folder *f = NULL;
	struct search_dirs pref = { NULL, 0 };
	struct search_hit *v = NULL;
	size_t nf = 0, i = 0, got = 0, alloc = 0;
	char *fixed = NULL;
	int own, rc = -1;

	*hits = NULL;
	*n = 0;
	if (search_db_read(s, &db, &own) < 0)
		return -1;
	if (!db)
		return 0;
	if (search_folders_db(db, &f, &nf) < 0)
		goto out;
	fixed = search_query_fix(query, f, nf);
	search_walk_folders(fixed, NULL, search_dirs_add, &pref);
	q = notmuch_query_create(db, fixed);
	if (!q)
		fatal("out of memory");
	notmuch_query_set_sort(q, NOTMUCH_SORT_NEWEST_FIRST);
	st = notmuch_query_search_messages(q, &msgs);
	if (st) {
		err_set("cannot search for '%s': %s", query,
			notmuch_status_to_string(st));
		goto out;
	}
	for (; notmuch_messages_valid(msgs);
	     notmuch_messages_move_to_next(msgs), i++) {
		if (i < offset)
			continue;
		if (limit && got == limit)
			break;
		msg = notmuch_messages_get(msgs);
		if (got == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			v = reallocarray(v, alloc, sizeof(*v));
			if (!v)
				fatal("out of memory");
		}
		search_fill_hit(s, msg, f, nf, &pref, &v[got++]);
		notmuch_message_destroy(msg);
	}
	*hits = v;
	*n = got;
	v = NULL;
	got = 0;
	rc = 0;
out:
	search_hits_free(v, got);
	for (i = 0; i < pref.n; i++)
		free(pref.v[i]);
	free(pref.v);
	if (q)
		notmuch_query_destroy(q);
	free(fixed);
	search_folders_free(f, nf);
	if (own)
		notmuch_database_destroy(db);
	return rc;
}

/*
 * Counts the messages query matches into *count (0 without an index).
 * Returns 0 or -1.
 */
int
search_count(struct search *s, const char *query, unsigned *count)
{
	notmuch_database_t *db;
	notmuch_query_t *q;
	notmuch_status_t st;
	struct search_folder *f = NULL;
	size_t nf = 0;
	char *fixed;
	int own, rc = 0;

	*count = 0;
	if (search_db_read(s, &db, &own) < 0)
		return -1;
	if (!db)
		return 0;
	if (search_folders_db(db, &f, &nf) < 0) {
		rc = -1;
		goto out;
	}
	fixed = search_query_fix(query, f, nf);
	q = notmuch_query_create(db, fixed);
	if (!q)
		fatal("out of memory");
	st = notmuch_query_count_messages(q, count);
	if (st)
		rc = err_set("cannot count '%s': %s", query,
			     notmuch_status_to_string(st));
	notmuch_query_destroy(q);
	free(fixed);
out:
	search_folders_free(f, nf);
	if (own)
		notmuch_database_destroy(db);
	return rc;
}

/* ---- The address book. */

struct search_abook {
	struct search_address *v;
	size_t n, alloc;
	const char *prefix; /* case-folded */
};

/* Whether s (UTF-8) begins with the case-folded prefix. */
static int
search_starts(const char *s, const char *prefix)
{
	char *fold;
	int yes;

	if (!*prefix)
		return 1;
	fold = g_utf8_casefold(s, -1);
	yes = fold && !strncmp(fold, prefix, strlen(prefix));
	g_free(fold);
	return yes;
}

/* Whether the address or a word of the name begins with the prefix. */
static int
search_addr_matches(const char *name, const char *addr, const char *prefix)
{
	const char *p;

	if (search_starts(addr, prefix))
		return 1;
	for (p = name; p && *p; p++)
		if ((p == name || p[-1] == ' ' || p[-1] == '"' ||
		     p[-1] == '(' || p[-1] == '.' || p[-1] == '-') &&
		    search_starts(p, prefix))
			return 1;
	return 0;
}

/* Counts the mailboxes of header text (decoded) that match. */
static void
search_abook_add(struct search_abook *ab, const char *text)
{
	InternetAddressList *list;
	InternetAddress *ia;
	const char *addr, *name;
	int i, count;
	size_t j;

	if (!text || !*text)
		return;
	list = internet_address_list_parse(NULL, text);
	if (!list)
		return;
	count = internet_address_list_length(list);
	for (i = 0; i < count; i++) {
		ia = internet_address_list_get_address(list, i);
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		addr = internet_address_mailbox_get_addr(
			INTERNET_ADDRESS_MAILBOX(ia));
		name = internet_address_get_name(ia);
		if (!addr || !strchr(addr, '@') ||
		    !search_addr_matches(name, addr, ab->prefix))
			continue;
		for (j = 0; j < ab->n; j++)
			if (!strcasecmp(ab->v[j].addr, addr))
				break;
		if (j == ab->n) {
			if (ab->n == ab->alloc) {
				ab->alloc = ab->alloc ? ab->alloc * 2 : 32;
				ab->v = reallocarray(ab->v, ab->alloc,
						     sizeof(*ab->v));
				if (!ab->v)
					fatal("out of memory");
			}
			ab->v[j].addr = xstrdup(addr);
			ab->v[j].name = xstrdup(name);
			ab->v[j].count = 0;
			ab->n++;
		} else if (!*ab->v[j].name && name && *name) {
			free(ab->v[j].name);
			ab->v[j].name = xstrdup(name);
		}
		ab->v[j].count++;
	}
	g_object_unref(list);
}

/* Orders correspondents most frequent first, then by address. */
static int
search_addr_cmp(const void *a, const void *b)
{
	const struct search_address *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcasecmp(x->addr, y->addr);
}

/*
 * The word of prefix a query can look for: its leading letters and
 * digits (any non-ASCII byte counts as a letter), at most 64 bytes.
 */
static void
search_addr_word(const char *prefix, char *word, size_t size)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)prefix;

	for (; *p && n + 1 < size; p++) {
		if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			break;
		word[n++] = (char)*p;
	}
	/* Never end inside a UTF-8 sequence. */
	while (n && ((unsigned char)word[n - 1] & 0xC0) == 0x80)
		n--;
	if (n && (unsigned char)word[n - 1] >= 0xC0)
		n--;
	word[n] = '\0';
}

/*
 * Correspondents whose address, or a word of whose name, begins with
 * prefix (any case; "" for all), from the From, To and Cc of the newest
 * messages that mention them, most frequent first: at most max into
 * out, strings owned by out (search_addresses_clear()). Returns how
 * many, or -1.
 */
int
search_addresses(struct search *s, const char *prefix,
		 struct search_address *out, size_t max)
{
	notmuch_database_t *db;
	notmuch_query_t *q = NULL;
	notmuch_messages_t *msgs = NULL;
	notmuch_message_t *msg;
	struct search_abook ab = { NULL, 0, 0, NULL };
	char word[65], *query = NULL, *fold = NULL;
	size_t i, scanned = 0;
	int own, rc = -1;

	if (search_db_read(s, &db, &own) < 0)
		return -1;
	if (!db)
		return 0;
	fold = g_utf8_casefold(prefix ? prefix : "", -1);
	ab.prefix = fold ? fold : "";
	search_addr_word(prefix ? prefix : "", word, sizeof(word));
	if (*word) {
		if (asprintf(&query, "from:%s* or to:%s*", word, word) < 0)
			fatal("out of memory");
	} else {
		query = xstrdup("*");
	}
	q = notmuch_query_create(db, query);
	if (!q)
		fatal("out of memory");
	notmuch_query_set_sort(q, NOTMUCH_SORT_NEWEST_FIRST);
	if (notmuch_query_search_messages(q, &msgs)) {
		err_set("cannot look up addresses for '%s'", prefix);
		goto out;
	}
	for (; notmuch_messages_valid(msgs) && scanned < SEARCH_ADDR_SCAN;
	     notmuch_messages_move_to_next(msgs), scanned++) {
		msg = notmuch_messages_get(msgs);
		search_abook_add(&ab, notmuch_message_get_header(msg, "from"));
		search_abook_add(&ab, notmuch_message_get_header(msg, "to"));
		search_abook_add(&ab, notmuch_message_get_header(msg, "cc"));
		notmuch_message_destroy(msg);
	}
	if (ab.n)
		qsort(ab.v, ab.n, sizeof(*ab.v), search_addr_cmp);
	for (i = 0; i < ab.n && i < max; i++)
		out[i] = ab.v[i];
	rc = (int)i;
	search_addresses_clear(ab.v + i, ab.n - i);
	ab.n = 0;
out:
	search_addresses_clear(ab.v, ab.n);
	free(ab.v);
	g_free(fold);
	free(query);
	if (q)
		notmuch_query_destroy(q);
	if (own)
		notmuch_database_destroy(db);
	return rc;
}

/* Frees the strings of the n addresses in a (not a itself). */
void
search_addresses_clear(struct search_address *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].addr);
		a[i].name = a[i].addr = NULL;
	}
}

/* ---- IMAP SEARCH criteria, for the fallback while indexing. */

enum search_tok_kind {
	TOK_END,
	TOK_OPEN,
	TOK_CLOSE,
	TOK_AND,
	TOK_OR,
	TOK_NOT,
	TOK_TERM,
};

struct search_tok {
	enum search_tok_kind kind;
	char *prefix; /* owned: "from" for from:..., NULL for a free term */
	char *value;  /* owned */
};

struct search_lex {
	const char *p;
	struct search_tok tok;
};

/* Reads a bare or quoted value at *pp into a new string. */
static char *
search_lex_value(const char **pp)
{
	const char *p = *pp, *e;
	char *v;

	if (*p == '"') {
		e = strchr(p + 1, '"');
		if (!e)
			e = p + strlen(p);
		v = strndup(p + 1, (size_t)(e - p - 1));
		*pp = *e ? e + 1 : e;
	} else {
		for (e = p; *e && *e != ' ' && *e != '\t' && *e != '\n' &&
			    *e != '(' && *e != ')';
		     e++)
			;
		v = strndup(p, (size_t)(e - p));
		*pp = e;
	}
	if (!v)
		fatal("out of memory");
	return v;
}

/* Moves lx to the next token. */
static void
search_lex_next(struct search_lex *lx)
{
	const char *p = lx->p, *colon, *e;
	struct search_tok *t = &lx->tok;
	char *word;

	free(t->prefix);
	free(t->value);
	memset(t, 0, sizeof(*t));
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p) {
		t->kind = TOK_END;
	} else if (*p == '(' || *p == ')') {
		t->kind = *p == '(' ? TOK_OPEN : TOK_CLOSE;
		p++;
	} else if (*p == '-') {
		t->kind = TOK_NOT;
		p++;
	} else if (*p == '+') {
		p++;
		lx->p = p;
		search_lex_next(lx);
		return;
	} else if (*p == '"') {
		t->kind = TOK_TERM;
		t->value = search_lex_value(&p);
	} else {
		for (e = p; *e && *e != ' ' && *e != '\t' && *e != '\n' &&
			    *e != '(' && *e != ')' && *e != ':' && *e != '"';
		     e++)
			;
		colon = *e == ':' ? e : NULL;
		t->kind = TOK_TERM;
		if (colon) {
			t->prefix = strndup(p, (size_t)(colon - p));
			if (!t->prefix)
				fatal("out of memory");
			p = colon + 1;
			t->value = search_lex_value(&p);
		} else {
			word = search_lex_value(&p);
			if (!strcasecmp(word, "and"))
				t->kind = TOK_AND;
			else if (!strcasecmp(word, "or"))
				t->kind = TOK_OR;
			else if (!strcasecmp(word, "not"))
				t->kind = TOK_NOT;
			if (t->kind != TOK_TERM)
				free(word);
			else
				t->value = word;
		}
	}
	lx->p = p;
}

/* Appends s as an IMAP string: quoted, or a LITERAL+ when 8-bit. */
static void
search_imap_string(struct buf *out, const char *s)
{
	const unsigned char *p;
	int plain = 1;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80 || *p < 0x20)
			plain = 0;
	if (!plain) {
		buf_addf(out, "{%zu+}\r\n%s", strlen(s), s);
		return;
	}
	buf_addch(out, '"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addch(out, '\\');
		buf_addch(out, *p);
	}
	buf_addch(out, '"');
}

/*
 * Reads "YYYY", "YYYY-MM" or "YYYY-MM-DD" ('-', '.' or '/'). Sets the
 * first day of that period in *first and the first day after it in
 * *after (as y, m, d). Returns 0, or -1 for anything else.
 */
static int
search_period(const char *s, int first[3], int after[3])
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	int y, m = 0, d = 0, n = 0, len, leap;
	char sep1, sep2;

	len = (int)strlen(s);
	if (sscanf(s, "%4d%n", &y, &n) != 1 || n != 4)
		return -1;
	if (len > 4 && (sscanf(s, "%4d%c%2d%n", &y, &sep1, &m, &n) != 3 ||
			!strchr("-./", sep1) || m < 1 || m > 12))
		return -1;
	if (len > 7 &&
	    (sscanf(s, "%4d%c%2d%c%2d%n", &y, &sep1, &m, &sep2, &d, &n) != 5 ||
	     sep2 != sep1 || d < 1 || d > 31))
		return -1;
	if (n != len)
		return -1;
	first[0] = y;
	first[1] = m ? m : 1;
	first[2] = d ? d : 1;
	after[0] = y;
	after[1] = first[1];
	after[2] = first[2];
	if (!m) {
		after[0] = y + 1;
		return 0;
	}
	if (!d) {
		if (++after[1] > 12) {
			after[1] = 1;
			after[0]++;
		}
		return 0;
	}
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	if (++after[2] > mdays[m - 1] + (m == 2 && leap)) {
		after[2] = 1;
		if (++after[1] > 12) {
			after[1] = 1;
			after[0]++;
		}
	}
	return 0;
}

/* Appends "KEY d-Mon-yyyy" for the date ymd (year, month, day). */
static void
search_imap_date(struct buf *out, const char *key, const int ymd[3])
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
					      "May", "Jun", "Jul", "Aug",
					      "Sep", "Oct", "Nov", "Dec" };

	buf_addf(out, "%s %d-%s-%04d", key, ymd[2], months[ymd[1] - 1],
		 ymd[0]);
}

/* Appends the criteria of date:VALUE. Returns 0 or -1. */
static int
search_imap_dates(struct buf *out, const char *value)
{
	const char *dots = strstr(value, "..");
	char *from, *to;
	int f1[3], f2[3], t1[3], t2[3], rc = -1;

	from = strndup(value, dots ? (size_t)(dots - value) : strlen(value));
	to = xstrdup(dots ? dots + 2 : value);
	if (!from)
		fatal("out of memory");
	if ((*from && search_period(from, f1, f2) < 0) ||
	    (*to && search_period(to, t1, t2) < 0) || (!*from && !*to)) {
		err_set("date '%s' cannot be searched on the server", value);
		goto out;
	}
	buf_addch(out, '(');
	if (*from)
		search_imap_date(out, "SINCE", f1);
	if (*from && *to)
		buf_addch(out, ' ');
	if (*to)
		search_imap_date(out, "BEFORE", t2);
	buf_addch(out, ')');
	rc = 0;
out:
	free(from);
	free(to);
	return rc;
}

/* Appends the criteria of one term. Returns 0 or -1. */
static int
search_imap_term(struct buf *out, const struct search_tok *t)
{
	static const struct {
		const char *tag, *key;
	} tags[] = {
		{ "unread", "UNSEEN" },	  { "flagged", "FLAGGED" },
		{ "replied", "ANSWERED" }, { "draft", "DRAFT" },
		{ "deleted", "DELETED" }, { "passed", "KEYWORD $Forwarded" },
	};
	char *v = xstrdup(t->value);
	size_t i, len = strlen(v);
	int rc = 0;

	if (len > 1 && v[len - 1] == '*')
		v[len - 1] = '\0';
	if (!t->prefix) {
		if (!strcmp(v, "*")) {
			buf_adds(out, "ALL");
		} else {
			buf_adds(out, "TEXT ");
			search_imap_string(out, v);
		}
	} else if (!strcasecmp(t->prefix, "from")) {
		buf_adds(out, "FROM ");
		search_imap_string(out, v);
	} else if (!strcasecmp(t->prefix, "to")) {
		buf_adds(out, "OR TO ");
		search_imap_string(out, v);
		buf_adds(out, " CC ");
		search_imap_string(out, v);
	} else if (!strcasecmp(t->prefix, "subject")) {
		buf_adds(out, "SUBJECT ");
		search_imap_string(out, v);
	} else if (!strcasecmp(t->prefix, "body")) {
		buf_adds(out, "BODY ");
		search_imap_string(out, v);
	} else if (!strcasecmp(t->prefix, "id") ||
		   !strcasecmp(t->prefix, "mid")) {
		buf_adds(out, "HEADER Message-ID ");
		search_imap_string(out, v);
	} else if (!strcasecmp(t->prefix, "date")) {
		rc = search_imap_dates(out, v);
	} else if (!strcasecmp(t->prefix, "tag") ||
		   !strcasecmp(t->prefix, "is")) {
		for (i = 0; i < sizeof(tags) / sizeof(*tags); i++)
			if (!strcasecmp(v, tags[i].tag))
				break;
		if (i < sizeof(tags) / sizeof(*tags))
			buf_adds(out, tags[i].key);
		else
			rc = err_set("tag '%s' cannot be searched on the "
				     "server", v);
	} else {
		rc = err_set("'%s:' cannot be searched on the server",
			     t->prefix);
	}
	free(v);
	return rc;
}

static int search_imap_or(struct search_lex *lx, struct buf *out);

/* unary := ("not" | "-") unary | "(" or ")" | term */
static int
search_imap_unary(struct search_lex *lx, struct buf *out)
{
	int rc;

	switch (lx->tok.kind) {
	case TOK_NOT:
		search_lex_next(lx);
		buf_adds(out, "NOT ");
		return search_imap_unary(lx, out);
	case TOK_OPEN:
		search_lex_next(lx);
		rc = search_imap_or(lx, out);
		if (rc < 0)
			return -1;
		if (lx->tok.kind != TOK_CLOSE)
			return err_set("')' missing in the query");
		search_lex_next(lx);
		return 0;
	case TOK_TERM:
		rc = search_imap_term(out, &lx->tok);
		search_lex_next(lx);
		return rc;
	default:
		return err_set("the query is incomplete");
	}
}

/* and := unary (["and"] unary)*, as "(a b c)" when more than one. */
static int
search_imap_and(struct search_lex *lx, struct buf *out)
{
	struct buf part = BUF_INIT;
	size_t n = 0;
	int rc = 0;

	for (;;) {
		if (lx->tok.kind == TOK_AND) {
			search_lex_next(lx);
			continue;
		}
		if (lx->tok.kind != TOK_NOT && lx->tok.kind != TOK_OPEN &&
		    lx->tok.kind != TOK_TERM)
			break;
		if (n)
			buf_addch(&part, ' ');
		if (search_imap_unary(lx, &part) < 0) {
			rc = -1;
			break;
		}
		n++;
	}
	if (!rc && !n)
		rc = err_set("the query is incomplete");
	if (!rc) {
		if (n > 1)
			buf_addch(out, '(');
		buf_add(out, part.buf, part.len);
		if (n > 1)
			buf_addch(out, ')');
	}
	buf_release(&part);
	return rc;
}

/* or := and ("or" and)*, as "OR a OR b c". */
static int
search_imap_or(struct search_lex *lx, struct buf *out)
{
	struct buf first = BUF_INIT, rest = BUF_INIT;
	int rc;

	rc = search_imap_and(lx, &first);
	if (rc < 0 || lx->tok.kind != TOK_OR) {
		buf_add(out, first.buf, first.len);
		buf_release(&first);
		return rc;
	}
	search_lex_next(lx);
	rc = search_imap_or(lx, &rest);
	if (!rc) {
		buf_adds(out, "OR ");
		buf_add(out, first.buf, first.len);
		buf_addch(out, ' ');
		buf_add(out, rest.buf, rest.len);
	}
	buf_release(&first);
	buf_release(&rest);
	return rc;
}

/*
 * Whether criteria s (len bytes) is one parenthesised list: its first
 * '(' closes at its last byte. Quoted strings and literals are skipped.
 */
static int
search_enclosed(const char *s, size_t len)
{
	size_t i, n;
	int depth = 0;

	if (len < 2 || s[0] != '(' || s[len - 1] != ')')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '"') {
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
		} else if (s[i] == '{' && sscanf(s + i, "{%zu+}", &n) == 1) {
			i = (size_t)(strchr(s + i, '\n') - s) + n;
		} else if (s[i] == '(') {
			depth++;
		} else if (s[i] == ')' && --depth == 0 && i != len - 1) {
			return 0;
		}
	}
	return 1;
}

/*
 * Appends to out the IMAP SEARCH criteria (after "UID SEARCH ") that
 * ask the server what query asks the index, as far as IMAP can say it:
 * "CHARSET UTF-8 " and the keys; free words and phrases search TEXT,
 * to: both To and Cc, dates whole days. 8-bit strings go as LITERAL+.
 * Returns 0, or -1 when the query uses what IMAP cannot search for
 * (folder:, path:, thread:, a tag that is not a flag, a date that is not
 * YYYY[-MM[-DD]]); err_msg() says which.
 */
int
search_imap_criteria(const char *query, struct buf *out)
{
	struct search_lex lx = { query, { TOK_END, NULL, NULL } };
	struct buf keys = BUF_INIT;
	int rc;

	search_lex_next(&lx);
	if (lx.tok.kind == TOK_END) {
		buf_adds(out, "CHARSET UTF-8 ALL");
		return 0;
	}
	rc = search_imap_or(&lx, &keys);
	if (!rc && lx.tok.kind != TOK_END)
		rc = err_set("unexpected '%s' in the query",
			     lx.tok.kind == TOK_CLOSE ? ")" : "text");
	if (!rc) {
		buf_adds(out, "CHARSET UTF-8 ");
		/* One group is enough: drop its outer parentheses. */
		if (search_enclosed(keys.buf, keys.len))
			buf_add(out, keys.buf + 1, keys.len - 2);
		else
			buf_add(out, keys.buf, keys.len);
	}
	free(lx.tok.prefix);
	free(lx.tok.value);
	buf_release(&keys);
	return rc;
}
