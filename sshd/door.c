/*
 * door.c: the per-connection process. It parses the SSH protocol of a
 * stranger, so it opens its own handle on tuimail.db only after the fork,
 * answers nothing before authentication but the login prompts, and gives
 * the UI only what the authenticated identity may have.
 *
 * States: DOOR_AUTH_NONE -> (password good, TOTP on) DOOR_AUTH_CODE ->
 * DOOR_AUTH_DONE. Both OpenSSH orders reach DONE: keyboard-interactive
 * with "Password:" then "Verification code:" as two rounds of one
 * exchange, or the password method answered with partial success and then
 * keyboard-interactive for the code.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "acct.h"
#include "door.h"
#include "door_req.h"
#include "index/index.h"
#include "spawn.h"
#include "util/buf.h"
#include "util/door_proto.h"
#include "util/log.h"
#include "util/msg.h"

#define DOOR_MAX_DELAY 30	 /* seconds, the cap of the failure delay */
#define DOOR_HUP_WAIT_MS 4000	 /* how long the UI gets after a hang-up */
#define DOOR_TO_UI_MAX (4u << 20) /* keys held for a busy UI, in bytes */
#define DOOR_NO_TTY_MSG "tuimail needs a terminal: use ssh -t\r\n"
/* Leaves the alternate screen, shows the cursor, resets attributes. */
#define DOOR_TTY_RESET "\033[0m\033[?25h\033[?2004l\033[?1049l\r\n"

enum door_auth { DOOR_AUTH_NONE, DOOR_AUTH_CODE, DOOR_AUTH_DONE };
enum door_kbd { DOOR_KBD_IDLE, DOOR_KBD_PASSWORD, DOOR_KBD_CODE };

struct door {
	const struct conf *conf; /* borrowed */
	ssh_session session;	 /* borrowed */
	ssh_event event;	 /* owned */
	ssh_channel channel;	 /* owned by the session */
	struct ssh_channel_callbacks_struct chan_cb;
	struct acct acct;
	char addr[INET6_ADDRSTRLEN];
	int notify_fd; /* tells the listener we are past auth; -1 after */

	enum door_auth auth;
	enum door_kbd kbd;
	int tries;
	char user[ACCT_EMAIL_MAX + 1];	/* normalised login name */
	char kbd_user[ACCT_EMAIL_MAX + 1]; /* as the kbd-int request gave it */
	struct acct_account account;	/* the authenticated account */
	struct buf password;		/* secret: the IMAP password */
	struct buf imap_user;		/* the IMAP login name */
	int64_t prev_login;
	char prev_addr[INET6_ADDRSTRLEN];

	int pty;
	char term[64];
	struct winsize ws;
	int shell;

	char state_dir[4096];
	struct door_identity id; /* what door_req.c answers for */
	struct spawn ui;
	int ui_running;
	int master_polled;
	/*
	 * Keys the pty could not take yet (a big paste): written when the
	 * master is writable again, through out_fd, a dup of the master
	 * polled for POLLOUT while keys wait.
	 */
	struct buf to_ui; /* may hold typed secrets: wiped */
	size_t to_ui_off;
	int out_fd;
	int out_polled;
	int refused; /* libssh holds keys we could not take */
	int ui_gone;
	int client_gone;
};

static void
door_log_auth(struct door *d, const char *user, const char *method,
	      const char *result)
{
	log_info("auth: addr=%s user=%s method=%s result=%s", d->addr,
		 *user ? user : "-", method, result);
}

/* The failure-counter keys of the address and of the account. */
static void
door_fail_keys(struct door *d, const char *user, char *ip, size_t iplen,
	       char *acc, size_t acclen)
{
	snprintf(ip, iplen, "ip:%s", d->addr);
	snprintf(acc, acclen, "user:%s", user);
}

/*
 * Waits before a login check: 0 s after no failure, then 1, 2, 4 ... up
 * to DOOR_MAX_DELAY, counting the failures of the address and of the
 * account within ACCT_FAIL_WINDOW, whichever is more.
 */
static void
door_delay(struct door *d, const char *user)
{
	char ip[80], acc[ACCT_EMAIL_MAX + 8];
	long n, m;
	unsigned s, cap;

	/* Never so long that the grace time ends the login first. */
	cap = (unsigned)(d->conf->login_grace_time / 3);
	if (cap > DOOR_MAX_DELAY)
		cap = DOOR_MAX_DELAY;
	door_fail_keys(d, user, ip, sizeof(ip), acc, sizeof(acc));
	n = acct_fail_count(&d->acct, ip);
	m = acct_fail_count(&d->acct, acc);
	if (m > n)
		n = m;
	if (n <= 0)
		return;
	s = n > 6 ? cap : 1u << (n - 1);
	if (s > cap)
		s = cap;
	if (n >= 6)
		log_warn("auth: addr=%s user=%s locked out for %u s after %ld "
			 "failures",
			 d->addr, user, s, n);
	sleep(s);
}

