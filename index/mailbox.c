/* mailbox.c: being written (see index.h). */
