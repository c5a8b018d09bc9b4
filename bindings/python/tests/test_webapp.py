"""The example web app (bindings/python/examples/webapp.py), served on
127.0.0.1 on a free port in a thread and driven with urllib."""
import http.cookiejar
import importlib.util
import json
import re
import threading
import unittest
import urllib.error
import urllib.parse
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

import support
import authkit

spec = importlib.util.spec_from_file_location("webapp", support.HERE.parent / "examples" / "webapp.py")
webapp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(webapp)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


class WebAppTest(unittest.TestCase):
    def setUp(self):
        self.ctx = support.open_ctx()
        self.addCleanup(self.ctx.close)
        self.server = make_server("127.0.0.1", 0, webapp.App(self.ctx), handler_class=QuietHandler)
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.jar = http.cookiejar.CookieJar()
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.raw = urllib.request.build_opener(NoRedirect)

    def request(self, path, form=None, opener=None, headers=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with (opener or self.browser).open(req, timeout=30) as resp:
                return resp.status, resp.headers, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read().decode()

    def test_register_login_private_logout(self):
        status, _, body = self.request("/private")
        self.assertIn("Log in", body)  # redirected to /login
        status, _, body = self.request("/register", {"username": "erin", "email": "erin@example.com",
                                                     "password": support.PASSWORD})
        self.assertEqual(status, 200)
        self.assertIn("Hello, erin.", body)  # registered, logged in, redirected to /private
        (cookie,) = list(self.jar)
        self.assertEqual(cookie.name, "authkit_session")
        self.ctx.check_session(cookie.value)  # the cookie is a live session
        csrf = re.search(r"name='csrf' value='([^']+)'", body).group(1)

        status, _, body = self.request("/logout", {"csrf": "forged"})
        self.assertEqual(status, 403)
        status, _, body = self.request("/logout", {})
        self.assertEqual(status, 403)
        self.ctx.check_session(cookie.value)  # still alive

        status, _, body = self.request("/logout", {"csrf": csrf})
        self.assertIn("Welcome", body)
        self.assertEqual(list(self.jar), [])  # the deletion cookie removed it
        with self.assertRaises(authkit.Revoked):
            self.ctx.check_session(cookie.value)
        status, _, body = self.request("/private", headers={"Cookie": f"authkit_session={cookie.value}"})
        self.assertIn("Log in", body)  # a revoked cookie gets nothing

    def test_login_failures_look_alike(self):
        self.ctx.register("frank", "frank@example.com", support.PASSWORD)
        answers = [self.request("/login", {"username": u, "password": p}, opener=self.raw)
                   for u, p in (("frank", "wrong password!!"), ("nobody", support.PASSWORD))]
        self.assertEqual([a[0] for a in answers], [401, 401])
        self.assertEqual(answers[0][2], answers[1][2])
        status, headers, _ = self.request("/login", {"username": "frank", "password": support.PASSWORD},
                                          opener=self.raw)
        self.assertEqual(status, 303)
        self.assertRegex(headers["Set-Cookie"], r"^authkit_session=[A-Za-z0-9_-]{43}; Path=/; Max-Age=604800; "
                                                r"HttpOnly; SameSite=Lax$")

    def test_register_errors_never_echo_the_password(self):
        status, _, body = self.request("/register", {"username": "gina", "email": "gina@example.com",
                                                     "password": "gina-secret"})
        self.assertEqual(status, 400)
        self.assertNotIn("gina-secret", body)

    def test_token_api(self):
        self.ctx.register("hank", "hank@example.com", support.PASSWORD)
        status, _, body = self.request("/api/token", {"username": "hank", "password": "nope nope nope"})
        self.assertEqual(status, 401)
        status, headers, body = self.request("/api/token", {"username": "hank", "password": support.PASSWORD})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Cache-Control"], "no-store")
        tokens = json.loads(body)
        status, _, body = self.request("/api/me", headers={"Authorization": "Bearer " + tokens["access_token"]})
        self.assertEqual((status, json.loads(body)["kind"]), (200, "access"))
        self.assertEqual(self.request("/api/me")[0], 401)
        self.assertEqual(self.request("/api/me", headers={"Authorization": "Bearer x.y.z"})[0], 401)
        status, _, body = self.request("/api/token", {"refresh_token": tokens["refresh_token"]})
        self.assertEqual(status, 200)
        self.assertEqual(self.request("/api/token", {"refresh_token": tokens["refresh_token"]})[0], 401)  # reuse
        key, _ = self.ctx.apikey_create(1, "script", "read")
        status, _, body = self.request("/api/me", headers={"X-API-Key": key})
        self.assertEqual(json.loads(body)["kind"], "api_key")


if __name__ == "__main__":
    unittest.main()
