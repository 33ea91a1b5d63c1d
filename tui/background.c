/*
 * background.c: work done between keys (app.h). Nothing yet: the search
 * mirror will run here (issue 6).
 */
#include "tui/app.h"

int
background_step(struct app *a, unsigned budget_ms)
{
	(void)a;
	(void)budget_ms;
	return 0;
}

void
background_end(struct app *a)
{
	(void)a;
}
