"""libauthkit for Python: a pure-Python binding over the C ABI (ctypes).

    import authkit
    with authkit.open("app.db", jwt_secret=SECRET) as auth:
        auth.register("alice", "alice@example.com", "correct horse battery staple")
        login = auth.login("alice", "correct horse battery staple", ip="203.0.113.7")
        principal = auth.verify_access_token(login.access_token)

See docs/PYTHON.md.
"""
from __future__ import annotations

import ctypes
import sys
import threading
import time
from ctypes import c_char_p, c_size_t, c_void_p, byref
from typing import Any, Callable, Iterable, Optional, Tuple, Union

from . import errors
from ._lib import CLOCK_FN, encode, lib, take_string
from .context import (BILLING_PAID, BILLING_PENDING, BILLING_VOID, BY_DAY, BY_MODEL, BY_MONTH, BY_SERVICE,
                      PERIOD_DAY, PERIOD_MONTH, QUOTA_COST, QUOTA_REQUESTS, QUOTA_TOKENS, VERIFY_DEFAULT,
                      VERIFY_STATEFUL, VERIFY_STATELESS, Context, RateLimiter, _setting_key, _string_call)
from .errors import (AlreadyExists, AuthkitError, Busy, ConfigError, CryptoError, Expired, InvalidArgument,
                     InvalidCredentials, InvalidToken, LimitExceeded, Locked, NotFound, OutOfMemory,
                     ReuseDetected, Revoked, StoreError, VersionError, WeakPassword, check, strerror)
from .models import (ApiKeyInfo, AuditEvent, BillingRecord, LoginResult, QuotaCheck, RateDecision, Session,
                     UsageEvent, UsageRow, User, VaultEntry)
from .principal import Principal

__all__ = [
    "open", "Context", "Principal", "RateLimiter", "FakeClock", "MIN_COST",
    "User", "Session", "LoginResult", "AuditEvent", "ApiKeyInfo", "VaultEntry", "UsageEvent", "UsageRow",
    "QuotaCheck", "RateDecision", "BillingRecord",
    "AuthkitError", "InvalidArgument", "OutOfMemory", "StoreError", "NotFound", "AlreadyExists",
    "InvalidCredentials", "Locked", "WeakPassword", "Expired", "Revoked", "ReuseDetected", "VersionError",
    "CryptoError", "LimitExceeded", "InvalidToken", "Busy", "ConfigError",
    "VERIFY_DEFAULT", "VERIFY_STATELESS", "VERIFY_STATEFUL", "BY_SERVICE", "BY_MODEL", "BY_DAY", "BY_MONTH",
    "QUOTA_TOKENS", "QUOTA_COST", "QUOTA_REQUESTS", "PERIOD_DAY", "PERIOD_MONTH",
    "BILLING_PENDING", "BILLING_PAID", "BILLING_VOID",
    "version", "version_number", "strerror", "verify_password", "is_common_password",
    "common_password_count", "bearer_token", "cookie_value", "schema_latest", "limits",
]

#: The minimum Argon2id cost the library accepts (OWASP's floor: t=2, m=19 MiB).
#: For tests only: ``authkit.open(":memory:", **authkit.MIN_COST)``.
MIN_COST = {"argon2_opslimit": 2, "argon2_memlimit": 19 * 1024 * 1024}


class FakeClock:
    """A settable clock for tests: ``authkit.open(..., clock=FakeClock(...))``.

    Time moves only when told to, so tests of expiry never sleep. Thread-safe.
    """

    def __init__(self, now_ms: int = 1_700_000_000_000) -> None:
        self._now_ms = now_ms
        self._lock = threading.Lock()

    def __call__(self) -> int:
        return self._now_ms

    @property
    def now_ms(self) -> int:
        return self._now_ms

    def set(self, now_ms: int) -> None:
        with self._lock:
            self._now_ms = now_ms

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now_ms += int(seconds * 1000)


def _clock_callback(clock: Callable[[], Any]) -> Callable[[Any], int]:
    """The C clock callback around a Python clock.

    The C callback cannot report an error, and ctypes would turn an exception
    (or a float result) into 0, i.e. 1970: every expiry check would pass. So
    the result is int(clock()), and when the clock raises (or returns
    something int() refuses) the exception is reported through
    sys.unraisablehook and the real wall-clock time is used instead.
    """
    def callback(_userdata: Any) -> int:
        try:
            return int(clock())
        except BaseException as exc:  # noqa: B036 - nothing may escape into C
            sys.unraisablehook(_Unraisable(exc, "authkit clock callable raised; using the system clock"))
            return time.time_ns() // 1_000_000
    return callback


class _Unraisable:
    """The argument sys.unraisablehook expects (its C type is not constructible)."""

    def __init__(self, exc: BaseException, message: str) -> None:
        self.exc_type, self.exc_value, self.exc_traceback = type(exc), exc, exc.__traceback__
        self.err_msg, self.object = message, None


