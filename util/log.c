/*
 * log.c: stderr or syslog logging, fatal(), and the last-error message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char *log_ident = "tuimail";
static int log_foreground = 1;
static int log_debug_on;
static char err_buf[1024];

void
log_init(const char *ident, int foreground, int debug)
{
	log_ident = ident;
	log_foreground = foreground;
	log_debug_on = debug;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

static void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };

	if (level == LOG_LEVEL_DEBUG && !log_debug_on)
		return;
	if (!log_foreground) {
		vsyslog(prio[level], fmt, ap);
		return;
	}
	fprintf(stderr, "%s: %s", log_ident, tag[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERR, fmt, ap);
	va_end(ap);
	abort();
}

/* Sets the last-error message and returns -1, for "return err_set(...)". */
int
err_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	return -1;
}

/* Puts "<context>: " in front of the last-error message; returns -1. */
int
err_prefix(const char *fmt, ...)
{
	char old[sizeof(err_buf)];
	char pre[512];
	va_list ap;

	memcpy(old, err_buf, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	snprintf(err_buf, sizeof(err_buf), "%.500s: %.500s", pre, old);
	return -1;
}

const char *
err_msg(void)
{
	return err_buf[0] ? err_buf : "unknown error";
}

/* A copy of s ("" for NULL); running out of memory is fatal. */
char *
xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		fatal("out of memory");
	return d;
}
