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
 *
 * Reading (issue 4) follows: folders (LIST, SPECIAL-USE, STATUS, modified
 * UTF-7), the open folder (SELECT with CONDSTORE, UID SORT, UID THREAD,
 * UID SEARCH), envelopes and messages (UID FETCH), flags (UID STORE),
 * COPY/MOVE/EXPUNGE, CREATE/RENAME/DELETE, GETQUOTAROOT, NOOP and IDLE.
 * This file calls libetpan and GnuTLS only: the door links it for its
 * password check, and must not pull in GMime, libxml2 or sqlite.
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
#include "util/sanitize.h"

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
	unsigned expunges;  /* EXPUNGE responses since imap_noop/imap_select */
	uint32_t idle_exists;	/* EXISTS when IDLE started */
	unsigned idle_expunges; /* expunges when IDLE started */
	int wake[2]; /* owned: imap_idle_fd() when bytes wait; -1 unused */
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
	c->wake[0] = c->wake[1] = -1;
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

/*
 * Logs in with LOGIN. Returns 0, or -1 when refused or on error. The
 * capabilities from before LOGIN are forgotten first: most servers send
 * the new list with their OK, and imap_has_capability() asks for it when
 * they did not.
 */
int
imap_login(struct imap_conn *c, const char *user, const char *pass)
{
	struct mailimap_connection_info *info;

	info = c->imap->imap_connection_info;
	if (info && info->imap_capability) {
		mailimap_capability_data_free(info->imap_capability);
		info->imap_capability = NULL;
	}
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
 * The HIGHESTMODSEQ of mailbox now (STATUS (HIGHESTMODSEQ), CONDSTORE),
 * into *modseq: where flag changes were seen up to, so that the next
 * UID FETCH CHANGEDSINCE asks only for what is newer. Returns 0, or -1
 * (also without CONDSTORE).
 */
int
imap_status_modseq(struct imap_conn *c, const char *mailbox,
		   uint64_t *modseq)
{
	struct mailimap_status_att_list *atts;
	struct mailimap_mailbox_data_status *st = NULL;
	struct mailimap_status_info *info;
	struct mailimap_condstore_status_info *cs;
	clistiter *it;
	int r, rc = -1;

	*modseq = 0;
	if (!imap_has_capability(c, "CONDSTORE"))
		return err_set("'%s' has no CONDSTORE", c->host);
	atts = mailimap_status_att_list_new_empty();
	if (!atts || mailimap_status_att_list_add(
			     atts, MAILIMAP_STATUS_ATT_HIGHESTMODSEQ))
		fatal("out of memory");
	r = mailimap_status(c->imap, mailbox, atts, &st);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(c, r, "STATUS");
		goto out;
	}
	for (it = st->st_info_list ? clist_begin(st->st_info_list) : NULL; it;
	     it = clist_next(it)) {
		info = clist_content(it);
		if (!info->st_ext_data ||
		    info->st_ext_data->ext_extension->ext_id !=
			    MAILIMAP_EXTENSION_CONDSTORE ||
		    info->st_ext_data->ext_type !=
			    MAILIMAP_CONDSTORE_TYPE_STATUS_INFO)
			continue;
		cs = info->st_ext_data->ext_data;
		*modseq = cs->cs_highestmodseq_value;
	}
	if (!*modseq) {
		err_set("'%s' left out HIGHESTMODSEQ in STATUS of '%s'",
			c->host, mailbox);
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
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
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

/*
 * ---- Reading (issue 4): folders, the open folder's order, envelopes,
 * messages, flags and changes. Commands libetpan knows go through its
 * functions; SORT, SEARCH, THREAD and LIST go through imap_command(),
 * which sends a line of our own and leaves the parsed answer in the
 * session's response info. THREAD has no parser in libetpan: a response
 * parser registered with mailimap_extension_register() reads it.
 */

/* UIDs per FETCH, STORE, COPY or EXPUNGE command, to keep lines short. */
#define IMAP_UID_CHUNK 500

/*
 * Counts the EXPUNGE responses of the command that just ended, for
 * imap_noop() and imap_idle_done().
 */
static void
imap_note(struct imap_conn *c)
{
	struct mailimap_response_info *info = c->imap->imap_response_info;

	if (info && info->rsp_expunged)
		c->expunges += (unsigned)clist_count(info->rsp_expunged);
}

/*
 * Sends the command line text (no tag, no CRLF) and reads the answer up
 * to its tagged response; what names the command in messages. Untagged
 * data stays in c->imap->imap_response_info until the next command.
 * Returns 0 when the server said OK, or -1.
 */
static int
imap_command(struct imap_conn *c, const char *what, const char *text)
{
	struct mailimap_response *resp = NULL;
	mailstream *s = c->imap->imap_stream;
	int r, ok;

	if (!s)
		return err_set("connection to '%s' lost: closed", c->host);
	r = mailimap_send_current_tag(c->imap);
	if (r == MAILIMAP_NO_ERROR &&
	    (mailstream_write(s, text, strlen(text)) < 0 ||
	     mailstream_write(s, "\r\n", 2) < 0 || mailstream_flush(s) < 0))
		r = MAILIMAP_ERROR_STREAM;
	if (r == MAILIMAP_NO_ERROR && !mailimap_read_line(c->imap))
		r = MAILIMAP_ERROR_STREAM;
	if (r == MAILIMAP_NO_ERROR)
		r = mailimap_parse_response(c->imap, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, what);
	imap_note(c);
	ok = resp->rsp_resp_done &&
	     resp->rsp_resp_done->rsp_type == MAILIMAP_RESP_DONE_TYPE_TAGGED &&
	     resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state
			     ->rsp_type == MAILIMAP_RESP_COND_STATE_OK;
	mailimap_response_free(resp);
	if (!ok)
		return imap_fail(c, MAILIMAP_ERROR_PROTOCOL, what);
	return 0;
}

/* libetpan's result for a command that went through its own function. */
static int
imap_check(struct imap_conn *c, int r, const char *what)
{
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, what);
	imap_note(c);
	return 0;
}

/*
 * Whether the server announced capability name ("MOVE", "THREAD=REFS").
 * When LOGIN's answer carried no list, CAPABILITY is asked once.
 */
int
imap_has_capability(struct imap_conn *c, const char *name)
{
	struct mailimap_connection_info *info = c->imap->imap_connection_info;
	struct mailimap_capability_data *caps = NULL;

	if (!info || !info->imap_capability) {
		if (mailimap_capability(c->imap, &caps) != MAILIMAP_NO_ERROR)
			return 0;
		mailimap_capability_data_free(caps);
	}
	return mailimap_has_extension(c->imap, name);
}

/* The search key of a listing limited to limit. */
static const char *
imap_limit_key(enum imap_limit limit)
{
	switch (limit) {
	case IMAP_LIMIT_UNSEEN:
		return "UNSEEN";
	case IMAP_LIMIT_FLAGGED:
		return "FLAGGED";
	default:
		return "ALL";
	}
}

/* Orders UIDs for qsort() and bsearch(). */
static int
imap_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Builds a UID set of the n ascending UIDs in sorted, ranges where they
 * follow each other ("1:40,52,60:61"). The caller frees it.
 */
static struct mailimap_set *
imap_uid_set(const uint32_t *sorted, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i = 0, j;

	if (!set)
		fatal("out of memory");
	while (i < n) {
		for (j = i; j + 1 < n && sorted[j + 1] <= sorted[j] + 1; j++)
			;
		if (mailimap_set_add_interval(set, sorted[i], sorted[j]) !=
		    MAILIMAP_NO_ERROR)
			fatal("out of memory");
		i = j + 1;
	}
	return set;
}

/*
 * Copies uids, sorted and without repeats, into a new array the caller
 * frees; *m is its length. NULL when n is 0.
 */
static uint32_t *
imap_uids_sorted(const uint32_t *uids, size_t n, size_t *m)
{
	uint32_t *s;
	size_t i, k = 0;

	*m = 0;
	if (!n)
		return NULL;
	s = malloc(n * sizeof(*s));
	if (!s)
		fatal("out of memory");
	memcpy(s, uids, n * sizeof(*s));
	qsort(s, n, sizeof(*s), imap_uid_cmp);
	for (i = 0; i < n; i++)
		if (s[i] && (k == 0 || s[i] != s[k - 1]))
			s[k++] = s[i];
	*m = k;
	return s;
}

/* ---- Modified UTF-7 (RFC 3501 5.1.3), the encoding of folder names. */

static const char imap_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* The value of a modified base64 digit, or -1. */
static int
imap_b64_value(int ch)
{
	const char *p;

	if (!ch)
		return -1;
	p = strchr(imap_b64, ch);
	return p ? (int)(p - imap_b64) : -1;
}

/* Appends code point cp to b as UTF-8. */
static void
imap_add_utf8(struct buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		buf_addch(b, (int)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 4);
	}
}

