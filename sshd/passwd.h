/*
 * passwd.h: account passwords in Dovecot's scheme strings.
 *
 * tuimail.db holds what Dovecot's passdb reads: "{BLF-CRYPT}$2y$10$..."
 * (default) or "{SHA512-CRYPT}$6$...", made and checked with libcrypt.
 */
#ifndef TUIMAIL_PASSWD_H
#define TUIMAIL_PASSWD_H

#include <stddef.h>

#define PW_HASH_MAX 160	   /* room for any scheme string we write */
#define PW_PLAIN_MAX 1024  /* longest password accepted */
#define PW_BCRYPT_COST 10

int pw_check_plain(const char *plain);
int pw_hash(int scheme, const char *plain, char *out, size_t outlen);
int pw_verify(const char *stored, const char *plain);
int pw_is_scheme_string(const char *s);

#endif
