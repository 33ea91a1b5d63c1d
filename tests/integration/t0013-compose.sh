#!/usr/bin/env bash
# The composer of issue 5 through the real ssh client in tmux: jane writes
# to bob with a non-ASCII subject and text, bob reads it in the pager and
# replies (quoted, threaded), a killed ssh client leaves every typed
# character in jane's Drafts, and with the SMTP relay down a send fails
# clearly, keeps the text and a draft; once the relay is back it goes,
# one copy in Sent, and the draft is gone.
test_description='composer: send, reply, drafts on hang-up and on failure'
. "$(dirname "$0")/lib.sh"

JPW=jane-pw-1
BPW=bob-pw-1

# imap_py USER PASS: another IMAP client runs the script on stdin.
imap_py() {
	SRV_PASS=$2 "$SRV_PYTHON" - "$1" <<<"import imaplib, os, sys, email, email.policy
m = imaplib.IMAP4('127.0.0.1', int(os.environ['IMAP_PORT']))
m.login(sys.argv[1], os.environ['SRV_PASS'])
$(cat)
m.logout()"
}

# show USER PASS FOLDER: "flags|subject|in-reply-to|references" of each
# message, then its text, as Python's email parser reads it.
show() {
	imap_py "$1" "$2" <<PY
m.select('"$3"', readonly=True)
typ, data = m.search(None, 'ALL')
for n in data[0].split():
    typ, d = m.fetch(n, '(FLAGS BODY.PEEK[])')
    msg = email.message_from_bytes(d[0][1], policy=email.policy.default)
    flags = d[0][0].decode().split('FLAGS (')[1].split(')')[0]
    print('%s|%s|%s|%s|%s' % (flags, msg['Subject'], msg['Message-ID'],
          msg['In-Reply-To'], ' '.join(str(msg['References'] or '').split())))
    body = msg.get_body(preferencelist=('plain',))
    print(body.get_content().replace('\r\n', '\n'))
PY
}

# login WINDOW USER PASS: an ssh session in tmux, at the message list.
login() {
	ssh_open "$1" "$2" &&
	wait_screen "$1" "Password:" 15 && keys "$1" "$3" Enter &&
	wait_screen "$1" "100x30" 20
}

# kill_ssh WINDOW: kills the ssh client of the window, as a lost laptop.
kill_ssh() {
	local pane
	pane=$(tmx display-message -p -t "$1" '#{pane_pid}') &&
	kill "$(pgrep -P "$pane" -x ssh)"
}

count() { imap_count "$@"; }

test_expect_success 'setup: jane and bob, Dovecot with submission, tuimaild' '
	write_conf && tuimailctl domain add example.com >/dev/null &&
	echo "$JPW" | tuimailctl account add jane@example.com >/dev/null &&
	echo "$BPW" | tuimailctl account add bob@example.com >/dev/null &&
	srv_free_port IMAP_FIXED &&
	DOVECOT_EXTRA_CONF="
service imap-login {
  inet_listener imap_fixed {
    address = 127.0.0.1
    port = $IMAP_FIXED
  }
}" &&
	dovecot_start "$TEST_DIR/dovecot" "$TEST_DIR/db/tuimail.db" &&
	port=$IMAP_PORT && IMAP_PORT=$IMAP_FIXED && tuimaild_start &&
	IMAP_PORT=$port &&
	test "$(count bob@example.com $BPW INBOX)" = 0
'

