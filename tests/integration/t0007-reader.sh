#!/usr/bin/env bash
# The mail client of issue 4 through the real ssh client in tmux, against
# the private Dovecot holding the demo corpus (tests/corpus/gen-demo.py)
# and a broken MIME message: what a person sees of the folder list, the
# message list (columns, threads, sorting, limits), the pager (headers,
# flowed and HTML text, attachments, charsets, the escape-sequence
# attack), the actions as another IMAP client sees them, new mail over
# IDLE, a Dovecot restart, the keymap and theme files, what another client
# flags and expunges as the list shows it, and the mailbox usage the
# door is told.
test_description='the reader: folders, message list, pager, actions, IDLE, reconnect'
. "$(dirname "$0")/lib.sh"

DB=$TEST_DIR/db/tuimail.db
PW=jane-pw
W=jane # the tmux window of the ssh session

# The message list shows the newest first: file NNNN.eml of the corpus
# (61 messages, 0000 the broken one) is row 61 - NNNN.
row_of_file() { echo $((61 - 10#$1)); }

# row N: line N of the screen (1 is the title row).
row() { screen "$W" | sed -n "$1p"; }

# to_list: back to the message list from whatever view is on top, so
# that a failed test leaves the next one a known start. A view over the
# list has "q:Back" in its title; each q waits for the title to change.
to_list() {
	local i t
	for i in $(seq 10); do
		t=$(row 1)
		case $t in
		q:Quit*)
			return 0 ;;
		q:Back*)
			keys "$W" q
			for _ in $(seq 20); do
				[ "$(row 1)" != "$t" ] && break
				sleep 0.1
			done ;;
		*)
			keys "$W" Escape
			sleep 0.3 ;;
		esac
	done
	echo "to_list: not back at the message list:" >&2
	screen "$W" | sed 's/^/	|/' >&2
	return 1
}

# goto N: the cursor of the message list on row N of the folder.
goto() {
	to_list || return 1
	keys "$W" "="
	if [ "$1" -gt 1 ]; then
		keys "$W" "$(printf "%$(($1 - 1))s" | tr " " j)"
	fi
	wait_screen "$W" "INBOX: $1/"
}

# wait_row N REGEX: waits until screen row N matches (grep -E).
wait_row() {
	local i
	for i in $(seq 100); do
		row "$1" | grep -qE -e "$2" && return 0
		sleep 0.1
	done
	echo "wait_row: row $1 is not '$2':" >&2
	screen "$W" | sed 's/^/	|/' >&2
	return 1
}

# wait_gone NAME REGEX: waits until no row of window NAME matches.
wait_gone() {
	local i
	for i in $(seq 100); do
		screen "$1" | grep -qE -e "$2" || return 0
		sleep 0.1
	done
	echo "wait_gone: '$2' still in window $1:" >&2
	screen "$1" | sed 's/^/	|/' >&2
	return 1
}

# col_of N TEXT: the screen column where TEXT starts on row N.
col_of() {
	row "$1" | "$SRV_PYTHON" -c '
import sys, unicodedata
line, text = sys.stdin.read(), sys.argv[1]
print(sum(0 if unicodedata.combining(c) else
          2 if unicodedata.east_asian_width(c) in "WF" else 1
          for c in line[:line.index(text)]))' "$2"
}

# widths FIRST LAST: the display width of screen rows FIRST..LAST.
widths() {
	screen "$W" | sed -n "$1,$2p" | "$SRV_PYTHON" -c '
import sys, unicodedata
for line in sys.stdin:
    line = line.rstrip("\n")
    print(sum(0 if unicodedata.combining(c) else
              2 if unicodedata.east_asian_width(c) in "WF" else 1
              for c in line))'
}

# imap_py ARGS: another IMAP client (Python's imaplib) on the fixed port;
# the script comes on stdin.
imap_py() { PW=$PW "$SRV_PYTHON" - "$IMAP_FIXED" "$@"; }

# flags_of FOLDER WORD: the flags of the messages in FOLDER whose subject
# has WORD, as another IMAP client sees them.
flags_of() {
	imap_py "$1" "$2" <<'PY'
import imaplib, os, sys
port, folder, word = sys.argv[1:4]
m = imaplib.IMAP4("127.0.0.1", int(port))
m.login("jane@example.com", os.environ["PW"])
m.select('"%s"' % folder, readonly=True)
typ, data = m.search(None, "SUBJECT", '"%s"' % word)
for num in data[0].split():
    typ, f = m.fetch(num, "(FLAGS)")
    print(f[0].decode())
m.logout()
PY
}

