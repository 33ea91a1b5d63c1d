/*
 * buf.h: the one growable string type of tuimail.
 *
 * A struct buf always holds a NUL-terminated string: buf is never NULL
 * (an empty buffer points at a shared empty string), len excludes the NUL.
 * Lifecycle: buf_init() or BUF_INIT, then buf_add*(); buf_reset() empties it
 * and keeps the memory, buf_release() frees it and leaves it initialised,
 * buf_detach() hands the string to the caller (the single hand-off).
 * buf_release_secret() wipes the bytes first, for passwords and tokens.
 * Allocation failure is fatal (it is the only fatal error in util/).
 */
#ifndef TUIMAIL_BUF_H
#define TUIMAIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *buf;    /* owned unless it points at the shared empty string */
	size_t len;   /* bytes in use, not counting the NUL */
	size_t alloc; /* bytes allocated, 0 while buf is the shared string */
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_release_secret(struct buf *b);
void buf_reset(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void buf_setlen(struct buf *b, size_t len);
void buf_rtrim(struct buf *b);
char *buf_detach(struct buf *b, size_t *len);

#endif
