/*
 * index.h: the mail layer under the UI, its one public header.
 *
 * Files: imap.c (IMAP sessions over libetpan, with TLS verified by GnuTLS
 * because libetpan does not verify certificates). Later: smtp.c, mime.c,
 * cache.c, search.c.
 *
 * Functions return 0 (or a count) and -1 with err_msg() set.
 *
 * IMAP: imap_open() connects (port 0: 993 for tls, 143 otherwise), runs
 * TLS or STARTTLS and sends ID x-originating-ip when client_addr is set;
 * imap_login(), imap_status() (STATUS MESSAGES UNSEEN) use the session;
 * imap_close() sends LOGOUT and frees it. Every network step gives up
 * after 15 s. imap_check_login() is the door's password check: one
 * connection, and a refusal kept apart from an unreachable server.
 */
#ifndef TUIMAIL_INDEX_H
#define TUIMAIL_INDEX_H

#include <stddef.h>

/* How to reach an IMAP server; strings are borrowed. */
struct imap_params {
	const char *host;
	unsigned port;
	int security;	     /* enum conf_security: tls, starttls, none */
	int verify_cert;     /* verify chain and host name */
	const char *ca_file; /* NULL or "": the system trust store */
	const char *client_addr; /* sent as ID x-originating-ip, or NULL */
};

enum imap_login_result {
	IMAP_LOGIN_ERROR = -1,	 /* could not ask: network, TLS, protocol */
	IMAP_LOGIN_REFUSED = 0,	 /* the server said no */
	IMAP_LOGIN_ACCEPTED = 1,
};

struct imap_conn; /* an open IMAP session */

int imap_open(struct imap_conn **out, const struct imap_params *p);
int imap_login(struct imap_conn *c, const char *user, const char *pass);
int imap_status(struct imap_conn *c, const char *mailbox, unsigned *messages,
		unsigned *unseen);
void imap_close(struct imap_conn *c);

int imap_check_login(const struct imap_params *p, const char *user,
		     const char *pass);

#endif
