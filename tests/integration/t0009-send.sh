#!/usr/bin/env bash
# Sending mail: index/compose.c builds, index/smtp.c submits to the private
# Dovecot submission service, which relays to the test relay and on into
# the recipients' INBOXes. Through the send-check helper
# (tests/integration/send-check.c): a message with non-ASCII subject, text
# and attachment name arrives once and decodes right (read with Python's
# email parser from the raw message fetched over IMAP); Bcc stays out of
# the message; a reply threads; bad passwords, bad recipients, a relay
# outage and bad certificates give messages a person can act on.
test_description='compose and SMTP submission'
. "$(dirname "$0")/lib.sh"

# send USER PASSWORD ARGS...: send-check on the plain submission port.
send() {
	local user=$1 pw=$2
	shift 2
	printf '%s\n' "$pw" |
		./send-check "$@" 127.0.0.1 "${SUBMISSION_PORT:-0}" "$user"
}

# jane ARGS...: send-check as jane; bob ARGS...: as bob.
jane() { send jane@example.com jane-pw-1 -f jane@example.com -F "Jäne Doe" "$@"; }
bob() { send bob@example.com bob-pw-1 -f bob@example.com -F "Bob" "$@"; }

# count USER PASS FOLDER: messages in FOLDER.
count() { imap_count "$1" "$2" "$3"; }

# fetch USER PASS N FILE: the raw message N of USER's INBOX into FILE.
fetch() {
	SRV_PASS=$2 "$SRV_PYTHON" - "$1" "$3" "$4" <<'PY'
import imaplib, os, sys
user, n, out = sys.argv[1], sys.argv[2], sys.argv[3]
m = imaplib.IMAP4('127.0.0.1', int(os.environ['IMAP_PORT']))
m.login(user, os.environ['SRV_PASS'])
m.select('INBOX', readonly=True)
typ, data = m.fetch(n, '(BODY.PEEK[])')
open(out, 'wb').write(data[0][1])
m.logout()
PY
}

# decode FILE: what Python's email parser reads in the raw message FILE,
# one "key: value" line each; the text is unflowed (RFC 3676) first.
decode() {
	"$SRV_PYTHON" - "$1" <<'PY'
import email, email.policy, hashlib, sys
msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(),
                               policy=email.policy.default)
for h in ('From', 'To', 'Cc', 'Bcc', 'Subject', 'In-Reply-To', 'References',
          'User-Agent', 'MIME-Version'):
    if msg[h] is not None:
        print('%s: %s' % (h.lower(), ' '.join(str(msg[h]).split())))
print('message-id: %s' % msg['Message-ID'])
print('date-ok: %s' % (msg['Date'].datetime is not None))
print('type: %s' % msg.get_content_type())
body = msg.get_body(preferencelist=('plain',))
print('body-type: %s; %s; %s' % (body.get_content_type(),
      body.get_param('charset'), body.get_param('format')))
print('body-cte: %s' % body['Content-Transfer-Encoding'])
# RFC 3676: quote marks, then one space of stuffing; a line ending in a
# space flows into the next line of the same depth ("-- " does not).
text, open_depth = '', None
for line in body.get_content().replace('\r\n', '\n').split('\n'):
    depth = len(line) - len(line.lstrip('>'))
    line = line[depth:]
    if line.startswith(' '):
        line = line[1:]
    if open_depth is not None and open_depth != depth:
        text += '\n'
    if open_depth is None or open_depth != depth:
        text += '>' * depth + (' ' if depth and line else '')
    if line.endswith(' ') and line != '-- ':
        text, open_depth = text + line, depth
    else:
        text, open_depth = text + line + '\n', None
open(sys.argv[1] + '.text', 'w').write(text.rstrip('\n') + '\n')
for part in msg.iter_attachments():
    data = part.get_content()
    if isinstance(data, str):
        data = data.encode()
    elif not isinstance(data, bytes):
        data = data.as_bytes()
    print('attachment: %s %s %d %s' % (part.get_filename(),
          part.get_content_type(), len(data),
          hashlib.sha256(data).hexdigest()[:16]))
