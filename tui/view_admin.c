/*
 * view_admin.c: the admin pane. Four tabs, Accounts, Domains, Aliases
 * and Audit, each a table (table.h) loaded from the door once and then
 * filtered, sorted and marked in memory; every change is a typed door
 * request (util/door_proto.h), which checks the session's role and
 * answers with a sentence we show. The door decides: what we hide (the
 * provisioning actions where dovecot_passdb = no) we also explain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/app.h"
#include "tui/display.h"
#include "tui/table.h"
#include "tui/text.h"
#include "util/door_proto.h"
#include "util/log.h"

#define ADMIN_PAGE 5000 /* rows asked for in one request */

enum admin_tab { ADMIN_ACCOUNTS, ADMIN_DOMAINS, ADMIN_ALIASES, ADMIN_AUDIT,
		 ADMIN_TABS };

static const char *const admin_tab_names[ADMIN_TABS] = { "Accounts",
							 "Domains", "Aliases",
							 "Audit" };

/* The door's account columns (door_req.c: door_account_row()). */
enum { AC_EMAIL, AC_DOMAIN, AC_QUOTA, AC_USAGE, AC_2FA, AC_SYNC, AC_STATUS,
       AC_NAME };
/* Domains, aliases and audit rows. */
enum { DO_DOMAIN, DO_ACCOUNTS, DO_ALIASES, DO_STATUS };
enum { AL_ALIAS, AL_DEST, AL_STATUS };
enum { AU_AT, AU_ACTOR, AU_ACTION, AU_TARGET, AU_DETAIL };

/* One column as drawn: a door column, a title, a width (0: the rest). */
struct admin_col {
	int cell;
	const char *title;
	int width;
	int right;
};

static const struct admin_col admin_account_cols[] = {
	{ AC_EMAIL, "Email", 0, 0 },	{ AC_DOMAIN, "Domain", 18, 0 },
	{ AC_QUOTA, "Quota", 8, 1 },	{ AC_USAGE, "Used", 7, 1 },
	{ AC_2FA, "2FA", 4, 0 },	{ AC_SYNC, "Last Sync", 16, 0 },
	{ AC_STATUS, "Status", 10, 0 }, { -1, NULL, 0, 0 },
};
static const struct admin_col admin_domain_cols[] = {
	{ DO_DOMAIN, "Domain", 0, 0 },	   { DO_ACCOUNTS, "Accounts", 9, 1 },
	{ DO_ALIASES, "Aliases", 8, 1 },   { DO_STATUS, "Status", 10, 0 },
	{ -1, NULL, 0, 0 },
};
static const struct admin_col admin_alias_cols[] = {
	{ AL_ALIAS, "Alias", 30, 0 },
	{ AL_DEST, "-> Destinations", 0, 0 },
	{ AL_STATUS, "Status", 9, 0 },
	{ -1, NULL, 0, 0 },
};
static const struct admin_col admin_audit_cols[] = {
	{ AU_AT, "Time", 19, 0 },	 { AU_ACTOR, "Actor", 22, 0 },
	{ AU_ACTION, "Action", 16, 0 }, { AU_TARGET, "Target", 22, 0 },
	{ AU_DETAIL, "Detail", 0, 0 },	 { -1, NULL, 0, 0 },
};

static const struct admin_col *const admin_cols[ADMIN_TABS] = {
	admin_account_cols, admin_domain_cols, admin_alias_cols,
	admin_audit_cols
};

/* What each tab's filter looks in. */
static const int admin_match_accounts[] = { AC_EMAIL, AC_DOMAIN };
static const int admin_match_domains[] = { DO_DOMAIN };
static const int admin_match_aliases[] = { AL_ALIAS, AL_DEST };
static const int admin_match_audit[] = { AU_ACTOR, AU_ACTION, AU_TARGET,
					 AU_DETAIL };

struct admin_priv {
	enum admin_tab tab;
	struct table t[ADMIN_TABS];
	int loaded[ADMIN_TABS];
	size_t cur[ADMIN_TABS], top[ADMIN_TABS];
	int filtering; /* a filter is being typed */
	int page;      /* data rows on screen at the last draw */
	int passdb;    /* accounts may be created, deleted, re-passworded */
	int panel;     /* a hosting panel syncs the accounts */
	struct buf maildir_root;
};

/* The title row's keys; the provisioning ones only where they work. */
static struct view_hint admin_hints[16];