static void
door_failed(struct door *d, const char *user)
{
	char ip[80], acc[ACCT_EMAIL_MAX + 8];

	door_fail_keys(d, user, ip, sizeof(ip), acc, sizeof(acc));
	acct_fail_note(&d->acct, ip);
	if (*user)
		acct_fail_note(&d->acct, acc);
	d->tries++;
	if (d->tries >= d->conf->max_auth_tries) {
		log_info("auth: addr=%s user=%s: %d failures, disconnecting",
			 d->addr, *user ? user : "-", d->tries);
		ssh_disconnect(d->session);
	}
}

static void
door_imap_params(const struct conf *c, const char *addr,
		 struct imap_params *p)
{
	memset(p, 0, sizeof(*p));
	p->host = c->imap_host;
	p->port = (unsigned)conf_imap_port(c);
	p->security = c->imap_security;
	p->verify_cert = c->imap_verify_cert;
	p->ca_file = c->imap_ca_file;
	p->client_addr = addr;
}

/*
 * Reads the Dovecot master user's password: [imap] master_password_file
 * (its first line), else IMAP_MASTER_PASS from the env_file.
 */
static int
door_master_password(const struct conf *c, struct buf *out)
{
	FILE *f;
	int ch;

	buf_reset(out);
	if (!*c->imap_master_user)
		return err_set("[imap] master_user is not set");
	if (!*c->imap_master_password_file) {
		if (c->imap_master_password == NULL ||
		    !*c->imap_master_password)
			return err_set("no master password: set [imap] "
				       "master_password_file");
		buf_adds(out, c->imap_master_password);
		return 0;
	}
	f = fopen(c->imap_master_password_file, "r");
	if (f == NULL)
		return err_set("cannot open '%s': %s",
			       c->imap_master_password_file, strerror(errno));
	while ((ch = getc(f)) != EOF && ch != '\n')
		buf_addch(out, ch);
	fclose(f);
	buf_rtrim(out);
	if (out->len == 0)
		return err_set("'%s' is empty", c->imap_master_password_file);
	return 0;
}

static int door_finish_password(struct door *d, const char *method,
				int second_factor);

/*
 * A single sign-on token typed at the password prompt: good once, for
 * this address only, within its lifetime. The session then opens IMAP as
 * the Dovecot master user on the account's behalf. A bad token gets the
 * answer a wrong password gets. Logged as method sso-token, whichever
 * ssh method carried it.
 */
static int
door_check_sso(struct door *d, const char *token, const char *method)
{
	struct buf master = BUF_INIT, login = BUF_INIT;
	struct imap_params p;
	int rc;

	rc = acct_account_get(&d->acct, d->user, &d->account);
	if (rc <= 0 || !acct_account_can_login(&d->account)) {
		door_log_auth(d, d->user, "sso-token", "fail (no such account)");
		door_failed(d, d->user);
		return 0;
	}
	/* Checked before the token is spent, so that it is not wasted. */
	if (door_master_password(d->conf, &master) < 0) {
		log_err("auth: sso for %s: %s", d->user, err_msg());
		door_log_auth(d, d->user, "sso-token", "fail (no master user)");
		door_failed(d, d->user);
		return 0;
	}
	rc = acct_sso_use(&d->acct, d->user, token);
	if (rc <= 0) {
		door_log_auth(d, d->user, "sso-token",
			      "fail (unknown, used or expired token)");
		door_failed(d, d->user);
		buf_release_secret(&master);
		return 0;
	}
	buf_addf(&login, "%s*%s", d->user, d->conf->imap_master_user);
	door_imap_params(d->conf, d->addr, &p);
	rc = imap_check_login(&p, login.buf, master.buf);
	if (rc != IMAP_LOGIN_ACCEPTED) {
		log_err("auth: sso for %s: the master user login failed%s%s",
			d->user, rc < 0 ? ": " : "", rc < 0 ? err_msg() : "");
		door_log_auth(d, d->user, "sso-token", "fail (master login)");
		door_failed(d, d->user);
		buf_release_secret(&master);
		buf_release(&login);
		return 0;
	}
	buf_reset(&d->password);
	buf_add(&d->password, master.buf, master.len);
	buf_reset(&d->imap_user);
	buf_add(&d->imap_user, login.buf, login.len);
	buf_release_secret(&master);
	buf_release(&login);
	(void)method;
	return door_finish_password(d, "sso-token",
				    d->conf->sso_requires_2fa);
}

/*
 * After a good first factor: either the code is asked next, or the
 * login is complete. Returns 1.
 */
static int
door_finish_password(struct door *d, const char *method, int second_factor)
{
	char ip[80], acc[ACCT_EMAIL_MAX + 8];

	door_fail_keys(d, d->user, ip, sizeof(ip), acc, sizeof(acc));
	if (second_factor && d->account.totp_enabled) {
		d->auth = DOOR_AUTH_CODE;
		door_log_auth(d, d->user, method, "partial (code needed)");
		return 1;
	}
	acct_fail_clear(&d->acct, ip);
	acct_fail_clear(&d->acct, acc);
	d->auth = DOOR_AUTH_DONE;
	door_log_auth(d, d->user, method, "success");
	return 1;
}

