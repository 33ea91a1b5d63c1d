/*
 * Unit tests for index/cache.c, the per-user header cache, on a temporary
 * file that a second sqlite3 handle inspects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "index/index.h"
#include "util/log.h"

struct fixture {
	char dir[64];
	char path[128];
	struct cache *cache;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/tuimail-cache-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/cache.db", f->dir);
	assert_int_equal(cache_open(&f->cache, f->path), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	cache_close(f->cache);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* An envelope whose strings say which UID it is. */
static void
make_env(struct imap_envelope *e, uint32_t uid)
{
	char s[64];

	memset(e, 0, sizeof(*e));
	e->uid = uid;
	e->flags = IMAP_FLAG_SEEN;
	e->size = 1000 + uid;
	e->date = 1700000000 + uid;
	e->arrival = 1700000100 + uid;
	snprintf(s, sizeof(s), "=?UTF-8?Q?Z=C3=B6e?= <zoe%u@example.com>", uid);
	e->from = strdup(s);
	e->to = strdup("jane@example.com");
	e->cc = strdup("");
	snprintf(s, sizeof(s), "subject %u", uid);
	e->subject = strdup(s);
	snprintf(s, sizeof(s), "<m%u@example.com>", uid);
	e->message_id = strdup(s);
	e->in_reply_to = strdup("");
}

/* Stores envelopes uid first..last of folder. */
static void
put_range(struct fixture *f, const char *folder, uint32_t first,
	  uint32_t last)
{
	struct imap_envelope e[64] = { 0 };
	size_t n = 0, i;

	for (; first <= last; first++)
		make_env(&e[n++], first);
	assert_int_equal(cache_put_envelopes(f->cache, folder, e, n), 0);
	for (i = 0; i < n; i++)
		imap_envelope_clear(&e[i]);
}

/* How many of uids the cache has for folder. */
static int
count_found(struct fixture *f, const char *folder, const uint32_t *uids,
	    size_t n)
{
	struct imap_envelope e[16];
	unsigned char found[16];
	size_t i;
	int r;

	assert_true(n <= 16);
	r = cache_get_envelopes(f->cache, folder, uids, n, e, found);
	for (i = 0; i < n; i++)
		imap_envelope_clear(&e[i]);
	return r;
}

static void
test_file_is_private_and_wal(void **state)
{
	struct fixture *f = *state;
	struct cache *again;
	struct stat st;
	sqlite3 *db;
	sqlite3_stmt *s;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 2);
	sqlite3_finalize(s);
	sqlite3_close(db);

	/* A second handle on the same file migrates nothing and works. */
	assert_int_equal(cache_open(&again, f->path), 0);
	cache_close(again);

	/* A group- or world-readable file is made private again. */
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(cache_open(&again, f->path), 0);
	cache_close(again);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void
test_put_and_get(void **state)
{
	struct fixture *f = *state;
	uint32_t uids[] = { 3, 99, 1 };
	struct imap_envelope e[3];
	unsigned char found[3];

	put_range(f, "INBOX", 1, 5);
	assert_int_equal(cache_get_envelopes(f->cache, "INBOX", uids, 3, e,
					     found),
			 2);
	assert_int_equal(found[0], 1);
	assert_int_equal(found[1], 0);
	assert_int_equal(found[2], 1);
	assert_int_equal(e[0].uid, 3);
	assert_int_equal(e[0].flags, IMAP_FLAG_SEEN);
	assert_int_equal(e[0].size, 1003);
	assert_int_equal(e[0].date, 1700000003);
	assert_int_equal(e[0].arrival, 1700000103);
	assert_string_equal(e[0].from,
			    "=?UTF-8?Q?Z=C3=B6e?= <zoe3@example.com>");
	assert_string_equal(e[0].to, "jane@example.com");
	assert_string_equal(e[0].cc, "");
	assert_string_equal(e[0].subject, "subject 3");
	assert_string_equal(e[0].message_id, "<m3@example.com>");
	assert_string_equal(e[0].in_reply_to, "");
	assert_int_equal(e[1].uid, 0);
	assert_null(e[1].from);
	assert_string_equal(e[2].subject, "subject 1");
	imap_envelope_clear(&e[0]);
	imap_envelope_clear(&e[1]);
	imap_envelope_clear(&e[2]);

	/* Folders are apart; putting again replaces. */
	assert_int_equal(count_found(f, "Archive", uids, 3), 0);
	put_range(f, "INBOX", 3, 3);
	assert_int_equal(count_found(f, "INBOX", uids, 3), 2);
	assert_int_equal(cache_get_envelopes(f->cache, "INBOX", uids, 0, e,
					     found),
			 0);
}

