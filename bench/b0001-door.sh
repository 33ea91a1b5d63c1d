#!/usr/bin/env bash
# b0001-door.sh: the SSH door's figures (issue 3), each beside its target.
#
#   1. Login to the first screen with the real OpenSSH client, password by
#      SSH_ASKPASS, over loopback; beside it Dovecot's own cost, an IMAP
#      LOGIN alone on the same kind of account (BLF-CRYPT, the default).
#   2. Memory of an idle session: door process + UI process, RSS and PSS.
#   3. Many idle sessions held open (bench/ssh-load.c, libssh's client),
#      then the time from Ctrl-L to the redraw coming back.
#
# It starts its own Dovecot (tests/integration/lib-servers.sh) and
# tuimaild in a temp dir and stops everything by PID when it ends. It
# measures and never fails: when it cannot run, it says why and exits 0.
#
# Environment: TUIMAIL_BUILD (build dir), BENCH_SESSIONS (200),
# BENCH_LOGINS (20), BENCH_MEM_SESSIONS (10), BENCH_ROUNDS (20),
# BENCH_KEEP=1 (keep the temp dir). What counts as the first screen:
# BENCH_FIRST_SCREEN (a Python regex for login-time.py; default the line
# "EMAIL - INBOX: N messages, M unread"), BENCH_SCREEN_MARK ("INBOX:")
# then BENCH_SCREEN_END ("quit", the status bar's last word) for the
# load, whose redraws also end at BENCH_SCREEN_END.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BUILD=${TUIMAIL_BUILD:-$TOP/build}
SESSIONS=${BENCH_SESSIONS:-200}
LOGINS=${BENCH_LOGINS:-20}
MEM_SESSIONS=${BENCH_MEM_SESSIONS:-10}
ROUNDS=${BENCH_ROUNDS:-20}
PY=/usr/bin/python3
DOMAIN=bench.test
export LC_ALL=C.UTF-8

