"""Regression tests for the review of the binding (issue 7): one class per finding."""
import ctypes
import enum
import pathlib
import sys
import tempfile
import threading
import unittest
from unittest import mock

import support
import authkit
from authkit import _lib, context, principal


class _LibProxy:
    """Stands in for the ctypes library in one module: named functions are replaced."""

    def __init__(self, real, **replacements):
        self._real = real
        self.__dict__.update(replacements)

    def __getattr__(self, name):
        return getattr(self._real, name)


class IntegerRangeTest(support.ContextTest):
    """Finding 1: ctypes wrapped out-of-range ints silently (2**64 + 1 -> user 1)."""

    def setUp(self):
        super().setUp()
        self.bob = self.ctx.register("bob", "bob@example.com", support.PASSWORD)

    def test_int64_user_ids_out_of_range_are_refused(self):
        with self.assertRaises(authkit.InvalidArgument) as cm:
            self.ctx.set_superuser(2**64 + 1, True)
        self.assertIn("out of range", cm.exception.message)
        self.assertFalse(self.ctx.user(1).is_superuser)
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.delete_user(-(2**64) + 1)
        self.assertEqual(self.ctx.user(1).username, "alice")
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.user(2**63)
        self.assertEqual(self.ctx.user(2**64 + 2 - 2**64).username, "bob")  # in range: unchanged

    def test_unsigned_and_int_arguments_out_of_range_are_refused(self):
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.audit(limit=2**32 + 1)  # was limit 1
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.users(0, -1)            # unsigned: was 4294967295
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.usage_summary(1, group=2**32 + authkit.BY_MODEL)  # int: was BY_MODEL
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.verify_access_token("x.y.z", 2**32 + authkit.VERIFY_STATELESS)
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.verify_access_token("x.y.z", -1)

    def test_bounds_and_bools_still_pass(self):
        self.assertEqual(self.ctx.audit(user_id=2**63 - 1), [])
        self.assertEqual(len(self.ctx.audit(until=2**63 - 1)), 2)  # two registrations
        with self.assertRaises(authkit.InvalidArgument) as cm:
            self.ctx.user(-(2**63))
        self.assertEqual(cm.exception.message, "user id must be positive")  # the library's answer
        self.ctx.set_active(self.bob.id, False)
        self.assertFalse(self.ctx.user(self.bob.id).is_active)
        self.assertEqual(self.ctx.users(0, True)[0].username, "alice")  # bool is an int (1)
        with self.assertRaises(ctypes.ArgumentError):
            self.ctx.user(1.0)  # not an int: ctypes' TypeError, as before
        login = self.ctx.login("alice", support.PASSWORD)
        self.assertEqual(self.ctx.verify_access_token(login.access_token, 2**32 - 2**32).user_id, 1)

    def test_rate_limiter_cost_is_checked(self):
        with authkit.RateLimiter(5, 1) as rl:
            with self.assertRaises(authkit.InvalidArgument):
                rl.take("k", 2**64 + 1, clock_from=self.ctx)  # was cost 1
            self.assertEqual(len(rl), 0)


class CookieValueTest(unittest.TestCase):
    """Finding 2: a request without a Cookie header is the usual case."""

    def test_no_header_is_no_cookie(self):
        self.assertIsNone(authkit.cookie_value(None, "authkit_session"))
        self.assertEqual(authkit.cookie_value("authkit_session=v", "authkit_session"), "v")


class Service(str, enum.Enum):
    OPENAI = "openai"


class Markup(str):
    """Like markupsafe.Markup: a str subclass with its own methods."""

    def encode(self, *args, **kwargs):  # must not be what the binding uses
        raise AssertionError("the subclass's encode was called")


class StrSubclassTest(support.ContextTest):
    """Finding 3: str subclasses (StrEnum, Markup) were refused with TypeError."""

    def test_str_subclasses_are_text(self):
        self.ctx.vault_put(1, Service.OPENAI, b"sk-1")
        self.assertEqual(self.ctx.vault_get(1, "openai"), b"sk-1")
        self.assertEqual(self.ctx.user_by_username(Markup("alice")).id, 1)
        login = self.ctx.login(Markup("alice"), Markup(support.PASSWORD))
        self.assertEqual(self.ctx.verify_access_token(Markup(login.access_token)).user_id, 1)
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.user_by_username(Markup("al\0ice"))


