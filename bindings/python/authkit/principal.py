"""Principal: who a verified access token, API key or session speaks for.

This is the hot path (one per request), so creating one costs a single
attribute store: the fields are read from the C object lazily, on first use,
and cached. The C object is freed exactly once: by :meth:`close` (or the end
of a ``with`` block), or when the Principal is garbage-collected. Read what
you need before closing it explicitly; cached fields stay readable.
"""
from __future__ import annotations

import threading
from typing import Optional, Tuple, Union

from ._lib import encode, lib

_free = lib.authkit_principal_free
_user_id = lib.authkit_principal_user_id
_session_id = lib.authkit_principal_session_id
_expires_at = lib.authkit_principal_expires_at
_jti = lib.authkit_principal_jti
_kind = lib.authkit_principal_kind
_role_count = lib.authkit_principal_role_count
_role = lib.authkit_principal_role
_has_role = lib.authkit_principal_has_role
_scope_count = lib.authkit_principal_scope_count
_scope = lib.authkit_principal_scope
_has_scope = lib.authkit_principal_has_scope


# One lock for every Principal: creating one stays a single attribute store
# (no per-object lock), and it is held only for the pointer swap.
_swap_lock = threading.Lock()


def _text(data: bytes) -> Optional[str]:
    """An encoded role/scope as the str it would be among the cached names
    (None, which matches nothing, when the bytes are not UTF-8)."""
    try:
        return data.decode("utf-8") if data is not None else None
    except UnicodeDecodeError:
        return None


class Principal:
    """A verified identity. Fields: user_id, session_id, expires_at, jti, kind,
    roles, scopes; tests has_role() / has_scope()."""

    # One slot per cached field: an unset slot means "not read yet".
    __slots__ = ("_ptr", "_user_id", "_session_id", "_expires_at", "_jti", "_kind", "_roles", "_scopes")

    def __init__(self, ptr: int) -> None:
        self._ptr = ptr

    def _handle(self) -> int:
        ptr = self._ptr
        if not ptr:
            raise ValueError("principal is closed (read its fields before closing it)")
        return ptr

    @property
    def user_id(self) -> int:
        try:
            return self._user_id
        except AttributeError:
            self._user_id = _user_id(self._handle())
            return self._user_id

    @property
    def session_id(self) -> str:
        """The session's public id ("" when the credential has none, e.g. an API key)."""
        try:
            return self._session_id
        except AttributeError:
            self._session_id = _session_id(self._handle()).decode()
            return self._session_id

    @property
    def expires_at(self) -> int:
        """Seconds since the epoch; 0 when it never expires."""
        try:
            return self._expires_at
        except AttributeError:
            self._expires_at = _expires_at(self._handle())
            return self._expires_at

    @property
    def jti(self) -> str:
        try:
            return self._jti
        except AttributeError:
            self._jti = _jti(self._handle()).decode()
            return self._jti

    @property
    def kind(self) -> str:
        """"access", "api_key" or "session"."""
        try:
            return self._kind
        except AttributeError:
            self._kind = _kind(self._handle()).decode()
            return self._kind

    @property
    def roles(self) -> Tuple[str, ...]:
        try:
            return self._roles
        except AttributeError:
            ptr = self._handle()
            self._roles = tuple(_role(ptr, i).decode() for i in range(_role_count(ptr)))
            return self._roles

    @property
    def scopes(self) -> Tuple[str, ...]:
        """Scopes of an API key (empty for other kinds)."""
        try:
            return self._scopes
        except AttributeError:
            ptr = self._handle()
            self._scopes = tuple(_scope(ptr, i).decode() for i in range(_scope_count(ptr)))
            return self._scopes

    def has_role(self, role: Union[str, bytes]) -> bool:
        data = encode(role, "role")  # the same checks and bytes whether roles was read or not
        try:
            return _text(data) in self._roles
        except AttributeError:
            return _has_role(self._handle(), data) == 1

    def has_scope(self, scope: Union[str, bytes]) -> bool:
        data = encode(scope, "scope")
        try:
            return _text(data) in self._scopes
        except AttributeError:
            return _has_scope(self._handle(), data) == 1

    def _take(self) -> Optional[int]:
        """Detach the pointer: exactly one caller (close, __del__, any thread) gets it."""
        with _swap_lock:
            ptr, self._ptr = self._ptr, None
        return ptr

    def close(self) -> None:
        """Free the C object now (idempotent, and safe from several threads at once).

        Do not close a Principal while another thread is still reading a field
        it has not cached yet (the same rule as for a Context)."""
        ptr = self._take()
        if ptr:
            _free(ptr)

    def __enter__(self) -> "Principal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if self._ptr:  # always set: __init__ does nothing else
            self.close()

    def __repr__(self) -> str:
        if not self._ptr and not hasattr(self, "_user_id"):
            return "<authkit.Principal closed>"
        return f"<authkit.Principal kind={self.kind!r} user_id={self.user_id}>"
