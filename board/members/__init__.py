"""Member firms: the directory, a firm's own profile, inviting colleagues, applying to join.

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("members", __name__)
