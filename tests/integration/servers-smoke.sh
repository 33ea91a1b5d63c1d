#!/usr/bin/env bash
# servers-smoke.sh -- check lib-servers.sh: a private Dovecot (IMAP, LMTP, submission, quota)
# on a fresh tuimail database, plus the SMTP-to-LMTP relay.  Standalone: needs root (or a
# user that can run Dovecot), the Debian packages dovecot-imapd dovecot-lmtpd
# dovecot-submissiond dovecot-sqlite python3-aiosmtpd sqlite3.
#
# Usage: tests/integration/servers-smoke.sh [-v]     (-v: show the logs at the end)
# Last line: "N passed, N failed"; exit status 1 if anything failed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib-servers.sh
. "$here/lib-servers.sh"

verbose=
[[ ${1:-} == -v ]] && verbose=1

passed=0 failed=0
ok()   { passed=$((passed + 1)); printf 'ok   %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; }
# check NAME CMD...: passes iff CMD exits 0
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
# check_not NAME CMD...: passes iff CMD exits non-zero
check_not() { local name=$1; shift; if "$@"; then fail "$name"; else ok "$name"; fi; }
# is NAME GOT WANT: passes iff GOT = WANT
is() { if [[ $2 == "$3" ]]; then ok "$1"; else fail "$1 (got '$2', want '$3')"; fi; }
# secs CMD...: run CMD, leave its wall time in $took (seconds, 2 decimals) and return its status
secs() {
    local t0=$EPOCHREALTIME rc
    "$@"
    rc=$?
    took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    return "$rc"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tuimail-smoke.XXXXXX") || exit 1
show_logs() {
    local f
    for f in "$tmp"/srv/dovecot.log "$tmp"/srv/smtp-relay.log "$tmp"/srv/smtp-relay.out; do
        [[ -s $f ]] && { echo "--- $f (tail)"; tail -n 25 "$f"; }
    done
}
cleanup() {
    servers_stop
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------
# The database, exactly as the C code's migrations create it.
db=$tmp/tuimail.db
sqlite3 "$db" >/dev/null <<'SQL' || { echo "cannot create $db"; exit 1; }
PRAGMA journal_mode=WAL;
CREATE TABLE mail_domains(id INTEGER PRIMARY KEY, domain TEXT NOT NULL UNIQUE, is_active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE mail_accounts(id INTEGER PRIMARY KEY, domain_id INTEGER NOT NULL REFERENCES mail_domains(id), email TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL DEFAULT '', password TEXT NOT NULL, quota_mb INTEGER, usage_bytes INTEGER NOT NULL DEFAULT 0, is_active INTEGER NOT NULL DEFAULT 1, totp_secret TEXT, totp_enabled INTEGER NOT NULL DEFAULT 0, totp_last_step INTEGER NOT NULL DEFAULT 0, last_sync INTEGER, last_login INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, deleted_at INTEGER);
SQL
chmod 600 "$db"

now=$(date +%s)
bcrypt() { doveadm pw -s BLF-CRYPT -p "$1"; }
sha512() { doveadm pw -s SHA512-CRYPT -p "$1"; }
# add_account EMAIL DOMAIN_ID HASH QUOTA_MB IS_ACTIVE DELETED_AT  (NULL allowed)
add_account() {
    sqlite3 "$db" "INSERT INTO mail_accounts(domain_id, email, password, quota_mb, is_active,
        deleted_at, created_at, updated_at)
        VALUES($2, '$1', '$3', $4, $5, $6, $now, $now);"
}
sqlite3 "$db" "INSERT INTO mail_domains(id, domain, is_active, created_at, updated_at)
    VALUES(1, 'example.com', 1, $now, $now), (2, 'suspended.example', 0, $now, $now);"
add_account jane@example.com        1 "$(bcrypt jane-pw)"  10   1 NULL
add_account bob@example.com         1 "$(bcrypt bob-pw)"   NULL 1 NULL
add_account carol@example.com       1 "$(sha512 carol-pw)" 0    1 NULL
add_account dave@example.com        1 "$(bcrypt dave-pw)"  NULL 0 NULL
add_account erin@example.com        1 "$(bcrypt erin-pw)"  NULL 1 "$now"
add_account frank@suspended.example 2 "$(bcrypt frank-pw)" NULL 1 NULL

# ---------------------------------------------------------------------------------------
# Start.  A master user too, as tuimail's SSO uses one.
export DOVECOT_MASTER_USER=tuimail-sso DOVECOT_MASTER_PASS=master-pw
if secs dovecot_start "$tmp/srv" "$db"; then
    ok "servers up in $took s (IMAP $IMAP_PORT, LMTP $LMTP_PORT, submission $SUBMISSION_PORT, relay $SMTP_RELAY_PORT)"
else
    fail "dovecot_start"
    show_logs
    echo "0 passed, 1 failed"
    exit 1
fi
up_secs=$took

# Dovecot delays every login from an address that just failed one (2 s, 4 s, ... 15 s), so
# each refused login below comes from its own loopback address; good ones from 127.0.0.1.
n_addr=10
refused() { # refused NAME USER PASS: the login must fail, tried from a fresh address
    n_addr=$((n_addr + 1))
    SRV_CLIENT_ADDR=127.0.0.$n_addr check_not "$1" imap_login_ok "$2" "$3"
}

# --- logins ---
check "jane logs in (BLF-CRYPT)" secs imap_login_ok jane@example.com jane-pw
good_secs=$took
check "login name is lower-cased (Jane@Example.COM)" imap_login_ok Jane@Example.COM jane-pw
check "carol logs in (SHA512-CRYPT)" imap_login_ok carol@example.com carol-pw
n_addr=$((n_addr + 1))
if SRV_CLIENT_ADDR=127.0.0.$n_addr secs imap_login_ok jane@example.com wrong-pw; then
    fail "wrong password refused"
else
    ok "wrong password refused"
fi
bad_secs=$took
refused "unknown user refused" nobody@example.com jane-pw
refused "is_active = 0 refused" dave@example.com dave-pw
refused "deleted_at set refused" erin@example.com erin-pw
refused "account in a suspended domain refused" frank@suspended.example frank-pw

# --- the database is read at every login: no cache, no restart ---
sqlite3 "$db" "UPDATE mail_accounts SET password = '$(bcrypt bob-new)' WHERE email = 'bob@example.com';"
check "new password works at once" imap_login_ok bob@example.com bob-new
refused "old password refused at once" bob@example.com bob-pw
sqlite3 "$db" "UPDATE mail_accounts SET is_active = 0 WHERE email = 'carol@example.com';"
refused "suspending an account locks it at once" carol@example.com carol-pw
sqlite3 "$db" "UPDATE mail_accounts SET is_active = 1 WHERE email = 'carol@example.com';"
check "reactivated account logs in again" imap_login_ok carol@example.com carol-pw

# --- master user (SSO) ---
check "master user logs in as jane" imap_login_ok 'jane@example.com*tuimail-sso' master-pw
refused "master user cannot open a suspended account" 'dave@example.com*tuimail-sso' master-pw
refused "master user with a wrong password refused" 'jane@example.com*tuimail-sso' wrong-pw

# --- quota ---
is "GETQUOTAROOT: jane (quota_mb 10) 0 of 10240 KB" "$(imap_quota jane@example.com jane-pw)" "0 10240"
is "GETQUOTAROOT: bob (quota_mb NULL) unlimited" "$(imap_quota bob@example.com bob-new)" "- -"
is "GETQUOTAROOT: carol (quota_mb 0) unlimited" "$(imap_quota carol@example.com carol-pw)" "- -"

# --- submission -> relay -> LMTP ---
msg=$tmp/msg.eml
printf '%s\n' "From: Jane <jane@example.com>" "To: Bob <bob@example.com>" \
    "Subject: smoke test $$" "Message-ID: <smoke-$$@example.com>" \
    "Date: $(date -R)" "" "Hello Bob." ".a line starting with a dot" > "$msg"
if secs smtp_submit jane@example.com jane-pw jane@example.com bob@example.com "$msg"; then
    ok "jane submits a message to bob ($took s)"
    arrived=
    for _ in $(seq 1 50); do
        [[ $(imap_count bob@example.com bob-new INBOX 2>/dev/null) == 1 ]] && { arrived=1; break; }
        sleep 0.2
    done
    check "it arrives in bob's INBOX within 10 s" test -n "$arrived"
    is "its Subject is intact" "$(imap_fetch_header bob@example.com bob-new INBOX 1 Subject)" \
        "smoke test $$"
    check "the relay logged it" grep -q "accepted .*rcpts=<bob@example.com>.*smoke-$$" "$SMTP_RELAY_LOG"
else
    fail "jane submits a message to bob"
fi
smtp_submit jane@example.com jane-pw jane@example.com nobody@example.com "$msg" 2>/dev/null
is "unknown recipient refused with 5xx (exit 1)" $? 1
n_addr=$((n_addr + 1))
SRV_CLIENT_ADDR=127.0.0.$n_addr smtp_submit jane@example.com bad jane@example.com bob@example.com "$msg" 2>/dev/null
is "submission refuses a wrong password (exit 1)" $? 1

# --- relay outage ---
smtp_relay_stop
smtp_submit jane@example.com jane-pw jane@example.com bob@example.com "$msg" 2>/dev/null
is "relay down: submission fails temporarily (4xx, exit 75)" $? 75
check "relay restarts on the same port" smtp_relay_start_again
check "submission works again" smtp_submit jane@example.com jane-pw jane@example.com bob@example.com "$msg"

# --- direct delivery and bulk seeding ---
check "deliver_lmtp into carol's INBOX" deliver_lmtp carol@example.com "$msg"
check_not "deliver_lmtp refuses an unknown user" deliver_lmtp nobody@example.com "$msg" 2>/dev/null
seed=$tmp/seed
mkdir -p "$seed"
for i in $(seq -w 1 1000); do
    printf 'From: sender%s@example.org\nTo: carol@example.com\nSubject: seed %s\nMessage-ID: <seed-%s@example.org>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nMessage number %s.\n' \
        "$i" "$i" "$i" "$i" > "$seed/$i.eml"
done
secs deliver_bulk carol@example.com "$seed" >/dev/null
is "deliver_bulk: 1000 messages into INBOX" $? 0
bulk_secs=$took
is "carol's INBOX has 1001 messages" "$(imap_count carol@example.com carol-pw INBOX)" 1001
deliver_bulk carol@example.com "$seed" Archive/2024 >/dev/null
is "deliver_bulk into a new subfolder" $? 0
is "Archive/2024 has 1000 messages" "$(imap_count carol@example.com carol-pw Archive/2024)" 1000

# Over quota: jane has 10 MB; a 6 MB message fits once, then LMTP refuses (lmtp_rcpt_check_quota).
big=$tmp/big.eml
{ printf 'From: x@example.org\nTo: jane@example.com\nSubject: big\n\n'
  head -c 4500000 /dev/zero | base64 -w 76; } > "$big"
check "a 6 MB message fits jane's 10 MB quota" deliver_lmtp jane@example.com "$big"
check_not "the next one is refused: over quota" deliver_lmtp jane@example.com "$big" 2>/dev/null

# --- stop ---
pids="$_SRV_DOVECOT_PID $_SRV_RELAY_PID $(_srv_descendants "$_SRV_DOVECOT_PID")"
servers_stop
left=
for p in $pids; do _srv_alive "$p" && left="$left $p"; done
is "servers_stop: every process is gone" "$left" ""
check "servers_stop is idempotent" servers_stop

[[ -n $verbose || $failed -gt 0 ]] && show_logs
printf 'timings: servers up %s s, good login %s s, failed login %s s, 1000 messages seeded %s s\n' \
    "$up_secs" "$good_secs" "$bad_secs" "${bulk_secs:--}"
printf '%d passed, %d failed\n' "$passed" "$failed"
[[ $failed -eq 0 ]]
