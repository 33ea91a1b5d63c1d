/*
 * main.c: tuimail, the mail client of a session. It learns who the user
 * is and how to reach the mail server, loads the keymap and the theme,
 * opens the screen and runs the views (app.c) over the mail session
 * (session.c).
 *
 *   tuimail                 door mode: the door that ran us holds the
 *                           other end of a socketpair on fd 3 (DOOR_FD)
 *   tuimail --imap-host HOST [--imap-port N] [--security tls|starttls|none]
 *           [--no-verify] [--ca-file FILE] --user USER
 *           [--keymap NAME] [--theme NAME] [--smtp-host HOST]
 *           [--smtp-port N] [--smtp-security tls|starttls|none]
 *                           local mode: the password is asked on the
 *                           terminal, never taken from argv or environment
 *
 * Keymaps and themes are looked up by name in the data dir: beside the
 * binary in ../share/tuimail/{keymaps,themes} when installed, else in
 * the source tree's keymaps/ and themes/ (build/tuimail -> ../keymaps).
 *
 * Exit status: 0 the user quit after a session that logged in, 1 an
 * error (shown on the screen, or on stderr before the screen exists), 2
 * a usage error. A hang-up or SIGTERM ends it quietly with status 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "index/index.h"
#include "tui/app.h"
#include "tui/display.h"
#include "util/buf.h"
#include "util/conf.h"
#include "util/door_proto.h"
#include "util/log.h"

#define MAIN_OK 0
#define MAIN_ERR 1
#define MAIN_USAGE 2

/* Enough keys to read mail and quit when no keymap file can be read. */
static const char main_builtin_keys[] =
	"[global]\n? help\nq back\nQ quit\n^L redraw\nc change-folder\n"
	"B toggle-sidebar\n$ refresh\n"
	"[index]\nj move-down\n<Down> move-down\nk move-up\n<Up> move-up\n"
	"<PageDown> page-down\n<Space> page-down\n<PageUp> page-up\n"
	"<Home> first\n<End> last\n<Enter> open\n<Tab> next-unread\n"
	"d delete\nu undelete\nF flag\nN toggle-read\ns move\nC copy\n"
	"T toggle-threads\nz collapse-thread\no sort\nO sort-reverse\n"
	"l limit\n"
	"[pager]\nj move-down\n<Down> move-down\nk move-up\n<Up> move-up\n"
	"<Space> page-down\n<PageDown> page-down\n<PageUp> page-up\n"
	"J next-message\nK previous-message\nh all-headers\n"
	"H toggle-html\n/ find\nn find-next\nd delete\n"
	"[folders]\nj move-down\n<Down> move-down\nk move-up\n<Up> move-up\n"
	"<Enter> open\na folder-create\nR folder-rename\nD folder-delete\n";

/* Set by main_on_signal() while the key loop runs. */
static volatile sig_atomic_t main_signal;
/* The key loop runs: a signal is left to it instead of ending us at once. */
static volatile sig_atomic_t main_in_ui;
/* The terminal settings to restore while the password prompt is up. */
static struct termios main_tty;
static volatile sig_atomic_t main_tty_saved;

/* What main() learns before the screen opens. */
struct main_start {
	struct buf keymap, theme; /* names, or paths in local mode */
	struct buf pass;	  /* door mode: the first login's; secret */
	int allow_paths;	  /* local mode: a name may be a path */
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
 * while the password prompt is up (the screen reads Ctrl-C as a key).
 * No SA_RESTART: the key loop must see them. A server that goes away
 * must not kill us with SIGPIPE.
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
	signal(SIGPIPE, SIG_IGN);
}

