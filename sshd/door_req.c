/*
 * door_req.c: admin and settings requests. Each request is decoded by
 * its spec (util/door_proto.c), authorised here, carried out by acct.c in
 * one transaction with its audit row, and answered with DOOR_OK,
 * DOOR_ROWS or DOOR_ERROR. Refusals of admin requests are audited too.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "door_req.h"
#include "index/index.h"
#include "util/door_proto.h"
#include "util/log.h"

#define DOOR_PAGE_MAX 5000 /* rows in one table answer */

static int
door_is_admin_request(uint16_t type)
{
	return type >= DOOR_ADMIN_ACCOUNTS && type < DOOR_TOTP_BEGIN;
}

/*
 * An admin request needs mail_admin on, an admin address, and, when
 * require_2fa is on, 2FA turned on for that admin. Returns 0 or -1 with
 * the reason.
 */
static int
door_may_admin(struct door_identity *id)
{
	struct acct_account ac;
	int rc;

	if (!id->conf->mail_admin)
		return err_set("the admin pane is off ([admin] mail_admin)");
	if (acct_is_admin(id->acct, id->email) <= 0)
		return err_set("'%s' is not an admin", id->email);
	if (id->conf->require_2fa) {
		rc = acct_account_get(id->acct, id->email, &ac);
		rc = rc > 0 && ac.totp_enabled;
		explicit_bzero(&ac, sizeof(ac));
		if (!rc)
			return err_set("turn on two-factor authentication "
				       "(Settings) before using the admin pane");
	}
	return 0;
}

/* Writes that need the accounts in this database: dovecot_passdb. */
static int
door_may_provision(struct door_identity *id)
{
	if (!id->conf->dovecot_passdb)
		return err_set("accounts live on an external server "
			       "([admin] dovecot_passdb = no)");
	return 0;
}

/*
 * Confirms a destructive admin action with the admin's own password:
 * compared with the session's password, or checked over IMAP when the
 * session came in with an SSO token.
 */
static int
door_confirm(struct door_identity *id, const char *typed)
{
	struct imap_params p;

	if (!id->sso)
		return cr_streq(typed, id->password)
			       ? 0
			       : err_set("that is not your password");
	memset(&p, 0, sizeof(p));
	p.host = id->conf->imap_host;
	p.port = (unsigned)conf_imap_port(id->conf);
	p.security = id->conf->imap_security;
	p.verify_cert = id->conf->imap_verify_cert;
	p.ca_file = id->conf->imap_ca_file;
	p.client_addr = id->addr;
	return imap_check_login(&p, id->email, typed) == IMAP_LOGIN_ACCEPTED
		       ? 0
		       : err_set("that is not your password");
}

static const char *
door_status(const struct acct_account *a)
{
	if (a->deleted_at)
		return "deleted";
	if (!a->is_active)
		return "suspended";
	return a->domain_active ? "active" : "domain disabled";
}

struct door_page {
	struct door_rows *t;
	uint64_t offset, limit, seen;
	const struct conf *conf;
};

/*
 * The door reads Maildirs as root, and whoever owns a Maildir may have
 * put a symlink, a FIFO or /dev/zero where a file should be: nothing is
 * followed, only directories and regular files are read, and never more
 * than DOOR_MAILDIRSIZE_MAX of maildirsize.
 */
#define DOOR_MAILDIRSIZE_MAX (1 << 20)

/* Opens name under dir (-1: the cwd is not used) as a directory, or -1. */
static DIR *
door_open_dir(int dir, const char *name)
{
	int fd = openat(dir, name,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return d;
}

/* Adds the sizes of the regular files in dir/sub to *bytes. */
static void
door_sum_sub(int dir, const char *sub, int64_t *bytes)
{
	struct dirent *de;
	struct stat st;
	DIR *d = door_open_dir(dir, sub);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
			    0 &&
		    S_ISREG(st.st_mode))
			*bytes += st.st_size;
	closedir(d);
}

/* Adds up the message files of one Maildir folder (cur/ and new/). */
static void
door_sum_folder(int dir, const char *name, int64_t *bytes)
{
	DIR *d = door_open_dir(dir, name);

	if (d == NULL)
		return;
	door_sum_sub(dirfd(d), "cur", bytes);
	door_sum_sub(dirfd(d), "new", bytes);
	closedir(d);
}

