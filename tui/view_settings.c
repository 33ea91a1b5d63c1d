/*
 * view_settings.c: the user's own settings: display name (kept by the
 * door), signature, keymap and theme (kept in the per-user cache.db and
 * applied at once), and two-factor authentication: enrolment with a QR
 * code of the otpauth:// URI, a current code before it turns on, the ten
 * recovery codes shown once; turning it off and new recovery codes ask
 * for a code. Also the unseen password prompt the admin pane uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"
#include "tui/app.h"
#include "tui/display.h"
#include "tui/qr.h"
#include "tui/text.h"
#include "util/door_proto.h"
#include "util/log.h"

#define SETTINGS_SIG_LINES 10 /* lines of a signature */

enum settings_item { SI_NAME, SI_SIGNATURE, SI_KEYMAP, SI_THEME, SI_2FA,
		     SI_RECOVERY, SI_COUNT };

enum settings_mode {
	SM_LIST,  /* the settings */
	SM_PICK,  /* choosing a keymap or a theme */
	SM_ENROL, /* the QR code and the secret, waiting for a code */
	SM_CODES, /* the recovery codes, shown once */
};

struct settings_priv {
	enum settings_mode mode;
	int cur;
	int totp;		/* 2FA is on */
	struct buf signature;
	struct buf names;	/* SM_PICK: the names, one a line */
	int pick, n_names, pick_theme;
	struct buf secret, uri; /* SM_ENROL; secrets, wiped */
	struct buf codes;	/* SM_CODES: one a line; wiped */
};

static const struct view_hint settings_hints[] = {
	{ REQ_BACK, NULL }, { REQ_OPEN, "Change" }, { REQ_HELP, "Help" },
	{ REQ_NONE, NULL },
};

/*
 * Reads a password after label on the message line, showing a '*' a
 * character. Enter accepts (0), Esc or ^G cancels (-1, out emptied);
 * Backspace and ^U edit. The caller wipes out.
 */
int
settings_prompt_secret(struct app *a, const char *label, struct buf *out)
{
	struct buf line = BUF_INIT;
	int k, rows, cols, row, w, rc = -1;
	size_t i, n;

	buf_reset(out);
	for (;;) {
		app_draw(a);
		display_size(&rows, &cols);
		row = rows >= 3 ? rows - 2 : rows - 1;
		buf_reset(&line);
		buf_adds(&line, label);
		for (i = 0; i < out->len; i++)
			if (((unsigned char)out->buf[i] & 0xC0) != 0x80)
				buf_addch(&line, '*');
		display_text_pad(row, 0, cols, TH_NORMAL, line.buf, line.len);
		w = text_width(line.buf, line.len);
		display_cursor(row, w < cols ? w : cols - 1);
		display_refresh();
		k = display_key(-1, -1);
		if (k == DISPLAY_HANGUP) {
			a->hangup = 1;
			break;
		}
		if (k == DISPLAY_INTERRUPT && *a->stop)
			break;
		if (k < 0)
			continue;
		if (k == TK_ESC || k == TK_CTRL('G'))
			break;
		if (k == TK_ENTER) {
			rc = 0;
			break;
		}
		if (k == TK_BACKSPACE || k == TK_CTRL('H') || k == 0x7f) {
			n = out->len;
			while (n > 0 &&
			       ((unsigned char)out->buf[--n] & 0xC0) == 0x80)
				;
			explicit_bzero(out->buf + n, out->len - n);
			buf_setlen(out, n);
		} else if (k == TK_CTRL('U')) {
			explicit_bzero(out->buf, out->len);
			buf_reset(out);
		} else if (k >= 0x20 && k < TK_BASE && k != 0x7f &&
			   !(k >= 0x80 && k < 0xa0)) {
			prompt_add_utf8(out, k);
		}
	}
	display_cursor(-1, 0);
	buf_release(&line);
	if (rc < 0) {
		explicit_bzero(out->buf, out->len);
		buf_reset(out);
	}
	return rc;
}

