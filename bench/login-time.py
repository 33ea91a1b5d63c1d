#!/usr/bin/python3
"""login-time.py: login timings for bench/b0001-door.sh.

  login-time.py ssh PORT USER PASSFILE COUNT ASKPASS
      Runs the real OpenSSH client COUNT times on a pty (100x30, TERM
      xterm-256color), the password given by the ASKPASS program
      (SSH_ASKPASS_REQUIRE=force), until the first screen shows
      "USER - INBOX: N messages, M unread" (or matches the Python regex
      $BENCH_FIRST_SCREEN); then types q and waits for ssh to end. ASKPASS appends the wall-clock time it was run (ns) to
      $BENCH_ASKPASS_LOG, so the time to the password prompt (exec, TCP,
      key exchange, the kbd-interactive request) is told apart.
      Prints one line a login: "TOTAL_MS PROMPT_MS", or "fail REASON".

  login-time.py imap PORT USER PASSFILE COUNT
      IMAP LOGIN alone against Dovecot on 127.0.0.1:PORT, COUNT times,
      each on a fresh connection (the connect and the LOGOUT not timed).
      Prints one line a login: "MS", or "fail REASON".

The password is the first line of PASSFILE (never argv). Two failures in
a row end the runs early.
"""
import imaplib
import os
import re
import select
import struct
import sys
import fcntl
import pty
import termios
import time

GIVE_UP = 2  # failures in a row that end the runs

def read_pass(path):
    with open(path) as f:
        return f.readline().rstrip('\n')


def ms(ns):
    return ns / 1e6


def ssh_once(port, user, askpass, log):
    """One login; returns (total_ms, prompt_ms) or raises RuntimeError."""
    if os.environ.get('BENCH_FIRST_SCREEN'):
        screen = re.compile(os.environ['BENCH_FIRST_SCREEN'].encode())
    else:
        screen = re.compile(re.escape(user).encode() +
                            rb' - INBOX: [0-9]+ messages, [0-9]+ unread')
    try:
        os.unlink(log)
    except FileNotFoundError:
        pass
    env = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE='force',
               BENCH_ASKPASS_LOG=log, TERM='xterm-256color')
    env.pop('DISPLAY', None)
    args = ['ssh', '-tt', '-F', '/dev/null', '-p', str(port),
            '-o', 'StrictHostKeyChecking=no',
            '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
            '-o', 'PreferredAuthentications=keyboard-interactive,password',
            '-o', 'NumberOfPasswordPrompts=1', '-o', 'ConnectTimeout=10',
            user + '@127.0.0.1']
    wall0 = time.time_ns()
    t0 = time.monotonic_ns()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 30, 100, 0, 0))
        os.execvpe('ssh', args, env)
    out = b''
    t1 = None
    deadline = time.monotonic() + 30
    try:
        while t1 is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError('no first screen after 30 s')
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b''
            if not chunk:
                raise RuntimeError('ssh ended: %r' % out[-200:])
            out += chunk
            if screen.search(out):
                t1 = time.monotonic_ns()
        os.write(fd, b'q')
        end = time.monotonic() + 10
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.5)
            if r:
                try:
                    if not os.read(fd, 65536):
                        break
                except OSError:
                    break
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError('ssh exit status %d' %
                           os.waitstatus_to_exitcode(status))
    prompt = -1.0
    try:
        with open(log) as f:
            prompt = ms(int(f.readline()) - wall0)
    except (OSError, ValueError):
        pass
    return ms(t1 - t0), prompt


def imap_once(port, user, password):
    m = imaplib.IMAP4('127.0.0.1', port, timeout=30)
    try:
        t0 = time.monotonic_ns()
        m.login(user, password)
        t1 = time.monotonic_ns()
        m.logout()
    finally:
        try:
            m.shutdown()
        except OSError:
            pass
    return ms(t1 - t0)


def main():
    if len(sys.argv) < 6 or sys.argv[1] not in ('ssh', 'imap'):
        print(__doc__, file=sys.stderr)
        return 2
    mode, port, user, passfile, count = sys.argv[1:6]
    port, count = int(port), int(count)
    failed = 0
    for _ in range(count):
        if failed == GIVE_UP:
            print('fail %d in a row: giving up' % GIVE_UP, flush=True)
            break
        try:
            if mode == 'ssh':
                log = os.path.join(os.path.dirname(os.path.abspath(passfile)),
                                   'askpass.log')
                total, prompt = ssh_once(port, user, sys.argv[6], log)
                print('%.2f %.2f' % (total, prompt), flush=True)
            else:
                print('%.2f' % imap_once(port, user, read_pass(passfile)),
                      flush=True)
            failed = 0
        except (RuntimeError, OSError, imaplib.IMAP4.error) as e:
            print('fail %s' % str(e).replace('\n', ' '), flush=True)
            failed += 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
