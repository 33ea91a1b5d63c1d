/*
 * ctl.c: tuimailctl, the admin command line (root on the mail host).
 *
 * Exit status: 0 success, 1 an error (one line on stderr), 2 a usage
 * error. Passwords come only from standard input, never from argv.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "acct.h"
#include "hostkey.h"
#include "util/buf.h"
#include "util/conf.h"
#include "util/log.h"

#define CTL_OK 0
#define CTL_ERR 1
#define CTL_USAGE 2

struct ctl {
	struct conf conf;
	struct acct acct; /* open when the command needs the database */
};

/* A command's options: --quota, --name, --domain, --search. */
struct ctl_opts {
	long quota_mb; /* also --limit */
	int have_quota;
	const char *name;
	const char *domain;
	const char *search;
	char *args[4]; /* positional arguments, borrowed from argv */
	int n_args;
};

struct ctl_cmd {
	const char *noun;
	const char *verb; /* NULL: the noun alone */
	int n_args;	  /* positional arguments required */
	const char *opts; /* options allowed: q n d s */
	int needs_db;
	char arg_kind; /* 'e': args[0] is an address, 'd': a domain */
	int (*run)(struct ctl *c, struct ctl_opts *o);
	const char *usage;
};

static const struct ctl_cmd *ctl_current;

static int ctl_usage(void);

static int
ctl_fail(void)
{
	fprintf(stderr, "tuimailctl: %s\n", err_msg());
	return CTL_ERR;
}

static void
ctl_time(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		snprintf(out, len, "-");
		return;
	}
	localtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

