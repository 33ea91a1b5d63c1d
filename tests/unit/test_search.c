/*
 * Unit tests for the pure parts of search (index/search.c, mirror.c):
 * IMAP flags to notmuch tags and back, Maildir flag letters, the
 * mirror's file names and folder directories, the Maildir of a user,
 * the folder: fix-up of a typed query and the IMAP SEARCH criteria of
 * the fallback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "index/index.h"
#include "util/log.h"

#define ALL_FLAGS                                                        \
	(IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED | IMAP_FLAG_FLAGGED |       \
	 IMAP_FLAG_DELETED | IMAP_FLAG_DRAFT | IMAP_FLAG_FORWARDED)

/* The tags of flags, joined with spaces. */
static char *
tags_of(uint32_t flags)
{
	const char *tags[SEARCH_TAGS_MAX];
	static char out[128];
	size_t i, n;

	n = search_flags_to_tags(flags, tags);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, tags[i]);
	}
	return out;
}

static void
test_flags_to_tags(void **state)
{
	(void)state;
	assert_string_equal(tags_of(0), "unread");
	assert_string_equal(tags_of(IMAP_FLAG_SEEN), "");
	assert_string_equal(tags_of(IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED),
			    "flagged");
	assert_string_equal(tags_of(IMAP_FLAG_ANSWERED), "unread replied");
	assert_string_equal(tags_of(IMAP_FLAG_SEEN | IMAP_FLAG_DRAFT),
			    "draft");
	assert_string_equal(tags_of(IMAP_FLAG_SEEN | IMAP_FLAG_DELETED),
			    "deleted");
	assert_string_equal(tags_of(IMAP_FLAG_SEEN | IMAP_FLAG_FORWARDED),
			    "passed");
	assert_string_equal(tags_of(ALL_FLAGS & ~IMAP_FLAG_SEEN),
			    "unread flagged replied draft deleted passed");
}

static void
test_tags_round_trip(void **state)
{
	const char *tags[SEARCH_TAGS_MAX + 2];
	uint32_t flags;
	size_t n;

	(void)state;
	for (flags = 0; flags <= ALL_FLAGS; flags++) {
		if (flags & ~ALL_FLAGS)
			continue;
		n = search_flags_to_tags(flags, tags);
		assert_true(n <= SEARCH_TAGS_MAX);
		assert_int_equal(search_tags_to_flags(tags, n), flags);
		/* Tags of the user's own are left alone. */
		tags[n] = "inbox";
		tags[n + 1] = "todo";
		assert_int_equal(search_tags_to_flags(tags, n + 2), flags);
	}
}

static void
test_maildir_flags(void **state)
{
	char info[SEARCH_INFO_MAX];

	(void)state;
	assert_int_equal(search_maildir_flags("1.2:2,"), 0);
	assert_int_equal(search_maildir_flags("1.2"), 0);
	assert_int_equal(search_maildir_flags("1.2:1,S"), 0);
	assert_int_equal(search_maildir_flags("1700000000.M1P2.host:2,FS"),
			 IMAP_FLAG_FLAGGED | IMAP_FLAG_SEEN);
	assert_int_equal(search_maildir_flags("x:2,DFPRST"), ALL_FLAGS);
	/* Keywords (a-z) are not flags; the last ":2," counts. */
	assert_int_equal(search_maildir_flags("x:2,Sab"), IMAP_FLAG_SEEN);
	assert_int_equal(search_maildir_flags("a:2,T:2,R"),
			 IMAP_FLAG_ANSWERED);
	search_maildir_info(0, info);
	assert_string_equal(info, "");
	search_maildir_info(ALL_FLAGS, info);
	assert_string_equal(info, "DFPRST");
	search_maildir_info(IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED |
				    IMAP_FLAG_FLAGGED,
			    info);
	assert_string_equal(info, "FRS");
}