/*
 * Checks a login name and password: IMAP LOGIN, then the account row,
 * which must allow logins (a suspended or deleted account is refused with
 * the same answer as a wrong password). Returns 1 when good.
 */
static int
door_check_password(struct door *d, const char *user, const char *pass,
		    const char *method)
{
	struct imap_params p;
	int rc;

	if (acct_norm_email(user, d->user, sizeof(d->user)) < 0) {
		door_log_auth(d, "", method, "fail (not an address)");
		door_failed(d, "");
		return 0;
	}
	door_delay(d, d->user);
	if (*pass == '\0') {
		/* A client that gives up at the prompt may send nothing. */
		door_log_auth(d, d->user, method, "fail (empty password)");
		door_failed(d, d->user);
		return 0;
	}
	/*
	 * Only the exact shape of our tokens ("sso-" and 32 hex digits) is
	 * taken for one, so that hardly any real password is mistaken.
	 */
	if (*d->conf->sso_secret && strlen(pass) == ACCT_SSO_TOKEN_LEN &&
	    !strncmp(pass, "sso-", 4) &&
	    strspn(pass + 4, "0123456789abcdef") == ACCT_SSO_TOKEN_LEN - 4)
		return door_check_sso(d, pass, method);
	door_imap_params(d->conf, d->addr, &p);
	rc = imap_check_login(&p, d->user, pass);
	if (rc == IMAP_LOGIN_ERROR) {
		/*
		 * Nobody judged the password: an outage must not count
		 * against the user or the address, only against this
		 * connection's tries.
		 */
		log_err("auth: addr=%s user=%s: IMAP server: %s", d->addr,
			d->user, err_msg());
		door_log_auth(d, d->user, method, "fail (IMAP unreachable)");
		if (++d->tries >= d->conf->max_auth_tries)
			ssh_disconnect(d->session);
		return 0;
	}
	if (rc == IMAP_LOGIN_REFUSED) {
		door_log_auth(d, d->user, method, "fail");
		door_failed(d, d->user);
		return 0;
	}
	rc = acct_account_get(&d->acct, d->user, &d->account);
	if (rc == 0 && conf_panel_mode(d->conf)) {
		/* In panel mode the panel's sync is the one that adds rows. */
		door_log_auth(d, d->user, method,
			      "fail (no account row: not synced by the panel)");
		door_failed(d, d->user);
		return 0;
	}
	if (rc == 0)
		rc = acct_account_autocreate(&d->acct, d->user, &d->account) <
				     0
			     ? -1
			     : 1;
	if (rc < 0) {
		log_err("auth: addr=%s user=%s: %s", d->addr, d->user,
			err_msg());
		door_log_auth(d, d->user, method, "fail (database)");
		door_failed(d, d->user);
		return 0;
	}
	if (!acct_account_can_login(&d->account)) {
		door_log_auth(d, d->user, method, "fail (account suspended)");
		door_failed(d, d->user);
		return 0;
	}
	buf_reset(&d->password);
	buf_adds(&d->password, pass);
	buf_reset(&d->imap_user);
	buf_adds(&d->imap_user, d->user);
	return door_finish_password(d, method, 1);
}

/* Checks the second factor; returns 1 when good. */
static int
door_check_code(struct door *d, const char *user, const char *code)
{
	char ip[80], acc[ACCT_EMAIL_MAX + 8], u[ACCT_EMAIL_MAX + 1];
	int rc;

	if (acct_norm_email(user, u, sizeof(u)) < 0 || strcmp(u, d->user)) {
		/* The name the client gave is not logged: it is not ours. */
		door_log_auth(d, d->user, "code", "fail (user changed)");
		door_failed(d, d->user);
		return 0;
	}
	/* The password check has waited already, for this same count. */
	if (d->tries > 0)
		door_delay(d, d->user);
	rc = acct_second_factor(&d->acct, &d->account, code);
	if (rc <= 0) {
		if (rc < 0)
			log_err("auth: %s", err_msg());
		door_log_auth(d, d->user, "code", "fail");
		door_failed(d, d->user);
		return 0;
	}
	door_fail_keys(d, d->user, ip, sizeof(ip), acc, sizeof(acc));
	acct_fail_clear(&d->acct, ip);
	acct_fail_clear(&d->acct, acc);
	d->auth = DOOR_AUTH_DONE;
	door_log_auth(d, d->user, "code", "success");
	return 1;
}

static int
door_auth_password(ssh_session session, const char *user, const char *pass,
		   void *arg)
{
	struct door *d = arg;

	if (d->auth != DOOR_AUTH_NONE ||
	    !door_check_password(d, user, pass, "password"))
		return SSH_AUTH_DENIED;
	if (d->auth == DOOR_AUTH_CODE) {
		/* The partial-success reply lists the methods set now. */
		ssh_set_auth_methods(session, SSH_AUTH_METHOD_INTERACTIVE);
		return SSH_AUTH_PARTIAL;
	}
	return SSH_AUTH_SUCCESS;
}