# other_store WORDS FLAG: another IMAP client adds FLAG to the INBOX
# messages whose subject has WORDS, and expunges when FLAG is \Deleted.
other_store() {
	imap_py "$1" "$2" <<'PY'
import imaplib, os, sys
port, words, flag = sys.argv[1:4]
m = imaplib.IMAP4("127.0.0.1", int(port))
m.login("jane@example.com", os.environ["PW"])
m.select("INBOX")
typ, d = m.search(None, "SUBJECT", '"%s"' % words)
for num in d[0].split():
    m.store(num, "+FLAGS", flag)
if flag == "\\Deleted":
    m.expunge()
m.logout()
PY
}

# folder_names: every folder another IMAP client lists, by server name.
folder_names() {
	imap_py <<'PY'
import imaplib, os, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("jane@example.com", os.environ["PW"])
for line in m.list()[1]:
    print(line.decode().rsplit(' "/" ', 1)[1].strip('"'))
m.logout()
PY
}

# A multipart message whose boundary never comes and whose only "part"
# claims base64 it does not hold.
make_broken() {
	printf '%s\n' "From: Broken Sender <broken@example.org>" \
		"To: jane@example.com" "Subject: broken MIME structure" \
		"MIME-Version: 1.0" \
		"Content-Type: multipart/mixed; boundary=\"never-used\"" "" \
		"This text sits where the first part should start, but the" \
		"boundary it announces never comes." "--wrong-boundary" \
		"Content-Type: text/plain" \
		"Content-Transfer-Encoding: base64" "" \
		"!!! not base64 at all !!!" >"$1"
}

# local_tui NAME ARGS...: tuimail in local mode in tmux window NAME,
# logged in; the window shows TUI-EXIT=<status> when it ends.
local_tui() {
	local name=$1
	shift
	tmx new-window -d -n "$name" "env HOME=$TEST_DIR/home $* $BUILD/tuimail --imap-host 127.0.0.1 --imap-port $IMAP_FIXED --security none --user jane@example.com $TUI_ARGS; echo TUI-EXIT=\$?; sleep 3600" &&
	wait_screen "$name" "Password for jane@example.com:" &&
	keys "$name" "$PW" Enter
}

test_expect_success 'set-up: account, corpus, Dovecot on a port that stays, tuimaild' '
	write_conf && tuimailctl domain add example.com >/dev/null &&
	printf "%s\n" "$PW" | tuimailctl account add jane@example.com >/dev/null &&
	srv_free_port IMAP_FIXED &&
	DOVECOT_EXTRA_CONF="
service imap-login {
  inet_listener imap_fixed {
    address = 127.0.0.1
    port = $IMAP_FIXED
  }
}" &&
	dovecot_start "$TEST_DIR/dovecot" "$DB" &&
	"$SRV_PYTHON" "$TOP/tests/corpus/gen-demo.py" corpus --count 60 \
		--to jane@example.com --now "$(date -u +%F)" >/dev/null &&
	make_broken corpus/0000.eml &&
	test "$(deliver_bulk jane@example.com corpus)" = 61 &&
	mkdir lists &&
	for i in 1 2 3 4; do
		printf "From: list@example.org\nSubject: list post %s\n\nbody\n" $i >lists/000$i.eml || return 1
	done &&
	mv lists/0001.eml lists/0001.eml:2,S && mv lists/0002.eml lists/0002.eml:2,S &&
	mv lists/0003.eml lists/0003.eml:2,S &&
	test "$(deliver_bulk jane@example.com lists Lists)" = 4 &&
	mkdir -p home && chmod 700 home &&
	port=$IMAP_PORT && IMAP_PORT=$IMAP_FIXED && tuimaild_start &&
	IMAP_PORT=$port
'

test_expect_success 'login opens INBOX: keys on top, status bar below' '
	ssh_open "$W" jane@example.com &&
	wait_screen "$W" "Password:" && keys "$W" "$PW" Enter &&
	wait_screen "$W" " jane@example.com  INBOX: 1/61 \\(61 unread\\)  online" 20 &&
	row 1 | grep -E "^q:Quit  Enter:Open  d:Del  u:Undel  s:Move  F:Flag  N:Read  c:Folders  T:Threads  \\?:Help" &&
	row 30 | grep -E "  100x30  \\?:help Q:quit$"