/* Prints how to run tuimail. Returns the usage exit status. */
static int
main_usage(void)
{
	fprintf(stderr,
		"usage: tuimail                 (started by tuimaild)\n"
		"       tuimail --imap-host HOST [--imap-port N] "
		"[--security tls|starttls|none]\n"
		"               [--no-verify] [--ca-file FILE] --user USER\n"
		"               [--keymap NAME] [--theme NAME]\n"
		"               [--smtp-host HOST] [--smtp-port N] "
		"[--smtp-security tls|starttls|none]\n");
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
 * Door mode: learns the session from the door into a and st; the
 * password of the first login goes to st->pass. Returns 0 or -1.
 */
static int
main_door(struct app *a, struct main_start *st)
{
	struct door_session s;
	int rc = -1;

	door_session_init(&s);
	if (door_hello(DOOR_FD, &s) < 0)
		goto out;
	a->door = 1;
	buf_adds(&a->email, s.email.buf);
	buf_adds(&a->imap_host, s.imap_host.buf);
	buf_adds(&a->imap_ca_file, s.imap_ca_file.buf);
	buf_adds(&a->client_addr, s.client_addr.buf);
	buf_adds(&a->imap_user, s.imap_user.buf);
	buf_adds(&a->state_dir, s.state_dir.buf);
	a->imap_port = s.imap_port;
	a->imap_security = (int)s.imap_security;
	a->imap_verify = (int)s.imap_verify;
	buf_adds(&a->display_name, s.display_name.buf);
	buf_adds(&a->smtp_host, s.smtp_host.buf);
	a->smtp_port = s.smtp_port;
	a->smtp_security = (int)s.smtp_security;
	a->smtp_verify = (int)s.smtp_verify;
	a->save_sent = (int)s.smtp_save_sent;
	a->is_admin = (int)s.is_admin;
	a->mail_admin = (int)s.mail_admin;
	buf_adds(&st->keymap, s.keymap.buf);
	buf_adds(&st->theme, s.theme.buf);
	buf_adds(&st->pass, s.imap_pass.buf);
	rc = 0;
out:
	buf_release_secret(&s.imap_pass);
	door_session_release(&s);
	return rc;
}

/* Local mode's state dir: $HOME/.cache/tuimail/USER, "" without HOME. */
static void
main_local_state(struct app *a, const char *user)
{
	const char *home = getenv("HOME"), *p;

	if (!home || !*home)
		return;
	buf_addf(&a->state_dir, "%s/.cache/tuimail/", home);
	for (p = user; *p; p++)
		buf_addch(&a->state_dir, *p == '/' ? '_' : *p);
}

/*
 * Local mode: parses the options into a and st, asks the password into
 * a->pass. Returns 0, -1 on an error (err_msg() set), or MAIN_USAGE.
 */
static int
main_local(struct app *a, struct main_start *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "imap-host", required_argument, NULL, 'H' },
		{ "imap-port", required_argument, NULL, 'p' },
		{ "security", required_argument, NULL, 's' },
		{ "no-verify", no_argument, NULL, 'n' },
		{ "ca-file", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "keymap", required_argument, NULL, 'k' },
		{ "theme", required_argument, NULL, 't' },
		{ "smtp-host", required_argument, NULL, 'S' },
		{ "smtp-port", required_argument, NULL, 'P' },
		{ "smtp-security", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = NULL;
	char *end;
	long port;
	int opt, rc, sec;

	a->imap_security = CONF_SEC_TLS;
	a->imap_verify = 1;
	a->smtp_security = CONF_SEC_STARTTLS;
	a->smtp_port = 587;
	a->save_sent = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'H':
			buf_reset(&a->imap_host);
			buf_adds(&a->imap_host, optarg);
			break;
		case 'p':
		case 'P':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (errno || *end || port < 1 || port > 65535)
				return MAIN_USAGE;
			*(opt == 'p' ? &a->imap_port : &a->smtp_port) =
				(unsigned)port;
			break;
		case 's':
		case 'E':
			sec = conf_security_parse(optarg);
			if (sec < 0)
				return MAIN_USAGE;
			*(opt == 's' ? &a->imap_security : &a->smtp_security) =
				sec;
			break;
		case 'S':
			buf_reset(&a->smtp_host);
			buf_adds(&a->smtp_host, optarg);
			break;
		case 'n':
			a->imap_verify = 0;
			break;
		case 'c':
			buf_reset(&a->imap_ca_file);
			buf_adds(&a->imap_ca_file, optarg);
			break;
		case 'u':
			user = optarg;
			break;
		case 'k':
			buf_reset(&st->keymap);
			buf_adds(&st->keymap, optarg);
			break;
		case 't':
			buf_reset(&st->theme);
			buf_adds(&st->theme, optarg);
			break;
		default:
			return MAIN_USAGE;
		}
	}
	if (optind != argc || !a->imap_host.len || !user || !*user)
		return MAIN_USAGE;
	/* Submission verifies certificates the way IMAP does. */
	a->smtp_verify = a->imap_verify;
	st->allow_paths = 1;
	buf_adds(&a->email, user);
	buf_adds(&a->imap_user, user);
	main_local_state(a, user);
	main_signals(1);
	rc = main_read_password(user, &a->pass);
	main_signals(0);
	return rc;
}