PY
}

# Serves scripted SMTP answers on a free port written to fake-MODE.port:
# silent (greets, then never answers), inject (data after the 220 to
# STARTTLS); every connection is logged to fake-MODE.log.
fake_smtp() {
	cat >fake-smtp.py <<'PY'
import socket, sys, time
mode, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(4)
with open(portfile, 'w') as f:
    f.write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    open(log, 'a').write('connection\n')
    c.sendall(b'220 fake ESMTP\r\n')
    for line in c.makefile('rb'):
        open(log, 'a').write(line.decode(errors='replace'))
        if mode == 'silent':
            time.sleep(60)
            break
        cmd = line.split()[0].upper()
        if cmd == b'EHLO':
            c.sendall(b'250-fake\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n')
        elif cmd == b'STARTTLS':
            c.sendall(b'220 go ahead\r\n250 injected\r\n')
        elif cmd == b'QUIT':
            c.sendall(b'221 bye\r\n')
            break
        else:
            c.sendall(b'502 no\r\n')
    c.close()
PY
	rm -f "fake-$1.port"
	"$SRV_PYTHON" fake-smtp.py "$1" "fake-$1.port" "fake-$1.log" \
		</dev/null >/dev/null 2>&1 &
	test_track_pid $!
	for _ in $(seq 50); do
		[ -s "fake-$1.port" ] && return 0
		sleep 0.1
	done
	return 1
}

# The certificates of t0002: a CA, and a server certificate from it for
# localhost and 127.0.0.1 (not 127.0.0.2).
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

test_expect_success 'setup: accounts, certificates, Dovecot with submission over TLS, helper' '
	write_conf &&
	tuimailctl domain add example.com &&
	echo jane-pw-1 | tuimailctl account add jane@example.com &&
	echo bob-pw-1 | tuimailctl account add bob@example.com &&
	echo carol-pw-1 | tuimailctl account add carol@example.com &&
	make_certs &&
	srv_free_port SUBMISSIONS_PORT &&
	DOVECOT_EXTRA_CONF="
ssl = yes
ssl_cert = <$TEST_DIR/srv.pem
ssl_key = <$TEST_DIR/srv.key
service submission-login {
  inet_listener submissions {
    address = 127.0.0.1 127.0.0.2
    port = $SUBMISSIONS_PORT
    ssl = yes
  }
}" &&
	dovecot_start "$TEST_DIR/dovecot" "$TEST_DIR/db/tuimail.db" &&
	libs=$(make -s -C "$TOP" --no-print-directory \
		--eval="t0009-libs: ; @echo \$(TUI_LIBS)" t0009-libs) &&
	cc -std=gnu11 -D_GNU_SOURCE -I"$TOP" -o send-check \
		"$TEST_SRC/send-check.c" "$BUILD/libindex.a" \
		"$BUILD/libutil.a" $libs &&
	printf "Hällo Bob,\n\nGrüße aus Köln! This paragraph is long enough that format=flowed has to break it into several lines on the way, and the reader has to join them again.\n.\n.hidden dot line\nFrom here on\n  indented\n-- \nJäne\n" >body.txt &&
	head -c 200000 /dev/urandom >attachment.bin &&
	test "$(count bob@example.com bob-pw-1 INBOX)" = 0
'

test_expect_success 'jane sends bob non-ASCII subject, text and attachment name; Bcc to carol' '
	jane -T "Bob <bob@example.com>" -B carol@example.com \
		-S "Grüße aus Köln — Überraschung" -b body.txt \
		-A "attachment.bin:application/octet-stream:Bericht für März.bin" \
		-o sent.eml -P >out &&
	test_grep "^sent <[0-9a-f]*\.[0-9a-f]*@example.com>$" out &&
	test_grep "^progress [0-9]* calls, last \([0-9]*\) \1, message \1$" out &&
	test "$(count bob@example.com bob-pw-1 INBOX)" = 1 &&
	test "$(count carol@example.com carol-pw-1 INBOX)" = 1 &&
	test "$(count jane@example.com jane-pw-1 INBOX)" = 0
