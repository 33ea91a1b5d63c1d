/*
 * compose.c: the message to send, built with GMime, and the fields of a
 * reply or forward (see index.h).
 *
 * Addresses are parsed here, not by GMime: the user types them, and a
 * mistake must come back as "this entry of this field, and why" before
 * anything is sent. GMime then writes the message: it RFC 2047-encodes
 * the headers that need it, folds them, encodes the parts and the RFC
 * 2231 file names. The body is made format=flowed (RFC 3676) here first.
 *
 * Text from a message being replied to or forwarded is hostile: names
 * and subjects lose their control characters, message IDs are taken only
 * in their "<...>" form, and the quoted text comes from mime_render(),
 * which sanitises it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <gmime/gmime.h>

#include "index/index.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/sanitize.h"

#define COMPOSE_WIDTH 72     /* flowed lines are wrapped at this many chars */
#define COMPOSE_MAX_REFS 20  /* message IDs kept in References */
#define COMPOSE_MAX_LINE 998 /* longest line 7bit allows, without CRLF */
#define COMPOSE_MAX_DEPTH 32 /* nesting walked for attachments to keep */
#define COMPOSE_USER_AGENT "tuimail"

static const char *const compose_field_names[] = {
	[COMPOSE_FIELD_FROM] = "From",
	[COMPOSE_FIELD_TO] = "To",
	[COMPOSE_FIELD_CC] = "Cc",
	[COMPOSE_FIELD_BCC] = "Bcc",
	[COMPOSE_FIELD_SUBJECT] = "Subject",
	[COMPOSE_FIELD_BODY] = "the text",
	[COMPOSE_FIELD_ATTACHMENT] = "the attachments",
};

/* Subject prefixes of replies and forwards, in the languages seen most. */
static const char *const compose_re_words[] = { "re", "aw", "sv", "antw",
						"odp", NULL };
static const char *const compose_fwd_words[] = { "fwd", "fw", "wg", NULL };

static GMimeParserOptions *compose_opts; /* for the life of the process */

/* Starts GMime once (it counts its users) with lenient parser options. */
static void
compose_init(void)
{
	if (compose_opts)
		return;
	g_mime_init();
	compose_opts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(
		compose_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(
		compose_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(
		compose_opts, GMIME_RFC_COMPLIANCE_LOOSE);
}

static char *
compose_strndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		fatal("out of memory");
	return d;
}

/* Fills e, when the caller gave one. */
static void
compose_point(struct compose_error *e, enum compose_field field, size_t entry,
	      size_t offset, size_t len)
{
	if (!e)
		return;
	e->field = field;
	e->entry = entry;
	e->offset = offset;
	e->len = len;
}

/*
 * Returns a copy of s for a one-line header: control characters become
 * spaces, white space at both ends goes. The caller frees it.
 */
static char *
compose_one_line(const char *s)
{
	char *d = xstrdup(s), *p, *end;

	for (p = d; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	for (p = d; *p == ' '; p++)
		;
	memmove(d, p, strlen(p) + 1);
	end = d + strlen(d);
	while (end > d && end[-1] == ' ')
		*--end = '\0';
	return d;
}

/* Characters of an RFC 5322 atom besides letters and digits. */
static int
compose_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/*
 * Checks an address a[0..n): an RFC 5321 mailbox, ASCII only. Returns
 * NULL when it is fine, or why not (in why, or a constant).
 */
static const char *
compose_addr_invalid(const char *a, size_t n, char *why, size_t whylen)
{
	const char *at = NULL, *d, *label;
	size_t i, local, dn, ln;
	int quoted;

	if (n == 0)
		return "no address";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c >= 0x80)
			return "addresses with non-ASCII characters are not "
			       "supported";
		if (c < 0x20 || c == 0x7f)
			return "a control character in the address";
		if (c == '@')
			at = a + i;
	}
	if (!at)
		return "not an address: no '@'";
	local = (size_t)(at - a);
	if (local == 0)
		return "nothing before '@'";
	if (local > 64)
		return "the part before '@' is longer than 64 characters";
	if (n > 254)
		return "longer than 254 characters";
	quoted = a[0] == '"';
	if (quoted) {
		if (local < 2 || a[local - 1] != '"')
			return "unbalanced '\"' before '@'";
		for (i = 1; i + 1 < local; i++) {
			if (a[i] == '\\' && i + 2 < local)
				i++;
			else if (a[i] == '"' || a[i] == '\\')
				return "unbalanced '\"' before '@'";
		}
	} else {
		for (i = 0; i < local; i++) {
			if (a[i] == '.') {
				if (i == 0 || i + 1 == local || a[i + 1] == '.')
					return "misplaced '.' before '@'";
			} else if (!compose_atext(a[i])) {
				snprintf(why, whylen,
					 "'%c' is not allowed before '@'",
					 a[i]);
				return why;
			}
		}
	}
	d = at + 1;
	dn = n - local - 1;
	if (dn == 0)
		return "no domain after '@'";
	if (d[0] == '[')
		return "address literals are not supported";
	for (label = d, i = 0; i <= dn; i++) {
		if (i < dn && d[i] != '.') {
			if (!(d[i] == '-' || (d[i] >= '0' && d[i] <= '9') ||
			      (d[i] >= 'a' && d[i] <= 'z') ||
			      (d[i] >= 'A' && d[i] <= 'Z'))) {
				snprintf(why, whylen,
					 "'%c' is not allowed in a domain",
					 d[i]);
				return why;
			}
			continue;
		}
		ln = (size_t)(d + i - label);
		if (ln == 0 || ln > 63 || label[0] == '-' ||
		    label[ln - 1] == '-') {
			snprintf(why, whylen, "invalid domain '%.*s'", (int)dn,
				 d);
			return why;
		}
		label = d + i + 1;
	}
	return NULL;
}

/* Adds name and addr[0..n) to l. */
static void
compose_list_add(struct compose_addr_list *l, const char *name,
		 const char *addr, size_t n)
{
	struct compose_addr *v;

	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		fatal("out of memory");
	l->v = v;
	v[l->n].name = compose_one_line(name);
	v[l->n].addr = compose_strndup(addr, n);
	l->n++;
}

/* Frees every entry of l and leaves it empty. */
void
compose_addr_list_free(struct compose_addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].addr);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/*
 * Returns the end of the quoted string or (nested) comment that starts
 * at s[i]: the index after its closing character, or 0 when it does not
 * close before n.
 */
static size_t
compose_skip_nested(const char *s, size_t i, size_t n)
{
	int depth = 0;

	if (s[i] == '"') {
		for (i++; i < n; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				return i + 1;
		}
		return 0;
	}
	for (; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return 0;
}

/*
 * Turns a display name as typed into the name itself: quoted strings
 * lose their quotes and backslashes, white space runs become one space.
 */
static char *
compose_unquote(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;
	int inq = 0, space = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '"') {
			inq = !inq;
			continue;
		}
		if (s[i] == '\\' && inq && i + 1 < n) {
			buf_addch(&b, s[++i]);
			space = 0;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t') {
			if (!inq && (space || b.len == 0))
				continue;
			space = 1;
		} else {
			space = 0;
		}
		buf_addch(&b, s[i]);
	}
	buf_rtrim(&b);
	return buf_detach(&b, NULL);
}

static int
compose_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Parses one entry s[0..n) of an address field, trimmed: "addr",
 * "<addr>", "Name <addr>", "\"Name, Jr.\" <addr>" or "addr (Name)".
 * Adds it to l, or returns why it is wrong.
 */
