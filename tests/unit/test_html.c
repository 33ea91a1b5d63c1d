/* Unit tests for index/html.c: HTML mail as text, nothing fetched. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "index/index.h"
#include "util/buf.h"

static char text[16384];

/* Renders html and returns the text (in a static buffer). */
static const char *
render_len(const char *html, size_t len)
{
	struct buf b = BUF_INIT;

	assert_int_equal(html_to_text(html, len, &b), 0);
	snprintf(text, sizeof(text), "%s", b.buf);
	buf_release(&b);
	return text;
}

static const char *
render(const char *html)
{
	return render_len(html, strlen(html));
}

static void
test_paragraphs(void **state)
{
	(void)state;
	assert_string_equal(render("<p>One</p><p>Two<br>Three</p>"
				   "<div>Four</div>five"),
			    "One\n\nTwo\nThree\n\nFour\nfive\n");
	assert_string_equal(render("<html><body><h1>Title</h1>"
				   "<p>Body text.</p><hr><p>After</p>"
				   "</body></html>"),
			    "Title\n\nBody text.\n\n----\n\nAfter\n");
	assert_string_equal(render("<blockquote><p>quoted</p>"
				   "<p>twice</p></blockquote><p>reply</p>"),
			    "> quoted\n\n> twice\n\nreply\n");
}

static void
test_whitespace(void **state)
{
	(void)state;
	assert_string_equal(render("<p>  a \n\t  b  </p>"), "a b\n");
	assert_string_equal(render("<b>bold</b> <i>italic</i>"),
			    "bold italic\n");
	assert_string_equal(render("a<span>b</span>c"), "abc\n");
	assert_string_equal(render("<pre>\n  x = 1;\n    y\n</pre>after"),
			    "  x = 1;\n    y\n\nafter\n");
	assert_string_equal(render("<table><tr><td>a</td><td>b</td></tr>"
				   "<tr><th>c</th><td>d</td></tr></table>"),
			    "a  b\nc  d\n");
}

static void
test_lists(void **state)
{
	(void)state;
	assert_string_equal(render("<p>Intro</p><ul><li>one</li><li>two"
				   "<ul><li>nested</li></ul></li></ul>"
				   "<ol><li>first</li><li>second</li></ol>"),
			    "Intro\n\n- one\n- two\n  - nested\n\n"
			    "1. first\n2. second\n");
	assert_string_equal(render("<ol start=\"7\"><li>seven<li>eight</ol>"),
			    "7. seven\n8. eight\n");
}

static void
test_entities(void **state)
{
	(void)state;
	assert_string_equal(render("<p>&amp; &lt;b&gt; &eacute;t&eacute; "
				   "&#x263A; &#233; &quot;q&quot; "
				   "a&nbsp;&nbsp;b</p>"),
			    "& <b> été ☺ é \"q\" a  b\n");
}

static void
test_dropped(void **state)
{
	(void)state;
	assert_string_equal(render("<html><head><title>T</title>"
				   "<style>p { color: red }</style>"
				   "<script>alert('x')</script></head>"
				   "<body><script type=\"text/javascript\">"
				   "document.write('no')</script>"
				   "<p>shown</p><div style=\"display: none\">"
				   "preheader</div><span hidden>h</span>"
				   "<template>t</template><!-- comment -->"
				   "</body></html>"),
			    "shown\n");
}

static void
test_links(void **state)
{
	(void)state;
	assert_string_equal(
		render("<p>See <a href=\"https://example.com/a\">the docs</a>"
		       " and <a href=\"https://example.com/b\">more</a>, "
		       "<a href=\"https://example.com/a\">again</a>.</p>"
		       "<p><a href=\"https://example.com/\">"
		       "https://example.com</a> "
		       "<a href=\"mailto:jane@example.com\">jane@example.com"
		       "</a> <a href=\"javascript:evil()\">js</a> "
		       "<a href=\"/relative\">rel</a> "
		       "<a href=\"mailto:bob@example.com\">Bob</a></p>"),
		"See the docs [1] and more [2], again [1].\n\n"
		"https://example.com jane@example.com js rel Bob [3]\n\n"
		"[1] https://example.com/a\n"
		"[2] https://example.com/b\n"
		"[3] mailto:bob@example.com\n");
}