/*
 * Decodes one "&...-" run starting after the '&' at *p into b; moves *p
 * past the '-'. Returns 0, or -1 when the run is not valid modified
 * base64 of UTF-16.
 */
static int
imap_utf7_run(const char **p, struct buf *b)
{
	const char *s = *p;
	uint32_t acc = 0, unit, high = 0;
	int bits = 0, v, n = 0;

	for (; *s && *s != '-'; s++) {
		v = imap_b64_value((unsigned char)*s);
		if (v < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
		bits += 6;
		if (bits < 16)
			continue;
		bits -= 16;
		unit = acc >> bits & 0xFFFF;
		n++;
		if (high) {
			if (unit < 0xDC00 || unit > 0xDFFF)
				return -1;
			imap_add_utf8(b, 0x10000 + ((high - 0xD800) << 10) +
						 (unit - 0xDC00));
			high = 0;
		} else if (unit >= 0xD800 && unit <= 0xDBFF) {
			high = unit;
		} else if ((unit >= 0xDC00 && unit <= 0xDFFF) || unit == 0) {
			return -1;
		} else {
			imap_add_utf8(b, unit);
		}
	}
	/* Ends in '-', holds something, no half unit, zero padding only. */
	if (*s != '-' || !n || high || bits >= 6 ||
	    (acc & ((1u << bits) - 1)) != 0)
		return -1;
	*p = s + 1;
	return 0;
}

/*
 * Turns a folder name in modified UTF-7 into UTF-8. Returns a string the
 * caller frees, or NULL when the name is not valid modified UTF-7 (a raw
 * 8-bit byte, bad base64, a lone surrogate).
 */
char *
imap_utf7_to_utf8(const char *mutf7)
{
	struct buf b = BUF_INIT;
	const char *p = mutf7;

	while (*p) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7E)
			goto bad;
		if (*p != '&') {
			buf_addch(&b, *p++);
		} else if (p[1] == '-') {
			buf_addch(&b, '&');
			p += 2;
		} else {
			p++;
			if (imap_utf7_run(&p, &b) < 0)
				goto bad;
		}
	}
	return buf_detach(&b, NULL);
bad:
	buf_release(&b);
	err_set("folder name '%s' is not valid modified UTF-7", mutf7);
	return NULL;
}

/* Ends a base64 run: the last bits, zero-padded, then '-'. */
static void
imap_utf7_flush(struct buf *b, uint32_t *acc, int *bits, int *open)
{
	if (!*open)
		return;
	if (*bits > 0)
		buf_addch(b, imap_b64[(*acc << (6 - *bits)) & 0x3F]);
	buf_addch(b, '-');
	*acc = 0;
	*bits = 0;
	*open = 0;
}

/* Adds one UTF-16 unit to an open base64 run. */
static void
imap_utf7_unit(struct buf *b, uint32_t unit, uint32_t *acc, int *bits)
{
	*acc = (*acc << 16 | unit) & 0xFFFFFF;
	*bits += 16;
	while (*bits >= 6) {
		*bits -= 6;
		buf_addch(b, imap_b64[*acc >> *bits & 0x3F]);
	}
}

/*
 * Turns a folder name typed in UTF-8 into modified UTF-7, what commands
 * take. Returns a string the caller frees, or NULL when utf8 is not valid
 * UTF-8.
 */
char *
imap_utf8_to_utf7(const char *utf8)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)utf8;
	size_t left = strlen(utf8);
	uint32_t cp, acc = 0;
	int n, bits = 0, open = 0;

	while (left) {
		n = san_utf8_decode(p, left, &cp);
		if (n < 0) {
			buf_release(&b);
			err_set("folder name is not valid UTF-8");
			return NULL;
		}
		p += n;
		left -= (size_t)n;
		if (cp >= 0x20 && cp <= 0x7E) {
			imap_utf7_flush(&b, &acc, &bits, &open);
			if (cp == '&')
				buf_adds(&b, "&-");
			else
				buf_addch(&b, (int)cp);
			continue;
		}
		if (!open) {
			buf_addch(&b, '&');
			open = 1;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			imap_utf7_unit(&b, 0xD800 + (cp >> 10), &acc, &bits);
			imap_utf7_unit(&b, 0xDC00 + (cp & 0x3FF), &acc, &bits);
		} else {
			imap_utf7_unit(&b, cp, &acc, &bits);
		}
	}
	imap_utf7_flush(&b, &acc, &bits, &open);
	return buf_detach(&b, NULL);
}

/* ---- Folders. */

/* The special use a LIST flag names ("\\Sent" or "Sent"), or NONE. */
static int
imap_special_flag(const char *flag)
{
	static const struct {
		const char *name;
		int special;
	} flags[] = {
		{ "Drafts", IMAP_SPECIAL_DRAFTS }, { "Sent", IMAP_SPECIAL_SENT },
		{ "Trash", IMAP_SPECIAL_TRASH },   { "Junk", IMAP_SPECIAL_JUNK },
		{ "Archive", IMAP_SPECIAL_ARCHIVE },
	};
	size_t i;

	if (*flag == '\\')
		flag++;
	for (i = 0; i < sizeof(flags) / sizeof(*flags); i++)
		if (!strcasecmp(flag, flags[i].name))
			return flags[i].special;
	return IMAP_SPECIAL_NONE;
}

/*
 * The special use a folder's name suggests, for servers without
 * SPECIAL-USE: its last component, at the top or under INBOX, compared
 * with the names clients commonly give these folders.
 */
static int
imap_special_guess(const struct imap_folder *f)
{
	static const struct {
		const char *name;
		int special;
	} names[] = {
		{ "Drafts", IMAP_SPECIAL_DRAFTS },
		{ "Draft", IMAP_SPECIAL_DRAFTS },
		{ "Sent", IMAP_SPECIAL_SENT },
		{ "Sent Items", IMAP_SPECIAL_SENT },
		{ "Sent Messages", IMAP_SPECIAL_SENT },
		{ "Sent Mail", IMAP_SPECIAL_SENT },
		{ "Trash", IMAP_SPECIAL_TRASH },
		{ "Deleted Items", IMAP_SPECIAL_TRASH },
		{ "Deleted Messages", IMAP_SPECIAL_TRASH },
		{ "Bin", IMAP_SPECIAL_TRASH },
		{ "Junk", IMAP_SPECIAL_JUNK },
		{ "Spam", IMAP_SPECIAL_JUNK },
		{ "Junk E-mail", IMAP_SPECIAL_JUNK },
		{ "Junk Email", IMAP_SPECIAL_JUNK },
		{ "Archive", IMAP_SPECIAL_ARCHIVE },
		{ "Archives", IMAP_SPECIAL_ARCHIVE },
	};
	const char *last = f->name, *sep;
	size_t i;

	if (f->delim && (sep = strrchr(f->name, f->delim))) {
		if ((size_t)(sep - f->name) != 5 ||
		    strncasecmp(f->name, "INBOX", 5))
			return IMAP_SPECIAL_NONE;
		last = sep + 1;
	}
	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcasecmp(last, names[i].name))
			return names[i].special;
	return IMAP_SPECIAL_NONE;
}