static void
admin_set_hints(int passdb)
{
	static const struct view_hint all[] = {
		{ REQ_BACK, NULL },	       { REQ_NEXT_TAB, "Tab" },
		{ REQ_ADD, "Add" },	       { REQ_EDIT, "Edit" },
		{ REQ_RESET_PASSWORD, "Password" },
		{ REQ_SUSPEND, "Suspend" },    { REQ_REMOVE, "Delete" },
		{ REQ_MARK, "Mark" },	       { REQ_BULK, "Bulk" },
		{ REQ_FILTER, "Filter" },      { REQ_SORT, "Sort" },
		{ REQ_RESET_2FA, "Reset 2FA" }, { REQ_HELP, "Help" },
		{ REQ_NONE, NULL },
	};
	size_t i, n = 0;

	for (i = 0; all[i].req != REQ_NONE; i++) {
		if (!passdb && (all[i].req == REQ_ADD ||
				all[i].req == REQ_RESET_PASSWORD ||
				all[i].req == REQ_REMOVE))
			continue;
		admin_hints[n++] = all[i];
	}
	admin_hints[n].req = REQ_NONE;
	admin_hints[n].label = NULL;
}

/* Sends r and shows the door's answer; 0, or -1 with the error shown. */
static int
admin_call(struct app *a, struct door_req *r)
{
	struct buf said = BUF_INIT;
	int rc;

	rc = door_call(DOOR_FD, r, &said, NULL);
	if (rc < 0)
		app_error(a, "%s", err_msg());
	else
		app_message(a, "%s", said.buf);
	buf_release(&said);
	door_req_release(r);
	return rc;
}

/* Loads the rows of tab from the door, page by page. 0 or -1. */
static int
admin_load(struct admin_priv *p, enum admin_tab tab)
{
	static const uint16_t types[ADMIN_TABS] = {
		DOOR_ADMIN_ACCOUNTS, DOOR_ADMIN_DOMAINS, DOOR_ADMIN_ALIASES,
		DOOR_ADMIN_AUDIT
	};
	struct table *t = &p->t[tab];
	struct door_rows page;
	struct door_req r;
	uint64_t offset = 0, total;
	int rc;

	table_clear(t);
	do {
		door_req_init(&r, types[tab]);
		r.u[0] = offset;
		r.u[1] = ADMIN_PAGE;
		rc = door_call(DOOR_FD, &r, NULL, &page);
		door_req_release(&r);
		if (rc < 0)
			return -1;
		total = page.total;
		offset += page.rows;
		rc = page.rows;
		table_take(t, &page);
	} while (tab == ADMIN_ACCOUNTS && rc > 0 && offset < total);
	p->loaded[tab] = 1;
	if (p->cur[tab] >= t->n_show)
		p->cur[tab] = t->n_show ? t->n_show - 1 : 0;
	return 0;
}

/* Loads tab again and shows an error when the door cannot. */
static void
admin_reload(struct app *a, struct admin_priv *p, enum admin_tab tab)
{
	if (admin_load(p, tab) < 0)
		app_error(a, "%s", err_msg());
}

/*
 * Asks the door what this session may do. Returns 0, or -1 with the
 * reason (in words the admin can act on) when the pane may not open.
 */
static int
admin_info(struct app *a, struct admin_priv *p)
{
	struct door_rows info;
	struct door_req r;
	const char *name, *val, *why = "";
	int admin = 0, totp = 0, need_2fa = 0, rc;
	char key[32];
	uint32_t i;

	door_req_init(&r, DOOR_ACCOUNT_INFO);
	rc = door_call(DOOR_FD, &r, NULL, &info);
	door_req_release(&r);
	if (rc < 0)
		return -1;
	p->passdb = 1;
	for (i = 0; i < info.rows && info.cols == 2; i++) {
		name = info.cells[i * 2].buf;
		val = info.cells[i * 2 + 1].buf;
		if (!strcmp(name, DOOR_INFO_ADMIN))
			admin = atoi(val);
		else if (!strcmp(name, DOOR_INFO_TOTP))
			totp = atoi(val);
		else if (!strcmp(name, DOOR_INFO_REQUIRE_2FA))
			need_2fa = atoi(val);
		else if (!strcmp(name, DOOR_INFO_PASSDB))
			p->passdb = atoi(val);
		else if (!strcmp(name, DOOR_INFO_PANEL))
			p->panel = atoi(val);
		else if (!strcmp(name, DOOR_INFO_MAILDIR))
			buf_adds(&p->maildir_root, val);
		else if (!strcmp(name, DOOR_INFO_WHY))
			why = val;
	}
	rc = 0;
	if (!admin && need_2fa && !totp) {
		if (app_key_for(a, KM_GLOBAL, REQ_SETTINGS, key,
				sizeof(key)) < 0)
			snprintf(key, sizeof(key), "S");
		rc = err_set("enable two-factor authentication in Settings "
			     "(%s) first",
			     key);
	} else if (!admin) {
		rc = err_set("%s", *why ? why : "you may not use the admin pane");
	}
	door_rows_release(&info);
	return rc;
}

