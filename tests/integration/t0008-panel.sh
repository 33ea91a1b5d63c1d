#!/usr/bin/env bash
# Panel-integrated mode: the signed account sync endpoint and single
# sign-on tokens, driven the way the panel's agent drives them, checked
# against Dovecot (IMAP) and the real ssh client.
test_description='panel endpoint: account sync and SSO'
. "$(dirname "$0")/lib.sh"

DB=$TEST_DIR/db/tuimail.db
SYNC=sync-secret-for-tests
SSO=sso-secret-for-tests
PC="/usr/bin/python3 $TEST_SRC/panel-client.py"
q() { sqlite3 "$DB" "$1"; }
count() { q "SELECT count(*) FROM mail_accounts"; }
# sync BODY [OPTIONS]: prints "STATUS BODY".
sync() { $PC "$URL" sync "$SYNC" "$@"; }
# status_is WANT CMD...: the request answers with status WANT.
status_is() {
	local want=$1 out
	shift
	out=$("$@") || return 1
	echo "$out"
	[ "${out%% *}" = "$want" ]
}
snap() { q "SELECT email, password, coalesce(quota_mb,0), coalesce(deleted_at,0), coalesce(last_sync,0) FROM mail_accounts ORDER BY 1"; }

test_expect_success 'set-up: Dovecot with a master user, tuimaild in panel mode' '
	write_conf && tuimailctl domain list >/dev/null &&
	DOVECOT_MASTER_USER=tuimaster DOVECOT_MASTER_PASS=master-pw \
		dovecot_start "$TEST_DIR/dovecot" "$DB" &&
	printf "master-pw\n" >"$TEST_DIR/master.pw" && chmod 600 "$TEST_DIR/master.pw" &&
	HTTP_PORT=$(srv_free_port) && URL=http://127.0.0.1:$HTTP_PORT &&
	tuimaild_start "dovecot_password_scheme = SHA512-CRYPT" \
		"[panel]" "mail_sync_secret = $SYNC" "sso_secret = $SSO" \
		"http_listen = 127.0.0.1:$HTTP_PORT" \
		"[imap]" "master_user = tuimaster" "master_password_file = $TEST_DIR/master.pw" &&
	for _ in $(seq 50); do grep -q "panel endpoint listening" "$TEST_DIR/tuimaild.log" && break; sleep 0.1; done &&
	grep -q "panel endpoint listening on 127.0.0.1:$HTTP_PORT (sync on, sso on)" "$TEST_DIR/tuimaild.log"
'

test_expect_success 'create: the domain and the account appear, last_sync is stamped' '
	status_is 200 sync "{\"action\":\"create\",\"email\":\"Pat@Example.com\",\"password\":\"pat-pw-1\",\"quota_mb\":50}" &&
	test "$(count)" = 1 &&
	test "$(q "SELECT quota_mb, last_sync > 0 FROM mail_accounts WHERE email = '\''pat@example.com'\''")" = "50|1" &&
	imap_login_ok pat@example.com pat-pw-1 &&
	tuimailctl account list >list && grep -q "^pat@example.com .* 50 " list &&
	! grep -q "^pat@example.com .* -  *active" list
'

test_expect_success 'the same create twice leaves one account' '
	status_is 200 sync "{\"action\":\"create\",\"email\":\"pat@example.com\",\"password\":\"pat-pw-1\",\"quota_mb\":50}" &&
	test "$(count)" = 1
'

test_expect_success 'password: only the new one works, over IMAP and ssh' '
	status_is 200 sync "{\"action\":\"password\",\"email\":\"pat@example.com\",\"password\":\"pat-pw-2\"}" &&
	imap_login_ok pat@example.com pat-pw-2 &&
	SRV_CLIENT_ADDR=127.0.0.71 test_must_fail imap_login_ok pat@example.com pat-pw-1 &&
	ssh_open p pat@example.com &&
	wait_screen p "Password:" && keys p "pat-pw-2" Enter &&
	wait_screen p "pat@example.com" 15 && wait_screen p "100x30" && keys p q
