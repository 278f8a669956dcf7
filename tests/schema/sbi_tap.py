#!/usr/bin/python3
"""An h2c relay that records the requests passing through it (tests only).

usage: sbi_tap.py --upstream http://HOST:PORT --out FILE.jsonl [--listen 127.0.0.1:0]

Serves HTTP/2 with prior knowledge (as aiot-aiotf speaks to its ADM), appends every request
as one JSON line {"method", "path", "contentType", "body"} to FILE, forwards it to the
upstream with curl and answers what the upstream answered (status, content-type, body).
Logs "listening on ADDR:PORT" on stderr; SIGTERM stops it. Used by tests/integration/
schema.sh to check the bodies the AIOTF sends to the ADM against the YAMLs.
"""
import argparse
import json
import signal
import socket
import subprocess
import sys
import threading

import h2.config
import h2.connection
import h2.events
import h2.exceptions


class Conn:
    def __init__(self, sock, args):
        self.sock, self.args = sock, args
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(
            client_side=False, header_encoding="utf-8"))
        self.lock = threading.Condition()
        self.streams = {}

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def run(self):
        with self.lock:
            self.h2.initiate_connection()
            self.flush()
        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            with self.lock:
                for ev in self.h2.receive_data(data):
                    self.event(ev)
                self.flush()
                self.lock.notify_all()

    def event(self, ev):
        if isinstance(ev, h2.events.RequestReceived):
            self.streams[ev.stream_id] = [dict(ev.headers), b""]
        elif isinstance(ev, h2.events.DataReceived):
            self.streams[ev.stream_id][1] += ev.data
            self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            hdrs, body = self.streams.pop(ev.stream_id)
            threading.Thread(target=self.relay, args=(ev.stream_id, hdrs, body),
                             daemon=True).start()

    def relay(self, sid, hdrs, body):
        rec = {"method": hdrs.get(":method"), "path": hdrs.get(":path"),
               "contentType": hdrs.get("content-type"), "body": body.decode("utf-8", "replace")}
        with self.lock:
            with open(self.args.out, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(rec) + "\n")
        cmd = ["curl", "-sS", "--http2-prior-knowledge", "-X", rec["method"], "-o", "-",
               "-w", "\n%{http_code} %{content_type}", self.args.upstream + rec["path"]]
        if body:
            cmd += ["-H", "content-type: " + (rec["contentType"] or ""), "--data-binary", "@-"]
        p = subprocess.run(cmd, input=body, capture_output=True, check=False)
        out, _, tail = p.stdout.rpartition(b"\n")
        status, _, ctype = tail.decode().partition(" ")
        if p.returncode != 0 or status in ("", "000"):
            status, ctype, out = "502", "", b""
        headers = [(":status", status), ("content-length", str(len(out)))]
        if ctype and out:
            headers.append(("content-type", ctype))
        with self.lock:
            self.h2.send_headers(sid, headers, end_stream=not out)
            self.flush()
            while out:
                n = min(len(out), self.h2.local_flow_control_window(sid),
                        self.h2.max_outbound_frame_size)
                if n == 0:
                    self.lock.wait(1)
                    continue
                self.h2.send_data(sid, out[:n], end_stream=n == len(out))
                out = out[n:]
                self.flush()


def serve(sock, args):
    try:
        Conn(sock, args).run()
    except (OSError, h2.exceptions.ProtocolError):
        pass
    finally:
        sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--listen", default="127.0.0.1:0")
    args = ap.parse_args()
    host, _, port = args.listen.rpartition(":")
    srv = socket.create_server((host, int(port)))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"sbi_tap: listening on {host}:{srv.getsockname()[1]}", file=sys.stderr, flush=True)
    while True:
        sock, _ = srv.accept()
        threading.Thread(target=serve, args=(sock, args), daemon=True).start()


if __name__ == "__main__":
    main()