static int
door_kbd_ask(struct door *d, ssh_message m, enum door_kbd what)
{
	const char *prompt[1];
	char echo[1] = { 0 };

	prompt[0] = what == DOOR_KBD_PASSWORD ? "Password: "
					      : "Verification code: ";
	d->kbd = what;
	return ssh_message_auth_interactive_request(m, "", "", 1, prompt,
						    echo) == SSH_OK
		       ? 0
		       : 1;
}

/*
 * Keyboard-interactive, which libssh's server callbacks do not cover:
 * returns 0 when it replied to m, 1 to let libssh send a failure.
 */
static int
door_message(ssh_session session, ssh_message m, void *arg)
{
	struct door *d = arg;
	const char *user = ssh_message_auth_user(m), *answer;
	enum door_kbd kbd = d->kbd;

	if (ssh_message_type(m) != SSH_REQUEST_AUTH ||
	    ssh_message_subtype(m) != SSH_AUTH_METHOD_INTERACTIVE)
		return 1;
	if (user == NULL)
		user = "";
	if (!ssh_message_auth_kbdint_is_response(m)) {
		/* Only the request names the user; the response does not. */
		snprintf(d->kbd_user, sizeof(d->kbd_user), "%s", user);
		if (d->auth == DOOR_AUTH_NONE)
			return door_kbd_ask(d, m, DOOR_KBD_PASSWORD);
		if (d->auth == DOOR_AUTH_CODE)
			return door_kbd_ask(d, m, DOOR_KBD_CODE);
		return 1;
	}
	d->kbd = DOOR_KBD_IDLE;
	if (ssh_userauth_kbdint_getnanswers(session) != 1 ||
	    (answer = ssh_userauth_kbdint_getanswer(session, 0)) == NULL)
		return 1;
	if (kbd == DOOR_KBD_PASSWORD && d->auth == DOOR_AUTH_NONE) {
		if (!door_check_password(d, d->kbd_user, answer,
					 "keyboard-interactive"))
			return 1;
		if (d->auth == DOOR_AUTH_CODE)
			return door_kbd_ask(d, m, DOOR_KBD_CODE);
		ssh_message_auth_reply_success(m, 0);
		return 0;
	}
	if (kbd == DOOR_KBD_CODE && d->auth == DOOR_AUTH_CODE) {
		if (!door_check_code(d, d->kbd_user, answer))
			return 1;
		ssh_message_auth_reply_success(m, 0);
		return 0;
	}
	return 1;
}

static int
door_pty_request(ssh_session session, ssh_channel channel, const char *term,
		 int width, int height, int pxwidth, int pxheight, void *arg)
{
	struct door *d = arg;
	size_t i;

	(void)session;
	(void)channel;
	if (d->pty)
		return -1;
	/* A TERM name reaches terminfo: letters, digits and . _ + - only. */
	snprintf(d->term, sizeof(d->term), "%s", term && *term ? term : "");
	for (i = 0; d->term[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-",
			    d->term[i]))
			break;
	if (!d->term[0] || d->term[i])
		snprintf(d->term, sizeof(d->term), "xterm-256color");
	d->ws.ws_col = (unsigned short)(width > 0 && width < 1000 ? width : 80);
	d->ws.ws_row = (unsigned short)(height > 0 && height < 1000 ? height
								   : 24);
	d->ws.ws_xpixel = (unsigned short)(pxwidth > 0 ? pxwidth : 0);
	d->ws.ws_ypixel = (unsigned short)(pxheight > 0 ? pxheight : 0);
	d->pty = 1;
	return 0;
}

static int
door_window_change(ssh_session session, ssh_channel channel, int width,
		   int height, int pxwidth, int pxheight, void *arg)
{
	struct door *d = arg;

	(void)session;
	(void)channel;
	if (width <= 0 || width >= 1000 || height <= 0 || height >= 1000)
		return -1;
	d->ws.ws_col = (unsigned short)width;
	d->ws.ws_row = (unsigned short)height;
	d->ws.ws_xpixel = (unsigned short)(pxwidth > 0 ? pxwidth : 0);
	d->ws.ws_ypixel = (unsigned short)(pxheight > 0 ? pxheight : 0);
	if (d->ui_running && ioctl(d->ui.master, TIOCSWINSZ, &d->ws) < 0)
		log_warn("TIOCSWINSZ: %s", strerror(errno));
	return 0;
}

static int
door_shell_request(ssh_session session, ssh_channel channel, void *arg)
{
	struct door *d = arg;

	(void)session;
	(void)channel;
	if (d->shell)
		return 1;
	d->shell = 1;
	return 0;
}

