/* Unit tests for sshd/passwd.c: Dovecot scheme strings via libcrypt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sshd/passwd.h"
#include "util/conf.h"
#include "util/log.h"

static void
test_bcrypt_roundtrip(void **state)
{
	char h[PW_HASH_MAX];

	(void)state;
	assert_int_equal(pw_hash(CONF_SCHEME_BLF_CRYPT, "s3cret", h, sizeof(h)),
			 0);
	assert_memory_equal(h, "{BLF-CRYPT}$2y$10$", 18);
	assert_int_equal(pw_verify(h, "s3cret"), 1);
	assert_int_equal(pw_verify(h, "s3cre"), 0);
	assert_int_equal(pw_verify(h, "s3cret "), 0);
}

static void
test_sha512_roundtrip(void **state)
{
	char h[PW_HASH_MAX], h2[PW_HASH_MAX];

	(void)state;
	assert_int_equal(
		pw_hash(CONF_SCHEME_SHA512_CRYPT, "pässwörd", h, sizeof(h)), 0);
	assert_memory_equal(h, "{SHA512-CRYPT}$6$", 17);
	assert_int_equal(pw_verify(h, "pässwörd"), 1);
	assert_int_equal(pw_verify(h, "passwort"), 0);
	/* A fresh salt each time. */
	assert_int_equal(
		pw_hash(CONF_SCHEME_SHA512_CRYPT, "pässwörd", h2, sizeof(h2)), 0);
	assert_string_not_equal(h, h2);
}

static void
test_verifies_dovecot_output(void **state)
{
	/* Made by "doveadm pw -s BLF-CRYPT -p x" and "-s SHA512-CRYPT". */
	static const char blf[] = "{BLF-CRYPT}$2y$05$qJ.bxNbN9pRi5/HcgYexh."
				  "iChz9F3I7bqWU.PyWHbiOj9mQt6TMZS";
	static const char sha[] =
		"{SHA512-CRYPT}$6$c7knK1fXnh83aDyu$ZoRvds4bROlT.S1L3k.FuKAPfCy1"
		"MUwa6ObPsxsPu/ggC1aPzzXTcKGkIo2HDhLw4VySd4iBsIfH9q0NMUcUj/";

	(void)state;
	assert_int_equal(pw_verify(blf, "x"), 1);
	assert_int_equal(pw_verify(blf, "y"), 0);
	assert_int_equal(pw_verify(sha, "x"), 1);
	assert_int_equal(pw_verify(sha, "y"), 0);
}

static void
test_rejects(void **state)
{
	char h[PW_HASH_MAX];

	(void)state;
	assert_int_equal(pw_hash(CONF_SCHEME_BLF_CRYPT, "", h, sizeof(h)), -1);
	assert_string_equal(err_msg(), "empty password");
	assert_int_equal(pw_hash(CONF_SCHEME_BLF_CRYPT, "a\nb", h, sizeof(h)),
			 -1);
	assert_int_equal(pw_verify("{PLAIN}x", "x"), -1);
	assert_int_equal(pw_verify("$2y$10$abc", "x"), -1);
	assert_int_equal(pw_is_scheme_string("{BLF-CRYPT}$2y$..."), 1);
	assert_int_equal(pw_is_scheme_string("{BLF-CRYPT}"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bcrypt_roundtrip),
		cmocka_unit_test(test_sha512_roundtrip),
		cmocka_unit_test(test_verifies_dovecot_output),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests_name("passwd", tests, NULL, NULL);
}
