#!/usr/bin/python3
"""SMTP-to-LMTP relay for tuimail's integration tests.

Dovecot's submission service relays every message a test user sends to this small SMTP
server, which hands it to Dovecot's LMTP, so mail sent by one test user lands in another's
INBOX.  Loopback only; no AUTH, no TLS; one LMTP connection per check/delivery.

- RCPT TO: the recipient is tried on LMTP at once (LHLO, MAIL FROM, RCPT TO, QUIT) and
  LMTP's answer is passed back, so unknown or over-quota recipients get LMTP's 5xx (or 4xx)
  at RCPT time, as from a real MTA.  If LMTP cannot be reached: 451.
- DATA: one LMTP transaction for all accepted recipients.  250 if every recipient got the
  message; otherwise the first failure's reply (4xx if any failure was temporary).  A
  partial success is answered 250 (the message is in some INBOXes) and logged.
- One line per accepted or refused message/recipient in --log (key=value fields).
- Writes --pidfile once it listens (lib-servers.sh waits for it); removes it on exit.
  SIGTERM/SIGINT stop it.

Needs Debian's python3-aiosmtpd: run it with /usr/bin/python3.
"""

import argparse
import asyncio
import email.parser
import email.policy
import os
import re
import signal
import smtplib
import sys
import time

from aiosmtpd.smtp import SMTP


def reply_text(code, msg):
    text = msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else str(msg)
    # SMTP replies are one line here; keep LMTP's enhanced status code and text.
    return '%d %s' % (code, ' '.join(text.split()))