/* Asks the door whether 2FA is on for us; -1 outside door mode. */
static int
settings_load_totp(struct app *a, struct settings_priv *p)
{
	struct door_rows info;
	struct door_req r;
	uint32_t i;
	int rc;

	if (!a->door)
		return -1;
	door_req_init(&r, DOOR_ACCOUNT_INFO);
	rc = door_call(DOOR_FD, &r, NULL, &info);
	door_req_release(&r);
	if (rc < 0)
		return -1;
	for (i = 0; i < info.rows && info.cols == 2; i++)
		if (!strcmp(info.cells[i * 2].buf, DOOR_INFO_TOTP))
			p->totp = atoi(info.cells[i * 2 + 1].buf);
	door_rows_release(&info);
	return 0;
}

static int
settings_open(struct app *a, struct view *v, const void *arg)
{
	struct settings_priv *p;

	(void)arg;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		fatal("out of memory");
	v->priv = p;
	buf_init(&p->signature);
	buf_init(&p->names);
	buf_init(&p->secret);
	buf_init(&p->uri);
	buf_init(&p->codes);
	if (a->cache)
		cache_setting_get(a->cache, "signature", &p->signature);
	if (a->door && settings_load_totp(a, p) < 0)
		app_error(a, "%s", err_msg());
	return 0;
}

static void
settings_done(struct app *a, struct view *v)
{
	struct settings_priv *p = v->priv;

	(void)a;
	if (!p)
		return;
	buf_release(&p->signature);
	buf_release(&p->names);
	buf_release_secret(&p->secret);
	buf_release_secret(&p->uri);
	buf_release_secret(&p->codes);
	free(p);
	v->priv = NULL;
}

/* The value column of item i. */
static void
settings_value(struct app *a, struct settings_priv *p, int i, struct buf *b)
{
	const char *nl;
	size_t lines = 0;

	switch (i) {
	case SI_NAME:
		buf_adds(b, a->display_name.len ? a->display_name.buf
						: "(none)");
		break;
	case SI_SIGNATURE:
		if (!p->signature.len) {
			buf_adds(b, "(none)");
			break;
		}
		for (nl = p->signature.buf; nl; nl = strchr(nl + 1, '\n'))
			lines++;
		buf_addf(b, "%zu line%s, below", lines, lines == 1 ? "" : "s");
		break;
	case SI_KEYMAP:
		buf_adds(b, main_looks_name("keymaps"));
		break;
	case SI_THEME:
		buf_adds(b, main_looks_name("themes"));
		break;
	case SI_2FA:
		if (!a->door)
			buf_adds(b, "needs a session of tuimaild");
		else
			buf_adds(b, p->totp ? "on  (Enter turns it off)"
					    : "off (Enter turns it on)");
		break;
	case SI_RECOVERY:
		buf_adds(b, p->totp ? "Enter makes 10 new ones; the old ones "
				      "stop working"
				    : "-");
		break;
	}
}

static void
settings_draw_list(struct app *a, struct settings_priv *p,
		   const struct view_rect *r)
{
	static const char *const labels[SI_COUNT] = {
		"Display name", "Signature", "Keymap", "Theme",
		"Two-factor authentication", "Recovery codes"
	};
	struct buf b = BUF_INIT, v = BUF_INIT;
	const char *s, *nl;
	int i, y;

	buf_addf(&b, " Settings of %s", a->email.buf);
	display_text_pad(r->row, r->col, r->cols, TH_HEADER_NAME, b.buf,
			 b.len);
	for (i = 0; i < SI_COUNT && 2 + i < r->rows; i++) {
		buf_reset(&v);
		settings_value(a, p, i, &v);
		buf_reset(&b);
		buf_addf(&b, "  %-27s %s", labels[i], v.buf);
		display_text_pad(r->row + 2 + i, r->col, r->cols,
				 i == p->cur ? TH_INDICATOR : TH_NORMAL, b.buf,
				 b.len);
	}
	y = 3 + SI_COUNT;
	if (p->signature.len && y < r->rows) {
		display_text(r->row + y++, r->col, r->cols, TH_HEADER_NAME,
			     " Signature:", 11);
		for (s = p->signature.buf; s && y < r->rows; y++) {
			nl = strchr(s, '\n');
			buf_reset(&b);
			buf_adds(&b, "  ");
			buf_add(&b, s, nl ? (size_t)(nl - s) : strlen(s));
			display_text(r->row + y, r->col, r->cols, TH_SIGNATURE,
				     b.buf, b.len);
			s = nl ? nl + 1 : NULL;
		}
	}
	buf_release(&b);
	buf_release(&v);
}