static const char *
compose_entry(const char *s, size_t n, struct compose_addr_list *l, char *why,
	      size_t whylen)
{
	size_t i, lt = n, gt = n, a0, a1, c0 = n, c1 = n, end;
	const char *bad;
	char *name;

	for (i = 0; i < n && lt == n; i++) {
		if (s[i] == '"' || s[i] == '(') {
			end = compose_skip_nested(s, i, n);
			if (end == 0)
				return s[i] == '"' ? "unbalanced '\"'"
						   : "unbalanced '('";
			if (s[i] == '(' && c0 == n) {
				c0 = i;
				c1 = end;
			}
			i = end - 1;
		} else if (s[i] == '<') {
			lt = i;
		} else if (s[i] == '>') {
			return "'>' without '<'";
		}
	}
	if (lt < n) {
		for (i = lt + 1; i < n && s[i] != '>'; i++)
			if (s[i] == '<')
				return "two '<'";
		if (i == n)
			return "missing '>'";
		gt = i;
		for (i = gt + 1; i < n; i++)
			if (!compose_is_space(s[i]))
				return "text after '>'";
		a0 = lt + 1;
		a1 = gt;
		while (a0 < a1 && compose_is_space(s[a0]))
			a0++;
		while (a1 > a0 && compose_is_space(s[a1 - 1]))
			a1--;
		bad = compose_addr_invalid(s + a0, a1 - a0, why, whylen);
		if (bad)
			return bad;
		name = compose_unquote(s, lt);
		if (!san_utf8_valid(name, strlen(name))) {
			free(name);
			return "the name is not valid UTF-8";
		}
		compose_list_add(l, name, s + a0, a1 - a0);
		free(name);
		return NULL;
	}
	if (c0 < n) {
		/* addr (Name): the comment is the name. */
		for (i = c1; i < n; i++)
			if (!compose_is_space(s[i]))
				return "text after ')'";
		a1 = c0;
		while (a1 > 0 && compose_is_space(s[a1 - 1]))
			a1--;
		for (i = 0; i < a1; i++)
			if (compose_is_space(s[i]))
				return "a space in the address";
		bad = compose_addr_invalid(s, a1, why, whylen);
		if (bad)
			return bad;
		name = compose_strndup(s + c0 + 1, c1 - c0 - 2);
		if (!san_utf8_valid(name, strlen(name))) {
			free(name);
			return "the name is not valid UTF-8";
		}
		compose_list_add(l, name, s, a1);
		free(name);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (compose_is_space(s[i]) && memchr(s, '@', n))
			return "a space in the address";
	bad = compose_addr_invalid(s, n, why, whylen);
	if (bad)
		return bad;
	compose_list_add(l, "", s, n);
	return NULL;
}

/*
 * Parses an address field as typed: entries separated by ',' or ';'
 * (outside quotes, comments and angle brackets), empty entries skipped.
 * Adds every address to out (which the caller frees with
 * compose_addr_list_free(), also after a failure). Returns 0; or -1 with
 * err_msg() naming the field and the entry, and e (when given) pointing
 * at the entry.
 */
int
compose_parse_addresses(const char *text, enum compose_field field,
			struct compose_addr_list *out,
			struct compose_error *e)
{
	const char *s = text ? text : "", *bad;
	size_t n = strlen(s), i = 0, start, end, a, b, entry = 0, skip;
	char why[96];
	int angle;

	while (i <= n) {
		start = i;
		angle = 0;
		for (; i < n; i++) {
			if (s[i] == '"' || s[i] == '(') {
				skip = compose_skip_nested(s, i, n);
				i = (skip ? skip : n) - 1;
			} else if (s[i] == '<') {
				angle = 1;
			} else if (s[i] == '>') {
				angle = 0;
			} else if ((s[i] == ',' || s[i] == ';') && !angle) {
				break;
			}
		}
		end = i++;
		for (a = start; a < end && compose_is_space(s[a]); a++)
			;
		for (b = end; b > a && compose_is_space(s[b - 1]); b--)
			;
		if (a == b)
			continue;
		bad = compose_entry(s + a, b - a, out, why, sizeof(why));
		if (bad) {
			compose_point(e, field, entry, a, b - a);
			return err_set("invalid address in %s: '%.*s': %s",
				       compose_field_names[field], (int)(b - a),
				       s + a, bad);
		}
		entry++;
	}
	return 0;
}

/* Returns 1 when the name must be quoted in an address field. */
static int
compose_name_needs_quotes(const char *name)
{
	const char *p;

	for (p = name; *p; p++)
		if (strchr("()<>[]:;@\\,.\"", *p))
			return 1;
	return 0;
}

/*
 * Returns the list as the composer shows it and compose_parse_addresses()
 * reads it back: "Name <addr>, \"Doe, J.\" <addr>, addr". The caller
 * frees it.
 */
char *
compose_format_addresses(const struct compose_addr_list *l)
{
	struct buf b = BUF_INIT;
	const char *p;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i)
			buf_adds(&b, ", ");
		if (!*l->v[i].name) {
			buf_adds(&b, l->v[i].addr);
			continue;
		}
		if (compose_name_needs_quotes(l->v[i].name)) {
			buf_addch(&b, '"');
			for (p = l->v[i].name; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_addch(&b, '\\');
				buf_addch(&b, *p);
			}
			buf_addch(&b, '"');
		} else {
			buf_adds(&b, l->v[i].name);
		}
		buf_addf(&b, " <%s>", l->v[i].addr);
	}
	return buf_detach(&b, NULL);
}

/* Returns 1 when addr is one of the n addresses in own (any case). */
static int
compose_is_own(const char *addr, const char *const *own, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (own[i] && strcasecmp(addr, own[i]) == 0)
			return 1;
	return 0;
}

/* Returns 1 when addr is already in l (any case). */
static int
compose_list_has(const struct compose_addr_list *l, const char *addr)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i].addr, addr) == 0)
			return 1;
	return 0;
}

/* Adds the entries of src to dst that are neither own nor in a or b. */
static void
compose_list_merge(struct compose_addr_list *dst,
		   const struct compose_addr_list *src,
		   const char *const *own, size_t n_own,
		   const struct compose_addr_list *other)
{
	size_t i;

	if (!src)
		return;
	for (i = 0; i < src->n; i++) {
		if (compose_is_own(src->v[i].addr, own, n_own) ||
		    compose_list_has(dst, src->v[i].addr) ||
		    compose_list_has(other, src->v[i].addr))
			continue;
		compose_list_add(dst, src->v[i].name, src->v[i].addr,
				 strlen(src->v[i].addr));
	}
}

/*
 * Fills to and cc (empty on entry; the caller frees them) with the
 * recipients of a reply to the message whose addresses p holds: its
 * Reply-To, or else its From; with all, also its To and Cc. The user's
 * own addresses (own, n_own) are left out and nobody appears twice. A
 * reply to one's own message goes to that message's recipients. When
 * only Cc is left, it becomes To; when nobody is left, To is the sender.
 */
void
compose_reply_recipients(const struct compose_parent *p, int all,
			 const char *const *own, size_t n_own,
			 struct compose_addr_list *to,
			 struct compose_addr_list *cc)
{
	const struct compose_addr_list *primary;
	size_t i;
	int own_msg = p->from && p->from->n > 0;

	for (i = 0; own_msg && i < p->from->n; i++)
		if (!compose_is_own(p->from->v[i].addr, own, n_own))
			own_msg = 0;
	primary = p->reply_to && p->reply_to->n ? p->reply_to : p->from;
	if (own_msg)
		primary = p->to;
	compose_list_merge(to, primary, own, n_own, cc);
	if (all) {
		if (!own_msg)
			compose_list_merge(to, p->to, own, n_own, cc);
		compose_list_merge(cc, p->cc, own, n_own, to);
	}
	if (to->n == 0 && cc->n > 0) {
		compose_addr_list_free(to);
		*to = *cc;
		cc->v = NULL;
		cc->n = 0;
	}
	if (to->n == 0 && p->from)
		compose_list_merge(to, p->from, NULL, 0, cc);
}

