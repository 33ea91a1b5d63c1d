/*
 * display.h: the screen of tuimail. display.c is the only file that
 * includes curses; everything it draws that came from a server or the
 * door goes through san_text() there, so callers pass raw strings.
 */
#ifndef TUIMAIL_DISPLAY_H
#define TUIMAIL_DISPLAY_H

#include <signal.h>
#include <time.h>

/* What the session screen shows; every string is borrowed and raw. */
struct display_info {
	const char *email;     /* who is logged in */
	int have_counts;       /* messages and unseen are known */
	unsigned messages;     /* in INBOX */
	unsigned unseen;
	time_t prev_login;     /* the login before this one, 0: none */
	const char *prev_addr; /* where it came from */
	const char *error;     /* what went wrong, or NULL */
};

enum display_end {
	DISPLAY_QUIT = 0,   /* the user pressed q */
	DISPLAY_HANGUP = 1, /* the terminal went away */
	DISPLAY_SIGNAL = 2, /* *stop was set by a signal handler */
};

int display_open(void);
int display_run(const struct display_info *info, volatile sig_atomic_t *stop);
void display_close(void);

#endif
