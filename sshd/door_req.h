/*
 * door_req.h: the door's answers to the UI's account-level requests
 * (admin pane, settings). The identity is the door's, never the UI's: the
 * UI names what to do, the door decides whether this session may.
 */
#ifndef TUIMAIL_DOOR_REQ_H
#define TUIMAIL_DOOR_REQ_H

#include "acct.h"
#include "totp.h"
#include "util/msg.h"

/* What the door knows of its session; everything borrowed. */
struct door_identity {
	const struct conf *conf;
	struct acct *acct;		/* actor set to the session's address */
	const char *email;		/* the authenticated address */
	const char *addr;		/* the client's address */
	const char *password;		/* the IMAP password, for confirmations */
	int sso;			/* logged in with an SSO token */
	char totp_pending[TOTP_SECRET_B32]; /* a secret being enrolled */
};

void door_answer(struct door_identity *id, struct msg *req,
		 struct msg *reply);

#endif
