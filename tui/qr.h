/*
 * qr.h: a QR code of a short text (the otpauth:// URI of 2FA enrolment)
 * as lines of Unicode half blocks, two modules a character cell, with
 * the quiet zone of four modules the standard asks for. libqrencode is
 * included in qr.c only.
 */
#ifndef TUIMAIL_QR_H
#define TUIMAIL_QR_H

#include "util/buf.h"

/*
 * Renders text into out: *height lines of *width cells, each ending in
 * '\n'. With dark_blocks the dark modules are the blocks (for a cell
 * drawn dark on light); without it the light ones are (for the usual
 * light-on-dark terminal), so that a scanner sees dark on light either
 * way. Returns 0, or -1 with err_msg() set.
 */
int qr_render(const char *text, int dark_blocks, struct buf *out, int *width,
	      int *height);

#endif
