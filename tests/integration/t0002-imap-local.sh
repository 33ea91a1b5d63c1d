#!/usr/bin/env bash
# tuimail in local mode against a private Dovecot, driven in tmux: the
# INBOX list and counts, the status bar through a resize, q, a wrong
# password. Then
# index/imap.c's TLS verification and login verdicts, through tuimail and
# through the imap-check helper (tests/integration/imap-check.c).
test_description='tuimail local mode and IMAP over TLS, verified'
. "$(dirname "$0")/lib.sh"

TMUX_SOCKET=tuimail-$$
tm() { tmux -L "$TMUX_SOCKET" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; test_cleanup' EXIT

# Dovecot's per-address penalty after a failed login would slow every later
# login from 127.0.0.1, so the helper's wrong passwords travel with an
# originating address of their own (ID x-originating-ip, trusted from
# loopback), and tuimail's own wrong password comes last.

# tui_screen: the pane as text, one line per row.
tui_screen() { tm capture-pane -p -t tui >screen 2>/dev/null; }

# tui_wait PATTERN: polls the pane for up to 5 s until a row matches.
tui_wait() {
	local i
	for i in $(seq 50); do
		tui_screen && grep -q -e "$1" screen && return 0
		sleep 0.1
	done
	echo "the screen never showed '$1':"
	cat screen
	return 1
}

# wait_exit: waits for up to 5 s for tuimail to end; prints its status.
wait_exit() {
	local i
	for i in $(seq 50); do
		[ -s tui.rc ] && cat tui.rc && return 0
		sleep 0.1
	done
	echo "tuimail did not exit" >&2
	return 1
}

# tui ARGS...: starts tuimail in a new 100x30 tmux session named "tui";
# its exit status lands in tui.rc when it ends.
tui() {
	rm -f tui.rc
	tm kill-session -t tui >/dev/null 2>&1
	printf '#!/bin/sh\n"%s" "$@"\necho $? >"%s/tui.rc"\n' \
		"$BUILD/tuimail" "$TEST_DIR" >run-tui
	chmod +x run-tui
	tm new-session -d -s tui -x 100 -y 30 "$TEST_DIR/run-tui $*"
}

# tui_login PASSWORD ARGS...: tui, then types PASSWORD at the prompt.
tui_login() {
	local pw=$1
	shift
	tui "$@" &&
	tui_wait "^Password for jane@example.com:" &&
	tm send-keys -t tui "$pw" Enter
}

# check ARGS...: the imap-check helper, the password on stdin ($PW).
check() { printf '%s\n' "${PW:-jane-pw-1}" | ./imap-check "$@"; }

# Serves scripted IMAP answers on a free port written to fake-MODE.port:
# silent (never greets), unavailable (NO [UNAVAILABLE] to LOGIN), inject
# (data after the OK to STARTTLS).
fake_imap() {
	cat >fake-imap.py <<'PY'
import socket, sys, time
mode, portfile = sys.argv[1], sys.argv[2]
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(4)
with open(portfile, 'w') as f:
    f.write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    if mode == 'silent':
        time.sleep(30)
        c.close()
        continue
    c.sendall(b'* OK [CAPABILITY IMAP4rev1 STARTTLS] fake\r\n')
    for line in c.makefile('rb'):
        words = line.split()
        tag, cmd = words[0], words[1].upper()
        if cmd == b'LOGIN':
            c.sendall(tag + b' NO [UNAVAILABLE] Temporary authentication failure.\r\n')
        elif cmd == b'STARTTLS':
            c.sendall(tag + b' OK Begin TLS now\r\n* OK [CAPABILITY IMAP4rev1] injected\r\n')
        elif cmd == b'LOGOUT':
            c.sendall(b'* BYE bye\r\n' + tag + b' OK done\r\n')
            break
        else:
            c.sendall(tag + b' BAD unknown\r\n')
    c.close()
PY
	rm -f "fake-$1.port"
	"$SRV_PYTHON" fake-imap.py "$1" "fake-$1.port" </dev/null >/dev/null 2>&1 &
	test_track_pid $!
	for i in $(seq 50); do
		[ -s "fake-$1.port" ] && return 0
		sleep 0.1
	done
	return 1
}

# door_tui PREV_ADDR: runs tuimail in door mode under a stand-in door
# (fake-door.py) that answers hello with the IMAP account and
# login-record with a login at 1700000000 from PREV_ADDR; it logs the
# requests to door.log. The display name and address are hostile.
door_tui() {
	cat >fake-door.py <<'PY'
import os, socket, struct, subprocess, sys
tuimail, rc_file, log_file, prev_addr = sys.argv[1:5]
env = os.environ
ui, door = socket.socketpair()
if door.fileno() == 3:
    door2 = door.dup()
    door.close()
    door = door2
if ui.fileno() != 3:
    os.dup2(ui.fileno(), 3)
os.set_inheritable(3, True)
proc = subprocess.Popen([tuimail], pass_fds=(3,))
if ui.fileno() != 3:
    os.close(3)
ui.close()
log = open(log_file, 'w')
def s(v):
    v = v.encode()
    return struct.pack('>I', len(v)) + v
def send(t, body):
    door.sendall(struct.pack('>IH', len(body) + 2, t) + body)
f = door.makefile('rb')
while True:
    h = f.read(6)
    if len(h) < 6:
        break
    n, t = struct.unpack('>IH', h)
    f.read(n - 2)
    log.write('%d\n' % t)
    log.flush()
    if t == 2:
        body = b''.join(s(x) for x in [
            'jane@example.com\x1b[2J', 'Jane', env['CLIENT_ADDR'], '/nonexistent',
            'default', 'default', '127.0.0.1', '', 'jane@example.com',
            env['DOOR_PASS'], '127.0.0.1'])
        body += struct.pack('>9I', int(env['IMAP_PORT']), 2, 0, 0, 2, 0, 0, 0, 0)
        send(3, body)
    elif t == 4:
        send(5, struct.pack('>Q', 1700000000) + s(prev_addr))
    else:
        send(1, s('unknown request'))
rc = proc.wait()
open(rc_file, 'w').write('%d\n' % rc)
PY
	rm -f tui.rc door.log
	tm kill-session -t tui >/dev/null 2>&1
	printf '%s\n' "$1" >prev-addr
	tm new-session -d -s tui -x 100 -y 30 \
		-e CLIENT_ADDR=192.0.2.55 -e DOOR_PASS=jane-pw-1 \
		-e IMAP_PORT="$IMAP_PORT" \
		"$SRV_PYTHON $TEST_DIR/fake-door.py $BUILD/tuimail $TEST_DIR/tui.rc $TEST_DIR/door.log \"\$(cat $TEST_DIR/prev-addr)\""
}

# A CA, a server certificate from it for localhost and 127.0.0.1, and a
# Dovecot that serves it on an imaps port (127.0.0.1 and 127.0.0.2) and
# with STARTTLS on the plain one.
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
		"subjectAltName=DNS:localhost,IP:127.0.0.1" >srv.ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 2 -extfile srv.ext -out srv.pem
}

