/*
 * keymap.c: parsing keymap files and looking keys up.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/keymap.h"
#include "util/log.h"
#include "util/sanitize.h"

struct keymap {
	struct keymap_binding *b[KM_COUNT]; /* owned arrays */
	size_t n[KM_COUNT], alloc[KM_COUNT];
};

static const char *const ctx_names[] = {
#define KM_NAME(id, name) name,
	KEYMAP_CONTEXTS(KM_NAME)
#undef KM_NAME
};

static const struct {
	const char *name;
	const char *help;
} requests[] = {
	{ "none", "unbound" },
#define REQ_ROW(id, name, help) { name, help },
	TUI_REQUESTS(REQ_ROW)
#undef REQ_ROW
};

static const char *const named_keys[] = {
#define KEY_NAME(id, name) name,
	TUI_KEYS(KEY_NAME)
#undef KEY_NAME
};

/* Names of keys that are single characters, besides the printable ones. */
static const struct {
	const char *name;
	int key;
} char_keys[] = {
	{ "Enter", TK_ENTER }, { "Return", TK_ENTER }, { "Tab", TK_TAB },
	{ "Esc", TK_ESC },     { "Space", ' ' },       { "Hash", '#' },
	{ "lt", '<' },	       { "S-Tab", TK_BACKTAB },
};

const char *
request_name(enum tui_request r)
{
	return (unsigned)r < REQ_COUNT ? requests[r].name : "?";
}

const char *
request_help(enum tui_request r)
{
	return (unsigned)r < REQ_COUNT ? requests[r].help : "?";
}

enum tui_request
request_by_name(const char *name)
{
	unsigned i;

	for (i = 1; i < REQ_COUNT; i++)
		if (!strcmp(requests[i].name, name))
			return (enum tui_request)i;
	return REQ_NONE;
}

const char *
keymap_ctx_name(enum keymap_ctx ctx)
{
	return (unsigned)ctx < KM_COUNT ? ctx_names[ctx] : "?";
}

/*
 * Parses a key as written in a keymap file into *key. Returns 0, or -1
 * with a message naming what is wrong.
 */
int
keymap_parse_key(const char *s, int *key)
{
	size_t len = strlen(s), i;
	uint32_t cp;
	int n;

	if (len == 0)
		return err_set("empty key");
	if (s[0] == '^' && len == 2 && s[1] != ' ') {
		*key = TK_CTRL(toupper((unsigned char)s[1]));
		return 0;
	}
	if (s[0] == '<' && len > 2 && s[len - 1] == '>') {
		char name[32];

		if (len - 2 >= sizeof(name))
			return err_set("unknown key '%s'", s);
		memcpy(name, s + 1, len - 2);
		name[len - 2] = '\0';
		if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' &&
		    name[2] && !name[3] && isalpha((unsigned char)name[2])) {
			*key = TK_CTRL(toupper((unsigned char)name[2]));
			return 0;
		}
		for (i = 0; i < sizeof(char_keys) / sizeof(char_keys[0]); i++)
			if (!strcasecmp(name, char_keys[i].name)) {
				*key = char_keys[i].key;
				return 0;
			}
		for (i = 0; i < sizeof(named_keys) / sizeof(named_keys[0]); i++)
			if (!strcasecmp(name, named_keys[i])) {
				*key = TK_BASE + 1 + (int)i;
				return 0;
			}
		return err_set("unknown key '%s'", s);
	}
	n = san_utf8_decode((const unsigned char *)s, len, &cp);
	if (n < 0 || (size_t)n != len || cp < 0x20 || cp == 0x7f)
		return err_set("unknown key '%s'", s);
	*key = (int)cp;
	return 0;
}

/* Writes the name a help screen shows for key. */
void
keymap_key_name(int key, char *out, size_t len)
{
	size_t i;

	if (key > TK_BASE && key < TK_LAST_NAMED) {
		snprintf(out, len, "<%s>", named_keys[key - TK_BASE - 1]);
		return;
	}
	for (i = 0; i < sizeof(char_keys) / sizeof(char_keys[0]); i++)
		if (char_keys[i].key == key && key != '<' && key != '#') {
			snprintf(out, len, "<%s>", char_keys[i].name);
			return;
		}
	if (key >= 1 && key < 32) {
		snprintf(out, len, "^%c", key + '@');
		return;
	}
	if (key < 0x80) {
		snprintf(out, len, "%c", key);
		return;
	}
	{
		char u[5];

		u[san_utf8_encode((uint32_t)key, u)] = '\0';
		snprintf(out, len, "%s", u);
	}
}

static void
keymap_bind(struct keymap *km, enum keymap_ctx ctx, int key,
	    enum tui_request req)
{
	size_t i;

