"""The board as bench/web.py serves it: `wsgi.app` with the board page at 50 needs.

NEEDS_PER_PAGE is a configuration default, not an environment setting, so it is set here on
the application that `wsgi.py` builds; everything else comes from the environment.
"""

from wsgi import app

app.config["NEEDS_PER_PAGE"] = 50
