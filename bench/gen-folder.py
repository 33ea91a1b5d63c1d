#!/usr/bin/python3
"""Write a large, varied Maildir folder fast, for bench/b0002-folder.sh.

Usage: gen-folder.py MAILDIR COUNT [--big N]

Writes COUNT small messages straight into MAILDIR/cur (creating cur, new
and tmp), named so that Dovecot assigns UIDs in file-name order on its
first sync: no LMTP, no doveadm, about 20,000 messages a second; the names
carry S= and W= sizes as Dovecot's own do. Each
file's mtime is its arrival time (Dovecot's INTERNALDATE for Maildir).

The mail is varied so that the server's SORT and THREAD have work to do:
500 senders, subjects from a word list (a fifth of them replies with
In-Reply-To and References to an earlier message), Date headers over five
years in an order of their own (date order is not arrival order), several
time zones, bodies of 200 bytes to 6 KB, 70% seen, 4% flagged. The newest
message is N bytes (--big, default 51200): the "open a 50 KB message"
figure; it and the one before it are seen. Deterministic: the same
arguments give the same files.
"""

import os
import random
import sys

WORDS = ("budget meeting report invoice travel plan draft review lunch "
         "release server backup quarterly design contract offer photos "
         "schedule update question deadline project summary notes agenda "
         "holiday training access password network printer migration").split()
FIRST = ("Anna Ben Chloé Dmitri Eva Farid Grete Hiro Inés Jonas Kaito Lena "
         "Marta Noah Olga Pablo Quinn Rosa Sven Tomoko Uma Viktor Wen Yara "
         "Zoë").split()
LAST = ("Müller Smith Tanaka Nowak Rossi García Dubois Jensen Kowalski "
        "Silva Novak Ivanova Chen Okafor Lindqvist Papadopoulos Yilmaz "
        "Haddad O'Brien Sato").split()
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec")
ZONES = (0, 60, 120, -300, -480, 330, 540)
START = 1550000000  # early 2019
SPAN = 5 * 365 * 86400


def rfc5322(t, zone):
    """The Date header of Unix time t shown in a zone zone minutes east."""
    import time
    tm = time.gmtime(t + zone * 60)
    sign = "+" if zone >= 0 else "-"
    return "%s, %d %s %d %02d:%02d:%02d %s%02d%02d" % (
        DAYS[tm.tm_wday], tm.tm_mday, MONTHS[tm.tm_mon - 1], tm.tm_year,
        tm.tm_hour, tm.tm_min, tm.tm_sec, sign, abs(zone) // 60,
        abs(zone) % 60)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root, count = sys.argv[1], int(sys.argv[2])
    big = 51200
    if len(sys.argv) >= 5 and sys.argv[3] == "--big":
        big = int(sys.argv[4])
    rng = random.Random("tuimail-bench-folder-v1")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    senders = ["%s %s" % (rng.choice(FIRST), rng.choice(LAST))
               for _ in range(500)]
    filler = ("The quick brown fox jumps over the lazy dog, again and "
              "again, until the message is long enough.\n")
    ids = []
    arrival = START
    for i in range(1, count + 1):
        arrival += rng.randint(1, 2 * SPAN // max(count, 1))
        sent = START + rng.randint(0, SPAN)
        name = rng.choice(senders)
        addr = name.lower().replace(" ", ".").replace("'", "")
        addr = addr.encode("ascii", "replace").decode().replace("?", "x")
        subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
        headers = []
        if ids and rng.random() < 0.2:
            parent = ids[rng.randint(max(0, len(ids) - 200), len(ids) - 1)]
            subject = "Re: " + subject
            headers.append("In-Reply-To: %s" % parent)
            headers.append("References: %s" % parent)
        msgid = "<%d.%d@bench.example>" % (i, rng.randint(0, 1 << 30))
        ids.append(msgid)
        if name.isascii():
            from_ = "%s <%s@example.net>" % (name, addr)
        else:
            from_ = "=?UTF-8?B?%s?= <%s@example.net>" % (
                __import__("base64").b64encode(name.encode()).decode(), addr)
        size = big if i == count else rng.randint(200, 6000)
        body = (filler * (size // len(filler) + 1))[:size]
        text = ("From: %s\nTo: bench@example.com\nSubject: %s\nDate: %s\n"
                "Message-ID: %s\n%sMIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=utf-8\n\n%s\n") % (
                    from_, subject, rfc5322(sent, rng.choice(ZONES)), msgid,
                    "".join(h + "\n" for h in headers), body)
        flags = ""
        r = rng.random()
        if r < 0.04:
            flags = "FS"
        elif r < 0.74 or i >= count - 1:
            flags = "S"
        # Named as Dovecot names what it delivers: the size (S=) and the
        # size with CRLF line ends (W=, RFC822.SIZE) in the name, so that
        # the server need not read a file to tell its size. Dovecot keeps
        # the base name (no ":2,") in dovecot-uidlist, as for its own
        # files, so a file of no flags must have no ":2," either.
        data = text.encode()
        name = "%d.M%06dP1.bench,S=%d,W=%d" % (
            arrival, i, len(data), len(data) + data.count(b"\n"))
        if flags:
            name += ":2," + flags
        path = os.path.join(root, "cur", name)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (arrival, arrival))
    print(count)


main()
