"""Attachments: files on needs and offers, uploaded, downloaded and removed.

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("attachments", __name__)
