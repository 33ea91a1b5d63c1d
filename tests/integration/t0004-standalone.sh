#!/usr/bin/env bash
# Standalone mode against an external IMAP server: a Dovecot that reads
# its own account database, not tuimail's. tuimail's rows appear at the
# first login, and tuimail's own suspension still closes its door.
test_description='standalone mode: rows created at first login'
. "$(dirname "$0")/lib.sh"

DB=$TEST_DIR/db/tuimail.db
EXT=$TEST_DIR/external

test_expect_success 'set-up: an external Dovecot with its own accounts' '
	mkdir -p "$EXT" &&
	printf "[server]\ndatabase = %s/ext.db\nstate_dir = %s\nhost_key = %s/k\n" \
		"$EXT" "$EXT" "$EXT" >"$EXT/ext.conf" &&
	"$BUILD/tuimailctl" -f "$EXT/ext.conf" domain add example.org >/dev/null &&
	echo "kim-pw" | "$BUILD/tuimailctl" -f "$EXT/ext.conf" account add kim@example.org >/dev/null &&
	dovecot_start "$TEST_DIR/dovecot" "$EXT/ext.db" &&
	tuimaild_start &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM mail_accounts")" = 0
'

test_expect_success 'the first login creates the domain and the account' '
	ssh_open k Kim@Example.org &&
	wait_screen k "Password:" && keys k "kim-pw" Enter &&
	wait_screen k " kim@example.org  INBOX: 0/0 \\(0 unread\\)" &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM mail_domains WHERE domain = '\''example.org'\''")" = 1 &&
	test "$(sqlite3 "$DB" "SELECT password, last_login > 0 FROM mail_accounts WHERE email = '\''kim@example.org'\''")" = "!|1" &&
	keys k q && wait_screen k "SSH-EXIT=0"
'

test_expect_success 'a second login reuses the row' '
	ssh_open k2 kim@example.org &&
	wait_screen k2 "Password:" && keys k2 "kim-pw" Enter &&
	wait_screen k2 " kim@example.org  INBOX:" &&
	keys k2 q && wait_screen k2 "SSH-EXIT=0" &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM mail_accounts")" = 1
'

test_expect_success 'suspended here, IMAP still accepts: the door refuses' '
	tuimailctl account suspend kim@example.org &&
	imap_login_ok kim@example.org kim-pw &&
	ssh_open k3 kim@example.org -b 127.0.0.41 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen k3 "Password:" && keys k3 "kim-pw" Enter &&
	wait_screen k3 "SSH-EXIT=255" 20 &&
	grep -q "user=kim@example.org method=keyboard-interactive result=fail (account suspended)" "$TEST_DIR/tuimaild.log"
'

test_expect_success 'an unknown user or a wrong password creates nothing' '
	ssh_open x nobody@example.net -b 127.0.0.42 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen x "Password:" && keys x "whatever" Enter &&
	wait_screen x "SSH-EXIT=255" 20 &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM mail_accounts")" = 1 &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM mail_domains")" = 1
'

test_done
