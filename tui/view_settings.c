/*
 * view_settings.c: the settings view (issue 7). Not written yet: opening it says so.
 */
#include "tui/app.h"
#include "util/log.h"

static int
settings_open(struct app *a, struct view *v, const void *arg)
{
	(void)a;
	(void)v;
	(void)arg;
	err_set("settings: not available yet");
	return -1;
}

static void
settings_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	(void)a;
	(void)v;
	(void)r;
}

static int
settings_request(struct app *a, struct view *v, enum tui_request req)
{
	(void)a;
	(void)v;
	(void)req;
	return VIEW_PASS;
}

static const struct view_hint settings_hints[] = { { REQ_NONE, NULL } };

const struct view_ops view_settings_ops = {
	.name = "settings",
	.ctx = KM_ADMIN,
	.hints = settings_hints,
	.open = settings_open,
	.draw = settings_draw,
	.request = settings_request,
};
