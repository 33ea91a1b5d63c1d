/*
 * ssh-load.c: many idle tuimail sessions from one process, and the time
 * a keystroke takes to come back from them. A benchmark helper built by
 * bench/b0001-door.sh with cc and pkg-config libssh; 200 OpenSSH clients
 * would measure the clients more than the door.
 *
 *   ssh-load -p PORT -u USERS [-H HOST] [-n SESSIONS] [-r ROUNDS]
 *            [-s STAGE] [-m MARK] [-e END]
 *
 * USERS is a file of "email password" lines; session i logs in as line
 * i modulo their count, with the password method, a pty (xterm-256color,
 * 80x24) and a shell, and counts as open once its first screen (MARK,
 * default "INBOX:", then END, default "quit", the status bar's last word)
 * has arrived. Sessions open one after another; three failures in a row end
 * the opening. When STAGE and then all SESSIONS are open, it prints "ready N"
 * and waits for a line on stdin, so that the caller can look at the
 * processes. Then it sends Ctrl-L (redraw) ROUNDS times to every session,
 * one session at a time ("serial"), and ROUNDS times to all at once
 * ("burst"), and times the first byte of the answer and the whole redraw
 * (up to END). Results are lines of numbers in ms:
 *
 *   opened OK FAILED SECONDS
 *   login FIRST_MEDIAN LAST_MEDIAN MAX       (first and last 10 sessions)
 *   serial|burst first|full COUNT P50 P99 MAX LOST
 *
 * Exit status: 0, 1 when no session opened, 2 on a usage error.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#define LOAD_TERM "xterm-256color"
#define LOAD_OPEN_MS 30000  /* a login must show its screen by then */
#define LOAD_REDRAW_MS 5000 /* a redraw taking longer counts as lost */
#define LOAD_KEY_REDRAW "\014"
#define LOAD_GIVE_UP 3 /* logins failing in a row end the opening */

/* What the first screen shows (-m), then its last word (-e). */
static const char *load_screen_mark = "INBOX:";
static const char *load_screen_end = "quit";

struct load_user {
	char email[256];
	char pass[256];
};

struct load_sess {
	ssh_session session; /* owned */
	ssh_channel channel; /* owned */
	char tail[16];	     /* last bytes seen, for matches across reads */
	size_t tail_len;
	double sent, first, full; /* times of one redraw, ms */
	int done;
};

struct load_samples {
	double *v; /* owned */
	size_t n, cap;
	long lost;
};

static double
load_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
load_sample(struct load_samples *s, double ms)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (s->v == NULL) {
			fprintf(stderr, "ssh-load: out of memory\n");
			exit(1);
		}
	}
	s->v[s->n++] = ms;
}

