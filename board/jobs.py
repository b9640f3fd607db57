"""Work that leaves the request: named jobs, started after the transaction commits.

With `REDIS_URL` set, a job is published to Celery by name and a worker runs the task of that
name (see `worker/tasks.py`); without it, the job runs in-process in a fresh application
context, as the worker would run it. The board never imports the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app
from kombu.exceptions import OperationalError
from sqlalchemy import event
from sqlalchemy.orm import Session

from board.extensions import db

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# Job name → the board function that does the work; the worker's task of the same name calls it.
JOBS: dict[str, Callable[..., Any]] = {}

_PENDING = "board.jobs.pending"


def job(name: str) -> Callable[[F], F]:
    """Register a board function as the body of the task called `name`."""

    def register(func: F) -> F:
        if name in JOBS and JOBS[name] is not func:
            raise ValueError(f"job {name!r} registered twice")
        JOBS[name] = func
        return func

    return register


def dispatch(name: str, *args: int | str) -> None:
    """Start job `name` with id-like arguments when the current transaction commits.

    Call it inside the transaction that makes the job necessary, before the commit: the job
    starts only if that transaction commits, and is forgotten if it rolls back.
    """
    if name not in JOBS:
        raise KeyError(f"unknown job {name!r}")
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(_PENDING, []).append((name, args))
    else:
        start(name, args)


def start(name: str, args: tuple[int | str, ...]) -> None:
    """Publish the job to the broker, or run it here when there is no broker."""
    if current_app.config.get("REDIS_URL"):
        try:
            current_app.extensions["celery"].send_task(name, args=args, retry=False)
        except (OperationalError, OSError):
            # The state change is committed; the sweep finds what was not announced.
            log.warning("Broker unreachable; job %s%r left for the sweep", name, args)
        return
    run_in_process(name, args)


def run_in_process(name: str, args: tuple[int | str, ...]) -> None:
    """Run a job in its own application context (and so its own session), as a worker would."""
    with current_app.app_context():
        try:
            JOBS[name](*args)
        except Exception:
            db.session.rollback()
            log.exception("Job %s%r failed", name, args)


def _after_commit(session: Session) -> None:
    for name, args in session.info.pop(_PENDING, []):
        start(name, args)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _unstarted_jobs(exc: BaseException | None) -> None:
    pending = db.session().info.pop(_PENDING, None)
    if pending:
        log.error("Jobs dropped because their transaction never committed: %r", pending)
        if current_app.testing:
            raise RuntimeError(f"jobs dispatched but never committed: {pending!r}")


def init_app(app: Flask) -> None:
    """Start pending jobs when a session commits; forget them when it rolls back."""
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs before the session closes.
    app.teardown_appcontext(_unstarted_jobs)
