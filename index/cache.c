/*
 * cache.c: the per-user header cache, cache.db in the user's state dir.
 *
 * sqlite3, 0600, WAL with a busy time-out (two sessions of one user may
 * share the file). Tables: folders (name, UIDVALIDITY, the HIGHESTMODSEQ
 * up to which the cached flags are known), envelopes (keyed by folder and
 * UID) and settings (key/value). The schema grows through numbered
 * migrations recorded in PRAGMA user_version. Writes of many rows go in
 * one transaction. Also kept: the last order of each folder's rows for
 * each way of ordering them (orders), valid while the folder is unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "index/index.h"
#include "util/log.h"

#define CACHE_BUSY_MS 5000

struct cache {
	sqlite3 *db;		 /* owned */
	sqlite3_stmt *get_env;	 /* owned: one envelope by folder and UID */
	sqlite3_stmt *put_env;	 /* owned: insert or replace one envelope */
	sqlite3_stmt *set_flags; /* owned: flags of one envelope */
	sqlite3_stmt *forget;	 /* owned: delete one envelope */
	char *path;		 /* owned, for messages */
};

/* Schema version i + 1 is what cache_migrations[i] makes of version i. */
static const char *const cache_migrations[] = {
	"CREATE TABLE folders ("
	" name TEXT PRIMARY KEY,"
	" uidvalidity INTEGER NOT NULL,"
	" highestmodseq INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE envelopes ("
	" folder TEXT NOT NULL,"
	" uid INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" date INTEGER NOT NULL,"
	" arrival INTEGER NOT NULL,"
	" \"from\" TEXT NOT NULL,"
	" \"to\" TEXT NOT NULL,"
	" cc TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" message_id TEXT NOT NULL,"
	" in_reply_to TEXT NOT NULL,"
	" PRIMARY KEY (folder, uid)) WITHOUT ROWID;"
	"CREATE TABLE settings ("
	" key TEXT PRIMARY KEY,"
	" value TEXT NOT NULL);",
	"CREATE TABLE orders ("
	" folder TEXT NOT NULL,"
	" how TEXT NOT NULL,"
	" uidvalidity INTEGER NOT NULL,"
	" uidnext INTEGER NOT NULL,"
	" msgs INTEGER NOT NULL,"
	" modseq INTEGER NOT NULL,"
	" rows BLOB NOT NULL,"
	" PRIMARY KEY (folder, how));",
};

#define CACHE_VERSION \
	((int)(sizeof(cache_migrations) / sizeof(*cache_migrations)))

/* Sets err_msg() from the database's last error and returns -1. */
static int
cache_fail(struct cache *c, const char *what)
{
	return err_set("cache '%s': cannot %s: %s", c->path, what,
		       sqlite3_errmsg(c->db));
}

/* Runs sql (one or more statements, no results). Returns 0 or -1. */
static int
cache_exec(struct cache *c, const char *sql, const char *what)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cache_fail(c, what);
	return 0;
}

/* Ends a transaction: COMMIT when ok, else ROLLBACK. Returns ok ? 0 : -1. */
static int
cache_end(struct cache *c, int ok)
{
	if (ok)
		return cache_exec(c, "COMMIT", "commit");
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* The single integer a query returns, in *v. Returns 0 or -1. */
static int
cache_int(struct cache *c, const char *sql, int *v)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cache_fail(c, "read the schema version");
	if (sqlite3_step(st) == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = 0;
	} else {
		cache_fail(c, "read the schema version");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Brings the schema to CACHE_VERSION in one transaction. */
static int
cache_migrate(struct cache *c)
{
	char sql[64];
	int version = 0, ok;

	if (cache_exec(c, "BEGIN IMMEDIATE", "begin a transaction") < 0)
		return -1;
	ok = cache_int(c, "PRAGMA user_version", &version) == 0;
	if (ok && version > CACHE_VERSION) {
		err_set("cache '%s' has schema version %d, newer than this "
			"tuimail's %d", c->path, version, CACHE_VERSION);
		ok = 0;
	}
	for (; ok && version < CACHE_VERSION; version++) {
		ok = cache_exec(c, cache_migrations[version],
				"migrate the schema") == 0;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			 version + 1);
		ok = ok && cache_exec(c, sql, "migrate the schema") == 0;
	}
	return cache_end(c, ok);
}

/* Prepares one statement kept for the life of the cache. */
static int
cache_prepare(struct cache *c, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
			       NULL) != SQLITE_OK)
		return cache_fail(c, "prepare a statement");
	return 0;
}

