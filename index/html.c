/*
 * html.c: HTML mail as text for the pager (see index.h).
 *
 * libxml2's HTML parser builds a tree from the (often broken) markup; it
 * runs with HTML_PARSE_NONET and an external entity loader that refuses
 * everything, so nothing is ever read from the network or the file
 * system. A walk over the tree then writes text: block elements make
 * paragraphs and line breaks, lists get "- " or "1. ", table rows become
 * lines of cells, <pre> keeps its lines, images become "[image: alt]"
 * (never fetched) and http, https and mailto links are numbered as
 * footnotes listed at the end.
 *
 * The input must be UTF-8 (mime.c converts first); invalid bytes become
 * U+FFFD before parsing. The output is UTF-8 but not sanitised: the
 * caller passes it through san_text().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "index/index.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/sanitize.h"

#define HTML_PARSE_FLAGS                                                       \
	(HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |          \
	 HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC | HTML_PARSE_COMPACT)

#define HTML_MAX_LISTS 32 /* nested lists kept apart; deeper ones share */
#define HTML_MAX_LINKS 16 /* nested <a> kept apart; the parser unnests */

/* What an element does to the text around it. */
enum html_kind {
	HTML_INLINE, /* nothing: its children flow on */
	HTML_DROP,   /* neither it nor its children are shown */
	HTML_PARA,   /* a paragraph: a blank line before and after */
	HTML_LINE,   /* a block: starts and ends a line */
	HTML_BR,
	HTML_CELL,  /* a table cell: spaces from the previous cell */
	HTML_LIST,  /* ul, ol: a paragraph, or a line when nested */
	HTML_ITEM,  /* li: a line with a marker */
	HTML_PRE,   /* pre, textarea: white space kept */
	HTML_QUOTE, /* blockquote: a paragraph of "> " lines */
	HTML_RULE,  /* hr */
	HTML_LINK,  /* a */
	HTML_IMAGE, /* img */
};

struct html_elem {
	const char *name;
	enum html_kind kind;
};

/* Sorted by name for bsearch(); names as the parser gives them. */
static const struct html_elem html_elems[] = {
	{ "a", HTML_LINK },	     { "address", HTML_PARA },
	{ "applet", HTML_DROP },     { "article", HTML_LINE },
	{ "aside", HTML_LINE },	     { "audio", HTML_DROP },
	{ "blockquote", HTML_QUOTE }, { "body", HTML_LINE },
	{ "br", HTML_BR },	     { "button", HTML_INLINE },
	{ "canvas", HTML_DROP },     { "caption", HTML_LINE },
	{ "center", HTML_LINE },     { "dd", HTML_LINE },
	{ "details", HTML_LINE },    { "dialog", HTML_LINE },
	{ "dir", HTML_LIST },	     { "div", HTML_LINE },
	{ "dl", HTML_PARA },	     { "dt", HTML_LINE },
	{ "embed", HTML_DROP },	     { "fieldset", HTML_LINE },
	{ "figcaption", HTML_LINE }, { "figure", HTML_PARA },
	{ "footer", HTML_LINE },     { "form", HTML_LINE },
	{ "frameset", HTML_DROP },   { "h1", HTML_PARA },
	{ "h2", HTML_PARA },	     { "h3", HTML_PARA },
	{ "h4", HTML_PARA },	     { "h5", HTML_PARA },
	{ "h6", HTML_PARA },	     { "head", HTML_DROP },
	{ "header", HTML_LINE },     { "hr", HTML_RULE },
	{ "iframe", HTML_DROP },     { "img", HTML_IMAGE },
	{ "legend", HTML_LINE },     { "li", HTML_ITEM },
	{ "link", HTML_DROP },	     { "listing", HTML_PRE },
	{ "main", HTML_LINE },	     { "map", HTML_DROP },
	{ "math", HTML_DROP },	     { "menu", HTML_LIST },
	{ "meta", HTML_DROP },	     { "nav", HTML_LINE },
	{ "noembed", HTML_DROP },    { "noframes", HTML_DROP },
	{ "object", HTML_DROP },     { "ol", HTML_LIST },
	{ "p", HTML_PARA },	     { "plaintext", HTML_PRE },
	{ "pre", HTML_PRE },	     { "script", HTML_DROP },
	{ "section", HTML_LINE },    { "select", HTML_DROP },
	{ "style", HTML_DROP },	     { "summary", HTML_LINE },
	{ "svg", HTML_DROP },	     { "table", HTML_LINE },
	{ "td", HTML_CELL },	     { "template", HTML_DROP },
	{ "textarea", HTML_PRE },    { "th", HTML_CELL },
	{ "title", HTML_DROP },	     { "tr", HTML_LINE },
	{ "ul", HTML_LIST },	     { "video", HTML_DROP },
	{ "xmp", HTML_PRE },
};

