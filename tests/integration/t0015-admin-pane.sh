#!/usr/bin/env bash
# The admin pane (issue 7) through the real ssh client in tmux, against
# the private Dovecot reading our sqlite passdb: an admin creates,
# suspends, re-passwords and deletes an account, and each change shows
# over IMAP and over ssh at once; a non-admin never sees the pane; the
# filter narrows 10,000 accounts as one types; bulk actions, domains,
# aliases and the audit log.
test_description='admin pane: accounts over IMAP and ssh, filter, bulk, tabs'
. "$(dirname "$0")/lib.sh"

DB=$TEST_DIR/db/tuimail.db
N=new@example.com
q() { sqlite3 "$DB" "$1"; }
code_for() { oathtool --totp -b "$(q "SELECT totp_secret FROM mail_accounts WHERE email = '$1'")"; }
# login NAME USER PASSWORD [SSH OPTIONS...]: a session up to the status
# bar, with the code when the account has 2FA.
login() {
	local name=$1 user=$2 pw=$3
	shift 3
	ssh_open "$name" "$user" "$@" &&
	wait_screen "$name" "Password:" 15 && keys "$name" "$pw" Enter &&
	if [ "$(q "SELECT totp_enabled FROM mail_accounts WHERE email = '$user'")" = 1 ]; then
		wait_screen "$name" "Verification code:" 15 &&
		keys "$name" "$(code_for "$user")" Enter
	fi &&
	wait_screen "$name" "100x30" 20
}
# type_slowly NAME TEXT: one key at a time, as a person types.
type_slowly() {
	local i
	for ((i = 0; i < ${#2}; i++)); do
		keys "$1" -l -- "${2:i:1}" || return 1
	done
}

test_expect_success 'set-up: 10,000 accounts over 100 domains, Dovecot, tuimaild' '
	write_conf && tuimailctl domain add example.com >/dev/null &&
	for u in boss plain; do
		printf "%s\n" "$u-pw" | tuimailctl account add $u@example.com >/dev/null || return 1
	done &&
	tuimailctl admin grant boss@example.com >/dev/null &&
	pw=$(q "SELECT password FROM mail_accounts WHERE email = '\''plain@example.com'\''") &&
	q "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
	   INSERT INTO mail_domains (domain, created_at, updated_at)
	   SELECT printf('\''d%03d.test'\'', i), 0, 0 FROM n;
	   WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
	   INSERT INTO mail_accounts (domain_id, email, password, created_at, updated_at)
	   SELECT d.id, printf('\''u%05d@d%03d.test'\'', i, i % 100), '\''$pw'\'', 0, 0
	   FROM n JOIN mail_domains d ON d.domain = printf('\''d%03d.test'\'', i % 100);" &&
	test "$(q "SELECT count(*) FROM mail_accounts")" = 10002 &&
	dovecot_start "$TEST_DIR/dovecot" "$DB" &&
	tuimaild_start "mail_admin = yes" "require_2fa = yes"
'

test_expect_success 'a non-admin never sees the pane: A says why' '
	login p plain@example.com plain-pw &&
	keys p A && wait_screen p "the admin pane is for admins; plain@example.com is not one" &&
	! screen p | grep -q "Accounts.*Domains.*Aliases" &&
	keys p Q
'

test_expect_success 'an admin without 2FA is sent to Settings first' '
	login b boss@example.com boss-pw &&
	keys b A && wait_screen b "enable two-factor authentication in Settings \(S\) first" &&
	! screen b | grep -q "Accounts.*Domains.*Aliases"
'

test_expect_success 'with 2FA on the pane opens on all the accounts' '
	tuimailctl 2fa enable boss@example.com >/dev/null &&
	keys b A && wait_screen b "Accounts +Domains +Aliases +Audit" 15 &&
	wait_screen b "10002 accounts" &&
	screen b | grep -qE "Email +Domain +Quota +Used +2FA +Last Sync +Status"
'

test_expect_success 'add new@example.com: it logs in over IMAP and ssh at once' '
	keys b a && wait_screen b "New account" &&
	keys b "$N" Enter && wait_screen b "^Password:" &&
	keys b "first-pw" Enter && wait_screen b "Password again:" &&
	keys b "first-pw" Enter && wait_screen b "Quota in MB" &&
	keys b C-u 25 Enter && wait_screen b "Display name" &&
	keys b "New Person" Enter && wait_screen b "added $N" &&
	wait_screen b "10003 accounts" &&
	imap_login_ok $N first-pw &&
	login n $N first-pw && keys n Q && wait_screen n "SSH-EXIT=0" 15
'

test_expect_success 'the filter finds it; suspend: IMAP and ssh refused' '
	keys b / && type_slowly b "new@" && wait_screen b "1 shown  filter: new@_" &&
	keys b Enter && wait_screen b "new@example.com +example.com +25 MB" &&
	keys b s && wait_screen b "suspend: 1 account" &&
	wait_screen b "new@example.com .* suspended" &&
	test "$(q "SELECT is_active FROM mail_accounts WHERE email = '\''$N'\''")" = 0 &&
	SRV_CLIENT_ADDR=127.0.0.91 test_must_fail imap_login_ok $N first-pw &&
	ssh_open ns $N -b 127.0.0.92 -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 &&
	wait_screen ns "Password:" 15 && keys ns first-pw Enter &&
	wait_screen ns "SSH-EXIT=255" 20 &&
	keys b s && wait_screen b "unsuspend: 1 account" &&
	imap_login_ok $N first-pw
'

test_expect_success 'reset its password: only the new one works' '
	keys b p && wait_screen b "New password for $N" &&
	keys b "second-pw" Enter && wait_screen b "New password again" &&
	keys b "second-pw" Enter && wait_screen b "new password set for $N" &&
	imap_login_ok $N second-pw &&
	SRV_CLIENT_ADDR=127.0.0.93 test_must_fail imap_login_ok $N first-pw
'

test_expect_success 'delete with a wrong admin password: nothing happens' '
	printf "Subject: keep\n\nx\n" >m && deliver_lmtp $N m &&
	tuimailctl alias add sole@example.com $N >/dev/null &&
	id=$(q "SELECT id FROM mail_accounts WHERE email = '\''$N'\''") &&
	q "INSERT INTO autoresponders (account_id, created_at, updated_at) VALUES ($id, 0, 0);
	   INSERT INTO mail_groups (domain_id, email, created_at, updated_at)
	   SELECT domain_id, '\''team@example.com'\'', 0, 0 FROM mail_accounts WHERE id = $id;
	   INSERT INTO mail_group_members (group_id, account_id)
	   SELECT id, $id FROM mail_groups WHERE email = '\''team@example.com'\'';" &&
	keys b D && wait_screen b "Delete $N\? Its mail stays on disk" &&
	keys b "not-my-pw" Enter && wait_screen b "that is not your password" &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE email = '\''$N'\''")" = 1 &&
	test "$(q "SELECT count(*) FROM mail_aliases WHERE alias_email = '\''sole@example.com'\''")" = 1
'

test_expect_success 'with the right one: row, alias, autoresponder, membership gone; mail stays' '
	keys b D && wait_screen b "Delete $N\?" &&
	keys b "boss-pw" Enter && wait_screen b "deleted $N; its mail stays on disk" &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE email = '\''$N'\''")" = 0 &&
	test "$(q "SELECT count(*) FROM mail_aliases WHERE alias_email = '\''sole@example.com'\''")" = 0 &&
	test "$(q "SELECT count(*) FROM autoresponders WHERE account_id = $id")" = 0 &&
	test "$(q "SELECT count(*) FROM mail_group_members WHERE account_id = $id")" = 0 &&
	test -d "$MAIL_ROOT/example.com/new/Maildir" &&
	wait_screen b "10002 accounts"
'

test_expect_success 'the filter narrows 10,000 accounts as one types' '
	keys b / && wait_screen b "filter: _" &&
	type_slowly b "d04" && wait_screen b "1000 shown  filter: d04_" &&
	type_slowly b "2" && wait_screen b "100 shown  filter: d042_" &&
	screen b | grep -qE "^ +u00042@d042.test +d042.test" &&
	keys b BSpace && wait_screen b "1000 shown  filter: d04_" &&
	type_slowly b "2.test" && wait_screen b "100 shown  filter: d042.test_" &&
	keys b Enter && wait_screen b "100 shown  filter: d042.test$"
'

test_expect_success 'bulk: mark three, suspend, unsuspend, set their quota' '
	keys b Home Space Space Space && wait_screen b "marked: 3" &&
	keys b b && wait_screen b "3 marked: q\)uota" && keys b s &&
	wait_screen b "suspend: 3 accounts" &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE is_active = 0")" = 3 &&
	keys b Home Space Space Space && wait_screen b "marked: 3" &&
	keys b b && wait_screen b "3 marked" && keys b u &&
	wait_screen b "unsuspend: 3 accounts" &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE is_active = 0")" = 0 &&
	keys b Home Space Space Space && wait_screen b "marked: 3" &&
	keys b b && wait_screen b "3 marked" && keys b q &&
	wait_screen b "Quota in MB for all" && keys b C-u 7 Enter &&
	wait_screen b "quota: 3 accounts" &&
	test "$(q "SELECT count(*) FROM mail_accounts WHERE quota_mb = 7")" = 3
'

test_expect_success 'usage of an account that never logged in: from its Maildir' '
	{ echo "Subject: big"; echo; head -c 5000 /dev/zero | tr "\0" x; echo; } >big &&
	deliver_lmtp u00001@d001.test big &&
	keys b / && type_slowly b "u00001@" && keys b Enter &&
	wait_screen b "1 shown  filter: u00001@$" && keys b "\$" &&
	wait_screen b "u00001@d001.test +d001.test +unlim +[1-9][0-9]*K "
'

test_expect_success 'edit: display name, quota and status' '
	keys b / && type_slowly b "d042.test" && keys b Enter &&
	wait_screen b "100 shown  filter: d042.test$" &&
	keys b Home e && wait_screen b "Display name of u00042@d042.test" &&
	keys b C-u "Forty Two" Enter && wait_screen b "Quota in MB" &&
	keys b C-u 30 Enter && wait_screen b "Status: a\)ctive" && keys b s &&
	wait_screen b "saved u00042@d042.test" &&
	test "$(q "SELECT display_name, quota_mb, is_active FROM mail_accounts WHERE email = '\''u00042@d042.test'\''")" = "Forty Two|30|0" &&
	wait_screen b "u00042@d042.test +d042.test +30 MB .* suspended"
'

test_expect_success 'sort by email, reversed' '
	keys b / Escape && wait_screen b "^ 10002 accounts$" &&
	keys b o && wait_screen b "Sort by:" && keys b e &&
	wait_screen b "sorted by Email" && keys b O &&
	wait_screen b "sorted by Email \(reversed\)" &&
	screen b | sed -n 4p | grep -q "u09999@d099.test"
'

test_expect_success 'domains: add one; deleting one with accounts is refused' '
	keys b Tab && wait_screen b "Domain +Accounts +Aliases +Status" &&
	keys b a && wait_screen b "New domain:" && keys b "fresh.test" Enter &&
	wait_screen b "added domain fresh.test" &&
	keys b Home && keys b D && wait_screen b "Delete the domain d000.test\?" &&
	keys b y && wait_screen b "still has" &&
	test "$(q "SELECT count(*) FROM mail_domains WHERE domain = '\''d000.test'\''")" = 1
'

test_expect_success 'aliases: add and delete; the audit log shows it all, newest first' '
	keys b Tab && wait_screen b "Alias +-> Destinations" &&
	keys b a && wait_screen b "New alias" && keys b "info@example.com" Enter &&
	wait_screen b "Destinations" && keys b "boss@example.com" Enter &&
	wait_screen b "added alias info@example.com" &&
	wait_screen b "info@example.com +boss@example.com" &&
	keys b D && wait_screen b "Delete the alias info@example.com\?" && keys b y &&
	wait_screen b "deleted alias info@example.com" &&
	keys b Tab && wait_screen b "Time +Actor +Action" &&
	{ screen b | sed -n 4p | grep -qE "boss@example.com +alias.del" || { echo A; false; }; } &&
	{ screen b | grep -qE "account.del +new@example.com" || { echo B; false; }; } &&
	keys b / && type_slowly b "account.add" && wait_screen b "filter: account.add_" &&
	screen b | grep -qE "account.add +new@example.com"
'

test_expect_success 'dovecot_passdb = no: no add, password or delete, and the pane says why' '
	keys b Enter Q && wait_screen b "SSH-EXIT=0" 15 &&
	kill "$TUIMAILD_PID" && sleep 0.5 &&
	tuimaild_start "mail_admin = yes" "require_2fa = yes" "dovecot_passdb = no" &&
	login b2 boss@example.com boss-pw &&
	keys b2 A && wait_screen b2 "accounts live on an external server" 15 &&
	! screen b2 | grep -qE "a:Add|p:Password|D:Delete" &&
	screen b2 | grep -q "s:Suspend" &&
	keys b2 a && wait_screen b2 "create, delete and reset passwords there" &&
	keys b2 D && wait_screen b2 "create, delete and reset passwords there" &&
	test "$(q "SELECT count(*) FROM mail_accounts")" = 10002
'

test_done
