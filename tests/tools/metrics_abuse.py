#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile clients of a daemon's /metrics listener (tests/integration/metrics.sh).

usage: metrics_abuse.py PORT PID head    a 16 MiB request head that never ends
       metrics_abuse.py PORT PID conns   200 idle connections, then a normal scrape
Prints key=value pairs measured on the daemon (PID) while the attack holds its sockets.
"""
import os
import selectors
import socket
import sys
import time
import urllib.request


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))


def nfd(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def scrape(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            return r.status
    except Exception as e:  # the status, or what went wrong
        return getattr(e, "code", type(e).__name__)


def big_head(port, pid):
    before = rss_kb(pid)
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    sent, chunk = 0, b"a" * 65536
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ")
        for _ in range(256):
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    time.sleep(0.3)
    grown = rss_kb(pid) - before  # while the connection is still open
    try:
        answer = s.recv(64).split(b"\r\n")[0].decode() or "closed"
    except OSError as e:
        answer = "closed" if not isinstance(e, socket.timeout) else "none"
    print(f"sent_kb={sent // 1024} rss_growth_kb={grown} answer={answer.replace(' ', '_')}")


def idle_conns(port, pid, n=200):
    base = nfd(pid)
    socks = [socket.create_connection(("127.0.0.1", port), timeout=3) for _ in range(n)]
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    closed, deadline = set(), time.monotonic() + 15
    while len(closed) < n - 64 and time.monotonic() < deadline:
        for key, _ in sel.select(0.2):
            try:
                data = key.fileobj.recv(1)
            except OSError:
                data = b""
            if not data:
                closed.add(key.fileobj)
                sel.unregister(key.fileobj)
    held = nfd(pid) - base
    status = scrape(port)
    print(f"closed={len(closed)} fds_held={held} scrape={status}")
    for s in socks:
        s.close()


if __name__ == "__main__":
    port, pid = int(sys.argv[1]), int(sys.argv[2])
    {"head": big_head, "conns": idle_conns}[sys.argv[3]](port, pid)
