/* Unit tests for sshd/totp.c: RFC 6238 vectors, windows and replay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sshd/totp.h"

/* "12345678901234567890" in base32: the RFC 6238 SHA-1 test key. */
static const char rfc_key[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

static void
test_rfc6238_vectors(void **state)
{
	static const struct {
		time_t t;
		const char *code;
	} v[] = {
		{ 59, "94287082" },	    { 1111111109, "07081804" },
		{ 1111111111, "14050471" }, { 1234567890, "89005924" },
		{ 2000000000, "69279037" },
	};
	char out[9];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(totp_code(rfc_key, v[i].t, 8, out), 0);
		assert_string_equal(out, v[i].code);
	}
}

static void
test_window_and_replay(void **state)
{
	time_t now = 1234567890; /* step 41152263 */
	long long step = now / TOTP_STEP;
	char prev[7], cur[7], next[7], far[7];

	(void)state;
	assert_int_equal(totp_code(rfc_key, now - 30, 6, prev), 0);
	assert_int_equal(totp_code(rfc_key, now, 6, cur), 0);
	assert_int_equal(totp_code(rfc_key, now + 30, 6, next), 0);
	assert_int_equal(totp_code(rfc_key, now + 90, 6, far), 0);
	assert_int_equal(totp_check(rfc_key, cur, now, 0), step);
	assert_int_equal(totp_check(rfc_key, prev, now, 0), step - 1);
	assert_int_equal(totp_check(rfc_key, next, now, 0), step + 1);
	assert_int_equal(totp_check(rfc_key, far, now, 0), 0);
	/* A code is good once: its step is then the last one used. */
	assert_int_equal(totp_check(rfc_key, cur, now, step), 0);
	assert_int_equal(totp_check(rfc_key, prev, now, step), 0);
	assert_int_equal(totp_check(rfc_key, next, now, step), step + 1);
	assert_int_equal(totp_check(rfc_key, "12345", now, 0), 0);
	assert_int_equal(totp_check(rfc_key, "", now, 0), 0);
}

static void
test_new_secret_and_uri(void **state)
{
	char a[TOTP_SECRET_B32], b[TOTP_SECRET_B32], code[7];
	struct buf uri = BUF_INIT;

	(void)state;
	assert_int_equal(totp_new_secret(a, sizeof(a)), 0);
	assert_int_equal(totp_new_secret(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 32);
	assert_string_not_equal(a, b);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
	assert_int_equal(totp_code(a, 1000, 6, code), 0);
	totp_uri(&uri, "tuimail", "jane@example.com", "ABC");
	assert_string_equal(uri.buf,
			    "otpauth://totp/tuimail:jane%40example.com"
			    "?secret=ABC&issuer=tuimail&algorithm=SHA1"
			    "&digits=6&period=30");
	buf_release(&uri);
	assert_int_equal(totp_code("not base32!", 0, 6, code), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_window_and_replay),
		cmocka_unit_test(test_new_secret_and_uri),
	};

	return cmocka_run_group_tests_name("totp", tests, NULL, NULL);
}
