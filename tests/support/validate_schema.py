#!/usr/bin/python3
"""Validates JSON documents against a JSON Schema 2020-12 file (Debian's python3-jsonschema).

usage: validate_schema.py SCHEMA.json DOC.json...   exit 0: all valid; 1: invalid; 2: bad usage;
77: python3-jsonschema is not installed (the test reports itself skipped).
"""
import json
import sys


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        from jsonschema import Draft202012Validator
    except ImportError as e:
        print(f"SKIP: python3-jsonschema is not available ({e})", file=sys.stderr)
        return 77
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    # A broken schema would accept anything: check it against the metaschema first.
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    failed = False
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            pointer = "/" + "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: at {pointer}: {error.message}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