/* "ssh host command" is refused: the session is the mail client. */
static int
door_exec_request(ssh_session session, ssh_channel channel,
		  const char *command, void *arg)
{
	(void)session;
	(void)channel;
	(void)command;
	(void)arg;
	return 1;
}

static int door_pty_writable(socket_t fd, int revents, void *arg);

/*
 * Holds up to len bytes of keys the pty cannot take now and watches the
 * master for room. Returns the bytes held.
 */
static uint32_t
door_hold_keys(struct door *d, const char *data, uint32_t len)
{
	size_t held = d->to_ui.len - d->to_ui_off;
	uint32_t take;

	if (held >= DOOR_TO_UI_MAX || d->out_fd < 0) {
		d->refused = 1;
		return 0;
	}
	take = len < DOOR_TO_UI_MAX - held ? len
					   : (uint32_t)(DOOR_TO_UI_MAX - held);
	if (take < len)
		d->refused = 1;
	buf_add(&d->to_ui, data, take);
	if (!d->out_polled &&
	    ssh_event_add_fd(d->event, d->out_fd, POLLOUT, door_pty_writable,
			     d) == SSH_OK)
		d->out_polled = 1;
	return take;
}

/*
 * Keys from the client go to the UI; returns the bytes taken. What the
 * pty cannot take at once is held (door_hold_keys): leaving it to libssh
 * would stall a paste until the client's next packet, because libssh
 * offers unread data again only then.
 */
