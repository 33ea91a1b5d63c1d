#!/usr/bin/env bash
# The door's account-level requests (admin pane and settings), sent by a
# stand-in UI that types them as a person would type into a terminal. The
# real tuimaild runs from a copy beside the stand-in, so that the door
# execs it instead of tuimail.
test_description='door requests: admin rights, audit, 2FA enrolment'
. "$(dirname "$0")/lib.sh"

DB=$TEST_DIR/db/tuimail.db
q() { sqlite3 "$DB" "$1"; }

test_expect_success 'set-up: accounts, Dovecot, tuimaild beside the stand-in UI' '
	write_conf && tuimailctl domain add example.com >/dev/null &&
	for u in boss plain victim extra; do
		printf "%s\n" "$u-pw" | tuimailctl account add $u@example.com >/dev/null || return 1
	done &&
	tuimailctl alias add sole@example.com victim@example.com &&
	tuimailctl admin grant boss@example.com &&
	dovecot_start "$TEST_DIR/dovecot" "$DB" &&
	mkdir -p "$TEST_DIR/bin" && chmod 755 "$TEST_DIR" "$TEST_DIR/bin" &&
	cp "$BUILD/tuimaild" "$TEST_DIR/bin/tuimaild" &&
	cc -std=gnu11 -D_GNU_SOURCE -I"$TOP" -o "$TEST_DIR/bin/tuimail" \
		"$TEST_SRC/fake-ui.c" "$BUILD/libutil.a" &&
	chmod 755 "$TEST_DIR/bin/tuimail" &&
	BUILD_SAVED=$BUILD && BUILD=$TEST_DIR/bin &&
	tuimaild_start "mail_admin = yes" "require_2fa = yes" &&
	BUILD=$BUILD_SAVED
'

# login NAME USER PASSWORD: a session of the stand-in UI.
login() {
	ssh_open "$1" "$2" &&
	wait_screen "$1" "Password:" && keys "$1" "$3" Enter &&
	wait_screen "$1" "FAKE-UI READY" 15
}
# ask NAME LINE REGEX: types a request line, waits for the answer.
ask() { keys "$1" "$2" Enter && wait_screen "$1" "$3"; }

test_expect_success 'a non-admin session: every admin request refused and audited' '
	login p plain@example.com plain-pw &&
	ask p "hello" "HELLO plain@example.com admin=0" &&
	ask p "20|0|100" "ERROR .plain@example.com. is not an admin" &&
	ask p "24|victim@example.com|plain-pw" "ERROR .plain@example.com. is not an admin" &&
	test "$(q "SELECT count(*) FROM audit_log WHERE action = '\''admin.refused'\'' AND actor = '\''plain@example.com'\''")" = 2 &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE email = '\''victim@example.com'\''")" = 1
'

test_expect_success 'an admin without 2FA is told to enable it first' '
	login b boss@example.com boss-pw &&
	ask b "hello" "HELLO boss@example.com admin=1" &&
	ask b "20|0|100" "ERROR turn on two-factor authentication"
'

test_expect_success '2FA enrolment: secret, a current code, then recovery codes' '
	ask b "40" "ROWS total=1" &&
	secret=$(screen b | grep -oE "^[A-Z2-7]{32}\|otpauth://totp/tuimail:boss%40example.com" | cut -d"|" -f1) &&
	test -n "$secret" &&
	ask b "41|000000" "ERROR that code is not right" &&
	ask b "41|$(oathtool --totp -b "$secret")" "ROWS total=10" &&
	test "$(q "SELECT totp_enabled FROM mail_accounts WHERE email = '\''boss@example.com'\''")" = 1 &&
	test "$(q "SELECT count(*) FROM recovery_codes r JOIN mail_accounts a ON a.id = r.account_id WHERE a.email = '\''boss@example.com'\''")" = 10 &&
	screen b | grep -oE "^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$" >codes &&
	test "$(wc -l <codes)" = 10 &&
	! q "SELECT code_hash FROM recovery_codes" | grep -f codes
'

test_expect_success 'with 2FA the admin may list, add, edit and audit' '
	ask b "20|0|100" "ROWS total=4" &&
	screen b | grep -q "^victim@example.com|example.com|0|0|off|0|active|" &&
	ask b "21|new@example.com|new-pw|25|New Person" "OK added new@example.com" &&
	imap_login_ok new@example.com new-pw &&
	ask b "22|new@example.com|Renamed|30|0" "OK saved new@example.com" &&
	test "$(q "SELECT display_name, quota_mb, is_active FROM mail_accounts WHERE email = '\''new@example.com'\''")" = "Renamed|30|0" &&
	SRV_CLIENT_ADDR=127.0.0.81 test_must_fail imap_login_ok new@example.com new-pw &&
	ask b "34|0|10|new@example.com" "ROWS total=" &&
	screen b | grep -q "|boss@example.com|account.edit|new@example.com|"
'

test_expect_success 'delete needs the admin password: wrong one, nothing happens' '
	ask b "24|victim@example.com|not-my-password" "ERROR that is not your password" &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE email = '\''victim@example.com'\''")" = 1 &&
	test "$(q "SELECT count(*) FROM mail_aliases WHERE alias_email = '\''sole@example.com'\''")" = 1
'

test_expect_success 'delete with the right password: cascade, mail stays on disk' '
	printf "Subject: keep\n\nx\n" >m && deliver_lmtp victim@example.com m &&
	ask b "24|victim@example.com|boss-pw" "OK deleted victim@example.com; its mail stays on disk" &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE email = '\''victim@example.com'\''")" = 0 &&
	test "$(q "SELECT count(*) FROM mail_aliases WHERE alias_email = '\''sole@example.com'\''")" = 0 &&
	test -d "$MAIL_ROOT/example.com/victim/Maildir"
'

test_expect_success 'bulk suspend and quota; domains and aliases' '
	ask b "26|new@example.com\\extra@example.com|suspend|0|" "OK suspend: 2 accounts" &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE is_active = 0")" = 2 &&
	ask b "26|new@example.com\\extra@example.com|quota|77|" "OK quota: 2 accounts" &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE quota_mb = 77")" = 2 &&
	ask b "28|example.org" "OK added domain example.org" &&
	ask b "27" "ROWS total=2" &&
	ask b "32|info@example.org|boss@example.com" "OK added alias info@example.org" &&
	ask b "30|example.com" "ERROR domain .example.com. still has" &&
	ask b "33|info@example.org" "OK deleted alias info@example.org" &&
	ask b "30|example.org" "OK deleted domain example.org"
'

test_expect_success 'own settings: display name, usage; 2FA off needs a code' '
	ask p "44|Plain Person" "OK display name saved" &&
	test "$(q "SELECT display_name FROM mail_accounts WHERE email = '\''plain@example.com'\''")" = "Plain Person" &&
	ask p "45|123456" "OK usage stored" &&
	test "$(q "SELECT usage_bytes FROM mail_accounts WHERE email = '\''plain@example.com'\''")" = 123456 &&
	ask p "42|000000" "ERROR two-factor authentication is off"
'

test_expect_success 'malformed and unknown requests are refused, the session lives on' '
	ask p "21" "ERROR" &&
	ask p "999|x" "ERROR no spec for 999" &&
	ask p "hello" "HELLO plain@example.com admin=0"
'

test_done
