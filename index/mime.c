/*
 * mime.c: a raw message rendered for the pager (see index.h).
 *
 * GMime parses the message. Its headers are decoded to UTF-8 (RFC 2047,
 * raw 8-bit text through fallback charsets), unfolded and sanitised. The
 * MIME tree is walked once in document order: text parts that are meant
 * to be read are converted to UTF-8 and appended to the body (text/plain
 * honouring format=flowed, text/html through html.c), every other part
 * is listed as an attachment. multipart/alternative shows one of its
 * parts, by the caller's preference. A message GMime cannot make sense of
 * is shown raw. The body is sanitised as a whole at the end, so no escape
 * sequence or control character from a message reaches the terminal.
 *
 * Parts are numbered in a depth-first walk of the tree, the message's own
 * body being part 0 and the parts of attached messages counted too; the
 * number is what mime_attachment.part holds for saving a part later.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "index/index.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/sanitize.h"

#define MIME_MAX_DEPTH 32 /* nesting of multiparts and messages */
#define MIME_UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* The state of one rendering; text is not sanitised yet. */
struct mime_walk {
	struct buf text;	     /* UTF-8 body, owned */
	struct mime_attachment *att; /* owned */
	size_t n_att, alloc_att;
	enum mime_pref pref;
	int part;  /* number of the next part in the depth-first walk */
	int shown; /* text parts added to text */
	int had_html;
};

/* What a part of a multipart/alternative offers. */
enum mime_kind { MIME_KIND_OTHER, MIME_KIND_TEXT, MIME_KIND_HTML };

/* Charsets whose everyday use is a larger Windows charset (WHATWG). */
static const struct {
	const char *name;
	const char *iconv;
} mime_charset_map[] = {
	{ "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" },
	{ "iso_8859-1", "WINDOWS-1252" }, { "latin1", "WINDOWS-1252" },
	{ "l1", "WINDOWS-1252" },	  { "cp819", "WINDOWS-1252" },
	{ "iso-8859-9", "WINDOWS-1254" }, { "latin5", "WINDOWS-1254" },
	{ "shift_jis", "CP932" },	  { "shift-jis", "CP932" },
	{ "sjis", "CP932" },		  { "x-sjis", "CP932" },
	{ "ms_kanji", "CP932" },	  { "windows-31j", "CP932" },
	{ "gb2312", "GB18030" },	  { "gbk", "GB18030" },
	{ "x-gbk", "GB18030" },		  { "euc-cn", "GB18030" },
	{ "euc-kr", "CP949" },		  { "ks_c_5601-1987", "CP949" },
};

static GMimeParserOptions *mime_opts; /* for the life of the process */

