/*
 * crypto.h: the few primitives the door and tuimailctl need: random bytes,
 * hex, SHA-256, HMAC-SHA256 and constant-time comparison (GnuTLS inside).
 */
#ifndef TUIMAIL_CRYPTO_H
#define TUIMAIL_CRYPTO_H

#include <stddef.h>

#define CR_SHA256_HEX 65 /* 64 hex digits and a NUL */

int cr_random(void *buf, size_t len);
void cr_hex(const void *in, size_t len, char *out);
int cr_sha256_hex(const void *data, size_t len, char out[CR_SHA256_HEX]);
int cr_hmac_sha256_hex(const void *key, size_t keylen, const void *data,
		       size_t len, char out[CR_SHA256_HEX]);
int cr_streq(const char *a, const char *b);

#endif
