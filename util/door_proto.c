/*
 * door_proto.c: encoders, decoders and the UI's side of the door requests.
 */
#include <stdlib.h>
#include <string.h>

#include "door_proto.h"
#include "log.h"

#define DOOR_STR_MAX 4096

/* The string fields of struct door_session, in wire order. */
static struct buf *
door_session_str(struct door_session *s, int i)
{
	struct buf *f[] = { &s->email,	       &s->display_name, &s->client_addr,
			    &s->state_dir,     &s->keymap,	 &s->theme,
			    &s->imap_host,     &s->imap_ca_file, &s->imap_user,
			    &s->imap_pass,     &s->smtp_host };

	return i < (int)(sizeof(f) / sizeof(f[0])) ? f[i] : NULL;
}

/* The integer fields, in wire order. */
static uint32_t *
door_session_int(struct door_session *s, int i)
{
	uint32_t *f[] = { &s->imap_port,     &s->imap_security,
			  &s->imap_verify,   &s->smtp_port,
			  &s->smtp_security, &s->smtp_verify,
			  &s->smtp_save_sent, &s->is_admin,
			  &s->mail_admin };

	return i < (int)(sizeof(f) / sizeof(f[0])) ? f[i] : NULL;
}

void
door_session_init(struct door_session *s)
{
	struct buf *b;
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; (b = door_session_str(s, i)); i++)
		buf_init(b);
}

void
door_session_release(struct door_session *s)
{
	struct buf *b;
	int i;

	for (i = 0; (b = door_session_str(s, i)); i++)
		buf_release_secret(b);
	door_session_init(s);
}

void
door_encode_hello_ok(struct msg *m, const struct door_session *s)
{
	struct door_session *w = (struct door_session *)s;
	struct buf *b;
	uint32_t *v;
	int i;

	msg_init(m, DOOR_HELLO_OK);
	for (i = 0; (b = door_session_str(w, i)); i++)
		msg_put_str(m, b->buf);
	for (i = 0; (v = door_session_int(w, i)); i++)
		msg_put_u32(m, *v);
}

int
door_decode_hello_ok(struct msg *m, struct door_session *s)
{
	struct buf *b;
	uint32_t *v;
	int i;

	if (m->type != DOOR_HELLO_OK)
		return err_set("expected hello-ok, got message %u", m->type);
	for (i = 0; (b = door_session_str(s, i)); i++)
		if (msg_get_str(m, b, DOOR_STR_MAX) < 0)
			return -1;
	for (i = 0; (v = door_session_int(s, i)); i++)
		if (msg_get_u32(m, v) < 0)
			return -1;
	if (s->imap_port > 65535 || s->smtp_port > 65535 ||
	    s->imap_security > 2 || s->smtp_security > 2)
		return err_set("hello-ok: a value is out of range");
	return msg_end(m);
}

void
door_encode_login_record_ok(struct msg *m, const struct door_login_record *r)
{
	msg_init(m, DOOR_LOGIN_RECORD_OK);
	msg_put_u64(m, r->prev_at);
	msg_put_str(m, r->prev_addr.buf);
}

int
door_decode_login_record_ok(struct msg *m, struct door_login_record *r)
{
	if (m->type != DOOR_LOGIN_RECORD_OK)
		return err_set("expected login-record-ok, got message %u",
			       m->type);
	if (msg_get_u64(m, &r->prev_at) < 0 ||
	    msg_get_str(m, &r->prev_addr, DOOR_STR_MAX) < 0)
		return -1;
	return msg_end(m);
}

void
door_encode_error(struct msg *m, const char *text)
{
	msg_init(m, DOOR_ERROR);
	msg_put_str(m, text);
}

int
door_decode_error(struct msg *m, struct buf *text)
{
	if (msg_get_str(m, text, DOOR_STR_MAX) < 0)
		return -1;
	return msg_end(m);
}

/*
 * Sends a request without fields and reads the answer into reply. A
 * DOOR_ERROR answer becomes -1 with the door's text as the message.
 */
