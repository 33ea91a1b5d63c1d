/*
 * smtp.c: SMTP submission (RFC 6409) of one message, over net.c.
 *
 * This is a small client of its own rather than libetpan's mailsmtp. In
 * libetpan 1.9.4 AUTH exists only through Cyrus SASL: it needs
 * libsasl2-modules loaded at run time and, without them, fails with
 * "Login failed" and never sends AUTH; the only other way to send our
 * own AUTH is mailsmtp_send_command(), which the library exports but
 * does not declare. Its replies are folded into a few error codes (a 421
 * at MAIL FROM is "unexpected code"), while the user needs the server's
 * own words. What submission needs (EHLO, STARTTLS, AUTH PLAIN or LOGIN,
 * MAIL, RCPT, DATA with dot-stuffing) is short, and net.c already does
 * the part that is hard: TLS, verified.
 *
 * Every step gives up after the timeout (SMTP_TIMEOUT, 30 s), except the
 * answer to the end of the data, which may take a server longer (it may
 * scan the message): SMTP_DATA_END_TIMEOUT. The password is only ever in
 * a buffer that is wiped after the write; err_msg() names the user, never
 * the password.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "index/index.h"
#include "index/net.h"
#include "util/buf.h"
#include "util/conf.h"
#include "util/log.h"

#define SMTP_DATA_END_TIMEOUT 300 /* seconds, RFC 5321 4.5.3.2.6 says 10 min */
#define SMTP_LINE_MAX 4096	  /* longest reply line taken */
#define SMTP_REPLY_LINES 100	  /* most lines of one reply */
#define SMTP_CHUNK 65536	  /* bytes of data written at a time */
#define SMTP_TEXT_MAX 400	  /* server text quoted in a message */

enum smtp_cap {
	SMTP_CAP_STARTTLS = 1 << 0,
	SMTP_CAP_AUTH_PLAIN = 1 << 1,
	SMTP_CAP_AUTH_LOGIN = 1 << 2,
	SMTP_CAP_SIZE = 1 << 3,
	SMTP_CAP_8BITMIME = 1 << 4,
	SMTP_CAP_XCLIENT = 1 << 5, /* with ADDR */
};

/* One submission session. */
struct smtp {
	const struct smtp_params *p; /* borrowed */
	struct net_conn *net;	     /* owned */
	struct buf line;	     /* the line being read */
	struct buf text;	     /* the last reply, lines joined by ' ' */
	int code;		     /* the last reply's code */
	unsigned caps;		     /* enum smtp_cap from EHLO */
	unsigned long max_size;	     /* SIZE from EHLO, 0: none said */
	int timeout;
};

/* Notes the capability an EHLO line names (the text after "250-"). */
static void
smtp_cap(struct smtp *s, const char *kw)
{
	struct buf w = BUF_INIT;

	if (!strcasecmp(kw, "STARTTLS")) {
		s->caps |= SMTP_CAP_STARTTLS;
	} else if (!strcasecmp(kw, "8BITMIME")) {
		s->caps |= SMTP_CAP_8BITMIME;
	} else if (!strncasecmp(kw, "SIZE", 4) && (kw[4] == ' ' || !kw[4])) {
		s->caps |= SMTP_CAP_SIZE;
		s->max_size = strtoul(kw + 4, NULL, 10);
	} else if (!strncasecmp(kw, "AUTH ", 5) ||
		   !strncasecmp(kw, "AUTH=", 5)) {
		/* Words padded with spaces, so that " PLAIN " matches. */
		buf_addf(&w, " %s ", kw + 5);
		if (strcasestr(w.buf, " PLAIN "))
			s->caps |= SMTP_CAP_AUTH_PLAIN;
		if (strcasestr(w.buf, " LOGIN "))
			s->caps |= SMTP_CAP_AUTH_LOGIN;
		buf_release(&w);
	} else if (!strncasecmp(kw, "XCLIENT ", 8) && strcasestr(kw, " ADDR")) {
		s->caps |= SMTP_CAP_XCLIENT;
	}
}

/*
 * Reads one reply: lines "NNN-text" up to "NNN text", all with the same
 * code. Sets s->code and s->text; with caps, also s->caps from an EHLO
 * answer. Returns the code, or -1 with err_msg() set (the connection is
 * lost or the server speaks no SMTP).
 */
