/*
 * compose-keys.c: keystroke to screen in the composer, measured in the
 * process. A child on a pseudo-terminal (100x30, xterm-256color) runs the
 * real composer view (tui/view_compose.c) of an offline session with the
 * real drawing code: a text of LINES lines is typed in, the cursor goes
 * to its middle, and then each key is timed from the view's key handler
 * through app_draw() and display_refresh() (what the key loop does for a
 * typed key) to the curses output written. The parent drains the
 * terminal and prints the figures the child reports.
 *
 *   compose-keys [LINES [KEYS]]    defaults 5000 and 2000
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tui/app.h"
#include "tui/display.h"
#include "util/log.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Prints median, p95 and max of v[0..n) under a name to out. */
static void
report(FILE *out, const char *name, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	fprintf(out, "%-28s median %.3f ms  p95 %.3f ms  max %.3f ms  (%zu keys)\n",
		name, v[n / 2], v[n * 95 / 100], v[n - 1], n);
}

/* One key as the key loop handles it, timed. */
static double
one_key(struct app *a, int key, enum tui_request req)
{
	struct view *v = app_top(a);
	double t0 = now_ms();

	if (req == REQ_NONE)
		v->ops->key(a, v, key);
	else
		v->ops->request(a, v, req);
	app_draw(a);
	display_refresh();
	v->ops->idle(a, v);
	return now_ms() - t0;
}

static int
child(int out_fd, size_t lines, size_t keys)
{
	static volatile sig_atomic_t stop;
	struct view_compose_arg arg = { VIEW_COMPOSE_NEW, NULL, 0, NULL };
	struct buf warn = BUF_INIT;
	struct app a;
	struct view *v;
	double *t, fill;
	size_t i, j;
	FILE *out = fdopen(out_fd, "w");
	const char *line = "The quick brown fox jumps over the lazy dog, "
			   "and a few more words.";

	app_init(&a);
	a.stop = &stop;
	buf_adds(&a.email, "jane@example.com");
	buf_adds(&a.display_name, "Jane Doe");
	if (keymap_load(&a.km, "keymaps/default.keys", &warn) < 0 ||
	    display_open() < 0) {
		fprintf(out, "error: %s\n", err_msg());
		return 1;
	}
	if (app_push(&a, &view_compose_ops, &arg) < 0) {
		fprintf(out, "error: %s\n", a.message.buf);
		return 1;
	}
	v = app_top(&a);
	for (i = 0; i < 4; i++)
		v->ops->request(&a, v, REQ_NEXT_FIELD);
	fill = now_ms();
	for (i = 0; i < lines; i++) {
		for (j = 0; line[j]; j++)
			v->ops->key(&a, v, line[j]);
		v->ops->request(&a, v, REQ_NEWLINE);
	}
	fill = now_ms() - fill;
	for (i = 0; i < lines / 2; i++)
		v->ops->request(&a, v, REQ_MOVE_UP);
	app_draw(&a);
	display_refresh();
	t = calloc(keys, sizeof(*t));
	if (!t)
		return 1;
	fprintf(out, "typed %zu lines (%zu bytes) in %.0f ms\n", lines,
		lines * (strlen(line) + 1), fill);
	for (i = 0; i < keys; i++)
		t[i] = one_key(&a, 'a' + (int)(i % 26), REQ_NONE);
	report(out, "type a letter (mid-text)", t, keys);
	for (i = 0; i < keys; i++)
		t[i] = one_key(&a, 0, REQ_BACKSPACE);
	report(out, "backspace", t, keys);
	for (i = 0; i < keys; i++)
		t[i] = one_key(&a, 0, i % 2 ? REQ_BACKSPACE : REQ_NEWLINE);
	report(out, "newline / join lines", t, keys);
	for (i = 0; i < keys; i++)
		t[i] = one_key(&a, 0, i % 40 < 20 ? REQ_MOVE_DOWN : REQ_MOVE_UP);
	report(out, "cursor down / up", t, keys);
	for (i = 0; i < keys / 10; i++)
		t[i] = one_key(&a, 0, i % 2 ? REQ_PAGE_UP : REQ_PAGE_DOWN);
	report(out, "page down / up", t, keys / 10);
	for (i = 0; i < keys / 10; i++)
		t[i] = one_key(&a, 0, i % 2 ? REQ_REDO : REQ_UNDO);
	report(out, "undo / redo", t, keys / 10);
	fflush(out);
	free(t);
	app_release(&a);
	display_close();
	return 0;
}

int
main(int argc, char **argv)
{
	size_t lines = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000;
	size_t keys = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
	struct winsize ws = { 30, 100, 0, 0 };
	struct pollfd pfd[2];
	char chunk[65536];
	int p[2], master, status, open_fds = 2;
	ssize_t r;
	pid_t pid;

	if (pipe(p) < 0)
		return 1;
	pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("forkpty");
		return 1;
	}
	if (pid == 0) {
		close(p[0]);
		setenv("TERM", "xterm-256color", 1);
		_exit(child(p[1], lines, keys ? keys : 1));
	}
	close(p[1]);
	pfd[0].fd = master;
	pfd[1].fd = p[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (open_fds > 0) {
		if (poll(pfd, 2, 60000) <= 0)
			break;
		if (pfd[0].revents) {
			r = read(master, chunk, sizeof(chunk));
			if (r <= 0) {
				pfd[0].fd = -1;
				open_fds--;
			}
		}
		if (pfd[1].revents) {
			r = read(p[0], chunk, sizeof(chunk));
			if (r <= 0) {
				pfd[1].fd = -1;
				open_fds--;
			} else {
				fwrite(chunk, 1, (size_t)r, stdout);
			}
		}
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
