#!/usr/bin/python3
"""Generate a deterministic corpus of realistic demo mail for tuimail.

Usage: gen-demo.py OUTDIR [--count N] [--to ADDR] [--now YYYY-MM-DD] [-v]

Writes N (default 200) RFC 5322 messages OUTDIR/0001.eml, 0002.eml, ... in
date order (oldest first) and nothing else.  `make demo` loads them into the
demo account; UI tests use them as a known, varied mailbox.  Everything is
derived from a fixed seed and from --now (default: today), so the same
arguments always produce byte-identical files.  Python 3 standard library
only, no network.

What is in it, and why:
  * ~30 conversation threads of 2-8 messages between the --to user and a cast
    of 15 correspondents (non-ASCII names: Zoë Müller, 山田太郎, José Ñúñez,
    Greek, Cyrillic, Arabic ...), with proper Message-ID / In-Reply-To /
    References chains, "Re:" subjects, quoted replies and some replies written
    by the user herself -- exercises threading and the conversation view.
  * plain text (fixed and format=flowed), multipart/alternative with links,
    HTML-only mail with remote images (a client must never fetch them).
  * attachments: PDF, .txt, PNG, calendar invite (.ics), a forwarded
    message/rfc822, non-ASCII file names (RFC 2231).
  * charsets: RFC 2047 encoded words (UTF-8 B and Q, ISO-8859-1 Q,
    Shift_JIS B), a Latin-1 quoted-printable body, a Shift_JIS body, emoji.
  * a ~30 KB newsletter, a long plain-text message, mailing-list mail with
    List-Id, dates over the last two years and several from "today".
  * one hostile message whose subject, sender name and body carry raw
    terminal escape sequences (OSC 0 title, CSI 2J ...) -- sanitiser test.

--now only moves the dates: for a given --count the file numbering and
contents are the same whatever the date.  -v prints a manifest (file, UTC
date, kind).  Earlier NNNN.eml files in OUTDIR are removed first.

Every message except the hostile one parses with Python's email package
without defects; the hostile one is written raw on purpose.
"""

import argparse
import base64
import datetime as dt
import html
import os
import random
import re
import struct
import sys
import textwrap
import zlib
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

SEED = "tuimail-demo-corpus-v1"
POLICY = policy.default            # LF line endings, RFC-correct folding
UTC = dt.timezone.utc
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# --------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------

class Person:
    def __init__(self, name, addr, tz_hours, first, greet="Hi {},",
                 signoff="", sig=""):
        self.name, self.addr, self.first = name, addr, first
        self.tz = dt.timezone(dt.timedelta(hours=tz_hours))
        self.greet, self.signoff, self.sig = greet, signoff, sig

    @property
    def domain(self):
        return self.addr.split("@", 1)[1]

    @property
    def address(self):
        user, domain = self.addr.split("@", 1)
        return Address(self.name, user, domain)


CAST = {
    "zoe": Person("Zoë Müller", "zoe.mueller@example.de", 1, "Zoë",
                  "Hallo {},", "Liebe Grüße,\nZoë"),
    "taro": Person("山田太郎", "taro.yamada@example.jp", 9, "Taro",
                   "{}さん、", "よろしくお願いします。\n山田"),
    "jose": Person("José Ñúñez", "jose.nunez@example.es", 1, "José",
                   "Hola {}:", "Un abrazo,\nJosé"),
    "priya": Person("Priya Raghunathan", "priya.r@example.in", 5.5, "Priya",
                    "Hi {},", "Thanks,\nPriya"),
    "marcus": Person("Marcus O'Brien", "marcus@example.ie", 0, "Marcus",
                     "Hey {},", "Cheers,\nMarcus"),
    "soren": Person("Søren Løvborg", "soren@example.dk", 1, "Søren",
                    "Hej {},", "Venlig hilsen,\nSøren"),
    "amelie": Person("Amélie Durand", "amelie.durand@example.fr", 1, "Amélie",
                     "Coucou {},", "Bises,\nAmélie"),
    "segun": Person("Olusegun Adeyemi", "segun.adeyemi@example.ng", 1, "Segun",
                    "Hi {},", "Best,\nSegun"),
    "chen": Person("陈伟", "chen.wei@example.cn", 8, "Chen",
                   "Hi {},", "Chen"),
    "helen": Person("Dr. Helen Park", "hpark@cs.example.edu", -8, "Helen",
                    "Dear {},", "Best regards,\nHelen",
                    "-- \nDr. Helen Park\nAssociate Professor, Dept. of "
                    "Computer Science\nhttps://cs.example.edu/~hpark"),
    "bjorn": Person("Björn Ångström", "bjorn@example.se", 1, "Björn",
                    "Hej {}!", "Hälsningar,\nBjörn"),
    "alexis": Person("Αλέξης Παπαδόπουλος", "alexis@example.gr", 2, "Alexis",
                     "Γεια σου {},", "Αλέξης"),
    "oleg": Person("Олег Смирнов", "oleg.smirnov@example.ru", 3, "Oleg",
                   "Привет, {}!", "С уважением,\nОлег"),
    "fatima": Person("فاطمة الزهراء", "fatima.z@example.ma", 0, "Fatima",
                     "Hi {},", "Fatima"),
    "sam": Person("Sam Taylor", "sam.taylor@example.com", -5, "Sam",
                  "Hi {},", "Sam",
                  "-- \nSam Taylor | Engineering Manager\n"
                  "Example Corp, 500 Market St"),
}

# Senders that are organisations rather than people.
FORGE = Person("Forge", "notifications@forge.example.com", 0, "Forge")
SHOP = Person("Aurora Books", "orders@shop.example.com", 0, "Aurora")
BANK = Person("Northwind Bank", "no-reply@northwind-bank.example", 0, "Bank")
NEWS = Person("The Weekly Byte", "newsletter@weeklybyte.example.net", 0, "WB")
NOTES = Person("Cloud Notes", "digest@cloudnotes.example.org", -5, "Notes")
LIST = Person("tuimail-dev", "tuimail-dev@lists.example.org", 0, "list")
ANNOUNCE = Person("tuimail-announce", "tuimail-announce@lists.example.org",
                  0, "announce")


def make_jane(addr):
    """The mailbox owner, named after the local part of --to."""
    local = addr.split("@", 1)[0]
    name = " ".join(w.capitalize() for w in re.split(r"[._+-]+", local) if w)
    name = name or "Jane"
    return Person(name, addr, 1, name.split()[0], "Hi {},",
                  "Best,\n" + name.split()[0])


# --------------------------------------------------------------------------
# Bodies: a body is a list of (quote_depth, text) logical lines
# --------------------------------------------------------------------------

def para_lines(*paragraphs):
    """Paragraphs separated by blank lines; '\n' inside forces a new line."""
    out = []
    for i, p in enumerate(paragraphs):
        if i:
            out.append((0, ""))
        out.extend((0, line) for line in p.split("\n"))
    return out


def compose(writer, to_first, paragraphs, greet=True):
    lines = []
    if greet:
        lines += [(0, writer.greet.format(to_first)), (0, "")]
    lines += para_lines(*paragraphs)
    if writer.signoff:
        lines += [(0, "")] + para_lines(writer.signoff)
    if writer.sig:
        lines += [(0, "")] + para_lines(writer.sig)
    return lines


def attribution(parent, reader):
    """Reply header, in the replying person's time zone."""
    d = parent["when"].astimezone(reader.tz)
    return (f"On {DAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}"
            f" at {d:%H:%M}, {parent['sender'].name} <{parent['sender'].addr}>"
            f" wrote:")


def quoted(parent, max_depth=3):
    """The parent's body without its signature, one level deeper."""
    out = []
    for depth, text in parent["lines"]:
        if depth == 0 and text == "-- ":
            break
        if depth + 1 <= max_depth:
            out.append((depth + 1, text))
    while out and out[-1][1] == "":
        out.pop()
    return out


def render_text(lines, flowed=False, width=72):
    """Plain text; with flowed=True, RFC 3676 soft line breaks + stuffing."""
    out = []
    for depth, text in lines:
        prefix = ">" * depth + (" " if depth else "")
        if text == "" or (text == "-- " and depth == 0):
            out.append(">" * depth if text == "" else text)
            continue
        segs = textwrap.wrap(text, max(20, width - len(prefix)),
                             break_long_words=False, break_on_hyphens=False)
        for i, seg in enumerate(segs):
            if flowed:
                if i < len(segs) - 1:
                    seg += " "
                if depth == 0 and (seg.startswith((" ", ">", "From "))):
                    seg = " " + seg
            out.append(prefix + seg)
    return "\n".join(out) + "\n"


URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


def linkify(text):
    esc = html.escape(text, quote=False)
    esc = URL_RE.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>',
                     esc)
    indent = len(esc) - len(esc.lstrip(" "))
    return "&nbsp;" * indent + esc[indent:]      # keep code indentation


def render_html(lines):
    """Gmail-style HTML: <div> per line, nested blockquotes for quotes."""
    out = ['<html><head><meta http-equiv="Content-Type" '
           'content="text/html; charset=utf-8"></head><body>']
    depth = 0
    for d, text in lines:
        while depth < d:
            out.append('<blockquote type="cite" style="margin:0 0 0 .8ex;'
                       'border-left:1px solid #ccc;padding-left:1ex">')
            depth += 1
        while depth > d:
            out.append("</blockquote>")
            depth -= 1
        out.append("<div>" + (linkify(text) if text else "<br>") + "</div>")
    out += ["</blockquote>"] * depth + ["</body></html>"]
    return "\n".join(out) + "\n"


