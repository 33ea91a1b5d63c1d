/*
 * conf.h: tui.conf, the one configuration file of tuimaild, tuimailctl
 * and tuimail, and the webmail .env file it may name.
 *
 * The file is INI-style: "[section]", "key = value", '#' comments. Every
 * key, its type and its default live in one table in conf.c, which is also
 * what tui.conf.example documents. conf_load() fills a struct conf; an
 * unknown key, a bad value or a missing file fails with "file:line: ..."
 * in err_msg(). Keys set in tui.conf win over the same setting taken from
 * [panel] env_file.
 */
#ifndef TUIMAIL_CONF_H
#define TUIMAIL_CONF_H

#define CONF_DEFAULT_PATH "/etc/tuimail/tui.conf"
#define CONF_MAX_LISTEN 8

enum conf_security { CONF_SEC_TLS, CONF_SEC_STARTTLS, CONF_SEC_NONE };
enum conf_isolation { CONF_ISO_PER_ACCOUNT, CONF_ISO_SHARED };
enum conf_scheme { CONF_SCHEME_BLF_CRYPT, CONF_SCHEME_SHA512_CRYPT };

/* Every string is owned by the struct and freed by conf_free(). */
struct conf {
	char *path; /* the file this was loaded from */

	/* [server] */
	char *listen[CONF_MAX_LISTEN];
	int n_listen;
	char *host_key;
	char *state_dir;
	char *database;
	int session_isolation; /* enum conf_isolation */
	long session_uid_base;
	char *session_user;
	long max_sessions;
	long max_startups;
	long login_grace_time; /* seconds */
	long max_auth_tries;

	/* [imap] */
	char *imap_host;
	long imap_port; /* 0: 993 for tls, 143 otherwise */
	int imap_security;
	int imap_verify_cert;
	char *imap_ca_file;
	char *imap_master_user;
	char *imap_master_password_file;
	char *imap_master_password; /* only from env_file; secret */

	/* [smtp] */
	char *smtp_host;
	long smtp_port; /* 0: 465 for tls, 587 otherwise */
	int smtp_security;
	int smtp_verify_cert;
	int smtp_save_sent;

	/* [admin] */
	int mail_admin;
	char *admins; /* comma-separated addresses */
	int require_2fa;
	int dovecot_passdb;
	int dovecot_password_scheme; /* enum conf_scheme */
	char *maildir_root;

	/* [panel] */
	char *mail_sync_secret; /* secret */
	int sync_accept_plain_secret;
	char *sso_secret; /* secret */
	int sso_requires_2fa;
	char *http_listen;
	char *env_file;

	/* [ui] */
	char *keymap;
	char *theme;
};

int conf_load(struct conf *c, const char *path);
int conf_load_string(struct conf *c, const char *name, const char *text);
void conf_defaults(struct conf *c);
void conf_free(struct conf *c);

long conf_imap_port(const struct conf *c);
long conf_smtp_port(const struct conf *c);
int conf_panel_mode(const struct conf *c);
int conf_security_parse(const char *s);
int conf_is_admin(const struct conf *c, const char *email);
const char *conf_scheme_name(int scheme);
const char *conf_mode_reason(const struct conf *c);

#endif
