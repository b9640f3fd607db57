"""A user's own settings: name, language, notifications, password, unsubscribing.

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("account", __name__)