'

test_expect_success 'bob received it once, and it decodes right' '
	fetch bob@example.com bob-pw-1 1 got.eml &&
	decode got.eml >dec &&
	cat dec &&
	test_grep "^from: Jäne Doe <jane@example.com>$" dec &&
	test_grep "^to: Bob <bob@example.com>$" dec &&
	test_grep "^subject: Grüße aus Köln — Überraschung$" dec &&
	test_grep "^user-agent: tuimail$" dec &&
	test_grep "^mime-version: 1.0$" dec &&
	test_grep "^date-ok: True$" dec &&
	test_grep "^message-id: $(sed -n "s/^sent //p" out)$" dec &&
	test_grep "^type: multipart/mixed$" dec &&
	test_grep "^body-type: text/plain; utf-8; flowed$" dec &&
	test_grep "^body-cte: quoted-printable$" dec &&
	test_cmp body.txt got.eml.text &&
	sum=$(sha256sum attachment.bin | cut -c1-16) &&
	test_grep "^attachment: Bericht für März.bin application/octet-stream 200000 $sum$" dec &&
	! grep -q "^bcc:" dec && ! grep -qi "carol" got.eml
'

test_expect_success 'what bob got is byte for byte the Sent copy, under the servers headers' '
	size=$(stat -c %s sent.eml) &&
	tail -c "$size" got.eml >tail.eml &&
	cmp sent.eml tail.eml &&
	! grep -q "$(printf "[^\r]$")" sent.eml &&
	fetch carol@example.com carol-pw-1 1 carol.eml &&
	tail -c "$size" carol.eml | cmp sent.eml - &&
	! grep -qi "^bcc:" carol.eml
'

test_expect_success 'bob replies: Re: once, quoted under an attribution, In-Reply-To and References' '
	printf "Thanks, got it.\n" >reply.txt &&
	bob -r got.eml -k reply -b reply.txt -o reply.eml >out &&
	test_grep "^sent " out &&
	test "$(count jane@example.com jane-pw-1 INBOX)" = 1 &&
	fetch jane@example.com jane-pw-1 1 re.eml &&
	decode re.eml >dec &&
	cat dec re.eml.text &&
	parent=$(grep -i "^message-id:" sent.eml | sed "s/^[^:]*: *//" | tr -d "\r") &&
	test_grep "^to: Jäne Doe <jane@example.com>$" dec &&
	test_grep "^subject: Re: Grüße aus Köln — Überraschung$" dec &&
	test_grep "^in-reply-to: $parent$" dec &&
	test_grep "^references: $parent$" dec &&
	test_grep "^On .*, Jäne Doe wrote:$" re.eml.text &&
	test_grep "^> Hällo Bob,$" re.eml.text &&
	test_grep "^> Grüße aus Köln! This paragraph is long enough that format=flowed has to break it into several lines on the way, and the reader has to join them again.$" re.eml.text &&
	test_grep "^> \.hidden dot line$" re.eml.text &&
	test_grep "^>   indented$" re.eml.text &&
	! grep -q "Jäne$" re.eml.text &&
	test_grep "^Thanks, got it\.$" re.eml.text
'

test_expect_success 'jane replies to the reply: References grows, Re: is not doubled' '
	jane -r re.eml -k reply -b reply.txt -x -o rere.eml >out &&
	test_grep "^built " out &&
	decode rere.eml >dec &&
	reply=$(grep -i "^message-id:" reply.eml | sed "s/^[^:]*: *//" | tr -d "\r") &&
	parent=$(grep -i "^message-id:" sent.eml | sed "s/^[^:]*: *//" | tr -d "\r") &&
	test_grep "^subject: Re: Grüße aus Köln — Überraschung$" dec &&
	test_grep "^to: Bob <bob@example.com>$" dec &&
	test_grep "^in-reply-to: $reply$" dec &&
	test_grep "^references: $parent $reply$" dec &&
	test_grep "^>> Hällo Bob,$" rere.eml.text
