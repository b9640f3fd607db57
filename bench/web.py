"""Requests per second and latency of the board's pages, against a WSGI hello world, with wrk.

    flock /tmp/bench.lock .venv/bin/python -m bench.web [--connections 32] [--duration 10]

Needs the data set (`python -m bench.data`) and wrk (`apt-get install -y wrk`). Starts
gunicorn the way `make stack` does (`gunicorn --workers 2 --bind … wsgi:app`, sync workers),
first on bench/web_hello.py (raw WSGI), then on bench/web_flask_hello.py (Flask, one route,
nothing else: the framework's own share), then on bench/web_flask_query.py (Flask and
Flask-SQLAlchemy, one query and a small template per request: the least a page that reads
the database costs), then on the board against the `bench` PostgreSQL database; signs in
once as the requester of the need with 20 offers, and runs wrk on each page with that
session cookie; `--extra /healthz` adds the board's health check (one query, no session).
Every figure comes from the same run, so the ratios to the hello world and to the one-query
page hold even though the shared machine's absolute speed moves.

Settings of the board under test: BOARD_ENV=development, because production sets secure
cookies that wrk over plain HTTP would not get back; the development settings differ from
production only in that and in the embedded defaults that are unused here (no debug, no
reloader: gunicorn runs `wsgi:app`). LOG_LEVEL=WARNING as in production; REDIS_URL unset (the
pages measured enqueue nothing); no access log for either server (`--access-log` adds one).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bench.data import BENCH_EMAIL, BENCH_PASSWORD, NEEDS, POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
USER_AGENT = "bench-web/1"  # the same for sign-in and wrk: sessions are bound to it
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# A typical board search: a word from many titles, one competence.
SEARCH = "/needs?q=platform&competence=python"
SHOWCASE_NEED = 1


@dataclass
class Result:
    name: str
    path: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn, started in its own process group and stopped by its pid."""

    def __init__(self, app: str, workers: int, access_log: bool, env: dict[str, str]) -> None:
        self.port = free_port()
        command = [GUNICORN, "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"]
        if access_log:
            command += ["--access-logfile", "-"]
        self.process = subprocess.Popen(
            [*command, app],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE if not access_log else subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn {app} stopped at start-up")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn {app} did not start listening")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, args: argparse.Namespace, cookie: str | None, warm: bool = True) -> Result:
    headers = ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    # A 10 s timeout, not wrk's 2 s: a slow page should show as latency, not vanish as errors.
    base = ["wrk", f"-t{args.threads}", f"-c{args.connections}", "--timeout", "10s", *headers]
    if warm:
        subprocess.run([*base, "-d2s", url], check=True, capture_output=True)
    out = subprocess.run(
        [*base, f"-d{args.duration}s", "--latency", url], check=True, capture_output=True, text=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = "; ".join(
        line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line
    )
    path = urllib.parse.urlsplit(url)
    return Result("", path.path + (f"?{path.query}" if path.query else ""), rps, p50, p99, errors)


def sign_in(base: str) -> tuple[str, urllib.request.OpenerDirector]:
    """Sign in through the form, as a browser does; return the Cookie header and the opener."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    form = {"email": BENCH_EMAIL, "password": BENCH_PASSWORD, "csrf_token": token}
    opener.open(f"{base}/login", data=urllib.parse.urlencode(form).encode()).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "session")
    if not cookie:
        raise SystemExit("signing in gave no session cookie")
    return cookie, opener


def check_pages(base: str, opener: urllib.request.OpenerDirector, pages: dict[str, str]) -> None:
    """Each page answers 200 to the signed-in user and shows what it should."""
    expected = {
        "board": ('class="need-row"', 50),
        "need": ('class="offer"', 20),
        "search": ('class="need-row"', 1),
    }
    for name, path in pages.items():
        with opener.open(base + path) as response:
            body = response.read().decode()
            if response.status != 200 or response.url != base + path:
                raise SystemExit(f"{path}: {response.status} at {response.url}")
        marker, least = expected.get(name, ("", 0))
        found = body.count(marker)
        if found < least:
            raise SystemExit(f"{path}: {found} × {marker}, expected at least {least}")
        print(f"  {name:7} {path}: {len(body):,} bytes, {found} × {marker}")


def board_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SMTP_URL", "FLASK_DEBUG")}
    env.update(
        BOARD_ENV="development",
        DATABASE_URL=POSTGRES_URL,
        LOG_LEVEL="WARNING",
        SECRET_KEY="bench-secret-key",
    )
    return env


def table(results: list[Result], hello: float, one_query: float) -> str:
    lines = [
        f"{'page':8} {'path':38} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'× hello':>8} "
        f"{'× 1 query':>9}",
    ]
    for r in results:
        lines.append(
            f"{r.name:8} {r.path[:38]:38} {r.requests_per_second:8.0f} {r.p50_ms:8.1f} "
            f"{r.p99_ms:8.1f} {r.requests_per_second / hello:8.2f} "
            f"{r.requests_per_second / one_query:9.2f}" + (f"  ({r.errors})" if r.errors else "")
        )
    return "\n".join(lines)


def reference(name: str, app: str, args: argparse.Namespace, env: dict[str, str]) -> Result:
    """wrk on `/` of `app`, served by gunicorn as the board is, then stopped."""
    server = Server(app, args.workers, args.access_log, env)
    try:
        result = wrk(server.base + "/", args, None)
    finally:
        server.stop()
    result.name = name
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--access-log", action="store_true", help="gunicorn access log on")
    parser.add_argument("--only", nargs="*", choices=("board", "need", "search"))
    parser.add_argument(
        "--page-cache-size",
        type=int,
        help="PAGE_CACHE_SIZE of the board (0: every request renders the list)",
    )
    parser.add_argument(
        "--extra", nargs="*", default=[], metavar="PATH", help="more paths, e.g. /healthz"
    )
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk (sudo where not root)")
    engine = sa.create_engine(POSTGRES_URL)
    with engine.connect() as conn:
        if (conn.scalar(sa.text("SELECT count(*) FROM needs")) or 0) < NEEDS:
            raise SystemExit("the bench database is not loaded: python -m bench.data")
    engine.dispose()

    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s; gunicorn -w {args.workers}"
    )
    hello_env = {k: v for k, v in os.environ.items() if k != "FLASK_DEBUG"}
    hello = reference("hello", "bench.web_hello:app", args, hello_env)
    # The framework's own ceiling: Flask with one route, nothing else.
    flask_hello = reference("flask", "bench.web_flask_hello:app", args, hello_env)
    # A page that reads the database and does nothing else: the ceiling for the board's pages.
    one_query = reference("1 query", "bench.web_flask_query:app", args, hello_env)

    pages = {"board": "/needs", "need": f"/needs/{SHOWCASE_NEED}", "search": SEARCH}
    if args.only:
        pages = {name: path for name, path in pages.items() if name in args.only}
    pages.update({path: path for path in args.extra})
    environment = board_environment()
    if args.page_cache_size is not None:
        environment["PAGE_CACHE_SIZE"] = str(args.page_cache_size)
    server = Server("bench.web_app:app", args.workers, args.access_log, environment)
    results = [hello, flask_hello, one_query]
    try:
        cookie, opener = sign_in(server.base)
        check_pages(server.base, opener, pages)
        for name, path in pages.items():
            result = wrk(server.base + path, args, cookie)
            result.name = name
            results.append(result)
    finally:
        server.stop()

    # The hello world again: if the machine's speed moved during the run, it shows here.
    again = reference("hello", "bench.web_hello:app", args, hello_env)
    results.append(again)
    ceiling = (hello.requests_per_second + again.requests_per_second) / 2
    print(table(results, ceiling, one_query.requests_per_second))
    print(f"ratios against the mean of the two hello-world runs, {ceiling:.0f} req/s, and")
    print(f"against the page with one query and nothing else, {one_query.requests_per_second:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
