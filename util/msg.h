/*
 * msg.h: framed messages between tuimail's processes (the UI and its
 * door). Never raw structs: a frame is a big-endian u32 length of what
 * follows, a u16 type, then fields written one by one (u32, u64, strings
 * as u32 length + bytes). Every decode checks that the field fits and
 * msg_end() that nothing is left over.
 */
#ifndef TUIMAIL_MSG_H
#define TUIMAIL_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MSG_MAX (1024 * 1024) /* largest frame accepted */

struct msg {
	uint16_t type;
	struct buf b; /* owned: the fields after the type */
	size_t off;   /* read position in b while decoding */
};

void msg_init(struct msg *m, uint16_t type);
void msg_release(struct msg *m);
void msg_put_u32(struct msg *m, uint32_t v);
void msg_put_u64(struct msg *m, uint64_t v);
void msg_put_str(struct msg *m, const char *s);
int msg_get_u32(struct msg *m, uint32_t *v);
int msg_get_u64(struct msg *m, uint64_t *v);
int msg_get_str(struct msg *m, struct buf *out, size_t max);
int msg_end(const struct msg *m);
int msg_write(int fd, const struct msg *m);
int msg_read(int fd, struct msg *m);

#endif
