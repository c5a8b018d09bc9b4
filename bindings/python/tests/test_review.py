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
