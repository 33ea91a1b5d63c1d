/*
 * door_proto.h: the typed requests between tuimail (the UI) and its door.
 *
 * The UI holds no authority: it asks, the door checks the authenticated
 * identity and role and answers. Each type has one encoder and one
 * decoder here; decoders check every field and the end of the message.
 *
 *   UI -> door             door -> UI
 *   DOOR_HELLO             DOOR_HELLO_OK (struct door_session) | DOOR_ERROR
 *   DOOR_LOGIN_RECORD      DOOR_LOGIN_RECORD_OK (previous login) | DOOR_ERROR
 */
#ifndef TUIMAIL_DOOR_PROTO_H
#define TUIMAIL_DOOR_PROTO_H

#include <stdint.h>

#include "buf.h"
#include "msg.h"

#define DOOR_FD 3 /* the UI's end of the socketpair, inherited */

enum door_msg_type {
	DOOR_ERROR = 1,
	DOOR_HELLO = 2,
	DOOR_HELLO_OK = 3,
	DOOR_LOGIN_RECORD = 4,
	DOOR_LOGIN_RECORD_OK = 5,
};

/*
 * Who the session is and how it reaches the mail servers. imap_pass is a
 * secret: door_session_release() wipes it, and so should the UI as soon
 * as it has logged in.
 */
struct door_session {
	struct buf email;
	struct buf display_name;
	struct buf client_addr;
	struct buf state_dir;
	struct buf keymap;
	struct buf theme;
	struct buf imap_host;
	struct buf imap_ca_file;
	struct buf imap_user; /* the login name, email or email*master */
	struct buf imap_pass; /* secret */
	struct buf smtp_host;
	uint32_t imap_port, imap_security, imap_verify;
	uint32_t smtp_port, smtp_security, smtp_verify, smtp_save_sent;
	uint32_t is_admin;   /* may open the admin pane */
	uint32_t mail_admin; /* the admin pane is on at all */
};

/* What the door knows of the login before this one. */
struct door_login_record {
	uint64_t prev_at; /* Unix seconds, 0 = first login */
	struct buf prev_addr;
};

void door_session_init(struct door_session *s);
void door_session_release(struct door_session *s);
void door_encode_hello_ok(struct msg *m, const struct door_session *s);
int door_decode_hello_ok(struct msg *m, struct door_session *s);
void door_encode_login_record_ok(struct msg *m,
				 const struct door_login_record *r);
int door_decode_login_record_ok(struct msg *m, struct door_login_record *r);
void door_encode_error(struct msg *m, const char *text);
int door_decode_error(struct msg *m, struct buf *text);

int door_hello(int fd, struct door_session *s);
int door_login_record(int fd, struct door_login_record *r);

#endif
