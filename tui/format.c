/*
 * format.c: the columns of the message list (see format.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "index/index.h"
#include "tui/format.h"

static const char *const fmt_months[] = { "Jan", "Feb", "Mar", "Apr",
					  "May", "Jun", "Jul", "Aug",
					  "Sep", "Oct", "Nov", "Dec" };

/*
 * Writes the date column for a message dated when (Unix seconds) as seen
 * at now, in local time (TZ): "14:05" for today, "25 Nov" for an earlier
 * day of this year, "2024-11-25" otherwise, and "" for an unknown date
 * (0). Month names are English whatever the locale.
 */
void
fmt_date(char *out, size_t len, int64_t when, int64_t now)
{
	struct tm t, n;
	time_t tw = (time_t)when, tn = (time_t)now;

	if (len == 0)
		return;
	out[0] = '\0';
	if (when == 0 || !localtime_r(&tw, &t) || !localtime_r(&tn, &n))
		return;
	if (t.tm_year == n.tm_year && t.tm_yday == n.tm_yday)
		snprintf(out, len, "%02d:%02d", t.tm_hour, t.tm_min);
	else if (t.tm_year == n.tm_year)
		snprintf(out, len, "%d %s", t.tm_mday, fmt_months[t.tm_mon]);
	else
		snprintf(out, len, "%04d-%02d-%02d", t.tm_year + 1900,
			 t.tm_mon + 1, t.tm_mday);
}

/*
 * Writes a size in at most five characters: "512", "1.2K", "12K",
 * "123K", "1.2M", "12M", "1.2G".
 */
void
fmt_size(char *out, size_t len, uint64_t bytes)
{
	static const char units[] = "KMGT";
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1000) {
		snprintf(out, len, "%u", (unsigned)bytes);
		return;
	}
	while (v >= 999.5 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		u = 0;
	if (v < 9.95)
		snprintf(out, len, "%.1f%c", v, units[u]);
	else
		snprintf(out, len, "%.0f%c", v, units[u]);
}

/*
 * Writes the three flag characters of a row: 'D' deleted or 'N' unread
 * (else a space), '!' flagged, then 'r' answered, 'f' forwarded or 'd'
 * a draft.
 */
void
fmt_flags(char *out, size_t len, uint32_t flags)
{
	char f[4] = "   ";

	if (flags & IMAP_FLAG_DELETED)
		f[0] = 'D';
	else if (!(flags & IMAP_FLAG_SEEN))
		f[0] = 'N';
	if (flags & IMAP_FLAG_FLAGGED)
		f[1] = '!';
	if (flags & IMAP_FLAG_ANSWERED)
		f[2] = 'r';
	else if (flags & IMAP_FLAG_FORWARDED)
		f[2] = 'f';
	else if (flags & IMAP_FLAG_DRAFT)
		f[2] = 'd';
	snprintf(out, len, "%s", f);
}

/* Appends s[0..len) without surrounding spaces and double quotes. */
static void
fmt_add_trimmed(struct buf *out, const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '"')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '"'))
		len--;
	buf_add(out, s, len);
}

/*
 * Appends the short form of the first address of a decoded address
 * list: its display name when it has one, else the address itself.
 * "Zoë Müller <zoe@example.de>, bob@x" gives "Zoë Müller".
 */
void
fmt_address(struct buf *out, const char *addrs)
{
	const char *p = addrs, *lt = NULL, *gt, *end;
	int quoted = 0, angle = 0;
	size_t before = out->len;

	if (!addrs)
		return;
	/* The first address ends at a comma outside quotes and <>. */
	for (end = p; *end; end++) {
		if (*end == '"' && !angle) {
			quoted = !quoted;
		} else if (*end == '<' && !quoted) {
			if (!lt)
				lt = end;
			angle = 1;
		} else if (*end == '>' && !quoted) {
			angle = 0;
		} else if (*end == ',' && !quoted && !angle) {
			break;
		}
	}
	if (lt && lt < end) {
		fmt_add_trimmed(out, p, (size_t)(lt - p));
		if (out->len > before)
			return;
		gt = memchr(lt, '>', (size_t)(end - lt));
		fmt_add_trimmed(out, lt + 1,
				(size_t)((gt ? gt : end) - lt - 1));
		return;
	}
	fmt_add_trimmed(out, p, (size_t)(end - p));
}

/*
 * Lays out the message-list columns in cols columns: flags, date,
 * sender, subject (what is left) and size, one space apart. The size
 * column goes first when the screen is narrow, then the sender shrinks.
 */
void
fmt_columns(int cols, struct fmt_columns *c)
{
	int x = 0;

	memset(c, 0, sizeof(*c));
	c->flags_col = x;
	c->flags_w = FMT_FLAGS_WIDTH;
	x += c->flags_w + 1;
	c->date_col = x;
	c->date_w = FMT_DATE_WIDTH;
	x += c->date_w + 1;
	c->from_col = x;
	if (cols >= 100)
		c->from_w = 22;
	else if (cols >= 80)
		c->from_w = 18;
	else if (cols >= 60)
		c->from_w = 14;
	else
		c->from_w = cols > x + 20 ? (cols - x) / 3 : 8;
	x += c->from_w + 1;
	c->size_w = cols >= 60 ? FMT_SIZE_WIDTH : 0;
	c->subject_col = x;
	c->subject_w = cols - x - (c->size_w ? c->size_w + 1 : 0);
	if (c->subject_w < 0)
		c->subject_w = 0;
	c->size_col = c->size_w ? cols - c->size_w : cols;
}

/*
 * Returns the first row after i whose depth is at most d, or n.
 */
static size_t
fmt_next_at_most(size_t i, size_t n, uint32_t d,
		 uint32_t (*depth_at)(void *arg, size_t i), void *arg)
{
	for (i++; i < n; i++)
		if (depth_at(arg, i) <= d)
			return i;
	return n;
}

/*
 * Appends the thread-tree prefix of row i of a threaded list of n rows
 * (rows in thread order, depth_at() giving each one's depth, 0 for a
 * thread's root): a "│ " or "  " for each ancestor level, depending on
 * whether that ancestor has a later sibling, then "├─>" or "└─>". A root
 * gets nothing. Returns the columns appended.
 */
int
fmt_tree(struct buf *out, size_t i, size_t n,
	 uint32_t (*depth_at)(void *arg, size_t i), void *arg)
{
	uint32_t d = depth_at(arg, i), k;
	size_t j;
	int cols = 0;

	if (d == 0)
		return 0;
	for (k = 1; k < d; k++) {
		j = fmt_next_at_most(i, n, k, depth_at, arg);
		buf_adds(out, j < n && depth_at(arg, j) == k ? "│ " : "  ");
		cols += 2;
	}
	j = fmt_next_at_most(i, n, d, depth_at, arg);
	buf_adds(out, j < n && depth_at(arg, j) == d ? "├─>" : "└─>");
	return cols + 3;
}
