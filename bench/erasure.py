"""Time of staff's export of a person, and of erasing them, over the 100,000-need data set.

    flock /tmp/bench.lock .venv/bin/python -m bench.erasure [--runs 5] [--only postgresql]

Needs the data set (`python -m bench.data`); adds, once, the offers, matches and questions the
statistics benchmark adds (`bench.statistics.add_activity`). Each run takes the next user who
wrote needs and times, in an application context as a request would run them:
- the floor: one search of the largest text column (`needs.description`) for the person's
  address, the least that any search for a person's words must read;
- staff's export of the person (`export_person(..., mentioned=True)`): every row linked to
  them and every text column of every table searched for their address, name and phone;
- their erasure (`erase_person`), which searches the same and rewrites what it finds.
Prints the median of each and its ratio to the floor's median.

Erasing changes the data set: the people erased here stay erased (`python -m bench.data
--force` loads it afresh). Both are rare, deliberate acts of staff or of the person; this says
whether they take a moment or a minute, not how many a server can do.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from bench.data import POSTGRES_URL, SQLITE_URL, prepare
from bench.statistics import STAFF_EMAIL, add_activity, app_for, ensure_staff, settle
from board.extensions import db
from board.models import Need, User
from board.privacy import services


def timed(action: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    action(*args, **kwargs)
    return time.perf_counter() - started


def search_needs(address: str) -> int:
    """The floor: the needs whose description holds the address."""
    return db.session.scalar(
        sa.select(sa.func.count(Need.id)).where(
            Need.description.icontains(address, autoescape=True)
        )
    )


def authors(app: Flask, runs: int) -> list[int]:
    """Users who wrote needs, in a fixed order, that are still there."""
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(User.id)
                .where(User.id.in_(sa.select(Need.author_id).where(Need.author_id.is_not(None))))
                .order_by(User.id)
                .limit(runs)
            )
        )


def measure(url: str, runs: int) -> None:
    app = app_for(url)
    floor: list[float] = []
    export: list[float] = []
    erase: list[float] = []
    for user_id in authors(app, runs):
        with app.app_context():
            user = db.session.get(User, user_id)
            staff = db.session.scalar(sa.select(User).where(User.email == STAFF_EMAIL))
            floor.append(timed(search_needs, user.email))
            export.append(timed(services.export_person, user, mentioned=True))
            erase.append(timed(services.erase_person, user, staff))
            db.session.remove()
    base = statistics.median(floor)
    for name, values in (("floor", floor), ("export", export), ("erasure", erase)):
        middle = statistics.median(values)
        print(
            f"  {name:8} median {middle * 1000:8.1f} ms  slowest {max(values) * 1000:8.1f} ms"
            f"  {middle / base:6.1f}× the floor  ({len(values)} runs)"
        )
    with app.app_context():
        db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    args = parser.parse_args(argv)
    for name, url in (("postgresql", POSTGRES_URL), ("sqlite", SQLITE_URL)):
        if args.only not in (None, name):
            continue
        prepare(url, force=False)
        add_activity(url, force=False)
        ensure_staff(url)
        settle(url)
        measure(url, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
