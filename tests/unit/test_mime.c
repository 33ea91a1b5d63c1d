/*
 * Unit tests for index/mime.c: messages rendered for the pager. The
 * messages are in tests/corpus/mime/ (paths relative to the repository
 * root, where "make unit" runs).
 */
#include <dirent.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "index/index.h"
#include "util/buf.h"
#include "util/sanitize.h"

#define CORPUS "tests/corpus/mime/"

/* Reads a whole file into b. */
static void
slurp(const char *path, struct buf *b)
{
	char tmp[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		fail_msg("cannot open '%s'", path);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(b, tmp, n);
	fclose(f);
}

/*
 * Fails unless s is valid UTF-8 with nothing a terminal would act on: no
 * C0 control (but '\n' where newlines are allowed), no DEL, no C1
 * control, no bidi embedding, override or isolate.
 */
static void
assert_clean(const char *s, int newlines)
{
	size_t len = strlen(s), i = 0;
	uint32_t cp;
	int n;

	while (i < len) {
		n = san_utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n < 0)
			fail_msg("invalid UTF-8 at %zu in '%s'", i, s);
		i += (size_t)n;
		if (cp == '\n' && newlines)
			continue;
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
		    (cp >= 0x202A && cp <= 0x202E) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			fail_msg("U+%04X at %zu in '%s'", (unsigned)cp, i, s);
	}
}

/* Fails unless every string of v is clean. */
static void
assert_view_clean(const struct mime_view *v)
{
	size_t i;

	assert_clean(v->body.buf, 1);
	for (i = 0; i < v->n_headers; i++) {
		assert_clean(v->headers[i].name, 0);
		assert_clean(v->headers[i].value, 0);
	}
	for (i = 0; i < v->n_attachments; i++) {
		assert_clean(v->attachments[i].filename, 0);
		assert_clean(v->attachments[i].type, 0);
	}
	if (v->body.len)
		assert_int_equal(v->body.buf[v->body.len - 1], '\n');
}

/* Renders the corpus file name into v. */
static void
render_file(const char *name, enum mime_pref pref, struct mime_view *v)
{
	struct buf raw = BUF_INIT, path = BUF_INIT;

	buf_addf(&path, "%s%s", CORPUS, name);
	slurp(path.buf, &raw);
	assert_int_equal(mime_render(raw.buf, raw.len, pref, v), 0);
	assert_view_clean(v);
	buf_release(&raw);
	buf_release(&path);
}

static char flowed_out[4096];

static const char *
flowed(const char *in, int delsp)
{
	struct buf b = BUF_INIT;

	assert_int_equal(flowed_to_text(in, strlen(in), delsp, &b), 0);
	snprintf(flowed_out, sizeof(flowed_out), "%s", b.buf);
	buf_release(&b);
	return flowed_out;
}

static void
test_flowed_text(void **state)
{
	(void)state;
	assert_string_equal(flowed("one \r\ntwo \r\nthree\r\nfixed\r\n", 0),
			    "one two three\nfixed\n");
	assert_string_equal(flowed("> a \n> b\n>> c \n>> d\n", 0),
			    "> a b\n>> c d\n");
	/* A depth change ends the paragraph; its soft break goes. */
	assert_string_equal(flowed(">> x \n> y\n", 0), ">> x\n> y\n");
	assert_string_equal(flowed("Super \ncali \nfragilistic\n", 1),
			    "Supercalifragilistic\n");
	/* The signature separator is never flowed, nor joined. */
	assert_string_equal(flowed("Best, \n-- \nSig \nname\n", 0),
			    "Best,\n-- \nSig name\n");
	/* Space-stuffing undone, empty quoted lines kept. */
	assert_string_equal(flowed(" From here\n>\n> x\n", 0),
			    "From here\n>\n> x\n");
	assert_string_equal(flowed("no final newline ", 0),
			    "no final newline\n");
	assert_string_equal(flowed("", 0), "");
}

static void
test_flowed_message(void **state)
{
	struct mime_view v;

	(void)state;
	render_file("flowed.eml", MIME_PREFER_TEXT, &v);
	assert_int_equal(v.raw, 0);
	assert_string_equal(
		v.body.buf,
		"Dear Jane, I read it twice. The first paragraph is strong; "
		"I would cut the related-work list.\n"
		"From the start: space-stuffed.\n"
		"\n"
		">> Could you take a look at my proposal? The deadline is "
		"next Friday.\n"
		"> Sure, send it over, but note that I am travelling.\n"
		"Quote depth changed: this line does not join the one above.\n"
		">> A flowed line whose depth changes is fixed.\n"
		"> This starts a new quoted line.\n"
		"\n"
		"Best, Helen\n"
		"-- \n"
		"Dr. Helen Park\n");
	mime_view_free(&v);
	render_file("flowed-delsp.eml", MIME_PREFER_TEXT, &v);
	assert_string_equal(v.body.buf, "Supercalifragilistic.\n"
					"日本語のテキストです。\n");
	mime_view_free(&v);
}