static int
smtp_reply(struct smtp *s, int caps)
{
	const char *t;
	int lines = 0, code;

	buf_reset(&s->text);
	if (caps) {
		s->caps = 0;
		s->max_size = 0;
	}
	for (;;) {
		if (net_read_line(s->net, &s->line, SMTP_LINE_MAX) < 0)
			return -1;
		t = s->line.buf;
		if (s->line.len < 3 || !isdigit((unsigned char)t[0]) ||
		    !isdigit((unsigned char)t[1]) ||
		    !isdigit((unsigned char)t[2]) ||
		    (t[3] != '\0' && t[3] != ' ' && t[3] != '-') ||
		    ++lines > SMTP_REPLY_LINES) {
			net_kill(s->net);
			return err_set("'%s' does not speak SMTP: '%.80s'",
				       net_host(s->net), t);
		}
		code = (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0');
		if (lines > 1 && code != s->code) {
			net_kill(s->net);
			return err_set("'%s' sent a garbled reply",
				       net_host(s->net));
		}
		s->code = code;
		if (s->text.len)
			buf_addch(&s->text, ' ');
		buf_adds(&s->text, t);
		if (caps && lines > 1 && t[3])
			smtp_cap(s, t + 4);
		if (t[3] != '-')
			return code;
	}
}

/*
 * Sends one command line (CRLF added) and reads the reply. secret marks
 * a line with a password in it: it is wiped. Returns the reply code, or
 * -1 with err_msg() set.
 */
static int
smtp_cmd(struct smtp *s, int caps, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
smtp_cmd(struct smtp *s, int caps, const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	buf_add(&cmd, "\r\n", 2);
	rc = net_write(s->net, cmd.buf, cmd.len);
	buf_release(&cmd);
	if (rc < 0)
		return -1;
	return smtp_reply(s, caps);
}

/* Sends a line holding a secret, wipes it, reads the reply. */
static int
smtp_secret_cmd(struct smtp *s, struct buf *line)
{
	int rc;

	buf_add(line, "\r\n", 2);
	rc = net_write(s->net, line->buf, line->len);
	buf_release_secret(line);
	if (rc < 0)
		return -1;
	return smtp_reply(s, 0);
}

/* Returns the server's last reply, shortened for a message. */
static const char *
smtp_said(struct smtp *s)
{
	if (s->text.len > SMTP_TEXT_MAX)
		buf_setlen(&s->text, SMTP_TEXT_MAX);
	return s->text.buf;
}

/* Appends data[0..len) in base64 to out. */
static void
smtp_base64(struct buf *out, const unsigned char *data, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 |
		    data[i + 2];
		buf_addch(out, b64[v >> 18]);
		buf_addch(out, b64[(v >> 12) & 63]);
		buf_addch(out, b64[(v >> 6) & 63]);
		buf_addch(out, b64[v & 63]);
	}
	if (i < len) {
		v = (uint32_t)data[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		buf_addch(out, b64[v >> 18]);
		buf_addch(out, b64[(v >> 12) & 63]);
		buf_addch(out, i + 1 < len ? b64[(v >> 6) & 63] : '=');
		buf_addch(out, '=');
	}
}

/*
 * Returns the name for EHLO: p->helo, or the local address of the
 * connection as an address literal ("[192.0.2.1]", "[IPv6:::1]").
 */
static void
smtp_helo_name(struct smtp *s, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN];

	if (s->p->helo && *s->p->helo) {
		snprintf(out, len, "%s", s->p->helo);
		return;
	}
	snprintf(out, len, "localhost");
	if (getsockname(net_fd(s->net), (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET &&
	    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a,
		      sizeof(a)))
		snprintf(out, len, "[%s]", a);
	else if (ss.ss_family == AF_INET6 &&
		 inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			   a, sizeof(a)))
		snprintf(out, len, "[IPv6:%s]", a);
}

/* Sends EHLO and reads the capabilities. Returns 0 or -1. */
static int
smtp_ehlo(struct smtp *s)
{
	char name[300];
	int code;

	smtp_helo_name(s, name, sizeof(name));
	code = smtp_cmd(s, 1, "EHLO %s", name);
	if (code < 0)
		return -1;
	if (code != 250)
		return err_set("the mail server refused EHLO: %s",
			       smtp_said(s));
	return 0;
}

/* Reads the greeting, which a 220 opens. Returns 0 or -1. */
static int
smtp_greeting(struct smtp *s)
{
	int code = smtp_reply(s, 0);

	if (code < 0)
		return -1;
	if (code != 220)
		return err_set("the mail server '%s' is not available: %s",
			       net_host(s->net), smtp_said(s));
	return 0;
}

/* STARTTLS, then the TLS handshake, then EHLO again. Returns 0 or -1. */
static int
smtp_starttls(struct smtp *s)
{
	struct net_tls t = { s->p->verify_cert, s->p->ca_file };
	int code;

	if (!(s->caps & SMTP_CAP_STARTTLS))
		return err_set("the mail server '%s' does not offer STARTTLS",
			       net_host(s->net));
	code = smtp_cmd(s, 0, "STARTTLS");
	if (code < 0)
		return -1;
	if (code != 220)
		return err_set("the mail server refused STARTTLS: %s",
			       smtp_said(s));
	if (net_tls_start(s->net, &t) < 0)
		return -1;
	return smtp_ehlo(s);
}

/*
 * Tells a server that trusts us (Dovecot's login_trusted_networks,
 * Postfix's smtpd_authorized_xclient_hosts) the user's own address with
 * XCLIENT, so that its log and its penalty for failed logins name the
 * user, not the gateway. A server that refuses is used as it is.
 */
static int
smtp_xclient(struct smtp *s, const char *addr)
{
	unsigned char a[sizeof(struct in6_addr)];
	int code, v6 = inet_pton(AF_INET6, addr, a) == 1;

	if (!(s->caps & SMTP_CAP_XCLIENT))
		return 0;
	if (!v6 && inet_pton(AF_INET, addr, a) != 1)
		return 0;
	code = smtp_cmd(s, 0, "XCLIENT ADDR=%s%s", v6 ? "IPV6:" : "", addr);
	if (code < 0)
		return -1;
	if (code != 220) {
		log_debug("smtp: XCLIENT refused: %s", smtp_said(s));
		return 0;
	}
	return smtp_ehlo(s);
}

/* Turns the reply to AUTH into 0, or -1 with a message naming the user. */
static int
smtp_auth_verdict(struct smtp *s, int code)
{
	if (code < 0)
		return -1;
	if (code == 235)
		return 0;
	if (code >= 400 && code < 500)
		return err_set("the mail server cannot check the login of "
			       "'%s' now, try again later: %s",
			       s->p->user, smtp_said(s));
	return err_set("the mail server refused the login of '%s': %s",
		       s->p->user, smtp_said(s));
}

/* AUTH PLAIN, or LOGIN where PLAIN is not offered. Returns 0 or -1. */
static int
smtp_auth(struct smtp *s)
{
	const char *user = s->p->user, *pass = s->p->pass ? s->p->pass : "";
	struct buf plain = BUF_INIT, line = BUF_INIT;
	int code;

	if (s->caps & SMTP_CAP_AUTH_PLAIN) {
		buf_addch(&plain, '\0');
		buf_adds(&plain, user);
		buf_addch(&plain, '\0');
		buf_adds(&plain, pass);
		buf_adds(&line, "AUTH PLAIN ");
		smtp_base64(&line, (unsigned char *)plain.buf, plain.len);
		buf_release_secret(&plain);
		return smtp_auth_verdict(s, smtp_secret_cmd(s, &line));
	}
	if (!(s->caps & SMTP_CAP_AUTH_LOGIN))
		return err_set("the mail server '%s' offers no login that "
			       "tuimail knows (AUTH PLAIN or LOGIN)%s",
			       net_host(s->net),
			       net_is_tls(s->net)
				       ? ""
				       : "; it may want TLS or STARTTLS first");
	code = smtp_cmd(s, 0, "AUTH LOGIN");
	if (code != 334)
		return smtp_auth_verdict(s, code);
	smtp_base64(&line, (const unsigned char *)user, strlen(user));
	code = smtp_secret_cmd(s, &line);
	if (code != 334)
		return smtp_auth_verdict(s, code);
	smtp_base64(&line, (const unsigned char *)pass, strlen(pass));
	return smtp_auth_verdict(s, smtp_secret_cmd(s, &line));
}

/* Returns 1 when an address can go into MAIL FROM or RCPT TO as it is. */
static int
smtp_addr_ok(const char *a)
{
	const unsigned char *p;

	for (p = (const unsigned char *)a; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

/* A 4xx reply at any step: the server cannot take mail now. */
static int
smtp_later(struct smtp *s)
{
	return err_set("the mail server cannot take the message now, try "
		       "again later: %s",
		       smtp_said(s));
}

/*
 * Sends the data: line ends made CRLF, a dot doubled at the start of a
 * line, the final ".". Reports progress after every chunk. Returns 0 or
 * -1.
 */
static int
smtp_data(struct smtp *s, const char *data, size_t len)
{
	struct buf out = BUF_INIT;
	size_t i, done = 0;
	int bol = 1, rc = -1;

	buf_grow(&out, SMTP_CHUNK + 16);
	if (s->p->progress)
		s->p->progress(0, len, s->p->progress_arg);
	for (i = 0; i < len; i++) {
		if (bol && data[i] == '.')
			buf_addch(&out, '.');
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			buf_addch(&out, '\r');
		buf_addch(&out, data[i]);
		bol = data[i] == '\n';
		if (out.len >= SMTP_CHUNK) {
			if (net_write(s->net, out.buf, out.len) < 0)
				goto out;
			buf_reset(&out);
			done = i + 1;
			if (s->p->progress)
				s->p->progress(done, len, s->p->progress_arg);
		}
	}
	if (len > 0 && !bol)
		buf_add(&out, "\r\n", 2);
	buf_add(&out, ".\r\n", 3);
	if (net_write(s->net, out.buf, out.len) < 0)
		goto out;
	if (s->p->progress && done < len)
		s->p->progress(len, len, s->p->progress_arg);
	rc = 0;
out:
	buf_release(&out);
	return rc;
}

/* Returns 1 when data has a byte that is not 7-bit. */
static int
smtp_is_8bit(const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)data[i] >= 0x80)
			return 1;
	return 0;
}

/*
 * The mail transaction: MAIL FROM, RCPT TO for each recipient, DATA.
 * Nothing is sent when any recipient is refused. Returns 0 or -1.
 */
static int
smtp_transaction(struct smtp *s, const char *from, char *const *rcpt,
		 size_t n_rcpt, const char *data, size_t len)
{
	char size[40] = "";
	const char *body = "";
	size_t i, refused = 0;
	struct buf why = BUF_INIT;
	int code, rc = -1;

	if ((s->caps & SMTP_CAP_SIZE) && s->max_size && len > s->max_size)
		return err_set("the message is too large for the mail server: "
			       "%zu bytes, it takes at most %lu",
			       len, s->max_size);
	if (s->caps & SMTP_CAP_SIZE)
		snprintf(size, sizeof(size), " SIZE=%zu", len);
	if ((s->caps & SMTP_CAP_8BITMIME) && smtp_is_8bit(data, len))
		body = " BODY=8BITMIME";
	code = smtp_cmd(s, 0, "MAIL FROM:<%s>%s%s", from, size, body);
	if (code < 0)
		return -1;
	if (code >= 400 && code < 500)
		return smtp_later(s);
	if (code != 250)
		return err_set("the mail server refused the sender '%s': %s",
			       from, smtp_said(s));
	for (i = 0; i < n_rcpt; i++) {
		code = smtp_cmd(s, 0, "RCPT TO:<%s>", rcpt[i]);
		if (code < 0)
			goto out;
		if (code == 250 || code == 251)
			continue;
		if (code == 421) {
			smtp_later(s);
			goto out;
		}
		if (refused++ > 0)
			continue;
		if (code >= 400 && code < 500)
			buf_addf(&why, "the mail server cannot take mail for "
				       "'%s' now, try again later: %s",
				 rcpt[i], smtp_said(s));
		else
			buf_addf(&why, "the mail server refused recipient "
				       "'%s': %s",
				 rcpt[i], smtp_said(s));
	}
	if (refused) {
		if (refused > 1)
			buf_addf(&why, " (and %zu more refused)", refused - 1);
		err_set("%s", why.buf);
		goto out;
	}
	code = smtp_cmd(s, 0, "DATA");
	if (code < 0)
		goto out;
	if (code >= 400 && code < 500) {
		smtp_later(s);
		goto out;
	}
	if (code != 354) {
		err_set("the mail server refused the message: %s",
			smtp_said(s));
		goto out;
	}
	if (smtp_data(s, data, len) < 0)
		goto out;
	net_set_timeout(s->net, s->timeout > SMTP_DATA_END_TIMEOUT
					? s->timeout
					: SMTP_DATA_END_TIMEOUT);
	code = smtp_reply(s, 0);
	net_set_timeout(s->net, s->timeout);
	if (code < 0) {
		err_prefix("no answer after the whole message was sent, it "
			   "may have gone out");
		goto out;
	}
	if (code >= 400 && code < 500) {
		smtp_later(s);
		goto out;
	}
	if (code != 250) {
		err_set("the mail server refused the message: %s",
			smtp_said(s));
		goto out;
	}
	rc = 0;
out:
	buf_release(&why);
	return rc;
}

/*
 * Ends the session politely where the connection still works. The answer
 * to QUIT changes nothing, and after a failure (rc -1) err_msg() must
 * survive it.
 */
static void
smtp_quit(struct smtp *s, int rc)
{
	struct buf keep = BUF_INIT;

	buf_adds(&keep, err_msg());
	if (net_write(s->net, "QUIT\r\n", 6) == 0)
		net_read_line(s->net, &s->line, SMTP_LINE_MAX);
	if (rc)
		err_set("%s", keep.buf);
	buf_release(&keep);
}

/*
 * Submits the message data[0..len) (CRLF or LF line ends, not
 * dot-stuffed: what compose_build() makes) from the envelope sender from
 * to the n_rcpt recipients, as p says: connect, TLS or STARTTLS verified,
 * EHLO, AUTH, MAIL, RCPT, DATA, QUIT. Returns 0 once the server has taken
 * the message for every recipient; -1 with err_msg() set otherwise, when
 * nothing was sent (unless err_msg() says that it may have gone out).
 */
int
smtp_send(const struct smtp_params *p, const char *from, char *const *rcpt,
	  size_t n_rcpt, const char *data, size_t len)
{
	struct smtp s = { .p = p };
	struct net_tls t = { p->verify_cert, p->ca_file };
	unsigned port = p->port;
	size_t i;
	int rc = -1;

	buf_init(&s.line);
	buf_init(&s.text);
	s.timeout = p->timeout > 0 ? p->timeout : SMTP_TIMEOUT;
	if (!port)
		port = p->security == CONF_SEC_TLS ? 465 : 587;
	if (!from || !smtp_addr_ok(from))
		return err_set("invalid sender '%s'", from ? from : "");
	if (n_rcpt == 0)
		return err_set("no recipient");
	for (i = 0; i < n_rcpt; i++)
		if (!rcpt[i] || !*rcpt[i] || !smtp_addr_ok(rcpt[i]))
			return err_set("invalid recipient '%s'",
				       rcpt[i] ? rcpt[i] : "");
	if (!p->host || !*p->host)
		return err_set("no SMTP host given");
	if (net_connect(&s.net, p->host, port, s.timeout) < 0)
		return -1;
	if (p->security == CONF_SEC_TLS && net_tls_start(s.net, &t) < 0)
		goto out;
	if (smtp_greeting(&s) < 0 || smtp_ehlo(&s) < 0)
		goto out;
	if (p->security == CONF_SEC_STARTTLS && smtp_starttls(&s) < 0)
		goto out;
	if (p->client_addr && *p->client_addr &&
	    smtp_xclient(&s, p->client_addr) < 0)
		goto out;
	if (p->user && *p->user && smtp_auth(&s) < 0)
		goto out;
	if (smtp_transaction(&s, from, rcpt, n_rcpt, data, len) < 0)
		goto out;
	rc = 0;
out:
	if (s.code == 421)
		net_kill(s.net); /* the server closes after a 421 */
	smtp_quit(&s, rc);
	net_close(s.net);
	buf_release(&s.line);
	buf_release(&s.text);
	return rc;
}