static int
load_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of the sorted v by nearest rank; 0 when empty. */
static double
load_rank(const double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(q * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	return v[(i > n ? n : i) - 1];
}

static void
load_report(const char *mode, const char *what, struct load_samples *s)
{
	qsort(s->v, s->n, sizeof(*s->v), load_cmp);
	printf("%s %s %zu %.2f %.2f %.2f %ld\n", mode, what, s->n,
	       load_rank(s->v, s->n, 0.5), load_rank(s->v, s->n, 0.99),
	       s->n ? s->v[s->n - 1] : 0.0, s->lost);
}

/*
 * Feeds n bytes of session output to the matcher; returns 1 when pat
 * (shorter than the tail) has been seen, across reads too.
 */
static int
load_feed(struct load_sess *ls, const char *data, size_t n, const char *pat)
{
	char buf[16384 + sizeof(ls->tail)];
	size_t keep = strlen(pat) - 1, len;

	len = ls->tail_len;
	memcpy(buf, ls->tail, len);
	if (n > 16384)
		n = 16384;
	memcpy(buf + len, data, n);
	len += n;
	if (memmem(buf, len, pat, strlen(pat))) {
		ls->tail_len = 0;
		return 1;
	}
	if (keep > len)
		keep = len;
	memcpy(ls->tail, buf + len - keep, keep);
	ls->tail_len = keep;
	return 0;
}

/*
 * Reads from ls until the first screen has come: MARK, then END after
 * it. Returns 0, or -1 after ms milliseconds or when the channel closes.
 */
static int
load_wait_screen(struct load_sess *ls, int ms)
{
	static char seen[65536];
	double end = load_now_ms() + ms;
	const char *mark;
	size_t len = 0;
	int n;

	while (load_now_ms() < end) {
		if (len == sizeof(seen))
			len = 0; /* no screen is that long: start again */
		n = ssh_channel_read_timeout(ls->channel, seen + len,
					     (uint32_t)(sizeof(seen) - len), 0,
					     100);
		if (n == SSH_ERROR || ssh_channel_is_eof(ls->channel))
			return -1;
		if (n <= 0)
			continue;
		len += (size_t)n;
		mark = memmem(seen, len, load_screen_mark,
			      strlen(load_screen_mark));
		if (mark && memmem(mark, len - (size_t)(mark - seen),
				   load_screen_end, strlen(load_screen_end)))
			return 0;
	}
	return -1;
}

/* Throws away output already waiting, so that a timing starts clean. */
static void
load_drain(struct load_sess *ls)
{
	char data[16384];

	while (ssh_channel_read_nonblocking(ls->channel, data, sizeof(data),
					    0) > 0)
		;
	ls->tail_len = 0;
}

static void
load_close(struct load_sess *ls)
{
	if (ls->channel) {
		ssh_channel_close(ls->channel);
		ssh_channel_free(ls->channel);
	}
	if (ls->session) {
		ssh_disconnect(ls->session);
		ssh_free(ls->session);
	}
	memset(ls, 0, sizeof(*ls));
}

/*
 * Logs in as u and waits for the first screen; returns 0, or -1 with a
 * message on stderr.
 */
static int
load_open(struct load_sess *ls, const char *host, int port,
	  const struct load_user *u)
{
	int no = 0, quiet = SSH_LOG_NOLOG;
	long timeout = 30;

	memset(ls, 0, sizeof(*ls));
	ls->session = ssh_new();
	if (ls->session == NULL)
		return -1;
	ssh_options_set(ls->session, SSH_OPTIONS_PROCESS_CONFIG, &no);
	ssh_options_set(ls->session, SSH_OPTIONS_LOG_VERBOSITY, &quiet);
	ssh_options_set(ls->session, SSH_OPTIONS_HOST, host);
	ssh_options_set(ls->session, SSH_OPTIONS_PORT, &port);
	ssh_options_set(ls->session, SSH_OPTIONS_USER, u->email);
	ssh_options_set(ls->session, SSH_OPTIONS_TIMEOUT, &timeout);
	ssh_options_set(ls->session, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
	if (ssh_connect(ls->session) != SSH_OK)
		goto fail;
	/* The host key is the bench's own: not checked. */
	if (ssh_userauth_password(ls->session, NULL, u->pass) !=
	    SSH_AUTH_SUCCESS)
		goto fail;
	ls->channel = ssh_channel_new(ls->session);
	if (ls->channel == NULL ||
	    ssh_channel_open_session(ls->channel) != SSH_OK ||
	    ssh_channel_request_pty_size(ls->channel, LOAD_TERM, 80, 24) !=
		SSH_OK ||
	    ssh_channel_request_shell(ls->channel) != SSH_OK)
		goto fail;
	if (load_wait_screen(ls, LOAD_OPEN_MS) < 0) {
		fprintf(stderr, "ssh-load: %s: no first screen\n", u->email);
		load_close(ls);
		return -1;
	}
	return 0;
fail:
	fprintf(stderr, "ssh-load: %s: %s\n", u->email,
		ssh_get_error(ls->session));
	load_close(ls);
	return -1;
}

/* Prints "ready n" and waits for the caller's line on stdin. */
static void
load_ready(int n)
{
	char line[64];

	printf("ready %d\n", n);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		exit(0);
}

/*
 * One Ctrl-L to each open session in turn, each answer awaited. Returns
 * -1 when the first few never came back (no redraw key: stop trying).
 */
static int
load_serial(struct load_sess *ls, int n, struct load_samples *first,
	    struct load_samples *full)
{
	char data[16384];
	double end;
	int i, r;

	for (i = 0; i < n; i++) {
		if (ls[i].session == NULL)
			continue;
		if (full->n == 0 && full->lost >= LOAD_GIVE_UP)
			return -1;
		load_drain(&ls[i]);
		ls[i].first = 0;
		ls[i].sent = load_now_ms();
		if (ssh_channel_write(ls[i].channel, LOAD_KEY_REDRAW, 1) != 1) {
			first->lost++;
			full->lost++;
			continue;
		}
		end = ls[i].sent + LOAD_REDRAW_MS;
		for (;;) {
			r = ssh_channel_read_timeout(ls[i].channel, data,
						     sizeof(data), 0, 100);
			if (r == SSH_ERROR || load_now_ms() > end) {
				if (!ls[i].first)
					first->lost++;
				full->lost++;
				break;
			}
			if (r <= 0)
				continue;
			if (!ls[i].first) {
				ls[i].first = load_now_ms();
				load_sample(first, ls[i].first - ls[i].sent);
			}
			if (load_feed(&ls[i], data, (size_t)r,
				      load_screen_end)) {
				load_sample(full, load_now_ms() - ls[i].sent);
				break;
			}
		}
	}
	return 0;
}

/* Ctrl-L to every open session at once, then every answer collected. */
static void
load_burst(struct load_sess *ls, int n, struct load_samples *first,
	   struct load_samples *full)
{
	struct pollfd *pfd = calloc((size_t)n, sizeof(*pfd));
	char data[16384];
	double now, end;
	int i, r, left = 0, np;

	if (pfd == NULL)
		return;
	for (i = 0; i < n; i++) {
		ls[i].done = 1;
		if (ls[i].session == NULL)
			continue;
		load_drain(&ls[i]);
		ls[i].first = ls[i].full = 0;
		ls[i].done = 0;
		left++;
	}
	for (i = 0; i < n; i++) {
		if (ls[i].done)
			continue;
		ls[i].sent = load_now_ms();
		if (ssh_channel_write(ls[i].channel, LOAD_KEY_REDRAW, 1) != 1) {
			ls[i].done = 1;
			left--;
			first->lost++;
			full->lost++;
		}
	}
	end = load_now_ms() + LOAD_REDRAW_MS;
	while (left > 0 && load_now_ms() < end) {
		np = 0;
		for (i = 0; i < n; i++) {
			if (ls[i].done)
				continue;
			r = ssh_channel_read_nonblocking(ls[i].channel, data,
							 sizeof(data), 0);
			if (r == SSH_ERROR) {
				ls[i].done = 1;
				left--;
				continue;
			}
			if (r > 0) {
				now = load_now_ms();
				if (!ls[i].first)
					ls[i].first = now;
				if (load_feed(&ls[i], data, (size_t)r,
					      load_screen_end)) {
					ls[i].full = now;
					ls[i].done = 1;
					left--;
				}
				continue;
			}
			pfd[np].fd = ssh_get_fd(ls[i].session);
			pfd[np].events = POLLIN;
			np++;
		}
		if (np > 0 && left > 0)
			poll(pfd, (nfds_t)np, 1);
	}
	for (i = 0; i < n; i++) {
		if (ls[i].session == NULL)
			continue;
		if (ls[i].first)
			load_sample(first, ls[i].first - ls[i].sent);
		else
			first->lost++;
		if (ls[i].full)
			load_sample(full, ls[i].full - ls[i].sent);
		else
			full->lost++;
	}
	free(pfd);
}

/* Reads "email password" lines; returns how many, or -1. */
static int
load_users(const char *path, struct load_user **out)
{
	struct load_user *u = NULL;
	char line[600];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "ssh-load: cannot open '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		u = realloc(u, (size_t)(n + 1) * sizeof(*u));
		if (u == NULL)
			exit(1);
		if (sscanf(line, "%255s %255s", u[n].email, u[n].pass) == 2)
			n++;
	}
	fclose(f);
	*out = u;
	return n;
}

/* The median of n values from v, which stays as it is. */
static double
load_median(const double *v, size_t n)
{
	double *c = malloc(n * sizeof(*c)), m;

	if (c == NULL)
		return 0;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), load_cmp);
	m = load_rank(c, n, 0.5);
	free(c);
	return m;
}

