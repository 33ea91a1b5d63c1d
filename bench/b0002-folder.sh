#!/usr/bin/env bash
# b0002-folder.sh: a large folder through the mail layer (issue 4), each
# figure beside its target.
#
#   A private Dovecot with a generated INBOX of BENCH_MESSAGES messages
#   (bench/gen-folder.py writes the Maildir directly; Dovecot indexes it
#   and is asked for every sort key once, so its own cache is warm and the
#   figures are ours). Then, with tests/integration/index-check.c over
#   loopback, newest first (UID SORT REVERSE DATE):
#     1. open the folder and fetch the first screen (40 rows + 40 of
#        margin) with an empty header cache, then again with a warm one
#        (which also holds the order: no UID SORT);
#     2. page down (the next 40 rows, again with 40 of margin);
#     3. jump to the oldest message (the last 80 rows);
#     4. fetch a 50 KB message (and, apart, the first message of the
#        session, for which Dovecot rescans its Maildir: a server cost);
#     5. the process's RSS with the folder open (VmRSS and its peak).
#   Each is the median of BENCH_ROUNDS runs, each in a fresh process.
#   Also shown, not targets: the same in arrival order (UID SEARCH, no
#   SORT) and threaded (UID THREAD REFERENCES).
#
#   Then the whole client (bench/client.sh): tuimail in local mode in
#   tmux, timed from the password typed to the first screen of rows,
#   with an empty ~/.cache/tuimail (cold) and again (warm); a page down
#   and the jump to the oldest (*) through its keys; its VmRSS. neomutt
#   (Debian's package, installed here when missing) opens the same folder
#   over IMAP with its header cache empty and warm, timed the same way,
#   and the ratios are printed. tuimail's own search mirror (issue 6)
#   starts copying the folder in the background meanwhile, as it would
#   for a user: its steps end when a key arrives, and the page-down
#   figures show what is left of that.
#
# It measures and never fails: when it cannot run, it says why and exits 0.
#
# Environment: TUIMAIL_BUILD (build dir), BENCH_MESSAGES (100000),
# BENCH_ROUNDS (5), BENCH_CLIENT_ROUNDS (3), BENCH_KEEP=1 (keep the temp
# dir), BENCH_FOLDER_CACHE=DIR (generate the folder once, reuse it:
# bench/lib.sh).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BUILD=${TUIMAIL_BUILD:-$TOP/build}
COUNT=${BENCH_MESSAGES:-100000}
ROUNDS=${BENCH_ROUNDS:-5}
PY=/usr/bin/python3
USER_ADDR=bench@example.com
PASS=bench-pw-1
export LC_ALL=C.UTF-8

say() { printf '%s\n' "$*"; }
skip() { say "folder: skipped: $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root (Dovecot)"
for tool in dovecot doveadm cc pkg-config tmux "$PY"; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[ -x "$BUILD/tuimailctl" ] && [ -x "$BUILD/tuimail" ] &&
	[ -f "$BUILD/libindex.a" ] &&
	[ -f "$BUILD/libutil.a" ] || skip "build tuimail first (make)"

# neomutt, for the comparison: installed as scripts/deps.sh installs the
# build's needs (never by make check); without it the bench goes on.
if ! command -v neomutt >/dev/null && command -v apt-get >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends neomutt >/dev/null 2>&1 ||
		say "  (cannot install neomutt: no comparison)"
fi

DIR=$(mktemp -d /tmp/tuimail-bench-folder.XXXXXX) || exit 0
cd "$DIR" || exit 0
. "$HERE/lib.sh"
. "$HERE/client.sh"

bench_cleanup() {
	client_stop
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
	say "folder: skipped: $1"
	[ -z "${2:-}" ] || [ ! -s "$2" ] || tail -n 5 "$2" | sed 's/^/#   /'
	exit 0
}

now_ms() { date +%s%3N; }

# ix ARGS...: index-check as the bench user with the cache in cache.db.
ix() {
	echo "$PASS" | ./index-check -t -s none -k "$DIR/cache.db" \
		127.0.0.1 "$IMAP_PORT" "$USER_ADDR" "$@"
}

# median: the median of the numbers on stdin, one a line.
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f\n", m }'
}

# t FILE COMMAND...: the sum of the "time COMMAND MS" lines of FILE for
# the commands named.
t() {
	local file=$1 sum=0 c v
	shift
	for c in "$@"; do
		v=$(grep -F "time $c " "$file" | tail -n 1 | awk '{ print $NF }')
		[ -n "$v" ] || { echo "-"; return; }
		sum=$(awk -v a="$sum" -v b="$v" 'BEGIN { print a + b }')
	done
	echo "$sum"
}

