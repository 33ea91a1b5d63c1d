/*
 * spawn.c: the UI process of one session. It runs under a uid of its own
 * account (session_isolation = per-account) or the session user's
 * (shared), never as root, in a state dir only that uid can enter, and
 * holds no handle on tuimail.db: only the pty and its door socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utmp.h>

#include "spawn.h"
#include "util/door_proto.h"
#include "util/log.h"

/* Works out the uid and gid the account's UI runs under. */
int
spawn_ids(const struct conf *c, const struct acct_account *ac,
	  struct spawn_ids *ids)
{
	struct passwd *pw = getpwnam(c->session_user);

	if (pw == NULL)
		return err_set("session_user '%s' does not exist",
			       c->session_user);
	ids->gid = pw->pw_gid;
	if (c->session_isolation == CONF_ISO_SHARED) {
		ids->uid = pw->pw_uid;
		return 0;
	}
	if (ac->id <= 0 || ac->id > INT32_MAX - c->session_uid_base)
		return err_set("account id %lld has no session uid",
			       (long long)ac->id);
	ids->uid = (uid_t)(c->session_uid_base + ac->id);
	return 0;
}

/*
 * Writes name into out as one safe path component: '/' and '%' are
 * percent-encoded. Addresses never start with '.', so "." and ".."
 * cannot come out.
 */
static void
spawn_component(const char *name, char *out, size_t len)
{
	size_t o = 0;

	for (; *name && o + 4 < len; name++) {
		if (*name == '/' || *name == '%')
			o += (size_t)snprintf(out + o, len - o, "%%%02X",
					      (unsigned char)*name);
		else
			out[o++] = *name;
	}
	out[o] = '\0';
}

/* mkdir that accepts an existing directory, then sets its mode. */
static int
spawn_mkdir(const char *path, mode_t mode)
{
	struct stat sb;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return err_set("cannot create '%s': %s", path, strerror(errno));
	if (lstat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return err_set("'%s' is not a directory", path);
	if (sb.st_uid == 0 && (sb.st_mode & 07777) != mode &&
	    chmod(path, mode) < 0)
		return err_set("cannot chmod '%s': %s", path, strerror(errno));
	return 0;
}

/*
 * Makes state_dir/users/<domain>/<local>/ (0700, owned by ids) and writes
 * its path to out. The levels above are root's and 0711: nobody can list
 * who has a session. A directory left by an earlier account of the same
 * address (another uid) is moved aside, not reused and not deleted.
 */
int
spawn_state_dir(const struct conf *c, const struct acct_account *ac,
		const struct spawn_ids *ids, char *out, size_t len)
{
	char dom[ACCT_DOMAIN_MAX * 3 + 1], local[ACCT_EMAIL_MAX * 3 + 1];
	char path[PATH_MAX], aside[PATH_MAX + 32];
	const char *at = strrchr(ac->email, '@');
	char lp[ACCT_EMAIL_MAX + 1];
	struct stat sb;

	snprintf(lp, sizeof(lp), "%.*s", (int)(at - ac->email), ac->email);
	spawn_component(ac->domain, dom, sizeof(dom));
	spawn_component(lp, local, sizeof(local));
	if (spawn_mkdir(c->state_dir, 0711) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/users", c->state_dir);
	if (spawn_mkdir(path, 0711) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/users/%s", c->state_dir, dom);
	if (spawn_mkdir(path, 0711) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/users/%s/%s", c->state_dir, dom,
		 local);
	if (lstat(path, &sb) == 0 &&
	    (!S_ISDIR(sb.st_mode) || sb.st_uid != ids->uid)) {
		snprintf(aside, sizeof(aside), "%s.old-%lld", path,
			 (long long)time(NULL));
		if (rename(path, aside) < 0)
			return err_set("cannot move '%s' aside: %s", path,
				       strerror(errno));
		log_warn("state dir '%s' belonged to uid %u; moved to '%s'",
			 path, (unsigned)sb.st_uid, aside);
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_set("cannot create '%s': %s", path, strerror(errno));
	if (lchown(path, ids->uid, ids->gid) < 0 || chmod(path, 0700) < 0)
		return err_set("cannot give '%s' to uid %u: %s", path,
			       (unsigned)ids->uid, strerror(errno));
	snprintf(out, len, "%s", path);
	return 0;
}

/*
 * Finds the tuimail binary: beside this program (the build dir), or in
 * ../bin when installed with tuimaild in sbin.
 */
int
spawn_ui_path(char *out, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *tries[] = { "%s/tuimail", "%s/../bin/tuimail" };
	size_t i;

	if (n < 0)
		return err_set("cannot read /proc/self/exe: %s",
			       strerror(errno));
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		snprintf(out, len, tries[i], self);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return err_set("cannot find the tuimail program beside '%s'", self);
}

/* In the child: becomes ids for good, or returns -1. */
static int
spawn_drop(const struct spawn_ids *ids)
{
	if (geteuid() != 0)
		return 0;
	if (setgroups(1, &ids->gid) < 0 || setgid(ids->gid) < 0 ||
	    setuid(ids->uid) < 0)
		return -1;
	if (setuid(0) == 0 || getuid() != ids->uid || geteuid() != ids->uid)
		return -1;
	return 0;
}

/* In the child after fork: never returns. */
static void
spawn_child(const char *ui_path, const char *term, int slave, int sock,
	    const struct spawn_ids *ids, const char *state_dir)
{
	static const char fail_drop[] = "tuimail: cannot drop privileges\r\n";
	static const char fail_exec[] = "tuimail: cannot start the UI\r\n";
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (login_tty(slave) < 0)
		_exit(127);
	if (sock != DOOR_FD) {
		if (dup2(sock, DOOR_FD) < 0)
			_exit(127);
	} else {
		fcntl(DOOR_FD, F_SETFD, 0);
	}
	closefrom(DOOR_FD + 1);
	if (spawn_drop(ids) < 0) {
		(void)!write(STDOUT_FILENO, fail_drop, sizeof(fail_drop) - 1);
		_exit(126);
	}
	if (chdir(state_dir) < 0)
		_exit(126);
	clearenv();
	setenv("TERM", term, 1);
	setenv("HOME", state_dir, 1);
	setenv("LANG", "C.UTF-8", 1);
	setenv("PATH", "/usr/bin:/bin", 1);
	execl(ui_path, "tuimail", (char *)NULL);
	(void)!write(STDOUT_FILENO, fail_exec, sizeof(fail_exec) - 1);
	_exit(127);
}

/*
 * Starts tuimail on a new pty of size ws with TERM term, under ids, with
 * the door socket on DOOR_FD. Fills out; the caller owns its fds.
 */
int
spawn_ui(const char *ui_path, const char *term, const struct winsize *ws,
	 const struct spawn_ids *ids, const char *state_dir, struct spawn *out)
{
	struct winsize w = *ws;
	int sv[2], master, slave;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set("socketpair: %s", strerror(errno));
	if (openpty(&master, &slave, NULL, NULL, &w) < 0) {
		close(sv[0]);
		close(sv[1]);
		return err_set("openpty: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		err_set("fork: %s", strerror(errno));
		close(master);
		close(slave);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(master);
		close(sv[0]);
		spawn_child(ui_path, term, slave, sv[1], ids, state_dir);
	}
	close(slave);
	close(sv[1]);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	fcntl(master, F_SETFD, FD_CLOEXEC);
	out->pid = pid;
	out->master = master;
	out->sock = sv[0];
	return 0;
}