static void
settings_draw_pick(struct settings_priv *p, const struct view_rect *r)
{
	const char *s = p->names.buf, *nl;
	struct buf b = BUF_INIT;
	int i;

	buf_addf(&b, " Choose a %s (Enter applies it, q goes back)",
		 p->pick_theme ? "theme" : "keymap");
	display_text_pad(r->row, r->col, r->cols, TH_HEADER_NAME, b.buf,
			 b.len);
	for (i = 0; s && *s && 2 + i < r->rows; i++) {
		nl = strchr(s, '\n');
		buf_reset(&b);
		buf_adds(&b, "  ");
		buf_add(&b, s, (size_t)(nl - s));
		display_text_pad(r->row + 2 + i, r->col, r->cols,
				 i == p->pick ? TH_INDICATOR : TH_NORMAL,
				 b.buf, b.len);
		s = nl + 1;
	}
	buf_release(&b);
}

static void
settings_draw_enrol(struct app *a, struct settings_priv *p,
		    const struct view_rect *r)
{
	/* Dark on light by colour where the theme gives the QR colours. */
	int dark = a->theme.s[TH_QR].fg >= 0 && a->theme.s[TH_QR].bg >= 0;
	struct buf qr = BUF_INIT;
	const char *text[9];
	const char *s, *nl;
	int w = 0, h = 0, x = 0, y, i, n = 0, fits;

	text[n++] = "Scan the code with an authenticator";
	text[n++] = "app, or type this secret into it:";
	text[n++] = "";
	text[n++] = NULL; /* the secret */
	text[n++] = "";
	text[n++] = "Then press Enter and type the code";
	text[n++] = "the app shows. q cancels: two-factor";
	text[n++] = "authentication stays off.";
	fits = qr_render(p->uri.buf, dark, &qr, &w, &h) == 0 &&
	       h <= r->rows && w + 2 <= r->cols;
	if (fits) {
		for (s = qr.buf, y = 0; *s && y < h; y++, s = nl + 1) {
			nl = strchr(s, '\n');
			display_text(r->row + y, r->col + 1, w,
				     dark ? TH_QR : TH_NORMAL, s,
				     (size_t)(nl - s));
		}
		x = w + 3;
	}
	if (x + 20 > r->cols) {
		/* No room beside it: the text below, if there is any. */
		x = 0;
		y = fits ? h : 0;
	} else {
		y = fits && h > n ? (h - n) / 2 : 0;
	}
	for (i = 0; i < n && y + i < r->rows; i++) {
		if (text[i] == NULL) {
			struct buf b = BUF_INIT;

			buf_addf(&b, "Secret: %s", p->secret.buf);
			display_text(r->row + y + i, r->col + x, r->cols - x,
				     TH_HEADER_NAME, b.buf, b.len);
			buf_release_secret(&b);
			continue;
		}
		display_text(r->row + y + i, r->col + x, r->cols - x,
			     TH_NORMAL, text[i], strlen(text[i]));
	}
	if (!fits && y + n < r->rows)
		display_text(r->row + y + n, r->col, r->cols, TH_NORMAL,
			     "(the window is too small for the QR code)", 42);
	buf_release_secret(&qr);
}

