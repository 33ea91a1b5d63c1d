/*
 * imap.c: IMAP sessions over libetpan, with TLS done and verified here.
 *
 * libetpan speaks IMAP but does not verify TLS certificates, so it never
 * opens the connection itself: this file connects the socket, runs the
 * TLS handshake with GnuTLS (chain against the system trust store or a
 * CA file, host name, SNI) and hands libetpan a mailstream whose low-level
 * driver reads and writes through that session. STARTTLS upgrades the
 * same driver in place once the server has said OK.
 *
 * Every network operation gives up after IMAP_TIMEOUT seconds. Passwords
 * never reach err_msg() or a log.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <libetpan/libetpan.h>

#include "index/index.h"
#include "util/conf.h"
#include "util/log.h"

#define IMAP_TIMEOUT 15 /* seconds, for connect, handshake, each read/write */
#define IMAP_STREAM_BUF 8192

/*
 * The data of our mailstream_low driver: one socket, plain or TLS. It is
 * owned by the mailstream_low once that exists, and freed by imap_io_free
 * when libetpan closes the stream.
 */
struct imap_io {
	int fd;				       /* owned; -1 once closed */
	gnutls_session_t tls;		       /* owned; NULL while plain */
	gnutls_certificate_credentials_t cred; /* owned; NULL while plain */
	int dead;      /* a read or write failed: fail at once from now on */
	char why[160]; /* why the last read or write failed */
};

struct imap_conn {
	mailimap *imap;	    /* owned; owns the stream, which owns io */
	struct imap_io *io; /* borrowed from the stream; NULL once closed */
	char host[256];	    /* for messages */
};

/* Marks io failed, with the reason for imap_fail() to report. */
static ssize_t
imap_io_failed(struct imap_io *io, const char *why)
{
	io->dead = 1;
	snprintf(io->why, sizeof(io->why), "%s", why);
	return -1;
}

static ssize_t
imap_io_read(mailstream_low *low, void *buf, size_t count)
{
	struct imap_io *io = low->data;
	time_t deadline;
	ssize_t n;

	if (io->dead)
		return -1;
	if (io->tls) {
		/*
		 * GNUTLS_E_AGAIN also comes after a record that carried no
		 * data (a TLS 1.3 session ticket): read again, until the
		 * record timeout says GNUTLS_E_TIMEDOUT.
		 */
		deadline = time(NULL) + IMAP_TIMEOUT;
		do
			n = gnutls_record_recv(io->tls, buf, count);
		while ((n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN) &&
		       time(NULL) <= deadline);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_TIMEDOUT)
			return imap_io_failed(io, "timed out");
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
			return imap_io_failed(io, "closed by the server");
		if (n < 0)
			return imap_io_failed(io, gnutls_strerror((int)n));
		return n;
	}
	do
		n = recv(io->fd, buf, count, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return imap_io_failed(io, "timed out");
	if (n == 0)
		return imap_io_failed(io, "closed by the server");
	if (n < 0)
		return imap_io_failed(io, strerror(errno));
	return n;
}

