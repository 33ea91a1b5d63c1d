#!/usr/bin/env bash
# Search in the client (issue 6) through the real ssh client in tmux: the
# index built in the background while the user works, with its progress
# in the status bar; queries typed at the '/' prompt (a date range,
# non-ASCII words, a quoted phrase) and recalled with Up; a result opened
# in the pager; flagging a result; new mail searchable within 10 s;
# messages moved and deleted by another IMAP client gone from the
# results; a result moved to Trash; a saved search listed under the
# folders and run from there; a second session of the same user
# searching while the first indexes.
test_description='search UI: prompt, results, pager, live index, saved searches'
. "$(dirname "$0")/lib.sh"

export TZ=UTC
DB=$TEST_DIR/db/tuimail.db
W=jane

# row N: line N of jane's screen (1 is the title row, 2 the results' header).
row() { screen "$W" | sed -n "$1p"; }

# lmsg FILE DATE FROM SUBJECT BODY: a hand-made UTF-8 message.
lmsg() {
	{
		printf 'From: %s\nTo: jane@example.com\n' "$3"
		printf 'Subject: %s\nDate: %s\n' "$4" "$2"
		printf 'Message-ID: <%s.%s@example.org>\n' \
			"$(basename "$(dirname "$1")")" "$(basename "$1")"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n'
		printf '\n%s\n' "$5"
	} >"$1"
}

# imapc COMMAND FOLDER ARGS: another IMAP client, as jane.
imapc() {
	"$SRV_PYTHON" - "$IMAP_PORT" "$@" <<'PY'
import imaplib, sys
port, cmd, folder = sys.argv[1:4]
m = imaplib.IMAP4("127.0.0.1", int(port))
m.login("jane@example.com", "jane-pw")
m.select('"%s"' % folder)
typ, data = m.uid("SEARCH", "SUBJECT", '"%s"' % sys.argv[4])
uid = data[0].split()[0].decode()
if cmd == "move":
    m.uid("MOVE", uid, '"%s"' % sys.argv[5])
elif cmd == "delete":
    m.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
    m.expunge()
elif cmd == "flags":
    typ, f = m.uid("FETCH", uid, "(FLAGS)")
    print(f[0].decode())
m.logout()
PY
}

# search QUERY: '/' QUERY Enter in jane's window, from the message list
# or from results.
search() { keys "$W" / && wait_screen "$W" "^Search:" && keys "$W" -l "$1" && keys "$W" Enter; }

# expect_count QUERY N: the results of QUERY come from the index with N.
expect_count() {
	search "$1" &&
	wait_screen "$W" "^$2 messages? match(es)?: $(printf '%s' "$1" | sed 's/[][\\.*^$()+?{}|]/\\&/g')\$"
}

test_expect_success 'set-up: accounts, mail in two folders, Dovecot, tuimaild' '
	write_conf && tuimailctl domain add example.com >/dev/null &&
	echo jane-pw | tuimailctl account add jane@example.com >/dev/null &&
	echo bob-pw | tuimailctl account add bob@example.com >/dev/null &&
	dovecot_start "$TEST_DIR/dovecot" "$DB" &&
	mkdir inbox lists &&
	lmsg inbox/0001.eml "Fri, 20 Nov 2026 09:00:00 +0000" \
		"Acme Billing <billing@acme.example>" "Quarterly invoice" \
		"Please find the invoice attached." &&
	lmsg inbox/0002.eml "Tue, 24 Nov 2026 12:00:00 +0000" \
		"Marcus O Brien <marcus@example.org>" "Lunch on Friday?" \
		"The blue door café near the harbour." &&
	lmsg inbox/0003.eml "Thu, 5 Jun 2025 10:00:00 +0000" \
		"Bo Lund <bo@lists.example.org>" "Postcard" \
		"Greetings from Ærøskøbing!" &&
	lmsg lists/0001.eml "Mon, 3 Mar 2025 10:00:00 +0000" \
		"Ann Ek <ann@lists.example.org>" "Harbour lights" \
		"We met at the blue harbour lantern festival in Ærøskøbing." &&
	lmsg lists/0002.eml "Tue, 4 Mar 2025 10:00:00 +0000" \
		"Bo Lund <bo@lists.example.org>" "Re: Harbour lights" \
		"The blue harbour lantern was lit again." &&
	lmsg lists/0003.eml "Wed, 16 Apr 2025 10:00:00 +0000" \
		"Ann Ek <ann@lists.example.org>" "Paint" \
		"A lantern by the harbour, painted blue." &&
	lmsg lists/0004.eml "Sat, 7 Jun 2025 10:00:00 +0000" \
		"=?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe.mueller@example.de>" \
		"tuimail release planning" "Shall we plan the release?" &&
	test "$(deliver_bulk jane@example.com inbox)" = 3 &&
	test "$(deliver_bulk jane@example.com lists Lists)" = 4 &&
	"$SRV_PYTHON" "$TOP/bench/gen-folder.py" big 10000 >/dev/null &&
	test "$(deliver_bulk bob@example.com big/cur)" = 10000 &&
	tuimaild_start