'

test_expect_success 'the list: flags, date, sender, subject, size' '
	row 2 | grep -E "^N   [0-9]{2}:[0-9]{2}      Mallory .*\\[TEST: escape-sequence attack.* +1\\.[0-9]K$" &&
	row 6 | grep -E "^N   [0-9]{2}:[0-9]{2}      Marcus O.Brien +Did you leave your umbrella at mine\\? +[0-9]+$" &&
	row 9 | grep -E "^N   .{10} Aurora Books +Members-only: 20% off all paperbacks this weekend +[0-9.]+K?$" &&
	row 8 | grep -E "The Weekly Byte #87: lazy indexes, emoji widths and the +[0-9]{2}K$" &&
	if [ "$(date -u +%j)" -gt 60 ]; then
		screen "$W" | grep -E "^N   [0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +[^ ]"
	fi
'

test_expect_success 'decoded headers, and CJK and emoji keep the columns aligned' '
	row 15 | grep -E " 山田太郎 +新しいプロジェクトのご案内 " &&
	row 4 | grep -E " Priya Raghunathan +🎉 Launch party on Friday! 🥂🚀 " &&
	row 12 | grep -E " Zoë Müller +Unterlagen für Donnerstag " &&
	row 14 | grep -E " José Ñúñez +Fwd: Your booking confirmation MAD→LIS " &&
	widths 2 28 >w && test "$(sort -u w)" = 100 &&
	test "$(col_of 15 新しい)" = 38 && test "$(col_of 6 "Did you")" = 38 &&
	test "$(col_of 4 🎉)" = 38 && test "$(col_of 12 Unterlagen)" = 38 &&
	test "$(col_of 15 山田太郎)" = 15
'

test_expect_success 'the escape-sequence attack changes nothing on the terminal' '
	title=$(tmx display-message -p -t "$W" "#{pane_title}") &&
	keys "$W" Enter &&
	wait_screen "$W" "^OSC 0 \\(set window title\\): \\]0;PWNED title<- here" &&
	sleep 0.5 && screen "$W" >s &&
	test_grep "^From: Mallory \\[2J\\]0;evilTester <mallory@attacker.example>" s &&
	test_grep "^Subject: \\[TEST: escape-sequence attack, must be sanitised\\] \\]0;PWNED titlehello\\[2J$" s &&
	test_grep "^CSI 2J (clear screen):    \\[2J<- here" s &&
	test_grep "^Carriage return overwrite: all is wellEVERYTHING IS BROKEN" s &&
	test_grep "^q:Back  J:Next  K:Prev" s &&
	test_grep " jane@example.com  INBOX: 1/61 (60 unread)" s &&
	test "$(tmx display-message -p -t "$W" "#{pane_title}")" = "$title" &&
	! grep -q PWNED <<<"$title" &&
	keys "$W" q && wait_screen "$W" "^q:Quit" &&
	row 2 | grep -E "^    [0-9]{2}:[0-9]{2}      Mallory "
'

test_expect_success 'next unread, page down, last, first' '
	to_list &&
	keys "$W" Tab && wait_screen "$W" "INBOX: 2/61" &&
	keys "$W" Space && wait_screen "$W" "INBOX: 28/61" &&
	screen "$W" | grep -E "^N   20[0-9]{2}-[0-9]{2}-[0-9]{2} " &&
	keys "$W" "*" && wait_screen "$W" "INBOX: 61/61" &&
	row 28 | grep -E " Broken Sender +broken MIME structure " &&
	keys "$W" "=" && wait_screen "$W" "INBOX: 1/61"
'

test_expect_success 'threads on: the tree, collapse and expand, threads off' '
	to_list &&
	keys "$W" T && wait_screen "$W" "threads on" &&
	wait_screen "$W" "by arrival rev, threads" &&
	screen "$W" >s && test_grep "└─>Re: Flat viewing on Saturday" s &&
	n=$(grep -n "  Flat viewing on Saturday" s | head -1 | cut -d: -f1) &&
	test -n "$n" &&
	test "$(grep -c "Re: Flat viewing on Saturday" s)" = 6 &&
	keys "$W" "=" "$(printf "%$((n - 2))s" | tr " " j)" &&
	keys "$W" z && wait_screen "$W" "\\(\\+6\\) Flat viewing on Saturday" &&
	test "$(screen "$W" | grep -c "Re: Flat viewing on Saturday")" = 0 &&
	keys "$W" z && wait_count "$W" "Re: Flat viewing on Saturday" 6 &&
	keys "$W" T && wait_screen "$W" "threads off" &&
	! screen "$W" | grep -q "└─>" &&
	keys "$W" "="
