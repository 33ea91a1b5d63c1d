/*
 * acct.c: the rules of the accounts store, over whichever backend is open.
 * Address checks, password hashing, cascades and the audit trail live
 * here so that tuimailctl, the door and the panel endpoint agree.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acct.h"
#include "crypto.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/sanitize.h"

static int64_t
acct_clock(void)
{
	return (int64_t)time(NULL);
}

/*
 * Opens the store named by c->database. With ACCT_OPEN_CREATE a missing
 * database is created and the schema brought up to date. actor names who
 * acts, for the audit log ("tuimailctl (uid 0)", an address, "panel").
 */
int
acct_open(struct acct *a, const struct conf *c, enum acct_open_mode mode,
	  const char *actor)
{
	memset(a, 0, sizeof(*a));
	a->be = &acct_sqlite_backend;
	a->conf = c;
	a->now = acct_clock;
	snprintf(a->actor, sizeof(a->actor), "%s", actor);
	a->st = a->be->open(c->database, mode == ACCT_OPEN_CREATE);
	if (a->st == NULL)
		return -1;
	if (mode == ACCT_OPEN_CREATE && a->be->migrate(a->st) < 0) {
		acct_close(a);
		return -1;
	}
	return 0;
}

void
acct_close(struct acct *a)
{
	if (a->st)
		a->be->close(a->st);
	a->st = NULL;
}

int
acct_check(struct acct *a)
{
	return a->be->check(a->st);
}

/* The schema version the database has and the one this build wants. */
int
acct_schema(struct acct *a, int *have, int *want)
{
	return a->be->schema(a->st, have, want);
}

static int
acct_begin(struct acct *a)
{
	return a->be->begin(a->st);
}

/*
 * Ends the transaction of one command: on success the audit row is written
 * and everything committed; on failure everything is rolled back. Returns
 * rc, or -1 if the audit or the commit failed.
 */
static int
acct_end(struct acct *a, int rc, const char *action, const char *target,
	 const char *detail)
{
	if (rc == 0 &&
	    a->be->audit_add(a->st, a->now(), a->actor, action, target,
			     detail ? detail : "") == 0 &&
	    a->be->commit(a->st) == 0)
		return 0;
	a->be->rollback(a->st);
	return -1;
}

/*
 * Checks a domain name and writes it in lower case to out: labels of
 * letters, digits and inner hyphens, at least two of them. Internationalised
 * names must be given in their xn-- form.
 */
int
acct_norm_domain(const char *in, char *out, size_t outlen)
{
	size_t n = strlen(in), i, label = 0, labels = 1;
	int alpha_tld = 0;

	if (n == 0)
		return err_set("empty domain");
	if (n > ACCT_DOMAIN_MAX || n + 1 > outlen)
		return err_set("domain too long");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0 || in[i - 1] == '-')
				return err_set("invalid domain '%.*s'", 64, in);
			labels++;
			label = 0;
			alpha_tld = 0;
			out[i] = '.';
			continue;
		}
		if (c >= 0x80)
			return err_set("invalid domain: give a non-ASCII "
				       "domain in its xn-- form");
		if (!isalnum(c) && c != '-')
			return err_set("invalid domain '%.*s'", 64, in);
		if (c == '-' && label == 0)
			return err_set("invalid domain '%.*s'", 64, in);
		if (++label > 63)
			return err_set("domain label longer than 63 "
				       "characters");
		if (isalpha(c))
			alpha_tld = 1;
		out[i] = (char)tolower(c);
	}
	if (label == 0 || in[n - 1] == '-' || labels < 2 || !alpha_tld)
		return err_set("invalid domain '%.*s'", 64, in);
	out[n] = '\0';
	return 0;
}

/*
 * Checks an address (local@domain, no quoted or commented forms) and
 * writes it in lower case to out.
 */
int
acct_norm_email(const char *in, char *out, size_t outlen)
{
	static const char specials[] = "!#$%&'*+-/=?^_`{|}~.";
	const char *at = strrchr(in, '@');
	size_t ll, i;

	if (at == NULL)
		return err_set("invalid address '%.*s': no '@'", 64, in);
	ll = (size_t)(at - in);
	if (ll == 0 || ll > 64)
		return err_set("invalid address '%.*s'", 64, in);
	if (strlen(in) > ACCT_EMAIL_MAX || strlen(in) + 1 > outlen)
		return err_set("address too long");
	if (in[0] == '.' || in[ll - 1] == '.')
		return err_set("invalid address '%.*s'", 64, in);
	for (i = 0; i < ll; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x80 || (!isalnum(c) && !strchr(specials, c)) ||
		    (c == '.' && in[i + 1] == '.'))
			return err_set("invalid address '%.*s'", 64, in);
		out[i] = (char)tolower(c);
	}
	out[ll] = '@';
	if (acct_norm_domain(at + 1, out + ll + 1, outlen - ll - 1) < 0)
		return err_prefix("invalid address '%.*s'", 64, in);
	return 0;
}

