#!/usr/bin/env bash
# The mail layer under the UI (index/imap.c, cache.c, mailbox.c) against
# the private Dovecot, through the index-check helper: folders, server-side
# SORT and THREAD, envelopes fetched for a window only and cached, the
# cache kept fresh by CONDSTORE and dropped on a new UIDVALIDITY, flags,
# copy/move/expunge, folder management, quota and IDLE. A small proxy
# between the helper and Dovecot writes down every command the helper
# sends, so the tests can say what went over the wire.
test_description='index: folders, SORT, THREAD, header cache, IDLE'
. "$(dirname "$0")/lib.sh"

# ix ARGS...: index-check on the proxy as jane, with the cache in cache.db.
ix() {
	echo jane-pw-1 | ./index-check -s none -k "$TEST_DIR/cache.db" \
		127.0.0.1 "$PROXY_PORT" jane@example.com "$@"
}

# wire: the commands the helper sent since the last wire_reset.
wire() { cat wire.log; }
wire_reset() { : >wire.log; }

# Starts the proxy on PROXY_PORT, logging commands (not LOGIN) to wire.log.
proxy_start() {
	cat >proxy.py <<'PY'
import socket, sys, threading
listen_port, target_port, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
def pump(src, dst, record):
    buf = b''
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            if record:
                buf += data
                while b'\r\n' in buf:
                    line, buf = buf.split(b'\r\n', 1)
                    words = line.split(b' ')
                    if len(words) > 1 and words[1].upper() == b'LOGIN':
                        continue
                    with lock, open(log, 'ab') as f:
                        f.write(line + b'\n')
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', listen_port))
srv.listen(16)
open(log + '.ready', 'w').close()
while True:
    c, _ = srv.accept()
    s = socket.create_connection(('127.0.0.1', target_port))
    threading.Thread(target=pump, args=(c, s, True), daemon=True).start()
    threading.Thread(target=pump, args=(s, c, False), daemon=True).start()
PY
	srv_free_port PROXY_PORT || return 1
	"$SRV_PYTHON" proxy.py "$PROXY_PORT" "$IMAP_PORT" "$TEST_DIR/wire.log" \
		</dev/null >proxy.out 2>&1 &
	test_track_pid $!
	for _ in $(seq 50); do
		[ -e wire.log.ready ] && return 0
		sleep 0.1
	done
	return 1
}

# peek FOLDER UID: the flags another IMAP client sees on UID, sorted.
peek() {
	SRV_PASS=jane-pw-1 "$SRV_PYTHON" - "$1" "$2" <<'PY'
import imaplib, os, re, sys
m = imaplib.IMAP4('127.0.0.1', int(os.environ['IMAP_PORT']))
m.login('jane@example.com', os.environ['SRV_PASS'])
m.select('"%s"' % sys.argv[1], readonly=True)
typ, data = m.uid('FETCH', sys.argv[2], '(FLAGS)')
flags = re.search(rb'FLAGS \(([^)]*)\)', data[0] or b'')
print(' '.join(sorted(flags.group(1).decode().split())) if flags else 'none')
m.logout()
PY
}

# poke FOLDER UID +FLAGS|-FLAGS: another client changes flags.
poke() {
	SRV_PASS=jane-pw-1 "$SRV_PYTHON" - "$@" <<'PY'
import imaplib, os, sys
m = imaplib.IMAP4('127.0.0.1', int(os.environ['IMAP_PORT']))
m.login('jane@example.com', os.environ['SRV_PASS'])
m.select('"%s"' % sys.argv[1])
m.uid('STORE', sys.argv[2], sys.argv[3][0] + 'FLAGS', '(%s)' % sys.argv[3][1:])
m.logout()
PY
}

# check_sort KEY UIDS...: INBOX sorted by KEY gives UIDS, reversed the
# reverse.
check_sort() {
	local key=$1 rev
	shift
	ix "open INBOX $key" order "open INBOX $key reverse" order >out ||
		return 1
	rev=$(printf '%s\n' "$@" | tac | tr '\n' ' ')
	test "$(sed -n 2p out)" = "order $*" &&
	test "$(sed -n 4p out)" = "order ${rev% }" && return 0
	echo "sorting by $key: want $*, reversed $rev; got:"
	cat out
	return 1
}

