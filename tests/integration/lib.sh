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

TEST_SRC=$(cd "$(dirname "$0")" && pwd)
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
		(eval "set -u; $2") 2>&1 | tee "$TEST_LOG"
		status=${PIPESTATUS[0]}
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
