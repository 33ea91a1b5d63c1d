#!/usr/bin/env bash
# b0005-search.sh: search (issue 6) over a large mailbox, each figure
# beside its target.
#
#   A private Dovecot with an INBOX of BENCH_MESSAGES messages
#   (bench/gen-folder.py, as in b0002). Then, with
#   tests/integration/search-check.c over loopback:
#     1. the initial build: every message fetched (BODY.PEEK[]) into the
#        mirror and indexed, in mirror_step()s of 200 ms, in messages per
#        second, and its ratio to `notmuch new` over the same Maildir
#        (NOTMUCH_CONFIG at a config of its own, the database apart);
#     2. an incremental sync: 100 new messages delivered over LMTP while
#        the session runs, then steps until idle;
#     3. a new session over the full mirror (it reads the folder; the
#        index is compared with the files only after a crash), and a
#        sync after another client deleted a message (UID SEARCH ALL);
#     4. search latency, p50 and p99 over 20 varied queries, 5 rounds,
#        each the first page of 50 hits (search_query()), in a reader
#        session (a read-only open per query) and in the writer's;
#     5. disk use of the mirror and of the index per 1,000 messages.
#   Also shown, not targets: Dovecot's Maildir indexed in place
#   (maildir_root) and the largest mirror_step() seen during the build.
#
# It measures and never fails: when it cannot run, it says why and exits 0.
#
# Environment: TUIMAIL_BUILD (build dir), BENCH_MESSAGES (100000),
# BENCH_KEEP=1 (keep the temp dir).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BUILD=${TUIMAIL_BUILD:-$TOP/build}
COUNT=${BENCH_MESSAGES:-100000}
PY=/usr/bin/python3
USER_ADDR=bench@example.com
PASS=bench-pw-1
export LC_ALL=C.UTF-8 TZ=UTC

say() { printf '%s\n' "$*"; }
skip() { say "search: skipped: $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root (Dovecot)"
for tool in dovecot doveadm cc pkg-config notmuch "$PY"; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[ -x "$BUILD/tuimailctl" ] && [ -f "$BUILD/libindex.a" ] &&
	[ -f "$BUILD/libutil.a" ] || skip "build tuimail first (make)"

DIR=$(mktemp -d /tmp/tuimail-bench-search.XXXXXX) || exit 0
cd "$DIR" || exit 0
. "$HERE/lib.sh"

bench_cleanup() {
	servers_stop >/dev/null 2>&1
	if [ "${BENCH_KEEP:-}" = 1 ]; then
		say "# kept $DIR"
	else
		rm -rf "$DIR"
	fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	say "search: skipped: $1"
	[ -z "${2:-}" ] || [ ! -s "$2" ] || tail -n 5 "$2" | sed 's/^/#   /'
	exit 0
}

now_ms() { date +%s%3N; }

# sc ARGS...: search-check as the bench user over the mirror in $DIR/st.
sc() {
	echo "$PASS" | ./search-check -t -s none "$DIR/st" 127.0.0.1 \
		"$IMAP_PORT" "$USER_ADDR" "$@"
}

# t FILE COMMAND [first]: the MS of the last (or first) "time COMMAND MS"
# line of FILE.
t() {
	awk -v c="time $2 " -v first="${3:-}" '
		index($0, c) == 1 && substr($0, length(c) + 1) ~ /^[0-9.]+$/ {
			if (!(first && seen)) v = $NF; seen = 1 }
		END { print v == "" ? "-" : v }' "$1"
}

# pct P: the P-th percentile of the numbers on stdin (nearest rank).
pct() {
	sort -n | awk -v p="$1" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1
		printf "%.1f\n", v[r] }'
}

# row LABEL VALUE TARGET UNIT [higher]: one line of the report.
row() {
	local verdict="" cmp="<="
	[ "${5:-}" = higher ] && cmp=">="
	if [ "$3" != "-" ] && [ "$2" != "-" ]; then
		verdict=$(awk -v v="$2" -v t="$3" -v c="$cmp" 'BEGIN {
			ok = c == "<=" ? v + 0 <= t + 0 : v + 0 >= t + 0
			print ok ? "ok" : "OVER" }')
	fi
	printf '  %-46s %10s %-5s target %6s %-5s %s\n' "$1" "$2" "$4" \
		"$3" "$4" "$verdict"
}

# --- Servers, account, folder -------------------------------------------

bench_servers

