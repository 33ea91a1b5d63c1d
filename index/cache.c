/* cache.c: being written (see index.h). */
