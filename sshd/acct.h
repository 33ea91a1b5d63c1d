/*
 * acct.h: the accounts store: domains, mail accounts, aliases, admins,
 * 2FA, SSO tokens and the audit log in tuimail.db, which Dovecot's passdb
 * reads as well.
 *
 * Files: acct.c (the rules: address checks, hashing, cascades, audit;
 * shared by tuimaild and tuimailctl), acct_sqlite.c (the sqlite3 backend,
 * the only code with SQL). Other backends plug in as another
 * struct acct_backend without touching callers.
 *
 * Every acct_* write runs in one transaction together with its audit_log
 * row: it happens whole or not at all. Functions return 0 (or 1 for
 * "found") and -1 with err_msg() set; messages are fit to show a user.
 */
#ifndef TUIMAIL_ACCT_H
#define TUIMAIL_ACCT_H

#include <stdint.h>

#include "passwd.h"
#include "totp.h"
#include "util/conf.h"

#define ACCT_EMAIL_MAX 254
#define ACCT_DOMAIN_MAX 253
#define ACCT_NAME_MAX 128
#define ACCT_DEST_MAX 1024 /* an alias's comma-separated destinations */
#define ACCT_SSO_TTL 120   /* seconds an SSO token may wait for its use */
#define ACCT_SSO_TOKEN 40  /* room for a token: "sso-", 32 hex digits, NUL */
#define ACCT_SSO_TOKEN_LEN 36 /* a token's length */

struct acct_domain {
	int64_t id;
	char domain[ACCT_DOMAIN_MAX + 1];
	int is_active;
	long n_accounts; /* live accounts, filled by listings */
	long n_aliases;
	int64_t created_at;
};

/* One mail_accounts row joined with its domain. Times: Unix s, 0 = never. */
struct acct_account {
	int64_t id;
	int64_t domain_id;
	char email[ACCT_EMAIL_MAX + 1];
	char domain[ACCT_DOMAIN_MAX + 1];
	char display_name[ACCT_NAME_MAX + 1];
	char password[PW_HASH_MAX]; /* Dovecot scheme string */
	long quota_mb;		    /* 0 = unlimited (NULL in the table) */
	int64_t usage_bytes;
	int is_active;
	int domain_active;
	char totp_secret[TOTP_SECRET_B32]; /* base32, "" when none */
	int totp_enabled;
	int64_t totp_last_step;
	int64_t last_sync, last_login, created_at, updated_at, deleted_at;
};

struct acct_alias {
	int64_t id;
	char alias[ACCT_EMAIL_MAX + 1];
	char dest[ACCT_DEST_MAX + 1];
	int is_active;
};

/* What an account listing shows; NULL or "" fields do not filter. */
struct acct_filter {
	const char *domain; /* exact domain */
	const char *search; /* substring of address or domain */
};

typedef int (*acct_domain_cb)(const struct acct_domain *d, void *arg);
typedef int (*acct_account_cb)(const struct acct_account *a, void *arg);
typedef int (*acct_alias_cb)(const struct acct_alias *al, void *arg);

/* One audit_log row. */
struct acct_audit_row {
	int64_t at;
	char actor[ACCT_EMAIL_MAX + 32];
	char action[64];
	char target[ACCT_EMAIL_MAX + 1];
	char detail[256];
};

typedef int (*acct_audit_cb)(const struct acct_audit_row *r, void *arg);

struct acct_store; /* a backend's open handle */

/*
 * A storage backend: plain reads and writes, no rules. Lookups return 1
 * found, 0 not found, -1 error. Listing callbacks stop the walk by
 * returning non-zero, which the listing then returns.
 */
struct acct_backend {
	const char *name;
	struct acct_store *(*open)(const char *where, int create);
	void (*close)(struct acct_store *st);
	int (*migrate)(struct acct_store *st);
	int (*check)(struct acct_store *st);
	int (*schema)(struct acct_store *st, int *have, int *want);
	int (*begin)(struct acct_store *st);
	int (*commit)(struct acct_store *st);
	void (*rollback)(struct acct_store *st);

	int (*domain_get)(struct acct_store *st, const char *domain,
			  struct acct_domain *out);
	int (*domain_add)(struct acct_store *st, const char *domain,
			  int64_t now);
	int (*domain_set_active)(struct acct_store *st, int64_t id, int active,
				 int64_t now);
	int (*domain_del)(struct acct_store *st, int64_t id);
	int (*domain_list)(struct acct_store *st, acct_domain_cb cb, void *arg);

	int (*account_get)(struct acct_store *st, const char *email,
			   struct acct_account *out);
	int (*account_add)(struct acct_store *st, const struct acct_account *a);
	int (*account_update)(struct acct_store *st,
			      const struct acct_account *a);
	int (*account_del)(struct acct_store *st, int64_t id);
	int (*account_count)(struct acct_store *st, int64_t domain_id,
			     long *n);
	int (*account_list)(struct acct_store *st, const struct acct_filter *f,
			    acct_account_cb cb, void *arg);

	int (*alias_get)(struct acct_store *st, const char *alias,
			 struct acct_alias *out);
	int (*alias_add)(struct acct_store *st, int64_t domain_id,
			 const char *alias, const char *dest, int64_t now);
	int (*alias_set_dest)(struct acct_store *st, int64_t id,
			      const char *dest, int64_t now);
	int (*alias_del)(struct acct_store *st, int64_t id);
	int (*alias_list)(struct acct_store *st, const char *domain,
			  acct_alias_cb cb, void *arg);

	int (*admin_is)(struct acct_store *st, const char *email);
	int (*admin_set)(struct acct_store *st, const char *email, int on,
			 int64_t now);

