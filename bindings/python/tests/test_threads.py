"""One Context shared by Python threads (the library is thread-safe; ctypes
drops the GIL during each call). Speed-ups are measured by bench/bench_python.py,
not asserted here."""
import threading
import unittest

import support
import authkit


def run_threads(count, target):
    errors = []

    def guarded(i):
        try:
            target(i)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


class ThreadTest(support.ContextTest):
    def test_concurrent_authentication(self):
        for i in range(4):
            self.ctx.register(f"user{i}", f"user{i}@example.com", support.PASSWORD)
        results = {}

        def work(i):
            for _ in range(3):
                results.setdefault(i, []).append(self.ctx.authenticate(f"user{i}", support.PASSWORD).id)
        self.assertEqual(run_threads(4, work), [])
        self.assertEqual({i: set(ids) for i, ids in results.items()}, {i: {i + 2} for i in range(4)})

    def test_error_detail_stays_on_its_thread(self):
        """Each failing thread reads the detail of its own call, not another's.

        Two kinds of failure with different details run at once (plus
        successes); the message falls back to strerror ("invalid token") when
        there is no detail, so the exact text is what proves the point."""
        token = self.ctx.login("alice", support.PASSWORD).access_token
        bad_signature = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        cases = [("not.a.token", "token rejected: header is not base64url"),
                 (bad_signature, "token rejected: bad signature"),
                 ("x", "token rejected: not three dot-separated parts")]
        barrier = threading.Barrier(4)

        def work(i):
            barrier.wait()
            for _ in range(2000):
                if i == 3:
                    self.assertEqual(self.ctx.verify_access_token(token).user_id, 1)
                    continue
                bad, detail = cases[i]
                with self.assertRaises(authkit.InvalidToken) as cm:
                    self.ctx.verify_access_token(bad)
                self.assertEqual(cm.exception.message, detail)
        self.assertEqual(run_threads(4, work), [])

    def test_sessions_from_many_threads(self):
        tokens = []
        lock = threading.Lock()

        def work(i):
            for _ in range(5):
                r = self.ctx.login("alice", support.PASSWORD)
                self.ctx.check_session(r.session_token)
                with lock:
                    tokens.append(r.session_token)
        self.assertEqual(run_threads(3, work), [])
        self.assertEqual(len(set(tokens)), 15)
        self.assertEqual(len(self.ctx.sessions(1)), 15)


if __name__ == "__main__":
    unittest.main()
