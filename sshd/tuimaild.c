/*
 * tuimaild.c: the listener. It binds the SSH port(s), reads the host key
 * and forks a door process per connection; it keeps no database handle
 * open and never has threads. It counts connections still logging in
 * (max_startups) and sessions (max_sessions): a door tells it over a pipe
 * when its connection is past authentication.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "acct.h"
#include "door.h"
#include "hostkey.h"
#include "panel.h"
#include "util/conf.h"
#include "util/log.h"

#define TUIMAIL_VERSION "0.1"
#define MAX_CHILDREN 65536
#define PANEL_RETRY 10 /* seconds before a failed endpoint starts again */

struct child {
	pid_t pid;
	int authed;
};

struct listener {
	struct conf conf; /* the configuration new connections get */
	const char *conf_path;
	ssh_bind binds[CONF_MAX_LISTEN];
	int n_binds;
	struct child *children; /* owned */
	int n_children;
	int auth_pipe[2];	 /* doors write their pid past auth */
	int stopping;
	pid_t panel;		 /* the panel endpoint's process, or 0 */
	int panel_restarting;	 /* it was told to stop for a reload */
	time_t panel_retry_at;	 /* when to start it again, or 0 */
	char ssh_host[300];	 /* how users reach us, for SSO answers */
};

static int sig_pipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	(void)!write(sig_pipe[1], &c, 1);
	errno = saved;
}

static int
usage(void)
{
	fprintf(stderr, "usage: tuimaild [-dtV] [-f FILE]\n");
	return 2;
}

/* Splits "addr:port" or "[v6]:port" into its parts. */
static void
split_listen(const char *spec, char *addr, size_t len, const char **port)
{
	const char *colon = strrchr(spec, ':');

	if (spec[0] == '[')
		snprintf(addr, len, "%.*s", (int)(colon - spec - 2), spec + 1);
	else
		snprintf(addr, len, "%.*s", (int)(colon - spec), spec);
	*port = colon + 1;
}

static int
bind_all(struct listener *l)
{
	int verbosity = SSH_LOG_NOLOG, no = 0, i;
	char addr[256];
	const char *port;

	for (i = 0; i < l->conf.n_listen; i++) {
		ssh_bind b = ssh_bind_new();

		if (b == NULL)
			return err_set("out of memory");
		split_listen(l->conf.listen[i], addr, sizeof(addr), &port);
		ssh_bind_options_set(b, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
		ssh_bind_options_set(b, SSH_BIND_OPTIONS_LOG_VERBOSITY,
				     &verbosity);
		if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_BINDADDR, addr) <
			    0 ||
		    ssh_bind_options_set(b, SSH_BIND_OPTIONS_BINDPORT_STR,
					 port) < 0 ||
		    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY,
					 l->conf.host_key) < 0 ||
		    ssh_bind_listen(b) < 0) {
			err_set("cannot listen on %s: %s", l->conf.listen[i],
				ssh_get_error(b));
			ssh_bind_free(b);
			return -1;
		}
		l->binds[l->n_binds++] = b;
		log_info("listening on %s", l->conf.listen[i]);
	}
	return 0;
}

static void
count_children(const struct listener *l, int *startups, int *sessions)
{
	int i;

	*startups = *sessions = 0;
	for (i = 0; i < l->n_children; i++)
		(*(l->children[i].authed ? sessions : startups))++;
}

/*
 * In a child of the listener: drops what only the listener may hold.
 * Every handler goes before the pipe it writes to: a late signal must not
 * write into whatever file takes the pipe's number next.
 */
static void
child_detach(struct listener *l)
{
	int i;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	for (i = 0; i < l->n_binds; i++)
		ssh_bind_free(l->binds[i]);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	close(l->auth_pipe[0]);
}

/*
 * Forks the panel endpoint when a panel secret is set. Its threads live
 * in that process only: the listener forks doors and must have none.
 */
static void
panel_start(struct listener *l)
{
	pid_t pid;
	int rc;

	if (l->stopping || (!*l->conf.mail_sync_secret && !*l->conf.sso_secret))
		return;
	pid = fork();
	if (pid < 0) {
		log_err("cannot fork the panel endpoint: %s", strerror(errno));
		return;
	}
	if (pid > 0) {
		l->panel = pid;
		return;
	}
	child_detach(l);
	close(l->auth_pipe[1]);
	rc = panel_serve(&l->conf, l->ssh_host);
	_exit(rc);
}

/* What an SSO answer tells the user to type: our host name and port. */
static void
set_ssh_host(struct listener *l)
{
	char host[256] = "localhost";
	const char *port = strrchr(l->conf.listen[0], ':') + 1;

	gethostname(host, sizeof(host) - 1);
	if (strcmp(port, "22"))
		snprintf(l->ssh_host, sizeof(l->ssh_host), "%s -p %s", host,
			 port);
	else
		snprintf(l->ssh_host, sizeof(l->ssh_host), "%s", host);
}

