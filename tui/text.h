/*
 * text.h: measuring and laying out display text in terminal columns.
 *
 * The input is text that has already passed san_text(): valid UTF-8 with
 * no control characters. Widths come from wcwidth() through
 * san_cp_width(), so a CJK character or an emoji takes two columns and a
 * combining mark none; nothing here ever splits a character.
 */
#ifndef TUIMAIL_TEXT_H
#define TUIMAIL_TEXT_H

#include <stddef.h>

#include "util/buf.h"

enum text_align { TEXT_LEFT, TEXT_RIGHT };

int text_width(const char *s, size_t len);
size_t text_fit(const char *s, size_t len, int cols, int *used);
int text_pad(struct buf *out, const char *s, size_t len, int cols,
	     enum text_align align);

#endif