/* INBOX first, then by name. */
static int
imap_folder_cmp(const void *a, const void *b)
{
	const struct imap_folder *x = a, *y = b;
	int xi = x->special == IMAP_SPECIAL_INBOX;
	int yi = y->special == IMAP_SPECIAL_INBOX;

	if (xi != yi)
		return yi - xi;
	return strcmp(x->display, y->display);
}

/* Fills f from one LIST answer; the strings are copied. */
static void
imap_folder_from_list(struct imap_folder *f,
		      const struct mailimap_mailbox_list *mb)
{
	struct mailimap_mbx_list_oflag *of;
	clistiter *it;
	int special;

	memset(f, 0, sizeof(*f));
	f->name = strdup(mb->mb_name);
	if (!f->name)
		fatal("out of memory");
	f->display = imap_utf7_to_utf8(mb->mb_name);
	if (!f->display && !(f->display = strdup(mb->mb_name)))
		fatal("out of memory");
	f->delim = mb->mb_delimiter;
	if (!strcasecmp(f->name, "INBOX"))
		f->special = IMAP_SPECIAL_INBOX;
	if (!mb->mb_flag)
		return;
	if (mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
	    mb->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
		f->noselect = 1;
	for (it = mb->mb_flag->mbf_oflags ? clist_begin(mb->mb_flag->mbf_oflags)
					 : NULL;
	     it; it = clist_next(it)) {
		of = clist_content(it);
		if (of->of_type != MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT ||
		    !of->of_flag_ext)
			continue;
		if (!strcasecmp(of->of_flag_ext, "NonExistent") ||
		    !strcasecmp(of->of_flag_ext, "\\NonExistent") ||
		    !strcasecmp(of->of_flag_ext, "Noselect") ||
		    !strcasecmp(of->of_flag_ext, "\\Noselect"))
			f->noselect = 1;
		special = imap_special_flag(of->of_flag_ext);
		if (special && !f->special)
			f->special = special;
	}
}

/*
 * Lists every folder (LIST "" "*", with RETURN (SPECIAL-USE) where the
 * server has it) and asks STATUS of each selectable one. Special uses
 * come from the server's flags; a use no folder is flagged with is
 * guessed from common names. INBOX comes first, then the folders by name.
 * On success *out (n of them) is the caller's, freed with
 * imap_folders_free().
 */
int
imap_list_folders(struct imap_conn *c, struct imap_folder **out, size_t *n)
{
	struct mailimap_response_info *info;
	struct imap_folder *f = NULL;
	unsigned char claimed[IMAP_SPECIAL_ARCHIVE + 1] = { 0 };
	clistiter *it;
	size_t count = 0, i;
	int special, rc = -1;

	*out = NULL;
	*n = 0;
	if (imap_command(c, "LIST",
			 imap_has_capability(c, "SPECIAL-USE")
				 ? "LIST \"\" \"*\" RETURN (SPECIAL-USE)"
				 : "LIST \"\" \"*\"") < 0)
		return -1;
	info = c->imap->imap_response_info;
	if (info && info->rsp_mailbox_list)
		count = (size_t)clist_count(info->rsp_mailbox_list);
	if (count) {
		f = calloc(count, sizeof(*f));
		if (!f)
			fatal("out of memory");
	}
	i = 0;
	for (it = count ? clist_begin(info->rsp_mailbox_list) : NULL;
	     it && i < count; it = clist_next(it))
		imap_folder_from_list(&f[i++], clist_content(it));
	for (i = 0; i < count; i++)
		claimed[f[i].special] = 1;
	for (i = 0; i < count; i++) {
		if (f[i].special)
			continue;
		special = imap_special_guess(&f[i]);
		if (special && !claimed[special]) {
			f[i].special = special;
			claimed[special] = 1;
		}
	}
	for (i = 0; i < count; i++) {
		if (f[i].noselect)
			continue;
		if (imap_status(c, f[i].name, &f[i].messages, &f[i].unseen) <
		    0) {
			if (c->io && c->io->dead)
				goto out;
			log_debug("imap: %s", err_msg());
		}
	}
	if (count)
		qsort(f, count, sizeof(*f), imap_folder_cmp);
	*out = f;
	*n = count;
	f = NULL;
	rc = 0;
out:
	if (f)
		imap_folders_free(f, count);
	return rc;
}

/* Frees what imap_list_folders() returned. NULL is fine. */
void
imap_folders_free(struct imap_folder *f, size_t n)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].display);
	}
	free(f);
}

/* CREATE of name, the server's name (imap_utf8_to_utf7() makes one). */
int
imap_folder_create(struct imap_conn *c, const char *name)
{
	return imap_check(c, mailimap_create(c->imap, name), "CREATE");
}

/* RENAME of from to to, both server names. */
int
imap_folder_rename(struct imap_conn *c, const char *from, const char *to)
{
	return imap_check(c, mailimap_rename(c->imap, from, to), "RENAME");
}

/* DELETE of name, a server name. */
int
imap_folder_delete(struct imap_conn *c, const char *name)
{
	return imap_check(c, mailimap_delete(c->imap, name), "DELETE");
}

/* ---- The open folder. */

/*
 * Selects folder (EXAMINE when readonly), with CONDSTORE where the server
 * has it so that HIGHESTMODSEQ comes back and flag changes can be asked
 * for later. Fills *out. Counting expunges starts again from here.
 */
int
imap_select(struct imap_conn *c, const char *folder, int readonly,
	    struct imap_mailbox_info *out)
{
	struct mailimap_selection_info *sel;
	uint64_t modseq = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (imap_has_capability(c, "CONDSTORE"))
		r = readonly ? mailimap_examine_condstore(c->imap, folder,
							  &modseq)
			     : mailimap_select_condstore(c->imap, folder,
							 &modseq);
	else
		r = readonly ? mailimap_examine(c->imap, folder)
			     : mailimap_select(c->imap, folder);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(c, r, readonly ? "EXAMINE" : "SELECT");
		return err_prefix("cannot open folder '%s'", folder);
	}
	c->expunges = 0;
	sel = c->imap->imap_selection_info;
	if (!sel)
		return err_set("'%s' said nothing about folder '%s'", c->host,
			       folder);
	out->uidvalidity = sel->sel_uidvalidity;
	out->uidnext = sel->sel_uidnext;
	out->exists = sel->sel_exists;
	out->highestmodseq = modseq;
	out->readonly = readonly || sel->sel_perm == MAILIMAP_MAILBOX_READONLY;
	return 0;
}

/*
 * The UIDs of the open folder in order: UID SORT by key on the server
 * (REVERSE when reverse), or for IMAP_SORT_ARRIVAL a UID SEARCH, which
 * needs no SORT and answers in arrival order. limit picks ALL, UNSEEN or
 * FLAGGED. On success *uids (n of them, NULL when there are none) is the
 * caller's to free().
 */
int
imap_sort(struct imap_conn *c, enum imap_sort_key key, int reverse,
	  enum imap_limit limit, uint32_t **uids, size_t *n)
{
	static const char *const names[] = {
		[IMAP_SORT_DATE] = "DATE",     [IMAP_SORT_FROM] = "FROM",
		[IMAP_SORT_SUBJECT] = "SUBJECT", [IMAP_SORT_SIZE] = "SIZE",
		[IMAP_SORT_TO] = "TO",
	};
	struct mailimap_response_info *info;
	struct mailimap_extension_data *ext;
	clist *list = NULL;
	clistiter *it;
	uint32_t *u = NULL, t;
	size_t count = 0, i;
	char cmd[96];