static void
reap(struct listener *l)
{
	pid_t pid;
	int status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == l->panel) {
			l->panel = 0;
			if (l->stopping)
				continue;
			if (l->panel_restarting) {
				/* SIGHUP stopped it on purpose. */
				l->panel_restarting = 0;
				panel_start(l);
			} else {
				/*
				 * It failed: start it again in a while, never
				 * by sleeping here, where logins wait.
				 */
				log_warn("the panel endpoint exited (%s %d); "
					 "starting it again in %d s",
					 WIFSIGNALED(status) ? "signal"
							     : "status",
					 WIFSIGNALED(status)
						 ? WTERMSIG(status)
						 : WEXITSTATUS(status),
					 PANEL_RETRY);
				l->panel_retry_at = time(NULL) + PANEL_RETRY;
			}
			continue;
		}
		for (i = 0; i < l->n_children; i++)
			if (l->children[i].pid == pid) {
				l->children[i] =
					l->children[--l->n_children];
				break;
			}
		if (WIFSIGNALED(status))
			log_warn("connection process %d killed by signal %d",
				 (int)pid, WTERMSIG(status));
	}
}

static void
read_auth_pipe(struct listener *l)
{
	pid_t pid;
	int i;

	while (read(l->auth_pipe[0], &pid, sizeof(pid)) == sizeof(pid))
		for (i = 0; i < l->n_children; i++)
			if (l->children[i].pid == pid)
				l->children[i].authed = 1;
}

/* The child side of a new connection: never returns. */
static void
run_door(struct listener *l, ssh_session session)
{
	int rc;

	child_detach(l);
	rc = door_run(&l->conf, session, l->auth_pipe[1]);
	ssh_free(session);
	_exit(rc);
}

static void
accept_one(struct listener *l, ssh_bind b)
{
	ssh_session session = ssh_new();
	int startups, sessions;
	pid_t pid;

	if (session == NULL)
		return;
	if (ssh_bind_accept(b, session) != SSH_OK) {
		log_warn("accept: %s", ssh_get_error(b));
		ssh_free(session);
		return;
	}
	count_children(l, &startups, &sessions);
	if (startups >= l->conf.max_startups ||
	    sessions >= l->conf.max_sessions ||
	    l->n_children >= MAX_CHILDREN) {
		log_warn("connection dropped: %d logging in (max_startups "
			 "%ld), %d sessions (max_sessions %ld)",
			 startups, l->conf.max_startups, sessions,
			 l->conf.max_sessions);
		ssh_free(session);
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		ssh_free(session);
		return;
	}
	if (pid == 0)
		run_door(l, session);
	/* The parent only frees its copy: the socket is the child's now. */
	ssh_free(session);
	l->children[l->n_children].pid = pid;
	l->children[l->n_children].authed = 0;
	l->n_children++;
}

static void
reload(struct listener *l)
{
	struct conf fresh;

	if (conf_load(&fresh, l->conf_path) < 0) {
		log_err("reload: %s; keeping the old configuration", err_msg());
		return;
	}
	log_info("reloaded %s for new connections (listen and host_key "
		 "changes need a restart)",
		 l->conf_path);
	conf_free(&l->conf);
	l->conf = fresh;
	/* The endpoint is restarted on the new configuration. */
	l->panel_retry_at = 0;
	if (l->panel) {
		l->panel_restarting = 1;
		kill(l->panel, SIGTERM);
	} else {
		panel_start(l);
	}
}