say() { printf '%s\n' "$*"; }
skip() { say "door: skipped: $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root (Dovecot, per-account session uids)"
for tool in ssh dovecot cc pkg-config sqlite3 "$PY"; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
pkg-config --exists libssh || skip "libssh's development files are missing"
for prog in tuimaild tuimailctl tuimail; do
	[ -x "$BUILD/$prog" ] || skip "build tuimail first (make)"
done
[ "$MEM_SESSIONS" -lt "$SESSIONS" ] || MEM_SESSIONS=$((SESSIONS - 1))

DIR=$(mktemp -d /tmp/tuimail-bench-door.XXXXXX) || exit 0
cd "$DIR" || exit 0
. "$TOP/tests/integration/lib-servers.sh"
TUIMAILD_PID=
load_pid=

# Everything this script started, by PID: the load client, the sessions
# (tuimaild's doors and their UIs), tuimaild, then Dovecot.
# shellcheck disable=SC2317  # called by the EXIT trap
bench_cleanup() {
	local pids
	[ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null
	if _srv_alive "$TUIMAILD_PID"; then
		pids=$(_srv_descendants "$TUIMAILD_PID")
		# shellcheck disable=SC2086
		kill -TERM "$TUIMAILD_PID" $pids 2>/dev/null
		# shellcheck disable=SC2086
		_srv_wait_gone 50 "$TUIMAILD_PID" $pids ||
			kill -KILL "$TUIMAILD_PID" $pids 2>/dev/null
	fi
	servers_stop >/dev/null 2>&1
	if [ "${BENCH_KEEP:-}" = 1 ]; then
		say "# kept $DIR"
	else
		rm -rf "$DIR"
	fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# Shows the tail of a log, then skips.
fail() {
	say "door: skipped: $1"
	[ -z "${2:-}" ] || [ ! -s "$2" ] || tail -n 5 "$2" | sed 's/^/#   /'
	exit 0
}

# write_conf SCHEME: tui.conf for the private servers (ports may be unset
# until Dovecot runs).
write_conf() {
	{
		say "[server]"
		[ -z "${SSH_PORT:-}" ] || say "listen = 127.0.0.1:$SSH_PORT"
		say "database = $DIR/db/tuimail.db"
		say "state_dir = $DIR/state"
		say "host_key = $DIR/ssh_host_ed25519_key"
		say "max_sessions = $((SESSIONS + 20))"
		say "max_startups = 20"
		say "[imap]"
		say "host = 127.0.0.1"
		say "port = ${IMAP_PORT:-143}"
		say "security = none"
		say "[smtp]"
		say "host = 127.0.0.1"
		say "port = ${SUBMISSION_PORT:-587}"
		say "security = none"
		say "[admin]"
		say "maildir_root = ${MAIL_ROOT:-$DIR/mail}"
		say "dovecot_password_scheme = $1"
	} >"$DIR/$1.conf"
	chmod 600 "$DIR/$1.conf"
}

# stats: median, min and max (ms) of the numbers on stdin, one a line.
stats() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f %.0f %.0f %d\n", m, v[1], v[NR], NR }'
}

# avg_kb FIELDS FILE PID...: the average over the PIDs of the sum of the
# fields (an awk regex, e.g. "Pss") in /proc/PID/FILE, in kB.
avg_kb() {
	local fields=$1 file=$2
	shift 2
	printf '/proc/%s/'"$file"'\n' "$@" | xargs cat 2>/dev/null |
		awk -v re="^($fields):$" -v n=$# '$1 ~ re { s += $2 }
		END { printf "%.0f", s / n }'
}

# session_mem: the sessions of tuimaild (a door with its UI) and their
# average memory in kB: "COUNT DOOR_RSS UI_RSS DOOR_PSS UI_PSS DOOR_USS
# UI_USS"; USS is the private part, what ending the session frees.
session_mem() {
	local door ui doors=() uis=()
	for door in $(cat /proc/"$TUIMAILD_PID"/task/*/children 2>/dev/null); do
		ui=$(cat /proc/"$door"/task/*/children 2>/dev/null)
		[ -n "$ui" ] || continue
		doors+=("$door")
		uis+=("${ui%% *}")
	done
	[ ${#doors[@]} -gt 0 ] || { say "0 0 0 0 0 0 0"; return; }
	say "${#doors[@]} $(avg_kb VmRSS status "${doors[@]}")" \
		"$(avg_kb VmRSS status "${uis[@]}")" \
		"$(avg_kb Pss smaps_rollup "${doors[@]}")" \
		"$(avg_kb Pss smaps_rollup "${uis[@]}")" \
		"$(avg_kb 'Private_Clean|Private_Dirty' smaps_rollup "${doors[@]}")" \
		"$(avg_kb 'Private_Clean|Private_Dirty' smaps_rollup "${uis[@]}")"
}

# mem_line LABEL: prints session_mem's figures beside the target.
mem_line() {
	local n dr ur dp up du uu
	read -r n dr ur dp up du uu < <(session_mem)
	awk -v l="$1" -v n="$n" -v dr="$dr" -v ur="$ur" -v dp="$dp" \
		-v up="$up" -v du="$du" -v uu="$uu" 'BEGIN { m = 1024
		printf "memory per idle session, %s (%d measured): " \
			"RSS %.1f MB (door %.1f + UI %.1f), PSS %.1f MB " \
			"(door %.1f + UI %.1f), private %.1f MB (door %.1f + " \
			"UI %.1f) [target < 10 MB]\n", l, n,
			(dr + ur) / m, dr / m, ur / m, (dp + up) / m, dp / m,
			up / m, (du + uu) / m, du / m, uu / m }'
}

# cpu_sample: "CPU_NS WAKEUPS" summed over tuimaild and every process
# under it (time on a CPU, voluntary context switches).
cpu_sample() {
	local p files=()
	for p in "$TUIMAILD_PID" $(_srv_descendants "$TUIMAILD_PID"); do
		files+=("/proc/$p/schedstat" "/proc/$p/status")
	done
	awk 'FILENAME ~ /schedstat$/ { cpu += $1 }
		$1 == "voluntary_ctxt_switches:" { sw += $2 }
		END { printf "%.0f %.0f\n", cpu, sw }' "${files[@]}" 2>/dev/null
}

# idle_line N SECONDS: what N idle sessions cost in CPU over SECONDS.
idle_line() {
	local c0 w0 c1 w1
	read -r c0 w0 < <(cpu_sample)
	sleep "$2"
	read -r c1 w1 < <(cpu_sample)
	awk -v n="$1" -v t="$2" -v c="$((c1 - c0))" -v w="$((w1 - w0))" \
		'BEGIN { printf "  idle: %d sessions used %.2f%% of one core, " \
		"%.0f wakeups a second in all (tuimaild, doors, UIs) " \
		"[no target]\n", n, c / t / 1e7, w / t }'
}

avail_kb() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }

# --- set-up --------------------------------------------------------------
LOGIN_USER=login@$DOMAIN
( umask 077; say "bench-login-pw" >"$DIR/login.pass" )
cat >"$DIR/askpass" <<EOF
#!/bin/sh
date +%s%N >>"\$BENCH_ASKPASS_LOG"
exec cat "$DIR/login.pass"
EOF
chmod 700 "$DIR/askpass"

# shellcheck disable=SC2046  # pkg-config's flags are words
cc -std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE -o "$DIR/ssh-load" \
	"$HERE/ssh-load.c" $(pkg-config --cflags --libs libssh) \
	2>"$DIR/cc.log" || fail "cannot build bench/ssh-load.c" "$DIR/cc.log"

write_conf BLF-CRYPT
write_conf SHA512-CRYPT
ctl() { "$BUILD/tuimailctl" -f "$DIR/$1.conf" "${@:2}"; }
ctl BLF-CRYPT domain add "$DOMAIN" >/dev/null 2>"$DIR/ctl.log" ||
	fail "tuimailctl domain add failed" "$DIR/ctl.log"
# The login account has the default scheme (bcrypt); the load accounts
# use SHA512-CRYPT, which is quicker to check, so that opening hundreds
# of sessions takes seconds, not minutes.
ctl BLF-CRYPT account add "$LOGIN_USER" <"$DIR/login.pass" >/dev/null \
	2>>"$DIR/ctl.log" || fail "tuimailctl account add failed" "$DIR/ctl.log"
: >"$DIR/users"
for i in $(seq "$SESSIONS"); do
	say "load$i-pw" | ctl SHA512-CRYPT account add "load$i@$DOMAIN" \
		>/dev/null 2>>"$DIR/ctl.log" ||
		fail "tuimailctl account add failed" "$DIR/ctl.log"
	say "load$i@$DOMAIN load$i-pw" >>"$DIR/users"
done
chmod 600 "$DIR/users"

# The UI closes its IMAP connection after STATUS today; with IDLE each
# session will hold one, so leave room for that already.
# shellcheck disable=SC2034  # read by dovecot_start
DOVECOT_EXTRA_CONF="default_process_limit = $((SESSIONS + 100))
mail_max_userip_connections = $((SESSIONS + 10))"
dovecot_start "$DIR/dovecot" "$DIR/db/tuimail.db" 2>"$DIR/dovecot-start.log" ||
	fail "Dovecot did not start" "$DIR/dovecot-start.log"
sh "$TOP/scripts/session-user.sh" >/dev/null 2>&1 ||
	fail "cannot create the session user"
srv_free_port SSH_PORT || fail "no free port"
write_conf BLF-CRYPT
"$BUILD/tuimaild" -d -f "$DIR/BLF-CRYPT.conf" >>"$DIR/tuimaild.log" 2>&1 &
TUIMAILD_PID=$!
for _ in $(seq 50); do
	grep -q "listening on 127.0.0.1:$SSH_PORT" "$DIR/tuimaild.log" && break
	_srv_alive "$TUIMAILD_PID" || break
	sleep 0.1
done
grep -q "listening on" "$DIR/tuimaild.log" ||
	fail "tuimaild did not start" "$DIR/tuimaild.log"

# --- 1. login to the first screen ---------------------------------------
# One more run than counted of each: the first warms caches (Dovecot's
# processes, the page cache, the new Maildir).
"$PY" "$HERE/login-time.py" imap "$IMAP_PORT" "$LOGIN_USER" \
	"$DIR/login.pass" $((LOGINS + 1)) >"$DIR/imap.times"
"$PY" "$HERE/login-time.py" ssh "$SSH_PORT" "$LOGIN_USER" \
	"$DIR/login.pass" $((LOGINS + 1)) "$DIR/askpass" >"$DIR/ssh.times"
if grep -q fail "$DIR/ssh.times" "$DIR/imap.times"; then
	grep -h fail "$DIR/ssh.times" "$DIR/imap.times" | sort | uniq -c |
		sed 's/^/# /'
fi
read -r imap_med imap_min imap_max imap_n < <(tail -n +2 "$DIR/imap.times" |
	grep -v fail | stats)
read -r ssh_med ssh_min ssh_max ssh_n < <(tail -n +2 "$DIR/ssh.times" |
	grep -v fail | awk '{ print $1 }' | stats)
read -r kex_med _ _ _ < <(tail -n +2 "$DIR/ssh.times" | grep -v fail |
	awk '$2 >= 0 { print $2 }' | stats)
read -r rest_med _ _ _ < <(tail -n +2 "$DIR/ssh.times" | grep -v fail |
	awk '$2 >= 0 { print $1 - $2 }' | stats)
if [ "$ssh_n" -gt 0 ] && [ "$imap_n" -gt 0 ]; then
	say "login to first screen: median $ssh_med ms (min $ssh_min, max" \
		"$ssh_max; $ssh_n logins, OpenSSH, loopback)" \
		"[target < 300 ms + Dovecot hash $imap_med ms =" \
		"$((300 + imap_med)) ms]"
	say "  Dovecot's own cost, IMAP LOGIN alone (BLF-CRYPT):" \
		"median $imap_med ms (min $imap_min, max $imap_max)"
	say "  login minus Dovecot's LOGIN: $((ssh_med - imap_med)) ms" \
		"[target < 300 ms]; the path makes two LOGINs (the door" \
		"checks the password, the UI logs in again): minus both" \
		"$((ssh_med - 2 * imap_med)) ms"
	say "  ssh start to the password prompt (exec, TCP, key exchange," \
		"kbd-interactive request): median $kex_med ms; prompt to" \
		"first screen: median $rest_med ms"
else
	say "login to first screen: no successful login (see above)" \
		"[target < 300 ms + Dovecot hash]"
fi

# --- 2. and 3. idle sessions, memory, keystroke echo ---------------------
# Wait for the logins of part 1 to be gone, so only the load's sessions
# are counted.
for _ in $(seq 50); do
	[ -z "$(cat /proc/"$TUIMAILD_PID"/task/*/children 2>/dev/null)" ] &&
		break
	sleep 0.1
done
avail0=$(avail_kb)
coproc LOAD { exec "$DIR/ssh-load" -p "$SSH_PORT" -u "$DIR/users" \
	-n "$SESSIONS" -r "$ROUNDS" -s "$MEM_SESSIONS" \
	-m "${BENCH_SCREEN_MARK:-INBOX:}" -e "${BENCH_SCREEN_END:-quit}" \
	2>"$DIR/load.err"; }
# Our own copies: bash unsets LOAD and LOAD_PID once the coproc ends.
# shellcheck disable=SC2153  # LOAD_PID is set by coproc
load_pid=$LOAD_PID
exec {load_in}<&"${LOAD[0]}" {load_out}>&"${LOAD[1]}"
opened=0
stage=0
declare -A lat
while read -r -t 600 what a b c d e f <&"$load_in"; do
	case $what in
	ready)
		stage=$((stage + 1))
		mem_line "$a sessions open"
		if [ "$stage" = 2 ] || [ "$MEM_SESSIONS" = 0 ]; then
			avail1=$(avail_kb)
			client=$(rss_kb "$load_pid")
			awk -v a0="$avail0" -v a1="$avail1" -v c="${client:-0}" \
				-v n="$a" 'BEGIN { printf "  whole machine " \
				"(noisy: anything else running counts): " \
				"MemAvailable fell %.0f MB with %d sessions, " \
				"%.1f MB a session, less the load client " \
				"%.0f MB (pty, sockets, page tables " \
				"included)\n", (a0 - a1) / 1024, n,
				(a0 - a1 - c) / 1024 / n, c / 1024 }'
			idle_line "$a" 5
		fi
		say go >&"$load_out"
		;;
	opened)
		opened=$a
		say "idle sessions open: $a of $SESSIONS in $c s" \
			"(one after another, libssh client)"
		;;
	login)
		say "  login to first screen, libssh client, SHA512-CRYPT:" \
			"median $a ms for the first 10 sessions, $b ms for" \
			"the last 10 (max $c ms)"
		;;
	serial | burst)
		# COUNT P50 P99 MAX LOST
		lat[$what-$a]="$b $c $d $e $f"
		;;
	esac