static void
test_uidvalidity_change_drops(void **state)
{
	struct fixture *f = *state;
	uint32_t uids[] = { 1, 2, 3 };
	uint64_t modseq = 99;

	/* The first check records the folder. */
	assert_int_equal(cache_folder_check(f->cache, "INBOX", 1000, &modseq),
			 0);
	assert_int_equal(modseq, 0);
	put_range(f, "INBOX", 1, 3);
	put_range(f, "Sent", 1, 3);
	assert_int_equal(cache_folder_set_modseq(f->cache, "INBOX", 42), 0);

	/* The same UIDVALIDITY keeps rows and MODSEQ. */
	assert_int_equal(cache_folder_check(f->cache, "INBOX", 1000, &modseq),
			 0);
	assert_int_equal(modseq, 42);
	assert_int_equal(count_found(f, "INBOX", uids, 3), 3);

	/* Another drops that folder's rows and MODSEQ, only that folder's. */
	assert_int_equal(cache_folder_check(f->cache, "INBOX", 1001, &modseq),
			 1);
	assert_int_equal(modseq, 0);
	assert_int_equal(count_found(f, "INBOX", uids, 3), 0);
	assert_int_equal(count_found(f, "Sent", uids, 3), 3);
	assert_int_equal(cache_folder_check(f->cache, "INBOX", 1001, &modseq),
			 0);

	/* MODSEQs of 63 bits survive. */
	assert_int_equal(cache_folder_set_modseq(f->cache, "INBOX",
						 (1ULL << 62) + 5),
			 0);
	assert_int_equal(cache_folder_check(f->cache, "INBOX", 1001, &modseq),
			 0);
	assert_true(modseq == (1ULL << 62) + 5);
}

static void
test_flags_and_forget(void **state)
{
	struct fixture *f = *state;
	uint32_t uids[] = { 1, 2, 3 }, gone[] = { 1, 3 };
	struct imap_envelope e[3];
	unsigned char found[3];
	size_t i;

	put_range(f, "INBOX", 1, 3);
	assert_int_equal(cache_set_flags(f->cache, "INBOX", 2,
					 IMAP_FLAG_FLAGGED | IMAP_FLAG_ANSWERED),
			 0);
	/* A UID the cache does not have is fine. */
	assert_int_equal(cache_set_flags(f->cache, "INBOX", 77, 1), 0);
	assert_int_equal(cache_get_envelopes(f->cache, "INBOX", uids, 3, e,
					     found),
			 3);
	assert_int_equal(e[0].flags, IMAP_FLAG_SEEN);
	assert_int_equal(e[1].flags, IMAP_FLAG_FLAGGED | IMAP_FLAG_ANSWERED);
	assert_string_equal(e[1].subject, "subject 2");
	for (i = 0; i < 3; i++)
		imap_envelope_clear(&e[i]);

	assert_int_equal(cache_forget(f->cache, "INBOX", gone, 2), 0);
	assert_int_equal(cache_get_envelopes(f->cache, "INBOX", uids, 3, e,
					     found),
			 1);
	assert_int_equal(found[1], 1);
	for (i = 0; i < 3; i++)
		imap_envelope_clear(&e[i]);
}

/* Flag bits added or cleared on many rows at once; others stay. */
static void
test_change_flags(void **state)
{
	struct fixture *f = *state;
	uint32_t uids[] = { 1, 2, 3 }, some[] = { 1, 3, 99 };
	struct imap_envelope e[3];
	unsigned char found[3];
	size_t i;

	put_range(f, "INBOX", 1, 3);
	put_range(f, "Lists", 1, 3);
	assert_int_equal(cache_change_flags(f->cache, "INBOX", some, 3,
					    IMAP_FLAG_FLAGGED, 1),
			 0);
	assert_int_equal(cache_change_flags(f->cache, "INBOX", uids, 2,
					    IMAP_FLAG_SEEN, 0),
			 0);
	assert_int_equal(cache_get_envelopes(f->cache, "INBOX", uids, 3, e,
					     found),
			 3);
	assert_int_equal(e[0].flags, IMAP_FLAG_FLAGGED);
	assert_int_equal(e[1].flags, 0);
	assert_int_equal(e[2].flags, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED);
	for (i = 0; i < 3; i++)
		imap_envelope_clear(&e[i]);
	/* Another folder with the same UIDs is left alone. */
	assert_int_equal(cache_get_envelopes(f->cache, "Lists", uids, 3, e,
					     found),
			 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(e[i].flags, IMAP_FLAG_SEEN);
		imap_envelope_clear(&e[i]);
	}
	assert_int_equal(cache_change_flags(f->cache, "INBOX", uids, 0,
					    IMAP_FLAG_SEEN, 1),
			 0);
}

static void
test_settings(void **state)
{
	struct fixture *f = *state;
	struct buf v = BUF_INIT;
	struct cache *again;

	buf_adds(&v, "stale");
	assert_int_equal(cache_setting_get(f->cache, "sort", &v), 0);
	assert_string_equal(v.buf, "");
	assert_int_equal(cache_setting_set(f->cache, "sort", "date"), 0);
	assert_int_equal(cache_setting_set(f->cache, "sort", "reverse-date"),
			 0);
	assert_int_equal(cache_setting_set(f->cache, "theme", ""), 0);
	assert_int_equal(cache_setting_get(f->cache, "sort", &v), 0);
	assert_string_equal(v.buf, "reverse-date");
	assert_int_equal(cache_setting_get(f->cache, "theme", &v), 0);
	assert_string_equal(v.buf, "");

	/* Settings outlive the handle. */
	cache_close(f->cache);
	f->cache = NULL;
	assert_int_equal(cache_open(&again, f->path), 0);
	assert_int_equal(cache_setting_get(again, "sort", &v), 0);
	assert_string_equal(v.buf, "reverse-date");
	f->cache = again;
	buf_release(&v);
}

