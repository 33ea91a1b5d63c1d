/*
 * libFuzzer target: the panel's request handler. The input is split at
 * the first NUL into a path and a body; requests carry the plain secret
 * (allowed here) so that the fuzzer reaches the JSON decoding, and the
 * accounts it manages to create land in a scratch database.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sshd/panel.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conf fz_conf;
static struct acct fz_acct;
static int fz_ready;

static void
fz_setup(void)
{
	char dir[] = "/tmp/tuimail-fuzz-panel-XXXXXX";
	char path[64];

	log_init("fuzz_panel", 1, 0);
	conf_defaults(&fz_conf);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/tuimail.db", dir);
	free(fz_conf.database);
	fz_conf.database = strdup(path);
	free(fz_conf.mail_sync_secret);
	fz_conf.mail_sync_secret = strdup("fuzz-secret");
	free(fz_conf.sso_secret);
	fz_conf.sso_secret = strdup("fuzz-sso");
	fz_conf.sync_accept_plain_secret = 1;
	fz_conf.dovecot_password_scheme = CONF_SCHEME_SHA512_CRYPT;
	if (acct_open(&fz_acct, &fz_conf, ACCT_OPEN_CREATE, "fuzz") < 0)
		abort();
	fz_ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	struct panel_resp resp = { 0, BUF_INIT };
	struct panel_ctx ctx;
	struct panel_req rq;
	char path[64];
	size_t plen;

	if (!fz_ready)
		fz_setup();
	plen = nul ? (size_t)(nul - data) : 0;
	if (plen >= sizeof(path))
		plen = sizeof(path) - 1;
	memcpy(path, data, plen);
	path[plen] = '\0';
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.path = plen ? path : "/api/sync/account";
	rq.plain_secret = "fuzz-secret";
	rq.body = (const char *)(nul ? nul + 1 : data);
	rq.len = nul ? size - plen - 1 : size;
	rq.peer = "fuzz";
	ctx.conf = &fz_conf;
	ctx.acct = &fz_acct;
	ctx.ssh_host = "localhost";
	panel_handle(&ctx, &rq, &resp);
	if (resp.status < 200 || resp.status > 599)
		abort();
	buf_release(&resp.body);
	return 0;
}
