/*
 * hostkey.h: the daemon's ed25519 host key: created once (0600), then
 * only read; its SHA256 fingerprint is what users compare on first login.
 */
#ifndef TUIMAIL_HOSTKEY_H
#define TUIMAIL_HOSTKEY_H

#include <stddef.h>

int hostkey_ensure(const char *path, int *created);
int hostkey_fingerprint(const char *path, char *out, size_t len);

#endif