/*
 * Returns the length of the reply or forward prefix at s ("Re:", "RE:",
 * "Aw:", "Re[2]:" and their like from words), with the spaces after it;
 * 0 when there is none.
 */
static size_t
compose_prefix_len(const char *s, const char *const *words)
{
	const char *p;
	size_t i, n;

	for (i = 0; words[i]; i++) {
		n = strlen(words[i]);
		if (strncasecmp(s, words[i], n) != 0)
			continue;
		p = s + n;
		if (*p == '[') {
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
			if (*p++ != ']')
				continue;
		}
		if (*p != ':')
			continue;
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		return (size_t)(p - s);
	}
	return 0;
}

/* Returns prefix followed by subject without its prefixes from words. */
static char *
compose_subject_with(const char *subject, const char *prefix,
		     const char *const *words)
{
	char *clean = compose_one_line(subject), *out;
	const char *s = clean;
	size_t n;

	while ((n = compose_prefix_len(s, words)) > 0)
		s += n;
	if (asprintf(&out, "%s%s", prefix, s) < 0)
		fatal("out of memory");
	free(clean);
	return out;
}

/*
 * Returns the subject of a reply: "Re: " and the subject without the
 * reply prefixes it had ("Re:", "RE:", "Aw:", "Re[2]:"...), so that
 * they never pile up. The caller frees it.
 */
char *
compose_subject_reply(const char *subject)
{
	return compose_subject_with(subject, "Re: ", compose_re_words);
}

/* Returns the subject of a forward, "Fwd: " not doubled; caller frees. */
char *
compose_subject_forward(const char *subject)
{
	return compose_subject_with(subject, "Fwd: ", compose_fwd_words);
}

/*
 * Returns the attribution line from tmpl (COMPOSE_ATTRIBUTION when NULL):
 * %d becomes the date in local time ("Tue, 5 Mar 2024 10:12"), %n the
 * name or, without one, the address, %a the address, %% a '%'. Control
 * characters in the name are dropped. The caller frees it.
 */
char *
compose_attribution(const char *tmpl, const char *name, const char *addr,
		    int64_t date)
{
	struct buf b = BUF_INIT;
	char when[64], *clean_name, *clean_addr;
	const char *p;
	time_t t = (time_t)date;
	struct tm tm;

	clean_name = compose_one_line(name);
	clean_addr = compose_one_line(addr);
	when[0] = '\0';
	if (date && localtime_r(&t, &tm) &&
	    strftime(when, sizeof(when), "%a, %-d %b %Y %H:%M", &tm) == 0)
		when[0] = '\0';
	if (!when[0])
		snprintf(when, sizeof(when), "an unknown date");
	for (p = tmpl ? tmpl : COMPOSE_ATTRIBUTION; *p; p++) {
		if (*p != '%' || !p[1]) {
			buf_addch(&b, *p);
			continue;
		}
		switch (*++p) {
		case 'd':
			buf_adds(&b, when);
			break;
		case 'n':
			buf_adds(&b, *clean_name ? clean_name : clean_addr);
			break;
		case 'a':
			buf_adds(&b, clean_addr);
			break;
		case '%':
			buf_addch(&b, '%');
			break;
		default:
			buf_addch(&b, '%');
			buf_addch(&b, *p);
		}
	}
	free(clean_name);
	free(clean_addr);
	return buf_detach(&b, NULL);
}

/*
 * Appends text quoted for a reply to out: the attribution line (unless
 * NULL or ""), then every line as "> line", lines already quoted as
 * ">> line", empty ones as ">". The signature (from a "-- " line on) is
 * left out; so are trailing white space and the blank lines at the end.
 */