static int
door_ask(int fd, uint16_t type, struct msg *reply)
{
	struct buf text = BUF_INIT;
	struct msg req;
	int rc;

	msg_init(&req, type);
	rc = msg_write(fd, &req);
	msg_release(&req);
	if (rc < 0)
		return err_prefix("door");
	rc = msg_read(fd, reply);
	if (rc == 0)
		return err_set("the door closed the connection");
	if (rc < 0)
		return err_prefix("door");
	if (reply->type == DOOR_ERROR) {
		if (door_decode_error(reply, &text) == 0)
			err_set("%s", text.buf);
		buf_release(&text);
		msg_release(reply);
		return -1;
	}
	return 0;
}

/* The UI's first request: who am I, and how do I reach my mail. */
int
door_hello(int fd, struct door_session *s)
{
	struct msg reply;
	int rc;

	if (door_ask(fd, DOOR_HELLO, &reply) < 0)
		return -1;
	rc = door_decode_hello_ok(&reply, s);
	msg_release(&reply);
	return rc;
}

/* Tells the door the mailbox is open; learns the login before this one. */
int
door_login_record(int fd, struct door_login_record *r)
{
	struct msg reply;
	int rc;

	if (door_ask(fd, DOOR_LOGIN_RECORD, &reply) < 0)
		return -1;
	rc = door_decode_login_record_ok(&reply, r);
	msg_release(&reply);
	return rc;
}

#define DOOR_LONG_MAX (512 * 1024) /* an 'S' field: a list of addresses */
#define DOOR_ROWS_MAX 200000	   /* cells in one table answer */

/*
 * The fields of each request type, in wire order: 's' a string of up to
 * DOOR_STR_MAX bytes, 'S' one of up to DOOR_LONG_MAX, 'u' a number.
 * NULL: not a request with fields.
 */
const char *
door_req_spec(uint16_t type)
{
	switch (type) {
	case DOOR_ADMIN_ACCOUNTS:
		return "uu";
	case DOOR_ADMIN_ACCOUNT_ADD:
		return "ssus";
	case DOOR_ADMIN_ACCOUNT_EDIT:
		return "ssuu";
	case DOOR_ADMIN_ACCOUNT_PASSWD:
	case DOOR_ADMIN_ACCOUNT_DEL:
	case DOOR_ADMIN_ALIAS_ADD:
		return "ss";
	case DOOR_ADMIN_TOTP_RESET:
	case DOOR_ADMIN_DOMAIN_ADD:
	case DOOR_ADMIN_DOMAIN_DEL:
	case DOOR_ADMIN_ALIAS_DEL:
	case DOOR_TOTP_CONFIRM:
	case DOOR_TOTP_DISABLE:
	case DOOR_RECOVERY_NEW:
	case DOOR_SET_NAME:
		return "s";
	case DOOR_ADMIN_BULK:
		return "Ssus";
	case DOOR_ADMIN_DOMAIN_ACTIVE:
		return "su";
	case DOOR_ADMIN_AUDIT:
		return "uus";
	case DOOR_ADMIN_DOMAINS:
	case DOOR_ADMIN_ALIASES:
	case DOOR_TOTP_BEGIN:
	case DOOR_ACCOUNT_INFO:
		return "";
	case DOOR_USAGE:
		return "u";
	default:
		return NULL;
	}
}

void
door_req_init(struct door_req *r, uint16_t type)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->type = type;
	for (i = 0; i < DOOR_REQ_STRS; i++)
		buf_init(&r->s[i]);
}

void
door_req_release(struct door_req *r)
{
	int i;

	for (i = 0; i < DOOR_REQ_STRS; i++)
		buf_release_secret(&r->s[i]);
	memset(r->u, 0, sizeof(r->u));
}

/* Encodes r by its type's spec; -1 if the type has none. */
int
door_encode_req(struct msg *m, const struct door_req *r)
{
	const char *spec = door_req_spec(r->type);
	int s = 0, u = 0;

	if (spec == NULL)
		return err_set("message %u is not a request", r->type);
	msg_init(m, r->type);
	for (; *spec; spec++) {
		if (*spec == 'u')
			msg_put_u64(m, r->u[u++]);
		else
			msg_put_str(m, r->s[s++].buf);
	}
	return 0;
}

/* Decodes a request by its type's spec, checking every field and the end. */
int
door_decode_req(struct msg *m, struct door_req *r)
{
	const char *spec = door_req_spec(m->type);
	int s = 0, u = 0;

	door_req_init(r, m->type);
	if (spec == NULL)
		return err_set("unknown request %u", m->type);
	for (; *spec; spec++) {
		if (*spec == 'u') {
			if (msg_get_u64(m, &r->u[u++]) < 0)
				return -1;
		} else if (msg_get_str(m, &r->s[s++],
				       *spec == 'S' ? DOOR_LONG_MAX
						    : DOOR_STR_MAX) < 0) {
			return -1;
		}
	}
	return msg_end(m);
}