CJK_RE = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def set_body(m, lines, style):
    """style: 'plain', 'flowed' or 'alt' (text + HTML alternative)."""
    if style == "flowed" and any(CJK_RE.search(t) for _, t in lines):
        style = "plain"         # flowed soft breaks make no sense for CJK
    if style == "flowed":
        m.set_content(render_text(lines, flowed=True),
                      params={"format": "flowed"})
    else:
        m.set_content(render_text(lines))
    if style == "alt":
        m.add_alternative(render_html(lines), subtype="html")


# --------------------------------------------------------------------------
# Headers, encodings and finishing touches
# --------------------------------------------------------------------------

def new_message(sender, to, subject, when, msgid, cc=(), in_reply_to=None,
                references=(), raw_from=None, raw_subject=None):
    """raw_from / raw_subject: pre-encoded header text, written verbatim."""
    m = EmailMessage(policy=POLICY)
    if raw_from:
        m.set_raw("From", raw_from)
    else:
        m["From"] = sender.address
    m["To"] = [p.address for p in to]
    if cc:
        m["Cc"] = [p.address for p in cc]
    if raw_subject:
        m.set_raw("Subject", raw_subject)
    else:
        m["Subject"] = subject
    m["Date"] = when
    m["Message-ID"] = msgid
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = " ".join(references)
    return m


def list_headers(m, lst):
    user, domain = lst.addr.split("@", 1)
    m["List-Id"] = f"{lst.name} discussion <{user}.{domain}>"
    m["List-Post"] = f"<mailto:{lst.addr}>"
    m["List-Unsubscribe"] = (f"<mailto:{user}-unsubscribe@{domain}>, "
                             f"<https://{domain}/mailman/options/{user}>")
    m["List-Archive"] = f"<https://{domain}/archives/{user}/>"
    m["Precedence"] = "list"


def encoded_word(text, charset="utf-8", enc="B", limit=64):
    """RFC 2047 encoded words (folded), encoded here so the encoding used is
    exactly the one asked for rather than whatever the library prefers."""
    words, chunk = [], ""

    def enc_one(s):
        raw = s.encode(charset)
        if enc == "B":
            payload = base64.b64encode(raw).decode("ascii")
        else:
            payload = "".join(
                "_" if b == 0x20 else
                chr(b) if chr(b).isalnum() and b < 0x80 else f"={b:02X}"
                for b in raw)
        return f"=?{charset.upper()}?{enc}?{payload}?="

    for ch in text:
        if chunk and len(enc_one(chunk + ch)) > limit:
            words.append(enc_one(chunk))
            chunk = ""
        chunk += ch
    words.append(enc_one(chunk))
    return "\n ".join(words)


def make_msgid(rng, when, domain):
    stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"<{stamp}.{rng.getrandbits(48):012x}@{domain}>"


def finish(m, tag):
    """Deterministic MIME boundaries; no stray MIME-Version in body parts."""
    counter = [0]

    def walk(part, in_multipart):
        if in_multipart and "MIME-Version" in part:
            del part["MIME-Version"]
        if part.get_content_maintype() == "multipart":
            counter[0] += 1
            part.set_boundary(f"=_tuimail_{tag}_{counter[0]}")
            for sub in part.iter_parts():
                walk(sub, True)
        elif part.get_content_type() == "message/rfc822":
            for sub in part.get_payload():
                walk(sub, False)

    walk(m, False)
    return m.as_bytes(policy=POLICY)


def local(when_utc, person):
    return when_utc.astimezone(person.tz)


# --------------------------------------------------------------------------
# Binary attachments (all tiny and valid)
# --------------------------------------------------------------------------

def tiny_pdf(title, lines):
    """A one-page PDF with Helvetica text and a compressed content stream."""
    def esc(s):
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    ops = [f"BT /F1 18 Tf 72 770 Td ({esc(title)}) Tj ET"]
    for i, line in enumerate(lines):
        ops.append(f"BT /F1 11 Tf 72 {740 - 16 * i} Td ({esc(line)}) Tj ET")
    stream = zlib.compress("\n".join(ops).encode("latin-1"), 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
        + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, xref))
    return out


def tiny_png(w=16, h=16, base=(40, 120, 200)):
    """A valid w x h RGB PNG with a gradient."""
    rows = []
    for y in range(h):
        row = bytearray([0])                        # filter type 0
        for x in range(w):
            row += bytes(((base[0] + 8 * x) % 256, (base[1] + 8 * y) % 256,
                          base[2]))
        rows.append(bytes(row))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def ics_invite(uid, organizer, attendee, start, minutes, summary, location,
               stamp):
    def z(d):
        return d.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    end = start + dt.timedelta(minutes=minutes)
    return "\n".join([
        "BEGIN:VCALENDAR",
        "PRODID:-//Example Corp//Calendar 4.2//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{z(stamp)}",
        f"DTSTART:{z(start)}",
        f"DTEND:{z(end)}",
        f"SUMMARY:{summary}",
        f"LOCATION:{location}",
        f'ORGANIZER;CN="{organizer.name}":mailto:{organizer.addr}',
        f'ATTENDEE;CN="{attendee.name}";ROLE=REQ-PARTICIPANT;',
        " PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + attendee.addr,
        "DESCRIPTION:Agenda: walk through the new message list\\, decide on",
        "  the date column format\\, next steps.",    # folded: 1 space eaten
        "STATUS:CONFIRMED",
        "SEQUENCE:0",
        "END:VEVENT",
        "END:VCALENDAR",
    ]) + "\n"


# --------------------------------------------------------------------------
# Text material
# --------------------------------------------------------------------------

JANE_GENERIC = [
    "Thanks! I'll take a look this evening and get back to you.",
    "Sounds good to me.",
    "Great, see you then.",
    "Sorry, I missed this one earlier. Yes, that works.",
    "Let me check my calendar and I'll confirm tomorrow.",
    "Perfect, thanks for sorting this out.",
    "Ha, agreed. Let's do that.",
]
OTHER_GENERIC = [
    "Thanks for getting back to me so quickly.",
    "Sorry for the slow reply, this week has been hectic. That sounds good.",
    "Makes sense. Let's go with that.",
    "Quick follow-up: did you get a chance to look at this?",
    "Perfect, thank you!",
    "I asked around and nobody objects, so I think we're good.",
    "Could we push it by a day? Something came up on my side.",
]

