/*
 * panel_req.c: the panel's requests, from bytes to a status and a JSON
 * answer. Everything here is untrusted: the signature is checked before
 * the body is parsed, every field's type and size is checked, and no
 * secret is ever logged or put in an answer.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "crypto.h"
#include "panel.h"
#include "util/log.h"
#include "util/sanitize.h"

static void
panel_answer(struct panel_resp *out, unsigned status, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);

	out->status = status;
	buf_reset(&out->body);
	buf_adds(&out->body, text ? text : "{}");
	buf_addch(&out->body, '\n');
	free(text);
	json_decref(obj);
}

static void
panel_error(struct panel_resp *out, unsigned status, const char *msg)
{
	panel_answer(out, status, json_pack("{s:s}", "error", msg));
}

/* Parses a decimal Unix time; returns 0 or -1. */
static int
panel_parse_time(const char *s, long long *t)
{
	char *end;

	if (s == NULL || !*s || strlen(s) > 20)
		return -1;
	errno = 0;
	*t = strtoll(s, &end, 10);
	return errno || *end || *t <= 0 ? -1 : 0;
}

static int
panel_fresh(long long t, long long now, long window)
{
	return t >= now - window && t <= now + window;
}

/* Lower-cases a hex string into out (65 bytes); -1 if it is not hex. */
static int
panel_hex(const char *s, char *out)
{
	size_t i;

	if (strlen(s) != 64)
		return -1;
	for (i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[64] = '\0';
	return 0;
}

/*
 * Checks a sync request's credentials: the HMAC signature over
 * "timestamp.body" within the window and not seen before, or, only when
 * allowed, the plain shared secret. Returns 0, or the HTTP status to
 * answer with (and its message in *why).
 */
static unsigned
panel_sync_auth(struct panel_ctx *p, const struct panel_req *rq,
		const char **why, char got[CR_SHA256_HEX])
{
	const char *secret = p->conf->mail_sync_secret;
	char want[CR_SHA256_HEX];
	struct buf signed_text = BUF_INIT;
	long long t, now = (long long)p->acct->now();
	int rc;

	if (rq->signature) {
		if (strncmp(rq->signature, "sha256=", 7) ||
		    panel_hex(rq->signature + 7, got) < 0) {
			*why = "malformed signature";
			return 403;
		}
		if (panel_parse_time(rq->timestamp, &t) < 0) {
			*why = "missing or malformed timestamp";
			return 403;
		}
		if (!panel_fresh(t, now, PANEL_SYNC_WINDOW)) {
			*why = "timestamp outside the window";
			return 403;
		}
		buf_adds(&signed_text, rq->timestamp);
		buf_addch(&signed_text, '.');
		buf_add(&signed_text, rq->body, rq->len);
		rc = cr_hmac_sha256_hex(secret, strlen(secret), signed_text.buf,
					signed_text.len, want);
		buf_release(&signed_text);
		if (rc < 0 || !cr_streq(want, got)) {
			*why = "bad signature";
			return 403;
		}
		rc = acct_signature_note(p->acct, got);
		if (rc < 0) {
			*why = "internal error";
			return 500;
		}
		if (rc == 0) {
			*why = "replayed request";
			return 409;
		}
		return 0;
	}
	got[0] = '\0';
	if (rq->plain_secret && p->conf->sync_accept_plain_secret) {
		if (!cr_streq(rq->plain_secret, secret)) {
			*why = "bad secret";
			return 403;
		}
		return 0;
	}
	*why = "missing signature";
	return 403;
}

/* Reads an optional string field; -1 if present but not a string. */
static int
panel_str(json_t *o, const char *key, const char **out, size_t max)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    memchr(json_string_value(v), '\0', json_string_length(v)))
		return -1;
	*out = json_string_value(v);
	return 0;
}

static void
panel_sync(struct panel_ctx *p, const struct panel_req *rq,
	   struct panel_resp *out)
{
	const char *why = NULL, *action, *email, *password;
	char sig[CR_SHA256_HEX] = "";
	struct buf safe = BUF_INIT;
	json_t *root = NULL, *q;
	json_error_t jerr;
	long quota = 0;
	int have_quota = 0, rc;
	unsigned status;

	status = panel_sync_auth(p, rq, &why, sig);
	if (status) {
		log_warn("panel: sync from %s refused: %s", rq->peer, why);
		acct_audit(p->acct, "sync.refused", rq->peer, why);
		panel_error(out, status, why);
		return;
	}
	root = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		panel_error(out, 400, "the body is not a JSON object");
		goto out;
	}
	if (panel_str(root, "action", &action, 32) < 0 || action == NULL ||
	    panel_str(root, "email", &email, ACCT_EMAIL_MAX) < 0 ||
	    email == NULL ||
	    panel_str(root, "password", &password, PW_PLAIN_MAX) < 0) {
		panel_error(out, 400, "action and email must be strings");
		goto out;
	}
	q = json_object_get(root, "quota_mb");
	if (q && !json_is_null(q)) {
		if (!json_is_integer(q) || json_integer_value(q) < 0 ||
		    json_integer_value(q) > 100000000) {
			panel_error(out, 400, "quota_mb must be a whole number "
					      "of MB, 0 for unlimited");
			goto out;
		}
		quota = (long)json_integer_value(q);
		have_quota = 1;
	}
	if (!strcmp(action, "create") || !strcmp(action, "password")) {
		if (password == NULL || !*password) {
			panel_error(out, 400, "password is required");
			goto out;
		}
		rc = !strcmp(action, "create")
			     ? acct_sync_create(p->acct, email, password,
						quota, have_quota)
			     : acct_sync_password(p->acct, email, password);
	} else if (!strcmp(action, "delete")) {
		rc = acct_sync_delete(p->acct, email);
	} else {
		panel_error(out, 400, "action must be create, delete or "
				      "password");
		goto out;
	}
	/* Logs get a one-line, sanitised copy of what the panel sent. */
	san_text(&safe, email, strlen(email), 0);
	if (rc < 0) {
		int internal = !strncmp(err_msg(), "database", 8);

		log_warn("panel: sync %s of '%.254s' from %s failed: %s",
			 action, safe.buf, rq->peer, err_msg());
		panel_error(out,
			    internal			       ? 500
			    : strstr(err_msg(), "no account") ? 404
							      : 400,
			    internal ? "internal error" : err_msg());
		goto out;
	}
	log_info("panel: sync %s of %s from %s", action, safe.buf, rq->peer);
	panel_answer(out, 200, json_pack("{s:b,s:s,s:s}", "ok", 1, "action",
					 action, "email", safe.buf));