'

test_expect_success 'sort by subject, reverse it, back to arrival' '
	to_list &&
	keys "$W" o && wait_screen "$W" "^Sort by \\(a\\)rrival, \\(d\\)ate, \\(f\\)rom, \\(s\\)ubject, si\\(z\\)e or \\(t\\)o\\?" &&
	keys "$W" s && wait_screen "$W" "by subject rev" &&
	first=$(row 2) &&
	keys "$W" O && wait_screen "$W" "by subject  " &&
	test "$(row 2)" != "$first" &&
	keys "$W" o a && wait_screen "$W" "by arrival  " &&
	keys "$W" O && wait_screen "$W" "by arrival rev" &&
	row 2 | grep Mallory
'

test_expect_success 'limit to unread and back to all' '
	to_list &&
	keys "$W" l && wait_screen "$W" "^Show \\(a\\)ll, \\(u\\)nread or \\(f\\)lagged messages\\?" &&
	keys "$W" u && wait_screen "$W" "INBOX: [0-9]+/60 \\(60 unread\\)" &&
	! screen "$W" | grep -q Mallory &&
	keys "$W" l a && wait_screen "$W" "INBOX: [0-9]+/61 \\(60 unread\\)" &&
	keys "$W" "="
'

test_expect_success 'pager: usual headers, flowed text wrapped, all headers, find' '
	goto "$(row_of_file 0046)" && keys "$W" Enter &&
	wait_screen "$W" "^From: Björn Ångström <bjorn@example.se>" &&
	screen "$W" >s &&
	test_grep "^Subject: Trip report: eight days on Kungsleden (long!)$" s &&
	test_grep "^To: Jane <jane@example.com>$" s &&
	test_grep "^Date: " s &&
	test_grep "Grab a coffee, it.s long. Eight days on Kungsleden" s &&
	widths 2 28 >w && test "$(sort -n w | tail -1)" -le 100 &&
	test "$(sort -n w | tail -1)" -ge 90 &&
	keys "$W" h && wait_screen "$W" "^Message-ID: <" &&
	screen "$W" | grep -q "^MIME-Version: 1.0" &&
	keys "$W" h && wait_row 2 "^From: Björn" &&
	! screen "$W" | grep -q "^Message-ID:" &&
	keys "$W" / && wait_screen "$W" "^Find:" &&
	keys "$W" "cardamom" Enter && wait_row 2 "cardamom" &&
	wait_screen "$W" "INBOX: 15/61" &&
	keys "$W" n && sleep 0.3 && wait_row 2 "cardamom" &&
	keys "$W" / C-u "no such words here" Enter &&
	wait_screen "$W" "^.no such words here. not found"
'

test_expect_success 'pager: next and previous message' '
	keys "$W" J && wait_screen "$W" "^Subject: .*Kebnekaise|INBOX: 16/61" &&
	keys "$W" K && wait_screen "$W" "^From: Björn Ångström" &&
	keys "$W" K && wait_screen "$W" "^Subject: 新しいプロジェクトのご案内$" &&
	screen "$W" | grep -q "^From: 山田太郎 <taro.yamada@example.jp>" &&
	keys "$W" q && wait_screen "$W" "^q:Quit"
'

test_expect_success 'HTML alternative: text first, the HTML with numbered links on H' '
	goto "$(row_of_file 0054)" && keys "$W" Enter &&
	wait_screen "$W" "^THE WEEKLY BYTE -- Issue #87" &&
	keys "$W" H && wait_screen "$W" "showing the HTML part" &&
	screen "$W" >s &&
	test_grep "^\\[image: The Weekly Byte\\]" s &&
	! grep -q "^THE WEEKLY BYTE -- Issue" s &&
	keys "$W" End && wait_screen "$W" "^\\[[0-9]+\\] https://" &&
	keys "$W" H && wait_screen "$W" "showing the text part" &&
	keys "$W" q && wait_screen "$W" "^q:Quit"
