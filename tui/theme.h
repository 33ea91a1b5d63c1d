/*
 * theme.h: colours loaded from plain-text files (themes/NAME.theme).
 *
 *   # element   foreground   background   attributes...
 *   status      black        cyan         bold
 *
 * Colours: default, black, red, green, yellow, blue, magenta, cyan,
 * white, bright-<name>, or color0 .. color255 (256-colour terminals; on
 * 8-colour ones the display maps them down). Attributes: bold, dim,
 * underline, reverse, italic. A bad line is reported as "file:line: ..."
 * in the warnings and skipped. NO_COLOR keeps the attributes only.
 */
#ifndef TUIMAIL_THEME_H
#define TUIMAIL_THEME_H

#include "util/buf.h"

#define THEME_ELEMENTS(X)                          \
	X(TH_NORMAL, "normal")                     \
	X(TH_STATUS, "status")                     \
	X(TH_TITLE, "title")                       \
	X(TH_INDICATOR, "indicator")               \
	X(TH_UNREAD, "unread")                     \
	X(TH_FLAGGED, "flagged")                   \
	X(TH_DELETED, "deleted")                   \
	X(TH_TREE, "tree")                         \
	X(TH_HEADER_NAME, "header-name")           \
	X(TH_HEADER, "header")                     \
	X(TH_QUOTE1, "quote1")                     \
	X(TH_QUOTE2, "quote2")                     \
	X(TH_QUOTE3, "quote3")                     \
	X(TH_SIGNATURE, "signature")               \
	X(TH_LINK, "link")                         \
	X(TH_ATTACHMENT, "attachment")             \
	X(TH_SEARCH_MATCH, "search-match")         \
	X(TH_SIDEBAR, "sidebar")                   \
	X(TH_SIDEBAR_CURRENT, "sidebar-current")   \
	X(TH_ERROR, "error")                       \
	X(TH_QR, "qr")

enum theme_element {
#define TH_ENUM(id, name) id,
	THEME_ELEMENTS(TH_ENUM)
#undef TH_ENUM
	TH_COUNT
};

enum theme_attr {
	THA_BOLD = 1 << 0,
	THA_DIM = 1 << 1,
	THA_UNDERLINE = 1 << 2,
	THA_REVERSE = 1 << 3,
	THA_ITALIC = 1 << 4,
};

#define THEME_DEFAULT_COLOR (-1)

struct theme_style {
	int fg, bg;	/* THEME_DEFAULT_COLOR or 0 .. 255 */
	unsigned attrs; /* enum theme_attr bits */
};

struct theme {
	struct theme_style s[TH_COUNT];
};

void theme_defaults(struct theme *t);
int theme_load(struct theme *t, const char *path, struct buf *warnings);
int theme_load_string(struct theme *t, const char *name, const char *text,
		      struct buf *warnings);
void theme_no_color(struct theme *t);
const char *theme_element_name(enum theme_element e);
int theme_color_down(int color, int ncolors);

#endif
