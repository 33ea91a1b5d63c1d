/*
 * view_search.c: search results (issue 6). Not written yet: opening it says so.
 */
#include "tui/app.h"
#include "util/log.h"

static int
results_open(struct app *a, struct view *v, const void *arg)
{
	(void)a;
	(void)v;
	(void)arg;
	err_set("search: not available yet");
	return -1;
}

static void
results_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	(void)a;
	(void)v;
	(void)r;
}

static int
results_request(struct app *a, struct view *v, enum tui_request req)
{
	(void)a;
	(void)v;
	(void)req;
	return VIEW_PASS;
}

static const struct view_hint results_hints[] = { { REQ_NONE, NULL } };

const struct view_ops view_search_ops = {
	.name = "search",
	.ctx = KM_INDEX,
	.hints = results_hints,
	.open = results_open,
	.draw = results_draw,
	.request = results_request,
};
