"""Tokens and passwords cross between Python and C programs built from the same
library through independent call paths: tests/jwt_issue (C, public API) and the
authkit CLI (tools/authkit)."""
import os
import subprocess
import unittest

import support
import authkit


class JwtInteropTest(unittest.TestCase):
    def setUp(self):
        self.jwt_issue = support.helper_program("AUTHKIT_TEST_JWT_ISSUE", "tests/jwt_issue")
        self.secret = support.new_secret()

    def test_python_token_verified_by_c(self):
        with support.open_ctx(jwt_secret=self.secret) as ctx:
            token, _ = ctx.issue_access_token(7, "c2lkLXB5dGhvbi0wMDE", ["admin", "ops"])
        out = subprocess.run([self.jwt_issue, "verify", self.secret, token], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(out.stdout.strip(), "ok user=7 sid=c2lkLXB5dGhvbi0wMDE kind=access roles=admin,ops")

    def test_c_token_verified_by_python(self):
        out = subprocess.run([self.jwt_issue, "issue", self.secret], capture_output=True, text=True, check=True)
        token = out.stdout.strip()
        with support.open_ctx(jwt_secret=self.secret) as ctx:
            p = ctx.verify_access_token(token, authkit.VERIFY_STATELESS)
            self.assertEqual((p.user_id, p.session_id, p.roles), (42, "c2lkLXNlc3Npb24tMDAx", ("admin", "editor")))
        with support.open_ctx() as other:  # another secret
            with self.assertRaises(authkit.InvalidToken):
                other.verify_access_token(token, authkit.VERIFY_STATELESS)

    def test_c_rejects_a_tampered_python_token(self):
        with support.open_ctx(jwt_secret=self.secret) as ctx:
            token, _ = ctx.issue_access_token(7)
        head, body, sig = token.split(".")
        out = subprocess.run([self.jwt_issue, "verify", self.secret, f"{head}.{body}x.{sig}"], capture_output=True,
                             text=True)
        self.assertEqual(out.returncode, 1)
        self.assertTrue(out.stdout.startswith("rejected -14"))


class CliInteropTest(support.TempDirTest):
    def setUp(self):
        super().setUp()
        self.cli = support.helper_program("AUTHKIT_TEST_CLI", "tools/authkit/authkit")
        self.db = os.path.join(self.tmp, "shared.db")
        self.env = dict(os.environ, AUTHKIT_ARGON2_OPSLIMIT="2", AUTHKIT_ARGON2_MEMLIMIT=str(19 * 1024 * 1024))

    def cli_run(self, *args, stdin=None):
        return subprocess.run([self.cli, "--db", self.db, *args], input=stdin, capture_output=True, text=True,
                              env=self.env)

    def test_password_registered_in_python_checked_by_c(self):
        with support.open_ctx(self.db) as ctx:
            ctx.register("carol", "carol@example.com", support.PASSWORD)
        ok = self.cli_run("user", "verify-password", "carol", "--password-stdin", stdin=support.PASSWORD + "\n")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        bad = self.cli_run("user", "verify-password", "carol", "--password-stdin", stdin="wrong password!!\n")
        self.assertEqual(bad.returncode, 8)

    def test_session_revoked_by_c_is_dead_in_python(self):
        with support.open_ctx(self.db) as ctx:
            ctx.register("dave", "dave@example.com", support.PASSWORD)
            login = ctx.login("dave", support.PASSWORD)
            ctx.verify_access_token(login.access_token)
            out = self.cli_run("sessions", "revoke", "--user", "dave")
            self.assertEqual(out.returncode, 0, out.stderr)
            with self.assertRaises(authkit.Revoked):
                ctx.check_session(login.session_token)


if __name__ == "__main__":
    unittest.main()
