/*
 * index-check.c: a small command line over the index API (imap.c,
 * cache.c, mailbox.c), built by the tests that need it (t0006) and by
 * bench/b0002-folder.sh against build/libindex.a.
 *
 *   index-check [-s tls|starttls|none] [-n] [-c CA_FILE] [-k CACHE_DB]
 *               [-t] [-d] HOST PORT USER COMMAND...  < password
 *
 * It logs in once, then runs each COMMAND (one argument each, words
 * separated by spaces) in order and prints what it got, one result a
 * line; the first failure prints "error: MESSAGE" and exits 3. -t prints
 * "time COMMAND MS" after each command, -d the library's debug log on
 * stderr. Names of folders are typed in UTF-8.
 *
 *   folders                 NAME|DISPLAY|SPECIAL|MESSAGES|UNSEEN|NOSELECT
 *   open FOLDER [arrival|date|from|subject|size|to] [reverse] [threaded]
 *        [unseen|flagged]   opens FOLDER (mailbox_open), prints its info
 *   info                    what SELECT said, and the row count
 *   order                   the UIDs of every row, in order
 *   tree                    UID:DEPTH:CHILDREN of every row
 *   fetch FIRST COUNT       mailbox_fetch; "last" for FIRST: the end
 *   rows FIRST COUNT        the rows: UID, flags, size, date, from, subject
 *   flag UID +F|-F          F: seen answered flagged deleted draft forwarded
 *   refresh                 mailbox_refresh
 *   idle SECONDS            IDLE until something happens or SECONDS pass;
 *                           "at" is when it woke, in Unix milliseconds
 *   message UID [FILE]      the whole message: its size (and FILE)
 *   copy UIDS DEST, move UIDS DEST, store UIDS +F|-F, expunge UIDS
 *                           UIDS: "3,5,9"
 *   gone UIDS               mailbox_remove_uids, after move or expunge
 *   noted UIDS +F|-F        mailbox_note_flags, after store
 *   alive                   imap_alive (NOOP, the EXPUNGE count kept)
 *   create NAME, rename FROM TO, rmdir NAME
 *   quota, noop, rss, sleep MS
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "index/index.h"
#include "util/conf.h"
#include "util/log.h"

#define CHECK_MAX_WORDS 8

static const char *const specials[] = {
	"-", "inbox", "drafts", "sent", "trash", "junk", "archive",
};

struct check {
	struct imap_conn *imap;
	struct cache *cache;
	struct mailbox *mbox;
	char *folder; /* the open folder's server name */
};

static int
check_usage(void)
{
	fprintf(stderr, "usage: index-check [-s tls|starttls|none] [-n] "
			"[-c CA_FILE] [-k CACHE] [-t] [-d] HOST PORT USER "
			"COMMAND...\n");
	return 2;
}

static double
check_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The flag bit a name stands for, or 0. */
static uint32_t
check_flag(const char *name)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} flags[] = {
		{ "seen", IMAP_FLAG_SEEN },	  { "answered", IMAP_FLAG_ANSWERED },
		{ "flagged", IMAP_FLAG_FLAGGED }, { "deleted", IMAP_FLAG_DELETED },
		{ "draft", IMAP_FLAG_DRAFT },	  { "forwarded", IMAP_FLAG_FORWARDED },
	};
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(*flags); i++)
		if (!strcmp(name, flags[i].name))
			return flags[i].bit;
	return 0;
}

/* "SAFDFw" style letters for a flag set, "-" for none. */
static const char *
check_flag_letters(uint32_t f)
{
	static char s[8];
	char *p = s;

	if (f & IMAP_FLAG_SEEN)
		*p++ = 'S';
	if (f & IMAP_FLAG_ANSWERED)
		*p++ = 'A';
	if (f & IMAP_FLAG_FLAGGED)
		*p++ = 'F';
	if (f & IMAP_FLAG_DELETED)
		*p++ = 'T';
	if (f & IMAP_FLAG_DRAFT)
		*p++ = 'D';
	if (f & IMAP_FLAG_FORWARDED)
		*p++ = 'W';
	if (p == s)
		*p++ = '-';
	*p = '\0';
	return s;
}

/* Parses "3,5,9" into a new array; returns its length, 0 on bad input. */
static size_t
check_uids(const char *s, uint32_t **out)
{
	size_t n = 1, i = 0;
	const char *p;
	char *end;

	for (p = s; *p; p++)
		n += *p == ',';
	*out = calloc(n, sizeof(**out));
	if (!*out)
		fatal("out of memory");
	for (p = s; i < n; p = end + 1) {
		(*out)[i++] = (uint32_t)strtoul(p, &end, 10);
		if (end == p || (*end != ',' && *end != '\0'))
			return 0;
		if (!*end)
			break;
	}
	return i;
}

