#!/usr/bin/python3
"""The authkit CLI, driven as a script would drive it: every command, its
exit code, its output (table, CSV, JSON) and its one-line error messages.

usage: check_cli.py AUTHKIT_CLI CLI_FIXTURE FIXTURES_DIR [unittest args]
       AUTHKIT_CLI_WRAPPER="valgrind ..." runs every CLI process under a wrapper.

CLI_FIXTURE (tests/cli_fixture.c) does through the library what the CLI has
no command for: recording usage, writing the vault, and making sessions and
tokens in the past so `cleanup` has expired rows to count. Every process
runs in a new session (no controlling terminal) unless a test gives it a
pseudo-terminal on purpose. Stdlib only (the bcrypt hashes come from
tests/fixtures/bcrypt_fixture.txt, made with Python's bcrypt; a fresh one
is added when the bcrypt module is there).
"""
import base64
import calendar
import csv
import io
import json
import os
import pty
import re
import select
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

CLI, FIXTURE, FIXTURES = sys.argv[1:4]
# e.g. "valgrind --leak-check=full --error-exitcode=99 -q" (scripts/test.sh
# --valgrind): every CLI run goes through it; any report fails the test
# (a changed exit code, or a stderr line that is not an authkit error).
WRAPPER = shlex.split(os.environ.get("AUTHKIT_CLI_WRAPPER", ""))

# Minimum Argon2id cost: the CLI hashes on every start (the context's dummy hash).
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("AUTHKIT_")}
BASE_ENV.update(AUTHKIT_ARGON2_OPSLIMIT="2", AUTHKIT_ARGON2_MEMLIMIT="19922944")

PASSWORD = "correct horse battery staple"
KEY1 = base64.b64encode(bytes(range(1, 33))).decode()
KEY2 = bytes(range(101, 133)).hex()
VAULT_SECRET = "sk-test-0123456789abcdefghijklmnop"
# Nothing the CLI prints may contain these (the generated password is
# checked on its own: once, on stdout).
SECRETS = {PASSWORD, KEY1, KEY2, VAULT_SECRET}

EXIT = dict(ok=0, failed=1, usage=2, not_found=3, exists=4, rejected=5, config=6, check=7, auth=8)
# "authkit: COMMAND: MESSAGE" ("authkit: MESSAGE" before there is a command).
ERROR_LINE = re.compile(r"^authkit: (?:[^:]+: )?\S.*$")


def load_bcrypt_fixture():
    cases = []
    with open(os.path.join(FIXTURES, "bcrypt_fixture.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            password, hashed = line.rstrip("\n").split("\t")
            cases.append((password, hashed))
    return cases


class Result:
    def __init__(self, proc):
        self.rc, self.out, self.err = proc.returncode, proc.stdout, proc.stderr

    def __repr__(self):
        return f"rc={self.rc}\n--- stdout\n{self.out}--- stderr\n{self.err}"


class CliTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="authkit-cli-")
        self.db = os.path.join(self.dir, "auth.db")
        self.env = dict(BASE_ENV)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- running things ----

    def cli(self, *args, stdin=None, env=None, db=True, expect="ok"):
        """Run the CLI (with --db unless db=False); check the exit code and
        the error contract: one line per error, no secret anywhere."""
        argv = [*WRAPPER, CLI, *args] + (["--db", self.db] if db else [])
        proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env or self.env,
                              start_new_session=True, timeout=120)
        r = Result(proc)
        self.assertEqual(r.rc, EXIT[expect], f"authkit {' '.join(args)}: {r}")
        for secret in SECRETS:
            self.assertNotIn(secret, r.out + r.err, f"secret printed by authkit {' '.join(args)}")
        if r.rc != 0:
            lines = r.err.splitlines()
            self.assertTrue(lines, f"no error message: {r}")
            for line in lines:
                self.assertRegex(line, ERROR_LINE)
        return r

    def fixture(self, *args, stdin=None, env=None, ok=True):
        proc = subprocess.run([FIXTURE, args[0], self.db, *args[1:]], input=stdin, capture_output=True,
                              text=True, env=env or self.env, start_new_session=True, timeout=120)
        if ok:
            self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def init(self):
        self.cli("init")

    def create(self, username, email=None, password=PASSWORD, *extra, expect="ok"):
        return self.cli("user", "create", username, email or f"{username}@example.com", "--password-stdin",
                        *extra, stdin=password + "\n", expect=expect)

    def verify(self, user, password, expect="ok"):
        return self.cli("user", "verify-password", user, "--password-stdin", stdin=password + "\n", expect=expect)

    def show(self, user):
        return json.loads(self.cli("user", "show", user, "--format", "json").out)


