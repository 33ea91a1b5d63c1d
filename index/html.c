/* html.c: being written (see index.h). */