/* Checks a display name: valid UTF-8, no control characters, not too long. */
static int
acct_check_name(const char *name)
{
	struct buf clean = BUF_INIT;
	int rc = 0;

	if (strlen(name) > ACCT_NAME_MAX)
		return err_set("display name longer than %d bytes",
			       ACCT_NAME_MAX);
	san_text(&clean, name, strlen(name), 0);
	if (strcmp(clean.buf, name))
		rc = err_set("display name contains control characters or "
			     "invalid UTF-8");
	buf_release(&clean);
	return rc;
}

/* Looks up the domain of a normalised address; it must exist. */
static int
acct_need_domain(struct acct *a, const char *email, struct acct_domain *d)
{
	const char *domain = strrchr(email, '@') + 1;
	int rc = a->be->domain_get(a->st, domain, d);

	if (rc == 0)
		return err_set("domain '%s' does not exist", domain);
	return rc < 0 ? -1 : 0;
}

static int
acct_need_account(struct acct *a, const char *email, struct acct_account *ac)
{
	int rc = a->be->account_get(a->st, email, ac);

	if (rc == 0)
		return err_set("no account '%s'", email);
	return rc < 0 ? -1 : 0;
}

int
acct_domain_add(struct acct *a, const char *domain)
{
	char d[ACCT_DOMAIN_MAX + 1];
	struct acct_domain old;
	int rc;

	if (acct_norm_domain(domain, d, sizeof(d)) < 0 || acct_begin(a) < 0)
		return -1;
	rc = a->be->domain_get(a->st, d, &old);
	if (rc > 0)
		rc = err_set("domain '%s' already exists", d);
	else if (rc == 0)
		rc = a->be->domain_add(a->st, d, a->now());
	return acct_end(a, rc, "domain.add", d, NULL);
}

/* Deletes a domain and its aliases; refused while it has accounts. */
int
acct_domain_del(struct acct *a, const char *domain)
{
	char d[ACCT_DOMAIN_MAX + 1];
	struct acct_domain dom;
	long n = 0;
	int rc;

	if (acct_norm_domain(domain, d, sizeof(d)) < 0 || acct_begin(a) < 0)
		return -1;
	rc = a->be->domain_get(a->st, d, &dom);
	if (rc == 0)
		rc = err_set("domain '%s' does not exist", d);
	if (rc > 0)
		rc = a->be->account_count(a->st, dom.id, &n);
	if (rc == 0 && n > 0)
		rc = err_set("domain '%s' still has %ld account%s (counting "
			     "those the panel sync marked deleted)",
			     d, n, n == 1 ? "" : "s");
	if (rc == 0)
		rc = a->be->domain_del(a->st, dom.id);
	return acct_end(a, rc, "domain.del", d, NULL);
}

int
acct_domain_set_active(struct acct *a, const char *domain, int active)
{
	char d[ACCT_DOMAIN_MAX + 1];
	struct acct_domain dom;
	int rc;

	if (acct_norm_domain(domain, d, sizeof(d)) < 0 || acct_begin(a) < 0)
		return -1;
	rc = a->be->domain_get(a->st, d, &dom);
	if (rc == 0)
		rc = err_set("domain '%s' does not exist", d);
	if (rc > 0)
		rc = a->be->domain_set_active(a->st, dom.id, active, a->now());
	return acct_end(a, rc, active ? "domain.enable" : "domain.disable", d,
			NULL);
}

int
acct_domain_list(struct acct *a, acct_domain_cb cb, void *arg)
{
	return a->be->domain_list(a->st, cb, arg);
}

/*
 * Creates an account in an existing domain. quota_mb 0 means unlimited;
 * name may be NULL. The password is hashed in the configured scheme.
 */
