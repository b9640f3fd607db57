"""Offers: sending one on a need, the requester's decisions, a firm's own offers.

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("offers", __name__)
