#!/usr/bin/python3
"""A stand-in for the hosting panel's agent, for tuimail's tests.

  panel-client.py URL sync SECRET BODY [--ts T] [--sig HEX] [--plain]
  panel-client.py URL sso SECRET EMAIL [--ts T] [--sig HEX]
  panel-client.py URL burst SECRET N CLIENTS DOMAIN PASSWORD
  panel-client.py URL raw METHOD [BODY]

Prints "STATUS BODY" for one request; for a burst, the count of each
status. Signatures are made the way the panel's agent makes them:
sync: X-Sync-Signature: sha256=<hex HMAC-SHA256(secret, ts + "." + body)>
with X-Sync-Timestamp; sso: HMAC-SHA256(secret, "email:ts") in the body.
"""
import argparse
import collections
import hashlib
import hmac
import http.client
import json
import sys
import threading
import time
import urllib.parse


def post(url, body, headers, method="POST"):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.request(method, u.path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read().decode("utf-8", "replace").strip()
    conn.close()
    return r.status, data


def sign(secret, text):
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def sync(url, secret, body, ts=None, sig=None, plain=False):
    ts = str(ts if ts is not None else int(time.time()))
    headers = {"Content-Type": "application/json"}
    if plain:
        headers["X-Sync-Secret"] = secret
    else:
        headers["X-Sync-Timestamp"] = ts
        headers["X-Sync-Signature"] = "sha256=" + (sig or sign(secret, ts + "." + body))
    return post(url + "/api/sync/account", body, headers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("what")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--ts")
    ap.add_argument("--sig")
    ap.add_argument("--plain", action="store_true")
    a = ap.parse_intermixed_args()
    if a.what == "sync":
        st, data = sync(a.url, a.args[0], a.args[1], a.ts, a.sig, a.plain)
    elif a.what == "sso":
        secret, email = a.args
        ts = a.ts or str(int(time.time()))
        sig = a.sig or sign(secret, email + ":" + ts)
        body = json.dumps({"email": email, "timestamp": int(ts), "signature": sig})
        st, data = post(a.url + "/sso/issue", body, {"Content-Type": "application/json"})
    elif a.what == "raw":
        method = a.args[0]
        body = a.args[1] if len(a.args) > 1 else None
        path = a.args[2] if len(a.args) > 2 else "/api/sync/account"
        st, data = post(a.url + path, body, {}, method)
    elif a.what == "burst":
        secret, n, clients, domain, password = a.args
        n, clients = int(n), int(clients)
        counts = collections.Counter()
        lat = []
        lock = threading.Lock()

        def worker(k):
            for i in range(k, n, clients):
                body = json.dumps({"action": "create",
                                   "email": "user%05d@%s" % (i, domain),
                                   "password": password, "quota_mb": 100})
                t0 = time.monotonic()
                s, _ = sync(a.url, secret, body)
                with lock:
                    counts[s] += 1
                    lat.append(time.monotonic() - t0)

        start = time.time()
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.time() - start
        lat.sort()
        pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
        print(" ".join("%d:%d" % kv for kv in sorted(counts.items())),
              "%.1fs" % took, "%.0f/s" % (n / took),
              "p50 %.1fms p99 %.1fms" % (pct(0.50), pct(0.99)))
        return 0
    else:
        ap.error("unknown request kind")
    print(st, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
