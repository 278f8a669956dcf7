#!/usr/bin/python3
"""Validate SBI bodies against the official 3GPP OpenAPI 3.0 YAMLs (spec/openapi/).

usage:
  check_bodies.py [--spec DIR]... YAML OPERATION STATUS CONTENT-TYPE BODY-FILE
  check_bodies.py [--spec DIR]... --batch FILE    (one check a line, fields separated by TABs:
                                                YAML OPERATION STATUS CONTENT-TYPE BODY-FILE LABEL)

OPERATION is "METHOD /path" (an operation of YAML's paths), "METHOD /path CALLBACK" (the
request of that operation's callback, e.g. "POST /request-inv AIoTOperationsNotif"), or
"schema:NAME" (YAML's components/schemas/NAME). STATUS is an HTTP status code (the body of
that response; the YAML's "default" if the code is not listed, and when that "default"
describes no content, an application/problem+json ProblemDetails, TS 29.500 5.2.7.2) or
"request" (the request body). CONTENT-TYPE "-" means no body (e.g. 204): the response must then declare no content
and BODY-FILE must be empty. With "schema:", STATUS and CONTENT-TYPE are not checked.

Checked: the media type is one the YAML declares for that response; the body is JSON and
valid against the declared schema (JSON Schema draft 4 semantics as OpenAPI 3.0 uses them,
cross-file $refs resolved, "nullable" honoured, the formats byte, date, date-time, int32,
int64, uuid checked); and every member the schema does not declare (where it allows extra
members) is named vendorSpecific-NNNNNN (TS 29.500 6.6.3), so a misspelt member name is
caught too. Prints "ok LABEL" or "FAIL LABEL: ..." per body; exits 1 on any violation,
2 on a usage or spec error.
"""
import base64
import binascii
import copy
import datetime
import json
import os
import re
import sys
import uuid

import jsonschema
import yaml

PROBLEM = "application/problem+json"
VENDOR_EXT = re.compile(r"^vendorSpecific-[0-9]{6}$")  # TS 29.500 6.6.3
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SPEC = os.path.join(HERE, "..", "..", "spec", "openapi")


class SpecError(Exception):
    pass