/*
 * Opens (creating it, mode 0600) the cache at path and brings its schema
 * up to date. On success *out is the caller's, closed with cache_close().
 */
int
cache_open(struct cache **out, const char *path)
{
	struct cache *c;
	int fd, rc = -1;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path)))
		fatal("out of memory");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err_set("cannot open cache '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) < 0) {
		err_set("cannot make cache '%s' private: %s", path,
			strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE,
			    NULL) != SQLITE_OK) {
		if (!c->db)
			fatal("out of memory");
		cache_fail(c, "open it");
		goto out;
	}
	sqlite3_busy_timeout(c->db, CACHE_BUSY_MS);
	if (cache_exec(c, "PRAGMA journal_mode = WAL", "turn on WAL") < 0 ||
	    cache_exec(c, "PRAGMA synchronous = NORMAL", "set synchronous") <
		    0 ||
	    cache_migrate(c) < 0)
		goto out;
	if (cache_prepare(c, &c->get_env,
			  "SELECT flags, size, date, arrival, \"from\", "
			  "\"to\", cc, subject, message_id, in_reply_to "
			  "FROM envelopes WHERE folder = ?1 AND uid = ?2") < 0 ||
	    cache_prepare(c, &c->put_env,
			  "INSERT OR REPLACE INTO envelopes (folder, uid, "
			  "flags, size, date, arrival, \"from\", \"to\", cc, "
			  "subject, message_id, in_reply_to) VALUES (?1, ?2, "
			  "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)") < 0 ||
	    cache_prepare(c, &c->set_flags,
			  "UPDATE envelopes SET flags = ?3 "
			  "WHERE folder = ?1 AND uid = ?2") < 0 ||
	    cache_prepare(c, &c->forget,
			  "DELETE FROM envelopes "
			  "WHERE folder = ?1 AND uid = ?2") < 0)
		goto out;
	*out = c;
	c = NULL;
	rc = 0;
out:
	cache_close(c);
	return rc;
}

/* Closes the cache and frees it. NULL is fine. */
void
cache_close(struct cache *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->get_env);
	sqlite3_finalize(c->put_env);
	sqlite3_finalize(c->set_flags);
	sqlite3_finalize(c->forget);
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

/* Deletes the rows of folder in table (envelopes or orders). */
static int
cache_drop_folder(struct cache *c, const char *folder, const char *table)
{
	sqlite3_stmt *st = NULL;
	char sql[64];
	int ok;

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE folder = ?1", table);
	ok = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK &&
	     sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/*
 * Checks the cached folder against the UIDVALIDITY the server gave. When
 * it differs, the folder's envelopes and orders are dropped and its
 * HIGHESTMODSEQ forgotten; a folder seen for the first time is recorded. *highestmodseq
 * is the MODSEQ up to which the cached flags are known (0: unknown).
 * Returns 1 when envelopes were dropped, 0 otherwise, -1 on error.
 */
int
cache_folder_check(struct cache *c, const char *folder, uint32_t uidvalidity,
		   uint64_t *highestmodseq)
{
	sqlite3_stmt *st = NULL;
	int ok, r, dropped = 0, known = 0;

	*highestmodseq = 0;
	if (cache_exec(c, "BEGIN IMMEDIATE", "begin a transaction") < 0)
		return -1;
	ok = sqlite3_prepare_v2(c->db,
				"SELECT uidvalidity, highestmodseq FROM folders "
				"WHERE name = ?1",
				-1, &st, NULL) == SQLITE_OK &&
	     sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) == SQLITE_OK;
	if (ok) {
		r = sqlite3_step(st);
		if (r == SQLITE_ROW) {
			known = 1;
			if ((uint32_t)sqlite3_column_int64(st, 0) ==
			    uidvalidity)
				*highestmodseq =
					(uint64_t)sqlite3_column_int64(st, 1);
			else
				dropped = 1;
		} else if (r != SQLITE_DONE) {
			ok = 0;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (ok && (dropped || !known)) {
		ok = cache_drop_folder(c, folder, "envelopes") == 0 &&
		     cache_drop_folder(c, folder, "orders") == 0;
		ok = ok &&
		     sqlite3_prepare_v2(c->db,
					"INSERT OR REPLACE INTO folders (name, "
					"uidvalidity, highestmodseq) VALUES "
					"(?1, ?2, 0)",
					-1, &st, NULL) == SQLITE_OK &&
		     sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) ==
			     SQLITE_OK &&
		     sqlite3_bind_int64(st, 2, uidvalidity) == SQLITE_OK &&
		     sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	if (!ok) {
		cache_fail(c, "check a folder");
		return cache_end(c, 0);
	}
	if (cache_end(c, 1) < 0)
		return -1;
	if (dropped)
		log_debug("cache: UIDVALIDITY of '%s' changed: dropped",
			  folder);
	return dropped;
}

/*
 * Records that the cached flags of folder are known up to highestmodseq
 * (after a FETCH ... CHANGEDSINCE). Returns 0 or -1.
 */
int
cache_folder_set_modseq(struct cache *c, const char *folder,
			uint64_t highestmodseq)
{
	sqlite3_stmt *st = NULL;
	int ok;

	ok = sqlite3_prepare_v2(c->db,
				"UPDATE folders SET highestmodseq = ?2 "
				"WHERE name = ?1",
				-1, &st, NULL) == SQLITE_OK &&
	     sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_bind_int64(st, 2, (sqlite3_int64)highestmodseq) ==
		     SQLITE_OK &&
	     sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok)
		return cache_fail(c, "record a MODSEQ");
	return 0;
}

/* A copy of column i of the current row ("" for NULL). */
static char *
cache_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	char *s = strdup(t ? (const char *)t : "");

	if (!s)
		fatal("out of memory");
	return s;
}