/* Starts GMime once and sets up lenient parser options. */
static void
mime_init(void)
{
	static const char *fallback[] = { "UTF-8", "windows-1252", NULL };

	if (mime_opts)
		return;
	g_mime_init();
	mime_opts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(
		mime_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(
		mime_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(
		mime_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(mime_opts, fallback);
}

/*
 * Appends in[0..len) converted by cd to out. A byte iconv cannot convert
 * becomes U+FFFD and conversion goes on after it.
 */
static void
mime_iconv(iconv_t cd, const char *in, size_t len, struct buf *out)
{
	char *ip = (char *)in, *op;
	size_t il = len, ol, r;

	while (il > 0) {
		buf_grow(out, il * 2 + 16);
		op = out->buf + out->len;
		ol = out->alloc - out->len - 1;
		r = iconv(cd, &ip, &il, &op, &ol);
		out->len = (size_t)(op - out->buf);
		out->buf[out->len] = '\0';
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		if (errno != EILSEQ && errno != EINVAL)
			break;
		buf_adds(out, MIME_UTF8_REPLACEMENT);
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	buf_grow(out, 16);
	op = out->buf + out->len;
	ol = out->alloc - out->len - 1;
	iconv(cd, NULL, NULL, &op, &ol);
	out->len = (size_t)(op - out->buf);
	out->buf[out->len] = '\0';
}

/* Returns 1 for charset names that say ASCII or nothing in particular. */
static int
mime_charset_vague(const char *cs)
{
	static const char *const names[] = {
		"us-ascii",	"ascii",   "ansi_x3.4-1968", "x-unknown",
		"unknown-8bit", "unknown", "default",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(cs, names[i]) == 0)
			return 1;
	return 0;
}

/*
 * Appends in[0..len), in charset cs (NULL when the part named none), to
 * out as UTF-8. Undeclared or ASCII text that is not valid UTF-8 is taken
 * as windows-1252; declared UTF-8 is copied as it is, its invalid bytes
 * left for the sanitiser to replace. An unknown charset is treated as
 * undeclared. CR before LF is dropped.
 */
static void
mime_to_utf8(const char *cs, const char *in, size_t len, struct buf *out)
{
	const char *name = NULL;
	struct buf tmp = BUF_INIT;
	iconv_t cd = (iconv_t)-1;
	size_t i, j;

	if (cs && (strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0))
		name = "UTF-8";
	else if (cs == NULL || *cs == '\0' || mime_charset_vague(cs))
		name = san_utf8_valid(in, len) ? "UTF-8" : "WINDOWS-1252";
	if (name == NULL) {
		for (i = 0; i < sizeof(mime_charset_map) /
					sizeof(mime_charset_map[0]);
		     i++)
			if (strcasecmp(cs, mime_charset_map[i].name) == 0)
				name = mime_charset_map[i].iconv;
		if (name)
			cd = iconv_open("UTF-8", name);
		if (cd == (iconv_t)-1)
			cd = iconv_open("UTF-8", g_mime_charset_iconv_name(cs));
		if (cd == (iconv_t)-1)
			name = san_utf8_valid(in, len) ? "UTF-8"
						     : "WINDOWS-1252";
	}
	if (cd == (iconv_t)-1 && strcmp(name, "UTF-8") != 0)
		cd = iconv_open("UTF-8", name);
	if (cd != (iconv_t)-1) {
		mime_iconv(cd, in, len, &tmp);
		iconv_close(cd);
		in = tmp.buf;
		len = tmp.len;
	}
	buf_grow(out, len);
	for (i = 0; i < len; i = j + 1) {
		for (j = i; j < len && in[j] != '\r'; j++)
			;
		buf_add(out, in + i, j - i);
		if (j < len && (j + 1 >= len || in[j + 1] != '\n'))
			buf_addch(out, '\r');
	}
	buf_release(&tmp);
}

/* Appends raw[0..len) with runs of white space made one space, trimmed. */
static void
mime_squeeze(struct buf *out, const char *raw, size_t len)
{
	size_t i;
	int space = 0;

	for (i = 0; i < len; i++) {
		if (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' ||
		    raw[i] == '\n') {
			space = 1;
			continue;
		}
		if (space && out->len)
			buf_addch(out, ' ');
		space = 0;
		buf_addch(out, raw[i]);
	}
}

/* One RFC 2047 encoded word: =?charset?encoding?text?= */
struct mime_word {
	const char *charset, *text, *end; /* end: just after "?=" */
	size_t charset_len, text_len;
	char encoding;
};

/* Returns 1 when an encoded word without white space starts at p. */
static int
mime_word_at(const char *p, struct mime_word *w)
{
	const char *q, *e;

	if (p[0] != '=' || p[1] != '?')
		return 0;
	q = strchr(p + 2, '?');
	if (q == NULL || q[1] == '\0' || q[2] != '?')
		return 0;
	e = strstr(q + 3, "?=");
	if (e == NULL || memchr(p, ' ', (size_t)(e - p)) != NULL)
		return 0;
	w->charset = p + 2;
	w->charset_len = (size_t)(q - w->charset);
	w->encoding = q[1];
	w->text = q + 3;
	w->text_len = (size_t)(e - w->text);
	w->end = e + 2;
	return 1;
}

/* Decodes the base64 text in b64 and appends the bytes to out. */
static void
mime_base64(struct buf *out, struct buf *b64)
{
	gint state = 0;
	guint save = 0;
	gsize n;

	buf_grow(out, b64->len / 4 * 3 + 3);
	n = g_base64_decode_step(b64->buf, b64->len,
				 (guchar *)out->buf + out->len, &state, &save);
	out->len += n;
	out->buf[out->len] = '\0';
	buf_reset(b64);
}

/*
 * Appends raw header text to out with every run of adjacent base64
 * encoded words of one charset merged into a single word. GMime 3.2.13
 * decodes such a run as one base64 stream, so '=' padding in the first
 * word swallowed the rest ("=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?="
 * came out as "Hello"; GMime issue 133, fixed after that release). Here
 * padding ends a stream and the next word starts a new one, while words
 * without padding still continue each other, which rescues a character
 * or a quantum split between two words.
 */
static void
mime_fix_b_words(struct buf *out, const char *raw)
{
	struct buf b64 = BUF_INIT, bytes = BUF_INIT;
	struct mime_word w, next;
	const char *p = raw, *at, *s;
	gchar *enc;
	int words;

	while ((at = strstr(p, "=?")) != NULL) {
		if (strstr(at + 2, "?=") == NULL)
			break;
		buf_add(out, p, (size_t)(at - p));
		if (!mime_word_at(at, &w)) {
			buf_add(out, at, 2);
			p = at + 2;
			continue;
		}
		p = w.end;
		if (w.encoding != 'B' && w.encoding != 'b') {
			buf_add(out, at, (size_t)(p - at));
			continue;
		}
		buf_reset(&bytes);
		buf_add(&b64, w.text, w.text_len);
		if (memchr(w.text, '=', w.text_len))
			mime_base64(&bytes, &b64);
		for (words = 1;; words++) {
			for (s = p; *s == ' ' || *s == '\t'; s++)
				;
			if (!mime_word_at(s, &next) ||
			    (next.encoding != 'B' && next.encoding != 'b') ||
			    next.charset_len != w.charset_len ||
			    strncasecmp(next.charset, w.charset,
					w.charset_len) != 0)
				break;
			buf_add(&b64, next.text, next.text_len);
			if (memchr(next.text, '=', next.text_len))
				mime_base64(&bytes, &b64);
			p = next.end;
		}
		mime_base64(&bytes, &b64);
		if (words == 1 && memchr(w.text, '=', w.text_len) == NULL) {
			buf_add(out, at, (size_t)(p - at));
			continue;
		}
		enc = g_base64_encode((const guchar *)bytes.buf, bytes.len);
		buf_addf(out, "=?%.*s?B?%s?=", (int)w.charset_len, w.charset,
			 enc);
		g_free(enc);
	}
	buf_adds(out, p);
	buf_release(&b64);
	buf_release(&bytes);
}

/*
 * Returns raw header text (encoded words, folding, maybe raw 8-bit) as
 * one line of sanitised UTF-8, white space squeezed. NULL gives "". The
 * caller frees the result with free(); it is never NULL.
 */
char *
mime_decode_header(const char *raw)
{
	struct buf sq = BUF_INIT, fixed = BUF_INIT, out = BUF_INIT;
	char *dec;

	mime_init();
	if (raw == NULL)
		raw = "";
	mime_squeeze(&sq, raw, strlen(raw));
	mime_fix_b_words(&fixed, sq.buf);
	dec = g_mime_utils_header_decode_text(mime_opts, fixed.buf);
	buf_reset(&sq);
	if (dec) {
		mime_squeeze(&sq, dec, strlen(dec));
		g_free(dec);
	}
	san_text(&out, sq.buf, sq.len, 0);
	buf_rtrim(&out);
	buf_release(&sq);
	buf_release(&fixed);
	return buf_detach(&out, NULL);
}

/* Returns a sanitised copy of s for the view; the caller frees it. */
static char *
mime_clean(const char *s)
{
	struct buf b = BUF_INIT;

	if (s)
		san_text(&b, s, strlen(s), 0);
	return buf_detach(&b, NULL);
}

/* Returns 1 when obj's Content-Type is type/subtype (case-insensitive). */
static int
mime_is(GMimeObject *obj, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	if (ct == NULL)
		return 0;
	return g_mime_content_type_is_type(ct, type, subtype);
}

/* Returns the number of parts under obj, obj included. */
static int
mime_count(GMimeObject *obj, int depth)
{
	GMimeMessage *msg;
	int i, n = 1;

	if (depth > MIME_MAX_DEPTH)
		return 1;
	if (GMIME_IS_MULTIPART(obj)) {
		for (i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		     i++)
			n += mime_count(g_mime_multipart_get_part(
						GMIME_MULTIPART(obj), i),
					depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (msg && g_mime_message_get_mime_part(msg))
			n += mime_count(g_mime_message_get_mime_part(msg),
					depth + 1);
	}
	return n;
}

/*
 * Returns the decoded size of a part, estimated from its encoded length
 * and its transfer encoding; a message part is measured as written.
 */
static size_t
mime_size(GMimeObject *obj)
{
	GMimeDataWrapper *dw;
	GMimeStream *s;
	gint64 len;
	size_t size = 0;

	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *msg = g_mime_message_part_get_message(
			GMIME_MESSAGE_PART(obj));

		if (msg == NULL)
			return 0;
		s = g_mime_stream_null_new();
		g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, s);
		size = GMIME_STREAM_NULL(s)->written;
		g_object_unref(s);
		return size;
	}
	if (!GMIME_IS_PART(obj))
		return 0;
	dw = g_mime_part_get_content(GMIME_PART(obj));
	if (dw == NULL || (s = g_mime_data_wrapper_get_stream(dw)) == NULL)
		return 0;
	len = g_mime_stream_length(s);
	if (len <= 0)
		return 0;
	switch (g_mime_data_wrapper_get_encoding(dw)) {
	case GMIME_CONTENT_ENCODING_BASE64:
		/* Lines of 76 characters and a line break carry 57 bytes. */
		size = (size_t)len / 77 * 57 + (size_t)len % 77 * 3 / 4;
		break;
	case GMIME_CONTENT_ENCODING_UUENCODE:
		size = (size_t)len / 62 * 45;
		break;
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
		size = (size_t)len * 9 / 10;
		break;
	default:
		size = (size_t)len;
		break;
	}
	return size;
}

/* Lists obj as attachment number part. */
static void
mime_attach(struct mime_walk *w, GMimeObject *obj, int part)
{
	struct mime_attachment *a;
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimeMessage *msg;
	const char *name = NULL;
	char *type, *p;

	if (w->n_att == w->alloc_att) {
		w->alloc_att = w->alloc_att ? 2 * w->alloc_att : 8;
		w->att = reallocarray(w->att, w->alloc_att, sizeof(*w->att));
		if (w->att == NULL)
			fatal("out of memory");
	}
	a = &w->att[w->n_att++];
	if (GMIME_IS_PART(obj))
		name = g_mime_part_get_filename(GMIME_PART(obj));
	if (name == NULL)
		name = g_mime_object_get_content_disposition_parameter(
			obj, "filename");
	if (name == NULL)
		name = g_mime_object_get_content_type_parameter(obj, "name");
	if (name == NULL && GMIME_IS_MESSAGE_PART(obj)) {
		msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (msg)
			name = g_mime_message_get_subject(msg);
	}
	a->filename = mime_clean(name);
	type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	a->type = mime_clean(type ? type : "application/octet-stream");
	for (p = a->type; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	g_free(type);
	a->size = mime_size(obj);
	a->part = part;
}

/* Returns the bytes of a part after its transfer encoding is undone. */
static GMimeStream *
mime_decoded(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *mem = g_mime_stream_mem_new();

	if (dw)
		g_mime_data_wrapper_write_to_stream(dw, mem);
	return mem;
}

/*
 * Returns the charset an HTML document names in its first bytes
 * (<meta charset> or http-equiv), copied into name, or NULL.
 */
static const char *
mime_html_charset(const char *html, size_t len, char *name, size_t size)
{
	static const char key[] = "charset=";
	size_t i, k, n = 0;

	if (len > 4096)
		len = 4096;
	for (i = 0; i + sizeof(key) - 1 <= len; i++) {
		if (strncasecmp(html + i, key, sizeof(key) - 1) != 0)
			continue;
		k = i + sizeof(key) - 1;
		while (k < len && (html[k] == '"' || html[k] == '\'' ||
				   html[k] == ' '))
			k++;
		while (k < len && n < size - 1 &&
		       (g_ascii_isalnum(html[k]) || strchr("-_.:", html[k])))
			name[n++] = html[k++];
		name[n] = '\0';
		return n ? name : NULL;
	}
	return NULL;
}

/* Starts a new paragraph in the body, unless it is empty. */
static void
mime_separate(struct mime_walk *w)
{
	if (w->text.len == 0)
		return;
	if (w->text.buf[w->text.len - 1] != '\n')
		buf_addch(&w->text, '\n');
	if (w->text.len < 2 || w->text.buf[w->text.len - 2] != '\n')
		buf_addch(&w->text, '\n');
}

/* Adds a text/plain or text/html part to the body. */
static void
mime_show_text(struct mime_walk *w, GMimePart *part, int html)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	GMimeStream *mem = mime_decoded(part);
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	struct buf utf8 = BUF_INIT;
	const char *cs, *fmt, *delsp;
	char meta[64];

	cs = g_mime_object_get_content_type_parameter(obj, "charset");
	if (html && (cs == NULL || *cs == '\0'))
		cs = mime_html_charset((const char *)ba->data, ba->len, meta,
				       sizeof(meta));
	mime_to_utf8(cs, (const char *)ba->data, ba->len, &utf8);
	mime_separate(w);
	if (html) {
		w->had_html = 1;
		if (html_to_text(utf8.buf, utf8.len, &w->text) < 0)
			buf_add(&w->text, utf8.buf, utf8.len);
	} else {
		fmt = g_mime_object_get_content_type_parameter(obj, "format");
		delsp = g_mime_object_get_content_type_parameter(obj, "delsp");
		if (fmt && strcasecmp(fmt, "flowed") == 0)
			flowed_to_text(utf8.buf, utf8.len,
				       delsp && strcasecmp(delsp, "yes") == 0,
				       &w->text);
		else
			buf_add(&w->text, utf8.buf, utf8.len);
	}
	w->shown++;
	buf_release(&utf8);
	g_object_unref(mem);
}

/* Returns 1 when a text part holds nothing but white space. */
static int
mime_blank(GMimePart *part)
{
	GMimeStream *mem = mime_decoded(part);
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	guint i;
	int blank = 1;

	for (i = 0; i < ba->len && blank; i++)
		if (!g_ascii_isspace(ba->data[i]))
			blank = 0;
	g_object_unref(mem);
	return blank;
}

/*
 * Returns what an alternative offers: a text/plain or text/html part, or
 * a multipart whose first readable part is one (multipart/related around
 * HTML and its images, for one).
 */
static enum mime_kind
mime_kind_of(GMimeObject *obj, int depth)
{
	enum mime_kind k;
	int i;

	if (GMIME_IS_PART(obj)) {
		if (mime_is(obj, "text", "plain"))
			return MIME_KIND_TEXT;
		if (mime_is(obj, "text", "html"))
			return MIME_KIND_HTML;
		return MIME_KIND_OTHER;
	}
	if (!GMIME_IS_MULTIPART(obj) || depth > MIME_MAX_DEPTH)
		return MIME_KIND_OTHER;
	for (i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(obj)); i++) {
		k = mime_kind_of(g_mime_multipart_get_part(GMIME_MULTIPART(obj),
							   i),
				 depth + 1);
		if (k != MIME_KIND_OTHER)
			return k;
	}
	return MIME_KIND_OTHER;
}

static void mime_walk(struct mime_walk *w, GMimeObject *obj, int depth,
		      int inline_ok);

/*
 * multipart/alternative: shows the plain text part, or the HTML one when
 * the caller prefers HTML or the plain text is empty; parts that are
 * neither (a calendar invitation) are listed as attachments.
 */
static void
mime_alternative(struct mime_walk *w, GMimeMultipart *mp, int depth,
		 int inline_ok)
{
	int i, n = g_mime_multipart_get_count(mp), text = -1, html = -1, pick;
	GMimeObject *child;
	enum mime_kind k;

	for (i = 0; i < n; i++) {
		k = mime_kind_of(g_mime_multipart_get_part(mp, i), depth + 1);
		if (k == MIME_KIND_TEXT)
			text = i;
		else if (k == MIME_KIND_HTML)
			html = i;
	}
	if (html >= 0)
		w->had_html = 1;
	pick = text >= 0 ? text : html;
	if (html >= 0 && w->pref == MIME_PREFER_HTML)
		pick = html;
	if (pick == text && html >= 0) {
		child = g_mime_multipart_get_part(mp, text);
		if (GMIME_IS_PART(child) && mime_blank(GMIME_PART(child)))
			pick = html;
	}
	for (i = 0; i < n; i++) {
		child = g_mime_multipart_get_part(mp, i);
		if (pick < 0 || i == pick)
			mime_walk(w, child, depth + 1, inline_ok);
		else if (GMIME_IS_PART(child) &&
			 mime_kind_of(child, depth + 1) == MIME_KIND_OTHER)
			mime_walk(w, child, depth + 1, 0);
		else
			w->part += mime_count(child, depth + 1);
	}
}

/* Shows the main headers of an attached message above its body. */
static void
mime_message_headers(struct mime_walk *w, GMimeMessage *msg)
{
	static const char *const names[] = { "From", "To", "Cc", "Date",
					     "Subject" };
	const char *raw;
	char *v;
	size_t i;

	mime_separate(w);
	buf_adds(&w->text, "---------- Attached message ----------\n");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		raw = g_mime_object_get_header(GMIME_OBJECT(msg), names[i]);
		if (raw == NULL)
			continue;
		v = mime_decode_header(raw);
		buf_addf(&w->text, "%s: %s\n", names[i], v);
		free(v);
	}
	buf_addch(&w->text, '\n');
}

/*
 * Adds the part obj (number w->part) and everything under it to the
 * body and the attachment list. inline_ok is 0 where its text is not to
 * be shown (the extra parts of a multipart/related).
 */
static void
mime_walk(struct mime_walk *w, GMimeObject *obj, int depth, int inline_ok)
{
	GMimeMultipart *mp;
	GMimeObject *root;
	GMimeMessage *msg;
	const char *disp, *start, *cid;
	int i, n, part = w->part++, attachment, html;

	if (depth > MIME_MAX_DEPTH) {
		mime_attach(w, obj, part);
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		mp = GMIME_MULTIPART(obj);
		n = g_mime_multipart_get_count(mp);
		if (mime_is(obj, "multipart", "alternative")) {
			mime_alternative(w, mp, depth, inline_ok);
			return;
		}
		root = NULL;
		if (mime_is(obj, "multipart", "related") && n > 0) {
			root = g_mime_multipart_get_part(mp, 0);
			start = g_mime_object_get_content_type_parameter(
				obj, "start");
			for (i = 0; start && i < n; i++) {
				cid = g_mime_object_get_content_id(
					g_mime_multipart_get_part(mp, i));
				if (cid && strstr(start, cid))
					root = g_mime_multipart_get_part(mp, i);
			}
		}
		for (i = 0; i < n; i++) {
			GMimeObject *child = g_mime_multipart_get_part(mp, i);

			mime_walk(w, child, depth + 1,
				  inline_ok && (root == NULL || child == root));
		}
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		mime_attach(w, obj, part);
		msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (msg == NULL || g_mime_message_get_mime_part(msg) == NULL)
			return;
		if (!inline_ok) {
			w->part += mime_count(g_mime_message_get_mime_part(msg),
					      depth + 1);
			return;
		}
		mime_message_headers(w, msg);
		mime_walk(w, g_mime_message_get_mime_part(msg), depth + 1, 1);
		return;
	}
	if (!GMIME_IS_PART(obj)) {
		mime_attach(w, obj, part);
		return;
	}
	disp = g_mime_object_get_disposition(obj);
	attachment = disp && strcasecmp(disp, "attachment") == 0;
	html = mime_is(obj, "text", "html");
	if (inline_ok && !attachment && (html || mime_is(obj, "text", "plain"))) {
		mime_show_text(w, GMIME_PART(obj), html);
		if (g_mime_part_get_filename(GMIME_PART(obj)))
			mime_attach(w, obj, part);
		return;
	}
	mime_attach(w, obj, part);
}

/* Frees everything v holds and leaves it empty. */
void
mime_view_free(struct mime_view *v)
{
	size_t i;

	for (i = 0; i < v->n_headers; i++) {
		free(v->headers[i].name);
		free(v->headers[i].value);
	}
	free(v->headers);
	for (i = 0; i < v->n_attachments; i++) {
		free(v->attachments[i].filename);
		free(v->attachments[i].type);
	}
	free(v->attachments);
	buf_release(&v->body);
	memset(v, 0, sizeof(*v));
	buf_init(&v->body);
}

/* Returns the value of the first header called name, or NULL. */
const char *
mime_view_header(const struct mime_view *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->n_headers; i++)
		if (strcasecmp(v->headers[i].name, name) == 0)
			return v->headers[i].value;
	return NULL;
}