static ssize_t
imap_io_write(mailstream_low *low, const void *buf, size_t count)
{
	struct imap_io *io = low->data;
	ssize_t n;

	if (io->dead)
		return -1;
	if (io->tls) {
		do
			n = gnutls_record_send(io->tls, buf, count);
		while (n == GNUTLS_E_INTERRUPTED);
		if (n == GNUTLS_E_AGAIN)
			return imap_io_failed(io, "timed out");
		if (n < 0)
			return imap_io_failed(io, gnutls_strerror((int)n));
		return n;
	}
	do
		n = send(io->fd, buf, count, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return imap_io_failed(io, "timed out");
	if (n < 0)
		return imap_io_failed(io, strerror(errno));
	return n;
}

/* Ends TLS politely when the connection still works, then closes. */
static int
imap_io_close(mailstream_low *low)
{
	struct imap_io *io = low->data;

	if (io->tls && !io->dead)
		gnutls_bye(io->tls, GNUTLS_SHUT_WR);
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
	return 0;
}

static int
imap_io_get_fd(mailstream_low *low)
{
	struct imap_io *io = low->data;

	return io->fd;
}

/* Frees what imap_io_new() and imap_tls_start() made. */
static void
imap_io_destroy(struct imap_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	if (io->tls)
		gnutls_deinit(io->tls);
	if (io->cred)
		gnutls_certificate_free_credentials(io->cred);
	free(io);
}

/* libetpan's free hook: frees the driver data and the low stream itself. */
static void
imap_io_free(mailstream_low *low)
{
	imap_io_destroy(low->data);
	low->data = NULL;
	free(low);
}

/* No cancel support; libetpan calls this without checking for NULL. */
static struct mailstream_cancel *
imap_io_get_cancel(mailstream_low *low)
{
	(void)low;
	return NULL;
}

static mailstream_low_driver imap_io_driver = {
	.mailstream_read = imap_io_read,
	.mailstream_write = imap_io_write,
	.mailstream_close = imap_io_close,
	.mailstream_get_fd = imap_io_get_fd,
	.mailstream_free = imap_io_free,
	.mailstream_get_cancel = imap_io_get_cancel,
};

static struct imap_io *
imap_io_new(int fd)
{
	struct imap_io *io = calloc(1, sizeof(*io));

	if (!io)
		fatal("out of memory");
	io->fd = fd;
	return io;
}

static int
imap_is_ip_literal(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 ||
	       inet_pton(AF_INET6, host, a) == 1;
}

/*
 * Connects one address with a timeout. Returns the socket, blocking, with
 * send and receive timeouts set; or -1 with errno set (ETIMEDOUT).
 */
static int
imap_connect_addr(const struct addrinfo *ai)
{
	struct timeval tv = { IMAP_TIMEOUT, 0 };
	struct pollfd pfd;
	socklen_t len;
	int fd, err = 0, n;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
				       SOCK_NONBLOCK, ai->ai_protocol);
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
			n = poll(&pfd, 1, IMAP_TIMEOUT * 1000);
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
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		err = errno;
out:
	if (err) {
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Connects to host:port, trying each address. Returns the socket or -1. */
static int
imap_connect_tcp(const char *host, unsigned port)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	char serv[16];
	int fd = -1, err = 0, rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%u", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0)
		return err_set("cannot resolve '%s': %s", host,
			       rc == EAI_SYSTEM ? strerror(errno)
						: gai_strerror(rc));
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = imap_connect_addr(ai);
		if (fd < 0)
			err = errno;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err_set("cannot connect to '%s:%u': %s", host, port,
			       err == ETIMEDOUT ? "timed out" : strerror(err));
	return fd;
}

/*
 * Runs the TLS handshake on io->fd. With verify_cert the chain must lead
 * to the CA file, or to the system trust store when there is none, and
 * the certificate must name host (a DNS name or an IP address). Returns
 * 0, or -1 with the reason in err_msg().
 */
static int
imap_tls_start(struct imap_io *io, const char *host,
	       const struct imap_params *p)
{
	gnutls_datum_t text = { NULL, 0 };
	unsigned status;
	const char *why;
	size_t n;
	int rc;

	if (gnutls_certificate_allocate_credentials(&io->cred) < 0)
		fatal("out of memory");
	if (p->verify_cert && p->ca_file && *p->ca_file) {
		rc = gnutls_certificate_set_x509_trust_file(
			io->cred, p->ca_file, GNUTLS_X509_FMT_PEM);
		if (rc <= 0)
			return err_set("cannot load CA file '%s': %s",
				       p->ca_file,
				       rc == 0 ? "no certificate in it"
					       : gnutls_strerror(rc));
	} else if (p->verify_cert) {
		rc = gnutls_certificate_set_x509_system_trust(io->cred);
		if (rc <= 0)
			return err_set("cannot load the system trust store: %s",
				       rc == 0 ? "it is empty"
					       : gnutls_strerror(rc));
	}
	if (gnutls_init(&io->tls, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL) < 0)
		fatal("out of memory");
	rc = gnutls_set_default_priority(io->tls);
	if (rc == 0)
		rc = gnutls_credentials_set(io->tls, GNUTLS_CRD_CERTIFICATE,
					    io->cred);
	if (rc == 0 && !imap_is_ip_literal(host))
		rc = gnutls_server_name_set(io->tls, GNUTLS_NAME_DNS, host,
					    strlen(host));
	if (rc < 0)
		return err_set("cannot set up TLS for '%s': %s", host,
			       gnutls_strerror(rc));
	if (p->verify_cert)
		gnutls_session_set_verify_cert(io->tls, host, 0);
	gnutls_transport_set_int(io->tls, io->fd);
	gnutls_handshake_set_timeout(io->tls, IMAP_TIMEOUT * 1000);
	gnutls_record_set_timeout(io->tls, IMAP_TIMEOUT * 1000);
	do
		rc = gnutls_handshake(io->tls);
	while (rc == GNUTLS_E_INTERRUPTED ||
	       rc == GNUTLS_E_WARNING_ALERT_RECEIVED);
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		status = gnutls_session_get_verify_cert_status(io->tls);
		gnutls_certificate_verification_status_print(
			status, gnutls_certificate_type_get(io->tls), &text, 0);
		why = text.data ? (char *)text.data : "";
		n = strlen(why);
		while (n > 0 && why[n - 1] == ' ')
			n--;
		err_set("certificate of '%s' not trusted: %.*s", host, (int)n,
			why);
		gnutls_free(text.data);
		return -1;
	}
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_TIMEDOUT)
		return err_set("TLS handshake with '%s' failed: timed out",
			       host);
	if (rc < 0)
		return err_set("TLS handshake with '%s' failed: %s", host,
			       gnutls_strerror(rc));
	if (!p->verify_cert)
		log_debug("imap: certificate of '%s' not verified", host);
	return 0;
}