# Thread topics.  starter opens the thread (or receives the first mail when
# jane_starts); cc joins as a third participant; replies/jane are used in
# order, then the generic pools.
TOPICS = [
    dict(subject="Lunch on Thursday?", starter="sam",
         opening=["Are you free for lunch on Thursday? The new ramen place "
                  "on Fifth Street finally opened and I've been wanting to "
                  "try it.", "I could do 12:15 if that works for you."],
         replies=["Great. I'll book a table for two at 12:15, apparently "
                  "they fill up fast.",
                  "There was a queue out the door but our table was ready.",
                  "That was excellent. Same time next month?"],
         jane=["Thursday works! 12:15 is perfect.", "Yes please, I'm in.",
               "Definitely. My treat next time."]),
    dict(subject="Grüße aus Berlin", starter="zoe",
         opening=["Ich bin seit Montag in Berlin für die Konferenz – the "
                  "weather is terrible but the talks are great. Are you "
                  "still planning to come over in the spring?",
                  "Ich habe ein paar Fotos vom Tempelhofer Feld gemacht, "
                  "I'll send them when I'm back."],
         replies=["Wunderbar! Let me know the dates and I'll show you "
                  "around Kreuzberg. Die Currywurst geht auf mich.",
                  "Die Fotos kommen morgen, versprochen.",
                  "Schade, dass du nicht beim Abendessen warst – next time!"],
         jane=["Ooh, Berlin! Yes, I'm still planning to visit in April.",
               "Danke! Can't wait to see them."]),
    dict(subject="会議の日程について", starter="taro",
         opening=["来週の打ち合わせの日程についてご相談です。",
                  "火曜日の午後か水曜日の午前はいかがでしょうか。\n"
                  "オンラインでも大丈夫です。"],
         replies=["ありがとうございます。\nでは水曜日の10時でお願いします。\n"
                  "会議のリンクは後ほどお送りします。",
                  "資料を共有フォルダに入れておきました。\nご確認ください。"],
         jane=["Wednesday morning works for me. 水曜日の午前でお願いします。",
               "ありがとうございます! I'll read them before the meeting."]),
    dict(subject="Quarterly report draft", starter="helen", cc=["priya"],
         attach="report",
         opening=["Attached is the first draft of the quarterly report. "
                  "Sections 2 and 4 still need numbers from your teams. "
                  "Could you both have a look before Friday?"],
         replies=["I've added the survey figures to section 4. The response "
                  "rate was lower than last quarter (41% vs 47%), so I added "
                  "a footnote explaining why.",
                  "Thanks both. I'll merge everything tonight and circulate "
                  "the final version on Monday.",
                  "One small thing: the chart on page 3 still uses the old "
                  "colour scheme."],
         jane=["Thanks Helen. I'll send the numbers for section 2 by "
               "Thursday.", "Section 2 is done, see my comments in the doc.",
               "Good catch, I'll fix the chart."]),
    dict(subject="Café next week? ☕", starter="amelie",
         opening=["Ça fait longtemps ! Would you like to grab a coffee next "
                  "week? I'm free Tuesday or Wednesday afternoon, near the "
                  "office or at Café Lumière."],
         replies=["Mercredi alors ! 15h at Café Lumière?",
                  "I'm running ten minutes late, désolée. Order me a "
                  "noisette if you get there first."],
         jane=["Coffee sounds lovely. Wednesday is better for me.",
               "Perfect, 15h it is.", "No worries, I've got a table by "
               "the window."]),
    dict(subject="Re-scheduling the design review", starter="priya",
         opening=["The design review clashes with the all-hands on the "
                  "14th. Could we move it to the 16th, same time? I've "
                  "checked and the room is free."],
         replies=["Done, I've updated the invite. The doc is here: "
                  "https://docs.example.com/d/message-list-redesign",
                  "Quick reminder that the review is tomorrow at 10:00."],
         jane=["The 16th works for me.", "Thanks, I've added comments on "
               "the date column section."]),
    dict(subject="Flat viewing on Saturday", starter="jose",
         opening=["The agency confirmed the viewing for Saturday at 11:00, "
                  "Calle del Pez 14, 3º izquierda. Do you still want to "
                  "come along? A second opinion would really help.",
                  "Listing: https://pisos.example.es/anuncio/88231"],
         replies=["¡Genial! Meet you at the metro exit at 10:45.",
                  "I put in an offer! Fingers crossed.",
                  "They accepted!! Housewarming party in June, you're "
                  "invited, obviously."],
         jane=["Of course, I'll be there.", "The kitchen was lovely. "
               "Ask them about the heating bills though.",
               "Congratulations!! 🎉"]),
    dict(subject="Conference talk proposal feedback", starter="helen",
         jane_starts=True,
         opening=["Could you take a look at my talk proposal for the "
                  "systems track? The deadline is next Friday and the "
                  "abstract still feels too long to me.",
                  "Draft: https://docs.example.com/d/talk-terminal-mail"],
         replies=["I read it twice. The first paragraph is strong; I would "
                  "cut the related-work list and say more about the "
                  "evaluation. Reviewers love numbers.",
                  "Much better. Submit it!"],
         jane=["Thank you, that's really helpful. Here is a shorter "
               "version with the benchmark numbers added.",
               "Submitted. Thanks again for the quick turnaround."]),
    dict(subject="Server migration plan", starter="segun", cc=["sam"],
         opening=["Here's the plan for moving the mail servers to the new "
                  "cluster:",
                  "1. Sync mailboxes with dsync on Friday evening\n"
                  "2. Switch DNS with a 300s TTL\n"
                  "3. Keep the old servers read-only for a week",
                  "Any concerns before I announce the maintenance window?"],
         replies=["Looks good. Let's make sure the on-call rota covers "
                  "Saturday morning.",
                  "Migration done. Everything is green, I'll keep an eye on "
                  "the queues tonight.",
                  "Small hiccup: two users had stale sieve scripts, fixed."],
         jane=["Step 2: can we lower the TTL a day in advance so caches "
               "have expired by Friday?", "Great work, thanks Segun."]),
    dict(subject="Photos from the hike 📷", starter="bjorn", attach="png",
         opening=["Here's the one from the summit! The rest are in the "
                  "shared album: https://photos.example.se/album/kebnekaise",
                  "Next time we start an hour earlier, deal?"],
         replies=["Ha! I'll bring the thermos next time.",
                  "I also found your sunglasses in my backpack."],
         jane=["These are gorgeous! Deal, 6am start.",
               "Thank goodness, I thought I'd lost them."]),
    dict(subject="Book club: next pick", starter="marcus",
         opening=["Votes are in: next month we're reading \"The Left Hand "
                  "of Darkness\". We meet at mine on the 23rd, 7pm. Bring "
                  "snacks, I'll sort the wine."],
         replies=["Noted, you're on crisps duty.",
                  "Reminder: chapters 1-10 for the first session."],
         jane=["Lovely choice, I've wanted to re-read it for ages.",
               "Got it. See you on the 23rd!"]),
    dict(subject="Invoice #2231 question", starter="soren", attach="invoice",
         opening=["Please find the invoice for the March consulting work "
                  "attached. Payment terms are 30 days as usual.",
                  "Let me know if anything is unclear."],
         replies=["You're right, the VAT line is wrong. Corrected invoice "
                  "follows tomorrow, sorry about that.",
                  "Payment received, tak!"],
         jane=["Thanks Søren. The VAT looks like it was calculated on the "
               "gross amount; could you double-check?",
               "Paid today. Thanks for the quick fix."]),
    dict(subject="Translation review: Greek UI strings", starter="alexis",
         opening=["I finished the Greek translation of the UI. A few "
                  "choices I'd like a second opinion on:",
                  "«Εισερχόμενα» for Inbox\n«Απεσταλμένα» for Sent\n"
                  "«Πρόχειρα» for Drafts",
                  "The last one is what most Greek clients use."],
         replies=["Good point about the column width. «Πρόχειρα» is 8 "
                  "letters, it should fit.",
                  "Pushed to the translations branch."],
         jane=["These look great. Is «Εισερχόμενα» too wide for the "
               "sidebar at 80 columns?", "Merged, ευχαριστώ!"]),
    dict(subject="Visa paperwork", starter="oleg",
         opening=["The consulate asked for an invitation letter from the "
                  "conference organisers. Could you send me a scan with "
                  "the signature? Заранее спасибо!"],
         replies=["Got it, thank you. The appointment is on Tuesday.",
                  "Visa approved! See you in September."],
         jane=["Sure, I'll ask the organisers today.",
               "Fantastic news!"]),
    dict(subject="Recipe you asked for", starter="fatima", attach="txt",
         opening=["السلام عليكم Jane! As promised, my grandmother's harira "
                  "recipe is attached. Don't skip the lemon at the end.",
                  "Ramadan Mubarak to you and your family too."],
         replies=["Haha, yes, a whole bunch of coriander. Trust the "
                  "process.",
                  "Send me a photo when you make it!"],
         jane=["Thank you so much! Is it really a whole bunch of "
               "coriander?", "Made it tonight. It was wonderful."]),
    dict(subject="Hiring: frontend candidate", starter="sam", cc=["helen"],
         opening=["We have a strong candidate for the frontend role. Could "
                  "you both do the technical interview next week? Her "
                  "portfolio: https://portfolio.example.com/ana-lima"],
         replies=["I can take the systems part on Wednesday.",
                  "Great, I'll send the offer on Monday.",
                  "She accepted! Starts on the 1st."],
         jane=["Happy to. Tuesday or Wednesday afternoon is best.",
               "Strong yes from me. Great accessibility work."]),
    dict(subject="Birthday surprise for Marcus 🎂", starter="zoe",
         cc=["amelie"], today=True,
         opening=["Marcus turns 40 on the 12th! Shall we organise "
                  "something? I was thinking dinner at Il Forno and a cake. "
                  "Don't tell him!!"],
         replies=["Je m'occupe du gâteau. Chocolate or lemon?",
                  "Chocolate it is. Booked Il Forno for 8 people at 19:30.",
                  "He suspects nothing 🤫"],
         jane=["Yes! I'm in. I can handle the card.",
               "Chocolate, obviously.", "Card is signed by everyone."]),
    dict(subject="Bug in the export script", starter="chen",
         opening=["The export script crashes on mailboxes with more than "
                  "65535 messages. Traceback:",
                  "  File \"export.py\", line 212, in write_index\n"
                  "    struct.pack(\">H\", count)\n"
                  "struct.error: 'H' format requires 0 <= number <= 65535",
                  "I think the index header should use a 32-bit count."],
         replies=["Patch: https://forge.example.com/tuimail/tools/pull/42",
                  "Merged. Thanks for the quick review!"],
         jane=["Good find. Agreed, \">I\" and bump the format version.",
               "Reviewed, one nit about the version check."]),
    dict(subject="Weekend in Lisbon", starter="jose", jane_starts=True,
         opening=["I'll be in Lisbon the weekend of the 8th. Any tips? "
                  "You lived there for a while, right?"],
         replies=["¡Claro! Go to Time Out Market early, skip the tram 28 "
                  "queue and walk up to Graça instead. Pastéis de Belém "
                  "are worth the wait.",
                  "And take a jacket, the wind in the evening is no joke."],
         jane=["Thank you! Graça it is.", "Noted. Obrigada!"]),
    dict(subject="Mentorship sessions", starter="priya",
         opening=["Would you be up for monthly mentorship sessions? I'd "
                  "love to learn more about how you approach code reviews "
                  "and API design."],
         replies=["Thank you! First Tuesday of the month works for me.",
                  "Notes from today: https://notes.example.com/priya-jane-1"],
         jane=["I'd be glad to. First Tuesday of the month, 16:00?",
               "Great session today. See you next month."]),
    dict(subject="Threading performance with 100k messages", list=True,
         starter="chen", cc=["segun"],
         opening=["Opening a folder with 100k messages takes about 4 "
                  "seconds on my laptop, and most of it is spent building "
                  "threads. Profile: https://paste.example.org/p/3kq9",
                  "Has anyone looked at caching the thread tree in the "
                  "index?"],
         replies=["We tried that in 0.6 but invalidation was painful. "
                  "Could we store parent ids per message and build lazily?",
                  "Lazy building brings it down to 0.3s here.",
                  "+1 for the lazy approach."],
         jane=["Storing the parent id per message sounds right. Only "
               "the visible window needs the full tree.",
               "Nice numbers! Please send the patch to the list."]),
    dict(subject="Piano lessons", starter="bjorn",
         opening=["My sister is starting to give piano lessons and is "
                  "looking for a couple of adult beginners. You mentioned "
                  "you wanted to pick it up again?"],
         replies=["She says Thursdays at 18:00 are free.",
                  "She's delighted. First lesson next week!"],
         jane=["Yes! Tell her I'm very rusty.", "Thursday is perfect."]),
    dict(subject="Heating still not working", starter="soren",
         jane_starts=True,
         opening=["The heating in the flat stopped working again on "
                  "Sunday. The boiler shows error F28. Could you send "
                  "someone this week?"],
         replies=["Sorry to hear that. A technician will come on Wednesday "
                  "between 8 and 12.",
                  "The technician replaced the ignition electrode. Let me "
                  "know if it happens again."],
         jane=["Wednesday is fine, I'll work from home.",
               "All warm again, thank you!"]),
    dict(subject="Podcast interview request", starter="helen",
         opening=["A colleague runs a podcast about research software and "
                  "would love to interview you about terminal interfaces. "
                  "About 45 minutes, recorded remotely. Interested?"],
         replies=["Wonderful. She'll email you directly to schedule.",
                  "The episode is out: https://podcast.example.edu/ep/57"],
         jane=["That sounds fun, happy to do it.",
               "Just listened, she did a great edit!"]),
    dict(subject="Garden allotment rota", starter="soren",
         opening=["Here's the watering rota for July. You're down for the "
                  "weeks of the 7th and the 21st. Swap with someone if "
                  "those don't work."],
         replies=["Swapped you with Marcus for the 21st.",
                  "The tomatoes are enormous this year!"],
         jane=["I'm away on the 21st, could I take the 28th instead?",
               "Thanks! Save me some."]),
    dict(subject="Contract renewal", starter="oleg",
         opening=["Our support contract expires at the end of the month. "
                  "The renewal terms are the same as last year except for "
                  "a 4% price increase. Shall I prepare the paperwork?"],
         replies=["I'll ask if they accept 2%.", "They agreed to 2.5%. "
                  "Signed copy attached to the ticket."],
         jane=["Could we negotiate the increase? We've had very few "
               "tickets.", "Good result, thank you Oleg."]),
    dict(subject="Running club results", starter="segun",
         opening=["Saturday's 10k results are up: "
                  "https://runclub.example.org/results/2024-10k",
                  "You took three minutes off your PB!"],
         replies=["Intervals on Tuesday, 7am, usual place."],
         jane=["I couldn't walk on Sunday but it was worth it.",
               "See you there."]),
    dict(subject="Typo in the docs", starter="alexis",
         opening=["Section 4.2 of the admin guide says \"recieve\" twice, "
                  "and the example config uses a key that was renamed in "
                  "0.8 (index_dir → index-dir)."],
         replies=["Sent a patch to the list."],
         jane=["Thanks for spotting that! Would you like to send a patch?",
               "Applied, thank you."]),
    dict(subject="Tokyo trip recommendations", starter="taro",
         jane_starts=True,
         opening=["I'll be in Tokyo for a week in November. Any "
                  "recommendations for places outside the usual tourist "
                  "spots?"],
         replies=["Try Yanaka for old Tokyo streets, and Kichijoji for "
                  "Inokashira Park. In November the leaves in Rikugien "
                  "are beautiful. 楽しんでください!",
                  "Let's have dinner one evening. I know a small izakaya "
                  "in Koenji."],
         jane=["Thank you, Taro! Rikugien is on the list.",
               "I'd love that. Thursday?"]),
    dict(subject="Moving the standup to 9:30", starter="segun", today=True,
         opening=["Starting next week the standup moves to 9:30: the 9:00 "
                  "slot clashes with the school run for half the team. "
                  "Any objections?"],
         replies=["Great, I'll update the calendar.",
                  "Reminder: standup is at 9:30 from today."],
         jane=["Works for me.", "👍"]),
]


