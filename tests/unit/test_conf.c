/* Unit tests for util/conf.c: tui.conf and the webmail .env. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/conf.h"
#include "util/log.h"

static void
test_defaults(void **state)
{
	struct conf c;

	(void)state;
	assert_int_equal(conf_load_string(&c, "t.conf", ""), 0);
	assert_int_equal(c.n_listen, 1);
	assert_string_equal(c.listen[0], "127.0.0.1:2222");
	assert_string_equal(c.database, "/var/lib/tuimail/tuimail.db");
	assert_int_equal(c.session_isolation, CONF_ISO_PER_ACCOUNT);
	assert_int_equal(c.session_uid_base, 1000000);
	assert_int_equal(c.max_auth_tries, 3);
	assert_int_equal(c.login_grace_time, 60);
	assert_int_equal(c.imap_security, CONF_SEC_TLS);
	assert_int_equal(conf_imap_port(&c), 993);
	assert_int_equal(conf_smtp_port(&c), 587);
	assert_int_equal(c.imap_verify_cert, 1);
	assert_int_equal(c.dovecot_password_scheme, CONF_SCHEME_BLF_CRYPT);
	assert_int_equal(c.require_2fa, 1);
	assert_string_equal(c.http_listen, "127.0.0.1:8091");
	assert_string_equal(c.keymap, "default");
	assert_int_equal(conf_panel_mode(&c), 0);
	conf_free(&c);
}

static void
test_full_file(void **state)
{
	static const char text[] =
		"# a comment\n"
		"[server]\n"
		"listen = 127.0.0.1:2200\n"
		"listen = [::1]:2200\n"
		"  database = /tmp/x.db  \n"
		"session_isolation = shared\n"
		"max_auth_tries = 5\n"
		"\n"
		"[imap]\n"
		"host = mail.example.com\n"
		"security = starttls\n"
		"verify_cert = no\n"
		"[admin]\n"
		"mail_admin = true\n"
		"admins = Boss@Example.com, ops@example.com\n"
		"dovecot_password_scheme = SHA512-CRYPT\n"
		"[panel]\n"
		"mail_sync_secret = s3cr#t\n";
	struct conf c;

	(void)state;
	assert_int_equal(conf_load_string(&c, "t.conf", text), 0);
	assert_int_equal(c.n_listen, 2);
	assert_string_equal(c.listen[1], "[::1]:2200");
	assert_string_equal(c.database, "/tmp/x.db");
	assert_int_equal(c.session_isolation, CONF_ISO_SHARED);
	assert_int_equal(c.max_auth_tries, 5);
	assert_string_equal(c.imap_host, "mail.example.com");
	assert_int_equal(conf_imap_port(&c), 143);
	assert_int_equal(c.imap_verify_cert, 0);
	assert_int_equal(c.mail_admin, 1);
	assert_true(conf_is_admin(&c, "boss@example.com"));
	assert_true(conf_is_admin(&c, "ops@example.com"));
	assert_false(conf_is_admin(&c, "ops@example.co"));
	assert_int_equal(c.dovecot_password_scheme, CONF_SCHEME_SHA512_CRYPT);
	assert_string_equal(c.mail_sync_secret, "s3cr#t");
	assert_int_equal(conf_panel_mode(&c), 1);
	conf_free(&c);
}

static void
expect_error(const char *text, const char *msg)
{
	struct conf c;

	assert_int_equal(conf_load_string(&c, "t.conf", text), -1);
	assert_string_equal(err_msg(), msg);
}

static void
test_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_error("[server]\n\nfoo = 1\n",
		     "t.conf:3: unknown key 'foo' in [server]");
	expect_error("listen = 1.2.3.4:5\n",
		     "t.conf:1: key 'listen' before any [section]");
	expect_error("[sever]\n", "t.conf:1: unknown section '[sever]'");
	expect_error("[server]\nmax_auth_tries = many\n",
		     "t.conf:2: max_auth_tries: 'many' is not a number");
	expect_error("[server]\nmax_auth_tries = 0\n",
		     "t.conf:2: max_auth_tries: 0 is out of range (1 to 100)");
	expect_error("[imap]\nsecurity = ssl3\n",
		     "t.conf:2: security: 'ssl3' is not one of the allowed "
		     "values");
	expect_error("[imap]\nverify_cert = maybe\n",
		     "t.conf:2: verify_cert: 'maybe' is not yes or no");
	expect_error("[server]\nlisten = localhost\n",
		     "t.conf:2: listen: 'localhost' is not addr:port");
	expect_error("[server]\nlisten = ::1:22\n",
		     "t.conf:2: listen: '::1:22': put an IPv6 address in "
		     "brackets");
	expect_error("[server]\ndatabase = tuimail.db\n",
		     "t.conf:2: database: 'tuimail.db' is not an absolute "
		     "path");
	expect_error("[ui]\nkeymap = vim\nkeymap = emacs\n",
		     "t.conf:3: key 'keymap' in [ui] is set twice");
	expect_error("[ui]\nkeymap\n", "t.conf:2: expected 'key = value'");
	expect_error("[ui\n", "t.conf:1: malformed section header");
}

static void
test_missing_file(void **state)
{
	struct conf c;

	(void)state;
	assert_int_equal(conf_load(&c, "/nonexistent/tui.conf"), -1);
	assert_string_equal(err_msg(), "cannot open '/nonexistent/tui.conf': "
				       "No such file or directory");
}

static void
test_env_file(void **state)
{
	char env[] = "/tmp/tuimail-test-env-XXXXXX";
	char text[256];
	struct conf c;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(env);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("APP_KEY=base64:ignored\n"
	      "# comment\n"
	      "MAIL_ADMIN=true\n"
	      "MAIL_SYNC_SECRET=\"from env\"\n"
	      "export OPTERIUS_SSO_SECRET='sso env'\n"
	      "DOVECOT_PASSWORD_SCHEME=SHA512-CRYPT\n"
	      "IMAP_HOST=imap.example.net\n"
	      "IMAP_PORT=\n"
	      "IMAP_ENCRYPTION=ssl\n"
	      "SMTP_ENCRYPTION=null\n"
	      "IMAP_MASTER_USER=master\n"
	      "IMAP_MASTER_PASS=hunter2 # trailing comment\n",
	      f);
	fclose(f);

	/* tui.conf's own imap host wins over the .env one. */
	snprintf(text, sizeof(text),
		 "[imap]\nhost = own.example.com\n[panel]\nenv_file = %s\n",
		 env);
	assert_int_equal(conf_load_string(&c, "t.conf", text), 0);
	assert_int_equal(c.mail_admin, 1);
	assert_string_equal(c.mail_sync_secret, "from env");
	assert_string_equal(c.sso_secret, "sso env");
	assert_int_equal(c.dovecot_password_scheme, CONF_SCHEME_SHA512_CRYPT);
	assert_string_equal(c.imap_host, "own.example.com");
	assert_int_equal(c.imap_security, CONF_SEC_TLS);
	assert_int_equal(conf_imap_port(&c), 993);
	assert_int_equal(c.smtp_security, CONF_SEC_NONE);
	assert_string_equal(c.imap_master_user, "master");
	assert_string_equal(c.imap_master_password, "hunter2");
	assert_int_equal(conf_panel_mode(&c), 1);
	conf_free(&c);

	f = fopen(env, "w");
	fputs("MAIL_ADMIN=true\nIMAP_PORT=http\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "[panel]\nenv_file = %s\n", env);
	assert_int_equal(conf_load_string(&c, "t.conf", text), -1);
	assert_non_null(strstr(err_msg(), ":2: IMAP_PORT: 'http' is not a "
					  "number"));
	unlink(env);
}

