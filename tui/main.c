/*
 * main.c: tuimail, the mail client. For now it proves that a session
 * works: it logs in to IMAP, shows what INBOX holds, and quits on q. The
 * reading views replace the screen later.
 *
 *   tuimail                 door mode: the door that ran us holds the
 *                           other end of a socketpair on fd 3 (DOOR_FD)
 *   tuimail --imap-host HOST [--imap-port N] [--security tls|starttls|none]
 *           [--no-verify] [--ca-file FILE] --user USER
 *                           local mode: the password is asked on the
 *                           terminal, never taken from argv or environment
 *
 * Exit status: 0 normal, 1 an error (shown on the screen, or on stderr
 * before the screen exists), 2 a usage error. A hang-up or SIGTERM ends
 * it quietly with status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "index/index.h"
#include "tui/display.h"
#include "util/buf.h"
#include "util/conf.h"
#include "util/door_proto.h"
#include "util/log.h"

#define MAIN_OK 0
#define MAIN_ERR 1
#define MAIN_USAGE 2

/* Set by main_on_signal() while the key loop runs. */
static volatile sig_atomic_t main_signal;
/* The key loop runs: a signal is left to it instead of ending us at once. */
static volatile sig_atomic_t main_in_ui;
/* The terminal settings to restore while the password prompt is up. */
static struct termios main_tty;
static volatile sig_atomic_t main_tty_saved;

/* What a session found out, for the screen. */
struct main_state {
	struct buf email;
	struct buf error; /* empty: no error */
	struct buf prev_addr;
	time_t prev_login;
	unsigned messages, unseen;
	int have_counts;
};

/*
 * Puts the terminal back if the password prompt changed it, then ends at
 * once, unless the key loop runs and will see main_signal.
 */
static void
main_on_signal(int sig)
{
	if (main_tty_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &main_tty);
	if (!main_in_ui)
		_exit(MAIN_ERR);
	main_signal = sig;
}

/*
 * SIGHUP (the client vanished) and SIGTERM end the program; SIGINT only
 * while the password prompt is up (curses handles it later). No
 * SA_RESTART: the key loop must see them.
 */
static void
main_signals(int prompt)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!prompt)
		sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
}

static int
main_usage(void)
{
	fprintf(stderr,
		"usage: tuimail                 (started by tuimaild)\n"
		"       tuimail --imap-host HOST [--imap-port N] "
		"[--security tls|starttls|none]\n"
		"               [--no-verify] [--ca-file FILE] --user USER\n");
	return MAIN_USAGE;
}

/*
 * Asks for the password of user on the terminal with echo off. Returns 0
 * with the password in out (the caller wipes it), or -1.
 */
static int
main_read_password(const char *user, struct buf *out)
{
	struct termios quiet;
	ssize_t n;
	char ch;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &main_tty) < 0)
		return err_set("the password is asked on a terminal, and "
			       "standard input is not one");
	fprintf(stderr, "Password for %s: ", user);
	quiet = main_tty;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	main_tty_saved = 1;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	while ((n = read(STDIN_FILENO, &ch, 1)) == 1 && ch != '\n')
		buf_addch(out, ch);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &main_tty);
	main_tty_saved = 0;
	fputc('\n', stderr);
	explicit_bzero(&ch, sizeof(ch));
	if (out->len && out->buf[out->len - 1] == '\r')
		buf_setlen(out, out->len - 1);
	if (n < 0)
		return err_set("cannot read the password: %s", strerror(errno));
	if (out->len == 0)
		return err_set("empty password");
	return 0;
}

/*
 * Logs in with p, user and pass, then asks STATUS of INBOX into st. The
 * caller wipes pass. Returns 0 or -1.
 */
static int
main_imap(struct main_state *st, const struct imap_params *p, const char *user,
	  const char *pass)
{
	struct imap_conn *c;
	int rc = -1;

	if (imap_open(&c, p) < 0)
		return -1;
	if (imap_login(c, user, pass) == 0 &&
	    imap_status(c, "INBOX", &st->messages, &st->unseen) == 0) {
		st->have_counts = 1;
		rc = 0;
	}
	imap_close(c);
	return rc;
}

/*
 * Door mode: learns the session from the door, logs in to IMAP with the
 * credentials it gave, wipes the password, and tells the door the
 * mailbox is open. Returns 0 or -1.
 */
