/* mime.c: being written (see index.h). */