'

test_expect_success 'login: the index is built in the background' '
	ssh_open "$W" jane@example.com &&
	wait_screen "$W" "Password:" && keys "$W" jane-pw Enter &&
	wait_screen "$W" "INBOX: 1/3 .*100x30" 20 &&
	for _ in $(seq 100); do
		test -n "$(find "$TEST_DIR/state" -name search.lock)" && break
		sleep 0.1
	done &&
	test -n "$(find "$TEST_DIR/state" -path "*mirror/.notmuch" -type d)"
'

test_expect_success 'queries: words, a phrase, non-ASCII, a date range, folders' '
	search harbour &&
	wait_screen "$W" "^4 messages match: harbour\$" 20 &&
	row 3 | grep -E "^N   24 Nov +Marcus O Brien +Lunch on Friday\\? +INBOX" &&
	row 4 | grep -E "^N   2025-04-16 Ann Ek +Paint +Lists" &&
	expect_count "\"blue harbour lantern\"" 2 &&
	expect_count "blue and harbour and lantern" 3 &&
	expect_count Ærøskøbing 2 &&
	expect_count from:Müller 1 &&
	screen "$W" | grep -E " Zoë Müller +tuimail release planning +Lists" &&
	expect_count date:2025-03-01..2025-04-30 3 &&
	expect_count "folder:INBOX and not tag:flagged" 3
'

test_expect_success 'Up recalls the earlier queries at the prompt' '
	keys "$W" / && wait_screen "$W" "^Search:\$" &&
	keys "$W" Up && wait_screen "$W" "^Search: folder:INBOX and not tag:flagged" &&
	keys "$W" Up Up && wait_screen "$W" "^Search: from:Müller" &&
	keys "$W" Down && wait_screen "$W" "^Search: date:2025" &&
	keys "$W" Enter && wait_screen "$W" "^3 messages match: date:2025-03-01..2025-04-30\$"
'

test_expect_success 'Enter opens a result in the pager; q comes back' '
	expect_count subject:Postcard 1 &&
	keys "$W" Enter &&
	wait_screen "$W" "^Subject: Postcard" &&
	wait_screen "$W" "^Greetings from Ærøskøbing!" &&
	keys "$W" q && wait_screen "$W" "^1 message matches: subject:Postcard\$" &&
	wait_screen "$W" "^    2025-06-05 Bo Lund +Postcard +INBOX"
'

test_expect_success 'F flags a result over IMAP, in its own folder' '
	expect_count "subject:\"Harbour lights\" and not subject:Re" 1 &&
	keys "$W" F && wait_screen "$W" "^N!  2025-03-03 Ann Ek " &&
	imapc flags Lists "Harbour lights" | grep -q "Flagged" &&
	expect_count tag:flagged 1
'

