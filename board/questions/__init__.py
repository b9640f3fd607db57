"""Questions on a need: a firm asks (its name hidden from all but staff), the requester
answers for everyone or dismisses, and publishes clarifications; staff may hide any of them.

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("questions", __name__)
