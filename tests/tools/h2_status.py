#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""h2_status: a minimal h2c server (HTTP/2 with prior knowledge, RFC 9113 3.3) that answers
every request with one status and no body, for tests/integration/aiotf_adm_multi.sh: an ADM
instance answering 503, which the real ADM does only past its memory budgets. Frames by hand,
no library. Logs "listening on 127.0.0.1:PORT" and one "request on stream N" line per request
on stderr.

usage: h2_status.py STATUS [PORT]
"""
import socket
import struct
import sys
import threading

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, SETTINGS, PING, WINDOW_UPDATE = 0, 1, 4, 6, 8
END_STREAM, ACK, END_HEADERS = 1, 1, 4


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def serve(conn, status):
    buf = bytearray()

    def take(n):
        while len(buf) < n:
            d = conn.recv(65536)
            if not d:
                raise EOFError
            buf.extend(d)
        out = bytes(buf[:n])
        del buf[:n]
        return out

    # :status as a literal header field without indexing, name index 8 (RFC 7541 6.2.2)
    block = bytes([0x08, len(status)]) + status.encode()
    try:
        if take(len(PREFACE)) != PREFACE:
            return
        conn.sendall(frame(SETTINGS, 0, 0))
        while True:
            h = take(9)
            length, ftype, flags = int.from_bytes(h[:3], "big"), h[3], h[4]
            sid = int.from_bytes(h[5:9], "big") & 0x7FFFFFFF
            payload = take(length)
            if ftype == SETTINGS and not flags & ACK:
                conn.sendall(frame(SETTINGS, ACK, 0))
            elif ftype == PING and not flags & ACK:
                conn.sendall(frame(PING, ACK, 0, payload))
            elif ftype == DATA and length > 0:  # give the connection window back
                conn.sendall(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", length)))
            if ftype in (HEADERS, DATA) and flags & END_STREAM:
                print(f"request on stream {sid}", file=sys.stderr, flush=True)
                conn.sendall(frame(HEADERS, END_STREAM | END_HEADERS, sid, block))
    except (EOFError, OSError):
        pass
    finally:
        conn.close()


def main():
    status = sys.argv[1]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[2]) if len(sys.argv) > 2 else 0))
    srv.listen(16)
    print(f"listening on 127.0.0.1:{srv.getsockname()[1]}", file=sys.stderr, flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, status), daemon=True).start()


if __name__ == "__main__":
    main()
