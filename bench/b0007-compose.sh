#!/usr/bin/env bash
# Keystroke to screen in the composer with a 5,000-line draft, measured in
# the process (bench/compose-keys.c): the real composer view and drawing
# code on a pseudo-terminal of 100x30, each key timed from the view's key
# handler through app_draw() and display_refresh() to the bytes written.
# Target: under 10 ms a key. Also the time to take 1 MB typed into the
# text. Figures only; nothing fails on them.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TUIMAIL_BUILD:-$TOP/build}
LINES_=${BENCH_COMPOSE_LINES:-5000}
KEYS=${BENCH_COMPOSE_KEYS:-2000}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

cd "$TOP" || exit 1
libs=$(make -s --no-print-directory \
	--eval="b0007-libs: ; @echo \$(TUI_LIBS)" b0007-libs)
cflags=$(make -s --no-print-directory \
	--eval="b0007-cflags: ; @echo \$(TUI_CFLAGS)" b0007-cflags)
# The UI's objects, main() renamed so that the benchmark's own runs.
objcopy --redefine-sym main=tuimail_main "$BUILD/obj/tui/main.o" \
	"$tmp/main.o" || exit 1
objs=$(ls "$BUILD"/obj/tui/*.o | grep -v '/main\.o$')
# shellcheck disable=SC2086
cc -std=gnu11 -O2 -D_GNU_SOURCE -I"$TOP" $cflags -o "$tmp/compose-keys" \
	bench/compose-keys.c "$tmp/main.o" $objs "$BUILD/libtuicore.a" \
	"$BUILD/libindex.a" "$BUILD/libutil.a" $libs -lutil || exit 1

echo "composer, $LINES_-line text, cursor in the middle (target < 10 ms a key):"
"$tmp/compose-keys" "$LINES_" "$KEYS" | sed 's/^/  /'
echo "composer, 1 MB typed in (15,700 lines of 67 bytes):"
"$tmp/compose-keys" 15700 200 | sed -n 's/^/  /; 1,2p'
exit 0