class ClockTest(unittest.TestCase):
    """Finding 4: a clock that raised or returned a float made library time 0 (1970)."""

    def test_float_result_is_truncated(self):
        with support.open_ctx(clock=lambda: support.START_MS + 0.75) as ctx:
            self.assertEqual(ctx.now_ms(), support.START_MS)

    def test_raising_clock_is_reported_and_the_system_clock_used(self):
        state = {"fail": False}

        def clock():
            if state["fail"]:
                raise RuntimeError("clock source unavailable")
            return support.START_MS
        reported = []
        with support.open_ctx(clock=clock) as ctx, \
                mock.patch.object(sys, "unraisablehook", lambda u: reported.append(u)):
            state["fail"] = True
            import time
            before = time.time_ns() // 1_000_000
            now = ctx.now_ms()
            after = time.time_ns() // 1_000_000
        self.assertTrue(before <= now <= after, (before, now, after))
        self.assertEqual(len(reported), 1)
        self.assertIsInstance(reported[0].exc_value, RuntimeError)
        self.assertIn("clock", reported[0].err_msg)


class ClosedContextTest(unittest.TestCase):
    """Finding 5: verify_access_token on a closed context raised InvalidArgument (NULL ctx)."""

    def test_verify_after_close_is_the_closed_error(self):
        ctx = support.open_ctx()
        ctx.register("alice", "alice@example.com", support.PASSWORD)
        token = ctx.login("alice", support.PASSWORD).access_token
        ctx.close()
        with self.assertRaises(ValueError) as cm:
            ctx.verify_access_token(token)
        self.assertNotIsInstance(cm.exception, authkit.AuthkitError)
        self.assertEqual(str(cm.exception), "the authkit context is closed")


class PrincipalBytesTest(support.ContextTest):
    """Finding 6: has_role(b"admin") was True before roles was read, False after."""

    def test_bytes_answer_the_same_before_and_after_caching(self):
        token, _ = self.ctx.issue_access_token(1, roles=["admin"])
        with self.ctx.verify_access_token(token, authkit.VERIFY_STATELESS) as p:
            before = (p.has_role(b"admin"), p.has_role(b"owner"), p.has_scope(b"read"))
            self.assertEqual(p.roles, ("admin",))
            after = (p.has_role(b"admin"), p.has_role(b"owner"), p.has_scope(b"read"))
            self.assertEqual(before, (True, False, False))
            self.assertEqual(after, before)
            self.assertFalse(p.has_role(b"\xff"))
            with self.assertRaises(authkit.InvalidArgument):
                p.has_role(b"adm\0in")  # cached or not: the same refusal

    def test_scopes_bytes(self):
        key, _ = self.ctx.apikey_create(1, "ci", scopes=["read"])
        with self.ctx.apikey_verify(key) as p:
            self.assertTrue(p.has_scope(b"read"))
            self.assertEqual(p.scopes, ("read",))
            self.assertTrue(p.has_scope(b"read"))


