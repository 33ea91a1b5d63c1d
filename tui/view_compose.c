/*
 * view_compose.c: the composer (issue 5). Not written yet: opening it says so.
 */
#include "tui/app.h"
#include "util/log.h"

static int
compose_open(struct app *a, struct view *v, const void *arg)
{
	(void)a;
	(void)v;
	(void)arg;
	err_set("compose: not available yet");
	return -1;
}

static void
compose_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	(void)a;
	(void)v;
	(void)r;
}

static int
compose_request(struct app *a, struct view *v, enum tui_request req)
{
	(void)a;
	(void)v;
	(void)req;
	return VIEW_PASS;
}

static const struct view_hint compose_hints[] = { { REQ_NONE, NULL } };

const struct view_ops view_compose_ops = {
	.name = "compose",
	.ctx = KM_COMPOSER,
	.hints = compose_hints,
	.open = compose_open,
	.draw = compose_draw,
	.request = compose_request,
};