test_expect_success 'setup: accounts, certificates, Dovecot with TLS, mail' '
	write_conf &&
	tuimailctl domain add example.com &&
	echo jane-pw-1 | tuimailctl account add jane@example.com &&
	make_certs &&
	srv_free_port IMAPS_PORT &&
	DOVECOT_EXTRA_CONF="
ssl = yes
ssl_cert = <$TEST_DIR/srv.pem
ssl_key = <$TEST_DIR/srv.key
service imap-login {
  inet_listener imaps {
    address = 127.0.0.1 127.0.0.2
    port = $IMAPS_PORT
  }
}" &&
	dovecot_start "$TEST_DIR/dovecot" "$TEST_DIR/db/tuimail.db" &&
	mkdir seed &&
	for i in 1 2 3 4 5 6 7; do
		printf "From: bob@example.com\nSubject: m%s\n\nbody %s\n" $i $i >seed/000$i.eml
	done &&
	mv seed/0002.eml seed/0002.eml:2,S &&
	mv seed/0005.eml seed/0005.eml:2,S &&
	mv seed/0006.eml seed/0006.eml:2,FS &&
	deliver_bulk jane@example.com seed &&
	test "$(imap_count jane@example.com jane-pw-1 INBOX)" = 7 &&
	cc -std=gnu11 -D_GNU_SOURCE -I"$TOP" -o imap-check \
		"$TEST_SRC/imap-check.c" "$BUILD/libindex.a" \
		"$BUILD/libutil.a" $(pkg-config --libs gnutls) -letpan
'

test_expect_success 'the first screen lists INBOX, the status bar has its counts' '
	tui_login jane-pw-1 --imap-host 127.0.0.1 --imap-port "$IMAP_PORT" \
		--security none --user jane@example.com &&
	tui_wait "INBOX: 1/7 (4 unread)" &&
	sed -n 30p screen >bar &&
	test_grep "^ jane@example.com  INBOX: 1/7 (4 unread)  online" bar &&
	test "$(grep -c " m[1-7] " screen)" = 7 &&
	sed -n 2p screen >row && test_grep "^N  .* bob@example.com  *m7 " row &&
	! grep -q jane-pw-1 screen