void
compose_quote(struct buf *out, const char *text, const char *attribution)
{
	const char *base = text ? text : "", *p = base, *nl;
	size_t n, end = strlen(base);

	for (p = base; *p; p = nl + 1) {
		if (strncmp(p, "-- \n", 4) == 0 ||
		    strncmp(p, "-- \r\n", 5) == 0 || strcmp(p, "-- ") == 0) {
			end = (size_t)(p - base);
			break;
		}
		nl = strchr(p, '\n');
		if (!nl)
			break;
	}
	p = base;
	while (end > 0 && compose_is_space(base[end - 1]))
		end--;
	if (attribution && *attribution) {
		buf_adds(out, attribution);
		buf_addch(out, '\n');
	}
	while (p < base + end) {
		nl = memchr(p, '\n', (size_t)(base + end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(base + end - p);
		while (n > 0 && compose_is_space(p[n - 1]))
			n--;
		if (n == 0)
			buf_addch(out, '>');
		else if (p[0] == '>')
			buf_addch(out, '>');
		else
			buf_adds(out, "> ");
		buf_add(out, p, n);
		buf_addch(out, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* Returns 1 when s[0..len) is one message ID "<...>" as kept here. */
static int
compose_msgid_ok(const char *s, size_t len)
{
	size_t i;

	if (len < 3 || len > 250 || s[0] != '<' || s[len - 1] != '>')
		return 0;
	for (i = 1; i + 1 < len; i++)
		if (s[i] == '<' || s[i] == '>' || (unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * Appends to ids the message IDs in text, in their "<...>" form: no
 * white space, no control characters, at most 250 bytes; nothing else
 * from text survives. Skips IDs already in ids.
 */
static void
compose_msgids(const char *text, char ***ids, size_t *n)
{
	const char *p = text, *lt, *q;
	char *id, **v;
	size_t i, len;

	while (p && (lt = strchr(p, '<')) != NULL) {
		q = strchr(lt + 1, '>');
		if (!q)
			break;
		len = (size_t)(q - lt) + 1;
		p = q + 1;
		if (!compose_msgid_ok(lt, len))
			continue;
		for (i = 0; i < *n; i++)
			if (strlen((*ids)[i]) == len &&
			    memcmp((*ids)[i], lt, len) == 0)
				break;
		if (i < *n)
			continue;
		id = compose_strndup(lt, len);
		v = realloc(*ids, (*n + 1) * sizeof(*v));
		if (!v)
			fatal("out of memory");
		*ids = v;
		v[(*n)++] = id;
	}
}

/*
 * Returns the References of a reply (RFC 5322 3.6.4): the parent's
 * References, or its In-Reply-To when it has none, then the parent's
 * Message-ID ("<id>" or "id"). Past COMPOSE_MAX_REFS IDs, the first (the
 * thread's root) and the last ones are kept. Returns NULL when there is
 * no ID at all; the caller frees the result.
 */
char *
compose_references(const char *parent_refs, const char *parent_in_reply_to,
		   const char *parent_id)
{
	struct buf b = BUF_INIT;
	char **ids = NULL, *wrapped = NULL;
	size_t n = 0, i, first;

	compose_msgids(parent_refs, &ids, &n);
	if (n == 0)
		compose_msgids(parent_in_reply_to, &ids, &n);
	if (parent_id && *parent_id && !strchr(parent_id, '<')) {
		if (asprintf(&wrapped, "<%s>", parent_id) < 0)
			fatal("out of memory");
		parent_id = wrapped;
	}
	if (parent_id) {
		/* The parent's own ID goes last, even if seen before. */
		for (i = 0; i < n; i++) {
			if (strcmp(ids[i], parent_id) == 0) {
				free(ids[i]);
				memmove(ids + i, ids + i + 1,
					(n - i - 1) * sizeof(*ids));
				n--;
				break;
			}
		}
		compose_msgids(parent_id, &ids, &n);
	}
	first = n > COMPOSE_MAX_REFS ? n - (COMPOSE_MAX_REFS - 1) : 1;
	for (i = 0; i < n; i++) {
		if (i == 0 || i >= first) {
			if (b.len)
				buf_addch(&b, ' ');
			buf_adds(&b, ids[i]);
		}
		free(ids[i]);
	}
	free(ids);
	free(wrapped);
	if (b.len == 0)
		return NULL;
	return buf_detach(&b, NULL);
}

/*
 * Appends one line s[0..n) of text, without its line end, in format=
 * flowed to out (see compose_flowed()).
 */
static void
compose_flow_line(struct buf *out, const char *s, size_t n, size_t width)
{
	size_t depth = 0, i, start, end, brk, col, limit, plen;
	int nonspace;

	if (n && s[n - 1] == '\r')
		n--;
	if (n == 3 && memcmp(s, "-- ", 3) == 0) {
		buf_adds(out, "-- \n");
		return;
	}
	while (depth < n && s[depth] == '>')
		depth++;
	s += depth;
	n -= depth;
	if (depth && n && s[0] == ' ') {
		s++;
		n--;
	}
	if (depth && n == 3 && memcmp(s, "-- ", 3) == 0) {
		for (i = 0; i < depth; i++)
			buf_addch(out, '>');
		buf_adds(out, " -- \n");
		return;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0) {
		/* An empty (quoted) line: no space, or it would flow. */
		for (i = 0; i < depth; i++)
			buf_addch(out, '>');
		buf_addch(out, '\n');
		return;
	}
	plen = depth ? depth + 1 : 0;
	limit = width > plen + 20 ? width - plen : 20;
	start = 0;
	do {
		/* The next segment ends after the last run of spaces that
		 * still fits, or runs to the end of the line. */
		col = 0;
		brk = 0;
		nonspace = 0;
		for (i = start; i < n;) {
			if (s[i] == ' ' && nonspace) {
				while (i < n && s[i] == ' ') {
					i++;
					col++;
				}
				brk = i;
				continue;
			}
			if (col >= limit && brk)
				break;
			if (s[i] != ' ')
				nonspace = 1;
			col++;
			for (i++; i < n && ((unsigned char)s[i] & 0xC0) == 0x80;
			     i++)
				;
		}
		end = i < n ? brk : n;
		for (i = 0; i < depth; i++)
			buf_addch(out, '>');
		if (depth)
			buf_addch(out, ' ');
		else if (end > start && (s[start] == ' ' || s[start] == '>' ||
					 (end - start >= 5 &&
					  !memcmp(s + start, "From ", 5))))
			buf_addch(out, ' '); /* space-stuffing */
		buf_add(out, s + start, end - start);
		buf_addch(out, '\n');
		start = end;
	} while (start < n);
}

/*
 * Appends text (UTF-8, '\n' line ends) to out as format=flowed (RFC 3676,
 * DelSp=no): each line that is longer than width characters is broken
 * after spaces into lines that end in a space (soft breaks); trailing
 * white space of the lines the user ended goes (hard breaks); lines that
 * start with ' ', '>' (after the quote marks) or "From " are
 * space-stuffed; quoted lines ("> ", ">> ") keep their quote marks on
 * every piece; "-- " (the signature separator) stays as it is. A word
 * longer than width is not broken.
 */
void
compose_flowed(struct buf *out, const char *text, size_t width)
{
	const char *p = text ? text : "", *nl;
	size_t n;

	while (*p) {
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		compose_flow_line(out, p, n, width);
		p += n;
		if (nl)
			p++;
	}
}

/* Returns 1 when the text can go as 7bit: ASCII, short lines, no NUL. */
static int
compose_is_7bit(const char *s, size_t len)
{
	size_t i, line = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || c == 0 || (c == '\r' && (i + 1 == len ||
							   s[i + 1] != '\n')))
			return 0;
		if (c == '\n')
			line = 0;
		else if (c != '\r' && ++line > COMPOSE_MAX_LINE)
			return 0;
	}
	return 1;
}

/* Returns 1 when every line of s[0..len) fits in COMPOSE_MAX_LINE. */
static int
compose_lines_fit(const char *s, size_t len)
{
	size_t i, line = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			line = 0;
		else if (s[i] != '\r' && ++line > COMPOSE_MAX_LINE)
			return 0;
		if (s[i] == 0)
			return 0;
	}
	return 1;
}

/*
 * Checks a MIME type "type/subtype" and splits it into type and sub
 * (owned by the caller). Returns 0 or -1.
 */
static int
compose_split_type(const char *t, char **type, char **sub)
{
	const char *slash = strchr(t, '/'), *p;

	if (!slash || slash == t || !slash[1])
		return -1;
	for (p = t; *p; p++) {
		if (p == slash)
			continue;
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("()<>@,;:\\\"/[]?=", *p))
			return -1;
	}
	*type = compose_strndup(t, (size_t)(slash - t));
	*sub = xstrdup(slash + 1);
	return 0;
}

/* Returns the file name of an attachment: no directory, one line. */
static char *
compose_file_name(const char *name)
{
	const char *base = name ? name : "";
	char *clean;

	if (strrchr(base, '/'))
		base = strrchr(base, '/') + 1;
	clean = compose_one_line(base);
	if (!*clean) {
		free(clean);
		clean = xstrdup("attachment");
	}
	return clean;
}

/*
 * Parses and checks everything compose_build() needs: the addresses of
 * every field into the lists (the caller frees them, also after a
 * failure), the UTF-8 of the texts, the attachments' types. Returns 0,
 * or -1 with err_msg() set and e pointing at the field.
 */
static int
compose_parse_all(const struct compose_msg *m, struct compose_addr_list *from,
		  struct compose_addr_list *to, struct compose_addr_list *cc,
		  struct compose_addr_list *bcc, struct compose_error *e)
{
	const char *s;
	char *type, *sub, why[96];
	size_t i;
	int bad;

	if (compose_parse_addresses(m->from_addr, COMPOSE_FIELD_FROM, from,
				    e) < 0)
		return -1;
	if (from->n != 1) {
		compose_point(e, COMPOSE_FIELD_FROM, 0, 0, 0);
		return err_set(from->n ? "more than one address in From"
				       : "no address in From");
	}
	if (m->msgid_domain && *m->msgid_domain) {
		if (asprintf(&type, "x@%s", m->msgid_domain) < 0)
			fatal("out of memory");
		bad = compose_addr_invalid(type, strlen(type), why,
					   sizeof(why)) != NULL;
		free(type);
		if (bad) {
			compose_point(e, COMPOSE_FIELD_FROM, 0, 0, 0);
			return err_set("invalid domain for the Message-ID: "
				       "'%s'",
				       m->msgid_domain);
		}
	}
	s = m->from_name ? m->from_name : "";
	if (!san_utf8_valid(s, strlen(s))) {
		compose_point(e, COMPOSE_FIELD_FROM, 0, 0, 0);
		return err_set("the name in From is not valid UTF-8");
	}
	if (compose_parse_addresses(m->to, COMPOSE_FIELD_TO, to, e) < 0 ||
	    compose_parse_addresses(m->cc, COMPOSE_FIELD_CC, cc, e) < 0 ||
	    compose_parse_addresses(m->bcc, COMPOSE_FIELD_BCC, bcc, e) < 0)
		return -1;
	if (to->n + cc->n + bcc->n == 0) {
		compose_point(e, COMPOSE_FIELD_TO, 0, 0, 0);
		return err_set("no recipient: To, Cc and Bcc are empty");
	}
	s = m->subject ? m->subject : "";
	if (!san_utf8_valid(s, strlen(s))) {
		compose_point(e, COMPOSE_FIELD_SUBJECT, 0, 0, 0);
		return err_set("the subject is not valid UTF-8");
	}
	s = m->body ? m->body : "";
	if (!san_utf8_valid(s, strlen(s))) {
		compose_point(e, COMPOSE_FIELD_BODY, 0, 0, 0);
		return err_set("the text is not valid UTF-8");
	}
	for (i = 0; i < m->n_att; i++) {
		s = m->att[i].filename ? m->att[i].filename : "";
		if (!san_utf8_valid(s, strlen(s))) {
			compose_point(e, COMPOSE_FIELD_ATTACHMENT, i, 0, 0);
			return err_set("the name of attachment %zu is not "
				       "valid UTF-8",
				       i + 1);
		}
		if (!m->att[i].type || !*m->att[i].type)
			continue;
		if (compose_split_type(m->att[i].type, &type, &sub) < 0) {
			compose_point(e, COMPOSE_FIELD_ATTACHMENT, i, 0, 0);
			return err_set("attachment '%s' has an invalid type "
				       "'%s'",
				       s, m->att[i].type);
		}
		free(type);
		free(sub);
	}
	return 0;
}

/* A draft's From when the account's is no mail address (RFC 2606). */
#define COMPOSE_DRAFT_FROM "draft@draft.invalid"

/*
 * A draft's fields: the lists are taken where they parse and left empty
 * where they do not (the text as typed goes into the draft anyway). A
 * From that is no single address (a local login such as "jdoe") must not
 * cost the draft: it becomes COMPOSE_DRAFT_FROM, and a resumed draft
 * takes the account's From again. Returns 0, or -1 with err_msg() set.
 */
static int
compose_parse_draft(const struct compose_msg *m,
		    struct compose_addr_list *from,
		    struct compose_addr_list *to, struct compose_addr_list *cc,
		    struct compose_addr_list *bcc, struct compose_error *e)
{
	struct compose_addr_list *lists[3] = { to, cc, bcc };
	const char *texts[3] = { m->to, m->cc, m->bcc };
	size_t i;

	if (compose_parse_addresses(m->from_addr, COMPOSE_FIELD_FROM, from,
				    NULL) < 0 ||
	    from->n != 1 || !strchr(from->v[0].addr, '@')) {
		compose_addr_list_free(from);
		if (compose_parse_addresses(COMPOSE_DRAFT_FROM,
					    COMPOSE_FIELD_FROM, from, e) < 0)
			return -1;
	}
	for (i = 0; i < 3; i++)
		if (compose_parse_addresses(texts[i], COMPOSE_FIELD_TO + i,
					    lists[i], NULL) < 0)
			compose_addr_list_free(lists[i]);
	return 0;
}

/*
 * Checks what the user wrote without building anything: every address
 * of From, To, Cc and Bcc, at least one recipient, valid UTF-8, the
 * attachments' types. Returns 0, or -1 with err_msg() naming the bad
 * entry and e (when given) pointing at it.
 */
int
compose_check(const struct compose_msg *m, struct compose_error *e)
{
	struct compose_addr_list from = { 0 }, to = { 0 }, cc = { 0 },
				 bcc = { 0 };
	int rc;

	rc = compose_parse_all(m, &from, &to, &cc, &bcc, e);
	compose_addr_list_free(&from);
	compose_addr_list_free(&to);
	compose_addr_list_free(&cc);
	compose_addr_list_free(&bcc);
	return rc;
}

/* Adds the addresses of l to the GMime list dst, names encoded in UTF-8. */
static void
compose_gmime_addresses(InternetAddressList *dst,
			const struct compose_addr_list *l)
{
	InternetAddress *ia;
	size_t i;

	for (i = 0; i < l->n; i++) {
		ia = internet_address_mailbox_new(
			*l->v[i].name ? l->v[i].name : NULL, l->v[i].addr);
		internet_address_set_charset(ia, "utf-8");
		internet_address_list_add(dst, ia);
		g_object_unref(ia);
	}
}

/* Returns a GMime part holding data[0..len), encoded with enc. */
static GMimePart *
compose_part(const char *type, const char *sub, const char *data, size_t len,
	     GMimeContentEncoding enc)
{
	GMimePart *part = g_mime_part_new_with_type(type, sub);
	GMimeStream *stream;
	GMimeDataWrapper *w;

	stream = g_mime_stream_mem_new_with_buffer(data, len);
	w = g_mime_data_wrapper_new_with_stream(stream,
						GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_mime_part_set_content_encoding(part, enc);
	g_object_unref(w);
	g_object_unref(stream);
	return part;
}

/* Returns the text part: the body flowed, 7bit or quoted-printable. */
static GMimeObject *
compose_text_part(const char *body)
{
	struct buf flowed = BUF_INIT;
	GMimePart *part;

	compose_flowed(&flowed, body, COMPOSE_WIDTH);
	part = compose_part("text", "plain", flowed.buf, flowed.len,
			    compose_is_7bit(flowed.buf, flowed.len)
				    ? GMIME_CONTENT_ENCODING_7BIT
				    : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part),
						 "charset", "utf-8");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "format",
						 "flowed");
	buf_release(&flowed);
	return GMIME_OBJECT(part);
}

/*
 * Makes GMime encode parameter name of l in UTF-8 (RFC 2231) rather than
 * in the smallest charset that holds it.
 */
static void
compose_utf8_param(GMimeParamList *l, const char *name)
{
	GMimeParam *p = l ? g_mime_param_list_get_parameter(l, name) : NULL;

	if (p)
		g_mime_param_set_charset(p, "UTF-8");
}

/*
 * Returns the part of attachment a: base64, or for a message/rfc822 the
 * message as it is (7bit or 8bit, which RFC 2046 requires; base64 only
 * when its lines are too long for that).
 */
static GMimeObject *
compose_attachment_part(const struct compose_attachment *a)
{
	char *type = NULL, *sub = NULL, *name;
	GMimeContentEncoding enc = GMIME_CONTENT_ENCODING_BASE64;
	GMimePart *part;

	if (!a->type || !*a->type ||
	    compose_split_type(a->type, &type, &sub) < 0) {
		type = xstrdup("application");
		sub = xstrdup("octet-stream");
	}
	if (strcasecmp(type, "message") == 0 &&
	    strcasecmp(sub, "rfc822") == 0 &&
	    compose_lines_fit(a->data, a->len))
		enc = compose_is_7bit(a->data, a->len)
			      ? GMIME_CONTENT_ENCODING_7BIT
			      : GMIME_CONTENT_ENCODING_8BIT;
	part = compose_part(type, sub, a->data ? a->data : "", a->len, enc);
	name = compose_file_name(a->filename);
	g_mime_object_set_disposition(GMIME_OBJECT(part), "attachment");
	g_mime_part_set_filename(part, name);
	compose_utf8_param(g_mime_content_disposition_get_parameters(
				   g_mime_object_get_content_disposition(
					   GMIME_OBJECT(part))),
			   "filename");
	compose_utf8_param(g_mime_content_type_get_parameters(
				   g_mime_object_get_content_type(
					   GMIME_OBJECT(part))),
			   "name");
	free(name);
	free(type);
	free(sub);
	return GMIME_OBJECT(part);
}

/* Returns a new Message-ID "<random.time@domain>"; the caller frees it. */
static char *
compose_new_message_id(const char *domain)
{
	unsigned char r[12];
	char hex[sizeof(r) * 2 + 1], *id;
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		fatal("getrandom: %s", strerror(errno));
	for (i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	if (asprintf(&id, "<%s.%llx@%s>", hex, (unsigned long long)time(NULL),
		     domain) < 0)
		fatal("out of memory");
	return id;
}

/* Adds a header of message IDs, only their "<...>" parts, when any. */
static void
compose_id_header(GMimeMessage *msg, const char *name, const char *ids)
{
	char **v = NULL;
	struct buf b = BUF_INIT;
	size_t n = 0, i;

	compose_msgids(ids, &v, &n);
	for (i = 0; i < n; i++) {
		if (b.len)
			buf_addch(&b, ' ');
		buf_adds(&b, v[i]);
		free(v[i]);
	}
	free(v);
	if (b.len)
		g_mime_object_set_header(GMIME_OBJECT(msg), name, b.buf, NULL);
	buf_release(&b);
}

/* Adds addr (any case) to out->rcpt unless it is there already. */
static void
compose_add_rcpt(struct compose_out *out, const char *addr)
{
	char **v;
	size_t i;

	for (i = 0; i < out->n_rcpt; i++)
		if (strcasecmp(out->rcpt[i], addr) == 0)
			return;
	v = realloc(out->rcpt, (out->n_rcpt + 1) * sizeof(*v));
	if (!v)
		fatal("out of memory");
	out->rcpt = v;
	v[out->n_rcpt++] = xstrdup(addr);
}

/* Writes msg to out->raw with CRLF line ends, ending in one. */
static void
compose_write(GMimeMessage *msg, struct compose_out *out)
{
	GMimeFormatOptions *fo = g_mime_format_options_new();
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *ba;

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	buf_add(&out->raw, ba->data, ba->len);
	if (out->raw.len < 2 ||
	    memcmp(out->raw.buf + out->raw.len - 2, "\r\n", 2) != 0)
		buf_add(&out->raw, "\r\n", 2);
	g_object_unref(mem);
	g_mime_format_options_free(fo);
}

/* Sets header name to text as typed, RFC 2047-encoded; nothing if empty. */
static void
compose_raw_header(GMimeMessage *msg, const char *name, const char *text)
{
	char *line, *enc;

	if (!text || !*text)
		return;
	line = compose_one_line(text);
	enc = g_mime_utils_header_encode_text(NULL, line, "utf-8");
	g_mime_object_set_header(GMIME_OBJECT(msg), name, enc ? enc : line,
				 NULL);
	g_free(enc);
	free(line);
}

/*
 * What only a draft has: Bcc, the address fields as typed (they may not
 * parse yet) and where it came from.
 */
static void
compose_draft_headers(GMimeMessage *msg, const struct compose_msg *m,
		      const struct compose_addr_list *bcc)
{
	compose_gmime_addresses(
		g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_BCC),
		bcc);
	compose_raw_header(msg, "X-Tuimail-To", m->to);
	compose_raw_header(msg, "X-Tuimail-Cc", m->cc);
	compose_raw_header(msg, "X-Tuimail-Bcc", m->bcc);
	compose_raw_header(msg, "X-Tuimail-Origin", m->origin);
}

/*
 * A draft's text part: the text exactly as typed, not flowed, so that
 * trailing spaces survive (quoted-printable keeps them).
 */
static GMimeObject *
compose_draft_part(const char *body)
{
	const char *b = body ? body : "";
	GMimePart *part;

	part = compose_part("text", "plain", b, strlen(b),
			    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part),
						 "charset", "utf-8");
	return GMIME_OBJECT(part);
}

/*
 * Builds the message m into out (which the caller frees with
 * compose_out_free(), also after a failure): the headers From, To, Cc,
 * Subject, Date, Message-ID, In-Reply-To, References, User-Agent and
 * MIME-Version; the text flowed; the attachments. The envelope holds
 * every recipient of To, Cc and Bcc once. Returns 0, or -1 with
 * err_msg() set and e pointing at the field to fix.
 */
int
compose_build(const struct compose_msg *m, struct compose_out *out,
	      struct compose_error *e)
{
	struct compose_addr_list from = { 0 }, to = { 0 }, cc = { 0 },
				 bcc = { 0 };
	const struct compose_addr_list *lists[3] = { &to, &cc, &bcc };
	GMimeMessage *msg = NULL;
	GMimeMultipart *mixed;
	GMimeObject *part;
	GDateTime *date;
	char *subject = NULL, *inner;
	const char *dom, *id;
	size_t i, j;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	buf_init(&out->raw);
	compose_init();
	if ((m->draft ? compose_parse_draft(m, &from, &to, &cc, &bcc, e)
		      : compose_parse_all(m, &from, &to, &cc, &bcc, e)) < 0)
		goto out;
	if (m->from_name && *m->from_name) {
		free(from.v[0].name);
		from.v[0].name = compose_one_line(m->from_name);
	}
	dom = m->msgid_domain && *m->msgid_domain ? m->msgid_domain
	      : strrchr(from.v[0].addr, '@')	  ? strrchr(from.v[0].addr, '@') + 1
						  : "localhost.invalid";
	id = m->message_id;
	if (id && *id) {
		if (asprintf(&out->message_id, "%s%s%s", *id == '<' ? "" : "<",
			     id, *id == '<' ? "" : ">") < 0)
			fatal("out of memory");
		if (!compose_msgid_ok(out->message_id,
				      strlen(out->message_id))) {
			compose_point(e, COMPOSE_FIELD_FROM, 0, 0, 0);
			err_set("invalid Message-ID '%s'", id);
			goto out;
		}
	} else {
		out->message_id = compose_new_message_id(dom);
	}
	out->from = xstrdup(from.v[0].addr);
	for (i = 0; i < 3; i++)
		for (j = 0; j < lists[i]->n; j++)
			compose_add_rcpt(out, lists[i]->v[j].addr);

	msg = g_mime_message_new(TRUE);
	compose_gmime_addresses(g_mime_message_get_from(msg), &from);
	compose_gmime_addresses(
		g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO), &to);
	compose_gmime_addresses(
		g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC), &cc);
	subject = compose_one_line(m->subject);
	g_mime_message_set_subject(msg, subject, "utf-8");
	date = g_date_time_new_from_unix_local(m->date ? m->date
						       : (int64_t)time(NULL));
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	/* GMime adds the angle brackets itself. */
	inner = compose_strndup(out->message_id + 1,
				strlen(out->message_id) - 2);
	g_mime_message_set_message_id(msg, inner);
	free(inner);
	compose_id_header(msg, "In-Reply-To", m->in_reply_to);
	compose_id_header(msg, "References", m->references);
	g_mime_object_set_header(GMIME_OBJECT(msg), "User-Agent",
				 COMPOSE_USER_AGENT, NULL);
	if (m->draft)
		compose_draft_headers(msg, m, &bcc);

	part = m->draft ? compose_draft_part(m->body)
			: compose_text_part(m->body);
	if (m->n_att > 0) {
		mixed = g_mime_multipart_new_with_subtype("mixed");
		g_mime_multipart_add(mixed, part);
		g_object_unref(part);
		for (i = 0; i < m->n_att; i++) {
			part = compose_attachment_part(&m->att[i]);
			g_mime_multipart_add(mixed, part);
			g_object_unref(part);
		}
		part = GMIME_OBJECT(mixed);
	}
	g_mime_message_set_mime_part(msg, part);
	g_object_unref(part);
	compose_write(msg, out);
	rc = 0;
out:
	if (msg)
		g_object_unref(msg);
	free(subject);
	compose_addr_list_free(&from);
	compose_addr_list_free(&to);
	compose_addr_list_free(&cc);
	compose_addr_list_free(&bcc);
	return rc;
}