/* A keymap or theme name: letters, digits, '.', '_', '-', no leading '.'. */
static int
main_valid_name(const char *name)
{
	const char *p;

	if (!*name || *name == '.')
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		      *p == '-'))
			return 0;
	return 1;
}

/*
 * Finds the file of a keymap or theme (kind "keymaps" or "themes", ext
 * ".keys" or ".theme") called name into path. Returns 0, or -1 with
 * err_msg() set.
 */
static int
main_find_file(const struct main_start *st, const char *kind,
	       const char *name, const char *ext, struct buf *path)
{
	static const char *const fixed[] = { "/usr/local/share/tuimail",
					     "/usr/share/tuimail" };
	char exe[PATH_MAX], *slash;
	ssize_t n;
	size_t i;

	buf_reset(path);
	if (st->allow_paths && strchr(name, '/')) {
		buf_adds(path, name);
		return access(path->buf, R_OK) == 0
			       ? 0
			       : err_set("cannot read '%s': %s", name,
					 strerror(errno));
	}
	if (!main_valid_name(name))
		return err_set("bad %s name '%s'", kind, name);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		buf_addf(path, "%s/../share/tuimail/%s/%s%s", exe, kind, name,
			 ext);
		if (access(path->buf, R_OK) == 0)
			return 0;
		buf_reset(path);
		buf_addf(path, "%s/../%s/%s%s", exe, kind, name, ext);
		if (access(path->buf, R_OK) == 0)
			return 0;
	}
	for (i = 0; i < sizeof(fixed) / sizeof(*fixed); i++) {
		buf_reset(path);
		buf_addf(path, "%s/%s/%s%s", fixed[i], kind, name, ext);
		if (access(path->buf, R_OK) == 0)
			return 0;
	}
	return err_set("no %s called '%s'", kind, name);
}

/*
 * Loads the keymap and the theme named in st into a, with the built-in
 * keys and look when a file cannot be had; every problem goes to
 * warnings as a line ("file:line: ..." for a bad line).
 */
static void
main_load_looks(struct app *a, const struct main_start *st,
		struct buf *warnings, int *no_color)
{
	const char *km = st->keymap.len ? st->keymap.buf : "default";
	const char *th = st->theme.len ? st->theme.buf : "default";
	const char *nc = getenv("NO_COLOR");
	struct buf path = BUF_INIT;

	if (main_find_file(st, "keymaps", km, ".keys", &path) < 0 ||
	    keymap_load(&a->km, path.buf, warnings) < 0) {
		buf_addf(warnings, "%s; using the built-in keys\n", err_msg());
		keymap_load_string(&a->km, "built-in", main_builtin_keys,
				   warnings);
	}
	theme_defaults(&a->theme);
	if (main_find_file(st, "themes", th, ".theme", &path) < 0 ||
	    theme_load(&a->theme, path.buf, warnings) < 0) {
		buf_addf(warnings, "%s; using the built-in theme\n", err_msg());
		theme_defaults(&a->theme);
	}
	/* NO_COLOR cannot reach a door session: there "mono" says it. */
	*no_color = !strcmp(th, "mono") || (!a->door && nc && *nc);
	if (*no_color)
		theme_no_color(&a->theme);
	buf_release(&path);
}

/* main()'s start: the names of the looks in use (borrowed). */
static struct main_start *main_looks;

/* The name of the keymap ("keymaps") or theme ("themes") in use. */
const char *
main_looks_name(const char *kind)
{
	const struct buf *b = NULL;

	if (main_looks)
		b = !strcmp(kind, "keymaps") ? &main_looks->keymap
					     : &main_looks->theme;
	return b && b->len ? b->buf : "default";
}