# Filler sentences for long messages and newsletters.
TECH_SENTENCES = [
    "The new release cuts cold-start time in half by loading the index lazily.",
    "Most of the regression came from an accidental quadratic loop in the sorter.",
    "Terminal emulators disagree about the width of many emoji, which makes column layout surprisingly hard.",
    "IMAP IDLE keeps a connection open so the server can push new mail immediately.",
    "A good rule of thumb is to never trust a header that arrived over the network.",
    "SQLite's write-ahead log lets readers continue while a single writer commits.",
    "Format=flowed lets clients reflow paragraphs without breaking quoted text.",
    "The team measured a 30% drop in support tickets after the redesign.",
    "Unicode normalisation matters when comparing names typed on different systems.",
    "Remote images in mail are frequently used as tracking pixels.",
    "Search over 100,000 messages now returns in under 50 milliseconds.",
    "Several readers wrote in to ask about keyboard-only workflows.",
    "The bug only appeared when the mailbox name contained a slash.",
    "Graceful degradation on 16-colour terminals was a design goal from day one.",
    "The benchmark ran on a five-year-old laptop with a spinning disk.",
    "Rate limiting the login endpoint stopped the credential-stuffing attempts overnight.",
    "Time zones remain the single largest source of off-by-one bugs.",
    "One contributor rewrote the MIME parser as a streaming state machine.",
    "The conference talk videos are now online for everyone.",
    "Accessibility reviews caught three places where colour was the only signal.",
]
HIKE_SENTENCES = [
    "The trail followed the river for most of the morning.",
    "We crossed two snowfields that were still hard from the night frost.",
    "A reindeer herd watched us from the ridge for a good ten minutes.",
    "Lunch was crispbread, cheese and far too much coffee.",
    "The wind picked up after the pass and we were glad of the extra layer.",
    "The hut warden had the sauna going by the time we arrived.",
    "Mosquitoes were manageable thanks to the breeze.",
    "The boardwalks across the marsh were slippery after the rain.",
    "We met a Dutch couple doing the whole trail in reverse.",
    "The midnight sun made it very hard to decide when to go to bed.",
    "We filtered water from every stream; it tasted of snow.",
    "My boots finally gave up and the duct tape held for two days.",
    "The hut shop had run out of everything except cardamom buns.",
    "Fog rolled in after lunch and we navigated by cairns.",
    "The suspension bridge swayed more than I would have liked.",
    "We spotted an arctic fox near the lake in the evening.",
]


def sentences(rng, pool, n):
    """n sentences from pool, no repeats until the pool is exhausted."""
    out = []
    while len(out) < n:
        out += rng.sample(pool, len(pool))
    return " ".join(out[:n])


# --------------------------------------------------------------------------
# Threads
# --------------------------------------------------------------------------

def awake(t, person):
    """Move t forward into person's waking hours (07:00-23:00 local)."""
    lt = t.astimezone(person.tz)
    if 7 <= lt.hour < 23:
        return t
    day = lt.date() + dt.timedelta(days=1 if lt.hour >= 23 else 0)
    wake = dt.time(7 + lt.minute % 3, (lt.minute * 7 + lt.second) % 60)
    return dt.datetime.combine(day, wake, person.tz).astimezone(UTC)


def reply_gap(rng):
    r = rng.random()
    if r < 0.35:
        return dt.timedelta(minutes=rng.uniform(4, 90))
    if r < 0.75:
        return dt.timedelta(hours=rng.uniform(1, 10))
    return dt.timedelta(days=rng.uniform(1, 3))


def thread_shape(rng, ctx, topic, size, others):
    """Who replies to whom, and when: [(sender, parent_index, utc_time)]."""
    jane, starter = ctx.jane, others[0]
    day = ctx.today.date() - dt.timedelta(days=rng.randint(3, 725))
    t = (dt.datetime.combine(day, dt.time(0), starter.tz)
         + dt.timedelta(hours=rng.uniform(8, 20))).astimezone(UTC)
    shape = []
    for k in range(size):
        if k == 0:
            parent = None
            sender = jane if topic.get("jane_starts") else starter
        else:
            parent = k - 1
            if k >= 3 and rng.random() < 0.15:        # reply to an older one
                parent = rng.randrange(k - 1)
            psender = shape[parent][0]
            if psender is jane:
                sender = rng.choice(others)
            else:
                rest = [p for p in others if p is not psender]
                sender = jane if (not rest or rng.random() < 0.6) \
                    else rng.choice(rest)
            t = awake(t + reply_gap(rng), sender)
        shape.append((sender, parent, t))

    # Threads flagged "today" end this morning (UTC); all others end
    # before today, moved back by whole days to keep local times of day.
    last = shape[-1][2]
    if topic.get("today"):
        shift = ctx.today + dt.timedelta(hours=rng.uniform(1, 7.5)) - last
    else:
        over = last - (ctx.today - dt.timedelta(hours=2))
        shift = -dt.timedelta(days=over.days + 1 + rng.randint(0, 3)) \
            if over > dt.timedelta(0) else dt.timedelta(0)
    return [(s, p, t + shift) for s, p, t in shape]