/* Frees what o holds and leaves it empty. */
void
compose_out_free(struct compose_out *o)
{
	size_t i;

	buf_release(&o->raw);
	free(o->message_id);
	free(o->from);
	for (i = 0; i < o->n_rcpt; i++)
		free(o->rcpt[i]);
	free(o->rcpt);
	memset(o, 0, sizeof(*o));
	buf_init(&o->raw);
}

/* Adds the mailboxes of a GMime list (groups flattened) to out. */
static void
compose_from_gmime(InternetAddressList *l, struct compose_addr_list *out,
		   int depth)
{
	InternetAddress *ia;
	const char *addr, *name;
	int i, n = l ? internet_address_list_length(l) : 0;

	for (i = 0; i < n && depth < COMPOSE_MAX_DEPTH; i++) {
		ia = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			compose_from_gmime(internet_address_group_get_members(
						   INTERNET_ADDRESS_GROUP(ia)),
					   out, depth + 1);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		addr = internet_address_mailbox_get_addr(
			INTERNET_ADDRESS_MAILBOX(ia));
		name = internet_address_get_name(ia);
		if (!addr || !*addr || strpbrk(addr, " \t\r\n<>,;\"") ||
		    !san_utf8_valid(addr, strlen(addr)))
			continue;
		if (name && !san_utf8_valid(name, strlen(name)))
			name = NULL;
		compose_list_add(out, name ? name : "", addr, strlen(addr));
	}
}