	*uids = NULL;
	*n = 0;
	if (key == IMAP_SORT_ARRIVAL) {
		snprintf(cmd, sizeof(cmd), "UID SEARCH %s",
			 imap_limit_key(limit));
		if (imap_command(c, "UID SEARCH", cmd) < 0)
			return -1;
		info = c->imap->imap_response_info;
		list = info ? info->rsp_search_result : NULL;
	} else {
		if ((unsigned)key >= sizeof(names) / sizeof(*names) ||
		    !names[key])
			return err_set("unknown sort key %d", (int)key);
		if (!imap_has_capability(c, "SORT"))
			return err_set("'%s' cannot sort (no SORT)", c->host);
		snprintf(cmd, sizeof(cmd), "UID SORT (%s%s) UTF-8 %s",
			 reverse ? "REVERSE " : "", names[key],
			 imap_limit_key(limit));
		if (imap_command(c, "UID SORT", cmd) < 0)
			return -1;
		info = c->imap->imap_response_info;
		for (it = info && info->rsp_extension_list
				  ? clist_begin(info->rsp_extension_list)
				  : NULL;
		     it && !list; it = clist_next(it)) {
			ext = clist_content(it);
			if (ext->ext_extension->ext_id ==
			    MAILIMAP_EXTENSION_SORT)
				list = ext->ext_data;
		}
	}
	if (list)
		count = (size_t)clist_count(list);
	if (count) {
		u = malloc(count * sizeof(*u));
		if (!u)
			fatal("out of memory");
	}
	i = 0;
	for (it = count ? clist_begin(list) : NULL; it && i < count;
	     it = clist_next(it))
		u[i++] = *(uint32_t *)clist_content(it);
	if (key == IMAP_SORT_ARRIVAL && reverse)
		for (i = 0; i < count / 2; i++) {
			t = u[i];
			u[i] = u[count - 1 - i];
			u[count - 1 - i] = t;
		}
	*uids = u;
	*n = count;
	return 0;
}

/*
 * UID SEARCH on the selected folder with criteria as
 * search_imap_criteria() writes them ("CHARSET UTF-8 ...", 8-bit strings
 * as LITERAL+ literals). On success *uids (n of them, ascending, NULL
 * when none) is the caller's to free().
 */
int
imap_search(struct imap_conn *c, const char *criteria, uint32_t **uids,
	    size_t *n)
{
	struct mailimap_response_info *info;
	struct buf cmd = BUF_INIT;
	clistiter *it;
	uint32_t *u = NULL;
	size_t count = 0, i = 0;
	int rc;

	*uids = NULL;
	*n = 0;
	/* Without LITERAL+ a literal waits for a continuation we never read. */
	if (strchr(criteria, '\n') && !imap_has_capability(c, "LITERAL+"))
		return err_set("'%s' cannot search for 8-bit text (no "
			       "LITERAL+)", c->host);
	buf_addf(&cmd, "UID SEARCH %s", criteria);
	rc = imap_command(c, "UID SEARCH", cmd.buf);
	buf_release(&cmd);
	if (rc < 0)
		return -1;
	info = c->imap->imap_response_info;
	if (info && info->rsp_search_result)
		count = (size_t)clist_count(info->rsp_search_result);
	if (count) {
		u = malloc(count * sizeof(*u));
		if (!u)
			fatal("out of memory");
		for (it = clist_begin(info->rsp_search_result);
		     it && i < count; it = clist_next(it))
			u[i++] = *(uint32_t *)clist_content(it);
		qsort(u, i, sizeof(*u), imap_uid_cmp);
	}
	*uids = u;
	*n = i;
	return 0;
}

/* ---- UID THREAD REFERENCES, through a response parser of our own. */

/* What the THREAD parser leaves in the response info; owns rows. */
struct imap_thread_data {
	struct imap_thread_row *rows;
	size_t n, alloc;
};

/* One parenthesised list being read: its first row and members. */
struct imap_thread_frame {
	size_t first;	  /* row of its first member */
	uint32_t members; /* numbers read directly in this list */
	uint32_t depth;	  /* depth of its first member */
	int nested;	  /* a sub-list came: no more numbers */
};

static int imap_thread_parse(int calling_parser, mailstream *fd,
			     MMAPString *buffer,
			     struct mailimap_parser_context *ctx, size_t *indx,
			     struct mailimap_extension_data **result,
			     size_t progr_rate, progress_function *progr_fun);
static void imap_thread_free(struct mailimap_extension_data *ext);

static struct mailimap_extension_api imap_thread_ext = {
	.ext_name = "THREAD",
	.ext_id = -1,
	.ext_parser = imap_thread_parse,
	.ext_free = imap_thread_free,
};

static void
imap_thread_free(struct mailimap_extension_data *ext)
{
	struct imap_thread_data *d = ext->ext_data;

	if (d) {
		free(d->rows);
		free(d);
	}
	free(ext);
}

static void
imap_thread_add(struct imap_thread_data *d, uint32_t uid, uint32_t depth)
{
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? d->alloc * 2 : 256;
		d->rows = realloc(d->rows, d->alloc * sizeof(*d->rows));
		if (!d->rows)
			fatal("out of memory");
	}
	d->rows[d->n].uid = uid;
	d->rows[d->n].depth = depth;
	d->rows[d->n].children = 0;
	d->n++;
}

/*
 * Ends a top-level thread that had no root (RFC 5256 leaves a missing
 * parent out: "((3)(5))"): its first message becomes the root and the
 * other branches move one level down, so the thread collapses as one.
 */
static void
imap_thread_rootless(struct imap_thread_data *d, size_t first)
{
	size_t end = first + d->rows[first].children + 1, j;

	for (j = end; j < d->n; j++)
		d->rows[j].depth++;
	d->rows[first].children = (uint32_t)(d->n - first - 1);
}

/*
 * Reads the threads of "THREAD (2)(3 6 (4 23)(44 7 96))" from p into d,
 * in the server's order, each message after its parent: depth counts the
 * ancestors shown above it, children the messages of its subtree. An
 * explicit stack, not recursion, so that deep nesting costs memory only.
 * Returns the position of the end of the line, or NULL on bad syntax.
 */
static const char *
imap_thread_read(const char *p, struct imap_thread_data *d)
{
	struct imap_thread_frame *st = NULL, *f, *tmp;
	size_t depth = 0, alloc = 0, i;
	unsigned long long v;
	uint32_t next;

	for (;;) {
		if (*p == ' ' && depth) {
			p++;
		} else if (*p == '(') {
			if (depth == alloc) {
				alloc = alloc ? alloc * 2 : 16;
				tmp = realloc(st, alloc * sizeof(*st));
				if (!tmp)
					fatal("out of memory");
				st = tmp;
			}
			next = 0;
			if (depth) {
				f = &st[depth - 1];
				f->nested = 1;
				next = f->depth + f->members;
			}
			st[depth].first = d->n;
			st[depth].members = 0;
			st[depth].depth = next;
			st[depth].nested = 0;
			depth++;
			p++;
		} else if (*p == ')' && depth) {
			f = &st[--depth];
			for (i = 0; i < f->members; i++)
				d->rows[f->first + i].children =
					(uint32_t)(d->n - (f->first + i) - 1);
			if (!depth && !f->members && d->n > f->first)
				imap_thread_rootless(d, f->first);
			p++;
		} else if (*p >= '0' && *p <= '9' && depth) {
			f = &st[depth - 1];
			if (f->nested)
				break;
			v = 0;
			while (*p >= '0' && *p <= '9' && v <= UINT32_MAX)
				v = v * 10 + (unsigned)(*p++ - '0');
			if (v == 0 || v > UINT32_MAX)
				break;
			imap_thread_add(d, (uint32_t)v, f->depth + f->members);
			f->members++;
		} else if (!depth && *p == ' ') {
			p++;
		} else {
			break;
		}
	}
	free(st);
	if (depth || (*p != '\r' && *p != '\n' && *p != '\0'))
		return NULL;
	return p;
}

/*
 * The response parser libetpan calls for untagged data it does not know:
 * takes "THREAD ..." lines, leaves everything else to the other parsers.
 */
