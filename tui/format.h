/*
 * format.h: the pure formatting of the message list: the date column,
 * sizes, flags, the sender column, the thread tree and the column layout.
 * Nothing here touches the terminal or the network, so that the unit
 * tests can inject the clock, the time zone (TZ) and the width.
 */
#ifndef TUIMAIL_FORMAT_H
#define TUIMAIL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define FMT_DATE_WIDTH 10 /* "2024-11-25" */
#define FMT_FLAGS_WIDTH 3
#define FMT_SIZE_WIDTH 5

/* Where each column of a message-list row starts and how wide it is. */
struct fmt_columns {
	int flags_col, flags_w;
	int date_col, date_w;
	int from_col, from_w;
	int subject_col, subject_w;
	int size_col, size_w; /* size_w 0: no size column */
};

void fmt_date(char *out, size_t len, int64_t when, int64_t now);
void fmt_size(char *out, size_t len, uint64_t bytes);
void fmt_flags(char *out, size_t len, uint32_t flags);
void fmt_address(struct buf *out, const char *addrs);
void fmt_columns(int cols, struct fmt_columns *out);
int fmt_tree(struct buf *out, size_t i, size_t n,
	     uint32_t (*depth_at)(void *arg, size_t i), void *arg);

#endif