struct html_list {
	int ordered;
	long next; /* the number of the next item of an ordered list */
};

/* The state of one rendering; out is borrowed, notes owned. */
struct html_ctx {
	struct buf *out;
	size_t base;	/* where this rendering starts in out */
	int breaks;	/* newlines wanted before the next text: 0 to 2 */
	int spaces;	/* spaces wanted before the next text */
	int line_empty; /* nothing but a prefix on the current line */
	int pre;	/* depth of <pre> elements */
	int pre_start;	/* no text yet in the current <pre> */
	int quote;	/* depth of <blockquote> elements */
	int lists;	/* depth of lists */
	struct html_list list[HTML_MAX_LISTS];
	char marker[32]; /* a list item's marker for its first line */
	int links;	 /* depth of <a> elements */
	size_t link_start[HTML_MAX_LINKS];
	char **notes; /* footnote URLs, owned */
	size_t n_notes, alloc_notes;
	size_t *slots; /* hash of notes: note number, 0 when free; owned */
	size_t n_slots;
};

static int
html_elem_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct html_elem *)elem)->name);
}

/* Returns what the element named name does; unknown ones are inline. */
static enum html_kind
html_kind_of(const xmlChar *name)
{
	const struct html_elem *e;
	char low[16];
	size_t i;

	for (i = 0; name[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z'
					? name[i] - 'A' + 'a'
					: name[i]);
	if (name[i])
		return HTML_INLINE;
	low[i] = '\0';
	e = bsearch(low, html_elems, sizeof(html_elems) / sizeof(html_elems[0]),
		    sizeof(html_elems[0]), html_elem_cmp);
	return e ? e->kind : HTML_INLINE;
}

/*
 * The external entity loader while tuimail runs: it loads nothing, so a
 * DTD, entity or any other reference in a message can never make libxml2
 * open a file or a connection.
 */
static xmlParserInputPtr
html_no_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void
html_init(void)
{
	static int done;

	if (done)
		return;
	xmlInitParser();
	xmlSetExternalEntityLoader(html_no_loader);
	done = 1;
}

/*
 * Appends in[0..len) to out as valid UTF-8 without NUL bytes: invalid
 * sequences become U+FFFD, NULs are dropped.
 */
static void
html_repair_utf8(struct buf *out, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, run = 0;
	uint32_t cp;
	int n;

	buf_grow(out, len);
	while (i < len) {
		n = san_utf8_decode(s + i, len - i, &cp);
		if (n > 0 && cp != 0) {
			i += (size_t)n;
			run += (size_t)n;
			continue;
		}
		buf_add(out, in + i - run, run);
		run = 0;
		if (n < 0)
			buf_adds(out, "\xEF\xBF\xBD");
		i++;
	}
	buf_add(out, in + i - run, run);
}

/* Returns 1 when the current line has no character yet. */
static int
html_at_line_start(const struct html_ctx *h)
{
	return h->out->len == h->base || h->out->buf[h->out->len - 1] == '\n';
}

/* Drops spaces at the end of the current line. */
static void
html_trim_line(struct html_ctx *h)
{
	size_t n = h->out->len;

	while (n > h->base && h->out->buf[n - 1] == ' ')
		n--;
	buf_setlen(h->out, n);
}

/* Ends the current line if it has anything on it. */
static void
html_newline(struct html_ctx *h)
{
	html_trim_line(h);
	buf_addch(h->out, '\n');
	h->line_empty = 1;
	h->spaces = 0;
}

/* Writes the newlines that were asked for, unless nothing came yet. */
static void
html_flush_breaks(struct html_ctx *h)
{
	size_t n, have = 0;

	if (!h->breaks)
		return;
	html_trim_line(h);
	n = h->out->len;
	if (n > h->base) {
		while (n > h->base && h->out->buf[n - 1] == '\n' &&
		       have < (size_t)h->breaks) {
			have++;
			n--;
		}
		for (; have < (size_t)h->breaks; have++)
			buf_addch(h->out, '\n');
	}
	h->breaks = 0;
	h->spaces = 0;
	h->line_empty = 1;
}

/*
 * Makes the output ready for visible text: pending line breaks, then the
 * line's prefix (quote marks, list indent or marker) or pending spaces.
 */
static void
html_flush(struct html_ctx *h)
{
	int i;

	html_flush_breaks(h);
	if (html_at_line_start(h)) {
		for (i = 0; i < h->quote; i++)
			buf_adds(h->out, "> ");
		for (i = 1; i < h->lists; i++)
			buf_adds(h->out, "  ");
		if (h->marker[0]) {
			buf_adds(h->out, h->marker);
			h->marker[0] = '\0';
		} else if (h->lists) {
			buf_adds(h->out, "  ");
		}
		h->line_empty = 1;
		h->spaces = 0;
	}
	if (h->spaces && !h->line_empty)
		for (i = 0; i < h->spaces; i++)
			buf_addch(h->out, ' ');
	h->spaces = 0;
	h->line_empty = 0;
}

/* Asks for at least n newlines before the next text. */
static void
html_break(struct html_ctx *h, int n)
{
	if (h->breaks < n)
		h->breaks = n;
}

/* Adds a word that is shown as it is (a marker, an image, a note). */
static void
html_word(struct html_ctx *h, const char *s, size_t len)
{
	html_flush(h);
	buf_add(h->out, s, len);
}

/* Adds text outside <pre>: white space collapses, U+00A0 is a space. */
static void
html_text(struct html_ctx *h, const char *s, size_t len)
{
	size_t i = 0, j;

	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r' || s[i] == '\f') {
			if (!h->line_empty && h->spaces < 1)
				h->spaces = 1;
			i++;
			continue;
		}
		for (j = i; j < len && s[j] != ' ' && s[j] != '\t' &&
			    s[j] != '\n' && s[j] != '\r' && s[j] != '\f';
		     j++)
			;
		html_flush(h);
		for (; i < j; i++) {
			if (s[i] == '\xC2' && i + 1 < j && s[i + 1] == '\xA0') {
				buf_addch(h->out, ' ');
				i++;
			} else {
				buf_addch(h->out, s[i]);
			}
		}
	}
}

