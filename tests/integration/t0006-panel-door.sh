#!/usr/bin/env bash
# The door in panel-integrated mode and on signals that reach the doors.
test_description='door: panel mode needs a synced row; SIGINT to a door is harmless'
. "$(dirname "$0")/lib.sh"

DB=$TEST_DIR/db/tuimail.db
EXT=$TEST_DIR/external

test_expect_success 'set-up: panel mode, an IMAP account tuimail has no row for' '
	mkdir -p "$EXT" &&
	printf "[server]\ndatabase = %s/ext.db\nstate_dir = %s\nhost_key = %s/k\n" \
		"$EXT" "$EXT" "$EXT" >"$EXT/ext.conf" &&
	"$BUILD/tuimailctl" -f "$EXT/ext.conf" domain add example.org >/dev/null &&
	echo "lee-pw" | "$BUILD/tuimailctl" -f "$EXT/ext.conf" account add lee@example.org >/dev/null &&
	echo "max-pw" | "$BUILD/tuimailctl" -f "$EXT/ext.conf" account add max@example.org >/dev/null &&
	dovecot_start "$TEST_DIR/dovecot" "$EXT/ext.db" &&
	tuimaild_start "[panel]" "mail_sync_secret = s3cret" \
		"http_listen = 127.0.0.1:$(srv_free_port)" &&
	"$BUILD/tuimailctl" -f "$TUI_CONF" domain add example.org >/dev/null &&
	sqlite3 "$DB" "INSERT INTO mail_accounts (domain_id, email, password, created_at, updated_at) VALUES (1, '\''max@example.org'\'', '\''!'\'', 1, 1)"
'

test_expect_success 'panel mode: IMAP accepts, but without a synced row the door refuses' '
	ssh_open l lee@example.org -b 127.0.0.61 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen l "Password:" && keys l "lee-pw" Enter &&
	wait_screen l "SSH-EXIT=255" 20 &&
	grep -q "user=lee@example.org method=keyboard-interactive result=fail (no account row: not synced by the panel)" "$TEST_DIR/tuimaild.log" &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM mail_accounts WHERE email = '\''lee@example.org'\''")" = 0
'

test_expect_success 'panel mode: a synced row logs in' '
	ssh_open m max@example.org &&
	wait_screen m "Password:" && keys m "max-pw" Enter &&
	wait_screen m " max@example.org  INBOX: 0/0 \\(0 unread\\)"
'

test_expect_success 'SIGINT to a door process leaves the database intact' '
	door=$(ps -o ppid= -p "$(ui_pid max@example.org)" | tr -d " ") &&
	test -n "$door" && test "$door" != "$TUIMAILD_PID" &&
	kill -INT "$door" &&
	wait_screen m "SSH-EXIT=" &&
	kill -0 "$TUIMAILD_PID" &&
	if [ -s "$DB-wal" ]; then
		magic=$(od -An -tx1 -N4 "$DB-wal" | tr -d " ") &&
		case $magic in 377f0682|377f0683) ;; *) echo "WAL header $magic"; false ;; esac
	fi &&
	sqlite3 "$DB" "PRAGMA integrity_check" >ic &&
	test "$(cat ic)" = ok &&
	tuimailctl check >/dev/null
'

test_expect_success 'tuimaild -t on a fresh install says what start-up will do' '
	sed -e "s|^database = .*|database = $TEST_DIR/fresh/tuimail.db|" \
	    -e "s|^host_key = .*|host_key = $TEST_DIR/fresh/key|" "$TUI_CONF" >fresh.conf &&
	"$BUILD/tuimaild" -t -f fresh.conf >out &&
	grep -q "panel-integrated mode" out &&
	grep -q "does not exist yet: it is created at start" out &&
	grep -q "configuration is fine" out &&
	test ! -e "$TEST_DIR/fresh/tuimail.db"
'

test_done
