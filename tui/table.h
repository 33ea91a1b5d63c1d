/*
 * table.h: the tables of the admin pane held in memory: every row the
 * door sent (struct door_rows), the order they are sorted in, the ones a
 * filter lets through and the marked ones. Filtering narrows as one
 * types: a longer filter searches only what the shorter one let through,
 * so a keystroke over 10,000 rows costs well under a millisecond.
 */
#ifndef TUIMAIL_TABLE_H
#define TUIMAIL_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/door_proto.h"

#define TABLE_MATCH_COLS 8

struct table {
	struct door_rows rows;	/* owned: every row */
	uint32_t *order;	/* owned: all rows, sorted */
	uint32_t *show;		/* owned: the rows let through, in order */
	size_t n_show;
	unsigned char *mark;	/* owned: one per row */
	size_t n_marked;
	int sort_col;		/* -1: as the door sent them */
	int sort_numeric, sort_rev;
	struct buf filter;	/* a substring, case-insensitive */
	int match_cols[TABLE_MATCH_COLS]; /* the columns it looks in, -1 ends */
	int exact_col;		/* a column that must equal exact, or -1 */
	struct buf exact;
};

void table_init(struct table *t, const int *match_cols, int n);
void table_release(struct table *t);
void table_clear(struct table *t);
void table_take(struct table *t, struct door_rows *page);
const char *table_cell(const struct table *t, size_t shown, uint32_t col);
uint32_t table_row(const struct table *t, size_t shown);
void table_sort(struct table *t, int col, int numeric, int rev);
void table_set_filter(struct table *t, const char *filter);
void table_set_exact(struct table *t, int col, const char *value);
void table_refilter(struct table *t);
int table_toggle_mark(struct table *t, size_t shown);
void table_marked(const struct table *t, uint32_t col, struct buf *out);

#endif
