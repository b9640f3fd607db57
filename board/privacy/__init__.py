"""What the board holds about people, and the rights they have over it: a copy of it, its
erasure, and the retention policy that removes what is no longer needed."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)