static int
imap_thread_parse(int calling_parser, mailstream *fd, MMAPString *buffer,
		  struct mailimap_parser_context *ctx, size_t *indx,
		  struct mailimap_extension_data **result, size_t progr_rate,
		  progress_function *progr_fun)
{
	struct imap_thread_data *d;
	const char *p, *end;

	(void)fd;
	(void)ctx;
	(void)progr_rate;
	(void)progr_fun;
	if (calling_parser != MAILIMAP_EXTENDED_PARSER_RESPONSE_DATA)
		return MAILIMAP_ERROR_PARSE;
	p = buffer->str + *indx;
	if (strncasecmp(p, "THREAD", 6) ||
	    (p[6] != ' ' && p[6] != '\r' && p[6] != '\n'))
		return MAILIMAP_ERROR_PARSE;
	d = calloc(1, sizeof(*d));
	if (!d)
		fatal("out of memory");
	end = imap_thread_read(p + 6, d);
	if (!end) {
		free(d->rows);
		free(d);
		return MAILIMAP_ERROR_PARSE;
	}
	*result = mailimap_extension_data_new(&imap_thread_ext, 0, d);
	if (!*result)
		fatal("out of memory");
	*indx += (size_t)(end - p);
	return MAILIMAP_NO_ERROR;
}

/*
 * The open folder as threads: UID THREAD REFERENCES UTF-8 on the server,
 * flattened into rows in the server's order (the newest thread last), each
 * message under its parent with its depth and the size of its subtree. On
 * success *rows (n of them, NULL when none) is the caller's to free().
 */
int
imap_thread(struct imap_conn *c, enum imap_limit limit,
	    struct imap_thread_row **rows, size_t *n)
{
	static int registered;
	struct mailimap_response_info *info;
	struct mailimap_extension_data *ext;
	struct imap_thread_data *d = NULL;
	clistiter *it;
	char cmd[64];

	*rows = NULL;
	*n = 0;
	if (!imap_has_capability(c, "THREAD=REFERENCES"))
		return err_set("'%s' cannot thread (no THREAD=REFERENCES)",
			       c->host);
	if (!registered) {
		if (mailimap_extension_register(&imap_thread_ext) !=
		    MAILIMAP_NO_ERROR)
			fatal("out of memory");
		registered = 1;
	}
	snprintf(cmd, sizeof(cmd), "UID THREAD REFERENCES UTF-8 %s",
		 imap_limit_key(limit));
	if (imap_command(c, "UID THREAD", cmd) < 0)
		return -1;
	info = c->imap->imap_response_info;
	for (it = info && info->rsp_extension_list
			  ? clist_begin(info->rsp_extension_list)
			  : NULL;
	     it && !d; it = clist_next(it)) {
		ext = clist_content(it);
		if (ext->ext_extension == &imap_thread_ext)
			d = ext->ext_data;
	}
	if (d && d->n) {
		*rows = d->rows;
		*n = d->n;
		d->rows = NULL;
		d->n = d->alloc = 0;
	}
	return 0;
}

/* ---- Envelopes, flags and messages. */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
imap_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Skips white space and (nested) comments. */
static const char *
imap_date_skip(const char *p)
{
	int level;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			return p;
		for (level = 0; *p; p++) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '(')
				level++;
			else if (*p == ')' && --level == 0) {
				p++;
				break;
			}
		}
	}
}

/* Reads 1 to max digits; returns the value or -1. */
static int
imap_date_num(const char **p, int max)
{
	int v = 0, n = 0;

	while (**p >= '0' && **p <= '9' && n < max) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n ? v : -1;
}

/*
 * The offset in minutes of a zone name of RFC 5322's obsolete syntax;
 * military and unknown names count as UTC, as RFC 5322 says.
 */
static int
imap_date_zone_name(const char *p, size_t len)
{
	static const struct {
		const char *name;
		int hours;
	} zones[] = {
		{ "UT", 0 },   { "GMT", 0 },  { "Z", 0 },    { "EST", -5 },
		{ "EDT", -4 }, { "CST", -6 }, { "CDT", -5 }, { "MST", -7 },
		{ "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
	};
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(*zones); i++)
		if (strlen(zones[i].name) == len &&
		    !strncasecmp(p, zones[i].name, len))
			return zones[i].hours * 60;
	return 0;
}

/*
 * Parses an RFC 5322 date ("Mon, 2 Jan 2024 10:00:00 +0100 (CET)", the
 * day name, the seconds and the zone optional, obsolete two-digit years
 * and zone names accepted) into Unix seconds. Returns 0 when it cannot.
 */
static int64_t
imap_parse_date(const char *s)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	const char *p, *m;
	int day, mon, year, hh, mm, ss = 0, zone = 0, sign, v;
	size_t len;

	if (!s)
		return 0;
	p = imap_date_skip(s);
	if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
			p++;
		p = imap_date_skip(p);
		if (*p == ',')
			p = imap_date_skip(p + 1);
	}
	day = imap_date_num(&p, 2);
	p = imap_date_skip(p);
	if (day < 1 || day > 31 || strlen(p) < 3)
		return 0;
	for (m = months; *m; m += 3)
		if (!strncasecmp(p, m, 3))
			break;
	if (!*m)
		return 0;
	mon = (int)((m - months) / 3) + 1;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	p = imap_date_skip(p);
	len = strspn(p, "0123456789");
	year = imap_date_num(&p, 4);
	if (year < 0 || len > 4)
		return 0;
	if (len == 2)
		year += year < 50 ? 2000 : 1900;
	else if (len == 3)
		year += 1900;
	p = imap_date_skip(p);
	hh = imap_date_num(&p, 2);
	p = imap_date_skip(p);
	if (hh < 0 || hh > 23 || *p != ':')
		return 0;
	p = imap_date_skip(p + 1);
	mm = imap_date_num(&p, 2);
	if (mm < 0 || mm > 59)
		return 0;
	p = imap_date_skip(p);
	if (*p == ':') {
		p = imap_date_skip(p + 1);
		ss = imap_date_num(&p, 2);
		if (ss < 0 || ss > 60)
			return 0;
		p = imap_date_skip(p);
	}
	if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		len = strspn(p, "0123456789");
		v = imap_date_num(&p, 4);
		if (len != 4 || v < 0 || v % 100 > 59)
			return 0;
		zone = sign * (v / 100 * 60 + v % 100);
	} else {
		for (len = 0; (p[len] >= 'A' && p[len] <= 'Z') ||
			      (p[len] >= 'a' && p[len] <= 'z');
		     len++)
			;
		zone = imap_date_zone_name(p, len);
	}
	if (year < 1900 || day > 31)
		return 0;
	return imap_days(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss -
	       (int64_t)zone * 60;
}

/* INTERNALDATE as Unix seconds. */
static int64_t
imap_internaldate(const struct mailimap_date_time *dt)
{
	int zone = dt->dt_zone, sign = zone < 0 ? -1 : 1;

	zone *= sign;
	return imap_days(dt->dt_year, dt->dt_month, dt->dt_day) * 86400 +
	       dt->dt_hour * 3600 + dt->dt_min * 60 + dt->dt_sec -
	       (int64_t)sign * (zone / 100 * 3600 + zone % 100 * 60);
}

/*
 * Appends a display name as header text: as it came when it needs no
 * quotes or holds encoded words (which must not be quoted), else quoted.
 */
static void
imap_add_name(struct buf *b, const char *name)
{
	const char *p;

	if (!strpbrk(name, "()<>[]:;@\\,.\"") || strstr(name, "=?")) {
		buf_adds(b, name);
		return;
	}
	buf_addch(b, '"');
	for (p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addch(b, '\\');
		buf_addch(b, *p);
	}
	buf_addch(b, '"');
}

/*
 * Reassembles an ENVELOPE address list as header text: "Name <addr>" or
 * addr, joined with ", ". Group markers are left out; Dovecot's
 * placeholder for a missing domain (".MISSING-HOST-NAME.") too. Returns a
 * string the caller frees ("" for none).
 */