test_expect_success 'jane writes to bob: non-ASCII subject and text, confirmed, sent' '
	login J jane@example.com "$JPW" &&
	keys J m &&
	wait_screen J "^To:" &&
	wait_screen J "lines?, 0 words" &&
	keys J -l "bob@example.com" && keys J Tab Tab Tab &&
	keys J -l "Grüße aus Köln — Überraschung" && keys J Tab &&
	keys J -l "Hällo Bob, schöne Grüße!" && keys J Enter &&
	keys J -l "Zweite Zeile ✓" &&
	wait_screen J "Zweite Zeile ✓" &&
	wait_screen J "2 lines, 6 words" &&
	keys J C-x &&
	wait_screen J "Send to bob@example.com\\? \\(y/n\\)" &&
	keys J y &&
	wait_screen J "sent to 1 recipient" 20 &&
	test "$(count bob@example.com $BPW INBOX)" = 1 &&
	test "$(count jane@example.com $JPW Sent)" = 1 &&
	show bob@example.com $BPW INBOX >bob.txt && cat bob.txt &&
	grep -q "|Grüße aus Köln — Überraschung|<.*@example.com>|None|" bob.txt &&
	grep -qx "Hällo Bob, schöne Grüße!" bob.txt &&
	grep -qx "Zweite Zeile ✓" bob.txt &&
	show jane@example.com $JPW Sent >sent.txt &&
	grep -q "Seen[^|]*|Grüße aus Köln" sent.txt
'

test_expect_success 'bob sees it right in the pager and replies: quoted, threaded' '
	login B bob@example.com "$BPW" &&
	wait_screen B "Grüße aus Köln" &&
	keys B Enter &&
	wait_screen B "Hällo Bob, schöne Grüße!" &&
	keys B r &&
	wait_screen B "^Subject: Re: Grüße aus Köln — Überraschung" &&
	wait_screen B "^> Hällo Bob, schöne Grüße!" &&
	wait_screen B "^On .*Jane|^On .*jane@example.com" &&
	keys B -l "Danke, Jane!" &&
	keys B C-x && wait_screen B "Send to jane@example.com\\?" &&
	keys B y && wait_screen B "sent to 1 recipient" 20 &&
	test "$(count jane@example.com $JPW INBOX)" = 1 &&
	show jane@example.com $JPW INBOX >re.txt && cat re.txt &&
	id=$(sed -n "s/^[^|]*|Grüße[^|]*|\\(<[^|]*>\\)|.*/\\1/p" bob.txt) &&
	test -n "$id" &&
	grep -q "|Re: Grüße aus Köln — Überraschung|<[^|]*>|$id|$id$" re.txt &&
	grep -qx "> Hällo Bob, schöne Grüße!" re.txt &&
	grep -qx "Danke, Jane!" re.txt &&
	show bob@example.com $BPW INBOX >bob2.txt &&
	grep -q "Answered.*|Grüße" bob2.txt
'

test_expect_success 'bob forwards it as an attachment; the original gets $Forwarded' '
	keys B f &&
	wait_screen B "Forward inline \\(i\\) or as an attachment \\(a\\)\\?" &&
	keys B a &&
	wait_screen B "^Subject: Fwd: Grüße aus Köln — Überraschung" &&
	wait_screen B "^Attached: Grüße aus Köln — Überraschung.eml \\(message/rfc822, " &&
	keys B -l "jane@example.com" &&
	keys B C-x && wait_screen B "Send to jane@example.com\\?" &&
	keys B y && wait_screen B "sent to 1 recipient" 20 &&
	test "$(count jane@example.com $JPW INBOX)" = 2 &&
	show bob@example.com $BPW INBOX >bob3.txt &&
	grep -q "Forwarded.*|Grüße" bob3.txt
'

test_expect_success 'forward inline: the original under a separator line' '
	keys B f && wait_screen B "Forward inline" &&
	keys B i &&
	wait_screen B "^-+ Forwarded message -+" &&
	wait_screen B "^Hällo Bob, schöne Grüße!" &&
	keys B C-c && wait_screen B "^q:Back  J:Next"
'

