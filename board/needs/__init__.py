"""Needs: the board, a need's page, posting, editing and submitting needs.

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("needs", __name__)
