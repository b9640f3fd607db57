"""The JSON API under /api/v1, for the firms' own software: bearer tokens, no cookies.

The blueprint is made here; its views add their routes to it. It takes no CSRF token: a
request is authenticated by its bearer token alone, which a browser never sends by itself.
"""

from flask import Blueprint

from board.extensions import csrf

PREFIX = "/api/v1"

bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)
