#!/usr/bin/env bash
# Search (issue 6, the mail layer): the mirror fetched over IMAP into a
# Maildir in the user's state dir, the notmuch index over it, kept in
# step in bounded steps, through the search-check helper against the
# private Dovecot. A corpus with answers computed apart (a Python scan of
# the same files) checks the queries; other IMAP clients move, delete and
# flag mail and the index follows; a second session searches read-only
# while the first indexes, and never waits; a killed indexer resumes; a
# new UIDVALIDITY fetches the folder again; Dovecot's Maildir is indexed
# in place with the same answers and UIDs.
test_description='search: mirror, notmuch index, one writer, Maildir'
. "$(dirname "$0")/lib.sh"

export TZ=UTC

# sj ARGS...: search-check as jane over the mirror in $TEST_DIR/sj.
sj() {
	echo jane-pw-1 | ./search-check -s none "$TEST_DIR/sj" 127.0.0.1 \
		"$IMAP_PORT" jane@example.com "$@"
}

# sm ARGS...: search-check as jane over Dovecot's Maildir, in place.
sm() {
	echo jane-pw-1 | ./search-check -s none \
		-m "$MAIL_ROOT/example.com/jane/Maildir" "$TEST_DIR/sm" \
		127.0.0.1 "$IMAP_PORT" jane@example.com "$@"
}

# sb ARGS...: search-check as bob (the big mailbox) in $TEST_DIR/sb.
sb() {
	echo bob-pw-1 | ./search-check -s none "$TEST_DIR/sb" 127.0.0.1 \
		"$IMAP_PORT" bob@example.com "$@"
}

# imapc COMMAND ARGS...: another IMAP client, as jane (imap.py).
imapc() { SRV_PASS=jane-pw-1 "$SRV_PYTHON" imap.py "$@"; }

# ms: milliseconds now.
now_ms() { date +%s%3N; }

