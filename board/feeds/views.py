"""The private feeds: opened by the feed secret in their address, no session needed."""

from __future__ import annotations

import hashlib

from flask import abort, request
from flask_babel import force_locale
from werkzeug.wrappers import Response

from board.account.tokens import user_from_feed_token
from board.feeds import bp, services
from board.models import User

# Feed readers and calendars ask every few minutes to every few hours: they may keep a copy
# for a quarter of an hour, and after that ask with its ETag (an unchanged feed is a 304).
FEED_CACHE = "private, max-age=900"


def feed_reader() -> User:
    """The user whose feed secret the address holds; 404 for a secret that is nobody's (made
    up, or reset since), and for a user who may no longer sign in."""
    user = user_from_feed_token(request.args.get("token", ""))
    if user is None:
        abort(404)
    return user


def feed_response(body: bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = FEED_CACHE
    response.headers["X-Robots-Tag"] = "noindex"
    return response.make_conditional(request)


@bp.get("/feeds/needs.atom")
def needs() -> Response:
    user = feed_reader()
    with force_locale(user.locale):
        body = services.needs_atom(user, request.url)
    return feed_response(body, "application/atom+xml")


@bp.get("/feeds/deadlines.ics")
def deadlines() -> Response:
    user = feed_reader()
    with force_locale(user.locale):
        body = services.deadlines_ics(user)
    response = feed_response(body, "text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    return response