class LmtpForwarder:
    """aiosmtpd handler: check recipients and deliver through LMTP."""

    def __init__(self, lmtp_host, lmtp_port, log_path):
        self.lmtp_host = lmtp_host
        self.lmtp_port = lmtp_port
        self.log_path = log_path

    # -- logging ------------------------------------------------------------------------
    def log(self, event, **fields):
        parts = [time.strftime('%Y-%m-%dT%H:%M:%S'), event]
        for key, value in fields.items():
            value = ' '.join(str(value).split())
            parts.append('%s=%s' % (key, value))
        with open(self.log_path, 'a', encoding='utf-8') as f:
            f.write(' '.join(parts) + '\n')

    # -- blocking LMTP work (run in the default executor) --------------------------------
    def _connect(self):
        lm = smtplib.LMTP(self.lmtp_host, self.lmtp_port, timeout=30)
        code, msg = lm.ehlo()             # smtplib.LMTP sends LHLO
        if code != 250:
            lm.close()
            raise smtplib.SMTPResponseException(code, msg)
        return lm

    def check_rcpt(self, mail_from, rcpt):
        """Ask LMTP whether it would take rcpt; returns (code, text)."""
        try:
            lm = self._connect()
            try:
                code, msg = lm.mail(mail_from)
                if code == 250:
                    code, msg = lm.rcpt(rcpt)
                lm.quit()
            finally:
                lm.close()
        except (OSError, smtplib.SMTPException) as e:
            return 451, '4.4.0 relay cannot reach LMTP: %s' % e
        return code, reply_text(code, msg).split(' ', 1)[1]

    def deliver(self, mail_from, rcpts, data):
        """One LMTP transaction; returns {rcpt: (code, text)}."""
        results = {}
        try:
            lm = self._connect()
            try:
                code, msg = lm.mail(mail_from)
                if code != 250:
                    return {r: (code, reply_text(code, msg)) for r in rcpts}
                accepted = []
                for r in rcpts:
                    code, msg = lm.rcpt(r)
                    if code in (250, 251):
                        accepted.append(r)
                    else:
                        results[r] = (code, reply_text(code, msg))
                if accepted:
                    # smtplib.LMTP.data() reads one reply, but LMTP sends one per accepted
                    # recipient (RFC 2033), so send DATA by hand and read them all.
                    lm.putcmd('data')
                    code, msg = lm.getreply()
                    if code != 354:
                        for r in accepted:
                            results[r] = (code, reply_text(code, msg))
                    else:
                        lm.send(dot_stuff(data) + b'.\r\n')
                        for r in accepted:
                            code, msg = lm.getreply()
                            results[r] = (code, reply_text(code, msg))
                lm.quit()
            finally:
                lm.close()
        except (OSError, smtplib.SMTPException) as e:
            for r in rcpts:
                results.setdefault(r, (451, '451 4.4.0 relay lost LMTP: %s' % e))
        return results

    # -- aiosmtpd hooks ------------------------------------------------------------------
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # Advertise ENHANCEDSTATUSCODES: without it Dovecot's submission does not parse the
        # "5.1.1" in our (LMTP's) replies and shows the client "5.0.0 <rcpt> 5.1.1 ...".
        session.host_name = hostname
        return responses[:-1] + ['250-ENHANCEDSTATUSCODES'] + responses[-1:]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        loop = asyncio.get_running_loop()
        code, text = await loop.run_in_executor(
            None, self.check_rcpt, envelope.mail_from or '', address)
        if code not in (250, 251):
            self.log('refused', stage='rcpt', sender='<%s>' % (envelope.mail_from or ''),
                     rcpt='<%s>' % address, reply='%d %s' % (code, text))
            return '%d %s' % (code, text)
        envelope.rcpt_tos.append(address)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode('utf-8', 'surrogateescape')
        loop = asyncio.get_running_loop()
        results = await loop.run_in_executor(
            None, self.deliver, envelope.mail_from or '', list(envelope.rcpt_tos), data)
        ok = [r for r, (code, _) in results.items() if code // 100 == 2]
        bad = {r: v for r, v in results.items() if v[0] // 100 != 2}
        head = headers_of(data)
        sender = '<%s>' % (envelope.mail_from or '')
        if ok:
            self.log('accepted', sender=sender, rcpts=','.join('<%s>' % r for r in ok),
                     size=len(data), message_id=head.get('message-id', ''),
                     subject=head.get('subject', ''))
        for r, (code, text) in bad.items():
            self.log('refused', stage='data', sender=sender, rcpt='<%s>' % r, reply=text)
        if ok:
            return '250 2.0.0 OK delivered to %d recipient(s)' % len(ok)
        replies = list(bad.values())
        temp = [text for code, text in replies if code // 100 == 4]
        return temp[0] if temp else replies[0][1]


def dot_stuff(data):
    """CRLF line ends, a final CRLF, and leading dots doubled (RFC 5321 4.5.2)."""
    data = re.sub(rb'\r?\n', b'\r\n', data)
    if not data.endswith(b'\r\n'):
        data += b'\r\n'
    return re.sub(rb'(?m)^\.', b'..', data)


def headers_of(data):
    try:
        msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)
        return {k.lower(): str(v) for k, v in msg.items()}
    except Exception:            # a log line must never break delivery
        return {}


async def serve(args):
    handler = LmtpForwarder(args.lmtp_host, args.lmtp_port, args.log)
    loop = asyncio.get_running_loop()

    def factory():
        return SMTP(handler, hostname='localhost', ident='tuimail test relay',
                    data_size_limit=64 * 1024 * 1024, enable_SMTPUTF8=True,
                    decode_data=False)

    # asyncio sets SO_REUSEADDR, so a restart can take the same port at once.
    server = await loop.create_server(factory, host=args.host, port=args.port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.pidfile:
        tmp = args.pidfile + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % os.getpid())
        os.replace(tmp, args.pidfile)        # appears complete or not at all
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except OSError:
                pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--lmtp-host', default='127.0.0.1')
    p.add_argument('--lmtp-port', type=int, required=True)
    p.add_argument('--log', required=True, help='one line per accepted/refused message')
    p.add_argument('--pidfile')
    args = p.parse_args()
    try:
        asyncio.run(serve(args))
    except OSError as e:
        print('smtp-relay: %s' % e, file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