class TestCommandLine(CliTest):
    COMMANDS = ["init", "check", "user create", "user list", "user show", "user lock", "user unlock",
                "user activate", "user deactivate", "user delete", "user verify-password", "sessions revoke",
                "cleanup", "keys rotate", "usage report", "import", "audit"]

    def test_help_everywhere(self):
        r = self.cli("--help", db=False)
        for name in self.COMMANDS:
            self.assertIn(f"  {name}", r.out)
        for code in range(9):
            self.assertRegex(r.out, rf"\n  {code}  \w")
        for name in self.COMMANDS:
            r = self.cli(*name.split(), "--help", db=False)
            self.assertTrue(r.out.startswith(f"usage: authkit {name}"), r.out)
            self.assertIn("--help", r.out)
        for group in ("user", "sessions", "keys", "usage"):
            r = self.cli(group, "--help", db=False)
            self.assertIn(f"usage: authkit {group} SUBCOMMAND", r.out)
        self.assertRegex(self.cli("--version", db=False).out, r"^authkit \d+\.\d+\.\d+\n$")

    def test_usage_errors(self):
        self.init()
        cases = [
            ((), "authkit: missing command"),
            (("frobnicate",), "authkit: frobnicate: unknown command"),
            (("user",), "authkit: user: missing subcommand"),
            (("user", "frob"), "authkit: user frob: unknown command"),
            (("--bogus", "init"), "authkit: --bogus: unknown option"),
            (("user", "list", "--bogus"), "authkit: user list: unknown option --bogus"),
            (("user", "list", "-x"), "authkit: user list: unknown option -x"),
            (("user", "list", "extra"), "authkit: user list: unexpected argument"),
            (("user", "show"), "authkit: user show: missing argument"),
            (("user", "list", "--format", "xml"), "authkit: user list: --format must be"),
            (("user", "list", "--format"), "authkit: user list: --format needs a FORMAT"),
            (("user", "list", "--format", "csv", "--format", "json"), "given twice"),
            (("user", "lock", "alice", "--minutes", "soon"), "--minutes must be a whole number"),
            (("user", "show", "id:abc"), "a user id is id:N"),
            (("audit", "--since", "2024-02-30"), "authkit: audit: --since must be a date"),
            (("audit", "--since", "2024-03-02", "--until", "2024-03-01"), "--since is after --until"),
            (("keys", "rotate", "--batch", "0"), "--batch must be a whole number from 1 to 1000"),
            (("sessions", "revoke"), "--user USER is required"),
        ]
        for args, message in cases:
            r = self.cli(*args, db=bool(args), expect="usage")
            self.assertEqual(len(r.err.splitlines()), 1, r)
            self.assertIn(message, r.err)

    def test_database_selection(self):
        # No --db, no AUTHKIT_DB.
        r = self.cli("user", "list", db=False, expect="usage")
        self.assertIn("no database: use --db PATH or set AUTHKIT_DB", r.err)
        # Only init creates a database.
        r = self.cli("user", "list", expect="not_found")
        self.assertIn(f"database {self.db} does not exist", r.err)
        self.assertFalse(os.path.exists(self.db))
        self.assertIn("created", self.cli("init").out)
        self.assertIn("is at schema version", self.cli("init").out)
        # AUTHKIT_DB, --db before the command, --db=PATH.
        env = dict(self.env, AUTHKIT_DB=self.db)
        self.create("alice")
        self.assertIn("alice", self.cli("user", "list", db=False, env=env).out)
        self.assertIn("alice", self.cli("--db", self.db, "user", "list", db=False).out)
        self.assertIn("alice", self.cli("user", "list", f"--db={self.db}", db=False).out)
        # --db wins over AUTHKIT_DB.
        other = dict(self.env, AUTHKIT_DB=os.path.join(self.dir, "missing.db"))
        self.assertIn("alice", self.cli("user", "list", env=other).out)
        # A bad AUTHKIT_* setting is a configuration error naming the key, not the value.
        bad = dict(self.env, AUTHKIT_LOCKOUT_MINUTES="soon-ish")
        r = self.cli("user", "list", env=bad, expect="config")
        self.assertIn("AUTHKIT_LOCKOUT_MINUTES", r.err)
        self.assertNotIn("soon-ish", r.err)

    def test_check(self):
        self.init()
        self.create("alice")
        r = self.cli("check")
        self.assertIn("connection: ok", r.out)
        self.assertRegex(r.out, r"schema version: (\d+) \(this build: \1\)")
        self.assertIn("integrity: ok", r.out)

        # An orphan row: integrity_check passes, the foreign-key check does not.
        con = sqlite3.connect(self.db)
        con.execute("INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, idle_expires_at,"
                    " expires_at) VALUES ('orphan', 999, randomblob(32), 1, 1, 1, 1)")
        con.commit()
        con.close()
        r = self.cli("check", expect="check")
        self.assertIn("integrity: FAILED", r.out)
        self.assertIn("authkit: check: integrity: sqlite: foreign key check", r.err)

        # A damaged index page.
        con = sqlite3.connect(self.db)
        con.execute("DELETE FROM sessions")
        con.commit()
        root, page_size = con.execute("SELECT rootpage, (SELECT page_size FROM pragma_page_size()) FROM sqlite_schema"
                                      " WHERE type = 'index' AND tbl_name = 'users' ORDER BY name").fetchone()
        con.close()
        self.cli("check")
        with open(self.db, "r+b") as f:
            f.seek((root - 1) * page_size)
            f.write(b"\xa5" * page_size)
        r = self.cli("check", expect="check")
        self.assertIn("authkit: check: integrity: sqlite: integrity check", r.err)

    def test_newer_schema(self):
        con = sqlite3.connect(self.db)
        con.execute("PRAGMA user_version = 999")
        con.close()
        r = self.cli("check", expect="check")
        self.assertIn("newer than this library", r.err)
        self.cli("init", expect="check")