test_expect_success 'the signature from the settings goes under "-- "' '
	db=$(find "$TEST_DIR/state" -path "*example.com/jane/cache.db") &&
	sqlite3 "$db" "INSERT OR REPLACE INTO settings VALUES ('\''signature'\'', '\''Jane aus Köln'\'')" &&
	keys J m && wait_screen J "^To:" &&
	wait_screen J "^-- *$" && wait_screen J "^Jane aus Köln" &&
	wait_screen J "4 lines, 3 words" &&
	keys J C-o && wait_screen J "^Attach file:" &&
	keys J -l "/nonexistent" && keys J Enter &&
	wait_screen J "cannot open ./nonexistent.: " &&
	keys J C-o && keys J -l "/etc" && keys J Enter &&
	wait_screen J "./etc. is not a regular file" &&
	keys J C-o && keys J -l "/etc/os-release" && keys J Enter &&
	wait_screen J "^Attached: os-release \\(application/octet-stream, [0-9]+ B\\)" &&
	keys J C-r && wait_screen J "removed .os-release." &&
	! screen J | grep -q "^Attached:" &&
	keys J C-c && wait_screen J "Keep the draft" && keys J d &&
	wait_screen J "^q:Quit"
'

test_expect_success 'a 1 MB paste arrives whole and fast; one undo takes it back' '
	for i in $(seq 16000); do
		echo "Zeile $i eines langen Textes, eingefügt auf einmal, mit Ümläuten"
	done >paste.txt &&
	test "$(stat -c %s paste.txt)" -gt 1000000 &&
	tmx load-buffer paste.txt &&
	mkdir -p home && chmod 700 home &&
	tmx new-window -d -n L "env HOME=$TEST_DIR/home $BUILD/tuimail --imap-host 127.0.0.1 --imap-port $IMAP_FIXED --security none --user jane@example.com; echo TUI-EXIT=\$?; sleep 3600" &&
	wait_screen L "Password for" && keys L "$JPW" Enter &&
	wait_screen L "100x30" 20 &&
	keys L m && wait_screen L "^To:" && keys L Tab Tab Tab Tab &&
	wait_screen L "1 line, 0 words" &&
	start=$(date +%s%N) &&
	tmx paste-buffer -t L &&
	wait_screen L "16001 lines, 160000 words, 1076894 characters" 30 &&
	echo "1 MB paste shown after $((($(date +%s%N) - start) / 1000000)) ms" &&
	keys L C-z && wait_screen L "1 line, 0 words" &&
	keys L C-y && wait_screen L "16001 lines" &&
	keys L C-c && wait_screen L "Keep the draft" && keys L d &&
	wait_screen L "^q:Quit" && keys L Q && wait_screen L "TUI-EXIT=0"
'

test_expect_success 'a 300 KB paste through the ssh door arrives whole without another key' '
	head -n 4500 paste.txt >paste-door.txt &&
	test "$(stat -c %s paste-door.txt)" -gt 290000 &&
	tmx load-buffer paste-door.txt &&
	keys J m && wait_screen J "^To:" && keys J Tab Tab Tab Tab &&
	wait_screen J "^--- 4 lines, 3 words" &&
	tmx paste-buffer -t J &&
	wait_screen J "^--- 4504 lines, 45003 words" 30 &&
	keys J C-c && wait_screen J "Keep the draft" && keys J d &&
	wait_screen J "^q:Quit"
'

test_expect_success 'a bad recipient is caught before sending, the cursor in its field' '
	keys J m && wait_screen J "^To:" &&
	keys J -l "bob@example.com" && keys J Tab &&
	keys J -l "carol@@example.com" && keys J Tab Tab &&
	keys J -l "x" && keys J C-x &&
	wait_screen J "invalid address in Cc: .carol@@example.com." &&
	! screen J | grep -q "Send to" &&
	keys J -l "Z" && wait_screen J "^Cc: Zcarol@@example.com"
'

test_expect_success 'completion: an address used before comes back' '
	keys J C-a C-k && wait_screen J "^Cc: *$" &&
	keys J BTab && keys J C-a C-k && wait_screen J "^To: *$" &&
	keys J -l "bo" && keys J C-t &&
	wait_screen J "^To: bob@example.com" &&
	keys J C-c && wait_screen J "Keep the draft \\(k\\), discard it \\(d\\)" &&
	keys J d && wait_screen J "message discarded" &&
	test "$(count jane@example.com $JPW Drafts)" = 0
'