static char *
imap_addresses(clist *list)
{
	struct mailimap_address *a;
	struct buf b = BUF_INIT;
	clistiter *it;
	int named;

	for (it = list ? clist_begin(list) : NULL; it; it = clist_next(it)) {
		a = clist_content(it);
		if (!a->ad_host_name || !a->ad_mailbox_name)
			continue;
		if (b.len)
			buf_adds(&b, ", ");
		named = a->ad_personal_name && *a->ad_personal_name;
		if (named) {
			imap_add_name(&b, a->ad_personal_name);
			buf_adds(&b, " <");
		}
		buf_adds(&b, a->ad_mailbox_name);
		if (a->ad_host_name[0] != '.') {
			buf_addch(&b, '@');
			buf_adds(&b, a->ad_host_name);
		}
		if (named)
			buf_addch(&b, '>');
	}
	return buf_detach(&b, NULL);
}

/* Our flag bits from a FLAGS list. */
static uint32_t
imap_flags(const struct mailimap_msg_att_dynamic *dyn)
{
	struct mailimap_flag_fetch *ff;
	struct mailimap_flag *fl;
	uint32_t flags = 0;
	clistiter *it;

	for (it = dyn && dyn->att_list ? clist_begin(dyn->att_list) : NULL; it;
	     it = clist_next(it)) {
		ff = clist_content(it);
		fl = ff->fl_flag;
		if (ff->fl_type != MAILIMAP_FLAG_FETCH_OTHER || !fl)
			continue;
		switch (fl->fl_type) {
		case MAILIMAP_FLAG_SEEN:
			flags |= IMAP_FLAG_SEEN;
			break;
		case MAILIMAP_FLAG_ANSWERED:
			flags |= IMAP_FLAG_ANSWERED;
			break;
		case MAILIMAP_FLAG_FLAGGED:
			flags |= IMAP_FLAG_FLAGGED;
			break;
		case MAILIMAP_FLAG_DELETED:
			flags |= IMAP_FLAG_DELETED;
			break;
		case MAILIMAP_FLAG_DRAFT:
			flags |= IMAP_FLAG_DRAFT;
			break;
		case MAILIMAP_FLAG_KEYWORD:
			if (fl->fl_data.fl_keyword &&
			    !strcasecmp(fl->fl_data.fl_keyword, "$Forwarded"))
				flags |= IMAP_FLAG_FORWARDED;
			break;
		}
	}
	return flags;
}

/*
 * Reads one FETCH answer: its UID into *uid, its flags into *flags (when
 * it had FLAGS, else *flags is left), and when e is given its size,
 * dates and envelope into e (strings owned by e). Returns 1 when the
 * answer had FLAGS, 0 otherwise.
 */
static int
imap_read_att(const struct mailimap_msg_att *att, uint32_t *uid,
	      uint32_t *flags, struct imap_envelope *e)
{
	struct mailimap_msg_att_item *item;
	struct mailimap_msg_att_static *st;
	struct mailimap_envelope *env;
	clistiter *it;
	int had_flags = 0;

	*uid = 0;
	for (it = clist_begin(att->att_list); it; it = clist_next(it)) {
		item = clist_content(it);
		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
			*flags = imap_flags(item->att_data.att_dyn);
			had_flags = 1;
			continue;
		}
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			*uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			if (e)
				e->size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			if (e && st->att_data.att_internal_date)
				e->arrival = imap_internaldate(
					st->att_data.att_internal_date);
			break;
		case MAILIMAP_MSG_ATT_ENVELOPE:
			env = st->att_data.att_env;
			if (!e || !env || e->from)
				break;
			e->date = imap_parse_date(env->env_date);
			e->subject = xstrdup(env->env_subject);
			e->from = imap_addresses(
				env->env_from ? env->env_from->frm_list : NULL);
			e->to = imap_addresses(env->env_to ? env->env_to->to_list
							  : NULL);
			e->cc = imap_addresses(env->env_cc ? env->env_cc->cc_list
							  : NULL);
			e->message_id = xstrdup(env->env_message_id);
			e->in_reply_to = xstrdup(env->env_in_reply_to);
			break;
		}
	}
	return had_flags;
}

/* Frees the strings of e and zeroes it. */
void
imap_envelope_clear(struct imap_envelope *e)
{
	free(e->from);
	free(e->to);
	free(e->cc);
	free(e->subject);
	free(e->message_id);
	free(e->in_reply_to);
	memset(e, 0, sizeof(*e));
}

/* A UID and where it goes in the caller's array. */
struct imap_slot {
	uint32_t uid;
	size_t at;
};

static int
imap_slot_cmp(const void *a, const void *b)
{
	const struct imap_slot *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* The first of the n sorted slots whose UID is uid, or NULL. */
static struct imap_slot *
imap_slot_find(struct imap_slot *slots, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (slots[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && slots[lo].uid == uid ? &slots[lo] : NULL;
}

/* A deep copy of e into d. */
static void
imap_envelope_copy(struct imap_envelope *d, const struct imap_envelope *e)
{
	*d = *e;
	d->from = xstrdup(e->from);
	d->to = xstrdup(e->to);
	d->cc = xstrdup(e->cc);
	d->subject = xstrdup(e->subject);
	d->message_id = xstrdup(e->message_id);
	d->in_reply_to = xstrdup(e->in_reply_to);
}

/* The fetch attributes of imap_fetch_envelopes(). */
static struct mailimap_fetch_type *
imap_envelope_atts(void)
{
	struct mailimap_fetch_type *ft;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (!ft ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_uid()) ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_flags()) ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_rfc822_size()) ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_internaldate()) ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_envelope()))
		fatal("out of memory");
	return ft;
}

/*
 * Fetches UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE of the n messages
 * in uids (UID sets with ranges, IMAP_UID_CHUNK UIDs a command) into
 * out[i] for uids[i]. A message the server no longer has is left zeroed
 * (uid 0). Strings are raw header text, owned by out[i] and freed with
 * imap_envelope_clear(); none is NULL. Returns how many were found, or -1
 * (out is then cleared).
 */
int
imap_fetch_envelopes(struct imap_conn *c, const uint32_t *uids, size_t n,
		     struct imap_envelope *out)
{
	struct mailimap_fetch_type *ft = NULL;
	struct mailimap_set *set;
	struct imap_slot *slots = NULL, *hit;
	struct imap_envelope e;
	uint32_t *chunk = NULL, uid, flags;
	clist *result;
	clistiter *it;
	size_t i, j, k, found = 0;
	int r, rc = -1;

	memset(out, 0, n * sizeof(*out));
	if (!n)
		return 0;
	slots = malloc(n * sizeof(*slots));
	chunk = malloc(IMAP_UID_CHUNK * sizeof(*chunk));
	if (!slots || !chunk)
		fatal("out of memory");
	for (i = 0; i < n; i++) {
		slots[i].uid = uids[i];
		slots[i].at = i;
	}
	qsort(slots, n, sizeof(*slots), imap_slot_cmp);
	ft = imap_envelope_atts();
	for (i = 0; i < n;) {
		for (k = 0; i < n && k < IMAP_UID_CHUNK; i++)
			if (slots[i].uid &&
			    (!k || slots[i].uid != chunk[k - 1]))
				chunk[k++] = slots[i].uid;
		if (!k)
			continue;
		set = imap_uid_set(chunk, k);
		result = NULL;
		r = mailimap_uid_fetch(c->imap, set, ft, &result);
		mailimap_set_free(set);
		if (imap_check(c, r, "UID FETCH") < 0)
			goto out;
		for (it = clist_begin(result); it; it = clist_next(it)) {
			memset(&e, 0, sizeof(e));
			flags = 0;
			imap_read_att(clist_content(it), &uid, &flags, &e);
			hit = uid && e.from ? imap_slot_find(slots, n, uid)
					    : NULL;
			if (!hit || out[hit->at].uid) {
				imap_envelope_clear(&e);
				continue;
			}
			e.uid = uid;
			e.flags = flags;
			/* The same UID asked for twice gets two copies. */
			for (j = 1; hit + j < slots + n && hit[j].uid == uid;
			     j++) {
				imap_envelope_copy(&out[hit[j].at], &e);
				found++;
			}
			out[hit->at] = e;
			found++;
		}
		mailimap_fetch_list_free(result);
	}
	rc = (int)found;
out:
	if (rc < 0)
		for (i = 0; i < n; i++)
			imap_envelope_clear(&out[i]);
	if (ft)
		mailimap_fetch_type_free(ft);
	free(slots);
	free(chunk);
	return rc;
}

