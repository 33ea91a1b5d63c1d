/*
 * Unit tests for index/compose.c: address parsing, Re:/Fwd:, attribution
 * and quoting, References, reply-all, format=flowed, header folding and
 * the built message itself, read back through mime_render().
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "index/index.h"
#include "util/buf.h"
#include "util/log.h"

/* Parses text as field f; fails the test on an error. */
static void
parse_ok(const char *text, struct compose_addr_list *l)
{
	if (compose_parse_addresses(text, COMPOSE_FIELD_TO, l, NULL) < 0)
		fail_msg("'%s': %s", text ? text : "(null)", err_msg());
}

static void
test_parse_forms(void **state)
{
	struct compose_addr_list l = { 0 };

	(void)state;
	parse_ok("Jane Doe <jane@example.com>, bob@example.com; "
		 "\"Doe, John\" <john@example.org>,carol@example.net (Carol C.)"
		 ", <dan@example.net> , Jürgen Müller <j.m+tag@mail.example.de>",
		 &l);
	assert_int_equal(l.n, 6);
	assert_string_equal(l.v[0].name, "Jane Doe");
	assert_string_equal(l.v[0].addr, "jane@example.com");
	assert_string_equal(l.v[1].name, "");
	assert_string_equal(l.v[1].addr, "bob@example.com");
	assert_string_equal(l.v[2].name, "Doe, John");
	assert_string_equal(l.v[2].addr, "john@example.org");
	assert_string_equal(l.v[3].name, "Carol C.");
	assert_string_equal(l.v[3].addr, "carol@example.net");
	assert_string_equal(l.v[4].name, "");
	assert_string_equal(l.v[4].addr, "dan@example.net");
	assert_string_equal(l.v[5].name, "Jürgen Müller");
	assert_string_equal(l.v[5].addr, "j.m+tag@mail.example.de");
	compose_addr_list_free(&l);

	/* Empty entries and white space around them do not count. */
	parse_ok(" , a@b.example ,, ;", &l);
	assert_int_equal(l.n, 1);
	compose_addr_list_free(&l);
	parse_ok("", &l);
	assert_int_equal(l.n, 0);
	parse_ok(NULL, &l);
	assert_int_equal(l.n, 0);

	/* Quoted names keep what is quoted, escapes included. */
	parse_ok("\"A \\\"quoted\\\" <name>\" <q@example.com>", &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "A \"quoted\" <name>");
	compose_addr_list_free(&l);
}

/* Checks that text fails in field f at entry, offset and len. */
static void
parse_bad(const char *text, size_t entry, size_t offset, size_t len,
	  const char *why)
{
	struct compose_addr_list l = { 0 };
	struct compose_error e = { 0 };

	if (compose_parse_addresses(text, COMPOSE_FIELD_CC, &l, &e) == 0)
		fail_msg("'%s' was taken", text);
	compose_addr_list_free(&l);
	assert_int_equal(e.field, COMPOSE_FIELD_CC);
	assert_int_equal(e.entry, entry);
	assert_int_equal(e.offset, offset);
	assert_int_equal(e.len, len);
	if (!strstr(err_msg(), why))
		fail_msg("'%s': '%s' does not say '%s'", text, err_msg(), why);
	if (strncmp(err_msg(), "invalid address in Cc: '", 24) != 0)
		fail_msg("'%s': '%s' does not name the field", text, err_msg());
}

static void
test_parse_errors(void **state)
{
	(void)state;
	parse_bad("bob@example.com, bob@, carol@example.org", 1, 17, 4,
		  "'bob@': no domain after '@'");
	parse_bad("Bob Smith", 0, 0, 9, "not an address: no '@'");
	parse_bad("a@example.com; b@exa mple.com", 1, 15, 14,
		  "a space in the address");
	parse_bad("x@example..com", 0, 0, 14, "invalid domain 'example..com'");
	parse_bad("x@-example.com", 0, 0, 14, "invalid domain");
	parse_bad("a..b@example.com", 0, 0, 16, "misplaced '.'");
	parse_bad(".a@example.com", 0, 0, 14, "misplaced '.'");
	parse_bad("@example.com", 0, 0, 12, "nothing before '@'");
	parse_bad("Bob <bob@example.com", 0, 0, 20, "missing '>'");
	parse_bad("bob@example.com>", 0, 0, 16, "'>' without '<'");
	parse_bad("Bob <bob@example.com> x", 0, 0, 23, "text after '>'");
	parse_bad("\"Bob <bob@example.com>", 0, 0, 22, "unbalanced '\"'");
	parse_bad("jö@example.de", 0, 0, 14, "non-ASCII");
	parse_bad("a,b@example.com(c", 0, 0, 1, "no '@'");
	parse_bad("b@example.com, a(b@example.com", 1, 15, 15,
		  "unbalanced '('");
	parse_bad("x@example.com, a[1]@example.com", 1, 15, 16,
		  "'[' is not allowed before '@'");
	parse_bad("x@exam_ple.com", 0, 0, 14, "'_' is not allowed in a domain");
	parse_bad("x@[192.0.2.1]", 0, 0, 13, "address literals");
	/* An address cannot carry a second SMTP command. */
	parse_bad("<x@example.com\r\nRCPT TO:y@example.com>", 0, 0, 38,
		  "control character");
	parse_bad("x@example.com\tRCPT", 0, 0, 18, "a space in the address");
}

