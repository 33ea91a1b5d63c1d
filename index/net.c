/*
 * net.c: a TCP connection with optional TLS, verified here (see net.h).
 *
 * The socket is blocking with send and receive timeouts, so that every
 * read and write gives up after the connection's timeout; GnuTLS gets
 * the same limit for its handshake and records. Certificates are checked
 * by GnuTLS against the CA file or the system trust store, and against
 * the host name the caller connected to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "index/net.h"
#include "util/log.h"

#define NET_READ_BUF 16384

struct net_conn {
	int fd;				       /* owned; -1 once closed */
	gnutls_session_t tls;		       /* owned; NULL while plain */
	gnutls_certificate_credentials_t cred; /* owned; NULL while plain */
	int timeout;			       /* seconds, for every step */
	int dead;      /* a read or write failed: fail at once from now on */
	char why[160]; /* why the connection died */
	char host[256];
	size_t roff, rlen; /* unread bytes are rbuf[roff..rlen) */
	char rbuf[NET_READ_BUF];
};

/* Marks c dead for reason why and sets err_msg(); returns -1. */
static int
net_fail(struct net_conn *c, const char *why)
{
	if (!c->dead) {
		c->dead = 1;
		snprintf(c->why, sizeof(c->why), "%s", why);
	}
	return err_set("connection to '%s' lost: %s", c->host, c->why);
}

static int
net_is_ip_literal(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 ||
	       inet_pton(AF_INET6, host, a) == 1;
}

/* Sets the socket's send and receive timeouts to c->timeout. */
static int
net_apply_timeout(struct net_conn *c)
{
	struct timeval tv = { c->timeout, 0 };

	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	if (c->tls)
		gnutls_record_set_timeout(c->tls, (unsigned)c->timeout * 1000);
	return 0;
}

/*
 * Connects one address within timeout seconds. Returns the socket,
 * blocking again; or -1 with errno set (ETIMEDOUT when time ran out).
 */
static int
net_connect_addr(const struct addrinfo *ai, int timeout)
{
	struct pollfd pfd;
	socklen_t len;
	int fd, err = 0, n;

	fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto out;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do
			n = poll(&pfd, 1, timeout * 1000);
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			err = n == 0 ? ETIMEDOUT : errno;
			goto out;
		}
		len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err)
			goto out;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		err = errno;
out:
	if (err) {
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * Connects to host:port, trying each of its addresses, each within
 * timeout seconds. On success *out is a plain connection owned by the
 * caller, ended with net_close(). Returns 0, or -1 with err_msg() set.
 */
int
net_connect(struct net_conn **out, const char *host, unsigned port,
	    int timeout)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	struct net_conn *c;
	char serv[16];
	int fd = -1, err = 0, rc;

	*out = NULL;
	if (!host || !*host)
		return err_set("no host given");
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%u", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0)
		return err_set("cannot resolve '%s': %s", host,
			       rc == EAI_SYSTEM ? strerror(errno)
						: gai_strerror(rc));
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = net_connect_addr(ai, timeout);
		if (fd < 0)
			err = errno;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err_set("cannot connect to '%s:%u': %s", host, port,
			       err == ETIMEDOUT ? "timed out" : strerror(err));
	c = calloc(1, sizeof(*c));
	if (!c)
		fatal("out of memory");
	c->fd = fd;
	c->timeout = timeout;
	snprintf(c->host, sizeof(c->host), "%s", host);
	if (net_apply_timeout(c) < 0) {
		err_set("cannot connect to '%s:%u': %s", host, port,
			strerror(errno));
		net_close(c);
		return -1;
	}
	*out = c;
	return 0;
}

/* Changes the time limit of every later step to timeout seconds. */
void
net_set_timeout(struct net_conn *c, int timeout)
{
	c->timeout = timeout;
	if (!c->dead && net_apply_timeout(c) < 0)
		net_fail(c, strerror(errno));
}

/* Loads the trust anchors t asks for into c->cred. */
static int
net_trust(struct net_conn *c, const struct net_tls *t)
{
	int rc;

	if (!t->verify_cert)
		return 0;
	if (t->ca_file && *t->ca_file) {
		rc = gnutls_certificate_set_x509_trust_file(
			c->cred, t->ca_file, GNUTLS_X509_FMT_PEM);
		if (rc <= 0)
			return err_set("cannot load CA file '%s': %s",
				       t->ca_file,
				       rc == 0 ? "no certificate in it"
					       : gnutls_strerror(rc));
		return 0;
	}
	rc = gnutls_certificate_set_x509_system_trust(c->cred);
	if (rc <= 0)
		return err_set("cannot load the system trust store: %s",
			       rc == 0 ? "it is empty" : gnutls_strerror(rc));
	return 0;
}

