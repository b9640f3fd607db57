"""Signing in and out, invitations and password resets.

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("auth", __name__)
