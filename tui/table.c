/*
 * table.c: filtering, sorting and marking the admin pane's tables
 * (table.h). No drawing here, so that the unit tests and the benchmark
 * link it alone.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/table.h"
#include "util/log.h"

/* Sets up an empty table whose filter looks in the n columns given. */
void
table_init(struct table *t, const int *match_cols, int n)
{
	int i;

	memset(t, 0, sizeof(*t));
	door_rows_init(&t->rows, 0);
	buf_init(&t->filter);
	buf_init(&t->exact);
	t->sort_col = -1;
	t->exact_col = -1;
	for (i = 0; i < TABLE_MATCH_COLS; i++)
		t->match_cols[i] = i < n ? match_cols[i] : -1;
}

/* Drops the rows and the marks; the filter and the sort stay. */
void
table_clear(struct table *t)
{
	door_rows_release(&t->rows);
	free(t->order);
	free(t->show);
	free(t->mark);
	t->order = t->show = NULL;
	t->mark = NULL;
	t->n_show = t->n_marked = 0;
}

void
table_release(struct table *t)
{
	table_clear(t);
	buf_release(&t->filter);
	buf_release(&t->exact);
}

/*
 * Appends the rows of page (emptied: its cells change hands) and shows
 * the table again sorted and filtered as it was.
 */
void
table_take(struct table *t, struct door_rows *page)
{
	size_t have = (size_t)t->rows.rows * t->rows.cols;
	size_t add = (size_t)page->rows * page->cols;
	uint32_t i, n;

	if (t->rows.rows == 0) {
		door_rows_release(&t->rows);
		t->rows.cols = page->cols;
	}
	if (page->rows && page->cols == t->rows.cols) {
		t->rows.cells = reallocarray(t->rows.cells, have + add,
					     sizeof(*t->rows.cells));
		if (t->rows.cells == NULL)
			fatal("out of memory");
		memcpy(t->rows.cells + have, page->cells,
		       add * sizeof(*page->cells));
		t->rows.rows += page->rows;
		free(page->cells);
		page->cells = NULL;
		page->rows = 0;
	}
	t->rows.total = t->rows.rows;
	door_rows_release(page);
	n = t->rows.rows;
	t->order = reallocarray(t->order, n + 1, sizeof(*t->order));
	t->show = reallocarray(t->show, n + 1, sizeof(*t->show));
	t->mark = realloc(t->mark, n + 1);
	if (!t->order || !t->show || !t->mark)
		fatal("out of memory");
	for (i = 0; i < n; i++)
		t->order[i] = i;
	memset(t->mark, 0, n + 1);
	t->n_marked = 0;
	table_sort(t, t->sort_col, t->sort_numeric, t->sort_rev);
}

/* The row number of the shown row shown. */
uint32_t
table_row(const struct table *t, size_t shown)
{
	return t->show[shown];
}

/* The cell col of the shown row shown (borrowed). */
const char *
table_cell(const struct table *t, size_t shown, uint32_t col)
{
	if (shown >= t->n_show || col >= t->rows.cols)
		return "";
	return t->rows.cells[(size_t)t->show[shown] * t->rows.cols + col].buf;
}

/* qsort_r has no portable context argument: the table being sorted. */
static const struct table *table_sorting;

static int
table_cmp(const void *pa, const void *pb)
{
	const struct table *t = table_sorting;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	const char *x = t->rows.cells[(size_t)a * t->rows.cols + t->sort_col]
				.buf;
	const char *y = t->rows.cells[(size_t)b * t->rows.cols + t->sort_col]
				.buf;
	long long nx, ny;
	int c;

	if (t->sort_numeric) {
		nx = strtoll(x, NULL, 10);
		ny = strtoll(y, NULL, 10);
		c = nx < ny ? -1 : nx > ny;
	} else {
		c = strcasecmp(x, y);
	}
	if (c == 0)
		c = a < b ? -1 : a > b; /* stable: the door's order */
	return t->sort_rev ? -c : c;
}

/*
 * Sorts by column col (numbers when numeric; -1: the door's order),
 * reversed when rev, and filters again.
 */
void
table_sort(struct table *t, int col, int numeric, int rev)
{
	uint32_t i;

	t->sort_col = col >= 0 && (uint32_t)col < t->rows.cols ? col : -1;
	t->sort_numeric = numeric;
	t->sort_rev = rev;
	for (i = 0; i < t->rows.rows; i++)
		t->order[i] = i;
	if (t->sort_col >= 0) {
		table_sorting = t;
		qsort(t->order, t->rows.rows, sizeof(*t->order), table_cmp);
		table_sorting = NULL;
	} else if (rev) {
		for (i = 0; i < t->rows.rows; i++)
			t->order[i] = t->rows.rows - 1 - i;
	}
	table_refilter(t);
}

/* 1 when row r passes the filter and the exact column. */
static int
table_match(const struct table *t, uint32_t r)
{
	const struct buf *row = t->rows.cells + (size_t)r * t->rows.cols;
	int i;

	if (t->exact_col >= 0 &&
	    ((uint32_t)t->exact_col >= t->rows.cols ||
	     strcasecmp(row[t->exact_col].buf, t->exact.buf)))
		return 0;
	if (!t->filter.len)
		return 1;
	for (i = 0; i < TABLE_MATCH_COLS && t->match_cols[i] >= 0; i++)
		if ((uint32_t)t->match_cols[i] < t->rows.cols &&
		    strcasestr(row[t->match_cols[i]].buf, t->filter.buf))
			return 1;
	return 0;
}

/* Shows the rows that pass, in the sorted order. */
void
table_refilter(struct table *t)
{
	uint32_t i;

	t->n_show = 0;
	for (i = 0; i < t->rows.rows; i++)
		if (table_match(t, t->order[i]))
			t->show[t->n_show++] = t->order[i];
}

/*
 * Sets the filter. When the new one contains the old one, only the
 * rows shown now can pass: those are searched and the rest skipped.
 */
void
table_set_filter(struct table *t, const char *filter)
{
	int narrower = t->filter.len && strstr(filter, t->filter.buf);
	size_t i, n = 0;

	buf_reset(&t->filter);
	buf_adds(&t->filter, filter);
	if (!narrower) {
		table_refilter(t);
		return;
	}
	for (i = 0; i < t->n_show; i++)
		if (table_match(t, t->show[i]))
			t->show[n++] = t->show[i];
	t->n_show = n;
}

/* Shows only rows whose column col is value; col -1 drops that. */
void
table_set_exact(struct table *t, int col, const char *value)
{
	t->exact_col = col;
	buf_reset(&t->exact);
	buf_adds(&t->exact, value ? value : "");
	table_refilter(t);
}

/* Marks or unmarks the shown row shown; returns 1 if it is marked now. */
int
table_toggle_mark(struct table *t, size_t shown)
{
	uint32_t r;

	if (shown >= t->n_show)
		return 0;
	r = t->show[shown];
	t->mark[r] = !t->mark[r];
	if (t->mark[r])
		t->n_marked++;
	else
		t->n_marked--;
	return t->mark[r];
}

/* Appends column col of every marked row to out, one a line. */
void
table_marked(const struct table *t, uint32_t col, struct buf *out)
{
	uint32_t i;

	for (i = 0; i < t->rows.rows; i++)
		if (t->mark[i] && col < t->rows.cols) {
			buf_add(out, t->rows.cells[(size_t)i * t->rows.cols +
						   col].buf,
				t->rows.cells[(size_t)i * t->rows.cols + col]
					.len);
			buf_addch(out, '\n');
		}
}
