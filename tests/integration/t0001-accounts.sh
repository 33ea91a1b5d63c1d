#!/usr/bin/env bash
# The account life cycle through tuimailctl, checked against a real
# Dovecot whose sqlite passdb reads our database.
test_description='tuimailctl accounts, domains and aliases against Dovecot'
. "$(dirname "$0")/lib.sh"

DB=$TEST_DIR/db/tuimail.db

test_expect_success 'the database is created, then Dovecot starts on it' '
	write_conf &&
	tuimailctl domain list >out &&
	test_grep "^DOMAIN" out &&
	test -f "$DB" &&
	dovecot_start "$TEST_DIR/dovecot" "$DB" &&
	write_conf &&
	test_grep "port = $IMAP_PORT" "$TUI_CONF"
'

test_expect_success 'domain and accounts are created' '
	tuimailctl domain add Example.COM >out &&
	test_grep "added domain" out &&
	echo "jane-pw-1" | tuimailctl account add jane@example.com --name "Jane Doe" &&
	echo "bob-pw-1" | tuimailctl account add Bob@Example.com --quota 10 &&
	tuimailctl account list >list &&
	test_grep "^EMAIL  *DOMAIN  *QUOTA_MB  *USAGE  *2FA  *LAST_SYNC  *STATUS" list &&
	test_grep "^bob@example.com  *example.com  *10  *0  *off  *-  *active" list &&
	test_grep "^jane@example.com  *example.com  *unlimited  *0  *off  *-  *active" list
'

test_expect_success 'a new account logs in to IMAP at once' '
	imap_login_ok jane@example.com jane-pw-1 &&
	imap_login_ok BOB@example.com bob-pw-1
'

test_expect_success 'a wrong password is refused' '
	SRV_CLIENT_ADDR=127.0.0.21 test_must_fail imap_login_ok jane@example.com wrong
'

test_expect_success 'the quota reaches Dovecot' '
	imap_quota bob@example.com bob-pw-1 >quota &&
	read -r used limit <quota &&
	test "$limit" = 10240
'

test_expect_success 'mail sent by one user lands in the other INBOX' '
	printf "From: jane@example.com\nTo: bob@example.com\nSubject: hi\n\nhello bob\n" >msg &&
	smtp_submit jane@example.com jane-pw-1 jane@example.com bob@example.com msg &&
	for i in $(seq 50); do
		n=$(imap_count bob@example.com bob-pw-1 INBOX) && test "$n" = 1 && break
		sleep 0.2
	done &&
	test "$n" = 1
'

test_expect_success 'a suspended account cannot log in; unsuspended it can' '
	tuimailctl account suspend jane@example.com &&
	tuimailctl account show jane@example.com >show &&
	test_grep "^status: *suspended" show &&
	SRV_CLIENT_ADDR=127.0.0.22 test_must_fail imap_login_ok jane@example.com jane-pw-1 &&
	tuimailctl account unsuspend jane@example.com &&
	imap_login_ok jane@example.com jane-pw-1
'

test_expect_success 'after passwd only the new password works' '
	echo "jane-pw-2" | tuimailctl account passwd jane@example.com &&
	imap_login_ok jane@example.com jane-pw-2 &&
	SRV_CLIENT_ADDR=127.0.0.23 test_must_fail imap_login_ok jane@example.com jane-pw-1
'

test_expect_success 'a SHA512-CRYPT password works in Dovecot too' '
	write_conf "dovecot_password_scheme = SHA512-CRYPT" &&
	echo "sha-pw" | tuimailctl account add sha@example.com &&
	sqlite3 "$DB" "SELECT password FROM mail_accounts WHERE email = '\''sha@example.com'\''" >pw &&
	test_grep "^{SHA512-CRYPT}\\\$6\\\$" pw &&
	imap_login_ok sha@example.com sha-pw &&
	write_conf
'

test_expect_success 'a disabled domain cannot log in' '
	sqlite3 "$DB" "UPDATE mail_domains SET is_active = 0" &&
	SRV_CLIENT_ADDR=127.0.0.24 test_must_fail imap_login_ok bob@example.com bob-pw-1 &&
	sqlite3 "$DB" "UPDATE mail_domains SET is_active = 1" &&
	imap_login_ok bob@example.com bob-pw-1
