"""The Context: one open libauthkit context (settings, store, hasher).

A Context may be shared by any number of Python threads: every library
function taking a context is thread-safe, and ctypes releases the GIL for the
duration of each call, so two threads hashing passwords use two cores. Close
it (or leave its ``with`` block) only once no thread uses it any more.
"""
from __future__ import annotations

import ctypes
import threading
from ctypes import byref, c_int, c_int64, c_size_t, c_void_p
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import models as m
from ._lib import CLOCK_FN, _invalid, decode, encode, lib, take_string
from .errors import EAUTH, ELIMIT, ENOTFOUND, ETOKEN, InvalidCredentials, Locked, check, error_for
from .principal import Principal

Text = Union[str, bytes]

# authkit_token_verify() flags (token.h).
VERIFY_DEFAULT = 0
VERIFY_STATELESS = 1
VERIFY_STATEFUL = 2

# Usage summary groups, quota kinds and periods, billing states (usage.h).
BY_SERVICE, BY_MODEL, BY_DAY, BY_MONTH = 1, 2, 3, 4
QUOTA_TOKENS, QUOTA_COST, QUOTA_REQUESTS = 1, 2, 3
PERIOD_DAY, PERIOD_MONTH = 1, 2
BILLING_PENDING, BILLING_PAID, BILLING_VOID = 0, 1, 2

_AUTH_REASONS = {1: "unknown_user", 2: "bad_password", 3: "locked", 4: "inactive"}

# The hot path: its own function object with plain ctypes argtypes (no
# Python-level from_param per call); verify_access_token range-checks flags.
_token_verify = lib["authkit_token_verify"]
_token_verify.restype = c_int
_token_verify.argtypes = [c_void_p, ctypes.c_char_p, ctypes.c_uint, ctypes.POINTER(c_void_p)]
_UINT_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_uint))) - 1


def _out_call(fn: Callable[..., int], *args: Any) -> Optional[int]:
    """Call fn(*args, &out) for a T** out-parameter; raise on failure; return out."""
    out = c_void_p()
    code = fn(*args, byref(out))
    if code:
        raise error_for(code)
    return out.value


def _string_call(fn: Callable[..., int], *args: Any) -> Optional[str]:
    """Call fn(*args, &str) for an owned char** out-parameter; the string is wiped and freed."""
    out = c_void_p()
    try:
        code = fn(*args, byref(out))
        if code:
            raise error_for(code)
        return take_string(out)
    finally:
        take_string(out)  # no-op once taken; frees a string handed out alongside an error


def _i64_call(fn: Callable[..., int], *args: Any) -> int:
    out = c_int64()
    check(fn(*args, byref(out)))
    return out.value


def _consume(ptr: Optional[int], free: Callable[[int], None], read: Callable[[int], Any]) -> Any:
    """Read an owned object into Python values, then free it exactly once."""
    if not ptr:
        return None
    try:
        return read(ptr)
    finally:
        free(ptr)


def _read_user(u: int) -> m.User:
    L = lib
    return m.User(
        id=L.authkit_user_id(u), username=decode(L.authkit_user_username(u)),
        email=decode(L.authkit_user_email(u)), full_name=decode(L.authkit_user_full_name(u)),
        is_active=bool(L.authkit_user_is_active(u)), is_verified=bool(L.authkit_user_is_verified(u)),
        is_superuser=bool(L.authkit_user_is_superuser(u)), created_at=L.authkit_user_created_at(u),
        updated_at=L.authkit_user_updated_at(u), last_login_at=L.authkit_user_last_login_at(u),
        locked_until=L.authkit_user_locked_until(u), failed_logins=L.authkit_user_failed_logins(u),
        roles=tuple(decode(L.authkit_user_role(u, i)) for i in range(L.authkit_user_role_count(u))))


def _read_session(s: int) -> m.Session:
    L = lib
    return m.Session(
        id=decode(L.authkit_session_id(s)), user_id=L.authkit_session_user_id(s),
        ip=decode(L.authkit_session_ip(s)) or "", user_agent=decode(L.authkit_session_user_agent(s)) or "",
        created_at=L.authkit_session_created_at(s), last_seen_at=L.authkit_session_last_seen_at(s),
        idle_expires_at=L.authkit_session_idle_expires_at(s), expires_at=L.authkit_session_expires_at(s),
        revoked_at=L.authkit_session_revoked_at(s))


