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
	DOOR_OK = 6,   /* door -> UI: done; a sentence to show */
	DOOR_ROWS = 7, /* door -> UI: a table (struct door_rows) */

	/*
	 * Requests with fields (struct door_req), each type's fields given
	 * by door_req_spec(). Admin requests need an admin session; the
	 * others act on the session's own account only.
	 */
	DOOR_ADMIN_ACCOUNTS = 20,   /* u offset, u limit -> ROWS */
	DOOR_ADMIN_ACCOUNT_ADD,	    /* s email, s password, u quota, s name */
	DOOR_ADMIN_ACCOUNT_EDIT,    /* s email, s name, u quota, u active */
	DOOR_ADMIN_ACCOUNT_PASSWD,  /* s email, s password */
	DOOR_ADMIN_ACCOUNT_DEL,	    /* s email, s the admin's password */
	DOOR_ADMIN_TOTP_RESET,	    /* s email */
	DOOR_ADMIN_BULK,	    /* S emails, s action, u quota, s password */
	DOOR_ADMIN_DOMAINS,	    /* -> ROWS */
	DOOR_ADMIN_DOMAIN_ADD,	    /* s domain */
	DOOR_ADMIN_DOMAIN_ACTIVE,   /* s domain, u active */
	DOOR_ADMIN_DOMAIN_DEL,	    /* s domain */
	DOOR_ADMIN_ALIASES,	    /* -> ROWS */
	DOOR_ADMIN_ALIAS_ADD,	    /* s alias, s destinations */
	DOOR_ADMIN_ALIAS_DEL,	    /* s alias */
	DOOR_ADMIN_AUDIT,	    /* u offset, u limit, s filter -> ROWS */
	DOOR_TOTP_BEGIN = 40,	    /* -> ROWS: secret, otpauth URI */
	DOOR_TOTP_CONFIRM,	    /* s code -> ROWS: recovery codes */
	DOOR_TOTP_DISABLE,	    /* s code */
	DOOR_RECOVERY_NEW,	    /* s code -> ROWS: recovery codes */
	DOOR_SET_NAME,		    /* s display name */
	DOOR_USAGE,		    /* u bytes in use (GETQUOTAROOT) */
	DOOR_ACCOUNT_INFO,	    /* -> ROWS: name, value (door_info_*) */
};

/*
 * The names of DOOR_ACCOUNT_INFO's rows: what the session's account and
 * the door's mode allow, for the settings view and the admin pane.
 * Values are decimal numbers or text; a UI ignores names it does not know.
 */
#define DOOR_INFO_TOTP "totp"		 /* 1: 2FA is on for this account */
#define DOOR_INFO_REQUIRE_2FA "require_2fa" /* 1: admins need 2FA */
#define DOOR_INFO_PASSDB "dovecot_passdb" /* 1: accounts may be provisioned */
#define DOOR_INFO_PANEL "panel_mode"	 /* 1: a hosting panel syncs accounts */
#define DOOR_INFO_MAILDIR "maildir_root" /* where Maildirs stay, or "" */
#define DOOR_INFO_ADMIN "admin"		 /* 1: may use the admin pane now */
#define DOOR_INFO_WHY "admin_why"	 /* why not, or "" */

#define DOOR_REQ_STRS 4
#define DOOR_REQ_NUMS 3

/* A request's fields: strings and numbers in the order of its spec. */
struct door_req {
	uint16_t type;
	struct buf s[DOOR_REQ_STRS]; /* may hold secrets: wiped on release */
	uint64_t u[DOOR_REQ_NUMS];
};

/* A table answer: cols cells a row, rows rows; total for paging. */
struct door_rows {
	uint64_t total;
	uint32_t cols, rows;
	struct buf *cells; /* owned, cols * rows */
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

const char *door_req_spec(uint16_t type);
void door_req_init(struct door_req *r, uint16_t type);
void door_req_release(struct door_req *r);
int door_encode_req(struct msg *m, const struct door_req *r);
int door_decode_req(struct msg *m, struct door_req *r);
void door_rows_init(struct door_rows *t, uint32_t cols);
void door_rows_add(struct door_rows *t, const char *const *cells);
void door_rows_release(struct door_rows *t);
void door_encode_rows(struct msg *m, const struct door_rows *t);
int door_decode_rows(struct msg *m, struct door_rows *t);
void door_encode_ok(struct msg *m, const char *text);
int door_call(int fd, const struct door_req *r, struct buf *ok,
	      struct door_rows *rows);

#endif