static void
test_file_names(void **state)
{
	static const char *const bad[] = {
		"",		   "1",		      "1.2",
		"1.2:2",	   "0.1:2,",	      "1.0:2,",
		"a.1:2,",	   ".1:2,",	      "1.:2,",
		"1.2:2,SF",	   "1.2:2,SS",	      "1.2:2,X",
		"1.2:2,s",	   "4294967296.1:2,", "1.4294967296:2,",
		"1.2:1,S",	   "1.2.3:2,",	      "-1.2:2,",
		"1700000000.M1P2.host:2,S",
	};
	struct buf b = BUF_INIT;
	uint32_t uv, uid, flags, f;
	size_t i;

	(void)state;
	mirror_file_name(&b, 1700000000, 42, IMAP_FLAG_SEEN |
					     IMAP_FLAG_FLAGGED);
	assert_string_equal(b.buf, "1700000000.42:2,FS");
	assert_int_equal(mirror_parse_name(b.buf, &uv, &uid, &flags), 0);
	assert_int_equal(uv, 1700000000);
	assert_int_equal(uid, 42);
	assert_int_equal(flags, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED);
	for (f = 0; f <= ALL_FLAGS; f++) {
		if (f & ~ALL_FLAGS)
			continue;
		buf_reset(&b);
		mirror_file_name(&b, UINT32_MAX, UINT32_MAX - f, f);
		assert_int_equal(mirror_parse_name(b.buf, &uv, &uid, &flags),
				 0);
		assert_int_equal(uv, UINT32_MAX);
		assert_int_equal(uid, UINT32_MAX - f);
		assert_int_equal(flags, f);
		assert_int_equal(search_maildir_flags(b.buf), f);
	}
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(mirror_parse_name(bad[i], &uv, &uid, &flags),
				 -1);
	buf_release(&b);
}

static void
test_folder_dirs(void **state)
{
	static const struct {
		const char *name;
		char delim;
		const char *dir;
	} cases[] = {
		{ "INBOX", '/', "INBOX" },
		{ "inbox", '.', "INBOX" },
		{ "Sent", '/', "Sent" },
		{ "Lists/tuimail", '/', "Lists/tuimail" },
		{ "Lists.tuimail", '.', "Lists/tuimail" },
		{ "INBOX.Sub", '.', "INBOX/Sub" },
		{ "inbox/Sub", '/', "INBOX/Sub" },
		{ "Entw&APw-rfe", '/', "Entwürfe" },
		{ "a/b", '.', "a%2Fb" },
		{ "a/b", 0, "a%2Fb" },
		{ ".hidden", '/', "%2Ehidden" },
		{ "..", '/', "%2E." },
		{ "../etc", '/', "%2E./etc" },
		{ "x/cur", '/', "x/%63ur" },
		{ "new", '/', "%6Eew" },
		{ "tmp/x", '/', "%74mp/x" },
		{ "current", '/', "current" },
		{ "50%", '/', "50%25" },
		{ "a//b", '/', "a/%00/b" },
		{ "Sent Items", '/', "Sent Items" },
	};
	char *dir;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		dir = mirror_folder_dir(cases[i].name, cases[i].delim);
		assert_non_null(dir);
		assert_string_equal(dir, cases[i].dir);
		free(dir);
	}
}

static void
test_maildir_path(void **state)
{
	static const char *const bad[] = {
		"jane", "@example.com", "jane@", "a/b@example.com",
		"jane@example.com/x", "jane@..", "jane@.", "..@example.com",
		".@example.com",
	};
	char *p;
	size_t i;

	(void)state;
	p = mirror_maildir_path("/var/vmail", "jane@example.com");
	assert_string_equal(p, "/var/vmail/example.com/jane/Maildir");
	free(p);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_null(mirror_maildir_path("/var/vmail", bad[i]));
		assert_non_null(strstr(err_msg(), "cannot name a Maildir"));
	}
}

