"""Plain Python snapshots of the library's objects.

The library hands out objects (users, sessions, lists, login results) that
must be freed with their own ``authkit_*_free``. The binding copies what they
hold into these immutable dataclasses and frees the C object at once, exactly
once, so no Python object ever holds a C pointer that could dangle or leak.
The one exception is :class:`authkit.Principal` (lazy, for the hot path).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple


@dataclass(frozen=True)
class User:
    """A user snapshot (times are seconds since the epoch, 0 = never)."""

    id: int
    username: str
    email: str
    full_name: str
    is_active: bool
    is_verified: bool
    is_superuser: bool
    created_at: int
    updated_at: int
    last_login_at: int
    locked_until: int
    failed_logins: int
    roles: Tuple[str, ...] = ()

    def has_role(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class Session:
    """A server-side session (its public id; the token itself is never stored)."""

    id: str
    user_id: int
    ip: str
    user_agent: str
    created_at: int
    last_seen_at: int
    idle_expires_at: int
    expires_at: int
    revoked_at: int


@dataclass(frozen=True)
class LoginResult:
    """What :meth:`Context.login` and :meth:`Context.refresh` return.

    ``session_token`` (the cookie value), ``access_token`` and
    ``refresh_token`` are secrets shown once: hand them to the client, never
    log them. After a refresh, ``session_token`` and ``user`` are None.
    ``access_token`` is None without a JWT key.
    """

    user_id: int
    session_id: str
    session_token: Optional[str] = field(repr=False)
    access_token: Optional[str] = field(repr=False)
    access_expires_at: int
    refresh_token: str = field(repr=False)
    refresh_expires_at: int
    user: Optional[User] = None


@dataclass(frozen=True)
class AuditEvent:
    id: int
    time: int
    user_id: int
    event: str
    ip: str
    detail: str


@dataclass(frozen=True)
class ApiKeyInfo:
    """One of a user's API keys, without its secret."""

    public_id: str
    name: str
    scopes: Tuple[str, ...]
    created_at: int
    expires_at: int
    last_used_at: int
    revoked_at: int


@dataclass(frozen=True)
class VaultEntry:
    """One of a user's integration keys, without the key (``masked`` is e.g. "sk-…abcd")."""

    service: str
    masked: str
    is_active: bool
    key_version: int
    created_at: int
    updated_at: int
    last_used_at: int


@dataclass(frozen=True)
class UsageEvent:
    """An event for :meth:`Context.record_usage_batch` (same fields as record_usage)."""

    user_id: int
    service: str
    model: Optional[str] = None
    request_type: Optional[str] = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_micros: int = 0
    idempotency_key: Optional[str] = None
    time: int = 0


@dataclass(frozen=True)
class UsageRow:
    """One group of a usage summary (key: service, model, "YYYY-MM-DD" or "YYYY-MM")."""

    key: str
    events: int
    input_tokens: int
    output_tokens: int
    cost_micros: int


@dataclass(frozen=True)
class QuotaCheck:
    """Answer of :meth:`Context.quota_check`; truthy when the amount fits."""

    allowed: bool
    remaining: int
    retry_after_s: int

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class RateDecision:
    """Answer of a rate-limiter take; truthy when allowed."""

    allowed: bool
    retry_after_ms: int

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class BillingRecord:
    id: int
    user_id: int
    period_start: int
    period_end: int
    events: int
    input_tokens: int
    output_tokens: int
    cost_micros: int
    status: int
    created_at: int