def open(db: Optional[str] = None, *, clock: Optional[Callable[[], int]] = None, from_env: bool = True,
         jwt_keys: Iterable[Tuple[str, bytes, bool]] = (), **settings: Any) -> Context:
    """Open a context: the defaults, then (from_env) the AUTHKIT_* environment,
    then ``settings``, then ``db`` as AUTHKIT_DB.

    settings: any key of docs/CONFIGURATION.md, lower-case without the
    ``AUTHKIT_`` prefix (``jwt_secret="..."``, ``cookie_secure=False``,
    ``**MIN_COST``); ints and bools are set as numbers, str as text.
    clock: a callable returning milliseconds since the epoch (e.g.
    :class:`FakeClock`); it runs with the GIL from inside library calls. Its
    result goes through int(); if it raises, the error goes to
    sys.unraisablehook and that call uses the system clock.
    jwt_keys: extra HMAC keys as (kid, key bytes, signing).
    """
    cfg = c_void_p()
    check(lib.authkit_config_new(byref(cfg)))
    keepalive: Tuple[Any, ...] = ()
    try:
        if from_env:
            check(lib.authkit_config_load_env(cfg))
        for name, value in settings.items():
            key = _setting_key(name)
            if isinstance(value, bool) or isinstance(value, int):
                check(lib.authkit_config_set_int(cfg, key, int(value)))
            else:
                check(lib.authkit_config_set(cfg, key, encode(value, name)))
        if db is not None:
            check(lib.authkit_config_set(cfg, b"AUTHKIT_DB", encode(db, "db")))
        for kid, key_bytes, signing in jwt_keys:
            key_bytes = bytes(key_bytes)
            check(lib.authkit_config_add_jwt_key(cfg, encode(kid, "kid"), key_bytes, len(key_bytes),
                                                 int(bool(signing))))
        if clock is not None:
            callback = CLOCK_FN(_clock_callback(clock))
            check(lib.authkit_config_set_clock(cfg, callback, None))
            keepalive = (callback, clock)
        ctx = c_void_p()
        check(lib.authkit_ctx_open(byref(ctx), cfg))
        return Context(ctx.value, keepalive)
    finally:
        lib.authkit_config_free(cfg)


def open_default(db: Optional[str] = None) -> Context:
    """``authkit_open()``: defaults, the environment, then db. No settings in code."""
    ctx = c_void_p()
    check(lib.authkit_open(byref(ctx), encode(db, "db")))
    return Context(ctx.value)


def version() -> str:
    """Version of the loaded library, e.g. "0.1.0"."""
    return lib.authkit_version_string().decode()


def version_number() -> int:
    return lib.authkit_version_number()


def verify_password(password_hash: Union[str, bytes], password: Union[str, bytes]) -> bool:
    """True when password matches an Argon2id or bcrypt hash (InvalidArgument for neither)."""
    code = lib.authkit_password_verify(encode(password_hash, "password_hash"), encode(password, "password"))
    if code == errors.EAUTH:
        return False
    check(code)
    return True


def is_common_password(password: Union[str, bytes]) -> bool:
    """True when password is in the shipped list of common passwords."""
    return lib.authkit_password_is_common(encode(password, "password")) == 1


def common_password_count() -> int:
    return lib.authkit_password_common_count()


def bearer_token(authorization: Optional[Union[str, bytes]]) -> Optional[str]:
    """The token of an ``Authorization: Bearer`` value; None when absent or
    another scheme; InvalidArgument when malformed."""
    token, length = c_void_p(), c_size_t()
    data = encode(authorization, "authorization")
    code = lib.authkit_http_bearer(data, byref(token), byref(length))
    if code == errors.ENOTFOUND:
        return None
    check(code)
    # token points into data (borrowed), which is alive here.
    return ctypes.string_at(token.value, length.value).decode("ascii")


def cookie_value(cookie_header: Optional[Union[str, bytes]], name: Union[str, bytes]) -> Optional[str]:
    """The value of the first cookie named name in a ``Cookie`` header; None if absent."""
    if cookie_header is None:
        return None  # a request without a Cookie header: the usual case, not an error
    out = c_void_p()
    code = lib.authkit_http_cookie_get(encode(cookie_header, "cookie_header"), encode(name, "name"), byref(out))
    try:
        if code == errors.ENOTFOUND:
            return None
        check(code)
        return take_string(out)
    finally:
        take_string(out)


def schema_latest() -> int:
    """Latest store schema version this library migrates to."""
    return lib.authkit_store_schema_latest()


def limits() -> dict:
    """The library's size limits, as its *_max() functions report them."""
    names = ("usage_name", "usage_model", "usage_idempotency", "usage_tokens", "usage_cost", "usage_batch",
             "ratelimit_key", "ratelimit_capacity", "ratelimit_local_keys", "ratelimit_shared_retries")
    out = {name: lib.authkit_usage_limit(i) for i, name in enumerate(names, 1)}
    out.update(password_max_bytes=lib.authkit_password_max_bytes(), username_max=lib.authkit_username_max(),
               email_max=lib.authkit_email_max(), http_header_max=lib.authkit_http_header_max(),
               csrf_token_chars=lib.authkit_csrf_token_chars())
    return out
