/*
 * display.h: the drawing primitives of tuimail. display.c is the only
 * file that includes curses. Everything it draws goes through san_text()
 * there, so callers pass raw strings from servers and messages as they
 * are; widths are measured with wcwidth(), so wide characters keep the
 * columns aligned. Rows and columns count from 0 at the top left.
 */
#ifndef TUIMAIL_DISPLAY_H
#define TUIMAIL_DISPLAY_H

#include <stddef.h>

#include "tui/keys.h"
#include "tui/theme.h"

/* What display_key() returns besides a key (keys.h). */
enum display_event {
	DISPLAY_TIMEOUT = -1,	/* nothing within the time-out */
	DISPLAY_HANGUP = -2,	/* the terminal went away */
	DISPLAY_FD = -3,	/* the extra descriptor is readable */
	DISPLAY_INTERRUPT = -4, /* a signal arrived */
};

int display_open(void);
void display_close(void);
void display_theme(const struct theme *t, int no_color);
void display_size(int *rows, int *cols);
void display_erase(void);
int display_text(int row, int col, int width, enum theme_element el,
		 const char *s, size_t len);
void display_text_pad(int row, int col, int width, enum theme_element el,
		      const char *s, size_t len);
void display_fill(int row, int col, int width, enum theme_element el);
void display_cursor(int row, int col);
void display_refresh(void);
void display_redraw(void);
int display_key(int timeout_ms, int fd);

#endif