'

test_expect_success 'HTML-only mail: rendered as text, images named, links numbered' '
	goto "$(row_of_file 0053)" && keys "$W" Enter &&
	wait_screen "$W" "^From: Aurora Books <orders@shop.example.com>" &&
	screen "$W" >s &&
	test_grep "^\\[image: Spring sale\\]" s &&
	test_grep "^Shop the sale \\[1\\] · Email preferences \\[2\\]" s &&
	test_grep "^\\[1\\] https://shop.example.com/sale?src=mail&u=91" s &&
	! grep -q "<img\\|<p>" s &&
	keys "$W" q && wait_screen "$W" "^q:Quit"
'

test_expect_success 'attachments: name, type and size, RFC 2231 names decoded' '
	goto "$(row_of_file 0049)" && keys "$W" Enter &&
	wait_screen "$W" "^Attachment: statement.pdf \\(application/pdf, [0-9.]+K?\\)$" &&
	keys "$W" K && wait_screen "$W" "^Attachment: Präsentation_Übersicht.pdf \\(application/pdf, " &&
	screen "$W" | grep -E "^Attachment: ホワイトボード写真.png \\(image/png, " &&
	keys "$W" K && wait_screen "$W" "^Attachment: notes.txt \\(text/plain, " &&
	keys "$W" q && wait_screen "$W" "^q:Quit"
'

test_expect_success 'charsets: Shift_JIS, ISO-8859-1 and encoded words decoded' '
	goto "$(row_of_file 0038)" && keys "$W" Enter &&
	wait_screen "$W" "^Subject: Grüße aus München – Fotos vom Oktoberfest" &&
	screen "$W" | grep -q "^From: Zoë Müller <zoe.mueller@example.de>" &&
	keys "$W" q && goto "$(row_of_file 0028)" && keys "$W" Enter &&
	wait_screen "$W" "^Subject: Réunion de l.équipe jeudi à 14h30" &&
	screen "$W" | grep -q "^From: Amélie Durand <amelie.durand@example.fr>" &&
	keys "$W" J && wait_screen "$W" "^Subject: 出張報告書の送付" &&
	screen "$W" | grep -q "^From: 山田太郎 <taro.yamada@example.jp>" &&
	screen "$W" | grep -q "^先週の大阪出張の報告書をお送りします。$" &&
	keys "$W" q && wait_screen "$W" "^q:Quit"
'

test_expect_success 'a broken MIME message is shown raw, sanitised, with a word why' '
	to_list &&
	keys "$W" "*" && wait_screen "$W" "INBOX: 61/61" && keys "$W" Enter &&
	wait_screen "$W" "^this message does not parse: shown as it is" &&
	screen "$W" >s &&
	test_grep "^boundary it announces never comes.$" s &&
	test_grep "^!!! not base64 at all !!!$" s &&
	test_grep "^Subject: broken MIME structure$" s &&
	keys "$W" q && keys "$W" "="
'

test_expect_success 'flag, read, delete and undelete show, and another client sees them' '
	goto "$(row_of_file 0056)" &&
	keys "$W" F && wait_screen "$W" "^N!  [0-9:]+ +Marcus" &&
	flags_of INBOX umbrella | grep -q "\\\\Flagged" &&
	keys "$W" N && wait_screen "$W" "^ !  [0-9:]+ +Marcus" &&
	flags_of INBOX umbrella | grep -q "\\\\Seen" &&
	keys "$W" k && wait_screen "$W" "INBOX: 4/" &&
	keys "$W" N && wait_screen "$W" "^    [0-9:]+ +陈伟" &&
	keys "$W" d && wait_screen "$W" "^D   [0-9:]+ +陈伟" &&
	wait_screen "$W" "INBOX: 5/" &&
	flags_of INBOX rendering | grep -q "\\\\Deleted" &&
	keys "$W" k u && wait_screen "$W" "^    [0-9:]+ +陈伟" &&
	! flags_of INBOX rendering | grep -q "\\\\Deleted" &&
	keys "$W" k && wait_screen "$W" "INBOX: 4/"
'

