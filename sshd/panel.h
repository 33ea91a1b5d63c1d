/*
 * panel.h: the hosting panel's HTTP endpoint (panel-integrated mode).
 *
 *   POST /api/sync/account   signed account sync: create, delete, password
 *   POST /sso/issue          a single sign-on token for an account
 *
 * panel_req.c is the request handler proper, free of HTTP: it takes a
 * method, a path, the three authentication headers and the body, and
 * gives a status and a JSON body (it is what the fuzzer drives).
 * panel.c serves it with libmicrohttpd in a process of its own, forked
 * by the listener, which must never have threads itself.
 */
#ifndef TUIMAIL_PANEL_H
#define TUIMAIL_PANEL_H

#include <stddef.h>

#include "acct.h"
#include "util/buf.h"
#include "util/conf.h"

#define PANEL_MAX_BODY (64 * 1024)
#define PANEL_SYNC_WINDOW 300 /* seconds a sync timestamp is good for */
#define PANEL_SSO_WINDOW 60   /* seconds an SSO request is good for */

/* One request; every string borrowed, NULL when absent. */
struct panel_req {
	const char *method;
	const char *path;
	const char *signature;	  /* X-Sync-Signature: sha256=<hex> */
	const char *timestamp;	  /* X-Sync-Timestamp */
	const char *plain_secret; /* X-Sync-Secret */
	const char *body;
	size_t len;
	const char *peer; /* the client's address, for the log */
};

struct panel_resp {
	unsigned status;
	struct buf body; /* JSON, owned */
};

/* What the handler works with; borrowed. */
struct panel_ctx {
	const struct conf *conf;
	struct acct *acct;
	const char *ssh_host; /* what the "ssh" line of an SSO answer names */
};

void panel_handle(struct panel_ctx *p, const struct panel_req *rq,
		  struct panel_resp *out);
int panel_serve(const struct conf *c, const char *ssh_host);
int panel_check_listen(const char *spec);

#endif