/* Sets err_msg() to why the certificate of c->host was not trusted. */
static int
net_untrusted(struct net_conn *c)
{
	gnutls_datum_t text = { NULL, 0 };
	unsigned status;
	const char *why;
	size_t n;

	status = gnutls_session_get_verify_cert_status(c->tls);
	gnutls_certificate_verification_status_print(
		status, gnutls_certificate_type_get(c->tls), &text, 0);
	why = text.data ? (char *)text.data : "";
	n = strlen(why);
	while (n > 0 && why[n - 1] == ' ')
		n--;
	err_set("certificate of '%s' not trusted: %.*s", c->host, (int)n, why);
	gnutls_free(text.data);
	return -1;
}

/*
 * Runs the TLS handshake on c. With t->verify_cert the chain must lead
 * to t->ca_file, or to the system trust store when there is none, and
 * the certificate must name the host c was opened with (a DNS name or an
 * IP address). Bytes the server sent ahead of the handshake are refused:
 * after STARTTLS they could be an injected answer. Returns 0, or -1 with
 * the reason in err_msg(); the connection is dead after a failure.
 */
int
net_tls_start(struct net_conn *c, const struct net_tls *t)
{
	int rc;

	if (c->dead)
		return net_fail(c, c->why);
	if (c->tls) {
		c->dead = 1;
		return err_set("TLS is already on with '%s'", c->host);
	}
	if (net_pending(c)) {
		c->dead = 1;
		snprintf(c->why, sizeof(c->why), "data before TLS");
		return err_set("'%s' sent data before the TLS handshake",
			       c->host);
	}
	if (gnutls_certificate_allocate_credentials(&c->cred) < 0)
		fatal("out of memory");
	if (net_trust(c, t) < 0)
		goto fail;
	if (gnutls_init(&c->tls, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL) < 0)
		fatal("out of memory");
	rc = gnutls_set_default_priority(c->tls);
	if (rc == 0)
		rc = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE,
					    c->cred);
	if (rc == 0 && !net_is_ip_literal(c->host))
		rc = gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, c->host,
					    strlen(c->host));
	if (rc < 0) {
		err_set("cannot set up TLS for '%s': %s", c->host,
			gnutls_strerror(rc));
		goto fail;
	}
	if (t->verify_cert)
		gnutls_session_set_verify_cert(c->tls, c->host, 0);
	gnutls_transport_set_int(c->tls, c->fd);
	gnutls_handshake_set_timeout(c->tls, (unsigned)c->timeout * 1000);
	gnutls_record_set_timeout(c->tls, (unsigned)c->timeout * 1000);
	do
		rc = gnutls_handshake(c->tls);
	while (rc == GNUTLS_E_INTERRUPTED ||
	       rc == GNUTLS_E_WARNING_ALERT_RECEIVED);
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		net_untrusted(c);
		goto fail;
	}
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_TIMEDOUT) {
		err_set("TLS handshake with '%s' failed: timed out", c->host);
		goto fail;
	}
	if (rc < 0) {
		err_set("TLS handshake with '%s' failed: %s", c->host,
			gnutls_strerror(rc));
		goto fail;
	}
	if (!t->verify_cert)
		log_debug("net: certificate of '%s' not verified", c->host);
	return 0;
fail:
	c->dead = 1;
	snprintf(c->why, sizeof(c->why), "TLS failed");
	return -1;
}

/* One read from the socket or the TLS session; > 0, or -1 (c dead). */
static ssize_t
net_read_raw(struct net_conn *c, void *buf, size_t len)
{
	time_t deadline;
	ssize_t n;

	if (c->tls) {
		/*
		 * GNUTLS_E_AGAIN also comes after a record that carried no
		 * data (a TLS 1.3 session ticket): read again, until the
		 * record timeout says GNUTLS_E_TIMEDOUT.
		 */
		deadline = time(NULL) + c->timeout;
		do
			n = gnutls_record_recv(c->tls, buf, len);
		while ((n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN) &&
		       time(NULL) <= deadline);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_TIMEDOUT)
			return net_fail(c, "timed out");
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
			return net_fail(c, "closed by the server");
		if (n < 0)
			return net_fail(c, gnutls_strerror((int)n));
		return n;
	}
	do
		n = recv(c->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return net_fail(c, "timed out");
	if (n == 0)
		return net_fail(c, "closed by the server");
	if (n < 0)
		return net_fail(c, strerror(errno));
	return n;
}