/*
 * Fetches UID FLAGS of every message of the open folder, or with
 * changedsince (and CONDSTORE) only of those whose flags changed since
 * that MODSEQ (FETCH ... (CHANGEDSINCE n)), and calls cb for each.
 * Returns how many there were, or -1.
 */
int
imap_fetch_flags(struct imap_conn *c, uint64_t changedsince,
		 void (*cb)(uint32_t uid, uint32_t flags, void *arg),
		 void *arg)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *result = NULL;
	clistiter *it;
	uint32_t uid, flags;
	int r, count = 0;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	set = mailimap_set_new_interval(1, 0);
	if (!ft || !set ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_uid()) ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_flags()))
		fatal("out of memory");
	if (changedsince && imap_has_capability(c, "CONDSTORE"))
		r = mailimap_uid_fetch_changedsince(c->imap, set, ft,
						    changedsince, &result);
	else
		r = mailimap_uid_fetch(c->imap, set, ft, &result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (imap_check(c, r, "UID FETCH FLAGS") < 0)
		return -1;
	for (it = clist_begin(result); it; it = clist_next(it)) {
		flags = 0;
		if (imap_read_att(clist_content(it), &uid, &flags, NULL) &&
		    uid) {
			cb(uid, flags, arg);
			count++;
		}
	}
	mailimap_fetch_list_free(result);
	return count;
}

/*
 * Appends the whole message uid (BODY.PEEK[], which leaves \Seen alone)
 * to raw. Returns 0, or -1 (also when the server has no such message).
 */
int
imap_fetch_message(struct imap_conn *c, uint32_t uid, struct buf *raw)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	struct mailimap_msg_att *att;
	struct mailimap_msg_att_item *item;
	struct mailimap_msg_att_static *st;
	struct mailimap_section *section;
	clist *result = NULL;
	clistiter *it, *i2;
	uint32_t got;
	int r, found = 0;

	section = mailimap_section_new(NULL);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	set = mailimap_set_new_single(uid);
	if (!section || !ft || !set ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_uid()) ||
	    mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_body_peek_section(section)))
		fatal("out of memory");
	r = mailimap_uid_fetch(c->imap, set, ft, &result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (imap_check(c, r, "UID FETCH BODY.PEEK[]") < 0)
		return -1;
	for (it = clist_begin(result); it && !found; it = clist_next(it)) {
		att = clist_content(it);
		got = 0;
		st = NULL;
		for (i2 = clist_begin(att->att_list); i2; i2 = clist_next(i2)) {
			item = clist_content(i2);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			if (item->att_data.att_static->att_type ==
			    MAILIMAP_MSG_ATT_UID)
				got = item->att_data.att_static->att_data
					      .att_uid;
			else if (item->att_data.att_static->att_type ==
				 MAILIMAP_MSG_ATT_BODY_SECTION)
				st = item->att_data.att_static;
		}
		if (got != uid || !st || !st->att_data.att_body_section)
			continue;
		if (st->att_data.att_body_section->sec_body_part)
			buf_add(raw, st->att_data.att_body_section->sec_body_part,
				st->att_data.att_body_section->sec_length);
		found = 1;
	}
	mailimap_fetch_list_free(result);
	if (!found)
		return err_set("'%s' has no message with UID %u", c->host,
			       uid);
	return 0;
}

/* A FLAGS list of our flag bits, for STORE. */
static struct mailimap_flag_list *
imap_flag_list(uint32_t flags)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	char *kw;

	if (!fl)
		fatal("out of memory");
	if (((flags & IMAP_FLAG_SEEN) &&
	     mailimap_flag_list_add(fl, mailimap_flag_new_seen())) ||
	    ((flags & IMAP_FLAG_ANSWERED) &&
	     mailimap_flag_list_add(fl, mailimap_flag_new_answered())) ||
	    ((flags & IMAP_FLAG_FLAGGED) &&
	     mailimap_flag_list_add(fl, mailimap_flag_new_flagged())) ||
	    ((flags & IMAP_FLAG_DELETED) &&
	     mailimap_flag_list_add(fl, mailimap_flag_new_deleted())) ||
	    ((flags & IMAP_FLAG_DRAFT) &&
	     mailimap_flag_list_add(fl, mailimap_flag_new_draft())))
		fatal("out of memory");
	if (flags & IMAP_FLAG_FORWARDED) {
		kw = strdup("$Forwarded");
		if (!kw || mailimap_flag_list_add(
				   fl, mailimap_flag_new_flag_keyword(kw)))
			fatal("out of memory");
	}
	return fl;
}

/*
 * Runs a command that takes a UID set over uids, IMAP_UID_CHUNK at a
 * time: op is called with each set. Returns 0 or -1.
 */
static int
imap_each_chunk(struct imap_conn *c, const uint32_t *uids, size_t n,
		int (*op)(struct imap_conn *c, struct mailimap_set *set,
			  void *arg),
		void *arg)
{
	struct mailimap_set *set;
	uint32_t *sorted;
	size_t m, i, k;
	int rc = 0;

	sorted = imap_uids_sorted(uids, n, &m);
	for (i = 0; i < m && rc == 0; i += k) {
		k = m - i < IMAP_UID_CHUNK ? m - i : IMAP_UID_CHUNK;
		set = imap_uid_set(sorted + i, k);
		rc = op(c, set, arg);
		mailimap_set_free(set);
	}
	free(sorted);
	return rc;
}

static int
imap_store_op(struct imap_conn *c, struct mailimap_set *set, void *arg)
{
	return imap_check(c, mailimap_uid_store(c->imap, set, arg),
			  "UID STORE");
}

/*
 * Adds (add) or removes the flags bits on the n messages in uids with UID
 * STORE +FLAGS.SILENT or -FLAGS.SILENT. Returns 0 or -1.
 */
int
imap_store_flags(struct imap_conn *c, const uint32_t *uids, size_t n,
		 uint32_t flags, int add)
{
	struct mailimap_store_att_flags *att;
	struct mailimap_flag_list *fl;
	int rc;

	if (!flags || !n)
		return 0;
	fl = imap_flag_list(flags);
	att = add ? mailimap_store_att_flags_new_add_flags_silent(fl)
		  : mailimap_store_att_flags_new_remove_flags_silent(fl);
	if (!att)
		fatal("out of memory");
	rc = imap_each_chunk(c, uids, n, imap_store_op, att);
	mailimap_store_att_flags_free(att);
	return rc;
}

static int
imap_copy_op(struct imap_conn *c, struct mailimap_set *set, void *arg)
{
	return imap_check(c, mailimap_uid_copy(c->imap, set, arg),
			  "UID COPY");
}

static int
imap_move_op(struct imap_conn *c, struct mailimap_set *set, void *arg)
{
	return imap_check(c, mailimap_uid_move(c->imap, set, arg),
			  "UID MOVE");
}

static int
imap_expunge_op(struct imap_conn *c, struct mailimap_set *set, void *arg)
{
	(void)arg;
	return imap_check(c, mailimap_uid_expunge(c->imap, set),
			  "UID EXPUNGE");
}

/*
 * Expunges the n messages in uids with UID EXPUNGE (UIDPLUS); a server
 * without it gets EXPUNGE, which removes every message marked \Deleted.
 * With no UIDs, EXPUNGE. Returns 0 or -1.
 */
int
imap_expunge(struct imap_conn *c, const uint32_t *uids, size_t n)
{
	if (n && imap_has_capability(c, "UIDPLUS"))
		return imap_each_chunk(c, uids, n, imap_expunge_op, NULL);
	return imap_check(c, mailimap_expunge(c->imap), "EXPUNGE");
}