static int
admin_open(struct app *a, struct view *v, const void *arg)
{
	static const int *const match[ADMIN_TABS] = {
		admin_match_accounts, admin_match_domains, admin_match_aliases,
		admin_match_audit
	};
	static const int n_match[ADMIN_TABS] = { 2, 1, 2, 4 };
	struct admin_priv *p;
	int i;

	(void)arg;
	if (!a->door)
		return err_set("the admin pane needs a session of tuimaild");
	if (!a->mail_admin)
		return err_set("the admin pane is off on this server "
			       "([admin] mail_admin)");
	if (!a->is_admin)
		return err_set("the admin pane is for admins; %s is not one",
			       a->email.buf);
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		fatal("out of memory");
	v->priv = p;
	buf_init(&p->maildir_root);
	for (i = 0; i < ADMIN_TABS; i++)
		table_init(&p->t[i], match[i], n_match[i]);
	if (admin_info(a, p) < 0 || admin_load(p, ADMIN_ACCOUNTS) < 0)
		return -1;
	admin_set_hints(p->passdb);
	return 0;
}

static void
admin_done(struct app *a, struct view *v)
{
	struct admin_priv *p = v->priv;
	int i;

	(void)a;
	if (!p)
		return;
	for (i = 0; i < ADMIN_TABS; i++)
		table_release(&p->t[i]);
	buf_release(&p->maildir_root);
	free(p);
	v->priv = NULL;
}

/* A byte count as "0", "512K", "1.2M", "3.4G". */
static void
admin_size(char *out, size_t len, const char *bytes)
{
	double b = strtod(bytes, NULL);

	if (b < 1024)
		snprintf(out, len, "%.0f", b);
	else if (b < 1024 * 1024)
		snprintf(out, len, "%.0fK", b / 1024);
	else if (b < 1024.0 * 1024 * 1024)
		snprintf(out, len, "%.1fM", b / (1024 * 1024));
	else
		snprintf(out, len, "%.1fG", b / (1024.0 * 1024 * 1024));
}

/* Unix seconds as local time, or "-" for never. */
static void
admin_time(char *out, size_t len, const char *secs, int with_seconds)
{
	time_t t = (time_t)strtoll(secs, NULL, 10);
	struct tm tm;

	if (t <= 0) {
		snprintf(out, len, "-");
		return;
	}
	localtime_r(&t, &tm);
	strftime(out, len, with_seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M",
		 &tm);
}

/* The text of cell c of shown row i as drawn (into tmp when made). */
static const char *
admin_cell_text(const struct admin_priv *p, size_t i, int c, char *tmp,
		size_t len)
{
	const struct table *t = &p->t[p->tab];
	const char *s = table_cell(t, i, (uint32_t)c);

	if (p->tab == ADMIN_ACCOUNTS && c == AC_QUOTA) {
		if (!strcmp(s, "0"))
			return "unlim";
		snprintf(tmp, len, "%s MB", s);
		return tmp;
	}
	if (p->tab == ADMIN_ACCOUNTS && c == AC_USAGE) {
		admin_size(tmp, len, s);
		return tmp;
	}
	if ((p->tab == ADMIN_ACCOUNTS && c == AC_SYNC) ||
	    (p->tab == ADMIN_AUDIT && c == AU_AT)) {
		admin_time(tmp, len, s, p->tab == ADMIN_AUDIT);
		return tmp;
	}
	return s;
}

/* Where each column starts for cols columns; the flexible one fills. */
static void
admin_layout(const struct admin_col *cols, int width, int *start, int *w)
{
	int i, fixed = 2, flex = -1, x = 2;

	for (i = 0; cols[i].title; i++) {
		fixed += cols[i].width + 1;
		if (!cols[i].width)
			flex = i;
	}
	for (i = 0; cols[i].title; i++) {
		w[i] = cols[i].width;
		if (i == flex)
			w[i] = width - fixed > 12 ? width - fixed : 12;
		start[i] = x;
		x += w[i] + 1;
	}
}

/* Draws one row of the table (or the header when i is -1). */
static void
admin_draw_row(const struct admin_priv *p, const struct view_rect *r, int y,
	       long i, int *start, int *w)
{
	const struct admin_col *cols = admin_cols[p->tab];
	const struct table *t = &p->t[p->tab];
	enum theme_element el = TH_NORMAL;
	struct buf cell = BUF_INIT;
	char tmp[64];
	const char *s;
	int c, tw;

	if (i < 0)
		el = TH_HEADER_NAME;
	else if ((size_t)i == p->cur[p->tab])
		el = TH_INDICATOR;
	else if (p->tab == ADMIN_ACCOUNTS &&
		 strcmp(table_cell(t, (size_t)i, AC_STATUS), "active"))
		el = TH_DELETED;
	display_fill(r->row + y, r->col, r->cols, el);
	if (i >= 0 && t->mark[table_row(t, (size_t)i)])
		display_text(r->row + y, r->col, 1, el, "*", 1);
	for (c = 0; cols[c].title; c++) {
		if (start[c] >= r->cols)
			break;
		s = i < 0 ? cols[c].title
			  : admin_cell_text(p, (size_t)i, cols[c].cell, tmp,
					    sizeof(tmp));
		buf_reset(&cell);
		tw = w[c] < r->cols - start[c] ? w[c] : r->cols - start[c];
		text_pad(&cell, s, strlen(s), tw,
			 cols[c].right ? TEXT_RIGHT : TEXT_LEFT);
		display_text(r->row + y, r->col + start[c], tw, el, cell.buf,
			     cell.len);
	}
	buf_release(&cell);
}