int
main(int argc, char **argv)
{
	struct load_samples sf = {0}, sw = {0}, bf = {0}, bw = {0};
	const char *host = "127.0.0.1", *users_path = NULL;
	int port = 0, n = 200, rounds = 20, stage = 0, nusers, opt, i, ok = 0;
	int failed_in_row = 0;
	double t0, start, *login, lmax = 0;
	struct load_user *users;
	struct load_sess *ls;
	size_t k;

	while ((opt = getopt(argc, argv, "H:p:u:n:r:s:m:e:")) != -1) {
		switch (opt) {
		case 'm':
			load_screen_mark = optarg;
			break;
		case 'e':
			load_screen_end = optarg;
			break;
		case 'H':
			host = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'u':
			users_path = optarg;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 's':
			stage = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || port <= 0 || users_path == NULL || n <= 0 ||
	    rounds < 0 || !*load_screen_end ||
	    strlen(load_screen_end) > sizeof(ls->tail))
		goto usage;
	nusers = load_users(users_path, &users);
	if (nusers <= 0)
		return 1;
	ls = calloc((size_t)n, sizeof(*ls));
	login = calloc((size_t)n, sizeof(*login));
	if (ls == NULL || login == NULL)
		return 1;
	ssh_init();

	start = load_now_ms();
	for (i = 0; i < n; i++) {
		t0 = load_now_ms();
		if (load_open(&ls[i], host, port, &users[i % nusers]) == 0) {
			login[ok] = load_now_ms() - t0;
			if (login[ok] > lmax)
				lmax = login[ok];
			ok++;
			failed_in_row = 0;
		} else if (++failed_in_row == LOAD_GIVE_UP) {
			fprintf(stderr,
				"ssh-load: %d logins in a row failed: "
				"giving up\n",
				LOAD_GIVE_UP);
			break;
		}
		if (i + 1 == stage && stage < n)
			load_ready(ok);
	}
	printf("opened %d %d %.1f\n", ok, i < n ? i + 1 - ok : n - ok,
	       (load_now_ms() - start) / 1e3);
	if (ok == 0)
		return 1;
	k = ok < 10 ? (size_t)ok : 10;
	printf("login %.1f", load_median(login, k));
	printf(" %.1f %.1f\n", load_median(login + ok - k, k), lmax);
	load_ready(ok);

	for (i = 0; i < rounds; i++)
		if (load_serial(ls, n, &sf, &sw) < 0) {
			fprintf(stderr, "ssh-load: no redraw came back\n");
			break;
		}
	for (i = 0; i < rounds && sw.n > 0; i++)
		load_burst(ls, n, &bf, &bw);
	load_report("serial", "first", &sf);
	load_report("serial", "full", &sw);
	load_report("burst", "first", &bf);
	load_report("burst", "full", &bw);
	fflush(stdout);

	for (i = 0; i < n; i++)
		load_close(&ls[i]);
	ssh_finalize();
	free(sf.v);
	free(sw.v);
	free(bf.v);
	free(bw.v);
	free(ls);
	free(login);
	free(users);
	return 0;
usage:
	fprintf(stderr, "usage: ssh-load -p PORT -u USERS [-H HOST] "
			"[-n SESSIONS] [-r ROUNDS] [-s STAGE] [-m MARK] "
			"[-e END]\n");
	return 2;
}
