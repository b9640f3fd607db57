"""The retention policy: what the board removes once it is no longer needed.

Each kind of record has its own period in days (`RETENTION_*_DAYS`; 0 keeps it for ever),
counted back from the moment the policy runs:

- e-mails: outbox rows that ended (sent, failed, not sent) longer ago than
  `RETENTION_MAIL_DAYS`, and the `.eml` files of the embedded default as old;
- audit events older than `RETENTION_AUDIT_DETAIL_DAYS` keep their action, target, actor and
  time, and lose their details;
- offers not accepted on needs that ended (awarded, cancelled, expired) longer ago than
  `RETENTION_OFFER_DAYS`, with what the database cascades from them: their files, the
  reports and the e-mail rows about them;
- membership applications refused longer ago than `RETENTION_APPLICATION_DAYS`.

Nothing an e-mail still to be composed reads is removed: an e-mail waiting or being sent, or
one that failed or was not sent (staff may send it again), keeps its audit event's details,
the offer it is about and the application it answers.

The sweep runs it: Celery beat publishes `privacy.retention` every `RETENTION_INTERVAL`
seconds, and `flask board sweep` runs it each time. A run is a few bulk statements in one
transaction; what it removed is logged and, when it removed anything, recorded as the audit
event `retention.applied`, whose details are the counts alone. `/staff` reads those events.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import ColumnElement, cast, delete, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import JSONB

from board import audit
from board.extensions import db
from board.jobs import job
from board.models import (
    Application,
    ApplicationStatus,
    Attachment,
    AuditEvent,
    Need,
    NeedStatus,
    Notification,
    NotificationStatus,
    Offer,
    OfferStatus,
    utcnow,
)

log = logging.getLogger(__name__)

ACTION = "retention.applied"

# What a run counts, in the order it is reported, each with the setting of its period.
KINDS = {
    "emails": "RETENTION_MAIL_DAYS",
    "email_files": "RETENTION_MAIL_DAYS",
    "audit_details": "RETENTION_AUDIT_DETAIL_DAYS",
    "offers": "RETENTION_OFFER_DAYS",
    "attachments": "RETENTION_OFFER_DAYS",
    "applications": "RETENTION_APPLICATION_DAYS",
}
LABELS = {
    "emails": _l("E-mails in the outbox, once sent, failed or not sent"),
    "email_files": _l("E-mails written as files (without a mail server)"),
    "audit_details": _l("Details of audit events (the events stay)"),
    "offers": _l("Offers not accepted, once their need ended"),
    "attachments": _l("Files of those offers"),
    "applications": _l("Membership applications, once refused"),
}

# Outbox rows whose e-mail is over.
ENDED_EMAILS = (
    NotificationStatus.SENT,
    NotificationStatus.FAILED,
    NotificationStatus.SUPPRESSED,
)
# Outbox rows whose e-mail may still be composed: waiting, being sent, or failed or not sent,
# which staff may send again.
UNSENT_EMAILS = (
    NotificationStatus.PENDING,
    NotificationStatus.SENDING,
    NotificationStatus.FAILED,
    NotificationStatus.SUPPRESSED,
)
ENDED_NEEDS = (NeedStatus.CLOSED, NeedStatus.CANCELLED, NeedStatus.EXPIRED)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cutoff(setting: str, now: datetime) -> datetime | None:
    """The instant before which what `setting` governs goes; None when it is kept for ever."""
    days = current_app.config[setting]
    return now - timedelta(days=days) if days else None


@job("privacy.retention")
def apply_retention(now: datetime | None = None) -> dict[str, int]:
    """Remove what the retention policy says has served; return how many of each kind."""
    now = now or utcnow()
    removed = dict.fromkeys(KINDS, 0)
    mail = cutoff("RETENTION_MAIL_DAYS", now)
    if mail:
        removed["emails"] = remove_emails(mail)
    if before := cutoff("RETENTION_AUDIT_DETAIL_DAYS", now):
        removed["audit_details"] = clear_audit_details(before)
    if before := cutoff("RETENTION_OFFER_DAYS", now):
        removed["offers"], removed["attachments"] = remove_offers(before)
    if before := cutoff("RETENTION_APPLICATION_DAYS", now):
        removed["applications"] = remove_applications(before)
    if mail:
        # Files cannot be put back: they go once the statements above have run, so that a
        # database that refuses them leaves the files too.
        removed["email_files"] = remove_email_files(Path(current_app.config["MAIL_FOLDER"]), mail)
    if any(removed.values()):
        # Dated by the run's `now`, as its cutoffs are.
        audit.record(ACTION, "retention", None, **removed).created_at = now
        log.info(
            "Retention removed %s e-mails and %s e-mail files, the details of %s audit events,"
            " %s offers with %s files, %s applications",
            *removed.values(),
        )
    else:
        log.debug("Retention removed nothing")
    db.session.commit()
    return removed


def remove_emails(before: datetime) -> int:
    """Delete the outbox rows whose e-mail ended before `before`; how many.

    Removing a row that ended cannot send its e-mail again, since nothing is sent because a
    row is missing: a need's match e-mails are made once, by the fan-out that marks the need
    (`needs.fanned_out_at`); reminders once per need by the marks the sweep sets on it
    (`deadline_reminded_at`, `award_reminded_at`); every other e-mail by the change it
    announces, in that change's transaction. Only a day's digests are looked for by their key
    (`digest:<day>`), for three days after the day, which is why RETENTION_MAIL_DAYS is 0 or at
    least a week (board/__init__.py refuses less).
    """
    ended = func.coalesce(Notification.sent_at, Notification.created_at)
    result = db.session.execute(
        delete(Notification)
        .where(Notification.status.in_(ENDED_EMAILS), ended < before)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def has_detail() -> ColumnElement[bool]:
    """An audit event whose details are not already empty, however the JSON was written."""
    if db.session.get_bind().dialect.name == "postgresql":
        # The column is `json`, which has no equality: compared as `jsonb`.
        return cast(AuditEvent.detail, JSONB) != literal_column("'{}'::jsonb")
    return func.json(AuditEvent.detail) != "{}"


def clear_audit_details(before: datetime) -> int:
    """Empty the details of the audit events recorded before `before`; how many had any.

    The retention's own events keep theirs: counts, which /staff adds up.
    """
    read_by_unsent = select(Notification.event_id).where(
        Notification.status.in_(UNSENT_EMAILS), Notification.event_id.is_not(None)
    )
    result = db.session.execute(
        update(AuditEvent)
        .where(
            AuditEvent.created_at < before,
            AuditEvent.action != ACTION,
            has_detail(),
            AuditEvent.id.not_in(read_by_unsent),
        )
        .values(detail={})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def remove_offers(before: datetime) -> tuple[int, int]:
    """Delete the offers not accepted on needs that ended before `before`, and with them
    (by the database's cascade) their files; how many offers, and how many files.

    The accepted offer stays: it is the record of the award.
    """
    ended_needs = select(Need.id).where(Need.status.in_(ENDED_NEEDS), Need.closed_at < before)
    read_by_unsent = select(Notification.offer_id).where(
        Notification.status.in_(UNSENT_EMAILS), Notification.offer_id.is_not(None)
    )
    doomed = (
        Offer.need_id.in_(ended_needs),
        Offer.status != OfferStatus.ACCEPTED,
        Offer.id.not_in(read_by_unsent),
    )
    files = db.session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.offer_id.in_(select(Offer.id).where(*doomed)))
    )
    result = db.session.execute(
        delete(Offer).where(*doomed).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0, files or 0


def remove_applications(before: datetime) -> int:
    """Delete the membership applications refused before `before`; how many."""
    answered_by_unsent = (
        select(AuditEvent.target_id)
        .join(Notification, Notification.event_id == AuditEvent.id)
        .where(
            AuditEvent.target_type == "application",
            AuditEvent.target_id.is_not(None),
            Notification.status.in_(UNSENT_EMAILS),
        )
    )
    result = db.session.execute(
        delete(Application)
        .where(
            Application.status == ApplicationStatus.REJECTED,
            Application.decided_at < before,
            Application.id.not_in(answered_by_unsent),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def remove_email_files(folder: Path, before: datetime) -> int:
    """Delete the `.eml` files in `folder` last written before `before`; how many."""
    limit = (before - EPOCH) // timedelta(microseconds=1) * 1000  # in nanoseconds
    removed = 0
    try:
        files = list(folder.glob("*.eml"))
    except OSError:
        return 0
    for path in files:
        try:
            if path.is_file() and path.stat().st_mtime_ns < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile by a run alongside
            continue
        except OSError as exc:  # the rest of the policy still runs
            log.warning("Retention could not remove %s: %s", path, exc)
    return removed


# What /staff shows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One kind of record: its period (0: kept for ever), what the last run that removed
    anything removed of it, and what runs removed over the last 30 days."""

    kind: str
    label: LazyString
    days: int
    last: int
    month: int


@dataclass(frozen=True)
class Summary:
    lines: list[Line]
    # When a run last removed anything (None: never).
    last_run: datetime | None


def summary(now: datetime | None = None) -> Summary:
    """The policy and what it removed: the last run that removed anything, and 30 days."""
    now = now or utcnow()
    ours = AuditEvent.action == ACTION
    last = db.session.execute(
        select(AuditEvent.created_at, AuditEvent.detail)
        .where(ours)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()
    # A run is recorded only when it removed something: a month holds a few hundred at most.
    month: Counter[str] = Counter()
    for detail in db.session.scalars(
        select(AuditEvent.detail).where(ours, AuditEvent.created_at >= now - timedelta(days=30))
    ):
        month.update(counts(detail))
    latest = counts(last.detail) if last else {}
    return Summary(
        lines=[
            Line(
                kind=kind,
                label=LABELS[kind],
                days=current_app.config[setting],
                last=latest.get(kind, 0),
                month=month[kind],
            )
            for kind, setting in KINDS.items()
        ],
        last_run=last.created_at if last else None,
    )


def counts(detail: Any) -> dict[str, int]:
    """The counts a `retention.applied` event recorded."""
    if not isinstance(detail, dict):
        return {}
    return {kind: int(detail.get(kind) or 0) for kind in KINDS}