/*
 * Turns a libetpan error from command what into err_msg() and returns -1.
 * A refusal quotes the server's text, which the UI sanitises before it
 * shows it.
 */
static int
imap_fail(struct imap_conn *c, int r, const char *what)
{
	const char *text = c->imap ? c->imap->imap_response : NULL;

	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		return err_set("connection to '%s' lost: %s", c->host,
			       c->io && c->io->why[0] ? c->io->why
						      : "stream error");
	case MAILIMAP_ERROR_PARSE:
		return err_set("cannot parse the answer of '%s' to %s",
			       c->host, what);
	case MAILIMAP_ERROR_MEMORY:
		fatal("out of memory");
	default:
		return err_set("'%s' refused %s%s%s", c->host, what,
			       text && *text ? ": " : "",
			       text ? text : "");
	}
}

/*
 * Upgrades the connection after STARTTLS: the server must have said OK
 * and nothing more (bytes that came with the answer could be an injected
 * reply, later read as if it came over TLS), then the capabilities are
 * asked again over TLS. libetpan 1.9.4 itself fails STARTTLS when more
 * follows its answer, with a misleading message: this check comes first.
 */
static int
imap_starttls(struct imap_conn *c, const struct imap_params *p)
{
	struct mailimap_capability_data *caps = NULL;
	int r;

	r = mailimap_starttls(c->imap);
	if (r != MAILIMAP_ERROR_STREAM &&
	    c->imap->imap_stream->read_buffer_len > 0) {
		c->io->dead = 1;
		return err_set("'%s' sent data after its answer to STARTTLS",
			       c->host);
	}
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "STARTTLS");
	if (imap_tls_start(c->io, c->host, p) < 0) {
		c->io->dead = 1;
		return -1;
	}
	r = mailimap_capability(c->imap, &caps);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "CAPABILITY");
	mailimap_capability_data_free(caps);
	return 0;
}

/*
 * Frees an ID parameter list built here. libetpan's own free releases the
 * strings with mailimap_string_free(), which only knows the strings its
 * parser made, so ours would leak.
 */
static void
imap_id_params_free(struct mailimap_id_params_list *params)
{
	struct mailimap_id_param *param;
	clistiter *it;

	for (it = clist_begin(params->idpa_list); it; it = clist_next(it)) {
		param = clist_content(it);
		free(param->idpa_name);
		free(param->idpa_value);
		free(param);
	}
	clist_free(params->idpa_list);
	free(params);
}

