#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tls_slow: TLS clients that never finish their handshake, for tests/integration/sbi_abuse.sh.

usage: tls_slow.py HOST PORT trickle INTERVAL SECONDS
         a genuine ClientHello (ALPN h2), one byte every INTERVAL s, until the server closes
         or SECONDS pass; prints "trickle: sent=BYTES closed=0|1 t=SECONDS"
       tls_slow.py HOST PORT halfopen N SECONDS
         N connections, each sends the first 5 bytes of a ClientHello and stops; prints
         "opened N" once they are all connected, then after SECONDS (or once every one was
         closed) "halfopen: opened=N closed=M t=SECONDS"
"""
import select
import socket
import ssl
import sys
import time


def client_hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def is_closed(s):
    """True once the server closed s (EOF or reset); a pending byte is read and dropped."""
    try:
        return s.recv(4096, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def trickle(host, port, interval, secs):
    hello = client_hello()
    t0 = time.monotonic()
    s = socket.create_connection((host, port))
    sent, closed = 0, False
    while time.monotonic() - t0 < secs and sent < len(hello):
        try:
            s.send(hello[sent:sent + 1])
            sent += 1
        except OSError:
            closed = True
            break
        # wait for the next byte, watching for the close
        r, _, _ = select.select([s], [], [], interval)
        if r and is_closed(s):
            closed = True
            break
    print(f"trickle: sent={sent} closed={int(closed)} t={time.monotonic() - t0:.1f}", flush=True)


def halfopen(host, port, n, secs):
    head = client_hello()[:5]
    t0 = time.monotonic()
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, port))
        try:
            s.send(head)
        except OSError:
            pass
        socks.append(s)
    print(f"opened {n}", flush=True)
    closed = set()
    while time.monotonic() - t0 < secs and len(closed) < n:
        r, _, _ = select.select([s for s in socks if s not in closed], [], [], 0.2)
        for s in r:
            if is_closed(s):
                closed.add(s)
    print(f"halfopen: opened={n} closed={len(closed)} t={time.monotonic() - t0:.1f}", flush=True)


def main():
    if len(sys.argv) != 6 or sys.argv[3] not in ("trickle", "halfopen"):
        print(__doc__, file=sys.stderr)
        return 2
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "trickle":
        trickle(host, port, float(sys.argv[4]), float(sys.argv[5]))
    else:
        halfopen(host, port, int(sys.argv[4]), float(sys.argv[5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