static void
test_rfc2047_headers(void **state)
{
	struct mime_view v;
	char *s;

	(void)state;
	render_file("rfc2047.eml", MIME_PREFER_TEXT, &v);
	assert_string_equal(mime_view_header(&v, "from"),
			    "Zoë Müller <zoe.mueller@example.de>");
	assert_string_equal(mime_view_header(&v, "To"),
			    "Jörg Schäfer <joerg@example.de>");
	assert_string_equal(mime_view_header(&v, "Subject"),
			    "Grüße aus München – Fotos - broken word - café");
	assert_string_equal(mime_view_header(&v, "X-Sjis"), "日本語");
	assert_null(mime_view_header(&v, "Cc"));
	assert_string_equal(v.body.buf, "Hallo Jane.\n");
	mime_view_free(&v);

	s = mime_decode_header("=?utf-8?q?caf=C3=A9?=\r\n\t=?UTF-8?Q?_au_lait?=");
	assert_string_equal(s, "café au lait");
	free(s);
	/* Adjacent padded B words (GMime 3.2.13 lost all but the first). */
	s = mime_decode_header("=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=");
	assert_string_equal(s, "Hello world");
	free(s);
	/* A character split between two unpadded B words. */
	s = mime_decode_header("=?utf-8?B?5Lit5?= =?utf-8?B?paH?=");
	assert_string_equal(s, "中文");
	free(s);
	s = mime_decode_header("=?x-no-such-charset?q?abc?= "
			       "=?utf-8?q?=1B]0;title=07?= =?utf-8?b?4oCu?=x");
	assert_clean(s, 0);
	assert_null(strchr(s, '\x1b'));
	free(s);
	s = mime_decode_header(NULL);
	assert_string_equal(s, "");
	free(s);
	s = mime_decode_header("  plain\n   folded  ");
	assert_string_equal(s, "plain folded");
	free(s);
}

static void
test_latin1_qp(void **state)
{
	struct mime_view v;

	(void)state;
	render_file("latin1-qp.eml", MIME_PREFER_TEXT, &v);
	assert_string_equal(mime_view_header(&v, "Subject"),
			    "Réunion jeudi à 14h30");
	assert_string_equal(mime_view_header(&v, "From"),
			    "Amélie Durand <amelie.durand@example.fr>");
	assert_string_equal(v.body.buf,
			    "Réunion de l'équipe jeudi à 14h30 dans la salle "
			    "« Océan », au deuxième étage.\n"
			    "Prix : 5 € le café.\n");
	mime_view_free(&v);
}

static void
test_shift_jis(void **state)
{
	struct mime_view v;

	(void)state;
	render_file("sjis.eml", MIME_PREFER_TEXT, &v);
	assert_string_equal(mime_view_header(&v, "Subject"), "出張報告書");
	assert_string_equal(mime_view_header(&v, "From"),
			    "山田太郎 <taro.yamada@example.jp>");
	assert_string_equal(v.body.buf,
			    "山田です。\n"
			    "先週の大阪出張の報告書をお送りします。\n"
			    "～よろしくお願いします～\n");
	mime_view_free(&v);
}

static void
test_base64_and_invalid_utf8(void **state)
{
	static const char undeclared[] = "From: a@example.com\n"
					 "Content-Type: text/plain\n\n"
					 "caf\xE9 5 \x80\n";
	static const char unknown[] = "From: a@example.com\n"
				      "Content-Type: text/plain; "
				      "charset=x-no-such-charset\n\n"
				      "caf\xC3\xA9\n";
	struct mime_view v;

	(void)state;
	render_file("base64.eml", MIME_PREFER_TEXT, &v);
	assert_string_equal(v.body.buf,
			    "Grüße aus München 🎉\nZweite Zeile.\n");
	assert_int_equal(v.n_attachments, 0);
	mime_view_free(&v);
	render_file("utf8-invalid.eml", MIME_PREFER_TEXT, &v);
	assert_string_equal(v.body.buf,
			    "ok é bad \xEF\xBF\xBD\xEF\xBF\xBD end\n");
	mime_view_free(&v);
	/* No charset, or one iconv does not know: UTF-8, else cp1252. */
	assert_int_equal(mime_render(undeclared, sizeof(undeclared) - 1,
				     MIME_PREFER_TEXT, &v),
			 0);
	assert_string_equal(v.body.buf, "caf\xC3\xA9 5 \xE2\x82\xAC\n");
	mime_view_free(&v);
	assert_int_equal(mime_render(unknown, sizeof(unknown) - 1,
				     MIME_PREFER_TEXT, &v),
			 0);
	assert_string_equal(v.body.buf, "caf\xC3\xA9\n");
	mime_view_free(&v);
}