# A CA and a server certificate from it for localhost, for IMAP over TLS.
make_certs() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.pem -days 2 -subj "/CN=tuimail test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout srv.key -out srv.csr -subj "/CN=localhost" &&
	printf '%s\n' "basicConstraints=CA:FALSE" \
		"keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" \
		"subjectAltName=DNS:localhost" >srv.ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 2 -extfile srv.ext -out srv.pem
}

# ixs ARGS...: index-check over TLS, verified with the test CA, no cache.
ixs() {
	echo jane-pw-1 | ./index-check -s tls -c ca.pem localhost \
		"$IMAPS_PORT" jane@example.com "$@"
}

# msg FILE FROM SUBJECT DATE BODY_BYTES [EXTRA HEADER LINES...]
msg() {
	local file=$1 from=$2 subject=$3 date=$4 size=$5
	shift 5
	{
		printf 'From: %s\nTo: jane@example.com\nSubject: %s\nDate: %s\n' \
			"$from" "$subject" "$date"
		for h in "$@"; do printf '%s\n' "$h"; done
		printf '\n'
		head -c "$size" /dev/zero | tr '\0' x | fold -w 70
		printf '\n'
	} >"$file"
}

test_expect_success 'setup: account, Dovecot, seeded folders, helper, proxy' '
	write_conf &&
	tuimailctl domain add example.com &&
	echo jane-pw-1 | tuimailctl account add jane@example.com --quota 10 &&
	make_certs >/dev/null 2>&1 &&
	srv_free_port IMAPS_PORT &&
	DOVECOT_EXTRA_CONF="
ssl = yes
ssl_cert = <$TEST_DIR/srv.pem
ssl_key = <$TEST_DIR/srv.key
service imap-login {
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
  }
}" &&
	dovecot_start "$TEST_DIR/dovecot" "$TEST_DIR/db/tuimail.db" &&
	mkdir inbox threads bulk &&
	msg inbox/0001.eml "=?UTF-8?Q?Carol_M=C3=BCller?= <carol@example.com>" \
		banana "Wed, 3 Jan 2024 10:00:00 +0000" 300 \
		"Message-ID: <i1@example.com>" &&
	msg inbox/0002.eml "alice@example.com" "Re: apple" \
		"Fri, 5 Jan 2024 10:00:00 +0000" 100 &&
	msg inbox/0003.eml "\"Doe, Bob\" <bob@example.com>" cherry \
		"Mon, 1 Jan 2024 10:00:00 +0000" 500 &&
	msg inbox/0004.eml "Dave <dave@example.com>" date \
		"Thu, 4 Jan 2024 10:00:00 +0000" 20 &&
	msg inbox/0005.eml "Erin <erin@example.com>" elder \
		"Tue, 2 Jan 2024 01:00:00 -0500 (EST)" 1000 &&
	mv inbox/0002.eml inbox/0002.eml:2,S &&
	mv inbox/0004.eml inbox/0004.eml:2,S &&
	mv inbox/0003.eml inbox/0003.eml:2,F &&
	test "$(deliver_bulk jane@example.com inbox)" = 5 &&
	msg threads/0001.eml "Ann <ann@example.com>" Plan \
		"Mon, 1 Jan 2024 10:00:00 +0000" 10 "Message-ID: <a@example.com>" &&
	msg threads/0002.eml "Bob <bob@example.com>" "Re: Plan" \
		"Tue, 2 Jan 2024 10:00:00 +0000" 10 "Message-ID: <b@example.com>" \
		"In-Reply-To: <a@example.com>" "References: <a@example.com>" &&
	msg threads/0003.eml "Ann <ann@example.com>" "Re: Plan" \
		"Wed, 3 Jan 2024 10:00:00 +0000" 10 "Message-ID: <c@example.com>" \
		"In-Reply-To: <b@example.com>" \
		"References: <a@example.com> <b@example.com>" &&
	msg threads/0004.eml "Cy <cy@example.com>" "Re: Plan" \
		"Thu, 4 Jan 2024 10:00:00 +0000" 10 "Message-ID: <d@example.com>" \
		"In-Reply-To: <a@example.com>" "References: <a@example.com>" &&
	msg threads/0005.eml "Dee <dee@example.com>" Other \
		"Tue, 2 Jan 2024 12:00:00 +0000" 10 "Message-ID: <e@example.com>" &&
	msg threads/0006.eml "Eve <eve@example.com>" "Re: Lost" \
		"Fri, 5 Jan 2024 10:00:00 +0000" 10 "Message-ID: <f@example.com>" \
		"In-Reply-To: <gone@example.com>" "References: <gone@example.com>" &&
	msg threads/0007.eml "Fay <fay@example.com>" "Re: Lost" \
		"Sat, 6 Jan 2024 10:00:00 +0000" 10 "Message-ID: <g@example.com>" \
		"In-Reply-To: <gone@example.com>" "References: <gone@example.com>" &&
	test "$(deliver_bulk jane@example.com threads Threads)" = 7 &&
	for i in $(seq 100); do
		msg bulk/$(printf %04d $i).eml "Sender $i <s$i@example.com>" \
			"bulk $i" "Mon, 1 Jan 2024 10:00:00 +0000" $i
	done &&
	test "$(deliver_bulk jane@example.com bulk Bulk)" = 100 &&
	cc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$TOP" \
		-o index-check "$TEST_SRC/index-check.c" "$BUILD/libindex.a" \
		"$BUILD/libutil.a" \
		$(pkg-config --libs ncursesw gnutls gmime-3.0 libxml-2.0 sqlite3) \
		-letpan &&
	proxy_start
