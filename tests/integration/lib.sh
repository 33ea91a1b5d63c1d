# lib.sh: the integration test library, in the shape of git's test-lib.
#
# A test script sets test_description, sources this file, then runs
# test_expect_success 'what it shows' 'commands joined with &&' as often as
# it likes and ends with test_done. Each script gets its own temp dir
# ($TEST_DIR) and its own private servers (lib-servers.sh); everything it
# started is stopped by PID when it exits, whatever happened.
#
# Environment: TUIMAIL_BUILD (the build dir, default ../../build),
# TEST_VERBOSE=1 (show every command's output), TEST_KEEP=1 (keep
# $TEST_DIR), TEST_RESULTS (a file the runner reads the counts from).

set -u

TEST_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$TEST_SRC/../.." && pwd)
BUILD=${TUIMAIL_BUILD:-$TOP/build}
TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "/tmp/tuimail-$TEST_NAME.XXXXXX")
TEST_LOG=$TEST_DIR/log
cd "$TEST_DIR" || exit 1
test_count=0
test_failed=0
test_passed=0
: "${test_description:=}"
export LC_ALL=C.UTF-8

. "$TEST_SRC/lib-servers.sh"

test_cleanup() {
	tmux -L "$TMUX_SOCK" kill-server >/dev/null 2>&1
	servers_stop >/dev/null 2>&1
	if [ -f "$TEST_DIR/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null
		done <"$TEST_DIR/pids"
	fi
	if [ "${TEST_KEEP:-}" = 1 ]; then
		echo "# kept $TEST_DIR"
	else
		rm -rf "$TEST_DIR"
	fi
}
trap test_cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }

# Remembers a PID to kill at exit.
test_track_pid() { echo "$1" >>"$TEST_DIR/pids"; }

# test_expect_success DESCRIPTION BODY: runs BODY in this shell; it passes
# when BODY's status is 0. Output goes to $TEST_LOG and is shown on failure.
test_expect_success() {
	test_count=$((test_count + 1))
	: >"$TEST_LOG"
	if [ "${TEST_VERBOSE:-}" = 1 ]; then
		# Not a pipe: the body must run in this shell, not a subshell.
		eval "$2" > >(tee "$TEST_LOG") 2>&1
		status=$?
	else
		eval "$2" >"$TEST_LOG" 2>&1
		status=$?
	fi
	if [ "$status" = 0 ]; then
		test_passed=$((test_passed + 1))
		say "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $1"
		sed -e 's/^/#	/' "$TEST_LOG" | tail -n 40
	fi
}

# test_done: prints the script's counts, tells the runner, exits.
test_done() {
	say "# $TEST_NAME: $test_passed passed, $test_failed failed"
	if [ -n "${TEST_RESULTS:-}" ]; then
		echo "$test_passed $test_failed" >"$TEST_RESULTS"
	fi
	[ "$test_failed" = 0 ]
	exit
}

# Skips the whole script (still a pass for the runner) with a reason.
test_skip_all() {
	say "# $TEST_NAME: skipped: $1"
	[ -z "${TEST_RESULTS:-}" ] || echo "0 0" >"$TEST_RESULTS"
	exit 0
}

# test_cmp EXPECTED ACTUAL: files must be equal; shows a diff otherwise.
test_cmp() { diff -u "$1" "$2"; }