test_expect_success 'delete, then refresh moves it to Trash, for every client' '
	to_list &&
	keys "$W" d && wait_screen "$W" "^D   [0-9:]+ +陈伟" &&
	keys "$W" "\$" && wait_screen "$W" "^1 message moved to Trash" &&
	wait_screen "$W" "INBOX: [0-9]+/60 " &&
	! screen "$W" | grep -q "Screenshot of the rendering glitch" &&
	test "$(imap_count jane@example.com "$PW" Trash)" = 1 &&
	test "$(imap_count jane@example.com "$PW" INBOX)" = 60
'

test_expect_success 'move and copy with the folder picker' '
	goto 4 && row 5 | grep -q umbrella &&
	keys "$W" s && wait_screen "$W" "^Move to folder: choose one and press Enter" &&
	screen "$W" >s && test_grep "^\\*INBOX " s && test_grep "^ Lists  *1 unread  *4$" s &&
	test_grep "^ Trash  *1$" s &&
	n=$(grep -n "^ Lists" s | cut -d: -f1) && d=$(grep -n "^ Drafts" s | cut -d: -f1) &&
	keys "$W" "$(printf "%$((n - d))s" | tr " " j)" Enter &&
	wait_screen "$W" "^moved to Lists" &&
	! screen "$W" | grep -q umbrella &&
	test "$(imap_count jane@example.com "$PW" Lists)" = 5 &&
	flags_of Lists umbrella | grep -q "\\\\Flagged" &&
	row 5 | grep -q "Invitation: Design review" &&
	keys "$W" C && wait_screen "$W" "^Copy to folder: choose one" &&
	keys "$W" "$(printf "%$((n - d))s" | tr " " j)" Enter &&
	wait_screen "$W" "^copied to Lists" &&
	row 5 | grep -q "Invitation: Design review" &&
	test "$(imap_count jane@example.com "$PW" Lists)" = 6 &&
	test "$(imap_count jane@example.com "$PW" INBOX)" = 59
'

test_expect_success 'the sidebar: folders with unread counts, on and off' '
	to_list &&
	keys "$W" B && wait_screen "$W" "^ INBOX +[0-9]+ │" &&
	screen "$W" >s && test_grep "^ Lists  *2 │" s && test_grep "^ Drafts  *│" s &&
	test "$(sed -n 2p s | cut -d" " -f2)" = INBOX &&
	sed -n 3p s | grep -q "^ Drafts" && sed -n 4p s | grep -q "^ Sent" &&
	keys "$W" B && wait_gone "$W" "│"
'

test_expect_success 'folder list: open a folder, create, rename, delete' '
	to_list &&
	keys "$W" c && wait_screen "$W" "^q:Back  Enter:Open  a:New  R:Rename  D:Delete" &&
	screen "$W" >s && test_grep "^\\*INBOX  *[0-9]* unread  *59$" s &&
	test_grep "^ Drafts  *0$" s &&
	n=$(grep -n "^ Lists" s | cut -d: -f1) && keys "$W" "$(printf "%$((n - 2))s" | tr " " j)" Enter &&
	wait_screen "$W" " jane@example.com  Lists: 1/6 \\(2 unread\\)" &&
	screen "$W" | grep -q "list post 4" &&
	keys "$W" C-r && wait_screen "$W" "^6 messages marked read" &&
	wait_screen "$W" "Lists: 1/6 \\(0 unread\\)" &&
	! screen "$W" | grep -q "^N" &&
	test "$(flags_of Lists "list post" | grep -c "\\\\Seen")" = 4 &&
	keys "$W" c a && wait_screen "$W" "^Create folder:" &&
	keys "$W" "Projekte" Enter && wait_screen "$W" "^folder .Projekte. created" &&
	folder_names >names && grep -qx Projekte names &&
	wait_screen "$W" "^ Projekte  *0$" &&
	keys "$W" R && wait_screen "$W" "^Rename .Projekte. to: Projekte" &&
	keys "$W" " Ü" Enter && wait_screen "$W" "^folder renamed to .Projekte Ü." &&
	folder_names >names && grep -qx "Projekte &ANw-" names &&
	wait_screen "$W" "^ Projekte Ü  *0$" &&
	keys "$W" D && wait_screen "$W" "^Delete folder .Projekte Ü. and every message in it\\? \\(y/n\\)" &&
	keys "$W" y && wait_screen "$W" "^folder .Projekte Ü. deleted" &&
	folder_names >names && ! grep -q Projekte names &&
	keys "$W" Home Enter && wait_screen "$W" " jane@example.com  INBOX: 1/59"