static void
test_example_file_matches_defaults(void **state)
{
	struct conf c;

	(void)state;
	/* Every key of tui.conf.example is commented out: it parses to the
	 * defaults, and uncommenting it must parse too (see below). */
	assert_int_equal(conf_load(&c, "tui.conf.example"), 0);
	assert_string_equal(c.listen[0], "127.0.0.1:2222");
	conf_free(&c);
}

static void
test_example_file_uncommented(void **state)
{
	char *text = NULL, *line, *save;
	size_t len = 0;
	struct buf out = BUF_INIT;
	struct conf c;
	FILE *f;

	(void)state;
	f = fopen("tui.conf.example", "r");
	assert_non_null(f);
	assert_true(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	/* "#key = value" lines are the documented defaults: enable them all. */
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' && line[1] != ' ' && line[1] != '#' &&
		    strchr(line, '='))
			line++;
		buf_adds(&out, line);
		buf_addch(&out, '\n');
	}
	if (conf_load_string(&c, "example", out.buf) < 0)
		fail_msg("%s", err_msg());
	assert_string_equal(c.listen[0], "127.0.0.1:2222");
	assert_int_equal(c.session_uid_base, 1000000);
	conf_free(&c);
	buf_release(&out);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_env_file),
		cmocka_unit_test(test_example_file_matches_defaults),
		cmocka_unit_test(test_example_file_uncommented),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