/*
 * Copies the n messages in uids to dest (a server name); with move they
 * leave the open folder: UID MOVE where the server has MOVE, else UID
 * COPY, then \Deleted and imap_expunge(). Returns 0 or -1.
 */
int
imap_copy(struct imap_conn *c, const uint32_t *uids, size_t n,
	  const char *dest, int move)
{
	if (!n)
		return 0;
	if (move && imap_has_capability(c, "MOVE"))
		return imap_each_chunk(c, uids, n, imap_move_op, (void *)dest);
	if (imap_each_chunk(c, uids, n, imap_copy_op, (void *)dest) < 0)
		return -1;
	if (!move)
		return 0;
	if (imap_store_flags(c, uids, n, IMAP_FLAG_DELETED, 1) < 0)
		return -1;
	return imap_expunge(c, uids, n);
}

/*
 * The STORAGE quota of the INBOX's quota root (GETQUOTAROOT INBOX), in
 * KB. Returns 1 with both set, 0 when the server has no quota there
 * (both 0), or -1.
 */
int
imap_quota(struct imap_conn *c, uint64_t *used_kb, uint64_t *limit_kb)
{
	struct mailimap_quota_complete_data *data = NULL;
	struct mailimap_quota_quota_data *q;
	struct mailimap_quota_quota_resource *res;
	clistiter *it, *i2;
	int found = 0;

	*used_kb = *limit_kb = 0;
	if (!imap_has_capability(c, "QUOTA"))
		return 0;
	if (imap_check(c, mailimap_quota_getquotaroot(c->imap, "INBOX", &data),
		       "GETQUOTAROOT") < 0)
		return -1;
	for (it = data->quota_list ? clist_begin(data->quota_list) : NULL;
	     it && !found; it = clist_next(it)) {
		q = clist_content(it);
		for (i2 = q->quota_list ? clist_begin(q->quota_list) : NULL; i2;
		     i2 = clist_next(i2)) {
			res = clist_content(i2);
			if (res->resource_name &&
			    !strcasecmp(res->resource_name, "STORAGE")) {
				*used_kb = res->usage;
				*limit_kb = res->limit;
				found = 1;
				break;
			}
		}
	}
	mailimap_quota_complete_data_free(data);
	return found;
}

/*
 * Sends NOOP, which lets the server tell what changed. *exists is the
 * open folder's message count now. Returns how many EXPUNGE responses
 * came since the last imap_noop() or imap_select() (during other
 * commands and IDLE too), or -1.
 */
int
imap_noop(struct imap_conn *c, uint32_t *exists)
{
	unsigned n;

	if (imap_check(c, mailimap_noop(c->imap), "NOOP") < 0)
		return -1;
	*exists = c->imap->imap_selection_info
			  ? c->imap->imap_selection_info->sel_exists
			  : 0;
	n = c->expunges;
	c->expunges = 0;
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

/*
 * A liveness probe: NOOP, without taking the EXPUNGE count that
 * imap_noop() hands to mailbox_refresh() (what the server reports during
 * it is still counted for the next imap_noop()). Returns 0 when the
 * server answered, or -1.
 */
int
imap_alive(struct imap_conn *c)
{
	return imap_check(c, mailimap_noop(c->imap), "NOOP");
}

/*
 * Starts IDLE on the open folder. Until imap_idle_done() the caller only
 * waits for imap_idle_fd() to become readable (or for its own time-out:
 * end IDLE within 29 minutes). Returns 0, or -1 (also when the server has
 * no IDLE: poll with imap_noop() then).
 */
int
imap_idle_start(struct imap_conn *c)
{
	if (!imap_has_capability(c, "IDLE"))
		return err_set("'%s' cannot wait for changes (no IDLE)",
			       c->host);
	c->idle_exists = c->imap->imap_selection_info
				 ? c->imap->imap_selection_info->sel_exists
				 : 0;
	c->idle_expunges = c->expunges;
	return imap_check(c, mailimap_idle(c->imap), "IDLE");
}

/*
 * The descriptor to poll for reading while IDLE runs. Bytes the server
 * sent may already sit in libetpan's or GnuTLS's buffers, where they do
 * not wake poll(): then a pipe with one byte in it stands in, readable at
 * once. Returns the descriptor, or -1.
 */
int
imap_idle_fd(struct imap_conn *c)
{
	mailstream *s = c->imap->imap_stream;
	int pending;

	if (!s || !c->io)
		return err_set("connection to '%s' lost: closed", c->host);
	pending = s->read_buffer_len > 0 ||
		  (c->io->tls && gnutls_record_check_pending(c->io->tls) > 0);
	if (!pending)
		return mailimap_idle_get_fd(c->imap);
	if (c->wake[0] < 0 && pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		c->wake[0] = c->wake[1] = -1;
		return err_set("cannot make a pipe: %s", strerror(errno));
	}
	if (write(c->wake[1], "", 1) < 0 && errno != EAGAIN)
		return err_set("cannot write to a pipe: %s", strerror(errno));
	return c->wake[0];
}

/*
 * Ends IDLE (DONE) and reads what the server said meanwhile. *changed is
 * 1 when messages came, went or changed flags. Returns 0 or -1.
 */
int
imap_idle_done(struct imap_conn *c, int *changed)
{
	struct mailimap_response_info *info;
	char drain[64];
	uint32_t exists;

	*changed = 0;
	if (c->wake[0] >= 0)
		while (read(c->wake[0], drain, sizeof(drain)) > 0)
			;
	if (imap_check(c, mailimap_idle_done(c->imap), "IDLE") < 0)
		return -1;
	info = c->imap->imap_response_info;
	exists = c->imap->imap_selection_info
			 ? c->imap->imap_selection_info->sel_exists
			 : 0;
	*changed = exists != c->idle_exists ||
		   c->expunges != c->idle_expunges ||
		   (info && info->rsp_fetch_list &&
		    clist_count(info->rsp_fetch_list) > 0);
	return 0;
}

/* ---- The composer's writes to folders that need not be open (issue 5). */

/*
 * Appends the message raw[0..len) (CRLF line ends) to folder with the
 * flags bits set. *uid (when not NULL) gets its UID where the server has
 * UIDPLUS, else 0. The open folder stays selected. Returns 0 or -1.
 */
int
imap_append(struct imap_conn *c, const char *folder, uint32_t flags,
	    const char *raw, size_t len, uint32_t *uid)
{
	struct mailimap_flag_list *fl = imap_flag_list(flags);
	uint32_t validity = 0, got = 0;
	int r;

	if (imap_has_capability(c, "UIDPLUS"))
		r = mailimap_uidplus_append(c->imap, folder, fl, NULL, raw, len,
					    &validity, &got);
	else
		r = mailimap_append(c->imap, folder, fl, NULL, raw, len);
	mailimap_flag_list_free(fl);
	if (uid)
		*uid = got;
	if (imap_check(c, r, "APPEND") < 0)
		return err_prefix("cannot save the message in '%s'", folder);
	return 0;
}

/*
 * Removes message uid from folder (a draft replaced by a newer copy):
 * selects folder, marks it \Deleted and expunges it with UID EXPUNGE
 * (without UIDPLUS it stays marked, as a plain EXPUNGE would take other
 * messages with it), then selects reselect again when it is not NULL, so
 * that the open folder stays open. Returns 0 or -1.
 */
int
imap_remove_in(struct imap_conn *c, const char *folder, uint32_t uid,
	       const char *reselect)
{
	struct imap_mailbox_info info;
	int rc = -1;

	if (imap_select(c, folder, 0, &info) < 0)
		goto out;
	if (imap_store_flags(c, &uid, 1, IMAP_FLAG_DELETED, 1) < 0)
		goto out;
	if (imap_has_capability(c, "UIDPLUS") &&
	    imap_each_chunk(c, &uid, 1, imap_expunge_op, NULL) < 0)
		goto out;
	rc = 0;
out:
	if (reselect && imap_select(c, reselect, 0, &info) < 0)
		rc = -1;
	return rc;
}
