/*
 * conf.c: the tui.conf parser, its key table and the .env reader.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "log.h"

enum conf_type { CT_STR, CT_PATH, CT_ADDR, CT_LIST_ADDR, CT_LONG, CT_BOOL, CT_ENUM };

struct conf_key {
	const char *section;
	const char *name;
	enum conf_type type;
	size_t off;
	const char *def; /* the default, written as in the file */
	long min, max;	 /* CT_LONG; for CT_PATH, min 1 = required */
	const char *const *choices; /* CT_ENUM, index = stored value */
};

static const char *const sec_choices[] = { "tls", "starttls", "none", NULL };
static const char *const iso_choices[] = { "per-account", "shared", NULL };
static const char *const scheme_choices[] = { "BLF-CRYPT", "SHA512-CRYPT",
					      NULL };

#define O(f) offsetof(struct conf, f)
static const struct conf_key conf_keys[] = {
	{ "server", "listen", CT_LIST_ADDR, O(listen), "127.0.0.1:2222", 0, 0, NULL },
	{ "server", "host_key", CT_PATH, O(host_key),
	  "/etc/tuimail/ssh_host_ed25519_key", 1, 0, NULL },
	{ "server", "state_dir", CT_PATH, O(state_dir), "/var/lib/tuimail", 1, 0,
	  NULL },
	{ "server", "database", CT_PATH, O(database),
	  "/var/lib/tuimail/tuimail.db", 1, 0, NULL },
	{ "server", "session_isolation", CT_ENUM, O(session_isolation),
	  "per-account", 0, 0, iso_choices },
	{ "server", "session_uid_base", CT_LONG, O(session_uid_base), "1000000",
	  1000, 2000000000, NULL },
	{ "server", "session_user", CT_STR, O(session_user), "tuimail", 0, 0, NULL },
	{ "server", "max_sessions", CT_LONG, O(max_sessions), "100", 1, 100000, NULL },
	{ "server", "max_startups", CT_LONG, O(max_startups), "10", 1, 10000, NULL },
	{ "server", "login_grace_time", CT_LONG, O(login_grace_time), "60", 1, 3600,
	  NULL },
	{ "server", "max_auth_tries", CT_LONG, O(max_auth_tries), "3", 1, 100, NULL },

	{ "imap", "host", CT_STR, O(imap_host), "127.0.0.1", 0, 0, NULL },
	{ "imap", "port", CT_LONG, O(imap_port), "0", 0, 65535, NULL },
	{ "imap", "security", CT_ENUM, O(imap_security), "tls", 0, 0, sec_choices },
	{ "imap", "verify_cert", CT_BOOL, O(imap_verify_cert), "yes", 0, 0, NULL },
	{ "imap", "ca_file", CT_PATH, O(imap_ca_file), "", 0, 0, NULL },
	{ "imap", "master_user", CT_STR, O(imap_master_user), "", 0, 0, NULL },
	{ "imap", "master_password_file", CT_PATH, O(imap_master_password_file), "",
	  0, 0, NULL },

	{ "smtp", "host", CT_STR, O(smtp_host), "127.0.0.1", 0, 0, NULL },
	{ "smtp", "port", CT_LONG, O(smtp_port), "0", 0, 65535, NULL },
	{ "smtp", "security", CT_ENUM, O(smtp_security), "starttls", 0, 0,
	  sec_choices },
	{ "smtp", "verify_cert", CT_BOOL, O(smtp_verify_cert), "yes", 0, 0, NULL },
	{ "smtp", "save_sent", CT_BOOL, O(smtp_save_sent), "yes", 0, 0, NULL },

	{ "admin", "mail_admin", CT_BOOL, O(mail_admin), "no", 0, 0, NULL },
	{ "admin", "admins", CT_STR, O(admins), "", 0, 0, NULL },
	{ "admin", "require_2fa", CT_BOOL, O(require_2fa), "yes", 0, 0, NULL },
	{ "admin", "dovecot_passdb", CT_BOOL, O(dovecot_passdb), "yes", 0, 0, NULL },
	{ "admin", "dovecot_password_scheme", CT_ENUM, O(dovecot_password_scheme),
	  "BLF-CRYPT", 0, 0, scheme_choices },
	{ "admin", "maildir_root", CT_PATH, O(maildir_root), "", 0, 0, NULL },

	{ "panel", "mail_sync_secret", CT_STR, O(mail_sync_secret), "", 0, 0, NULL },
	{ "panel", "sync_accept_plain_secret", CT_BOOL, O(sync_accept_plain_secret),
	  "no", 0, 0, NULL },
	{ "panel", "sso_secret", CT_STR, O(sso_secret), "", 0, 0, NULL },
	{ "panel", "sso_requires_2fa", CT_BOOL, O(sso_requires_2fa), "yes", 0, 0,
	  NULL },
	{ "panel", "http_listen", CT_ADDR, O(http_listen), "127.0.0.1:8091", 0, 0,
	  NULL },
	{ "panel", "env_file", CT_PATH, O(env_file), "", 0, 0, NULL },

	{ "ui", "keymap", CT_STR, O(keymap), "default", 0, 0, NULL },
	{ "ui", "theme", CT_STR, O(theme), "default", 0, 0, NULL },
};
#undef O
#define N_KEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

