"""Users, passwords, authentication and the error mapping."""
import unittest

import support
from support import PASSWORD
import authkit


class UserTest(support.ContextTest):
    def test_register_returns_a_snapshot(self):
        u = self.alice
        self.assertEqual((u.id, u.username, u.email, u.full_name), (1, "alice", "alice@example.com", "Alice A."))
        self.assertTrue(u.is_active)
        self.assertFalse(u.is_verified or u.is_superuser)
        self.assertEqual(u.created_at, support.START_MS // 1000)
        self.assertEqual(u.roles, ())

    def test_register_errors(self):
        with self.assertRaises(authkit.AlreadyExists) as cm:
            self.ctx.register("ALICE", "other@example.com", PASSWORD)
        self.assertEqual(cm.exception.code, -5)
        self.assertEqual(cm.exception.status_name, "AUTHKIT_EEXISTS")
        with self.assertRaises(authkit.WeakPassword):
            self.ctx.register("bob", "bob@example.com", "short")
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.register("b", "bob@example.com", PASSWORD)
        with self.assertRaises(ValueError):  # InvalidArgument is a ValueError
            self.ctx.register("bob", "not an email", PASSWORD)

    def test_embedded_nul_is_refused_not_truncated(self):
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.authenticate("alice", PASSWORD + "\0tail")
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.register("bob\0x", "bob@example.com", PASSWORD)
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.authenticate("alice", "\ud800")  # lone surrogate: not UTF-8

    def test_lookups(self):
        self.assertEqual(self.ctx.user(1), self.alice)
        self.assertEqual(self.ctx.user_by_username("Alice").id, 1)
        self.assertEqual(self.ctx.user_by_email("ALICE@example.com").id, 1)
        with self.assertRaises(authkit.NotFound):
            self.ctx.user(999)
        with self.assertRaises(LookupError):
            self.ctx.user_by_username("nobody")
        with self.assertRaises(authkit.NotFound):
            self.ctx.user_by_email("nobody@example.com")

    def test_listing_and_count(self):
        for i in range(4):
            self.ctx.import_user(f"user{i}", f"user{i}@example.com", self.ctx.hash_password(PASSWORD))
        self.assertEqual(self.ctx.user_count(), 5)
        page = self.ctx.users(after_id=1, limit=2)
        self.assertEqual([u.username for u in page], ["user0", "user1"])
        self.assertEqual([u.id for u in self.ctx.iter_users(page_size=2)], [1, 2, 3, 4, 5])
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.users(limit=0)

    def test_admin_setters(self):
        c, uid = self.ctx, self.alice.id
        c.set_full_name(uid, "Alice B.")
        c.set_username(uid, "alice2")
        c.set_email(uid, "a2@example.com")
        c.set_verified(uid, True)
        c.set_superuser(uid, True)
        c.add_role(uid, "admin")
        c.add_role(uid, "editor")
        c.remove_role(uid, "editor")
        u = c.user(uid)
        self.assertEqual((u.full_name, u.username, u.email), ("Alice B.", "alice2", "a2@example.com"))
        self.assertTrue(u.is_verified and u.is_superuser)
        self.assertEqual(u.roles, ("admin",))
        self.assertTrue(u.has_role("admin"))
        c.set_active(uid, False)
        self.assertFalse(c.user(uid).is_active)
        with self.assertRaises(authkit.InvalidCredentials) as cm:
            c.authenticate("alice2", PASSWORD)
        self.assertEqual(cm.exception.reason, "inactive")
        with self.assertRaises(authkit.InvalidArgument):
            c.add_role(uid, "bad role")
        c.delete_user(uid)
        with self.assertRaises(authkit.NotFound):
            c.user(uid)
        with self.assertRaises(authkit.NotFound):
            c.set_full_name(uid, "x")

    def test_import_bcrypt_and_rehash(self):
        # From tests/fixtures/bcrypt_fixture.txt: the C suite's known-good pairs.
        line = next(l for l in (support.REPO / "tests/fixtures/bcrypt_fixture.txt").read_text().splitlines()
                    if l and not l.startswith("#"))
        password, bcrypt_hash = line.split("\t")
        self.assertTrue(authkit.verify_password(bcrypt_hash, password))
        self.assertTrue(self.ctx.needs_rehash(bcrypt_hash))
        u = self.ctx.import_user("legacy", "legacy@example.com", bcrypt_hash)
        self.assertEqual(self.ctx.authenticate("legacy", password).id, u.id)
        self.assertIn("password.rehashed", [e.event for e in self.ctx.audit(u.id)])
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.import_user("x", "x@example.com", "not a hash")


class AuthenticateTest(support.ContextTest):
    settings = {"max_login_attempts": 3, "lockout_minutes": 10}

    def test_success_updates_last_login(self):
        self.clock.advance(60)
        u = self.ctx.authenticate("alice@example.com", PASSWORD, ip="203.0.113.7")
        self.assertEqual(u.last_login_at, support.START_MS // 1000 + 60)

    def test_unknown_and_wrong_are_one_error_with_a_reason_for_logs(self):
        with self.assertRaises(authkit.InvalidCredentials) as cm:
            self.ctx.authenticate("nobody", PASSWORD)
        self.assertEqual((cm.exception.code, cm.exception.reason), (-6, "unknown_user"))
        with self.assertRaises(authkit.InvalidCredentials) as cm:
            self.ctx.authenticate("alice", "wrong password!!")
        self.assertEqual(cm.exception.reason, "bad_password")
        self.assertNotIsInstance(cm.exception, authkit.Locked)
        self.assertNotIn("wrong password!!", str(cm.exception))

    def test_lockout_raises_locked_then_unlock(self):
        for _ in range(3):
            with self.assertRaises(authkit.InvalidCredentials):
                self.ctx.authenticate("alice", "wrong password!!")
        with self.assertRaises(authkit.Locked) as cm:
            self.ctx.authenticate("alice", PASSWORD)
        self.assertIsInstance(cm.exception, authkit.InvalidCredentials)
        self.assertGreater(self.ctx.user(1).locked_until, 0)
        self.clock.advance(11 * 60)
        self.assertEqual(self.ctx.authenticate("alice", PASSWORD).id, 1)
        self.ctx.lock_user(1, support.START_MS // 1000 + 100000)
        with self.assertRaises(authkit.Locked):
            self.ctx.authenticate("alice", PASSWORD)
        self.ctx.unlock_user(1)
        self.ctx.authenticate("alice", PASSWORD)


class PasswordTest(support.ContextTest):
    def test_policy(self):
        self.ctx.password_check("a perfectly fine passphrase")
        with self.assertRaises(authkit.WeakPassword) as cm:
            self.ctx.password_check("alice-is-my-name-ok", username="alice")
        self.assertTrue(str(cm.exception))
        with self.assertRaises(authkit.WeakPassword):
            self.ctx.password_check("password1234")
        self.assertTrue(authkit.is_common_password("password1234") or authkit.is_common_password("password"))
        self.assertFalse(authkit.is_common_password("a perfectly fine passphrase"))
        self.assertGreater(authkit.common_password_count(), 1000)
        self.assertEqual(authkit.limits()["password_max_bytes"], 4096)

    def test_hash_and_verify(self):
        h = self.ctx.hash_password(PASSWORD)
        self.assertTrue(h.startswith("$argon2id$"))
        self.assertTrue(authkit.verify_password(h, PASSWORD))
        self.assertFalse(authkit.verify_password(h, PASSWORD + "!"))
        self.assertFalse(self.ctx.needs_rehash(h))
        with self.assertRaises(authkit.InvalidArgument):
            authkit.verify_password("plain", PASSWORD)

    def test_change_and_set(self):
        first = self.ctx.login("alice", PASSWORD)
        second = self.ctx.login("alice", PASSWORD)
        with self.assertRaises(authkit.InvalidCredentials):
            self.ctx.change_password(1, "wrong password!!", "another fine passphrase")
        with self.assertRaises(authkit.WeakPassword):
            self.ctx.change_password(1, PASSWORD, "short")
        self.ctx.change_password(1, PASSWORD, "another fine passphrase", keep_session_id=first.session_id)
        self.ctx.check_session(first.session_token)
        with self.assertRaises(authkit.Revoked):
            self.ctx.check_session(second.session_token)
        self.ctx.set_password(1, "a third fine passphrase")
        with self.assertRaises(authkit.Revoked):
            self.ctx.check_session(first.session_token)
        self.ctx.authenticate("alice", "a third fine passphrase")


class ModuleTest(unittest.TestCase):
    def test_version_and_errors(self):
        self.assertRegex(authkit.version(), r"^\d+\.\d+\.\d+$")
        major, minor, patch = map(int, authkit.version().split("."))
        self.assertEqual(authkit.version_number(), major * 10000 + minor * 100 + patch)
        self.assertEqual(authkit.strerror(-6), authkit.InvalidCredentials(-6).message)
        self.assertGreaterEqual(authkit.schema_latest(), 5)

    def test_every_status_code_has_its_exception(self):
        import re
        header = (support.REPO / "include/authkit/common.h").read_text()
        names = [name for name, _ in re.findall(r"(AUTHKIT_E\w+) = (-\d+)", header)]
        self.assertEqual(len(names), 16)
        for code in range(-1, -17, -1):
            cls = authkit.errors.EXCEPTIONS[code]
            self.assertIsNot(cls, authkit.AuthkitError)
            self.assertTrue(issubclass(cls, authkit.AuthkitError))
            self.assertEqual(cls(code).status_name, names[-code - 1])

    def test_open_errors(self):
        with self.assertRaises(authkit.InvalidArgument):
            authkit.open(":memory:", from_env=False, no_such_setting=1)
        with self.assertRaises(authkit.InvalidArgument):
            authkit.open(":memory:", from_env=False, argon2_opslimit=1)
        with self.assertRaises(authkit.ConfigError):
            authkit.open(None, from_env=False)  # no database
        with self.assertRaises(authkit.ConfigError):
            support.open_ctx(jwt_secret="00" * 32)  # not random

    def test_context_lifetime(self):
        ctx = support.open_ctx()
        self.assertGreaterEqual(ctx.schema_version(), 5)
        self.assertIsInstance(ctx.check(), bool)
        self.assertFalse(ctx.closed)
        with ctx:
            pass
        self.assertTrue(ctx.closed)
        ctx.close()  # idempotent
        with self.assertRaises(ValueError):
            ctx.user(1)

    def test_open_default_reads_the_environment(self):
        import os
        saved = {k: os.environ.get(k) for k in ("AUTHKIT_ARGON2_OPSLIMIT", "AUTHKIT_ARGON2_MEMLIMIT")}
        os.environ.update(AUTHKIT_ARGON2_OPSLIMIT="2", AUTHKIT_ARGON2_MEMLIMIT=str(19 * 1024 * 1024))
        try:
            with authkit.open_default(":memory:") as ctx:
                self.assertTrue(ctx.hash_password(PASSWORD).startswith("$argon2id$v=19$m=19456,t=2"))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


if __name__ == "__main__":
    unittest.main()