/*
 * Reads up to len bytes: what is buffered first, else what one read
 * brings. Returns the count (> 0), or -1 with err_msg() set; the end of
 * the connection is an error ("closed by the server").
 */
ssize_t
net_read(struct net_conn *c, void *buf, size_t len)
{
	size_t n;

	if (c->dead)
		return net_fail(c, c->why);
	if (len == 0)
		return 0;
	if (c->roff < c->rlen) {
		n = c->rlen - c->roff;
		if (n > len)
			n = len;
		memcpy(buf, c->rbuf + c->roff, n);
		c->roff += n;
		return (ssize_t)n;
	}
	return net_read_raw(c, buf, len);
}

/*
 * Reads one line into line (reset first), without its LF or CRLF. A line
 * longer than max bytes is an error, and so is a connection that ends in
 * the middle of one. Returns 0, or -1 with err_msg() set.
 */
int
net_read_line(struct net_conn *c, struct buf *line, size_t max)
{
	char *nl;
	size_t n;
	ssize_t r;

	buf_reset(line);
	if (c->dead)
		return net_fail(c, c->why);
	for (;;) {
		if (c->roff == c->rlen) {
			r = net_read_raw(c, c->rbuf, sizeof(c->rbuf));
			if (r < 0)
				return -1;
			c->roff = 0;
			c->rlen = (size_t)r;
		}
		nl = memchr(c->rbuf + c->roff, '\n', c->rlen - c->roff);
		n = nl ? (size_t)(nl - (c->rbuf + c->roff))
		       : c->rlen - c->roff;
		if (line->len + n > max) {
			c->dead = 1;
			snprintf(c->why, sizeof(c->why), "line too long");
			return err_set("'%s' sent a line longer than %zu bytes",
				       c->host, max);
		}
		buf_add(line, c->rbuf + c->roff, n);
		c->roff += n;
		if (nl) {
			c->roff++;
			if (line->len && line->buf[line->len - 1] == '\r')
				buf_setlen(line, line->len - 1);
			return 0;
		}
	}
}

/* Writes all of buf. Returns 0, or -1 with err_msg() set (c dead). */
int
net_write(struct net_conn *c, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	if (c->dead)
		return net_fail(c, c->why);
	while (len > 0) {
		if (c->tls) {
			do
				n = gnutls_record_send(c->tls, p, len);
			while (n == GNUTLS_E_INTERRUPTED);
			if (n == GNUTLS_E_AGAIN)
				return net_fail(c, "timed out");
			if (n < 0)
				return net_fail(c, gnutls_strerror((int)n));
		} else {
			do
				n = send(c->fd, p, len, MSG_NOSIGNAL);
			while (n < 0 && errno == EINTR);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return net_fail(c, "timed out");
			if (n < 0)
				return net_fail(c, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Returns how many bytes were read from the server but not yet asked for. */
size_t
net_pending(const struct net_conn *c)
{
	return c->rlen - c->roff;
}

/* Returns 1 once the TLS handshake has succeeded. */
int
net_is_tls(const struct net_conn *c)
{
	return c->tls != NULL && !c->dead;
}

/* Returns the socket, for poll(); still owned by c. */
int
net_fd(const struct net_conn *c)
{
	return c->fd;
}

/* Returns the host name c was opened with, for messages. */
const char *
net_host(const struct net_conn *c)
{
	return c->host;
}

/* Marks c dead, so that net_close() ends it without a polite TLS close. */
void
net_kill(struct net_conn *c)
{
	if (!c->dead) {
		c->dead = 1;
		snprintf(c->why, sizeof(c->why), "closed");
	}
}

/* Ends TLS politely when the connection still works, then frees c. */
void
net_close(struct net_conn *c)
{
	if (!c)
		return;
	if (c->tls && !c->dead)
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
	if (c->fd >= 0)
		close(c->fd);
	if (c->tls)
		gnutls_deinit(c->tls);
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	explicit_bzero(c->rbuf, sizeof(c->rbuf));
	free(c);
}
