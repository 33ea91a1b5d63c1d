/*
 * msg.c: encoding, decoding and blocking I/O of framed messages.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"

void
msg_init(struct msg *m, uint16_t type)
{
	m->type = type;
	buf_init(&m->b);
	m->off = 0;
}

/* Frees the fields, wiping them: messages may carry credentials. */
void
msg_release(struct msg *m)
{
	buf_release_secret(&m->b);
	m->off = 0;
}

void
msg_put_u32(struct msg *m, uint32_t v)
{
	unsigned char p[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_add(&m->b, p, 4);
}

void
msg_put_u64(struct msg *m, uint64_t v)
{
	msg_put_u32(m, (uint32_t)(v >> 32));
	msg_put_u32(m, (uint32_t)v);
}

void
msg_put_str(struct msg *m, const char *s)
{
	size_t n = strlen(s);

	msg_put_u32(m, (uint32_t)n);
	buf_add(&m->b, s, n);
}

int
msg_get_u32(struct msg *m, uint32_t *v)
{
	const unsigned char *p;

	if (m->b.len - m->off < 4)
		return err_set("message %u truncated", m->type);
	p = (const unsigned char *)m->b.buf + m->off;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	     (uint32_t)p[2] << 8 | p[3];
	m->off += 4;
	return 0;
}

int
msg_get_u64(struct msg *m, uint64_t *v)
{
	uint32_t hi, lo;

	if (msg_get_u32(m, &hi) < 0 || msg_get_u32(m, &lo) < 0)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/*
 * Reads a string field into out (replacing its contents). A string longer
 * than max, or holding a NUL, is refused.
 */
int
msg_get_str(struct msg *m, struct buf *out, size_t max)
{
	uint32_t n;

	if (msg_get_u32(m, &n) < 0)
		return -1;
	if (n > max || n > m->b.len - m->off)
		return err_set("message %u: bad string length %u", m->type, n);
	if (memchr(m->b.buf + m->off, '\0', n))
		return err_set("message %u: NUL in a string", m->type);
	buf_reset(out);
	buf_add(out, m->b.buf + m->off, n);
	m->off += n;
	return 0;
}

/* Returns 0 if every byte of the message was decoded. */
int
msg_end(const struct msg *m)
{
	if (m->off != m->b.len)
		return err_set("message %u: %zu bytes left over", m->type,
			       m->b.len - m->off);
	return 0;
}

static int
msg_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set("write: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Returns 1 on success, 0 on a clean end of file before any byte. */
static int
msg_read_all(int fd, void *data, size_t len)
{
	char *p = data;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set("read: %s", strerror(errno));
		if (n == 0)
			return got ? err_set("message truncated") : 0;
		got += (size_t)n;
	}
	return 1;
}

int
msg_write(int fd, const struct msg *m)
{
	unsigned char h[6];
	uint32_t len = (uint32_t)m->b.len + 2;

	if (m->b.len > MSG_MAX)
		return err_set("message %u too large", m->type);
	h[0] = len >> 24;
	h[1] = len >> 16;
	h[2] = len >> 8;
	h[3] = len;
	h[4] = m->type >> 8;
	h[5] = m->type;
	if (msg_write_all(fd, h, 6) < 0 ||
	    msg_write_all(fd, m->b.buf, m->b.len) < 0)
		return -1;
	return 0;
}

/*
 * Reads one frame into m (initialised or released). Returns 1 with a
 * message, 0 at end of file, -1 on error or a malformed frame.
 */
int
msg_read(int fd, struct msg *m)
{
	unsigned char h[6];
	uint32_t len;
	int rc;

	msg_init(m, 0);
	rc = msg_read_all(fd, h, 4);
	if (rc <= 0)
		return rc;
	len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	      (uint32_t)h[2] << 8 | h[3];
	if (len < 2 || len - 2 > MSG_MAX)
		return err_set("bad message length %u", len);
	if (msg_read_all(fd, h + 4, 2) <= 0)
		return err_set("message truncated");
	m->type = (uint16_t)(h[4] << 8 | h[5]);
	buf_grow(&m->b, len - 2);
	if (len > 2 && msg_read_all(fd, m->b.buf, len - 2) <= 0) {
		msg_release(m);
		return err_set("message truncated");
	}
	m->b.len = len - 2;
	m->b.buf[m->b.len] = '\0';
	return 1;
}