write_helpers() {
	cat >imap.py <<'PY'
import imaplib, os, re, sys
m = imaplib.IMAP4('127.0.0.1', int(os.environ['IMAP_PORT']))
m.login('jane@example.com', os.environ['SRV_PASS'])
cmd, folder = sys.argv[1], sys.argv[2]
m.select('"%s"' % folder, readonly=(cmd in ('uid', 'uidvalidity')))
if cmd == 'uid':            # uid FOLDER MESSAGE-ID
    typ, data = m.uid('SEARCH', 'HEADER', 'Message-ID', sys.argv[3])
    print(' '.join(data[0].decode().split()))
elif cmd == 'uidvalidity':
    typ, data = m.status('"%s"' % folder, '(UIDVALIDITY)')
    print(re.search(rb'UIDVALIDITY (\d+)', data[0]).group(1).decode())
elif cmd == 'move':         # move FOLDER UID DEST
    m.uid('MOVE', sys.argv[3], '"%s"' % sys.argv[4])
elif cmd == 'delete':       # delete FOLDER UID
    m.uid('STORE', sys.argv[3], '+FLAGS', '(\\Deleted)')
    m.expunge()
elif cmd == 'flag':         # flag FOLDER UID +FLAGS|-FLAGS
    m.uid('STORE', sys.argv[3], sys.argv[4][0] + 'FLAGS',
          '(%s)' % sys.argv[4][1:])
m.logout()
PY
	cat >deliver.py <<'PY'
import os, smtplib, sys
s = smtplib.LMTP('127.0.0.1', int(os.environ['LMTP_PORT']))
s.sendmail('sender@example.org', [sys.argv[1]], open(sys.argv[2], 'rb').read())
s.quit()
PY
	# The answers, from the files themselves: a query and its count a
	# line. Tokens as Xapian makes them (runs of word characters, case
	# folded); dates in UTC, as TZ is.
	cat >expect.py <<'PY'
import datetime as dt, email, os, re, sys
from email import policy
from email.utils import parsedate_to_datetime
msgs = []
for folder, d in (("INBOX", "inbox"), ("Archive", "archive"),
                  ("Lists/tuimail", "lists")):
    for f in sorted(os.listdir(d)):
        raw = open(os.path.join(d, f), 'rb').read()
        m = email.message_from_bytes(raw, policy=policy.default)
        def hdr(name):
            try:
                return str(m[name] or '')
            except Exception:
                return ''
        text = [hdr('subject')]
        for part in m.walk():
            if part.get_content_maintype() != 'text':
                continue
            try:
                text.append(part.get_content())
            except Exception:
                pass
        try:
            when = parsedate_to_datetime(hdr('date')).timestamp()
        except Exception:
            when = 0
        msgs.append(dict(folder=folder,
                         flags=f.split(':2,')[1] if ':2,' in f else '',
                         frm=hdr('from'), subject=hdr('subject'),
                         date=when, text=' '.join(text)))
def toks(s):
    return re.findall(r'\w+', s.casefold())
def phrase(s, words):
    t, w = toks(s), toks(words)
    return any(t[i:i + len(w)] == w for i in range(len(t) - len(w) + 1))
def day(y, mo, d):
    return dt.datetime(y, mo, d, tzinfo=dt.timezone.utc).timestamp()
queries = [
    ('*', lambda m: True),
    ('folder:INBOX', lambda m: m['folder'] == 'INBOX'),
    ('folder:inbox', lambda m: m['folder'] == 'INBOX'),
    ('folder:Lists/tuimail', lambda m: m['folder'] == 'Lists/tuimail'),
    ('tag:unread', lambda m: 'S' not in m['flags']),
    ('tag:flagged and folder:INBOX',
     lambda m: 'F' in m['flags'] and m['folder'] == 'INBOX'),
    ('not tag:unread and folder:Archive',
     lambda m: 'S' in m['flags'] and m['folder'] == 'Archive'),
    ('tag:replied', lambda m: 'R' in m['flags']),
    ('from:Müller', lambda m: phrase(m['frm'], 'Müller')),
    ('from:jane@example.com', lambda m: phrase(m['frm'], 'jane@example.com')),
    ('subject:invoice', lambda m: 'invoice' in toks(m['subject'])),
    ('date:2026-01-01..2026-06-30',
     lambda m: day(2026, 1, 1) <= m['date'] < day(2026, 7, 1)),
    ('date:2026-11-25',
     lambda m: day(2026, 11, 25) <= m['date'] < day(2026, 11, 26)),
    ('date:2025-03..2025-05 and folder:Lists/tuimail',
     lambda m: day(2025, 3, 1) <= m['date'] < day(2025, 6, 1)
     and m['folder'] == 'Lists/tuimail'),
    ('Ærøskøbing', lambda m: 'ærøskøbing' in toks(m['text'])),
    ('München', lambda m: 'münchen' in toks(m['text'])),
    ('"blue harbour lantern"', lambda m: phrase(m['text'],
                                                'blue harbour lantern')),
    ('blue and harbour and lantern',
     lambda m: all(w in toks(m['text'])
                   for w in ('blue', 'harbour', 'lantern'))),
]
for q, pred in queries:
    print('%s\t%d' % (q, sum(1 for m in msgs if pred(m))))
PY
}

# lmsg FILE DATE FROM SUBJECT BODY [CHARSET-HEADERS]: a hand-made message.
lmsg() {
	{
		printf 'From: %s\nTo: tuimail@lists.example.org\n' "$3"
		printf 'Subject: %s\nDate: %s\n' "$4" "$2"
		printf 'Message-ID: <%s@lists.example.org>\n' "$(basename "$1")"
		printf 'MIME-Version: 1.0\n'
		printf '%s\n' "${6:-Content-Type: text/plain; charset=utf-8}"
		printf '\n%s\n' "$5"
	} >"$1"
}