	int (*account_login)(struct acct_store *st, int64_t id, int64_t now,
			     const char *addr);
	int (*account_prev_login)(struct acct_store *st, int64_t id,
				  int64_t *at, char *addr, size_t len);
	int (*account_totp_use)(struct acct_store *st, int64_t id,
				int64_t step);
	int (*recovery_use)(struct acct_store *st, int64_t account_id,
			    const char *code_hash, int64_t now);
	int (*fail_get)(struct acct_store *st, const char *key, int64_t since,
			long *n);
	int (*fail_add)(struct acct_store *st, const char *key, int64_t now,
			int64_t since);
	int (*fail_clear)(struct acct_store *st, const char *key);

	int (*recovery_replace)(struct acct_store *st, int64_t account_id,
				const char *const *hashes, size_t n);
	int (*audit_list)(struct acct_store *st, long offset, long limit,
			  const char *filter, acct_audit_cb cb, void *arg);
	int (*account_usage)(struct acct_store *st, int64_t id, int64_t bytes);
	int (*signature_note)(struct acct_store *st, const char *sig,
			      int64_t now, int64_t since);
	int (*signature_forget)(struct acct_store *st, const char *sig);
	int (*sso_purge)(struct acct_store *st, int64_t before);
	int (*sso_use)(struct acct_store *st, const char *token_hash,
		       const char *email, int64_t now);
	int (*sso_add)(struct acct_store *st, const char *token_hash,
		       const char *email, int64_t expires_at);
	int (*audit_add)(struct acct_store *st, int64_t at, const char *actor,
			 const char *action, const char *target,
			 const char *detail);
};

extern const struct acct_backend acct_sqlite_backend;

/* An open accounts store and who is acting on it (for the audit log). */
struct acct {
	const struct acct_backend *be;
	struct acct_store *st;	 /* owned */
	const struct conf *conf; /* borrowed */
	char actor[ACCT_EMAIL_MAX + 32];
	int64_t (*now)(void);	 /* the clock; tests inject their own */
};

enum acct_open_mode { ACCT_OPEN_EXISTING, ACCT_OPEN_CREATE };

int acct_open(struct acct *a, const struct conf *c, enum acct_open_mode mode,
	      const char *actor);
void acct_close(struct acct *a);
int acct_check(struct acct *a);
int acct_schema(struct acct *a, int *have, int *want);

int acct_norm_email(const char *in, char *out, size_t outlen);
int acct_norm_domain(const char *in, char *out, size_t outlen);

int acct_domain_add(struct acct *a, const char *domain);
int acct_domain_del(struct acct *a, const char *domain);
int acct_domain_set_active(struct acct *a, const char *domain, int active);
int acct_domain_list(struct acct *a, acct_domain_cb cb, void *arg);

int acct_account_add(struct acct *a, const char *email, const char *password,
		     long quota_mb, const char *name);
int acct_account_get(struct acct *a, const char *email,
		     struct acct_account *out);
int acct_account_passwd(struct acct *a, const char *email,
			const char *password);
int acct_account_set_active(struct acct *a, const char *email, int active);
int acct_account_del(struct acct *a, const char *email);
int acct_account_list(struct acct *a, const struct acct_filter *f,
		      acct_account_cb cb, void *arg);
int acct_account_can_login(const struct acct_account *ac);

int acct_alias_add(struct acct *a, const char *alias, const char *dest);
int acct_alias_del(struct acct *a, const char *alias);
int acct_alias_list(struct acct *a, const char *domain, acct_alias_cb cb,
		    void *arg);

int acct_admin_set(struct acct *a, const char *email, int on);
int acct_is_admin(struct acct *a, const char *email);

int acct_totp_enable(struct acct *a, const char *email, char *secret,
		     size_t len);
int acct_totp_disable(struct acct *a, const char *email);

int acct_account_autocreate(struct acct *a, const char *email,
			    struct acct_account *out);
int acct_login_stamp(struct acct *a, const struct acct_account *ac,
		     const char *addr, int64_t *prev_at, char *prev_addr,
		     size_t len);
int acct_second_factor(struct acct *a, const struct acct_account *ac,
		       const char *code);

#define ACCT_FAIL_WINDOW 900 /* seconds a login failure is remembered */
long acct_fail_count(struct acct *a, const char *key);
int acct_fail_note(struct acct *a, const char *key);
int acct_fail_clear(struct acct *a, const char *key);

int acct_sso_mint(struct acct *a, const char *email, char *token,
		  size_t len);
int acct_sso_use(struct acct *a, const char *email, const char *token);
#define ACCT_SIGNATURE_KEEP 900 /* seconds; longer than any route's window */
int acct_signature_note(struct acct *a, const char *sig);
int acct_signature_forget(struct acct *a, const char *sig);
int acct_audit(struct acct *a, const char *action, const char *target,
	       const char *detail);

#define ACCT_RECOVERY_CODES 10
#define ACCT_RECOVERY_LEN 15 /* "xxxx-xxxx-xxxx" and a NUL */

int acct_account_edit(struct acct *a, const char *email, const char *name,
		      long quota_mb, int active);
int acct_totp_set(struct acct *a, const char *email, const char *secret);
int acct_recovery_new(struct acct *a, const char *email,
		      char codes[][ACCT_RECOVERY_LEN]);
int acct_audit_list(struct acct *a, long offset, long limit,
		    const char *filter, acct_audit_cb cb, void *arg);
int acct_usage_set(struct acct *a, const char *email, int64_t bytes);

/* The panel's account sync (issue 8); every call stamps last_sync. */
int acct_sync_create(struct acct *a, const char *email, const char *password,
		     long quota_mb, int have_quota);
int acct_sync_delete(struct acct *a, const char *email);
int acct_sync_password(struct acct *a, const char *email,
		       const char *password);

#endif