out:
	/* A request that changed nothing may be sent again as it was. */
	if (out->status != 200 && *sig)
		acct_signature_forget(p->acct, sig);
	buf_release(&safe);
	json_decref(root);
}

static void
panel_sso(struct panel_ctx *p, const struct panel_req *rq,
	  struct panel_resp *out)
{
	const char *secret = p->conf->sso_secret, *email, *ts, *sig;
	char want[CR_SHA256_HEX], got[CR_SHA256_HEX];
	char token[ACCT_SSO_TOKEN], norm[ACCT_EMAIL_MAX + 1];
	struct buf text = BUF_INIT, ssh = BUF_INIT;
	long long t, now = (long long)p->acct->now();
	json_t *root;
	json_error_t jerr;
	int rc;

	root = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root) ||
	    panel_str(root, "email", &email, ACCT_EMAIL_MAX) < 0 ||
	    panel_str(root, "signature", &sig, 128) < 0 || !email || !sig) {
		panel_error(out, 400, "email and signature must be strings");
		goto out;
	}
	/* The panel sends the timestamp as a number or as a string. */
	if (json_is_integer(json_object_get(root, "timestamp"))) {
		t = json_integer_value(json_object_get(root, "timestamp"));
		buf_addf(&text, "%s:%lld", email, t);
	} else if (panel_str(root, "timestamp", &ts, 20) == 0 && ts &&
		   panel_parse_time(ts, &t) == 0) {
		buf_addf(&text, "%s:%s", email, ts);
	} else {
		panel_error(out, 400, "timestamp must be Unix seconds");
		goto out;
	}
	if (panel_hex(sig, got) < 0 ||
	    cr_hmac_sha256_hex(secret, strlen(secret), text.buf, text.len,
			       want) < 0 ||
	    !cr_streq(want, got)) {
		log_warn("panel: sso from %s refused: bad signature",
			 rq->peer);
		acct_audit(p->acct, "sso.refused", rq->peer, "bad signature");
		panel_error(out, 403, "bad signature");
		goto out;
	}
	if (!panel_fresh(t, now, PANEL_SSO_WINDOW)) {
		log_warn("panel: sso from %s refused: stale timestamp",
			 rq->peer);
		acct_audit(p->acct, "sso.refused", rq->peer, "stale timestamp");
		panel_error(out, 403, "timestamp outside the window");
		goto out;
	}
	rc = acct_signature_note(p->acct, got);
	if (rc <= 0) {
		if (rc == 0) {
			log_warn("panel: sso from %s refused: replay",
				 rq->peer);
			acct_audit(p->acct, "sso.refused", rq->peer,
				   "replayed request");
		}
		panel_error(out, rc < 0 ? 500 : 409,
			    rc < 0 ? "internal error" : "replayed request");
		goto out;
	}
	if (acct_sso_mint(p->acct, email, token, sizeof(token)) < 0) {
		log_warn("panel: sso from %s refused: %s", rq->peer,
			 err_msg());
		acct_signature_forget(p->acct, got);
		panel_error(out, strstr(err_msg(), "no account") ? 404 : 403,
			    err_msg());
		goto out;
	}
	if (acct_norm_email(email, norm, sizeof(norm)) < 0)
		snprintf(norm, sizeof(norm), "%s", email);
	buf_addf(&ssh, "ssh -t %s@%s", norm, p->ssh_host);
	log_info("panel: sso token for %s issued to %s", norm, rq->peer);
	panel_answer(out, 200, json_pack("{s:s,s:s}", "token", token, "ssh",
					 ssh.buf));
	explicit_bzero(token, sizeof(token));
out:
	buf_release(&text);
	buf_release(&ssh);
	json_decref(root);
}

/*
 * Answers one request. Unknown paths are 404, a feature whose secret is
 * empty is 404 too, methods other than POST 405, bodies over
 * PANEL_MAX_BODY 413.
 */
void
panel_handle(struct panel_ctx *p, const struct panel_req *rq,
	     struct panel_resp *out)
{
	int sync = rq->path && !strcmp(rq->path, "/api/sync/account");
	int sso = rq->path && !strcmp(rq->path, "/sso/issue");

	if ((!sync && !sso) || (sync && !*p->conf->mail_sync_secret) ||
	    (sso && !*p->conf->sso_secret)) {
		panel_error(out, 404, "not found");
		return;
	}
	if (rq->method == NULL || strcmp(rq->method, "POST")) {
		panel_error(out, 405, "use POST");
		return;
	}
	if (rq->len > PANEL_MAX_BODY) {
		panel_error(out, 413, "body too large");
		return;
	}
	if (sync)
		panel_sync(p, rq, out);
	else
		panel_sso(p, rq, out);
}