'

test_expect_success 'reply-all leaves out the replying user and keeps the rest once' '
	jane -T "bob@example.com, Carol <carol@example.com>" \
		-C "BOB@example.com, dan@example.org" -S "team" -b reply.txt \
		-x -o team.eml >out &&
	bob -r team.eml -k reply-all -b reply.txt -x -o teamre.eml >out &&
	decode teamre.eml >dec &&
	test_grep "^to: Jäne Doe <jane@example.com>, Carol <carol@example.com>$" dec &&
	test_grep "^cc: dan@example.org$" dec &&
	! grep -i "^to:.*bob@\|^cc:.*bob@" dec
'

test_expect_success 'forward as attachment carries the original as message/rfc822' '
	bob -r got.eml -k attached -T carol@example.com -x -o fwd.eml >out &&
	decode fwd.eml >dec &&
	test_grep "^subject: Fwd: Grüße aus Köln — Überraschung$" dec &&
	test_grep "^attachment: .* message/rfc822 " dec
'

test_expect_success 'an invalid recipient is caught before any connection' '
	srv_free_port CLOSED_PORT &&
	printf "jane-pw-1\n" | ./send-check -f jane@example.com \
		-T "bob@example.com" -C "carol@example.com, bob@@example.com" \
		-S x 127.0.0.1 "$CLOSED_PORT" jane@example.com >out
	test $? = 4 &&
	test_grep "^invalid: cc 1 19 16: invalid address in Cc: .bob@@example.com.: " out &&
	printf "jane-pw-1\n" | ./send-check -f jane@example.com -T " , " -S x \
		127.0.0.1 "$CLOSED_PORT" jane@example.com >out
	test $? = 4 &&
	test_grep "^invalid: to 0 0 0: no recipient" out &&
	printf "jane-pw-1\n" | ./send-check -f jane@example.com -T bob@example.com \
		-S x 127.0.0.1 "$CLOSED_PORT" jane@example.com >out
	test $? = 3 &&
	test_grep "^error: cannot connect to .127.0.0.1:$CLOSED_PORT.: Connection refused$" out
'

test_expect_success 'a wrong password is a clear error without the password; XCLIENT names the client' '
	before=$(count bob@example.com bob-pw-1 INBOX) &&
	send jane@example.com wrong-pw-9 -a 10.9.9.9 -f jane@example.com \
		-T bob@example.com -S x >out
	test $? = 3 &&
	cat out &&
	test_grep "^error: the mail server refused the login of .jane@example.com.: 535 " out &&
	! grep -q wrong-pw-9 out &&
	! grep -q wrong-pw-9 "$DOVECOT_LOG" &&
	grep "auth failed" "$DOVECOT_LOG" >failed &&
	test_grep "submission-login: .*user=<jane@example.com>.*rip=10.9.9.9" failed &&
	test "$(count bob@example.com bob-pw-1 INBOX)" = "$before"
'

test_expect_success 'a recipient the server does not know is named in the error' '
	before=$(count bob@example.com bob-pw-1 INBOX) &&
	jane -T "bob@example.com, nobody@example.com" -S x >out
	test $? = 3 &&
	cat out &&
	test_grep "^error: the mail server refused recipient .nobody@example.com.: 5[0-9][0-9] " out &&
	test "$(count bob@example.com bob-pw-1 INBOX)" = "$before"
'