# row LABEL VALUE TARGET UNIT: one line of the report.
row() {
	local verdict=""
	if [ "$3" != "-" ] && [ "$2" != "-" ]; then
		verdict=$(awk -v v="$2" -v t="$3" \
			'BEGIN { print (v + 0 <= t + 0) ? "ok" : "OVER" }')
	fi
	printf '  %-44s %10s %-3s   target %6s %-3s %s\n' "$1" "$2" "$4" \
		"${3}" "$4" "$verdict"
}

# --- Servers, account, folder -------------------------------------------

bench_servers

cc -std=gnu11 -O2 -D_GNU_SOURCE -I"$TOP" -o index-check \
	"$TOP/tests/integration/index-check.c" "$BUILD/libindex.a" \
	"$BUILD/libutil.a" \
	$(pkg-config --libs ncursesw gnutls gmime-3.0 libxml-2.0 sqlite3) \
	-letpan 2>cc.err || fail "cannot build index-check" cc.err

say "  generating $COUNT messages ..."
bench_folder "$COUNT" 51200
gen_ms=$GEN_MS
index_ms=$INDEX_MS
start=$(now_ms)
ix "open INBOX date reverse" "open INBOX from" "open INBOX subject" \
	"open INBOX size" "open INBOX threaded" >warmup.out 2>&1 ||
	fail "the first SORT failed" warmup.out
warm_ms=$(($(now_ms) - start))
say "  $COUNT messages: written in $((gen_ms / 1000)).$((gen_ms % 1000 / 100)) s," \
	"indexed by Dovecot in $((index_ms / 1000)).$((index_ms % 1000 / 100)) s," \
	"Dovecot's sort and thread caches built in $((warm_ms / 1000)).$((warm_ms % 1000 / 100)) s"

# --- Rounds --------------------------------------------------------------

# One session: open newest first, the first screen, a page down, the
# oldest, a first message, the big one (the newest), RSS. Dovecot 2.3
# keeps Maildir names without their flags (":2,S") in dovecot-uidlist, for
# the files it delivers itself as for gen-folder.py's (checked with strace:
# a message delivered over LMTP and then flagged is the same), so the first
# message with flags a session opens is found only after a readdir of the
# whole cur/ (a server cost that grows with the folder, once a session);
# that one is shown apart. A message without flags opens at once.
session() {
	ix "open INBOX date reverse" "fetch 0 80" "rows 0 40" \
		"fetch 40 80" "rows 40 40" "fetch last 80" "rows last 40" \
		"message $((COUNT - 1))" "message $COUNT" rss
}

for i in $(seq "$ROUNDS"); do
	rm -f cache.db cache.db-wal cache.db-shm
	session >cold.$i 2>&1 || fail "a cold session failed" cold.$i
	session >warm.$i 2>&1 || fail "a warm session failed" warm.$i
	ix "open INBOX arrival reverse" "fetch 0 80" >arrival.$i 2>&1 ||
		fail "an arrival session failed" arrival.$i
	ix "open INBOX threaded reverse" "fetch 0 80" >thread.$i 2>&1 ||
		fail "a threaded session failed" thread.$i
done

# --- The whole client through tmux, and neomutt -------------------------

# The same folder, the same way: tuimail (cold: no ~/.cache/tuimail) and
# neomutt (cold: an empty header cache), each then warm.
CROUNDS=${BENCH_CLIENT_ROUNDS:-3}
for i in $(seq "$CROUNDS"); do
	rm -rf "$DIR/home"
	client_tuimail tui-cold.$i || say "  (tuimail round $i failed)"
	client_tuimail tui-warm.$i || say "  (tuimail round $i failed)"
done
have_neomutt=0
if command -v neomutt >/dev/null; then
	have_neomutt=1
	for i in $(seq "$CROUNDS"); do
		rm -rf "$DIR/nm-hcache"
		client_neomutt nm-cold.$i || say "  (neomutt round $i failed)"
		client_neomutt nm-warm.$i || say "  (neomutt round $i failed)"
	done
fi

# cmed PREFIX KEY: the median of "KEY VALUE" over the client rounds.
cmed() {
	local i
	for i in $(seq "$CROUNDS"); do
		awk -v k="$2" '$1 == k { print $2 }' "$1.$i" 2>/dev/null
	done | grep -v '^-$' | median
}
# mb: KB on stdin to MB.
mb() { awk '{ if ($1 == "-") print "-"; else printf "%.1f\n", $1 / 1024 }'; }
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || b + 0 == 0) print "-"
		else printf "%.1f\n", a / b }'
}

med() { # med PREFIX COMMAND...: median over the rounds
	local p=$1 i
	shift
	for i in $(seq "$ROUNDS"); do t "$p.$i" "$@"; done | grep -v '^-$' |
		median
}
kb() { # kb PREFIX FIELD: the median of a /proc status field, in MB
	local p=$1 f=$2 i
	for i in $(seq "$ROUNDS"); do
		awk -v f="$f:" '$1 == f { printf "%.1f\n", $2 / 1024 }' "$p.$i"
	done | median
}