/*
 * The webmail .env keys that map onto tui.conf keys. Keys not listed are
 * the webmail's own business and are ignored.
 */
static const struct {
	const char *env;
	const char *section;
	const char *name; /* NULL: imap_master_password, kept in memory only */
} env_map[] = {
	{ "MAIL_ADMIN", "admin", "mail_admin" },
	{ "MAIL_SYNC_SECRET", "panel", "mail_sync_secret" },
	{ "OPTERIUS_SSO_SECRET", "panel", "sso_secret" },
	{ "PANEL_SSO_SECRET", "panel", "sso_secret" },
	{ "DOVECOT_PASSWORD_SCHEME", "admin", "dovecot_password_scheme" },
	{ "IMAP_HOST", "imap", "host" },
	{ "IMAP_PORT", "imap", "port" },
	{ "IMAP_ENCRYPTION", "imap", "security" },
	{ "IMAP_VALIDATE_CERT", "imap", "verify_cert" },
	{ "IMAP_MASTER_USER", "imap", "master_user" },
	{ "IMAP_MASTER_PASS", "imap", NULL },
	{ "SMTP_HOST", "smtp", "host" },
	{ "SMTP_PORT", "smtp", "port" },
	{ "SMTP_ENCRYPTION", "smtp", "security" },
	{ "SMTP_VALIDATE_CERT", "smtp", "verify_cert" },
};

static const char *const conf_sections[] = { "server", "imap", "smtp", "admin",
					     "panel", "ui", NULL };

static char *
conf_strdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

static char **
conf_strp(struct conf *c, const struct conf_key *k)
{
	return (char **)(void *)((char *)c + k->off);
}

static long *
conf_longp(struct conf *c, const struct conf_key *k)
{
	return (long *)(void *)((char *)c + k->off);
}

static int *
conf_intp(struct conf *c, const struct conf_key *k)
{
	return (int *)(void *)((char *)c + k->off);
}

static const struct conf_key *
conf_find(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++)
		if (!strcmp(conf_keys[i].section, section) &&
		    !strcmp(conf_keys[i].name, name))
			return &conf_keys[i];
	return NULL;
}

static int
conf_parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	int i;

	for (i = 0; yes[i]; i++)
		if (!strcasecmp(v, yes[i])) {
			*out = 1;
			return 0;
		}
	for (i = 0; no[i]; i++)
		if (!strcasecmp(v, no[i])) {
			*out = 0;
			return 0;
		}
	return err_set("'%s' is not yes or no", v);
}

/*
 * Checks an "addr:port" listen address: an IPv4 address or host name, or
 * an IPv6 address in brackets, then a port from 1 to 65535.
 */
static int
conf_check_addr(const char *v)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long port;

	if (colon == NULL || colon == v)
		return err_set("'%s' is not addr:port", v);
	if (v[0] == '[' && colon[-1] != ']')
		return err_set("'%s' is not [ipv6]:port", v);
	if (v[0] != '[' && memchr(v, ':', (size_t)(colon - v)))
		return err_set("'%s': put an IPv6 address in brackets", v);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		return err_set("'%s' has no valid port", v);
	return 0;
}

/* Stores value v for key k in c; returns -1 with a message if it is bad. */
static int
conf_set(struct conf *c, const struct conf_key *k, const char *v, int first)
{
	char **sp;
	char *end;
	long n;
	int i;

	switch (k->type) {
	case CT_PATH:
		if (*v && *v != '/')
			return err_set("'%s' is not an absolute path", v);
		if (!*v && k->min)
			return err_set("a path is required");
		/* fall through */
	case CT_STR:
		sp = conf_strp(c, k);
		free(*sp);
		*sp = conf_strdup(v);
		return 0;
	case CT_ADDR:
		if (conf_check_addr(v) < 0)
			return -1;
		sp = conf_strp(c, k);
		free(*sp);
		*sp = conf_strdup(v);
		return 0;
	case CT_LIST_ADDR:
		if (conf_check_addr(v) < 0)
			return -1;
		if (first) {
			for (i = 0; i < c->n_listen; i++)
				free(c->listen[i]);
			c->n_listen = 0;
		}
		if (c->n_listen == CONF_MAX_LISTEN)
			return err_set("more than %d listen addresses",
				       CONF_MAX_LISTEN);
		c->listen[c->n_listen++] = conf_strdup(v);
		return 0;
	case CT_LONG:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || *end || end == v)
			return err_set("'%s' is not a number", v);
		if (n < k->min || n > k->max)
			return err_set("%ld is out of range (%ld to %ld)", n,
				       k->min, k->max);
		*conf_longp(c, k) = n;
		return 0;
	case CT_BOOL:
		return conf_parse_bool(v, conf_intp(c, k));
	case CT_ENUM:
		for (i = 0; k->choices[i]; i++)
			if (!strcasecmp(v, k->choices[i])) {
				*conf_intp(c, k) = i;
				return 0;
			}
		return err_set("'%s' is not one of the allowed values", v);
	}
	fatal("unknown conf type %d", (int)k->type);
}

