/*
 * totp.h: RFC 6238 time-based one-time codes (liboath inside): 6 digits,
 * HMAC-SHA1, 30 s steps, accepted one step either side, each step once.
 */
#ifndef TUIMAIL_TOTP_H
#define TUIMAIL_TOTP_H

#include <stddef.h>
#include <time.h>

#include "util/buf.h"

#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_SECRET_BYTES 20
#define TOTP_SECRET_B32 40 /* base32 of 20 bytes is 32 chars; room to spare */

int totp_new_secret(char *b32, size_t len);
void totp_uri(struct buf *out, const char *issuer, const char *email,
	      const char *b32);
int totp_code(const char *b32, time_t t, unsigned digits, char *out);
long long totp_check(const char *b32, const char *code, time_t now,
		     long long last_step);

#endif
