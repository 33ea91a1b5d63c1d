/*
 * log.h: logging and the last-error message.
 *
 * Logging goes to stderr when the program runs in the foreground and to
 * syslog (facility mail) as a daemon. Never pass a secret to these.
 *
 * Functions that fail return -1 (or NULL) after err_set(); the caller shows
 * err_msg() or adds its own context with err_prefix(). One message per
 * process is enough: tuimail's processes have no threads.
 */
#ifndef TUIMAIL_LOG_H
#define TUIMAIL_LOG_H

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_init(const char *ident, int foreground, int debug);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Logs and aborts: out of memory and broken invariants only. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
	__attribute__((noreturn));
/* A copy of s ("" for NULL); running out of memory is fatal. */
char *xstrdup(const char *s);

int err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_msg(void);

#endif