class TestUsers(CliTest):
    def test_create_and_errors(self):
        self.init()
        r = self.create("alice", "Alice@Example.com", PASSWORD, "--full-name", "Alice Liddell")
        self.assertRegex(r.out, r"^created user alice \(id 1\)\n$")
        self.assertIn("username is already taken", self.create("ALICE", "a2@example.com", expect="exists").err)
        self.assertIn("email is already registered", self.create("alice2", "alice@example.com", expect="exists").err)
        # --password-stdin with nothing on stdin.
        for empty in ("", "\n"):
            r = self.cli("user", "create", "bob", "bob@example.com", "--password-stdin", stdin=empty,
                         expect="usage")
            self.assertIn("standard input holds no password", r.err)
        # Policy and validation.
        self.assertIn("at least 12", self.create("bob", password="short", expect="rejected").err)
        self.assertIn("common", self.create("bob", password="password1234", expect="rejected").err)
        self.assertIn("username may contain only", self.create("bob smith", "b@example.com", expect="rejected").err)
        self.assertIn("not a valid address", self.create("bob", "not-an-email", expect="rejected").err)
        r = self.cli("user", "create", "bob", "bob@example.com", "--password-stdin", stdin="x" * 5000 + "\n",
                     expect="rejected")
        self.assertIn("longer than 4096 bytes", r.err)
        # No terminal to prompt on, and no --password-stdin.
        r = self.cli("user", "create", "bob", "bob@example.com", stdin="", expect="usage")
        self.assertIn("no terminal to prompt for the password: use --password-stdin", r.err)
        r = self.cli("user", "create", "bob", "bob@example.com", "--password-stdin", "--generate-password",
                     expect="usage")
        self.assertIn("exclude each other", r.err)
        users = json.loads(self.cli("user", "list", "--format", "json").out)
        self.assertEqual([u["username"] for u in users], ["alice"])  # nothing half-made
        alice = users[0]
        self.assertEqual((alice["email"], alice["full_name"], alice["admin"]),
                         ("alice@example.com", "Alice Liddell", False))
        self.verify("alice", PASSWORD)

    def test_admin_with_generated_password(self):
        self.init()
        r = self.cli("user", "create", "root", "root@example.com", "--admin", "--generate-password")
        lines = r.out.splitlines()
        self.assertRegex(lines[0], r"^created admin user root \(id 1\)$")
        self.assertRegex(lines[1], r"^password: [A-Za-z0-9]{24}$")
        generated = lines[1].split(": ", 1)[1]
        self.assertEqual(r.out.count(generated), 1)
        self.assertNotIn(generated, r.err)
        self.assertTrue(self.show("root")["admin"])
        self.verify("root", generated)
        self.verify("root", generated + "x", expect="auth")
        # Another run, another password.
        r = self.cli("user", "create", "root2", "root2@example.com", "--generate-password")
        self.assertNotIn(generated, r.out)

    def test_list_and_show_formats(self):
        self.init()
        self.create("alice", "alice@example.com", PASSWORD, "--full-name", 'Alice "Al", Liddell')
        self.create("bob", "bob@example.com", PASSWORD, "--admin")
        table = self.cli("user", "list").out.splitlines()
        self.assertEqual(table[0].split(), ["id", "username", "email", "full_name", "active", "verified", "admin",
                                            "locked_until", "last_login", "created"])
        self.assertEqual(len(table), 3)
        self.assertTrue(table[2].lstrip().startswith("2  bob"))
        rows = list(csv.DictReader(io.StringIO(self.cli("user", "list", "--format", "csv").out)))
        self.assertEqual([r["username"] for r in rows], ["alice", "bob"])
        self.assertEqual(rows[0]["full_name"], 'Alice "Al", Liddell')  # quoted, round-trips
        self.assertEqual((rows[0]["admin"], rows[1]["admin"], rows[0]["last_login"]), ("false", "true", ""))
        users = json.loads(self.cli("user", "list", "--format", "json").out)
        self.assertEqual([u["id"] for u in users], [1, 2])
        self.assertIsNone(users[0]["last_login"])
        # show: by username, email (any case) and id; the same record.
        by_name = self.show("alice")
        self.assertEqual(by_name, self.show("ALICE@example.com"))
        self.assertEqual(by_name, self.show("id:1"))
        self.assertEqual((by_name["failed_logins"], by_name["sessions"], by_name["roles"]), (0, 0, ""))
        text = self.cli("user", "show", "alice").out
        self.assertRegex(text, r"(?m)^username: +alice$")
        self.assertRegex(text, r"(?m)^locked_until: +-$")
        record = list(csv.DictReader(io.StringIO(self.cli("user", "show", "bob", "--format", "csv").out)))
        self.assertEqual((len(record), record[0]["admin"]), (1, "true"))
        for ref in ("nobody", "nobody@example.com", "id:99", "not a name"):
            r = self.cli("user", "show", ref, expect="not_found")
            self.assertEqual(r.err, f"authkit: user show: no such user: {ref}\n")

    def test_lock_unlock_deactivate_delete(self):
        self.init()
        self.create("alice")
        self.assertEqual(self.cli("user", "lock", "alice").out, "locked alice\n")
        self.assertEqual(self.show("alice")["locked_until"], "9999-12-31T23:59:59Z")
        self.assertIn("account locked", self.verify("alice", PASSWORD, expect="auth").err)
        self.assertEqual(self.cli("user", "unlock", "alice").out, "unlocked alice\n")
        self.assertIsNone(self.show("alice")["locked_until"])
        self.verify("alice", PASSWORD)
        # A timed lock ends about when it says.
        self.cli("user", "lock", "alice@example.com", "--minutes", "90")
        until = calendar.timegm(time.strptime(self.show("alice")["locked_until"], "%Y-%m-%dT%H:%M:%SZ"))
        self.assertAlmostEqual(until, time.time() + 90 * 60, delta=120)
        self.cli("user", "unlock", "alice")
        # Failed logins count and lock, unlock clears them.
        self.assertIn("wrong password", self.verify("alice", "not the password!", expect="auth").err)
        self.assertEqual(self.show("alice")["failed_logins"], 1)
        self.cli("user", "unlock", "alice")
        self.assertEqual(self.show("alice")["failed_logins"], 0)
        self.assertEqual(self.cli("user", "deactivate", "id:1").out, "deactivated alice\n")
        self.assertFalse(self.show("alice")["active"])
        self.assertIn("account inactive", self.verify("alice", PASSWORD, expect="auth").err)
        self.assertEqual(self.cli("user", "activate", "alice").out, "activated alice\n")
        self.verify("alice", PASSWORD)
        self.assertEqual(self.cli("user", "delete", "alice").out, "deleted alice\n")
        for command in ("show", "lock", "unlock", "activate", "deactivate", "delete", "verify-password"):
            r = self.cli("user", command, "alice", stdin="", expect="not_found")
            self.assertEqual(r.err, f"authkit: user {command}: no such user: alice\n")
        self.assertEqual(json.loads(self.cli("user", "list", "--format", "json").out), [])

    def test_password_prompt_on_a_terminal(self):
        self.init()
        out, rc = self.run_on_tty(["user", "create", "dave", "dave@example.com"], [PASSWORD, PASSWORD])
        self.assertEqual(rc, 0, out)
        self.assertIn("Password for dave: ", out)
        self.assertIn("Repeat the password: ", out)
        self.assertIn("created user dave", out)
        self.assertNotIn(PASSWORD, out)  # echo was off
        self.verify("dave", PASSWORD)
        out, rc = self.run_on_tty(["user", "create", "erin", "erin@example.com"], [PASSWORD, PASSWORD + "!"])
        self.assertEqual(rc, EXIT["rejected"], out)
        self.assertIn("authkit: user create: the passwords do not match", out)
        out, rc = self.run_on_tty(["user", "verify-password", "dave"], [PASSWORD])
        self.assertEqual(rc, 0, out)
        self.assertIn("password ok for dave", out)

    def run_on_tty(self, args, answers):
        """Run the CLI with a pseudo-terminal as its controlling terminal,
        answering each password prompt; returns (everything shown, exit code)."""
        pid, fd = pty.fork()
        if pid == 0:
            try:
                argv = [*WRAPPER, CLI, *args, "--db", self.db]
                os.execve(shutil.which(argv[0]), argv, self.env)
            finally:
                os._exit(127)
        shown, pending = b"", list(answers)
        deadline = time.time() + 60
        while time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            # A prompt is the last thing shown until it is answered (echo
            # is already off when it appears, so the answer is not lost).
            if pending and shown.endswith(b": "):
                os.write(fd, pending.pop(0).encode() + b"\n")
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        return shown.decode(errors="replace"), os.waitstatus_to_exitcode(status)


