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
    "MAX_CONTENT_LENGTH",
    "ATTACHMENT_MAX_BYTES",
    "ATTACHMENTS_PER_ITEM",
    "CLUSTER_TIMEZONE",
    "LOG_LEVEL",
    "MAIL_BATCH_SIZE",
    "MAIL_MAX_ATTEMPTS",
    "MAIL_RETRY_DELAY",
    "MAIL_RETRY_MAX_DELAY",
    "MAIL_LEASE",
    "SWEEP_INTERVAL",
    "SWEEP_GRACE",
    "EXPIRY_INTERVAL",
    "DIGEST_HOUR",
    "REMINDER_DAYS",
    "INVITE_RATE_LIMIT",
    "INVITE_ADDRESS_RATE_LIMIT",
    "API_RATE_LIMIT",
    "RETENTION_MAIL_DAYS",
    "RETENTION_AUDIT_DETAIL_DAYS",
    "RETENTION_OFFER_DAYS",
    "RETENTION_APPLICATION_DAYS",
    "RETENTION_INTERVAL",
)

# A production deployment must name these explicitly; embedded defaults would be wrong there.
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMTP_URL")

# The retention policy's periods, in days (0: kept for ever).
RETENTION_PERIODS = (
    "RETENTION_MAIL_DAYS",
    "RETENTION_AUDIT_DETAIL_DAYS",
    "RETENTION_OFFER_DAYS",
    "RETENTION_APPLICATION_DAYS",
)
# E-mails are kept at least this long, if not for ever: the sweep looks for a day's digest
# rows by their key until three days after the day, and would send the digest again without
# them.
RETENTION_MAIL_MIN_DAYS = 7


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
    # The largest request body, in bytes: a larger one is refused with the 413 page before
    # anything reads it. The longest form, a need of 20,000 four-byte characters, is a quarter
    # of it once encoded.
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Files on needs and offers: the largest one, in bytes, and how many one need or one offer
    # may have. A file's upload alone may be this much larger than MAX_CONTENT_LENGTH (its
    # form's other fields get a little room besides).
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    ATTACHMENTS_PER_ITEM = 5
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
    # Invitations one signed-in person may send, and one address may receive, over every
    # invitation form together (only those sent count).
    INVITE_RATE_LIMIT = "30 per hour"
    INVITE_ADDRESS_RATE_LIMIT = "3 per day"
    # Requests one API token may make (those without a valid token count per address).
    API_RATE_LIMIT = "120 per minute"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    WTF_CSRF_TIME_LIMIT = None
    SQLALCHEMY_ENGINE_OPTIONS_POOL_PRE_PING = True
    MEMBERS_PER_PAGE = 25
    NEEDS_PER_PAGE = 20
    # A search by words alone counts its needs up to this many, and says "more than" past it.
    SEARCH_COUNT_LIMIT = 1000
    AUDIT_PER_PAGE = 50
    NOTIFICATIONS_PER_PAGE = 50
    # Rendered board lists each process keeps (board/page_cache.py); 0 turns the cache off.
    PAGE_CACHE_SIZE = 256

    # E-mail delivery. A send task takes this many outbox rows over one SMTP connection: what
    # a batch costs once (task, claim, loading, connection) is then small beside its e-mails,
    # the first e-mail still leaves well within a second of an approval, and a worker killed
    # mid-batch leaves this many claimed rows per pool process to wait out MAIL_LEASE
    # (bench/README.md has the figures).
    MAIL_BATCH_SIZE = 200
    # Transient failures (4xx, connection trouble) are tried again after a delay that doubles
    # from MAIL_RETRY_DELAY up to MAIL_RETRY_MAX_DELAY, with jitter; the row fails after
    # MAIL_MAX_ATTEMPTS attempts.
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_DELAY = 30.0
    MAIL_RETRY_MAX_DELAY = 3600.0
    # A row claimed this long ago and still not sent belongs to a delivery that died: the
    # sweep hands it out again. Longer than the task time limit (see celery_settings).
    MAIL_LEASE = 600
    # The sweep runs this often (Celery beat, or `flask board sweep --every`), and leaves
    # alone what is younger than SWEEP_GRACE seconds: its own task is probably under way.
    SWEEP_INTERVAL = 60
    SWEEP_GRACE = 60
    # Open needs left without an award 30 days after their deadline are expired this often.
    EXPIRY_INTERVAL = 3600
    # Daily digests of a day's matches go out the next morning at this hour, cluster time.
    DIGEST_HOUR = 7
    # Matched firms that have not offered are reminded this many days before the deadline.
    REMINDER_DAYS = 3

    # The retention policy (board/privacy/retention.py): what the board removes once it has
    # served, each after its own number of days; 0 keeps it for ever.
    # An e-mail that ended (sent, failed, not sent) this long ago: half a year answers "did
    # they get the e-mail?" about anything still being discussed.
    RETENTION_MAIL_DAYS = 180
    # The details of an audit event (names, addresses, reasons) this long ago; the event itself
    # stays. Two years cover a dispute over a need and the cluster's yearly reports.
    RETENTION_AUDIT_DETAIL_DAYS = 730
    # The offers not accepted on a need that ended this long ago, with their files. Three
    # years: a supplier's price is confidential and loses its use long before the award's
    # record, which stays with the accepted offer.
    RETENTION_OFFER_DAYS = 1095
    # A membership application staff refused this long ago: long enough to see a firm apply
    # again, and no longer, as it names a person who never joined.
    RETENTION_APPLICATION_DAYS = 180
    # The policy is applied this often, in seconds (Celery beat; `flask board sweep` each time).
    RETENTION_INTERVAL = 3600


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings present in the environment, converted to their default's type."""
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    for name in ENVIRONMENT_SETTINGS:
        value = environ.get(name)
        if value is None or value == "":
            continue
        default = getattr(Defaults, name)
        if isinstance(default, bool | str) or default is None:
            settings[name] = value
            continue
        try:
            settings[name] = type(default)(value)
        except ValueError:
            kind = "a whole number" if isinstance(default, int) else "a number"
            raise ValueError(f"{name} must be {kind}, not {value!r}") from None
    return settings


def missing_for_production(config: Mapping[str, Any]) -> list[str]:
    """Name the settings a production deployment lacks."""
    return [name for name in REQUIRED_IN_PRODUCTION if not config.get(name)]