static void
test_alternative(void **state)
{
	struct mime_view v;

	(void)state;
	render_file("alternative.eml", MIME_PREFER_TEXT, &v);
	assert_int_equal(v.had_html, 1);
	assert_int_equal(v.raw, 0);
	assert_string_equal(v.body.buf, "Plain: your order is on its way.\n");
	assert_int_equal(v.n_attachments, 0);
	mime_view_free(&v);
	render_file("alternative.eml", MIME_PREFER_HTML, &v);
	assert_int_equal(v.had_html, 1);
	assert_string_equal(v.body.buf,
			    "HTML: your order is on its way.\n\n"
			    "Track it [1]\n\n"
			    "[1] https://shop.example.com/track/A-1\n");
	mime_view_free(&v);
	render_file("html-only.eml", MIME_PREFER_TEXT, &v);
	assert_int_equal(v.had_html, 1);
	assert_string_equal(v.body.buf, "Only HTML [1] here.\n\n[image: logo]\n"
					"\n[1] https://example.net/a\n");
	mime_view_free(&v);
}

static void
test_attachments(void **state)
{
	struct mime_view v;
	struct mime_attachment *a;

	(void)state;
	render_file("attachments.eml", MIME_PREFER_TEXT, &v);
	assert_int_equal(v.raw, 0);
	assert_string_equal(v.body.buf,
			    "Anbei die Unterlagen.\n\nSecond inline part.\n");
	assert_int_equal(v.n_attachments, 3);
	a = &v.attachments[0];
	/* RFC 2231 continuations win over the Content-Type name. */
	assert_string_equal(a->filename, "Präsentation_Übersicht.pdf");
	assert_string_equal(a->type, "application/pdf");
	/* 3088 bytes, estimated from the base64 text. */
	assert_in_range(a->size, 3000, 3180);
	assert_int_equal(a->part, 2);
	a = &v.attachments[1];
	assert_string_equal(a->filename, "写真.png");
	assert_string_equal(a->type, "image/png");
	assert_in_range(a->size, 60, 80);
	assert_int_equal(a->part, 3);
	a = &v.attachments[2];
	assert_string_equal(a->filename, "notes.txt");
	assert_string_equal(a->type, "text/plain");
	assert_int_equal(a->size, 16);
	assert_int_equal(a->part, 4);
	mime_view_free(&v);
}

static void
test_message_rfc822(void **state)
{
	struct mime_view v;

	(void)state;
	render_file("rfc822.eml", MIME_PREFER_TEXT, &v);
	assert_string_equal(mime_view_header(&v, "From"),
			    "José Ñúñez <jose.nunez@example.es>");
	assert_int_equal(v.n_attachments, 1);
	assert_string_equal(v.attachments[0].type, "message/rfc822");
	assert_string_equal(v.attachments[0].filename, "Your booking MAD→LIS");
	assert_int_equal(v.attachments[0].part, 2);
	assert_true(v.attachments[0].size > 200);
	assert_string_equal(v.body.buf,
			    "Forwarding the booking.\n\n"
			    "---------- Attached message ----------\n"
			    "From: Meseta Air <bookings@air.example.es>\n"
			    "To: jose.nunez@example.es\n"
			    "Date: Sun, 04 Oct 2026 10:00:00 +0100\n"
			    "Subject: Your booking MAD→LIS\n\n"
			    "Booking reference: QX7P2L\n");
	mime_view_free(&v);
}

