/*
 * acct_sqlite.c: the sqlite3 backend of the accounts store. All of
 * tuimail's SQL lives here. The database is shared with Dovecot's passdb
 * (driver sqlite), so it runs in WAL mode with a busy timeout, and every
 * write is a short transaction opened by acct.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "acct.h"
#include "util/log.h"

#define SQLITE_BUSY_MS 10000

struct acct_store {
	sqlite3 *db; /* owned */
	char *path;  /* owned */
};

/*
 * Schema migrations: entry i brings user_version from i to i + 1. Never
 * edit a released entry; append a new one.
 */
static const char *const migrations[] = {
	/* 1: the tables of DESIGN.md. */
	"CREATE TABLE mail_domains ("
	"  id INTEGER PRIMARY KEY,"
	"  domain TEXT NOT NULL UNIQUE,"
	"  is_active INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE mail_accounts ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES mail_domains(id),"
	"  email TEXT NOT NULL UNIQUE,"
	"  display_name TEXT NOT NULL DEFAULT '',"
	"  password TEXT NOT NULL,"
	"  quota_mb INTEGER,"
	"  usage_bytes INTEGER NOT NULL DEFAULT 0,"
	"  is_active INTEGER NOT NULL DEFAULT 1,"
	"  totp_secret TEXT,"
	"  totp_enabled INTEGER NOT NULL DEFAULT 0,"
	"  totp_last_step INTEGER NOT NULL DEFAULT 0,"
	"  last_sync INTEGER,"
	"  last_login INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  deleted_at INTEGER);"
	"CREATE INDEX mail_accounts_domain ON mail_accounts(domain_id);"
	"CREATE TABLE mail_aliases ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES mail_domains(id)"
	"    ON DELETE CASCADE,"
	"  alias_email TEXT NOT NULL UNIQUE,"
	"  destination_email TEXT NOT NULL,"
	"  is_active INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX mail_aliases_domain ON mail_aliases(domain_id);"
	"CREATE TABLE mail_groups ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES mail_domains(id)"
	"    ON DELETE CASCADE,"
	"  email TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE mail_group_members ("
	"  group_id INTEGER NOT NULL REFERENCES mail_groups(id)"
	"    ON DELETE CASCADE,"
	"  account_id INTEGER NOT NULL REFERENCES mail_accounts(id)"
	"    ON DELETE CASCADE,"
	"  PRIMARY KEY (group_id, account_id));"
	"CREATE INDEX mail_group_members_account"
	"  ON mail_group_members(account_id);"
	"CREATE TABLE autoresponders ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL UNIQUE REFERENCES mail_accounts(id)"
	"    ON DELETE CASCADE,"
	"  subject TEXT NOT NULL DEFAULT '',"
	"  body TEXT NOT NULL DEFAULT '',"
	"  start_at INTEGER,"
	"  end_at INTEGER,"
	"  is_active INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE recovery_codes ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES mail_accounts(id)"
	"    ON DELETE CASCADE,"
	"  code_hash TEXT NOT NULL,"
	"  used_at INTEGER);"
	"CREATE INDEX recovery_codes_account ON recovery_codes(account_id);"
	"CREATE TABLE admins ("
	"  email TEXT PRIMARY KEY,"
	"  granted_at INTEGER NOT NULL);"
	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL DEFAULT '',"
	"  detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX audit_log_at ON audit_log(at);"
	"CREATE TABLE sso_tokens ("
	"  token_hash TEXT PRIMARY KEY,"
	"  email TEXT NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  used_at INTEGER);",

	/* 2: login bookkeeping for the SSH door. */
	"ALTER TABLE mail_accounts ADD COLUMN last_login_addr TEXT;"
	"CREATE TABLE auth_failures ("
	"  key TEXT PRIMARY KEY,"
	"  failures INTEGER NOT NULL,"
	"  last_at INTEGER NOT NULL);",

	/* 3: signatures of panel requests already served (replays). */
	"CREATE TABLE panel_signatures ("
	"  signature TEXT PRIMARY KEY,"
	"  seen_at INTEGER NOT NULL);",
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static int
sq_fail(struct acct_store *st, const char *what)
{
	return err_set("database '%s': %s: %s", st->path, what,
		       sqlite3_errmsg(st->db));
}

static int
sq_exec(struct acct_store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set("database '%s': %s", st->path,
			msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *
sq_prepare(struct acct_store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		sq_fail(st, "prepare");
		return NULL;
	}
	return s;
}

/*
 * Binds the arguments described by fmt ('s' text, 'i' int64, 'n' int64 or
 * NULL when 0) and steps a statement that returns no rows.
 */
static int
sq_run(struct acct_store *st, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int i, rc = -1;

	if ((s = sq_prepare(st, sql)) == NULL)
		return -1;
	va_start(ap, fmt);
	for (i = 0; fmt[i]; i++) {
		int64_t v;

		switch (fmt[i]) {
		case 's':
			sqlite3_bind_text(s, i + 1, va_arg(ap, const char *),
					  -1, SQLITE_TRANSIENT);
			break;
		case 'i':
			sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
			break;
		case 'n':
			v = va_arg(ap, int64_t);
			if (v)
				sqlite3_bind_int64(s, i + 1, v);
			else
				sqlite3_bind_null(s, i + 1);
			break;
		default:
			fatal("sq_run: bad format '%c'", fmt[i]);
		}
	}
	va_end(ap);
	if (sqlite3_step(s) != SQLITE_DONE)
		sq_fail(st, "write");
	else
		rc = 0;
	sqlite3_finalize(s);
	return rc;
}

static void
sq_text(sqlite3_stmt *s, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

/* Creates the parent directory of a new database (one level, 0700). */
static int
sq_make_parent(const char *path)
{
	char *copy = strdup(path), *dir;
	int rc = 0;

	if (copy == NULL)
		fatal("out of memory");
	dir = dirname(copy);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		rc = err_set("cannot create directory '%s': %s", dir,
			     strerror(errno));
	free(copy);
	return rc;
}

static struct acct_store *
sq_open(const char *path, int create)
{
	struct acct_store *st;
	struct stat sb;
	mode_t old;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int exists, rc;

	/* ":memory:" is sqlite's private in-memory database, for tests. */
	exists = !strcmp(path, ":memory:") || stat(path, &sb) == 0;
	if (!exists && !create) {
		err_set("database '%s' does not exist", path);
		return NULL;
	}
	if (!exists && sq_make_parent(path) < 0)
		return NULL;
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	st = calloc(1, sizeof(*st));
	if (st == NULL || (st->path = strdup(path)) == NULL)
		fatal("out of memory");
	old = umask(077);
	rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	umask(old);
	if (rc != SQLITE_OK) {
		err_set("cannot open database '%s': %s", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	if (!exists && chmod(path, 0600) < 0) {
		err_set("cannot chmod '%s': %s", path, strerror(errno));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, SQLITE_BUSY_MS);
	sqlite3_extended_result_codes(st->db, 1);
	if (sq_exec(st, "PRAGMA journal_mode=WAL;"
			"PRAGMA synchronous=NORMAL;"
			"PRAGMA foreign_keys=ON;") < 0) {
		err_prefix("cannot open database");
		goto fail;
	}
	return st;
fail:
	sqlite3_close(st->db);
	free(st->path);
	free(st);
	return NULL;
}

static void
sq_close(struct acct_store *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

static int
sq_user_version(struct acct_store *st, int *v)
{
	sqlite3_stmt *s = sq_prepare(st, "PRAGMA user_version");
	int rc = -1;

	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*v = sqlite3_column_int(s, 0);
		rc = 0;
	} else {
		sq_fail(st, "read schema version");
	}
	sqlite3_finalize(s);
	return rc;
}

/* Brings the schema up to date, each migration in its own transaction. */
static int
sq_migrate(struct acct_store *st)
{
	char sql[64];
	int v;

	if (sq_user_version(st, &v) < 0)
		return -1;
	if (v > N_MIGRATIONS)
		return err_set("database '%s' has schema version %d, newer "
			       "than this tuimail (%d)",
			       st->path, v, N_MIGRATIONS);
	for (; v < N_MIGRATIONS; v++) {
		if (sq_exec(st, "BEGIN IMMEDIATE") < 0)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (sq_exec(st, migrations[v]) < 0 || sq_exec(st, sql) < 0) {
			err_prefix("migration %d", v + 1);
			sq_exec(st, "ROLLBACK");
			return -1;
		}
		if (sq_exec(st, "COMMIT") < 0)
			return -1;
		log_info("database '%s' migrated to schema version %d",
			 st->path, v + 1);
	}
	return 0;
}

static int
sq_schema(struct acct_store *st, int *have, int *want)
{
	*want = N_MIGRATIONS;
	return sq_user_version(st, have);
}

/* Runs sqlite's integrity and foreign key checks. */
static int
sq_check(struct acct_store *st)
{
	sqlite3_stmt *s;
	int v, rc = -1;

	if (sq_user_version(st, &v) < 0)
		return -1;
	if (v != N_MIGRATIONS)
		return err_set("database '%s' has schema version %d, "
			       "expected %d",
			       st->path, v, N_MIGRATIONS);
	if ((s = sq_prepare(st, "PRAGMA integrity_check")) == NULL)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW)
		sq_fail(st, "integrity check");
	else if (strcmp((const char *)sqlite3_column_text(s, 0), "ok"))
		err_set("database '%s' is damaged: %s", st->path,
			sqlite3_column_text(s, 0));
	else
		rc = 0;
	sqlite3_finalize(s);
	if (rc < 0)
		return -1;
	if ((s = sq_prepare(st, "PRAGMA foreign_key_check")) == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = err_set("database '%s': table %s has a row whose %s is "
			     "missing",
			     st->path, sqlite3_column_text(s, 0),
			     sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	return rc;
}

static int
sq_begin(struct acct_store *st)
{
	return sq_exec(st, "BEGIN IMMEDIATE");
}

static int
sq_commit(struct acct_store *st)
{
	return sq_exec(st, "COMMIT");
}

static void
sq_rollback(struct acct_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sq_exec(st, "ROLLBACK");
}

static int
sq_domain_get(struct acct_store *st, const char *domain,
	      struct acct_domain *out)
{
	sqlite3_stmt *s = sq_prepare(
		st, "SELECT id, domain, is_active, created_at FROM "
		    "mail_domains WHERE domain = ?");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, domain, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->id = sqlite3_column_int64(s, 0);
		sq_text(s, 1, out->domain, sizeof(out->domain));
		out->is_active = sqlite3_column_int(s, 2);
		out->created_at = sqlite3_column_int64(s, 3);
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = sq_fail(st, "read domain");
	}
	sqlite3_finalize(s);
	return rc;
}

static int
sq_domain_add(struct acct_store *st, const char *domain, int64_t now)
{
	return sq_run(st,
		      "INSERT INTO mail_domains (domain, created_at, "
		      "updated_at) VALUES (?, ?, ?)",
		      "sii", domain, now, now);
}

static int
sq_domain_set_active(struct acct_store *st, int64_t id, int active,
		     int64_t now)
{
	return sq_run(st,
		      "UPDATE mail_domains SET is_active = ?, updated_at = ? "
		      "WHERE id = ?",
		      "iii", (int64_t)active, now, id);
}

static int
sq_domain_del(struct acct_store *st, int64_t id)
{
	return sq_run(st, "DELETE FROM mail_domains WHERE id = ?", "i", id);
}

static int
sq_domain_list(struct acct_store *st, acct_domain_cb cb, void *arg)
{
	sqlite3_stmt *s = sq_prepare(
		st, "SELECT d.id, d.domain, d.is_active, d.created_at,"
		    " (SELECT count(*) FROM mail_accounts a WHERE"
		    "  a.domain_id = d.id AND a.deleted_at IS NULL),"
		    " (SELECT count(*) FROM mail_aliases l WHERE"
		    "  l.domain_id = d.id)"
		    " FROM mail_domains d ORDER BY d.domain");
	struct acct_domain d;
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		d.id = sqlite3_column_int64(s, 0);
		sq_text(s, 1, d.domain, sizeof(d.domain));
		d.is_active = sqlite3_column_int(s, 2);
		d.created_at = sqlite3_column_int64(s, 3);
		d.n_accounts = sqlite3_column_int(s, 4);
		d.n_aliases = sqlite3_column_int(s, 5);
		if ((rc = cb(&d, arg)) != 0)
			break;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc == SQLITE_ROW)
		rc = sq_fail(st, "list domains");
	sqlite3_finalize(s);
	return rc;
}

#define ACCOUNT_COLUMNS                                                     \
	"a.id, a.domain_id, a.email, d.domain, a.display_name, a.password,"  \
	" coalesce(a.quota_mb, 0), a.usage_bytes, a.is_active, d.is_active," \
	" coalesce(a.totp_secret, ''), a.totp_enabled, a.totp_last_step,"    \
	" coalesce(a.last_sync, 0), coalesce(a.last_login, 0),"              \
	" a.created_at, a.updated_at, coalesce(a.deleted_at, 0)"             \
	" FROM mail_accounts a JOIN mail_domains d ON d.id = a.domain_id"

static void
sq_account_row(sqlite3_stmt *s, struct acct_account *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(s, 0);
	a->domain_id = sqlite3_column_int64(s, 1);
	sq_text(s, 2, a->email, sizeof(a->email));
	sq_text(s, 3, a->domain, sizeof(a->domain));
	sq_text(s, 4, a->display_name, sizeof(a->display_name));
	sq_text(s, 5, a->password, sizeof(a->password));
	a->quota_mb = (long)sqlite3_column_int64(s, 6);
	a->usage_bytes = sqlite3_column_int64(s, 7);
	a->is_active = sqlite3_column_int(s, 8);
	a->domain_active = sqlite3_column_int(s, 9);
	sq_text(s, 10, a->totp_secret, sizeof(a->totp_secret));
	a->totp_enabled = sqlite3_column_int(s, 11);
	a->totp_last_step = sqlite3_column_int64(s, 12);
	a->last_sync = sqlite3_column_int64(s, 13);
	a->last_login = sqlite3_column_int64(s, 14);
	a->created_at = sqlite3_column_int64(s, 15);
	a->updated_at = sqlite3_column_int64(s, 16);
	a->deleted_at = sqlite3_column_int64(s, 17);
}

static int
sq_account_get(struct acct_store *st, const char *email,
	       struct acct_account *out)
{
	sqlite3_stmt *s =
		sq_prepare(st, "SELECT " ACCOUNT_COLUMNS " WHERE a.email = ?");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		sq_account_row(s, out);
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = sq_fail(st, "read account");
	}
	sqlite3_finalize(s);
	return rc;
}

static int
sq_account_add(struct acct_store *st, const struct acct_account *a)
{
	return sq_run(st,
		      "INSERT INTO mail_accounts (domain_id, email,"
		      " display_name, password, quota_mb, is_active,"
		      " last_sync, created_at, updated_at)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		      "isssninii", a->domain_id, a->email, a->display_name,
		      a->password, (int64_t)a->quota_mb, (int64_t)a->is_active,
		      a->last_sync, a->created_at, a->updated_at);
}

/* Writes every mutable column of a back to its row. */
static int
sq_account_update(struct acct_store *st, const struct acct_account *a)
{
	return sq_run(st,
		      "UPDATE mail_accounts SET display_name = ?,"
		      " password = ?, quota_mb = ?, usage_bytes = ?,"
		      " is_active = ?, totp_secret = nullif(?, ''),"
		      " totp_enabled = ?, totp_last_step = ?, last_sync = ?,"
		      " last_login = ?, updated_at = ?, deleted_at = ?"
		      " WHERE id = ?",
		      "ssniisiinnini", a->display_name, a->password,
		      (int64_t)a->quota_mb, a->usage_bytes,
		      (int64_t)a->is_active, a->totp_secret,
		      (int64_t)a->totp_enabled, a->totp_last_step, a->last_sync,
		      a->last_login, a->updated_at, a->deleted_at, a->id);
}

/*
 * Removes an account row. Its autoresponders, group memberships and
 * recovery codes go with it (ON DELETE CASCADE); aliases are acct.c's.
 */
static int
sq_account_del(struct acct_store *st, int64_t id)
{
	/* Unused SSO tokens must not outlive the account they were for. */
	if (sq_run(st,
		   "DELETE FROM sso_tokens WHERE email = (SELECT email FROM"
		   " mail_accounts WHERE id = ?)",
		   "i", id) < 0)
		return -1;
	return sq_run(st, "DELETE FROM mail_accounts WHERE id = ?", "i", id);
}

static int
sq_account_count(struct acct_store *st, int64_t domain_id, long *n)
{
	sqlite3_stmt *s = sq_prepare(
		st, "SELECT count(*) FROM mail_accounts WHERE domain_id = ?");
	int rc = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, domain_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*n = (long)sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		sq_fail(st, "count accounts");
	}
	sqlite3_finalize(s);
	return rc;
}

static int
sq_account_list(struct acct_store *st, const struct acct_filter *f,
		acct_account_cb cb, void *arg)
{
	sqlite3_stmt *s = sq_prepare(
		st, "SELECT " ACCOUNT_COLUMNS
		    " WHERE a.deleted_at IS NULL"
		    " AND (?1 IS NULL OR d.domain = ?1)"
		    " AND (?2 IS NULL OR instr(a.email, ?2) > 0)"
		    " ORDER BY d.domain, a.email");
	struct acct_account a;
	int rc;

	if (s == NULL)
		return -1;
	if (f && f->domain && *f->domain)
		sqlite3_bind_text(s, 1, f->domain, -1, SQLITE_STATIC);
	if (f && f->search && *f->search)
		sqlite3_bind_text(s, 2, f->search, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sq_account_row(s, &a);
		if ((rc = cb(&a, arg)) != 0)
			break;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc == SQLITE_ROW)
		rc = sq_fail(st, "list accounts");
	sqlite3_finalize(s);
	explicit_bzero(&a, sizeof(a));
	return rc;
}

static void
sq_alias_row(sqlite3_stmt *s, struct acct_alias *al)
{
	memset(al, 0, sizeof(*al));
	al->id = sqlite3_column_int64(s, 0);
	sq_text(s, 1, al->alias, sizeof(al->alias));
	sq_text(s, 2, al->dest, sizeof(al->dest));
	al->is_active = sqlite3_column_int(s, 3);
}

static int
sq_alias_get(struct acct_store *st, const char *alias, struct acct_alias *out)
{
	sqlite3_stmt *s = sq_prepare(
		st, "SELECT id, alias_email, destination_email, is_active"
		    " FROM mail_aliases WHERE alias_email = ?");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, alias, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		sq_alias_row(s, out);
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = sq_fail(st, "read alias");
	}
	sqlite3_finalize(s);
	return rc;
}

static int
sq_alias_add(struct acct_store *st, int64_t domain_id, const char *alias,
	     const char *dest, int64_t now)
{
	return sq_run(st,
		      "INSERT INTO mail_aliases (domain_id, alias_email,"
		      " destination_email, created_at, updated_at)"
		      " VALUES (?, ?, ?, ?, ?)",
		      "issii", domain_id, alias, dest, now, now);
}

static int
sq_alias_set_dest(struct acct_store *st, int64_t id, const char *dest,
		  int64_t now)
{
	return sq_run(st,
		      "UPDATE mail_aliases SET destination_email = ?,"
		      " updated_at = ? WHERE id = ?",
		      "sii", dest, now, id);
}

static int
sq_alias_del(struct acct_store *st, int64_t id)
{
	return sq_run(st, "DELETE FROM mail_aliases WHERE id = ?", "i", id);
}

static int
sq_alias_list(struct acct_store *st, const char *domain, acct_alias_cb cb,
	      void *arg)
{
	sqlite3_stmt *s = sq_prepare(
		st, "SELECT l.id, l.alias_email, l.destination_email,"
		    " l.is_active FROM mail_aliases l"
		    " JOIN mail_domains d ON d.id = l.domain_id"
		    " WHERE ?1 IS NULL OR d.domain = ?1"
		    " ORDER BY d.domain, l.alias_email");
	struct acct_alias al;
	int rc;

	if (s == NULL)
		return -1;
	if (domain && *domain)
		sqlite3_bind_text(s, 1, domain, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sq_alias_row(s, &al);
		if ((rc = cb(&al, arg)) != 0)
			break;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc == SQLITE_ROW)
		rc = sq_fail(st, "list aliases");
	sqlite3_finalize(s);
	return rc;
}

static int
sq_admin_is(struct acct_store *st, const char *email)
{
	sqlite3_stmt *s =
		sq_prepare(st, "SELECT 1 FROM admins WHERE email = ?");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0
						     : sq_fail(st, "read admins");
	sqlite3_finalize(s);
	return rc;
}

static int
sq_admin_set(struct acct_store *st, const char *email, int on, int64_t now)
{
	if (on)
		return sq_run(st,
			      "INSERT OR IGNORE INTO admins (email, granted_at)"
			      " VALUES (?, ?)",
			      "si", email, now);
	return sq_run(st, "DELETE FROM admins WHERE email = ?", "s", email);
}

/* Stamps a login; returns 0. */
static int
sq_account_login(struct acct_store *st, int64_t id, int64_t now,
		 const char *addr)
{
	return sq_run(st,
		      "UPDATE mail_accounts SET last_login = ?,"
		      " last_login_addr = ? WHERE id = ?",
		      "isi", now, addr, id);
}

static int
sq_account_prev_login(struct acct_store *st, int64_t id, int64_t *at,
		      char *addr, size_t len)
{
	sqlite3_stmt *s = sq_prepare(
		st, "SELECT coalesce(last_login, 0), last_login_addr"
		    " FROM mail_accounts WHERE id = ?");
	int rc = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	*at = 0;
	addr[0] = '\0';
	if (sqlite3_step(s) == SQLITE_ROW) {
		*at = sqlite3_column_int64(s, 0);
		sq_text(s, 1, addr, len);
		rc = 1;
	}
	sqlite3_finalize(s);
	return rc;
}

/*
 * Moves totp_last_step forward to step, only if it is behind: two logins
 * racing with one code cannot both win. Returns 1 if it moved, 0 if not.
 */
static int
sq_account_totp_use(struct acct_store *st, int64_t id, int64_t step)
{
	if (sq_run(st,
		   "UPDATE mail_accounts SET totp_last_step = ?"
		   " WHERE id = ? AND totp_last_step < ?",
		   "iii", step, id, step) < 0)
		return -1;
	return sqlite3_changes(st->db) == 1;
}

/* Marks an unused recovery code used; returns 1 if there was one. */
static int
sq_recovery_use(struct acct_store *st, int64_t account_id,
		const char *code_hash, int64_t now)
{
	if (sq_run(st,
		   "UPDATE recovery_codes SET used_at = ? WHERE id = (SELECT"
		   " id FROM recovery_codes WHERE account_id = ? AND"
		   " code_hash = ? AND used_at IS NULL LIMIT 1)",
		   "iis", now, account_id, code_hash) < 0)
		return -1;
	return sqlite3_changes(st->db) == 1;
}

/* Reads the failure count of key within the last window seconds. */
static int
sq_fail_get(struct acct_store *st, const char *key, int64_t since, long *n)
{
	sqlite3_stmt *s = sq_prepare(
		st, "SELECT failures FROM auth_failures WHERE key = ?"
		    " AND last_at >= ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since);
	*n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return 0;
}

/* Counts one more failure for key; a stale count starts again at 1. */
static int
sq_fail_add(struct acct_store *st, const char *key, int64_t now,
	    int64_t since)
{
	return sq_run(st,
		      "INSERT INTO auth_failures (key, failures, last_at)"
		      " VALUES (?1, 1, ?2) ON CONFLICT(key) DO UPDATE SET"
		      " failures = CASE WHEN last_at >= ?3 THEN failures + 1"
		      " ELSE 1 END, last_at = ?2",
		      "sii", key, now, since);
}

static int
sq_fail_clear(struct acct_store *st, const char *key)
{
	return sq_run(st, "DELETE FROM auth_failures WHERE key = ?", "s", key);
}

/*
 * Records a request signature. Returns 1 if it is new, 0 if it was seen
 * before (a replay). Signatures older than since are forgotten first.
 */
static int
sq_signature_note(struct acct_store *st, const char *sig, int64_t now,
		  int64_t since)
{
	if (sq_run(st, "DELETE FROM panel_signatures WHERE seen_at < ?", "i",
		   since) < 0)
		return -1;
	if (sq_run(st,
		   "INSERT OR IGNORE INTO panel_signatures (signature,"
		   " seen_at) VALUES (?, ?)",
		   "si", sig, now) < 0)
		return -1;
	return sqlite3_changes(st->db) == 1;
}

static int
sq_signature_forget(struct acct_store *st, const char *sig)
{
	return sq_run(st, "DELETE FROM panel_signatures WHERE signature = ?",
		      "s", sig);
}

/* Drops SSO tokens that expired before the given time. */
static int
sq_sso_purge(struct acct_store *st, int64_t before)
{
	return sq_run(st, "DELETE FROM sso_tokens WHERE expires_at < ?", "i",
		      before);
}

/*
 * Spends an SSO token: marks it used if it is for email, unused and not
 * expired. Returns 1 if it was good, 0 if not.
 */
static int
sq_sso_use(struct acct_store *st, const char *token_hash, const char *email,
	   int64_t now)
{
	if (sq_run(st,
		   "UPDATE sso_tokens SET used_at = ?1 WHERE token_hash = ?2"
		   " AND email = ?3 AND used_at IS NULL AND expires_at >= ?1",
		   "iss", now, token_hash, email) < 0)
		return -1;
	return sqlite3_changes(st->db) == 1;
}

/* Replaces an account's recovery codes with the given hashes. */
static int
sq_recovery_replace(struct acct_store *st, int64_t account_id,
		    const char *const *hashes, size_t n)
{
	size_t i;

	if (sq_run(st, "DELETE FROM recovery_codes WHERE account_id = ?", "i",
		   account_id) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (sq_run(st,
			   "INSERT INTO recovery_codes (account_id, code_hash)"
			   " VALUES (?, ?)",
			   "is", account_id, hashes[i]) < 0)
			return -1;
	return 0;
}

/* Audit rows, newest first; filter matches actor, action or target. */
static int
sq_audit_list(struct acct_store *st, long offset, long limit,
	      const char *filter, acct_audit_cb cb, void *arg)
{
	sqlite3_stmt *s = sq_prepare(
		st, "SELECT at, actor, action, target, detail FROM audit_log"
		    " WHERE ?1 IS NULL OR instr(actor, ?1) OR instr(action, ?1)"
		    " OR instr(target, ?1) ORDER BY id DESC LIMIT ?2 OFFSET ?3");
	struct acct_audit_row r;
	int rc;

	if (s == NULL)
		return -1;
	if (filter && *filter)
		sqlite3_bind_text(s, 1, filter, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, limit);
	sqlite3_bind_int64(s, 3, offset);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r.at = sqlite3_column_int64(s, 0);
		sq_text(s, 1, r.actor, sizeof(r.actor));
		sq_text(s, 2, r.action, sizeof(r.action));
		sq_text(s, 3, r.target, sizeof(r.target));
		sq_text(s, 4, r.detail, sizeof(r.detail));
		if ((rc = cb(&r, arg)) != 0)
			break;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc == SQLITE_ROW)
		rc = sq_fail(st, "list the audit log");
	sqlite3_finalize(s);
	return rc;
}

/* Stores the usage a session read from GETQUOTAROOT. */
static int
sq_account_usage(struct acct_store *st, int64_t id, int64_t bytes)
{
	return sq_run(st, "UPDATE mail_accounts SET usage_bytes = ? WHERE id = ?",
		      "ii", bytes, id);
}

static int
sq_sso_add(struct acct_store *st, const char *token_hash, const char *email,
	   int64_t expires_at)
{
	return sq_run(st,
		      "INSERT INTO sso_tokens (token_hash, email, expires_at)"
		      " VALUES (?, ?, ?)",
		      "ssi", token_hash, email, expires_at);
}

static int
sq_audit_add(struct acct_store *st, int64_t at, const char *actor,
	     const char *action, const char *target, const char *detail)
{
	return sq_run(st,
		      "INSERT INTO audit_log (at, actor, action, target,"
		      " detail) VALUES (?, ?, ?, ?, ?)",
		      "issss", at, actor, action, target, detail);
}

const struct acct_backend acct_sqlite_backend = {
	.name = "sqlite3",
	.open = sq_open,
	.close = sq_close,
	.migrate = sq_migrate,
	.check = sq_check,
	.schema = sq_schema,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.domain_get = sq_domain_get,
	.domain_add = sq_domain_add,
	.domain_set_active = sq_domain_set_active,
	.domain_del = sq_domain_del,
	.domain_list = sq_domain_list,
	.account_get = sq_account_get,
	.account_add = sq_account_add,
	.account_update = sq_account_update,
	.account_del = sq_account_del,
	.account_count = sq_account_count,
	.account_list = sq_account_list,
	.alias_get = sq_alias_get,
	.alias_add = sq_alias_add,
	.alias_set_dest = sq_alias_set_dest,
	.alias_del = sq_alias_del,
	.alias_list = sq_alias_list,
	.admin_is = sq_admin_is,
	.admin_set = sq_admin_set,
	.account_login = sq_account_login,
	.account_prev_login = sq_account_prev_login,
	.account_totp_use = sq_account_totp_use,
	.recovery_use = sq_recovery_use,
	.fail_get = sq_fail_get,
	.fail_add = sq_fail_add,
	.fail_clear = sq_fail_clear,
	.signature_note = sq_signature_note,
	.signature_forget = sq_signature_forget,
	.sso_purge = sq_sso_purge,
	.recovery_replace = sq_recovery_replace,
	.audit_list = sq_audit_list,
	.account_usage = sq_account_usage,
	.sso_use = sq_sso_use,
	.sso_add = sq_sso_add,
	.audit_add = sq_audit_add,
};