int
acct_account_add(struct acct *a, const char *email, const char *password,
		 long quota_mb, const char *name)
{
	struct acct_account ac, old;
	struct acct_domain d;
	struct acct_alias al;
	char detail[64];
	int rc;

	memset(&ac, 0, sizeof(ac));
	if (acct_norm_email(email, ac.email, sizeof(ac.email)) < 0)
		return -1;
	if (quota_mb < 0 || quota_mb > 100000000)
		return err_set("quota must be 0 (unlimited) or a size in MB");
	if (name && acct_check_name(name) < 0)
		return -1;
	if (pw_hash(a->conf->dovecot_password_scheme, password, ac.password,
		    sizeof(ac.password)) < 0)
		return -1;
	snprintf(ac.display_name, sizeof(ac.display_name), "%s",
		 name ? name : "");
	ac.quota_mb = quota_mb;
	ac.is_active = 1;
	ac.created_at = ac.updated_at = a->now();
	if (acct_begin(a) < 0)
		return -1;
	rc = acct_need_domain(a, ac.email, &d);
	if (rc == 0) {
		ac.domain_id = d.id;
		rc = a->be->account_get(a->st, ac.email, &old);
		if (rc > 0 && old.deleted_at)
			rc = err_set("account '%s' exists, deleted by the "
				     "panel sync; 'account del' removes it",
				     ac.email);
		else if (rc > 0)
			rc = err_set("account '%s' already exists", ac.email);
	}
	if (rc == 0) {
		rc = a->be->alias_get(a->st, ac.email, &al);
		if (rc > 0)
			rc = err_set("'%s' is an alias already", ac.email);
	}
	if (rc == 0)
		rc = a->be->account_add(a->st, &ac);
	snprintf(detail, sizeof(detail), "quota_mb=%ld", quota_mb);
	rc = acct_end(a, rc, "account.add", ac.email, detail);
	explicit_bzero(&ac, sizeof(ac));
	return rc;
}

/* Returns 1 and fills out when the account exists, 0 when it does not. */
int
acct_account_get(struct acct *a, const char *email, struct acct_account *out)
{
	char e[ACCT_EMAIL_MAX + 1];

	if (acct_norm_email(email, e, sizeof(e)) < 0)
		return -1;
	return a->be->account_get(a->st, e, out);
}

/* Returns 1 if the account may log in: active, not deleted, live domain. */
int
acct_account_can_login(const struct acct_account *ac)
{
	return ac->is_active && ac->domain_active && !ac->deleted_at;
}

/*
 * Changes one account's row: the address is checked, the row read, change
 * applied, updated_at stamped and the row written back, all in one
 * transaction with its audit row. The buffers are wiped afterwards.
 */
static int
acct_update(struct acct *a, const char *email, const char *action,
	    const char *detail,
	    void (*change)(struct acct_account *ac, const void *arg),
	    const void *arg)
{
	char e[ACCT_EMAIL_MAX + 1];
	struct acct_account ac;
	int rc;

	if (acct_norm_email(email, e, sizeof(e)) < 0 || acct_begin(a) < 0)
		return -1;
	rc = acct_need_account(a, e, &ac);
	if (rc == 0) {
		change(&ac, arg);
		ac.updated_at = a->now();
		rc = a->be->account_update(a->st, &ac);
	}
	explicit_bzero(&ac, sizeof(ac));
	return acct_end(a, rc, action, e, detail);
}

static void
acct_change_password(struct acct_account *ac, const void *hash)
{
	snprintf(ac->password, sizeof(ac->password), "%s",
		 (const char *)hash);
}

