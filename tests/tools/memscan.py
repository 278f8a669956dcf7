#!/usr/bin/env python3
"""Count which keys a live process still holds in its writable memory (issue 11 item 8).

usage: memscan.py PID KEYFILE  (root, or the process's owner while it is dumpable)
KEYFILE has one key per line in hex. Prints "TEXT BINARY": how many keys are found as hex
text (either case, as in a JSON body) and as raw bytes, in the private writable mappings
(heap, anonymous, thread stacks)."""
import re
import sys


def regions(pid):
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            perms = parts[1]
            name = parts[5] if len(parts) > 5 else ""
            if "r" not in perms or "w" not in perms or perms[3] != "p":
                continue
            if name.startswith("/") and not name.endswith("(deleted)"):
                continue  # a file's .data/.bss: no key lives there
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            yield lo, hi


def main():
    pid, keyfile = sys.argv[1], sys.argv[2]
    keys = [k.strip().lower() for k in open(keyfile) if k.strip()]
    text, raw = set(), set()
    with open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for lo, hi in regions(pid):
            try:
                mem.seek(lo)
                buf = mem.read(hi - lo)
            except OSError:
                continue
            low = buf.lower()
            for k in keys:
                if k.encode() in low:
                    text.add(k)
                if bytes.fromhex(k) in buf:
                    raw.add(k)
    print(len(text), len(raw))
    for k in sorted(text | raw):  # which ones (line numbers), on stderr
        print(f"key on line {keys.index(k) + 1} found", "as text" if k in text else "",
              "as bytes" if k in raw else "", file=sys.stderr)


if __name__ == "__main__":
    main()