def build_thread(rng, ctx, topic, size, tno):
    jane = ctx.jane
    starter = CAST[topic["starter"]]
    others = [starter] + [CAST[c] for c in topic.get("cc", [])]
    is_list = topic.get("list", False)
    base = topic["subject"]
    if is_list:
        base = f"[{LIST.name}] {base}"
    replies = list(topic.get("replies", []))
    jane_says = list(topic.get("jane", []))
    msgs, out = [], []

    for k, (sender, pidx, t) in enumerate(
            thread_shape(rng, ctx, topic, size, others)):
        parent = msgs[pidx] if pidx is not None else None
        when = local(t, sender)

        # Recipients: mail from the others is addressed to the user; the
        # user's own replies go back to the thread (reply-all).
        if is_list:
            to, cc = [LIST], []
        elif sender is jane:
            to = [parent["sender"] if parent else starter]
            cc = [p for p in others if p is not to[0]]
        else:
            to = [jane]
            cc = [p for p in others if p is not sender]

        # Text.
        if k == 0:
            text = topic["opening"]
        elif sender is jane:
            text = [jane_says.pop(0) if jane_says
                    else rng.choice(JANE_GENERIC)]
        else:
            text = [replies.pop(0) if replies else rng.choice(OTHER_GENERIC)]
        text = [p for chunk in text for p in chunk.split("\n\n")]
        addressee = LIST if is_list else to[0]
        greet_name = "all" if is_list else addressee.first
        lines = compose(sender, greet_name, text,
                        greet=(k == 0 or rng.random() < 0.5))
        if parent:
            quote = [(0, attribution(parent, sender))] + quoted(parent)
            if is_list:                          # bottom-posting on lists
                lines = quote + [(0, "")] + lines
            else:
                lines = lines + [(0, "")] + quote

        subject = base if k == 0 else "Re: " + base
        msgid = make_msgid(rng, when, sender.domain)
        refs = (parent["refs"] + [parent["msgid"]]) if parent else []
        m = new_message(sender, to, subject, when, msgid, cc=cc,
                        in_reply_to=parent["msgid"] if parent else None,
                        references=refs)
        if is_list:
            list_headers(m, LIST)
        style = rng.choices(["plain", "flowed", "alt"], [55, 25, 20])[0]
        set_body(m, lines, style)
        kind = f"thread {tno}:{style}"
        if k == 0 and topic.get("attach"):
            add_topic_attachment(m, topic["attach"], ctx)
            kind += "+attachment"
        msgs.append(dict(sender=sender, when=when, msgid=msgid, refs=refs,
                         lines=lines))
        out.append((t, kind, m))
    return out


def add_topic_attachment(m, which, ctx):
    if which == "report":
        m.add_attachment(tiny_pdf("Quarterly report (DRAFT)", [
            "1. Summary", "2. Engineering metrics - TODO",
            "3. Hiring", "4. Survey results - TODO"]),
            maintype="application", subtype="pdf",
            filename="Q3-report-draft.pdf")
    elif which == "invoice":
        m.add_attachment(tiny_pdf("Invoice #2231", [
            "Consulting, March: 32 h x 950 DKK = 30,400 DKK",
            "VAT 25%: 7,600 DKK", "Total: 38,000 DKK"]),
            maintype="application", subtype="pdf",
            filename="invoice-2231.pdf")
    elif which == "png":
        m.add_attachment(tiny_png(base=(200, 90, 30)), maintype="image",
                         subtype="png", filename="summit.png")
    elif which == "txt":
        m.add_attachment(
            "Harira (serves 6)\n\n"
            "- 250 g lamb, diced\n- 1 onion, 2 celery sticks\n"
            "- 1 bunch coriander, 1 bunch parsley\n- 100 g chickpeas, "
            "soaked\n- 100 g brown lentils\n- 400 g tomatoes\n"
            "- 50 g vermicelli\n- ginger, turmeric, cinnamon, pepper\n\n"
            "Brown the meat with the spices, add vegetables and pulses,\n"
            "simmer 1 h. Add tomatoes, then vermicelli for the last\n"
            "10 min. Thicken with flour and water. Lemon at the table!\n",
            filename="harira.txt")


# --------------------------------------------------------------------------
# Special messages (one of each, always present)
# --------------------------------------------------------------------------

