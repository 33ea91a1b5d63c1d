/*
 * keymap.h: key bindings loaded from plain-text files (keymaps/NAME.keys).
 *
 *   # a comment (only at the start of a line)
 *   [index]                  a context: global index pager folders
 *                            composer admin; lookups fall back to global
 *   j          move-down     a key, then a request name (request.h)
 *   <Down>     move-down     named keys in angle brackets (keys.h),
 *   ^X  <C-x>  ...           control keys, <Enter> <Tab> <Space> <Esc>
 *   <Hash> <lt>              '#' and '<' themselves
 *   x          none          unbinds
 *
 * A later line wins over an earlier one for the same key. A bad line is
 * reported as "file:line: ..." in the warnings and skipped; the rest
 * still loads.
 */
#ifndef TUIMAIL_KEYMAP_H
#define TUIMAIL_KEYMAP_H

#include <stddef.h>

#include "tui/keys.h"
#include "tui/request.h"
#include "util/buf.h"

#define KEYMAP_CONTEXTS(X)         \
	X(KM_GLOBAL, "global")     \
	X(KM_INDEX, "index")       \
	X(KM_PAGER, "pager")       \
	X(KM_FOLDERS, "folders")   \
	X(KM_COMPOSER, "composer") \
	X(KM_ADMIN, "admin")

enum keymap_ctx {
#define KM_ENUM(id, name) id,
	KEYMAP_CONTEXTS(KM_ENUM)
#undef KM_ENUM
	KM_COUNT
};

struct keymap_binding {
	int key;		 /* a code point, a control key or a TK_ */
	enum tui_request req;	 /* REQ_NONE: unbound */
};

struct keymap; /* owns its bindings */

int keymap_load(struct keymap **out, const char *path, struct buf *warnings);
int keymap_load_string(struct keymap **out, const char *name,
		       const char *text, struct buf *warnings);
void keymap_free(struct keymap *km);
enum tui_request keymap_lookup(const struct keymap *km, enum keymap_ctx ctx,
			       int key);
size_t keymap_bindings(const struct keymap *km, enum keymap_ctx ctx,
		       const struct keymap_binding **out);
int keymap_parse_key(const char *s, int *key);
void keymap_key_name(int key, char *out, size_t len);
const char *keymap_ctx_name(enum keymap_ctx ctx);

#endif