class TestSessions(CliTest):
    def test_cleanup_counts_and_revoke(self):
        self.init()
        self.create("alice")
        self.create("bob")
        # Two live sessions of alice, one of bob; from 40 days ago, one
        # session of alice (past its 30-day maximum) and two one-time tokens.
        self.fixture("login", "alice", stdin=PASSWORD + "\n")
        self.fixture("login", "alice", stdin=PASSWORD + "\n")
        self.fixture("login", "bob", stdin=PASSWORD + "\n")
        self.fixture("expired", "alice", "40", stdin=PASSWORD + "\n")
        self.assertEqual(self.show("alice")["sessions"], 2)  # the expired one is not counted
        self.assertEqual(self.cli("cleanup").out, "sessions deleted: 1\ntokens deleted: 2\n")
        self.assertEqual(self.cli("cleanup").out, "sessions deleted: 0\ntokens deleted: 0\n")
        self.assertEqual(self.cli("sessions", "revoke", "--user", "alice").out, "revoked 2 sessions of alice\n")
        self.assertEqual(self.show("alice")["sessions"], 0)
        self.assertEqual(self.show("bob")["sessions"], 1)
        self.assertEqual(self.cli("sessions", "revoke", "--user", "alice").out, "revoked 0 sessions of alice\n")
        self.assertEqual(self.cli("cleanup").out, "sessions deleted: 2\ntokens deleted: 0\n")
        r = self.cli("sessions", "revoke", "--user", "carol", expect="not_found")
        self.assertEqual(r.err, "authkit: sessions revoke: no such user: carol\n")


