"""Profile one board page in-process with pyinstrument, signed in as the bench user.

    flock /tmp/bench.lock .venv/bin/python -m bench.web_profile /needs [--requests 50] [--sql]

Uses the `bench` PostgreSQL database and the settings of bench/web.py. `--sql` counts the
queries and their time per request instead of profiling.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from pyinstrument import Profiler
from sqlalchemy import event

from bench.data import BENCH_EMAIL, BENCH_PASSWORD, POSTGRES_URL
from bench.web import CSRF, USER_AGENT
from board import create_app
from board.extensions import db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--sql", action="store_true", help="count queries instead")
    parser.add_argument("--no-cache", action="store_true", help="PAGE_CACHE_SIZE 0")
    args = parser.parse_args(argv)
    os.environ.pop("REDIS_URL", None)
    app = create_app(
        {
            "DATABASE_URL": POSTGRES_URL,
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",
            "NEEDS_PER_PAGE": 50,
            "PAGE_CACHE_SIZE": 0 if args.no_cache else 256,
        }
    )
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/login", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD, "csrf_token": token}
    )
    assert client.get(args.path).status_code == 200
    for _ in range(5):
        client.get(args.path)
    if args.sql:
        statements: list[tuple[float, str]] = []
        with app.app_context():
            engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
            conn.info["started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
            statements.append((time.perf_counter() - conn.info["started"], statement))

        started = time.perf_counter()
        for _ in range(args.requests):
            client.get(args.path)
        total = (time.perf_counter() - started) / args.requests * 1000
        sql = sum(t for t, _ in statements) / args.requests * 1000
        print(
            f"{args.path}: {total:.1f} ms per request, {len(statements) / args.requests:.1f} "
            f"queries taking {sql:.1f} ms"
        )
        for elapsed, statement in statements[: len(statements) // args.requests]:
            print(f"  {elapsed * 1000:6.2f} ms  {' '.join(statement.split())[:150]}")
        return 0
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.requests):
        client.get(args.path)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