static int
serve(struct listener *l)
{
	struct pollfd pfd[CONF_MAX_LISTEN + 2];
	unsigned char sig;
	int i, n;

	for (;;) {
		if (l->stopping && l->n_children == 0 && l->panel == 0)
			return 0;
		n = 0;
		for (i = 0; !l->stopping && i < l->n_binds; i++)
			pfd[n++] = (struct pollfd){ ssh_bind_get_fd(l->binds[i]),
						    POLLIN, 0 };
		pfd[n++] = (struct pollfd){ sig_pipe[0], POLLIN, 0 };
		pfd[n++] = (struct pollfd){ l->auth_pipe[0], POLLIN, 0 };
		if (l->panel_retry_at && time(NULL) >= l->panel_retry_at) {
			l->panel_retry_at = 0;
			panel_start(l);
		}
		if (poll(pfd, (nfds_t)n, l->panel_retry_at ? 1000 : -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_set("poll: %s", strerror(errno));
		}
		if (pfd[n - 1].revents)
			read_auth_pipe(l);
		while (read(sig_pipe[0], &sig, 1) == 1) {
			if (sig == SIGCHLD)
				reap(l);
			else if (sig == SIGHUP)
				reload(l);
			else if (sig == SIGTERM || sig == SIGINT) {
				log_info("stopping: no new connections; %d "
					 "left to end",
					 l->n_children);
				l->stopping = 1;
				for (i = 0; i < l->n_binds; i++)
					ssh_bind_free(l->binds[i]);
				l->n_binds = 0;
				if (l->panel)
					kill(l->panel, SIGTERM);
			}
		}
		for (i = 0; i < n - 2; i++)
			if (pfd[i].revents & POLLIN)
				accept_one(l, l->binds[i]);
	}
}

/*
 * Checks the configuration and what it points at. At start-up (create)
 * the database is created or migrated and the host key made if missing;
 * for -t, what start-up would do is only said. fp gets the host key's
 * fingerprint when there is one.
 */
static int
check_setup(struct conf *c, int create, char *fp, size_t fplen)
{
	struct acct a;
	struct stat sb;
	int created, have, want;

	if (getpwnam(c->session_user) == NULL)
		return err_set("session_user '%s' does not exist (make install "
			       "creates it)",
			       c->session_user);
	if ((*c->mail_sync_secret || *c->sso_secret) &&
	    panel_check_listen(c->http_listen) < 0)
		return -1;
	if (*c->sso_secret && !*c->imap_master_user)
		log_warn("sso_secret is set but [imap] master_user is not: "
			 "SSO tokens cannot open mailboxes");
	if (!create && stat(c->database, &sb) < 0) {
		printf("database '%s' does not exist yet: it is created at "
		       "start\n",
		       c->database);
	} else {
		if (acct_open(&a, c,
			      create ? ACCT_OPEN_CREATE : ACCT_OPEN_EXISTING,
			      "tuimaild") < 0)
			return -1;
		if (!create && acct_schema(&a, &have, &want) == 0 &&
		    have < want) {
			printf("database '%s' has schema version %d: it is "
			       "migrated to %d at start\n",
			       c->database, have, want);
		} else if (acct_check(&a) < 0) {
			acct_close(&a);
			return -1;
		}
		acct_close(&a);
	}
	fp[0] = '\0';
	if (!create) {
		if (stat(c->host_key, &sb) < 0)
			printf("host key '%s' does not exist yet: it is "
			       "created at start\n",
			       c->host_key);
		else if (hostkey_ensure(c->host_key, NULL) < 0 ||
			 hostkey_fingerprint(c->host_key, fp, fplen) < 0)
			return -1;
		return 0;
	}
	if (hostkey_ensure(c->host_key, &created) < 0 ||
	    hostkey_fingerprint(c->host_key, fp, fplen) < 0)
		return -1;
	if (created)
		log_info("created host key %s", c->host_key);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct listener l;
	int opt, test = 0, foreground = 0, flags, i;
	char fp[128];
	struct sigaction sa;

	l.conf_path = CONF_DEFAULT_PATH;
	while ((opt = getopt(argc, argv, "df:tV")) != -1) {
		switch (opt) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			l.conf_path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("tuimaild %s\n", TUIMAIL_VERSION);
			return 0;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	log_init("tuimaild", 1, 0);
	if (conf_load(&l.conf, l.conf_path) < 0) {
		fprintf(stderr, "tuimaild: %s\n", err_msg());
		return 1;
	}
	if (test) {
		printf("%s: %s\n", l.conf_path, conf_mode_reason(&l.conf));
		if (check_setup(&l.conf, 0, fp, sizeof(fp)) < 0) {
			fprintf(stderr, "tuimaild: %s\n", err_msg());
			return 1;
		}
		printf("%s: configuration is fine\n", l.conf_path);
		return 0;
	}
	l.children = calloc(MAX_CHILDREN, sizeof(*l.children));
	if (l.children == NULL || pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(l.auth_pipe, O_NONBLOCK) < 0) {
		fprintf(stderr, "tuimaild: cannot set up: %s\n",
			strerror(errno));
		return 1;
	}
	/* Doors write to it; the listener alone reads. */
	flags = fcntl(l.auth_pipe[0], F_GETFD);
	fcntl(l.auth_pipe[0], F_SETFD, flags | FD_CLOEXEC);
	/* Signals are caught before anyone can see us listening. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (check_setup(&l.conf, 1, fp, sizeof(fp)) < 0 || bind_all(&l) < 0) {
		fprintf(stderr, "tuimaild: %s\n", err_msg());
		return 1;
	}
	if (!foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "tuimaild: daemon: %s\n", strerror(errno));
		return 1;
	}
	log_init("tuimaild", foreground, 0);
	/* Said again after daemon(): before it, only stderr heard it. */
	for (i = 0; !foreground && i < l.conf.n_listen; i++)
		log_info("listening on %s", l.conf.listen[i]);
	log_info("host key %s: ED25519 %s", l.conf.host_key, fp);
	if (geteuid() != 0)
		log_warn("not running as root: sessions cannot get uids of "
			 "their own and run as %u",
			 (unsigned)geteuid());
	set_ssh_host(&l);
	panel_start(&l);
	log_info("tuimaild %s started (%s)", TUIMAIL_VERSION,
		 conf_mode_reason(&l.conf));
	if (serve(&l) < 0) {
		log_err("%s", err_msg());
		return 1;
	}
	log_info("stopped");
	conf_free(&l.conf);
	return 0;
}