/* Adds text inside <pre>: every space and line break kept. */
static void
html_pre_text(struct html_ctx *h, const char *s, size_t len)
{
	size_t i, start = 0;

	if (h->pre_start && len && s[0] == '\n')
		start = 1;
	h->pre_start = 0;
	for (i = start; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		if (i > start) {
			html_flush(h);
			buf_add(h->out, s + start, i - start);
		}
		if (i < len) {
			html_flush_breaks(h);
			html_newline(h);
		}
		start = i + 1;
	}
}

/* Returns 1 when the element asks not to be shown (hidden, display:none). */
static int
html_hidden(xmlNodePtr n)
{
	xmlChar *style;
	char flat[64];
	size_t i, j = 0;
	int hidden = 0;

	if (xmlHasProp(n, (const xmlChar *)"hidden"))
		return 1;
	style = xmlGetProp(n, (const xmlChar *)"style");
	if (style == NULL)
		return 0;
	for (i = 0; style[i]; i++) {
		if (style[i] == ' ' || style[i] == '\t' || style[i] == '\n' ||
		    style[i] == '\r')
			continue;
		flat[j++] = (char)(style[i] >= 'A' && style[i] <= 'Z'
					   ? style[i] - 'A' + 'a'
					   : style[i]);
		if (j == sizeof(flat) - 1 || style[i] == ';') {
			flat[j] = '\0';
			if (strstr(flat, "display:none"))
				hidden = 1;
			j = 0;
		}
	}
	flat[j] = '\0';
	if (strstr(flat, "display:none"))
		hidden = 1;
	xmlFree(style);
	return hidden;
}

