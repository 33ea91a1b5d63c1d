/*
 * send-check.c: a test helper around index/compose.c and index/smtp.c,
 * built by the integration tests that need it (t0009, b0004) against
 * build/libindex.a.
 *
 *   send-check [-s tls|starttls|none] [-n] [-c CA_FILE] [-a CLIENT_ADDR]
 *              [-t SECONDS] [-x] [-P] [-o OUT_FILE]
 *              -f FROM_ADDR [-F FROM_NAME] [-T TO] [-C CC] [-B BCC]
 *              [-S SUBJECT] [-b BODY_FILE] [-A FILE[:TYPE[:NAME]]]...
 *              [-r PARENT_FILE -k reply|reply-all|forward|attached]
 *              [-O OWN_ADDR]... HOST PORT USER  < password
 *
 * It builds the message with compose_build(): with -r, the fields start
 * from compose_start() on the raw message PARENT_FILE (-T, -C, -S
 * replace them; the text of -b goes under the quote). -o writes the
 * built message (what goes to Sent). Then smtp_send() submits it, unless
 * -x. USER "-" sends without AUTH; the password is the first line of
 * standard input. -P prints the progress calls: their count and the
 * last one.
 *
 * Prints "sent MESSAGE-ID" (exit 0; "built MESSAGE-ID" with -x),
 * "invalid: FIELD ENTRY OFFSET LEN: MESSAGE" when compose_build() refuses
 * (exit 4, nothing sent), "error: MESSAGE" otherwise (exit 3); usage
 * errors exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "index/index.h"
#include "util/buf.h"
#include "util/conf.h"
#include "util/log.h"

#define CHECK_MAX_ATT 8
#define CHECK_MAX_OWN 8

static const char check_opts[] = "s:nc:a:t:xPo:f:F:T:C:B:S:b:A:r:k:O:";

static const char *const check_fields[] = {
	[COMPOSE_FIELD_FROM] = "from",
	[COMPOSE_FIELD_TO] = "to",
	[COMPOSE_FIELD_CC] = "cc",
	[COMPOSE_FIELD_BCC] = "bcc",
	[COMPOSE_FIELD_SUBJECT] = "subject",
	[COMPOSE_FIELD_BODY] = "body",
	[COMPOSE_FIELD_ATTACHMENT] = "attachment",
};

struct check_progress {
	unsigned calls;
	size_t sent, total;
};

static int
check_usage(void)
{
	fprintf(stderr,
		"usage: send-check [-s tls|starttls|none] [-n] [-c CA_FILE] "
		"[-a ADDR] [-t SECONDS] [-x] [-P] [-o OUT]\n"
		"       -f FROM [-F NAME] [-T TO] [-C CC] [-B BCC] "
		"[-S SUBJECT] [-b BODY_FILE] [-A FILE[:TYPE[:NAME]]]...\n"
		"       [-r PARENT -k reply|reply-all|forward|attached] "
		"[-O OWN]... HOST PORT USER\n");
	return 2;
}

/* Reads a whole file into b; returns 0 or -1 with a message printed. */
static int
check_slurp(const char *path, struct buf *b)
{
	char tmp[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		printf("error: cannot open '%s'\n", path);
		return -1;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(b, tmp, n);
	fclose(f);
	return 0;
}

static void
check_progress(size_t sent, size_t total, void *arg)
{
	struct check_progress *p = arg;

	p->calls++;
	p->sent = sent;
	p->total = total;
}

int
main(int argc, char **argv)
{
	struct smtp_params p = { .security = CONF_SEC_NONE, .verify_cert = 1 };
	struct compose_msg m = { 0 };
	struct compose_start_opts so = { 0 };
	struct compose_start start = { 0 };
	struct compose_attachment att[CHECK_MAX_ATT];
	struct buf att_data[CHECK_MAX_ATT], body = BUF_INIT, text = BUF_INIT,
					    parent = BUF_INIT;
	struct compose_error e = { 0 };
	struct compose_out out = { 0 };
	struct check_progress prog = { 0 };
	const char *own[CHECK_MAX_OWN], *body_file = NULL, *parent_file = NULL;
	const char *kind = "reply", *out_file = NULL, *to = NULL, *cc = NULL,
		   *subject = NULL;
	char pass[256], *spec, *colon, *name;
	size_t n_att = 0, n_own = 0, i;
	int opt, rc = 3, build_only = 0, show_progress = 0;
	FILE *f;

	log_init("send-check", 1, 0);
	buf_init(&out.raw);
	while ((opt = getopt(argc, argv, check_opts)) != -1) {
		switch (opt) {
		case 's':
			if ((p.security = conf_security_parse(optarg)) < 0)
				return check_usage();
			break;
		case 'n':
			p.verify_cert = 0;
			break;
		case 'c':
			p.ca_file = optarg;
			break;
		case 'a':
			p.client_addr = optarg;
			break;
		case 't':
			p.timeout = atoi(optarg);
			break;
		case 'x':
			build_only = 1;
			break;
		case 'P':
			show_progress = 1;
			break;
		case 'o':
			out_file = optarg;
			break;
		case 'f':
			m.from_addr = optarg;
			break;
		case 'F':
			m.from_name = optarg;
			break;
		case 'T':
			to = optarg;
			break;
		case 'C':
			cc = optarg;
			break;
		case 'B':
			m.bcc = optarg;
			break;
		case 'S':
			subject = optarg;
			break;
		case 'b':
			body_file = optarg;
			break;
		case 'A':
			if (n_att == CHECK_MAX_ATT)
				return check_usage();
			spec = optarg;
			colon = strchr(spec, ':');
			if (colon)
				*colon++ = '\0';
			att[n_att].type = colon;
			name = colon ? strchr(colon, ':') : NULL;
			if (name)
				*name++ = '\0';
			att[n_att].filename = name ? name : spec;
			buf_init(&att_data[n_att]);
			if (check_slurp(spec, &att_data[n_att]) < 0)
				return 3;
			att[n_att].data = att_data[n_att].buf;
			att[n_att].len = att_data[n_att].len;
			n_att++;
			break;
		case 'r':
			parent_file = optarg;
			break;
		case 'k':
			kind = optarg;
			break;
		case 'O':
			if (n_own == CHECK_MAX_OWN)
				return check_usage();
			own[n_own++] = optarg;
			break;
		default:
			return check_usage();
		}
	}
	if (argc - optind != 3 || !m.from_addr)
		return check_usage();
	p.host = argv[optind];
	p.port = (unsigned)atoi(argv[optind + 1]);
	if (strcmp(argv[optind + 2], "-") != 0)
		p.user = argv[optind + 2];
	if (show_progress) {
		p.progress = check_progress;
		p.progress_arg = &prog;
	}
	if (body_file && check_slurp(body_file, &text) < 0)
		return 3;

	if (parent_file) {
		if (!strcmp(kind, "reply"))
			so.kind = COMPOSE_REPLY;
		else if (!strcmp(kind, "reply-all"))
			so.kind = COMPOSE_REPLY_ALL;
		else if (!strcmp(kind, "forward"))
			so.kind = COMPOSE_FORWARD;
		else if (!strcmp(kind, "attached"))
			so.kind = COMPOSE_FORWARD_ATTACHED;
		else
			return check_usage();
		if (n_own == 0)
			own[n_own++] = m.from_addr;
		so.own = own;
		so.n_own = n_own;
		so.keep_attachments = 1;
		if (check_slurp(parent_file, &parent) < 0)
			return 3;
		if (compose_start(parent.buf, parent.len, &so, &start) < 0) {
			printf("error: %s\n", err_msg());
			return 3;
		}
		m.to = start.to;
		m.cc = start.cc;
		m.subject = start.subject;
		m.in_reply_to = start.in_reply_to;
		m.references = start.references;
		buf_adds(&body, start.body);
		if (text.len && body.len)
			buf_addch(&body, '\n');
		for (i = 0; i < start.n_att && n_att < CHECK_MAX_ATT; i++)
			att[n_att++] = start.att[i];
	}
	buf_add(&body, text.buf, text.len);
	if (to)
		m.to = to;
	if (cc)
		m.cc = cc;
	if (subject)
		m.subject = subject;
	m.body = body.buf;
	m.att = att;
	m.n_att = n_att;

	if (compose_build(&m, &out, &e) < 0) {
		printf("invalid: %s %zu %zu %zu: %s\n", check_fields[e.field],
		       e.entry, e.offset, e.len, err_msg());
		rc = 4;
		goto out;
	}
	if (out_file) {
		f = fopen(out_file, "wb");
		if (!f ||
		    fwrite(out.raw.buf, 1, out.raw.len, f) != out.raw.len ||
		    fclose(f) != 0) {
			printf("error: cannot write '%s'\n", out_file);
			goto out;
		}
	}
	if (build_only) {
		printf("built %s\n", out.message_id);
		rc = 0;
		goto out;
	}
	if (p.user) {
		if (!fgets(pass, sizeof(pass), stdin))
			pass[0] = '\0';
		pass[strcspn(pass, "\r\n")] = '\0';
		p.pass = pass;
	}
	if (smtp_send(&p, out.from, out.rcpt, out.n_rcpt, out.raw.buf,
		      out.raw.len) < 0) {
		printf("error: %s\n", err_msg());
	} else {
		printf("sent %s\n", out.message_id);
		rc = 0;
	}
	explicit_bzero(pass, sizeof(pass));
	if (show_progress)
		printf("progress %u calls, last %zu %zu, message %zu\n",
		       prog.calls, prog.sent, prog.total, out.raw.len);
out:
	compose_out_free(&out);
	compose_start_free(&start);
	buf_release(&body);
	buf_release(&text);
	buf_release(&parent);
	return rc;
}
