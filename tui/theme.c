/*
 * theme.c: parsing theme files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/theme.h"
#include "util/log.h"

static const char *const element_names[] = {
#define TH_NAME(id, name) name,
	THEME_ELEMENTS(TH_NAME)
#undef TH_NAME
};

static const char *const color_names[] = { "black", "red",     "green",
					   "yellow", "blue",   "magenta",
					   "cyan",  "white" };

static const struct {
	const char *name;
	unsigned attr;
} attr_names[] = {
	{ "bold", THA_BOLD },	      { "dim", THA_DIM },
	{ "underline", THA_UNDERLINE }, { "reverse", THA_REVERSE },
	{ "italic", THA_ITALIC },
};

const char *
theme_element_name(enum theme_element e)
{
	return (unsigned)e < TH_COUNT ? element_names[e] : "?";
}

/*
 * The built-in look, the same as themes/default.theme, for when no file
 * can be read: readable on dark and light terminals alike.
 */
void
theme_defaults(struct theme *t)
{
	int i;

	for (i = 0; i < TH_COUNT; i++)
		t->s[i] = (struct theme_style){ THEME_DEFAULT_COLOR,
						THEME_DEFAULT_COLOR, 0 };
	t->s[TH_STATUS] = (struct theme_style){ THEME_DEFAULT_COLOR,
						 THEME_DEFAULT_COLOR,
						 THA_REVERSE };
	t->s[TH_TITLE] = t->s[TH_STATUS];
	t->s[TH_INDICATOR] = (struct theme_style){ THEME_DEFAULT_COLOR,
						    THEME_DEFAULT_COLOR,
						    THA_REVERSE | THA_BOLD };
	t->s[TH_SIDEBAR_CURRENT] = t->s[TH_INDICATOR];
	t->s[TH_UNREAD].attrs = THA_BOLD;
	t->s[TH_FLAGGED].fg = 1;
	t->s[TH_DELETED].attrs = THA_DIM;
	t->s[TH_TREE].fg = 4;
	t->s[TH_HEADER_NAME].attrs = THA_BOLD;
	t->s[TH_QUOTE1].fg = 2;
	t->s[TH_QUOTE2].fg = 6;
	t->s[TH_QUOTE3].fg = 3;
	t->s[TH_SIGNATURE].attrs = THA_DIM;
	t->s[TH_LINK].attrs = THA_UNDERLINE;
	t->s[TH_ATTACHMENT].fg = 5;
	t->s[TH_SEARCH_MATCH].attrs = THA_REVERSE;
	t->s[TH_ERROR] = (struct theme_style){ 1, THEME_DEFAULT_COLOR,
						THA_BOLD };
	/* A QR code must be dark on light whatever the terminal's colours. */
	t->s[TH_QR] = (struct theme_style){ 0, 15, 0 };
}

/* Drops every colour and keeps the attributes (NO_COLOR, mono). */
void
theme_no_color(struct theme *t)
{
	int i;

	for (i = 0; i < TH_COUNT; i++)
		t->s[i].fg = t->s[i].bg = THEME_DEFAULT_COLOR;
}

static int
theme_parse_color(const char *s, int *out)
{
	const char *name = s;
	char *end;
	long n;
	int i, bright = 0;

	if (!strcasecmp(s, "default")) {
		*out = THEME_DEFAULT_COLOR;
		return 0;
	}
	if (!strncasecmp(s, "color", 5)) {
		n = strtol(s + 5, &end, 10);
		if (end == s + 5 || *end || n < 0 || n > 255)
			return err_set("unknown colour '%s'", s);
		*out = (int)n;
		return 0;
	}
	if (!strncasecmp(s, "bright-", 7)) {
		bright = 8;
		name = s + 7;
	}
	for (i = 0; i < 8; i++)
		if (!strcasecmp(name, color_names[i])) {
			*out = i + bright;
			return 0;
		}
	return err_set("unknown colour '%s'", s);
}

