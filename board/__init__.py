"""The cluster procurement board: a Flask application built by `create_app`."""

from __future__ import annotations

import importlib
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config
from board.extensions import babel, celery_init_app, csrf, db, login_manager

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The configuration cannot run the board (raised at start-up, never later)."""


def create_app(test_config: Mapping[str, Any] | None = None, *, web: bool = True) -> Flask:
    """Build the board: config → extensions → blueprints → errors → CLI → Celery.

    With `web=False` (the Celery worker) only what tasks use is built: no blueprints, their
    forms, the limiter, CSRF, Flask-Migrate or the CLI; the pages e-mails link to get their
    URL rules without their views, so links are built as in the web app.
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get("BOARD_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    configure(app, test_config)

    db.init_app(app)
    if web:
        from board.extensions import limiter, migrate

        migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
        login_manager.init_app(app)
        csrf.init_app(app)
        limiter.init_app(app)
    from board import i18n, jobs, page_cache, permissions
    from board import web as web_module
    from board.auth import sessions

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    sessions.init_login(login_manager)
    jobs.init_app(app)
    for name in JOB_MODULES:
        importlib.import_module(name)
    web_module.init_app(app)
    page_cache.init_app(app)
    permissions.init_app(app)

    if web:
        register_blueprints(app)
    else:
        web_module.add_linked_pages(app)

    if web:
        from board import forms
        from board.errors import register_error_handlers

        forms.init_app(app)

        register_error_handlers(app)

        from board.commands import cli

        app.cli.add_command(cli)

    celery_init_app(app, celery_settings(app.config))
    return app


def register_blueprints(app: Flask) -> None:
    """Register every feature's pages.

    A feature package makes its blueprint in its `__init__`; importing its view modules adds
    their routes to it.
    """
    for name in VIEW_MODULES:
        importlib.import_module(name)
    for feature in FEATURES:
        app.register_blueprint(importlib.import_module(f"board.{feature}").bp)


# The modules whose functions are jobs (`board.jobs.job`): the web app runs them in-process
# without a broker, and the worker's tasks call them.
JOB_MODULES = (
    "board.needs.services",
    "board.notifications.deliver",
    "board.notifications.match",
    "board.notifications.sweep",
    "board.privacy.retention",
)
FEATURES = (
    "main",
    "auth",
    "account",
    "members",
    "needs",
    "offers",
    "questions",
    "reports",
    "staff",
    "competences",
    "attachments",
    "matches",
    "statistics",
    "api",
    "feeds",
    "privacy",
)
VIEW_MODULES = (
    *(f"board.{feature}.views" for feature in FEATURES),
    "board.staff.audit",
    "board.staff.moderation",
    "board.staff.outbox",
)


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Load defaults, then the environment, then the test mapping; check and derive the rest."""
    app.config.from_object(config.Defaults)
    if test_config is None:
        try:
            app.config.update(config.from_environment())
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from exc
    else:
        app.config.update(test_config)
    production = app.config["BOARD_ENV"] == "production"
    if production and (missing := config.missing_for_production(app.config)):
        raise ConfigurationError("BOARD_ENV=production needs these settings: " + ", ".join(missing))

    instance = Path(app.instance_path)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'board.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["DATABASE_URL"])
    app.config.setdefault("MAIL_FOLDER", str(instance / "mail"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(instance)
    for name, unit in (
        ("MAX_CONTENT_LENGTH", "bytes"),
        ("ATTACHMENT_MAX_BYTES", "bytes"),
        ("ATTACHMENTS_PER_ITEM", "files"),
    ):
        limit = app.config[name]
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ConfigurationError(
                f"{name} must be a positive whole number of {unit}, not {limit!r}"
            )
    # A negative period would put the retention policy's cutoff in the future and remove
    # what was written a moment ago.
    for name in config.RETENTION_PERIODS:
        days = app.config[name]
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ConfigurationError(
                f"{name} must be a whole number of days, 0 to keep for ever, not {days!r}"
            )
    mail_days = app.config["RETENTION_MAIL_DAYS"]
    if 0 < mail_days < config.RETENTION_MAIL_MIN_DAYS:
        raise ConfigurationError(
            f"RETENTION_MAIL_DAYS must be 0 (keep for ever) or at least"
            f" {config.RETENTION_MAIL_MIN_DAYS} days, not {mail_days}"
        )
    interval = app.config["RETENTION_INTERVAL"]
    if not isinstance(interval, int | float) or isinstance(interval, bool) or interval <= 0:
        raise ConfigurationError(
            f"RETENTION_INTERVAL must be a positive number of seconds, not {interval!r}"
        )
    try:
        ZoneInfo(app.config["CLUSTER_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(f"CLUSTER_TIMEZONE: unknown time zone {exc}") from exc
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["CLUSTER_TIMEZONE"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # With Redis down, sign-in still works: limits fall back to each process's memory.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
    )
    if production:
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
        )
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_prefix=count
        )
    logging.basicConfig(level=app.config["LOG_LEVEL"])


def engine_options(url: str) -> dict[str, Any]:
    """Engine settings for the database in use."""
    if url.startswith("sqlite"):
        # Wait for a concurrent writer (the worker, a second request) instead of failing.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True}


def instance_secret_key(instance: Path) -> str:
    """Read the embedded default's secret key from the instance folder, creating it once."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(key)
        return key


def celery_settings(app_config: Mapping[str, Any]) -> dict[str, Any]:
    """Celery's settings, built afresh for each application."""
    return {
        "broker_url": app_config.get("REDIS_URL") or "memory://",
        # Tasks report through the database, never through a result backend.
        "task_ignore_result": True,
        # A message is acknowledged only when its task has finished, and a worker killed
        # mid-task gives the message back: work is repeated rather than lost, so every task
        # must be idempotent (the database row decides whether anything is left to do).
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # Redis re-delivers an unacknowledged message after the visibility timeout; a task
        # must be killed well before that, or a slow task would run twice at once.
        "task_time_limit": 300,
        "task_soft_time_limit": 240,
        "broker_transport_options": {
            "visibility_timeout": 3600,
            "socket_connect_timeout": 1,
            "socket_timeout": 5,
            # Publishing (the web request, the sweep) tries the broker twice, 0.2 s apart,
            # and then gives up: the state change is committed, and the sweep re-sends what
            # was not published. Without these, kombu retries for seconds while the user waits.
            "max_retries": 1,
            "interval_start": 0.2,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        "broker_connection_timeout": 2,
        "broker_connection_retry_on_startup": True,
        # With late acknowledgement, prefetching more than one message would hold messages
        # hostage behind a long task.
        "worker_prefetch_multiplier": 1,
        # A pool process that has grown well past what the board, SQLAlchemy and Celery take
        # is replaced after its task, so a leak cannot grow without bound.
        "worker_max_memory_per_child": 200_000,  # KiB
        "task_default_queue": "board",
        # The sweep repairs what a lost message or a dead worker left undone, and sends
        # digests and reminders; it is safe to run twice at once.
        "beat_schedule": {
            "sweep": {
                "task": "notify.sweep",
                "schedule": float(app_config.get("SWEEP_INTERVAL", 60)),
                "options": {"expires": float(app_config.get("SWEEP_INTERVAL", 60))},
            },
            "expire": {
                "task": "needs.expire",
                "schedule": float(app_config["EXPIRY_INTERVAL"]),
                "options": {"expires": float(app_config["EXPIRY_INTERVAL"])},
            },
            "retention": {
                "task": "privacy.retention",
                "schedule": float(app_config["RETENTION_INTERVAL"]),
                "options": {"expires": float(app_config["RETENTION_INTERVAL"])},
            },
        },
        "timezone": "UTC",
        "enable_utc": True,
    }