test_expect_success 'with the relay down sending fails clearly; after it returns, exactly one arrives' '
	before=$(count bob@example.com bob-pw-1 INBOX) &&
	smtp_relay_stop &&
	jane -T bob@example.com -S "during the outage" -b reply.txt >out
	test $? = 3 &&
	cat out &&
	test_grep "^error: the mail server cannot take the message now, try again later: 4[0-9][0-9] " out &&
	smtp_relay_start_again &&
	jane -T bob@example.com -S "during the outage" -b reply.txt >out &&
	test_grep "^sent " out &&
	test "$(count bob@example.com bob-pw-1 INBOX)" = $((before + 1))
'

test_expect_success 'TLS: the CA file verifies the submissions port, by IP and by name' '
	before=$(count bob@example.com bob-pw-1 INBOX) &&
	printf "jane-pw-1\n" | ./send-check -s tls -c ca.pem -f jane@example.com \
		-T bob@example.com -S "over TLS" 127.0.0.1 "$SUBMISSIONS_PORT" \
		jane@example.com >out &&
	test_grep "^sent " out &&
	printf "jane-pw-1\n" | ./send-check -s tls -c ca.pem -f jane@example.com \
		-T bob@example.com -S "over TLS" localhost "$SUBMISSIONS_PORT" \
		jane@example.com >out &&
	test_grep "^sent " out &&
	test "$(count bob@example.com bob-pw-1 INBOX)" = $((before + 2))
'

test_expect_success 'TLS: an unknown issuer and a wrong name are refused, before AUTH' '
	printf "jane-pw-1\n" | ./send-check -s tls -f jane@example.com \
		-T bob@example.com -S x 127.0.0.1 "$SUBMISSIONS_PORT" \
		jane@example.com >out
	test $? = 3 &&
	test_grep "^error: certificate of .127.0.0.1. not trusted: .*issuer is unknown" out &&
	printf "jane-pw-1\n" | ./send-check -s tls -c ca.pem -f jane@example.com \
		-T bob@example.com -S x 127.0.0.2 "$SUBMISSIONS_PORT" \
		jane@example.com >out
	test $? = 3 &&
	test_grep "^error: certificate of .127.0.0.2. not trusted: .*does not match" out &&
	printf "jane-pw-1\n" | ./send-check -s tls -n -f jane@example.com \
		-T bob@example.com -S "unverified" 127.0.0.2 "$SUBMISSIONS_PORT" \
		jane@example.com >out &&
	test_grep "^sent " out
'

test_expect_success 'STARTTLS on the plain port is verified the same way' '
	printf "jane-pw-1\n" | ./send-check -s starttls -c ca.pem -f jane@example.com \
		-T bob@example.com -S "STARTTLS" 127.0.0.1 "$SUBMISSION_PORT" \
		jane@example.com >out &&
	test_grep "^sent " out &&
	printf "jane-pw-1\n" | ./send-check -s starttls -f jane@example.com \
		-T bob@example.com -S x 127.0.0.1 "$SUBMISSION_PORT" \
		jane@example.com >out
	test $? = 3 &&
	test_grep "^error: certificate of .127.0.0.1. not trusted: .*issuer is unknown" out
'

test_expect_success 'data injected after the answer to STARTTLS is refused' '
	fake_smtp inject &&
	printf "jane-pw-1\n" | ./send-check -s starttls -n -f jane@example.com \
		-T bob@example.com -S x 127.0.0.1 "$(cat fake-inject.port)" \
		jane@example.com >out
	test $? = 3 &&
	test_grep "^error: .127.0.0.1. sent data before the TLS handshake$" out &&
	! grep -q AUTH fake-inject.log
'

test_expect_success 'a server that stops answering times out' '
	fake_smtp silent &&
	start=$(date +%s) &&
	printf "jane-pw-1\n" | ./send-check -t 3 -f jane@example.com \
		-T bob@example.com -S x 127.0.0.1 "$(cat fake-silent.port)" \
		jane@example.com >out
	test $? = 3 &&
	took=$(($(date +%s) - start)) &&
	test_grep "^error: connection to .127.0.0.1. lost: timed out$" out &&
	test "$took" -ge 2 && test "$took" -le 8
'

test_done
