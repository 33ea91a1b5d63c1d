/*
 * Unit tests for sshd/acct.c over the sqlite3 backend, on a temporary
 * database file that a second sqlite3 handle inspects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "sshd/acct.h"
#include "sshd/crypto.h"
#include "util/log.h"

struct fixture {
	char dir[64];
	struct conf conf;
	struct acct acct;
	sqlite3 *peek; /* a second handle, as Dovecot would have */
};

static int64_t fake_now = 1800000000;

static int64_t
fake_clock(void)
{
	return fake_now;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];

	snprintf(f->dir, sizeof(f->dir), "/tmp/tuimail-acct-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/db/tuimail.db", f->dir);
	conf_defaults(&f->conf);
	free(f->conf.database);
	f->conf.database = strdup(path);
	assert_int_equal(acct_open(&f->acct, &f->conf, ACCT_OPEN_CREATE,
				   "test"),
			 0);
	f->acct.now = fake_clock;
	assert_int_equal(sqlite3_open(path, &f->peek), SQLITE_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	sqlite3_close(f->peek);
	acct_close(&f->acct);
	conf_free(&f->conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Returns the single integer that sql yields. */
static long
peek_int(struct fixture *f, const char *sql)
{
	sqlite3_stmt *s;
	long v;

	assert_int_equal(sqlite3_prepare_v2(f->peek, sql, -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void
peek_exec(struct fixture *f, const char *sql)
{
	assert_int_equal(sqlite3_exec(f->peek, sql, NULL, NULL, NULL),
			 SQLITE_OK);
}

static void
test_normalise(void **state)
{
	char out[ACCT_EMAIL_MAX + 1];

	(void)state;
	assert_int_equal(acct_norm_email("Jane.Doe+tag@Example.COM", out,
					 sizeof(out)),
			 0);
	assert_string_equal(out, "jane.doe+tag@example.com");
	assert_int_equal(acct_norm_email("odd@name@example.com", out,
					 sizeof(out)),
			 -1);
	assert_int_equal(acct_norm_email("jane", out, sizeof(out)), -1);
	assert_int_equal(acct_norm_email("@example.com", out, sizeof(out)), -1);
	assert_int_equal(acct_norm_email("a..b@example.com", out, sizeof(out)),
			 -1);
	assert_int_equal(acct_norm_email(".a@example.com", out, sizeof(out)),
			 -1);
	assert_int_equal(acct_norm_email("a b@example.com", out, sizeof(out)),
			 -1);
	assert_int_equal(acct_norm_email("a@example", out, sizeof(out)), -1);
	assert_int_equal(acct_norm_email("a@-x.com", out, sizeof(out)), -1);
	assert_int_equal(acct_norm_email("a@x-.com", out, sizeof(out)), -1);
	assert_int_equal(acct_norm_email("a@x..com", out, sizeof(out)), -1);
	assert_int_equal(acct_norm_email("a@1.2.3.4", out, sizeof(out)), -1);
	assert_int_equal(acct_norm_email("zoë@example.com", out, sizeof(out)),
			 -1);
	assert_int_equal(acct_norm_email("a@bücher.de", out, sizeof(out)), -1);
	assert_string_equal(err_msg(), "invalid address 'a@bücher.de': "
				       "invalid domain: give a non-ASCII "
				       "domain in its xn-- form");
	assert_int_equal(acct_norm_email("a@xn--bcher-kva.de", out, sizeof(out)),
			 0);
}

static void
test_domains(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(acct_domain_add(&f->acct, "Example.COM"), 0);
	assert_int_equal(acct_domain_add(&f->acct, "example.com"), -1);
	assert_string_equal(err_msg(), "domain 'example.com' already exists");
	assert_int_equal(acct_domain_add(&f->acct, "not a domain"), -1);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM mail_domains"), 1);
	assert_int_equal(acct_account_add(&f->acct, "a@example.com", "pw", 0,
					  NULL),
			 0);
	assert_int_equal(acct_domain_del(&f->acct, "example.com"), -1);
	assert_string_equal(err_msg(),
			    "domain 'example.com' still has 1 account "
			    "(counting those the panel sync marked deleted)");
	assert_int_equal(acct_domain_del(&f->acct, "nowhere.org"), -1);
	assert_int_equal(acct_account_del(&f->acct, "a@example.com"), 0);
	assert_int_equal(acct_alias_add(&f->acct, "x@example.com",
					"y@elsewhere.org"),
			 0);
	assert_int_equal(acct_domain_del(&f->acct, "example.com"), 0);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM mail_domains"), 0);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM mail_aliases"), 0);
}

static void
test_account_add_rules(void **state)
{
	struct fixture *f = *state;
	struct acct_account ac;

	assert_int_equal(acct_account_add(&f->acct, "jane@example.com", "pw",
					  0, NULL),
			 -1);
	assert_string_equal(err_msg(), "domain 'example.com' does not exist");
	assert_int_equal(acct_domain_add(&f->acct, "example.com"), 0);
	assert_int_equal(acct_account_add(&f->acct, "jane@example.com", "", 0,
					  NULL),
			 -1);
	assert_string_equal(err_msg(), "empty password");
	assert_int_equal(acct_account_add(&f->acct, "jane@example.com", "pw",
					  0, "bad\x1b[2Jname"),
			 -1);
	assert_int_equal(acct_account_add(&f->acct, "Jane@Example.com", "pw",
					  250, "Jane Doe"),
			 0);
	assert_int_equal(acct_account_add(&f->acct, "jane@example.com", "pw2",
					  0, NULL),
			 -1);
	assert_string_equal(err_msg(),
			    "account 'jane@example.com' already exists");
	assert_int_equal(peek_int(f, "SELECT count(*) FROM mail_accounts"), 1);
	/* Failed commands leave no audit row; the good ones one each. */
	assert_int_equal(peek_int(f, "SELECT count(*) FROM audit_log"), 2);

	assert_int_equal(acct_account_get(&f->acct, "JANE@example.com", &ac), 1);
	assert_string_equal(ac.email, "jane@example.com");
	assert_string_equal(ac.domain, "example.com");
	assert_string_equal(ac.display_name, "Jane Doe");
	assert_int_equal(ac.quota_mb, 250);
	assert_int_equal(ac.created_at, fake_now);
	assert_int_equal(pw_verify(ac.password, "pw"), 1);
	assert_memory_equal(ac.password, "{BLF-CRYPT}$2y$", 15);
	assert_true(acct_account_can_login(&ac));
	assert_int_equal(acct_account_get(&f->acct, "bob@example.com", &ac), 0);
	/* quota 0 is stored as NULL, what Dovecot reads as unlimited. */
	assert_int_equal(acct_account_add(&f->acct, "bob@example.com", "pw", 0,
					  NULL),
			 0);
	assert_int_equal(peek_int(f, "SELECT quota_mb IS NULL FROM "
				     "mail_accounts WHERE email = "
				     "'bob@example.com'"),
			 1);
}

static void
test_scheme_follows_config(void **state)
{
	struct fixture *f = *state;
	struct acct_account ac;

	f->conf.dovecot_password_scheme = CONF_SCHEME_SHA512_CRYPT;
	assert_int_equal(acct_domain_add(&f->acct, "example.com"), 0);
	assert_int_equal(acct_account_add(&f->acct, "s@example.com", "pw", 0,
					  NULL),
			 0);
	assert_int_equal(acct_account_get(&f->acct, "s@example.com", &ac), 1);
	assert_memory_equal(ac.password, "{SHA512-CRYPT}$6$", 17);
	assert_int_equal(pw_verify(ac.password, "pw"), 1);
}

static void
test_passwd_suspend(void **state)
{
	struct fixture *f = *state;
	struct acct_account ac;

	assert_int_equal(acct_domain_add(&f->acct, "example.com"), 0);
	assert_int_equal(acct_account_add(&f->acct, "j@example.com", "old", 0,
					  NULL),
			 0);
	assert_int_equal(acct_account_passwd(&f->acct, "j@example.com", "new"),
			 0);
	assert_int_equal(acct_account_get(&f->acct, "j@example.com", &ac), 1);
	assert_int_equal(pw_verify(ac.password, "new"), 1);
	assert_int_equal(pw_verify(ac.password, "old"), 0);
	assert_int_equal(acct_account_passwd(&f->acct, "x@example.com", "new"),
			 -1);
	assert_string_equal(err_msg(), "no account 'x@example.com'");

	assert_int_equal(acct_account_set_active(&f->acct, "j@example.com", 0),
			 0);
	assert_int_equal(acct_account_get(&f->acct, "j@example.com", &ac), 1);
	assert_false(acct_account_can_login(&ac));
	assert_int_equal(acct_account_set_active(&f->acct, "j@example.com", 1),
			 0);
	assert_int_equal(acct_account_get(&f->acct, "j@example.com", &ac), 1);
	assert_true(acct_account_can_login(&ac));
	assert_int_equal(acct_domain_set_active(&f->acct, "example.com", 0), 0);
	assert_int_equal(acct_account_get(&f->acct, "j@example.com", &ac), 1);
	assert_false(acct_account_can_login(&ac));
	peek_exec(f, "UPDATE mail_domains SET is_active = 1;"
		     "UPDATE mail_accounts SET deleted_at = 5");
	assert_int_equal(acct_account_get(&f->acct, "j@example.com", &ac), 1);
	assert_false(acct_account_can_login(&ac));
	assert_int_equal(acct_account_add(&f->acct, "j@example.com", "x", 0,
					  NULL),
			 -1);
	assert_non_null(strstr(err_msg(), "deleted by the panel sync"));
}

static void
test_aliases(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(acct_domain_add(&f->acct, "example.com"), 0);
	assert_int_equal(acct_account_add(&f->acct, "jane@example.com", "pw",
					  0, NULL),
			 0);
	assert_int_equal(acct_alias_add(&f->acct, "info@nowhere.org",
					"jane@example.com"),
			 -1);
	assert_int_equal(acct_alias_add(&f->acct, "jane@example.com",
					"x@example.org"),
			 -1);
	assert_string_equal(err_msg(), "'jane@example.com' is an account "
				       "already");
	assert_int_equal(acct_alias_add(&f->acct, "loop@example.com",
					"a@b.org, loop@example.com"),
			 -1);
	assert_int_equal(acct_alias_add(&f->acct, "bad@example.com",
					"a@b.org,,c@d.org"),
			 -1);
	assert_int_equal(acct_alias_add(&f->acct, "Info@example.com",
					" Jane@Example.com , x@y.org,x@y.org"),
			 0);
	assert_int_equal(peek_int(f, "SELECT destination_email = "
				     "'jane@example.com,x@y.org' FROM "
				     "mail_aliases"),
			 1);
	assert_int_equal(acct_alias_add(&f->acct, "info@example.com",
					"z@y.org"),
			 -1);
	assert_int_equal(acct_account_add(&f->acct, "info@example.com", "pw",
					  0, NULL),
			 -1);
	assert_int_equal(acct_alias_del(&f->acct, "info@example.com"), 0);
	assert_int_equal(acct_alias_del(&f->acct, "info@example.com"), -1);
}

static void
test_account_del_cascades(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(acct_domain_add(&f->acct, "example.com"), 0);
	assert_int_equal(acct_account_add(&f->acct, "jane@example.com", "pw",
					  0, NULL),
			 0);
	assert_int_equal(acct_account_add(&f->acct, "bob@example.com", "pw", 0,
					  NULL),
			 0);
	assert_int_equal(acct_alias_add(&f->acct, "sole@example.com",
					"jane@example.com"),
			 0);
	assert_int_equal(acct_alias_add(&f->acct, "team@example.com",
					"jane@example.com,bob@example.com"),
			 0);
	assert_int_equal(acct_alias_add(&f->acct, "bobs@example.com",
					"bob@example.com"),
			 0);
	assert_int_equal(acct_admin_set(&f->acct, "jane@example.com", 1), 0);
	peek_exec(f, "INSERT INTO autoresponders (account_id, subject,"
		     " created_at, updated_at) SELECT id, 'away', 1, 1 FROM"
		     " mail_accounts;"
		     "INSERT INTO mail_groups (domain_id, email, created_at,"
		     " updated_at) VALUES (1, 'g@example.com', 1, 1);"
		     "INSERT INTO mail_group_members SELECT 1, id FROM"
		     " mail_accounts;"
		     "INSERT INTO recovery_codes (account_id, code_hash)"
		     " SELECT id, 'h' FROM mail_accounts;");

	assert_int_equal(acct_account_del(&f->acct, "jane@example.com"), 0);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM mail_accounts"), 1);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM mail_aliases WHERE "
				     "alias_email = 'sole@example.com'"),
			 0);
	assert_int_equal(peek_int(f, "SELECT destination_email = "
				     "'bob@example.com' FROM mail_aliases "
				     "WHERE alias_email = 'team@example.com'"),
			 1);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM mail_aliases"), 2);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM autoresponders"), 1);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM "
				     "mail_group_members"),
			 1);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM recovery_codes"), 1);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM admins"), 0);
	assert_int_equal(peek_int(f, "SELECT count(*) FROM audit_log WHERE "
				     "action = 'account.del' AND detail = "
				     "'aliases removed=1 updated=1'"),
			 1);
	assert_int_equal(acct_account_del(&f->acct, "jane@example.com"), -1);
}