def _read_login(r: int) -> m.LoginResult:
    L = lib
    user = L.authkit_login_user(r)
    return m.LoginResult(
        user_id=L.authkit_login_user_id(r), session_id=decode(L.authkit_login_session_id(r)),
        session_token=decode(L.authkit_login_session_token(r)),
        access_token=decode(L.authkit_login_access_token(r)),
        access_expires_at=L.authkit_login_access_expires_at(r),
        refresh_token=decode(L.authkit_login_refresh_token(r)),
        refresh_expires_at=L.authkit_login_refresh_expires_at(r),
        user=_read_user(user) if user else None)


def _indexed_reader(prefix: str, cls: type, fields: Sequence[Tuple[str, Callable[[Any], Any]]]
                    ) -> Callable[[int], list]:
    """A reader for the list objects with per-index accessors (authkit_<prefix>_<field>(l, i))."""
    count = getattr(lib, prefix + "_count")
    getters = [(name, getattr(lib, f"{prefix}_{name}"), convert) for name, convert in fields]

    def read(ptr: int) -> list:
        return [cls(**{name: convert(get(ptr, i)) for name, get, convert in getters})
                for i in range(count(ptr))]
    return read


def _same(value: Any) -> Any:
    return value


def _split(value: Optional[bytes]) -> Tuple[str, ...]:
    return tuple(decode(value).split()) if value else ()


_read_audit = _indexed_reader("authkit_audit_list", m.AuditEvent, [
    ("id", _same), ("time", _same), ("user_id", _same), ("event", decode), ("ip", decode), ("detail", decode)])
_read_apikeys = _indexed_reader("authkit_apikey_list", m.ApiKeyInfo, [
    ("public_id", decode), ("name", decode), ("scopes", _split), ("created_at", _same),
    ("expires_at", _same), ("last_used_at", _same), ("revoked_at", _same)])
_read_vault = _indexed_reader("authkit_vault_list", m.VaultEntry, [
    ("service", decode), ("masked", decode), ("is_active", bool), ("key_version", _same),
    ("created_at", _same), ("updated_at", _same), ("last_used_at", _same)])
_read_usage = _indexed_reader("authkit_usage_summary", m.UsageRow, [
    ("key", decode), ("events", _same), ("input_tokens", _same), ("output_tokens", _same),
    ("cost_micros", _same)])
_read_billing = _indexed_reader("authkit_billing_list", m.BillingRecord, [
    ("id", _same), ("user_id", _same), ("period_start", _same), ("period_end", _same), ("events", _same),
    ("input_tokens", _same), ("output_tokens", _same), ("cost_micros", _same), ("status", _same),
    ("created_at", _same)])


def _read_user_list(ptr: int) -> List[m.User]:
    return [_read_user(lib.authkit_user_list_get(ptr, i)) for i in range(lib.authkit_user_list_count(ptr))]


def _read_session_list(ptr: int) -> List[m.Session]:
    return [_read_session(lib.authkit_session_list_get(ptr, i))
            for i in range(lib.authkit_session_list_count(ptr))]


def _secret_buffer(secret: Union[bytes, bytearray, memoryview, str]) -> Tuple[Any, int]:
    """secret as a C buffer and its length, without a copy where one is avoidable.

    A writable buffer (bytearray, writable memoryview) is passed in place, so
    the caller can wipe it afterwards and no immutable copy is left behind;
    bytes are passed as they are. str must be encoded (a copy Python cannot
    wipe), as must read-only non-bytes buffers.
    """
    if isinstance(secret, str):
        data = str.encode(secret, "utf-8")
        return data, len(data)
    if isinstance(secret, bytes):
        return secret, len(secret)
    view = memoryview(secret)
    if not view.readonly and view.c_contiguous:
        length = view.nbytes
        return (ctypes.c_char * length).from_buffer(view.cast("B")), length
    data = view.tobytes()
    return data, len(data)


def _setting_key(name: str) -> bytes:
    """``jwt_secret`` -> ``AUTHKIT_JWT_SECRET`` (full AUTHKIT_* names pass through)."""
    upper = name.upper()
    return (upper if upper.startswith("AUTHKIT_") else "AUTHKIT_" + upper).encode("ascii")