/* Adds attachment a to s, taking data (malloc'ed, len bytes). */
static void
compose_start_attach(struct compose_start *s, const char *name,
		     const char *type, char *data, size_t len)
{
	struct compose_attachment *v;

	v = realloc(s->att, (s->n_att + 1) * sizeof(*v));
	if (!v)
		fatal("out of memory");
	s->att = v;
	v[s->n_att].filename = compose_file_name(name);
	v[s->n_att].type = xstrdup(type);
	v[s->n_att].data = data;
	v[s->n_att].len = len;
	s->n_att++;
}

/* Returns a malloc'ed copy of what a GMime memory stream holds. */
static char *
compose_stream_bytes(GMimeStream *mem, size_t *len)
{
	GByteArray *ba;
	char *d;

	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	d = malloc(ba->len ? ba->len : 1);

	if (!d)
		fatal("out of memory");
	memcpy(d, ba->data, ba->len);
	*len = ba->len;
	return d;
}

/* Returns a file name for a message: its subject and ".eml". */
static char *
compose_eml_name(const char *subject)
{
	struct buf b = BUF_INIT;
	char *clean = compose_one_line(subject);
	size_t i, chars = 0;

	for (i = 0; clean[i] && chars < 60; i++) {
		if (((unsigned char)clean[i] & 0xC0) != 0x80)
			chars++;
		buf_addch(&b, strchr("/\\:*?\"<>|", clean[i]) ? '_' : clean[i]);
	}
	while (i > 0 && clean[i] && ((unsigned char)clean[i] & 0xC0) == 0x80)
		buf_addch(&b, clean[i++]);
	buf_rtrim(&b);
	buf_adds(&b, b.len ? ".eml" : "message.eml");
	free(clean);
	return buf_detach(&b, NULL);
}