/*
 * Makes the keymap ("keymaps") or theme ("themes") called name the one
 * in use at once; the old one stays when the new one cannot be read.
 * Returns 0, or -1 with err_msg() set.
 */
int
main_looks_set(struct app *a, const char *kind, const char *name)
{
	struct buf path = BUF_INIT, warnings = BUF_INIT;
	const char *nc = getenv("NO_COLOR");
	int keys = !strcmp(kind, "keymaps"), rc = -1;
	struct keymap *km = NULL;
	struct theme th;

	if (main_looks == NULL)
		return err_set("no keymap or theme can be changed yet");
	if (main_find_file(main_looks, kind, name, keys ? ".keys" : ".theme",
			   &path) < 0)
		goto out;
	if (keys) {
		if (keymap_load(&km, path.buf, &warnings) < 0)
			goto out;
		keymap_free(a->km);
		a->km = km;
		buf_reset(&main_looks->keymap);
		buf_adds(&main_looks->keymap, name);
	} else {
		theme_defaults(&th);
		if (theme_load(&th, path.buf, &warnings) < 0)
			goto out;
		a->theme = th;
		if (!strcmp(name, "mono") || (!a->door && nc && *nc))
			theme_no_color(&a->theme);
		display_theme(&a->theme, !strcmp(name, "mono") ||
						 (!a->door && nc && *nc));
		buf_reset(&main_looks->theme);
		buf_adds(&main_looks->theme, name);
	}
	rc = 0;
out:
	buf_release(&path);
	buf_release(&warnings);
	return rc;
}

/* Adds name to the newline-separated list names unless it is there. */
static void
main_add_name(struct buf *names, const char *name, size_t len)
{
	const char *p = names->buf;

	while (p && *p) {
		const char *nl = strchr(p, '\n');

		if ((size_t)(nl - p) == len && !strncmp(p, name, len))
			return;
		p = nl + 1;
	}
	buf_add(names, name, len);
	buf_addch(names, '\n');
}

static int
main_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the lines of b (each ending in a newline). */
static void
main_sort_lines(struct buf *b)
{
	struct buf out = BUF_INIT;
	char **lines = NULL, *p, *nl;
	size_t n = 0, i;

	for (p = b->buf; p && *p && (nl = strchr(p, '\n')); p = nl + 1) {
		lines = reallocarray(lines, n + 1, sizeof(*lines));
		if (lines == NULL)
			fatal("out of memory");
		*nl = '\0';
		lines[n++] = p;
	}
	qsort(lines, n, sizeof(*lines), main_cmp_str);
	for (i = 0; i < n; i++)
		buf_addf(&out, "%s\n", lines[i]);
	free(lines);
	buf_reset(b);
	buf_add(b, out.buf, out.len);
	buf_release(&out);
}

/*
 * Lists the names of the keymaps ("keymaps") or themes ("themes") found
 * where main_find_file() looks, one a line, into names.
 */
void
main_looks_list(const char *kind, struct buf *names)
{
	const char *ext = !strcmp(kind, "keymaps") ? ".keys" : ".theme";
	char exe[PATH_MAX], *slash;
	struct buf dir = BUF_INIT;
	struct dirent *de;
	size_t len, el = strlen(ext);
	ssize_t n;
	DIR *d;
	int i;

	buf_reset(names);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	for (i = 0; i < 4; i++) {
		buf_reset(&dir);
		if (i == 0 && *exe)
			buf_addf(&dir, "%s/../share/tuimail/%s", exe, kind);
		else if (i == 1 && *exe)
			buf_addf(&dir, "%s/../%s", exe, kind);
		else if (i >= 2)
			buf_addf(&dir, "%s/%s",
				 i == 2 ? "/usr/local/share/tuimail"
					: "/usr/share/tuimail",
				 kind);
		if (!dir.len || (d = opendir(dir.buf)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len <= el || strcmp(de->d_name + len - el, ext))
				continue;
			de->d_name[len - el] = '\0';
			if (main_valid_name(de->d_name))
				main_add_name(names, de->d_name, len - el);
		}
		closedir(d);
	}
	buf_release(&dir);
	main_sort_lines(names);
}

