#!/usr/bin/env python3
"""A stdlib-only (wsgiref) web app on libauthkit: register, login, a protected
page, logout; plus a token API. What a Flask or FastAPI team's hand-written
auth becomes (docs/PYTHON.md maps it line by line):

  Flask ``@login_required``         -> ``@login_required`` below: the session
                                       cookie checked by authkit_request_authenticate
  FastAPI ``get_current_user``      -> ``current_principal(environ)``: Bearer
                                       access token, API key or cookie
  ``create_access_token`` (PyJWT)   -> ``ctx.login(...).access_token``

Run:  AUTHKIT_JWT_SECRET=$(openssl rand -hex 32) python3 webapp.py --db app.db
      (--insecure-cookies for plain-HTTP localhost: no Secure / __Host-)
"""
from __future__ import annotations

import argparse
import html
import json
import os
import pathlib
import sys
from http import HTTPStatus
from typing import Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import parse_qs

try:
    import authkit
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import authkit

SESSION_MAX_AGE = 7 * 24 * 3600
MAX_BODY = 64 * 1024

Response = Tuple[str, List[Tuple[str, str]], bytes]


def _status(code: int) -> str:
    return f"{code} {HTTPStatus(code).phrase}"


def page(title: str, body: str, code: int = 200, headers: Optional[List[Tuple[str, str]]] = None) -> Response:
    doc = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
           f"<body><h1>{html.escape(title)}</h1>{body}</body></html>")
    return _status(code), [("Content-Type", "text/html; charset=utf-8")] + (headers or []), doc.encode()


def redirect(location: str, headers: Optional[List[Tuple[str, str]]] = None) -> Response:
    return _status(303), [("Location", location)] + (headers or []), b""


def json_response(data: object, code: int = 200) -> Response:
    return _status(code), [("Content-Type", "application/json"), ("Cache-Control", "no-store")], \
        json.dumps(data).encode()


def form_of(environ: dict) -> Dict[str, str]:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    fields = parse_qs(environ["wsgi.input"].read(length).decode("utf-8", "replace"))
    return {k: v[0] for k, v in fields.items()}


def client_ip(environ: dict) -> Optional[str]:
    return environ.get("REMOTE_ADDR")