static void
test_format_round_trip(void **state)
{
	struct compose_addr_list l = { 0 }, back = { 0 };
	char *s;
	size_t i;

	(void)state;
	parse_ok("\"Doe, John\" <john@example.org>, Jane <jane@example.com>, "
		 "plain@example.com, \"Q \\\"x\\\" \\\\ y\" <q@example.com>, "
		 "Jürgen M. <j@example.de>",
		 &l);
	s = compose_format_addresses(&l);
	assert_string_equal(s, "\"Doe, John\" <john@example.org>, "
			       "Jane <jane@example.com>, plain@example.com, "
			       "\"Q \\\"x\\\" \\\\ y\" <q@example.com>, "
			       "\"Jürgen M.\" <j@example.de>");
	parse_ok(s, &back);
	assert_int_equal(back.n, l.n);
	for (i = 0; i < l.n; i++) {
		assert_string_equal(back.v[i].name, l.v[i].name);
		assert_string_equal(back.v[i].addr, l.v[i].addr);
	}
	free(s);
	compose_addr_list_free(&l);
	compose_addr_list_free(&back);
}

static void
test_subjects(void **state)
{
	static const struct {
		const char *in, *re, *fwd;
	} t[] = {
		{ "Hello", "Re: Hello", "Fwd: Hello" },
		{ "Re: Hello", "Re: Hello", "Fwd: Re: Hello" },
		{ "RE: Hello", "Re: Hello", "Fwd: RE: Hello" },
		{ "re:Hello", "Re: Hello", "Fwd: re:Hello" },
		{ "Aw: Re: AW: Hallo", "Re: Hallo", "Fwd: Aw: Re: AW: Hallo" },
		{ "Re[2]: Hello", "Re: Hello", "Fwd: Re[2]: Hello" },
		{ "SV: Hej", "Re: Hej", "Fwd: SV: Hej" },
		{ "Fwd: Hello", "Re: Fwd: Hello", "Fwd: Hello" },
		{ "Fw: FWD: Hello", "Re: Fw: FWD: Hello", "Fwd: Hello" },
		{ "  Re:   Spaces ", "Re: Spaces", "Fwd: Re:   Spaces" },
		{ "Reply needed", "Re: Reply needed", "Fwd: Reply needed" },
		{ "Résumé", "Re: Résumé", "Fwd: Résumé" },
		{ "", "Re: ", "Fwd: " },
		{ "Re: line\r\nBcc: evil@example.com",
		  "Re: line  Bcc: evil@example.com",
		  "Fwd: Re: line  Bcc: evil@example.com" },
	};
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = compose_subject_reply(t[i].in);
		if (strcmp(s, t[i].re))
			fail_msg("reply to '%s': '%s'", t[i].in, s);
		free(s);
		s = compose_subject_forward(t[i].in);
		if (strcmp(s, t[i].fwd))
			fail_msg("forward of '%s': '%s'", t[i].in, s);
		free(s);
	}
	s = compose_subject_reply(NULL);
	assert_string_equal(s, "Re: ");
	free(s);
}

static void
test_attribution(void **state)
{
	char *s;

	(void)state;
	/* 2024-03-05 10:12 UTC */
	s = compose_attribution(NULL, "Jane Doe", "jane@example.com",
				1709633520);
	assert_string_equal(s, "On Tue, 5 Mar 2024 10:12, Jane Doe wrote:");
	free(s);
	s = compose_attribution(NULL, "", "jane@example.com", 1709633520);
	assert_string_equal(s, "On Tue, 5 Mar 2024 10:12, jane@example.com "
			       "wrote:");
	free(s);
	s = compose_attribution("%n <%a> wrote 100%% on %d:", "Jane\x1b[31m",
				"jane@example.com", 0);
	assert_string_equal(s, "Jane [31m <jane@example.com> wrote 100% on "
			       "an unknown date:");
	free(s);
	s = compose_attribution("Am %d schrieb %n%", "J", "j@example.com",
				1709633520);
	assert_string_equal(s, "Am Tue, 5 Mar 2024 10:12 schrieb J%");
	free(s);
}

static void
test_quote(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	compose_quote(&b, "hello\n\n> earlier\n>> older\nlast  \n\n\n",
		      "On X, Y wrote:");
	assert_string_equal(b.buf, "On X, Y wrote:\n"
				   "> hello\n"
				   ">\n"
				   ">> earlier\n"
				   ">>> older\n"
				   "> last\n");
	buf_reset(&b);
	compose_quote(&b, "one line", NULL);
	assert_string_equal(b.buf, "> one line\n");
	/* The signature stays out; a "--" without the space is text. */
	buf_reset(&b);
	compose_quote(&b, "text\n--\nmore\n\n-- \nJane\n-- \nx\n", NULL);
	assert_string_equal(b.buf, "> text\n> --\n> more\n");
	buf_reset(&b);
	compose_quote(&b, "-- \nonly a signature", "A:");
	assert_string_equal(b.buf, "A:\n");
	buf_reset(&b);
	compose_quote(&b, "", "A:");
	assert_string_equal(b.buf, "A:\n");
	buf_release(&b);
}