test_expect_success 'killing the ssh client mid-sentence leaves every character in Drafts' '
	test "$(count jane@example.com $JPW Drafts)" = 0 &&
	keys J m && wait_screen J "^To:" &&
	keys J -l "bob@example.com" && keys J Tab Tab Tab &&
	keys J -l "unterbrochen" && keys J Tab &&
	keys J -l "Ein halber Satz mit Ümläuten, und dann  " &&
	wait_screen J "und dann" &&
	kill_ssh J &&
	wait_screen J "SSH-EXIT=" &&
	for i in $(seq 60); do
		test "$(count jane@example.com $JPW Drafts)" = 1 && break
		sleep 0.1
	done &&
	show jane@example.com $JPW Drafts >draft.txt && cat -A draft.txt &&
	grep -q "Draft.*|unterbrochen|" draft.txt &&
	grep -qx "Ein halber Satz mit Ümläuten, und dann  " draft.txt
'

test_expect_success 'the draft opens again from Drafts with its text' '
	login J2 jane@example.com "$JPW" &&
	keys J2 c && wait_screen J2 "Drafts" &&
	keys J2 j Enter && wait_screen J2 "Drafts: 1/1" &&
	keys J2 Enter &&
	wait_screen J2 "^Subject: unterbrochen" &&
	wait_screen J2 "Ein halber Satz mit Ümläuten, und dann" &&
	keys J2 -l "weiter." &&
	keys J2 C-p && wait_screen J2 "draft saved" &&
	for i in $(seq 30); do
		test "$(count jane@example.com $JPW Drafts)" = 1 && break
		sleep 0.1
	done &&
	show jane@example.com $JPW Drafts >draft2.txt &&
	grep -qx "Ein halber Satz mit Ümläuten, und dann  weiter." draft2.txt
'

test_expect_success 'relay down: send fails clearly, the text stays, a draft is kept' '
	before=$(count bob@example.com $BPW INBOX) &&
	drafts=$(count jane@example.com $JPW Drafts) &&
	smtp_relay_stop &&
	keys J2 m && wait_screen J2 "^To:" &&
	keys J2 -l "bob@example.com" && keys J2 Tab Tab Tab &&
	keys J2 -l "während der Störung" && keys J2 Tab &&
	keys J2 -l "Geht es jetzt?" &&
	keys J2 C-x && wait_screen J2 "Send to bob@example.com\\?" &&
	keys J2 y &&
	wait_screen J2 "NOT sent \\(draft saved\\): .*(try again later|4[0-9][0-9])" 30 &&
	wait_screen J2 "^Geht es jetzt\\?" &&
	test "$(count jane@example.com $JPW Drafts)" = $((drafts + 1)) &&
	test "$(count bob@example.com $BPW INBOX)" = "$before"
'

test_expect_success 'relay back: the same message goes, once in Sent, its draft gone' '
	before=$(count bob@example.com $BPW INBOX) &&
	drafts=$(count jane@example.com $JPW Drafts) &&
	sent=$(count jane@example.com $JPW Sent) &&
	smtp_relay_start_again &&
	keys J2 C-x && wait_screen J2 "Send to bob@example.com\\?" &&
	keys J2 y && wait_screen J2 "sent to 1 recipient" 30 &&
	test "$(count bob@example.com $BPW INBOX)" = $((before + 1)) &&
	test "$(count jane@example.com $JPW Sent)" = $((sent + 1)) &&
	test "$(count jane@example.com $JPW Drafts)" = $((drafts - 1)) &&
	show jane@example.com $JPW Sent >sent2.txt &&
	test "$(grep -c "|während der Störung|" sent2.txt)" = 1
'