/* Sets every key to its default; c must be zeroed or conf_free()d. */
void
conf_defaults(struct conf *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < N_KEYS; i++)
		if (conf_set(c, &conf_keys[i], conf_keys[i].def, 1) < 0)
			fatal("bad default for %s: %s", conf_keys[i].name,
			      err_msg());
}

void
conf_free(struct conf *c)
{
	size_t i;
	int j;

	for (i = 0; i < N_KEYS; i++) {
		enum conf_type t = conf_keys[i].type;

		if (t == CT_STR || t == CT_PATH || t == CT_ADDR) {
			char **sp = conf_strp(c, &conf_keys[i]);

			if (*sp)
				explicit_bzero(*sp, strlen(*sp));
			free(*sp);
		}
	}
	for (j = 0; j < c->n_listen; j++)
		free(c->listen[j]);
	if (c->imap_master_password) {
		explicit_bzero(c->imap_master_password,
			       strlen(c->imap_master_password));
		free(c->imap_master_password);
	}
	free(c->path);
	memset(c, 0, sizeof(*c));
}

static char *
conf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Parses the lines of one tui.conf text. set[] marks the keys the file
 * sets, so that env_file only fills the others.
 */
static int
conf_parse(struct conf *c, const char *name, const char *text,
	   unsigned char *set)
{
	char section[32] = "";
	const char *p = text;
	struct buf line = BUF_INIT;
	int lineno = 0, rc = -1;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const struct conf_key *k;
		char *s, *eq, *key, *val;

		lineno++;
		buf_reset(&line);
		buf_add(&line, p, n);
		p += n + (nl != NULL);
		s = conf_trim(line.buf);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			int i;

			if (end == NULL || end[1] != '\0') {
				err_set("%s:%d: malformed section header",
					name, lineno);
				goto out;
			}
			*end = '\0';
			s = conf_trim(s + 1);
			for (i = 0; conf_sections[i]; i++)
				if (!strcmp(s, conf_sections[i]))
					break;
			if (!conf_sections[i]) {
				err_set("%s:%d: unknown section '[%s]'", name,
					lineno, s);
				goto out;
			}
			snprintf(section, sizeof(section), "%s", s);
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			err_set("%s:%d: expected 'key = value'", name, lineno);
			goto out;
		}
		*eq = '\0';
		key = conf_trim(s);
		val = conf_trim(eq + 1);
		if (!*section) {
			err_set("%s:%d: key '%s' before any [section]", name,
				lineno, key);
			goto out;
		}
		k = conf_find(section, key);
		if (k == NULL) {
			err_set("%s:%d: unknown key '%s' in [%s]", name, lineno,
				key, section);
			goto out;
		}
		if (set[k - conf_keys] && k->type != CT_LIST_ADDR) {
			err_set("%s:%d: key '%s' in [%s] is set twice", name,
				lineno, key, section);
			goto out;
		}
		if (conf_set(c, k, val, !set[k - conf_keys]) < 0) {
			err_prefix("%s:%d: %s", name, lineno, key);
			goto out;
		}
		set[k - conf_keys] = 1;
	}
	rc = 0;
out:
	buf_release_secret(&line);
	return rc;
}

static int
conf_read_file(const char *path, struct buf *out)
{
	char chunk[4096];
	FILE *f;
	size_t n;

	f = fopen(path, "r");
	if (f == NULL)
		return err_set("cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	if (ferror(f)) {
		fclose(f);
		return err_set("cannot read '%s'", path);
	}
	fclose(f);
	explicit_bzero(chunk, sizeof(chunk));
	if (memchr(out->buf, '\0', out->len))
		return err_set("'%s' contains a NUL byte", path);
	return 0;
}

/* Maps the webmail's IMAP_ENCRYPTION / SMTP_ENCRYPTION words onto ours. */
static const char *
conf_env_security(const char *v)
{
	if (!strcasecmp(v, "ssl"))
		return "tls";
	if (!*v || !strcasecmp(v, "null") || !strcasecmp(v, "false"))
		return "none";
	return v;
}

