"""Private feeds for feed readers and calendars: a user's open needs (Atom) and the deadlines
that concern their firm (iCalendar), at addresses holding the user's feed secret.

The blueprint is made here; its views add their routes to it.
"""

from flask import Blueprint

bp = Blueprint("feeds", __name__)
