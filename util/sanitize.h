/*
 * sanitize.h: turns untrusted bytes into text that is safe to show.
 *
 * Everything that came from a message, a server or a remote peer passes
 * through san_text() before it reaches a terminal. The result is valid
 * UTF-8 with no ESC, no C0 or C1 control, no DEL and no bidi embedding,
 * override or isolate; invalid UTF-8 becomes U+FFFD, tabs become spaces.
 * Widths come from wcwidth(), so the caller must run under a UTF-8
 * LC_CTYPE (tuimail sets C.UTF-8).
 */
#ifndef TUIMAIL_SANITIZE_H
#define TUIMAIL_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum san_flags {
	SAN_NEWLINES = 1 << 0, /* keep '\n', else it becomes a space; CR is dropped */
};

#define SAN_TABSTOP 8

size_t san_text(struct buf *out, const char *in, size_t len, unsigned flags);
int san_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
int san_utf8_valid(const char *s, size_t len);
size_t san_utf8_encode(uint32_t cp, char out[4]);
int san_cp_width(uint32_t cp);
size_t san_width(const char *s, size_t len);

#endif