/* The last row: counts, the filter, the marks, the order, the mode. */
static void
admin_draw_info(const struct admin_priv *p, const struct view_rect *r)
{
	static const char *const what[ADMIN_TABS] = { "accounts", "domains",
						      "aliases",
						      "audit entries" };
	const struct table *t = &p->t[p->tab];
	struct buf b = BUF_INIT;
	const struct admin_col *cols = admin_cols[p->tab];
	int c;

	buf_addf(&b, " %u %s", t->rows.rows, what[p->tab]);
	if (t->n_show != t->rows.rows)
		buf_addf(&b, ", %zu shown", t->n_show);
	if (t->exact_col >= 0)
		buf_addf(&b, "  domain: %s", t->exact.buf);
	if (p->filtering || t->filter.len)
		buf_addf(&b, "  filter: %s%s", t->filter.buf,
			 p->filtering ? "_" : "");
	if (t->n_marked)
		buf_addf(&b, "  marked: %zu", t->n_marked);
	if (t->sort_col >= 0) {
		for (c = 0; cols[c].title; c++)
			if (cols[c].cell == t->sort_col)
				buf_addf(&b, "  sorted by %s%s", cols[c].title,
					 t->sort_rev ? " (reversed)" : "");
	} else if (t->sort_rev) {
		buf_adds(&b, "  reversed");
	}
	if (p->tab == ADMIN_ACCOUNTS && !p->passdb)
		buf_adds(&b, "  accounts live on an external server "
			     "(dovecot_passdb = no): create, delete and "
			     "passwords are managed there");
	else if (p->tab == ADMIN_ACCOUNTS && p->panel)
		buf_adds(&b, "  panel mode: the panel syncs accounts");
	display_text_pad(r->row + r->rows - 1, r->col, r->cols, TH_STATUS,
			 b.buf, b.len);
	buf_release(&b);
}

static void
admin_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	struct admin_priv *p = v->priv;
	const struct table *t = &p->t[p->tab];
	int start[8], w[8], x = r->col, i, y;
	size_t *cur = &p->cur[p->tab], *top = &p->top[p->tab];
	struct buf b = BUF_INIT;

	(void)a;
	if (r->rows < 4)
		return;
	/* The tabs. */
	display_fill(r->row, r->col, r->cols, TH_NORMAL);
	for (i = 0; i < ADMIN_TABS; i++) {
		buf_reset(&b);
		buf_addf(&b, " %s ", admin_tab_names[i]);
		display_text(r->row, x, r->cols - (x - r->col),
			     i == (int)p->tab ? TH_INDICATOR : TH_NORMAL,
			     b.buf, b.len);
		x += (int)b.len + 1;
	}
	buf_release(&b);
	admin_layout(admin_cols[p->tab], r->cols, start, w);
	admin_draw_row(p, r, 1, -1, start, w);
	p->page = r->rows - 3;
	if (*cur >= t->n_show)
		*cur = t->n_show ? t->n_show - 1 : 0;
	if (*cur < *top)
		*top = *cur;
	if (*cur >= *top + (size_t)p->page)
		*top = *cur - (size_t)p->page + 1;
	for (y = 0; y < p->page && *top + (size_t)y < t->n_show; y++)
		admin_draw_row(p, r, 2 + y, (long)(*top + (size_t)y), start, w);
	admin_draw_info(p, r);
}

/* The shown row the cursor is on, or -1 when the table is empty. */
static long
admin_current(struct admin_priv *p)
{
	return p->t[p->tab].n_show ? (long)p->cur[p->tab] : -1;
}

/* Reads a number into *n; -1 when cancelled or not a number. */
static int
admin_prompt_number(struct app *a, const char *label, const char *start,
		    long *n)
{
	struct buf text = BUF_INIT;
	char *end;
	int rc = -1;

	buf_adds(&text, start);
	if (prompt_text(a, label, &text) == 0) {
		*n = strtol(text.buf, &end, 10);
		if (*end || !text.len || *n < 0)
			app_error(a, "'%s' is not a number of megabytes",
				  text.buf);
		else
			rc = 0;
	}
	buf_release(&text);
	return rc;
}

/* Refuses a provisioning action where the door would; 1 when refused. */
static int
admin_no_passdb(struct app *a, struct admin_priv *p)
{
	if (p->passdb)
		return 0;
	app_error(a, "accounts live on an external server (dovecot_passdb "
		     "= no): create, delete and reset passwords there");
	return 1;
}