def msg_hostile(rng, ctx):
    """Raw bytes on purpose: escape sequences in Subject, From and body."""
    t = ctx.today + dt.timedelta(hours=7, minutes=55)
    ESC, BEL = "\x1b", "\x07"
    evil_name = encoded_word(f"Mallory {ESC}[2J{ESC}]0;evil{BEL}Tester",
                             enc="Q")
    subject = (f"[TEST: escape-sequence attack, must be sanitised] "
               f"{ESC}]0;PWNED title{BEL}hello{ESC}[2J")
    body = "\n".join([
        "This message is part of the tuimail demo corpus. It is a SECURITY",
        "TEST: the subject, the From display name and this body contain raw",
        "terminal escape sequences. A correct client shows them as harmless",
        "placeholders and never sends them to the terminal.",
        "",
        f"OSC 0 (set window title): {ESC}]0;PWNED title{BEL}<- here",
        f"CSI 2J (clear screen):    {ESC}[2J<- here",
        f"CSI colour:               {ESC}[31;1mRED{ESC}[0m",
        f"OSC 52 (clipboard write): {ESC}]52;c;dHVpbWFpbCB0ZXN0Cg=={BEL}"
        "<- here",
        f"OSC 8 hyperlink:          {ESC}]8;;https://evil.example/{ESC}\\"
        f"innocent text{ESC}]8;;{ESC}\\",
        f"Cursor home + erase line: {ESC}[H{ESC}[2K",
        "Carriage return overwrite: all is well\rEVERYTHING IS BROKEN",
        "C1 CSI (0x9b as UTF-8):    \u009b2J<- here",
        "",
        "If your terminal title changed or the screen cleared, that is a bug.",
    ]) + "\n"
    head = "\n".join([
        f"From: {evil_name} <mallory@attacker.example>",
        f"To: {ctx.jane.name} <{ctx.jane.addr}>",
        f"Subject: {subject}",
        f"Date: {format_datetime(t)}",
        f"Message-ID: {make_msgid(rng, t, 'attacker.example')}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ])
    return t, "hostile: raw ESC/BEL in Subject, From, body", \
        (head + "\n\n" + body).encode("utf-8")


def msg_newsletter(rng, ctx):
    """~30 KB multipart/alternative newsletter with remote images."""
    t = ctx.today - dt.timedelta(days=3, hours=-6)
    issue = 87
    m = new_message(NEWS, [ctx.jane], f"The Weekly Byte #{issue}: lazy "
                    "indexes, emoji widths and the death of the tracking "
                    "pixel", local(t, NEWS), make_msgid(rng, t, NEWS.domain))
    m["List-Id"] = "The Weekly Byte <weekly.weeklybyte.example.net>"
    m["List-Unsubscribe"] = ("<https://weeklybyte.example.net/u/7f3a9c>, "
                             "<mailto:unsubscribe@weeklybyte.example.net>")
    m["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    titles = ["Lazy indexes in practice", "Why emoji break your columns",
              "The slow death of the tracking pixel", "IMAP IDLE explained",
              "SQLite WAL mode for the impatient", "Keyboard-first design",
              "A streaming MIME parser", "Time zones, again",
              "Accessible colour schemes", "Benchmarks on old hardware",
              "Reader mail", "Events this month", "Job board",
              "Tools we liked", "One more thing"]
    text = [f"THE WEEKLY BYTE -- Issue #{issue}",
            f"View in your browser: https://weeklybyte.example.net/{issue}",
            ""]
    parts = ['<html><head><meta charset="utf-8"><title>The Weekly Byte'
             '</title></head><body style="margin:0;background:#f4f4f4">',
             '<table width="100%" cellpadding="0" cellspacing="0" '
             'style="background:#f4f4f4"><tr><td align="center">',
             '<table width="600" cellpadding="0" cellspacing="0" '
             'style="background:#ffffff;font-family:Helvetica,Arial,'
             'sans-serif;color:#222">',
             '<tr><td><img src="https://cdn.weeklybyte.example.net/img/'
             'header-600x120.png" width="600" height="120" alt="The Weekly '
             'Byte"></td></tr>']
    size = 0
    for i, title in enumerate(titles):
        body = sentences(rng, TECH_SENTENCES, 9)
        more = sentences(rng, TECH_SENTENCES, 6)
        url = (f"https://weeklybyte.example.net/{issue}/"
               f"{re.sub(r'[^a-z]+', '-', title.lower()).strip('-')}"
               f"?utm_source=newsletter&utm_medium=email")
        text += [f"{i + 1}. {title.upper()}", ""]
        text += textwrap.wrap(body, 72) + [""] + textwrap.wrap(more, 72)
        text += ["", f"Read more: {url}", "", "-" * 40, ""]
        parts.append(
            f'<tr><td style="padding:24px 32px 8px 32px"><h2 style="margin:0'
            f';font-size:20px;color:#0b5394">{html.escape(title)}</h2></td>'
            f'</tr><tr><td style="padding:0 32px;font-size:15px;'
            f'line-height:1.5"><p style="margin:0 0 12px 0">{body}</p>'
            f'<p style="margin:0 0 12px 0">{more}</p><p><a href="{url}" '
            f'style="color:#0b5394;font-weight:bold">Read more &rarr;</a>'
            f'</p></td></tr>')
        if i % 4 == 1:
            parts.append(f'<tr><td align="center"><img src="https://cdn.'
                         f'weeklybyte.example.net/img/{issue}-{i}.jpg" '
                         f'width="536" alt="illustration"></td></tr>')
        size = sum(map(len, text)) + sum(map(len, parts))
        if size > 27500:
            break
    text += ["You are receiving this because you subscribed at "
             "weeklybyte.example.net.",
             "Unsubscribe: https://weeklybyte.example.net/u/7f3a9c"]
    parts += ['<tr><td style="padding:24px 32px;font-size:12px;color:#888">'
              'You are receiving this because you subscribed. <a href="https'
              '://weeklybyte.example.net/u/7f3a9c">Unsubscribe</a></td></tr>',
              '</table></td></tr></table>',
              '<img src="https://t.weeklybyte.example.net/open/7f3a9c.gif" '
              'width="1" height="1" alt="">', '</body></html>']
    m.set_content("\n".join(text) + "\n")
    m.add_alternative("\n".join(parts) + "\n", subtype="html")
    return t, "newsletter ~30KB (alt, remote images)", m


def msg_html_promo(rng, ctx):
    t = ctx.today - dt.timedelta(days=9, hours=-10)
    m = new_message(SHOP, [ctx.jane], "Members-only: 20% off all "
                    "paperbacks this weekend", local(t, SHOP),
                    make_msgid(rng, t, SHOP.domain))
    m.set_content(
        '<html><body style="font-family:Georgia,serif">'
        '<p><img src="https://img.shop.example.com/banner/spring-sale.jpg" '
        'width="600" alt="Spring sale"></p>'
        '<h1>20% off all paperbacks</h1>'
        f'<p>Dear {html.escape(ctx.jane.first)}, as a member you get early '
        'access to our spring sale. Use code <b>SPRING20</b> at checkout.'
        '</p><p><a href="https://shop.example.com/sale?src=mail&amp;u=91">'
        'Shop the sale</a> &middot; <a href="https://shop.example.com/'
        'account/preferences">Email preferences</a></p>'
        '<img src="https://track.shop.example.com/o.gif?u=91&amp;c=spring" '
        'width="1" height="1" alt="">'
        '</body></html>\n', subtype="html")
    return t, "HTML-only, remote image + tracking pixel", m


def msg_pdf(rng, ctx):
    t = ctx.today - dt.timedelta(days=41, hours=-15)
    m = new_message(BANK, [ctx.jane], "Your statement for last month is "
                    "ready", local(t, BANK), make_msgid(rng, t, BANK.domain))
    m.set_content(f"Dear {ctx.jane.name},\n\nYour account statement is "
                  "attached as a PDF. You can also view it online:\n"
                  "https://northwind-bank.example/statements\n\nNorthwind "
                  "Bank will never ask for your password by email.\n")
    m.add_attachment(tiny_pdf("Northwind Bank - Statement", [
        "Account: **** **** 4417", "Opening balance: 2,341.17",
        "Closing balance: 2,908.60"]), maintype="application",
        subtype="pdf", filename="statement.pdf")
    return t, "attachment: PDF (base64)", m


def msg_txt(rng, ctx):
    sam = CAST["sam"]
    t = ctx.today - dt.timedelta(days=16, hours=-14)
    m = new_message(sam, [ctx.jane], "Notes from the planning meeting",
                    local(t, sam), make_msgid(rng, t, sam.domain))
    set_body(m, compose(sam, ctx.jane.first, [
        "Notes from today's planning meeting are attached. Shout if I "
        "missed anything."]), "plain")
    m.add_attachment("Planning meeting\n================\n\n"
                     "Attendees: Sam, Jane, Priya, Segun\n\n"
                     "* Release 0.9 freeze on the 20th\n"
                     "* Jane: date formats in message list\n"
                     "* Segun: migration runbook\n"
                     "* Priya: design review follow-ups\n",
                     filename="notes.txt")
    return t, "attachment: .txt", m


def msg_png(rng, ctx):
    chen = CAST["chen"]
    t = ctx.today + dt.timedelta(hours=3, minutes=12)
    m = new_message(chen, [ctx.jane], "Screenshot of the rendering glitch",
                    local(t, chen), make_msgid(rng, t, chen.domain))
    set_body(m, compose(chen, ctx.jane.first, [
        "Here's what the message list looks like in a 16-colour terminal. "
        "The selected row loses its highlight when the subject has emoji."]),
        "alt")
    m.add_attachment(tiny_png(), maintype="image", subtype="png",
                     filename="screenshot.png")
    return t, "attachment: PNG (today)", m


def msg_ics(rng, ctx):
    priya = CAST["priya"]
    t = ctx.today - dt.timedelta(days=2, hours=-5)
    start = ctx.today + dt.timedelta(days=3, hours=9)
    uid = f"{rng.getrandbits(64):016x}@calendar.example.com"
    m = new_message(priya, [ctx.jane], "Invitation: Design review @ "
                    f"{DAYS[start.weekday()]} {start.day} "
                    f"{MONTHS[start.month - 1]} {start.year} 09:00 (UTC)",
                    local(t, priya),
                    make_msgid(rng, t, "calendar.example.com"))
    ics = ics_invite(uid, priya, ctx.jane, start, 60, "Design review",
                     "Room 4.12 / https://meet.example.com/abc-defg-hij",
                     t)
    m.set_content("You have been invited to: Design review\n"
                  f"When: {start:%Y-%m-%d} 09:00-10:00 UTC\n"
                  "Where: Room 4.12 / https://meet.example.com/abc-defg-hij\n"
                  "\nAccept: https://calendar.example.com/rsvp?u=1&r=yes\n"
                  "Decline: https://calendar.example.com/rsvp?u=1&r=no\n")
    m.add_alternative(
        "<html><body><h3>Design review</h3><p>When: "
        f"{start:%Y-%m-%d} 09:00&ndash;10:00 UTC<br>Where: Room 4.12 / "
        '<a href="https://meet.example.com/abc-defg-hij">video call</a></p>'
        '<p><a href="https://calendar.example.com/rsvp?u=1&amp;r=yes">Yes'
        '</a> | <a href="https://calendar.example.com/rsvp?u=1&amp;r=no">No'
        "</a></p></body></html>\n", subtype="html")
    m.add_alternative(ics, subtype="calendar", params={"method": "REQUEST"})
    m.add_attachment(ics.replace("\n", "\r\n").encode("utf-8"),
                     maintype="application",
                     subtype="ics", filename="invite.ics")
    return t, "calendar invite: text/calendar + invite.ics", m


def msg_nonascii_filenames(rng, ctx):
    zoe = CAST["zoe"]
    t = ctx.today - dt.timedelta(days=23, hours=-9)
    m = new_message(zoe, [ctx.jane], "Unterlagen für Donnerstag",
                    local(t, zoe), make_msgid(rng, t, zoe.domain))
    set_body(m, compose(zoe, ctx.jane.first, [
        "Anbei die Präsentation und das Foto vom Whiteboard. Die "
        "Dateinamen haben Umlaute – let me know if your mail client "
        "chokes on them 😉"]), "flowed")
    m.add_attachment(tiny_pdf("Uebersicht Q2", ["Folie 1: Ziele",
                                                "Folie 2: Zeitplan"]),
                     maintype="application", subtype="pdf",
                     filename="Präsentation_Übersicht.pdf")
    m.add_attachment(tiny_png(base=(10, 200, 90)), maintype="image",
                     subtype="png", filename="ホワイトボード写真.png")
    return t, "attachments with non-ASCII names (RFC 2231)", m


def msg_b_encoded(rng, ctx):
    taro = CAST["taro"]
    t = ctx.today - dt.timedelta(days=64, hours=-2)
    m = new_message(
        taro, [ctx.jane], None, local(t, taro),
        make_msgid(rng, t, taro.domain),
        raw_from=f"{encoded_word(taro.name, enc='B')} <{taro.addr}>",
        raw_subject=encoded_word("新しいプロジェクトのご案内", enc="B"))
    set_body(m, compose(taro, ctx.jane.first, [
        "新しいプロジェクトについてご案内いたします。",
        "詳細は以下のページをご覧ください。\n"
        "https://project.example.jp/ja/overview"]), "plain")
    return t, "RFC 2047 UTF-8 B subject + name", m


def msg_q_encoded(rng, ctx):
    zoe = CAST["zoe"]
    t = ctx.today - dt.timedelta(days=130, hours=-11)
    m = new_message(
        zoe, [ctx.jane], None, local(t, zoe), make_msgid(rng, t, zoe.domain),
        raw_from=f"{encoded_word(zoe.name, enc='Q')} <{zoe.addr}>",
        raw_subject=encoded_word("Grüße aus München – Fotos vom Oktoberfest",
                                 enc="Q"))
    set_body(m, compose(zoe, ctx.jane.first, [
        "Das Oktoberfest war großartig, aber viel zu voll. Fotos folgen "
        "in der Cloud: https://cloud.example.de/s/okt-fotos"]), "flowed")
    return t, "RFC 2047 UTF-8 Q subject + name", m


def msg_latin1(rng, ctx):
    amelie = CAST["amelie"]
    t = ctx.today - dt.timedelta(days=200, hours=-8)
    m = new_message(
        amelie, [ctx.jane], None, local(t, amelie),
        make_msgid(rng, t, amelie.domain),
        raw_from=f"{encoded_word(amelie.name, 'iso-8859-1', 'Q')} "
                 f"<{amelie.addr}>",
        raw_subject=encoded_word("Réunion de l'équipe jeudi à 14h30",
                                 "iso-8859-1", "Q"))
    m.set_content(
        f"Bonjour {ctx.jane.first},\n\n"
        "La réunion de l'équipe aura lieu jeudi à 14h30 dans la salle\n"
        "« Océan » au deuxième étage. Pensez à apporter vos idées pour le\n"
        "séminaire d'été : lieu, thème, activités. Il y aura du café et\n"
        "des crêpes.\n\n"
        "Ordre du jour :\n"
        "  1. Bilan du trimestre\n"
        "  2. Séminaire d'été\n"
        "  3. Questions diverses\n\n"
        "À jeudi !\nAmélie\n", charset="iso-8859-1", cte="quoted-printable")
    return t, "ISO-8859-1: Q subject/name, quoted-printable body", m


def msg_shift_jis(rng, ctx):
    taro = CAST["taro"]
    t = ctx.today - dt.timedelta(days=300, hours=-1)
    m = new_message(taro, [ctx.jane], None, local(t, taro),
                    make_msgid(rng, t, taro.domain),
                    raw_subject=encoded_word("出張報告書の送付", "shift_jis", "B"))
    m.set_content(
        f"{ctx.jane.first}さん\n\n"
        "お疲れさまです。山田です。\n\n"
        "先週の大阪出張の報告書をお送りします。\n"
        "主な内容は以下のとおりです。\n\n"
        "・新しい取引先との打ち合わせ\n"
        "・展示会の視察\n"
        "・来期の予算についての相談\n\n"
        "ご不明な点がありましたら、お気軽にご連絡ください。\n\n"
        "山田太郎\n", charset="shift_jis", cte="8bit")
    return t, "Shift_JIS body (8bit) + Shift_JIS B subject", m


def msg_emoji_party(rng, ctx):
    priya = CAST["priya"]
    t = ctx.today + dt.timedelta(hours=5, minutes=41)
    m = new_message(priya, [ctx.jane], "🎉 Launch party on Friday! 🥂🚀",
                    local(t, priya), make_msgid(rng, t, priya.domain),
                    cc=[CAST["sam"], CAST["segun"], CAST["chen"]])
    set_body(m, compose(priya, "team", [
        "We shipped! 🎉 Drinks and snacks on the roof terrace on Friday "
        "from 17:00. Partners welcome.",
        "Please RSVP here so we order enough pizza: "
        "https://forms.example.com/launch-party"]), "alt")
    return t, "emoji subject (today)", m


def msg_list_announce(rng, ctx):
    segun = CAST["segun"]
    t = ctx.today - dt.timedelta(days=12, hours=-16)
    m = new_message(segun, [ANNOUNCE], f"[{ANNOUNCE.name}] 🚀 tuimail 0.9 "
                    "released", local(t, segun),
                    make_msgid(rng, t, segun.domain))
    list_headers(m, ANNOUNCE)
    set_body(m, para_lines(
        "Hi all,",
        "tuimail 0.9 is out. Highlights:",
        "* conversation view with collapsible quotes\n"
        "* 40% faster folder opening on large mailboxes\n"
        "* sanitised rendering of control characters in all headers\n"
        "* Greek and Japanese translations",
        "Tarball: https://tuimail.example.org/dl/tuimail-0.9.tar.gz\n"
        "Changelog: https://tuimail.example.org/changes/0.9",
        "Thanks to everyone who tested the release candidates!",
        "Segun, for the tuimail team"), "flowed")
    return t, "mailing list (List-Id) + emoji subject", m


def msg_long_plain(rng, ctx):
    bjorn = CAST["bjorn"]
    t = ctx.today - dt.timedelta(days=95, hours=-20)
    paras = ["I promised a proper trip report, so here it is. Grab a "
             "coffee, it's long. Eight days on Kungsleden from Abisko to "
             "Nikkaluokta with a detour over Kebnekaise."]
    for day in range(1, 9):
        paras.append(f"Day {day}. " + sentences(rng, HIKE_SENTENCES, 7))
        paras.append(sentences(rng, HIKE_SENTENCES, 5))
    paras.append("Gear notes: the new tent was fine in the wind, the stove "
                 "was not. Full packing list and GPX track: "
                 "https://hike.example.se/kungsleden-2024")
    m = new_message(bjorn, [ctx.jane], "Trip report: eight days on "
                    "Kungsleden (long!)", local(t, bjorn),
                    make_msgid(rng, t, bjorn.domain))
    set_body(m, compose(bjorn, ctx.jane.first, paras), "flowed")
    return t, "long plain text (format=flowed)", m


def msg_forward(rng, ctx):
    jose = CAST["jose"]
    t = ctx.today - dt.timedelta(days=51, hours=-12)
    t_inner = t - dt.timedelta(days=1, hours=3)
    airline = Person("Meseta Air", "bookings@air.example.es", 1, "Air")
    inner = new_message(airline, [jose], "Your booking confirmation "
                        "MAD→LIS", local(t_inner, airline),
                        make_msgid(rng, t_inner, airline.domain))
    inner.set_content("Booking reference: QX7P2L\n\nMAD 08:35 -> LIS 08:55\n"
                      "Passengers: José Ñúñez, Jane\n\nManage your booking: "
                      "https://air.example.es/manage/QX7P2L\n")
    m = new_message(jose, [ctx.jane], "Fwd: Your booking confirmation "
                    "MAD→LIS", local(t, jose), make_msgid(rng, t, jose.domain))
    set_body(m, compose(jose, ctx.jane.first, [
        "Forwarding the booking so you have the reference. See you at "
        "the airport!"]), "plain")
    m.add_attachment(inner)
    return t, "forward as attached message/rfc822", m


def msg_long_subject(rng, ctx):
    priya = CAST["priya"]
    t = ctx.today - dt.timedelta(days=180, hours=-6)
    m = new_message(priya, [ctx.jane], "Follow-up on the accessibility "
                    "audit: colour contrast in the message list, focus "
                    "indicators in the composer, screen-reader labels for "
                    "attachments, and what we should prioritise for the "
                    "next release", local(t, priya),
                    make_msgid(rng, t, priya.domain))
    set_body(m, compose(priya, ctx.jane.first, [
        "Sorry for the essay of a subject line. The full audit is here: "
        "https://docs.example.com/d/a11y-audit",
        "My vote: contrast first, it affects everyone."]), "plain")
    return t, "very long (folded) subject", m


def msg_today_note(rng, ctx):
    marcus = CAST["marcus"]
    t = ctx.today + dt.timedelta(hours=1, minutes=27)
    m = new_message(marcus, [ctx.jane], "Did you leave your umbrella at "
                    "mine?", local(t, marcus),
                    make_msgid(rng, t, marcus.domain))
    set_body(m, compose(marcus, ctx.jane.first, [
        "There's a green umbrella by my door and it's definitely not "
        "mine. I'll bring it to book club."]), "plain")
    return t, "short note (today)", m


def msg_forge_today(rng, ctx):
    t = ctx.today + dt.timedelta(hours=6, minutes=3)
    return t, "forge notification (today)", filler_forge(rng, ctx, t)


SPECIALS = [msg_hostile, msg_newsletter, msg_html_promo, msg_pdf, msg_txt,
            msg_png, msg_ics, msg_nonascii_filenames, msg_b_encoded,
            msg_q_encoded, msg_latin1, msg_shift_jis, msg_emoji_party,
            msg_list_announce, msg_long_plain, msg_forward,
            msg_long_subject, msg_today_note, msg_forge_today]


# --------------------------------------------------------------------------
# Fillers: everyday mail to pad the mailbox to --count
# --------------------------------------------------------------------------

ISSUE_TITLES = ["Crash when subject is empty", "Support for IMAP NOTIFY",
                "Wrong width for flag emoji", "Add a dark high-contrast "
                "theme", "Search ignores accents", "Keep scroll position "
                "after refresh", "Config key typo silently ignored",
                "Render text/enriched as plain", "Index rebuild is slow on "
                "NFS", "Allow custom date formats"]


def filler_forge(rng, ctx, t):
    n = rng.randint(100, 999)
    title = rng.choice(ISSUE_TITLES)
    who = rng.choice(list(CAST.values()))
    m = new_message(FORGE, [ctx.jane], f"Re: [tuimail/tuimail] {title} "
                    f"(Issue #{n})", local(t, FORGE),
                    make_msgid(rng, t, FORGE.domain))
    m["List-Id"] = "tuimail/tuimail <tuimail.tuimail.forge.example.com>"
    m["X-Forge-Reason"] = "subscribed"
    m.set_content(f"{who.first} commented on this issue.\n\n"
                  f"{sentences(rng, TECH_SENTENCES, 2)}\n\n"
                  "--\nReply to this email directly or view it on Forge:\n"
                  f"https://forge.example.com/tuimail/tuimail/issues/{n}\n"
                  "You are receiving this because you are subscribed to "
                  "this thread.\n")
    return m


def filler_receipt(rng, ctx, t):
    n = rng.randint(10000, 99999)
    books = rng.sample(["A Wizard of Earthsea", "The Dispossessed",
                        "Piranesi", "Klara and the Sun", "Project Hail Mary",
                        "The Remains of the Day", "Norwegian Wood",
                        "Cien años de soledad"], 2)
    m = new_message(SHOP, [ctx.jane], f"Your order A-{n} has shipped",
                    local(t, SHOP), make_msgid(rng, t, SHOP.domain))
    track = f"https://shop.example.com/track/A-{n}"
    m.set_content(f"Hello {ctx.jane.first},\n\nGood news: your order A-{n} "
                  "is on its way.\n\n" + "".join(f"  1 x {b}\n" for b in books)
                  + f"\nTrack your parcel: {track}\n")
    rows = "".join(f"<tr><td>1 &times;</td><td>{html.escape(b)}</td></tr>"
                   for b in books)
    m.add_alternative(
        '<html><body><img src="https://img.shop.example.com/logo.png" '
        f'alt="Aurora Books"><p>Hello {html.escape(ctx.jane.first)},</p>'
        f"<p>Good news: your order A-{n} is on its way.</p>"
        f'<table>{rows}</table><p><a href="{track}">Track your parcel</a>'
        "</p></body></html>\n", subtype="html")
    return m


def filler_digest(rng, ctx, t):
    m = new_message(NOTES, [ctx.jane], "Your weekly Cloud Notes summary",
                    local(t, NOTES), make_msgid(rng, t, NOTES.domain))
    k = rng.randint(3, 19)
    m.set_content(
        '<html><body style="font-family:sans-serif">'
        '<img src="https://static.cloudnotes.example.org/mail/logo.png" '
        'alt="Cloud Notes" width="120">'
        f"<h2>You wrote {k} notes this week</h2><ul>"
        + "".join(f"<li>{html.escape(rng.choice(TECH_SENTENCES))}</li>"
                  for _ in range(3))
        + '</ul><p><a href="https://cloudnotes.example.org/app">Open Cloud '
        'Notes</a></p><img src="https://px.cloudnotes.example.org/w.gif?id='
        f'{rng.getrandbits(32):08x}" width="1" height="1"></body></html>\n',
        subtype="html")
    return m


NOTES_POOL = [
    ("Thought you'd like this", ["Just read this and thought of you: "
                                 "https://blog.example.org/terminal-colours-"
                                 "explained"]),
    ("Thanks for Saturday", ["Thanks again for dinner on Saturday. The "
                             "lemon tart was unreal, I need the recipe."]),
    ("Quick question", ["Do you still have the charger I lent you? No rush, "
                        "I just can't find mine."]),
    ("Running late", ["Stuck on the train, be there in 20 minutes. Sorry!"]),
    ("Book recommendation", ["Finished \"Piranesi\" last night. You have to "
                             "read it, I'll lend you my copy."]),
    ("Slides from today", ["The slides from today's talk are here: "
                           "https://slides.example.org/s/terminal-ui"]),
    ("Coffee machine", ["The coffee machine on the 3rd floor is fixed. "
                        "Civilisation is restored."]),
    ("Happy birthday!", ["Happy birthday! 🎂 Hope you have a lovely day."]),
]


def filler_note(rng, ctx, t):
    who = rng.choice(list(CAST.values()))
    subject, paras = rng.choice(NOTES_POOL)
    m = new_message(who, [ctx.jane], subject, local(t, who),
                    make_msgid(rng, t, who.domain))
    set_body(m, compose(who, ctx.jane.first, paras),
             rng.choice(["plain", "flowed", "alt"]))
    return m


LIST_POSTS = [
    ("Proposal: configurable date formats",
     "Right now the message list always shows \"%b %d\". I'd like a "
     "date_format key that accepts strftime patterns, with separate "
     "formats for today, this year and older."),
    ("Build failure on Alpine",
     "Building master on Alpine 3.19 fails in util/utf8.c: musl's wcwidth "
     "returns -1 for U+1F600. Should we ship our own width table?"),
    ("RFC: keybinding for archive",
     "Most clients use 'a' or 'e' for archive. We currently have nothing. "
     "Opinions before I send a patch?"),
    ("Weekly triage notes",
     "12 new issues, 9 closed. Two need a decision: IMAP NOTIFY support "
     "and the dark high-contrast theme. Details in the tracker."),
]


def filler_list(rng, ctx, t):
    who = rng.choice([CAST[k] for k in ("chen", "segun", "alexis", "oleg",
                                        "marcus", "priya")])
    subject, text = rng.choice(LIST_POSTS)
    m = new_message(who, [LIST], f"[{LIST.name}] {subject}", local(t, who),
                    make_msgid(rng, t, who.domain))
    list_headers(m, LIST)
    lines = compose(who, "all", [text]) + para_lines(
        "", "_______________________________________________\n"
        f"{LIST.name} mailing list\n{LIST.addr}\n"
        f"https://lists.example.org/mailman/listinfo/{LIST.name}")
    set_body(m, lines, rng.choice(["plain", "flowed"]))
    return m


def filler_security(rng, ctx, t):
    m = new_message(BANK, [ctx.jane], "New sign-in to your account",
                    local(t, BANK), make_msgid(rng, t, BANK.domain))
    city = rng.choice(["Lisbon", "Berlin", "Osaka", "Dublin", "Lagos"])
    m.set_content(f"Hello {ctx.jane.name},\n\nWe noticed a new sign-in to "
                  f"your account from Firefox on Linux near {city}.\n\n"
                  "If this was you, there's nothing to do. Otherwise secure "
                  "your account: https://northwind-bank.example/security\n")
    m.add_alternative(
        f"<html><body><p>Hello {html.escape(ctx.jane.name)},</p><p>We "
        f"noticed a new sign-in from <b>Firefox on Linux</b> near {city}."
        '</p><p><a href="https://northwind-bank.example/security">Review '
        "activity</a></p></body></html>\n", subtype="html")
    return m


def filler_reminder(rng, ctx, t):
    what = rng.choice(["Dentist appointment", "Car service", "Yoga class",
                       "Library books due", "Team retrospective"])
    m = new_message(NOTES, [ctx.jane], f"Reminder: {what} tomorrow",
                    local(t, NOTES),
                    make_msgid(rng, t, "calendar.example.com"))
    m.set_content(f"Reminder: {what}\nWhen: tomorrow at "
                  f"{rng.randint(8, 18)}:{rng.choice(['00', '15', '30'])}\n\n"
                  "Manage notifications: https://calendar.example.com/settings"
                  "\n")
    return m


FILLERS = [(filler_forge, 22), (filler_receipt, 12), (filler_digest, 8),
           (filler_note, 25), (filler_list, 15), (filler_security, 6),
           (filler_reminder, 8)]


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

class Ctx:
    def __init__(self, now, to):
        self.now = now
        self.today = dt.datetime.combine(now, dt.time(0, 0), UTC)
        self.jane = make_jane(to)


def plan(ctx, count):
    """Returns [(utc_time, kind, EmailMessage-or-bytes)] of length count."""
    out = []
    rng = random.Random(SEED + ":specials")
    for fn in SPECIALS[:count]:
        out.append(fn(rng, ctx))
    rest = count - len(out)
    if rest <= 0:
        return out

    rng = random.Random(SEED + ":threads")
    budget = rest - rest // 6                  # leave room for fillers
    used = 0
    for tno, topic in enumerate(TOPICS, 1):
        size = rng.choice([2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8])
        size = min(size, budget - used)
        if size < 2:
            break
        out += build_thread(rng, ctx, topic, size, tno)
        used += size

    rng = random.Random(SEED + ":fillers")
    funcs, weights = zip(*FILLERS)
    for _ in range(count - len(out)):
        fn = rng.choices(funcs, weights)[0]
        t = ctx.today - dt.timedelta(days=rng.uniform(1, 730))
        out.append((t, fn.__name__.replace("filler_", "filler: "),
                    fn(rng, ctx, t)))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--to", default="jane@example.com")
    ap.add_argument("--now", type=dt.date.fromisoformat,
                    default=dt.date.today(), metavar="YYYY-MM-DD")
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="print file, date and kind of every message")
    args = ap.parse_args(argv)
    if args.count < 1:
        ap.error("--count must be positive")
    if "@" not in args.to:
        ap.error("--to must be an email address")

    ctx = Ctx(args.now, args.to)
    msgs = plan(ctx, args.count)
    msgs.sort(key=lambda x: x[0].astimezone(UTC))

    os.makedirs(args.outdir, exist_ok=True)
    for name in os.listdir(args.outdir):     # drop files of an earlier run
        if re.fullmatch(r"\d{4,}\.eml", name):
            os.unlink(os.path.join(args.outdir, name))
    width = max(4, len(str(len(msgs))))
    for i, (t, kind, m) in enumerate(msgs, 1):
        data = m if isinstance(m, bytes) else finish(m, f"{i:0{width}d}")
        name = f"{i:0{width}d}.eml"
        with open(os.path.join(args.outdir, name), "wb") as f:
            f.write(data)
        if args.verbose:
            print(f"{name}  {t:%Y-%m-%d %H:%M}Z  {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