def oas_to_jsonschema(node):
    """OpenAPI 3.0 Schema Object -> JSON Schema draft 4: "nullable: true" adds null."""
    if isinstance(node, list):
        return [oas_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: oas_to_jsonschema(v) for k, v in node.items()}
    if out.get("nullable") is True and "$ref" not in out:
        if "type" in out:
            t = out["type"]
            out["type"] = (t if isinstance(t, list) else [t]) + ["null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    return out


def _byte(v):
    if not isinstance(v, str):
        return True
    if len(v) % 4 != 0 or not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", v):
        return False
    try:
        base64.b64decode(v, validate=True)
    except binascii.Error:
        return False
    return True


def _int_range(lo, hi):
    return lambda v: not isinstance(v, int) or lo <= v <= hi


def _date(v):
    if not isinstance(v, str):
        return True
    try:
        datetime.date.fromisoformat(v)
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None
    except ValueError:
        return False


RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _date_time(v):
    if not isinstance(v, str):
        return True
    if not RFC3339.fullmatch(v):
        return False
    try:
        datetime.datetime.fromisoformat(v.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _uuid(v):
    if not isinstance(v, str):
        return True
    try:
        uuid.UUID(v)
    except ValueError:
        return False
    return re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", v) is not None


def format_checker():
    fc = jsonschema.FormatChecker(formats=())
    for name, fn in (("byte", _byte), ("int32", _int_range(-2**31, 2**31 - 1)),
                     ("int64", _int_range(-2**63, 2**63 - 1)), ("date", _date),
                     ("date-time", _date_time), ("uuid", _uuid)):
        fc.checks(name)(fn)
    return fc


class Spec:
    """Every YAML of each DIR, converted, addressed by file URI so that relative $refs
    resolve (also from one DIR into another: aiot's own extensions in openapi/ refer to the
    official types in spec/openapi/). A YAML is named by its file name, first DIR first."""

    def __init__(self, roots):
        self.roots = [os.path.abspath(r) for r in roots]
        self.docs = {}
        for root in self.roots:
            for f in sorted(os.listdir(root)):
                if f.endswith(".yaml"):
                    with open(os.path.join(root, f), encoding="utf-8") as fh:
                        raw = yaml.load(fh, Loader=yaml.CSafeLoader)
                    self.docs["file://" + os.path.join(root, f)] = oas_to_jsonschema(raw)
        self.root = ", ".join(self.roots)
        self.fc = format_checker()

    def uri(self, name):
        for root in self.roots:
            u = "file://" + os.path.join(root, name)
            if u in self.docs:
                return u
        return "file://" + os.path.join(self.roots[0], name)

    def doc(self, name):
        d = self.docs.get(self.uri(name))
        if d is None:
            raise SpecError(f"{name}: not in {self.root}")
        return d

    def resolver(self, base):
        return jsonschema.RefResolver(base, self.docs.get(base), store=self.docs)

    def deref(self, node, base):
        """Follows $ref chains of a non-schema object (a response); -> (node, base URI)."""
        while isinstance(node, dict) and "$ref" in node:
            full = _join(base, node["$ref"])
            doc_uri, _, frag = full.partition("#")
            if doc_uri not in self.docs:
                raise SpecError(f"unresolvable $ref {node['$ref']} (from {base})")
            node = _pointer(self.docs[doc_uri], frag)
            base = doc_uri
        return node, base


def _join(base, ref):
    if ref.startswith("#"):
        return base + ref
    path, hash_, frag = ref.partition("#")
    full = os.path.normpath(os.path.join(os.path.dirname(base[len("file://"):]), path))
    return "file://" + full + hash_ + frag


def _pointer(doc, frag):
    node = doc
    for part in [p for p in frag.split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise SpecError(f"no #{frag}")
        node = node[part]
    return node


def target(spec, yname, op, status, ctype):
    """-> (schema, base URI, label of the schema) of what the body must match, or
    (None, base, label) when no body is declared."""
    base = spec.uri(yname)
    doc = spec.doc(yname)
    if op.startswith("schema:"):
        name = op[len("schema:"):]
        if name not in doc.get("components", {}).get("schemas", {}):
            raise SpecError(f"{yname}: no components/schemas/{name}")
        return {"$ref": f"#/components/schemas/{name}"}, base, f"{yname}#/components/schemas/{name}"
    parts = op.split()
    if len(parts) not in (2, 3):
        raise SpecError(f"operation '{op}': expected 'METHOD /path [CALLBACK]' or 'schema:NAME'")
    method, path = parts[0].lower(), parts[1]
    o = doc.get("paths", {}).get(path, {}).get(method)
    if o is None:
        raise SpecError(f"{yname}: no operation {method.upper()} {path}")
    where = f"{yname} {method.upper()} {path}"
    if len(parts) == 3:
        cb = o.get("callbacks", {}).get(parts[2])
        if not cb:
            raise SpecError(f"{where}: no callback {parts[2]}")
        (cbop,) = cb.values()
        o = cbop.get("post")
        where += f" callback {parts[2]}"
        if o is None:
            raise SpecError(f"{where}: no POST")
    key = None
    if status == "request":
        if o.get("requestBody") is None:
            if ctype == "-":
                return None, base, f"{where} (no requestBody)"
            raise Violation(f"{where} declares no requestBody, got one ({ctype})")
        holder, base = spec.deref(o["requestBody"], base)
        where += " requestBody"
    else:
        rs = o.get("responses", {})
        key = status if status in rs else "default"
        if key not in rs:
            raise Violation(f"status {status} is not declared by {where} (nor a default)")
        holder, base = spec.deref(rs[key], base)
        where += f" response {key}"
    content = holder.get("content")
    if key == "default" and not content and ctype == PROBLEM:
        # The status is not listed and "default" describes no body: TS 29.500 5.2.7.2 says an
        # error answer carries ProblemDetails, so that is what it is checked against.
        return ({"$ref": spec.uri("TS29571_CommonData.yaml") + "#/components/schemas/ProblemDetails"}, base,
                f"{where} (status {status} not listed, no content) -> TS 29.500 ProblemDetails")
    if ctype == "-":
        if content:
            raise Violation(f"{where} declares a body ({', '.join(content)}), none was sent")
        return None, base, where
    if not content:
        raise Violation(f"{where} declares no body, got one ({ctype})")
    if ctype not in content:
        raise Violation(f"content-type {ctype}, {where} declares {', '.join(content)}")
    return content[ctype]["schema"], base, f"{where} {ctype}"


class Violation(Exception):
    pass


def undeclared(spec, schema, base, inst, where, out):
    """Members the schema does not name and that are not vendorSpecific-NNNNNN."""
    resolver = spec.resolver(base)

    def walk(s, inst, where, depth=0):
        if depth > 64 or not isinstance(s, dict):
            return
        while "$ref" in s:
            url, s = resolver.resolve(s["$ref"])
            resolver.push_scope(url)
            try:
                walk(s, inst, where, depth + 1)
            finally:
                resolver.pop_scope()
            return
        subs = [x for k in ("allOf", "anyOf", "oneOf") for x in s.get(k, [])]
        if isinstance(inst, list) and "items" in s:
            for i, v in enumerate(inst):
                walk(s["items"], v, f"{where}/{i}", depth + 1)
        if not isinstance(inst, dict):
            for x in subs:
                walk(x, inst, where, depth + 1)
            return
        props = dict(s.get("properties", {}))
        closed_or_map = "additionalProperties" in s or "patternProperties" in s
        names = set(props)
        for x in subs:
            names |= declared_names(x, depth + 1)
        for k, v in inst.items():
            if k in props:
                walk(props[k], v, f"{where}/{k}", depth + 1)
            elif isinstance(s.get("additionalProperties"), dict):
                walk(s["additionalProperties"], v, f"{where}/{k}", depth + 1)
            elif (k not in names and not closed_or_map and not VENDOR_EXT.match(k) and
                  (props or subs)):
                out.append(f"{where}/{k}: member not in the schema (an extension must be named "
                           "vendorSpecific-NNNNNN, TS 29.500 6.6.3)")
        for x in subs:
            walk_props_only(x, inst, where, depth + 1)

    def declared_names(s, depth):
        if depth > 64 or not isinstance(s, dict):
            return set()
        if "$ref" in s:
            url, r = resolver.resolve(s["$ref"])
            resolver.push_scope(url)
            try:
                return declared_names(r, depth + 1)
            finally:
                resolver.pop_scope()
        n = set(s.get("properties", {}))
        for k in ("allOf", "anyOf", "oneOf"):
            for x in s.get(k, []):
                n |= declared_names(x, depth + 1)
        return n

    def walk_props_only(s, inst, where, depth):
        """Recurses into the members a combinator branch declares."""
        if depth > 64 or not isinstance(s, dict):
            return
        if "$ref" in s:
            url, r = resolver.resolve(s["$ref"])
            resolver.push_scope(url)
            try:
                walk_props_only(r, inst, where, depth + 1)
            finally:
                resolver.pop_scope()
            return
        for k, v in s.get("properties", {}).items():
            if k in inst:
                walk(v, inst[k], f"{where}/{k}", depth + 1)

    walk(schema, inst, where)


def check_one(spec, yname, op, status, ctype, body):
    """-> list of violations (strings), empty when the body is valid."""
    try:
        schema, base, what = target(spec, yname, op, status, ctype)
    except Violation as v:
        return [str(v)], "-"
    if schema is None:
        return ([] if body.strip() == b"" else [f"{what}: a body was sent"]), what
    try:
        inst = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        return [f"not JSON: {e}"], what
    v = jsonschema.Draft4Validator(schema, resolver=spec.resolver(base), format_checker=spec.fc)
    errs = []
    for e in sorted(v.iter_errors(inst), key=lambda e: list(e.absolute_path)):
        ptr = "/" + "/".join(str(p) for p in e.absolute_path)
        via = "/".join(str(p) for p in e.absolute_schema_path)
        errs.append(f"{ptr}: {e.message} (schema: {via})")
        for c in e.context or []:
            errs.append(f"    branch {'/'.join(str(p) for p in c.absolute_schema_path)}: "
                        f"/{'/'.join(str(p) for p in c.absolute_path)}: {c.message}")
    undeclared(spec, schema, base, inst, "", errs)
    return errs, what


def main(argv):
    spec_dirs = []
    while len(argv) >= 2 and argv[0] == "--spec":
        spec_dirs.append(argv[1])
        argv = argv[2:]
    if len(argv) == 2 and argv[0] == "--batch":
        with open(argv[1], encoding="utf-8") as fh:
            checks = [ln.rstrip("\n").split("\t") for ln in fh if ln.strip()]
    elif len(argv) == 5:
        checks = [argv + [argv[4]]]
    else:
        sys.stderr.write(__doc__)
        return 2
    try:
        spec = Spec(spec_dirs or [DEFAULT_SPEC])
    except (OSError, yaml.YAMLError, SpecError) as e:
        print(f"check_bodies: {e}", file=sys.stderr)
        return 2
    failed = 0
    for c in checks:
        if len(c) < 6:
            print(f"check_bodies: bad batch line: {c}", file=sys.stderr)
            return 2
        yname, op, status, ctype, path, label = c[0], c[1], c[2], c[3], c[4], " ".join(c[5:])
        try:
            with open(path, "rb") as fh:
                body = fh.read()
            errs, what = check_one(spec, yname, op, status, ctype, body)
        except (OSError, SpecError, jsonschema.RefResolutionError) as e:
            errs, what = [f"cannot check: {e}"], "-"
        if errs:
            failed += 1
            print(f"FAIL {label}: {status} {ctype} against {what}")
            for e in errs:
                print(f"       {e}")
            print(f"       body: {body[:600].decode('utf-8', 'replace')}")
        else:
            print(f"ok   {label} ({what})")
    print(f"check_bodies: {len(checks)} bodies, {failed} invalid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
