/*
 * search-check.c: a small command line over the search API (search.c,
 * mirror.c), built by t0012-search.sh and bench/b0005-search.sh against
 * build/libindex.a.
 *
 *   search-check [-s tls|starttls|none] [-n] [-c CA_FILE] [-m MAILDIR]
 *                [-i SECONDS] [-t] [-d] STATE HOST PORT USER COMMAND...
 *                < password
 *
 * It opens the index of the user whose state dir is STATE (the mirror
 * over IMAP, or with -m Dovecot's Maildir in place) and runs each
 * COMMAND (one argument each: a name, a space, the rest) in order,
 * printing one result a line; the first failure prints "error: MESSAGE"
 * and exits 3. IMAP is only used by the commands that sync. -i sets the
 * mirror's check interval, -t prints "time COMMAND MS" after each
 * command, -d the library's debug log on stderr.
 *
 *   role                  writer or reader
 *   sync [SECONDS]        steps (200 ms) until the mirror is idle (default
 *                         120 s), then "synced INDEXED of TOTAL" and
 *                         "longest step MS"; error on time-out
 *   step [MS]             one mirror_step() of MS (default 100): "step RC"
 *   busy MS               keeps stepping (10 ms steps) for MS
 *   poke [FOLDER]         mirror_poke()
 *   next                  "next MS" (mirror_next_ms())
 *   count QUERY           "count N"
 *   search QUERY          "hit FOLDER UIDVALIDITY UID FLAGS DATE COPIES
 *                         MESSAGE-ID | FROM | SUBJECT", newest first
 *   page OFFSET LIMIT QUERY   the same for a window
 *   complete FOLDER       "complete FOLDER 0|1"
 *   progress              "indexed N of M, F folders, C complete"
 *   folders               "folder DIR|NAME|UIDVALIDITY|EXISTS|INDEXED|C"
 *   addresses PREFIX      "addr COUNT ADDR NAME", most frequent first
 *   criteria QUERY        search_imap_criteria()
 *   await N SECONDS QUERY steps (50 ms) until QUERY counts N: "await MS"
 *                         (the time it took); error after SECONDS
 *   shell COMMAND         runs COMMAND with sh -c, fails when it does
 *   sleep MS
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "index/index.h"
#include "util/conf.h"
#include "util/log.h"

struct check {
	struct imap_params p;
	const char *user;
	char pass[256];
	struct search *s;
	struct mirror *m;
};

static int
check_usage(void)
{
	fprintf(stderr, "usage: search-check [-s tls|starttls|none] [-n] "
			"[-c CA_FILE] [-m MAILDIR] [-i SECONDS] [-t] [-d] "
			"STATE HOST PORT USER COMMAND...\n");
	return 2;
}

static double
check_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The mirror's connect function: a new session, logged in. */
static int
check_connect(struct imap_conn **out, void *arg)
{
	struct check *ck = arg;

	if (imap_open(out, &ck->p) < 0)
		return -1;
	if (imap_login(*out, ck->user, ck->pass) < 0) {
		imap_close(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Prints s on one line: newlines and tabs become spaces. */
static void
check_put(const char *s)
{
	for (; s && *s; s++)
		putchar(*s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s);
}

static void
check_hits(struct check *ck, const char *query, size_t offset,
	   size_t limit, int *rc)
{
	struct search_hit *h;
	char info[SEARCH_INFO_MAX];
	size_t n, i;

	if (search_query(ck->s, query, offset, limit, &h, &n) < 0) {
		*rc = -1;
		return;
	}
	for (i = 0; i < n; i++) {
		search_maildir_info(h[i].flags, info);
		printf("hit %s %u %u %s %lld %u %s | ", h[i].folder,
		       h[i].uidvalidity, h[i].uid, *info ? info : "-",
		       (long long)h[i].date, h[i].copies, h[i].message_id);
		check_put(h[i].from);
		printf(" | ");
		check_put(h[i].subject);
		putchar('\n');
	}
	search_hits_free(h, n);
	*rc = 0;
}

/* Steps until idle or until limit ms passed. */
static int
check_sync(struct check *ck, double limit)
{
	struct search_progress pr;
	double start = check_now(), t, longest = 0;
	int r;

	for (;;) {
		t = check_now();
		r = mirror_step(ck->m, 200);
		if (check_now() - t > longest)
			longest = check_now() - t;
		if (r < 0)
			fprintf(stderr, "step: %s\n", err_msg());
		if (r == 0 && mirror_next_ms(ck->m) > 0 &&
		    search_is_writer(ck->s))
			break;
		if (check_now() - start > limit)
			return err_set("not idle after %.0f ms", limit);
		if (r != 1)
			poll(NULL, 0, 20);
	}
	if (search_progress(ck->s, &pr) < 0)
		return -1;
	printf("synced %llu of %llu\n", (unsigned long long)pr.indexed,
	       (unsigned long long)pr.total);
	printf("longest step %.0f ms\n", longest);
	return 0;
}

/* Steps until query counts want, for at most seconds. */
static int
check_await(struct check *ck, unsigned want, double seconds,
	    const char *query)
{
	double start = check_now();
	unsigned count = 0;

	for (;;) {
		if (search_count(ck->s, query, &count) < 0)
			return -1;
		if (count == want)
			break;
		if (check_now() - start > seconds * 1000)
			return err_set("'%s' counts %u, not %u, after %.0f s",
				       query, count, want, seconds);
		if (mirror_step(ck->m, 50) <= 0)
			poll(NULL, 0, 20);
	}
	printf("await %.0f\n", check_now() - start);
	return 0;
}

/* Runs one command: name and the rest of the argument. */
static int
check_run(struct check *ck, const char *cmd, const char *arg)
{
	struct search_progress pr;
	struct search_address a[50];
	struct search_folder *f;
	struct buf b = BUF_INIT;
	unsigned count;
	size_t n, i;
	double end;
	int r, rc = 0, off, lim, used;

	if (!strcmp(cmd, "role")) {
		printf("%s\n", search_is_writer(ck->s) ? "writer" : "reader");
	} else if (!strcmp(cmd, "sync")) {
		rc = check_sync(ck, (*arg ? atof(arg) : 120) * 1000);
	} else if (!strcmp(cmd, "step")) {
		r = mirror_step(ck->m, *arg ? (unsigned)atoi(arg) : 100);
		printf("step %d\n", r);
		if (r < 0)
			fprintf(stderr, "step: %s\n", err_msg());
	} else if (!strcmp(cmd, "busy")) {
		end = check_now() + atof(arg);
		while (check_now() < end)
			if (mirror_step(ck->m, 10) <= 0)
				poll(NULL, 0, 5);
	} else if (!strcmp(cmd, "poke")) {
		mirror_poke(ck->m, *arg ? arg : NULL);
	} else if (!strcmp(cmd, "next")) {
		printf("next %u\n", mirror_next_ms(ck->m));
	} else if (!strcmp(cmd, "count")) {
		rc = search_count(ck->s, arg, &count);
		if (!rc)
			printf("count %u\n", count);
	} else if (!strcmp(cmd, "search")) {
		check_hits(ck, arg, 0, 0, &rc);
	} else if (!strcmp(cmd, "page")) {
		if (sscanf(arg, "%d %d %n", &off, &lim, &used) < 2)
			return err_set("usage: page OFFSET LIMIT QUERY");
		check_hits(ck, arg + used, (size_t)off, (size_t)lim, &rc);
	} else if (!strcmp(cmd, "complete")) {
		printf("complete %s %d\n", arg,
		       search_folder_complete(ck->s, arg));
	} else if (!strcmp(cmd, "progress")) {
		rc = search_progress(ck->s, &pr);
		if (!rc)
			printf("indexed %llu of %llu, %u folders, %u "
			       "complete\n",
			       (unsigned long long)pr.indexed,
			       (unsigned long long)pr.total, pr.folders,
			       pr.complete);
	} else if (!strcmp(cmd, "folders")) {
		rc = search_folders(ck->s, &f, &n);
		for (i = 0; !rc && i < n; i++)
			printf("folder %s|%s|%u|%u|%u|%d\n", f[i].dir,
			       f[i].name, f[i].uidvalidity, f[i].exists,
			       f[i].indexed, f[i].complete);
		if (!rc)
			search_folders_free(f, n);
	} else if (!strcmp(cmd, "addresses")) {
		r = search_addresses(ck->s, arg, a, 50);
		for (i = 0; r > 0 && i < (size_t)r; i++)
			printf("addr %u %s %s\n", a[i].count, a[i].addr,
			       a[i].name);
		if (r > 0)
			search_addresses_clear(a, (size_t)r);
		rc = r < 0 ? -1 : 0;
	} else if (!strcmp(cmd, "criteria")) {
		rc = search_imap_criteria(arg, &b);
		if (!rc)
			printf("criteria %s\n", b.buf);
		buf_release(&b);
	} else if (!strcmp(cmd, "await")) {
		if (sscanf(arg, "%d %lf %n", &lim, &end, &used) < 2)
			return err_set("usage: await N SECONDS QUERY");
		return check_await(ck, (unsigned)lim, end, arg + used);
	} else if (!strcmp(cmd, "shell")) {
		fflush(stdout);
		if (system(arg) != 0)
			return err_set("'%s' failed", arg);
	} else if (!strcmp(cmd, "sleep")) {
		poll(NULL, 0, atoi(arg));
	} else {
		return err_set("unknown command '%s'", cmd);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct check ck = { .p = { .security = CONF_SEC_TLS,
				   .verify_cert = 1 } };
	struct mirror_opts mo = { 0 };
	char cmd[64];
	const char *arg, *sp;
	double start;
	int opt, timing = 0, debug = 0, i, rc = 3;

	while ((opt = getopt(argc, argv, "s:nc:m:i:td")) != -1) {
		switch (opt) {
		case 's':
			if ((ck.p.security = conf_security_parse(optarg)) < 0)
				return check_usage();
			break;
		case 'n':
			ck.p.verify_cert = 0;
			break;
		case 'c':
			ck.p.ca_file = optarg;
			break;
		case 'm':
			mo.maildir = optarg;
			break;
		case 'i':
			mo.interval = (unsigned)atoi(optarg);
			break;
		case 't':
			timing = 1;
			break;
		case 'd':
			debug = 1;
			break;
		default:
			return check_usage();
		}
	}
	if (argc - optind < 4)
		return check_usage();
	log_init("search-check", 1, debug);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ck.p.host = argv[optind + 1];
	ck.p.port = (unsigned)atoi(argv[optind + 2]);
	ck.user = argv[optind + 3];
	if (!fgets(ck.pass, sizeof(ck.pass), stdin))
		ck.pass[0] = '\0';
	ck.pass[strcspn(ck.pass, "\r\n")] = '\0';
	mo.connect = check_connect;
	mo.connect_arg = &ck;

	start = check_now();
	if (search_open(&ck.s, argv[optind],
			mo.maildir ? SEARCH_MAILDIR : SEARCH_MIRROR) < 0 ||
	    mirror_open(&ck.m, ck.s, &mo) < 0)
		goto out;
	if (timing)
		printf("time open %.1f\n", check_now() - start);
	for (i = optind + 4; i < argc; i++) {
		sp = strchr(argv[i], ' ');
		snprintf(cmd, sizeof(cmd), "%.*s",
			 sp ? (int)(sp - argv[i]) : (int)strlen(argv[i]),
			 argv[i]);
		arg = sp ? sp + 1 : "";
		start = check_now();
		if (check_run(&ck, cmd, arg) < 0)
			goto out;
		if (timing)
			printf("time %s %.1f\n", argv[i], check_now() - start);
	}
	rc = 0;
out:
	if (rc)
		printf("error: %s\n", err_msg());
	mirror_close(ck.m);
	search_close(ck.s);
	explicit_bzero(ck.pass, sizeof(ck.pass));
	return rc;
}