'

test_expect_success 'folders: counts, special uses, INBOX first' '
	ix "create Archive" folders >out &&
	cat >expect <<-\EOF &&
	INBOX|INBOX|inbox|5|3|0
	Archive|Archive|archive|0|0|0
	Bulk|Bulk|-|100|100|0
	Drafts|Drafts|drafts|0|0|0
	Junk|Junk|junk|0|0|0
	Sent|Sent|sent|0|0|0
	Threads|Threads|-|7|7|0
	Trash|Trash|trash|0|0|0
	EOF
	test_cmp expect out &&
	wire >w && test_grep "LIST \"\" \"\\*\" RETURN (SPECIAL-USE)" w &&
	test "$(grep -c " STATUS " w)" = 8
'

test_expect_success 'SORT: arrival, date, from, subject, size, each reversed' '
	check_sort arrival 1 2 3 4 5 &&
	check_sort date 3 5 1 4 2 &&
	check_sort from 2 3 1 4 5 &&
	check_sort subject 2 1 3 4 5 &&
	check_sort size 4 2 1 3 5 &&
	wire >w && test_grep "UID SORT (REVERSE DATE) UTF-8 ALL" w &&
	test_grep "UID SEARCH ALL" w
'

test_expect_success 'limits: unseen and flagged' '
	ix "open INBOX arrival unseen" order "open INBOX date flagged" order >out &&
	test "$(sed -n 2p out)" = "order 1 3 5" &&
	test "$(sed -n 4p out)" = "order 3"
'

test_expect_success 'envelopes: raw header text, dates in UTC seconds' '
	ix "open INBOX" "fetch 0 5" "rows 0 5" >out &&
	d1=$(date -u -d "2024-01-03 10:00:00" +%s) &&
	d5=$(date -u -d "2024-01-02 06:00:00" +%s) &&
	test_grep "^row 0 uid 1 - [0-9]* $d1 [0-9]* =?UTF-8?Q?Carol_M=C3=BCller?= <carol@example.com> | banana\$" out &&
	test_grep "^row 1 uid 2 S [0-9]* [0-9]* [0-9]* alice@example.com | Re: apple\$" out &&
	test_grep "^row 2 uid 3 F [0-9]* [0-9]* [0-9]* \"Doe, Bob\" <bob@example.com> | cherry\$" out &&
	test_grep "^row 4 uid 5 - [0-9]* $d5 " out
'

test_expect_success 'THREAD REFERENCES: the tree, a rootless thread, reversed' '
	ix "open Threads threaded" tree "open Threads threaded reverse" tree >out &&
	test "$(sed -n 2p out)" = "tree 1:0:3 2:1:1 3:2:0 4:1:0 5:0:0 6:0:1 7:1:0" &&
	test "$(sed -n 4p out)" = "tree 6:0:1 7:1:0 5:0:0 1:0:3 2:1:1 3:2:0 4:1:0" &&
	wire >w && test_grep "UID THREAD REFERENCES UTF-8 ALL" w
'