/* Dovecot's maildirsize in the Maildir dir: the sum of its lines, or -1. */
static int64_t
door_maildirsize(int dir)
{
	char line[128];
	long long size, count;
	int64_t bytes = 0;
	struct stat st;
	size_t read = 0;
	FILE *f;
	int fd;

	fd = openat(dir, "maildirsize",
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return -1;
	}
	/* The first line is the quota itself; then "bytes count" lines. */
	if (fgets(line, sizeof(line), f))
		while (read < DOOR_MAILDIRSIZE_MAX &&
		       fgets(line, sizeof(line), f)) {
			read += strlen(line);
			if (sscanf(line, "%lld %lld", &size, &count) == 2)
				bytes += size;
		}
	fclose(f);
	return bytes > 0 ? bytes : 0;
}

/*
 * The bytes in use of an account that has not logged in yet (so no
 * session wrote its GETQUOTAROOT figure): the sum of Dovecot's
 * maildirsize lines, or, without that file, of the message files of the
 * Maildir and its folders. 0 when there is no Maildir under root.
 */
static int64_t
door_maildir_usage(const char *root, const char *email)
{
	const char *at = strrchr(email, '@');
	char local[ACCT_EMAIL_MAX + 1];
	const char *step[3];
	int64_t bytes;
	struct dirent *de;
	DIR *d, *up;
	int i;

	if (at == NULL || strstr(email, "..") || strchr(email, '/') ||
	    (size_t)(at - email) >= sizeof(local))
		return 0;
	memcpy(local, email, (size_t)(at - email));
	local[at - email] = '\0';
	/* root is the admin's; below it nothing is followed. */
	step[0] = at + 1;
	step[1] = local;
	step[2] = "Maildir";
	if ((d = door_open_dir(AT_FDCWD, root)) == NULL)
		return 0;
	for (i = 0; i < 3; i++) {
		up = d;
		d = door_open_dir(dirfd(up), step[i]);
		closedir(up);
		if (d == NULL)
			return 0;
	}
	bytes = door_maildirsize(dirfd(d));
	if (bytes >= 0) {
		closedir(d);
		return bytes;
	}
	bytes = 0;
	door_sum_folder(dirfd(d), ".", &bytes);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") &&
		    strcmp(de->d_name, ".."))
			door_sum_folder(dirfd(d), de->d_name, &bytes);
	closedir(d);
	return bytes;
}

static int
door_account_row(const struct acct_account *a, void *arg)
{
	struct door_page *pg = arg;
	char quota[24], usage[24], sync[24];
	const char *cells[8];
	int64_t used = a->usage_bytes;

	if (pg->seen++ < pg->offset || pg->t->rows >= pg->limit)
		return 0;
	if (!a->last_login && !used && pg->conf && *pg->conf->maildir_root)
		used = door_maildir_usage(pg->conf->maildir_root, a->email);
	snprintf(quota, sizeof(quota), "%ld", a->quota_mb);
	snprintf(usage, sizeof(usage), "%lld", (long long)used);
	snprintf(sync, sizeof(sync), "%lld", (long long)a->last_sync);
	cells[0] = a->email;
	cells[1] = a->domain;
	cells[2] = quota;
	cells[3] = usage;
	cells[4] = a->totp_enabled ? "on" : "off";
	cells[5] = sync;
	cells[6] = door_status(a);
	cells[7] = a->display_name;
	door_rows_add(pg->t, cells);
	return 0;
}

static int
door_domain_row(const struct acct_domain *d, void *arg)
{
	char na[24], nl[24];
	const char *cells[4] = { d->domain, na, nl,
				 d->is_active ? "active" : "disabled" };

	snprintf(na, sizeof(na), "%ld", d->n_accounts);
	snprintf(nl, sizeof(nl), "%ld", d->n_aliases);
	door_rows_add(arg, cells);
	return 0;
}

static int
door_alias_row(const struct acct_alias *al, void *arg)
{
	const char *cells[3] = { al->alias, al->dest,
				 al->is_active ? "active" : "disabled" };

	door_rows_add(arg, cells);
	return 0;
}