test_expect_success 'setup: accounts, Dovecot, a corpus in three folders' '
	write_conf &&
	tuimailctl domain add example.com &&
	echo jane-pw-1 | tuimailctl account add jane@example.com &&
	echo bob-pw-1 | tuimailctl account add bob@example.com &&
	dovecot_start "$TEST_DIR/dovecot" "$TEST_DIR/db/tuimail.db" &&
	write_helpers &&
	"$SRV_PYTHON" "$TOP/tests/corpus/gen-demo.py" corpus --count 200 \
		--to jane@example.com --now 2026-11-25 &&
	mkdir inbox archive lists &&
	for i in $(seq 200); do
		f=$(printf %04d $i) fl=
		[ $((i % 7)) = 0 ] && fl=${fl}F
		[ $((i % 11)) = 0 ] && fl=${fl}R
		[ $((i % 3)) = 0 ] || fl=${fl}S
		d=inbox
		[ $i -gt 160 ] && d=archive
		cp corpus/$f.eml "$d/$f.eml${fl:+:2,$fl}" || return 1
	done &&
	lmsg lists/l1.eml "Mon, 3 Mar 2025 10:00:00 +0000" \
		"Ann Ek <ann@lists.example.org>" "Harbour lights" \
		"We met at the blue harbour lantern festival in Ærøskøbing." &&
	mv lists/l1.eml lists/l1.eml:2,S &&
	lmsg lists/l2.eml "Tue, 4 Mar 2025 10:00:00 +0000" \
		"Bo Lund <bo@lists.example.org>" "Re: Harbour lights" \
		"The blue harbour lantern was lit again." &&
	lmsg lists/l3.eml "Wed, 16 Apr 2025 10:00:00 +0000" \
		"Ann Ek <ann@lists.example.org>" "Paint" \
		"A lantern by the harbour, painted blue." &&
	lmsg lists/l4.eml "Thu, 5 Jun 2025 10:00:00 +0000" \
		"Bo Lund <bo@lists.example.org>" "Postcard" \
		"Greetings from Ærøskøbing!" &&
	lmsg lists/l5.eml "Fri, 6 Jun 2025 10:00:00 +0000" \
		"Ann Ek <ann@lists.example.org>" "Reise" \
		"Gr=FC=DFe aus M=FCnchen" \
		"Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable" &&
	lmsg lists/l6.eml "Sat, 7 Jun 2025 10:00:00 +0000" \
		"=?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe.mueller@example.de>" \
		"tuimail release planning" "Shall we plan the release?" &&
	test "$(deliver_bulk jane@example.com inbox)" = 160 &&
	test "$(deliver_bulk jane@example.com archive Archive)" = 40 &&
	test "$(deliver_bulk jane@example.com lists Lists/tuimail)" = 6 &&
	"$SRV_PYTHON" expect.py >expect.txt &&
	test "$(wc -l <expect.txt)" = 18 &&
	cc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$TOP" \
		${SEARCH_CHECK_CFLAGS:-} \
		-o search-check "$TEST_SRC/search-check.c" "$BUILD/libindex.a" \
		"$BUILD/libutil.a" \
		$(pkg-config --libs ncursesw gnutls gmime-3.0 libxml-2.0 sqlite3) \
		-letpan -lnotmuch
'

test_expect_success 'before the first sync: no index, nothing complete' '
	sj role "count *" "complete INBOX" progress >out &&
	cat >expect <<-\EOF &&
	writer
	count 0
	complete INBOX 0
	indexed 0 of 0, 0 folders, 0 complete
	EOF
	test_cmp expect out
'