/* Adds "[image: alt]", "[image]" without alt, nothing for alt="". */
static void
html_image(struct html_ctx *h, xmlNodePtr n)
{
	xmlChar *alt = xmlGetProp(n, (const xmlChar *)"alt");
	struct buf b = BUF_INIT;
	const char *p;
	int space = 0;

	if (alt == NULL) {
		html_word(h, "[image]", 7);
		return;
	}
	buf_adds(&b, "[image: ");
	for (p = (const char *)alt; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = b.len > 8;
			continue;
		}
		if (space)
			buf_addch(&b, ' ');
		space = 0;
		buf_addch(&b, *p);
	}
	if (b.len > 8) {
		buf_addch(&b, ']');
		html_word(h, b.buf, b.len);
	}
	buf_release(&b);
	xmlFree(alt);
}

/* Returns 1 for a URL that may be shown: http, https or mailto. */
static int
html_url_shown(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	       strncasecmp(url, "https://", 8) == 0 ||
	       strncasecmp(url, "mailto:", 7) == 0;
}

/* Compares two URLs or texts, ignoring case and a final slash. */
static int
html_same(const char *a, size_t al, const char *b, size_t bl)
{
	if (al && a[al - 1] == '/')
		al--;
	if (bl && b[bl - 1] == '/')
		bl--;
	return al == bl && strncasecmp(a, b, al) == 0;
}

/*
 * Returns 1 when a link's text already says where it goes: the URL
 * itself, give or take its scheme ("mailto:", "https://") or a final
 * slash.
 */
static int
html_text_is_url(const char *text, size_t len, const char *url)
{
	size_t ul = strlen(url), skip = 0;

	if (html_same(text, len, url, ul))
		return 1;
	if (strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(url, "http://", 7) == 0 ||
		 strncasecmp(url, "mailto:", 7) == 0)
		skip = 7;
	return skip && html_same(text, len, url + skip, ul - skip);
}

/* Returns the FNV-1a hash of s. */
static size_t
html_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/* Returns the free or matching slot for url in the notes' hash. */
static size_t
html_slot(const struct html_ctx *h, const char *url)
{
	size_t i, mask = h->n_slots - 1;

	for (i = html_hash(url) & mask; h->slots[i]; i = (i + 1) & mask)
		if (strcmp(h->notes[h->slots[i] - 1], url) == 0)
			break;
	return i;
}

/*
 * Returns the footnote number of url, adding it when it is new. A hash
 * keeps this constant time: a large message may hold many links.
 */
static size_t
html_note(struct html_ctx *h, const char *url)
{
	size_t i;

	if (2 * h->n_notes >= h->n_slots) {
		free(h->slots);
		h->n_slots = h->n_slots ? 2 * h->n_slots : 64;
		h->slots = calloc(h->n_slots, sizeof(*h->slots));
		if (h->slots == NULL)
			fatal("out of memory");
		for (i = 0; i < h->n_notes; i++)
			h->slots[html_slot(h, h->notes[i])] = i + 1;
	}
	i = html_slot(h, url);
	if (h->slots[i])
		return h->slots[i];
	if (h->n_notes == h->alloc_notes) {
		h->alloc_notes = h->alloc_notes ? 2 * h->alloc_notes : 16;
		h->notes = reallocarray(h->notes, h->alloc_notes,
					sizeof(*h->notes));
		if (h->notes == NULL)
			fatal("out of memory");
	}
	h->notes[h->n_notes] = strdup(url);
	if (h->notes[h->n_notes] == NULL)
		fatal("out of memory");
	h->slots[i] = ++h->n_notes;
	return h->n_notes;
}