class TestImport(CliTest):
    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_import_bcrypt_and_argon2id_then_login(self):
        self.init()
        cases = load_bcrypt_fixture()
        self.assertGreaterEqual(len(cases), 6)
        self.assertEqual({h[:4] for _, h in cases}, {"$2a$", "$2b$", "$2y$"})
        try:  # one more, hashed right now with Python's bcrypt
            import bcrypt
            fresh = "fresh-from-python-bcrypt-42"
            cases.append((fresh, bcrypt.hashpw(fresh.encode(), bcrypt.gensalt(rounds=4)).decode()))
        except ImportError:
            pass
        argon_password = "argon2id-imported-passphrase"
        argon_hash = self.fixture("hash", stdin=argon_password + "\n").stdout.strip()
        self.assertTrue(argon_hash.startswith("$argon2id$"))
        lines = ["username,email,hash,full_name"]
        for i, (_, hashed) in enumerate(cases):
            lines.append(f"legacy{i},legacy{i}@example.com,{hashed}" + (',"Legacy, User"' if i == 0 else ""))
        self.assertIn(",", argon_hash)  # m=...,t=...,p=...: quoted by a CSV writer, maybe not by hand
        lines.append(f'argon,argon@example.com,"{argon_hash}"')
        lines.append(f"argon2,argon2@example.com,{argon_hash},Argon Two")
        good = len(lines) - 1
        bad = [
            ("two,fields", "expected username,email,hash[,full_name]"),
            ("md5user,md5@example.com,$1$saltsalt$2vsmALhIOTRW4wdVXXN6h1", "not an Argon2id or bcrypt hash"),
            (f"legacy0,dup@example.com,{cases[0][1]}", "username is already taken"),
            (f'"broken,quote@example.com,{cases[0][1]}', "unbalanced quotes"),
            (f"bad email,x@example.com,{cases[0][1]}", "username may contain only"),
        ]
        lines += ["", "# a comment"] + [line for line, _ in bad]
        secrets_in_file = [h for _, h in cases] + [argon_hash]
        path = self.write("users.csv", "\r\n".join(lines) + "\r\n")
        r = self.cli("import", path, expect="rejected")
        self.assertEqual(r.out, f"imported: {good}\nrejected: {len(bad)}\n", r)
        errors = r.err.splitlines()
        self.assertEqual(len(errors), len(bad))
        first_bad = good + 4  # header, good lines, blank, comment; 1-based
        for n, ((_, why), line) in enumerate(zip(bad, errors)):
            self.assertTrue(line.startswith(f"authkit: import: {path}:{first_bad + n}: "), line)
            self.assertIn(why, line)
        for hashed in secrets_in_file:  # never echoed, not even a part
            self.assertNotIn(hashed[7:30], r.out + r.err)
        self.assertNotIn("$1$saltsalt", r.err)

        # Every imported user logs in with the password behind their hash.
        for i, (password, _) in enumerate(cases):
            self.verify(f"legacy{i}", password)
            self.verify(f"legacy{i}", password + "x", expect="auth")
        self.verify("argon", argon_password)
        self.verify("argon2", argon_password)
        self.assertEqual(self.show("argon2")["full_name"], "Argon Two")
        self.assertEqual(self.show("legacy0")["full_name"], "Legacy, User")
        # The login replaced the bcrypt hash with Argon2id: it still verifies.
        audit = json.loads(self.cli("audit", "--user", "legacy0", "--format", "json").out)
        self.assertIn("password.rehashed", [e["event"] for e in audit])
        self.assertIn("user.imported", [e["event"] for e in audit])
        self.verify("legacy0", cases[0][0])

    def test_import_clean_file_stdin_and_missing(self):
        self.init()
        password, hashed = load_bcrypt_fixture()[0]
        path = self.write("ok.csv", f"zed,zed@example.com,{hashed}\n")
        self.assertEqual(self.cli("import", path).out, "imported: 1\nrejected: 0\n")
        r = self.cli("import", "-", stdin=f"yan,yan@example.com,{hashed}\n")
        self.assertEqual(r.out, "imported: 1\nrejected: 0\n")
        self.verify("yan", password)
        r = self.cli("import", os.path.join(self.dir, "nope.csv"), expect="not_found")
        self.assertIn("cannot open", r.err)
        r = self.cli("import", "-", stdin="long," + "x" * 9000 + "\nokay,okay@example.com," + hashed + "\n",
                     expect="rejected")
        self.assertEqual(r.out, "imported: 1\nrejected: 1\n")
        self.assertIn("stdin:1: line longer than 8 KiB", r.err)


