#!/usr/bin/env bash
# Build + send of a message with a 10 MB attachment: compose_build() and
# smtp_send() (through the send-check helper) against the private Dovecot
# submission service, which relays it into another test account's INBOX.
# Figures only; make bench prints them, nothing fails on them.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TUIMAIL_BUILD=${TUIMAIL_BUILD:-$TOP/build}
MB=${BENCH_SEND_MB:-10}
RUNS=${BENCH_SEND_RUNS:-3}

# Borrow the integration library for temp dir, servers and cleanup.
test_description='bench: build and send'
set -- # lib.sh reads no arguments
. "$TOP/tests/integration/lib.sh"

ms() { echo $(($(date +%s%N) / 1000000)); }

write_conf &&
	tuimailctl domain add example.com >/dev/null 2>&1 &&
	echo jane-pw-1 | tuimailctl account add jane@example.com >/dev/null 2>&1 &&
	echo bob-pw-1 | tuimailctl account add bob@example.com >/dev/null 2>&1 &&
	dovecot_start "$TEST_DIR/dovecot" "$TEST_DIR/db/tuimail.db" || exit 1
libs=$(make -s -C "$TOP" --no-print-directory \
	--eval="b0004-libs: ; @echo \$(TUI_LIBS)" b0004-libs)
cc -std=gnu11 -O2 -D_GNU_SOURCE -I"$TOP" -o send-check \
	"$TOP/tests/integration/send-check.c" "$BUILD/libindex.a" \
	"$BUILD/libutil.a" $libs || exit 1
head -c $((MB * 1024 * 1024)) /dev/urandom >big.bin
printf 'The file is attached.\n' >body.txt

# send ARGS...: one build (and send, without -x) as jane to bob.
send() {
	echo jane-pw-1 | ./send-check -f jane@example.com -T bob@example.com \
		-S "a $MB MB attachment" -b body.txt \
		-A "big.bin:application/octet-stream:größer.bin" "$@" \
		127.0.0.1 "$SUBMISSION_PORT" jane@example.com
}

best_build= best_send=
for run in $(seq "$RUNS"); do
	t0=$(ms)
	send -x -o built.eml >/dev/null || exit 1
	t1=$(ms)
	send -P >out || { cat out; exit 1; }
	t2=$(ms)
	b=$((t1 - t0)) s=$((t2 - t1))
	[ -z "$best_build" ] || [ "$b" -lt "$best_build" ] && best_build=$b
	[ -z "$best_send" ] || [ "$s" -lt "$best_send" ] && best_send=$s
	echo "run $run: build $b ms, build + send $s ms"
done
size=$(stat -c %s built.eml)
got=$(imap_count bob@example.com bob-pw-1 INBOX)
echo "build of a message with a $MB MB attachment ($size bytes): best $best_build ms [no target; reported]"
echo "build + send of it through Dovecot submission and the relay into an INBOX: best $best_send ms, $(sed -n 's/^progress \([0-9]*\) calls.*/\1/p' out) progress calls [no target; reported]"
[ "$got" = "$RUNS" ] || echo "warning: bob has $got messages, expected $RUNS"
exit 0