test_expect_success 'IMAP down: the draft stays on this host, and goes to Drafts at the next login' '
	drafts=$(count jane@example.com $JPW Drafts) &&
	keys J2 m && wait_screen J2 "^To:" &&
	keys J2 -l "bob@example.com" && keys J2 Tab Tab Tab &&
	keys J2 -l "offline" && keys J2 Tab &&
	keys J2 -l "geschrieben ohne IMAP" &&
	wait_screen J2 "^geschrieben ohne IMAP" &&
	servers_stop &&
	keys J2 C-p &&
	wait_screen J2 "^q:Quit" 20 &&
	dir=$(find "$TEST_DIR/state" -type d -name drafts) &&
	test "$(stat -c %a "$dir")" = 700 &&
	ls "$dir"/*.eml >files && test "$(wc -l <files)" = 1 &&
	test "$(stat -c %a "$(cat files)")" = 600 &&
	dovecot_start "$TEST_DIR/dovecot" "$TEST_DIR/db/tuimail.db" &&
	login J3 jane@example.com "$JPW" &&
	wait_screen J3 "1 draft written while the mail server was unreachable is now in Drafts" &&
	test "$(count jane@example.com $JPW Drafts)" = $((drafts + 1)) &&
	! ls "$dir"/*.eml 2>/dev/null
'

test_expect_success 'an untouched composer saves its draft by itself within 30 s' '
	drafts=$(count jane@example.com $JPW Drafts) &&
	keys J3 m && wait_screen J3 "^To:" &&
	keys J3 -l "bob@example.com" && keys J3 Tab Tab Tab &&
	keys J3 -l "von selbst gesichert" && keys J3 Tab &&
	keys J3 -l "Nichts getippt seit einer Weile." &&
	wait_screen J3 "seit einer Weile" &&
	! screen J3 | grep -q "draft saved" &&
	for i in $(seq 45); do
		test "$(count jane@example.com $JPW Drafts)" = $((drafts + 1)) && break
		sleep 1
	done &&
	test "$(count jane@example.com $JPW Drafts)" = $((drafts + 1)) &&
	wait_screen J3 "draft saved" &&
	show jane@example.com $JPW Drafts >auto.txt &&
	grep -q "|von selbst gesichert|" auto.txt &&
	grep -qx "Nichts getippt seit einer Weile." auto.txt
'

test_expect_success 'a bracketed paste is text: tabs, key-like lines and ^X ^C stay out of requests' '
	keys J3 C-c && wait_screen J3 "Keep the draft" && keys J3 d &&
	wait_screen J3 "^q:Quit" &&
	printf "bob@example.com\ncarol@example.com\n" >paste-to.txt &&
	printf "Tab\there\nzweite Zeile\n" >paste-subject.txt &&
	printf "a\tb\nq\n\teingerückt\ny\nEnde\030\003" >paste-body.txt &&
	printf "/nonexistent\n" >paste-prompt.txt &&
	keys J3 m && wait_screen J3 "^To:" &&
	tmx load-buffer paste-to.txt && tmx paste-buffer -p -t J3 &&
	wait_screen J3 "^To: bob@example.com, carol@example.com *$" &&
	keys J3 Tab Tab Tab && keys J3 -l "Paste: " &&
	tmx load-buffer paste-subject.txt && tmx paste-buffer -p -t J3 &&
	wait_screen J3 "^Subject: Paste: Tab +here *$" &&
	wait_screen J3 "only the first line of the paste was kept" &&
	keys J3 Tab &&
	tmx load-buffer paste-body.txt && tmx paste-buffer -p -t J3 &&
	wait_screen J3 "^ +eingerückt" &&
	keys J3 -l "Z" && wait_screen J3 "^EndeZ" &&
	! screen J3 | grep -q "Send to" &&
	keys J3 C-o && wait_screen J3 "^Attach file:" &&
	tmx load-buffer paste-prompt.txt && tmx paste-buffer -p -t J3 &&
	wait_screen J3 "^Attach file: /nonexistent *$" &&
	keys J3 C-g && wait_screen J3 "^EndeZ" &&
	keys J3 C-p && wait_screen J3 "draft saved" &&
	show jane@example.com $JPW Drafts >pasted.txt && cat -A pasted.txt &&
	grep -q "|Paste: Tab      here|" pasted.txt &&
	grep -qx "a       b" pasted.txt && grep -qx "q" pasted.txt &&
	grep -qx "        eingerückt" pasted.txt && grep -qx "y" pasted.txt &&
	grep -qx "EndeZ" pasted.txt
'

test_done
