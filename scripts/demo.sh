#!/usr/bin/env bash
# make demo / make demo-stop: a private Dovecot (IMAP, LMTP, submission,
# SMTP relay) on loopback ports with demo accounts and about 200 generated
# messages, and tuimaild on 127.0.0.1:2222; prints the ssh line to type.
# Everything lives under ./demo; the system's own services are untouched.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TUIMAIL_BUILD:-$TOP/build}
DEMO=$TOP/demo
STATE=$DEMO/servers.env
DEMO_USER=demo@example.com
DEMO_PASS=demo-password
DEMO_PORT=${DEMO_PORT:-2222}

. "$TOP/tests/integration/lib-servers.sh"

die() { echo "demo: $*" >&2; exit 1; }

demo_stop() {
	[ -f "$STATE" ] || return 0
	# shellcheck disable=SC1090
	. "$STATE"
	if [ -n "${DEMO_TUIMAILD_PID:-}" ]; then
		kill "$DEMO_TUIMAILD_PID" 2>/dev/null
	fi
	servers_stop
	rm -f "$STATE"
	echo "demo: stopped"
}

ctl() { "$BUILD/tuimailctl" -f "$DEMO/tui.conf" "$@"; }

write_conf() {
	cat >"$DEMO/tui.conf" <<CONF
# tui.conf of make demo: everything under $DEMO, servers on loopback.
[server]
listen = 127.0.0.1:$DEMO_PORT
database = $DEMO/tuimail.db
state_dir = $DEMO/state
host_key = $DEMO/ssh_host_ed25519_key
[imap]
host = 127.0.0.1
port = ${IMAP_PORT:-143}
security = none
[smtp]
host = 127.0.0.1
port = ${SUBMISSION_PORT:-587}
security = none
[admin]
mail_admin = yes
require_2fa = no
maildir_root = ${MAIL_ROOT:-$DEMO/dovecot/mail}
CONF
	chmod 600 "$DEMO/tui.conf"
}

# Splits the generated corpus into INBOX and Sent (what the demo user
# wrote herself) and marks all but the newest 20 INBOX messages read.
seed_mail() {
	local corpus=$DEMO/corpus inbox=$DEMO/seed/INBOX sent=$DEMO/seed/Sent
	local f n=0 total
	rm -rf "$corpus" "$DEMO/seed"
	mkdir -p "$inbox" "$sent"
	/usr/bin/python3 "$TOP/tests/corpus/gen-demo.py" "$corpus" \
		--to "$DEMO_USER" || return 1
	total=$(grep -L "^From: .*<\?$DEMO_USER>\?\$" "$corpus"/*.eml | wc -l)
	for f in "$corpus"/*.eml; do
		if grep -q "^From: .*<\?$DEMO_USER>\?\$" "$f"; then
			cp -p "$f" "$sent/$(basename "$f"):2,S"
			continue
		fi
		n=$((n + 1))
		if [ "$n" -le $((total - 20)) ]; then
			cp -p "$f" "$inbox/$(basename "$f"):2,S"
		else
			cp -p "$f" "$inbox/"
		fi
	done
	echo "demo: INBOX $(deliver_bulk "$DEMO_USER" "$inbox" INBOX) messages," \
		"Sent $(deliver_bulk "$DEMO_USER" "$sent" Sent)"
}

demo_start() {
	[ "$(id -u)" = 0 ] || die "run as root (Dovecot runs as a private instance)"
	[ -x "$BUILD/tuimailctl" ] || die "build first: make"
	demo_stop >/dev/null
	sh "$TOP/scripts/session-user.sh" || die "cannot create the session user"
	rm -rf "$DEMO"
	mkdir -p "$DEMO/state"
	write_conf
	ctl domain add example.com >/dev/null || die "cannot create the domain"
	printf '%s\n' "$DEMO_PASS" | ctl account add "$DEMO_USER" \
		--name "Demo User" --quota 1024 >/dev/null || die "cannot create $DEMO_USER"
	printf '%s\n' "bob-password" | ctl account add bob@example.com \
		--name "Bob Example" >/dev/null || die "cannot create bob@example.com"
	ctl admin grant "$DEMO_USER" >/dev/null || die "cannot grant admin"
	dovecot_start "$DEMO/dovecot" "$DEMO/tuimail.db" || die "Dovecot did not start"
	write_conf
	seed_mail || { servers_stop; die "cannot load the demo mail"; }

	DEMO_TUIMAILD_PID=
	"$BUILD/tuimaild" -d -f "$DEMO/tui.conf" >"$DEMO/tuimaild.log" 2>&1 &
	pid=$!
	for _ in $(seq 30); do
		if grep -q "listening on 127.0.0.1:$DEMO_PORT" "$DEMO/tuimaild.log"; then
			DEMO_TUIMAILD_PID=$pid
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	declare -p _SRV_DOVECOT_PID _SRV_RELAY_PID DOVECOT_CONF \
		DEMO_TUIMAILD_PID >"$STATE"

	echo
	echo "demo: Dovecot IMAP on 127.0.0.1:$IMAP_PORT, submission on 127.0.0.1:$SUBMISSION_PORT"
	echo "demo: accounts $DEMO_USER (password: $DEMO_PASS, admin) and bob@example.com (password: bob-password)"
	if [ -n "$DEMO_TUIMAILD_PID" ]; then
		echo "demo: log in with:"
		echo
		echo "    ssh -p $DEMO_PORT -o StrictHostKeyChecking=accept-new $DEMO_USER@127.0.0.1"
		echo
		echo "demo: password: $DEMO_PASS"
	else
		echo "demo: tuimaild did not start:"
		sed 's/^/    /' "$DEMO/tuimaild.log"
		echo "demo: meanwhile any IMAP client can read the demo mail with the account above"
	fi
	echo "demo: stop everything with: make demo-stop"
}

case "${1:-}" in
start) demo_start ;;
stop) demo_stop ;;
*) die "usage: demo.sh start|stop" ;;
esac