/*
 * Sends ID ("x-originating-ip" addr), which Dovecot honours from its
 * login_trusted_networks: its log and its per-address failure penalty
 * then name the user's address, not the gateway's. Servers without ID
 * are skipped.
 */
static int
imap_send_id(struct imap_conn *c, const char *addr)
{
	struct mailimap_id_params_list *params, *answer = NULL;
	char *name, *value;
	int r;

	if (!mailimap_has_id(c->imap)) {
		log_debug("imap: '%s' has no ID command", c->host);
		return 0;
	}
	params = mailimap_id_params_list_new_empty();
	name = strdup("x-originating-ip");
	value = strdup(addr);
	if (!params || !name || !value ||
	    mailimap_id_params_list_add_name_value(params, name, value) != 0)
		fatal("out of memory");
	r = mailimap_id(c->imap, params, &answer);
	imap_id_params_free(params);
	if (answer)
		mailimap_id_params_list_free(answer);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "ID");
	return 0;
}

/*
 * Connects to the server in p, with TLS from the start, after STARTTLS or
 * none, reads the greeting and sends ID when p->client_addr is set. On
 * success *out is a session for imap_login(), owned by the caller and
 * ended with imap_close(). Port 0 means 993 for tls, 143 otherwise.
 */
int
imap_open(struct imap_conn **out, const struct imap_params *p)
{
	struct imap_conn *c;
	struct imap_io *io = NULL;
	mailstream_low *low;
	mailstream *stream;
	unsigned port = p->port;
	int fd, r, rc = -1;

	*out = NULL;
	if (!port)
		port = p->security == CONF_SEC_TLS ? 993 : 143;
	c = calloc(1, sizeof(*c));
	if (!c)
		fatal("out of memory");
	snprintf(c->host, sizeof(c->host), "%s", p->host ? p->host : "");
	if (!*c->host) {
		err_set("no IMAP host given");
		goto out;
	}
	fd = imap_connect_tcp(c->host, port);
	if (fd < 0)
		goto out;
	io = imap_io_new(fd);
	if (p->security == CONF_SEC_TLS &&
	    imap_tls_start(io, c->host, p) < 0)
		goto out;

	/* From here libetpan owns io: through low, stream and c->imap. */
	low = mailstream_low_new(io, &imap_io_driver);
	if (!low)
		fatal("out of memory");
	stream = mailstream_new(low, IMAP_STREAM_BUF);
	c->imap = mailimap_new(0, NULL);
	if (!stream || !c->imap)
		fatal("out of memory");
	c->io = io;
	io = NULL;
	r = mailimap_connect(c->imap, stream);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		imap_fail(c, r, "the connection");
		goto out;
	}
	if (p->security == CONF_SEC_STARTTLS && imap_starttls(c, p) < 0)
		goto out;
	if (p->client_addr && *p->client_addr &&
	    imap_send_id(c, p->client_addr) < 0)
		goto out;
	*out = c;
	c = NULL;
	rc = 0;
out:
	if (io)
		imap_io_destroy(io);
	if (c) {
		/* No polite LOGOUT on a connection that failed to open. */
		if (c->io)
			c->io->dead = 1;
		imap_close(c);
	}
	return rc;
}

/*
 * Whether a NO to LOGIN is the server's verdict on the credentials. A
 * response code of RFC 5530 that says the check could not be made
 * (backend down, TLS required, too many sessions) is an error instead.
 */
static int
imap_login_verdict(const char *code)
{
	static const char *const not_verdicts[] = {
		"UNAVAILABLE", "SERVERBUG", "PRIVACYREQUIRED", "LIMIT",
	};
	size_t i;

	for (i = 0; code && i < sizeof(not_verdicts) / sizeof(*not_verdicts);
	     i++)
		if (!strcasecmp(code, not_verdicts[i]))
			return 0;
	return 1;
}

