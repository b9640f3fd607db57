"""Server time of board searches (text + competence) over 100,000 needs, PostgreSQL and SQLite.

    flock /tmp/bench.lock .venv/bin/python -m bench.search [--queries 200] [--explain]

Needs the data set (`python -m bench.data`). Runs, in this process, what the board view runs
for `/needs?q=…&competence=…`: `board_statement` for the bench user, then `db.paginate` with
its count, the page of needs and their eager loads, in a fresh session each time. Template
rendering is not included (bench/web measures whole pages). Prints p50/p95 per database;
`--explain` also prints EXPLAIN ANALYZE of the count and page queries of a typical search on
PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask
from slugify import slugify

from bench.data import BENCH_EMAIL, LANGS, NEEDS, POSTGRES_URL, SQLITE_PATH, SQLITE_URL
from board import create_app
from board.extensions import db
from board.models import User
from board.needs.services import BoardQuery, board_statement
from board.taxonomy import TAXONOMY

PER_PAGE = 50


def vocabulary() -> list[str]:
    """Words that occur in the generated needs, in every language, and a few that do not."""
    words: set[str] = set()
    for lang in LANGS.values():
        for key in ("role", "level", "object", "verb"):
            for phrase in lang[key]:
                words.update(w for w in phrase.split() if len(w) > 3)
    for _, names in TAXONOMY:
        for name in names:
            words.update(w for w in name.split() if len(w) > 3 and w.isalpha())
    words.update({"blockchain", "mainframe", "quantum"})
    return sorted(words)


def queries(count: int) -> list[BoardQuery]:
    """Random searches: one or two words (some cut to a prefix) and one competence."""
    r = random.Random(7)
    words = vocabulary()
    slugs = [slugify(name) for _, names in TAXONOMY for name in names]
    found = []
    for _ in range(count):
        terms = r.sample(words, r.choice((1, 1, 1, 2)))
        if r.random() < 0.3:
            terms[0] = terms[0][: max(4, len(terms[0]) - 3)]
        found.append(BoardQuery(q=" ".join(terms), competences=[r.choice(slugs)]))
    return found


def app_for(url: str) -> Flask:
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",
            "BOARD_ENV": "development",
        }
    )


def run_one(query: BoardQuery) -> tuple[float, int]:
    """One search as the view runs it; its time in ms and how many needs it found."""
    viewer = db.session.scalar(sa.select(User).where(User.email == BENCH_EMAIL))
    assert viewer is not None
    started = time.perf_counter()
    page = db.paginate(
        board_statement(viewer, query), page=1, per_page=PER_PAGE, error_out=False, count=True
    )
    for need in page.items:
        need.member.name, [c.name for c in need.competences]  # noqa: B018
    elapsed = (time.perf_counter() - started) * 1000
    db.session.remove()
    return elapsed, page.total or 0


def measure(url: str, searches: list[BoardQuery]) -> list[tuple[float, int, BoardQuery]]:
    app = app_for(url)
    with app.app_context():
        if (db.session.scalar(sa.text("SELECT count(*) FROM needs")) or 0) < NEEDS:
            raise SystemExit(f"{url} is not loaded: python -m bench.data")
        for query in searches[:10]:  # warm the caches and the statement cache
            run_one(query)
        return [(*run_one(query), query) for query in searches]


def report(name: str, timings: list[tuple[float, int, BoardQuery]]) -> None:
    ms = sorted(t[0] for t in timings)
    p50 = statistics.median(ms)
    p95 = ms[int(len(ms) * 0.95) - 1]
    hits = statistics.median(t[1] for t in timings)
    print(
        f"{name:10} n={len(ms)}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {ms[-1]:6.1f} ms"
        f"  (median {hits:.0f} needs found)"
    )
    slowest = sorted(timings, key=lambda t: t[0])[-3:]
    for elapsed, total, query in reversed(slowest):
        print(
            f"{'':10} slow: {elapsed:6.1f} ms, {total:5} found: q={query.q!r} {query.competences}"
        )


def explain(query: BoardQuery, command: str = "EXPLAIN (ANALYZE, BUFFERS)") -> None:
    app = app_for(POSTGRES_URL)
    with app.app_context():
        viewer = db.session.scalar(sa.select(User).where(User.email == BENCH_EMAIL))
        statement = board_statement(viewer, query)  # type: ignore[arg-type]
        count = sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
        for title, stmt in (("count", count), ("page", statement.limit(PER_PAGE))):
            compiled: Any = stmt.compile(
                dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
            )
            rows = db.session.connection().exec_driver_sql(f"{command} {compiled}")
            print(f"-- {title}: q={query.q!r} competence={query.competences}")
            print("\n".join(row[0] for row in rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE on PostgreSQL")
    args = parser.parse_args(argv)
    searches = queries(args.queries)
    if args.only in (None, "postgresql"):
        report("postgresql", measure(POSTGRES_URL, searches))
    if args.only in (None, "sqlite"):
        if not SQLITE_PATH.exists():
            raise SystemExit(f"{SQLITE_PATH} is missing: python -m bench.data")
        report("sqlite", measure(SQLITE_URL, searches))
    if args.explain:
        explain(BoardQuery(q="platform", competences=["python"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