static void
settings_draw_codes(struct settings_priv *p, const struct view_rect *r)
{
	static const char *const head[] = {
		" Two-factor authentication is on. Your recovery codes:",
		" each works once, when your app is not at hand. Write them",
		" down now: they are not shown again. Enter when done.",
	};
	const char *s = p->codes.buf, *nl;
	int y;

	for (y = 0; y < 3 && y < r->rows; y++)
		display_text(r->row + y, r->col, r->cols, TH_HEADER_NAME,
			     head[y], strlen(head[y]));
	for (y = 4; s && *s && y < r->rows; y++, s = nl + 1) {
		nl = strchr(s, '\n');
		display_text(r->row + y, r->col + 4, r->cols - 4, TH_NORMAL, s,
			     (size_t)(nl - s));
	}
}

static void
settings_draw(struct app *a, struct view *v, const struct view_rect *r)
{
	struct settings_priv *p = v->priv;

	if (p->mode == SM_PICK)
		settings_draw_pick(p, r);
	else if (p->mode == SM_ENROL)
		settings_draw_enrol(a, p, r);
	else if (p->mode == SM_CODES)
		settings_draw_codes(p, r);
	else
		settings_draw_list(a, p, r);
}

/* Keeps the rows of a door answer of recovery codes, one a line. */
static void
settings_take_codes(struct settings_priv *p, struct door_rows *rows)
{
	uint32_t i;

	buf_release_secret(&p->codes);
	for (i = 0; i < rows->rows; i++) {
		buf_add(&p->codes, rows->cells[i * rows->cols].buf,
			rows->cells[i * rows->cols].len);
		buf_addch(&p->codes, '\n');
	}
	door_rows_release(rows);
	p->mode = SM_CODES;
}

/* Asks for a current code into code; 0, or -1 when cancelled. */
static int
settings_ask_code(struct app *a, const char *label, struct buf *code)
{
	buf_reset(code);
	return prompt_text_private(a, label, code) == 0 && code->len ? 0 : -1;
}

/* Starts the enrolment: a new secret from the door, shown as a QR code. */
static void
settings_enrol(struct app *a, struct settings_priv *p)
{
	struct door_rows rows;
	struct door_req r;

	door_req_init(&r, DOOR_TOTP_BEGIN);
	if (door_call(DOOR_FD, &r, NULL, &rows) < 0) {
		app_error(a, "%s", err_msg());
		door_req_release(&r);
		return;
	}
	door_req_release(&r);
	if (rows.rows == 1 && rows.cols == 2) {
		buf_release_secret(&p->secret);
		buf_release_secret(&p->uri);
		buf_adds(&p->secret, rows.cells[0].buf);
		buf_adds(&p->uri, rows.cells[1].buf);
		p->mode = SM_ENROL;
	} else {
		app_error(a, "the door sent no secret");
	}
	door_rows_release(&rows);
}

/* SM_ENROL, Enter: the code that turns 2FA on. */
static void
settings_confirm(struct app *a, struct settings_priv *p)
{
	struct buf code = BUF_INIT;
	struct door_rows rows;
	struct door_req r;

	if (settings_ask_code(a, "Code from your app: ", &code) < 0)
		goto out;
	door_req_init(&r, DOOR_TOTP_CONFIRM);
	buf_adds(&r.s[0], code.buf);
	if (door_call(DOOR_FD, &r, NULL, &rows) < 0) {
		app_error(a, "%s", err_msg());
	} else {
		p->totp = 1;
		buf_release_secret(&p->secret);
		buf_release_secret(&p->uri);
		settings_take_codes(p, &rows);
		app_message(a, "two-factor authentication is on: the next "
			       "login asks for a code");
	}
	door_req_release(&r);
out:
	buf_release_secret(&code);
}