class PointerLifetimeTest(support.ContextTest):
    """Finding 8: Principal and RateLimiter freed their pointer without a lock."""

    def test_principal_freed_once_when_closed_by_racing_threads(self):
        token, _ = self.ctx.issue_access_token(1)
        both_read = threading.Barrier(2)
        slot = principal.Principal._ptr

        class Racy(principal.Principal):
            """Reading the pointer waits (up to 1 s) until the other thread read it too."""
            __slots__ = ()

            @property
            def _ptr(self):
                value = slot.__get__(self)
                if value:
                    try:
                        both_read.wait(timeout=1)  # times out when a lock serializes the two
                    except threading.BrokenBarrierError:
                        pass
                return value

            @_ptr.setter
            def _ptr(self, value):
                slot.__set__(self, value)
        p = self.ctx.verify_access_token(token, authkit.VERIFY_STATELESS)
        p.__class__ = Racy
        freed = []
        real_free = principal._free

        def counting_free(ptr):
            freed.append(ptr)
            if len(freed) == 1:
                real_free(ptr)  # a second free is recorded, never performed
        with mock.patch.object(principal, "_free", counting_free):
            threads = [threading.Thread(target=p.close) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        self.assertEqual(len(freed), 1, "the Principal was freed twice")

    def test_rate_limiter_close_during_take_frees_after_it(self):
        events = []
        rl = authkit.RateLimiter(5, 1)
        real = context.lib

        def take(ptr, ctx, key, cost, retry):
            rl.close()  # another thread closing while this take runs
            events.append(("take", ptr))
            return real.authkit_ratelimit_take(ptr, ctx, key, cost, retry)

        def free(ptr):
            events.append(("free", ptr))
            real.authkit_ratelimit_free(ptr)
        ptr = rl._ptr
        with mock.patch.object(context, "lib", _LibProxy(real, authkit_ratelimit_take=take,
                                                         authkit_ratelimit_free=free)):
            self.assertTrue(rl.take("k", clock_from=self.ctx).allowed)
            rl.close()
            with self.assertRaises(ValueError):
                rl.take("k")
        self.assertEqual(events, [("take", ptr), ("free", ptr)])
        self.assertEqual(len(rl), 0)


class VaultBufferTest(support.ContextTest):
    """Finding 9: vault_put copied a bytearray into an unwipeable bytes."""

    def test_writable_buffer_is_passed_in_place(self):
        secret = bytearray(b"sk-wipe-me-0001")
        seen = []
        real = context.lib

        def put(ctx, user_id, service, data, length):
            seen.append((data, length))
            return real.authkit_vault_put(ctx, user_id, service, data, length)
        with mock.patch.object(context, "lib", _LibProxy(real, authkit_vault_put=put)):
            self.ctx.vault_put(1, "openai", secret)
            self.ctx.vault_put(1, "other", memoryview(secret))
        address = ctypes.addressof((ctypes.c_char * len(secret)).from_buffer(secret))
        for data, length in seen:
            self.assertIsInstance(data, ctypes.Array)  # not a bytes copy
            self.assertEqual(ctypes.addressof(data), address)
            self.assertEqual(length, len(secret))
        del seen, data
        self.assertEqual(self.ctx.vault_get(1, "openai"), b"sk-wipe-me-0001")
        secret[:] = bytes(len(secret))  # the caller can wipe it (no export left behind)
        self.assertEqual(self.ctx.vault_get(1, "other"), b"sk-wipe-me-0001")

    def test_other_buffers_still_work(self):
        self.ctx.vault_put(1, "a", memoryview(b"ro-buffer"))
        self.ctx.vault_put(1, "b", "text-\u00e9")
        self.assertEqual(self.ctx.vault_get(1, "a"), b"ro-buffer")
        self.assertEqual(self.ctx.vault_get(1, "b"), "text-\u00e9".encode())
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.vault_put(1, "c", bytearray())


class LibrarySearchTest(unittest.TestCase):
    """Finding 10: installed, <site-packages>/../../build was searched for a library."""

    def layout(self, root, checkout):
        package = root / "bindings" / "python" / "authkit"
        package.mkdir(parents=True)
        (package / "_lib.py").write_text("")
        (root / "build" / "lib").mkdir(parents=True)
        (root / "build" / "lib" / _lib.SONAME).write_text("")
        if checkout:
            (root / "include" / "authkit").mkdir(parents=True)
        return str(package / "_lib.py")

    def test_build_dir_only_in_a_checkout(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp).resolve() / "r"
            installed = self.layout(root / "installed" / "p", checkout=False)
            checkout = self.layout(root / "checkout" / "p", checkout=True)
            stray = str(root / "installed" / "p" / "build" / "lib" / _lib.SONAME)
            mine = str(root / "checkout" / "p" / "build" / "lib" / _lib.SONAME)
            self.assertNotIn(stray, _lib._candidates({}, installed))
            self.assertIn(mine, _lib._candidates({}, checkout))
            self.assertEqual(_lib._candidates({"AUTHKIT_LIBRARY": "/x.so"}, checkout), ["/x.so"])


if __name__ == "__main__":
    unittest.main()