class _UsageEvent:
    """An authkit_usage_event built from keyword fields; freed on close."""

    _SETTERS = (("user_id", "authkit_usage_event_set_user_id", int),
                ("service", "authkit_usage_event_set_service", "text"),
                ("model", "authkit_usage_event_set_model", "text"),
                ("request_type", "authkit_usage_event_set_request_type", "text"),
                ("input_tokens", "authkit_usage_event_set_input_tokens", int),
                ("output_tokens", "authkit_usage_event_set_output_tokens", int),
                ("cost_micros", "authkit_usage_event_set_cost_micros", int),
                ("idempotency_key", "authkit_usage_event_set_idempotency_key", "text"),
                ("time", "authkit_usage_event_set_time", int))

    def __init__(self, event: m.UsageEvent) -> None:
        self.ptr = _out_call(lib.authkit_usage_event_new)
        try:
            for name, setter, kind in self._SETTERS:
                value = getattr(event, name)
                if value is None or (kind is int and value == 0 and name != "user_id"):
                    continue  # the event's default
                check(getattr(lib, setter)(self.ptr, encode(value, name) if kind == "text" else value))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        ptr, self.ptr = self.ptr, None
        if ptr:
            lib.authkit_usage_event_free(ptr)


class Context:
    """An open libauthkit context. Use :func:`authkit.open` to create one."""

    def __init__(self, ptr: int, keepalive: Tuple[Any, ...] = ()) -> None:
        # A c_void_p instance is passed to ctypes as is (no per-call conversion).
        self._handle = c_void_p(ptr)
        self._keepalive = keepalive  # the clock callback must outlive the C context
        self._close_lock = threading.Lock()

    # ---- lifetime ----

    @property
    def _h(self) -> c_void_p:
        if not self._handle.value:
            raise ValueError("the authkit context is closed")
        return self._handle

    def close(self) -> None:
        """Close the context and its store (idempotent). No thread may still be using it."""
        with self._close_lock:
            ptr, self._handle = self._handle.value, c_void_p()
        if ptr:
            lib.authkit_ctx_free(ptr)

    @property
    def closed(self) -> bool:
        return not self._handle.value

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            self.close()

    # ---- context ----

    def now_ms(self) -> int:
        """The context's clock (an injected one if any), in ms since the epoch."""
        return lib.authkit_ctx_now_ms(self._h)

    def schema_version(self) -> int:
        out = c_int()
        check(lib.authkit_ctx_schema_version(self._h, byref(out)))
        return out.value

    def check(self) -> bool:
        """Check the store (StoreError if it fails); True when a consistency check ran."""
        out = c_int()
        check(lib.authkit_ctx_check(self._h, byref(out)))
        return bool(out.value)

    # ---- users ----

    def register(self, username: Text, email: Text, password: Text, full_name: Optional[Text] = None) -> m.User:
        """Register a user (the password goes through the policy, then Argon2id)."""
        ptr = _out_call(lib.authkit_user_register, self._h, encode(username, "username"), encode(email, "email"),
                        encode(full_name, "full_name"), encode(password, "password"))
        return _consume(ptr, lib.authkit_user_free, _read_user)

    def import_user(self, username: Text, email: Text, password_hash: Text,
                    full_name: Optional[Text] = None) -> m.User:
        """Create a user from an existing Argon2id or bcrypt hash (migrations)."""
        ptr = _out_call(lib.authkit_user_import, self._h, encode(username, "username"), encode(email, "email"),
                        encode(full_name, "full_name"), encode(password_hash, "password_hash"))
        return _consume(ptr, lib.authkit_user_free, _read_user)

    def user(self, user_id: int) -> m.User:
        """The user by id (NotFound if there is none)."""
        return _consume(_out_call(lib.authkit_user_get_by_id, self._h, user_id), lib.authkit_user_free, _read_user)

    def user_by_username(self, username: Text) -> m.User:
        ptr = _out_call(lib.authkit_user_get_by_username, self._h, encode(username, "username"))
        return _consume(ptr, lib.authkit_user_free, _read_user)

    def user_by_email(self, email: Text) -> m.User:
        ptr = _out_call(lib.authkit_user_get_by_email, self._h, encode(email, "email"))
        return _consume(ptr, lib.authkit_user_free, _read_user)

    def users(self, after_id: int = 0, limit: int = 100) -> List[m.User]:
        """One page of users with id > after_id, in id order (limit 1-1000)."""
        ptr = _out_call(lib.authkit_user_list_page, self._h, after_id, limit)
        return _consume(ptr, lib.authkit_user_list_free, _read_user_list)

    def iter_users(self, page_size: int = 500) -> Iterator[m.User]:
        """Every user, page by page."""
        after = 0
        while True:
            page = self.users(after, page_size)
            yield from page
            if len(page) < page_size:
                return
            after = page[-1].id

    def user_count(self) -> int:
        return _i64_call(lib.authkit_user_count, self._h)

    def set_full_name(self, user_id: int, full_name: Optional[Text]) -> None:
        check(lib.authkit_user_set_full_name(self._h, user_id, encode(full_name, "full_name")))

    def set_username(self, user_id: int, username: Text) -> None:
        check(lib.authkit_user_set_username(self._h, user_id, encode(username, "username")))

    def set_email(self, user_id: int, email: Text) -> None:
        """Change the email (clears the verified flag)."""
        check(lib.authkit_user_set_email(self._h, user_id, encode(email, "email")))

    def set_active(self, user_id: int, active: bool) -> None:
        check(lib.authkit_user_set_active(self._h, user_id, int(bool(active))))

    def set_verified(self, user_id: int, verified: bool) -> None:
        check(lib.authkit_user_set_verified(self._h, user_id, int(bool(verified))))

    def set_superuser(self, user_id: int, superuser: bool) -> None:
        check(lib.authkit_user_set_superuser(self._h, user_id, int(bool(superuser))))

    def add_role(self, user_id: int, role: Text) -> None:
        check(lib.authkit_user_add_role(self._h, user_id, encode(role, "role")))

    def remove_role(self, user_id: int, role: Text) -> None:
        check(lib.authkit_user_remove_role(self._h, user_id, encode(role, "role")))

    def lock_user(self, user_id: int, until: int) -> None:
        """Lock the account until `until` (seconds since the epoch)."""
        check(lib.authkit_user_lock(self._h, user_id, until))

    def unlock_user(self, user_id: int) -> None:
        check(lib.authkit_user_unlock(self._h, user_id))

    def delete_user(self, user_id: int) -> None:
        """Delete the user and everything that belongs to them."""
        check(lib.authkit_user_delete(self._h, user_id))

    # ---- passwords ----

    def authenticate(self, identifier: Text, password: Text, ip: Optional[Text] = None) -> m.User:
        """Check a username-or-email and password; the user on success.

        Raises InvalidCredentials for every failure (Locked, a subclass, when
        the account is locked); ``exc.reason`` says why, for your logs only.
        """
        out = c_void_p()
        reason = c_int()
        code = lib.authkit_authenticate_ex(self._h, encode(identifier, "identifier"), encode(password, "password"),
                                           encode(ip, "ip"), byref(out), byref(reason))
        if code:
            exc = error_for(code)
            if code == EAUTH:
                cls = Locked if reason.value == 3 else InvalidCredentials
                exc = cls(code, exc.message)
                exc.reason = _AUTH_REASONS.get(reason.value)
            raise exc
        return _consume(out.value, lib.authkit_user_free, _read_user)

    def password_check(self, password: Text, username: Optional[Text] = None, email: Optional[Text] = None) -> None:
        """Check a candidate password against the policy (WeakPassword if a rule is broken)."""
        check(lib.authkit_password_check(self._h, encode(password, "password"), encode(username, "username"),
                                         encode(email, "email")))

    def hash_password(self, password: Text) -> str:
        """An Argon2id PHC string at the context's cost (no policy check)."""
        return _string_call(lib.authkit_password_hash, self._h, encode(password, "password"))

    def needs_rehash(self, password_hash: Text) -> bool:
        return lib.authkit_password_needs_rehash(self._h, encode(password_hash, "password_hash")) == 1

    def change_password(self, user_id: int, current_password: Text, new_password: Text,
                        keep_session_id: Optional[Text] = None, ip: Optional[Text] = None) -> None:
        """Change a password (current one required); revokes every other session."""
        check(lib.authkit_password_change(self._h, user_id, encode(current_password, "current_password"),
                                          encode(new_password, "new_password"),
                                          encode(keep_session_id, "keep_session_id"), encode(ip, "ip")))

    def set_password(self, user_id: int, new_password: Text) -> None:
        """Administrative set (policy applies; every session is revoked)."""
        check(lib.authkit_password_set(self._h, user_id, encode(new_password, "new_password")))

    # ---- sessions and tokens ----

    def login(self, identifier: Text, password: Text, ip: Optional[Text] = None,
              user_agent: Optional[Text] = None) -> m.LoginResult:
        """Authenticate and open a session (InvalidCredentials on any credential failure)."""
        ptr = _out_call(lib.authkit_login, self._h, encode(identifier, "identifier"), encode(password, "password"),
                        encode(ip, "ip"), encode(user_agent, "user_agent"))
        return _consume(ptr, lib.authkit_login_free, _read_login)

    def refresh(self, refresh_token: Text, ip: Optional[Text] = None) -> m.LoginResult:
        """Rotate a refresh token: new access + refresh token of the same session.

        ReuseDetected (the session is now revoked) if it was already used."""
        ptr = _out_call(lib.authkit_refresh, self._h, encode(refresh_token, "refresh_token"), encode(ip, "ip"))
        return _consume(ptr, lib.authkit_login_free, _read_login)

    def logout(self, session_id: Text, ip: Optional[Text] = None) -> None:
        """Revoke the session (by its public id)."""
        check(lib.authkit_logout(self._h, encode(session_id, "session_id"), encode(ip, "ip")))

    def verify_access_token(self, token: Text, flags: int = VERIFY_DEFAULT) -> Principal:
        """Verify a JWT access token; its Principal (fields read lazily).

        Expired, Revoked (stateful mode: its session is dead), InvalidToken,
        ConfigError (no JWT key). One ctypes call on the success path.
        """
        handle = self._handle
        if not handle.value:
            raise ValueError("the authkit context is closed")
        if token.__class__ is not bytes or b"\0" in token:
            token = encode(token, "token")  # str, str subclasses, buffers; raises on NUL
        if not 0 <= flags <= _UINT_MAX:  # ctypes would wrap it silently
            raise _invalid(f"flags {flags} is out of range for c_uint")
        out = c_void_p()
        code = _token_verify(handle, token, flags, byref(out))
        if code:
            raise error_for(code)
        return Principal(out.value)

    def issue_access_token(self, user_id: int, session_id: Optional[Text] = None,
                           roles: Union[None, Text, Iterable[str]] = None) -> Tuple[str, int]:
        """Issue an access token; (token, expires_at seconds). roles: names or a space-separated string."""
        if roles is not None and not isinstance(roles, (str, bytes)):
            roles = " ".join(roles)
        expires = c_int64()
        out = c_void_p()
        try:
            check(lib.authkit_token_issue_access(self._h, user_id, encode(session_id, "session_id"),
                                                 encode(roles, "roles"), byref(out), byref(expires)))
            return take_string(out), expires.value
        finally:
            take_string(out)  # no-op once taken; frees a string handed out alongside an error

    def check_session(self, session_token: Text) -> m.Session:
        """Check a session token (the cookie value); extends its idle expiry.

        Expired, Revoked, or InvalidToken for an unknown or malformed token."""
        ptr = _out_call(lib.authkit_session_check, self._h, encode(session_token, "session_token"))
        return _consume(ptr, lib.authkit_session_free, _read_session)

    def session(self, session_id: Text) -> m.Session:
        """A session by its public id (alive or not)."""
        ptr = _out_call(lib.authkit_session_get, self._h, encode(session_id, "session_id"))
        return _consume(ptr, lib.authkit_session_free, _read_session)

    def sessions(self, user_id: int) -> List[m.Session]:
        """The user's sessions that are not revoked, newest first."""
        ptr = _out_call(lib.authkit_session_list_user, self._h, user_id)
        return _consume(ptr, lib.authkit_session_list_free, _read_session_list)

    def revoke_session(self, session_id: Text) -> None:
        check(lib.authkit_session_revoke(self._h, encode(session_id, "session_id")))

    def revoke_other_sessions(self, user_id: int, keep_session_id: Optional[Text]) -> int:
        """Revoke every session of the user but one; how many were revoked."""
        return _i64_call(lib.authkit_session_revoke_others, self._h, user_id,
                         encode(keep_session_id, "keep_session_id"))

    def revoke_all_sessions(self, user_id: int) -> int:
        return _i64_call(lib.authkit_session_revoke_all, self._h, user_id)

    def cleanup(self) -> Tuple[int, int]:
        """Delete dead sessions and used/expired one-time tokens: (sessions, tokens) deleted."""
        sessions, tokens = c_int64(), c_int64()
        check(lib.authkit_session_cleanup(self._h, byref(sessions), byref(tokens)))
        return sessions.value, tokens.value

    # ---- one-time tokens ----

    def request_password_reset(self, email: Text, ip: Optional[Text] = None) -> Optional[str]:
        """The reset token to mail, or None when the address has no active user
        (same work either way: answer the client identically)."""
        return _string_call(lib.authkit_reset_request, self._h, encode(email, "email"), encode(ip, "ip"))

    def complete_password_reset(self, token: Text, new_password: Text, ip: Optional[Text] = None) -> None:
        check(lib.authkit_reset_complete(self._h, encode(token, "token"), encode(new_password, "new_password"),
                                         encode(ip, "ip")))

    def request_email_verification(self, user_id: int) -> str:
        return _string_call(lib.authkit_verify_request, self._h, user_id)

    def complete_email_verification(self, token: Text) -> int:
        """Consume a verification token; the verified user's id."""
        return _i64_call(lib.authkit_verify_complete, self._h, encode(token, "token"))

    # ---- HTTP glue ----

    def cookie_name(self) -> str:
        """The session cookie's effective name (``__Host-`` prefixed when secure)."""
        return _string_call(lib.authkit_http_cookie_name, self._h)

    def set_cookie(self, value: Text, max_age_seconds: int) -> str:
        """A hardened ``Set-Cookie`` header value for the session cookie."""
        return _string_call(lib.authkit_http_set_cookie, self._h, encode(value, "value"), max_age_seconds)

    def delete_cookie(self) -> str:
        """The ``Set-Cookie`` value that deletes the session cookie."""
        return _string_call(lib.authkit_http_set_cookie, self._h, None, 0)

    def csrf_issue(self, session_id: Text) -> str:
        """A CSRF token bound to the session (by its public id)."""
        return _string_call(lib.authkit_csrf_issue, self._h, encode(session_id, "session_id"))

    def csrf_verify(self, session_id: Text, token: Optional[Text]) -> bool:
        """True when token was issued for this session; False for any bad token."""
        code = lib.authkit_csrf_verify(self._h, encode(session_id, "session_id"), encode(token, "token"))
        if code == ETOKEN:
            return False
        check(code)
        return True

    def authenticate_request(self, authorization: Optional[Text] = None, cookie: Optional[Text] = None,
                             x_api_key: Optional[Text] = None) -> Optional[Principal]:
        """A Principal from raw ``Authorization`` / ``Cookie`` / ``X-API-Key`` header values.

        None when the request carries no credential; a present but bad one
        raises its error (InvalidToken, Expired, Revoked, ...)."""
        out = c_void_p()
        code = lib.authkit_request_authenticate_ex(self._h, encode(authorization, "authorization"),
                                                   encode(cookie, "cookie"), encode(x_api_key, "x_api_key"),
                                                   byref(out))
        if code == ENOTFOUND:
            return None
        if code:
            raise error_for(code)
        return Principal(out.value)

    def authenticate_request_basic(self, authorization: Optional[Text] = None,
                                   cookie: Optional[Text] = None) -> Optional[Principal]:
        """As authenticate_request() without X-API-Key (authkit_request_authenticate)."""
        out = c_void_p()
        code = lib.authkit_request_authenticate(self._h, encode(authorization, "authorization"),
                                                encode(cookie, "cookie"), byref(out))
        if code == ENOTFOUND:
            return None
        if code:
            raise error_for(code)
        return Principal(out.value)

    # ---- integration-key vault ----

    def vault_put(self, user_id: int, service: Text, secret: Union[bytes, str]) -> None:
        """Store (insert or replace) the user's key for service, encrypted."""
        data, length = _secret_buffer(secret)
        check(lib.authkit_vault_put(self._h, user_id, encode(service, "service"), data, length))

    def vault_get(self, user_id: int, service: Text) -> bytes:
        """Decrypt the user's key for service. The C buffer is wiped and freed
        before this returns; the bytes returned are the only copy left."""
        ptr = _out_call(lib.authkit_vault_get, self._h, user_id, encode(service, "service"))
        try:
            return ctypes.string_at(lib.authkit_secret_data(ptr), lib.authkit_secret_len(ptr))
        finally:
            lib.authkit_secret_free(ptr)

    def vault_list(self, user_id: int) -> List[m.VaultEntry]:
        ptr = _out_call(lib.authkit_vault_list_user, self._h, user_id)
        return _consume(ptr, lib.authkit_vault_list_free, _read_vault)

    def vault_set_active(self, user_id: int, service: Text, active: bool) -> None:
        check(lib.authkit_vault_set_active(self._h, user_id, encode(service, "service"), int(bool(active))))

    def vault_delete(self, user_id: int, service: Text) -> None:
        check(lib.authkit_vault_delete(self._h, user_id, encode(service, "service")))

    def vault_rotate(self, batch_size: int = 100) -> Tuple[int, bool]:
        """One batch of master-key rotation: (rows re-encrypted, done)."""
        count, done = c_int64(), c_int()
        check(lib.authkit_vault_rotate(self._h, batch_size, byref(count), byref(done)))
        return count.value, bool(done.value)

    # ---- API keys ----

    def apikey_create(self, user_id: int, name: Text, scopes: Union[None, Text, Iterable[str]] = None,
                      expires_at: int = 0) -> Tuple[str, str]:
        """Create an API key: (key shown once, public id)."""
        if scopes is not None and not isinstance(scopes, (str, bytes)):
            scopes = " ".join(scopes)
        key, public_id = c_void_p(), c_void_p()
        try:
            check(lib.authkit_apikey_create(self._h, user_id, encode(name, "name"), encode(scopes, "scopes"),
                                            expires_at, byref(key), byref(public_id)))
            return take_string(key), take_string(public_id)
        finally:
            take_string(key)
            take_string(public_id)

    def apikey_verify(self, key: Text) -> Principal:
        """Verify an API key: a Principal of kind "api_key" with its scopes."""
        return Principal(_out_call(lib.authkit_apikey_verify, self._h, encode(key, "key")))

    def apikey_revoke(self, public_id: Text) -> None:
        check(lib.authkit_apikey_revoke(self._h, encode(public_id, "public_id")))

    def apikeys(self, user_id: int) -> List[m.ApiKeyInfo]:
        """The user's keys (revoked and expired included), never a secret."""
        ptr = _out_call(lib.authkit_apikey_list_user, self._h, user_id)
        return _consume(ptr, lib.authkit_apikey_list_free, _read_apikeys)

    # ---- usage, quotas, rate limits, billing ----

    def record_usage(self, user_id: int, service: Text, **fields: Any) -> bool:
        """Record one usage event (fields as :class:`UsageEvent`); True if it was a
        duplicate of an already recorded idempotency key (nothing written)."""
        event = _UsageEvent(m.UsageEvent(user_id, service, **fields))
        try:
            duplicate = c_int()
            check(lib.authkit_usage_record(self._h, event.ptr, byref(duplicate)))
            return bool(duplicate.value)
        finally:
            event.close()

    def record_usage_batch(self, events: Sequence[Union[m.UsageEvent, Mapping[str, Any]]]) -> int:
        """Record events in one transaction (all or none); how many were written."""
        built: List[_UsageEvent] = []
        try:
            for ev in events:
                built.append(_UsageEvent(ev if isinstance(ev, m.UsageEvent) else m.UsageEvent(**ev)))
            array = (c_void_p * len(built))(*[b.ptr for b in built])
            inserted = c_size_t()
            check(lib.authkit_usage_record_batch(self._h, array, len(built), byref(inserted)))
            return inserted.value
        finally:
            for b in built:
                b.close()

    def usage_summary(self, user_id: int = 0, since: int = 0, until: int = 0,
                      group: int = BY_SERVICE) -> List[m.UsageRow]:
        """Sums per group (BY_SERVICE, BY_MODEL, BY_DAY, BY_MONTH) over since <= t < until."""
        ptr = _out_call(lib.authkit_usage_summary_get, self._h, user_id, since, until, group)
        return _consume(ptr, lib.authkit_usage_summary_free, _read_usage)

    def quota_check(self, user_id: int, kind: int, period: int, limit: int, amount_needed: int = 0,
                    service: Optional[Text] = None) -> m.QuotaCheck:
        """Would amount_needed more fit in the quota? (nothing is charged)"""
        remaining, retry = c_int64(), c_int64()
        code = lib.authkit_quota_check(self._h, user_id, encode(service, "service"), kind, period, limit,
                                       amount_needed, byref(remaining), byref(retry))
        if code and code != ELIMIT:
            raise error_for(code)
        return m.QuotaCheck(code == 0, remaining.value, retry.value)

    def quota_charge(self, user_id: int, kind: int, period: int, amount: int,
                     service: Optional[Text] = None) -> int:
        """Add amount to the current period's counter; the new total."""
        return _i64_call(lib.authkit_quota_charge, self._h, user_id, encode(service, "service"), kind, period,
                         amount)

    def ratelimit_shared_take(self, key: Text, capacity: int, refill_per_second: int,
                              cost: int = 1) -> m.RateDecision:
        """A token-bucket take through the store (holds across processes)."""
        retry = c_int64()
        code = lib.authkit_ratelimit_shared_take(self._h, encode(key, "key"), capacity, refill_per_second, cost,
                                                 byref(retry))
        if code and code != ELIMIT:
            raise error_for(code)
        return m.RateDecision(code == 0, retry.value)

    def billing_close(self, period_start: int, period_end: int, user_id: int = 0) -> int:
        """Bill every unbilled event before period_end; records written."""
        return _i64_call(lib.authkit_billing_close, self._h, user_id, period_start, period_end)

    def billing_records(self, user_id: int = 0) -> List[m.BillingRecord]:
        ptr = _out_call(lib.authkit_billing_list_get, self._h, user_id)
        return _consume(ptr, lib.authkit_billing_list_free, _read_billing)

    def billing_set_status(self, billing_id: int, status: int) -> None:
        """pending -> BILLING_PAID or BILLING_VOID."""
        check(lib.authkit_billing_set_status(self._h, billing_id, status))

    # ---- audit ----

    def audit(self, user_id: int = 0, since: int = 0, until: int = 0, limit: int = 100) -> List[m.AuditEvent]:
        """Audit events, newest first (user_id 0: everyone; until 0: no bound; limit 1-10000)."""
        ptr = _out_call(lib.authkit_audit_query, self._h, user_id, since, until, limit)
        return _consume(ptr, lib.authkit_audit_list_free, _read_audit)