/*
 * Copies the headers of msg into v, decoded and sanitised, in the order
 * of the message. GMime keeps the Content-* headers of the message with
 * its body part, so the two lists are merged by offset.
 */
static void
mime_headers(struct mime_view *v, GMimeMessage *msg)
{
	GMimeObject *body = g_mime_message_get_mime_part(msg);
	GMimeHeaderList *l[2];
	GMimeHeader *h, *h1;
	int i[2] = { 0, 0 }, n[2], k;

	l[0] = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	l[1] = body ? g_mime_object_get_header_list(body) : NULL;
	for (k = 0; k < 2; k++)
		n[k] = l[k] ? g_mime_header_list_get_count(l[k]) : 0;
	if (n[0] + n[1] <= 0)
		return;
	v->headers = calloc((size_t)(n[0] + n[1]), sizeof(*v->headers));
	if (v->headers == NULL)
		fatal("out of memory");
	while (i[0] < n[0] || i[1] < n[1]) {
		k = i[0] < n[0] ? 0 : 1;
		if (k == 0 && i[1] < n[1]) {
			h = g_mime_header_list_get_header_at(l[0], i[0]);
			h1 = g_mime_header_list_get_header_at(l[1], i[1]);
			if (g_mime_header_get_offset(h1) >= 0 &&
			    g_mime_header_get_offset(h1) <
				    g_mime_header_get_offset(h))
				k = 1;
		}
		h = g_mime_header_list_get_header_at(l[k], i[k]++);
		v->headers[v->n_headers].name =
			mime_clean(g_mime_header_get_name(h));
		v->headers[v->n_headers].value =
			mime_decode_header(g_mime_header_get_raw_value(h));
		v->n_headers++;
	}
}

