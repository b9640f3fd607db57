"""HTTP concerns shared by every blueprint: security headers, safe redirects, absolute links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from jinja2 import StrictUndefined
from werkzeug.routing import IntegerConverter, Map

from board.errors import DomainError

# No inline script or style anywhere: every script and stylesheet is a file under /static.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def keep_out_of_caches(response: Response) -> Response:
    """Tell every cache, the browser's and shared ones, not to keep a page: a signed-in user's
    pages, redirects and error pages are theirs alone, and an anonymous visitor's forms carry
    a token of their session. Static files keep their caching.

    It asks nothing of the database (not even who is signed in), so it holds for the page
    that says the database failed too. A response that says how it may be kept (the API's
    reads and the private feeds, revalidated by their ETags) keeps what it says.
    """
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL under BASE_URL, for e-mails; needs no request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


# The pages that e-mails link to, by endpoint. A worker app registers these rules instead of
# the blueprints (whose views, forms and limits it never uses); tests check that they are
# the blueprints' own rules.
LINKED_PAGES = {
    "needs.detail": "/needs/<id:need_id>",
    "account.settings": "/account",
    "account.unsubscribe": "/unsubscribe/<token>",
    "matches.not_for_us": "/needs/<id:need_id>/not-for-us",
    "auth.invitation": "/invitations/<token>",
    "auth.reset_password": "/password/reset/<token>",
    "auth.login": "/login",
    "auth.forgot_password": "/password/forgot",
    "staff.applications": "/staff/applications",
}


def add_linked_pages(app: Flask) -> None:
    """Give an app without blueprints the URL rules of the pages e-mails link to."""
    for endpoint, rule in LINKED_PAGES.items():
        app.add_url_rule(rule, endpoint=endpoint)


class IdConverter(IntegerConverter):
    """A database id in a URL: a positive integer that fits the id columns, else 404."""

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=2**31 - 1)


MAX_PAGE = 10_000


def page_number() -> int:
    """The `?page=` asked for; anything that is not a sensible page number means page 1."""
    value = request.args.get("page", "")
    # isascii: "²".isdigit() is true, but int() cannot read it.
    if not (value.isascii() and value.isdigit()):
        return 1
    return int(value) if 1 <= int(value) <= MAX_PAGE else 1


def carry_out(
    change: Callable[[], object], success: str, done: str, refused: str | None = None
) -> Response:
    """Run a state change; flash the service's refusal or `success`; redirect accordingly."""
    try:
        change()
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(refused or done)
    flash(success, "success")
    return redirect(done)


def page_url(page: int) -> str:
    """This page's address with the same query, on another page of results."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint or "main.index", **(request.view_args or {}), **args)


def refuse_nul() -> None:
    """Refuse a request with a NUL character anywhere: no text field can store one
    (PostgreSQL refuses it outright), and no browser sends one from a form."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value
        for values in (request.args, request.form)
        for key, value in values.items(multi=True)
    ):
        abort(400, _("The request contained a NUL character, which the board cannot store."))


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.before_request(refuse_nul)
    # Registered first, so it runs last: the security headers are set even if loading the
    # user fails here.
    app.after_request(keep_out_of_caches)
    app.after_request(add_security_headers)
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    if app.testing or app.debug:
        # A misspelt variable should fail loudly in tests, not render as nothing.
        app.jinja_env.undefined = StrictUndefined
