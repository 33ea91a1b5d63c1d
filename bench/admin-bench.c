/*
 * admin-bench.c: the admin pane's costs with 10,000 accounts, measured
 * the way the pane pays them. A child process answers door requests
 * with the door's own code (sshd/door_req.c) over a socketpair, as the
 * door of a session does; the parent asks with door_call() and keeps
 * the rows in the pane's table (tui/table.c).
 *
 *   admin-bench CONF ADMIN PASSWORD
 *
 * Prints "open N ms", "filter keystroke max N ms" and "bulk suspend of
 * 1000 N ms".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sshd/acct.h"
#include "sshd/door_req.h"
#include "tui/table.h"
#include "util/conf.h"
#include "util/door_proto.h"
#include "util/log.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The door's side: answers requests on fd until it closes. */
static int
door_side(int fd, const char *conf_path, const char *email, const char *pw)
{
	struct door_identity id;
	struct conf c;
	struct acct a;
	struct msg req, reply;

	memset(&id, 0, sizeof(id));
	if (conf_load(&c, conf_path) < 0 ||
	    acct_open(&a, &c, ACCT_OPEN_EXISTING, email) < 0) {
		fprintf(stderr, "admin-bench: %s\n", err_msg());
		return 1;
	}
	id.conf = &c;
	id.acct = &a;
	id.email = email;
	id.addr = "127.0.0.1";
	id.password = pw;
	while (msg_read(fd, &req) > 0) {
		door_answer(&id, &req, &reply);
		msg_release(&req);
		if (msg_write(fd, &reply) < 0)
			break;
		msg_release(&reply);
	}
	acct_close(&a);
	conf_free(&c);
	return 0;
}

int
main(int argc, char **argv)
{
	static const int match[] = { 0, 1 };
	const char *typed[] = { "d", "d0", "d04", "d042", "d04", "d042.",
				"d042.test" };
	struct door_rows page;
	struct door_req r;
	struct table t;
	struct buf list = BUF_INIT, said = BUF_INIT;
	double t0, worst = 0, d;
	uint64_t offset = 0;
	int sv[2], status, rc = 1;
	size_t i;
	pid_t pid;

	if (argc != 4) {
		fprintf(stderr, "usage: admin-bench CONF ADMIN PASSWORD\n");
		return 2;
	}
	log_init("admin-bench", 1, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(door_side(sv[1], argv[1], argv[2], argv[3]));
	}
	close(sv[1]);

	/* Opening the Accounts tab: what the door allows, then every row. */
	table_init(&t, match, 2);
	t0 = now_ms();
	door_req_init(&r, DOOR_ACCOUNT_INFO);
	if (door_call(sv[0], &r, NULL, &page) < 0)
		goto out;
	door_rows_release(&page);
	door_req_release(&r);
	do {
		door_req_init(&r, DOOR_ADMIN_ACCOUNTS);
		r.u[0] = offset;
		r.u[1] = 5000;
		if (door_call(sv[0], &r, NULL, &page) < 0)
			goto out;
		door_req_release(&r);
		offset += page.rows;
		i = page.rows;
		d = (double)page.total;
		table_take(&t, &page);
	} while (i > 0 && offset < (uint64_t)d);
	printf("open: %u accounts in %.1f ms [target < 200 ms]\n", t.rows.rows,
	       now_ms() - t0);

	/* Typing a filter, a key at a time (one Backspace among them). */
	for (i = 0; i < sizeof(typed) / sizeof(*typed); i++) {
		t0 = now_ms();
		table_set_filter(&t, typed[i]);
		d = now_ms() - t0;
		if (d > worst)
			worst = d;
	}
	printf("filter keystroke: worst %.3f ms, %zu shown for '%s' "
	       "[target < 30 ms]\n",
	       worst, t.n_show, typed[i - 1]);

	/* Bulk suspend of 1,000 marked accounts. */
	table_set_filter(&t, "");
	for (i = 0; i < 1000 && i < t.n_show; i++)
		table_toggle_mark(&t, i);
	table_marked(&t, 0, &list);
	door_req_init(&r, DOOR_ADMIN_BULK);
	buf_adds(&r.s[0], list.buf);
	buf_adds(&r.s[1], "suspend");
	t0 = now_ms();
	if (door_call(sv[0], &r, &said, NULL) < 0)
		goto out;
	printf("bulk suspend of %zu: %.1f ms (%s) [target < 1000 ms]\n",
	       t.n_marked, now_ms() - t0, said.buf);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "admin-bench: %s\n", err_msg());
	door_req_release(&r);
	close(sv[0]);
	waitpid(pid, &status, 0);
	table_release(&t);
	buf_release(&list);
	buf_release(&said);
	return rc;
}
