/*
 * main.c: tuimail, the mail client. A placeholder until the SSH door and
 * the reading views land: it only reports its version.
 */
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "-V")) {
		printf("tuimail 0.1\n");
		return 0;
	}
	fprintf(stderr, "tuimail: not built yet; see tuimaild\n");
	return 1;
}