static int
door_channel_data(ssh_session session, ssh_channel channel, void *data,
		  uint32_t len, int is_stderr, void *arg)
{
	struct door *d = arg;
	ssize_t n = 0;

	(void)session;
	(void)channel;
	(void)is_stderr;
	if (!d->ui_running || d->ui_gone)
		return (int)len;
	if (d->to_ui.len == d->to_ui_off) {
		n = write(d->ui.master, data, len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return (int)len;
		if (n < 0)
			n = 0;
		if ((uint32_t)n == len)
			return (int)len;
	}
	return (int)((uint32_t)n + door_hold_keys(d, (const char *)data + n,
						  len - (uint32_t)n));
}

/* The pty has room: the held keys go first, then what libssh kept. */
static int
door_pty_writable(socket_t fd, int revents, void *arg)
{
	struct door *d = arg;
	char more[16384];
	ssize_t n;
	int got;

	(void)revents;
	while (d->to_ui.len > d->to_ui_off) {
		n = write(fd, d->to_ui.buf + d->to_ui_off,
			  d->to_ui.len - d->to_ui_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			/* The UI has gone: its keys with it. */
			d->to_ui_off = d->to_ui.len;
			break;
		}
		d->to_ui_off += (size_t)n;
	}
	buf_release_secret(&d->to_ui);
	d->to_ui_off = 0;
	/*
	 * Keys refused while the buffer was full stay in the channel. Read
	 * them only then: with libssh's buffer empty, a read would handle
	 * packets and call back into this door from inside this callback.
	 */
	got = 0;
	if (d->refused && d->channel) {
		got = ssh_channel_read_nonblocking(d->channel, more,
						   sizeof(more), 0);
		/* A full read may have left more behind. */
		d->refused = got == (int)sizeof(more);
	}
	if (got > 0) {
		buf_add(&d->to_ui, more, (size_t)got);
		explicit_bzero(more, (size_t)got);
		return 0;
	}
	ssh_event_remove_fd(d->event, fd);
	d->out_polled = 0;
	return 0;
}

static void
door_channel_eof(ssh_session session, ssh_channel channel, void *arg)
{
	(void)session;
	(void)channel;
	((struct door *)arg)->client_gone = 1;
}

static void
door_channel_close(ssh_session session, ssh_channel channel, void *arg)
{
	(void)session;
	(void)channel;
	((struct door *)arg)->client_gone = 1;
}

static int door_pty_readable(socket_t fd, int revents, void *arg);

/* The client's window has room again: resume reading the pty. */
static int
door_wontblock(ssh_session session, ssh_channel channel, uint32_t bytes,
	       void *arg)
{
	struct door *d = arg;

	(void)session;
	(void)channel;
	if (bytes > 0 && d->ui_running && !d->master_polled && !d->ui_gone &&
	    ssh_event_add_fd(d->event, d->ui.master, POLLIN,
			     door_pty_readable, d) == SSH_OK)
		d->master_polled = 1;
	return 0;
}

static ssh_channel
door_channel_open(ssh_session session, void *arg)
{
	struct door *d = arg;

	if (d->auth != DOOR_AUTH_DONE || d->channel)
		return NULL;
	d->channel = ssh_channel_new(session);
	if (d->channel == NULL)
		return NULL;
	/* Set before returning, so that no request can come first. */
	memset(&d->chan_cb, 0, sizeof(d->chan_cb));
	d->chan_cb.userdata = d;
	d->chan_cb.channel_pty_request_function = door_pty_request;
	d->chan_cb.channel_pty_window_change_function = door_window_change;
	d->chan_cb.channel_shell_request_function = door_shell_request;
	d->chan_cb.channel_exec_request_function = door_exec_request;
	d->chan_cb.channel_data_function = door_channel_data;
	d->chan_cb.channel_eof_function = door_channel_eof;
	d->chan_cb.channel_close_function = door_channel_close;
	d->chan_cb.channel_write_wontblock_function = door_wontblock;
	ssh_callbacks_init(&d->chan_cb);
	ssh_set_channel_callbacks(d->channel, &d->chan_cb);
	return d->channel;
}

/* Output of the UI goes to the client, never more than its window. */
static int
door_pty_readable(socket_t fd, int revents, void *arg)
{
	struct door *d = arg;
	char data[16384];
	uint32_t room;
	ssize_t n;

	(void)revents;
	room = ssh_channel_window_size(d->channel);
	if (room == 0) {
		ssh_event_remove_fd(d->event, fd);
		d->master_polled = 0;
		return 0;
	}
	n = read(fd, data, room < sizeof(data) ? room : sizeof(data));
	if (n > 0) {
		if (ssh_channel_write(d->channel, data, (uint32_t)n) < 0)
			d->client_gone = 1;
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* EIO: every slave fd is closed, the UI has gone. */
	ssh_event_remove_fd(d->event, fd);
	d->master_polled = 0;
	d->ui_gone = 1;
	return 0;
}

static void
door_fill_session(struct door *d, struct door_session *s, const char *dir)
{
	const struct conf *c = d->conf;
	int admin;

	buf_adds(&s->email, d->account.email);
	buf_adds(&s->display_name, d->account.display_name);
	buf_adds(&s->client_addr, d->addr);
	buf_adds(&s->state_dir, dir);
	buf_adds(&s->keymap, c->keymap);
	buf_adds(&s->theme, c->theme);
	buf_adds(&s->imap_host, c->imap_host);
	buf_adds(&s->imap_ca_file, c->imap_ca_file);
	buf_add(&s->imap_user, d->imap_user.buf, d->imap_user.len);
	buf_add(&s->imap_pass, d->password.buf, d->password.len);
	buf_adds(&s->smtp_host, c->smtp_host);
	s->imap_port = (uint32_t)conf_imap_port(c);
	s->imap_security = (uint32_t)c->imap_security;
	s->imap_verify = (uint32_t)c->imap_verify_cert;
	s->smtp_port = (uint32_t)conf_smtp_port(c);
	s->smtp_security = (uint32_t)c->smtp_security;
	s->smtp_verify = (uint32_t)c->smtp_verify_cert;
	s->smtp_save_sent = (uint32_t)c->smtp_save_sent;
	admin = acct_is_admin(&d->acct, d->account.email);
	s->mail_admin = (uint32_t)c->mail_admin;
	s->is_admin = c->mail_admin && admin > 0;
}

/* Answers one request of the UI. The identity is ours, never its. */
static int
door_request(socket_t fd, int revents, void *arg)
{
	struct door *d = arg;
	struct door_session s;
	struct door_login_record r;
	struct msg req, reply;
	int rc;

	(void)revents;
	rc = msg_read(fd, &req);
	if (rc <= 0) {
		if (rc < 0)
			log_warn("door request from %s: %s", d->user, err_msg());
		ssh_event_remove_fd(d->event, fd);
		return 0;
	}
	switch (req.type) {
	case DOOR_HELLO:
		if (msg_end(&req) < 0)
			goto bad;
		door_session_init(&s);
		door_fill_session(d, &s, d->state_dir);
		door_encode_hello_ok(&reply, &s);
		door_session_release(&s);
		break;
	case DOOR_LOGIN_RECORD:
		if (msg_end(&req) < 0)
			goto bad;
		r.prev_at = (uint64_t)d->prev_login;
		buf_init(&r.prev_addr);
		buf_adds(&r.prev_addr, d->prev_addr);
		door_encode_login_record_ok(&reply, &r);
		buf_release(&r.prev_addr);
		break;
	default:
		if (door_req_spec(req.type) == NULL) {
			err_set("unknown request %u", req.type);
			goto bad;
		}
		door_answer(&d->id, &req, &reply);
		break;
	}
	msg_release(&req);
	if (msg_write(fd, &reply) < 0)
		log_warn("door reply to %s: %s", d->user, err_msg());
	msg_release(&reply);
	return 0;
bad:
	log_warn("door request from %s refused: %s", d->user, err_msg());
	door_encode_error(&reply, err_msg());
	msg_release(&req);
	msg_write(fd, &reply);
	msg_release(&reply);
	return 0;
}

/* Tells the listener this connection is past authentication. */
static void
door_notify(struct door *d)
{
	pid_t pid = getpid();

	if (d->notify_fd < 0)
		return;
	if (write(d->notify_fd, &pid, sizeof(pid)) != sizeof(pid))
		log_warn("cannot notify the listener: %s", strerror(errno));
	close(d->notify_fd);
	d->notify_fd = -1;
}

/* Starts the UI for the authenticated account; 0 or -1. */
static int
door_start_ui(struct door *d)
{
	struct spawn_ids ids;
	char ui_path[4096];

	if (spawn_ids(d->conf, &d->account, &ids) < 0 ||
	    spawn_state_dir(d->conf, &d->account, &ids, d->state_dir,
			    sizeof(d->state_dir)) < 0 ||
	    spawn_ui_path(ui_path, sizeof(ui_path)) < 0 ||
	    spawn_ui(ui_path, d->term, &d->ws, &ids, d->state_dir, &d->ui) < 0)
		return -1;
	d->ui_running = 1;
	d->out_fd = fcntl(d->ui.master, F_DUPFD_CLOEXEC, 3);
	if (ssh_event_add_fd(d->event, d->ui.master, POLLIN, door_pty_readable,
			     d) != SSH_OK ||
	    ssh_event_add_fd(d->event, d->ui.sock, POLLIN, door_request, d) !=
		    SSH_OK)
		return err_set("cannot watch the session's descriptors");
	d->master_polled = 1;
	log_info("session: addr=%s user=%s uid=%u pid=%d started", d->addr,
		 d->user, (unsigned)ids.uid, (int)d->ui.pid);
	return 0;
}

/* The UI has exited: pass its status on and end the channel. */
static void
door_ui_exited(struct door *d)
{
	int status = 0;

	while (waitpid(d->ui.pid, &status, 0) < 0 && errno == EINTR)
		;
	d->ui_running = 0;
	if (WIFSIGNALED(status)) {
		static const char reset[] = DOOR_TTY_RESET;
		const char *name = sigabbrev_np(WTERMSIG(status));

		ssh_channel_write(d->channel, reset, sizeof(reset) - 1);
		ssh_channel_request_send_exit_signal(
			d->channel, name ? name : "KILL", WCOREDUMP(status),
			"the mail client crashed", "");
		log_warn("session: user=%s pid=%d killed by signal %d", d->user,
			 (int)d->ui.pid, WTERMSIG(status));
	} else {
		ssh_channel_request_send_exit_status(d->channel,
						     WEXITSTATUS(status));
		log_info("session: user=%s pid=%d exited with status %d",
			 d->user, (int)d->ui.pid, WEXITSTATUS(status));
	}
	ssh_channel_send_eof(d->channel);
	ssh_channel_close(d->channel);
}

/* Stops holding keys for the UI and closes the master's dup. */
static void
door_drop_out_fd(struct door *d)
{
	if (d->out_polled)
		ssh_event_remove_fd(d->event, d->out_fd);
	d->out_polled = 0;
	if (d->out_fd >= 0)
		close(d->out_fd);
	d->out_fd = -1;
	buf_release_secret(&d->to_ui);
	d->to_ui_off = 0;
}

/*
 * The client went away: closing the master hangs up the UI's terminal
 * (SIGHUP), which saves what it must; it gets DOOR_HUP_WAIT_MS to exit.
 */
static void
door_client_gone(struct door *d)
{
	int waited, status;

	/* Every descriptor of the master, or there is no hang-up. */
	door_drop_out_fd(d);
	close(d->ui.master);
	d->ui.master = -1;
	for (waited = 0; waited < DOOR_HUP_WAIT_MS; waited += 50) {
		if (waitpid(d->ui.pid, &status, WNOHANG) == d->ui.pid) {
			d->ui_running = 0;
			break;
		}
		usleep(50 * 1000);
	}
	if (d->ui_running) {
		kill(d->ui.pid, SIGKILL);
		waitpid(d->ui.pid, &status, 0);
		d->ui_running = 0;
	}
	log_info("session: user=%s pid=%d ended: the client went away",
		 d->user, (int)d->ui.pid);
}

static void
door_peer_addr(ssh_session session, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = ssh_get_fd(session);

	snprintf(out, len, "unknown");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out,
			  (socklen_t)len);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  out, (socklen_t)len);
	/* An IPv4 client of a [::] listener is counted as its IPv4 self. */
	if (!strncmp(out, "::ffff:", 7) && strchr(out + 7, '.'))
		memmove(out, out + 7, strlen(out + 7) + 1);
}