'

test_expect_success 'help lists the bindings loaded for the view and globally' '
	to_list &&
	keys "$W" "?" && wait_screen "$W" "^Keys in the message list \\(index\\):" &&
	screen "$W" >s &&
	test_grep "^  d            delete             delete (move to Trash)" s &&
	test_grep "^  T            toggle-threads     threaded view on or off" s &&
	keys "$W" End && wait_screen "$W" "^Keys in every view \\(global\\):" &&
	screen "$W" | grep -q "^  \\^L           redraw             redraw the screen" &&
	keys "$W" q && wait_screen "$W" "^q:Quit" &&
	keys "$W" m && wait_screen "$W" "^From: .*jane@example.com" &&
	keys "$W" C-c && wait_screen "$W" "^q:Quit"
'

test_expect_success 'IDLE: mail delivered meanwhile shows within seconds' '
	to_list &&
	keys "$W" "=" &&
	printf "From: Idle Tester <idle@example.org>\nTo: jane@example.com\nSubject: arrived while you read\n\nhello\n" >new.eml &&
	deliver_lmtp jane@example.com new.eml &&
	wait_screen "$W" "^new mail in INBOX" 2 &&
	wait_screen "$W" "INBOX: 2/60 \\(" &&
	wait_row 2 "^N   [0-9:]+ +Idle Tester +arrived while you read "
'

test_expect_success 'Dovecot restarted: reconnecting, then the list works again' '
	to_list &&
	servers_stop &&
	wait_screen "$W" "reconnecting" 20 &&
	screen "$W" | grep -q "arrived while you read" &&
	dovecot_start "$TEST_DIR/dovecot" "$DB" &&
	wait_screen "$W" "^reconnected to the IMAP server" 40 &&
	wait_screen "$W" "INBOX: 2/60 .*  online" &&
	keys "$W" j && wait_screen "$W" "INBOX: 3/60" &&
	keys "$W" Enter && wait_screen "$W" "^q:Back  J:Next" &&
	keys "$W" q && wait_screen "$W" "^q:Quit"
'

test_expect_success 'local mode: a bad keymap line is named file:line at start; quota' '
	sqlite3 "$DB" "UPDATE mail_accounts SET quota_mb = 100 WHERE email = '\''jane@example.com'\''" &&
	printf "[global]\nq quit\n[index]\nx frobnicate\nj move-down\n[nowhere]\n" >bad.keys &&
	TUI_ARGS="--keymap $TEST_DIR/bad.keys --theme mono" local_tui bad &&
	wait_screen bad "^$TEST_DIR/bad.keys:4: unknown request .frobnicate. \\(and 1 more\\)" &&
	wait_screen bad " jane@example.com  INBOX: 1/60 \\([0-9]+ unread\\)  online  quota [0-9.]+[KM] of 100M \\([0-9]+%\\)" &&
	keys bad q && wait_screen bad "TUI-EXIT=0"
'

test_expect_success 'keymaps and themes by name: vim keys, colours by the terminal' '
	TUI_ARGS="--keymap vim --theme dark" local_tui vim TERM=xterm-256color &&
	wait_screen vim "^q:Quit  Enter:Open  x:Del  u:Undel  M:Move  \\*:Flag  m:Read  ::Folders  t:Threads" &&
	tmx capture-pane -e -p -t vim >c && grep -q "48;5;234" c &&
	keys vim q && wait_screen vim "TUI-EXIT=0" &&
	TUI_ARGS="--theme dark" local_tui eight TERM=screen &&
	wait_screen eight "INBOX: 1/60" &&
	tmx capture-pane -e -p -t eight >c && ! grep -q "8;5;" c && grep -q "\\[4[0-7]m\\|;4[0-7]m" c &&
	keys eight q && wait_screen eight "TUI-EXIT=0" &&
	TUI_ARGS="--theme dark" local_tui nocolor TERM=xterm-256color NO_COLOR=1 &&
	wait_screen nocolor "INBOX: 1/60" &&
	tmx capture-pane -e -p -t nocolor >c && ! grep -q "8;5;\\|\\[3[0-7]m\\|;3[0-7]m\\|\\[4[0-7]m" c &&
	keys nocolor q && wait_screen nocolor "TUI-EXIT=0"
'