/*
 * Reads a webmail .env file: KEY=value lines, optional "export ", values
 * optionally in single or double quotes. Fills the keys of env_map that
 * tui.conf did not set itself.
 */
static int
conf_load_env(struct conf *c, const unsigned char *set)
{
	struct buf text = BUF_INIT;
	const char *name = c->env_file;
	char *p, *s;
	int lineno = 0, rc = -1;

	if (conf_read_file(name, &text) < 0)
		goto out;
	for (p = text.buf; p && *p; p = s) {
		char *nl = strchr(p, '\n'), *eq, *key, *val;
		const struct conf_key *k;
		size_t i, vl;

		s = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		p = conf_trim(p);
		if (*p == '\0' || *p == '#')
			continue;
		if (!strncmp(p, "export ", 7))
			p = conf_trim(p + 7);
		eq = strchr(p, '=');
		if (eq == NULL) {
			err_set("%s:%d: expected KEY=value", name, lineno);
			goto out;
		}
		*eq = '\0';
		key = conf_trim(p);
		val = conf_trim(eq + 1);
		vl = strlen(val);
		if (vl >= 2 && (val[0] == '"' || val[0] == '\'') &&
		    val[vl - 1] == val[0]) {
			val[vl - 1] = '\0';
			val++;
		} else {
			char *hash = strstr(val, " #");

			if (hash) {
				*hash = '\0';
				val = conf_trim(val);
			}
		}
		for (i = 0; i < sizeof(env_map) / sizeof(env_map[0]); i++) {
			if (strcmp(key, env_map[i].env))
				continue;
			if (env_map[i].name == NULL) {
				free(c->imap_master_password);
				c->imap_master_password = conf_strdup(val);
				break;
			}
			k = conf_find(env_map[i].section, env_map[i].name);
			if (set[k - conf_keys])
				break;
			if (k->type == CT_ENUM && k->choices == sec_choices)
				val = (char *)conf_env_security(val);
			if (k->type == CT_LONG && !*val)
				val = (char *)k->def;
			if (conf_set(c, k, val, 1) < 0) {
				err_prefix("%s:%d: %s", name, lineno, key);
				goto out;
			}
			break;
		}
	}
	rc = 0;
out:
	buf_release_secret(&text);
	return rc;
}

/*
 * Loads configuration from text (name is used in messages) over the
 * defaults. On failure c is left freed and err_msg() names file:line.
 */
int
conf_load_string(struct conf *c, const char *name, const char *text)
{
	unsigned char set[N_KEYS] = { 0 };

	conf_defaults(c);
	c->path = conf_strdup(name);
	if (conf_parse(c, name, text, set) < 0)
		goto fail;
	if (*c->env_file && conf_load_env(c, set) < 0)
		goto fail;
	return 0;
fail:
	conf_free(c);
	return -1;
}

/* Loads the file at path; a missing or unreadable file is an error. */
int
conf_load(struct conf *c, const char *path)
{
	struct buf text = BUF_INIT;
	int rc;

	memset(c, 0, sizeof(*c));
	if (conf_read_file(path, &text) < 0) {
		buf_release_secret(&text);
		return -1;
	}
	rc = conf_load_string(c, path, text.buf);
	buf_release_secret(&text);
	return rc;
}

long
conf_imap_port(const struct conf *c)
{
	if (c->imap_port)
		return c->imap_port;
	return c->imap_security == CONF_SEC_TLS ? 993 : 143;
}

long
conf_smtp_port(const struct conf *c)
{
	if (c->smtp_port)
		return c->smtp_port;
	return c->smtp_security == CONF_SEC_TLS ? 465 : 587;
}

/* Panel-integrated mode is on exactly when a sync secret is set. */
int
conf_panel_mode(const struct conf *c)
{
	return c->mail_sync_secret[0] != '\0';
}

/* Returns a sentence saying which mode is in force and why. */
const char *
conf_mode_reason(const struct conf *c)
{
	if (conf_panel_mode(c))
		return "panel-integrated mode: [panel] mail_sync_secret is set";
	return "standalone mode: [panel] mail_sync_secret is empty";
}

/* Returns 1 if email (lower case) is listed in [admin] admins. */
int
conf_is_admin(const struct conf *c, const char *email)
{
	size_t n = strlen(email);
	const char *p = c->admins;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		while (len && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len == n && !strncasecmp(p, email, n))
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

const char *
conf_scheme_name(int scheme)
{
	return scheme_choices[scheme];
}

/* A security value as [imap] security takes it: CONF_SEC_*, or -1. */
int
conf_security_parse(const char *s)
{
	int i;

	for (i = 0; sec_choices[i]; i++)
		if (!strcmp(s, sec_choices[i]))
			return i;
	return -1;
}
