"""Cluster staff: the dashboard, member firms, applications, review and moderation, the
outbox and the audit log.

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