/* 2FA off, or new recovery codes: both need a current code. */
static void
settings_totp_change(struct app *a, struct settings_priv *p, int off)
{
	struct buf code = BUF_INIT, said = BUF_INIT;
	struct door_rows rows;
	struct door_req r;
	int rc;

	if (off && !prompt_yesno(a, "Turn two-factor authentication off?"))
		return;
	if (settings_ask_code(a, "Code from your app (or a recovery code): ",
			      &code) < 0)
		goto out;
	door_req_init(&r, off ? DOOR_TOTP_DISABLE : DOOR_RECOVERY_NEW);
	buf_adds(&r.s[0], code.buf);
	rc = door_call(DOOR_FD, &r, off ? &said : NULL, off ? NULL : &rows);
	door_req_release(&r);
	if (rc < 0) {
		app_error(a, "%s", err_msg());
	} else if (off) {
		p->totp = 0;
		app_message(a, "%s", said.buf);
	} else {
		settings_take_codes(p, &rows);
		app_message(a, "new recovery codes; the old ones no longer "
			       "work");
	}
out:
	buf_release_secret(&code);
	buf_release(&said);
}

static void
settings_name(struct app *a)
{
	struct buf name = BUF_INIT, said = BUF_INIT;
	struct door_req r;

	if (!a->door) {
		app_error(a, "the display name is kept by tuimaild; this "
			     "session has none");
		return;
	}
	buf_add(&name, a->display_name.buf, a->display_name.len);
	if (prompt_text(a, "Display name: ", &name) == 0) {
		door_req_init(&r, DOOR_SET_NAME);
		buf_adds(&r.s[0], name.buf);
		if (door_call(DOOR_FD, &r, &said, NULL) < 0) {
			app_error(a, "%s", err_msg());
		} else {
			buf_reset(&a->display_name);
			buf_add(&a->display_name, name.buf, name.len);
			app_message(a, "%s", said.buf);
		}
		door_req_release(&r);
	}
	buf_release(&name);
	buf_release(&said);
}

/*
 * The signature, a line at a time: each prompt starts from the line it
 * had; an empty line ends it (and drops the lines after it).
 */
static void
settings_signature(struct app *a, struct settings_priv *p)
{
	struct buf sig = BUF_INIT, line = BUF_INIT, label = BUF_INIT;
	const char *s = p->signature.buf, *nl;
	int i;

	if (!a->cache) {
		app_error(a, "no settings store in this session: the "
			     "signature cannot be kept");
		return;
	}
	for (i = 0; i < SETTINGS_SIG_LINES; i++) {
		buf_reset(&line);
		if (s && *s) {
			nl = strchr(s, '\n');
			buf_add(&line, s, nl ? (size_t)(nl - s) : strlen(s));
			s = nl ? nl + 1 : NULL;
		} else {
			s = NULL;
		}
		buf_reset(&label);
		buf_addf(&label, "Signature line %d (empty ends, Esc keeps the "
				 "old one): ",
			 i + 1);
		if (prompt_text(a, label.buf, &line) < 0)
			goto out;
		if (!line.len)
			break;
		if (sig.len)
			buf_addch(&sig, '\n');
		buf_add(&sig, line.buf, line.len);
	}
	if (cache_setting_set(a->cache, "signature", sig.buf) < 0) {
		app_error(a, "cannot keep the signature: %s", err_msg());
		goto out;
	}
	buf_reset(&p->signature);
	buf_add(&p->signature, sig.buf, sig.len);
	app_message(a, sig.len ? "signature saved" : "signature removed");
out:
	buf_release(&sig);
	buf_release(&line);
	buf_release(&label);
}

/* Opens the list of keymaps or themes, on the one in use. */
static void
settings_pick(struct settings_priv *p, int theme)
{
	const char *kind = theme ? "themes" : "keymaps";
	const char *now = main_looks_name(kind), *s, *nl;
	size_t len = strlen(now);

	main_looks_list(kind, &p->names);
	p->pick_theme = theme;
	p->pick = 0;
	p->n_names = 0;
	for (s = p->names.buf; s && *s; s = nl + 1, p->n_names++) {
		nl = strchr(s, '\n');
		if ((size_t)(nl - s) == len && !strncmp(s, now, len))
			p->pick = p->n_names;
	}
	p->mode = p->n_names ? SM_PICK : SM_LIST;
}