void
door_rows_init(struct door_rows *t, uint32_t cols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
}

/* Appends a row of t->cols cells (copied). */
void
door_rows_add(struct door_rows *t, const char *const *cells)
{
	uint32_t i, n = (t->rows + 1) * t->cols;

	t->cells = reallocarray(t->cells, n, sizeof(*t->cells));
	if (t->cells == NULL)
		fatal("out of memory");
	for (i = 0; i < t->cols; i++) {
		buf_init(&t->cells[t->rows * t->cols + i]);
		buf_adds(&t->cells[t->rows * t->cols + i], cells[i]);
	}
	t->rows++;
}

void
door_rows_release(struct door_rows *t)
{
	uint32_t i;

	for (i = 0; t->cells && i < t->rows * t->cols; i++)
		buf_release_secret(&t->cells[i]);
	free(t->cells);
	door_rows_init(t, 0);
}

void
door_encode_rows(struct msg *m, const struct door_rows *t)
{
	uint32_t i;

	msg_init(m, DOOR_ROWS);
	msg_put_u64(m, t->total);
	msg_put_u32(m, t->cols);
	msg_put_u32(m, t->rows);
	for (i = 0; i < t->rows * t->cols; i++)
		msg_put_str(m, t->cells[i].buf);
}

int
door_decode_rows(struct msg *m, struct door_rows *t)
{
	uint32_t cols, rows, i;

	door_rows_init(t, 0);
	if (m->type != DOOR_ROWS)
		return err_set("expected rows, got message %u", m->type);
	if (msg_get_u64(m, &t->total) < 0 || msg_get_u32(m, &cols) < 0 ||
	    msg_get_u32(m, &rows) < 0)
		return -1;
	if (cols == 0 || cols > 64 || rows > DOOR_ROWS_MAX / cols)
		return err_set("rows: bad shape %ux%u", cols, rows);
	t->cols = cols;
	t->cells = calloc((size_t)cols * rows + 1, sizeof(*t->cells));
	if (t->cells == NULL)
		fatal("out of memory");
	for (i = 0; i < cols * rows; i++) {
		buf_init(&t->cells[i]);
		t->rows = i / cols + 1;
		if (msg_get_str(m, &t->cells[i], DOOR_STR_MAX) < 0)
			return -1;
	}
	t->rows = rows;
	return msg_end(m);
}

void
door_encode_ok(struct msg *m, const char *text)
{
	msg_init(m, DOOR_OK);
	msg_put_str(m, text);
}

/*
 * Sends a request and reads its answer: DOOR_OK fills ok (if not NULL),
 * DOOR_ROWS fills rows (if not NULL), DOOR_ERROR becomes -1 with the
 * door's sentence as the message.
 */
int
door_call(int fd, const struct door_req *r, struct buf *ok,
	  struct door_rows *rows)
{
	struct buf text = BUF_INIT;
	struct msg req, reply;
	int rc = -1;

	/* A caller's rows are always set up, whatever the door answers. */
	if (rows)
		door_rows_init(rows, 0);
	if (door_encode_req(&req, r) < 0)
		return -1;
	rc = msg_write(fd, &req);
	msg_release(&req);
	if (rc < 0)
		return err_prefix("door");
	rc = msg_read(fd, &reply);
	if (rc <= 0)
		return rc == 0 ? err_set("the door closed the connection")
			       : err_prefix("door");
	rc = -1;
	if (reply.type == DOOR_ERROR) {
		if (door_decode_error(&reply, &text) == 0)
			err_set("%s", text.buf);
	} else if (reply.type == DOOR_OK) {
		if (door_decode_error(&reply, &text) == 0) {
			if (ok) {
				buf_reset(ok);
				buf_add(ok, text.buf, text.len);
			}
			rc = 0;
		}
	} else if (reply.type == DOOR_ROWS && rows) {
		rc = door_decode_rows(&reply, rows);
	} else {
		err_set("unexpected answer %u from the door", reply.type);
	}
	buf_release(&text);
	msg_release(&reply);
	return rc;
}