'

test_expect_success 'a {SCHEME} password is stored as it is' '
	h=$(doveadm pw -s SHA512-CRYPT -p hashed-pw) &&
	status_is 200 sync "{\"action\":\"create\",\"email\":\"hash@example.com\",\"password\":\"$h\"}" &&
	test "$(q "SELECT password FROM mail_accounts WHERE email = '\''hash@example.com'\''")" = "$h" &&
	imap_login_ok hash@example.com hashed-pw
'

test_expect_success 'delete: a soft delete, and the account cannot log in' '
	status_is 200 sync "{\"action\":\"delete\",\"email\":\"hash@example.com\"}" &&
	test "$(q "SELECT deleted_at > 0 FROM mail_accounts WHERE email = '\''hash@example.com'\''")" = 1 &&
	SRV_CLIENT_ADDR=127.0.0.72 test_must_fail imap_login_ok hash@example.com hashed-pw &&
	ssh_open h hash@example.com -b 127.0.0.73 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen h "Password:" && keys h "hashed-pw" Enter &&
	wait_screen h "SSH-EXIT=255" 20 &&
	status_is 200 sync "{\"action\":\"create\",\"email\":\"hash@example.com\",\"password\":\"back-pw\"}" &&
	test "$(q "SELECT deleted_at IS NULL FROM mail_accounts WHERE email = '\''hash@example.com'\''")" = 1 &&
	imap_login_ok hash@example.com back-pw
'

test_expect_success 'refused requests answer the right status and change nothing' '
	snap >before &&
	body="{\"action\":\"create\",\"email\":\"evil@example.com\",\"password\":\"x\"}" &&
	status_is 403 sync "$body" --sig 0000000000000000000000000000000000000000000000000000000000000000 &&
	status_is 403 sync "$body" --ts $(( $(date +%s) - 301 )) &&
	status_is 403 sync "$body" --plain &&
	status_is 400 sync "{not json" &&
	status_is 400 sync "{\"action\":\"explode\",\"email\":\"evil@example.com\"}" &&
	status_is 400 sync "{\"action\":\"create\",\"email\":\"evil@example.com\",\"password\":\"x\",\"quota_mb\":\"big\"}" &&
	status_is 400 sync "{\"action\":\"create\",\"email\":\"not an address\",\"password\":\"x\"}" &&
	status_is 404 sync "{\"action\":\"password\",\"email\":\"ghost@example.com\",\"password\":\"x\"}" &&
	status_is 413 sync "$(head -c 70000 /dev/zero | tr "\0" "a")" &&
	status_is 405 $PC "$URL" raw GET &&
	status_is 404 $PC "$URL" raw POST "{}" /api/other &&
	status_is 403 $PC "$URL" raw POST "$body" &&
	snap >after && test_cmp before after
'

test_expect_success 'a replayed request is refused with 409' '
	ts=$(date +%s) && body="{\"action\":\"create\",\"email\":\"once@example.com\",\"password\":\"once-pw\"}" &&
	status_is 200 sync "$body" --ts $ts &&
	snap >before &&
	status_is 409 sync "$body" --ts $ts &&
	snap >after && test_cmp before after
'

test_expect_success 'every call is logged and audited, without secrets' '
	grep -q "panel: POST /api/sync/account from 127.0.0.1: 409" "$TEST_DIR/tuimaild.log" &&
	test "$(q "SELECT count(*) FROM audit_log WHERE action = '\''sync.refused'\''")" -ge 4 &&
	test "$(q "SELECT count(*) FROM audit_log WHERE action = '\''sync.create'\'' AND actor = '\''panel'\''")" -ge 4 &&
	! grep -e "$SYNC" -e pat-pw -e once-pw "$TEST_DIR/tuimaild.log" &&
	! q "SELECT * FROM audit_log" | grep -e "$SYNC" -e pat-pw