static void
test_references(void **state)
{
	struct buf refs = BUF_INIT, want = BUF_INIT;
	char *s;
	int i;

	(void)state;
	s = compose_references("<a@x> <b@x>\r\n <c@x>", "<c@x>", "<d@x>");
	assert_string_equal(s, "<a@x> <b@x> <c@x> <d@x>");
	free(s);
	/* Without References, In-Reply-To starts the chain. */
	s = compose_references(NULL, "<c@x>", "d@x");
	assert_string_equal(s, "<c@x> <d@x>");
	free(s);
	s = compose_references("", "", "<d@x>");
	assert_string_equal(s, "<d@x>");
	free(s);
	assert_null(compose_references(NULL, NULL, NULL));
	assert_null(compose_references("junk", "more junk", ""));
	/* Junk and injected lines never survive; duplicates go. */
	s = compose_references("<a@x> <not an id> <b@x\r\nBcc: e@x> <a@x> "
			       "<ok@x> junk",
			       NULL, "<d@x>");
	assert_string_equal(s, "<a@x> <ok@x> <d@x>");
	free(s);
	/* The parent's ID goes last, even when it was already there. */
	s = compose_references("<a@x> <d@x> <b@x>", NULL, "<d@x>");
	assert_string_equal(s, "<a@x> <b@x> <d@x>");
	free(s);
	/* A long chain keeps the root and the last ones: 20 in all. */
	for (i = 0; i < 30; i++)
		buf_addf(&refs, "<m%d@example.com> ", i);
	s = compose_references(refs.buf, NULL, "<parent@example.com>");
	buf_adds(&want, "<m0@example.com>");
	for (i = 12; i < 30; i++)
		buf_addf(&want, " <m%d@example.com>", i);
	buf_adds(&want, " <parent@example.com>");
	assert_string_equal(s, want.buf);
	free(s);
	buf_release(&refs);
	buf_release(&want);
}

/* Parses a list for the reply-all tests. */
static struct compose_addr_list
list(const char *text)
{
	struct compose_addr_list l = { 0 };

	parse_ok(text, &l);
	return l;
}

/* Checks the result of compose_reply_recipients(). */
static void
reply_case(const char *from, const char *reply_to, const char *to,
	   const char *cc, int all, const char *want_to, const char *want_cc)
{
	static const char *const own[] = { "me@example.com",
					   "Me.Alias@Example.com" };
	struct compose_addr_list f = list(from), r = list(reply_to),
				 t = list(to), c = list(cc);
	struct compose_addr_list rt = { 0 }, rc = { 0 };
	struct compose_parent p = { &f, &r, &t, &c };
	char *got_to, *got_cc;

	compose_reply_recipients(&p, all, own, 2, &rt, &rc);
	got_to = compose_format_addresses(&rt);
	got_cc = compose_format_addresses(&rc);
	if (strcmp(got_to, want_to) || strcmp(got_cc, want_cc))
		fail_msg("from '%s' to '%s' cc '%s' all %d: to '%s' cc '%s'",
			 from, to, cc, all, got_to, got_cc);
	free(got_to);
	free(got_cc);
	compose_addr_list_free(&f);
	compose_addr_list_free(&r);
	compose_addr_list_free(&t);
	compose_addr_list_free(&c);
	compose_addr_list_free(&rt);
	compose_addr_list_free(&rc);
}

static void
test_reply_recipients(void **state)
{
	(void)state;
	reply_case("Jane <jane@example.com>", "",
		   "me@example.com, Bob <bob@example.com>",
		   "carol@example.com, ME@example.com, BOB@example.com", 0,
		   "Jane <jane@example.com>", "");
	reply_case("Jane <jane@example.com>", "",
		   "me@example.com, Bob <bob@example.com>",
		   "carol@example.com, ME@example.com, BOB@example.com, "
		   "me.alias@example.com",
		   1, "Jane <jane@example.com>, Bob <bob@example.com>",
		   "carol@example.com");
	/* Reply-To wins over From, and From is not added to it. */
	reply_case("Jane <jane@example.com>", "list@example.org",
		   "list@example.org", "", 1, "list@example.org", "");
	reply_case("Jane <jane@example.com>", "list@example.org",
		   "me@example.com", "", 0, "list@example.org", "");
	/* A reply to one's own message goes to its recipients. */
	reply_case("Me <me@example.com>", "", "bob@example.com",
		   "carol@example.com", 0, "bob@example.com", "");
	reply_case("Me <me@example.com>", "", "bob@example.com",
		   "carol@example.com, me@example.com", 1, "bob@example.com",
		   "carol@example.com");
	/* Only Cc left: it becomes To. */
	reply_case("Me <me@example.com>", "", "me.alias@example.com",
		   "carol@example.com", 1, "carol@example.com", "");
	/* Nobody left but oneself: the reply goes to oneself. */
	reply_case("Me <me@example.com>", "", "me@example.com", "", 1,
		   "Me <me@example.com>", "");
}