static void
admin_account_add(struct app *a, struct admin_priv *p)
{
	struct buf email = BUF_INIT, pw = BUF_INIT, pw2 = BUF_INIT;
	struct buf name = BUF_INIT;
	struct door_req r;
	long quota = 0;

	if (admin_no_passdb(a, p))
		return;
	if (prompt_text(a, "New account (address; its domain must exist): ",
			&email) < 0 ||
	    !email.len)
		goto out;
	if (settings_prompt_secret(a, "Password: ", &pw) < 0 || !pw.len ||
	    settings_prompt_secret(a, "Password again: ", &pw2) < 0)
		goto out;
	if (strcmp(pw.buf, pw2.buf)) {
		app_error(a, "the passwords differ; nothing was created");
		goto out;
	}
	if (admin_prompt_number(a, "Quota in MB (0 = unlimited): ", "0",
				&quota) < 0 ||
	    prompt_text(a, "Display name (may be empty): ", &name) < 0)
		goto out;
	door_req_init(&r, DOOR_ADMIN_ACCOUNT_ADD);
	buf_adds(&r.s[0], email.buf);
	buf_adds(&r.s[1], pw.buf);
	buf_adds(&r.s[2], name.buf);
	r.u[0] = (uint64_t)quota;
	if (admin_call(a, &r) == 0)
		admin_reload(a, p, ADMIN_ACCOUNTS);
out:
	buf_release(&email);
	buf_release_secret(&pw);
	buf_release_secret(&pw2);
	buf_release(&name);
}

static void
admin_account_edit(struct app *a, struct admin_priv *p, long i)
{
	const struct table *t = &p->t[ADMIN_ACCOUNTS];
	struct buf name = BUF_INIT, q = BUF_INIT;
	struct door_req r;
	long quota;
	int active;

	buf_adds(&name, table_cell(t, (size_t)i, AC_NAME));
	buf_addf(&q, "Display name of %s: ", table_cell(t, (size_t)i,
							 AC_EMAIL));
	if (prompt_text(a, q.buf, &name) < 0 ||
	    admin_prompt_number(a, "Quota in MB (0 = unlimited): ",
				table_cell(t, (size_t)i, AC_QUOTA),
				&quota) < 0)
		goto out;
	active = prompt_choice(a, "Status: a)ctive  s)uspended", "as");
	if (active < 0)
		goto out;
	door_req_init(&r, DOOR_ADMIN_ACCOUNT_EDIT);
	buf_adds(&r.s[0], table_cell(t, (size_t)i, AC_EMAIL));
	buf_adds(&r.s[1], name.buf);
	r.u[0] = (uint64_t)quota;
	r.u[1] = active == 0;
	if (admin_call(a, &r) == 0)
		admin_reload(a, p, ADMIN_ACCOUNTS);
out:
	buf_release(&name);
	buf_release(&q);
}

static void
admin_account_passwd(struct app *a, struct admin_priv *p, long i)
{
	const char *email = table_cell(&p->t[ADMIN_ACCOUNTS], (size_t)i,
				       AC_EMAIL);
	struct buf pw = BUF_INIT, pw2 = BUF_INIT, q = BUF_INIT;
	struct door_req r;

	if (admin_no_passdb(a, p))
		return;
	buf_addf(&q, "New password for %s%s: ", email,
		 p->panel ? " (the panel's next sync overwrites it)" : "");
	if (settings_prompt_secret(a, q.buf, &pw) < 0 || !pw.len ||
	    settings_prompt_secret(a, "New password again: ", &pw2) < 0)
		goto out;
	if (strcmp(pw.buf, pw2.buf)) {
		app_error(a, "the passwords differ; nothing was changed");
		goto out;
	}
	door_req_init(&r, DOOR_ADMIN_ACCOUNT_PASSWD);
	buf_adds(&r.s[0], email);
	buf_adds(&r.s[1], pw.buf);
	admin_call(a, &r);
out:
	buf_release_secret(&pw);
	buf_release_secret(&pw2);
	buf_release(&q);
}

/* Sends a bulk action over the addresses in list (one a line). */
static int
admin_bulk_send(struct app *a, const char *list, const char *action,
		long quota, const char *password)
{
	struct door_req r;

	door_req_init(&r, DOOR_ADMIN_BULK);
	buf_adds(&r.s[0], list);
	buf_adds(&r.s[1], action);
	buf_adds(&r.s[2], password ? password : "");
	r.u[0] = (uint64_t)quota;
	return admin_call(a, &r);
}

static void
admin_account_suspend(struct app *a, struct admin_priv *p, long i)
{
	const struct table *t = &p->t[ADMIN_ACCOUNTS];
	const char *status = table_cell(t, (size_t)i, AC_STATUS);
	struct buf list = BUF_INIT;

	buf_adds(&list, table_cell(t, (size_t)i, AC_EMAIL));
	if (admin_bulk_send(a, list.buf,
			    !strcmp(status, "suspended") ? "unsuspend"
							 : "suspend",
			    0, NULL) == 0)
		admin_reload(a, p, ADMIN_ACCOUNTS);
	buf_release(&list);
}