test_expect_success 'envelopes are fetched for the window only, in one command' '
	rm -f cache.db* && wire_reset &&
	ix "open Bulk" "fetch 40 10" "rows 38 14" >out &&
	test_grep "^row 38 uid 39 -\$" out &&
	test_grep "^row 39 uid 40 -\$" out &&
	test_grep "^row 40 uid 41 - [0-9]* .* Sender 41 <s41@example.com> | bulk 41\$" out &&
	test_grep "^row 49 uid 50 - .* | bulk 50\$" out &&
	test_grep "^row 50 uid 51 -\$" out &&
	wire >w && grep FETCH w >fetches &&
	test "$(wc -l <fetches)" = 1 &&
	test_grep "UID FETCH 41:50 (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)" fetches
'

test_expect_success 'a second open serves the window from the cache: no FETCH' '
	wire_reset &&
	ix "open Bulk" "fetch 40 10" "rows 40 10" >out &&
	test "$(grep -c "^row .* | bulk" out)" = 10 &&
	wire >w && ! grep -q FETCH w &&
	wire_reset &&
	ix "open Bulk" "fetch 45 10" >out &&
	wire >w && grep FETCH w >fetches &&
	test_grep "UID FETCH 51:55 (UID FLAGS" fetches
'

test_expect_success 'an unchanged folder opens with its order from the cache' '
	ix "open Threads date" order "open Threads threaded" >out &&
	test "$(sed -n 2p out)" = "order 1 2 5 3 4 6 7" &&
	wire >w && test_grep "UID SORT (DATE)" w &&
	wire_reset &&
	ix "open Threads date" order "open Threads threaded" tree >out &&
	test "$(sed -n 2p out)" = "order 1 2 5 3 4 6 7" &&
	test "$(sed -n 4p out)" = "tree 1:0:3 2:1:1 3:2:0 4:1:0 5:0:0 6:0:1 7:1:0" &&
	wire >w && ! grep -q -E "UID (SORT|THREAD)" w
'

test_expect_success 'flags change the order of unseen only; a new message all' '
	poke Threads 1 +\\Seen &&
	wire_reset &&
	ix "open Threads date" "open Threads date unseen" order >out &&
	test "$(sed -n 3p out)" = "order 2 5 3 4 6 7" &&
	wire >w && test "$(grep -c "UID SORT" w)" = 1 &&
	test_grep "UID SORT (DATE) UTF-8 UNSEEN" w &&
	poke Threads 2 +\\Seen &&
	wire_reset &&
	ix "open Threads date unseen" order >out &&
	test "$(sed -n 2p out)" = "order 5 3 4 6 7" &&
	wire >w && test_grep "UID SORT (DATE) UTF-8 UNSEEN" w &&
	ix "open Threads" "copy 5 Threads" &&
	wire_reset &&
	ix "open Threads date" order >out &&
	test "$(sed -n 2p out)" = "order 1 2 5 8 3 4 6 7" &&
	wire >w && test_grep "UID SORT (DATE) UTF-8 ALL" w
'

test_expect_success 'CONDSTORE: a flag set elsewhere reaches the cache' '
	poke Bulk 42 +\\Flagged &&
	wire_reset &&
	ix "open Bulk" "fetch 40 10" "rows 41 1" >out &&
	test_grep "^row 41 uid 42 F " out &&
	wire >w && test_grep "UID FETCH 1:\\* (UID FLAGS) (CHANGEDSINCE [0-9]*)" w &&
	! grep -q ENVELOPE w
'

test_expect_success 'a new UIDVALIDITY (folder recreated) drops the cache' '
	ix "open Bulk" info >before &&
	ix "rmdir Bulk" &&
	test "$(deliver_bulk jane@example.com bulk Bulk)" = 100 &&
	wire_reset &&
	ix "open Bulk" "fetch 40 10" "rows 41 1" >out &&
	test "$(sed -n 1p before | sed "s/ uidnext.*//")" != \
		"$(sed -n 1p out | sed "s/ uidnext.*//")" &&
	test_grep "^row 41 uid 42 - " out &&
	wire >w && test_grep "UID FETCH 41:50 (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)" w &&
	test "$(sqlite3 cache.db "SELECT count(*) FROM envelopes WHERE folder = '\''Bulk'\''")" = 10
'

