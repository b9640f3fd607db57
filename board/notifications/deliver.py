"""Delivery: the `notify.send` job, which sends a batch of outbox rows over one SMTP connection.

A row is claimed (pending → sending) before SMTP is touched, so two deliveries of the same
row send it once; it is marked sent as soon as the server has taken its e-mail, so a worker
killed mid-batch re-sends at most the e-mail it had in flight.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from board.extensions import db
from board.jobs import job
from board.mail import Outcomes, Outgoing, TransientMailError, open_transport
from board.models import (
    AuditEvent,
    Member,
    Need,
    Notification,
    NotificationStatus,
    Offer,
    Suppression,
    User,
    utcnow,
)
from board.notifications.compose import BatchRow, Composer, Recipient
from board.notifications.outbox import claim, drop, finish, postpone, suppress

log = logging.getLogger(__name__)


def _by_id(model: Any, ids: set[Any], *options: Any) -> dict[int, Any]:
    ids.discard(None)
    if not ids:
        return {}
    return {
        entity.id: entity
        for entity in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))
    }


def load_batch(ids: Sequence[int]) -> list[BatchRow]:
    """Rows with their users and what they are about, in a few queries for the whole batch.

    A row and its user are read as columns: building ORM entities for them would be most of
    the batch's load (a batch's rows are all different, while its needs and firms are few).
    """
    notifications, users = Notification.__table__.c, User.__table__.c
    default_locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    found = db.session.execute(
        select(
            notifications.id,
            notifications.kind,
            notifications.user_id,
            notifications.need_id,
            notifications.offer_id,
            notifications.event_id,
            notifications.data,
            notifications.attempts,
            # A row without a user carries its own address and language.
            func.coalesce(users.email, notifications.email).label("email"),
            func.coalesce(users.name, "").label("name"),
            users.member_id,
            func.coalesce(users.locale, notifications.locale, default_locale).label("locale"),
        )
        .outerjoin_from(Notification.__table__, User.__table__, notifications.user_id == users.id)
        .where(notifications.id.in_(ids))
        .order_by(notifications.id)
    ).all()
    members = _by_id(Member, {row.member_id for row in found})
    needs = _by_id(
        Need,
        {row.need_id for row in found},
        selectinload(Need.competences),
        joinedload(Need.member),
    )
    offers = _by_id(Offer, {row.offer_id for row in found})
    events = _by_id(AuditEvent, {row.event_id for row in found})
    return [
        BatchRow(
            id=row.id,
            kind=row.kind,
            user_id=row.user_id,
            need_id=row.need_id,
            offer_id=row.offer_id,
            event_id=row.event_id,
            data=row.data,
            attempts=row.attempts,
            user=Recipient(
                id=row.user_id,
                email=row.email,
                name=row.name,
                member_id=row.member_id,
                locale=row.locale,
                member=members.get(row.member_id),
            ),
            need=needs.get(row.need_id),
            offer=offers.get(row.offer_id),
            event=events.get(row.event_id),
        )
        for row in found
    ]


def _entities(rows: Sequence[BatchRow]) -> list[Notification]:
    """The ORM entities of rows being delivered, in their order, to update them with."""
    found = {
        notification.id: notification
        for notification in db.session.scalars(
            select(Notification).where(Notification.id.in_([row.id for row in rows]))
        )
    }
    return [found[row.id] for row in rows]


@job("notify.send")
def send(*ids: int) -> float | None:
    """Deliver these outbox rows over one SMTP connection.

    Returns the delay in seconds after which rows that failed for now should be tried again
    (the worker's task retries itself then), or None when nothing is left to retry.
    """
    claimed = claim(ids)
    if not claimed:
        return None
    session = db.session()
    # A row that fails is committed at once; that commit must not expire the batch's needs,
    # offers, events and firms, or the next row would load them all again.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        return _deliver(load_batch(claimed))
    finally:
        session.expire_on_commit = expire_on_commit


def _deliver(rows: Sequence[BatchRow]) -> float | None:
    emails = {row.user.email for row in rows}
    suppressed = set(
        db.session.scalars(select(Suppression.email).where(Suppression.email.in_(emails)))
    )
    composer = Composer(rows)
    retry_in: float | None = None
    transient = ""
    with open_transport() as transport, SentMarks() as mark_sent:

        def settle(outcomes: Outcomes) -> None:
            nonlocal retry_in, transient
            for notification, error in outcomes:
                if error is None:
                    mark_sent(notification.id)
                elif isinstance(error, TransientMailError):
                    transient = str(error)
                    (entity,) = _entities([notification])
                    delay = postpone(entity, str(error))
                    if delay is not None:
                        retry_in = delay if retry_in is None else min(retry_in, delay)
                else:
                    email = notification.user.email
                    suppress(email, str(error))
                    suppressed.add(email)
                    (entity,) = _entities([notification])
                    finish(entity, NotificationStatus.FAILED, str(error))
                    log.warning("Notification %s failed for good: %s", notification.id, error)

        # The next row's e-mail is composed while the server reads the last write: it only
        # waits there, and it is written after this row's outcome is settled as before.
        composed: dict[int, EmailMessage | Outgoing | None] = {}

        def compose_ahead(position: int) -> None:
            if position < len(rows) and rows[position].user.email not in suppressed:
                try:
                    composed[position] = composer.outgoing(rows[position])
                except Exception:  # composed again in its turn, and raised there
                    log.debug("Composing notification %s ahead failed", rows[position].id)

        # Over a pipelining server a row's outcome is known when the next row goes out; the
        # row is marked sent then, before the next row's text is written.
        for position, notification in enumerate(rows):
            email = notification.user.email
            waiting = transport.waiting
            if waiting is not None and waiting.user.email == email:
                # A refusal of the address must be known before it is written to again.
                settle(transport.finish())
            if not composer.is_due(notification):
                composed.pop(position, None)
                (entity,) = _entities([notification])
                drop(entity)
                continue
            if email in suppressed:
                composed.pop(position, None)
                (entity,) = _entities([notification])
                finish(entity, NotificationStatus.SUPPRESSED, "address suppressed")
                continue
            if position in composed:
                message = composed.pop(position)
            else:
                message = composer.outgoing(notification)
            assert message is not None  # it is due
            settle(
                transport.submit(
                    notification, message, functools.partial(compose_ahead, position + 1)
                )
            )
            if getattr(transport, "connection", True) is None:
                # The server is unreachable: the rest of the batch waits with this row.
                for other in _entities(rows[position + 1 :]):
                    postpone(other, transient, count_attempt=False)
                break
        settle(transport.finish())
    return retry_in


_notifications = Notification.__table__
_MARK_SENT = (
    update(_notifications)
    .where(_notifications.c.id == bindparam("notification_id"))
    .values(
        status=NotificationStatus.SENT,
        last_error="",
        claimed_at=None,
        sent_at=bindparam("sent_at"),
        next_attempt_at=None,
    )
)


class SentMarks:
    """Commits that the server has a row's e-mail, each row on its own, as soon as it has it.

    A connection of its own in autocommit mode: each mark is one UPDATE, committed by the
    database as it runs (no BEGIN, no COMMIT, no ORM flush), before the next e-mail's text
    goes out, so a worker killed with kill -9 re-sends at most the e-mail it had in flight.
    On PostgreSQL the commit does not wait for the WAL to reach the disk (synchronous_commit
    off, for this connection while it marks): only a crash of PostgreSQL itself could lose
    the last few marks, and re-send those e-mails.
    """

    def __enter__(self) -> Callable[[int], None]:
        self.connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.postgresql = self.connection.dialect.name == "postgresql"  # pragma: no mutate
        if self.postgresql:
            self.connection.exec_driver_sql("SET synchronous_commit TO off")  # pragma: no mutate
        return self.mark

    def mark(self, notification_id: int) -> None:
        self.connection.execute(
            _MARK_SENT, {"notification_id": notification_id, "sent_at": utcnow()}
        )

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.postgresql and not self.connection.invalidated:
                # The connection goes back to the pool: it must commit as all others do.
                self.connection.exec_driver_sql("RESET synchronous_commit")  # pragma: no mutate
        finally:
            self.connection.close()