/*
 * Puts the sanitised text into body: no blank lines at either end, and a
 * final '\n' when there is text.
 */
static void
mime_set_body(struct buf *body, const char *text, size_t len)
{
	size_t lead = 0;

	buf_reset(body);
	while (lead < len && (text[lead] == '\n' || text[lead] == '\r'))
		lead++;
	san_text(body, text + lead, len - lead, SAN_NEWLINES);
	buf_rtrim(body);
	if (body->len)
		buf_addch(body, '\n');
}

/*
 * Renders the parsed message msg into out. Returns -1 when it has no
 * headers or nothing to show or list, for the caller to show it raw.
 */
static int
mime_render_message(GMimeMessage *msg, enum mime_pref pref,
		    struct mime_view *out)
{
	struct mime_walk w;
	GMimeObject *body;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	buf_init(&w.text);
	w.pref = pref;
	mime_headers(out, msg);
	body = g_mime_message_get_mime_part(msg);
	if (out->n_headers == 0 || body == NULL)
		goto out;
	mime_walk(&w, body, 0, 1);
	if (w.shown == 0 && w.n_att == 0)
		goto out;
	mime_set_body(&out->body, w.text.buf, w.text.len);
	out->attachments = w.att;
	out->n_attachments = w.n_att;
	out->had_html = w.had_html;
	w.att = NULL;
	w.n_att = 0;
	rc = 0;
out:
	while (w.n_att > 0) {
		w.n_att--;
		free(w.att[w.n_att].filename);
		free(w.att[w.n_att].type);
	}
	free(w.att);
	buf_release(&w.text);
	return rc;
}

