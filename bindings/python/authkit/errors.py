"""Status codes of include/authkit/common.h as a small exception hierarchy.

Every function of the library returns ``AUTHKIT_OK`` (0) or a negative
``AUTHKIT_E*`` code; the binding raises the exception class of that code.
The message is the library's detail (``authkit_error_last()``, thread-local,
read on the calling thread right after the failing call); it never contains a
secret, but it may say more than a client should hear ("reason=locked"):
show clients a generic message, log the detail.
"""
from __future__ import annotations

from typing import Dict, Type

from ._lib import lib

OK = 0
EINVALID = -1
ENOMEM = -2
ESTORE = -3
ENOTFOUND = -4
EEXISTS = -5
EAUTH = -6
EPASSWORD = -7
EEXPIRED = -8
EREVOKED = -9
EREUSE = -10
EVERSION = -11
ECRYPTO = -12
ELIMIT = -13
ETOKEN = -14
EBUSY = -15
ECONFIG = -16


class AuthkitError(Exception):
    """Base of every error the library reports. ``code`` is the AUTHKIT_E* value."""

    code: int = 0

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message or strerror(code))
        self.code = code
        self.message = message or strerror(code)

    @property
    def status_name(self) -> str:
        """The C name of the code, e.g. ``"AUTHKIT_EAUTH"``."""
        return _NAMES.get(self.code, f"AUTHKIT_E{self.code}")


class InvalidArgument(AuthkitError, ValueError):
    """AUTHKIT_EINVALID: an argument is empty, too long, not UTF-8 or out of range."""


class OutOfMemory(AuthkitError, MemoryError):
    """AUTHKIT_ENOMEM."""


class StoreError(AuthkitError):
    """AUTHKIT_ESTORE: the storage backend failed; nothing was changed."""


class NotFound(AuthkitError, LookupError):
    """AUTHKIT_ENOTFOUND: no such user, session, key, ..."""


class AlreadyExists(AuthkitError):
    """AUTHKIT_EEXISTS: the username or email is already taken."""


class InvalidCredentials(AuthkitError):
    """AUTHKIT_EAUTH: unknown user, wrong password, locked or inactive account.

    Deliberately one error for all four (tell the client nothing more).
    ``reason`` is set by :meth:`Context.authenticate` for the host's own logs:
    ``"unknown_user"``, ``"bad_password"``, ``"locked"``, ``"inactive"`` or None.
    """

    reason = None


class Locked(InvalidCredentials):
    """AUTHKIT_EAUTH whose reason was a lockout (raised by :meth:`Context.authenticate`
    only; a subclass of InvalidCredentials so one ``except`` treats both alike)."""

    reason = "locked"


class WeakPassword(AuthkitError, ValueError):
    """AUTHKIT_EPASSWORD: the password policy rejected it (the message says which rule)."""


class Expired(AuthkitError):
    """AUTHKIT_EEXPIRED: token, key or session expired."""


class Revoked(AuthkitError):
    """AUTHKIT_EREVOKED: token, key or session revoked (or a disabled vault key)."""


class ReuseDetected(Revoked):
    """AUTHKIT_EREUSE: a rotated refresh token came back; its session is now revoked."""


class VersionError(AuthkitError):
    """AUTHKIT_EVERSION: unknown struct, vtable or schema version."""


class CryptoError(AuthkitError):
    """AUTHKIT_ECRYPTO: bad key or tampered data."""


class LimitExceeded(AuthkitError):
    """AUTHKIT_ELIMIT: quota or rate limit reached."""


class InvalidToken(AuthkitError):
    """AUTHKIT_ETOKEN: malformed, unknown or unverifiable token."""


class Busy(AuthkitError):
    """AUTHKIT_EBUSY: the store stayed busy past its timeout (retry later)."""


class ConfigError(AuthkitError):
    """AUTHKIT_ECONFIG: a setting is missing or rejected (e.g. no JWT secret)."""


EXCEPTIONS: Dict[int, Type[AuthkitError]] = {
    EINVALID: InvalidArgument,
    ENOMEM: OutOfMemory,
    ESTORE: StoreError,
    ENOTFOUND: NotFound,
    EEXISTS: AlreadyExists,
    EAUTH: InvalidCredentials,
    EPASSWORD: WeakPassword,
    EEXPIRED: Expired,
    EREVOKED: Revoked,
    EREUSE: ReuseDetected,
    EVERSION: VersionError,
    ECRYPTO: CryptoError,
    ELIMIT: LimitExceeded,
    ETOKEN: InvalidToken,
    EBUSY: Busy,
    ECONFIG: ConfigError,
}

_NAMES = {value: "AUTHKIT_" + name for name, value in globals().items()
          if name.startswith("E") and isinstance(value, int) and name != "EXCEPTIONS"}

_error_last = lib.authkit_error_last
_strerror = lib.authkit_strerror


def strerror(code: int) -> str:
    """The library's static English description of a status code."""
    return _strerror(code).decode("utf-8")


def error_for(code: int) -> AuthkitError:
    """The exception for a failing status. Call it right after the failing call,
    on the same thread: the detail message is the thread's last one."""
    detail = _error_last().decode("utf-8", "replace")
    return EXCEPTIONS.get(code, AuthkitError)(code, detail)


def check(code: int) -> None:
    """Raise the exception of a failing status; return on AUTHKIT_OK."""
    if code:
        raise error_for(code)