'

test_expect_success 'aliases are added and listed' '
	tuimailctl alias add info@example.com jane@example.com &&
	tuimailctl alias add team@example.com "jane@example.com, bob@example.com" &&
	tuimailctl alias list >aliases &&
	test_grep "^info@example.com  *jane@example.com$" aliases &&
	test_grep "^team@example.com  *jane@example.com,bob@example.com$" aliases
'

test_expect_success 'account del cascades, and the Maildir stays on disk' '
	printf "Subject: keep me\n\nbody\n" >m2 &&
	deliver_lmtp jane@example.com m2 &&
	test -d "$MAIL_ROOT/example.com/jane/Maildir" &&
	sqlite3 "$DB" "INSERT INTO autoresponders (account_id, subject, created_at, updated_at) SELECT id, '\''away'\'', 1, 1 FROM mail_accounts WHERE email = '\''jane@example.com'\''" &&
	tuimailctl admin grant jane@example.com &&
	tuimailctl account del jane@example.com >out &&
	test_grep "its mail stays on disk under $MAIL_ROOT/example.com/jane" out &&
	test -d "$MAIL_ROOT/example.com/jane/Maildir" &&
	tuimailctl alias list >aliases &&
	! grep -q "^info@" aliases &&
	test_grep "^team@example.com  *bob@example.com$" aliases &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM autoresponders")" = 0 &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM admins")" = 0 &&
	SRV_CLIENT_ADDR=127.0.0.25 test_must_fail imap_login_ok jane@example.com jane-pw-2
'

test_expect_success 'domain del is refused while accounts exist' '
	test_must_fail tuimailctl domain del example.com 2>err &&
	test_grep "still has 2 accounts" err
'

# Every bad input: one line on stderr, exit 1, and no change in the data.
snapshot() {
	sqlite3 "$DB" "SELECT email, password, is_active FROM mail_accounts ORDER BY 1; SELECT domain FROM mail_domains; SELECT alias_email, destination_email FROM mail_aliases"
}
bad_input() {
	local expect=$1 input=$2
	shift 2
	snapshot >before &&
	printf "%s" "$input" | test_must_fail "$@" 2>err &&
	test "$(wc -l <err)" = 1 &&
	test_grep "$expect" err &&
	snapshot >after &&
	test_cmp before after
}

test_expect_success 'bad input: one-line errors, nothing written' '
	bad_input "domain .nowhere.org. does not exist" "pw" tuimailctl account add x@nowhere.org &&
	bad_input "already exists" "pw" tuimailctl account add bob@example.com &&
	bad_input "invalid address" "pw" tuimailctl account add not-an-address &&
	bad_input "empty password" "" tuimailctl account add new@example.com &&
	bad_input "no account" "" tuimailctl account suspend ghost@example.com &&
	bad_input "invalid domain" "" tuimailctl domain add "bad_domain" &&
	bad_input "already exists" "" tuimailctl domain add example.com &&
	bad_input "is an account already" "" tuimailctl alias add bob@example.com x@y.org &&
	bad_input "no alias" "" tuimailctl alias del ghost@example.com
'

test_expect_success 'usage errors exit 2; passwords are never arguments' '
	tuimailctl account add bob2@example.com secret-in-argv </dev/null 2>err;
	test $? = 2 && test_grep "^usage: tuimailctl" err &&
	tuimailctl frobnicate 2>err; test $? = 2 &&
	tuimailctl account add 2>err; test $? = 2 &&
	tuimailctl account list --quota 5 2>err; test $? = 2 &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM mail_accounts WHERE email = '\''bob2@example.com'\''")" = 0
'

test_expect_success 'a malformed config or an unreadable database is a clear error' '
	printf "[server]\nbogus = 1\n" >bad.conf &&
	"$BUILD/tuimailctl" -f bad.conf domain list 2>err; test $? = 1 &&
	test_grep "bad.conf:2: unknown key .bogus. in \[server\]" err &&
	"$BUILD/tuimailctl" -f missing.conf domain list 2>err; test $? = 1 &&
	test_grep "cannot open .missing.conf." err &&
	echo "this is not sqlite" >garbage.db &&
	sed "s|^database = .*|database = $PWD/garbage.db|" "$TUI_CONF" >g.conf &&
	"$BUILD/tuimailctl" -f g.conf domain list 2>err; test $? = 1 &&
	test "$(wc -l <err)" = 1 &&
	test_grep "not a database" err
