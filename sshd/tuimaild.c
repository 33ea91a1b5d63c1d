/*
 * tuimaild.c: the SSH listener. For now it only checks its configuration
 * (-t) and prints its version (-V); the door arrives with the next issue.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "acct.h"
#include "util/conf.h"
#include "util/log.h"

#define TUIMAIL_VERSION "0.1"

static int
usage(void)
{
	fprintf(stderr, "usage: tuimaild [-dtV] [-f FILE]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *path = CONF_DEFAULT_PATH;
	struct conf c;
	struct acct a;
	int opt, test = 0, foreground = 0;

	while ((opt = getopt(argc, argv, "df:tV")) != -1) {
		switch (opt) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("tuimaild %s\n", TUIMAIL_VERSION);
			return 0;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	log_init("tuimaild", foreground || test, 0);
	if (conf_load(&c, path) < 0) {
		fprintf(stderr, "tuimaild: %s\n", err_msg());
		return 1;
	}
	if (test) {
		printf("%s: %s\n", path, conf_mode_reason(&c));
		conf_free(&c);
		return 0;
	}
	if (acct_open(&a, &c, ACCT_OPEN_CREATE, "tuimaild") < 0) {
		log_err("%s", err_msg());
		conf_free(&c);
		return 1;
	}
	acct_close(&a);
	log_err("the SSH door is not built yet");
	conf_free(&c);
	return 1;
}