static void
test_query_fix(void **state)
{
	struct search_folder f[] = {
		{ .dir = "INBOX", .name = "INBOX" },
		{ .dir = "Sent", .name = "Sent" },
		{ .dir = "Lists/tuimail", .name = "Lists.tuimail" },
		{ .dir = "My Stuff", .name = "My Stuff" },
		{ .dir = "Entwürfe", .name = "Entw&APw-rfe" },
	};
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "folder:inbox", "folder:INBOX" },
		{ "folder:INBOX", "folder:INBOX" },
		{ "from:bob and folder:sent", "from:bob and folder:Sent" },
		{ "folder:\"inbox\"", "folder:INBOX" },
		{ "(folder:inbox or folder:SENT) and x",
		  "(folder:INBOX or folder:Sent) and x" },
		{ "-folder:inbox", "-folder:INBOX" },
		{ "Folder:inbox", "folder:INBOX" },
		{ "folder:Lists.tuimail", "folder:Lists/tuimail" },
		{ "folder:lists/TUIMAIL", "folder:Lists/tuimail" },
		{ "folder:\"my stuff\"", "folder:\"My Stuff\"" },
		{ "folder:\"My Stuff\"", "folder:\"My Stuff\"" },
		{ "folder:ENTWÜRFE", "folder:ENTWÜRFE" },
		{ "folder:entwürfe", "folder:Entwürfe" },
		{ "folder:Nowhere", "folder:Nowhere" },
		{ "subject:\"folder:inbox\"", "subject:\"folder:inbox\"" },
		{ "xfolder:inbox", "xfolder:inbox" },
		{ "path:inbox/**", "path:inbox/**" },
		{ "", "" },
		{ "folder:", "folder:" },
		{ "\"unclosed folder:inbox", "\"unclosed folder:inbox" },
	};
	char *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		s = search_query_fix(cases[i].in, f, sizeof(f) / sizeof(*f));
		assert_string_equal(s, cases[i].out);
		free(s);
	}
}

static void
test_imap_criteria(void **state)
{
	static const struct {
		const char *query, *criteria;
	} cases[] = {
		{ "", "ALL" },
		{ "*", "ALL" },
		{ "from:bob", "FROM \"bob\"" },
		{ "from:bob subject:lunch", "FROM \"bob\" SUBJECT \"lunch\"" },
		{ "from:bob and subject:lunch",
		  "FROM \"bob\" SUBJECT \"lunch\"" },
		{ "bob or alice", "OR TEXT \"bob\" TEXT \"alice\"" },
		{ "a or b or c", "OR TEXT \"a\" OR TEXT \"b\" TEXT \"c\"" },
		{ "a (b or c)", "TEXT \"a\" OR TEXT \"b\" TEXT \"c\"" },
		{ "(a b) or c", "OR (TEXT \"a\" TEXT \"b\") TEXT \"c\"" },
		{ "not tag:unread", "NOT UNSEEN" },
		{ "tag:flagged and -tag:deleted", "FLAGGED NOT DELETED" },
		{ "NOT (a OR b)", "NOT OR TEXT \"a\" TEXT \"b\"" },
		{ "tag:replied tag:draft tag:passed",
		  "ANSWERED DRAFT KEYWORD $Forwarded" },
		{ "to:jane", "OR TO \"jane\" CC \"jane\"" },
		{ "\"blue harbour\"", "TEXT \"blue harbour\"" },
		{ "subject:\"Re: lunch\"", "SUBJECT \"Re: lunch\"" },
		{ "from:bo*", "FROM \"bo\"" },
		{ "body:x id:a@b", "BODY \"x\" HEADER Message-ID \"a@b\"" },
		{ "date:2024..2025-02", "SINCE 1-Jan-2024 BEFORE 1-Mar-2025" },
		{ "date:2024-02-29", "SINCE 29-Feb-2024 BEFORE 1-Mar-2024" },
		{ "date:2023-12-31", "SINCE 31-Dec-2023 BEFORE 1-Jan-2024" },
		{ "date:2024-12", "SINCE 1-Dec-2024 BEFORE 1-Jan-2025" },
		{ "date:..2023", "BEFORE 1-Jan-2024" },
		{ "date:2024.05.01..", "SINCE 1-May-2024" },
		{ "x date:2024", "TEXT \"x\" (SINCE 1-Jan-2024 BEFORE "
				 "1-Jan-2025)" },
		{ "Müller", "TEXT {7+}\r\nMüller" },
		{ "subject:a\\b", "SUBJECT \"a\\\\b\"" },
		{ "+bob", "TEXT \"bob\"" },
	};
	static const struct {
		const char *query, *error;
	} bad[] = {
		{ "folder:INBOX", "'folder:' cannot be searched" },
		{ "path:a/**", "'path:' cannot be searched" },
		{ "tag:todo", "tag 'todo' cannot be searched" },
		{ "date:yesterday", "date 'yesterday' cannot be searched" },
		{ "date:2023-02-29", "date '2023-02-29' cannot be searched" },
		{ "date:2024-13", "cannot be searched" },
		{ "(a", "')' missing" },
		{ "a )", "unexpected ')'" },
		{ "a or", "incomplete" },
		{ "not", "incomplete" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		buf_reset(&b);
		assert_int_equal(search_imap_criteria(cases[i].query, &b), 0);
		assert_true(!strncmp(b.buf, "CHARSET UTF-8 ", 14));
		assert_string_equal(b.buf + 14, cases[i].criteria);
	}
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		buf_reset(&b);
		assert_int_equal(search_imap_criteria(bad[i].query, &b), -1);
		if (!strstr(err_msg(), bad[i].error))
			fail_msg("'%s': '%s'", bad[i].query, err_msg());
	}
	buf_release(&b);
}