/*
 * Renders the message raw[0..len) into out, which the caller frees with
 * mime_view_free(): decoded headers, the body as text to show and the
 * list of attachments. pref picks the part of a multipart/alternative.
 * A message GMime cannot parse, without headers, or without any part to
 * show or list is shown raw, with out->raw set. Every string in out is
 * sanitised. Returns 0: there is always something to show.
 */
int
mime_render(const char *raw, size_t len, enum mime_pref pref,
	    struct mime_view *out)
{
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *msg = NULL;

	memset(out, 0, sizeof(*out));
	buf_init(&out->body);
	mime_init();
	if (len > 0) {
		stream = g_mime_stream_mem_new_with_buffer(raw, len);
		parser = g_mime_parser_new_with_stream(stream);
		g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
		msg = g_mime_parser_construct_message(parser, mime_opts);
	}
	if (msg == NULL || mime_render_message(msg, pref, out) < 0) {
		mime_set_body(&out->body, raw, len);
		out->raw = 1;
	}
	if (msg)
		g_object_unref(msg);
	if (parser)
		g_object_unref(parser);
	if (stream)
		g_object_unref(stream);
	return 0;
}

/* Ends a flowed paragraph: its last soft break's space goes. */
static void
mime_end_line(struct buf *out)
{
	size_t n = out->len;

	while (n > 0 && out->buf[n - 1] == ' ')
		n--;
	buf_setlen(out, n);
	buf_addch(out, '\n');
}