static void
test_images(void **state)
{
	(void)state;
	assert_string_equal(
		render("<img src=\"https://x.example/logo.png\" alt=\"Logo\">"
		       "<p>text <img src=\"cid:part1\"> "
		       "<img src=\"https://t.example/p.gif\" alt=\"\"></p>"
		       "<a href=\"https://shop.example/\"><img "
		       "src=\"https://x.example/b.png\" alt=\"Buy\"></a>"),
		"[image: Logo]\n\ntext [image]\n\n[image: Buy] [1]\n\n"
		"[1] https://shop.example/\n");
}

/*
 * Nothing in a message may make the renderer open a connection or a
 * file: a listening socket must see no connection, and a local file's
 * contents must not appear, whatever points at them.
 */
static void
test_nothing_fetched(void **state)
{
	char path[] = "/tmp/tuimail-html-XXXXXX", html[4096];
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int lfd, ffd, c;
	unsigned port;

	(void)state;
	ffd = mkstemp(path);
	assert_true(ffd >= 0);
	assert_int_equal(write(ffd, "SECRET-LOCAL-FILE", 17), 17);
	close(ffd);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	snprintf(html, sizeof(html),
		 "<!DOCTYPE html SYSTEM \"http://127.0.0.1:%u/dtd\" ["
		 "<!ENTITY ext SYSTEM \"file://%s\">]>"
		 "<html><head><link rel=\"stylesheet\" "
		 "href=\"http://127.0.0.1:%u/css\">"
		 "<script src=\"http://127.0.0.1:%u/js\"></script></head>"
		 "<body background=\"http://127.0.0.1:%u/bg\">"
		 "<p>before &ext; after</p>"
		 "<img src=\"http://127.0.0.1:%u/pixel.gif\" alt=\"remote\">"
		 "<img src=\"file://%s\" alt=\"local\">"
		 "<iframe src=\"file://%s\"></iframe>"
		 "<object data=\"http://127.0.0.1:%u/obj\"></object>"
		 "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
		 "href=\"file://%s\"/>"
		 "</body></html>",
		 port, path, port, port, port, port, path, path, port, path);
	render(html);
	assert_non_null(strstr(text, "[image: remote]"));
	assert_non_null(strstr(text, "[image: local]"));
	assert_null(strstr(text, "SECRET"));
	c = accept(lfd, NULL, NULL);
	assert_int_equal(c, -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(lfd);
	unlink(path);
}

static void
test_broken(void **state)
{
	static const char bad[] = "<p>ok \xff\xfe bad\0nul <b>x</p>";
	struct buf b = BUF_INIT;
	char *deep;
	size_t i;

	(void)state;
	render("<p>unclosed <b>bold <table><tr><td>cell</div></span>"
	       "&&& &#0; &#xD800; &#99999999; <a href='http://x.example/'>y"
	       "<li>stray<td>cell</html><p>after the end");
	assert_non_null(strstr(text, "unclosed bold"));
	assert_non_null(strstr(text, "after the end"));
	assert_string_equal(render(""), "");
	assert_string_equal(render("   \n  "), "");
	render_len(bad, sizeof(bad) - 1);
	assert_non_null(strstr(text, "ok \xEF\xBF\xBD\xEF\xBF\xBD bad"));
	assert_non_null(strstr(text, "nul x"));
	/* A UTF-8 document that claims another charset stays UTF-8. */
	assert_string_equal(render("<meta charset=\"iso-8859-1\"><p>caf\xC3\xA9"
				   "</p>"),
			    "caf\xC3\xA9\n");
	/*
	 * Deep nesting must not exhaust the stack. libxml2 stops parsing
	 * at 256 open elements (without HTML_PARSE_HUGE): what came before
	 * is still shown.
	 */
	deep = malloc(200000 * 5 + 32);
	assert_non_null(deep);
	strcpy(deep, "<p>start</p>");
	for (i = 0; i < 200000; i++)
		memcpy(deep + 12 + i * 5, "<div>", 5);
	strcpy(deep + 12 + i * 5, "deep");
	assert_int_equal(html_to_text(deep, strlen(deep), &b), 0);
	assert_string_equal(b.buf, "start\n");
	buf_release(&b);
	free(deep);
}

static void
test_appends(void **state)
{
	struct buf b = BUF_INIT;
	static const char html[] = "<p>x <a href=\"https://e.example/\">l</a>";

	(void)state;
	buf_adds(&b, "before\n");
	assert_int_equal(html_to_text(html, sizeof(html) - 1, &b), 0);
	assert_string_equal(b.buf, "before\nx l [1]\n\n[1] https://e.example/\n");
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paragraphs),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_images),
		cmocka_unit_test(test_nothing_fetched),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