/* The server name of a folder typed in UTF-8; the caller frees it. */
static char *
check_name(const char *utf8)
{
	return imap_utf8_to_utf7(utf8);
}

static int
check_folders(struct check *ck)
{
	struct imap_folder *f;
	size_t n, i;

	if (imap_list_folders(ck->imap, &f, &n) < 0)
		return -1;
	for (i = 0; i < n; i++)
		printf("%s|%s|%s|%u|%u|%d\n", f[i].name, f[i].display,
		       specials[f[i].special], f[i].messages, f[i].unseen,
		       f[i].noselect);
	imap_folders_free(f, n);
	return 0;
}

static void
check_info(struct check *ck)
{
	const struct imap_mailbox_info *in = mailbox_info(ck->mbox);

	printf("info uidvalidity=%u uidnext=%u exists=%u modseq=%llu "
	       "count=%zu\n",
	       in->uidvalidity, in->uidnext, in->exists,
	       (unsigned long long)in->highestmodseq, mailbox_count(ck->mbox));
}

static int
check_open(struct check *ck, char **w, int nw)
{
	struct mailbox_opts o = { .sort = IMAP_SORT_ARRIVAL };
	int i;

	if (nw < 2)
		return err_set("usage: open FOLDER [KEY] [reverse] ...");
	for (i = 2; i < nw; i++) {
		if (!strcmp(w[i], "arrival"))
			o.sort = IMAP_SORT_ARRIVAL;
		else if (!strcmp(w[i], "date"))
			o.sort = IMAP_SORT_DATE;
		else if (!strcmp(w[i], "from"))
			o.sort = IMAP_SORT_FROM;
		else if (!strcmp(w[i], "subject"))
			o.sort = IMAP_SORT_SUBJECT;
		else if (!strcmp(w[i], "size"))
			o.sort = IMAP_SORT_SIZE;
		else if (!strcmp(w[i], "to"))
			o.sort = IMAP_SORT_TO;
		else if (!strcmp(w[i], "reverse"))
			o.reverse = 1;
		else if (!strcmp(w[i], "threaded"))
			o.threaded = 1;
		else if (!strcmp(w[i], "unseen"))
			o.limit = IMAP_LIMIT_UNSEEN;
		else if (!strcmp(w[i], "flagged"))
			o.limit = IMAP_LIMIT_FLAGGED;
		else
			return err_set("unknown open option '%s'", w[i]);
	}
	mailbox_close(ck->mbox);
	ck->mbox = NULL;
	free(ck->folder);
	ck->folder = check_name(w[1]);
	if (!ck->folder)
		return -1;
	if (mailbox_open(&ck->mbox, ck->imap, ck->cache, ck->folder, &o) < 0)
		return -1;
	check_info(ck);
	return 0;
}

static int
check_rows(struct check *ck, size_t first, size_t count)
{
	struct mailbox_row r;
	size_t i;

	for (i = first; i < first + count && i < mailbox_count(ck->mbox);
	     i++) {
		if (mailbox_row(ck->mbox, i, &r) < 0)
			return -1;
		if (!r.env) {
			printf("row %zu uid %u -\n", i, r.uid);
			continue;
		}
		printf("row %zu uid %u %s %u %lld %lld %s | %s\n", i, r.uid,
		       check_flag_letters(r.env->flags), r.env->size,
		       (long long)r.env->date, (long long)r.env->arrival,
		       r.env->from, r.env->subject);
	}
	return 0;
}

static int
check_idle(struct check *ck, int seconds)
{
	struct pollfd pfd;
	struct timespec woke;
	double start = check_now();
	int changed = 0, fd, n;

	if (imap_idle_start(ck->imap) < 0)
		return -1;
	fd = imap_idle_fd(ck->imap);
	if (fd < 0)
		return -1;
	pfd.fd = fd;
	pfd.events = POLLIN;
	do
		n = poll(&pfd, 1, seconds * 1000);
	while (n < 0 && errno == EINTR);
	clock_gettime(CLOCK_REALTIME, &woke);
	if (imap_idle_done(ck->imap, &changed) < 0)
		return -1;
	printf("idle woke=%d changed=%d ms=%.0f at=%lld\n", n > 0, changed,
	       check_now() - start,
	       (long long)woke.tv_sec * 1000 + woke.tv_nsec / 1000000);
	return 0;
}

