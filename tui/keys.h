/*
 * keys.h: tuimail's own key codes, so that only display.c knows curses.
 * A key is a Unicode code point, a control key (1 to 31), or one of the
 * named keys below, which lie beyond Unicode. PasteStart and PasteEnd
 * are not keys but the brackets the terminal puts around a paste
 * (xterm's bracketed paste mode): what comes between them is text, and
 * CR LF comes as one Enter.
 */
#ifndef TUIMAIL_KEYS_H
#define TUIMAIL_KEYS_H

#define TUI_KEYS(X)                      \
	X(TK_UP, "Up")                   \
	X(TK_DOWN, "Down")               \
	X(TK_LEFT, "Left")               \
	X(TK_RIGHT, "Right")             \
	X(TK_PAGE_UP, "PageUp")          \
	X(TK_PAGE_DOWN, "PageDown")      \
	X(TK_HOME, "Home")               \
	X(TK_END, "End")                 \
	X(TK_INSERT, "Insert")           \
	X(TK_DELETE, "Delete")           \
	X(TK_BACKSPACE, "Backspace")     \
	X(TK_BACKTAB, "BackTab")         \
	X(TK_RESIZE, "Resize")           \
	X(TK_F1, "F1")                   \
	X(TK_F2, "F2")                   \
	X(TK_F3, "F3")                   \
	X(TK_F4, "F4")                   \
	X(TK_F5, "F5")                   \
	X(TK_F6, "F6")                   \
	X(TK_F7, "F7")                   \
	X(TK_F8, "F8")                   \
	X(TK_F9, "F9")                   \
	X(TK_F10, "F10")                 \
	X(TK_F11, "F11")                 \
	X(TK_F12, "F12")                 \
	X(TK_PASTE_START, "PasteStart")  \
	X(TK_PASTE_END, "PasteEnd")

#define TK_BASE 0x110000 /* first code after Unicode */
#define TK_ENTER '\r'
#define TK_TAB '\t'
#define TK_ESC 27
#define TK_CTRL(c) ((c) & 0x1f)

enum tui_key {
	TK_FIRST_NAMED = TK_BASE,
#define TUI_KEY_ENUM(id, name) id,
	TUI_KEYS(TUI_KEY_ENUM)
#undef TUI_KEY_ENUM
	TK_LAST_NAMED
};

#endif