/* Ends a link: " [n]" after its text when its URL is worth showing. */
static void
html_link_end(struct html_ctx *h, xmlNodePtr n, size_t start)
{
	xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
	const char *url, *text;
	size_t ul, len;
	char note[32];
	int k;

	if (href == NULL)
		return;
	url = (const char *)href;
	while (*url == ' ' || *url == '\t' || *url == '\n' || *url == '\r')
		url++;
	ul = strlen(url);
	while (ul && (url[ul - 1] == ' ' || url[ul - 1] == '\t' ||
		      url[ul - 1] == '\n' || url[ul - 1] == '\r'))
		ul--;
	((char *)href)[url - (const char *)href + ul] = '\0';
	if (start > h->out->len)
		start = h->out->len;
	text = h->out->buf + start;
	len = h->out->len - start;
	while (len && (*text == ' ' || *text == '\n' || *text == '>')) {
		text++;
		len--;
	}
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\n'))
		len--;
	if (len && html_url_shown(url) && !html_text_is_url(text, len, url)) {
		k = snprintf(note, sizeof(note), "[%zu]", html_note(h, url));
		if (!h->line_empty && !h->spaces)
			h->spaces = 1;
		html_word(h, note, (size_t)k);
	}
	xmlFree(href);
}

/*
 * Called when the walk reaches element n. Returns 1 when its children
 * are to be walked (and html_leave() called after them), 0 when it is
 * done with.
 */
static int
html_enter(struct html_ctx *h, xmlNodePtr n, enum html_kind kind)
{
	xmlChar *start;
	struct html_list *l;

	if (kind == HTML_DROP || html_hidden(n))
		return 0;
	switch (kind) {
	case HTML_BR:
		html_flush_breaks(h);
		html_newline(h);
		return 0;
	case HTML_IMAGE:
		html_image(h, n);
		return 0;
	case HTML_RULE:
		html_break(h, 2);
		html_word(h, "----", 4);
		html_break(h, 2);
		return 0;
	case HTML_PARA:
	case HTML_QUOTE:
		html_break(h, 2);
		if (kind == HTML_QUOTE)
			h->quote++;
		break;
	case HTML_PRE:
		html_break(h, 2);
		h->pre++;
		h->pre_start = 1;
		break;
	case HTML_LINE:
		html_break(h, 1);
		break;
	case HTML_LIST:
		html_break(h, h->lists ? 1 : 2);
		if (h->lists < HTML_MAX_LISTS) {
			l = &h->list[h->lists];
			l->ordered = xmlStrcasecmp(n->name,
						   (const xmlChar *)"ol") == 0;
			l->next = 1;
			start = xmlGetProp(n, (const xmlChar *)"start");
			if (start) {
				l->next = strtol((const char *)start, NULL,
						 10);
				xmlFree(start);
			}
		}
		h->lists++;
		break;
	case HTML_ITEM:
		html_break(h, 1);
		l = h->lists && h->lists <= HTML_MAX_LISTS
			    ? &h->list[h->lists - 1]
			    : NULL;
		if (l && l->ordered)
			snprintf(h->marker, sizeof(h->marker), "%ld. ",
				 l->next++);
		else
			snprintf(h->marker, sizeof(h->marker), "- ");
		break;
	case HTML_CELL:
		if (!h->line_empty && !html_at_line_start(h))
			h->spaces = 2;
		break;
	case HTML_LINK:
		if (h->links < HTML_MAX_LINKS)
			h->link_start[h->links] = h->out->len;
		h->links++;
		break;
	default:
		break;
	}
	return 1;
}

