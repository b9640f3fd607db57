"""Configuration: scalar defaults, overridden by the environment, then by a test mapping."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

# Settings read from the environment by name. Defaults that depend on the instance folder
# (database file, secret key, mail folder) are filled in by the application factory.
ENVIRONMENT_SETTINGS = (
    "BOARD_ENV",
    "DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    "MAIL_FROM",
    "SECRET_KEY",
    "BASE_URL",
    "PROXY_COUNT",
    "CLUSTER_TIMEZONE",
    "LOG_LEVEL",
)

# A production deployment must name these explicitly; embedded defaults would be wrong there.
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMTP_URL")


class Defaults:
    """The embedded defaults: SQLite, tasks in-process, e-mails written to files."""

    BOARD_ENV = "development"
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    SMTP_URL: str | None = None
    SMTP_TIMEOUT = 30
    MAIL_FROM = "board@localhost"
    MAIL_SENDER_NAME = "Cluster procurement board"
    SECRET_KEY: str | None = None
    BASE_URL = "http://127.0.0.1:5000"
    PROXY_COUNT = 0
    # Offer deadlines end at midnight here; dates on pages are shown in this zone.
    CLUSTER_TIMEZONE = "Europe/Warsaw"
    LOG_LEVEL = "INFO"

    BABEL_DEFAULT_LOCALE = "en"

    # argon2id parameters (RFC 9106's second recommended option); tests lower them.
    PASSWORD_TIME_COST = 3
    PASSWORD_MEMORY_COST = 65536
    PASSWORD_PARALLELISM = 4
    PASSWORD_MIN_LENGTH = 10

    INVITATION_MAX_AGE = 14 * 24 * 3600
    PASSWORD_RESET_MAX_AGE = 3600

    LOGIN_RATE_LIMIT = "10 per minute"
    PASSWORD_RESET_RATE_LIMIT = "5 per hour"
    APPLY_RATE_LIMIT = "10 per hour"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    WTF_CSRF_TIME_LIMIT = None
    SQLALCHEMY_ENGINE_OPTIONS_POOL_PRE_PING = True
    MEMBERS_PER_PAGE = 25
    NEEDS_PER_PAGE = 20
    AUDIT_PER_PAGE = 50


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings present in the environment, converted to their default's type."""
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    for name in ENVIRONMENT_SETTINGS:
        value = environ.get(name)
        if value is None or value == "":
            continue
        default = getattr(Defaults, name)
        settings[name] = int(value) if isinstance(default, int) else value
    return settings


def missing_for_production(config: Mapping[str, Any]) -> list[str]:
    """Name the settings a production deployment lacks."""
    return [name for name in REQUIRED_IN_PRODUCTION if not config.get(name)]
