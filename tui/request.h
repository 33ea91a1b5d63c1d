/*
 * request.h: every action a key can ask for, declared once. The keymap
 * files name them, the help screen lists them with their description,
 * and the views switch on them: all three come from TUI_REQUESTS.
 */
#ifndef TUIMAIL_REQUEST_H
#define TUIMAIL_REQUEST_H

#define TUI_REQUESTS(X)                                                      \
	X(MOVE_DOWN, "move-down", "next line")                               \
	X(MOVE_UP, "move-up", "previous line")                               \
	X(PAGE_DOWN, "page-down", "next page")                               \
	X(PAGE_UP, "page-up", "previous page")                               \
	X(FIRST, "first", "first line")                                      \
	X(LAST, "last", "last line")                                         \
	X(OPEN, "open", "open the message or folder")                        \
	X(BACK, "back", "back; quit from the message list")                  \
	X(QUIT, "quit", "quit tuimail")                                      \
	X(HELP, "help", "show the key bindings")                             \
	X(REDRAW, "redraw", "redraw the screen")                             \
	X(CHANGE_FOLDER, "change-folder", "go to another folder")            \
	X(TOGGLE_SIDEBAR, "toggle-sidebar", "show or hide the folder list")  \
	X(NEXT_UNREAD, "next-unread", "next unread message")                 \
	X(DELETE, "delete", "delete (move to Trash)")                        \
	X(UNDELETE, "undelete", "undelete")                                  \
	X(FLAG, "flag", "flag or unflag")                                    \
	X(TOGGLE_READ, "toggle-read", "mark read or unread")                 \
	X(MARK_ALL_READ, "mark-all-read", "mark the whole folder read")      \
	X(MOVE, "move", "move to a folder")                                  \
	X(COPY, "copy", "copy to a folder")                                  \
	X(THREADS, "toggle-threads", "threaded view on or off")              \
	X(COLLAPSE, "collapse-thread", "collapse or expand the thread")      \
	X(SORT, "sort", "choose the sort order")                             \
	X(SORT_REVERSE, "sort-reverse", "reverse the sort order")            \
	X(LIMIT, "limit", "show all, unread or flagged messages")            \
	X(REFRESH, "refresh", "check for new mail")                          \
	X(FOLDER_CREATE, "folder-create", "create a folder")                 \
	X(FOLDER_RENAME, "folder-rename", "rename the folder")               \
	X(FOLDER_DELETE, "folder-delete", "delete the folder")               \
	X(ALL_HEADERS, "all-headers", "show all headers or the usual ones")  \
	X(TOGGLE_HTML, "toggle-html", "show the HTML or the text part")      \
	X(NEXT_MESSAGE, "next-message", "next message")                      \
	X(PREV_MESSAGE, "previous-message", "previous message")              \
	X(FIND, "find", "find text in this message")                         \
	X(FIND_NEXT, "find-next", "find the next match")                     \
	X(COMPOSE, "compose", "write a new message")                         \
	X(REPLY, "reply", "reply to the sender")                             \
	X(REPLY_ALL, "reply-all", "reply to all")                            \
	X(FORWARD, "forward", "forward the message")                         \
	X(SEARCH, "search", "search all mail")                               \
	X(SETTINGS, "settings", "settings and two-factor authentication")    \
	X(ADMIN, "admin", "the admin pane")                                   \
	/* the composer (and any text field) */                              \
	X(CHAR_LEFT, "char-left", "cursor one character left")               \
	X(CHAR_RIGHT, "char-right", "cursor one character right")            \
	X(WORD_LEFT, "word-left", "cursor one word left")                    \
	X(WORD_RIGHT, "word-right", "cursor one word right")                 \
	X(LINE_START, "line-start", "cursor to the start of the line")       \
	X(LINE_END, "line-end", "cursor to the end of the line")             \
	X(NEWLINE, "newline", "new line (next field in a header)")           \
	X(BACKSPACE, "backspace", "delete the character before the cursor")  \
	X(DELETE_CHAR, "delete-char", "delete the character at the cursor")  \
	X(DELETE_WORD, "delete-word", "delete the word before the cursor")   \
	X(DELETE_LINE, "delete-line", "delete the line")                     \
	X(UNDO, "undo", "undo")                                              \
	X(REDO, "redo", "redo")                                              \
	X(NEXT_FIELD, "next-field", "next field")                            \
	X(PREV_FIELD, "previous-field", "previous field")                    \
	X(COMPLETE, "complete", "complete the address")                      \
	X(ATTACH, "attach", "attach a file")                                 \
	X(DETACH, "detach", "remove the last attachment")                    \
	X(SEND, "send", "send the message")                                  \
	X(POSTPONE, "postpone", "save to Drafts and close")                  \
	X(CANCEL, "cancel", "cancel (asks; the draft is kept)")              \
	/* lists with tabs and marks: the admin pane, settings, search */     \
	X(NEXT_TAB, "next-tab", "next tab")                                  \
	X(PREV_TAB, "previous-tab", "previous tab")                          \
	X(ADD, "add", "add an entry")                                        \
	X(EDIT, "edit", "edit the entry")                                    \
	X(RESET_PASSWORD, "reset-password", "set a new password")            \
	X(SUSPEND, "suspend", "suspend or unsuspend")                        \
	X(REMOVE, "remove", "delete the entry")                              \
	X(MARK, "mark", "mark or unmark the row")                            \
	X(BULK, "bulk", "act on the marked rows")                            \
	X(FILTER, "filter", "filter the list as you type")                   \
	X(RESET_2FA, "reset-2fa", "turn two-factor authentication off")      \
	X(SAVE_SEARCH, "save-search", "save the search as a virtual folder")

enum tui_request {
	REQ_NONE = 0,
#define TUI_REQ_ENUM(id, name, help) REQ_##id,
	TUI_REQUESTS(TUI_REQ_ENUM)
#undef TUI_REQ_ENUM
	REQ_COUNT
};

const char *request_name(enum tui_request r);
const char *request_help(enum tui_request r);
enum tui_request request_by_name(const char *name);

#endif