/* Called after the children of an element html_enter() let in. */
static void
html_leave(struct html_ctx *h, xmlNodePtr n, enum html_kind kind)
{
	switch (kind) {
	case HTML_PARA:
	case HTML_QUOTE:
		html_break(h, 2);
		if (kind == HTML_QUOTE)
			h->quote--;
		break;
	case HTML_PRE:
		html_break(h, 2);
		h->pre--;
		break;
	case HTML_LINE:
	case HTML_ITEM:
		html_break(h, 1);
		h->marker[0] = '\0';
		break;
	case HTML_LIST:
		h->lists--;
		html_break(h, h->lists ? 1 : 2);
		break;
	case HTML_LINK:
		h->links--;
		if (h->links < HTML_MAX_LINKS)
			html_link_end(h, n, h->link_start[h->links]);
		break;
	default:
		break;
	}
}

/* Adds the text of a text node. */
static void
html_node_text(struct html_ctx *h, xmlNodePtr n)
{
	const char *s = (const char *)n->content;

	if (s == NULL)
		return;
	if (h->pre)
		html_pre_text(h, s, strlen(s));
	else
		html_text(h, s, strlen(s));
}

/*
 * Walks the tree under doc in document order without recursion, so
 * that a deeply nested message cannot exhaust the stack.
 */
static void
html_walk(struct html_ctx *h, xmlDocPtr doc)
{
	xmlNodePtr n = doc->children;
	int descend;

	while (n) {
		descend = 0;
		if (n->type == XML_ELEMENT_NODE)
			descend = html_enter(h, n, html_kind_of(n->name));
		else if (n->type == XML_TEXT_NODE ||
			 n->type == XML_CDATA_SECTION_NODE)
			html_node_text(h, n);
		if (descend && n->children) {
			n = n->children;
			continue;
		}
		if (descend)
			html_leave(h, n, html_kind_of(n->name));
		while (n->next == NULL) {
			n = n->parent;
			if (n == NULL || n == (xmlNodePtr)doc)
				return;
			if (n->type == XML_ELEMENT_NODE)
				html_leave(h, n, html_kind_of(n->name));
		}
		n = n->next;
	}
}

/* Ends the text: trims it, then lists the footnotes. */
static void
html_finish(struct html_ctx *h)
{
	size_t i, lead = 0;

	while (h->out->len > h->base &&
	       strchr(" \n", h->out->buf[h->out->len - 1]))
		buf_setlen(h->out, h->out->len - 1);
	while (h->base + lead < h->out->len &&
	       h->out->buf[h->base + lead] == '\n')
		lead++;
	if (lead) {
		memmove(h->out->buf + h->base, h->out->buf + h->base + lead,
			h->out->len - h->base - lead);
		buf_setlen(h->out, h->out->len - lead);
	}
	if (h->out->len > h->base)
		buf_addch(h->out, '\n');
	if (h->n_notes && h->out->len > h->base)
		buf_addch(h->out, '\n');
	for (i = 0; i < h->n_notes; i++)
		buf_addf(h->out, "[%zu] %s\n", i + 1, h->notes[i]);
}

/*
 * Appends the text of the HTML document html[0..len) (UTF-8) to out:
 * lines end in '\n', links are numbered with a list of URLs at the end.
 * Nothing remote or local is loaded. Returns 0, or -1 when libxml2 could
 * not build a document at all (out is then unchanged). The text is not
 * sanitised yet.
 */
int
html_to_text(const char *html, size_t len, struct buf *out)
{
	struct html_ctx h;
	struct buf in = BUF_INIT;
	xmlDocPtr doc = NULL;
	size_t i;
	int rc = -1;

	html_init();
	html_repair_utf8(&in, html, len);
	if (in.len == 0) {
		rc = 0;
		goto out;
	}
	if (in.len > INT32_MAX) {
		err_set("html part too large");
		goto out;
	}
	doc = htmlReadMemory(in.buf, (int)in.len, NULL, "UTF-8",
			     HTML_PARSE_FLAGS);
	if (doc == NULL) {
		err_set("cannot parse html");
		goto out;
	}
	memset(&h, 0, sizeof(h));
	h.out = out;
	h.base = out->len;
	h.line_empty = 1;
	html_walk(&h, doc);
	html_finish(&h);
	for (i = 0; i < h.n_notes; i++)
		free(h.notes[i]);
	free(h.notes);
	free(h.slots);
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	buf_release(&in);
	return rc;
}