class RateLimiter:
    """An in-process token-bucket limiter (thread-safe, bounded memory).

    Any number of threads may take() at once; close() may race with them: the
    C limiter is freed once, by close() or by the last take() still running.
    """

    def __init__(self, capacity: int, refill_per_second: int) -> None:
        self._lock = threading.Lock()
        self._busy = 0          # take()/len() calls using the pointer right now
        self._doomed = None     # pointer closed while busy: the last user frees it
        self._ptr = _out_call(lib.authkit_ratelimit_new, capacity, refill_per_second)

    def _acquire(self) -> Optional[int]:
        with self._lock:
            ptr = self._ptr
            if ptr:
                self._busy += 1
            return ptr

    def _release(self) -> None:
        with self._lock:
            self._busy -= 1
            ptr = self._doomed if self._busy == 0 else None
            if ptr:
                self._doomed = None
        if ptr:
            lib.authkit_ratelimit_free(ptr)

    def take(self, key: Text, cost: int = 1, clock_from: Optional[Context] = None) -> m.RateDecision:
        """Take cost tokens from key's bucket (clock_from: a Context whose clock to use)."""
        ctx = clock_from._h if clock_from is not None else None
        data = encode(key, "key")
        retry = c_int64()
        ptr = self._acquire()
        if not ptr:
            raise ValueError("the rate limiter is closed")
        try:
            code = lib.authkit_ratelimit_take(ptr, ctx, data, cost, byref(retry))
        finally:
            self._release()
        if code and code != ELIMIT:
            raise error_for(code)
        return m.RateDecision(code == 0, retry.value)

    def __len__(self) -> int:
        ptr = self._acquire()
        if not ptr:
            return 0
        try:
            return lib.authkit_ratelimit_size(ptr)
        finally:
            self._release()

    def close(self) -> None:
        """Free the limiter (idempotent); a take() still running finishes first."""
        with self._lock:
            ptr, self._ptr = self._ptr, None
            if ptr and self._busy:
                self._doomed, ptr = ptr, None  # freed by the last _release()
        if ptr:
            lib.authkit_ratelimit_free(ptr)

    def __enter__(self) -> "RateLimiter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_ptr", None):
            self.close()