/*
 * Looks up the n envelopes of folder in uids: out[i] is filled (strings
 * owned by it, freed with imap_envelope_clear()) and found[i] set to 1 for
 * each one the cache has, found[i] is 0 and out[i] zeroed for the others.
 * Returns how many were found, or -1.
 */
int
cache_get_envelopes(struct cache *c, const char *folder, const uint32_t *uids,
		    size_t n, struct imap_envelope *out, unsigned char *found)
{
	sqlite3_stmt *st = c->get_env;
	struct imap_envelope *e;
	size_t i, hits = 0;
	int r = SQLITE_DONE, ok = 1;

	memset(out, 0, n * sizeof(*out));
	memset(found, 0, n);
	if (!n)
		return 0;
	if (cache_exec(c, "BEGIN", "begin a transaction") < 0)
		return -1;
	for (i = 0; ok && i < n; i++) {
		sqlite3_reset(st);
		ok = sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) ==
			     SQLITE_OK &&
		     sqlite3_bind_int64(st, 2, uids[i]) == SQLITE_OK;
		if (ok)
			r = sqlite3_step(st);
		if (!ok || r != SQLITE_ROW) {
			ok = ok && r == SQLITE_DONE;
			continue;
		}
		e = &out[i];
		e->uid = uids[i];
		e->flags = (uint32_t)sqlite3_column_int64(st, 0);
		e->size = (uint32_t)sqlite3_column_int64(st, 1);
		e->date = sqlite3_column_int64(st, 2);
		e->arrival = sqlite3_column_int64(st, 3);
		e->from = cache_text(st, 4);
		e->to = cache_text(st, 5);
		e->cc = cache_text(st, 6);
		e->subject = cache_text(st, 7);
		e->message_id = cache_text(st, 8);
		e->in_reply_to = cache_text(st, 9);
		found[i] = 1;
		hits++;
	}
	if (!ok)
		cache_fail(c, "read envelopes");
	sqlite3_reset(st);
	if (cache_end(c, ok) == 0)
		return (int)hits;
	for (i = 0; i < n; i++)
		imap_envelope_clear(&out[i]);
	memset(found, 0, n);
	return -1;
}

/* Binds text that may be NULL as "". */
static int
cache_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

/*
 * Stores the n envelopes in e (those with uid 0 are skipped) for folder,
 * replacing what was there, in one transaction. Returns 0 or -1.
 */