static int
door_audit_row(const struct acct_audit_row *r, void *arg)
{
	char at[24];
	const char *cells[5] = { at, r->actor, r->action, r->target,
				 r->detail };

	snprintf(at, sizeof(at), "%lld", (long long)r->at);
	door_rows_add(arg, cells);
	return 0;
}

/* Carries out a bulk action on a newline-separated list of addresses. */
static int
door_bulk(struct door_identity *id, struct door_req *r, struct buf *said)
{
	const char *action = r->s[1].buf;
	char *list = r->s[0].buf, *line, *save = NULL;
	int del = !strcmp(action, "delete"), n = 0, rc = 0;

	if (strcmp(action, "quota") && strcmp(action, "suspend") &&
	    strcmp(action, "unsuspend") && !del)
		return err_set("unknown bulk action '%.32s'", action);
	if (del && (door_may_provision(id) < 0 ||
		    door_confirm(id, r->s[2].buf) < 0))
		return -1;
	for (line = strtok_r(list, "\n", &save); line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(action, "quota"))
			rc = acct_account_edit(id->acct, line, NULL,
					       (long)r->u[0], -1);
		else if (del)
			rc = acct_account_del(id->acct, line);
		else
			rc = acct_account_set_active(
				id->acct, line, strcmp(action, "suspend") != 0);
		n += rc == 0;
	}
	buf_addf(said, "%s: %d account%s", action, n, n == 1 ? "" : "s");
	if (rc < 0)
		return err_prefix("%s stopped after %d", action, n);
	return 0;
}

static void
door_info_row(struct door_rows *rows, const char *name, const char *value)
{
	const char *cells[2] = { name, value };

	door_rows_add(rows, cells);
}

/*
 * DOOR_ACCOUNT_INFO: what this session's account and the door's mode
 * allow, as name/value rows (door_proto.h), so that the UI hides what
 * the door would refuse and says why.
 */
static int
door_info(struct door_identity *id, struct door_rows *rows)
{
	const struct conf *c = id->conf;
	struct acct_account ac;
	int rc, admin;

	door_rows_init(rows, 2);
	rc = acct_account_get(id->acct, id->email, &ac);
	if (rc < 0)
		return -1;
	door_info_row(rows, DOOR_INFO_TOTP,
		      rc > 0 && ac.totp_enabled ? "1" : "0");
	explicit_bzero(&ac, sizeof(ac));
	door_info_row(rows, DOOR_INFO_REQUIRE_2FA, c->require_2fa ? "1" : "0");
	door_info_row(rows, DOOR_INFO_PASSDB, c->dovecot_passdb ? "1" : "0");
	door_info_row(rows, DOOR_INFO_PANEL, conf_panel_mode(c) ? "1" : "0");
	admin = door_may_admin(id) == 0;
	/* Where the Maildirs are is the admins' business only. */
	door_info_row(rows, DOOR_INFO_MAILDIR, admin ? c->maildir_root : "");
	door_info_row(rows, DOOR_INFO_ADMIN, admin ? "1" : "0");
	door_info_row(rows, DOOR_INFO_WHY, admin ? "" : err_msg());
	rows->total = rows->rows;
	return 0;
}

/* Runs one decoded request; fills said or rows. 0 or -1 with a message. */
static int
door_run_req(struct door_identity *id, struct door_req *r, struct buf *said,
	     struct door_rows *rows, int *has_rows)
{
	struct acct_filter f = { NULL, NULL };
	struct door_page pg = { rows, 0, 0, 0, id->conf };
	char codes[ACCT_RECOVERY_CODES][ACCT_RECOVERY_LEN];
	struct acct_account ac;
	struct buf uri = BUF_INIT;
	const char *cells[2];
	long long step;
	int i, rc = 0;