DAY = 86400


def day(ts):
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


class TestUsage(CliTest):
    def test_report_in_three_formats(self):
        self.init()
        self.create("alice")
        self.create("bob")
        t0 = 1717200000  # 2024-06-01T00:00:00Z
        events = [  # user, service, model, in, out, cost, time
            (1, "openai", "gpt-4o", 100, 50, 1500, t0 + 10),
            (1, "openai", "gpt-4o-mini", 200, 80, 300, t0 + DAY + 5),
            (1, "anthropic", "claude-3", 1000, 400, 12000, t0 + 2 * DAY + 7),
            (1, "openai", "gpt-4o", 7, 3, 11, t0 + 5 * DAY),  # after --to
            (1, "openai", "gpt-4o", 9, 9, 9, t0 - 1),  # before --from
            (2, "openai", "gpt-4o", 5000, 5000, 99999, t0 + DAY),  # bob
        ]
        stdin = "".join(" ".join(map(str, e)) + "\n" for e in events)
        self.fixture("usage", stdin=stdin)
        frm, to = day(t0), day(t0 + 2 * DAY)

        def expect(user, by):
            sums = {}
            for u, service, model, tin, tout, cost, ts in events:
                if u != user or not (t0 <= ts < t0 + 3 * DAY):
                    continue
                key = {"service": service, "model": model, "day": day(ts)}[by]
                s = sums.setdefault(key, [0, 0, 0, 0])
                for i, v in enumerate((1, tin, tout, cost)):
                    s[i] += v
            return dict(sorted(sums.items()))

        args = ("usage", "report", "--user", "alice", "--from", frm, "--to", to)
        for by in ("service", "model", "day"):
            want = expect(1, by)
            total = [sum(v[i] for v in want.values()) for i in range(4)]
            doc = json.loads(self.cli(*args, "--by", by, "--format", "json").out)
            self.assertEqual((doc["user_id"], doc["from"], doc["to"], doc["by"]), (1, frm, to, by))
            got = {row[by]: [row["events"], row["input_tokens"], row["output_tokens"], row["cost_micros"]]
                   for row in doc["rows"]}
            self.assertEqual(got, want)
            self.assertEqual([doc["total"][k] for k in ("events", "input_tokens", "output_tokens", "cost_micros")],
                             total)
            rows = list(csv.DictReader(io.StringIO(self.cli(*args, "--by", by, "--format", "csv").out)))
            got = {row[by]: [int(row[k]) for k in ("events", "input_tokens", "output_tokens", "cost_micros")]
                   for row in rows}
            self.assertEqual(got, want)
            table = self.cli(*args, "--by", by).out.splitlines()
            self.assertEqual(table[0].split(), [by, "events", "input_tokens", "output_tokens", "cost_micros"])
            got = {line.split()[0]: [int(x) for x in line.split()[1:]] for line in table[1:-1]}
            self.assertEqual(got, want)
            self.assertEqual(table[-1].split(), ["(total)"] + [str(x) for x in total])
        # Everyone, all time: every event.
        doc = json.loads(self.cli("usage", "report", "--format", "json").out)
        self.assertIsNone(doc["user_id"])
        self.assertEqual(doc["total"]["events"], len(events))
        self.assertEqual(doc["total"]["cost_micros"], sum(e[5] for e in events))
        # Usage outlives its user: id:N still reports after the delete.
        self.cli("user", "delete", "bob")
        doc = json.loads(self.cli("usage", "report", "--user", "id:2", "--format", "json").out)
        self.assertEqual(doc["total"]["input_tokens"], 5000)
        self.cli("usage", "report", "--user", "bob", expect="not_found")
        self.cli("usage", "report", "--from", "2024-06-03", "--to", "2024-06-01", expect="usage")
        self.cli("usage", "report", "--from", "06/01/2024", expect="usage")
        self.cli("usage", "report", "--by", "week", expect="usage")
        self.cli("usage", "report", "--format", "yaml", expect="usage")