int
acct_account_passwd(struct acct *a, const char *email, const char *password)
{
	char hash[PW_HASH_MAX];
	int rc;

	if (pw_hash(a->conf->dovecot_password_scheme, password, hash,
		    sizeof(hash)) < 0)
		return -1;
	rc = acct_update(a, email, "account.passwd", NULL,
			 acct_change_password, hash);
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

static void
acct_change_active(struct acct_account *ac, const void *active)
{
	ac->is_active = *(const int *)active;
}

/* Suspends (active 0) or reinstates (active 1) an account. */
int
acct_account_set_active(struct acct *a, const char *email, int active)
{
	return acct_update(a, email,
			   active ? "account.unsuspend" : "account.suspend",
			   NULL, acct_change_active, &active);
}

/* The aliases an account deletion touches, gathered before any write. */
struct acct_alias_set {
	const char *email;
	struct acct_alias *v; /* owned */
	size_t n, alloc;
};

/* Returns 1 if list (comma-separated, normalised) names email. */
static int
acct_dest_has(const char *list, const char *email)
{
	size_t n = strlen(email);
	const char *p = list;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && !strncmp(p, email, n))
			return 1;
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

static int
acct_collect_alias(const struct acct_alias *al, void *arg)
{
	struct acct_alias_set *set = arg;

	if (!acct_dest_has(al->dest, set->email))
		return 0;
	if (set->n == set->alloc) {
		set->alloc = set->alloc ? 2 * set->alloc : 8;
		set->v = reallocarray(set->v, set->alloc, sizeof(*set->v));
		if (set->v == NULL)
			fatal("out of memory");
	}
	set->v[set->n++] = *al;
	return 0;
}

/* Writes list without email into out (same size as struct acct_alias). */
static void
acct_dest_without(const char *list, const char *email, char *out, size_t len)
{
	struct buf b = BUF_INIT;
	const char *p = list;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (!(n == strlen(email) && !strncmp(p, email, n))) {
			if (b.len)
				buf_addch(&b, ',');
			buf_add(&b, p, n);
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	snprintf(out, len, "%s", b.buf);
	buf_release(&b);
}

/*
 * Deletes an account row. Aliases whose sole destination it was go too,
 * and it is taken out of the destination lists it shares; autoresponders,
 * group memberships and recovery codes go with the row; an admin grant is
 * revoked, so that a later account of the same address is not an admin.
 * Mail on disk is left alone.
 */
int
acct_account_del(struct acct *a, const char *email)
{
	char e[ACCT_EMAIL_MAX + 1], detail[96], dest[ACCT_DEST_MAX + 1];
	struct acct_alias_set set = { 0 };
	struct acct_account ac;
	size_t i, removed = 0;
	int rc;

	if (acct_norm_email(email, e, sizeof(e)) < 0 || acct_begin(a) < 0)
		return -1;
	set.email = e;
	rc = acct_need_account(a, e, &ac);
	if (rc == 0)
		rc = a->be->alias_list(a->st, NULL, acct_collect_alias, &set);
	for (i = 0; rc == 0 && i < set.n; i++) {
		acct_dest_without(set.v[i].dest, e, dest, sizeof(dest));
		if (*dest == '\0') {
			rc = a->be->alias_del(a->st, set.v[i].id);
			removed++;
		} else {
			rc = a->be->alias_set_dest(a->st, set.v[i].id, dest,
						   a->now());
		}
	}
	if (rc == 0)
		rc = a->be->admin_set(a->st, e, 0, 0);
	if (rc == 0)
		rc = a->be->account_del(a->st, ac.id);
	snprintf(detail, sizeof(detail), "aliases removed=%zu updated=%zu",
		 removed, set.n - removed);
	free(set.v);
	explicit_bzero(&ac, sizeof(ac));
	return acct_end(a, rc, "account.del", e, detail);
}

int
acct_account_list(struct acct *a, const struct acct_filter *f,
		  acct_account_cb cb, void *arg)
{
	struct acct_filter lf = { NULL, NULL };
	char d[ACCT_DOMAIN_MAX + 1], s[ACCT_EMAIL_MAX + 1];
	size_t i;

	if (f && f->domain && *f->domain) {
		if (acct_norm_domain(f->domain, d, sizeof(d)) < 0)
			return -1;
		lf.domain = d;
	}
	if (f && f->search && *f->search) {
		for (i = 0; f->search[i] && i < sizeof(s) - 1; i++)
			s[i] = (char)tolower((unsigned char)f->search[i]);
		s[i] = '\0';
		lf.search = s;
	}
	return a->be->account_list(a->st, &lf, cb, arg);
}

/* Normalises a comma-separated destination list into out. */
static int
acct_norm_dest(const char *in, char *out, size_t outlen)
{
	struct buf b = BUF_INIT;
	char one[ACCT_EMAIL_MAX + 1];
	const char *p = in;
	int rc = -1;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char raw[ACCT_EMAIL_MAX + 2];

		while (n && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0 || n > ACCT_EMAIL_MAX) {
			err_set("invalid destination list '%.*s'", 64, in);
			goto out;
		}
		memcpy(raw, p, n);
		raw[n] = '\0';
		if (acct_norm_email(raw, one, sizeof(one)) < 0)
			goto out;
		if (!acct_dest_has(b.buf, one)) {
			if (b.len)
				buf_addch(&b, ',');
			buf_adds(&b, one);
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (b.len + 1 > outlen) {
		err_set("destination list too long");
		goto out;
	}
	memcpy(out, b.buf, b.len + 1);
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

/* Adds alias -> dest (one address or a comma-separated list). */
int
acct_alias_add(struct acct *a, const char *alias, const char *dest)
{
	char al[ACCT_EMAIL_MAX + 1], d[ACCT_DEST_MAX + 1];
	struct acct_account ac;
	struct acct_alias old;
	struct acct_domain dom;
	int rc;

	if (acct_norm_email(alias, al, sizeof(al)) < 0 ||
	    acct_norm_dest(dest, d, sizeof(d)) < 0)
		return -1;
	if (acct_dest_has(d, al))
		return err_set("alias '%s' points at itself", al);
	if (acct_begin(a) < 0)
		return -1;
	rc = acct_need_domain(a, al, &dom);
	if (rc == 0) {
		rc = a->be->account_get(a->st, al, &ac);
		if (rc > 0)
			rc = err_set("'%s' is an account already", al);
	}
	if (rc == 0) {
		rc = a->be->alias_get(a->st, al, &old);
		if (rc > 0)
			rc = err_set("alias '%s' already exists", al);
	}
	if (rc == 0)
		rc = a->be->alias_add(a->st, dom.id, al, d, a->now());
	explicit_bzero(&ac, sizeof(ac));
	return acct_end(a, rc, "alias.add", al, d);
}

int
acct_alias_del(struct acct *a, const char *alias)
{
	char al[ACCT_EMAIL_MAX + 1];
	struct acct_alias old;
	int rc;

	if (acct_norm_email(alias, al, sizeof(al)) < 0 || acct_begin(a) < 0)
		return -1;
	rc = a->be->alias_get(a->st, al, &old);
	if (rc == 0)
		rc = err_set("no alias '%s'", al);
	if (rc > 0)
		rc = a->be->alias_del(a->st, old.id);
	return acct_end(a, rc, "alias.del", al, NULL);
}

int
acct_alias_list(struct acct *a, const char *domain, acct_alias_cb cb,
		void *arg)
{
	char d[ACCT_DOMAIN_MAX + 1];

	if (domain && *domain) {
		if (acct_norm_domain(domain, d, sizeof(d)) < 0)
			return -1;
		domain = d;
	}
	return a->be->alias_list(a->st, domain, cb, arg);
}

/* Grants (on 1) or revokes (on 0) the admin role of an existing account. */
int
acct_admin_set(struct acct *a, const char *email, int on)
{
	char e[ACCT_EMAIL_MAX + 1];
	struct acct_account ac;
	int rc;

	if (acct_norm_email(email, e, sizeof(e)) < 0 || acct_begin(a) < 0)
		return -1;
	rc = on ? acct_need_account(a, e, &ac) : 0;
	if (rc == 0 && !on && a->be->admin_is(a->st, e) == 0)
		rc = conf_is_admin(a->conf, e)
			     ? err_set("'%s' is an admin by [admin] admins "
				       "in %s: remove it there",
				       e, a->conf->path ? a->conf->path
							: "tui.conf")
			     : err_set("'%s' is not an admin", e);
	if (rc == 0)
		rc = a->be->admin_set(a->st, e, on, a->now());
	explicit_bzero(&ac, sizeof(ac));
	return acct_end(a, rc, on ? "admin.grant" : "admin.revoke", e, NULL);
}

/* Returns 1 if email is an admin by the database or by [admin] admins. */
int
acct_is_admin(struct acct *a, const char *email)
{
	if (conf_is_admin(a->conf, email))
		return 1;
	return a->be->admin_is(a->st, email);
}

/*
 * Turns TOTP on for an account with a new secret, written in base32 to
 * secret (len bytes). Replaces any earlier secret.
 */
int
acct_totp_enable(struct acct *a, const char *email, char *secret, size_t len)
{
	char e[ACCT_EMAIL_MAX + 1];
	struct acct_account ac;
	int rc;

	if (acct_norm_email(email, e, sizeof(e)) < 0)
		return -1;
	if (totp_new_secret(secret, len) < 0 || acct_begin(a) < 0)
		return -1;
	rc = acct_need_account(a, e, &ac);
	if (rc == 0) {
		snprintf(ac.totp_secret, sizeof(ac.totp_secret), "%s", secret);
		ac.totp_enabled = 1;
		ac.totp_last_step = 0;
		ac.updated_at = a->now();
		rc = a->be->account_update(a->st, &ac);
	}
	explicit_bzero(&ac, sizeof(ac));
	if (acct_end(a, rc, "2fa.enable", e, NULL) < 0) {
		explicit_bzero(secret, len);
		return -1;
	}
	return 0;
}

static void
acct_change_totp_off(struct acct_account *ac, const void *unused)
{
	(void)unused;
	explicit_bzero(ac->totp_secret, sizeof(ac->totp_secret));
	ac->totp_enabled = 0;
	ac->totp_last_step = 0;
}

int
acct_totp_disable(struct acct *a, const char *email)
{
	return acct_update(a, email, "2fa.disable", NULL, acct_change_totp_off,
			   NULL);
}

/*
 * Mints a single-use SSO token for an account that may log in. The token
 * ("sso-" and 32 hex digits) goes to token; only its SHA-256 is stored.
 */
int
acct_sso_mint(struct acct *a, const char *email, char *token, size_t len)
{
	char e[ACCT_EMAIL_MAX + 1], hash[CR_SHA256_HEX];
	unsigned char raw[16];
	struct acct_account ac;
	int rc;

	if (!*a->conf->sso_secret)
		return err_set("single sign-on is off: [panel] sso_secret is "
			       "empty");
	if (len < ACCT_SSO_TOKEN)
		return err_set("token buffer too small");
	if (acct_norm_email(email, e, sizeof(e)) < 0 ||
	    cr_random(raw, sizeof(raw)) < 0)
		return -1;
	memcpy(token, "sso-", 4);
	cr_hex(raw, sizeof(raw), token + 4);
	explicit_bzero(raw, sizeof(raw));
	if (cr_sha256_hex(token, strlen(token), hash) < 0 || acct_begin(a) < 0)
		goto fail;
	rc = acct_need_account(a, e, &ac);
	if (rc == 0 && !acct_account_can_login(&ac))
		rc = err_set("account '%s' is suspended or deleted", e);
	if (rc == 0)
		rc = a->be->sso_add(a->st, hash, e, a->now() + ACCT_SSO_TTL);
	/* Spent and expired tokens are kept a day, for the record. */
	if (rc == 0)
		rc = a->be->sso_purge(a->st, a->now() - 86400);
	explicit_bzero(&ac, sizeof(ac));
	if (acct_end(a, rc, "sso.mint", e, NULL) == 0)
		return 0;
fail:
	explicit_bzero(token, len);
	return -1;
}

/*
 * Standalone mode: an IMAP login the server accepted for an address with
 * no row creates the domain (if missing) and the account. The password
 * stays the IMAP server's: the row holds "!", which verifies nothing.
 * Fills out with the row, existing or new.
 */
int
acct_account_autocreate(struct acct *a, const char *email,
			struct acct_account *out)
{
	struct acct_account ac;
	struct acct_domain d;
	int rc;

	memset(&ac, 0, sizeof(ac));
	if (acct_norm_email(email, ac.email, sizeof(ac.email)) < 0 ||
	    acct_begin(a) < 0)
		return -1;
	rc = a->be->account_get(a->st, ac.email, out);
	if (rc > 0) {
		a->be->rollback(a->st);
		return 0;
	}
	if (rc == 0)
		rc = a->be->domain_get(a->st, strrchr(ac.email, '@') + 1, &d);
	if (rc == 0) {
		rc = a->be->domain_add(a->st, strrchr(ac.email, '@') + 1,
				       a->now());
		if (rc == 0)
			rc = a->be->domain_get(a->st,
					       strrchr(ac.email, '@') + 1, &d);
	}
	if (rc > 0) {
		ac.domain_id = d.id;
		strcpy(ac.password, "!");
		ac.is_active = 1;
		ac.created_at = ac.updated_at = a->now();
		rc = a->be->account_add(a->st, &ac);
	}
	if (acct_end(a, rc < 0 ? -1 : 0, "account.autocreate", ac.email,
		     "first login") < 0)
		return -1;
	return a->be->account_get(a->st, ac.email, out) > 0 ? 0 : -1;
}

/*
 * Stamps a successful login from addr, first reading the previous one
 * into prev_at / prev_addr (len bytes) for "Last login" lines.
 */
int
acct_login_stamp(struct acct *a, const struct acct_account *ac,
		 const char *addr, int64_t *prev_at, char *prev_addr,
		 size_t len)
{
	if (a->be->account_prev_login(a->st, ac->id, prev_at, prev_addr, len) <
	    0)
		return -1;
	return a->be->account_login(a->st, ac->id, a->now(), addr);
}

/*
 * Checks a second factor: a current TOTP code (each step works once) or
 * an unused recovery code. Returns 1 accepted, 0 refused, -1 error.
 */
int
acct_second_factor(struct acct *a, const struct acct_account *ac,
		   const char *code)
{
	char hash[CR_SHA256_HEX], norm[64];
	long long step;
	size_t i, n = 0;

	if (!ac->totp_enabled || !*ac->totp_secret)
		return err_set("two-factor authentication is off");
	step = totp_check(ac->totp_secret, code, (time_t)a->now(),
			  ac->totp_last_step);
	if (step < 0)
		return -1;
	if (step > 0)
		return a->be->account_totp_use(a->st, ac->id, step);
	/* Recovery codes are stored hashed, compared without '-' or case. */
	for (i = 0; code[i] && n < sizeof(norm) - 1; i++)
		if (code[i] != '-' && code[i] != ' ')
			norm[n++] = (char)tolower((unsigned char)code[i]);
	norm[n] = '\0';
	if (n < 8)
		return 0;
	if (cr_sha256_hex(norm, n, hash) < 0)
		return -1;
	return a->be->recovery_use(a->st, ac->id, hash, a->now());
}

long
acct_fail_count(struct acct *a, const char *key)
{
	long n = 0;

	if (a->be->fail_get(a->st, key, a->now() - ACCT_FAIL_WINDOW, &n) < 0)
		return 0;
	return n;
}

int
acct_fail_note(struct acct *a, const char *key)
{
	return a->be->fail_add(a->st, key, a->now(),
			       a->now() - ACCT_FAIL_WINDOW);
}

int
acct_fail_clear(struct acct *a, const char *key)
{
	return a->be->fail_clear(a->st, key);
}

/*
 * Spends an SSO token typed at the password prompt for email. Returns 1
 * if it was good (it is used up now), 0 if not, -1 on error.
 */
int
acct_sso_use(struct acct *a, const char *email, const char *token)
{
	char e[ACCT_EMAIL_MAX + 1], hash[CR_SHA256_HEX];

	if (acct_norm_email(email, e, sizeof(e)) < 0)
		return 0;
	if (cr_sha256_hex(token, strlen(token), hash) < 0)
		return -1;
	return a->be->sso_use(a->st, hash, e, a->now());
}

/*
 * Remembers a request signature. Returns 1 when it is new, 0 for a
 * replay, -1 on error. Every route shares the table, so what is kept
 * must outlive the longest window of any route, whoever calls.
 */
int
acct_signature_note(struct acct *a, const char *sig)
{
	int64_t now = a->now();

	return a->be->signature_note(a->st, sig, now,
				     now - ACCT_SIGNATURE_KEEP);
}

/* Forgets a signature whose request failed, so that it may be retried. */
int
acct_signature_forget(struct acct *a, const char *sig)
{
	return a->be->signature_forget(a->st, sig);
}

/*
 * Turns what the panel sent into the stored password: a Dovecot scheme
 * string is kept as it is, plain text is hashed in the configured scheme.
 */
static int
acct_sync_hash(struct acct *a, const char *password, char *out, size_t len)
{
	/* Anything else that starts with '{' is a plain password. */
	if (pw_is_scheme_string(password)) {
		if (strlen(password) >= len)
			return err_set("password hash too long");
		snprintf(out, len, "%s", password);
		return 0;
	}
	return pw_hash(a->conf->dovecot_password_scheme, password, out, len);
}

/*
 * Panel "create": the domain is created when missing, the account
 * created or brought back (an earlier soft delete is undone) with the
 * given password and quota. The same call twice leaves one account.
 */
int
acct_sync_create(struct acct *a, const char *email, const char *password,
		 long quota_mb, int have_quota)
{
	struct acct_account ac, old;
	struct acct_domain d;
	char hash[PW_HASH_MAX], detail[64];
	const char *domain;
	int rc;

	memset(&ac, 0, sizeof(ac));
	if (acct_norm_email(email, ac.email, sizeof(ac.email)) < 0)
		return -1;
	if (have_quota && (quota_mb < 0 || quota_mb > 100000000))
		return err_set("quota_mb must be 0 (unlimited) or a size in "
			       "MB");
	if (acct_sync_hash(a, password, hash, sizeof(hash)) < 0)
		return -1;
	domain = strrchr(ac.email, '@') + 1;
	if (acct_begin(a) < 0)
		return -1;
	rc = a->be->domain_get(a->st, domain, &d);
	if (rc == 0 && (rc = a->be->domain_add(a->st, domain, a->now())) == 0)
		rc = a->be->domain_get(a->st, domain, &d);
	if (rc > 0)
		rc = a->be->account_get(a->st, ac.email, &old);
	if (rc > 0) {
		memcpy(old.password, hash, sizeof(hash));
		if (have_quota)
			old.quota_mb = quota_mb;
		old.deleted_at = 0;
		old.last_sync = old.updated_at = a->now();
		rc = a->be->account_update(a->st, &old);
	} else if (rc == 0) {
		ac.domain_id = d.id;
		memcpy(ac.password, hash, sizeof(hash));
		ac.quota_mb = have_quota ? quota_mb : 0;
		ac.is_active = 1;
		ac.last_sync = ac.created_at = ac.updated_at = a->now();
		rc = a->be->account_add(a->st, &ac);
	}
	snprintf(detail, sizeof(detail), "quota_mb=%ld",
		 have_quota ? quota_mb : -1L);
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(&old, sizeof(old));
	return acct_end(a, rc < 0 ? -1 : 0, "sync.create", ac.email, detail);
}

/* What a panel sync call stamps: its time, and the new hash if any. */
struct acct_sync_change {
	int64_t now;
	const char *hash;
};

static void
acct_change_sync_delete(struct acct_account *ac, const void *arg)
{
	const struct acct_sync_change *c = arg;

	if (!ac->deleted_at)
		ac->deleted_at = c->now;
	ac->last_sync = c->now;
}

/* Panel "delete": a soft delete; the account can no longer log in. */
int
acct_sync_delete(struct acct *a, const char *email)
{
	struct acct_sync_change c = { a->now(), NULL };

	return acct_update(a, email, "sync.delete", NULL,
			   acct_change_sync_delete, &c);
}

static void
acct_change_sync_password(struct acct_account *ac, const void *arg)
{
	const struct acct_sync_change *c = arg;

	acct_change_password(ac, c->hash);
	ac->last_sync = c->now;
}

/* Panel "password": the account's new password (plain or hashed). */
int
acct_sync_password(struct acct *a, const char *email, const char *password)
{
	char hash[PW_HASH_MAX];
	struct acct_sync_change c = { a->now(), hash };
	int rc;

	if (acct_sync_hash(a, password, hash, sizeof(hash)) < 0)
		return -1;
	rc = acct_update(a, email, "sync.password", NULL,
			 acct_change_sync_password, &c);
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

/* Writes one audit row on its own, for events that change nothing. */
int
acct_audit(struct acct *a, const char *action, const char *target,
	   const char *detail)
{
	if (acct_begin(a) < 0)
		return -1;
	return acct_end(a, 0, action, target, detail);
}

/* What the admin pane edits; see acct_account_edit(). */
struct acct_edit {
	const char *name;
	long quota_mb;
	int active;
};

static void
acct_change_edit(struct acct_account *ac, const void *arg)
{
	const struct acct_edit *ed = arg;

	if (ed->name)
		snprintf(ac->display_name, sizeof(ac->display_name), "%s",
			 ed->name);
	if (ed->quota_mb >= 0)
		ac->quota_mb = ed->quota_mb;
	if (ed->active >= 0)
		ac->is_active = ed->active;
}

/*
 * Edits what the admin pane edits: display name (NULL keeps it), quota
 * in MB (-1 keeps it, 0 unlimited) and status (-1 keeps it).
 */
int
acct_account_edit(struct acct *a, const char *email, const char *name,
		  long quota_mb, int active)
{
	struct acct_edit ed = { name, quota_mb, active };
	char detail[128];

	if (name && acct_check_name(name) < 0)
		return -1;
	if (quota_mb < -1 || quota_mb > 100000000)
		return err_set("quota must be 0 (unlimited) or a size in MB");
	snprintf(detail, sizeof(detail), "quota_mb=%ld active=%d%s",
		 quota_mb, active, name ? " name" : "");
	return acct_update(a, email, "account.edit", detail, acct_change_edit,
			   &ed);
}

static void
acct_change_totp_on(struct acct_account *ac, const void *secret)
{
	snprintf(ac->totp_secret, sizeof(ac->totp_secret), "%s",
		 (const char *)secret);
	ac->totp_enabled = 1;
}

/*
 * Turns TOTP on with a secret the user has proved to hold (the settings
 * view asks for a current code first).
 */
int
acct_totp_set(struct acct *a, const char *email, const char *secret)
{
	return acct_update(a, email, "2fa.enable", "confirmed with a code",
			   acct_change_totp_on, secret);
}

/*
 * Makes ACCT_RECOVERY_CODES new single-use recovery codes for an account,
 * replacing the old ones; only their hashes are stored. The codes are
 * written to codes for the caller to show once.
 */
int
acct_recovery_new(struct acct *a, const char *email,
		  char codes[][ACCT_RECOVERY_LEN])
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	char hashes[ACCT_RECOVERY_CODES][CR_SHA256_HEX], plain[13];
	const char *hp[ACCT_RECOVERY_CODES];
	unsigned char raw[12];
	char e[ACCT_EMAIL_MAX + 1];
	struct acct_account ac;
	int i, j, rc;

	if (acct_norm_email(email, e, sizeof(e)) < 0)
		return -1;
	for (i = 0; i < ACCT_RECOVERY_CODES; i++) {
		if (cr_random(raw, sizeof(raw)) < 0)
			return -1;
		for (j = 0; j < 12; j++)
			plain[j] = alphabet[raw[j] % (sizeof(alphabet) - 1)];
		plain[12] = '\0';
		snprintf(codes[i], ACCT_RECOVERY_LEN, "%.4s-%.4s-%.4s", plain,
			 plain + 4, plain + 8);
		if (cr_sha256_hex(plain, 12, hashes[i]) < 0)
			return -1;
		hp[i] = hashes[i];
	}
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(raw, sizeof(raw));
	if (acct_begin(a) < 0)
		return -1;
	rc = acct_need_account(a, e, &ac);
	if (rc == 0)
		rc = a->be->recovery_replace(a->st, ac.id, hp,
					     ACCT_RECOVERY_CODES);
	explicit_bzero(&ac, sizeof(ac));
	return acct_end(a, rc, "2fa.recovery", e, "new codes");
}

int
acct_audit_list(struct acct *a, long offset, long limit, const char *filter,
		acct_audit_cb cb, void *arg)
{
	return a->be->audit_list(a->st, offset, limit, filter, cb, arg);
}

/*
 * Stores an account's mailbox usage. Not audited: every session does it,
 * and it changes nothing anyone decided.
 */
int
acct_usage_set(struct acct *a, const char *email, int64_t bytes)
{
	struct acct_account ac;
	int rc;

	rc = acct_account_get(a, email, &ac);
	if (rc <= 0)
		return rc < 0 ? -1 : err_set("no account '%s'", email);
	rc = a->be->account_usage(a->st, ac.id, bytes < 0 ? 0 : bytes);
	explicit_bzero(&ac, sizeof(ac));
	return rc;
}
