/* Unit tests for tui/keymap.c and tui/theme.c, and the shipped files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tui/keymap.h"
#include "tui/theme.h"
#include "util/log.h"

static void
test_parse_keys(void **state)
{
	int k;

	(void)state;
	assert_int_equal(keymap_parse_key("j", &k), 0);
	assert_int_equal(k, 'j');
	assert_int_equal(keymap_parse_key("<Down>", &k), 0);
	assert_int_equal(k, TK_DOWN);
	assert_int_equal(keymap_parse_key("<pagedown>", &k), 0);
	assert_int_equal(k, TK_PAGE_DOWN);
	assert_int_equal(keymap_parse_key("^L", &k), 0);
	assert_int_equal(k, 12);
	assert_int_equal(keymap_parse_key("<C-x>", &k), 0);
	assert_int_equal(k, 24);
	assert_int_equal(keymap_parse_key("<Enter>", &k), 0);
	assert_int_equal(k, '\r');
	assert_int_equal(keymap_parse_key("<Hash>", &k), 0);
	assert_int_equal(k, '#');
	assert_int_equal(keymap_parse_key("ö", &k), 0);
	assert_int_equal(k, 0xf6);
	assert_int_equal(keymap_parse_key("<F12>", &k), 0);
	assert_int_equal(k, TK_F12);
	assert_int_equal(keymap_parse_key("ZZ", &k), -1);
	assert_int_equal(keymap_parse_key("<Nope>", &k), -1);
	assert_int_equal(keymap_parse_key("\x1b", &k), -1);
}

static void
test_key_names(void **state)
{
	char n[32];

	(void)state;
	keymap_key_name(TK_DOWN, n, sizeof(n));
	assert_string_equal(n, "<Down>");
	keymap_key_name(12, n, sizeof(n));
	assert_string_equal(n, "^L");
	keymap_key_name('\r', n, sizeof(n));
	assert_string_equal(n, "<Enter>");
	keymap_key_name('j', n, sizeof(n));
	assert_string_equal(n, "j");
	keymap_key_name(0xf6, n, sizeof(n));
	assert_string_equal(n, "ö");
	keymap_key_name(0x1F389, n, sizeof(n));
	assert_string_equal(n, "🎉");
}

static void
test_bad_lines_reported_rest_loads(void **state)
{
	static const char text[] = "[index]\n"
				   "j move-down\n"
				   "x frobnicate\n"
				   "<Bogus> open\n"
				   "k\n"
				   "[nowhere]\n"
				   "z open\n"
				   "[pager]\n"
				   "j next-message\n"
				   "[global]\n"
				   "? help\n"
				   "q back\n"
				   "[index]\n"
				   "q quit\n"
				   "j none\n";
	struct buf w = BUF_INIT;
	struct keymap *km;

	(void)state;
	assert_int_equal(keymap_load_string(&km, "t.keys", text, &w), 0);
	assert_string_equal(w.buf, "t.keys:3: unknown request 'frobnicate'\n"
				   "t.keys:4: unknown key '<Bogus>'\n"
				   "t.keys:5: expected a key and a request\n"
				   "t.keys:6: unknown context '[nowhere]'\n");
	/* A later line wins; "none" unbinds; contexts fall back to global. */
	assert_int_equal(keymap_lookup(km, KM_INDEX, 'j'), REQ_NONE);
	assert_int_equal(keymap_lookup(km, KM_PAGER, 'j'), REQ_NEXT_MESSAGE);
	assert_int_equal(keymap_lookup(km, KM_INDEX, '?'), REQ_HELP);
	assert_int_equal(keymap_lookup(km, KM_INDEX, 'q'), REQ_QUIT);
	assert_int_equal(keymap_lookup(km, KM_PAGER, 'q'), REQ_BACK);
	assert_int_equal(keymap_lookup(km, KM_INDEX, 'z'), REQ_NONE);
	keymap_free(km);
	buf_release(&w);
}

/* The bindings tests and docs rely on (issue 4). */
static void
test_default_keys_file(void **state)
{
	static const struct {
		enum keymap_ctx ctx;
		int key;
		enum tui_request req;
	} want[] = {
		{ KM_INDEX, 'j', REQ_MOVE_DOWN },
		{ KM_INDEX, 'k', REQ_MOVE_UP },
		{ KM_INDEX, TK_DOWN, REQ_MOVE_DOWN },
		{ KM_INDEX, TK_UP, REQ_MOVE_UP },
		{ KM_INDEX, '\r', REQ_OPEN },
		{ KM_INDEX, 'q', REQ_BACK },
		{ KM_FOLDERS, 'q', REQ_BACK },
		{ KM_INDEX, 'c', REQ_CHANGE_FOLDER },
		{ KM_INDEX, '\t', REQ_NEXT_UNREAD },
		{ KM_INDEX, 'd', REQ_DELETE },
		{ KM_INDEX, 'u', REQ_UNDELETE },
		{ KM_INDEX, 'F', REQ_FLAG },
		{ KM_INDEX, 'N', REQ_TOGGLE_READ },
		{ KM_INDEX, 's', REQ_MOVE },
		{ KM_INDEX, 'C', REQ_COPY },
		{ KM_INDEX, 'T', REQ_THREADS },
		{ KM_INDEX, 'o', REQ_SORT },
		{ KM_INDEX, 'O', REQ_SORT_REVERSE },
		{ KM_INDEX, 'l', REQ_LIMIT },
		{ KM_INDEX, '$', REQ_REFRESH },
		{ KM_PAGER, 'h', REQ_ALL_HEADERS },
		{ KM_INDEX, 'm', REQ_COMPOSE },
		{ KM_INDEX, 'r', REQ_REPLY },
		{ KM_INDEX, 'g', REQ_REPLY_ALL },
		{ KM_INDEX, 'f', REQ_FORWARD },
		{ KM_INDEX, '/', REQ_SEARCH },
		{ KM_INDEX, 'S', REQ_SETTINGS },
		{ KM_INDEX, 'A', REQ_ADMIN },
		{ KM_INDEX, '?', REQ_HELP },
	};
	struct buf w = BUF_INIT;
	struct keymap *km;
	size_t i;

	(void)state;
	assert_int_equal(keymap_load(&km, "keymaps/default.keys", &w), 0);
	assert_string_equal(w.buf, "");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (keymap_lookup(km, want[i].ctx, want[i].key) != want[i].req)
			fail_msg("key %d in %s is not %s", want[i].key,
				 keymap_ctx_name(want[i].ctx),
				 request_name(want[i].req));
	keymap_free(km);
}