# test_must_fail CMD...: CMD must fail cleanly (exit 1..125, no crash).
test_must_fail() {
	"$@"
	local rc=$?
	if [ "$rc" = 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif [ "$rc" -gt 125 ]; then
		echo "test_must_fail: '$*' died with status $rc" >&2
		return 1
	fi
	return 0
}

# test_grep PATTERN FILE: like grep -q, but shows FILE when it fails.
test_grep() {
	if ! grep -q -e "$1" "$2"; then
		echo "test_grep: no '$1' in $2:" >&2
		sed 's/^/	/' "$2" >&2
		return 1
	fi
}

# Writes $TEST_DIR/tui.conf for the private servers. Extra lines for any
# section may follow as arguments ("[admin]" "mail_admin = yes" ...).
write_conf() {
	TUI_CONF=$TEST_DIR/tui.conf
	mkdir -p "$TEST_DIR/state"
	{
		echo "[server]"
		echo "database = $TEST_DIR/db/tuimail.db"
		echo "state_dir = $TEST_DIR/state"
		echo "host_key = $TEST_DIR/ssh_host_ed25519_key"
		echo "[imap]"
		echo "host = 127.0.0.1"
		echo "port = ${IMAP_PORT:-143}"
		echo "security = none"
		echo "[smtp]"
		echo "host = 127.0.0.1"
		echo "port = ${SUBMISSION_PORT:-587}"
		echo "security = none"
		echo "[admin]"
		echo "maildir_root = ${MAIL_ROOT:-$TEST_DIR/mail}"
		for line in "$@"; do echo "$line"; done
	} >"$TUI_CONF"
	chmod 600 "$TUI_CONF"
}

# tuimailctl ARGS...: the real binary on this test's config.
tuimailctl() { "$BUILD/tuimailctl" -f "$TUI_CONF" "$@"; }

# The system user whose group the sessions run in (tui.conf session_user).
ensure_session_user() { sh "$TOP/scripts/session-user.sh" >/dev/null; }

# tuimaild_start [CONF LINES...]: writes tui.conf with a free SSH port
# ($SSH_PORT) plus the given lines, starts tuimaild -d on it (log in
# $TEST_DIR/tuimaild.log, PID in $TUIMAILD_PID) and waits for the port.
tuimaild_start() {
	ensure_session_user || return 1
	SSH_PORT=${SSH_PORT:-$(srv_free_port)}
	write_conf "$@"
	sed -i "0,/^\[server\]$/s||[server]\nlisten = 127.0.0.1:$SSH_PORT|" "$TUI_CONF"
	local log=$TEST_DIR/tuimaild.log seen
	touch "$log"
	seen=$(grep -c "tuimaild 0.1 started" "$log")
	"$BUILD/tuimaild" -d -f "$TUI_CONF" >>"$log" 2>&1 &
	TUIMAILD_PID=$!
	test_track_pid "$TUIMAILD_PID"
	for _ in $(seq 50); do
		[ "$(grep -c "tuimaild 0.1 started" "$log")" -gt "$seen" ] &&
			return 0
		kill -0 "$TUIMAILD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TEST_DIR/tuimaild.log" >&2
	return 1
}

# The tmux server of this test script: its own socket, killed at exit.
TMUX_SOCK=tuimail-test-$$
tmx() { tmux -L "$TMUX_SOCK" "$@"; }

# ssh_open NAME USER [SSH OPTIONS...]: runs the real OpenSSH client in a
# 100x30 tmux window NAME, logging in as USER to our tuimaild. When ssh
# ends, the window shows "SSH-EXIT=<status>" and stays.
ssh_open() {
	local name=$1 user=$2
	shift 2
	local cmd="ssh -p $SSH_PORT -o StrictHostKeyChecking=no"
	cmd="$cmd -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
	cmd="$cmd -o ConnectTimeout=10 $* $user@127.0.0.1"
	tmx has-session 2>/dev/null || tmx new-session -d -s main -x 100 -y 30
	tmx new-window -d -n "$name" "$cmd; echo SSH-EXIT=\$?; sleep 3600"
	tmx set-window-option -t "$name" remain-on-exit on >/dev/null
}

# screen NAME: what a person sees in window NAME now.
screen() { tmx capture-pane -p -t "$1"; }

# wait_screen NAME REGEX [SECONDS]: waits until the screen matches (grep
# -E); on a time-out, shows the screen and fails.
wait_screen() {
	local name=$1 re=$2 limit=${3:-10} i
	for i in $(seq $((limit * 10))); do
		screen "$name" | grep -qE -e "$re" && return 0
		sleep 0.1
	done
	echo "wait_screen: no '$re' in window $name after $limit s:" >&2
	screen "$name" | sed 's/^/	|/' >&2
	return 1
}

# wait_count NAME REGEX N [SECONDS]: waits until N lines match.
wait_count() {
	local name=$1 re=$2 n=$3 limit=${4:-10} i
	for i in $(seq $((limit * 10))); do
		[ "$(screen "$name" | grep -cE -e "$re")" -ge "$n" ] && return 0
		sleep 0.1
	done
	echo "wait_count: fewer than $n '$re' in window $name:" >&2
	screen "$name" | sed 's/^/	|/' >&2
	return 1
}

# keys NAME KEYS...: types into window NAME (tmux send-keys syntax).
keys() { local name=$1; shift; tmx send-keys -t "$name" "$@"; }

# ui_pid USER: the PID of USER's tuimail process (the newest one).
ui_pid() {
	local uid
	uid=$(account_uid "$1") || return 1
	pgrep -n -u "$uid" -x tuimail
}

# account_uid USER: the uid USER's sessions run under (per-account).
account_uid() {
	local id
	id=$(sqlite3 "$TEST_DIR/db/tuimail.db" \
		"SELECT id FROM mail_accounts WHERE email = '$1'") || return 1
	[ -n "$id" ] || return 1
	echo $((1000000 + id))
}