/*
 * Appends format=flowed text (RFC 3676) to out as lines to show: soft
 * line breaks (a line ending in a space) are joined into one line, and
 * delsp drops that space; quoted lines keep their depth as a ">" prefix,
 * and a quote depth change ends a paragraph; space-stuffing is undone;
 * the signature separator "-- " stays a line of its own. Every line of
 * out ends in '\n'. Returns 0.
 */
int
flowed_to_text(const char *text, size_t len, int delsp, struct buf *out)
{
	const char *p = text, *end = text + len, *nl, *le, *s;
	int depth, para = 0, para_depth = 0, flowed, sig, i;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		le = nl ? nl : end;
		if (le > p && le[-1] == '\r')
			le--;
		s = p;
		p = nl ? nl + 1 : end;
		depth = 0;
		while (s < le && *s == '>') {
			depth++;
			s++;
		}
		if (s < le && *s == ' ')
			s++;
		n = (size_t)(le - s);
		sig = n == 3 && memcmp(s, "-- ", 3) == 0;
		flowed = !sig && n > 0 && s[n - 1] == ' ';
		if (para && (depth != para_depth || sig)) {
			mime_end_line(out);
			para = 0;
		}
		if (!para) {
			for (i = 0; i < depth; i++)
				buf_addch(out, '>');
			if (depth && n)
				buf_addch(out, ' ');
		}
		if (flowed && delsp)
			n--;
		buf_add(out, s, n);
		if (flowed) {
			para = 1;
			para_depth = depth;
		} else {
			buf_addch(out, '\n');
			para = 0;
		}
	}
	if (para)
		mime_end_line(out);
	return 0;
}