static int
main_door(struct main_state *st)
{
	struct door_session s;
	struct door_login_record rec = { 0, BUF_INIT };
	struct imap_params p = { 0 };
	int rc = -1;

	door_session_init(&s);
	if (door_hello(DOOR_FD, &s) < 0)
		goto out;
	buf_adds(&st->email, s.email.buf);
	p.host = s.imap_host.buf;
	p.port = s.imap_port;
	p.security = (int)s.imap_security;
	p.verify_cert = (int)s.imap_verify;
	p.ca_file = s.imap_ca_file.buf;
	p.client_addr = s.client_addr.buf;
	rc = main_imap(st, &p, s.imap_user.buf, s.imap_pass.buf);
	buf_release_secret(&s.imap_pass);
	if (rc < 0)
		goto out;
	rc = door_login_record(DOOR_FD, &rec);
	if (rc == 0) {
		st->prev_login = (time_t)rec.prev_at;
		buf_adds(&st->prev_addr, rec.prev_addr.buf);
	}
out:
	buf_release(&rec.prev_addr);
	door_session_release(&s);
	return rc;
}

/*
 * Local mode: parses the options into p and user, asks the password, logs
 * in. Returns 0, -1 on an error (err_msg() set), or MAIN_USAGE.
 */
static int
main_local(struct main_state *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "imap-host", required_argument, NULL, 'H' },
		{ "imap-port", required_argument, NULL, 'p' },
		{ "security", required_argument, NULL, 's' },
		{ "no-verify", no_argument, NULL, 'n' },
		{ "ca-file", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct imap_params p = { .security = CONF_SEC_TLS, .verify_cert = 1 };
	struct buf pass = BUF_INIT;
	const char *user = NULL;
	char *end;
	long port;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'H':
			p.host = optarg;
			break;
		case 'p':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (errno || *end || port < 1 || port > 65535)
				return MAIN_USAGE;
			p.port = (unsigned)port;
			break;
		case 's':
			if (!strcmp(optarg, "tls"))
				p.security = CONF_SEC_TLS;
			else if (!strcmp(optarg, "starttls"))
				p.security = CONF_SEC_STARTTLS;
			else if (!strcmp(optarg, "none"))
				p.security = CONF_SEC_NONE;
			else
				return MAIN_USAGE;
			break;
		case 'n':
			p.verify_cert = 0;
			break;
		case 'c':
			p.ca_file = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			return MAIN_USAGE;
		}
	}
	if (optind != argc || !p.host || !*p.host || !user || !*user)
		return MAIN_USAGE;
	buf_adds(&st->email, user);
	main_signals(1);
	rc = main_read_password(user, &pass);
	main_signals(0);
	if (rc == 0)
		rc = main_imap(st, &p, user, pass.buf);
	buf_release_secret(&pass);
	return rc;
}

int
main(int argc, char **argv)
{
	struct main_state st = { BUF_INIT, BUF_INIT, BUF_INIT, 0, 0, 0, 0 };
	struct display_info info;
	int door = argc == 1, rc, end;

	if (argc == 2 && !strcmp(argv[1], "-V")) {
		printf("tuimail 0.1\n");
		return MAIN_OK;
	}
	if (door && fcntl(DOOR_FD, F_GETFD) < 0) {
		fprintf(stderr, "tuimail: no door on fd %d; for a local "
				"session give --imap-host and --user\n",
			DOOR_FD);
		return main_usage();
	}
	log_init("tuimail", !door, 0);
	main_signals(0);

	rc = door ? main_door(&st) : main_local(&st, argc, argv);
	if (rc == MAIN_USAGE)
		return main_usage();
	if (rc < 0)
		buf_adds(&st.error, err_msg());

	if (display_open() < 0) {
		fprintf(stderr, "tuimail: %s\n",
			st.error.len ? st.error.buf : err_msg());
		return MAIN_ERR;
	}
	info = (struct display_info){
		.email = st.email.buf,
		.have_counts = st.have_counts,
		.messages = st.messages,
		.unseen = st.unseen,
		.prev_login = st.prev_login,
		.prev_addr = st.prev_addr.buf,
		.error = st.error.len ? st.error.buf : NULL,
	};
	main_in_ui = 1;
	end = display_run(&info, &main_signal);
	main_in_ui = 0;
	/* After a hang-up there is no terminal left to restore. */
	if (end == DISPLAY_QUIT || main_signal == SIGTERM)
		display_close();
	rc = end == DISPLAY_QUIT && !st.error.len ? MAIN_OK : MAIN_ERR;
	buf_release(&st.email);
	buf_release(&st.error);
	buf_release(&st.prev_addr);
	return rc;
}