/* Where an account's mail stays after it is deleted, for the message. */
static void
admin_maildir(const struct admin_priv *p, const char *email, struct buf *out)
{
	const char *at = strrchr(email, '@');

	if (!p->maildir_root.len || !at)
		return;
	buf_addf(out, " (%s/%s/%.*s/Maildir)", p->maildir_root.buf, at + 1,
		 (int)(at - email), email);
}

static void
admin_account_del(struct app *a, struct admin_priv *p, long i)
{
	const char *email = table_cell(&p->t[ADMIN_ACCOUNTS], (size_t)i,
				       AC_EMAIL);
	struct buf pw = BUF_INIT, q = BUF_INIT;
	struct door_req r;

	if (admin_no_passdb(a, p))
		return;
	buf_addf(&q, "Delete %s? Its mail stays on disk", email);
	admin_maildir(p, email, &q);
	buf_adds(&q, ". Your password to confirm: ");
	if (settings_prompt_secret(a, q.buf, &pw) < 0 || !pw.len)
		goto out;
	door_req_init(&r, DOOR_ADMIN_ACCOUNT_DEL);
	buf_adds(&r.s[0], email);
	buf_adds(&r.s[1], pw.buf);
	if (admin_call(a, &r) == 0)
		admin_reload(a, p, ADMIN_ACCOUNTS);
out:
	buf_release_secret(&pw);
	buf_release(&q);
}

static void
admin_account_2fa(struct app *a, struct admin_priv *p, long i)
{
	const char *email = table_cell(&p->t[ADMIN_ACCOUNTS], (size_t)i,
				       AC_EMAIL);
	struct buf q = BUF_INIT;
	struct door_req r;

	buf_addf(&q, "Turn two-factor authentication off for %s?", email);
	if (prompt_yesno(a, q.buf)) {
		door_req_init(&r, DOOR_ADMIN_TOTP_RESET);
		buf_adds(&r.s[0], email);
		if (admin_call(a, &r) == 0)
			admin_reload(a, p, ADMIN_ACCOUNTS);
	}
	buf_release(&q);
}

static void
admin_bulk(struct app *a, struct admin_priv *p)
{
	struct table *t = &p->t[ADMIN_ACCOUNTS];
	struct buf list = BUF_INIT, q = BUF_INIT, pw = BUF_INIT;
	static const char *const actions[] = { "quota", "suspend",
					       "unsuspend", "delete" };
	long quota = 0;
	int c;

	if (t->n_marked == 0) {
		app_error(a, "mark accounts first (Space)");
		return;
	}
	buf_addf(&q, "%zu marked: q)uota  s)uspend  u)nsuspend%s", t->n_marked,
		 p->passdb ? "  D)elete" : "");
	c = prompt_choice(a, q.buf, p->passdb ? "qsuD" : "qsu");
	if (c < 0)
		goto out;
	if (c == 0 && admin_prompt_number(a, "Quota in MB for all of them "
					     "(0 = unlimited): ",
					  "0", &quota) < 0)
		goto out;
	if (c == 3) {
		buf_reset(&q);
		buf_addf(&q, "Delete %zu accounts? Their mail stays on disk. "
			     "Your password to confirm: ",
			 t->n_marked);
		if (settings_prompt_secret(a, q.buf, &pw) < 0 || !pw.len)
			goto out;
	}
	table_marked(t, AC_EMAIL, &list);
	admin_bulk_send(a, list.buf, actions[c], quota, pw.buf);
	/* Some may be done before an error: show the table as it is now. */
	admin_reload(a, p, ADMIN_ACCOUNTS);
out:
	buf_release(&list);
	buf_release(&q);
	buf_release_secret(&pw);
}

/* Domains, aliases: add, enable or disable, delete. */
static void
admin_domain(struct app *a, struct admin_priv *p, enum tui_request req,
	     long i)
{
	const struct table *t = &p->t[ADMIN_DOMAINS];
	struct buf text = BUF_INIT, q = BUF_INIT;
	struct door_req r;

	if (req == REQ_ADD) {
		if (prompt_text(a, "New domain: ", &text) < 0 || !text.len)
			goto out;
		door_req_init(&r, DOOR_ADMIN_DOMAIN_ADD);
		buf_adds(&r.s[0], text.buf);
	} else if (i < 0) {
		goto out;
	} else if (req == REQ_SUSPEND) {
		door_req_init(&r, DOOR_ADMIN_DOMAIN_ACTIVE);
		buf_adds(&r.s[0], table_cell(t, (size_t)i, DO_DOMAIN));
		r.u[0] = strcmp(table_cell(t, (size_t)i, DO_STATUS), "active")
			 != 0;
	} else {
		buf_addf(&q, "Delete the domain %s?",
			 table_cell(t, (size_t)i, DO_DOMAIN));
		if (!prompt_yesno(a, q.buf))
			goto out;
		door_req_init(&r, DOOR_ADMIN_DOMAIN_DEL);
		buf_adds(&r.s[0], table_cell(t, (size_t)i, DO_DOMAIN));
	}
	if (admin_call(a, &r) == 0)
		admin_reload(a, p, ADMIN_DOMAINS);
out:
	buf_release(&text);
	buf_release(&q);
}