/*
 * Sends LOGIN. Returns IMAP_LOGIN_ACCEPTED, IMAP_LOGIN_REFUSED (the
 * server judged the credentials) or IMAP_LOGIN_ERROR, the last two with
 * err_msg() set. The password is never part of a message.
 */
static int
imap_login_result(struct imap_conn *c, const char *user, const char *pass)
{
	const char *code = NULL, *text;
	int r;

	r = mailimap_login(c->imap, user, pass);
	if (r == MAILIMAP_NO_ERROR)
		return IMAP_LOGIN_ACCEPTED;
	if (r != MAILIMAP_ERROR_LOGIN) {
		imap_fail(c, r, "LOGIN");
		return IMAP_LOGIN_ERROR;
	}
	if (c->imap->imap_response_info)
		code = c->imap->imap_response_info->rsp_atom;
	text = c->imap->imap_response;
	err_set("'%s' refused the login of '%s'%s%s", c->host, user,
		text && *text ? ": " : "", text ? text : "");
	return imap_login_verdict(code) ? IMAP_LOGIN_REFUSED
					: IMAP_LOGIN_ERROR;
}

/* Logs in with LOGIN. Returns 0, or -1 when refused or on error. */
int
imap_login(struct imap_conn *c, const char *user, const char *pass)
{
	return imap_login_result(c, user, pass) == IMAP_LOGIN_ACCEPTED ? 0
								       : -1;
}

/*
 * Asks STATUS (MESSAGES UNSEEN) of mailbox (its IMAP name, modified
 * UTF-7). Returns 0 with both counts set, or -1.
 */
int
imap_status(struct imap_conn *c, const char *mailbox, unsigned *messages,
	    unsigned *unseen)
{
	struct mailimap_status_att_list *atts;
	struct mailimap_mailbox_data_status *st = NULL;
	struct mailimap_status_info *info;
	clistiter *it;
	int r, have = 0, rc = -1;

	atts = mailimap_status_att_list_new_empty();
	if (!atts ||
	    mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_MESSAGES) ||
	    mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_UNSEEN))
		fatal("out of memory");
	r = mailimap_status(c->imap, mailbox, atts, &st);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(c, r, "STATUS");
		goto out;
	}
	for (it = st->st_info_list ? clist_begin(st->st_info_list) : NULL; it;
	     it = clist_next(it)) {
		info = clist_content(it);
		if (info->st_att == MAILIMAP_STATUS_ATT_MESSAGES) {
			*messages = info->st_value;
			have |= 1;
		} else if (info->st_att == MAILIMAP_STATUS_ATT_UNSEEN) {
			*unseen = info->st_value;
			have |= 2;
		}
	}
	if (have != 3) {
		err_set("'%s' left out counts in STATUS of '%s'", c->host,
			mailbox);
		goto out;
	}
	rc = 0;
out:
	if (st)
		mailimap_mailbox_data_status_free(st);
	mailimap_status_att_list_free(atts);
	return rc;
}

/*
 * Ends the session: LOGOUT when the connection still works, then frees
 * everything. NULL is fine.
 */
void
imap_close(struct imap_conn *c)
{
	if (!c)
		return;
	if (c->imap) {
		/*
		 * mailimap_free() sends LOGOUT while a stream is open; on a
		 * dead connection that fails at once instead of waiting.
		 */
		mailimap_free(c->imap);
	}
	free(c);
}

/*
 * Asks the server whether user and pass may log in: connect, ID with
 * p->client_addr, LOGIN, LOGOUT. Returns IMAP_LOGIN_ACCEPTED,
 * IMAP_LOGIN_REFUSED when the server said no, or IMAP_LOGIN_ERROR when it
 * could not be asked (network, TLS, protocol, or a NO that is about the
 * server rather than the credentials); err_msg() says why.
 */
int
imap_check_login(const struct imap_params *p, const char *user,
		 const char *pass)
{
	struct imap_conn *c;
	int rc;

	if (imap_open(&c, p) < 0)
		return IMAP_LOGIN_ERROR;
	rc = imap_login_result(c, user, pass);
	imap_close(c);
	return rc;
}