test_expect_success 'new mail is searchable within 10 s of delivery' '
	keys "$W" q && wait_screen "$W" "^q:Quit" &&
	wait_screen "$W" " Lists: " &&
	keys "$W" c && wait_screen "$W" "^q:Back  Enter:Open" &&
	keys "$W" Home Enter && wait_screen "$W" " INBOX: 1/3 " &&
	lmsg new.eml "Wed, 25 Nov 2026 08:00:00 +0000" \
		"Nia Gale <nia@example.org>" "nightingale song" "Heard at dusk." &&
	start=$(date +%s) &&
	deliver_lmtp jane@example.com new.eml &&
	search subject:nightingale &&
	wait_screen "$W" "^1 message matches: subject:nightingale\$" 15 &&
	took=$(($(date +%s) - start)) && echo "searchable after $took s" &&
	test "$took" -le 10 &&
	screen "$W" | grep -E "^N   08:00 +Nia Gale +nightingale song +INBOX"
'

test_expect_success 'moved and deleted by another IMAP client: the results follow' '
	keys "$W" q && wait_screen "$W" "^q:Quit" &&
	expect_count harbour 4 &&
	screen "$W" | grep -E "Re: Harbour lights +Lists" &&
	imapc delete Lists Paint &&
	imapc move Lists "Re: Harbour lights" INBOX &&
	wait_screen "$W" "^3 messages match: harbour\$" 25 &&
	! screen "$W" | grep -q " Paint " &&
	wait_screen "$W" "Re: Harbour lights +INBOX" 25
'

test_expect_success 'a saved search: under the folder list, run from there' '
	keys "$W" W && wait_screen "$W" "^Save search as:" &&
	keys "$W" -l "harbour mail" && keys "$W" Enter &&
	wait_screen "$W" "search saved as .harbour mail." &&
	keys "$W" c && wait_screen "$W" " /harbour mail +harbour" &&
	keys "$W" End && keys "$W" Enter &&
	wait_screen "$W" "^3 messages match: harbour\$" &&
	keys "$W" q && wait_screen "$W" "^q:Quit"
'

test_expect_success 'd moves a result to Trash; the row follows it there' '
	expect_count subject:invoice 1 &&
	keys "$W" d && wait_screen "$W" "^moved to Trash" &&
	wait_screen "$W" "Quarterly invoice +Trash" 15 &&
	keys "$W" q && wait_screen "$W" "^q:Quit"
'

# bob_login NAME: a session of bob's in a window 130 columns wide, so that
# the status bar has room for "indexed 12,345 of 10,000" beside the rest.
bob_login() {
	ssh_open "$1" bob@example.com &&
	tmx resize-window -t "$1" -x 130 -y 30 &&
	wait_screen "$1" "Password:" && keys "$1" bob-pw Enter
}

test_expect_success 'a second session searches while the first indexes; progress shown' '
	bob_login b1 && wait_screen b1 "INBOX: 1/10000 " 20 &&
	wait_screen b1 "indexed [0-9,]+ of 10,000 " 10 &&
	bob_login b2 && wait_screen b2 "INBOX: 1/10000 .*130x30" 20 &&
	keys b2 / && wait_screen b2 "^Search:" && keys b2 "*" Enter &&
	wait_screen b2 "^10000 found in INBOX by IMAP SEARCH \\(index not complete\\): \\*" 5 &&
	screen b1 | grep -E "indexed [0-9,]+ of 10,000 " &&
	wait_screen b2 "indexed [0-9,]+ of 10,000 " 5
'

test_expect_success 'the writer finishes; the reader then searches the index' '
	for _ in $(seq 300); do
		screen b1 | grep -qE "indexed [0-9,]+ of 10,000" || break
		sleep 0.1
	done &&
	! screen b1 | grep -qE "indexed [0-9,]+ of 10,000" &&
	wait_screen b2 "^10000 messages match: \\*" 10 &&
	keys b2 q && wait_screen b2 "^q:Quit" &&
	keys b2 / && wait_screen b2 "^Search:" && keys b2 -l "from:Müller" && keys b2 Enter &&
	wait_screen b2 "^[0-9]+ messages? match(es)?: from:Müller" 10
'

test_done