static void
theme_warn(struct buf *w, const char *name, int line, const char *msg)
{
	if (w)
		buf_addf(w, "%s:%d: %s\n", name, line, msg);
}

/*
 * Applies the lines of text over t (name is used in warnings). Returns 0;
 * bad lines only add warnings.
 */
int
theme_load_string(struct theme *t, const char *name, const char *text,
		  struct buf *warnings)
{
	const char *p = text;
	int lineno = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], *tok[8], *save = NULL, *w;
		struct theme_style st;
		int ntok = 0, e, i, bad = 0;
		size_t k;

		lineno++;
		if (n >= sizeof(line)) {
			theme_warn(warnings, name, lineno, "line too long");
			p += n + (nl != NULL);
			continue;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		for (w = strtok_r(line, " \t\r", &save); w && ntok < 8;
		     w = strtok_r(NULL, " \t\r", &save))
			tok[ntok++] = w;
		if (ntok == 0 || tok[0][0] == '#')
			continue;
		for (e = 0; e < TH_COUNT; e++)
			if (!strcmp(tok[0], element_names[e]))
				break;
		if (e == TH_COUNT) {
			char msg[160];

			snprintf(msg, sizeof(msg), "unknown element '%.100s'",
				 tok[0]);
			theme_warn(warnings, name, lineno, msg);
			continue;
		}
		if (ntok < 3) {
			theme_warn(warnings, name, lineno,
				   "expected element, foreground, background");
			continue;
		}
		st.attrs = 0;
		if (theme_parse_color(tok[1], &st.fg) < 0 ||
		    theme_parse_color(tok[2], &st.bg) < 0) {
			theme_warn(warnings, name, lineno, err_msg());
			continue;
		}
		for (i = 3; i < ntok && !bad; i++) {
			for (k = 0; k < sizeof(attr_names) / sizeof(attr_names[0]);
			     k++)
				if (!strcasecmp(tok[i], attr_names[k].name))
					break;
			if (k == sizeof(attr_names) / sizeof(attr_names[0])) {
				char msg[160];

				snprintf(msg, sizeof(msg),
					 "unknown attribute '%.100s'", tok[i]);
				theme_warn(warnings, name, lineno, msg);
				bad = 1;
			} else {
				st.attrs |= attr_names[k].attr;
			}
		}
		if (!bad)
			t->s[e] = st;
	}
	return 0;
}

/* Loads a theme file over the defaults; -1 only when it cannot be read. */
int
theme_load(struct theme *t, const char *path, struct buf *warnings)
{
	struct buf text = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;

	theme_defaults(t);
	f = fopen(path, "r");
	if (f == NULL)
		return err_set("cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, n);
	fclose(f);
	theme_load_string(t, path, text.buf, warnings);
	buf_release(&text);
	return 0;
}

/*
 * Maps a colour (THEME_DEFAULT_COLOR or 0 .. 255) to one a terminal with
 * ncolors colours has: unchanged when it fits; else the 6x6x6 cube and
 * the grey ramp of the 256-colour palette become the nearest of the 8
 * basic colours (a component counts from level 3 of 0 .. 5 on), and
 * bright-<name> (8 .. 15) becomes <name>. Without colours at all:
 * THEME_DEFAULT_COLOR.
 */
int
theme_color_down(int color, int ncolors)
{
	int r, g, b, v;

	if (color < 0 || color < ncolors)
		return color;
	if (ncolors < 8)
		return THEME_DEFAULT_COLOR;
	if (color < 16)
		return color - 8;
	if (color >= 232)
		return color >= 244 ? 7 : 0;
	v = color - 16;
	r = v / 36;
	g = (v / 6) % 6;
	b = v % 6;
	return (r >= 3 ? 1 : 0) | (g >= 3 ? 2 : 0) | (b >= 3 ? 4 : 0);
}
