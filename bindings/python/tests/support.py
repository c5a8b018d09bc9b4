"""Shared test helpers: fresh contexts at the minimum Argon2id cost, a fake clock."""
from __future__ import annotations

import os
import pathlib
import shutil
import sys
import tempfile
import unittest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the authkit package, without installing it

import authkit  # noqa: E402

REPO = HERE.parents[2]
PASSWORD = "correct horse battery staple"
START_MS = 1_700_000_000_000


def build_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("AUTHKIT_BUILD_DIR", REPO / "build"))


def helper_program(env: str, relative: str) -> str:
    """A program built by meson (path from env, else the default build tree); skip without it."""
    path = os.environ.get(env) or str(build_dir() / relative)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise unittest.SkipTest(f"{relative} not built (set {env})")
    return path


def new_secret() -> str:
    return os.urandom(32).hex()


def open_ctx(db: str = ":memory:", clock: "authkit.FakeClock | None" = None, **settings) -> authkit.Context:
    """A context like tests/helpers.c makes: minimum cost, JWT and vault keys, plain-HTTP cookies."""
    base = dict(authkit.MIN_COST, jwt_secret=new_secret(), master_key=new_secret(), cookie_secure=False)
    base.update(settings)
    return authkit.open(db, clock=clock, from_env=False, **base)


class ContextTest(unittest.TestCase):
    """A fresh in-memory context and fake clock per test, with one registered user."""

    settings: dict = {}

    def setUp(self) -> None:
        self.clock = authkit.FakeClock(START_MS)
        self.ctx = open_ctx(clock=self.clock, **self.settings)
        self.addCleanup(self.ctx.close)
        self.alice = self.ctx.register("alice", "alice@example.com", PASSWORD, full_name="Alice A.")


class TempDirTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="authkit-py-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