/*
 * Copies the attachments of the message under obj into s: every leaf
 * part with a file name or an "attachment" disposition, decoded, and
 * every attached message as message/rfc822.
 */
static void
compose_keep_attachments(GMimeObject *obj, struct compose_start *s, int depth)
{
	GMimeFormatOptions *fo;
	GMimeMultipart *mp;
	GMimeDataWrapper *w;
	GMimeMessage *inner;
	GMimeStream *mem;
	const char *disp, *name;
	char *type, *data, *eml;
	size_t len;
	int i;

	if (depth > COMPOSE_MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		mp = GMIME_MULTIPART(obj);
		for (i = 0; i < g_mime_multipart_get_count(mp); i++)
			compose_keep_attachments(
				g_mime_multipart_get_part(mp, i), s, depth + 1);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(
			GMIME_MESSAGE_PART(obj));
		if (!inner)
			return;
		fo = g_mime_format_options_new();
		g_mime_format_options_set_newline_format(
			fo, GMIME_NEWLINE_FORMAT_DOS);
		mem = g_mime_stream_mem_new();
		g_mime_object_write_to_stream(GMIME_OBJECT(inner), fo, mem);
		data = compose_stream_bytes(mem, &len);
		eml = compose_eml_name(g_mime_message_get_subject(inner));
		compose_start_attach(s, eml, "message/rfc822", data, len);
		free(eml);
		g_object_unref(mem);
		g_mime_format_options_free(fo);
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	disp = g_mime_object_get_disposition(obj);
	name = g_mime_part_get_filename(GMIME_PART(obj));
	if (!name && !(disp && strcasecmp(disp, "attachment") == 0))
		return;
	w = g_mime_part_get_content(GMIME_PART(obj));
	if (!w)
		return;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	data = compose_stream_bytes(mem, &len);
	type = g_mime_content_type_get_mime_type(
		g_mime_object_get_content_type(obj));
	compose_start_attach(s, name, type, data, len);
	g_free(type);
	g_object_unref(mem);
}

/* Returns the decoded, sanitised value of header name of msg, or "". */
static char *
compose_header(GMimeMessage *msg, const char *name)
{
	const char *raw = g_mime_object_get_header(GMIME_OBJECT(msg), name);

	return raw ? mime_decode_header(raw) : xstrdup("");
}

/* The text of the original under a forward's separator line. */
static void
compose_forward_text(struct buf *b, GMimeMessage *msg, const char *text)
{
	static const char *const names[] = { "From", "Date", "Subject", "To",
					     "Cc" };
	char *v;
	size_t i;

	buf_adds(b, "\n\n---------- Forwarded message ----------\n");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = compose_header(msg, names[i]);
		if (*v)
			buf_addf(b, "%s: %s\n", names[i], v);
		free(v);
	}
	buf_addch(b, '\n');
	buf_adds(b, text);
}

/*
 * Fills out (which the caller frees with compose_start_free(), also after
 * a failure) with the composer's fields for a reply, reply-all or forward
 * of the message raw[0..len), as o says. Returns 0, or -1 with err_msg()
 * set when the message cannot be parsed at all.
 */
int
compose_start(const char *raw, size_t len, const struct compose_start_opts *o,
	      struct compose_start *out)
{
	struct compose_addr_list from = { 0 }, reply_to = { 0 }, to = { 0 },
				 cc = { 0 }, rto = { 0 }, rcc = { 0 };
	struct compose_parent parent = { &from, &reply_to, &to, &cc };
	struct mime_view view;
	struct buf body = BUF_INIT;
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *msg = NULL;
	GDateTime *date;
	const char *id;
	char *subject = NULL, *attribution, *data;
	int64_t when = 0;
	int rc = -1, rendered = 0;

	memset(out, 0, sizeof(*out));
	memset(&view, 0, sizeof(view));
	compose_init();
	stream = g_mime_stream_mem_new_with_buffer(raw, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, compose_opts);
	if (!msg) {
		err_set("cannot parse the message to %s",
			o->kind == COMPOSE_REPLY || o->kind == COMPOSE_REPLY_ALL
				? "reply to"
				: "forward");
		goto out;
	}
	compose_from_gmime(g_mime_message_get_from(msg), &from, 0);
	compose_from_gmime(g_mime_message_get_reply_to(msg), &reply_to, 0);
	compose_from_gmime(g_mime_message_get_addresses(msg,
							GMIME_ADDRESS_TYPE_TO),
			   &to, 0);
	compose_from_gmime(g_mime_message_get_addresses(msg,
							GMIME_ADDRESS_TYPE_CC),
			   &cc, 0);
	subject = compose_header(msg, "Subject");
	date = g_mime_message_get_date(msg);
	if (date)
		when = g_date_time_to_unix(date);
	if (o->kind != COMPOSE_FORWARD_ATTACHED) {
		mime_render(raw, len, MIME_PREFER_TEXT, &view);
		rendered = 1;
	}