test_expect_success 'the first sync mirrors every folder into a Maildir' '
	sj sync folders >out &&
	test_grep "^synced 206 of 206\$" out &&
	uv=$(imapc uidvalidity INBOX) &&
	test_grep "^folder INBOX|INBOX|$uv|160|160|1\$" out &&
	test_grep "^folder Archive|Archive|[0-9]*|40|40|1\$" out &&
	test_grep "^folder Lists/tuimail|Lists/tuimail|[0-9]*|6|6|1\$" out &&
	test "$(ls sj/mirror/INBOX/cur | wc -l)" = 160 &&
	test "$(ls sj/mirror/Archive/cur | wc -l)" = 40 &&
	test "$(ls sj/mirror/Lists/tuimail/cur | wc -l)" = 6 &&
	test_grep "^$uv\\.1:2,S\$" <(ls sj/mirror/INBOX/cur) &&
	test_grep "^$uv\\.3:2,\$" <(ls sj/mirror/INBOX/cur) &&
	test_grep "^$uv\\.77:2,FRS\$" <(ls sj/mirror/INBOX/cur) &&
	! grep -q "$(printf "\\r")" sj/mirror/INBOX/cur/* &&
	sj "complete INBOX" "complete Lists/tuimail" >out &&
	test_grep "^complete INBOX 1\$" out &&
	test_grep "^complete Lists/tuimail 1\$" out
'

# check_answers SEARCHER: every query of expect.txt counts as computed.
check_answers() {
	local args=() q
	while IFS="	" read -r q _; do args+=("count $q"); done <expect.txt
	"$1" "${args[@]}" >counts &&
	cut -f2 expect.txt | sed "s/^/count /" >want &&
	paste expect.txt counts &&
	test_cmp want counts
}

test_expect_success 'known answers: 18 queries (dates, non-ASCII, phrase)' '
	check_answers sj &&
	answer() { grep "^$1	" expect.txt | cut -f2; } &&
	test "$(answer "\"blue harbour lantern\"")" = 2 &&
	test "$(answer "blue and harbour and lantern")" = 3 &&
	test "$(answer Ærøskøbing)" = 2 &&
	test "$(answer "date:2026-01-01..2026-06-30")" -gt 0 &&
	test "$(answer "from:Müller")" -gt 0 &&
	test "$(answer München)" -gt 0
'

test_expect_success 'hits: newest first, folder and UID as the server has them' '
	sj "search folder:Lists/tuimail" "page 1 2 folder:Lists/tuimail" >out &&
	cat out &&
	test "$(grep -c "^hit " out)" = 8 &&
	sed -n 1,6p out | cut -d" " -f6 >dates &&
	sort -rn dates | test_cmp - dates &&
	uv=$(imapc uidvalidity Lists/tuimail) &&
	uid=$(imapc uid Lists/tuimail "<l1.eml@lists.example.org>") &&
	test_grep "^hit Lists/tuimail $uv $uid S [0-9]* 1 l1.eml@lists.example.org | Ann Ek <ann@lists.example.org> | Harbour lights\$" out &&
	test_grep "^hit Lists/tuimail $uv [0-9]* - [0-9]* 1 l6.eml@lists.example.org | Zoë Müller <zoe.mueller@example.de> | tuimail release planning\$" out &&
	test "$(sed -n 7,8p out | cut -d" " -f8)" = "$(sed -n 2,3p out | cut -d" " -f8)" &&
	sj "count tag:flagged and tag:replied and not tag:unread" >out2 &&
	test_grep "^count 2\$" out2
'

test_expect_success 'Dovecot'\''s Maildir indexed in place: same answers, same UIDs' '
	sm sync >out &&
	test_grep "^synced 206 of 206\$" out &&
	test -L sm/maildir/INBOX/cur && test -L sm/maildir/Lists/tuimail/cur &&
	check_answers sm &&
	sj "search folder:Archive" | cut -d" " -f2-5 | sort >mirror.hits &&
	sm "search folder:Archive" | cut -d" " -f2-5 | sort >maildir.hits &&
	test "$(wc -l <maildir.hits)" = 40 &&
	test_cmp mirror.hits maildir.hits
'

test_expect_success 'new mail is searchable within 10 s of delivery' '
	lmsg new.eml "Sun, 8 Jun 2025 10:00:00 +0000" \
		"Nia Gale <nia@example.org>" "nightingale song" "Heard at dusk." &&
	sj -i 2 sync "shell $SRV_PYTHON deliver.py jane@example.com new.eml" \
		"await 1 10 subject:nightingale" \
		"search subject:nightingale" >out &&
	cat out &&
	ms=$(sed -n "s/^await //p" out) &&
	test "$ms" -lt 10000 &&
	test_grep "^hit INBOX [0-9]* 161 - " out &&
	sm -i 2 sync "await 1 10 subject:nightingale" >out &&
	test_grep "^await " out
'

test_expect_success 'moved, deleted and flagged by another client: followed' '
	mid=$(sed -n "s/^Message-ID: *<\(.*\)>.*/\1/Ip" corpus/0010.eml | head -n 1) &&
	mid2=$(sed -n "s/^Message-ID: *<\(.*\)>.*/\1/Ip" corpus/0020.eml | head -n 1) &&
	mid3=$(sed -n "s/^Message-ID: *<\(.*\)>.*/\1/Ip" corpus/0030.eml | head -n 1) &&
	u1=$(imapc uid INBOX "<$mid>") && u2=$(imapc uid INBOX "<$mid2>") &&
	u3=$(imapc uid INBOX "<$mid3>") &&
	test -n "$u1" && test -n "$u2" && test -n "$u3" &&
	sj "count id:$mid and folder:INBOX" "count id:$mid2" \
		"count id:$mid3 and tag:flagged" >out &&
	printf "count 1\ncount 1\ncount 0\n" | test_cmp - out &&
	imapc move INBOX "$u1" Archive &&
	imapc delete INBOX "$u2" &&
	imapc flag INBOX "$u3" "+\\Flagged" &&
	sj -i 1 "await 0 10 id:$mid and folder:INBOX" \
		"await 1 10 id:$mid and folder:Archive" \
		"await 0 10 id:$mid2" "await 1 10 id:$mid3 and tag:flagged" \
		"search id:$mid" >out &&
	cat out &&
	test "$(grep -c "^await " out)" = 4 &&
	test_grep "^hit Archive [0-9]* [0-9]* " out &&
	! ls sj/mirror/INBOX/cur | grep -q "^[0-9]*\\.$u2:" &&
	ls sj/mirror/INBOX/cur | grep -q "^[0-9]*\\.$u3:2,F" &&
	sm -i 1 "await 0 10 id:$mid2" "await 1 10 id:$mid and folder:Archive" \
		"await 1 10 id:$mid3 and tag:flagged" >out &&
	test "$(grep -c "^await " out)" = 3
