#!/usr/bin/python3
"""Interoperability of libauthkit access tokens with an independent JWT
implementation (PyJWT, Debian's python3-jwt).

  - a token issued by the library verifies with jwt.decode() pinned to HS256,
    audience and issuer 'authkit', and carries the documented claims;
  - a token issued by PyJWT with matching claims verifies in the library;
  - PyJWT tokens that break a rule (other key, alg none, HS512, wrong kind,
    no kid, wrong audience) are rejected by the library.

Usage: check_jwt_interop.py <jwt_issue helper>. Exit 77 (skip) only when the
jwt module is missing."""
import hashlib
import os
import subprocess
import sys
import time

try:
    import jwt
except ImportError:
    print("python3-jwt is not installed: skipping")
    sys.exit(77)

helper = sys.argv[1]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run([helper, *args], capture_output=True, text=True, timeout=60)


key = os.urandom(32)
secret = key.hex()
kid = hashlib.sha256(key).digest()[:8].hex()

# 1. library -> PyJWT
r = run("issue", secret)
check(r.returncode == 0, "helper issues a token")
token = r.stdout.strip()
header = jwt.get_unverified_header(token)
check(header == {"alg": "HS256", "typ": "JWT", "kid": kid}, f"header is alg/typ/kid with the derived kid: {header}")
claims = jwt.decode(token, key, algorithms=["HS256"], audience="authkit", issuer="authkit",
                    options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]})
check(claims["sub"] == "42", "sub is the user id as a string")
check(claims["sid"] == "c2lkLXNlc3Npb24tMDAx", "sid")
check(claims["token_use"] == "access", "token_use is access")
check(claims["roles"] == ["admin", "editor"], "roles array")
check(isinstance(claims["iat"], int) and isinstance(claims["exp"], int), "iat and exp are integers")
check(claims["exp"] - claims["iat"] == 30 * 60, "30-minute lifetime")
check(abs(claims["iat"] - time.time()) < 120, "iat is now")
check(len(claims["jti"]) == 22, "jti is 128 bits of base64url")
try:
    jwt.decode(token, os.urandom(32), algorithms=["HS256"], audience="authkit", issuer="authkit")
    check(False, "PyJWT rejects the token under another key")
except jwt.InvalidSignatureError:
    check(True, "PyJWT rejects the token under another key")

# 2. PyJWT -> library
now = int(time.time())
good = {"iss": "authkit", "aud": "authkit", "sub": "7", "sid": "cHl0aG9uLXNlc3Npb24", "iat": now,
        "exp": now + 600, "jti": "cHl0aG9uLWp0aS0wMDAx", "token_use": "access", "roles": ["viewer"]}
tok = jwt.encode(good, key, algorithm="HS256", headers={"kid": kid})
r = run("verify", secret, tok)
check(r.returncode == 0 and r.stdout.strip() == "ok user=7 sid=cHl0aG9uLXNlc3Npb24 kind=access roles=viewer",
      f"library verifies a PyJWT token: {r.stdout.strip()}")
tok = jwt.encode(dict(good, aud=["other", "authkit"]), key, algorithm="HS256", headers={"kid": kid})
check(run("verify", secret, tok).returncode == 0, "library accepts an aud array containing ours")


def rejected(token, what):
    r = run("verify", secret, token)
    check(r.returncode == 1 and r.stdout.startswith("rejected -14"), f"library rejects {what}: {r.stdout.strip()}")


rejected(jwt.encode(good, os.urandom(32), algorithm="HS256", headers={"kid": kid}), "another key")
rejected(jwt.encode(good, key, algorithm="HS256"), "a token without kid")
rejected(jwt.encode(good, key * 2, algorithm="HS512", headers={"kid": kid}), "HS512 (alg pinned)")
rejected(jwt.encode(dict(good, token_use="refresh"), key, algorithm="HS256", headers={"kid": kid}), "a refresh kind")
rejected(jwt.encode(dict(good, aud="other"), key, algorithm="HS256", headers={"kid": kid}), "another audience")
rejected(jwt.encode(dict(good, exp=float(now + 600)), key, algorithm="HS256", headers={"kid": kid}),
         "a float exp")
rejected(jwt.encode(good, key, algorithm="HS256", headers={"kid": kid, "jku": "https://evil.example/"}),
         "a jku header")
try:
    none_tok = jwt.encode(good, None, algorithm="none", headers={"kid": kid})
except Exception as e:  # some PyJWT builds refuse to produce it
    none_tok = None
    print(f"skip alg none: {e}")
if none_tok:
    rejected(none_tok, "alg none")
r = run("verify", secret, jwt.encode(dict(good, exp=now - 3600, iat=now - 7200), key, algorithm="HS256",
                                     headers={"kid": kid}))
check(r.returncode == 1 and r.stdout.startswith("rejected -8"), f"library rejects an expired token: {r.stdout.strip()}")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("all interop checks passed")
