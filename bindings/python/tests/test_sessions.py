"""Login, refresh, logout, sessions, access tokens, one-time tokens, HTTP glue."""
import unittest

import support
from support import PASSWORD
import authkit


class LoginTest(support.ContextTest):
    def test_login_result(self):
        r = self.ctx.login("alice", PASSWORD, ip="203.0.113.7", user_agent="ua/1")
        self.assertEqual(r.user_id, 1)
        self.assertEqual(r.user.username, "alice")
        self.assertEqual(len(r.session_token), 43)
        self.assertEqual(r.access_token.count("."), 2)
        self.assertEqual(r.access_expires_at, support.START_MS // 1000 + 30 * 60)
        self.assertGreater(r.refresh_expires_at, r.access_expires_at)
        for secret in (r.session_token, r.access_token, r.refresh_token):
            self.assertNotIn(secret, repr(r))  # secrets stay out of logs
        s = self.ctx.check_session(r.session_token)
        self.assertEqual((s.id, s.user_id, s.ip, s.user_agent), (r.session_id, 1, "203.0.113.7", "ua/1"))
        self.assertEqual(self.ctx.session(r.session_id), s)
        with self.assertRaises(authkit.InvalidCredentials):
            self.ctx.login("alice", "wrong password!!")

    def test_refresh_rotation_and_reuse(self):
        r = self.ctx.login("alice", PASSWORD)
        r2 = self.ctx.refresh(r.refresh_token, ip="198.51.100.1")
        self.assertEqual(r2.session_id, r.session_id)
        self.assertIsNone(r2.session_token)
        self.assertIsNone(r2.user)
        self.assertNotEqual(r2.refresh_token, r.refresh_token)
        with self.assertRaises(authkit.ReuseDetected) as cm:
            self.ctx.refresh(r.refresh_token)
        self.assertIsInstance(cm.exception, authkit.Revoked)
        with self.assertRaises(authkit.Revoked):
            self.ctx.check_session(r.session_token)
        with self.assertRaises(authkit.InvalidToken):
            self.ctx.refresh("x" * 43)

    def test_logout_and_session_lists(self):
        a = self.ctx.login("alice", PASSWORD)
        b = self.ctx.login("alice", PASSWORD)
        self.clock.advance(1)
        c = self.ctx.login("alice", PASSWORD)
        self.assertEqual([s.id for s in self.ctx.sessions(1)][0], c.session_id)
        self.assertEqual(len(self.ctx.sessions(1)), 3)
        self.ctx.logout(a.session_id, ip="127.0.0.1")
        with self.assertRaises(authkit.Revoked):
            self.ctx.check_session(a.session_token)
        with self.assertRaises(authkit.Revoked):
            self.ctx.verify_access_token(a.access_token)
        self.assertGreater(self.ctx.session(a.session_id).revoked_at, 0)
        self.assertEqual(self.ctx.revoke_other_sessions(1, c.session_id), 1)
        with self.assertRaises(authkit.Revoked):
            self.ctx.check_session(b.session_token)
        self.ctx.revoke_session(b.session_id)  # again: not an error
        self.assertEqual(self.ctx.revoke_all_sessions(1), 1)
        self.assertEqual(self.ctx.sessions(1), [])
        self.assertEqual(self.ctx.cleanup()[0], 3)
        with self.assertRaises(authkit.NotFound):
            self.ctx.session(a.session_id)

    def test_idle_expiry_with_the_fake_clock(self):
        with support.open_ctx(clock=self.clock, session_idle_minutes=5, session_touch_seconds=60) as ctx:
            ctx.register("bob", "bob@example.com", PASSWORD)
            r = ctx.login("bob", PASSWORD)
            self.clock.advance(4 * 60)
            ctx.check_session(r.session_token)  # extends the idle expiry
            self.clock.advance(4 * 60)
            ctx.check_session(r.session_token)
            self.clock.advance(6 * 60)
            with self.assertRaises(authkit.Expired):
                ctx.check_session(r.session_token)
        self.assertEqual(ctx.closed, True)


class AccessTokenTest(support.ContextTest):
    def test_verify_login_token(self):
        r = self.ctx.login("alice", PASSWORD)
        p = self.ctx.verify_access_token(r.access_token)
        self.assertEqual((p.user_id, p.session_id, p.kind), (1, r.session_id, "access"))
        self.assertEqual(p.expires_at, r.access_expires_at)
        self.assertTrue(p.jti)
        self.assertEqual(p.scopes, ())
        # bytes work too (the fast path), and the result is the same
        self.assertEqual(self.ctx.verify_access_token(r.access_token.encode()).user_id, 1)

    def test_issue_with_roles_and_flags(self):
        token, exp = self.ctx.issue_access_token(1, None, ["admin", "editor"])
        self.assertEqual(exp, support.START_MS // 1000 + 1800)
        with self.assertRaises(authkit.InvalidToken):  # stateful: no session
            self.ctx.verify_access_token(token)
        with self.ctx.verify_access_token(token, authkit.VERIFY_STATELESS) as p:
            self.assertEqual(p.roles, ("admin", "editor"))
            self.assertTrue(p.has_role("admin"))
            self.assertFalse(p.has_role("owner"))
            self.assertFalse(p.has_scope("read"))
            self.assertEqual(p.session_id, "")
        self.assertEqual(p.roles, ("admin", "editor"))  # cached fields outlive close
        with self.assertRaises(ValueError):
            p.user_id  # never read before closing
        p.close()  # idempotent
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.verify_access_token(token, 99)
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.issue_access_token(0)
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.verify_access_token(token.encode() + b"\0junk")

    def test_role_check_is_not_fooled_by_nul(self):
        token, _ = self.ctx.issue_access_token(1, None, "admin")
        p = self.ctx.verify_access_token(token, authkit.VERIFY_STATELESS)
        with self.assertRaises(authkit.InvalidArgument):
            p.has_role("admin\0x")

    def test_expired_and_tampered(self):
        r = self.ctx.login("alice", PASSWORD)
        head, body, sig = r.access_token.split(".")
        with self.assertRaises(authkit.InvalidToken):
            self.ctx.verify_access_token(f"{head}.{body}.{sig[:-2]}AA")
        with self.assertRaises(authkit.InvalidToken):
            self.ctx.verify_access_token("garbage")
        self.clock.advance(31 * 60)
        with self.assertRaises(authkit.Expired):
            self.ctx.verify_access_token(r.access_token)

    def test_no_jwt_key_is_a_config_error(self):
        with authkit.open(":memory:", from_env=False, **authkit.MIN_COST) as ctx:
            with self.assertRaises(authkit.ConfigError):
                ctx.issue_access_token(1)
            with self.assertRaises(authkit.ConfigError):
                ctx.verify_access_token("a.b.c")

    def test_explicit_jwt_keys(self):
        import os
        key = os.urandom(32)
        with authkit.open(":memory:", from_env=False, jwt_keys=[("k1", key, True)], **authkit.MIN_COST) as ctx:
            token, _ = ctx.issue_access_token(5, None, None)
            self.assertEqual(ctx.verify_access_token(token, authkit.VERIFY_STATELESS).user_id, 5)
        with self.assertRaises(authkit.InvalidArgument):
            authkit.open(":memory:", from_env=False, jwt_keys=[("bad kid!", key, True)])


class OneTimeTokenTest(support.ContextTest):
    def test_password_reset(self):
        r = self.ctx.login("alice", PASSWORD)
        token = self.ctx.request_password_reset("alice@example.com", ip="127.0.0.1")
        self.assertEqual(len(token), 43)
        self.assertIsNone(self.ctx.request_password_reset("nobody@example.com"))
        with self.assertRaises(authkit.WeakPassword):
            self.ctx.complete_password_reset(token, "short")
        self.ctx.complete_password_reset(token, "a brand new passphrase")
        with self.assertRaises(authkit.InvalidToken):
            self.ctx.complete_password_reset(token, "another new passphrase")
        with self.assertRaises(authkit.Revoked):
            self.ctx.check_session(r.session_token)
        self.ctx.authenticate("alice", "a brand new passphrase")

    def test_email_verification(self):
        token = self.ctx.request_email_verification(1)
        self.assertEqual(self.ctx.complete_email_verification(token), 1)
        self.assertTrue(self.ctx.user(1).is_verified)
        with self.assertRaises(authkit.InvalidToken):
            self.ctx.complete_email_verification(token)
        with self.assertRaises(authkit.NotFound):
            self.ctx.request_email_verification(999)


class HttpTest(support.ContextTest):
    def test_cookies(self):
        self.assertEqual(self.ctx.cookie_name(), "authkit_session")
        header = self.ctx.set_cookie("abc", 3600)
        self.assertTrue(header.startswith("authkit_session=abc; Path=/; Max-Age=3600; HttpOnly"))
        self.assertIn("Max-Age=0", self.ctx.delete_cookie())
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.set_cookie("a;b", 60)
        with support.open_ctx(cookie_secure=True) as secure:
            self.assertEqual(secure.cookie_name(), "__Host-authkit_session")
            self.assertIn("Secure", secure.set_cookie("v", 60))
        self.assertEqual(authkit.cookie_value("a=1; authkit_session=xyz", "authkit_session"), "xyz")
        self.assertIsNone(authkit.cookie_value("a=1", "b"))
        with self.assertRaises(authkit.InvalidArgument):
            authkit.cookie_value("a=1", "bad name")

    def test_bearer(self):
        self.assertEqual(authkit.bearer_token("Bearer abc.DEF-_~+/=="), "abc.DEF-_~+/==")
        self.assertEqual(authkit.bearer_token("  bearer   tok"), "tok")
        self.assertIsNone(authkit.bearer_token("Basic dXNlcjpwYXNz"))
        self.assertIsNone(authkit.bearer_token(None))
        with self.assertRaises(authkit.InvalidArgument):
            authkit.bearer_token("Bearer a b")

    def test_csrf(self):
        r = self.ctx.login("alice", PASSWORD)
        token = self.ctx.csrf_issue(r.session_id)
        self.assertEqual(len(token), authkit.limits()["csrf_token_chars"])
        self.assertTrue(self.ctx.csrf_verify(r.session_id, token))
        other = self.ctx.login("alice", PASSWORD)
        self.assertFalse(self.ctx.csrf_verify(other.session_id, token))
        self.assertFalse(self.ctx.csrf_verify(r.session_id, None))
        self.assertFalse(self.ctx.csrf_verify(r.session_id, token[:-1] + ("A" if token[-1] != "A" else "B")))

    def test_authenticate_request(self):
        r = self.ctx.login("alice", PASSWORD)
        key, _ = self.ctx.apikey_create(1, "ci", "read")
        self.assertIsNone(self.ctx.authenticate_request())
        self.assertIsNone(self.ctx.authenticate_request_basic("Basic abc", None))
        p = self.ctx.authenticate_request("Bearer " + r.access_token)
        self.assertEqual((p.kind, p.user_id), ("access", 1))
        p = self.ctx.authenticate_request(cookie=f"authkit_session={r.session_token}")
        self.assertEqual((p.kind, p.session_id), ("session", r.session_id))
        p = self.ctx.authenticate_request_basic(None, f"authkit_session={r.session_token}")
        self.assertEqual(p.kind, "session")
        p = self.ctx.authenticate_request(x_api_key=key)
        self.assertEqual((p.kind, p.scopes), ("api_key", ("read",)))
        with self.assertRaises(authkit.InvalidToken):  # a bad credential never falls back
            self.ctx.authenticate_request("Bearer nope", f"authkit_session={r.session_token}")


if __name__ == "__main__":
    unittest.main()