	switch (r->type) {
	case DOOR_ADMIN_ACCOUNTS:
		door_rows_init(rows, 8);
		pg.offset = r->u[0];
		pg.limit = r->u[1] && r->u[1] < DOOR_PAGE_MAX ? r->u[1]
							       : DOOR_PAGE_MAX;
		rc = acct_account_list(id->acct, &f, door_account_row, &pg);
		rows->total = pg.seen;
		*has_rows = 1;
		return rc;
	case DOOR_ADMIN_ACCOUNT_ADD:
		if (door_may_provision(id) < 0 ||
		    acct_account_add(id->acct, r->s[0].buf, r->s[1].buf,
				     (long)r->u[0], r->s[2].buf) < 0)
			return -1;
		buf_addf(said, "added %s", r->s[0].buf);
		return 0;
	case DOOR_ADMIN_ACCOUNT_EDIT:
		if (acct_account_edit(id->acct, r->s[0].buf, r->s[1].buf,
				      (long)r->u[0], r->u[1] != 0) < 0)
			return -1;
		buf_addf(said, "saved %s", r->s[0].buf);
		return 0;
	case DOOR_ADMIN_ACCOUNT_PASSWD:
		if (door_may_provision(id) < 0 ||
		    acct_account_passwd(id->acct, r->s[0].buf, r->s[1].buf) < 0)
			return -1;
		buf_addf(said, "new password set for %s%s", r->s[0].buf,
			 conf_panel_mode(id->conf)
				 ? "; the panel's next sync overwrites it"
				 : "");
		return 0;
	case DOOR_ADMIN_ACCOUNT_DEL:
		if (door_may_provision(id) < 0 ||
		    door_confirm(id, r->s[1].buf) < 0 ||
		    acct_account_del(id->acct, r->s[0].buf) < 0)
			return -1;
		buf_addf(said, "deleted %s; its mail stays on disk",
			 r->s[0].buf);
		if (*id->conf->maildir_root && strrchr(r->s[0].buf, '@')) {
			const char *at = strrchr(r->s[0].buf, '@');

			buf_addf(said, " under %s/%s/%.*s/Maildir",
				 id->conf->maildir_root, at + 1,
				 (int)(at - r->s[0].buf), r->s[0].buf);
		}
		return 0;
	case DOOR_ADMIN_TOTP_RESET:
		if (acct_totp_disable(id->acct, r->s[0].buf) < 0)
			return -1;
		buf_addf(said, "two-factor authentication reset for %s",
			 r->s[0].buf);
		return 0;
	case DOOR_ADMIN_BULK:
		return door_bulk(id, r, said);
	case DOOR_ADMIN_DOMAINS:
		door_rows_init(rows, 4);
		*has_rows = 1;
		rc = acct_domain_list(id->acct, door_domain_row, rows);
		rows->total = rows->rows;
		return rc;
	case DOOR_ADMIN_DOMAIN_ADD:
		if (acct_domain_add(id->acct, r->s[0].buf) < 0)
			return -1;
		buf_addf(said, "added domain %s", r->s[0].buf);
		return 0;
	case DOOR_ADMIN_DOMAIN_ACTIVE:
		if (acct_domain_set_active(id->acct, r->s[0].buf,
					   r->u[0] != 0) < 0)
			return -1;
		buf_addf(said, "%s domain %s", r->u[0] ? "enabled" : "disabled",
			 r->s[0].buf);
		return 0;
	case DOOR_ADMIN_DOMAIN_DEL:
		if (acct_domain_del(id->acct, r->s[0].buf) < 0)
			return -1;
		buf_addf(said, "deleted domain %s", r->s[0].buf);
		return 0;
	case DOOR_ADMIN_ALIASES:
		door_rows_init(rows, 3);
		*has_rows = 1;
		rc = acct_alias_list(id->acct, NULL, door_alias_row, rows);
		rows->total = rows->rows;
		return rc;
	case DOOR_ADMIN_ALIAS_ADD:
		if (acct_alias_add(id->acct, r->s[0].buf, r->s[1].buf) < 0)
			return -1;
		buf_addf(said, "added alias %s", r->s[0].buf);
		return 0;
	case DOOR_ADMIN_ALIAS_DEL:
		if (acct_alias_del(id->acct, r->s[0].buf) < 0)
			return -1;
		buf_addf(said, "deleted alias %s", r->s[0].buf);
		return 0;
	case DOOR_ADMIN_AUDIT:
		door_rows_init(rows, 5);
		*has_rows = 1;
		rc = acct_audit_list(id->acct, (long)r->u[0],
				     r->u[1] && r->u[1] < DOOR_PAGE_MAX
					     ? (long)r->u[1]
					     : DOOR_PAGE_MAX,
				     r->s[0].buf, door_audit_row, rows);
		rows->total = rows->rows;
		return rc;
	case DOOR_TOTP_BEGIN:
		if (totp_new_secret(id->totp_pending,
				    sizeof(id->totp_pending)) < 0)
			return -1;
		totp_uri(&uri, "tuimail", id->email, id->totp_pending);
		door_rows_init(rows, 2);
		cells[0] = id->totp_pending;
		cells[1] = uri.buf;
		door_rows_add(rows, cells);
		rows->total = 1;
		*has_rows = 1;
		buf_release(&uri);
		return 0;
	case DOOR_TOTP_CONFIRM:
		if (!*id->totp_pending)
			return err_set("start the enrolment first");
		step = totp_check(id->totp_pending, r->s[0].buf,
				  time(NULL), 0);
		if (step <= 0)
			return err_set("that code is not right; check the "
				       "clock of your device");
		if (acct_totp_set(id->acct, id->email, id->totp_pending) < 0 ||
		    acct_recovery_new(id->acct, id->email, codes) < 0)
			return -1;
		explicit_bzero(id->totp_pending, sizeof(id->totp_pending));
		/*
		 * The code that proved the secret is spent: a login must not
		 * take it again (someone watching the screen saw it typed).
		 */
		if (acct_account_get(id->acct, id->email, &ac) > 0)
			acct_second_factor(id->acct, &ac, r->s[0].buf);
		explicit_bzero(&ac, sizeof(ac));
		goto codes;
	case DOOR_TOTP_DISABLE:
	case DOOR_RECOVERY_NEW:
		rc = acct_account_get(id->acct, id->email, &ac);
		if (rc <= 0 || !ac.totp_enabled)
			return err_set("two-factor authentication is off");
		rc = acct_second_factor(id->acct, &ac, r->s[0].buf);
		explicit_bzero(&ac, sizeof(ac));
		if (rc <= 0)
			return rc < 0 ? -1 : err_set("that code is not right");
		if (r->type == DOOR_TOTP_DISABLE) {
			if (acct_totp_disable(id->acct, id->email) < 0)
				return -1;
			buf_adds(said, "two-factor authentication is off");
			return 0;
		}
		if (acct_recovery_new(id->acct, id->email, codes) < 0)
			return -1;
		goto codes;
	case DOOR_SET_NAME:
		if (acct_account_edit(id->acct, id->email, r->s[0].buf, -1,
				      -1) < 0)
			return -1;
		buf_adds(said, "display name saved");
		return 0;
	case DOOR_USAGE:
		if (acct_usage_set(id->acct, id->email, (int64_t)r->u[0]) < 0)
			return -1;
		buf_adds(said, "usage stored");
		return 0;
	case DOOR_ACCOUNT_INFO:
		*has_rows = 1;
		return door_info(id, rows);
	default:
		return err_set("unknown request %u", r->type);
	}
codes:
	door_rows_init(rows, 1);
	for (i = 0; i < ACCT_RECOVERY_CODES; i++) {
		cells[0] = codes[i];
		door_rows_add(rows, cells);
	}
	rows->total = rows->rows;
	*has_rows = 1;
	explicit_bzero(codes, sizeof(codes));
	return 0;
}

/* Answers one request of the UI into reply (initialised here). */
void
door_answer(struct door_identity *id, struct msg *req, struct msg *reply)
{
	struct buf said = BUF_INIT;
	struct door_rows rows;
	struct door_req r;
	int has_rows = 0;
	char detail[160];

	door_rows_init(&rows, 0);
	if (door_decode_req(req, &r) < 0) {
		log_warn("door: malformed request from %s: %s", id->email,
			 err_msg());
		door_encode_error(reply, err_msg());
		goto out;
	}
	if (door_is_admin_request(r.type) && door_may_admin(id) < 0) {
		snprintf(detail, sizeof(detail), "request %u: %s", r.type,
			 err_msg());
		log_warn("door: admin request from %s refused: %s", id->email,
			 err_msg());
		acct_audit(id->acct, "admin.refused", id->email, detail);
		door_encode_error(reply, err_msg());
		goto out;
	}
	if (door_run_req(id, &r, &said, &rows, &has_rows) < 0) {
		door_encode_error(reply, err_msg());
		goto out;
	}
	if (has_rows)
		door_encode_rows(reply, &rows);
	else
		door_encode_ok(reply, said.buf);
out:
	door_rows_release(&rows);
	door_req_release(&r);
	buf_release(&said);
}
