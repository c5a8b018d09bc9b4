"""100,000 wrapped calls leave the process RSS flat (within 2 MiB after warm-up):
every object and string the library hands out is freed, on success and error paths."""
import gc
import os
import unittest

import support
import authkit

CALLS = 100_000
WARMUP = 10_000
MIB = 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


# ASan keeps freed blocks in quarantine and maps shadow memory: RSS says
# nothing there (ASan and valgrind check the C side's frees instead).
@unittest.skipIf(os.environ.get("AUTHKIT_TEST_SANITIZED"), "RSS is meaningless under AddressSanitizer")
class LeakTest(support.ContextTest):
    def test_rss_flat_over_100k_calls(self):
        ctx = self.ctx
        login = ctx.login("alice", support.PASSWORD)
        csrf = ctx.csrf_issue(login.session_id)
        key, _ = ctx.apikey_create(1, "leak", "read")
        ctx.vault_put(1, "openai", b"sk-leak-test-0000")
        cookie = f"a=b; authkit_session={login.session_token}"
        token = login.access_token.encode()

        def bad_token():
            try:
                ctx.verify_access_token("x.y.z")
            except authkit.InvalidToken:
                pass

        def missing_user():
            try:
                ctx.user(999)
            except authkit.NotFound:
                pass
        calls = [
            lambda: ctx.verify_access_token(token).user_id,            # principal, lazy field
            lambda: ctx.check_session(login.session_token),            # session snapshot
            lambda: ctx.vault_get(1, "openai"),                        # secret, wiped and freed
            lambda: ctx.apikey_verify(key).scopes,                     # principal with scopes
            lambda: ctx.user(1),                                       # user snapshot
            lambda: ctx.csrf_verify(login.session_id, csrf),
            lambda: ctx.csrf_issue(login.session_id),                  # owned string
            lambda: authkit.cookie_value(cookie, "authkit_session"),  # owned string
            lambda: ctx.authenticate_request(cookie=cookie).session_id,
            lambda: ctx.sessions(1),                                   # list
            bad_token,                                                 # error paths
            missing_user,
        ]
        n = len(calls)
        for i in range(WARMUP):
            calls[i % n]()
        gc.collect()
        before = rss_bytes()
        for i in range(CALLS):
            calls[i % n]()
        gc.collect()
        growth = rss_bytes() - before
        self.assertLess(growth, 2 * MIB, f"RSS grew by {growth / MIB:.2f} MiB over {CALLS} calls")

    def test_the_check_can_fail(self):
        """Leaking on purpose (owned strings never freed) is seen by the same measure."""
        from ctypes import byref, c_void_p
        from authkit._lib import lib
        h = self.ctx._handle
        sid = self.ctx.login("alice", support.PASSWORD).session_id.encode()
        before = rss_bytes()
        # ~19 MB leaked: far above the 2 MiB bound even when the heap already
        # holds several MB of free chunks from earlier tests (60,000 strings,
        # ~5 MB, were absorbed by them in a full-suite run).
        for _ in range(240_000):
            out = c_void_p()
            lib.authkit_csrf_issue(h, sid, byref(out))  # 65 bytes + malloc overhead, never freed
        self.assertGreater(rss_bytes() - before, 2 * MIB)


if __name__ == "__main__":
    unittest.main()