static int
count_cb(const struct acct_account *a, void *arg)
{
	(void)a;
	(*(int *)arg)++;
	return 0;
}

static void
test_list_filters(void **state)
{
	struct fixture *f = *state;
	struct acct_filter flt = { NULL, NULL };
	int n;

	assert_int_equal(acct_domain_add(&f->acct, "example.com"), 0);
	assert_int_equal(acct_domain_add(&f->acct, "example.org"), 0);
	peek_exec(f, "INSERT INTO mail_accounts (domain_id, email, password,"
		     " created_at, updated_at) VALUES"
		     " (1, 'a@example.com', 'x', 1, 1),"
		     " (1, 'b@example.com', 'x', 1, 1),"
		     " (2, 'a@example.org', 'x', 1, 1),"
		     " (2, 'gone@example.org', 'x', 1, 1)");
	peek_exec(f, "UPDATE mail_accounts SET deleted_at = 9 WHERE email ="
		     " 'gone@example.org'");
	n = 0;
	assert_int_equal(acct_account_list(&f->acct, &flt, count_cb, &n), 0);
	assert_int_equal(n, 3);
	flt.domain = "Example.ORG";
	n = 0;
	assert_int_equal(acct_account_list(&f->acct, &flt, count_cb, &n), 0);
	assert_int_equal(n, 1);
	flt.domain = NULL;
	flt.search = "A@";
	n = 0;
	assert_int_equal(acct_account_list(&f->acct, &flt, count_cb, &n), 0);
	assert_int_equal(n, 2);
	flt.search = "%";
	n = 0;
	assert_int_equal(acct_account_list(&f->acct, &flt, count_cb, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_admin_2fa_sso(void **state)
{
	struct fixture *f = *state;
	char secret[TOTP_SECRET_B32], token[ACCT_SSO_TOKEN];
	char hash[CR_SHA256_HEX], sql[256];
	struct acct_account ac;

	assert_int_equal(acct_domain_add(&f->acct, "example.com"), 0);
	assert_int_equal(acct_account_add(&f->acct, "j@example.com", "pw", 0,
					  NULL),
			 0);
	assert_int_equal(acct_admin_set(&f->acct, "nobody@example.com", 1), -1);
	assert_int_equal(acct_is_admin(&f->acct, "j@example.com"), 0);
	assert_int_equal(acct_admin_set(&f->acct, "J@example.com", 1), 0);
	assert_int_equal(acct_is_admin(&f->acct, "j@example.com"), 1);
	assert_int_equal(acct_admin_set(&f->acct, "j@example.com", 0), 0);
	assert_int_equal(acct_admin_set(&f->acct, "j@example.com", 0), -1);

	assert_int_equal(acct_totp_enable(&f->acct, "j@example.com", secret,
					  sizeof(secret)),
			 0);
	assert_int_equal(acct_account_get(&f->acct, "j@example.com", &ac), 1);
	assert_int_equal(ac.totp_enabled, 1);
	assert_string_equal(ac.totp_secret, secret);
	assert_int_equal(acct_totp_disable(&f->acct, "j@example.com"), 0);
	assert_int_equal(acct_account_get(&f->acct, "j@example.com", &ac), 1);
	assert_int_equal(ac.totp_enabled, 0);
	assert_string_equal(ac.totp_secret, "");
	assert_int_equal(peek_int(f, "SELECT totp_secret IS NULL FROM "
				     "mail_accounts"),
			 1);

	assert_int_equal(acct_sso_mint(&f->acct, "j@example.com", token,
				       sizeof(token)),
			 -1);
	free(f->conf.sso_secret);
	f->conf.sso_secret = strdup("s");
	assert_int_equal(acct_sso_mint(&f->acct, "j@example.com", token,
				       sizeof(token)),
			 0);
	assert_int_equal(strlen(token), 36);
	assert_memory_equal(token, "sso-", 4);
	assert_int_equal(cr_sha256_hex(token, strlen(token), hash), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT expires_at FROM sso_tokens WHERE token_hash = '%s' "
		 "AND email = 'j@example.com'",
		 hash);
	assert_int_equal(peek_int(f, sql), fake_now + ACCT_SSO_TTL);
	assert_int_equal(acct_account_set_active(&f->acct, "j@example.com", 0),
			 0);
	assert_int_equal(acct_sso_mint(&f->acct, "j@example.com", token,
				       sizeof(token)),
			 -1);
}

static void
test_files_and_schema(void **state)
{
	struct fixture *f = *state;
	struct stat sb;

	assert_int_equal(stat(f->conf.database, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(peek_int(f, "PRAGMA user_version"), 3);
	assert_int_equal(acct_check(&f->acct), 0);
	/* A database from a newer tuimail is refused, not damaged. */
	peek_exec(f, "PRAGMA user_version = 99");
	acct_close(&f->acct);
	assert_int_equal(acct_open(&f->acct, &f->conf, ACCT_OPEN_CREATE, "t"),
			 -1);
	assert_non_null(strstr(err_msg(), "newer than this tuimail"));
}

static void
test_missing_database(void **state)
{
	struct conf c;
	struct acct a;

	(void)state;
	conf_defaults(&c);
	free(c.database);
	c.database = strdup("/dev/null/dir/tuimail.db");
	assert_int_equal(acct_open(&a, &c, ACCT_OPEN_EXISTING, "t"), -1);
	assert_string_equal(err_msg(), "database '/dev/null/dir/tuimail.db' "
				       "does not exist");
	assert_int_equal(acct_open(&a, &c, ACCT_OPEN_CREATE, "t"), -1);
	assert_non_null(strstr(err_msg(), "cannot create directory"));
	conf_free(&c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		T(test_domains),
		T(test_account_add_rules),
		T(test_scheme_follows_config),
		T(test_passwd_suspend),
		T(test_aliases),
		T(test_account_del_cascades),
		T(test_list_filters),
		T(test_admin_2fa_sso),
		T(test_files_and_schema),
		cmocka_unit_test(test_missing_database),
	};

	log_init("test_acct", 1, 0);
	return cmocka_run_group_tests_name("acct", tests, NULL, NULL);
}
