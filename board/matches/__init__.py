"""Matches: how a firm a need matched answers it. For now, that the need is not for the firm.

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("matches", __name__)
