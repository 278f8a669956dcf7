#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Tokens made by an independent JWS implementation (Debian's PyJWT, python3-jwt, and the
standard library's hmac) for tests/integration/oauth.sh: genuine ES256 tokens, forgeries and
the RFC 7638 key id, so that aiot's src/oauth is checked against code it shares nothing with.

usage: jwt_forge.py kid PUB.pem                       the RFC 7638 thumbprint of a P-256 key
       jwt_forge.py es256 KEY.pem KID CLAIMS          a genuine token signed by PyJWT
       jwt_forge.py none KID CLAIMS                   alg "none", empty signature
       jwt_forge.py hs256 PUB.pem KID CLAIMS          HMAC-SHA256 keyed with the public key PEM
       jwt_forge.py raw HEADER CLAIMS                 base64url parts, a zero signature
       jwt_forge.py flip TOKEN                        one bit of the signature flipped
       jwt_forge.py verify PUB.pem AUD ISS TOKEN      PyJWT verifies: prints sub, exit 0
"""
import base64
import hashlib
import hmac
import json
import sys

import jwt
from cryptography.hazmat.primitives import serialization


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def thumbprint(pem):
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(serialization.load_pem_public_key(pem)))
    members = {k: jwk[k] for k in ("crv", "kty", "x", "y")}  # RFC 7638 3.2
    return b64(hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest())


def unsigned(header, claims):
    return b64(json.dumps(header).encode()) + "." + b64(claims.encode())


def main(a):
    op = a[0]
    if op == "kid":
        return thumbprint(open(a[1], "rb").read())
    if op == "es256":
        return jwt.encode(json.loads(a[3]), open(a[1], "rb").read(), algorithm="ES256", headers={"kid": a[2]})
    if op == "none":
        return unsigned({"alg": "none", "typ": "JWT", "kid": a[1]}, a[2]) + "."
    if op == "hs256":
        si = unsigned({"alg": "HS256", "typ": "JWT", "kid": a[2]}, a[3])
        return si + "." + b64(hmac.new(open(a[1], "rb").read(), si.encode(), hashlib.sha256).digest())
    if op == "raw":
        return b64(a[1].encode()) + "." + b64(a[2].encode()) + "." + b64(bytes(64))
    if op == "flip":
        head, sig = a[1].rsplit(".", 1)
        raw = bytearray(unb64(sig))
        raw[17] ^= 0x04
        return head + "." + b64(bytes(raw))
    if op == "verify":
        pub = open(a[1], "rb").read()
        return jwt.decode(a[4], pub, algorithms=["ES256"], audience=a[2], issuer=a[3])["sub"]
    raise SystemExit(__doc__)


if __name__ == "__main__":
    print(main(sys.argv[1:]))
