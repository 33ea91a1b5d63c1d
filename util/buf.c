/*
 * buf.c: growable NUL-terminated strings; see buf.h for the contract.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

char buf_empty[1];

void
buf_init(struct buf *b)
{
	b->buf = buf_empty;
	b->len = 0;
	b->alloc = 0;
}

/* Frees the memory and leaves b empty and usable. */
void
buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->buf);
	buf_init(b);
}

/* Like buf_release(), but first overwrites every allocated byte. */
void
buf_release_secret(struct buf *b)
{
	if (b->alloc)
		explicit_bzero(b->buf, b->alloc);
	buf_release(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->buf[0] = '\0';
}

/* Makes room for extra more bytes plus the NUL. */
void
buf_grow(struct buf *b, size_t extra)
{
	size_t want;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		fatal("buffer size overflow");
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return;
	if (want < b->alloc + b->alloc / 2)
		want = b->alloc + b->alloc / 2;
	if (want < 64)
		want = 64;
	p = realloc(b->alloc ? b->buf : NULL, want);
	if (p == NULL)
		fatal("out of memory");
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = want;
}

void
buf_add(struct buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addch(struct buf *b, int c)
{
	buf_grow(b, 1);
	b->buf[b->len++] = (char)c;
	b->buf[b->len] = '\0';
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc ? b->alloc - b->len : 0, fmt,
		      cp);
	va_end(cp);
	if (n < 0)
		fatal("vsnprintf failed");
	if ((size_t)n >= (b->alloc ? b->alloc - b->len : 0)) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

/* Truncates b to len bytes; len must not exceed the current length. */
void
buf_setlen(struct buf *b, size_t len)
{
	if (len > b->len)
		fatal("buf_setlen beyond the end");
	b->len = len;
	if (b->alloc)
		b->buf[len] = '\0';
}

/* Drops trailing white space (space, tab, CR, LF). */
void
buf_rtrim(struct buf *b)
{
	size_t n = b->len;

	while (n && strchr(" \t\r\n", b->buf[n - 1]))
		n--;
	buf_setlen(b, n);
}

/*
 * Hands the string to the caller, who frees it with free(); b is left
 * empty. The returned pointer is never NULL. len, if not NULL, gets the
 * length.
 */
char *
buf_detach(struct buf *b, size_t *len)
{
	char *s;

	if (len)
		*len = b->len;
	if (!b->alloc)
		buf_grow(b, 0);
	s = b->buf;
	buf_init(b);
	return s;
}
