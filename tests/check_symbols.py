#!/usr/bin/env python3
"""Fail if libauthkit.so exports anything but the functions its public
headers declare with AUTHKIT_EXTERN (and fail if a declared one is missing)."""
import pathlib
import re
import subprocess
import sys

lib, include_dir = sys.argv[1], pathlib.Path(sys.argv[2])
declared = set()
for header in include_dir.rglob("*.h"):
    text = header.read_text()
    declared |= set(re.findall(r"AUTHKIT_EXTERN\([^;{]*?\)\s*(authkit_\w+)\s*\(", text))

out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True, text=True).stdout
exported = {line.split()[-1] for line in out.splitlines() if line.strip()}
exported = {s.split("@")[0] for s in exported}

extra = sorted(exported - declared)
missing = sorted(declared - exported)
if extra:
    print("exported but not declared in a public header:", *extra, sep="\n  ")
if missing:
    print("declared but not exported:", *missing, sep="\n  ")
if not declared:
    print("no declarations found: the header scan is broken")
print(f"{len(exported)} exported, {len(declared)} declared")
sys.exit(1 if extra or missing or not declared else 0)