'

test_expect_success 'a new UIDVALIDITY fetches the folder again' '
	old=$(imapc uidvalidity Archive) &&
	sj "count folder:Archive" >before &&
	doveadm -c "$DOVECOT_CONF" mailbox update -u jane@example.com \
		--uid-validity 4242 Archive &&
	test "$(imapc uidvalidity Archive)" = 4242 &&
	sj sync "count folder:Archive" "search folder:Archive" >out &&
	test "$(grep "^count" out)" = "$(cat before)" &&
	! grep "^hit Archive " out | grep -v -q "^hit Archive 4242 " &&
	! ls sj/mirror/Archive/cur | grep -q -v "^4242\\." &&
	test "$(ls sj/mirror/Archive/cur | wc -l)" = 41
'

test_expect_success 'setup: 4000 messages for bob' '
	"$SRV_PYTHON" "$TOP/bench/gen-folder.py" big 4000 --big 2000 >/dev/null &&
	test "$(deliver_bulk bob@example.com big/cur)" = 4000
'

test_expect_success 'a second session searches read-only while the first indexes' '
	echo bob-pw-1 | ./search-check -s none "$TEST_DIR/sb" 127.0.0.1 \
		"$IMAP_PORT" bob@example.com sync >writer.out 2>&1 &
	writer=$! &&
	test_track_pid "$writer" &&
	for _ in $(seq 100); do
		sb progress 2>/dev/null | grep -q "^indexed [1-9]" && break
		sleep 0.1
	done &&
	start=$(now_ms) &&
	sb -t role "count *" "complete INBOX" progress >reader.out &&
	took=$(($(now_ms) - start)) &&
	cat reader.out && echo "reader took $took ms" &&
	test_grep "^reader\$" reader.out &&
	test_grep "^complete INBOX 0\$" reader.out &&
	test_grep "^indexed [1-9][0-9]* of 4000" reader.out &&
	ms=$(sed -n "s/^time count \\* //p" reader.out) &&
	test "${ms%.*}" -lt 200 &&
	test "$took" -lt 2000 &&
	kill -0 "$writer" &&
	! grep -q "^synced" writer.out
'

test_expect_success 'a killed indexer: the next session takes over and resumes' '
	kill -KILL "$writer" 2>/dev/null;
	while kill -0 "$writer" 2>/dev/null; do sleep 0.05; done &&
	sb progress >before &&
	cat before &&
	sb -t -d role sync "count *" "count folder:INBOX and tag:unread" \
		>out 2>err &&
	test_grep "INBOX. has [0-9]* files, compared with the index" err &&
	cat out &&
	test_grep "^writer\$" out &&
	test_grep "^synced 4000 of 4000\$" out &&
	test_grep "^count 4000\$" out &&
	test "$(ls sb/mirror/INBOX/cur | wc -l)" = 4000 &&
	test "$(ls sb/mirror/INBOX/tmp | wc -l)" = 0 &&
	unread=$(ls big/cur | grep -c -v ":2,.*S") &&
	test_grep "^count $unread\$" out
'

test_expect_success 'after a clean close the next session trusts the index' '
	sb -d sync >out 2>err &&
	test_grep "^synced 4000 of 4000\$" out &&
	test_grep "INBOX. has 4000 files\$" err
'

test_expect_success 'a lost index is rebuilt from the mirror, nothing fetched' '
	ls -i sb/mirror/INBOX/cur | sort >inodes.before &&
	rm -rf sb/mirror/.notmuch &&
	sb -t sync "count *" "count tag:flagged" >out &&
	test_grep "^synced 4000 of 4000\$" out &&
	test_grep "^count 4000\$" out &&
	flagged=$(ls big/cur | grep -c ":2,F") &&
	test_grep "^count $flagged\$" out &&
	ls -i sb/mirror/INBOX/cur | sort >inodes.after &&
	test_cmp inodes.before inodes.after
'

test_expect_success 'the address book: correspondents by prefix, most frequent first' '
	sj "addresses zo" "addresses mül" "addresses priya" >out &&
	cat out &&
	test "$(grep -c "^addr [0-9]* zoe.mueller@example.de Zoë Müller\$" out)" = 2 &&
	test_grep "^addr [0-9]* priya.r@example.in Priya Raghunathan\$" out &&
	! grep -q "jane@example.com" out
'
test_done
