"""Statistics for cluster staff: what the board achieved over a period, as figures a cluster
manager puts in a report to its funders and members, with charts, CSV files and a printable
page.

The blueprint is made here; its view module adds the page to it.
"""

from flask import Blueprint

bp = Blueprint("statistics", __name__, url_prefix="/staff")