static void
test_broken_shown_raw(void **state)
{
	static const char garbage[] = "\x00\x01\xff\xfe\x1b[2J no headers\n";
	static const char headers_only[] = "Subject: only\n";
	struct mime_view v;

	(void)state;
	render_file("broken.eml", MIME_PREFER_TEXT, &v);
	assert_int_equal(v.raw, 1);
	assert_string_equal(mime_view_header(&v, "Subject"), "broken MIME");
	assert_non_null(strstr(v.body.buf, "Subject: broken MIME\n"));
	assert_non_null(strstr(v.body.buf, "not the declared one."));
	mime_view_free(&v);

	assert_int_equal(mime_render(garbage, sizeof(garbage) - 1,
				     MIME_PREFER_TEXT, &v),
			 0);
	assert_int_equal(v.raw, 1);
	assert_view_clean(&v);
	assert_non_null(strstr(v.body.buf, "[2J no headers"));
	mime_view_free(&v);

	assert_int_equal(mime_render("", 0, MIME_PREFER_TEXT, &v), 0);
	assert_int_equal(v.raw, 1);
	assert_string_equal(v.body.buf, "");
	mime_view_free(&v);

	assert_int_equal(mime_render(headers_only, sizeof(headers_only) - 1,
				     MIME_PREFER_HTML, &v),
			 0);
	assert_int_equal(v.raw, 0);
	assert_string_equal(mime_view_header(&v, "subject"), "only");
	assert_string_equal(v.body.buf, "");
	mime_view_free(&v);
	/* Freeing twice is harmless. */
	mime_view_free(&v);
}

static void
test_escape_attack(void **state)
{
	struct mime_view v;
	size_t i;

	(void)state;
	render_file("attack.eml", MIME_PREFER_TEXT, &v);
	assert_int_equal(v.raw, 0);
	for (i = 0; i < v.body.len; i++) {
		assert_int_not_equal(v.body.buf[i], '\x1b');
		assert_int_not_equal(v.body.buf[i], '\x07');
	}
	assert_null(strstr(v.body.buf, "\xC2\x9B"));
	assert_null(strstr(v.body.buf, "\xE2\x80\xAE"));
	/* The raw 0x9b byte in declared UTF-8 is U+FFFD. */
	assert_non_null(strstr(v.body.buf, "Raw 0x9b byte: \xEF\xBF\xBD" "31m"));
	assert_string_equal(mime_view_header(&v, "Subject"),
			    "]0;PWNED raw [2J and 2J and evil");
	assert_string_equal(mime_view_header(&v, "From"),
			    "Mallory ]0;evil <mallory@attacker.example>");
	mime_view_free(&v);
}

/*
 * Every message of the demo corpus (tests/corpus/gen-demo.py) renders,
 * clean, and none is shown raw; the hostile one loses its escapes.
 */
static void
test_demo_corpus(void **state)
{
	char dir[] = "/tmp/tuimail-demo-XXXXXX";
	struct buf cmd = BUF_INIT, path = BUF_INIT, raw = BUF_INIT;
	struct mime_view v;
	struct dirent *e;
	DIR *d;
	int n = 0, pref;

	(void)state;
	if (access("/usr/bin/python3", X_OK) != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	buf_addf(&cmd,
		 "/usr/bin/python3 tests/corpus/gen-demo.py %s "
		 "--now 2026-01-01 >/dev/null",
		 dir);
	assert_int_equal(system(cmd.buf), 0);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_reset(&raw);
		buf_addf(&path, "%s/%s", dir, e->d_name);
		slurp(path.buf, &raw);
		for (pref = MIME_PREFER_TEXT; pref <= MIME_PREFER_HTML;
		     pref++) {
			assert_int_equal(mime_render(raw.buf, raw.len, pref,
						     &v),
					 0);
			assert_view_clean(&v);
			if (v.raw)
				fail_msg("'%s' shown raw", e->d_name);
			assert_non_null(mime_view_header(&v, "From"));
			mime_view_free(&v);
		}
		unlink(path.buf);
		n++;
	}
	closedir(d);
	rmdir(dir);
	assert_int_equal(n, 200);
	buf_release(&cmd);
	buf_release(&path);
	buf_release(&raw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flowed_text),
		cmocka_unit_test(test_flowed_message),
		cmocka_unit_test(test_rfc2047_headers),
		cmocka_unit_test(test_latin1_qp),
		cmocka_unit_test(test_shift_jis),
		cmocka_unit_test(test_base64_and_invalid_utf8),
		cmocka_unit_test(test_alternative),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_message_rfc822),
		cmocka_unit_test(test_broken_shown_raw),
		cmocka_unit_test(test_escape_attack),
		cmocka_unit_test(test_demo_corpus),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
