"""Fixtures after flaskr's (`app`, `client`, `runner`, `auth`), on real services.

Every test that takes `app` runs once on SQLite and once on PostgreSQL (choose with
BOARD_TEST_DATABASES=sqlite or =postgresql). E-mail goes to a real SMTP server on loopback;
tests marked `worker` publish to a real Redis and a real `celery worker` subprocess runs the
tasks. A service that does not answer fails the test: nothing is skipped.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text
from werkzeug.test import TestResponse

from board import create_app
from board.competences.services import load_taxonomy
from board.extensions import db
from tests.mailbox import Mailbox, SMTPServer

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-secret-key-not-for-production"
# Under `pytest -n N` each test process is named gw0, gw1, …; it gets its own PostgreSQL
# database and its own Redis databases, so processes never see each other's rows or queues.
PROCESS = os.environ.get("PYTEST_XDIST_WORKER", "")
SLOT = int(PROCESS.removeprefix("gw")) + 1 if PROCESS else 0
MAX_PROCESSES = 4
_POSTGRES = make_url(
    os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
)
POSTGRES_URL = _POSTGRES.set(
    database=f"{_POSTGRES.database}_{PROCESS}" if PROCESS else _POSTGRES.database
).render_as_string(hide_password=False)
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
# Each database backend has its own worker, so each has its own Redis database; a third is
# scratch space for tests that need a Redis of their own (`scratch_redis_url`). Redis has 16.
REDIS_DB = {"sqlite": 13 - 3 * SLOT, "postgresql": 14 - 3 * SLOT}
SCRATCH_REDIS_DB = 12 - 3 * SLOT
BACKENDS = tuple(
    name.strip()
    for name in os.environ.get("BOARD_TEST_DATABASES", "sqlite,postgresql").split(",")
    if name.strip()
)
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def pytest_configure(config: pytest.Config) -> None:
    unknown = set(BACKENDS) - set(REDIS_DB)
    if unknown:
        raise pytest.UsageError(f"unknown BOARD_TEST_DATABASES: {', '.join(sorted(unknown))}")
    if SLOT > MAX_PROCESSES:
        raise pytest.UsageError(f"at most {MAX_PROCESSES} test processes share one Redis")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run a test marked `one_database` on the first database only."""
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        backend = params.params.get("app", BACKENDS[0]) if params else BACKENDS[0]
        other = item.get_closest_marker("one_database") and backend != BACKENDS[0]
        (dropped if other else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _no_mail_to_the_world(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that would open an SMTP connection to a host other than loopback."""
    connect = smtplib.SMTP.connect

    def guarded(self: smtplib.SMTP, host: str = "localhost", port: int = 0, **kw: Any) -> Any:
        if host not in LOOPBACK:
            pytest.fail(f"a test tried to send e-mail to {host}:{port}")
        return connect(self, host, port, **kw)

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server: SMTPServer) -> Mailbox:
    """The messages the SMTP server received during this test."""
    return smtp_server.mailbox


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One database per backend for the session, migrated from empty by the committed migrations."""
    urls = {
        "sqlite": f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'board.sqlite'}",
        "postgresql": POSTGRES_URL,
    }
    if "postgresql" in BACKENDS:
        create_database(POSTGRES_URL)
    for backend in BACKENDS:
        if backend == "sqlite":
            shutil.copyfile(migrated_sqlite(tmp_path_factory), make_url(urls[backend]).database)
            continue
        app = create_app(base_config(urls[backend], tmp_path_factory.mktemp("mail")))
        with app.app_context():
            db.session.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
            upgrade()
            db.engine.dispose()
    return urls


def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated from empty by the committed migrations, made once for each
    version of them and kept in the temporary directory, where every session copies it (a run
    of one test, as mutation testing makes many of, then skips the migrations)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations").rglob("*.py")):
        digest.update(path.read_bytes())
    template = Path(tempfile.gettempdir()) / f"board-tests-{digest.hexdigest()[:16]}.sqlite"
    if not template.exists():
        building = tmp_path_factory.mktemp("template") / "board.sqlite"
        app = create_app(base_config(f"sqlite:///{building}", building.parent / "mail"))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        os.replace(building, template)  # whole or not at all, for test processes alongside
    return template


def create_database(url: str) -> None:
    """Create the PostgreSQL database `url` names, when it is missing."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                name = connection.dialect.identifier_preparer.quote(target.database)
                connection.execute(text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()


def scratch_redis_url() -> str:
    """A Redis database of this test process's own, for tests that start their own servers."""
    return f"{REDIS_BASE}/{SCRATCH_REDIS_DB}"


def base_config(database_url: str, mail_folder: Path, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "MAIL_FOLDER": str(mail_folder),
        "RATELIMIT_STORAGE_URI": "memory://",
        # Cheap hashes keep the suite fast; production uses the defaults in config.py.
        "PASSWORD_TIME_COST": 1,
        "PASSWORD_MEMORY_COST": 8,
        "PASSWORD_PARALLELISM": 1,
        # Retries come in fractions of a second, so tests can watch them happen.
        "MAIL_RETRY_DELAY": 0.05,
        "MAIL_RETRY_MAX_DELAY": 0.2,
        **extra,
    }


def reset_database(backend: str) -> None:
    """Empty every table and load the taxonomy again."""
    tables = db.metadata.sorted_tables
    if backend == "postgresql":
        names = ", ".join(table.name for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()
    load_taxonomy()


@dataclass
class Worker:
    """A `celery -A worker worker` subprocess for one backend."""

    backend: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    log: Any = field(default=None, repr=False)

    def start(self, timeout: float = 60) -> None:
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "worker",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while b" ready." not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{self.output()}")
            time.sleep(0.1)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.log:
            self.log.close()


@pytest.fixture(scope="session")
def workers(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer
) -> Iterator[dict[str, Worker]]:
    """Workers started on demand, one per backend, stopped at the end of the session."""
    started: dict[str, Worker] = {}
    yield started
    for worker in started.values():
        worker.stop()


def redis_url(backend: str) -> str:
    return f"{REDIS_BASE}/{REDIS_DB[backend]}"


def ensure_worker(
    backend: str, url: str, workers: dict[str, Worker], smtp: SMTPServer, folder: Path
) -> Worker:
    if backend in workers and workers[backend].process.poll() is None:  # type: ignore[union-attr]
        return workers[backend]
    broker = redis.Redis.from_url(redis_url(backend), socket_connect_timeout=2)
    broker.ping()  # Redis must answer: a missing service fails the test.
    broker.flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url(backend),
        "SMTP_URL": smtp.url,
        "SECRET_KEY": SECRET_KEY,
        "BOARD_INSTANCE_PATH": str(folder),
        "BASE_URL": "http://board.test",
        "MAIL_RETRY_DELAY": "0.05",
        "MAIL_RETRY_MAX_DELAY": "0.2",
    }
    worker = Worker(backend, env, folder / "worker.log")
    worker.start()
    workers[backend] = worker
    return worker


class SharedTemplateCache(jinja2.BytecodeCache):
    """Compiled templates shared by the apps of all tests, so each app need not compile them.

    A template whose source changed is compiled again: its checksum no longer matches.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = SharedTemplateCache()


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """Settings a test module adds to the app's configuration (override it in the module)."""
    return {}


@pytest.fixture(params=BACKENDS)
def app(
    request: pytest.FixtureRequest,
    database_urls: dict[str, str],
    smtp_server: SMTPServer,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    app_settings: dict[str, Any],
) -> Iterator[Flask]:
    backend: str = request.param
    extra: dict[str, Any] = {
        "SMTP_URL": smtp_server.url,
        "BASE_URL": "http://board.test",
        **app_settings,
    }
    if request.node.get_closest_marker("worker"):
        workers = request.getfixturevalue("workers")
        folder = tmp_path_factory.mktemp(f"worker-{backend}")
        ensure_worker(backend, database_urls[backend], workers, smtp_server, folder)
        extra["REDIS_URL"] = redis_url(backend)
    app = create_app(base_config(database_urls[backend], tmp_path / "mail", **extra))
    app.config["BACKEND"] = backend
    app.jinja_env.bytecode_cache = TEMPLATES
    with app.app_context():
        reset_database(backend)
    smtp_server.mailbox.clear()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, page: str) -> str:
    """The CSRF token from a form on `page`, as a browser would have it."""
    response = client.get(page)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page} (status {response.status_code})"
    return match.group(1)


def submit(
    client: FlaskClient,
    path: str,
    data: dict[str, Any] | None = None,
    form_page: str | None = None,
    **kwargs: Any,
) -> TestResponse:
    """POST a form the way a browser does: with the token of the page that shows it."""
    payload = {"csrf_token": csrf_token(client, form_page or path), **(data or {})}
    return client.post(path, data=payload, **kwargs)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str, **extra: Any) -> TestResponse:
        return submit(self.client, "/login", {"email": email, "password": password, **extra})

    def logout(self) -> TestResponse:
        return submit(self.client, "/logout", form_page="/account")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