test_expect_success 'our delete, another client flags and expunges: the list follows; limit to flagged' '
	to_list && keys "$W" "=" && wait_screen "$W" "INBOX: 1/60 " &&
	wait_row 2 "Idle Tester +arrived while you read" &&
	keys "$W" d && wait_row 2 "^D .*Idle Tester" &&
	keys "$W" "\$" && wait_screen "$W" "^1 message moved to Trash" &&
	wait_screen "$W" "INBOX: 1/59 " && wait_row 2 "Mallory" &&
	other_store "Launch party" "\\Flagged" &&
	wait_screen "$W" "^.!  [0-9:]+ +Priya Raghunathan +.*Launch party" 3 &&
	other_store "Keep scroll position" "\\Deleted" &&
	wait_screen "$W" "INBOX: 1/58 " 3 &&
	! screen "$W" | grep -q "Keep scroll position" &&
	test "$(imap_count jane@example.com "$PW" INBOX)" = 58 &&
	keys "$W" l f && wait_screen "$W" "INBOX: 1/1 " &&
	wait_row 2 "Launch party" && ! screen "$W" | grep -q Mallory &&
	keys "$W" l a && wait_screen "$W" "INBOX: [0-9]+/58 " && keys "$W" "="
'

test_expect_success 'in Trash itself a delete is an expunge, and the row goes at once' '
	to_list && keys "$W" c && wait_screen "$W" "^q:Back  Enter:Open" &&
	screen "$W" >s && n=$(grep -n "^ Trash" s | cut -d: -f1) &&
	keys "$W" "$(printf "%$((n - 2))s" | tr " " j)" Enter &&
	wait_screen "$W" " jane@example.com  Trash: 1/2 " &&
	screen "$W" | grep -q "arrived while you read" &&
	keys "$W" "=" d && wait_row 2 "^D " &&
	keys "$W" "\$" && wait_screen "$W" "^1 message deleted for good" &&
	wait_screen "$W" " jane@example.com  Trash: 1/1 " &&
	test "$(imap_count jane@example.com "$PW" Trash)" = 1 &&
	keys "$W" c && wait_screen "$W" "^q:Back  Enter:Open" &&
	keys "$W" Home Enter && wait_screen "$W" " jane@example.com  INBOX: 1/58"
'

test_expect_success 'door mode: the usage GETQUOTAROOT reports reaches the door, and again when it grows' '
	usage() { sqlite3 "$DB" "SELECT usage_bytes FROM mail_accounts WHERE email = '\''jane@example.com'\''"; } &&
	ssh_open usage jane@example.com &&
	wait_screen usage "Password:" && keys usage "$PW" Enter &&
	wait_screen usage "INBOX: 1/58 .*quota [0-9.]+[KM] of 100M" 20 &&
	u1=$(usage) && test "${u1:-0}" -gt 0 &&
	imap_py <<-\PY &&
	import imaplib, os, sys, time
	m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
	m.login("jane@example.com", os.environ["PW"])
	body = "From: big@example.org\r\nSubject: big one\r\n\r\n" + "x" * 40000 + "\r\n"
	m.append("Lists", None, None, body.encode())
	m.logout()
	PY
	keys usage "\$" &&
	for i in $(seq 50); do
		test "$(usage)" -ge $((u1 + 30000)) && break
		sleep 0.1
	done &&
	test "$(usage)" -ge $((u1 + 30000)) &&
	keys usage q && wait_screen usage "SSH-EXIT=0"
'

test_expect_success 'a paste into the message list is ignored, never taken as keys' '
	to_list &&
	keys "$W" "\$" && wait_screen "$W" "INBOX: [0-9]+/[0-9]+ " &&
	n=$(imap_count jane@example.com "$PW" INBOX) &&
	printf "dddd\$q" >paste-keys.txt &&
	tmx load-buffer paste-keys.txt && tmx paste-buffer -p -t "$W" &&
	wait_screen "$W" "a paste goes only into text fields" &&
	! screen "$W" | grep -q "^D  " &&
	keys "$W" "\$" && sleep 1 &&
	test "$(imap_count jane@example.com "$PW" INBOX)" = "$n" &&
	wait_screen "$W" "INBOX: [0-9]+/$n "
'

test_expect_success 'q from the message list ends the session with status 0' '
	to_list &&
	keys "$W" q && wait_screen "$W" "SSH-EXIT=0"
'

test_done