test_expect_success 'flags set and cleared are seen by another client' '
	test "$(peek INBOX 2)" = "\\Seen" &&
	ix "open INBOX" "fetch 0 5" "flag 1 +flagged" "flag 2 -seen" \
		"flag 5 +seen" "flag 5 +answered" "rows 0 5" >out &&
	test "$(peek INBOX 1)" = "\\Flagged" &&
	test "$(peek INBOX 2)" = "" &&
	test "$(peek INBOX 5)" = "\\Answered \\Seen" &&
	test_grep "^row 0 uid 1 F " out &&
	test_grep "^row 1 uid 2 - " out &&
	test_grep "^row 4 uid 5 SA " out &&
	ix "open INBOX" "fetch 0 5" "rows 0 5" >out &&
	test_grep "^row 0 uid 1 F " out &&
	test_grep "^row 4 uid 5 SA " out &&
	wire >w && test_grep "UID STORE 1 +FLAGS.SILENT (\\\\Flagged)" w
'

test_expect_success 'copy, move, delete and expunge' '
	ix "open INBOX" "copy 1 Archive" "move 2,3 Archive" \
		"store 4 +deleted" "expunge 4" order >out &&
	test "$(imap_count jane@example.com jane-pw-1 INBOX)" = 2 &&
	test "$(imap_count jane@example.com jane-pw-1 Archive)" = 3 &&
	wire >w && test_grep "UID MOVE 2:3 Archive" w &&
	test_grep "UID EXPUNGE 4" w &&
	ix "open INBOX" order "open Archive date" order >out &&
	test "$(sed -n 2p out)" = "order 1 5" &&
	test "$(sed -n 4p out)" = "order 3 1 2"
'

test_expect_success 'refresh sees messages come and go' '
	ix "open INBOX" "fetch 0 2" "copy 5 INBOX" "store 1 +deleted" \
		"expunge 1" refresh order "rows 0 2" >out &&
	test_grep "^refresh changed=1 count=2 exists=2\$" out &&
	test_grep "^order 5 6\$" out &&
	test_grep "^row 0 uid 5 SA " out &&
	test_grep "^row 1 uid 6 -\$" out &&
	test "$(sqlite3 cache.db "SELECT count(*) FROM envelopes WHERE folder = '\''INBOX'\'' AND uid = 1")" = 0
'

test_expect_success 'folders: create, rename and delete, names in UTF-8' '
	ix "create Projets/Été" folders >out &&
	test_grep "^Projets/&AMk-t&AOk-|Projets/Été|-|0|0|0\$" out &&
	ix "rename Projets/Été Projets/Hiver" folders >out &&
	test_grep "^Projets/Hiver|Projets/Hiver|" out &&
	! grep -q "Été" out &&
	ix "rmdir Projets/Hiver" folders >out &&
	! grep -q Projets out &&
	{ ix "rmdir Nowhere" >out; test $? = 3; } &&
	test_grep "^error: .127.0.0.1. refused DELETE: .*Nowhere" out
'

test_expect_success 'quota from GETQUOTAROOT INBOX' '
	ix quota >out &&
	q=$(imap_quota jane@example.com jane-pw-1) &&
	test "$(cat out)" = "quota 1 ${q% *} 10240"
'

test_expect_success 'IDLE sees a message delivered meanwhile within 2 s' '
	(ix "open INBOX" "idle 10" refresh "fetch 0 5" "rows 0 5" >idle.out &) &&
	for _ in $(seq 50); do grep -q "^info" idle.out 2>/dev/null && break; sleep 0.1; done &&
	sleep 0.5 &&
	msg new.eml "Newman <new@example.com>" "fresh news" \
		"Sat, 6 Jan 2024 10:00:00 +0000" 10 &&
	deliver_lmtp jane@example.com new.eml &&
	delivered=$(date +%s%3N) &&
	for _ in $(seq 100); do grep -q "^row 2" idle.out && break; sleep 0.1; done &&
	cat idle.out &&
	test_grep "^idle woke=1 changed=1 " idle.out &&
	at=$(sed -n "s/^idle.* at=//p" idle.out) &&
	test $((at - delivered)) -lt 2000 &&
	test_grep "^refresh changed=1 count=3 exists=3\$" idle.out &&
	test_grep "^row 2 uid 7 - .* Newman <new@example.com> | fresh news\$" idle.out
'