static void
test_many_in_one_transaction(void **state)
{
	struct fixture *f = *state;
	struct imap_envelope *e = calloc(5000, sizeof(*e));
	uint32_t uids[] = { 1, 2500, 5000 };
	size_t i;

	for (i = 0; i < 5000; i++)
		make_env(&e[i], (uint32_t)i + 1);
	e[10].uid = 0; /* skipped */
	assert_int_equal(cache_put_envelopes(f->cache, "Big", e, 5000), 0);
	for (i = 0; i < 5000; i++)
		imap_envelope_clear(&e[i]);
	free(e);
	assert_int_equal(count_found(f, "Big", uids, 3), 3);
	uids[0] = 11;
	assert_int_equal(count_found(f, "Big", uids, 1), 0);
}

static void
test_orders(void **state)
{
	struct fixture *f = *state;
	struct imap_mailbox_info st = { .uidvalidity = 7,
					.uidnext = 101,
					.exists = 100,
					.highestmodseq = 0 },
				 other;
	uint32_t uids[100], *got;
	uint64_t modseq;
	size_t len, i;
	void *rows;

	for (i = 0; i < 100; i++)
		uids[i] = (uint32_t)(100 - i);
	assert_int_equal(cache_order_get(f->cache, "INBOX", "date reverse all",
					 &st, &rows, &len),
			 0);
	assert_null(rows);
	assert_int_equal(cache_order_put(f->cache, "INBOX", "date reverse all",
					 &st, uids, sizeof(uids)),
			 0);
	assert_int_equal(cache_order_get(f->cache, "INBOX", "date reverse all",
					 &st, &rows, &len),
			 1);
	assert_int_equal(len, sizeof(uids));
	got = rows;
	assert_int_equal(got[0], 100);
	assert_int_equal(got[99], 1);
	free(rows);

	/* Any other state, name or folder has no order. */
	other = st;
	other.uidnext++;
	assert_int_equal(cache_order_get(f->cache, "INBOX", "date reverse all",
					 &other, &rows, &len),
			 0);
	other = st;
	other.exists--;
	assert_int_equal(cache_order_get(f->cache, "INBOX", "date reverse all",
					 &other, &rows, &len),
			 0);
	other = st;
	other.highestmodseq = 5;
	assert_int_equal(cache_order_get(f->cache, "INBOX", "date reverse all",
					 &other, &rows, &len),
			 0);
	assert_int_equal(cache_order_get(f->cache, "INBOX", "date all", &st,
					 &rows, &len),
			 0);
	assert_int_equal(cache_order_get(f->cache, "Sent", "date reverse all",
					 &st, &rows, &len),
			 0);

	/* A new one replaces the old; an empty one is an order too. */
	other = st;
	other.uidnext = 200;
	assert_int_equal(cache_order_put(f->cache, "INBOX", "date reverse all",
					 &other, uids, 0),
			 0);
	assert_int_equal(cache_order_get(f->cache, "INBOX", "date reverse all",
					 &st, &rows, &len),
			 0);
	assert_int_equal(cache_order_get(f->cache, "INBOX", "date reverse all",
					 &other, &rows, &len),
			 1);
	assert_int_equal(len, 0);
	free(rows);

	/* A new UIDVALIDITY drops the folder's orders too. */
	assert_int_equal(cache_folder_check(f->cache, "INBOX", 7, &modseq), 0);
	assert_int_equal(cache_folder_check(f->cache, "INBOX", 8, &modseq), 1);
	assert_int_equal(cache_order_get(f->cache, "INBOX", "date reverse all",
					 &other, &rows, &len),
			 0);
}

static void
test_bad_files(void **state)
{
	struct cache *c;
	char dir[] = "/tmp/tuimail-cache-bad-XXXXXX", path[96], cmd[96];
	FILE *fp;

	(void)state;
	assert_int_equal(cache_open(&c, "/nonexistent/dir/cache.db"), -1);
	assert_non_null(strstr(err_msg(), "cannot open cache "
					  "'/nonexistent/dir/cache.db'"));
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cache.db", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("this is not a database, not at all, no sir\n", fp);
	fclose(fp);
	assert_int_equal(cache_open(&c, path), -1);
	assert_non_null(strstr(err_msg(), "not a database"));
	assert_null(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_file_is_private_and_wal),
		T(test_put_and_get),
		T(test_uidvalidity_change_drops),
		T(test_flags_and_forget),
		T(test_change_flags),
		T(test_settings),
		T(test_many_in_one_transaction),
		T(test_orders),
		cmocka_unit_test(test_bad_files),
	};

	log_init("test_cache", 1, 0);
	return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