	for (i = 0; i < km->n[ctx]; i++)
		if (km->b[ctx][i].key == key) {
			km->b[ctx][i].req = req;
			return;
		}
	if (km->n[ctx] == km->alloc[ctx]) {
		km->alloc[ctx] = km->alloc[ctx] ? 2 * km->alloc[ctx] : 32;
		km->b[ctx] = reallocarray(km->b[ctx], km->alloc[ctx],
					  sizeof(*km->b[ctx]));
		if (km->b[ctx] == NULL)
			fatal("out of memory");
	}
	km->b[ctx][km->n[ctx]].key = key;
	km->b[ctx][km->n[ctx]].req = req;
	km->n[ctx]++;
}

static void
keymap_warn(struct buf *w, const char *name, int line, const char *msg)
{
	if (w)
		buf_addf(w, "%s:%d: %s\n", name, line, msg);
}

/*
 * Loads bindings from text (name is used in warnings). Returns 0; bad
 * lines only add warnings.
 */
int
keymap_load_string(struct keymap **out, const char *name, const char *text,
		   struct buf *warnings)
{
	struct keymap *km = calloc(1, sizeof(*km));
	enum keymap_ctx ctx = KM_GLOBAL;
	const char *p = text;
	int lineno = 0;

	if (km == NULL)
		fatal("out of memory");
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], keytok[128], reqtok[128], extra[8];
		enum tui_request req;
		int key, fields;

		lineno++;
		if (n >= sizeof(line)) {
			keymap_warn(warnings, name, lineno, "line too long");
			p += n + (nl != NULL);
			continue;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		fields = sscanf(line, " %127s %127s %7s", keytok, reqtok, extra);
		if (fields <= 0 || keytok[0] == '#')
			continue;
		if (keytok[0] == '[') {
			size_t l = strlen(keytok);
			int c;

			if (fields != 1 || keytok[l - 1] != ']') {
				keymap_warn(warnings, name, lineno,
					    "malformed context header");
				continue;
			}
			keytok[l - 1] = '\0';
			for (c = 0; c < KM_COUNT; c++)
				if (!strcmp(keytok + 1, ctx_names[c]))
					break;
			if (c == KM_COUNT) {
				char msg[160];

				snprintf(msg, sizeof(msg),
					 "unknown context '[%.100s]'",
					 keytok + 1);
				keymap_warn(warnings, name, lineno, msg);
				ctx = KM_COUNT;
				continue;
			}
			ctx = (enum keymap_ctx)c;
			continue;
		}
		if (ctx == KM_COUNT)
			continue;
		if (fields != 2) {
			keymap_warn(warnings, name, lineno,
				    "expected a key and a request");
			continue;
		}
		if (keymap_parse_key(keytok, &key) < 0) {
			keymap_warn(warnings, name, lineno, err_msg());
			continue;
		}
		req = request_by_name(reqtok);
		if (req == REQ_NONE && strcmp(reqtok, "none")) {
			char msg[160];

			snprintf(msg, sizeof(msg), "unknown request '%.100s'",
				 reqtok);
			keymap_warn(warnings, name, lineno, msg);
			continue;
		}
		keymap_bind(km, ctx, key, req);
	}
	*out = km;
	return 0;
}

/* Loads a keymap file; -1 only when it cannot be read at all. */
int
keymap_load(struct keymap **out, const char *path, struct buf *warnings)
{
	struct buf text = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;
	int rc;

	f = fopen(path, "r");
	if (f == NULL)
		return err_set("cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, n);
	fclose(f);
	rc = keymap_load_string(out, path, text.buf, warnings);
	buf_release(&text);
	return rc;
}

void
keymap_free(struct keymap *km)
{
	int c;

	if (km == NULL)
		return;
	for (c = 0; c < KM_COUNT; c++)
		free(km->b[c]);
	free(km);
}

/* What key asks for in ctx, falling back to the global bindings. */
enum tui_request
keymap_lookup(const struct keymap *km, enum keymap_ctx ctx, int key)
{
	size_t i;

	for (i = 0; i < km->n[ctx]; i++)
		if (km->b[ctx][i].key == key)
			return km->b[ctx][i].req;
	if (ctx == KM_GLOBAL || ctx == KM_COMPOSER)
		return REQ_NONE;
	for (i = 0; i < km->n[KM_GLOBAL]; i++)
		if (km->b[KM_GLOBAL][i].key == key)
			return km->b[KM_GLOBAL][i].req;
	return REQ_NONE;
}

/* The bindings of one context, in file order, for the help screen. */
size_t
keymap_bindings(const struct keymap *km, enum keymap_ctx ctx,
		const struct keymap_binding **out)
{
	*out = km->b[ctx];
	return km->n[ctx];
}
