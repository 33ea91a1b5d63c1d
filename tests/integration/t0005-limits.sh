#!/usr/bin/env bash
# The listener's limits and signals: login grace time, max_startups,
# max_sessions, SIGHUP reload, SIGTERM stopping gently.
test_description='tuimaild limits and signals'
. "$(dirname "$0")/lib.sh"

DB=$TEST_DIR/db/tuimail.db
LOG=$TEST_DIR/tuimaild.log

# Stops the running tuimaild (if any) after closing every ssh window.
tuimaild_stop() {
	tmx kill-server >/dev/null 2>&1
	[ -n "${TUIMAILD_PID:-}" ] || return 0
	kill "$TUIMAILD_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$TUIMAILD_PID" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

test_expect_success 'set-up' '
	write_conf && tuimailctl domain add example.com >/dev/null &&
	for u in ann ben cid; do
		printf "%s\n" "$u-pw" | tuimailctl account add $u@example.com >/dev/null || return 1
	done &&
	dovecot_start "$TEST_DIR/dovecot" "$DB"
'

test_expect_success 'login_grace_time closes a connection that does not log in' '
	tuimaild_stop && tuimaild_start "[server]" "login_grace_time = 2" &&
	ssh_open g ann@example.com &&
	wait_screen g "Password:" &&
	for _ in $(seq 50); do grep -q "login grace time over" "$LOG" && break; sleep 0.1; done &&
	grep -q "user=-: login grace time over" "$LOG" &&
	keys g "ann-pw" Enter &&
	wait_screen g "SSH-EXIT=255" &&
	! screen g | grep -q "INBOX:" &&
	tuimaild_stop
'

test_expect_success 'max_startups: one connection too many is dropped' '
	tuimaild_stop && tuimaild_start "[server]" "max_startups = 2" &&
	ssh_open s1 ann@example.com && wait_screen s1 "Password:" &&
	ssh_open s2 ben@example.com && wait_screen s2 "Password:" &&
	ssh_open s3 cid@example.com &&
	wait_screen s3 "SSH-EXIT=255" &&
	grep -q "connection dropped: 2 logging in (max_startups 2)" "$LOG" &&
	keys s1 "ann-pw" Enter && wait_screen s1 " ann@example.com  INBOX:" &&
	ssh_open s4 cid@example.com && wait_screen s4 "Password:" &&
	tuimaild_stop
'

test_expect_success 'max_sessions: no new connection while the sessions are full' '
	tuimaild_stop && tuimaild_start "[server]" "max_sessions = 1" &&
	ssh_open m1 ann@example.com && wait_screen m1 "Password:" &&
	keys m1 "ann-pw" Enter && wait_screen m1 " ann@example.com  INBOX:" &&
	ssh_open m2 ben@example.com &&
	wait_screen m2 "SSH-EXIT=255" &&
	grep -q "1 sessions (max_sessions 1)" "$LOG" &&
	keys m1 q && wait_screen m1 "SSH-EXIT=0" &&
	sleep 0.5 &&
	ssh_open m3 ben@example.com && wait_screen m3 "Password:" &&
	tuimaild_stop
'

test_expect_success 'SIGHUP reloads the config for new connections; a broken one is refused' '
	tuimaild_stop && tuimaild_start &&
	sed -i "s/^\[server\]$/[server]\nmax_auth_tries = 1/" "$TUI_CONF" &&
	kill -HUP "$TUIMAILD_PID" &&
	for _ in $(seq 50); do grep -q "reloaded" "$LOG" && break; sleep 0.1; done &&
	ssh_open h1 ben@example.com -b 127.0.0.51 -o NumberOfPasswordPrompts=3 -o PreferredAuthentications=keyboard-interactive &&
	wait_screen h1 "Password:" && keys h1 "wrong" Enter &&
	wait_screen h1 "SSH-EXIT=255" 20 &&
	test "$(grep -c "addr=127.0.0.51 user=ben@example.com method=keyboard-interactive result=fail" "$LOG")" = 1 &&
	grep -q "addr=127.0.0.51 user=ben@example.com: 1 failures, disconnecting" "$LOG" &&
	echo "bogus line" >>"$TUI_CONF" &&
	kill -HUP "$TUIMAILD_PID" &&
	for _ in $(seq 50); do grep -q "keeping the old configuration" "$LOG" && break; sleep 0.1; done &&
	grep -q "reload: .*tui.conf:[0-9]*: expected .key = value.; keeping the old configuration" "$LOG" &&
	kill -0 "$TUIMAILD_PID" &&
	tuimaild_stop && write_conf
'

test_expect_success 'SIGTERM: no new connections, open sessions go on, then it exits' '
	tuimaild_stop && write_conf && tuimaild_start &&
	ssh_open t1 ann@example.com && wait_screen t1 "Password:" &&
	keys t1 "ann-pw" Enter && wait_screen t1 " ann@example.com  INBOX:" &&
	kill -TERM "$TUIMAILD_PID" &&
	for _ in $(seq 50); do grep -q "stopping: no new connections" "$LOG" && break; sleep 0.1; done &&
	ssh_open t2 ben@example.com &&
	wait_screen t2 "SSH-EXIT=255" &&
	tmx resize-window -t t1 -x 90 -y 25 && wait_screen t1 "90x25" &&
	kill -0 "$TUIMAILD_PID" &&
	keys t1 q && wait_screen t1 "SSH-EXIT=0" &&
	for _ in $(seq 50); do kill -0 "$TUIMAILD_PID" 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 "$TUIMAILD_PID" 2>/dev/null &&
	grep -q "stopped" "$LOG"
'

test_done