open_cold=$(med cold "open INBOX date reverse" "fetch 0 80" "rows 0 40")
open_warm=$(med warm "open INBOX date reverse" "fetch 0 80" "rows 0 40")
page_cold=$(med cold "fetch 40 80" "rows 40 40")
page_warm=$(med warm "fetch 40 80" "rows 40 40")
jump_cold=$(med cold "fetch last 80" "rows last 40")
msg_ms=$(med cold "message $COUNT")
first_msg_ms=$(med cold "message $((COUNT - 1))")
sort_ms=$(med cold "open INBOX date reverse")
login_ms=$(med warm login)
rss=$(kb warm VmRSS)
hwm=$(kb cold VmHWM)
arrival=$(med arrival "open INBOX arrival reverse" "fetch 0 80")
thread=$(med thread "open INBOX threaded reverse" "fetch 0 80")
size=$(grep -m1 "^message $COUNT " cold.1 | awk '{ print $3 }')

say "  INBOX of $COUNT messages, newest first (UID SORT REVERSE DATE), median of $ROUNDS:"
row "first screen, empty cache (open + 80 rows)" "$open_cold" 300 ms
row "first screen, warm cache" "$open_warm" 100 ms
row "page down (next 40 + 40 margin), cold" "$page_cold" 20 ms
row "page down, warm" "$page_warm" 20 ms
row "jump to the oldest (last 80 rows), cold" "$jump_cold" 300 ms
row "open a message of $((size / 1024)) KB" "$msg_ms" 50 ms
row "first flagged message of a session (*)" "$first_msg_ms" 50 ms
row "RSS with the folder open (VmRSS)" "$rss" 30 MB
row "peak RSS of the session (VmHWM)" "$hwm" 30 MB
say "  (*) Dovecot reads the whole cur/ once a session to find the first file"
say "      whose name has gained flags: a cost of any Dovecot Maildir, not ours"
say "      (less with maildir_very_dirty_syncs = yes: DOVECOT_EXTRA_CONF, admin guide)"
say "  not targets:"
row "  of the cold first screen: SELECT + UID SORT" "$sort_ms" - ms
row "  login (Dovecot's bcrypt)" "$login_ms" - ms
row "  first screen in arrival order (UID SEARCH)" "$arrival" - ms
row "  first screen threaded (UID THREAD)" "$thread" - ms
say "  the whole client, tuimail in tmux (password typed to rows shown), median of $CROUNDS:"
c_cold=$(cmed tui-cold first)
c_warm=$(cmed tui-warm first)
row "first screen, empty cache (login + open)" "$c_cold" 300 ms
row "first screen, warm cache (login + open)" "$c_warm" 100 ms
less() { awk -v a="$1" -v b="$2" 'BEGIN {
	if (a == "-" || b == "-") print "-"; else printf "%.1f\n", a - b }'; }
row "  the same less the login, cold" "$(less "$c_cold" "$login_ms")" 300 ms
row "  the same less the login, warm" "$(less "$c_warm" "$login_ms")" 100 ms
c_check=$(cmed tui-warm checked)
row "  warm: the list checked with the server (SELECT)" "$c_check" - ms
row "  the same less the login" "$(less "$c_check" "$login_ms")" - ms
row "page down, cold" "$(cmed tui-cold page)" 20 ms
row "page down, warm" "$(cmed tui-warm page)" 20 ms
row "jump to the oldest (*), cold" "$(cmed tui-cold last)" 300 ms
row "jump to the oldest (*), warm" "$(cmed tui-warm last)" 300 ms
row "RSS with the 100k folder open (VmRSS)" "$(cmed tui-warm rss | mb)" 30 MB
row "RSS after the jump to the oldest, cold" "$(cmed tui-cold rss_last | mb)" 30 MB
say "  (the first screens include the login, Dovecot's bcrypt: $login_ms ms, and"
say "   its SELECT of the folder; every figure a tmux poll, about 5 ms; page down"
say "   and * run while the search mirror copies: its steps yield to keys)"
if [ "$have_neomutt" = 1 ]; then
	n_cold=$(cmed nm-cold first)
	n_warm=$(cmed nm-warm first)
	say "  neomutt $(neomutt -v 2>/dev/null | head -n 1 | awk '{ print $2 }') with header_cache, the same folder and measure:"
	row "first screen, empty header cache" "$n_cold" - ms
	row "first screen, warm header cache" "$n_warm" - ms
	row "RSS with the folder open (VmRSS)" "$(cmed nm-warm rss | mb)" - MB
	row "ratio neomutt / tuimail, cold" "$(ratio "$n_cold" "$c_cold")" - x
	row "ratio neomutt / tuimail, warm" "$(ratio "$n_warm" "$c_warm")" - x
else
	say "  neomutt is not installed: no comparison"
fi