done
exec {load_in}<&- {load_out}>&-
if [ -n "${lat[serial-full]:-}" ]; then
	read -r _ f50 f99 fmax _ <<<"${lat[serial-first]}"
	read -r n w50 w99 wmax lost <<<"${lat[serial-full]}"
	say "keystroke echo, $opened idle sessions (Ctrl-L to one session" \
		"at a time, $ROUNDS rounds, $n samples): first byte p50 $f50 ms," \
		"p99 $f99 ms (max $fmax); whole redraw p50 $w50 ms, p99 $w99 ms" \
		"(max $wmax; $lost lost) [target p99 < 50 ms]"
	read -r _ f50 f99 fmax _ <<<"${lat[burst-first]}"
	read -r n w50 w99 wmax lost <<<"${lat[burst-full]}"
	say "  burst, Ctrl-L to all $opened at once ($ROUNDS rounds): first" \
		"byte p50 $f50 ms, p99 $f99 ms; whole redraw p50 $w50 ms, p99" \
		"$w99 ms (max $wmax; $lost lost) [no target]"
fi
if [ -s "$DIR/load.err" ]; then
	sort "$DIR/load.err" | uniq -c | sort -rn | head -n 5 | sed 's/^/# /'
fi
[ "$opened" -gt 0 ] || say "idle sessions: none opened (see above)"
exit 0
