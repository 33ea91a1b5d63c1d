/*
 * spawn.h: starting a session's UI: its state dir, its uid, a pty and the
 * socketpair to its door, then tuimail exec'd under that uid.
 */
#ifndef TUIMAIL_SPAWN_H
#define TUIMAIL_SPAWN_H

#include <sys/ioctl.h>
#include <sys/types.h>

#include "acct.h"
#include "util/conf.h"

struct spawn_ids {
	uid_t uid;
	gid_t gid;
};

/* A running UI, as the door sees it. */
struct spawn {
	pid_t pid;
	int master; /* pty master, non-blocking; owned */
	int sock;   /* the door's end of the request socketpair; owned */
};

int spawn_ids(const struct conf *c, const struct acct_account *ac,
	      struct spawn_ids *ids);
int spawn_state_dir(const struct conf *c, const struct acct_account *ac,
		    const struct spawn_ids *ids, char *out, size_t len);
int spawn_ui(const char *ui_path, const char *term, const struct winsize *ws,
	     const struct spawn_ids *ids, const char *state_dir,
	     struct spawn *out);
int spawn_ui_path(char *out, size_t len);

#endif