'

test_expect_success 'the status bar is on the last row: 100x30' '
	tui_screen &&
	test "$(wc -l <screen)" = 30 &&
	sed -n 30p screen >bar &&
	test_grep "^ jane@example.com  INBOX: .*  100x30  ?:help Q:quit *\$" bar
'

test_expect_success 'after a resize it is redrawn on the new last row' '
	tm resize-window -t tui -x 80 -y 24 &&
	tui_wait "80x24  ?:help Q:quit" &&
	test "$(wc -l <screen)" = 24 &&
	sed -n 24p screen >bar &&
	test_grep "^ jane@example.com  INBOX: 1/7 (4 unread)  .*  80x24  ?:help Q:quit *\$" bar &&
	test "$(grep -c "Q:quit" screen)" = 1
'

test_expect_success 'q ends tuimail with status 0' '
	tm send-keys -t tui q &&
	test "$(wait_exit)" = 0
'

test_expect_success 'usage errors exit 2' '
	"$BUILD/tuimail" --imap-host 127.0.0.1 </dev/null 2>err; test $? = 2 &&
	test_grep "^usage: tuimail" err &&
	"$BUILD/tuimail" --security ssl --imap-host h --user u </dev/null 2>err
	test $? = 2 &&
	"$BUILD/tuimail" 2>err 3>&-; test $? = 2 &&
	test_grep "no door on fd 3" err
'

