"""Vault, API keys, usage, quotas, rate limits, billing, audit."""
import unittest

import support
import authkit

DAY = 86400


class VaultTest(support.ContextTest):
    def test_put_get_list(self):
        self.ctx.vault_put(1, "openai", b"sk-proj-secret-9876")
        self.ctx.vault_put(1, "anthropic", "sk-ant-\u00e9xyz")
        got = self.ctx.vault_get(1, "openai")
        self.assertIsInstance(got, bytes)
        self.assertEqual(got, b"sk-proj-secret-9876")
        self.assertEqual(self.ctx.vault_get(1, "anthropic"), "sk-ant-\u00e9xyz".encode())
        entries = self.ctx.vault_list(1)
        self.assertEqual([e.service for e in entries], ["anthropic", "openai"])
        self.assertTrue(entries[1].masked.endswith("9876"))
        self.assertNotIn("secret", entries[1].masked)
        self.assertEqual(entries[1].key_version, 1)
        binary = bytes(range(256))
        self.ctx.vault_put(1, "binary", binary)  # any content, NULs included
        self.assertEqual(self.ctx.vault_get(1, "binary"), binary)

    def test_errors_and_lifecycle(self):
        with self.assertRaises(authkit.NotFound):
            self.ctx.vault_get(1, "openai")
        with self.assertRaises(authkit.NotFound):
            self.ctx.vault_put(999, "openai", b"k")
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.vault_put(1, "Bad Service", b"k")
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.vault_put(1, "openai", b"")
        self.ctx.vault_put(1, "openai", b"k1")
        self.ctx.vault_set_active(1, "openai", False)
        with self.assertRaises(authkit.Revoked):
            self.ctx.vault_get(1, "openai")
        self.ctx.vault_set_active(1, "openai", True)
        self.assertEqual(self.ctx.vault_rotate(10), (0, True))
        self.ctx.vault_delete(1, "openai")
        with self.assertRaises(authkit.NotFound):
            self.ctx.vault_delete(1, "openai")
        with authkit.open(":memory:", from_env=False, **authkit.MIN_COST) as no_key:
            with self.assertRaises(authkit.ConfigError):
                no_key.vault_list(1)

    def test_rotation(self):
        import tempfile, os
        path = os.path.join(tempfile.mkdtemp(), "v.db")
        old, new = support.new_secret(), support.new_secret()
        with support.open_ctx(path, master_key=old) as a:
            a.register("bob", "bob@example.com", support.PASSWORD)
            a.vault_put(1, "openai", b"sk-rotate-me")
        with support.open_ctx(path, master_key=new, master_key_version=2, master_old_keys=f"1:{old}") as b:
            self.assertEqual(b.vault_rotate(100), (1, True))
            self.assertEqual(b.vault_list(1)[0].key_version, 2)
            self.assertEqual(b.vault_get(1, "openai"), b"sk-rotate-me")
        with support.open_ctx(path, master_key=old) as c:  # version 1 key only
            with self.assertRaises(authkit.CryptoError):
                c.vault_get(1, "openai")


