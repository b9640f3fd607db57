"""The outbox: one row per e-mail, added once per recipient and subject, claimed before it is
sent, retried while the failure may pass, failed (and the address suppressed) when it will not.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from board import audit
from board.errors import DomainError
from board.extensions import db
from board.jobs import dispatch
from board.models import Notification, NotificationStatus, Suppression, User, utcnow


def queue(notifications: Sequence[Notification]) -> None:
    """Add these rows to the outbox, in the caller's transaction; they go out after its commit."""
    if not notifications:
        return
    now = utcnow()
    for notification in notifications:
        notification.next_attempt_at = unsent_after(now)
    db.session.add_all(notifications)
    db.session.flush()
    dispatch_sends([notification.id for notification in notifications])


def add_rows(rows: Sequence[dict[str, Any]]) -> None:
    """Insert outbox rows, skipping any whose (user, key) is already there."""
    if not rows:
        return
    # One statement executed for every row (so the rows of one call name the same columns):
    # compiling a VALUES list of hundreds of rows costs more than the insert itself.
    statement = _insert().on_conflict_do_nothing(index_elements=["key", "user_id"])
    defaults = new_row_values()
    db.session.execute(statement, [{**defaults, **row} for row in rows])


def _insert() -> Any:
    """An INSERT into the outbox in the dialect that knows ON CONFLICT."""
    dialect = db.session.get_bind().dialect.name  # pragma: no mutate
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert  # pragma: no mutate
    return insert(Notification.__table__)


def new_row_values() -> dict[str, Any]:
    """What every new outbox row starts with."""
    now = utcnow()
    return {
        "data": {},
        "status": NotificationStatus.PENDING,
        "attempts": 0,
        "last_error": "",
        "created_at": now,
        "next_attempt_at": unsent_after(now),
    }


def need_key(kind: str, need_id: int, round: str = "") -> str:
    """The key that sends each user one e-mail of `kind` about a need, or one per `round`
    (a reminder, once for each deadline the need has had)."""
    return f"{kind}:need:{need_id}" + (f":{round}" if round else "")


def add_need_rows(kind: str, need_id: int, user_ids: Iterable[int], round: str = "") -> list[int]:
    """One row of `kind` about a need per user (once ever, or once per `round`); the ids of
    those still pending."""
    key = need_key(kind, need_id, round)
    add_rows([{"user_id": u, "key": key, "kind": kind, "need_id": need_id} for u in user_ids])
    return pending_ids(Notification.key == key)


def pending_ids(*conditions: ColumnElement[bool]) -> list[int]:
    query = select(Notification.id).where(
        Notification.status == NotificationStatus.PENDING, *conditions
    )
    return list(db.session.scalars(query.order_by(Notification.id)))


def insert_need_rows(kind: str, need_id: int, recipients: Select[tuple[int]]) -> list[int]:
    """Insert a row of `kind` about a need for each user id `recipients` selects, in the
    database (INSERT … SELECT); return the ids of the rows this statement added."""
    table = Notification.__table__
    values = {
        "key": need_key(kind, need_id),
        "kind": kind,
        "need_id": need_id,
        **new_row_values(),
    }
    columns = [
        recipients.selected_columns[0],
        *(literal(v, table.c[k].type) for k, v in values.items()),
    ]
    statement = (
        _insert()
        .from_select(["user_id", *values], recipients.with_only_columns(*columns))
        .on_conflict_do_nothing(index_elements=["key", "user_id"])
        .returning(table.c.id)
    )
    return sorted(db.session.scalars(statement))


def dispatch_sends(ids: Sequence[int]) -> None:
    """Start `notify.send` for these rows, in batches, after the commit."""
    size = current_app.config["MAIL_BATCH_SIZE"]
    for start in range(0, len(ids), size):
        dispatch("notify.send", *ids[start : start + size])


def unsent_after(moment: datetime) -> datetime:
    """When the sweep should send a new row whose own task has not (the broker was down)."""
    return moment + timedelta(seconds=current_app.config["SWEEP_GRACE"])


def lease_end(moment: datetime) -> datetime:
    """When the sweep should hand out a pending row again if its own task has not sent it."""
    return moment + timedelta(seconds=current_app.config["MAIL_LEASE"])


def claim(ids: Sequence[int]) -> list[int]:
    """Mark pending rows as being sent; return those this delivery got (others have the rest)."""
    if not ids:
        return []
    now = utcnow()
    claimed = db.session.scalars(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.status == NotificationStatus.PENDING)
        .values(
            status=NotificationStatus.SENDING, attempts=Notification.attempts + 1, claimed_at=now
        )
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt: doubling from MAIL_RETRY_DELAY, capped, jittered."""
    config = current_app.config
    ceiling = min(config["MAIL_RETRY_MAX_DELAY"], config["MAIL_RETRY_DELAY"] * 2 ** (attempts - 1))
    # "Equal jitter": at least half the delay, so retries neither stampede nor come too soon.
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311  (timing, not secrets)


def is_suppressed(email: str) -> bool:
    return db.session.scalar(select(Suppression.id).where(Suppression.email == email)) is not None


def suppress(email: str, reason: str) -> None:
    if not is_suppressed(email):
        db.session.add(Suppression(email=email, reason=reason[:1000]))


def drop(notification: Notification) -> None:
    """Remove a row whose e-mail is no longer due (an invitation accepted meanwhile, a reset
    asked for an address that is nobody's)."""
    db.session.delete(notification)
    db.session.commit()


def finish(notification: Notification, status: NotificationStatus, error: str) -> None:
    """Release a row that was not sent, saying why (sent rows are marked by `SentMarks`)."""
    notification.status = status
    notification.last_error = error[:1000]
    notification.claimed_at = None
    db.session.commit()


def postpone(notification: Notification, error: str, count_attempt: bool = True) -> float | None:
    """Put a row back to pending for a later attempt, or fail it after the last one."""
    if not count_attempt:
        notification.attempts = max(0, notification.attempts - 1)
    if notification.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        finish(notification, NotificationStatus.FAILED, f"gave up after retries: {error}")
        return None
    delay = retry_delay(max(notification.attempts, 1))
    notification.next_attempt_at = utcnow() + timedelta(seconds=delay)
    finish(notification, NotificationStatus.PENDING, error)
    return delay


def retry(notification: Notification, actor: User) -> None:
    """Staff send a failed or suppressed e-mail again, lifting the address's suppression."""
    if notification.status not in (NotificationStatus.FAILED, NotificationStatus.SUPPRESSED):
        raise DomainError(_("Only an e-mail that failed or was not sent can be sent again."))
    address = notification.address
    db.session.execute(Suppression.__table__.delete().where(Suppression.email == address))
    notification.status = NotificationStatus.PENDING
    notification.attempts = 0
    notification.next_attempt_at = lease_end(utcnow())
    audit.record("notification.retried", notification, actor, email=address)
    dispatch_sends([notification.id])
    db.session.commit()
