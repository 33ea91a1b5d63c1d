/*
 * passwd.c: Dovecot-compatible password hashing with libcrypt.
 */
#include <stdlib.h>
#include <string.h>

#include <crypt.h>

#include "crypto.h"
#include "passwd.h"
#include "util/conf.h"
#include "util/log.h"

/* The Dovecot schemes we verify; libcrypt reads the hash that follows. */
static const char *const pw_prefixes[] = { "{BLF-CRYPT}", "{SHA512-CRYPT}",
					   "{CRYPT}", NULL };

/* Rejects passwords Dovecot or a login prompt could not handle. */
int
pw_check_plain(const char *plain)
{
	size_t i, n = strlen(plain);

	if (n == 0)
		return err_set("empty password");
	if (n > PW_PLAIN_MAX)
		return err_set("password longer than %d bytes", PW_PLAIN_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)plain[i] < 0x20 || plain[i] == 0x7f)
			return err_set("password contains a control character");
	return 0;
}

/*
 * Hashes plain in the given scheme (enum conf_scheme) into out as a
 * Dovecot scheme string. Returns 0, or -1 with a message.
 */
int
pw_hash(int scheme, const char *plain, char *out, size_t outlen)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = NULL;
	const char *prefix, *hashed;
	int rc = -1;

	if (pw_check_plain(plain) < 0)
		return -1;
	if (scheme == CONF_SCHEME_SHA512_CRYPT) {
		prefix = "{SHA512-CRYPT}";
		hashed = crypt_gensalt_rn("$6$", 0, NULL, 0, setting,
					  sizeof(setting));
	} else {
		prefix = "{BLF-CRYPT}";
		hashed = crypt_gensalt_rn("$2y$", PW_BCRYPT_COST, NULL, 0,
					  setting, sizeof(setting));
	}
	if (hashed == NULL)
		return err_set("cannot make a password salt");
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		fatal("out of memory");
	hashed = crypt_rn(plain, setting, cd, sizeof(*cd));
	if (hashed == NULL || hashed[0] == '*') {
		err_set("password hashing failed");
		goto out;
	}
	if (strlen(prefix) + strlen(hashed) + 1 > outlen) {
		err_set("password hash too long");
		goto out;
	}
	strcpy(out, prefix);
	strcat(out, hashed);
	rc = 0;
out:
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

/* Returns 1 if s starts with a scheme prefix we can verify. */
int
pw_is_scheme_string(const char *s)
{
	size_t n;
	int i;

	for (i = 0; pw_prefixes[i]; i++) {
		n = strlen(pw_prefixes[i]);
		if (!strncmp(s, pw_prefixes[i], n) && s[n] == '$')
			return 1;
	}
	return 0;
}

/*
 * Checks plain against a stored scheme string. Returns 1 on a match, 0 on a
 * mismatch, -1 (with a message) when the stored string is not one we know.
 */
int
pw_verify(const char *stored, const char *plain)
{
	struct crypt_data *cd;
	const char *hash, *out;
	int rc;

	if (!pw_is_scheme_string(stored))
		return err_set("unsupported password scheme");
	hash = strchr(stored, '}') + 1;
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		fatal("out of memory");
	out = crypt_rn(plain, hash, cd, sizeof(*cd));
	rc = out != NULL && out[0] != '*' && cr_streq(out, hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}