test_expect_success 'IDLE wakes at once for news that came with its start' '
	(ix "open INBOX" "sleep 1000" "idle 5" refresh >idle2.out &) &&
	for _ in $(seq 50); do grep -q "^info" idle2.out 2>/dev/null && break; sleep 0.1; done &&
	msg new2.eml "Newman <new@example.com>" "more news" \
		"Sun, 7 Jan 2024 10:00:00 +0000" 10 &&
	deliver_lmtp jane@example.com new2.eml &&
	for _ in $(seq 100); do grep -q "^refresh" idle2.out && break; sleep 0.1; done &&
	cat idle2.out &&
	test_grep "^idle woke=1 changed=1 " idle2.out &&
	ms=$(sed -n "s/^idle.* ms=\([0-9]*\) .*/\1/p" idle2.out) &&
	test "$ms" -lt 1000 &&
	test_grep "^refresh changed=1 count=4 exists=4\$" idle2.out
'

test_expect_success 'over TLS: folders, a sorted window, IDLE' '
	ixs folders "open INBOX date reverse" "fetch 0 2" "rows 0 2" >out &&
	test_grep "^INBOX|INBOX|inbox|4|" out &&
	test_grep "^row 0 uid 8 - .* | more news\$" out &&
	(ixs "open INBOX" "idle 10" >idle3.out &) &&
	for _ in $(seq 50); do grep -q "^info" idle3.out 2>/dev/null && break; sleep 0.1; done &&
	sleep 0.5 &&
	deliver_lmtp jane@example.com new2.eml &&
	delivered=$(date +%s%3N) &&
	for _ in $(seq 100); do grep -q "^idle" idle3.out && break; sleep 0.1; done &&
	cat idle3.out &&
	test_grep "^idle woke=1 changed=1 " idle3.out &&
	at=$(sed -n "s/^idle.* at=//p" idle3.out) &&
	test $((at - delivered)) -lt 2000
'

test_expect_success 'a whole message, unread stays unread' '
	ix "open INBOX" "message 7 m7.eml" >out &&
	test_grep "^message 7 [0-9]*\$" out &&
	test "$(wc -c <m7.eml)" = "$(sed -n 2p out | cut -d" " -f3)" &&
	test_grep "^Subject: fresh news" m7.eml &&
	test "$(peek INBOX 7)" = "" &&
	{ ix "open INBOX" "message 999" >out; test $? = 3; } &&
	test_grep "^error: .127.0.0.1. has no message with UID 999" out
'

test_expect_success 'our own move, expunge and flags change the order in place, new mail too; MODSEQ moves on' '
	wire_reset &&
	ix "open INBOX arrival reverse" "fetch 0 5" order "move 9 Archive" \
		"gone 9" "store 8 +deleted" "expunge 8" "gone 8" \
		"store 5,6 +flagged" "noted 5,6 +flagged" refresh order \
		"copy 7 INBOX" refresh order "rows 0 1" >out &&
	cat out && wire >w1 && cat w1 &&
	test_grep "^order 9 8 7 6 5\$" out &&
	test_grep "^refresh changed=0 count=3 exists=3\$" out &&
	test_grep "^order 7 6 5\$" out &&
	test_grep "^refresh changed=1 count=4 exists=4\$" out &&
	test_grep "^order 10 7 6 5\$" out &&
	test_grep "^row 0 uid 10 " out &&
	test "$(grep -c "UID SEARCH ALL\|UID SORT" w1)" = 1 &&
	test_grep "STATUS INBOX (HIGHESTMODSEQ)" w1 &&
	m1=$(grep -o "CHANGEDSINCE [0-9]*" w1 | sed -n 1p | cut -d" " -f2) &&
	m2=$(grep -o "CHANGEDSINCE [0-9]*" w1 | sed -n 2p | cut -d" " -f2) &&
	test "$m2" -gt "$m1" &&
	test_grep "UID SEARCH UID 10:\\*" w1 &&
	test "$(sqlite3 cache.db "SELECT count(*) FROM envelopes WHERE folder = '\''INBOX'\'' AND uid IN (8, 9)")" = 0 &&
	test "$(sqlite3 cache.db "SELECT flags & 4 FROM envelopes WHERE folder = '\''INBOX'\'' AND uid = 5")" = 4 &&
	wire_reset && ix "open INBOX arrival reverse" order >out &&
	test_grep "^order 10 7 6 5\$" out &&
	wire >w && ! grep -q "UID SEARCH\|UID SORT" w
'

test_expect_success 'the cache file is private' '
	test "$(stat -c %a cache.db)" = 600 &&
	test "$(sqlite3 cache.db "PRAGMA user_version")" = 2
'

test_done
