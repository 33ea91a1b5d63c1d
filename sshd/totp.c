/*
 * totp.c: TOTP secrets, otpauth:// URIs and code checks.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>

#include "crypto.h"
#include "totp.h"
#include "util/log.h"

static int
totp_init(void)
{
	static int done;

	if (!done && oath_init() != OATH_OK)
		return err_set("liboath initialisation failed");
	done = 1;
	return 0;
}

/* Makes a new random secret and writes it to b32 in base32 (no padding). */
int
totp_new_secret(char *b32, size_t len)
{
	unsigned char raw[TOTP_SECRET_BYTES];
	char *enc = NULL;
	size_t enclen = 0;
	int rc = -1;

	if (totp_init() < 0 || cr_random(raw, sizeof(raw)) < 0)
		goto out;
	if (oath_base32_encode((char *)raw, sizeof(raw), &enc, &enclen) !=
	    OATH_OK) {
		err_set("base32 encoding failed");
		goto out;
	}
	while (enclen && enc[enclen - 1] == '=')
		enclen--;
	if (enclen + 1 > len) {
		err_set("secret buffer too small");
		goto out;
	}
	memcpy(b32, enc, enclen);
	b32[enclen] = '\0';
	rc = 0;
out:
	explicit_bzero(raw, sizeof(raw));
	if (enc)
		explicit_bzero(enc, enclen);
	free(enc);
	return rc;
}

static void
totp_uri_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~", c))
			buf_addch(out, c);
		else
			buf_addf(out, "%%%02X", c);
	}
}

/* Appends the otpauth:// URI that authenticator apps read from a QR code. */
void
totp_uri(struct buf *out, const char *issuer, const char *email,
	 const char *b32)
{
	buf_adds(out, "otpauth://totp/");
	totp_uri_escape(out, issuer);
	buf_addch(out, ':');
	totp_uri_escape(out, email);
	buf_addf(out, "?secret=%s&issuer=", b32);
	totp_uri_escape(out, issuer);
	buf_addf(out, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS,
		 TOTP_STEP);
}

static int
totp_decode(const char *b32, char **raw, size_t *rawlen)
{
	if (totp_init() < 0)
		return -1;
	if (oath_base32_decode(b32, strlen(b32), raw, rawlen) != OATH_OK)
		return err_set("the stored TOTP secret is not base32");
	return 0;
}

/* Writes the code for time t (digits long, plus a NUL) to out. */
int
totp_code(const char *b32, time_t t, unsigned digits, char *out)
{
	char *raw = NULL;
	size_t rawlen = 0;
	int rc = -1;

	if (totp_decode(b32, &raw, &rawlen) < 0)
		return -1;
	if (oath_totp_generate(raw, rawlen, t, TOTP_STEP, 0, digits, out) !=
	    OATH_OK)
		err_set("TOTP generation failed");
	else
		rc = 0;
	explicit_bzero(raw, rawlen);
	free(raw);
	return rc;
}

/*
 * Checks a typed code at time now, one step either side. A step at or
 * before last_step was used already and never matches again. Returns the
 * matching step number (> 0) for the caller to store as the new
 * last_step, 0 when the code does not match, -1 on error.
 */
long long
totp_check(const char *b32, const char *code, time_t now, long long last_step)
{
	char want[TOTP_DIGITS + 1];
	long long step = (long long)now / TOTP_STEP, s, found = 0;
	int d;

	if (strlen(code) != TOTP_DIGITS)
		return 0;
	for (s = step - 1; s <= step + 1; s++) {
		if (s <= last_step || s < 0)
			continue;
		if (totp_code(b32, (time_t)(s * TOTP_STEP), TOTP_DIGITS, want) <
		    0)
			return -1;
		d = cr_streq(want, code);
		if (d && !found)
			found = s;
	}
	explicit_bzero(want, sizeof(want));
	return found;
}
