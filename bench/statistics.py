"""Server time of the statistics page for a year over the 100,000-need data set.

    flock /tmp/bench.lock .venv/bin/python -m bench.statistics [--runs 100] [--only postgresql]
        [--explain] [--compare]

Needs the data set (`python -m bench.data`); adds to it, once, what a year of statistics
reads and the data set leaves out: the offers on its published needs (an accepted one on each
awarded need), the firms each matched (some said "not for us"), and questions, all from a
fixed seed (`--force-activity` adds them again). Then requests, in this process, through
Flask's test client signed in as a member of staff, the page for the period the page shows by
default on the data set's day (2025-11-01 to 2026-11-23: the last twelve full months and the
current one): the view, every query and the template, as a request runs them. Prints p50,
p95 and the slowest of `--runs` requests after five to warm up, the queries per request and
the time they took, and each figure's own time; `--explain` prints EXPLAIN (ANALYZE, BUFFERS)
of each query on PostgreSQL. `--compare` (both databases loaded) only checks that PostgreSQL
and SQLite give the same tables, as CSV, for the period with and without filters.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench.data import (
    BENCH_PASSWORD,
    CHUNK,
    MEMBERS,
    NOW,
    POSTGRES_URL,
    SQLITE_URL,
    chunks,
    password_hash,
    prepare,
)
from board import create_app
from board.extensions import db
from board.models import NeedMatch, Offer, Question, User
from board.statistics import services, tables
from board.statistics.services import Filters, Period

STAFF_EMAIL = "staff@bench.example"
# What the page shows by default on the data set's day.
PERIOD = Period(date(2025, 11, 1), NOW.date())
PATH = f"/staff/statistics?from={PERIOD.first}&to={PERIOD.last}"
SEED = 20261205


# The activity the data set leaves out -----------------------------------------------------


def published_needs(conn: sa.Connection) -> list[sa.Row[Any]]:
    query = sa.text(
        "SELECT id, member_id, status, published_at, closed_at, currency FROM needs "
        "WHERE published_at IS NOT NULL AND id > 1 ORDER BY id"
    )
    return list(conn.execute(query))


def instant(value: Any) -> datetime:
    """A stored instant read back through plain SQL (SQLite gives text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def activity(needs: list[sa.Row[Any]], active: list[int]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Matches, offers and questions for each published need, as ("table", row)."""
    r = random.Random(SEED)
    for need_id, requester, status, published_at, closed_at, currency in needs:
        published = instant(published_at)
        ends = instant(closed_at) if closed_at else NOW
        span = max((ends - published).total_seconds(), 3600.0)
        others = [firm for firm in r.sample(active, 24) if firm != requester]
        matched = others[: r.randint(3, 15)]
        for firm in matched:
            said = r.random() < 0.12
            yield (
                "need_matches",
                {
                    "need_id": need_id,
                    "member_id": firm,
                    "score": round(r.uniform(0.2, 1.0), 2),
                    "competence_ids": [],
                    "created_at": published,
                    "not_for_us_at": published + timedelta(hours=r.uniform(1, 96))
                    if said
                    else None,
                    "not_for_us_reason": r.choice(["field", "capacity", "budget"])
                    if said
                    else None,
                },
            )
        count = r.choices(range(9), weights=(20, 18, 16, 13, 10, 8, 6, 5, 4))[0]
        if status == "closed":
            count = max(count, 1)
        # Most offers come from matched firms, some from firms that were not matched.
        offering = r.sample(matched, min(count, len(matched)))
        offering += [firm for firm in others[len(matched) :] if firm not in offering]
        offering = offering[:count]
        winner = r.randrange(len(offering)) if status == "closed" and offering else None
        for index, firm in enumerate(offering):
            created = published + timedelta(seconds=min(r.expovariate(1 / 172800), span * 0.9))
            if index == winner:
                state, decided = "accepted", ends
            elif status == "closed":
                state, decided = "declined", ends
            else:
                state, decided = ("withdrawn", None) if r.random() < 0.05 else ("submitted", None)
            basis = r.choices(["fixed", "day", "hour"], weights=(70, 25, 5))[0]
            price = {"fixed": r.randrange(5_000, 300_000, 100), "day": r.randrange(400, 1_500)}
            yield (
                "offers",
                {
                    "need_id": need_id,
                    "member_id": firm,
                    "message": "We can start with two engineers and add a tester later.",
                    "price": Decimal(price.get(basis, r.randrange(50, 180))),
                    "currency": currency,
                    "price_basis": basis,
                    "available_from": (created + timedelta(days=30)).date(),
                    "reference": "",
                    "status": state,
                    "decline_reason": "",
                    "created_at": created,
                    "updated_at": decided or created,
                    "decided_at": decided,
                    "edited_at": None,
                    "hidden_at": None,
                    "hidden_reason": "",
                },
            )
        for _ in range(r.choice((0, 0, 0, 1, 1, 2))):
            yield (
                "questions",
                {
                    "need_id": need_id,
                    "member_id": r.choice(others),
                    "text": "Is the work remote?",
                    "status": "waiting",
                    "answer": "",
                    "created_at": published + timedelta(hours=r.uniform(1, 200)),
                    "hidden_reason": "",
                    "answer_hidden_reason": "",
                },
            )


# Every need's tally, as the triggers of migration 5d1c7e2a9b30 count it, in one statement.
TALLIES = """
INSERT INTO need_tallies (need_id, published_at, member_id, offers, first_offer_at, matched,
    matched_offered, matched_not_for_us)
SELECT n.id, n.published_at, n.member_id, coalesce(o.offers, 0), o.first_offer_at,
    coalesce(m.matched, 0), coalesce(m.offered, 0), coalesce(m.not_for_us, 0)
FROM needs n
LEFT JOIN (
    SELECT need_id, count(*) AS offers, min(created_at) AS first_offer_at FROM offers
    WHERE status <> 'withdrawn' GROUP BY need_id
) o ON o.need_id = n.id
LEFT JOIN (
    SELECT m.need_id, count(*) AS matched, count(live.need_id) AS offered,
        sum(CASE WHEN live.need_id IS NULL AND m.not_for_us_at IS NOT NULL THEN 1 ELSE 0 END)
            AS not_for_us
    FROM need_matches m LEFT JOIN offers live ON live.need_id = m.need_id
        AND live.member_id = m.member_id AND live.status <> 'withdrawn'
    GROUP BY m.need_id
) m ON m.need_id = n.id
WHERE n.published_at IS NOT NULL OR o.need_id IS NOT NULL OR m.need_id IS NOT NULL
"""

TABLES = {
    "need_matches": NeedMatch.__table__,
    "offers": Offer.__table__,
    "questions": Question.__table__,
}


def add_activity(url: str, force: bool) -> None:
    """Add the matches, offers and questions of the published needs, once."""
    engine = sa.create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        present = conn.scalar(sa.text("SELECT count(*) FROM need_matches"))
        if present and not force:
            print(f"  activity already added ({present:,} matches; --force-activity adds it again)")
            engine.dispose()
            return
        conn.execute(sa.text("DELETE FROM questions"))
        conn.execute(sa.text("DELETE FROM need_matches"))
        conn.execute(sa.text("DELETE FROM offers WHERE need_id > 1"))
        # The loader's rows, written at once: the triggers (the page cache's generation, the
        # tallies) are left out, the tallies counted once at the end, the generation bumped.
        if postgres:
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            triggers = list(
                conn.execute(
                    sa.text(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                        " AND tbl_name IN ('offers', 'need_matches', 'questions')"
                    )
                )
            )
            for name, _sql in triggers:
                conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
        active = [
            member_id
            for (member_id,) in conn.execute(
                sa.text("SELECT id FROM members WHERE status = 'active' ORDER BY id")
            )
        ]
        assert len(active) > 0.9 * MEMBERS * 0.9
        started = time.perf_counter()
        buffers: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        totals = dict.fromkeys(TABLES, 0)
        for name, row in activity(published_needs(conn), active):
            buffers[name].append(row)
            if len(buffers[name]) == CHUNK:
                conn.execute(sa.insert(TABLES[name]), buffers[name])
                totals[name] += CHUNK
                buffers[name] = []
        for name, rows in buffers.items():
            for batch in chunks(rows):
                conn.execute(sa.insert(TABLES[name]), batch)
                totals[name] += len(batch)
        conn.execute(sa.text("DELETE FROM need_tallies"))
        conn.execute(sa.text(TALLIES))
        if not postgres:
            for _name, sql in triggers:
                conn.execute(sa.text(sql))
        conn.execute(sa.text("UPDATE board_state SET generation = generation + 1"))
        print(
            "  added "
            + ", ".join(f"{name} {count:,}" for name, count in totals.items())
            + f" in {time.perf_counter() - started:.1f} s"
        )
    with engine.connect() as conn:
        if postgres:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
        else:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    engine.dispose()


def settle(url: str) -> None:
    """Leave the tables as autovacuum leaves them at rest: statistics current, and the pages
    marked all-visible (what lets PostgreSQL answer from an index alone)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
        else:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    engine.dispose()


def ensure_staff(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if not conn.scalar(sa.select(User.id).where(User.email == STAFF_EMAIL)):
            conn.execute(
                sa.insert(User.__table__),
                {
                    "email": STAFF_EMAIL,
                    "name": "Bench Staff",
                    "password_hash": password_hash(),
                    "is_staff": True,
                    "locale": "en",
                    "notify": "off",
                    "active": True,
                    "notify_reviews": False,
                    "session_token": "bench-staff",
                    "created_at": NOW,
                    "password_changed_at": NOW,
                },
            )
    engine.dispose()


# Timing ----------------------------------------------------------------------------------


def app_for(url: str) -> Flask:
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",
            "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": False,
        }
    )


def signed_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": STAFF_EMAIL, "password": BENCH_PASSWORD})
    assert response.status_code == 302, f"sign-in failed: {response.status_code}"
    return client


@contextmanager
def sql_time(app: Flask) -> Iterator[list[float]]:
    """The duration of each statement the app's engine runs inside the block."""
    spent: list[float] = []
    started: list[float] = []

    def before(*_args: Any) -> None:
        started.append(time.perf_counter())

    def after(*_args: Any) -> None:
        spent.append(time.perf_counter() - started.pop())

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(share * len(ordered))) - 1)]