int
cache_put_envelopes(struct cache *c, const char *folder,
		    const struct imap_envelope *e, size_t n)
{
	sqlite3_stmt *st = c->put_env;
	size_t i;
	int ok = 1;

	if (!n)
		return 0;
	if (cache_exec(c, "BEGIN IMMEDIATE", "begin a transaction") < 0)
		return -1;
	for (i = 0; ok && i < n; i++) {
		if (!e[i].uid)
			continue;
		sqlite3_reset(st);
		ok = sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) ==
			     SQLITE_OK &&
		     sqlite3_bind_int64(st, 2, e[i].uid) == SQLITE_OK &&
		     sqlite3_bind_int64(st, 3, e[i].flags) == SQLITE_OK &&
		     sqlite3_bind_int64(st, 4, e[i].size) == SQLITE_OK &&
		     sqlite3_bind_int64(st, 5, e[i].date) == SQLITE_OK &&
		     sqlite3_bind_int64(st, 6, e[i].arrival) == SQLITE_OK &&
		     cache_bind_text(st, 7, e[i].from) == SQLITE_OK &&
		     cache_bind_text(st, 8, e[i].to) == SQLITE_OK &&
		     cache_bind_text(st, 9, e[i].cc) == SQLITE_OK &&
		     cache_bind_text(st, 10, e[i].subject) == SQLITE_OK &&
		     cache_bind_text(st, 11, e[i].message_id) == SQLITE_OK &&
		     cache_bind_text(st, 12, e[i].in_reply_to) == SQLITE_OK &&
		     sqlite3_step(st) == SQLITE_DONE;
	}
	if (!ok)
		cache_fail(c, "store envelopes");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return cache_end(c, ok);
}

/* Sets the flags of one cached envelope, if the cache has it. */
int
cache_set_flags(struct cache *c, const char *folder, uint32_t uid,
		uint32_t flags)
{
	sqlite3_stmt *st = c->set_flags;
	int ok;

	sqlite3_reset(st);
	ok = sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_bind_int64(st, 2, uid) == SQLITE_OK &&
	     sqlite3_bind_int64(st, 3, flags) == SQLITE_OK &&
	     sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		cache_fail(c, "store flags");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ok ? 0 : -1;
}

/* Drops the n envelopes of folder in uids, in one transaction. */
int
cache_forget(struct cache *c, const char *folder, const uint32_t *uids,
	     size_t n)
{
	sqlite3_stmt *st = c->forget;
	size_t i;
	int ok = 1;

	if (!n)
		return 0;
	if (cache_exec(c, "BEGIN IMMEDIATE", "begin a transaction") < 0)
		return -1;
	for (i = 0; ok && i < n; i++) {
		sqlite3_reset(st);
		ok = sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) ==
			     SQLITE_OK &&
		     sqlite3_bind_int64(st, 2, uids[i]) == SQLITE_OK &&
		     sqlite3_step(st) == SQLITE_DONE;
	}
	if (!ok)
		cache_fail(c, "drop envelopes");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return cache_end(c, ok);
}

/*
 * Adds (add) or clears the flag bits on the cached envelopes of folder in
 * uids, in one transaction: what a STORE of the session did to messages
 * whose envelopes may not be in memory (mark all read). Returns 0 or -1.
 */
int
cache_change_flags(struct cache *c, const char *folder, const uint32_t *uids,
		   size_t n, uint32_t bits, int add)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int ok;

	if (!n)
		return 0;
	if (cache_exec(c, "BEGIN IMMEDIATE", "begin a transaction") < 0)
		return -1;
	ok = sqlite3_prepare_v2(c->db,
				add ? "UPDATE envelopes SET flags = flags | ?3 "
				      "WHERE folder = ?1 AND uid = ?2"
				    : "UPDATE envelopes SET flags = flags & "
				      "~?3 WHERE folder = ?1 AND uid = ?2",
				-1, &st, NULL) == SQLITE_OK;
	for (i = 0; ok && i < n; i++) {
		sqlite3_reset(st);
		ok = sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) ==
			     SQLITE_OK &&
		     sqlite3_bind_int64(st, 2, uids[i]) == SQLITE_OK &&
		     sqlite3_bind_int64(st, 3, bits) == SQLITE_OK &&
		     sqlite3_step(st) == SQLITE_DONE;
	}
	if (!ok)
		cache_fail(c, "store flags");
	sqlite3_finalize(st);
	return cache_end(c, ok);
}

/*
 * Reads setting key into out (replacing what it held; empty when the
 * setting does not exist). Returns 0, or -1 on error.
 */
