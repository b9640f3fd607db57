"""Reports: a member flags a need or an offer for the cluster staff.

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("reports", __name__)
