/*
 * panel.c: the panel endpoint's process. libmicrohttpd serves HTTP on
 * [panel] http_listen with a small thread pool; each thread has its own
 * handle on tuimail.db. Bodies are collected up to PANEL_MAX_BODY and
 * handed to panel_handle().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "panel.h"
#include "util/log.h"

#define PANEL_THREADS 4

struct panel_server {
	const struct conf *conf; /* borrowed */
	const char *ssh_host;	 /* borrowed */
};

/* The body of one request as it arrives. */
struct panel_upload {
	struct buf body;
	int too_large;
};

/* Each pool thread's own handle on the database. */
static __thread struct acct *panel_acct;

static struct acct *
panel_thread_acct(const struct conf *c)
{
	if (panel_acct)
		return panel_acct;
	panel_acct = calloc(1, sizeof(*panel_acct));
	if (panel_acct == NULL)
		fatal("out of memory");
	if (acct_open(panel_acct, c, ACCT_OPEN_EXISTING, "panel") < 0) {
		log_err("panel: %s", err_msg());
		free(panel_acct);
		panel_acct = NULL;
	}
	return panel_acct;
}

static void
panel_peer(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, len, "unknown");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)len);
}

static enum MHD_Result
panel_send(struct MHD_Connection *conn, unsigned status, const struct buf *b)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		b->len, b->buf, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
panel_access(void *cls, struct MHD_Connection *conn, const char *url,
	     const char *method, const char *version, const char *data,
	     size_t *data_size, void **state)
{
	struct panel_server *srv = cls;
	struct panel_upload *up = *state;
	struct panel_resp resp = { 0, BUF_INIT };
	struct panel_req rq;
	struct panel_ctx ctx;
	char peer[INET6_ADDRSTRLEN];
	enum MHD_Result rc;

	(void)version;
	if (up == NULL) {
		up = calloc(1, sizeof(*up));
		if (up == NULL)
			return MHD_NO;
		buf_init(&up->body);
		*state = up;
		return MHD_YES;
	}
	if (*data_size) {
		if (up->body.len + *data_size > PANEL_MAX_BODY)
			up->too_large = 1;
		else
			buf_add(&up->body, data, *data_size);
		*data_size = 0;
		return MHD_YES;
	}
	panel_peer(conn, peer, sizeof(peer));
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = url;
	rq.signature = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						   "X-Sync-Signature");
	rq.timestamp = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						   "X-Sync-Timestamp");
	rq.plain_secret = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      "X-Sync-Secret");
	rq.body = up->body.buf;
	rq.len = up->too_large ? PANEL_MAX_BODY + 1 : up->body.len;
	rq.peer = peer;
	ctx.conf = srv->conf;
	ctx.ssh_host = srv->ssh_host;
	ctx.acct = panel_thread_acct(srv->conf);
	if (ctx.acct == NULL) {
		resp.status = 503;
		buf_adds(&resp.body, "{\"error\":\"database unavailable\"}\n");
	} else {
		panel_handle(&ctx, &rq, &resp);
	}
	log_info("panel: %s %s from %s: %u", method, url, peer, resp.status);
	rc = panel_send(conn, resp.status, &resp.body);
	buf_release_secret(&resp.body);
	return rc;
}

static void
panel_completed(void *cls, struct MHD_Connection *conn, void **state,
		enum MHD_RequestTerminationCode code)
{
	struct panel_upload *up = *state;

	(void)cls;
	(void)conn;
	(void)code;
	if (up) {
		buf_release_secret(&up->body);
		free(up);
		*state = NULL;
	}
}

/* Fills sa from "addr:port" or "[v6]:port"; returns its length or -1. */
static socklen_t
panel_sockaddr(const char *spec, struct sockaddr_storage *sa)
{
	const char *colon = strrchr(spec, ':');
	char addr[128];
	int port = atoi(colon + 1);

	memset(sa, 0, sizeof(*sa));
	if (spec[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		snprintf(addr, sizeof(addr), "%.*s", (int)(colon - spec - 2),
			 spec + 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return 0;
		return sizeof(*s6);
	}
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

		snprintf(addr, sizeof(addr), "%.*s", (int)(colon - spec), spec);
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return 0;
		return sizeof(*s4);
	}
}

/* Checks that http_listen is an IP address and port, as it must be. */
int
panel_check_listen(const char *spec)
{
	struct sockaddr_storage sa;

	if (panel_sockaddr(spec, &sa) == 0)
		return err_set("[panel] http_listen '%s' must be an IP "
			       "address and port",
			       spec);
	return 0;
}

/*
 * Runs the endpoint until SIGTERM; returns the process's exit status.
 * Called in the child the listener forked for it.
 */
int
panel_serve(const struct conf *c, const char *ssh_host)
{
	struct panel_server srv = { c, ssh_host };
	struct sockaddr_storage sa;
	struct MHD_Daemon *d;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	sigset_t set;
	int sig;

	if (panel_sockaddr(c->http_listen, &sa) == 0) {
		log_err("panel: http_listen '%s' is not an IP address and port",
			c->http_listen);
		return 1;
	}
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The pool threads must not take the signals; sigwait below does. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(
		flags, 0, NULL, NULL, panel_access, &srv, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned)PANEL_THREADS, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
		MHD_OPTION_NOTIFY_COMPLETED, panel_completed, NULL,
		MHD_OPTION_END);
	if (d == NULL) {
		log_err("panel: cannot listen on %s", c->http_listen);
		return 1;
	}
	log_info("panel endpoint listening on %s (sync %s, sso %s)",
		 c->http_listen, *c->mail_sync_secret ? "on" : "off",
		 *c->sso_secret ? "on" : "off");
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	MHD_stop_daemon(d);
	return 0;
}