class App:
    """The WSGI application. One authkit Context, shared by every request."""

    def __init__(self, ctx: authkit.Context) -> None:
        self.ctx = ctx
        self.routes: Dict[Tuple[str, str], Callable[[dict], Response]] = {
            ("GET", "/"): self.home,
            ("GET", "/register"): self.register_form,
            ("POST", "/register"): self.register,
            ("GET", "/login"): self.login_form,
            ("POST", "/login"): self.login,
            ("GET", "/private"): login_required(self.private),
            ("POST", "/logout"): login_required(self.logout),
            ("POST", "/api/token"): self.api_token,
            ("GET", "/api/me"): self.api_me,
        }

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        environ["authkit.ctx"] = self.ctx
        handler = self.routes.get((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")))
        try:
            status, headers, body = handler(environ) if handler else page("Not found", "", 404)
        except authkit.StoreError:
            status, headers, body = page("Unavailable", "<p>Try again later.</p>", 503)
        headers.append(("X-Content-Type-Options", "nosniff"))
        start_response(status, headers)
        return [body]

    # ---- pages ----

    def home(self, environ: dict) -> Response:
        return page("Welcome", "<p><a href='/login'>Log in</a> or <a href='/register'>register</a>.</p>")

    def register_form(self, environ: dict, error: str = "") -> Response:
        return page("Register", f"<p>{html.escape(error)}</p><form method='post' action='/register'>"
                    "<input name='username'><input name='email' type='email'>"
                    "<input name='password' type='password'><button>Register</button></form>",
                    400 if error else 200)

    def register(self, environ: dict) -> Response:
        form = form_of(environ)
        try:
            self.ctx.register(form.get("username", ""), form.get("email", ""), form.get("password", ""))
        except authkit.AlreadyExists:
            return self.register_form(environ, "That username or email is taken.")
        except (authkit.WeakPassword, authkit.InvalidArgument) as exc:
            return self.register_form(environ, exc.message)  # the rule broken, never the password
        return self.login(environ, form)

    def login_form(self, environ: dict, error: str = "") -> Response:
        return page("Log in", f"<p>{html.escape(error)}</p><form method='post' action='/login'>"
                    "<input name='username'><input name='password' type='password'>"
                    "<button>Log in</button></form>", 401 if error else 200)

    def login(self, environ: dict, form: Optional[Dict[str, str]] = None) -> Response:
        form = form if form is not None else form_of(environ)
        try:
            result = self.ctx.login(form.get("username", ""), form.get("password", ""), ip=client_ip(environ),
                                    user_agent=environ.get("HTTP_USER_AGENT"))
        except (authkit.InvalidCredentials, authkit.InvalidArgument):
            return self.login_form(environ, "Wrong username or password.")  # one answer for every cause
        cookie = self.ctx.set_cookie(result.session_token, SESSION_MAX_AGE)
        return redirect("/private", [("Set-Cookie", cookie)])

    def private(self, environ: dict) -> Response:
        principal: authkit.Principal = environ["authkit.principal"]
        user = self.ctx.user(principal.user_id)
        csrf = self.ctx.csrf_issue(principal.session_id)
        return page("Private", f"<p>Hello, {html.escape(user.username)}.</p>"
                    "<form method='post' action='/logout'>"
                    f"<input type='hidden' name='csrf' value='{csrf}'><button>Log out</button></form>",
                    headers=[("Cache-Control", "no-store")])

    def logout(self, environ: dict) -> Response:
        principal: authkit.Principal = environ["authkit.principal"]
        if not self.ctx.csrf_verify(principal.session_id, form_of(environ).get("csrf")):
            return page("Forbidden", "<p>Bad or missing CSRF token.</p>", 403)
        self.ctx.logout(principal.session_id, ip=client_ip(environ))
        return redirect("/", [("Set-Cookie", self.ctx.delete_cookie())])

    # ---- token API (the FastAPI shape) ----

    def api_token(self, environ: dict) -> Response:
        """OAuth2 password flow: form username/password -> access + refresh token."""
        form = form_of(environ)
        try:
            if "refresh_token" in form:
                result = self.ctx.refresh(form["refresh_token"], ip=client_ip(environ))
            else:
                result = self.ctx.login(form.get("username", ""), form.get("password", ""), ip=client_ip(environ))
        except (authkit.InvalidCredentials, authkit.InvalidArgument, authkit.InvalidToken, authkit.Expired,
                authkit.Revoked):
            return json_response({"detail": "invalid credentials"}, 401)
        return json_response({"access_token": result.access_token, "token_type": "bearer",
                              "refresh_token": result.refresh_token, "expires_at": result.access_expires_at})

    def api_me(self, environ: dict) -> Response:
        principal = current_principal(environ)
        if principal is None:
            return json_response({"detail": "not authenticated"}, 401)
        return json_response({"user_id": principal.user_id, "kind": principal.kind, "roles": list(principal.roles)})


def current_principal(environ: dict) -> Optional[authkit.Principal]:
    """FastAPI's get_current_user: a Bearer access token, an API key or the
    session cookie; None when absent or bad (never falls back between them)."""
    ctx: authkit.Context = environ["authkit.ctx"]
    try:
        return ctx.authenticate_request(environ.get("HTTP_AUTHORIZATION"), environ.get("HTTP_COOKIE"),
                                        environ.get("HTTP_X_API_KEY"))
    except (authkit.InvalidToken, authkit.Expired, authkit.Revoked, authkit.InvalidArgument):
        return None


def login_required(handler: Callable[[dict], Response]) -> Callable[[dict], Response]:
    """Flask's @login_required: the session cookie must be alive, else /login."""
    def wrapped(environ: dict) -> Response:
        ctx: authkit.Context = environ["authkit.ctx"]
        try:
            principal = ctx.authenticate_request(None, environ.get("HTTP_COOKIE"))
        except (authkit.InvalidToken, authkit.Expired, authkit.Revoked, authkit.InvalidArgument):
            principal = None
        if principal is None or principal.kind != "session":
            return redirect("/login")
        environ["authkit.principal"] = principal
        return handler(environ)
    wrapped.__name__ = handler.__name__
    return wrapped


def main(argv: Optional[List[str]] = None) -> None:
    from wsgiref.simple_server import make_server
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("AUTHKIT_DB", "webapp.db"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--insecure-cookies", action="store_true", help="plain-HTTP localhost only")
    args = parser.parse_args(argv)
    settings = {"cookie_secure": False} if args.insecure_cookies else {}
    with authkit.open(args.db, **settings) as ctx, make_server(args.host, args.port, App(ctx)) as server:
        print(f"listening on http://{args.host}:{server.server_port}/", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