'

test_expect_success 'a burst of 1000 creates from 4 clients leaves exactly 1000 accounts' '
	$PC "$URL" burst "$SYNC" 1000 4 burst.example pw-burst >burst &&
	cat burst && grep -q "^200:1000 " burst &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE email LIKE '\''%@burst.example'\''")" = 1000
'

# Two SSO requests for one address in one second sign the same text, and
# the second is a replay: each call here takes a second of its own.
# Timestamps count down from one base, so no two calls sign the same text
# (the count lives in a file: status_is runs sso in a subshell).
echo 0 >"$TEST_DIR/sso-n"
SSO_BASE=$(date +%s)
sso() {
	local n=$(($(cat "$TEST_DIR/sso-n") + 1))
	echo "$n" >"$TEST_DIR/sso-n"
	$PC "$URL" sso "$SSO" --ts $((SSO_BASE - n)) "$@"
}
token_of() { sed -n "s/.*\"token\": *\"\(sso-[0-9a-f]*\)\".*/\1/p"; }

test_expect_success 'SSO: a token logs in once through ssh' '
	status_is 200 sso pat@example.com >out && cat out &&
	grep -q "\"ssh\": *\"ssh -t pat@example.com@" out &&
	tok=$(token_of <out) && test -n "$tok" &&
	ssh_open s1 pat@example.com &&
	wait_screen s1 "Password:" && keys s1 "$tok" Enter &&
	wait_screen s1 "pat@example.com" 15 && wait_screen s1 "100x30" &&
	grep -q "user=pat@example.com method=sso-token result=success" "$TEST_DIR/tuimaild.log" &&
	keys s1 q && wait_screen s1 "SSH-EXIT=0" &&
	ssh_open s2 pat@example.com -b 127.0.0.74 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen s2 "Password:" && keys s2 "$tok" Enter &&
	wait_screen s2 "SSH-EXIT=255" 20 &&
	grep -q "user=pat@example.com method=sso-token result=fail (unknown, used or expired token)" "$TEST_DIR/tuimaild.log"
'

test_expect_success 'SSO: an expired token, or one for another address, is refused' '
	status_is 200 sso pat@example.com >out && tok=$(token_of <out) &&
	q "UPDATE sso_tokens SET expires_at = strftime('\''%s'\'','\''now'\'') - 1 WHERE used_at IS NULL" &&
	ssh_open s3 pat@example.com -b 127.0.0.75 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen s3 "Password:" && keys s3 "$tok" Enter &&
	wait_screen s3 "SSH-EXIT=255" 20 &&
	status_is 200 sso pat@example.com >out && tok=$(token_of <out) &&
	ssh_open s4 once@example.com -b 127.0.0.76 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen s4 "Password:" && keys s4 "$tok" Enter &&
	wait_screen s4 "SSH-EXIT=255" 20
'

test_expect_success 'SSO: bad signature 403, stale timestamp 403, replay 409' '
	status_is 403 sso pat@example.com --sig 00 &&
	status_is 403 sso pat@example.com --ts $(( $(date +%s) - 61 )) &&
	ts=$(($(date +%s) - 55)) && status_is 200 sso pat@example.com --ts $ts &&
	status_is 409 sso pat@example.com --ts $ts &&
	status_is 404 sso nobody@example.com
'

test_expect_success 'SSO with 2FA on: the code is still asked' '
	tuimailctl 2fa enable once@example.com >/dev/null &&
	status_is 200 sso once@example.com >out && tok=$(token_of <out) &&
	ssh_open s5 once@example.com &&
	wait_screen s5 "Password:" && keys s5 "$tok" Enter &&
	wait_screen s5 "Verification code:" 15 &&
	keys s5 "$(oathtool --totp -b "$(q "SELECT totp_secret FROM mail_accounts WHERE email = '\''once@example.com'\''")")" Enter &&
	wait_screen s5 "once@example.com" 15
'

test_done