class TestVaultKeys(CliTest):
    def test_rotate_then_only_the_new_key_reads(self):
        v1 = dict(self.env, AUTHKIT_MASTER_KEY=KEY1, AUTHKIT_MASTER_KEY_VERSION="1")
        v2_only = dict(self.env, AUTHKIT_MASTER_KEY=KEY2, AUTHKIT_MASTER_KEY_VERSION="2")
        v2_rotating = dict(v2_only, AUTHKIT_MASTER_OLD_KEYS=f"1:{KEY1}")
        self.cli("init", env=v1)
        self.create("alice")
        self.fixture("vault-put", "1", "openai", stdin=VAULT_SECRET + "\n", env=v1)
        # Without the old key the row is unreadable, and rotation says why.
        self.assertNotEqual(self.fixture("vault-get", "1", "openai", env=v2_only, ok=False).returncode, 0)
        r = self.cli("keys", "rotate", env=v2_only, expect="failed")
        self.assertIn("authkit: keys rotate: rotation failed:", r.err)
        self.assertEqual(self.cli("keys", "rotate", env=v2_rotating).out, "re-encrypted: 1\n")
        self.assertEqual(self.cli("keys", "rotate", env=v2_rotating).out, "re-encrypted: 0\n")
        # Now the new key alone reads it, and the old key alone does not.
        self.assertEqual(self.fixture("vault-get", "1", "openai", env=v2_only).stdout, VAULT_SECRET + "\n")
        self.assertNotEqual(self.fixture("vault-get", "1", "openai", env=v1, ok=False).returncode, 0)
        # No master key at all: a configuration error.
        r = self.cli("keys", "rotate", expect="config")
        self.assertIn("AUTHKIT_MASTER_KEY", r.err)
        bad = dict(self.env, AUTHKIT_MASTER_KEY="00" * 32)
        self.cli("keys", "rotate", env=bad, expect="config")

    def test_rotate_in_small_batches(self):
        v1 = dict(self.env, AUTHKIT_MASTER_KEY=KEY1)
        v2 = dict(self.env, AUTHKIT_MASTER_KEY=KEY2, AUTHKIT_MASTER_KEY_VERSION="2",
                  AUTHKIT_MASTER_OLD_KEYS=f"1:{KEY1}")
        self.cli("init", env=v1)
        self.create("alice")
        for service in ("a", "b", "c", "d", "e"):
            self.fixture("vault-put", "1", service, stdin=VAULT_SECRET + service + "\n", env=v1)
        self.assertEqual(self.cli("keys", "rotate", "--batch", "2", env=v2).out, "re-encrypted: 5\n")
        v2_only = dict(self.env, AUTHKIT_MASTER_KEY=KEY2, AUTHKIT_MASTER_KEY_VERSION="2")
        for service in ("a", "e"):
            self.assertEqual(self.fixture("vault-get", "1", service, env=v2_only).stdout,
                             VAULT_SECRET + service + "\n")