'

test_expect_success '2fa enable prints the secret and an otpauth URI' '
	tuimailctl 2fa enable bob@example.com >totp &&
	test "$(wc -l <totp)" = 2 &&
	secret=$(sed -n 1p totp) &&
	test_grep "^otpauth://totp/tuimail:bob%40example.com?secret=$secret&" totp &&
	oathtool --totp -b "$secret" >code && test "$(wc -c <code)" = 7 &&
	tuimailctl account show bob@example.com >show &&
	test_grep "^2fa: *on" show &&
	tuimailctl 2fa disable bob@example.com &&
	tuimailctl account show bob@example.com >show &&
	test_grep "^2fa: *off" show
'

test_expect_success 'sso-token needs a secret, then prints one token line' '
	test_must_fail tuimailctl sso-token bob@example.com 2>err &&
	test_grep "sso_secret is empty" err &&
	write_conf "[panel]" "sso_secret = test-sso-secret" &&
	tuimailctl sso-token bob@example.com >tok &&
	test "$(wc -l <tok)" = 1 &&
	test_grep "^sso-[0-9a-f]\{32\}$" tok &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM sso_tokens WHERE email = '\''bob@example.com'\'' AND token_hash = '\''$(tr -d "\n" <tok | sha256sum | cut -c1-64)'\''")" = 1 &&
	write_conf
'

test_expect_success 'hostkey makes one ed25519 key, 0600, and prints its fingerprint' '
	tuimailctl hostkey >fp1 &&
	tuimailctl hostkey >fp2 &&
	test_cmp fp1 fp2 &&
	test_grep "^SHA256:" fp1 &&
	test "$(stat -c %a "$TEST_DIR/ssh_host_ed25519_key")" = 600 &&
	ssh-keygen -l -f "$TEST_DIR/ssh_host_ed25519_key" >kg &&
	test_grep "$(cat fp1) .*(ED25519)" kg
'

test_expect_success 'check passes on a good setup and the database is 0600' '
	tuimailctl check >out &&
	test_grep "standalone mode" out &&
	test "$(stat -c %a "$DB")" = 600
'

test_expect_success 'pane parity: account edit, domain disable, 2fa recovery, audit' '
	tuimailctl account edit bob@example.com --name "Bob B" --quota 20 &&
	tuimailctl account show bob@example.com >show &&
	test_grep "^display name: Bob B" show && test_grep "^quota: *20 MB" show &&
	imap_quota bob@example.com bob-pw-1 >quota && read -r used limit <quota && test "$limit" = 20480 &&
	tuimailctl domain disable example.com &&
	SRV_CLIENT_ADDR=127.0.0.26 test_must_fail imap_login_ok bob@example.com bob-pw-1 &&
	tuimailctl domain enable example.com &&
	imap_login_ok bob@example.com bob-pw-1 &&
	test_must_fail tuimailctl 2fa recovery bob@example.com 2>err &&
	test_grep "two-factor authentication is off" err &&
	tuimailctl 2fa enable bob@example.com >/dev/null &&
	tuimailctl 2fa recovery bob@example.com >codes &&
	test "$(grep -cE "^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$" codes)" = 10 &&
	tuimailctl 2fa reset bob@example.com &&
	tuimailctl audit --search bob@example.com --limit 3 >audit &&
	test "$(wc -l <audit)" = 3 &&
	test_grep "2fa.disable *bob@example.com" audit
'

test_expect_success 'every change left an audit row, without secrets' '
	sqlite3 "$DB" "SELECT action FROM audit_log" >actions &&
	test_grep "^account.passwd$" actions &&
	test_grep "^account.del$" actions &&
	! sqlite3 "$DB" "SELECT * FROM audit_log" | grep -e pw- -e "\\\$2y\\\$"
'

test_done