	switch (o->kind) {
	case COMPOSE_REPLY:
	case COMPOSE_REPLY_ALL:
		compose_reply_recipients(&parent, o->kind == COMPOSE_REPLY_ALL,
					 o->own, o->n_own, &rto, &rcc);
		out->to = compose_format_addresses(&rto);
		out->cc = compose_format_addresses(&rcc);
		out->subject = compose_subject_reply(subject);
		attribution = compose_attribution(
			o->attribution, from.n ? from.v[0].name : "",
			from.n ? from.v[0].addr : "", when);
		compose_quote(&body, view.body.buf, attribution);
		free(attribution);
		out->body = buf_detach(&body, NULL);
		id = g_mime_message_get_message_id(msg);
		if (id && *id) {
			if (asprintf(&out->in_reply_to, "<%s>", id) < 0)
				fatal("out of memory");
			if (!compose_msgid_ok(out->in_reply_to,
					      strlen(out->in_reply_to))) {
				free(out->in_reply_to);
				out->in_reply_to = NULL;
			}
		}
		out->references = compose_references(
			g_mime_object_get_header(GMIME_OBJECT(msg),
						 "References"),
			g_mime_object_get_header(GMIME_OBJECT(msg),
						 "In-Reply-To"),
			out->in_reply_to);
		break;
	case COMPOSE_FORWARD:
		out->to = xstrdup("");
		out->cc = xstrdup("");
		out->subject = compose_subject_forward(subject);
		compose_forward_text(&body, msg, view.body.buf);
		out->body = buf_detach(&body, NULL);
		if (o->keep_attachments)
			compose_keep_attachments(
				g_mime_message_get_mime_part(msg), out, 0);
		break;
	case COMPOSE_FORWARD_ATTACHED:
		out->to = xstrdup("");
		out->cc = xstrdup("");
		out->subject = compose_subject_forward(subject);
		out->body = xstrdup("");
		data = malloc(len ? len : 1);
		if (!data)
			fatal("out of memory");
		memcpy(data, raw, len);
		attribution = compose_eml_name(subject);
		compose_start_attach(out, attribution, "message/rfc822", data,
				     len);
		free(attribution);
		break;
	}
	rc = 0;
out:
	if (rendered)
		mime_view_free(&view);
	if (msg)
		g_object_unref(msg);
	if (parser)
		g_object_unref(parser);
	if (stream)
		g_object_unref(stream);
	free(subject);
	buf_release(&body);
	compose_addr_list_free(&from);
	compose_addr_list_free(&reply_to);
	compose_addr_list_free(&to);
	compose_addr_list_free(&cc);
	compose_addr_list_free(&rto);
	compose_addr_list_free(&rcc);
	return rc;
}

/* Frees what s holds and leaves it empty. */
void
compose_start_free(struct compose_start *s)
{
	size_t i;

	free(s->to);
	free(s->cc);
	free(s->subject);
	free(s->body);
	free(s->in_reply_to);
	free(s->references);
	for (i = 0; i < s->n_att; i++) {
		free(s->att[i].filename);
		free(s->att[i].type);
		free(s->att[i].data);
	}
	free(s->att);
	memset(s, 0, sizeof(*s));
}

/*
 * The first text/plain part under obj that is not an attachment, decoded
 * to out with '\n' line ends and unflowed when it is format=flowed.
 * Returns 1 when found.
 */
static int
compose_draft_text(GMimeObject *obj, struct buf *out, int depth)
{
	GMimeContentType *ct;
	GMimeDataWrapper *w;
	GMimeStream *mem;
	GByteArray *ba;
	const char *disp, *fmt, *delsp;
	struct buf t = BUF_INIT;
	size_t i;
	int n;

	if (depth > COMPOSE_MAX_DEPTH)
		return 0;
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < (size_t)n; i++)
			if (compose_draft_text(g_mime_multipart_get_part(
						       GMIME_MULTIPART(obj),
						       (int)i),
					       out, depth + 1))
				return 1;
		return 0;
	}
	if (!GMIME_IS_PART(obj))
		return 0;
	ct = g_mime_object_get_content_type(obj);
	disp = g_mime_object_get_disposition(obj);
	if (!g_mime_content_type_is_type(ct, "text", "plain") ||
	    (disp && strcasecmp(disp, "attachment") == 0) ||
	    g_mime_part_get_filename(GMIME_PART(obj)))
		return 0;
	w = g_mime_part_get_content(GMIME_PART(obj));
	if (!w)
		return 1;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	for (i = 0; i < ba->len; i++)
		if (ba->data[i] != '\r')
			buf_addch(&t, ba->data[i]);
	g_object_unref(mem);
	fmt = g_mime_content_type_get_parameter(ct, "format");
	delsp = g_mime_content_type_get_parameter(ct, "delsp");
	if (fmt && strcasecmp(fmt, "flowed") == 0)
		flowed_to_text(t.buf, t.len,
			       delsp && strcasecmp(delsp, "yes") == 0, out);
	else
		buf_add(out, t.buf, t.len);
	buf_release(&t);
	return 1;
}

/* The decoded header name, or the addresses of list formatted; owned. */
static char *
compose_draft_field(GMimeMessage *msg, const char *name,
		    InternetAddressList *list)
{
	struct compose_addr_list l = { 0 };
	const char *raw = g_mime_object_get_header(GMIME_OBJECT(msg), name);
	char *s;

	if (raw)
		return mime_decode_header(raw);
	compose_from_gmime(list, &l, 0);
	s = compose_format_addresses(&l);
	compose_addr_list_free(&l);
	return s;
}

/*
 * Reads a draft (ours, or any message in Drafts) back into the
 * composer's fields: the address fields as typed where the draft kept
 * them, the text (unflowed), the attachments, the thread headers and the
 * origin. out is the caller's to free with compose_draft_free(), also
 * after a failure. Returns 0, or -1 with err_msg() set.
 */
int
compose_draft_parse(const char *raw, size_t len, struct compose_draft *out)
{
	struct compose_start atts;
	struct buf body = BUF_INIT;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	const char *h;

	memset(out, 0, sizeof(*out));
	memset(&atts, 0, sizeof(atts));
	compose_init();
	stream = g_mime_stream_mem_new_with_buffer(raw, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, compose_opts);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!msg)
		return err_set("cannot parse the draft");
	out->to = compose_draft_field(
		msg, "X-Tuimail-To",
		g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO));
	out->cc = compose_draft_field(
		msg, "X-Tuimail-Cc",
		g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC));
	out->bcc = compose_draft_field(
		msg, "X-Tuimail-Bcc",
		g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_BCC));
	out->subject = compose_header(msg, "Subject");
	compose_draft_text(g_mime_message_get_mime_part(msg), &body, 0);
	out->body = buf_detach(&body, NULL);
	h = g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To");
	out->in_reply_to = h ? compose_one_line(h) : NULL;
	h = g_mime_object_get_header(GMIME_OBJECT(msg), "References");
	out->references = h ? compose_one_line(h) : NULL;
	h = g_mime_object_get_header(GMIME_OBJECT(msg), "X-Tuimail-Origin");
	out->origin = h ? mime_decode_header(h) : NULL;
	h = g_mime_object_get_header(GMIME_OBJECT(msg), "User-Agent");
	out->ours = h && !strcmp(h, COMPOSE_USER_AGENT);
	compose_keep_attachments(g_mime_message_get_mime_part(msg), &atts, 0);
	out->att = atts.att;
	out->n_att = atts.n_att;
	g_object_unref(msg);
	return 0;
}

/* Frees what d holds and leaves it empty. */
void
compose_draft_free(struct compose_draft *d)
{
	size_t i;

	free(d->to);
	free(d->cc);
	free(d->bcc);
	free(d->subject);
	free(d->body);
	free(d->in_reply_to);
	free(d->references);
	free(d->origin);
	for (i = 0; i < d->n_att; i++) {
		free(d->att[i].filename);
		free(d->att[i].type);
		free(d->att[i].data);
	}
	free(d->att);
	memset(d, 0, sizeof(*d));
}