static void
test_shipped_files_load_cleanly(void **state)
{
	static const char *const keys[] = { "keymaps/vim.keys",
					    "keymaps/emacs.keys" };
	static const char *const themes[] = {
		"themes/default.theme", "themes/dark.theme",
		"themes/light.theme", "themes/mono.theme"
	};
	struct buf w = BUF_INIT;
	struct keymap *km;
	struct theme t;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(keymap_load(&km, keys[i], &w), 0);
		keymap_free(km);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(theme_load(&t, themes[i], &w), 0);
	assert_string_equal(w.buf, "");
	buf_release(&w);
	/* default.theme says what theme_defaults() says. */
	{
		struct theme d;

		theme_defaults(&d);
		assert_int_equal(theme_load(&t, "themes/default.theme", NULL),
				 0);
		assert_memory_equal(&d, &t, sizeof(d));
	}
}

static void
test_theme_lines(void **state)
{
	static const char text[] = "status black cyan bold\n"
				   "unread color231 default\n"
				   "flagged bright-red default underline dim\n"
				   "bogus red red\n"
				   "error purple black\n"
				   "link red\n"
				   "quote1 red default blink\n";
	struct buf w = BUF_INIT;
	struct theme t;

	(void)state;
	theme_defaults(&t);
	assert_int_equal(theme_load_string(&t, "t.theme", text, &w), 0);
	assert_string_equal(w.buf,
			    "t.theme:4: unknown element 'bogus'\n"
			    "t.theme:5: unknown colour 'purple'\n"
			    "t.theme:6: expected element, foreground, "
			    "background\n"
			    "t.theme:7: unknown attribute 'blink'\n");
	assert_int_equal(t.s[TH_STATUS].fg, 0);
	assert_int_equal(t.s[TH_STATUS].bg, 6);
	assert_int_equal(t.s[TH_STATUS].attrs, THA_BOLD);
	assert_int_equal(t.s[TH_UNREAD].fg, 231);
	assert_int_equal(t.s[TH_FLAGGED].fg, 9);
	assert_int_equal(t.s[TH_FLAGGED].attrs, THA_UNDERLINE | THA_DIM);
	assert_int_equal(t.s[TH_QUOTE1].fg, 2); /* the bad line changed nothing */
	theme_no_color(&t);
	assert_int_equal(t.s[TH_STATUS].fg, THEME_DEFAULT_COLOR);
	assert_int_equal(t.s[TH_STATUS].attrs, THA_BOLD);
	buf_release(&w);
}

/* colorN on terminals with fewer colours: the nearest basic one. */
static void
test_theme_color_down(void **state)
{
	(void)state;
	assert_int_equal(theme_color_down(THEME_DEFAULT_COLOR, 8),
			 THEME_DEFAULT_COLOR);
	assert_int_equal(theme_color_down(110, 256), 110);
	assert_int_equal(theme_color_down(3, 8), 3);
	assert_int_equal(theme_color_down(9, 8), 1);
	assert_int_equal(theme_color_down(9, 16), 9);
	assert_int_equal(theme_color_down(110, 8), 6);	/* steel blue: cyan */
	assert_int_equal(theme_color_down(124, 8), 1);	/* dark red */
	assert_int_equal(theme_color_down(234, 8), 0);	/* dark grey */
	assert_int_equal(theme_color_down(252, 8), 7);	/* light grey */
	assert_int_equal(theme_color_down(231, 8), 7);	/* white */
	assert_int_equal(theme_color_down(16, 8), 0);	/* black */
	assert_int_equal(theme_color_down(200, 0), THEME_DEFAULT_COLOR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_keys),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_bad_lines_reported_rest_loads),
		cmocka_unit_test(test_default_keys_file),
		cmocka_unit_test(test_shipped_files_load_cleanly),
		cmocka_unit_test(test_theme_lines),
		cmocka_unit_test(test_theme_color_down),
	};

	return cmocka_run_group_tests_name("keymap", tests, NULL, NULL);
}