/* Returns the text of flowed after unflowing it the way mime.c does. */
static char *
unflow(const char *flowed)
{
	struct buf b = BUF_INIT;

	flowed_to_text(flowed, strlen(flowed), 0, &b);
	return buf_detach(&b, NULL);
}

/* Counts the characters (code points) of s[0..n). */
static size_t
chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/*
 * Fails unless every line of flowed is at most width characters
 * without its soft-break space, and only soft lines end in a space.
 */
static void
assert_lines_fit(const char *flowed, size_t width, const char *hard_sig)
{
	const char *p = flowed, *nl;
	size_t n;

	while ((nl = strchr(p, '\n')) != NULL) {
		n = (size_t)(nl - p);
		if (n && p[n - 1] == ' ' &&
		    !(hard_sig && n == strlen(hard_sig) &&
		      memcmp(p, hard_sig, n) == 0))
			n--;
		if (chars(p, n) > width)
			fail_msg("line too long (%zu): '%.*s'", chars(p, n),
				 (int)(nl - p), p);
		p = nl + 1;
	}
	assert_string_equal(p, "");
}

static void
test_flowed(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	char *back;
	int i;

	(void)state;
	/* Short lines stay; trailing white space goes (hard breaks). */
	compose_flowed(&out, "Hi Bob,\n\nshort line   \nend", 72);
	assert_string_equal(out.buf, "Hi Bob,\n\nshort line\nend\n");
	buf_reset(&out);

	/* A long paragraph: soft breaks after spaces, at most 72. */
	for (i = 0; i < 40; i++)
		buf_addf(&text, "word%02d ", i);
	buf_adds(&text, "end.\nNext paragraph.\n");
	compose_flowed(&out, text.buf, 72);
	assert_lines_fit(out.buf, 72, NULL);
	assert_true(strncmp(out.buf,
			    "word00 word01 word02 word03 word04 word05 word06 "
			    "word07 word08 word09 \nword10 ",
			    78) == 0);
	assert_non_null(strstr(out.buf, "end.\nNext paragraph.\n"));
	back = unflow(out.buf);
	assert_string_equal(back, text.buf);
	free(back);
	buf_reset(&out);

	/* Space-stuffing: a leading space, "From ", '>' on a new line. */
	compose_flowed(&out, " indented\nFrom here\nFromage\n", 72);
	assert_string_equal(out.buf, "  indented\n From here\nFromage\n");
	back = unflow(out.buf);
	assert_string_equal(back, " indented\nFrom here\nFromage\n");
	free(back);
	buf_reset(&out);
	compose_flowed(&out,
		       "aaaaaaaaa aaaaaaaaa aaaaaaaaa aaaaaaaaa aaaaaaaaa "
		       "aaaaaaaaa aaaaaaaaa >not a quote",
		       72);
	assert_string_equal(out.buf,
			    "aaaaaaaaa aaaaaaaaa aaaaaaaaa aaaaaaaaa aaaaaaaaa "
			    "aaaaaaaaa aaaaaaaaa \n >not a quote\n");
	buf_reset(&out);

	/* The signature separator keeps its space; signature lines do not. */
	compose_flowed(&out, "Bye\n-- \nJane  \n", 72);
	assert_string_equal(out.buf, "Bye\n-- \nJane\n");
	buf_reset(&out);

	/* Quoted lines keep their marks on every piece. */
	buf_reset(&text);
	buf_adds(&text, "> ");
	for (i = 0; i < 30; i++)
		buf_addf(&text, "quoted%02d ", i);
	buf_adds(&text, "end\n>> -- \n>\n>>deep\n");
	compose_flowed(&out, text.buf, 72);
	assert_lines_fit(out.buf, 72, "> -- ");
	assert_true(strncmp(out.buf, "> quoted00 ", 11) == 0);
	assert_non_null(strstr(out.buf, " \n> quoted"));
	assert_non_null(strstr(out.buf, "end\n>> -- \n>\n>> deep\n"));
	back = unflow(out.buf);
	assert_non_null(strstr(back, "quoted28 quoted29 end\n"));
	free(back);
	buf_reset(&out);

	/* Characters count, not bytes. */
	buf_reset(&text);
	for (i = 0; i < 30; i++)
		buf_adds(&text, "äöüßäöüß ");
	buf_adds(&text, "€");
	compose_flowed(&out, text.buf, 72);
	assert_lines_fit(out.buf, 72, NULL);
	assert_true(chars(out.buf, strcspn(out.buf, "\n")) >= 60);
	back = unflow(out.buf);
	buf_addch(&text, '\n');
	assert_string_equal(back, text.buf);
	free(back);
	buf_reset(&out);

	/* A word longer than the width is left whole. */
	buf_reset(&text);
	buf_adds(&text, "see ");
	for (i = 0; i < 100; i++)
		buf_addch(&text, 'x');
	buf_adds(&text, " after");
	compose_flowed(&out, text.buf, 72);
	assert_non_null(strstr(out.buf, "see \nxxxxxxxxxx"));
	assert_non_null(strstr(out.buf, "xx \nafter\n"));
	buf_release(&text);
	buf_release(&out);
}