/*
 * The queries a person types at the search prompt (those of
 * t0014-search-ui.sh), as the fallback sends them to the server while
 * the index is not complete: phrases stay one string, 8-bit words go as
 * literals, a date range becomes whole days.
 */
static void
test_prompt_queries(void **state)
{
	static const struct {
		const char *query, *criteria;
	} cases[] = {
		{ "harbour", "TEXT \"harbour\"" },
		{ "\"blue harbour lantern\"", "TEXT \"blue harbour lantern\"" },
		{ "blue and harbour and lantern",
		  "TEXT \"blue\" TEXT \"harbour\" TEXT \"lantern\"" },
		{ "Ærøskøbing", "TEXT {13+}\r\nÆrøskøbing" },
		{ "from:Müller", "FROM {7+}\r\nMüller" },
		{ "date:2025-03-01..2025-04-30",
		  "SINCE 1-Mar-2025 BEFORE 1-May-2025" },
		{ "subject:\"Harbour lights\" and not subject:Re",
		  "SUBJECT \"Harbour lights\" NOT SUBJECT \"Re\"" },
		{ "subject:nightingale", "SUBJECT \"nightingale\"" },
		{ "tag:flagged", "FLAGGED" },
		{ "  harbour  ", "TEXT \"harbour\"" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		buf_reset(&b);
		assert_int_equal(search_imap_criteria(cases[i].query, &b), 0);
		assert_string_equal(b.buf + strlen("CHARSET UTF-8 "),
				    cases[i].criteria);
	}
	/* A folder is the index's to know: the fallback says it cannot. */
	buf_reset(&b);
	assert_int_equal(
		search_imap_criteria("folder:INBOX and not tag:flagged", &b),
		-1);
	buf_release(&b);
}

/*
 * Flags in a mirror file's name, as another client set them over IMAP,
 * give the tags a query sees: the chain from Maildir letters to tags.
 */
static void
test_file_flags_to_tags(void **state)
{
	static const struct {
		const char *name, *tags;
	} cases[] = {
		{ "1795608571.1:2,", "unread" },
		{ "1795608571.2:2,S", "" },
		{ "1795608571.3:2,FS", "flagged" },
		{ "1795608571.4:2,FRS", "flagged replied" },
		{ "1795608571.5:2,DS", "draft" },
		{ "1795608571.6:2,ST", "deleted" },
		{ "1795608571.7:2,PS", "passed" },
		{ "1795608571.8:2,F", "unread flagged" },
	};
	uint32_t uv, uid, flags;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(mirror_parse_name(cases[i].name, &uv, &uid,
						   &flags),
				 0);
		assert_int_equal(uv, 1795608571u);
		assert_int_equal(uid, i + 1);
		assert_int_equal(flags, search_maildir_flags(cases[i].name));
		assert_string_equal(tags_of(flags), cases[i].tags);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_to_tags),
		cmocka_unit_test(test_tags_round_trip),
		cmocka_unit_test(test_maildir_flags),
		cmocka_unit_test(test_file_names),
		cmocka_unit_test(test_folder_dirs),
		cmocka_unit_test(test_maildir_path),
		cmocka_unit_test(test_query_fix),
		cmocka_unit_test(test_imap_criteria),
		cmocka_unit_test(test_prompt_queries),
		cmocka_unit_test(test_file_flags_to_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
