/*
 * view_admin.c: the admin pane (issue 7). Not written yet: opening it says so.
 */
#include "tui/app.h"
#include "util/log.h"

static int
admin_open(struct app *a, struct view *v, const void *arg)
{
	(void)a;
	(void)v;
	(void)arg;
	err_set("admin: not available yet");
	return -1;
}

static void
admin_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	(void)a;
	(void)v;
	(void)r;
}

static int
admin_request(struct app *a, struct view *v, enum tui_request req)
{
	(void)a;
	(void)v;
	(void)req;
	return VIEW_PASS;
}

static const struct view_hint admin_hints[] = { { REQ_NONE, NULL } };

const struct view_ops view_admin_ops = {
	.name = "admin",
	.ctx = KM_ADMIN,
	.hints = admin_hints,
	.open = admin_open,
	.draw = admin_draw,
	.request = admin_request,
};