static void
ctl_size(int64_t bytes, char *out, size_t len)
{
	static const char units[] = "KMGT";
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(out, len, "%lld", (long long)bytes);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(out, len, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static const char *
ctl_status(const struct acct_account *ac)
{
	if (ac->deleted_at)
		return "deleted";
	if (!ac->is_active)
		return "suspended";
	if (!ac->domain_active)
		return "domain-disabled";
	return "active";
}

/*
 * Reads a password: from a terminal, asked twice with echo off; otherwise
 * the first line of standard input. The caller wipes out.
 */
static int
ctl_read_password(struct buf *out)
{
	struct buf again = BUF_INIT;
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), rc = -1, pass, ch;

	for (pass = 0; pass < (tty ? 2 : 1); pass++) {
		struct buf *b = pass ? &again : out;

		if (tty) {
			fputs(pass ? "Retype password: " : "Password: ",
			      stderr);
			tcgetattr(STDIN_FILENO, &old);
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
		while ((ch = getchar()) != EOF && ch != '\n')
			buf_addch(b, ch);
		if (tty) {
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
			fputc('\n', stderr);
		}
		if (b->len && b->buf[b->len - 1] == '\r')
			buf_setlen(b, b->len - 1);
	}
	if (out->len == 0)
		err_set("empty password (give it on standard input)");
	else if (tty && strcmp(out->buf, again.buf))
		err_set("the passwords do not match");
	else
		rc = 0;
	buf_release_secret(&again);
	return rc;
}

static int
ctl_domain_add(struct ctl *c, struct ctl_opts *o)
{
	if (acct_domain_add(&c->acct, o->args[0]) < 0)
		return ctl_fail();
	printf("added domain %s\n", o->args[0]);
	return CTL_OK;
}

static int
ctl_domain_del(struct ctl *c, struct ctl_opts *o)
{
	if (acct_domain_del(&c->acct, o->args[0]) < 0)
		return ctl_fail();
	printf("deleted domain %s\n", o->args[0]);
	return CTL_OK;
}

static int
ctl_print_domain(const struct acct_domain *d, void *arg)
{
	(void)arg;
	printf("%-40s %8ld %8ld  %s\n", d->domain, d->n_accounts, d->n_aliases,
	       d->is_active ? "active" : "disabled");
	return 0;
}

static int
ctl_domain_list(struct ctl *c, struct ctl_opts *o)
{
	(void)o;
	printf("%-40s %8s %8s  %s\n", "DOMAIN", "ACCOUNTS", "ALIASES",
	       "STATUS");
	if (acct_domain_list(&c->acct, ctl_print_domain, NULL) < 0)
		return ctl_fail();
	return CTL_OK;
}

static int
ctl_account_add(struct ctl *c, struct ctl_opts *o)
{
	struct buf pw = BUF_INIT;
	int rc = CTL_ERR;

	if (!c->conf.dovecot_passdb) {
		err_set("accounts live on an external server "
			"([admin] dovecot_passdb = no): create them there");
		return ctl_fail();
	}
	if (ctl_read_password(&pw) < 0 ||
	    acct_account_add(&c->acct, o->args[0], pw.buf, o->quota_mb,
			     o->name) < 0)
		rc = ctl_fail();
	else {
		printf("added account %s\n", o->args[0]);
		rc = CTL_OK;
	}
	buf_release_secret(&pw);
	return rc;
}

static int
ctl_account_passwd(struct ctl *c, struct ctl_opts *o)
{
	struct buf pw = BUF_INIT;
	int rc;

	if (!c->conf.dovecot_passdb) {
		err_set("passwords live on an external server "
			"([admin] dovecot_passdb = no): change them there");
		return ctl_fail();
	}
	if (ctl_read_password(&pw) < 0 ||
	    acct_account_passwd(&c->acct, o->args[0], pw.buf) < 0)
		rc = ctl_fail();
	else {
		printf("changed the password of %s\n", o->args[0]);
		if (conf_panel_mode(&c->conf))
			printf("note: the panel's next sync of this account "
			       "overwrites this password\n");
		rc = CTL_OK;
	}
	buf_release_secret(&pw);
	return rc;
}

static int
ctl_account_suspend(struct ctl *c, struct ctl_opts *o)
{
	if (acct_account_set_active(&c->acct, o->args[0], 0) < 0)
		return ctl_fail();
	printf("suspended %s\n", o->args[0]);
	return CTL_OK;
}

static int
ctl_account_unsuspend(struct ctl *c, struct ctl_opts *o)
{
	if (acct_account_set_active(&c->acct, o->args[0], 1) < 0)
		return ctl_fail();
	printf("unsuspended %s\n", o->args[0]);
	return CTL_OK;
}

/*
 * The pane's bulk actions: quota (--quota N), suspend, unsuspend or
 * delete for the addresses on standard input, one a line. Each account
 * is its own transaction and audit row, as in the pane; the first error
 * stops the run and says how many were done.
 */
static int
ctl_account_bulk(struct ctl *c, struct ctl_opts *o)
{
	const char *action = o->args[0];
	int del = !strcmp(action, "delete"), quota = !strcmp(action, "quota");
	char line[ACCT_EMAIL_MAX + 8];
	size_t len;
	int n = 0, rc = 0;

	if (!del && !quota && strcmp(action, "suspend") &&
	    strcmp(action, "unsuspend"))
		return ctl_usage();
	if (quota && !o->have_quota) {
		err_set("bulk quota needs --quota N");
		return ctl_fail();
	}
	if (del && !c->conf.dovecot_passdb) {
		err_set("accounts live on an external server "
			"([admin] dovecot_passdb = no): delete them there");
		return ctl_fail();
	}
	while (rc == 0 && fgets(line, sizeof(line), stdin)) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (!len)
			continue;
		if (quota)
			rc = acct_account_edit(&c->acct, line, NULL,
					       o->quota_mb, -1);
		else if (del)
			rc = acct_account_del(&c->acct, line);
		else
			rc = acct_account_set_active(
				&c->acct, line, strcmp(action, "suspend") != 0);
		n += rc == 0;
	}
	printf("%s: %d account%s%s\n", action, n, n == 1 ? "" : "s",
	       del && n ? "; their mail stays on disk" : "");
	if (rc < 0) {
		err_prefix("%s stopped after %d", action, n);
		return ctl_fail();
	}
	return CTL_OK;
}

static int
ctl_account_del(struct ctl *c, struct ctl_opts *o)
{
	if (!c->conf.dovecot_passdb) {
		err_set("accounts live on an external server "
			"([admin] dovecot_passdb = no): delete them there");
		return ctl_fail();
	}
	if (acct_account_del(&c->acct, o->args[0]) < 0)
		return ctl_fail();
	printf("deleted account %s; its mail stays on disk", o->args[0]);
	if (*c->conf.maildir_root) {
		const char *at = strrchr(o->args[0], '@');

		printf(" under %s/%s/%.*s", c->conf.maildir_root, at + 1,
		       (int)(at - o->args[0]), o->args[0]);
	}
	printf("\n");
	return CTL_OK;
}

static int
ctl_account_show(struct ctl *c, struct ctl_opts *o)
{
	struct acct_account ac;
	char t[3][32], usage[24];
	int rc, admin;

	rc = acct_account_get(&c->acct, o->args[0], &ac);
	if (rc < 0)
		return ctl_fail();
	if (rc == 0) {
		err_set("no account '%s'", o->args[0]);
		return ctl_fail();
	}
	admin = acct_is_admin(&c->acct, ac.email);
	ctl_time(ac.last_login, t[0], sizeof(t[0]));
	ctl_time(ac.last_sync, t[1], sizeof(t[1]));
	ctl_time(ac.created_at, t[2], sizeof(t[2]));
	ctl_size(ac.usage_bytes, usage, sizeof(usage));
	printf("email:        %s\n", ac.email);
	printf("domain:       %s\n", ac.domain);
	printf("display name: %s\n", ac.display_name);
	if (ac.quota_mb)
		printf("quota:        %ld MB\n", ac.quota_mb);
	else
		printf("quota:        unlimited\n");
	printf("usage:        %s\n", usage);
	printf("2fa:          %s\n", ac.totp_enabled ? "on" : "off");
	printf("admin:        %s\n", admin > 0 ? "yes" : "no");
	printf("status:       %s\n", ctl_status(&ac));
	printf("last login:   %s\n", t[0]);
	printf("last sync:    %s\n", t[1]);
	printf("created:      %s\n", t[2]);
	explicit_bzero(&ac, sizeof(ac));
	return CTL_OK;
}

/* Rows of an account listing, gathered to size the columns. */
struct ctl_rows {
	struct buf *v;
	size_t n, alloc;
	int width;
};

static int
ctl_collect_account(const struct acct_account *ac, void *arg)
{
	struct ctl_rows *r = arg;
	char quota[24], usage[24], sync[32];
	struct buf *b;

	if (r->n == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 64;
		r->v = reallocarray(r->v, r->alloc, sizeof(*r->v));
		if (r->v == NULL)
			fatal("out of memory");
	}
	b = &r->v[r->n++];
	buf_init(b);
	if (ac->quota_mb)
		snprintf(quota, sizeof(quota), "%ld", ac->quota_mb);
	else
		snprintf(quota, sizeof(quota), "unlimited");
	ctl_size(ac->usage_bytes, usage, sizeof(usage));
	ctl_time(ac->last_sync, sync, sizeof(sync));
	buf_addf(b, "%s\t%s\t%s\t%s\t%s\t%s\t%s", ac->email, ac->domain, quota,
		 usage, ac->totp_enabled ? "on" : "off", sync,
		 ctl_status(ac));
	if ((int)strlen(ac->email) > r->width)
		r->width = (int)strlen(ac->email);
	return 0;
}

static void
ctl_print_account_row(const char *row, int width)
{
	char *f[7], *copy = strdup(row), *p = copy;
	int i;

	if (copy == NULL)
		fatal("out of memory");
	for (i = 0; i < 7; i++)
		f[i] = strsep(&p, "\t");
	printf("%-*s  %-24s %9s %7s  %-3s  %-16s  %s\n", width, f[0], f[1],
	       f[2], f[3], f[4], f[5], f[6]);
	free(copy);
}

static int
ctl_account_list(struct ctl *c, struct ctl_opts *o)
{
	struct acct_filter f = { o->domain, o->search };
	struct ctl_rows r = { NULL, 0, 0, 5 };
	size_t i;
	int rc = CTL_OK;

	if (acct_account_list(&c->acct, &f, ctl_collect_account, &r) < 0)
		rc = ctl_fail();
	else {
		ctl_print_account_row("EMAIL\tDOMAIN\tQUOTA_MB\tUSAGE\t2FA\t"
				      "LAST_SYNC\tSTATUS",
				      r.width);
		for (i = 0; i < r.n; i++)
			ctl_print_account_row(r.v[i].buf, r.width);
	}
	for (i = 0; i < r.n; i++)
		buf_release(&r.v[i]);
	free(r.v);
	return rc;
}

static int
ctl_alias_add(struct ctl *c, struct ctl_opts *o)
{
	if (acct_alias_add(&c->acct, o->args[0], o->args[1]) < 0)
		return ctl_fail();
	printf("added alias %s -> %s\n", o->args[0], o->args[1]);
	return CTL_OK;
}

static int
ctl_alias_del(struct ctl *c, struct ctl_opts *o)
{
	if (acct_alias_del(&c->acct, o->args[0]) < 0)
		return ctl_fail();
	printf("deleted alias %s\n", o->args[0]);
	return CTL_OK;
}

static int
ctl_print_alias(const struct acct_alias *al, void *arg)
{
	(void)arg;
	printf("%-40s %s%s\n", al->alias, al->dest,
	       al->is_active ? "" : "  (disabled)");
	return 0;
}

static int
ctl_alias_list(struct ctl *c, struct ctl_opts *o)
{
	printf("%-40s %s\n", "ALIAS", "DESTINATION");
	if (acct_alias_list(&c->acct, o->domain, ctl_print_alias, NULL) < 0)
		return ctl_fail();
	return CTL_OK;
}

static int
ctl_admin_grant(struct ctl *c, struct ctl_opts *o)
{
	if (acct_admin_set(&c->acct, o->args[0], 1) < 0)
		return ctl_fail();
	printf("%s is an admin\n", o->args[0]);
	if (!c->conf.mail_admin)
		printf("note: the admin pane is off until [admin] mail_admin "
		       "= yes\n");
	return CTL_OK;
}

static int
ctl_admin_revoke(struct ctl *c, struct ctl_opts *o)
{
	if (acct_admin_set(&c->acct, o->args[0], 0) < 0)
		return ctl_fail();
	printf("%s is no longer an admin\n", o->args[0]);
	return CTL_OK;
}

static int
ctl_2fa_enable(struct ctl *c, struct ctl_opts *o)
{
	char secret[TOTP_SECRET_B32];
	struct buf uri = BUF_INIT;
	char e[ACCT_EMAIL_MAX + 1];

	if (acct_norm_email(o->args[0], e, sizeof(e)) < 0 ||
	    acct_totp_enable(&c->acct, e, secret, sizeof(secret)) < 0)
		return ctl_fail();
	totp_uri(&uri, "tuimail", e, secret);
	printf("%s\n%s\n", secret, uri.buf);
	explicit_bzero(secret, sizeof(secret));
	buf_release_secret(&uri);
	return CTL_OK;
}

static int
ctl_2fa_disable(struct ctl *c, struct ctl_opts *o)
{
	if (acct_totp_disable(&c->acct, o->args[0]) < 0)
		return ctl_fail();
	printf("two-factor authentication is off for %s\n", o->args[0]);
	return CTL_OK;
}

static int
ctl_sso_token(struct ctl *c, struct ctl_opts *o)
{
	char token[ACCT_SSO_TOKEN];

	if (acct_sso_mint(&c->acct, o->args[0], token, sizeof(token)) < 0)
		return ctl_fail();
	printf("%s\n", token);
	explicit_bzero(token, sizeof(token));
	return CTL_OK;
}

static int
ctl_account_edit(struct ctl *c, struct ctl_opts *o)
{
	if (o->name == NULL && !o->have_quota) {
		err_set("give --name and/or --quota");
		return ctl_fail();
	}
	if (acct_account_edit(&c->acct, o->args[0], o->name,
			      o->have_quota ? o->quota_mb : -1, -1) < 0)
		return ctl_fail();
	printf("saved %s\n", o->args[0]);
	return CTL_OK;
}

static int
ctl_domain_disable(struct ctl *c, struct ctl_opts *o)
{
	if (acct_domain_set_active(&c->acct, o->args[0], 0) < 0)
		return ctl_fail();
	printf("disabled domain %s: its accounts cannot log in\n", o->args[0]);
	return CTL_OK;
}

static int
ctl_domain_enable(struct ctl *c, struct ctl_opts *o)
{
	if (acct_domain_set_active(&c->acct, o->args[0], 1) < 0)
		return ctl_fail();
	printf("enabled domain %s\n", o->args[0]);
	return CTL_OK;
}

static int
ctl_2fa_recovery(struct ctl *c, struct ctl_opts *o)
{
	char codes[ACCT_RECOVERY_CODES][ACCT_RECOVERY_LEN];
	struct acct_account ac;
	int i, rc;

	rc = acct_account_get(&c->acct, o->args[0], &ac);
	if (rc <= 0 || !ac.totp_enabled) {
		if (rc >= 0)
			err_set("two-factor authentication is off for %s",
				o->args[0]);
		return ctl_fail();
	}
	if (acct_recovery_new(&c->acct, o->args[0], codes) < 0)
		return ctl_fail();
	for (i = 0; i < ACCT_RECOVERY_CODES; i++)
		printf("%s\n", codes[i]);
	explicit_bzero(codes, sizeof(codes));
	return CTL_OK;
}

static int
ctl_print_audit(const struct acct_audit_row *r, void *arg)
{
	char when[32];

	(void)arg;
	ctl_time(r->at, when, sizeof(when));
	printf("%s  %-28s %-18s %-30s %s\n", when, r->actor, r->action,
	       r->target, r->detail);
	return 0;
}

static int
ctl_audit(struct ctl *c, struct ctl_opts *o)
{
	if (acct_audit_list(&c->acct, 0, o->have_quota ? o->quota_mb : 50,
			    o->search, ctl_print_audit, NULL) < 0)
		return ctl_fail();
	return CTL_OK;
}

static int
ctl_hostkey(struct ctl *c, struct ctl_opts *o)
{
	char fp[128];
	int created;

	(void)o;
	if (hostkey_ensure(c->conf.host_key, &created) < 0 ||
	    hostkey_fingerprint(c->conf.host_key, fp, sizeof(fp)) < 0)
		return ctl_fail();
	if (created)
		fprintf(stderr, "created %s\n", c->conf.host_key);
	printf("%s\n", fp);
	return CTL_OK;
}

/* Reports one problem found by check; returns 1 to count it. */
static int
ctl_problem(const char *fmt, const char *arg)
{
	fprintf(stderr, "tuimailctl: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

static int
ctl_check(struct ctl *c, struct ctl_opts *o)
{
	const struct conf *cf = &c->conf;
	struct stat sb;
	int problems = 0;

	(void)o;
	printf("%s: %s\n", cf->path, conf_mode_reason(cf));
	if ((*cf->mail_sync_secret || *cf->sso_secret) &&
	    stat(cf->path, &sb) == 0 && (sb.st_mode & 077))
		problems += ctl_problem("'%s' holds secrets but others can "
					"read it: chmod 600 it",
					cf->path);
	if (*cf->imap_master_password_file &&
	    stat(cf->imap_master_password_file, &sb) < 0)
		problems += ctl_problem("cannot read master_password_file '%s'",
					cf->imap_master_password_file);
	else if (*cf->imap_master_password_file && (sb.st_mode & 077))
		problems += ctl_problem("'%s' is readable by others: chmod "
					"600 it",
					cf->imap_master_password_file);
	if (stat(cf->host_key, &sb) < 0)
		printf("host key %s is missing; tuimaild creates it at first "
		       "start\n",
		       cf->host_key);
	else if (hostkey_ensure(cf->host_key, NULL) < 0)
		problems += ctl_problem("%s", err_msg());
	if (stat(cf->state_dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		problems += ctl_problem("state_dir '%s' is not a directory",
					cf->state_dir);
	if (acct_open(&c->acct, cf, ACCT_OPEN_EXISTING, "tuimailctl") < 0 ||
	    acct_check(&c->acct) < 0)
		problems += ctl_problem("%s", err_msg());
	else if (stat(cf->database, &sb) == 0 && (sb.st_mode & 077))
		problems += ctl_problem("database '%s' is readable by others: "
					"chmod 600 it",
					cf->database);
	if (problems)
		return CTL_ERR;
	printf("configuration and database are fine\n");
	return CTL_OK;
}

static const struct ctl_cmd ctl_cmds[] = {
	{ "domain", "add", 1, "", 1, 'd', ctl_domain_add, "domain add DOMAIN" },
	{ "domain", "del", 1, "", 1, 'd', ctl_domain_del, "domain del DOMAIN" },
	{ "domain", "list", 0, "", 1, 0, ctl_domain_list, "domain list" },
	{ "domain", "disable", 1, "", 1, 'd', ctl_domain_disable,
	  "domain disable DOMAIN" },
	{ "domain", "enable", 1, "", 1, 'd', ctl_domain_enable,
	  "domain enable DOMAIN" },
	{ "account", "add", 1, "qn", 1, 'e', ctl_account_add,
	  "account add EMAIL [--quota MB] [--name NAME]  (password on stdin)" },
	{ "account", "passwd", 1, "", 1, 'e', ctl_account_passwd,
	  "account passwd EMAIL  (password on stdin)" },
	{ "account", "suspend", 1, "", 1, 'e', ctl_account_suspend,
	  "account suspend EMAIL" },
	{ "account", "unsuspend", 1, "", 1, 'e', ctl_account_unsuspend,
	  "account unsuspend EMAIL" },
	{ "account", "edit", 1, "qn", 1, 'e', ctl_account_edit,
	  "account edit EMAIL [--name NAME] [--quota MB]" },
	{ "account", "del", 1, "", 1, 'e', ctl_account_del, "account del EMAIL" },
	{ "account", "bulk", 1, "q", 1, 0, ctl_account_bulk,
	  "account bulk quota|suspend|unsuspend|delete [--quota N] <EMAILS" },
	{ "account", "show", 1, "", 1, 'e', ctl_account_show, "account show EMAIL" },
	{ "account", "list", 0, "ds", 1, 0, ctl_account_list,
	  "account list [--domain D] [--search TEXT]" },
	{ "alias", "add", 2, "", 1, 'e', ctl_alias_add, "alias add ALIAS DEST[,DEST]" },
	{ "alias", "del", 1, "", 1, 'e', ctl_alias_del, "alias del ALIAS" },
	{ "alias", "list", 0, "d", 1, 0, ctl_alias_list, "alias list [--domain D]" },
	{ "admin", "grant", 1, "", 1, 'e', ctl_admin_grant, "admin grant EMAIL" },
	{ "admin", "revoke", 1, "", 1, 'e', ctl_admin_revoke, "admin revoke EMAIL" },
	{ "2fa", "enable", 1, "", 1, 'e', ctl_2fa_enable, "2fa enable EMAIL" },
	{ "2fa", "disable", 1, "", 1, 'e', ctl_2fa_disable, "2fa disable EMAIL" },
	{ "2fa", "reset", 1, "", 1, 'e', ctl_2fa_disable, "2fa reset EMAIL" },
	{ "2fa", "recovery", 1, "", 1, 'e', ctl_2fa_recovery,
	  "2fa recovery EMAIL  (prints new recovery codes)" },
	{ "audit", NULL, 0, "sl", 1, 0, ctl_audit,
	  "audit [--search TEXT] [--limit N]" },
	{ "sso-token", NULL, 1, "", 1, 'e', ctl_sso_token, "sso-token EMAIL" },
	{ "hostkey", NULL, 0, "", 0, 0, ctl_hostkey, "hostkey" },
	{ "check", NULL, 0, "", 0, 0, ctl_check, "check" },
};
#define N_CMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static int
ctl_usage(void)
{
	size_t i;

	if (ctl_current) {
		fprintf(stderr, "usage: tuimailctl [-f FILE] %s\n",
			ctl_current->usage);
		return CTL_USAGE;
	}
	fprintf(stderr, "usage: tuimailctl [-f FILE] COMMAND ...\n"
			"commands:\n");
	for (i = 0; i < N_CMDS; i++)
		fprintf(stderr, "  %s\n", ctl_cmds[i].usage);
	fprintf(stderr, "FILE defaults to %s\n", CONF_DEFAULT_PATH);
	return CTL_USAGE;
}

/* Splits argv into options and positional arguments for command cmd. */
static int
ctl_parse_opts(const struct ctl_cmd *cmd, int argc, char **argv,
	       struct ctl_opts *o)
{
	static const struct {
		const char *name;
		char letter;
	} known[] = { { "--quota", 'q' },  { "--name", 'n' },
		      { "--domain", 'd' }, { "--search", 's' },
		      { "--limit", 'l' } };
	int i;
	size_t k;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) || !argv[i][2]) {
			if (o->n_args == cmd->n_args)
				return -1;
			o->args[o->n_args++] = argv[i];
			continue;
		}
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (!strcmp(argv[i], known[k].name))
				break;
		if (k == sizeof(known) / sizeof(known[0]) ||
		    !strchr(cmd->opts, known[k].letter) || i + 1 == argc)
			return -1;
		i++;
		switch (known[k].letter) {
		case 'l':
		case 'q': {
			char *end;

			errno = 0;
			o->quota_mb = strtol(argv[i], &end, 10);
			if (errno || *end || end == argv[i] || o->quota_mb < 0)
				return -1;
			o->have_quota = 1;
			break;
		}
		case 'n':
			o->name = argv[i];
			break;
		case 'd':
			o->domain = argv[i];
			break;
		case 's':
			o->search = argv[i];
			break;
		}
	}
	return o->n_args == cmd->n_args ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const char *path = CONF_DEFAULT_PATH;
	const struct ctl_cmd *cmd = NULL;
	struct ctl_opts opts;
	char actor[64], norm[ACCT_EMAIL_MAX + 1];
	struct ctl c;
	int opt, rc, consumed;
	size_t i;

	log_init("tuimailctl", 1, 0);
	while ((opt = getopt(argc, argv, "+f:h")) != -1) {
		if (opt == 'f')
			path = optarg;
		else
			return ctl_usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return ctl_usage();
	for (i = 0; i < N_CMDS && !cmd; i++) {
		if (strcmp(argv[0], ctl_cmds[i].noun))
			continue;
		if (ctl_cmds[i].verb == NULL ||
		    (argc > 1 && !strcmp(argv[1], ctl_cmds[i].verb)))
			cmd = &ctl_cmds[i];
	}
	if (cmd == NULL)
		return ctl_usage();
	ctl_current = cmd;
	consumed = cmd->verb ? 2 : 1;
	if (ctl_parse_opts(cmd, argc - consumed, argv + consumed, &opts) < 0)
		return ctl_usage();

	/* Messages name what is stored: the normalised address or domain. */
	if (cmd->arg_kind &&
	    (cmd->arg_kind == 'e'
		     ? acct_norm_email(opts.args[0], norm, sizeof(norm))
		     : acct_norm_domain(opts.args[0], norm, sizeof(norm))) < 0)
		return ctl_fail();
	if (cmd->arg_kind)
		opts.args[0] = norm;

	memset(&c, 0, sizeof(c));
	if (conf_load(&c.conf, path) < 0)
		return ctl_fail();
	snprintf(actor, sizeof(actor), "tuimailctl (uid %u)",
		 (unsigned)getuid());
	if (cmd->needs_db &&
	    acct_open(&c.acct, &c.conf, ACCT_OPEN_CREATE, actor) < 0) {
		rc = ctl_fail();
		goto out;
	}
	rc = cmd->run(&c, &opts);
out:
	acct_close(&c.acct);
	conf_free(&c.conf);
	return rc;
}