/*
 * Fails unless every line of raw ends in CRLF, no header line is longer
 * than 78 bytes and no body line longer than 998.
 */
static void
assert_wire_lines(const char *raw, size_t len)
{
	size_t i, start = 0, head = 1;

	for (i = 0; i < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (i == 0 || raw[i - 1] != '\r')
			fail_msg("bare LF at %zu", i);
		if (i - start - 1 > (head ? 78 : 998))
			fail_msg("line of %zu bytes: '%.*s'", i - start - 1,
				 (int)(i - start), raw + start);
		if (i - start == 1)
			head = 0;
		start = i + 1;
	}
	assert_int_equal(start, len);
}

/* Returns the header block of raw as its own string. */
static char *
headers_of(const char *raw)
{
	const char *end = strstr(raw, "\r\n\r\n");

	assert_non_null(end);
	return strndup(raw, (size_t)(end - raw) + 2);
}

static void
test_build_plain(void **state)
{
	struct compose_msg m = { 0 };
	struct compose_out o;
	struct mime_view v;
	char *h;

	(void)state;
	m.from_name = "Jäne Doe";
	m.from_addr = "jane@example.com";
	m.to = "Bob <bob@example.com>, \"Doe, John\" <john@example.org>";
	m.cc = "carol@example.net, BOB@example.com";
	m.bcc = "secret@example.net";
	m.subject = "Grüße aus Köln — and a subject line long enough that "
		    "it has to be folded over more than one line";
	m.body = "Hällo Bob,\n\n.\n.. two dots\nFrom me\n-- \nJane\n";
	m.in_reply_to = "<parent@example.com>";
	m.references = "<root@example.com>\r\nBcc: evil@example.com "
		       "<parent@example.com>";
	m.date = 1709633520;
	if (compose_build(&m, &o, NULL) < 0)
		fail_msg("%s", err_msg());
	assert_wire_lines(o.raw.buf, o.raw.len);
	h = headers_of(o.raw.buf);
	assert_non_null(strstr(h, "\r\nTo: Bob <bob@example.com>, "
				  "\"Doe, John\" <john@example.org>\r\n"));
	assert_non_null(strstr(h, "\r\nCc: carol@example.net, "
				  "BOB@example.com\r\n"));
	assert_null(strstr(h, "Bcc"));
	assert_null(strstr(o.raw.buf, "secret@"));
	assert_null(strstr(o.raw.buf, "evil"));
	assert_non_null(strstr(h, "From: =?"));
	assert_non_null(strstr(h, "Subject: =?UTF-8?"));
	assert_non_null(strstr(h, "\r\nIn-Reply-To: <parent@example.com>\r\n"));
	assert_non_null(strstr(h, "\r\nReferences: <root@example.com> "
				  "<parent@example.com>\r\n"));
	assert_non_null(strstr(h, "\r\nUser-Agent: tuimail\r\n"));
	assert_non_null(strstr(h, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(h, "Date: Tue, 05 Mar 2024 10:12:00 +0000\r\n"));
	assert_non_null(strstr(h, "Content-Type: text/plain; charset=utf-8; "
				  "format=flowed\r\n"));
	assert_non_null(strstr(h, "Content-Transfer-Encoding: "
				  "quoted-printable\r\n"));
	/* The subject is folded, not cut. */
	assert_non_null(strstr(h, "\r\n "));
	assert_true(strncmp(o.message_id, "<", 1) == 0);
	assert_non_null(strstr(o.message_id, "@example.com>"));
	assert_non_null(strstr(h, o.message_id));
	free(h);

	assert_string_equal(o.from, "jane@example.com");
	/* Envelope: To, Cc, Bcc, each address once whatever its case. */
	assert_int_equal(o.n_rcpt, 4);
	assert_string_equal(o.rcpt[0], "bob@example.com");
	assert_string_equal(o.rcpt[1], "john@example.org");
	assert_string_equal(o.rcpt[2], "carol@example.net");
	assert_string_equal(o.rcpt[3], "secret@example.net");

	/* Read back: everything decodes to what was typed. */
	mime_render(o.raw.buf, o.raw.len, MIME_PREFER_TEXT, &v);
	assert_int_equal(v.raw, 0);
	assert_string_equal(mime_view_header(&v, "Subject"), m.subject);
	assert_string_equal(mime_view_header(&v, "From"),
			    "Jäne Doe <jane@example.com>");
	assert_string_equal(v.body.buf, "Hällo Bob,\n\n.\n.. two dots\nFrom "
					"me\n-- \nJane\n");
	mime_view_free(&v);
	compose_out_free(&o);

	/* Pure ASCII goes as 7bit, and one Message-ID per message. */
	m.from_name = NULL;
	m.subject = "Hello";
	m.body = "Plain text.\n";
	m.message_id = "fixed.1@example.com";
	if (compose_build(&m, &o, NULL) < 0)
		fail_msg("%s", err_msg());
	assert_non_null(strstr(o.raw.buf, "\r\nContent-Transfer-Encoding: "
					  "7bit\r\n"));
	assert_non_null(strstr(o.raw.buf, "\r\nFrom: jane@example.com\r\n"));
	assert_non_null(strstr(o.raw.buf, "\r\nSubject: Hello\r\n"));
	assert_string_equal(o.message_id, "<fixed.1@example.com>");
	assert_non_null(strstr(o.raw.buf, "Message-Id: <fixed.1@example.com>"));
	assert_true(o.raw.len > 2 &&
		    memcmp(o.raw.buf + o.raw.len - 2, "\r\n", 2) == 0);
	compose_out_free(&o);
}

static void
test_build_long_headers_fold(void **state)
{
	struct compose_msg m = { 0 };
	struct compose_out o;
	struct buf to = BUF_INIT, refs = BUF_INIT;
	struct mime_view v;
	int i;

	(void)state;
	for (i = 0; i < 12; i++)
		buf_addf(&to, "%sPerson Number %d <person.%d@example.com>",
			 i ? ", " : "", i, i);
	for (i = 0; i < 15; i++)
		buf_addf(&refs, "<a-long-message-id-%d@mail.example.com> ", i);
	m.from_addr = "jane@example.com";
	m.to = to.buf;
	m.subject = "A plain ASCII subject that is much longer than "
		    "seventy-eight characters, so that it must be folded";
	m.references = refs.buf;
	m.body = "x";
	if (compose_build(&m, &o, NULL) < 0)
		fail_msg("%s", err_msg());
	assert_wire_lines(o.raw.buf, o.raw.len);
	mime_render(o.raw.buf, o.raw.len, MIME_PREFER_TEXT, &v);
	assert_string_equal(mime_view_header(&v, "Subject"), m.subject);
	assert_non_null(strstr(mime_view_header(&v, "To"),
			       "Person Number 11 <person.11@example.com>"));
	mime_view_free(&v);
	compose_out_free(&o);
	buf_release(&to);
	buf_release(&refs);
}

static void
test_build_attachments(void **state)
{
	static const char pdf[] = "%PDF-1.4\n\x01\x02\x03\xff binary";
	struct compose_attachment att[2] = {
		{ "/home/jane/Prüfbericht für März.pdf", "application/pdf",
		  (char *)pdf, sizeof(pdf) - 1 },
		{ "notes.txt", NULL, "plain notes\n", 12 },
	};
	struct compose_msg m = { 0 };
	struct compose_out o;
	struct mime_view v;

	(void)state;
	m.from_addr = "jane@example.com";
	m.to = "bob@example.com";
	m.subject = "files";
	m.body = "See attached.";
	m.att = att;
	m.n_att = 2;
	if (compose_build(&m, &o, NULL) < 0)
		fail_msg("%s", err_msg());
	assert_wire_lines(o.raw.buf, o.raw.len);
	assert_non_null(strstr(o.raw.buf, "Content-Type: multipart/mixed;"));
	assert_non_null(strstr(o.raw.buf, "Content-Transfer-Encoding: base64"));
	assert_non_null(strstr(o.raw.buf, "filename*"));
	assert_non_null(strstr(o.raw.buf, "UTF-8''Pr%C3%BCfbericht"));
	assert_null(strstr(o.raw.buf, "/home/jane"));
	assert_non_null(strstr(o.raw.buf, "application/octet-stream"));
	mime_render(o.raw.buf, o.raw.len, MIME_PREFER_TEXT, &v);
	assert_string_equal(v.body.buf, "See attached.\n");
	assert_int_equal(v.n_attachments, 2);
	assert_string_equal(v.attachments[0].filename, "Prüfbericht für März.pdf");
	assert_string_equal(v.attachments[0].type, "application/pdf");
	assert_string_equal(v.attachments[1].filename, "notes.txt");
	mime_view_free(&v);
	compose_out_free(&o);
}

/* Checks that m fails in field f, entry entry, saying why. */
static void
build_bad(const struct compose_msg *m, enum compose_field f, size_t entry,
	  const char *why)
{
	struct compose_error e = { 0 };
	struct compose_out o;

	assert_int_equal(compose_check(m, &e), -1);
	assert_int_equal(compose_build(m, &o, &e), -1);
	compose_out_free(&o);
	assert_int_equal(e.field, f);
	assert_int_equal(e.entry, entry);
	if (!strstr(err_msg(), why))
		fail_msg("'%s' does not say '%s'", err_msg(), why);
}

static void
test_build_errors(void **state)
{
	struct compose_attachment att = { "a.bin", "application", "x", 1 };
	struct compose_msg m = { 0 };

	(void)state;
	m.from_addr = "jane@example.com";
	m.to = "bob@example.com";
	m.cc = "carol@example.com, carol@, dan@example.com";
	build_bad(&m, COMPOSE_FIELD_CC, 1, "invalid address in Cc: 'carol@'");
	m.cc = NULL;
	m.bcc = "x y z";
	build_bad(&m, COMPOSE_FIELD_BCC, 0, "invalid address in Bcc: 'x y z'");
	m.bcc = NULL;
	m.to = " , ";
	build_bad(&m, COMPOSE_FIELD_TO, 0, "no recipient");
	m.to = "bob@example.com";
	m.from_addr = "jane";
	build_bad(&m, COMPOSE_FIELD_FROM, 0, "invalid address in From");
	m.from_addr = "jane@example.com, joe@example.com";
	build_bad(&m, COMPOSE_FIELD_FROM, 0, "more than one address in From");
	m.from_addr = "jane@example.com";
	m.subject = "bad \xff UTF-8";
	build_bad(&m, COMPOSE_FIELD_SUBJECT, 0, "not valid UTF-8");
	m.subject = "ok";
	m.body = "\xc3(";
	build_bad(&m, COMPOSE_FIELD_BODY, 0, "not valid UTF-8");
	m.body = "ok";
	m.att = &att;
	m.n_att = 1;
	build_bad(&m, COMPOSE_FIELD_ATTACHMENT, 0,
		  "invalid type 'application'");
	m.n_att = 0;
	m.msgid_domain = "bad domain";
	build_bad(&m, COMPOSE_FIELD_FROM, 0,
		  "invalid domain for the Message-ID");
	m.msgid_domain = NULL;
	assert_int_equal(compose_check(&m, NULL), 0);
}

static const char parent[] =
	"From: =?UTF-8?Q?J=C3=A4ne_Doe?= <jane@example.com>\r\n"
	"To: Me <me@example.com>, Bob <bob@example.com>\r\n"
	"Cc: carol@example.net, me@example.com\r\n"
	"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
	"Date: Tue, 05 Mar 2024 10:12:00 +0000\r\n"
	"Message-ID: <p2@example.com>\r\n"
	"In-Reply-To: <p1@example.com>\r\n"
	"References: <p0@example.com> <p1@example.com>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=b\r\n"
	"\r\n"
	"--b\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Transfer-Encoding: 8bit\r\n"
	"\r\n"
	"Hällo,\r\n"
	"\r\n"
	"see the file.\r\n"
	"--b\r\n"
	"Content-Type: application/octet-stream\r\n"
	"Content-Disposition: attachment; filename=\"data.bin\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"AAECAw==\r\n"
	"--b--\r\n";

static void
test_start_reply(void **state)
{
	static const char *const own[] = { "me@example.com" };
	struct compose_start_opts o = { COMPOSE_REPLY, own, 1, NULL, 0 };
	struct compose_start s;

	(void)state;
	assert_int_equal(compose_start(parent, sizeof(parent) - 1, &o, &s), 0);
	assert_string_equal(s.to, "Jäne Doe <jane@example.com>");
	assert_string_equal(s.cc, "");
	assert_string_equal(s.subject, "Re: Grüße");
	assert_string_equal(s.body, "On Tue, 5 Mar 2024 10:12, Jäne Doe "
				    "wrote:\n> Hällo,\n>\n> see the file.\n");
	assert_string_equal(s.in_reply_to, "<p2@example.com>");
	assert_string_equal(s.references, "<p0@example.com> <p1@example.com> "
					  "<p2@example.com>");
	assert_int_equal(s.n_att, 0);
	compose_start_free(&s);

	o.kind = COMPOSE_REPLY_ALL;
	assert_int_equal(compose_start(parent, sizeof(parent) - 1, &o, &s), 0);
	assert_string_equal(s.to, "Jäne Doe <jane@example.com>, "
				  "Bob <bob@example.com>");
	assert_string_equal(s.cc, "carol@example.net");
	compose_start_free(&s);
}

static void
test_start_forward(void **state)
{
	struct compose_start_opts o = { COMPOSE_FORWARD, NULL, 0, NULL, 1 };
	struct compose_attachment att;
	struct compose_msg m = { 0 };
	struct compose_start s;
	struct compose_out out;
	struct mime_view v;

	(void)state;
	assert_int_equal(compose_start(parent, sizeof(parent) - 1, &o, &s), 0);
	assert_string_equal(s.to, "");
	assert_string_equal(s.subject, "Fwd: Grüße");
	assert_null(s.in_reply_to);
	assert_non_null(strstr(s.body, "---------- Forwarded message "
				       "----------\n"
				       "From: Jäne Doe <jane@example.com>\n"
				       "Date: Tue, 05 Mar 2024 10:12:00 +0000\n"
				       "Subject: Grüße\n"));
	assert_non_null(strstr(s.body, "\n\nHällo,\n\nsee the file.\n"));
	assert_int_equal(s.n_att, 1);
	assert_string_equal(s.att[0].filename, "data.bin");
	assert_string_equal(s.att[0].type, "application/octet-stream");
	assert_int_equal(s.att[0].len, 4);
	assert_memory_equal(s.att[0].data, "\0\1\2\3", 4);
	compose_start_free(&s);

	o.kind = COMPOSE_FORWARD_ATTACHED;
	assert_int_equal(compose_start(parent, sizeof(parent) - 1, &o, &s), 0);
	assert_string_equal(s.subject, "Fwd: Grüße");
	assert_string_equal(s.body, "");
	assert_int_equal(s.n_att, 1);
	assert_string_equal(s.att[0].filename, "Grüße.eml");
	assert_string_equal(s.att[0].type, "message/rfc822");
	assert_int_equal(s.att[0].len, sizeof(parent) - 1);
	assert_memory_equal(s.att[0].data, parent, sizeof(parent) - 1);

	/* The attached message goes as it is: 8bit, not base64. */
	att = s.att[0];
	m.from_addr = "me@example.com";
	m.to = "dan@example.com";
	m.subject = s.subject;
	m.body = "FYI";
	m.att = &att;
	m.n_att = 1;
	if (compose_build(&m, &out, NULL) < 0)
		fail_msg("%s", err_msg());
	assert_non_null(strstr(out.raw.buf, "Content-Type: message/rfc822"));
	assert_non_null(strstr(out.raw.buf, "Content-Transfer-Encoding: 8bit"));
	assert_non_null(strstr(out.raw.buf, parent));
	mime_render(out.raw.buf, out.raw.len, MIME_PREFER_TEXT, &v);
	assert_non_null(strstr(v.body.buf, "Hällo,"));
	mime_view_free(&v);
	compose_out_free(&out);
	compose_start_free(&s);

	assert_int_equal(compose_start("", 0, &o, &s), -1);
	compose_start_free(&s);
}

/* A draft keeps unparsable fields, Bcc, trailing spaces and attachments. */
static void
test_draft_round_trip(void **state)
{
	struct compose_attachment att = { "notes.txt", "text/plain",
					  "some notes\n", 11 };
	struct compose_msg m = { 0 };
	struct compose_out out;
	struct compose_draft d;

	(void)state;
	m.from_name = "Jäne Doe";
	m.from_addr = "jane@example.com";
	m.to = "bob@example.com, not an address@@";
	m.cc = "";
	m.bcc = "Carol <carol@example.com>";
	m.subject = "Grüße, halb fertig";
	m.body = "Zeile eins  \n> zitiert\n\nmit Leerzeichen am Ende  ";
	m.att = &att;
	m.n_att = 1;
	m.in_reply_to = "<a@example.com>";
	m.references = "<root@example.com> <a@example.com>";
	m.draft = 1;
	m.origin = "answered 42 INBOX";
	assert_int_equal(compose_build(&m, &out, NULL), 0);
	assert_non_null(strstr(out.raw.buf, "\r\nBcc: Carol <carol@example.com>"));
	assert_null(strstr(out.raw.buf, "format=flowed"));
	assert_int_equal(compose_draft_parse(out.raw.buf, out.raw.len, &d), 0);
	assert_string_equal(d.to, "bob@example.com, not an address@@");
	assert_string_equal(d.cc, "");
	assert_string_equal(d.bcc, "Carol <carol@example.com>");
	assert_string_equal(d.subject, "Grüße, halb fertig");
	assert_string_equal(d.body, m.body);
	assert_string_equal(d.in_reply_to, "<a@example.com>");
	assert_string_equal(d.references, "<root@example.com> <a@example.com>");
	assert_string_equal(d.origin, "answered 42 INBOX");
	assert_int_equal(d.n_att, 1);
	assert_string_equal(d.att[0].filename, "notes.txt");
	assert_int_equal(d.att[0].len, 11);
	assert_memory_equal(d.att[0].data, "some notes\n", 11);
	assert_true(d.ours);
	compose_draft_free(&d);
	compose_out_free(&out);
	/* Another program's draft is not ours to replace. */
	static const char other[] = "From: x@example.com\r\nSubject: s\r\n"
				    "User-Agent: Thunderbird\r\n\r\nbody\r\n";
	assert_int_equal(compose_draft_parse(other, sizeof(other) - 1, &d), 0);
	assert_false(d.ours);
	compose_draft_free(&d);
	/* A From that is no mail address still makes a draft. */
	m.from_addr = "jdoe";
	assert_int_equal(compose_build(&m, &out, NULL), 0);
	assert_non_null(strstr(out.raw.buf, "draft@draft.invalid"));
	compose_out_free(&out);
	m.from_addr = "jane@example.com";
	/* A draft needs no recipient; a message does. */
	m.to = m.bcc = "";
	assert_int_equal(compose_build(&m, &out, NULL), 0);
	compose_out_free(&out);
	m.draft = 0;
	assert_int_equal(compose_build(&m, &out, NULL), -1);
	compose_out_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_subjects),
		cmocka_unit_test(test_attribution),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_reply_recipients),
		cmocka_unit_test(test_flowed),
		cmocka_unit_test(test_build_plain),
		cmocka_unit_test(test_build_long_headers_fold),
		cmocka_unit_test(test_build_attachments),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_start_reply),
		cmocka_unit_test(test_start_forward),
		cmocka_unit_test(test_draft_round_trip),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests_name("compose", tests, NULL, NULL);
}