int
cache_setting_get(struct cache *c, const char *key, struct buf *out)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int r, rc = -1;

	buf_reset(out);
	if (sqlite3_prepare_v2(c->db, "SELECT value FROM settings WHERE key = ?1",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK) {
		cache_fail(c, "read a setting");
		goto out;
	}
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		v = sqlite3_column_text(st, 0);
		buf_adds(out, v ? (const char *)v : "");
		rc = 0;
	} else if (r == SQLITE_DONE) {
		rc = 0;
	} else {
		cache_fail(c, "read a setting");
	}
out:
	sqlite3_finalize(st);
	return rc;
}

/* Stores setting key = value. Returns 0 or -1. */
int
cache_setting_set(struct cache *c, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int ok;

	ok = sqlite3_prepare_v2(c->db,
				"INSERT OR REPLACE INTO settings (key, value) "
				"VALUES (?1, ?2)",
				-1, &st, NULL) == SQLITE_OK &&
	     sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok)
		return cache_fail(c, "store a setting");
	return 0;
}

/*
 * Reads the order of folder's rows stored under how, when it was stored
 * for exactly state (UIDVALIDITY, UIDNEXT, EXISTS and HIGHESTMODSEQ), or
 * whatever state it was stored for when state is NULL (a preview before
 * SELECT answers). Returns 1 with *rows (len bytes, the caller's to
 * free), 0 when there is none for that state, -1 on error.
 */
int
cache_order_get(struct cache *c, const char *folder, const char *how,
		const struct imap_mailbox_info *state, void **rows,
		size_t *len)
{
	sqlite3_stmt *st = NULL;
	const void *blob;
	int r, rc = -1;

	*rows = NULL;
	*len = 0;
	if (sqlite3_prepare_v2(c->db,
			       state ? "SELECT rows FROM orders WHERE "
				       "folder = ?1 AND how = ?2 AND "
				       "uidvalidity = ?3 AND uidnext = ?4 "
				       "AND msgs = ?5 AND modseq = ?6"
				     : "SELECT rows FROM orders WHERE "
				       "folder = ?1 AND how = ?2",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, how, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (state &&
	     (sqlite3_bind_int64(st, 3, state->uidvalidity) != SQLITE_OK ||
	      sqlite3_bind_int64(st, 4, state->uidnext) != SQLITE_OK ||
	      sqlite3_bind_int64(st, 5, state->exists) != SQLITE_OK ||
	      sqlite3_bind_int64(st, 6, (sqlite3_int64)state->highestmodseq) !=
		      SQLITE_OK))) {
		cache_fail(c, "read an order");
		goto out;
	}
	r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		rc = 0;
		goto out;
	}
	if (r != SQLITE_ROW) {
		cache_fail(c, "read an order");
		goto out;
	}
	blob = sqlite3_column_blob(st, 0);
	*len = (size_t)sqlite3_column_bytes(st, 0);
	*rows = malloc(*len ? *len : 1);
	if (!*rows)
		fatal("out of memory");
	if (*len)
		memcpy(*rows, blob, *len);
	rc = 1;
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * Stores the order of folder's rows (len bytes) under how for state,
 * replacing the one stored under how before. Returns 0 or -1.
 */
int
cache_order_put(struct cache *c, const char *folder, const char *how,
		const struct imap_mailbox_info *state, const void *rows,
		size_t len)
{
	sqlite3_stmt *st = NULL;
	int ok;

	ok = sqlite3_prepare_v2(c->db,
				"INSERT OR REPLACE INTO orders (folder, how, "
				"uidvalidity, uidnext, msgs, modseq, rows) "
				"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
				-1, &st, NULL) == SQLITE_OK &&
	     sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_bind_text(st, 2, how, -1, SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_bind_int64(st, 3, state->uidvalidity) == SQLITE_OK &&
	     sqlite3_bind_int64(st, 4, state->uidnext) == SQLITE_OK &&
	     sqlite3_bind_int64(st, 5, state->exists) == SQLITE_OK &&
	     sqlite3_bind_int64(st, 6, (sqlite3_int64)state->highestmodseq) ==
		     SQLITE_OK &&
	     sqlite3_bind_blob64(st, 7, len ? rows : "", len,
				 SQLITE_STATIC) == SQLITE_OK &&
	     sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok)
		return cache_fail(c, "store an order");
	return 0;
}
