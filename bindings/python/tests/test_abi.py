"""The binding declares the whole C ABI and nothing else, and wraps it."""
import pathlib
import re
import subprocess
import unittest

import support  # noqa: F401  (sets sys.path)
from authkit import _lib

PACKAGE = pathlib.Path(_lib.__file__).resolve().parent

# Exported for backend authors and store plumbing; deliberately not wrapped
# (a Python host picks its backend with db=..., see docs/PYTHON.md).
NOT_WRAPPED = {
    "authkit_store_init", "authkit_store_validate", "authkit_store_sqlite_open", "authkit_store_postgres_open",
    "authkit_store_free", "authkit_config_set_store",
    # Superseded: Context.authenticate calls authkit_authenticate_ex (same work,
    # plus the reason for the host's logs); User.roles is copied whole.
    "authkit_authenticate", "authkit_user_has_role",
}


def exported_symbols() -> set:
    out = subprocess.run(["nm", "-D", "--defined-only", _lib.path], check=True, capture_output=True,
                         text=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines()
            if line.strip() and line.split()[-1].startswith("authkit_")}


def header_declarations() -> set:
    declared = set()
    for header in (support.REPO / "include").rglob("*.h"):
        declared |= set(re.findall(r"AUTHKIT_EXTERN\([^;{]*?\)\s*(authkit_\w+)\s*\(", header.read_text()))
    return declared


class AbiTest(unittest.TestCase):
    def test_every_exported_symbol_is_declared(self):
        exported = exported_symbols()
        self.assertGreater(len(exported), 200)
        missing = sorted(exported - set(_lib.SIGNATURES))
        self.assertEqual(missing, [], "exported by libauthkit but not declared in authkit/_lib.py")

    def test_no_declaration_of_a_symbol_the_library_lacks(self):
        self.assertEqual(sorted(set(_lib.SIGNATURES) - exported_symbols()), [])

    def test_declarations_match_headers(self):
        self.assertEqual(set(_lib.SIGNATURES), header_declarations())

    def test_argument_counts_match_headers(self):
        """Each declaration has as many argtypes as the header prototype has parameters."""
        for header in (support.REPO / "include").rglob("*.h"):
            text = re.sub(r"/\*.*?\*/", "", header.read_text(), flags=re.S)
            for name, params in re.findall(r"AUTHKIT_EXTERN\([^;{]*?\)\s*(authkit_\w+)\s*\(([^)]*)\)", text):
                params = " ".join(params.split())
                count = 0 if params in ("", "void") else params.count(",") + 1
                with self.subTest(name=name):
                    self.assertEqual(len(_lib.SIGNATURES[name][1]), count)

    def test_types_are_set_on_the_loaded_functions(self):
        for name, (restype, argtypes) in _lib.SIGNATURES.items():
            fn = getattr(_lib.lib, name)
            with self.subTest(name=name):
                fn = getattr(fn, "__wrapped__", fn)  # integer arguments: range-checked wrapper
                self.assertIs(fn.restype, restype)
                self.assertEqual(list(fn.argtypes), _lib.checked_argtypes(argtypes))

    def test_owned_strings_are_never_c_char_p(self):
        """char ** out-parameters are POINTER(c_void_p): the pointer is kept and freed."""
        for name, (restype, argtypes) in _lib.SIGNATURES.items():
            for arg in argtypes:
                with self.subTest(name=name):
                    self.assertNotEqual(getattr(arg, "_type_", None), _lib.S)

    def test_every_function_is_wrapped(self):
        lib_source = (PACKAGE / "_lib.py").read_text()
        source = "\n".join([lib_source[lib_source.index("def _candidates"):]] +
                           [p.read_text() for p in PACKAGE.glob("*.py") if p.name != "_lib.py"])
        referenced = set(re.findall(r"\b(authkit_\w+)", source))
        # Accessors named through a prefix (authkit_<list>_<field>) by the list readers.
        for prefix, fields in re.findall(r'_indexed_reader\("(authkit_\w+)", [\w.]+, \[(.*?)\]\)', source, re.S):
            referenced.add(prefix + "_count")
            referenced |= {f"{prefix}_{f}" for f in re.findall(r'\("(\w+)"', fields)}
        for setter in re.findall(r'"(authkit_usage_event_set_\w+)"', source):
            referenced.add(setter)
        unwrapped = sorted(set(_lib.SIGNATURES) - referenced - NOT_WRAPPED)
        self.assertEqual(unwrapped, [], "declared but no Python wrapper calls it")


if __name__ == "__main__":
    unittest.main()
