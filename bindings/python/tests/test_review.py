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



if __name__ == "__main__":
    unittest.main()