class ApiKeyTest(support.ContextTest):
    def test_create_verify_revoke(self):
        key, public_id = self.ctx.apikey_create(1, "deploy bot", ["deploy", "read"], 0)
        self.assertEqual(len(key), 69)
        self.assertTrue(key.startswith("ak_" + public_id + "_"))
        p = self.ctx.apikey_verify(key)
        self.assertEqual((p.kind, p.user_id, p.jti, p.expires_at), ("api_key", 1, public_id, 0))
        self.assertEqual(p.scopes, ("deploy", "read"))
        self.assertTrue(p.has_scope("deploy"))
        self.assertFalse(p.has_scope("admin"))
        self.assertEqual(p.roles, ())
        (info,) = self.ctx.apikeys(1)
        self.assertEqual((info.public_id, info.name, info.scopes, info.revoked_at), (public_id, "deploy bot",
                                                                                    ("deploy", "read"), 0))
        self.ctx.apikey_revoke(public_id)
        with self.assertRaises(authkit.Revoked):
            self.ctx.apikey_verify(key)
        with self.assertRaises(authkit.NotFound):
            self.ctx.apikey_revoke("A" * 22)
        with self.assertRaises(authkit.InvalidToken):
            self.ctx.apikey_verify(key[:-1] + ("A" if key[-1] != "A" else "B"))

    def test_expiry_and_errors(self):
        key, _ = self.ctx.apikey_create(1, "short", None, support.START_MS // 1000 + 60)
        self.ctx.apikey_verify(key)
        self.clock.advance(61)
        with self.assertRaises(authkit.Expired):
            self.ctx.apikey_verify(key)
        with self.assertRaises(authkit.NotFound):
            self.ctx.apikey_create(999, "x")
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.apikey_create(1, "x", "bad scope!")


class UsageTest(support.ContextTest):
    def test_record_and_summarise(self):
        now = support.START_MS // 1000
        self.assertFalse(self.ctx.record_usage(1, "openai", model="gpt-4o", input_tokens=10, output_tokens=5,
                                               cost_micros=1500, idempotency_key="req-1"))
        self.assertTrue(self.ctx.record_usage(1, "openai", input_tokens=10, idempotency_key="req-1"))
        inserted = self.ctx.record_usage_batch([
            authkit.UsageEvent(1, "anthropic", model="claude", input_tokens=7, time=now - DAY),
            {"user_id": 2, "service": "openai", "output_tokens": 3, "request_type": "chat"},
        ])
        self.assertEqual(inserted, 2)
        rows = self.ctx.usage_summary(1)
        self.assertEqual([(r.key, r.events, r.input_tokens, r.output_tokens, r.cost_micros) for r in rows],
                         [("anthropic", 1, 7, 0, 0), ("openai", 1, 10, 5, 1500)])
        self.assertEqual([r.key for r in self.ctx.usage_summary(0, group=authkit.BY_MODEL)],
                         ["", "claude", "gpt-4o"])
        self.assertEqual(len(self.ctx.usage_summary(0, since=now - 10, group=authkit.BY_DAY)), 1)
        self.assertEqual(len(self.ctx.usage_summary(group=authkit.BY_MONTH)), 1)
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.record_usage(1, "bad service!")
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.record_usage(1, "openai", input_tokens=-1)
        with self.assertRaises(authkit.InvalidArgument):  # a bad event fails the whole batch
            self.ctx.record_usage_batch([authkit.UsageEvent(1, "x"), authkit.UsageEvent(0, "x")])
        self.assertEqual(self.ctx.usage_summary(1)[0].events, 1)

    def test_quotas(self):
        q = self.ctx.quota_check(1, authkit.QUOTA_TOKENS, authkit.PERIOD_DAY, limit=100, amount_needed=50)
        self.assertTrue(q)
        self.assertEqual((q.remaining, q.retry_after_s), (100, 0))
        self.assertEqual(self.ctx.quota_charge(1, authkit.QUOTA_TOKENS, authkit.PERIOD_DAY, 80), 80)
        q = self.ctx.quota_check(1, authkit.QUOTA_TOKENS, authkit.PERIOD_DAY, limit=100, amount_needed=50)
        self.assertFalse(q)
        self.assertEqual(q.remaining, 20)
        self.assertGreaterEqual(q.retry_after_s, 1)
        self.assertTrue(self.ctx.quota_check(1, authkit.QUOTA_REQUESTS, authkit.PERIOD_MONTH, 5, service="openai"))
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.quota_check(1, 99, authkit.PERIOD_DAY, 5)

    def test_rate_limits(self):
        with authkit.RateLimiter(2, 1) as rl:
            self.assertTrue(rl.take("ip:1", clock_from=self.ctx))
            self.assertTrue(rl.take("ip:1", clock_from=self.ctx))
            d = rl.take("ip:1", clock_from=self.ctx)
            self.assertFalse(d)
            self.assertEqual(d.retry_after_ms, 1000)
            self.clock.advance(1)
            self.assertTrue(rl.take("ip:1", clock_from=self.ctx))
            self.assertTrue(rl.take("ip:2"))
            self.assertEqual(len(rl), 2)
            with self.assertRaises(authkit.InvalidArgument):
                rl.take("ip:1", cost=3)
        self.assertEqual(len(rl), 0)
        with self.assertRaises(ValueError):
            rl.take("x")
        with self.assertRaises(authkit.InvalidArgument):
            authkit.RateLimiter(0, 1)
        self.assertTrue(self.ctx.ratelimit_shared_take("login:alice", 1, 1))
        self.assertFalse(self.ctx.ratelimit_shared_take("login:alice", 1, 1))

    def test_billing(self):
        now = support.START_MS // 1000
        self.ctx.record_usage(1, "openai", input_tokens=10, cost_micros=100, time=now - 10)
        self.assertEqual(self.ctx.billing_close(now - DAY, now), 1)
        (rec,) = self.ctx.billing_records(1)
        self.assertEqual((rec.user_id, rec.events, rec.cost_micros, rec.status), (1, 1, 100, authkit.BILLING_PENDING))
        self.ctx.billing_set_status(rec.id, authkit.BILLING_PAID)
        self.assertEqual(self.ctx.billing_records()[0].status, authkit.BILLING_PAID)
        with self.assertRaises(authkit.NotFound):
            self.ctx.billing_set_status(rec.id, authkit.BILLING_VOID)


class AuditTest(support.ContextTest):
    def test_query(self):
        self.ctx.login("alice", support.PASSWORD, ip="203.0.113.9")
        events = self.ctx.audit(1)
        self.assertEqual(events[0].event, "auth.login")
        self.assertEqual(events[0].ip, "203.0.113.9")
        self.assertEqual(events[-1].event, "user.registered")
        self.assertEqual(len(self.ctx.audit(limit=1)), 1)
        self.assertEqual(self.ctx.audit(since=support.START_MS // 1000 + 1), [])
        self.assertNotIn(support.PASSWORD, repr(self.ctx.audit(limit=1000)))
        with self.assertRaises(authkit.InvalidArgument):
            self.ctx.audit(limit=0)


if __name__ == "__main__":
    unittest.main()