/* SM_PICK, Enter: applies the name chosen and keeps it. */
static void
settings_apply_pick(struct app *a, struct settings_priv *p)
{
	const char *kind = p->pick_theme ? "themes" : "keymaps";
	const char *s = p->names.buf, *nl;
	struct buf name = BUF_INIT;
	int i;

	for (i = 0; s && *s; s = nl + 1, i++) {
		nl = strchr(s, '\n');
		if (i == p->pick) {
			buf_add(&name, s, (size_t)(nl - s));
			break;
		}
	}
	p->mode = SM_LIST;
	if (!name.len || main_looks_set(a, kind, name.buf) < 0) {
		app_error(a, "%s", name.len ? err_msg() : "nothing chosen");
	} else if (!a->cache) {
		app_message(a, "%s %s for this session (no settings store to "
			       "keep it)",
			    p->pick_theme ? "theme" : "keymap", name.buf);
	} else if (cache_setting_set(a->cache,
				     p->pick_theme ? "theme" : "keymap",
				     name.buf) < 0) {
		app_error(a, "cannot keep the choice: %s", err_msg());
	} else {
		app_message(a, "%s %s: kept for your next sessions",
			    p->pick_theme ? "theme" : "keymap", name.buf);
	}
	buf_release(&name);
}

/* Enter on the list: changes the current setting. */
static void
settings_change(struct app *a, struct settings_priv *p)
{
	switch (p->cur) {
	case SI_NAME:
		settings_name(a);
		break;
	case SI_SIGNATURE:
		settings_signature(a, p);
		break;
	case SI_KEYMAP:
	case SI_THEME:
		settings_pick(p, p->cur == SI_THEME);
		break;
	case SI_2FA:
		if (!a->door)
			app_error(a, "two-factor authentication is kept by "
				     "tuimaild; this session has none");
		else if (p->totp)
			settings_totp_change(a, p, 1);
		else
			settings_enrol(a, p);
		break;
	case SI_RECOVERY:
		if (!p->totp)
			app_error(a, "turn two-factor authentication on first");
		else
			settings_totp_change(a, p, 0);
		break;
	}
}

static int
settings_request(struct app *a, struct view *v, enum tui_request req)
{
	struct settings_priv *p = v->priv;

	switch (p->mode) {
	case SM_PICK:
		if (req == REQ_MOVE_DOWN && p->pick + 1 < p->n_names)
			p->pick++;
		else if (req == REQ_MOVE_UP && p->pick > 0)
			p->pick--;
		else if (req == REQ_OPEN || req == REQ_EDIT)
			settings_apply_pick(a, p);
		else if (req == REQ_BACK)
			p->mode = SM_LIST;
		else
			return VIEW_PASS;
		return VIEW_DONE;
	case SM_ENROL:
		if (req == REQ_OPEN || req == REQ_EDIT) {
			settings_confirm(a, p);
		} else if (req == REQ_BACK) {
			buf_release_secret(&p->secret);
			buf_release_secret(&p->uri);
			p->mode = SM_LIST;
			app_message(a, "two-factor authentication stays off");
		} else {
			return VIEW_PASS;
		}
		return VIEW_DONE;
	case SM_CODES:
		if (req == REQ_OPEN || req == REQ_BACK) {
			buf_release_secret(&p->codes);
			p->mode = SM_LIST;
			return VIEW_DONE;
		}
		return VIEW_PASS;
	case SM_LIST:
		break;
	}
	switch (req) {
	case REQ_MOVE_DOWN:
		if (p->cur + 1 < SI_COUNT)
			p->cur++;
		break;
	case REQ_MOVE_UP:
		if (p->cur > 0)
			p->cur--;
		break;
	case REQ_FIRST:
		p->cur = 0;
		break;
	case REQ_LAST:
		p->cur = SI_COUNT - 1;
		break;
	case REQ_OPEN:
	case REQ_EDIT:
		settings_change(a, p);
		break;
	default:
		return VIEW_PASS;
	}
	return VIEW_DONE;
}

const struct view_ops view_settings_ops = {
	.name = "settings",
	.ctx = KM_ADMIN,
	.hints = settings_hints,
	.open = settings_open,
	.draw = settings_draw,
	.request = settings_request,
	.done = settings_done,
};