cc -std=gnu11 -O2 -D_GNU_SOURCE -I"$TOP" -o search-check \
	"$TOP/tests/integration/search-check.c" "$BUILD/libindex.a" \
	"$BUILD/libutil.a" \
	$(pkg-config --libs ncursesw gnutls gmime-3.0 libxml-2.0 sqlite3) \
	-letpan -lnotmuch 2>cc.err || fail "cannot build search-check" cc.err

say "  generating $COUNT messages ..."
bench_folder "$COUNT" 20000

# --- 1. The initial build, and notmuch new over the same Maildir ---------

sync
sc "sync 7200" progress >build.out 2>&1 || fail "the initial sync failed" \
	build.out
build_ms=$(t build.out "sync 7200")
grep -q "^synced $COUNT of $COUNT\$" build.out ||
	fail "the sync did not index every message" build.out
rate=$(awk -v n="$COUNT" -v ms="$build_ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')

mkdir -p nm/db
cat >nm/config <<EOF
[database]
path=$DIR/nm/db
mail_root=$maildir
[new]
tags=
ignore=/^dovecot/;/^subscriptions\$/;/^maildirfolder\$/
[maildir]
synchronize_flags=true
EOF
sync
start=$(now_ms)
NOTMUCH_CONFIG=$DIR/nm/config notmuch new --quiet >nm.out 2>&1 ||
	fail "notmuch new failed" nm.out
nm_ms=$(($(now_ms) - start))
nm_count=$(NOTMUCH_CONFIG=$DIR/nm/config notmuch count '*')
nm_rate=$(awk -v n="$nm_count" -v ms="$nm_ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
ratio=$(awk -v a="$rate" -v b="$nm_rate" 'BEGIN { printf "%.2f", a / b }')

# --- 2. 100 new messages in a running session; 3. a new session ----------

cat >deliver.py <<'PY'
import os, smtplib, sys
s = smtplib.LMTP('127.0.0.1', int(os.environ['LMTP_PORT']))
for i in range(int(sys.argv[2])):
    s.sendmail('news@example.org', [sys.argv[1]], (
        'From: News <news@example.org>\nTo: %s\nSubject: update %d of the '
        'incremental sync\nDate: Mon, 1 Jan 2024 10:00:%02d +0000\n'
        'Message-ID: <inc.%d@example.org>\n\n%s\n' % (
            sys.argv[1], i, i % 60, i, 'Fresh news, line after line. ' * 40)
        ).encode())
s.quit()
PY
cat >delete.py <<'PY'
import imaplib, os, sys
m = imaplib.IMAP4('127.0.0.1', int(os.environ['IMAP_PORT']))
m.login(sys.argv[1], sys.argv[2])
m.select('INBOX')
m.uid('STORE', sys.argv[3], '+FLAGS', '(\\Deleted)')
m.expunge()
m.logout()
PY
sc sync "shell $PY deliver.py $USER_ADDR 100" "poke INBOX" "sync 60" \
	"count subject:incremental" \
	"shell $PY delete.py $USER_ADDR $PASS 5" "poke INBOX" "sync 30" \
	"count *" >inc.out 2>&1 ||
	fail "the incremental sync failed" inc.out
inc_ms=$(t inc.out "sync 60")
grep -q "^count 100\$" inc.out ||
	fail "the 100 new messages are not all found" inc.out
grep -q "^count $((COUNT + 99))\$" inc.out ||
	fail "the deleted message is still found" inc.out
first_ms=$(t inc.out sync first)
first_step=$(sed -n 's/^longest step //p' inc.out | head -n 1)
expunge_ms=$(t inc.out "sync 30")
build_step=$(sed -n 's/^longest step //p' build.out)

# --- 4. Search latency ----------------------------------------------------

queries=(
	"*"
	"budget"
	"from:Müller"
	"subject:invoice"
	"meeting and report"
	"\"quarterly report\""
	"tag:unread"
	"tag:flagged"
	"tag:unread and tag:flagged"
	"date:2021..2021"
	"date:2023-06-01..2023-06-30"
	"folder:INBOX and not tag:unread"
	"from:anna or from:ben"
	"subject:Re and server"
	"not tag:unread and subject:backup"
	"Zoë"
	"to:bench@example.com and password"
	"schedule or deadline or agenda"
	"subject:\"release plan\""
	"fox and not migration"
)
args=()
for round in 1 2 3 4 5; do
	for q in "${queries[@]}"; do args+=("page 0 50 $q"); done
done
# A reader: another session holds the lock meanwhile.
echo "$PASS" | ./search-check -s none "$DIR/st" 127.0.0.1 "$IMAP_PORT" \
	"$USER_ADDR" "busy 600000" >/dev/null 2>&1 &
holder=$!
sleep 1
sc role "${args[@]}" >query.out 2>&1 || fail "the queries failed" query.out
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
grep -q "^reader\$" query.out || say "  (the query session was not a reader)"
grep "^time page 0 50 " query.out | awk '{ print $NF }' >lat.txt
p50=$(pct 50 <lat.txt)
p99=$(pct 99 <lat.txt)
sc role "${args[@]}" >query-w.out 2>&1 || fail "the queries failed" query-w.out
grep "^time page 0 50 " query-w.out | awk '{ print $NF }' >lat-w.txt
wp50=$(pct 50 <lat-w.txt)
wp99=$(pct 99 <lat-w.txt)
slow=$(awk 'index($0, "time page 0 50 ") == 1 && $NF + 0 > max {
		max = $NF + 0; q = substr($0, 16, length($0) - 15 - length($NF) - 1) }
	END { printf "%s, %.1f ms", q, max }' query.out)
hits_all=$(grep -c "^hit " query.out)

# The composer's address completion: a prefix as typed, a letter at a time.
aargs=()
for round in 1 2 3; do
	for p in a an ann m mü mül z zo b be ben t to x q; do
		aargs+=("addresses $p")
	done
done
sc "${aargs[@]}" >addr.out 2>&1 || fail "the address lookups failed" addr.out
grep "^time addresses " addr.out | awk '{ print $NF }' >alat.txt
ap50=$(pct 50 <alat.txt)
ap99=$(pct 99 <alat.txt)

# --- 5. Disk use ----------------------------------------------------------

total=$((COUNT + 99))
mirror_kb=$(du -sk --exclude=.notmuch "$DIR/st/mirror" | awk '{ print $1 }')
index_kb=$(du -sk "$DIR/st/mirror/.notmuch" | awk '{ print $1 }')
src_kb=$(du -sk "$maildir/cur" | awk '{ print $1 }')
nm_kb=$(du -sk "$DIR/nm/db" | awk '{ print $1 }')
per() { awk -v kb="$1" -v n="$total" 'BEGIN { printf "%.2f", kb / 1024 / (n / 1000) }'; }

# --- Also: Dovecot's Maildir in place -------------------------------------

sync
echo "$PASS" | ./search-check -t -s none -m "$maildir" "$DIR/sm" \
	127.0.0.1 "$IMAP_PORT" "$USER_ADDR" "sync 7200" >maildir.out 2>&1 ||
	fail "indexing the Maildir in place failed" maildir.out
md_ms=$(t maildir.out "sync 7200")
md_rate=$(awk -v n="$total" -v ms="$md_ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')

say "  mirror and index of $COUNT messages (one INBOX), private Dovecot over loopback:"
row "initial build (IMAP fetch + index), msg/s" "$rate" - "msg/s"
row "  notmuch new over the same Maildir, msg/s" "$nm_rate" - "msg/s"
row "  ratio to notmuch new" "$ratio" - "x"
row "incremental sync of 100 new messages" "$inc_ms" 1000 ms
row "search latency p50 (first 50 hits, reader)" "$p50" 50 ms
row "search latency p99 (first 50 hits, reader)" "$p99" 200 ms
row "search latency p50 (writer's own handle)" "$wp50" 50 ms
row "search latency p99 (writer's own handle)" "$wp99" 200 ms
row "address completion p50 (a prefix)" "$ap50" 50 ms
row "address completion p99 (a prefix)" "$ap99" 200 ms
row "mirror per 1,000 messages" "$(per "$mirror_kb")" - MB
row "index per 1,000 messages" "$(per "$index_kb")" - MB
say "  not targets:"
row "  build time of the mirror, s" "$(awk -v ms="$build_ms" 'BEGIN { printf "%.1f", ms / 1000 }')" - s
row "  Dovecot's Maildir indexed in place, msg/s" "$md_rate" - "msg/s"
row "  a new session: until idle (load + check)" "$first_ms" - ms
row "  a new session: its longest step" "${first_step% ms}" - ms
row "  sync after another client deleted a message" "$expunge_ms" - ms
row "  longest step of the initial build (200 ms)" "${build_step% ms}" - ms
row "  Dovecot's own Maildir per 1,000 messages" "$(per "$src_kb")" - MB
row "  notmuch new's index per 1,000 messages" "$(per "$nm_kb")" - MB
say "  slowest query: $slow ($hits_all hits shown over all queries)"
exit 0
