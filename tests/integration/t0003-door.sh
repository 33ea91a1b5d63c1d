#!/usr/bin/env bash
# The SSH door: the real OpenSSH client in tmux against tuimaild, which
# checks passwords with IMAP LOGIN on the private Dovecot and asks for a
# TOTP code when the account has one.
test_description='tuimaild login, TOTP, limits, pty relay, isolation'
. "$(dirname "$0")/lib.sh"

DB=$TEST_DIR/db/tuimail.db
add_account() { printf '%s\n' "$2" | tuimailctl account add "$1" >/dev/null; }
code_for() { oathtool --totp -b "$(sqlite3 "$DB" "SELECT totp_secret FROM mail_accounts WHERE email = '$1'")"; }
first_line() { echo " $1  INBOX: [0-9]+/[0-9]+ \\([0-9]+ unread\\)"; }

test_expect_success 'set-up: accounts, Dovecot, tuimaild' '
	write_conf && tuimailctl domain add example.com >/dev/null &&
	for u in jane bob carol dave erin frank gina hank; do
		add_account $u@example.com "$u-pw" || return 1
	done &&
	tuimailctl 2fa enable jane@example.com >/dev/null &&
	tuimailctl 2fa enable bob@example.com >/dev/null &&
	tuimailctl 2fa enable carol@example.com >/dev/null &&
	dovecot_start "$TEST_DIR/dovecot" "$DB" &&
	printf "Subject: one\n\nx\n" >m1 && deliver_lmtp dave@example.com m1 &&
	tuimaild_start
'

test_expect_success 'password then code, keyboard-interactive first (OpenSSH default)' '
	ssh_open j jane@example.com &&
	wait_screen j "Password:" &&
	keys j "jane-pw" Enter &&
	wait_screen j "Verification code:" &&
	keys j "$(code_for jane@example.com)" Enter &&
	wait_screen j "$(first_line jane@example.com)"
'

test_expect_success 'password method first, partial success, then the code' '
	ssh_open b bob@example.com -o PreferredAuthentications=password,keyboard-interactive &&
	wait_screen b "password:" &&
	keys b "bob-pw" Enter &&
	wait_screen b "Verification code:" &&
	keys b "$(code_for bob@example.com)" Enter &&
	wait_screen b "$(first_line bob@example.com)"
'

test_expect_success 'the same code twice in one step: the second login is refused' '
	used=$(code_for jane@example.com) &&
	keys j q && wait_screen j "SSH-EXIT=0" &&
	ssh_open j2 jane@example.com -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen j2 "Password:" && keys j2 "jane-pw" Enter &&
	wait_screen j2 "Verification code:" &&
	test "$(code_for jane@example.com)" = "$used" &&
	keys j2 "$used" Enter &&
	wait_screen j2 "SSH-EXIT=255" 20 &&
	! screen j2 | grep -q "INBOX:"
'

test_expect_success 'a wrong code is refused' '
	ssh_open c carol@example.com -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen c "Password:" && keys c "carol-pw" Enter &&
	wait_screen c "Verification code:" && keys c "000000" Enter &&
	wait_screen c "SSH-EXIT=255" 20 &&
	! screen c | grep -q "INBOX:" &&
	grep -q "user=carol@example.com method=code result=fail" "$TEST_DIR/tuimaild.log"
'

test_expect_success 'a recovery code works once' '
	h=$(printf "%s" "abcd1234efgh" | sha256sum | cut -c1-64) &&
	sqlite3 "$DB" "INSERT INTO recovery_codes (account_id, code_hash) SELECT id, '\''$h'\'' FROM mail_accounts WHERE email = '\''carol@example.com'\''" &&
	ssh_open r1 carol@example.com &&
	wait_screen r1 "Password:" && keys r1 "carol-pw" Enter &&
	wait_screen r1 "Verification code:" 20 && keys r1 "ABCD-1234-EFGH" Enter &&
	wait_screen r1 "$(first_line carol@example.com)" 20 &&
	keys r1 q && wait_screen r1 "SSH-EXIT=0" &&
	ssh_open r2 carol@example.com -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen r2 "Password:" && keys r2 "carol-pw" Enter &&
	wait_screen r2 "Verification code:" 20 && keys r2 "abcd-1234-efgh" Enter &&
	wait_screen r2 "SSH-EXIT=255" 20 &&
	test "$(sqlite3 "$DB" "SELECT used_at > 0 FROM recovery_codes")" = 1
'

test_expect_success 'three wrong passwords: denied and the connection closed' '
	ssh_open e erin@example.com -b 127.0.0.31 &&
	for i in 1 2 3; do
		wait_count e "Password:" $i 20 && keys e "nope-$i" Enter || return 1
	done &&
	wait_screen e "SSH-EXIT=255" 30 &&
	test "$(grep -c "user=erin@example.com method=keyboard-interactive result=fail" "$TEST_DIR/tuimaild.log")" = 3