test_expect_success 'door mode: hello, IMAP login, login record, last login shown' '
	door_tui "$(printf "198.51.100.7\033]0;pwned\007\033[31m")" &&
	tui_wait "^Last login: " &&
	sed -n 30p screen >bar &&
	test_grep "^ jane@example.com\[2J  INBOX: 1/7 (4 unread)" bar &&
	when=$(date -d @1700000000 "+%Y-%m-%d %H:%M") &&
	test_grep "^Last login: $when from 198.51.100.7]0;pwned\[31m\$" screen &&
	test "$(tm display-message -p -t tui "#{pane_title}")" != pwned &&
	printf "2\n4\n" >expect && head -n 2 door.log >first &&
	test_cmp expect first &&
	# Later hellos only: the search mirror logs in on its own.
	! sed 1,2d door.log | grep -vx 2 &&
	grep "Login: user=<jane@example.com>" "$DOVECOT_LOG" >logins &&
	test_grep "rip=192.0.2.55" logins &&
	tm send-keys -t tui q &&
	test "$(wait_exit)" = 0
'

test_expect_success 'helper: TLS with the CA file logs in, by IP and by name' '
	check -c ca.pem 127.0.0.1 "$IMAPS_PORT" jane@example.com >out &&
	test_grep "^accepted$" out &&
	check -c ca.pem localhost "$IMAPS_PORT" jane@example.com >out &&
	test_grep "^accepted$" out &&
	check -c ca.pem -m INBOX localhost "$IMAPS_PORT" jane@example.com >out &&
	test_grep "^7 4$" out
'

test_expect_success 'helper: the system trust store does not know the CA' '
	check 127.0.0.1 "$IMAPS_PORT" jane@example.com >out; test $? = 3 &&
	test_grep "^error: certificate of .127.0.0.1. not trusted: .*issuer is unknown" out
'

test_expect_success 'helper: a certificate for another name is refused' '
	check -c ca.pem 127.0.0.2 "$IMAPS_PORT" jane@example.com >out; test $? = 3 &&
	test_grep "^error: certificate of .127.0.0.2. not trusted: .*does not match" out
'

test_expect_success 'helper: without verification any certificate will do' '
	check -n 127.0.0.2 "$IMAPS_PORT" jane@example.com >out &&
	test_grep "^accepted$" out
'

test_expect_success 'helper: STARTTLS is verified the same way' '
	check -s starttls -c ca.pem 127.0.0.1 "$IMAP_PORT" jane@example.com >out &&
	test_grep "^accepted$" out &&
	check -s starttls 127.0.0.1 "$IMAP_PORT" jane@example.com >out; test $? = 3 &&
	test_grep "^error: certificate of .127.0.0.1. not trusted: .*issuer is unknown" out &&
	check -s starttls -n -m INBOX 127.0.0.1 "$IMAP_PORT" jane@example.com >out &&
	test_grep "^7 4$" out
'

test_expect_success 'helper: a bad CA file and plain text to a TLS port are errors' '
	echo "not a certificate" >bad.pem &&
	check -c bad.pem 127.0.0.1 "$IMAPS_PORT" jane@example.com >out; test $? = 3 &&
	test_grep "^error: cannot load CA file .bad.pem." out &&
	check -s tls -n 127.0.0.1 "$IMAP_PORT" jane@example.com >out; test $? = 3 &&
	test_grep "^error: TLS handshake with .127.0.0.1. failed" out
'

test_expect_success 'helper: a wrong password is refused, not an error, and ID names the client' '
	PW=wrong-pw check -s none -a 10.20.30.40 127.0.0.1 "$IMAP_PORT" jane@example.com >out
	test $? = 1 &&
	test_grep "^refused: .127.0.0.1. refused the login of .jane@example.com." out &&
	! grep -q wrong-pw out &&
	test_grep "rip=10.20.30.40" "$DOVECOT_LOG" &&
	check -s none -a 10.20.30.41 127.0.0.1 "$IMAP_PORT" jane@example.com >out &&
	test_grep "^accepted$" out &&
	grep "Login: user=<jane@example.com>" "$DOVECOT_LOG" >logins &&
	test_grep "rip=10.20.30.41" logins &&
	! grep -q -e wrong-pw -e jane-pw-1 "$DOVECOT_LOG"
'

test_expect_success 'helper: an unreachable server is an error, not a refusal' '
	srv_free_port CLOSED_PORT &&
	check -s none 127.0.0.1 "$CLOSED_PORT" jane@example.com >out; test $? = 3 &&
	test_grep "^error: cannot connect to .127.0.0.1:$CLOSED_PORT.: Connection refused$" out
'

test_expect_success 'helper: NO [UNAVAILABLE] to LOGIN is an error, not a refusal' '
	fake_imap unavailable &&
	check -s none 127.0.0.1 "$(cat fake-unavailable.port)" jane@example.com >out
	test $? = 3 &&
	test_grep "^error: .127.0.0.1. refused the login of .jane@example.com.: Temporary authentication failure" out
'

test_expect_success 'helper: data injected after STARTTLS is refused' '
	fake_imap inject &&
	check -s starttls -n 127.0.0.1 "$(cat fake-inject.port)" jane@example.com >out
	test $? = 3 &&
	test_grep "^error: .127.0.0.1. sent data after its answer to STARTTLS$" out
'

test_expect_success 'helper: a server that never answers times out in about 15 s' '
	fake_imap silent &&
	start=$(date +%s) &&
	check -s none 127.0.0.1 "$(cat fake-silent.port)" jane@example.com >out
	test $? = 3 &&
	took=$(($(date +%s) - start)) &&
	test_grep "^error: connection to .127.0.0.1. lost: timed out$" out &&
	test "$took" -ge 14 && test "$took" -le 20
'

test_expect_success 'tuimail over TLS with the CA file shows the counts' '
	tui_login jane-pw-1 --imap-host localhost --imap-port "$IMAPS_PORT" \
		--security tls --ca-file "$TEST_DIR/ca.pem" --user jane@example.com &&
	tui_wait "INBOX: 1/7 (4 unread)" &&
	tm send-keys -t tui q &&
	test "$(wait_exit)" = 0
'

test_expect_success 'tuimail over TLS without the CA shows why and quits on q' '
	tui_login jane-pw-1 --imap-host 127.0.0.1 --imap-port "$IMAPS_PORT" \
		--user jane@example.com &&
	tui_wait "^error: " &&
	test_grep "^ jane@example.com  INBOX: not available  offline" screen &&
	test_grep "certificate of .127.0.0.1. not trusted" screen &&
	test_grep "100x30  ?:help Q:quit" screen &&
	tm send-keys -t tui q &&
	test "$(wait_exit)" = 1
'

test_expect_success 'SIGHUP ends tuimail quietly' '
	tui_login jane-pw-1 --imap-host 127.0.0.1 --imap-port "$IMAP_PORT" \
		--security none --user jane@example.com &&
	tui_wait "INBOX:" &&
	pid=$(pgrep -P "$(tm display-message -p -t tui "#{pane_pid}")") &&
	kill -HUP "$pid" &&
	test "$(wait_exit)" = 1
'

test_expect_success 'tuimail with a wrong password shows the error, no crash' '
	tui_login wrong-pw-2 --imap-host 127.0.0.1 --imap-port "$IMAP_PORT" \
		--security none --user jane@example.com &&
	tui_wait "^error: " &&
	test_grep "refused the login of .jane@example.com." screen &&
	test_grep "^ jane@example.com  INBOX: not available" screen &&
	! grep -q wrong-pw-2 screen &&
	tm send-keys -t tui q &&
	test "$(wait_exit)" = 1
'

test_done
