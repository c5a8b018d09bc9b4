"""Loading libauthkit and declaring the C ABI for ctypes.

Every function the library exports (every ``AUTHKIT_EXTERN`` in
``include/authkit/*.h``) is declared in :data:`SIGNATURES` with its exact
argument and return types, so ctypes never guesses (a guessed ``int`` return
would truncate a pointer on 64-bit machines). ``tests/test_abi.py`` fails when
the library exports a symbol missing here.

Ownership rules the rest of the package follows:

* ``const char *`` results are *borrowed* from an object (or static): declared
  ``c_char_p`` so ctypes copies them into ``bytes`` at once.
* Strings the library hands over through ``char **`` are *owned* by the
  caller: they arrive as ``c_void_p`` (never ``c_char_p``, which would lose the
  pointer) and are released with ``authkit_string_free`` (which wipes them) by
  :func:`take_string`.
* Objects (users, sessions, lists, principals, ...) are released with their
  own ``authkit_*_free`` exactly once.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import pathlib
import threading
from ctypes import CFUNCTYPE, POINTER, c_char_p, c_int, c_int64, c_size_t, c_uint, c_void_p
from typing import Callable, Dict, List, Mapping, Optional, Tuple

SONAME = "libauthkit.so.0"

# Short names for the table below.
I, I64, U, SZ = c_int, c_int64, c_uint, c_size_t
P = c_void_p                 # any opaque object pointer (or void *)
PP = POINTER(c_void_p)       # out-parameter for an object or an owned string (T **, char **)
S = c_char_p                 # NUL-terminated input string (bytes or None)
BUF = c_char_p               # input bytes with an explicit length argument
BSTR = c_char_p              # borrowed/static string result: copied to bytes by ctypes
PI, PI64, PSZ = POINTER(c_int), POINTER(c_int64), POINTER(c_size_t)
#: ``int64_t (*authkit_clock_fn)(void *userdata)``
CLOCK_FN = CFUNCTYPE(c_int64, c_void_p)

# name: (restype, argtypes). Generated from include/authkit/*.h, kept in
# header order; one line per exported function.
SIGNATURES: Dict[str, Tuple[object, List[object]]] = {
    # apikey.h
    "authkit_apikey_create": (I, [P, I64, S, S, I64, PP, PP]),
    "authkit_apikey_verify": (I, [P, S, PP]),
    "authkit_apikey_revoke": (I, [P, S]),
    "authkit_apikey_list_user": (I, [P, I64, PP]),
    "authkit_apikey_list_count": (SZ, [P]),
    "authkit_apikey_list_public_id": (BSTR, [P, SZ]),
    "authkit_apikey_list_name": (BSTR, [P, SZ]),
    "authkit_apikey_list_scopes": (BSTR, [P, SZ]),
    "authkit_apikey_list_created_at": (I64, [P, SZ]),
    "authkit_apikey_list_expires_at": (I64, [P, SZ]),
    "authkit_apikey_list_last_used_at": (I64, [P, SZ]),
    "authkit_apikey_list_revoked_at": (I64, [P, SZ]),
    "authkit_apikey_list_free": (None, [P]),
    # audit.h
    "authkit_audit_query": (I, [P, I64, I64, I64, U, PP]),
    "authkit_audit_list_count": (SZ, [P]),
    "authkit_audit_list_id": (I64, [P, SZ]),
    "authkit_audit_list_time": (I64, [P, SZ]),
    "authkit_audit_list_user_id": (I64, [P, SZ]),
    "authkit_audit_list_event": (BSTR, [P, SZ]),
    "authkit_audit_list_ip": (BSTR, [P, SZ]),
    "authkit_audit_list_detail": (BSTR, [P, SZ]),
    "authkit_audit_list_free": (None, [P]),
    # auth.h
    "authkit_authenticate": (I, [P, S, S, S, PP]),
    "authkit_authenticate_ex": (I, [P, S, S, S, PP, PI]),
    # common.h
    "authkit_strerror": (BSTR, [I]),
    "authkit_error_last": (BSTR, []),
    "authkit_version_string": (BSTR, []),
    "authkit_version_number": (I, []),
    # config.h
    "authkit_config_new": (I, [PP]),
    "authkit_config_free": (None, [P]),
    "authkit_config_set": (I, [P, S, S]),
    "authkit_config_set_int": (I, [P, S, I64]),
    "authkit_config_load_env": (I, [P]),
    "authkit_config_set_clock": (I, [P, CLOCK_FN, P]),
    "authkit_config_set_store": (I, [P, P]),
    # ctx.h
    "authkit_ctx_open": (I, [PP, P]),
    "authkit_open": (I, [PP, S]),
    "authkit_ctx_free": (None, [P]),
    "authkit_ctx_now_ms": (I64, [P]),
    "authkit_ctx_schema_version": (I, [P, PI]),
    "authkit_ctx_check": (I, [P, PI]),
    # http.h
    "authkit_http_header_max": (SZ, []),
    "authkit_http_bearer": (I, [S, PP, PSZ]),
    "authkit_http_cookie_get": (I, [S, S, PP]),
    "authkit_http_cookie_name": (I, [P, PP]),
    "authkit_http_set_cookie": (I, [P, S, I64, PP]),
    "authkit_csrf_issue": (I, [P, S, PP]),
    "authkit_csrf_verify": (I, [P, S, S]),
    "authkit_csrf_token_chars": (SZ, []),
    "authkit_request_authenticate": (I, [P, S, S, PP]),
    "authkit_request_authenticate_ex": (I, [P, S, S, S, PP]),
    # password.h
    "authkit_password_max_bytes": (SZ, []),
    "authkit_password_check": (I, [P, S, S, S]),
    "authkit_password_is_common": (I, [S]),
    "authkit_password_common_count": (SZ, []),
    "authkit_password_hash": (I, [P, S, PP]),
    "authkit_password_verify": (I, [S, S]),
    "authkit_password_needs_rehash": (I, [P, S]),
    "authkit_password_change": (I, [P, I64, S, S, S, S]),
    "authkit_password_set": (I, [P, I64, S]),
    "authkit_string_free": (None, [P]),
    # session.h
    "authkit_login": (I, [P, S, S, S, S, PP]),
    "authkit_refresh": (I, [P, S, S, PP]),
    "authkit_logout": (I, [P, S, S]),
    "authkit_login_user_id": (I64, [P]),
    "authkit_login_user": (P, [P]),
    "authkit_login_session_id": (BSTR, [P]),
    "authkit_login_session_token": (BSTR, [P]),
    "authkit_login_access_token": (BSTR, [P]),
    "authkit_login_access_expires_at": (I64, [P]),
    "authkit_login_refresh_token": (BSTR, [P]),
    "authkit_login_refresh_expires_at": (I64, [P]),
    "authkit_login_free": (None, [P]),
    "authkit_session_check": (I, [P, S, PP]),
    "authkit_session_get": (I, [P, S, PP]),
    "authkit_session_list_user": (I, [P, I64, PP]),
    "authkit_session_revoke": (I, [P, S]),
    "authkit_session_revoke_others": (I, [P, I64, S, PI64]),
    "authkit_session_revoke_all": (I, [P, I64, PI64]),
    "authkit_session_cleanup": (I, [P, PI64, PI64]),
    "authkit_session_id": (BSTR, [P]),
    "authkit_session_user_id": (I64, [P]),
    "authkit_session_ip": (BSTR, [P]),
    "authkit_session_user_agent": (BSTR, [P]),
    "authkit_session_created_at": (I64, [P]),
    "authkit_session_last_seen_at": (I64, [P]),
    "authkit_session_idle_expires_at": (I64, [P]),
    "authkit_session_expires_at": (I64, [P]),
    "authkit_session_revoked_at": (I64, [P]),
    "authkit_session_free": (None, [P]),
    "authkit_session_list_count": (SZ, [P]),
    "authkit_session_list_get": (P, [P, SZ]),
    "authkit_session_list_free": (None, [P]),
    "authkit_reset_request": (I, [P, S, S, PP]),
    "authkit_reset_complete": (I, [P, S, S, S]),
    "authkit_verify_request": (I, [P, I64, PP]),
    "authkit_verify_complete": (I, [P, S, PI64]),
    # store.h
    "authkit_store_sqlite_open": (I, [PP, S, I]),
    "authkit_store_postgres_open": (I, [PP, S, I, I]),
    "authkit_store_free": (None, [P]),
    "authkit_store_schema_latest": (I, []),
    "authkit_store_init": (I, [P, U]),
    "authkit_store_validate": (I, [P]),
    # token.h
    "authkit_token_verify": (I, [P, S, U, PP]),
    "authkit_token_issue_access": (I, [P, I64, S, S, PP, PI64]),
    "authkit_config_add_jwt_key": (I, [P, S, BUF, SZ, I]),
    "authkit_principal_user_id": (I64, [P]),
    "authkit_principal_session_id": (BSTR, [P]),
    "authkit_principal_expires_at": (I64, [P]),
    "authkit_principal_jti": (BSTR, [P]),
    "authkit_principal_kind": (BSTR, [P]),
    "authkit_principal_role_count": (SZ, [P]),
    "authkit_principal_role": (BSTR, [P, SZ]),
    "authkit_principal_has_role": (I, [P, S]),
    "authkit_principal_scope_count": (SZ, [P]),
    "authkit_principal_scope": (BSTR, [P, SZ]),
    "authkit_principal_has_scope": (I, [P, S]),
    "authkit_principal_free": (None, [P]),
    # usage.h
    "authkit_usage_limit": (I64, [I]),
    "authkit_usage_event_new": (I, [PP]),
    "authkit_usage_event_free": (None, [P]),
    "authkit_usage_event_set_user_id": (I, [P, I64]),
    "authkit_usage_event_set_service": (I, [P, S]),
    "authkit_usage_event_set_model": (I, [P, S]),
    "authkit_usage_event_set_request_type": (I, [P, S]),
    "authkit_usage_event_set_input_tokens": (I, [P, I64]),
    "authkit_usage_event_set_output_tokens": (I, [P, I64]),
    "authkit_usage_event_set_cost_micros": (I, [P, I64]),
    "authkit_usage_event_set_idempotency_key": (I, [P, S]),
    "authkit_usage_event_set_time": (I, [P, I64]),
    "authkit_usage_record": (I, [P, P, PI]),
    "authkit_usage_record_batch": (I, [P, PP, SZ, PSZ]),
    "authkit_usage_summary_get": (I, [P, I64, I64, I64, I, PP]),
    "authkit_usage_summary_count": (SZ, [P]),
    "authkit_usage_summary_key": (BSTR, [P, SZ]),
    "authkit_usage_summary_events": (I64, [P, SZ]),
    "authkit_usage_summary_input_tokens": (I64, [P, SZ]),
    "authkit_usage_summary_output_tokens": (I64, [P, SZ]),
    "authkit_usage_summary_cost_micros": (I64, [P, SZ]),
    "authkit_usage_summary_free": (None, [P]),
    "authkit_quota_check": (I, [P, I64, S, I, I, I64, I64, PI64, PI64]),
    "authkit_quota_charge": (I, [P, I64, S, I, I, I64, PI64]),
    "authkit_ratelimit_new": (I, [I64, I64, PP]),
    "authkit_ratelimit_free": (None, [P]),
    "authkit_ratelimit_size": (SZ, [P]),
    "authkit_ratelimit_take": (I, [P, P, S, I64, PI64]),
    "authkit_ratelimit_shared_take": (I, [P, S, I64, I64, I64, PI64]),
    "authkit_billing_close": (I, [P, I64, I64, I64, PI64]),
    "authkit_billing_list_get": (I, [P, I64, PP]),
    "authkit_billing_list_count": (SZ, [P]),
    "authkit_billing_list_id": (I64, [P, SZ]),
    "authkit_billing_list_user_id": (I64, [P, SZ]),
    "authkit_billing_list_period_start": (I64, [P, SZ]),
    "authkit_billing_list_period_end": (I64, [P, SZ]),
    "authkit_billing_list_events": (I64, [P, SZ]),
    "authkit_billing_list_input_tokens": (I64, [P, SZ]),
    "authkit_billing_list_output_tokens": (I64, [P, SZ]),
    "authkit_billing_list_cost_micros": (I64, [P, SZ]),
    "authkit_billing_list_status": (I, [P, SZ]),
    "authkit_billing_list_created_at": (I64, [P, SZ]),
    "authkit_billing_list_free": (None, [P]),
    "authkit_billing_set_status": (I, [P, I64, I]),
    # user.h
    "authkit_user_register": (I, [P, S, S, S, S, PP]),
    "authkit_user_import": (I, [P, S, S, S, S, PP]),
    "authkit_user_get_by_id": (I, [P, I64, PP]),
    "authkit_user_get_by_username": (I, [P, S, PP]),
    "authkit_user_get_by_email": (I, [P, S, PP]),
    "authkit_user_list_page": (I, [P, I64, U, PP]),
    "authkit_user_count": (I, [P, PI64]),
    "authkit_user_set_full_name": (I, [P, I64, S]),
    "authkit_user_set_username": (I, [P, I64, S]),
    "authkit_user_set_email": (I, [P, I64, S]),
    "authkit_user_set_active": (I, [P, I64, I]),
    "authkit_user_set_verified": (I, [P, I64, I]),
    "authkit_user_set_superuser": (I, [P, I64, I]),
    "authkit_user_add_role": (I, [P, I64, S]),
    "authkit_user_remove_role": (I, [P, I64, S]),
    "authkit_user_lock": (I, [P, I64, I64]),
    "authkit_user_unlock": (I, [P, I64]),
    "authkit_user_delete": (I, [P, I64]),
    "authkit_user_id": (I64, [P]),
    "authkit_user_username": (BSTR, [P]),
    "authkit_user_email": (BSTR, [P]),
    "authkit_user_full_name": (BSTR, [P]),
    "authkit_user_is_active": (I, [P]),
    "authkit_user_is_verified": (I, [P]),
    "authkit_user_is_superuser": (I, [P]),
    "authkit_user_created_at": (I64, [P]),
    "authkit_user_updated_at": (I64, [P]),
    "authkit_user_last_login_at": (I64, [P]),
    "authkit_user_locked_until": (I64, [P]),
    "authkit_user_failed_logins": (I, [P]),
    "authkit_user_role_count": (SZ, [P]),
    "authkit_user_role": (BSTR, [P, SZ]),
    "authkit_user_has_role": (I, [P, S]),
    "authkit_user_free": (None, [P]),
    "authkit_user_list_count": (SZ, [P]),
    "authkit_user_list_get": (P, [P, SZ]),
    "authkit_user_list_free": (None, [P]),
    "authkit_username_max": (SZ, []),
    "authkit_email_max": (SZ, []),
    # vault.h
    "authkit_vault_put": (I, [P, I64, S, BUF, SZ]),
    "authkit_vault_get": (I, [P, I64, S, PP]),
    "authkit_secret_data": (P, [P]),
    "authkit_secret_len": (SZ, [P]),
    "authkit_secret_free": (None, [P]),
    "authkit_vault_list_user": (I, [P, I64, PP]),
    "authkit_vault_list_count": (SZ, [P]),
    "authkit_vault_list_service": (BSTR, [P, SZ]),
    "authkit_vault_list_masked": (BSTR, [P, SZ]),
    "authkit_vault_list_is_active": (I, [P, SZ]),
    "authkit_vault_list_key_version": (I, [P, SZ]),
    "authkit_vault_list_created_at": (I64, [P, SZ]),
    "authkit_vault_list_updated_at": (I64, [P, SZ]),
    "authkit_vault_list_last_used_at": (I64, [P, SZ]),
    "authkit_vault_list_free": (None, [P]),
    "authkit_vault_set_active": (I, [P, I64, S, I]),
    "authkit_vault_delete": (I, [P, I64, S]),
    "authkit_vault_rotate": (I, [P, U, PI64, PI]),
}


def _checkout_build_dir(package_file: str) -> Optional[pathlib.Path]:
    """<checkout>/build when this file lies in a source checkout, else None.

    From bindings/python/authkit/_lib.py the checkout is three levels up; once
    installed (site-packages/authkit/_lib.py) that is an unrelated directory
    (e.g. /usr/lib) whose build/ must never be searched for a library to load.
    """
    parents = pathlib.Path(package_file).resolve().parents
    if len(parents) < 4:
        return None
    root = parents[3]
    return root / "build" if (root / "include" / "authkit").is_dir() else None


def _candidates(environ: Mapping[str, str] = os.environ, package_file: str = __file__) -> List[str]:
    """Where to look, in order: $AUTHKIT_LIBRARY, the build tree, the system."""
    found: List[str] = []
    explicit = environ.get("AUTHKIT_LIBRARY")
    if explicit:
        return [explicit]  # named explicitly: no silent fallback to another copy
    build_dirs = []
    if environ.get("AUTHKIT_BUILD_DIR"):
        build_dirs.append(pathlib.Path(environ["AUTHKIT_BUILD_DIR"]))
    checkout_build = _checkout_build_dir(package_file)
    if checkout_build is not None:
        build_dirs.append(checkout_build)
    for build in build_dirs:
        for name in (SONAME, "libauthkit.so"):
            path = build / "lib" / name
            if path.exists():
                found.append(str(path))
    found.append(SONAME)
    system = ctypes.util.find_library("authkit")
    if system:
        found.append(system)
    return found


def _load() -> Tuple[ctypes.CDLL, str]:
    errors = []
    for candidate in _candidates():
        try:
            return ctypes.CDLL(candidate), candidate
        except OSError as exc:
            errors.append(f"{candidate}: {exc}")
    raise ImportError("libauthkit not found (set AUTHKIT_LIBRARY to its path): " + "; ".join(errors))


def _checked_int(base: type, bits: int, signed: bool) -> type:
    """An argtype for the integer C type base that refuses values it cannot hold.

    ctypes alone wraps silently (``2**64 + 1`` becomes ``1``: another user's
    id), so out-of-range ints raise InvalidArgument before the call. bool is
    an int and passes as 0/1; float and other types keep ctypes' TypeError.
    """
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    c_name = f"int{bits}" if signed else f"uint{bits}"

    def out_of_range(value: int) -> Exception:
        # ctypes replaces whatever from_param raises with a bare ArgumentError;
        # the call wrapper (_reraising) raises this one instead.
        _range_error.exc = exc = _invalid(f"integer argument {value} is out of range for {c_name}")
        return exc

    class Checked:
        __slots__ = ()

        @staticmethod
        def from_param(value: object) -> object:
            if value.__class__ is int or isinstance(value, int):
                if low <= value <= high:
                    return base(value)
                raise out_of_range(value)
            return base.from_param(value)  # a ctypes instance passes; anything else: TypeError

    Checked.__name__ = Checked.__qualname__ = "checked_" + c_name
    return Checked


#: SIGNATURES' integer argument types -> their range-checked argtypes (results keep plain ctypes).
CHECKED_ARGTYPES: Dict[object, type] = {
    c_int: _checked_int(c_int, 8 * ctypes.sizeof(c_int), True),
    c_int64: _checked_int(c_int64, 64, True),
    c_uint: _checked_int(c_uint, 8 * ctypes.sizeof(c_uint), False),
}


def checked_argtypes(argtypes: List[object]) -> List[object]:
    return [CHECKED_ARGTYPES.get(t, t) for t in argtypes]


_range_error = threading.local()  # the InvalidArgument a checked from_param raised on this thread


def _reraising(fn: Callable[..., object]) -> Callable[..., object]:
    """fn, raising a checked argtype's InvalidArgument rather than ctypes' ArgumentError."""
    def call(*args: object) -> object:
        try:
            return fn(*args)
        except ctypes.ArgumentError:
            exc = _range_error.__dict__.pop("exc", None)
            if exc is None:
                raise
            raise exc from None
    call.__name__ = call.__qualname__ = fn.__name__
    call.__wrapped__ = fn  # type: ignore[attr-defined]
    return call


def _declare(lib: ctypes.CDLL) -> None:
    """Type every function; those with integer arguments get a range-checking wrapper."""
    for name, (restype, argtypes) in SIGNATURES.items():
        fn = getattr(lib, name)  # AttributeError: the library is older than this binding
        fn.restype = restype
        fn.argtypes = checked_argtypes(argtypes)
        if any(t in CHECKED_ARGTYPES for t in argtypes):
            setattr(lib, name, _reraising(fn))


lib, path = _load()
_declare(lib)

_string_free = lib.authkit_string_free


def take_string(ptr: c_void_p) -> Optional[str]:
    """Copy an owned ``char *`` out-parameter into a str, then wipe and free it."""
    address = ptr.value
    if not address:
        return None
    try:
        return ctypes.string_at(address).decode("utf-8")
    finally:
        ptr.value = None
        _string_free(address)


def decode(value: Optional[bytes]) -> Optional[str]:
    """A borrowed ``const char *`` result (already copied by ctypes) as str."""
    return None if value is None else value.decode("utf-8")


def encode(value, name: str = "argument") -> Optional[bytes]:
    """A str argument as UTF-8 bytes (bytes pass through, None stays NULL).

    A NUL byte would silently cut the C string short (``"pw\\0x"`` would
    become ``"pw"``), so it is refused, as are lone surrogates.
    """
    if value is None:
        return None
    if value.__class__ is bytes:
        data = value  # the common cases first: exact bytes and str
    elif isinstance(value, str):  # str subclasses too (StrEnum, markupsafe.Markup, ...)
        try:
            data = str.encode(value, "utf-8")  # str's own encode, not an override
        except UnicodeEncodeError:
            raise _invalid(f"{name} is not valid Unicode") from None
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    else:
        raise TypeError(f"{name} must be str, bytes or None, not {type(value).__name__}")
    if b"\0" in data:
        raise _invalid(f"{name} contains a NUL character")
    return data


def _invalid(message: str) -> Exception:
    from .errors import InvalidArgument, EINVALID
    return InvalidArgument(EINVALID, message)