static void
admin_alias(struct app *a, struct admin_priv *p, enum tui_request req, long i)
{
	const struct table *t = &p->t[ADMIN_ALIASES];
	struct buf alias = BUF_INIT, dest = BUF_INIT, q = BUF_INIT;
	struct door_req r;

	if (req == REQ_ADD) {
		if (prompt_text(a, "New alias (address): ", &alias) < 0 ||
		    !alias.len ||
		    prompt_text(a, "Destinations (comma-separated): ",
				&dest) < 0 ||
		    !dest.len)
			goto out;
		door_req_init(&r, DOOR_ADMIN_ALIAS_ADD);
		buf_adds(&r.s[0], alias.buf);
		buf_adds(&r.s[1], dest.buf);
	} else {
		if (i < 0)
			goto out;
		buf_addf(&q, "Delete the alias %s?",
			 table_cell(t, (size_t)i, AL_ALIAS));
		if (!prompt_yesno(a, q.buf))
			goto out;
		door_req_init(&r, DOOR_ADMIN_ALIAS_DEL);
		buf_adds(&r.s[0], table_cell(t, (size_t)i, AL_ALIAS));
	}
	if (admin_call(a, &r) == 0) {
		admin_reload(a, p, ADMIN_ALIASES);
		p->loaded[ADMIN_DOMAINS] = 0;
	}
out:
	buf_release(&alias);
	buf_release(&dest);
	buf_release(&q);
}

/* o: which column to sort by. */
static void
admin_sort(struct app *a, struct admin_priv *p)
{
	static const struct {
		const char *question, *keys;
		int cells[8], numeric[8];
	} s[ADMIN_TABS] = {
		{ "Sort by: e)mail d)omain q)uota u)sed 2)fa l)ast sync "
		  "s)tatus n)one",
		  "edqu2lsn",
		  { AC_EMAIL, AC_DOMAIN, AC_QUOTA, AC_USAGE, AC_2FA, AC_SYNC,
		    AC_STATUS, -1 },
		  { 0, 0, 1, 1, 0, 1, 0, 0 } },
		{ "Sort by: d)omain a)ccounts l)aliases s)tatus n)one", "dalsn",
		  { DO_DOMAIN, DO_ACCOUNTS, DO_ALIASES, DO_STATUS, -1 },
		  { 0, 1, 1, 0, 0 } },
		{ "Sort by: a)lias d)estinations s)tatus n)one", "adsn",
		  { AL_ALIAS, AL_DEST, AL_STATUS, -1 },
		  { 0, 0, 0, 0 } },
		{ "Sort by: t)ime a)ctor c)action g)target n)one", "tacgn",
		  { AU_AT, AU_ACTOR, AU_ACTION, AU_TARGET, -1 },
		  { 1, 0, 0, 0, 0 } },
	};
	struct table *t = &p->t[p->tab];
	int c = prompt_choice(a, s[p->tab].question, s[p->tab].keys);

	if (c < 0)
		return;
	table_sort(t, s[p->tab].cells[c], s[p->tab].numeric[c], t->sort_rev);
}

/* The raw keys while a filter is typed: the filter narrows as one types. */
static int
admin_key(struct app *a, struct view *v, int key)
{
	struct admin_priv *p = v->priv;
	struct table *t = &p->t[p->tab];
	struct buf f = BUF_INIT;
	size_t n;

	(void)a;
	if (!p->filtering)
		return VIEW_PASS;
	if (key == TK_ENTER) {
		p->filtering = 0;
		return VIEW_DONE;
	}
	if (key == TK_ESC || key == TK_CTRL('G')) {
		p->filtering = 0;
		table_set_exact(t, -1, NULL);
		table_set_filter(t, "");
		return VIEW_DONE;
	}
	buf_add(&f, t->filter.buf, t->filter.len);
	if (key == TK_BACKSPACE || key == TK_CTRL('H') || key == 0x7f) {
		n = f.len;
		while (n > 0 && ((unsigned char)f.buf[--n] & 0xC0) == 0x80)
			;
		buf_setlen(&f, n);
	} else if (key == TK_CTRL('U')) {
		buf_reset(&f);
	} else if (key >= 0x20 && key < 0x80) {
		buf_addch(&f, key);
	} else if (key >= 0xa0 && key < TK_BASE) {
		prompt_add_utf8(&f, key);
	} else {
		buf_release(&f);
		return VIEW_PASS; /* moving through the list stays possible */
	}
	table_set_filter(t, f.buf);
	p->cur[p->tab] = 0;
	p->top[p->tab] = 0;
	buf_release(&f);
	return VIEW_DONE;
}