/*
 * After the cache is open: the keymap and theme the user chose in the
 * settings view, over the server's defaults.
 */
static void
main_user_looks(struct app *a)
{
	static const char *const kinds[] = { "keymaps", "themes" };
	static const char *const keys[] = { "keymap", "theme" };
	struct buf name = BUF_INIT;
	int i;

	for (i = 0; a->cache && i < 2; i++) {
		buf_reset(&name);
		if (cache_setting_get(a->cache, keys[i], &name) < 0 ||
		    !name.len || !strcmp(name.buf, main_looks_name(kinds[i])))
			continue;
		if (main_looks_set(a, kinds[i], name.buf) < 0)
			app_error(a, "%s", err_msg());
	}
	buf_release(&name);
}

/* Shows the first warning of loading (and how many more) at start. */
static void
main_show_warnings(struct app *a, const struct buf *w)
{
	const char *nl = strchr(w->buf, '\n');
	size_t first = nl ? (size_t)(nl - w->buf) : w->len, more = 0;
	const char *p;

	for (p = w->buf; (p = strchr(p, '\n')) != NULL; p++)
		more++;
	if (more > 0)
		more--;
	if (more)
		app_error(a, "%.*s (and %zu more)", (int)first, w->buf, more);
	else
		app_error(a, "%.*s", (int)first, w->buf);
}

/* Door mode: tells the door the mailbox is open; shows the last login. */
static void
main_login_record(struct app *a)
{
	struct door_login_record rec = { 0, BUF_INIT };
	time_t when;
	struct tm tm;
	char at[32];

	if (door_login_record(DOOR_FD, &rec) == 0 && rec.prev_at) {
		when = (time_t)rec.prev_at;
		localtime_r(&when, &tm);
		strftime(at, sizeof(at), "%Y-%m-%d %H:%M", &tm);
		if (!a->message.len)
			app_message(a, "Last login: %s from %s", at,
				    rec.prev_addr.buf);
	}
	buf_release(&rec.prev_addr);
}

/* Door or local mode (see the top of this file); returns the exit status. */
int
main(int argc, char **argv)
{
	struct main_start st = { BUF_INIT, BUF_INIT, BUF_INIT, 0 };
	struct buf warnings = BUF_INIT;
	struct app a;
	int door = argc == 1, rc, end, no_color = 0;

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
	app_init(&a);
	a.stop = &main_signal;

	rc = door ? main_door(&a, &st) : main_local(&a, &st, argc, argv);
	if (rc == MAIN_USAGE) {
		app_release(&a);
		return main_usage();
	}
	if (rc < 0)
		buf_adds(&a.start_error, err_msg());

	if (display_open() < 0) {
		fprintf(stderr, "tuimail: %s\n",
			a.start_error.len ? a.start_error.buf : err_msg());
		buf_release_secret(&st.pass);
		app_release(&a);
		return MAIN_ERR;
	}
	/* The terminal is the screen's now: warnings go to syslog. */
	if (!door)
		log_init("tuimail", 0, 0);
	main_load_looks(&a, &st, &warnings, &no_color);
	display_theme(&a.theme, no_color);
	main_looks = &st;
	if (warnings.len)
		main_show_warnings(&a, &warnings);
	if (rc == 0 && session_start(&a, door ? st.pass.buf : NULL) == 0) {
		if (door)
			main_login_record(&a);
		/* Drafts kept on this host while IMAP was down. */
		view_compose_flush_local(&a);
	}
	buf_release_secret(&st.pass);
	main_user_looks(&a);

	main_in_ui = 1;
	end = app_run(&a);
	main_in_ui = 0;
	/* Views close while the mail session is up: a composer saves its draft. */
	while (a.n_views > 0)
		app_pop(&a);
	background_end(&a);
	session_end(&a, end == 0);
	/* After a hang-up there is no terminal left to restore. */
	if (end == 0 || main_signal == SIGTERM)
		display_close();
	rc = end == 0 && a.ever_online ? MAIN_OK : MAIN_ERR;
	buf_release(&warnings);
	buf_release(&st.keymap);
	buf_release(&st.theme);
	main_looks = NULL;
	app_release(&a);
	return rc;
}
