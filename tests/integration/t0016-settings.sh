#!/usr/bin/env bash
# The settings view (issue 7) through the real ssh client in tmux: a
# user turns on two-factor authentication by reading the secret off the
# screen (beside its QR code) and typing the code oathtool computes; the
# next login asks for a code and a recovery code works once. Also the
# display name, the signature and the keymap and theme, kept per user.
test_description='settings: 2FA enrolment with a QR code, name, signature, looks'
. "$(dirname "$0")/lib.sh"

DB=$TEST_DIR/db/tuimail.db
U=sue@example.com
q() { sqlite3 "$DB" "$1"; }
# setting KEY: what sue's cache.db keeps under KEY.
setting() {
	local db
	db=$(find "$TEST_DIR/state" -name cache.db | head -1) || return 1
	sqlite3 "$db" "SELECT value FROM settings WHERE key = '$1'"
}
# next_code: the code of the next 30 s step (one step of drift is
# accepted): the enrolment spent the current one.
next_code() { oathtool --totp -b "$secret" -N "$(date -u -d "+30 sec" "+%Y-%m-%d %H:%M:%S UTC")"; }
# login NAME [SSH OPTIONS...]: sue's session up to the status bar; with
# 2FA on, the code comes from the secret the test read off the screen.
login() {
	local name=$1
	shift
	ssh_open "$name" "$U" "$@" &&
	wait_screen "$name" "Password:" 15 && keys "$name" "sue-pw" Enter &&
	if [ -n "${secret:-}" ]; then
		wait_screen "$name" "Verification code:" 15 &&
		keys "$name" "${CODE:-$(next_code)}" Enter
	fi &&
	wait_screen "$name" "100x30" 20
}

test_expect_success 'set-up: an account, Dovecot, tuimaild' '
	write_conf && tuimailctl domain add example.com >/dev/null &&
	printf "sue-pw\n" | tuimailctl account add $U >/dev/null &&
	dovecot_start "$TEST_DIR/dovecot" "$DB" &&
	tuimaild_start
'

test_expect_success 'S opens the settings; 2FA is off' '
	login s &&
	keys s S && wait_screen s "Settings of $U" &&
	wait_screen s "Two-factor authentication +off"
'

test_expect_success 'enrolment: a QR code and the secret on the screen' '
	keys s j j j j Enter &&
	wait_screen s "Secret: [A-Z2-7]{32}" &&
	secret=$(screen s | grep -oE "Secret: [A-Z2-7]{32}" | cut -c9-) &&
	test ${#secret} = 32 &&
	test "$(screen s | grep -c "▀")" -ge 12 &&
	test "$(q "SELECT totp_enabled FROM mail_accounts WHERE email = '\''$U'\''")" = 0
'

test_expect_success 'a wrong code leaves 2FA off' '
	keys s Enter && wait_screen s "Code from your app:" &&
	keys s 000000 Enter && wait_screen s "that code is not right" &&
	test "$(q "SELECT totp_enabled FROM mail_accounts WHERE email = '\''$U'\''")" = 0
'

test_expect_success 'the right code turns it on (and is spent); 10 recovery codes once' '
	keys s Enter && wait_screen s "Code from your app:" &&
	keys s "$(oathtool --totp -b "$secret")" Enter &&
	wait_screen s "recovery codes" &&
	screen s | grep -oE "^ +[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$" | tr -d " " >codes &&
	test "$(wc -l <codes)" = 10 &&
	test "$(q "SELECT totp_enabled FROM mail_accounts WHERE email = '\''$U'\''")" = 1 &&
	test "$(q "SELECT totp_last_step FROM mail_accounts WHERE email = '\''$U'\''")" -gt 0 &&
	keys s Enter && wait_screen s "Two-factor authentication +on" &&
	! screen s | grep -qf codes
'

test_expect_success 'display name, signature, keymap and theme' '
	keys s Home Enter &&
	wait_screen s "Display name:" && keys s C-u "Sue Smith" Enter &&
	wait_screen s "display name saved" &&
	test "$(q "SELECT display_name FROM mail_accounts WHERE email = '\''$U'\''")" = "Sue Smith" &&
	keys s j Enter && wait_screen s "Signature line 1" &&
	keys s -- "-- " && keys s Enter && wait_screen s "Signature line 2" &&
	keys s "Sue, example.com" Enter && wait_screen s "Signature line 3" &&
	keys s Enter && wait_screen s "signature saved" &&
	test "$(setting signature)" = "$(printf -- "-- \nSue, example.com")" &&
	keys s j Enter && wait_screen s "Choose a keymap" &&
	screen s | grep -q "^  vim" && screen s | grep -q "^  emacs" &&
	n=$(ls "$TOP/keymaps" | sed -n "s/\\.keys\$//p" | sort | grep -n "^vim\$" | cut -d: -f1) &&
	keys s Home && for _ in $(seq 2 "$n"); do keys s j; done &&
	sleep 0.3 &&
	keys s Enter && wait_screen s "keymap vim: kept" &&
	test "$(setting keymap)" = vim &&
	keys s j && keys s Enter && wait_screen s "Choose a theme" &&
	keys s Enter && wait_screen s "kept for your next sessions" &&
	test -n "$(setting theme)"
'

test_expect_success 'the next login needs the code; the looks are kept' '
	keys s Q && wait_screen s "SSH-EXIT=0" 15 &&
	CODE= login s2 &&
	keys s2 S && wait_screen s2 "Keymap +vim" &&
	wait_screen s2 "Display name +Sue Smith"
'

test_expect_success 'without a code the login is refused' '
	ssh_open nc $U -b 127.0.0.71 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen nc "Password:" 15 && keys nc "sue-pw" Enter &&
	wait_screen nc "Verification code:" 15 && keys nc "000000" Enter &&
	wait_screen nc "SSH-EXIT=255" 20
'

test_expect_success 'a recovery code works once' '
	code=$(head -1 codes) &&
	CODE=$code login r1 -b 127.0.0.72 &&
	keys r1 Q && wait_screen r1 "SSH-EXIT=" 15 &&
	ssh_open r2 $U -b 127.0.0.73 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen r2 "Password:" 15 && keys r2 "sue-pw" Enter &&
	wait_screen r2 "Verification code:" 15 && keys r2 "$code" Enter &&
	wait_screen r2 "SSH-EXIT=255" 20
'

test_done
