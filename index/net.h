/*
 * net.h: a TCP connection with optional TLS, for the mail layer only (an
 * internal header of index/, not part of index.h).
 *
 * net.c connects with a time limit, runs the TLS handshake with GnuTLS
 * (chain against the system trust store or a CA file, host name, SNI),
 * and reads and writes with a time limit on every step. Reads are
 * buffered so that line protocols (SMTP) can read a line at a time;
 * net_pending() tells whether bytes arrived that nobody asked for yet,
 * which must not be the case when STARTTLS switches to TLS.
 *
 * smtp.c uses it; imap.c still carries its own copy of the same code as
 * a libetpan mailstream driver and can switch to this one later (its
 * driver's read and write would call net_read() and net_write()).
 *
 * Functions return 0 (or a count) and -1 with err_msg() set, naming the
 * host. After a failed read or write the connection is dead: every later
 * call fails at once with the same reason.
 */
#ifndef TUIMAIL_INDEX_NET_H
#define TUIMAIL_INDEX_NET_H

#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"

/* How to verify the server's certificate; strings are borrowed. */
struct net_tls {
	int verify_cert;     /* verify chain and host name */
	const char *ca_file; /* NULL or "": the system trust store */
};

struct net_conn;

int net_connect(struct net_conn **out, const char *host, unsigned port,
		int timeout);
int net_tls_start(struct net_conn *c, const struct net_tls *t);
void net_set_timeout(struct net_conn *c, int timeout);
ssize_t net_read(struct net_conn *c, void *buf, size_t len);
int net_read_line(struct net_conn *c, struct buf *line, size_t max);
int net_write(struct net_conn *c, const void *buf, size_t len);
size_t net_pending(const struct net_conn *c);
int net_is_tls(const struct net_conn *c);
int net_fd(const struct net_conn *c);
const char *net_host(const struct net_conn *c);
void net_kill(struct net_conn *c);
void net_close(struct net_conn *c);

#endif