FIGURES = {
    "needs by month": services.needs_by_month,
    "offers, first offer, matched firms' answers": services.need_outcomes,
    "time to award": services.time_to_award,
    "how needs ended": services.fulfilment,
    "value awarded": services.awarded_value,
    "awards by countries": services.awards_by_countries,
    "competences": services.competence_balance,
    "active firms": services.active_members,
}


def measure(url: str, runs: int, explain: bool) -> None:
    name = sa.make_url(url).get_backend_name()
    app = app_for(url)
    client = signed_in(app)
    for _ in range(5):
        assert client.get(PATH).status_code == 200
    times, queries, sql = [], [], []
    for _ in range(runs):
        with sql_time(app) as spent:
            started = time.perf_counter()
            response = client.get(PATH)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        queries.append(len(spent))
        sql.append(sum(spent) * 1000)
    print(
        f"{name}: {runs} requests of {PATH}: p50 {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms; "
        f"{statistics.median(queries):.0f} queries, SQL p50 {statistics.median(sql):.1f} ms"
    )
    with app.test_request_context("/"):
        parts = []
        for label, figure in FIGURES.items():
            spent_ms = []
            for _ in range(max(5, runs // 10)):
                started = time.perf_counter()
                figure(PERIOD, Filters())
                spent_ms.append((time.perf_counter() - started) * 1000)
                db.session.remove()
            parts.append(f"{label} {statistics.median(spent_ms):.1f}")
        print("  each figure, median ms: " + ", ".join(parts))
        if explain and name == "postgresql":
            explain_queries(app)


def explain_queries(app: Flask) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every query the figures run."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        for figure in FIGURES.values():
            figure(PERIOD, Filters())
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    with db.engine.connect() as conn:
        for statement, parameters in seen:
            plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
            print("\n" + statement + "\n" + "\n".join(row[0] for row in plan))


# The period with and without each filter: both databases must give the same tables.
COMPARED = (Filters(), Filters(country="PL"), Filters(area="Security"))


def tables_of(url: str) -> dict[str, str]:
    """Every table of the page as its CSV file, for the period with each of COMPARED."""
    app = app_for(url)
    found = {}
    with app.test_request_context("/"):
        for filters in COMPARED:
            for name, table in tables.all_tables(tables.Figures(PERIOD, filters)).items():
                found[f"{name} {filters}"] = tables.as_csv(table)
        db.engine.dispose()
    return found


def compare(urls: dict[str, str]) -> int:
    """Say whether PostgreSQL and SQLite give the same tables over the same data."""
    postgresql, sqlite = tables_of(urls["postgresql"]), tables_of(urls["sqlite"])
    different = [name for name in postgresql if postgresql[name] != sqlite.get(name)]
    print(
        f"{len(postgresql)} tables compared ({len(COMPARED)} filters): "
        + (f"{len(different)} differ: {', '.join(different)}" if different else "all identical")
    )
    for name in different:
        for ours, theirs in zip(
            postgresql[name].splitlines(), sqlite[name].splitlines(), strict=False
        ):
            if ours != theirs:
                print(f"  {name}: PostgreSQL {ours!r}, SQLite {theirs!r}")
    return 1 if different else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--force-activity", action="store_true")
    parser.add_argument(
        "--compare", action="store_true", help="only compare the tables of both databases"
    )
    args = parser.parse_args(argv)
    urls = {"postgresql": POSTGRES_URL, "sqlite": SQLITE_URL}
    if args.compare:
        return compare(urls)
    for name, url in urls.items():
        if args.only and name != args.only:
            continue
        prepare(url, force=False)
        add_activity(url, args.force_activity)
        ensure_staff(url)
        settle(url)
        measure(url, args.runs, args.explain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
