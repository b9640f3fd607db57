"""Server time of board searches over 100,000 needs, PostgreSQL and SQLite.

    flock /tmp/bench.lock .venv/bin/python -m bench.search [--queries 200] [--explain]
        [--kinds mixed,words,competence]

Needs the data set (`python -m bench.data`). Runs, in this process, what the board view runs
for `/needs?q=…&competence=…`: `board_page` for the bench user (the page of needs with their
count, and their eager loads), in a fresh session each time. Template rendering is not
included (bench/web measures whole pages). Prints p50/p95 per database and kind of search:
`mixed` (words and one competence, the set earlier figures were taken with), `words` (the
same words, no competence) and `competence` (the same competence, no words); `--compare` also runs
the same searches the way the board ran them before (`db.paginate` over `board_statement`: a
count query, then the page), in the same run; `--explain` prints EXPLAIN ANALYZE of the
queries of a typical search on PostgreSQL.
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
from board.competences.taxonomy import TAXONOMY
from board.extensions import db
from board.models import User
from board.needs.services import BoardQuery, board_page, board_statement

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


def by_kind(searches: list[BoardQuery]) -> dict[str, list[BoardQuery]]:
    """The mixed searches, and the same searches by their words alone and competence alone."""
    return {
        "mixed": searches,
        "words": [BoardQuery(q=query.q) for query in searches],
        "competence": [BoardQuery(competences=query.competences) for query in searches],
    }


def app_for(url: str) -> Flask:
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",
            "BOARD_ENV": "development",
        }
    )


def run_one(query: BoardQuery, paginate: bool = False) -> tuple[float, int]:
    """One search as the view runs it; its time in ms and how many needs it found.

    `paginate`: as the view ran it before board_page, a count query and then the page.
    """
    viewer = db.session.scalar(sa.select(User).where(User.email == BENCH_EMAIL))
    assert viewer is not None
    started = time.perf_counter()
    if paginate:
        statement = board_statement(viewer, query)
        page = db.paginate(statement, page=1, per_page=PER_PAGE, error_out=False, count=True)
    else:
        page = board_page(viewer, query, page=1, per_page=PER_PAGE)
    for need in page.items:
        need.member.name, [c.name for c in need.competences]  # noqa: B018
    elapsed = (time.perf_counter() - started) * 1000
    db.session.remove()
    return elapsed, page.total or 0


def measure(
    url: str, searches: list[BoardQuery], paginate: bool = False
) -> list[tuple[float, int, BoardQuery]]:
    app = app_for(url)
    with app.app_context():
        if (db.session.scalar(sa.text("SELECT count(*) FROM needs")) or 0) < NEEDS:
            raise SystemExit(f"{url} is not loaded: python -m bench.data")
        for query in searches[:10]:  # warm the caches and the statement cache
            run_one(query, paginate)
        return [(*run_one(query, paginate), query) for query in searches]


def report(name: str, timings: list[tuple[float, int, BoardQuery]]) -> None:
    ms = sorted(t[0] for t in timings)
    p50 = statistics.median(ms)
    p95 = ms[int(len(ms) * 0.95) - 1]
    hits = statistics.median(t[1] for t in timings)
    print(
        f"{name:22} n={len(ms)}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {ms[-1]:6.1f} ms"
        f"  (median {hits:.0f} needs found)"
    )
    slowest = sorted(timings, key=lambda t: t[0])[-3:]
    for elapsed, total, query in reversed(slowest):
        print(
            f"{'':22} slow: {elapsed:6.1f} ms, {total:5} found: q={query.q!r} {query.competences}"
        )


def explain(query: BoardQuery, paginate: bool = False) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each query one search runs on PostgreSQL, as it ran."""
    app = app_for(POSTGRES_URL)
    with app.app_context():
        viewer = db.session.scalar(sa.select(User).where(User.email == BENCH_EMAIL))
        assert viewer is not None
        executed: list[tuple[str, Any]] = []

        def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            executed.append((statement, parameters))

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            if paginate:
                statement = board_statement(viewer, query)
                db.paginate(statement, page=1, per_page=PER_PAGE, error_out=False, count=True)
            else:
                board_page(viewer, query, page=1, per_page=PER_PAGE)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        how = "db.paginate over board_statement" if paginate else "board_page"
        for number, (statement, parameters) in enumerate(executed, 1):
            if "selectin" in statement or "IN (%(primary_keys" in statement:
                continue  # the eager loads of the page's needs: by primary key, 50 at most
            plan = db.session.connection().exec_driver_sql(
                f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
            )
            print(f"-- {how}, query {number}: q={query.q!r} competence={query.competences}")
            print("\n".join(row[0] for row in plan))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE on PostgreSQL")
    parser.add_argument(
        "--kinds", default="mixed,words,competence", help="which searches, comma-separated"
    )
    parser.add_argument(
        "--compare", action="store_true", help="also time db.paginate (count, then page)"
    )
    args = parser.parse_args(argv)
    kinds = by_kind(queries(args.queries))
    chosen = args.kinds.split(",")
    if unknown := set(chosen) - set(kinds):
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    databases = [("postgresql", POSTGRES_URL), ("sqlite", SQLITE_URL)]
    for name, url in databases:
        if args.only not in (None, name):
            continue
        if name == "sqlite" and not SQLITE_PATH.exists():
            raise SystemExit(f"{SQLITE_PATH} is missing: python -m bench.data")
        for kind in chosen:
            label = name if kind == "mixed" else f"{name}, {kind}"
            if args.compare:
                report(f"{label}, db.paginate", measure(url, kinds[kind], paginate=True))
            report(label, measure(url, kinds[kind]))
    if args.explain:
        typical = {
            "mixed": BoardQuery(q="platform", competences=["python"]),
            "words": BoardQuery(q="platform"),
            "competence": BoardQuery(competences=["python"]),
        }
        for kind in chosen:
            if args.compare:
                explain(typical[kind], paginate=True)
            explain(typical[kind])
    return 0


if __name__ == "__main__":
    sys.exit(main())
