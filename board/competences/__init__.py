"""The competence taxonomy: the data it starts from, what forms offer of it, and how cluster
staff keep it (add, rename, retire, restore, merge).

The blueprint is made here; each view module of the package adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("competences", __name__, url_prefix="/staff/competences")
