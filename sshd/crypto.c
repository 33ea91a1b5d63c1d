/*
 * crypto.c: random bytes from the kernel, hashes from GnuTLS.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "crypto.h"
#include "util/log.h"

/* Fills buf with len bytes from getrandom(); returns 0 or -1. */
int
cr_random(void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set("getrandom: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes 2 * len lower-case hex digits and a NUL to out. */
void
cr_hex(const void *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

int
cr_sha256_hex(const void *data, size_t len, char out[CR_SHA256_HEX])
{
	unsigned char md[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, md) < 0)
		return err_set("sha256 failed");
	cr_hex(md, sizeof(md), out);
	return 0;
}

int
cr_hmac_sha256_hex(const void *key, size_t keylen, const void *data,
		   size_t len, char out[CR_SHA256_HEX])
{
	unsigned char md[32];

	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, keylen, data, len, md) < 0)
		return err_set("hmac-sha256 failed");
	cr_hex(md, sizeof(md), out);
	explicit_bzero(md, sizeof(md));
	return 0;
}

/*
 * Compares two NUL-terminated strings in time that depends only on their
 * lengths, not on where they differ. Returns 1 when equal.
 */
int
cr_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}