/*
 * Runs one connection to its end; returns the process's exit status.
 * notify_fd receives our pid once authentication has succeeded.
 */
int
door_run(const struct conf *c, ssh_session session, int notify_fd)
{
	struct ssh_server_callbacks_struct cb;
	struct door d;
	long timeout = c->login_grace_time;
	time_t deadline;
	int rc = 1, one = 1;

	memset(&d, 0, sizeof(d));
	d.conf = c;
	d.session = session;
	d.notify_fd = notify_fd;
	d.ui.master = d.ui.sock = -1;
	d.out_fd = -1;
	buf_init(&d.to_ui);
	buf_init(&d.password);
	buf_init(&d.imap_user);
	door_peer_addr(session, d.addr, sizeof(d.addr));
	/* Keystrokes and redraws are small writes: no Nagle delays. */
	setsockopt(ssh_get_fd(session), IPPROTO_TCP, TCP_NODELAY, &one,
		   sizeof(one));
	/* A backstop for a peer that stalls inside libssh's own waits. */
	alarm((unsigned)c->login_grace_time + 5);
	deadline = time(NULL) + c->login_grace_time;

	if (acct_open(&d.acct, c, ACCT_OPEN_EXISTING, "door") < 0) {
		log_err("%s", err_msg());
		goto out;
	}
	memset(&cb, 0, sizeof(cb));
	cb.userdata = &d;
	cb.auth_password_function = door_auth_password;
	cb.channel_open_request_session_function = door_channel_open;
	ssh_callbacks_init(&cb);
	ssh_set_server_callbacks(session, &cb);
	ssh_set_message_callback(session, door_message, &d);
	ssh_set_auth_methods(session, SSH_AUTH_METHOD_PASSWORD |
					      SSH_AUTH_METHOD_INTERACTIVE);
	ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &timeout);
	if (ssh_handle_key_exchange(session) != SSH_OK) {
		log_info("connection from %s: key exchange failed: %s", d.addr,
			 ssh_get_error(session));
		goto out;
	}
	d.event = ssh_event_new();
	if (d.event == NULL || ssh_event_add_session(d.event, session) != SSH_OK)
		goto out;

	/* Authentication, then a session channel with a shell request. */
	while (!(d.auth == DOOR_AUTH_DONE && d.channel && d.shell)) {
		if (time(NULL) > deadline) {
			log_info("auth: addr=%s user=%s: login grace time "
				 "over",
				 d.addr, *d.user ? d.user : "-");
			goto out;
		}
		if (ssh_event_dopoll(d.event, 500) == SSH_ERROR ||
		    !ssh_is_connected(session) || d.client_gone)
			goto out;
		if (d.auth == DOOR_AUTH_DONE)
			door_notify(&d);
	}
	alarm(0);
	door_notify(&d);
	acct_login_stamp(&d.acct, &d.account, d.addr, &d.prev_login,
			 d.prev_addr, sizeof(d.prev_addr));
	/* From here on the session's address is who acts, for the audit. */
	snprintf(d.acct.actor, sizeof(d.acct.actor), "%s", d.user);
	d.id.conf = c;
	d.id.acct = &d.acct;
	d.id.email = d.account.email;
	d.id.addr = d.addr;
	d.id.password = d.password.buf;
	d.id.sso = strcmp(d.imap_user.buf, d.user) != 0;
	if (!d.pty) {
		ssh_channel_write(d.channel, DOOR_NO_TTY_MSG,
				  sizeof(DOOR_NO_TTY_MSG) - 1);
		ssh_channel_request_send_exit_status(d.channel, 1);
		ssh_channel_send_eof(d.channel);
		ssh_channel_close(d.channel);
		goto out;
	}
	if (door_start_ui(&d) < 0) {
		static const char msg[] = "tuimail: the session cannot start; "
					  "the administrator has the details\r\n";

		log_err("session for %s: %s", d.user, err_msg());
		ssh_channel_write(d.channel, msg, sizeof(msg) - 1);
		ssh_channel_request_send_exit_status(d.channel, 1);
		ssh_channel_send_eof(d.channel);
		ssh_channel_close(d.channel);
		goto out;
	}

	/* The relay, until one side goes. */
	/* Event-driven: an idle session wakes only once a minute. */
	while (!d.ui_gone && !d.client_gone) {
		if (ssh_event_dopoll(d.event, 60000) == SSH_ERROR ||
		    !ssh_is_connected(session))
			d.client_gone = 1;
	}
	if (d.ui_gone) {
		door_ui_exited(&d);
		/*
		 * Wait (a second at most) for the client's own close, so
		 * that disconnecting does not reset a connection whose last
		 * bytes are still unread.
		 */
		d.client_gone = 0;
		for (int i = 0; i < 20 && !d.client_gone &&
				ssh_is_connected(session);
		     i++)
			ssh_event_dopoll(d.event, 50);
		rc = 0;
	} else {
		door_client_gone(&d);
	}
out:
	alarm(0);
	door_drop_out_fd(&d);
	if (d.ui.master >= 0)
		close(d.ui.master);
	if (d.ui.sock >= 0)
		close(d.ui.sock);
	buf_release_secret(&d.password);
	buf_release(&d.imap_user);
	explicit_bzero(&d.id, sizeof(d.id));
	explicit_bzero(&d.account, sizeof(d.account));
	if (d.notify_fd >= 0)
		close(d.notify_fd);
	if (d.event)
		ssh_event_free(d.event);
	/* Let the last output, the exit status and the close reach it. */
	if (ssh_is_connected(session))
		ssh_blocking_flush(session, 2000);
	ssh_disconnect(session);
	acct_close(&d.acct);
	return rc;
}
