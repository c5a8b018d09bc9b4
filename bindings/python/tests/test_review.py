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