'

test_expect_success 'a suspended account is refused like a wrong password' '
	tuimailctl account suspend frank@example.com &&
	ssh_open f frank@example.com -b 127.0.0.32 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen f "Password:" && keys f "frank-pw" Enter &&
	wait_screen f "SSH-EXIT=255" 20 &&
	! screen f | grep -q "INBOX:"
'

test_expect_success 'without a pty: the message, exit status 1' '
	ssh_open n dave@example.com -T &&
	wait_screen n "Password:" && keys n "dave-pw" Enter &&
	wait_screen n "tuimail needs a terminal: use ssh -t" &&
	wait_screen n "SSH-EXIT=1"
'

test_expect_success 'a session shows the counts, and every login stamps last_login' '
	ssh_open d dave@example.com &&
	wait_screen d "Password:" && keys d "dave-pw" Enter &&
	wait_screen d " dave@example.com  INBOX: 1/1 \\(1 unread\\)" &&
	test "$(sqlite3 "$DB" "SELECT last_login > 0 FROM mail_accounts WHERE email = '\''dave@example.com'\''")" = 1
'

test_expect_success 'resizing the window redraws at the new size' '
	wait_screen d "100x30" &&
	tmx resize-window -t d -x 80 -y 24 &&
	wait_screen d "80x24" &&
	test "$(screen d | sed -n 24p | grep -c 80x24)" = 1
'

test_expect_success 'the UI holds no handle on tuimail.db and runs under its own uid' '
	pid=$(ui_pid dave@example.com) && test -n "$pid" &&
	! ls -l /proc/$pid/fd | grep -q tuimail.db &&
	test "$(stat -c %u /proc/$pid)" = "$(account_uid dave@example.com)"
'

test_expect_success 'two users run under different uids; neither reads the other' '
	pj=$(ui_pid bob@example.com) && pd=$(ui_pid dave@example.com) &&
	uj=$(stat -c %u /proc/$pj) && ud=$(stat -c %u /proc/$pd) &&
	test "$uj" != "$ud" && test "$uj" != 0 && test "$ud" != 0 &&
	sb=$TEST_DIR/state/users/example.com/bob &&
	sd=$TEST_DIR/state/users/example.com/dave &&
	test "$(stat -c "%u %a" "$sb")" = "$uj 700" &&
	test "$(stat -c "%u %a" "$sd")" = "$ud 700" &&
	gid=$(id -g tuimail) &&
	! setpriv --reuid="$ud" --regid="$gid" --clear-groups ls "$sb" &&
	! setpriv --reuid="$uj" --regid="$gid" --clear-groups ls "$sd" &&
	setpriv --reuid="$ud" --regid="$gid" --clear-groups ls "$sd"
'

test_expect_success 'a crashing UI leaves the other sessions and the listener working' '
	kill -SEGV "$(ui_pid bob@example.com)" &&
	wait_screen b "SSH-EXIT=255" &&
	tmx resize-window -t d -x 90 -y 25 && wait_screen d "90x25" &&
	kill -0 "$TUIMAILD_PID" &&
	ssh_open g gina@example.com &&
	wait_screen g "Password:" && keys g "gina-pw" Enter &&
	wait_screen g "$(first_line gina@example.com)"
'

test_expect_success 'killing the ssh client ends the UI within 5 s' '
	pid=$(ui_pid gina@example.com) && test -n "$pid" &&
	pkill -f "ssh -p $SSH_PORT .*gina@example.com@127.0.0.1" &&
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 "$pid" 2>/dev/null
'

test_expect_success 'q ends the session with exit status 0' '
	keys d q && wait_screen d "SSH-EXIT=0"
'

test_expect_success 'tuimaild -t accepts this config and rejects a broken one with file:line' '
	"$BUILD/tuimaild" -t -f "$TUI_CONF" >out &&
	grep -q "standalone mode" out &&
	printf "[server]\nmax_auth_tries = lots\n" >broken.conf &&
	test_must_fail "$BUILD/tuimaild" -t -f broken.conf 2>err &&
	grep -q "broken.conf:2: max_auth_tries: .lots. is not a number" err
'

test_expect_success 'every auth result is one log line without secrets' '
	grep -q "auth: addr=127.0.0.1 user=jane@example.com method=code result=success" "$TEST_DIR/tuimaild.log" &&
	grep -q "auth: addr=127.0.0.31 user=erin@example.com" "$TEST_DIR/tuimaild.log" &&
	! grep -e "-pw" -e "nope-" "$TEST_DIR/tuimaild.log"
'

test_done
