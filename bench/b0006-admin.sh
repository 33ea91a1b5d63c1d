#!/usr/bin/env bash
# The admin pane with 10,000 accounts over 100 domains: opening the
# Accounts tab, a filter keystroke, a bulk suspend of 1,000. The door's
# own request code answers over a socketpair (bench/admin-bench.c), so
# the figures are the door's work, the framing and the pane's table; the
# ssh hop and the drawing are not in them. Figures only.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TUIMAIL_BUILD=${TUIMAIL_BUILD:-$TOP/build}

test_description='bench: admin pane'
set --
. "$TOP/tests/integration/lib.sh"

B=$TUIMAIL_BUILD
write_conf "mail_admin = yes" "require_2fa = no" "admins = boss@example.com" &&
	tuimailctl domain add example.com >/dev/null 2>&1 &&
	printf 'boss-pw\n' | tuimailctl account add boss@example.com >/dev/null ||
	exit 1
DB=$TEST_DIR/db/tuimail.db
pw=$(sqlite3 "$DB" "SELECT password FROM mail_accounts LIMIT 1")
sqlite3 "$DB" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
	INSERT INTO mail_domains (domain, created_at, updated_at)
	SELECT printf('d%03d.test', i), 0, 0 FROM n;
	WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9998)
	INSERT INTO mail_accounts (domain_id, email, password, created_at, updated_at)
	SELECT d.id, printf('u%05d@d%03d.test', i, i % 100), '$pw', 0, 0
	FROM n JOIN mail_domains d ON d.domain = printf('d%03d.test', i % 100);" ||
	exit 1

pkgs="libssh sqlite3 liboath gnutls libcrypt libmicrohttpd jansson gmime-3.0 libxml-2.0"
# shellcheck disable=SC2046
cc -std=gnu11 -O2 -D_GNU_SOURCE -I"$TOP" $(pkg-config --cflags $pkgs) \
	-o "$TEST_DIR/admin-bench" "$TOP/bench/admin-bench.c" \
	"$B/obj/sshd/door_req.o" "$B/libstore.a" "$B/libindex.a" \
	"$B/libtuicore.a" "$B/libutil.a" \
	$(pkg-config --libs $pkgs) -letpan -lnotmuch || exit 1
echo "accounts: $(sqlite3 "$DB" "SELECT count(*) FROM mail_accounts") over $(sqlite3 "$DB" "SELECT count(*) FROM mail_domains") domains"
"$TEST_DIR/admin-bench" "$TUI_CONF" boss@example.com boss-pw
exit 0
