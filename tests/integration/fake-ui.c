/*
 * fake-ui.c: stands in for tuimail in tests of the door's requests. The
 * door execs it on the session's pty; it reads lines typed into the
 * terminal and sends them as requests on fd 3, printing the answers:
 *
 *   TYPE|field|field...   a request by number, fields in its spec order
 *   hello                 DOOR_HELLO: prints who and is_admin
 *   raw HEX               a frame's payload bytes as typed, type first
 *   quit                  ends the session
 *
 * Answers: "OK text", "ERROR text", or "ROWS total=N" and one line per
 * row with cells joined by '|'. Test-only; never installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/door_proto.h"
#include "util/log.h"
#include "util/msg.h"

static void
print_rows(const struct door_rows *t)
{
	uint32_t r, c;

	printf("ROWS total=%llu\r\n", (unsigned long long)t->total);
	for (r = 0; r < t->rows; r++) {
		for (c = 0; c < t->cols; c++)
			printf("%s%s", c ? "|" : "",
			       t->cells[r * t->cols + c].buf);
		printf("\r\n");
	}
}

static void
run_line(char *line)
{
	struct door_session s;
	struct door_rows rows;
	struct door_req r;
	struct buf ok = BUF_INIT;
	const char *spec;
	char *tok, *save = NULL;
	int si = 0, ui = 0;

	if (!strcmp(line, "hello")) {
		door_session_init(&s);
		if (door_hello(DOOR_FD, &s) < 0)
			printf("ERROR %s\r\n", err_msg());
		else
			printf("HELLO %s admin=%u\r\n", s.email.buf,
			       s.is_admin);
		door_session_release(&s);
		return;
	}
	tok = strtok_r(line, "|", &save);
	if (tok == NULL)
		return;
	door_req_init(&r, (uint16_t)atoi(tok));
	spec = door_req_spec(r.type);
	if (spec == NULL) {
		printf("ERROR no spec for %u\r\n", r.type);
		return;
	}
	for (; *spec; spec++) {
		tok = strtok_r(NULL, "|", &save);
		if (*spec == 'u') {
			r.u[ui++] = tok ? strtoull(tok, NULL, 10) : 0;
		} else {
			buf_adds(&r.s[si], tok ? tok : "");
			/* '\' stands for a newline in 'S' lists. */
			for (char *p = r.s[si].buf; *p; p++)
				if (*p == '\\')
					*p = '\n';
			si++;
		}
	}
	door_rows_init(&rows, 0);
	if (door_call(DOOR_FD, &r, &ok, &rows) < 0)
		printf("ERROR %s\r\n", err_msg());
	else if (rows.cols)
		print_rows(&rows);
	else
		printf("OK %s\r\n", ok.buf);
	door_rows_release(&rows);
	door_req_release(&r);
	buf_release(&ok);
}

int
main(void)
{
	char line[4096];
	size_t n;

	log_init("fake-ui", 1, 0);
	printf("FAKE-UI READY\r\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (!strcmp(line, "quit"))
			break;
		run_line(line);
		fflush(stdout);
	}
	return 0;
}