static int
check_rss(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return err_set("cannot read /proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6) || !strncmp(line, "VmHWM:", 6))
			printf("%s", line);
	fclose(f);
	return 0;
}

/* Runs one command of words w; returns 0 or -1. */
static int
check_run(struct check *ck, char **w, int nw)
{
	struct buf raw = BUF_INIT;
	uint32_t *uids = NULL, exists, flag;
	uint64_t used, limit;
	size_t n, first, i;
	char *a = NULL, *b = NULL;
	int rc = -1, r, changed;
	FILE *f;

	if (!strcmp(w[0], "folders"))
		return check_folders(ck);
	if (!strcmp(w[0], "open"))
		return check_open(ck, w, nw);
	if (!strcmp(w[0], "create") && nw == 2) {
		a = check_name(w[1]);
		rc = a ? imap_folder_create(ck->imap, a) : -1;
		goto out;
	}
	if (!strcmp(w[0], "rename") && nw == 3) {
		a = check_name(w[1]);
		b = check_name(w[2]);
		rc = a && b ? imap_folder_rename(ck->imap, a, b) : -1;
		goto out;
	}
	if (!strcmp(w[0], "rmdir") && nw == 2) {
		a = check_name(w[1]);
		rc = a ? imap_folder_delete(ck->imap, a) : -1;
		goto out;
	}
	if (!strcmp(w[0], "quota")) {
		r = imap_quota(ck->imap, &used, &limit);
		if (r < 0)
			return -1;
		printf("quota %d %llu %llu\n", r, (unsigned long long)used,
		       (unsigned long long)limit);
		return 0;
	}
	if (!strcmp(w[0], "rss"))
		return check_rss();
	if (!strcmp(w[0], "sleep") && nw == 2) {
		usleep((useconds_t)atoi(w[1]) * 1000);
		return 0;
	}
	if (!ck->mbox)
		return err_set("'%s' needs an open folder", w[0]);
	if (!strcmp(w[0], "info")) {
		check_info(ck);
		return 0;
	}
	if (!strcmp(w[0], "order") || !strcmp(w[0], "tree")) {
		struct mailbox_row row;

		printf("%s", w[0]);
		for (i = 0; i < mailbox_count(ck->mbox); i++) {
			mailbox_row(ck->mbox, i, &row);
			if (w[0][0] == 'o')
				printf(" %u", row.uid);
			else
				printf(" %u:%u:%u", row.uid, row.depth,
				       row.children);
		}
		printf("\n");
		return 0;
	}
	if ((!strcmp(w[0], "fetch") || !strcmp(w[0], "rows")) && nw == 3) {
		n = (size_t)strtoul(w[2], NULL, 10);
		if (!strcmp(w[1], "last"))
			first = mailbox_count(ck->mbox) > n
					? mailbox_count(ck->mbox) - n
					: 0;
		else
			first = (size_t)strtoul(w[1], NULL, 10);
		if (w[0][0] == 'f')
			return mailbox_fetch(ck->mbox, first, n);
		return check_rows(ck, first, n);
	}
	if (!strcmp(w[0], "flag") && nw == 3) {
		flag = check_flag(w[2] + 1);
		if (!flag || (w[2][0] != '+' && w[2][0] != '-'))
			return err_set("unknown flag '%s'", w[2]);
		if (mailbox_find_uid(ck->mbox, (uint32_t)atol(w[1]), &i) < 0)
			return -1;
		return mailbox_set_flags(ck->mbox, i, flag, w[2][0] == '+');
	}
	if (!strcmp(w[0], "refresh")) {
		if (mailbox_refresh(ck->mbox, &changed) < 0)
			return -1;
		printf("refresh changed=%d count=%zu exists=%u\n", changed,
		       mailbox_count(ck->mbox), mailbox_info(ck->mbox)->exists);
		return 0;
	}
	if (!strcmp(w[0], "idle") && nw == 2)
		return check_idle(ck, atoi(w[1]));
	if (!strcmp(w[0], "noop")) {
		r = imap_noop(ck->imap, &exists);
		if (r < 0)
			return -1;
		printf("noop exists=%u expunges=%d\n", exists, r);
		return 0;
	}
	if (!strcmp(w[0], "message") && nw >= 2) {
		if (imap_fetch_message(ck->imap, (uint32_t)atol(w[1]), &raw) <
		    0)
			goto out;
		printf("message %s %zu\n", w[1], raw.len);
		if (nw == 3) {
			f = fopen(w[2], "w");
			if (!f || fwrite(raw.buf, 1, raw.len, f) != raw.len) {
				err_set("cannot write '%s'", w[2]);
				if (f)
					fclose(f);
				goto out;
			}
			fclose(f);
		}
		rc = 0;
		goto out;
	}
	if ((!strcmp(w[0], "copy") || !strcmp(w[0], "move")) && nw == 3) {
		n = check_uids(w[1], &uids);
		a = check_name(w[2]);
		if (!n || !a)
			goto out;
		rc = imap_copy(ck->imap, uids, n, a, w[0][0] == 'm');
		goto out;
	}
	if (!strcmp(w[0], "store") && nw == 3) {
		n = check_uids(w[1], &uids);
		flag = check_flag(w[2] + 1);
		if (!n || !flag) {
			err_set("usage: store UIDS +FLAG|-FLAG");
			goto out;
		}
		rc = imap_store_flags(ck->imap, uids, n, flag, w[2][0] == '+');
		goto out;
	}
	if (!strcmp(w[0], "expunge") && nw == 2) {
		n = check_uids(w[1], &uids);
		rc = n ? imap_expunge(ck->imap, uids, n) : -1;
		goto out;
	}
	if (!strcmp(w[0], "gone") && nw == 2) {
		n = check_uids(w[1], &uids);
		rc = n ? mailbox_remove_uids(ck->mbox, uids, n) : -1;
		goto out;
	}
	if (!strcmp(w[0], "noted") && nw == 3) {
		n = check_uids(w[1], &uids);
		flag = check_flag(w[2] + 1);
		if (!n || !flag) {
			err_set("usage: noted UIDS +FLAG|-FLAG");
			goto out;
		}
		rc = mailbox_note_flags(ck->mbox, uids, n, flag,
					w[2][0] == '+');
		goto out;
	}
	if (!strcmp(w[0], "alive")) {
		rc = imap_alive(ck->imap);
		goto out;
	}
	return err_set("unknown command '%s'", w[0]);
out:
	buf_release(&raw);
	free(uids);
	free(a);
	free(b);
	return rc;
}

int
main(int argc, char **argv)
{
	struct imap_params p = { .security = CONF_SEC_TLS, .verify_cert = 1 };
	struct check ck = { 0 };
	const char *cache_path = NULL;
	char pass[256], line[1024], *w[CHECK_MAX_WORDS], *save;
	double start;
	int opt, timing = 0, debug = 0, i, nw, rc = 3;

	while ((opt = getopt(argc, argv, "s:nc:k:td")) != -1) {
		switch (opt) {
		case 's':
			if ((p.security = conf_security_parse(optarg)) < 0)
				return check_usage();
			break;
		case 'n':
			p.verify_cert = 0;
			break;
		case 'c':
			p.ca_file = optarg;
			break;
		case 'k':
			cache_path = optarg;
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
	if (argc - optind < 3)
		return check_usage();
	log_init("index-check", 1, debug);
	setvbuf(stdout, NULL, _IOLBF, 0);
	p.host = argv[optind];
	p.port = (unsigned)atoi(argv[optind + 1]);
	if (!fgets(pass, sizeof(pass), stdin))
		pass[0] = '\0';
	pass[strcspn(pass, "\r\n")] = '\0';

	start = check_now();
	if (cache_path && cache_open(&ck.cache, cache_path) < 0)
		goto out;
	if (imap_open(&ck.imap, &p) < 0 ||
	    imap_login(ck.imap, argv[optind + 2], pass) < 0)
		goto out;
	explicit_bzero(pass, sizeof(pass));
	if (timing)
		printf("time login %.1f\n", check_now() - start);
	for (i = optind + 3; i < argc; i++) {
		snprintf(line, sizeof(line), "%s", argv[i]);
		nw = 0;
		for (w[nw] = strtok_r(line, " ", &save);
		     w[nw] && nw < CHECK_MAX_WORDS - 1;
		     w[nw] = strtok_r(NULL, " ", &save))
			nw++;
		if (!nw)
			continue;
		start = check_now();
		if (check_run(&ck, w, nw) < 0)
			goto out;
		if (timing)
			printf("time %s %.1f\n", argv[i], check_now() - start);
	}
	rc = 0;
out:
	explicit_bzero(pass, sizeof(pass));
	if (rc)
		printf("error: %s\n", err_msg());
	mailbox_close(ck.mbox);
	free(ck.folder);
	imap_close(ck.imap);
	cache_close(ck.cache);
	return rc;
}
