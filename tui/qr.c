/*
 * qr.c: QR codes drawn with half blocks (qr.h).
 */
#include <errno.h>
#include <qrencode.h>
#include <string.h>

#include "tui/qr.h"
#include "util/log.h"

#define QR_QUIET 4 /* modules of light border on each side */

/* 1 when module (x, y) of the code with its quiet zone is dark. */
static int
qr_dark(const QRcode *q, int x, int y)
{
	x -= QR_QUIET;
	y -= QR_QUIET;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[y * q->width + x] & 1;
}

int
qr_render(const char *text, int dark_blocks, struct buf *out, int *width,
	  int *height)
{
	/* Indexed by top * 2 + bottom, 1 meaning "drawn as a block". */
	static const char *const cell[4] = { " ", "\u2584", "\u2580",
					     "\u2588" };
	QRcode *q;
	int size, x, y, top, bottom;

	q = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	if (q == NULL)
		return err_set("cannot make a QR code: %s", strerror(errno));
	size = q->width + 2 * QR_QUIET;
	for (y = 0; y < size; y += 2) {
		for (x = 0; x < size; x++) {
			top = qr_dark(q, x, y);
			bottom = y + 1 < size ? qr_dark(q, x, y + 1) : 0;
			if (!dark_blocks) {
				top = !top;
				bottom = !bottom;
			}
			buf_adds(out, cell[top * 2 + bottom]);
		}
		buf_addch(out, '\n');
	}
	*width = size;
	*height = (size + 1) / 2;
	/* The modules spell the TOTP secret. */
	explicit_bzero(q->data, (size_t)q->width * (size_t)q->width);
	QRcode_free(q);
	return 0;
}
