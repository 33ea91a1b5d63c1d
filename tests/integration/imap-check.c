/*
 * imap-check.c: a test helper around index/imap.c, built by the
 * integration tests that need it (t0002) against build/libindex.a.
 *
 *   imap-check [-s tls|starttls|none] [-n] [-c CA_FILE] [-a CLIENT_ADDR]
 *              [-m MAILBOX] HOST PORT USER  < password
 *
 * Without -m it runs imap_check_login() and prints "accepted" (exit 0),
 * "refused: MESSAGE" (exit 1) or "error: MESSAGE" (exit 3). With -m it
 * logs in through imap_open() and imap_login(), then prints
 * "MESSAGES UNSEEN" of MAILBOX (exit 0) or "error: MESSAGE" (exit 3).
 * -n turns certificate verification off. The password is the first line
 * of standard input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index/index.h"
#include "util/conf.h"
#include "util/log.h"

static int
check_usage(void)
{
	fprintf(stderr, "usage: imap-check [-s tls|starttls|none] [-n] "
			"[-c CA_FILE] [-a ADDR] [-m MAILBOX] HOST PORT USER\n");
	return 2;
}

static int
check_status(const struct imap_params *p, const char *user, const char *pass,
	     const char *mailbox)
{
	struct imap_conn *c;
	unsigned messages, unseen;
	int rc = 3;

	if (imap_open(&c, p) < 0)
		goto out;
	if (imap_login(c, user, pass) == 0 &&
	    imap_status(c, mailbox, &messages, &unseen) == 0) {
		printf("%u %u\n", messages, unseen);
		rc = 0;
	}
	imap_close(c);
out:
	if (rc)
		printf("error: %s\n", err_msg());
	return rc;
}

int
main(int argc, char **argv)
{
	struct imap_params p = { .security = CONF_SEC_TLS, .verify_cert = 1 };
	const char *mailbox = NULL;
	char pass[256];
	int opt, rc;

	log_init("imap-check", 1, 0);
	while ((opt = getopt(argc, argv, "s:nc:a:m:")) != -1) {
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
		case 'm':
			mailbox = optarg;
			break;
		default:
			return check_usage();
		}
	}
	if (argc - optind != 3)
		return check_usage();
	p.host = argv[optind];
	p.port = (unsigned)atoi(argv[optind + 1]);
	if (!fgets(pass, sizeof(pass), stdin))
		pass[0] = '\0';
	pass[strcspn(pass, "\r\n")] = '\0';

	if (mailbox) {
		rc = check_status(&p, argv[optind + 2], pass, mailbox);
		explicit_bzero(pass, sizeof(pass));
		return rc;
	}
	rc = imap_check_login(&p, argv[optind + 2], pass);
	explicit_bzero(pass, sizeof(pass));
	switch (rc) {
	case IMAP_LOGIN_ACCEPTED:
		printf("accepted\n");
		return 0;
	case IMAP_LOGIN_REFUSED:
		printf("refused: %s\n", err_msg());
		return 1;
	default:
		printf("error: %s\n", err_msg());
		return 3;
	}
}