class TestAudit(CliTest):
    def test_audit_filters(self):
        self.init()
        self.create("alice")
        self.create("bob")
        self.verify("alice", "wrong password here", expect="auth")
        self.verify("alice", PASSWORD)
        self.cli("user", "lock", "bob")
        events = json.loads(self.cli("audit", "--format", "json").out)
        self.assertEqual([e["event"] for e in events],
                         ["user.locked", "auth.ok", "auth.failed", "user.registered", "user.registered"])
        self.assertEqual(events[2]["detail"], "reason=bad_password")
        self.assertEqual(sorted(events[0]), ["detail", "event", "id", "ip", "time", "user_id"])
        alice = json.loads(self.cli("audit", "--user", "alice", "--format", "json").out)
        self.assertEqual([e["event"] for e in alice], ["auth.ok", "auth.failed", "user.registered"])
        self.assertTrue(all(e["user_id"] == 1 for e in alice))
        self.assertEqual(len(json.loads(self.cli("audit", "--limit", "2", "--format", "json").out)), 2)
        today, tomorrow = day(time.time()), day(time.time() + DAY)
        self.assertEqual(json.loads(self.cli("audit", "--since", tomorrow, "--format", "json").out), [])
        self.assertEqual(len(json.loads(self.cli("audit", "--since", today, "--until", today,
                                                 "--format", "json").out)), 5)
        table = self.cli("audit", "--user", "bob").out.splitlines()
        self.assertEqual(table[0].split(), ["id", "time", "user_id", "event", "ip", "detail"])
        self.assertIn("user.locked", table[1])
        rows = list(csv.DictReader(io.StringIO(self.cli("audit", "--format", "csv").out)))
        self.assertEqual(len(rows), 5)
        # Deleted users keep their trail, under id:N.
        self.cli("user", "delete", "alice")
        trail = json.loads(self.cli("audit", "--user", "id:1", "--format", "json").out)
        self.assertEqual(trail[0]["event"], "user.deleted")
        self.cli("audit", "--user", "alice", expect="not_found")
        self.cli("audit", "--limit", "0", expect="usage")


class TestValgrindSmoke(CliTest):
    """Few runs, every output path: the CLI part of `scripts/test.sh --valgrind`."""

    def test_every_format_once(self):
        self.init()
        self.create("alice", "alice@example.com", PASSWORD, "--full-name", "Zoë, \"the\" tester")
        self.fixture("usage", stdin="1 openai gpt-4o 10 20 30 1717200000\n1 xai grok 1 2 3 1717286400\n")
        self.fixture("login", "alice", stdin=PASSWORD + "\n")
        for fmt in ("table", "csv", "json"):
            listed = self.cli("user", "list", "--format", fmt).out
            shown = self.cli("user", "show", "alice", "--format", fmt).out
            report = self.cli("usage", "report", "--user", "alice", "--from", "2024-06-01", "--to", "2024-06-02",
                              "--by", "day", "--format", fmt).out
            self.assertIn("Zoë", listed + shown)
            self.assertIn("2024-06-02", report)
        self.assertEqual(json.loads(report)["total"], dict(events=2, input_tokens=11, output_tokens=22,
                                                           cost_micros=33))
        events = json.loads(self.cli("audit", "--format", "json").out)
        self.assertEqual(sorted(e["event"] for e in events), ["auth.login", "auth.ok", "user.registered"])
        self.assertEqual(self.cli("sessions", "revoke", "--user", "alice").out, "revoked 1 sessions of alice\n")
        self.assertEqual(self.cli("cleanup").out, "sessions deleted: 1\ntokens deleted: 0\n")
        self.cli("user", "show", "nobody", expect="not_found")


# Under a wrapper (valgrind: about a second per CLI start) and with no tests
# named, these cover every CLI source file in few runs.
WRAPPED_SUBSET = ["TestValgrindSmoke", "TestCommandLine.test_usage_errors", "TestCommandLine.test_check",
                  "TestUsers.test_password_prompt_on_a_terminal",
                  "TestImport.test_import_clean_file_stdin_and_missing",
                  "TestVaultKeys.test_rotate_in_small_batches"]

if __name__ == "__main__":
    names = sys.argv[4:] or (WRAPPED_SUBSET if WRAPPER else [])
    unittest.main(argv=[sys.argv[0], *names], verbosity=2)