/* Shows tab, loading it the first time. */
static void
admin_switch(struct app *a, struct admin_priv *p, enum admin_tab tab)
{
	p->tab = tab;
	p->filtering = 0;
	if (!p->loaded[tab])
		admin_reload(a, p, tab);
}

static int
admin_request(struct app *a, struct view *v, enum tui_request req)
{
	struct admin_priv *p = v->priv;
	struct table *t = &p->t[p->tab];
	size_t *cur = &p->cur[p->tab];
	long i = admin_current(p);
	int page = p->page > 1 ? p->page : 1;

	switch (req) {
	case REQ_MOVE_DOWN:
		if (*cur + 1 < t->n_show)
			(*cur)++;
		break;
	case REQ_MOVE_UP:
		if (*cur > 0)
			(*cur)--;
		break;
	case REQ_PAGE_DOWN:
		*cur += (size_t)page;
		if (*cur >= t->n_show)
			*cur = t->n_show ? t->n_show - 1 : 0;
		break;
	case REQ_PAGE_UP:
		*cur = *cur > (size_t)page ? *cur - (size_t)page : 0;
		break;
	case REQ_FIRST:
		*cur = 0;
		break;
	case REQ_LAST:
		*cur = t->n_show ? t->n_show - 1 : 0;
		break;
	case REQ_NEXT_TAB:
		admin_switch(a, p, (p->tab + 1) % ADMIN_TABS);
		break;
	case REQ_PREV_TAB:
		admin_switch(a, p, (p->tab + ADMIN_TABS - 1) % ADMIN_TABS);
		break;
	case REQ_FILTER:
		/* A new filter each time; Esc brings every row back. */
		p->filtering = 1;
		table_set_filter(t, "");
		*cur = 0;
		break;
	case REQ_SORT:
		admin_sort(a, p);
		break;
	case REQ_SORT_REVERSE:
		table_sort(t, t->sort_col, t->sort_numeric, !t->sort_rev);
		break;
	case REQ_REFRESH:
		admin_reload(a, p, p->tab);
		break;
	case REQ_OPEN:
		/* A domain's row opens its accounts. */
		if (p->tab == ADMIN_DOMAINS && i >= 0) {
			admin_switch(a, p, ADMIN_ACCOUNTS);
			table_set_exact(&p->t[ADMIN_ACCOUNTS], AC_DOMAIN,
					table_cell(t, (size_t)i, DO_DOMAIN));
			p->cur[ADMIN_ACCOUNTS] = 0;
		}
		break;
	case REQ_MARK:
		if (p->tab != ADMIN_ACCOUNTS || i < 0)
			return VIEW_PASS;
		table_toggle_mark(t, (size_t)i);
		if (*cur + 1 < t->n_show)
			(*cur)++;
		break;
	case REQ_BULK:
		if (p->tab != ADMIN_ACCOUNTS)
			return VIEW_PASS;
		admin_bulk(a, p);
		break;
	case REQ_ADD:
	case REQ_SUSPEND:
	case REQ_REMOVE:
	case REQ_EDIT:
	case REQ_RESET_PASSWORD:
	case REQ_RESET_2FA:
		if (p->tab == ADMIN_DOMAINS && req != REQ_EDIT &&
		    req != REQ_RESET_PASSWORD && req != REQ_RESET_2FA) {
			admin_domain(a, p, req, i);
			break;
		}
		if (p->tab == ADMIN_ALIASES &&
		    (req == REQ_ADD || req == REQ_REMOVE)) {
			admin_alias(a, p, req, i);
			break;
		}
		if (p->tab != ADMIN_ACCOUNTS) {
			app_message(a, "%s: not in the %s tab", request_name(req),
				    admin_tab_names[p->tab]);
			break;
		}
		if (req == REQ_ADD) {
			admin_account_add(a, p);
			break;
		}
		if (i < 0)
			break;
		if (req == REQ_EDIT)
			admin_account_edit(a, p, i);
		else if (req == REQ_RESET_PASSWORD)
			admin_account_passwd(a, p, i);
		else if (req == REQ_SUSPEND)
			admin_account_suspend(a, p, i);
		else if (req == REQ_REMOVE)
			admin_account_del(a, p, i);
		else
			admin_account_2fa(a, p, i);
		/* Domains count accounts: load them again when shown. */
		p->loaded[ADMIN_DOMAINS] = 0;
		break;
	default:
		return VIEW_PASS;
	}
	return VIEW_DONE;
}

const struct view_ops view_admin_ops = {
	.name = "admin",
	.ctx = KM_ADMIN,
	.hints = admin_hints,
	.open = admin_open,
	.draw = admin_draw,
	.request = admin_request,
	.key = admin_key,
	.done = admin_done,
};
