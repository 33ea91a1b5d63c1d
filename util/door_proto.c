/*
 * door_proto.c: encoders, decoders and the UI's side of the door requests.
 */
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
