"""Who hears about what, and the outbox that makes each e-mail go out once.

1. A service that changes state calls one of the announcing functions below inside its own
   transaction. For a single e-mail per person (need approved, offer received…) they add one
   Notification row per recipient; when a need opens they record its matches (`NeedMatch`, the
   firms and competences as they are at that moment) and leave `Need.fanned_out_at` empty.
2. After the commit the `notify.fan_out` job turns the matches into rows for the users who
   want instant e-mails, and `notify.send` jobs deliver rows in batches over one SMTP
   connection each. A row is claimed (pending → sending) before SMTP is touched, so two
   deliveries of the same row send it once.
3. The sweep (`notify.sweep`, every minute) repairs what a lost message, a dead worker or a
   broker outage left behind, and sends digests and reminders. Everything it does is keyed by
   a unique row or a conditional UPDATE, so two sweeps at once do no harm.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import select as select_module
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any

import psycopg
from flask import current_app, render_template
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, Signer, URLSafeSerializer
from itsdangerous.encoding import base64_encode
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, Select, and_, bindparam, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from board import audit
from board.errors import DomainError
from board.extensions import db
from board.jobs import dispatch, job
from board.mail import (
    Outcomes,
    Outgoing,
    TransientMailError,
    build_message,
    build_outgoing,
    compose,
    open_transport,
)
from board.models import (
    Application,
    AuditEvent,
    Competence,
    Member,
    MemberStatus,
    Need,
    NeedMatch,
    NeedStatus,
    Notification,
    NotificationStatus,
    NotifyMode,
    Offer,
    OfferStatus,
    Suppression,
    User,
    member_competences,
    need_competences,
    user_competences,
    utcnow,
)
from board.web import external_url

log = logging.getLogger(__name__)

# Kind → subject; the body is the template pair templates/email/<kind>.txt and .html.
SUBJECTS = {
    "need_match": _l("A new need matches your firm: %(title)s"),
    "digest": _l("Needs that matched your firm on %(title)s"),
    "deadline_reminder": _l("Offers close soon: %(title)s"),
    "award_reminder": _l("Offers have closed: award or cancel %(title)s"),
    "need_approved": _l("Your need is published: %(title)s"),
    "need_rejected": _l("Your need was not accepted: %(title)s"),
    "need_changes_requested": _l("Changes requested to your need: %(title)s"),
    "offer_received": _l("New offer on your need: %(title)s"),
    "offer_accepted": _l("Your offer was accepted: %(title)s"),
    "offer_declined": _l("Your offer was declined: %(title)s"),
    "need_cancelled": _l("A need you offered on was cancelled: %(title)s"),
    "need_awarded": _l("A need you offered on was awarded to another firm: %(title)s"),
    "need_hidden": _l("Your need was hidden by the cluster staff: %(title)s"),
    "offer_hidden": _l("Your offer was hidden by the cluster staff: %(title)s"),
    "need_submitted": _l("A need waits for your review: %(title)s"),
    "application_submitted": _l("A firm applies to join the board: %(title)s"),
}

# E-mails a user chose to receive about needs; they carry a one-click unsubscribe link.
SUBSCRIBED_KINDS = frozenset({"need_match", "digest", "deadline_reminder"})

UNSUBSCRIBE_SALT = "unsubscribe"


# Single e-mails about an event ------------------------------------------------------------


def active_users(members: Iterable[Member]) -> list[User]:
    """The users of these firms who can sign in, each once."""
    seen: dict[int, User] = {}
    for member in members:
        for user in member.users:
            if user.is_active:
                seen.setdefault(user.id, user)
    return list(seen.values())


def announce(
    event: AuditEvent,
    kind: str,
    users: Iterable[User],
    need: Need | None = None,
    offer: Offer | None = None,
) -> int:
    """Queue one e-mail of `kind` per user about `event`; they go out after the commit."""
    if kind not in SUBJECTS:
        raise KeyError(f"unknown notification kind {kind!r}")
    added = []
    for user in users:
        if not user.is_active:
            continue
        notification = Notification(
            user=user,
            key=f"{kind}:event:{event.id}",
            event=event,
            kind=kind,
            need=need,
            offer=offer,
            next_attempt_at=_unsent_after(utcnow()),
        )
        db.session.add(notification)
        added.append(notification)
    if added:
        db.session.flush()
        dispatch_sends([n.id for n in added])
    return len(added)


def need_opened(need: Need, event: AuditEvent) -> None:
    """A need was approved and is open: tell its author, and record who it matches."""
    announce(event, "need_approved", [need.author] if need.author else [], need=need)
    record_matches(need)
    dispatch("notify.fan_out", need.id)


def need_rejected(need: Need, event: AuditEvent) -> None:
    announce(event, "need_rejected", [need.author] if need.author else [], need=need)


def need_changes_requested(need: Need, event: AuditEvent) -> None:
    announce(event, "need_changes_requested", [need.author] if need.author else [], need=need)


def offer_received(offer: Offer, event: AuditEvent) -> None:
    """Tell the requester firm's users that an offer arrived."""
    announce(
        event, "offer_received", active_users([offer.need.member]), need=offer.need, offer=offer
    )


def offer_decided(offer: Offer, event: AuditEvent) -> None:
    """Tell the supplier firm's users that their offer was accepted or declined."""
    kind = "offer_accepted" if offer.status == OfferStatus.ACCEPTED else "offer_declined"
    announce(event, kind, active_users([offer.member]), need=offer.need, offer=offer)


def need_cancelled(need: Need, event: AuditEvent, offers: Iterable[Offer]) -> None:
    """Tell every firm that had offered that the need is cancelled."""
    announce(event, "need_cancelled", active_users(o.member for o in offers), need=need)


def need_awarded(need: Need, event: AuditEvent, losing_offers: Iterable[Offer]) -> None:
    """Tell every other firm that had offered that the need went to someone else."""
    announce(event, "need_awarded", active_users(o.member for o in losing_offers), need=need)


def staff_reviewers() -> list[User]:
    """Staff who want an e-mail when something waits for their review."""
    query = select(User).where(
        User.is_staff.is_(True), User.active.is_(True), User.notify_reviews.is_(True)
    )
    return [user for user in db.session.scalars(query) if user.is_active]


def need_submitted(need: Need, event: AuditEvent) -> None:
    """Tell the reviewing staff that a need waits for them."""
    announce(event, "need_submitted", staff_reviewers(), need=need)


def application_submitted(application: Application, event: AuditEvent) -> None:
    """Tell the reviewing staff that a firm applied."""
    announce(event, "application_submitted", staff_reviewers())


def need_hidden(need: Need, event: AuditEvent) -> None:
    """Tell the requester firm that staff hid its need, and why."""
    announce(event, "need_hidden", active_users([need.member]), need=need)


def offer_hidden(offer: Offer, event: AuditEvent) -> None:
    """Tell the supplier firm that staff hid its offer, and why."""
    announce(event, "offer_hidden", active_users([offer.member]), need=offer.need, offer=offer)


# Matching ---------------------------------------------------------------------------------


def record_matches(need: Need) -> list[NeedMatch]:
    """Record the active firms, other than the requester, sharing a competence with the need.

    The score is the share of the need's competences the firm covers. This runs in the
    transaction that opens the need, so the matches are the competences as they were then.
    """
    wanted = {competence.id for competence in need.competences}
    if not wanted:
        return []
    pairs = db.session.execute(
        select(member_competences.c.member_id, member_competences.c.competence_id)
        .join(Member, Member.id == member_competences.c.member_id)
        .where(
            member_competences.c.competence_id.in_(wanted),
            Member.status == MemberStatus.ACTIVE,
            Member.id != need.member_id,
        )
    ).all()
    shared: dict[int, list[int]] = defaultdict(list)
    for member_id, competence_id in pairs:
        shared[member_id].append(competence_id)
    existing = set(
        db.session.scalars(select(NeedMatch.member_id).where(NeedMatch.need_id == need.id))
    )
    matches = [
        NeedMatch(
            need_id=need.id,
            member_id=member_id,
            score=len(ids) / len(wanted),
            competence_ids=sorted(ids),
        )
        for member_id, ids in shared.items()
        if member_id not in existing
    ]
    db.session.add_all(matches)
    return matches


def _filter_allows(need_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    """A user without a personal competence filter, or whose filter shares one with the need.

    Both are IN over a set the database builds once (a hashed subplan), not EXISTS: inside an
    OR, a correlated EXISTS runs once per user, and without fresh statistics PostgreSQL ran it
    as a scan of the whole table each time (1 s for 10,000 users, before the first e-mail).
    """
    filtered = select(user_competences.c.user_id)
    overlapping = select(user_competences.c.user_id).where(
        user_competences.c.competence_id.in_(
            select(need_competences.c.competence_id).where(need_competences.c.need_id == need_id)
        )
    )
    # user_id is never NULL, so NOT IN means what NOT EXISTS would.
    return or_(User.id.not_in(filtered), User.id.in_(overlapping))


def _reachable() -> ColumnElement[bool]:
    """Users who can sign in, of firms that are active."""
    return and_(
        User.active.is_(True),
        User.password_hash.is_not(None),
        Member.status == MemberStatus.ACTIVE,
    )


def match_recipients(need_id: int, modes: Sequence[NotifyMode]) -> list[int]:
    """Ids of the users of the need's matched firms who asked for these kinds of e-mail."""
    return list(db.session.scalars(match_recipients_query(need_id, modes)))


def match_recipients_query(need_id: int, modes: Sequence[NotifyMode]) -> Select[tuple[int]]:
    """The ids of the users of the need's matched firms who asked for these kinds of e-mail."""
    return (
        select(User.id)
        .join(Member, Member.id == User.member_id)
        .join(NeedMatch, NeedMatch.member_id == Member.id)
        .where(
            NeedMatch.need_id == need_id,
            _reachable(),
            User.notify.in_(modes),
            _filter_allows(need_id),
        )
        .order_by(User.id)
    )


def add_rows(rows: Sequence[dict[str, Any]]) -> None:
    """Insert outbox rows, skipping any whose (user, key) is already there."""
    defaults = {"event_id": None, "need_id": None, "offer_id": None, **_new_row_values()}
    if not rows:
        return
    # One statement executed for every row: compiling a 500-row VALUES list cost more than
    # the insert itself.
    statement = _insert().on_conflict_do_nothing(index_elements=["key", "user_id"])
    db.session.execute(statement, [{**defaults, **row} for row in rows])


def _insert() -> Any:
    """An INSERT into the outbox in the dialect that knows ON CONFLICT."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(Notification.__table__)


def _new_row_values() -> dict[str, Any]:
    """What every new outbox row starts with."""
    now = utcnow()
    return {
        "data": {},
        "status": NotificationStatus.PENDING,
        "attempts": 0,
        "last_error": "",
        "created_at": now,
        "next_attempt_at": _unsent_after(now),
    }


def need_key(kind: str, need_id: int) -> str:
    return f"{kind}:need:{need_id}"


def add_need_rows(kind: str, need_id: int, user_ids: Iterable[int]) -> list[int]:
    """One row of `kind` about a need per user (once ever); the ids of those still pending."""
    key = need_key(kind, need_id)
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
        **_new_row_values(),
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


@job("notify.fan_out")
def fan_out(need_id: int) -> int:
    """Turn an open need's matches into one e-mail per instant user; return how many rows."""
    need = db.session.get(Need, need_id)
    if need is None or need.fanned_out_at is not None:
        return 0
    dispatched: list[int] = []
    count = 0
    if need.status == NeedStatus.OPEN:
        recipients = match_recipients_query(need_id, [NotifyMode.INSTANT])
        # The first batch is committed and handed out on its own, so its e-mails go out while
        # the rows of everyone else are inserted. Any users will do for it: unordered, the
        # database stops at the first few instead of sorting every match (~50 ms for 10,000).
        first = recipients.order_by(None).limit(current_app.config["MAIL_BATCH_SIZE"])
        dispatched = insert_need_rows("need_match", need_id, first)
        dispatch_sends(dispatched)
        db.session.commit()
        count = len(dispatched) + len(insert_need_rows("need_match", need_id, recipients))
    # Whoever sets the mark dispatches the rest, including rows that an earlier fan-out, which
    # died before the mark, left pending; a fan-out running twice at once sends nothing twice.
    marked = db.session.execute(
        update(Need)
        .where(Need.id == need_id, Need.fanned_out_at.is_(None))
        .values(fanned_out_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount == 1:
        pending = pending_ids(Notification.need_id == need_id, Notification.kind == "need_match")
        started = set(dispatched)
        dispatch_sends([i for i in pending if i not in started])
    db.session.commit()
    log.info("Need %s matched %s users", need_id, count)
    return count


# Delivery ---------------------------------------------------------------------------------


def dispatch_sends(ids: Sequence[int]) -> None:
    """Start `notify.send` for these rows, in batches, after the commit."""
    size = current_app.config["MAIL_BATCH_SIZE"]
    for start in range(0, len(ids), size):
        dispatch("notify.send", *ids[start : start + size])


def _unsent_after(moment: datetime) -> datetime:
    """When the sweep should send a new row whose own task has not (the broker was down)."""
    return moment + timedelta(seconds=current_app.config["SWEEP_GRACE"])


def _sweep_after(moment: datetime) -> datetime:
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
            status=NotificationStatus.SENDING,
            attempts=Notification.attempts + 1,
            claimed_at=now,
            next_attempt_at=_sweep_after(now),
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


def _finish(notification: Notification, status: NotificationStatus, error: str = "") -> None:
    notification.status = status
    notification.last_error = error[:1000]
    notification.claimed_at = None
    if status == NotificationStatus.SENT:
        notification.sent_at = utcnow()
        notification.next_attempt_at = None
    db.session.commit()


@dataclass(slots=True, eq=False)
class Recipient:
    """The user of a row being delivered: the columns its e-mail reads, and their firm."""

    id: int
    email: str
    name: str
    member_id: int | None
    locale: str
    member: Member | None

    @property
    def display_name(self) -> str:
        return self.name or self.email


@dataclass(slots=True, eq=False)
class BatchRow:
    """An outbox row being delivered, read as plain columns rather than as an ORM entity.

    It carries what composing and delivering read: the row's own columns, its user as a
    `Recipient`, and the need, offer and event it is about (ORM entities, shared by the
    batch's rows). A row whose delivery fails is updated through its entity (`_entities`).
    """

    id: int
    kind: str
    user_id: int
    need_id: int | None
    offer_id: int | None
    event_id: int | None
    data: dict[str, Any]
    attempts: int
    user: Recipient
    need: Need | None
    offer: Offer | None
    event: AuditEvent | None


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

    A row and its user are read as columns: building their ORM entities was most of the
    batch's load (a batch's rows are all different, while its needs and firms are a few).
    """
    notifications, users = Notification.__table__.c, User.__table__.c
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
            users.email,
            users.name,
            users.member_id,
            users.locale,
        )
        .join_from(Notification.__table__, User.__table__, notifications.user_id == users.id)
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
                    delay = _postpone(entity, str(error))
                    if delay is not None:
                        retry_in = delay if retry_in is None else min(retry_in, delay)
                else:
                    email = notification.user.email
                    suppress(email, str(error))
                    suppressed.add(email)
                    (entity,) = _entities([notification])
                    _finish(entity, NotificationStatus.FAILED, str(error))
                    log.warning("Notification %s failed for good: %s", notification.id, error)

        # The next row's e-mail is composed while the server reads the last write: it only
        # waits there, and it is written after this row's outcome is settled as before.
        composed: dict[int, EmailMessage | Outgoing] = {}

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
            if email in suppressed:
                composed.pop(position, None)
                (entity,) = _entities([notification])
                _finish(entity, NotificationStatus.SUPPRESSED, "address suppressed")
                continue
            if position in composed:
                message = composed.pop(position)
            else:
                message = composer.outgoing(notification)
            settle(
                transport.submit(
                    notification, message, functools.partial(compose_ahead, position + 1)
                )
            )
            if getattr(transport, "connection", True) is None:
                # The server is unreachable: the rest of the batch waits with this row.
                for other in _entities(rows[position + 1 :]):
                    _postpone(other, transient, count_attempt=False)
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


# _MARK_SENT as PostgreSQL runs it, prepared once per database connection.
_MARK_SENT_NAME = b"board_mark_sent"
_MARK_SENT_SQL = (
    b"UPDATE notifications SET status = $1, last_error = '', claimed_at = NULL,"
    b" sent_at = $2, next_attempt_at = NULL WHERE id = $3"
)


class SentMarks:
    """Commits that the server has a row's e-mail, each row on its own, as cheaply as it can.

    A connection of its own in autocommit mode: each mark is one UPDATE, committed by the
    database as it runs (no BEGIN, no COMMIT, no ORM flush). On PostgreSQL the UPDATE of a
    prepared statement is written to the database and its reply read only at the next mark,
    so the delivery does not wait for it: the mark is with PostgreSQL before the next
    e-mail's text goes out, and a worker killed with kill -9 re-sends at most the e-mail it
    had in flight. The commit does not wait for the WAL to reach the disk either
    (synchronous_commit off, for this connection only while it marks): only a crash of
    PostgreSQL itself could lose the last few marks, and re-send those e-mails.
    """

    def __enter__(self) -> Callable[[int], None]:
        self.connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.postgresql = self.connection.dialect.name == "postgresql"
        if not self.postgresql:
            return self.mark
        # The statement is looked for each time: the driver deallocates every prepared
        # statement of a connection after some commands (DDL, DISCARD).
        prepared = self.connection.exec_driver_sql(
            "SELECT set_config('synchronous_commit', 'off', false),"
            " EXISTS (SELECT FROM pg_prepared_statements WHERE name = %(name)s)",
            {"name": _MARK_SENT_NAME.decode()},
        ).one()[1]
        self.pgconn = self.connection.connection.dbapi_connection.pgconn  # type: ignore[union-attr]
        self.unread = False
        if not prepared:
            self._check(self.pgconn.prepare(_MARK_SENT_NAME, _MARK_SENT_SQL))
        return self.mark_prepared

    def mark(self, notification_id: int) -> None:
        self.connection.execute(
            _MARK_SENT, {"notification_id": notification_id, "sent_at": utcnow()}
        )

    def mark_prepared(self, notification_id: int) -> None:
        self.read()
        values = [
            NotificationStatus.SENT.value.encode(),
            utcnow().isoformat().encode(),
            str(notification_id).encode(),
        ]
        self.pgconn.send_query_prepared(_MARK_SENT_NAME, values)
        while self.pgconn.flush():
            select_module.select([], [self.pgconn.socket], [])
        self.unread = True

    def read(self) -> None:
        """Wait for the reply to the last mark, if it has not been read."""
        if not self.unread:
            return
        self.unread = False
        results = []
        while True:
            while self.pgconn.is_busy():
                select_module.select([self.pgconn.socket], [], [])
                self.pgconn.consume_input()
            result = self.pgconn.get_result()
            if result is None:
                break
            results.append(result)
        for result in results:
            self._check(result)

    @staticmethod
    def _check(result: Any) -> None:
        if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
            raise psycopg.DatabaseError(result.error_message.decode(errors="replace"))

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.postgresql:
                try:
                    self.read()
                except Exception:
                    self.connection.invalidate()
                    raise
                if not self.connection.invalidated:
                    # The connection goes back to the pool: it must commit as all others do.
                    self.connection.exec_driver_sql("RESET synchronous_commit")
        finally:
            self.connection.close()


def _postpone(notification: Notification, error: str, count_attempt: bool = True) -> float | None:
    """Put a row back to pending for a later attempt, or fail it after the last one."""
    if not count_attempt:
        notification.attempts = max(0, notification.attempts - 1)
    if notification.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        _finish(notification, NotificationStatus.FAILED, f"gave up after retries: {error}")
        return None
    delay = retry_delay(max(notification.attempts, 1))
    notification.next_attempt_at = utcnow() + timedelta(seconds=delay)
    _finish(notification, NotificationStatus.PENDING, error)
    return delay


def retry(notification: Notification, actor: User) -> None:
    """Staff send a failed or suppressed e-mail again, lifting the address's suppression."""
    if notification.status not in (NotificationStatus.FAILED, NotificationStatus.SUPPRESSED):
        raise DomainError(_("Only an e-mail that failed or was not sent can be sent again."))
    db.session.execute(
        Suppression.__table__.delete().where(Suppression.email == notification.user.email)
    )
    notification.status = NotificationStatus.PENDING
    notification.attempts = 0
    notification.next_attempt_at = _sweep_after(utcnow())
    audit.record("notification.retried", notification, actor, email=notification.user.email)
    dispatch_sends([notification.id])
    db.session.commit()


# Composing --------------------------------------------------------------------------------


def unsubscribe_token(user: User) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps(user.id)


def user_from_unsubscribe_token(token: str) -> User | None:
    try:
        user_id = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).loads(
            token
        )
    except BadSignature:
        return None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def unsubscribe(user: User) -> bool:
    """Switch a user's e-mails about matching needs off; False if they already were."""
    if user.notify == NotifyMode.OFF:
        return False
    user.notify = NotifyMode.OFF
    audit.record("user.unsubscribed", user, None)
    db.session.commit()
    return True


def matched_competences(need: Need, member_id: int | None) -> tuple[list[Competence], float]:
    """The need's competences the firm had when it matched, and its score."""
    match = db.session.get(NeedMatch, (need.id, member_id)) if member_id else None
    if match is None:
        return [], 0.0
    wanted = set(match.competence_ids)
    return [c for c in need.competences if c.id in wanted], match.score


def digest_entries(notification: Notification) -> list[dict[str, Any]]:
    """The needs a digest lists, each with the competences the firm matched, best first."""
    need_ids = notification.data.get("need_ids", [])
    needs = db.session.scalars(
        select(Need)
        .where(Need.id.in_(need_ids))
        .options(selectinload(Need.competences), selectinload(Need.member))
    ).all()
    entries = []
    for need in needs:
        competences, score = matched_competences(need, notification.user.member_id)
        entries.append(
            {
                "need": need,
                "competences": competences,
                "score": score,
                "url": external_url("needs.detail", need_id=need.id),
            }
        )
    return sorted(entries, key=lambda entry: (-entry["score"], entry["need"].id))


# Stand-ins for what differs between the users of a firm in a need_match e-mail. Letters and
# digits only, so HTML escaping, base64 and the templates leave them as they are.
_NAME = f"recipient{uuid.uuid4().hex}name"
_UNSUBSCRIBE = f"recipient{uuid.uuid4().hex}unsubscribe"
_PIECES = re.compile(f"({_NAME}|{_UNSUBSCRIBE})")


class _Recipient:
    """A user as a shared need_match body sees them: their firm, placeholders for the rest."""

    def __init__(self, user: User | Recipient) -> None:
        self.id = user.id
        self.member = user.member
        self.member_id = user.member_id
        self.locale = user.locale
        self.name = self.display_name = _NAME
        self.email = "recipient@invalid"


class Composer:
    """Composes the e-mails of a batch, working out once what its rows have in common.

    A need, its link, the competences each firm matched it with and the links every e-mail
    carries are the same for all the rows about that need; only the recipient differs.
    """

    def __init__(self, rows: Sequence[Notification] = ()) -> None:
        config = current_app.config
        # The firms of the batch's users, per need: their matches are loaded together.
        self.batch_members: dict[int, set[int]] = defaultdict(set)
        for row in rows:
            if row.need_id is not None and row.user.member_id is not None:
                self.batch_members[row.need_id].add(row.user.member_id)
        self.domain = config["MAIL_FROM"].rpartition("@")[2]
        self.tokens = URLSafeSerializer(config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)
        self.urls: dict[tuple[str, int | None], str] = {}
        self.matches: dict[tuple[int, int | None], tuple[list[Competence], float]] = {}
        self.facts: dict[tuple[int, str], dict[str, str]] = {}
        self.shared: dict[tuple[int | None, int | None, str], tuple[str, list[str], list[str]]] = {}
        self.unsubscribe_parts: tuple[str, str] | None = None
        self.signing: tuple[Signer, bytes] | None = None

    def url(self, endpoint: str, need_id: int | None = None) -> str:
        key = (endpoint, need_id)
        if key not in self.urls:
            values = {} if need_id is None else {"need_id": need_id}
            self.urls[key] = external_url(endpoint, **values)
        return self.urls[key]

    def matched(self, need: Need, member_id: int | None) -> tuple[list[Competence], float]:
        """What `matched_competences` gives, with one query for the batch's firms."""
        key = (need.id, member_id)
        if key not in self.matches:
            if member_id is None:
                return [], 0.0
            members = self.batch_members.pop(need.id, set()) | {member_id}
            for other in members:
                self.matches[(need.id, other)] = ([], 0.0)
            for match in db.session.scalars(
                select(NeedMatch).where(
                    NeedMatch.need_id == need.id, NeedMatch.member_id.in_(members)
                )
            ):
                wanted = set(match.competence_ids)
                self.matches[(need.id, match.member_id)] = (
                    [c for c in need.competences if c.id in wanted],
                    match.score,
                )
        return self.matches[key]

    def need_facts(self, need: Need) -> dict[str, str]:
        """The need's requester, budget and deadline, rendered once per language."""
        key = (need.id, str(get_locale()))
        if key not in self.facts:
            self.facts[key] = {
                "text": render_template("email/_need_facts.txt", need=need),
                # Rendered by an autoescaping template: the need's text in it is escaped.
                "html": Markup(render_template("email/_need_facts.html", need=need)),  # nosec B704
            }
        return self.facts[key]

    def compose(self, notification: Notification) -> EmailMessage:
        """The e-mail for a notification, in its recipient's language."""
        if notification.kind == "need_match" and notification.need is not None:
            return self.compose_match(notification)
        return self.compose_plain(notification)

    def outgoing(self, notification: Notification) -> EmailMessage | Outgoing:
        """`compose`, with a need_match e-mail written straight to the bytes SMTP carries."""
        if notification.kind == "need_match" and notification.need is not None:
            return build_outgoing(**self._match_arguments(notification))
        return self.compose_plain(notification)

    def compose_match(self, notification: Notification) -> EmailMessage:
        """A need_match e-mail from the bodies its firm's users share in their language.

        Between users of one firm these e-mails differ only in the recipient: the address, the
        greeting's name and the unsubscribe link (and the Message-ID and Date headers). The
        bodies are rendered once per need, firm and language with a placeholder for each of
        these, and filled in per user: HTML-escaped in the HTML part, as they are in the text.
        """
        return build_message(**self._match_arguments(notification))

    def _match_arguments(self, notification: Notification) -> dict[str, Any]:
        """`build_message`'s arguments for a need_match e-mail, from its firm's shared bodies."""
        user = notification.user
        key = (notification.need_id, user.member_id, user.locale)
        shared = self.shared.get(key)
        if shared is None:
            shared = self.shared[key] = self._render_match(notification)
        subject, text, html = shared
        unsubscribe_url = self.unsubscribe_url(user.id)
        values = {_NAME: user.display_name, _UNSUBSCRIBE: unsubscribe_url}
        escaped = {name: str(escape(value)) for name, value in values.items()}
        return {
            "to": user.email,
            "subject": subject,
            "text": "".join([values.get(piece, piece) for piece in text]),
            "html": "".join([escaped.get(piece, piece) for piece in html]),
            "message_id": f"<notification-{notification.id}@{self.domain}>",
            "headers": {
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        }

    def unsubscribe_url(self, user_id: int) -> str:
        """The user's one-click unsubscribe link: the URL is built once, the token per user."""
        if self.unsubscribe_parts is None:
            # The token is URL-safe base64 and dots, which a URL holds as they are.
            before, _sep, after = external_url("account.unsubscribe", token=_UNSUBSCRIBE).partition(
                _UNSUBSCRIBE
            )
            self.unsubscribe_parts = (before, after)
        before, after = self.unsubscribe_parts
        return f"{before}{self.token(user_id)}{after}"

    def token(self, user_id: int) -> str:
        """`unsubscribe_token`: the serializer's signer and key are made once per batch."""
        if self.signing is None:
            signer = self.tokens.make_signer()
            self.signing = (signer, signer.derive_key())
        signer, key = self.signing
        # What the serializer's dump_payload gives for an id: its JSON, base64 (it also tries
        # zlib, which never shortens a few digits, on every call).
        payload = base64_encode(str(int(user_id)).encode("ascii"))
        signature = base64_encode(signer.algorithm.get_signature(key, payload))
        return (payload + signer.sep + signature).decode("ascii")

    def _render_match(self, notification: Notification) -> tuple[str, list[str], list[str]]:
        """The subject and both bodies for a firm's users, cut at the placeholders."""
        user = _Recipient(notification.user)
        with self._arguments(notification, user, _UNSUBSCRIBE) as arguments:
            template = arguments.pop("template")
            subject = " ".join(arguments.pop("subject").split())
            for name in ("to", "message_id", "headers"):
                del arguments[name]
            text = render_template(f"email/{template}.txt", **arguments)
            html = render_template(f"email/{template}.html", **arguments)
        return subject, _PIECES.split(text), _PIECES.split(html)

    def compose_plain(
        self, notification: Notification, user: Any = None, unsubscribe_url: str | None = None
    ) -> EmailMessage:
        """The e-mail for a notification, rendered from its templates for this row alone."""
        with self._arguments(notification, user, unsubscribe_url) as arguments:
            return compose(**arguments)

    @contextmanager
    def _arguments(
        self, notification: Notification, user: Any = None, unsubscribe_url: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """`compose`'s arguments for a notification, in the recipient's language while open."""
        user = user or notification.user
        need, offer, event = (
            notification.need,
            notification.offer,
            notification.event,
        )
        application = (
            db.session.get(Application, event.target_id)
            if event is not None and event.target_type == "application"
            else None
        )
        context: dict[str, Any] = {}
        headers: dict[str, str] = {}
        if notification.kind in SUBSCRIBED_KINDS:
            if unsubscribe_url is None:
                unsubscribe_url = self.unsubscribe_url(user.id)
            context["unsubscribe_url"] = unsubscribe_url
            context["account_url"] = self.url("account.settings")
            headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        if need is not None and notification.kind in ("need_match", "deadline_reminder"):
            context["competences"], context["score"] = self.matched(need, user.member_id)
        with force_locale(user.locale):
            if need is not None and notification.kind in ("need_match", "deadline_reminder"):
                context["facts"] = self.need_facts(need)
            if notification.kind == "digest":
                context["entries"] = digest_entries(notification)
                context["day"] = date.fromisoformat(notification.data["day"])
            title = need.title if need else application.member_name if application else ""
            if notification.kind == "digest":
                title = format_date(context["day"])
            yield dict(
                to=user.email,
                subject=str(SUBJECTS[notification.kind] % {"title": title}),
                template=notification.kind,
                message_id=f"<notification-{notification.id}@{self.domain}>",
                headers=headers,
                user=user,
                need=need,
                offer=offer,
                event=event,
                application=application,
                need_url=self.url("needs.detail", need.id) if need else None,
                applications_url=self.url("staff.applications"),
                **context,
            )


def compose_notification(notification: Notification) -> EmailMessage:
    """The e-mail for a notification, in its recipient's language."""
    return Composer().compose(notification)


# The sweep --------------------------------------------------------------------------------


def _cluster_day_bounds(day: date) -> tuple[datetime, datetime]:
    from board.needs.services import cluster_zone

    zone = cluster_zone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def due_digest_days(now: datetime) -> list[date]:
    """The days whose digest is due: yesterday once DIGEST_HOUR has passed, and the day before
    (in case the sweep did not run that morning)."""
    from board.needs.services import cluster_zone

    local = now.astimezone(cluster_zone())
    latest = local.date() - timedelta(
        days=1 if local.hour >= current_app.config["DIGEST_HOUR"] else 2
    )
    return [latest - timedelta(days=1), latest]


def queue_digests(day: date) -> list[int]:
    """One digest row per daily user with matches on needs published that day; their ids.

    The rows of a day are added in one transaction, so a day that has any has them all: later
    sweeps skip it (its unsent rows are the business of the retry and resend rules).
    """
    key = f"digest:{day.isoformat()}"
    if db.session.scalar(select(Notification.id).where(Notification.key == key).limit(1)):
        return []
    start, end = _cluster_day_bounds(day)
    query = (
        select(User.id, Need.id)
        .join(Member, Member.id == User.member_id)
        .join(NeedMatch, NeedMatch.member_id == Member.id)
        .join(Need, Need.id == NeedMatch.need_id)
        .where(
            Need.published_at >= start,
            Need.published_at < end,
            Need.status == NeedStatus.OPEN,
            _reachable(),
            User.notify == NotifyMode.DAILY,
            _filter_allows(Need.id),
        )
        .order_by(User.id, Need.id)
    )
    by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, need_id in db.session.execute(query):
        by_user[user_id].append(need_id)
    add_rows(
        [
            {"user_id": user_id, "key": key, "kind": "digest",
             "data": {"day": day.isoformat(), "need_ids": need_ids}}
            for user_id, need_ids in by_user.items()
        ]
    )  # fmt: skip
    return pending_ids(Notification.key == key)


def _mark(need_id: int, column: Any, now: datetime) -> bool:
    """Set a need's reminder mark if nobody has; True for the one sweep that set it."""
    result = db.session.execute(
        update(Need)
        .where(Need.id == need_id, column.is_(None))
        .values({column.key: now})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def queue_deadline_reminders(now: datetime) -> list[int]:
    """Remind matched firms that have not offered, a few days before offers close."""
    soon = now + timedelta(days=current_app.config["REMINDER_DAYS"])
    needs = db.session.scalars(
        select(Need.id).where(
            Need.status == NeedStatus.OPEN,
            Need.deadline_reminded_at.is_(None),
            Need.offers_close_at > now,
            Need.offers_close_at <= soon,
            # A need published this close to its deadline was announced moments ago.
            Need.published_at <= now - timedelta(days=1),
        )
    ).all()
    ids: list[int] = []
    for need_id in needs:
        if not _mark(need_id, Need.deadline_reminded_at, now):
            continue
        offered = select(Offer.member_id).where(Offer.need_id == need_id)
        offering_users = set(db.session.scalars(select(User.id).where(User.member_id.in_(offered))))
        users = [
            user_id
            for user_id in match_recipients(need_id, [NotifyMode.INSTANT, NotifyMode.DAILY])
            if user_id not in offering_users
        ]
        key = f"deadline_reminder:need:{need_id}"
        add_rows(
            [
                {"user_id": u, "key": key, "kind": "deadline_reminder", "need_id": need_id}
                for u in users
            ]
        )
        ids += pending_ids(Notification.key == key)
    return ids


def queue_award_reminders(now: datetime) -> list[int]:
    """Ask the requester to award or cancel a need whose offers have closed."""
    needs = db.session.scalars(
        select(Need).where(
            Need.status == NeedStatus.OPEN,
            Need.award_reminded_at.is_(None),
            Need.offers_close_at <= now,
        )
    ).all()
    ids: list[int] = []
    for need in needs:
        if not _mark(need.id, Need.award_reminded_at, now):
            continue
        author = need.author
        users = [author] if author is not None and author.is_active else active_users([need.member])
        key = f"award_reminder:need:{need.id}"
        add_rows(
            [
                {"user_id": u.id, "key": key, "kind": "award_reminder", "need_id": need.id}
                for u in users
            ]
        )
        ids += pending_ids(Notification.key == key)
    return ids


@job("notify.sweep")
def sweep(now: datetime | None = None) -> dict[str, int]:
    """Find and restart what was left undone; send due digests and reminders."""
    from board.needs.services import expire_needs

    now = now or utcnow()
    config = current_app.config
    grace = now - timedelta(seconds=config["SWEEP_GRACE"])
    done: dict[str, int] = {}

    # Rows claimed by a delivery that died (worker killed, machine lost) go back to pending.
    stale = db.session.execute(
        update(Notification)
        .where(
            Notification.status == NotificationStatus.SENDING,
            Notification.claimed_at < now - timedelta(seconds=config["MAIL_LEASE"]),
        )
        .values(status=NotificationStatus.PENDING, claimed_at=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    done["reclaimed"] = stale.rowcount or 0
    db.session.commit()

    # Open needs whose fan-out never ran (broker down at approval, message lost).
    unannounced = db.session.scalars(
        select(Need.id).where(
            Need.status == NeedStatus.OPEN,
            Need.fanned_out_at.is_(None),
            Need.published_at <= grace,
        )
    ).all()
    for need_id in unannounced:
        dispatch("notify.fan_out", need_id)
    done["fan_outs"] = len(unannounced)

    # Pending rows whose time has come: a retry that is due, or a task that never arrived.
    due = pending_ids(Notification.next_attempt_at <= now)
    if due:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(due), Notification.status == NotificationStatus.PENDING)
            .values(next_attempt_at=_sweep_after(now))
            .execution_options(synchronize_session=False)
        )
    dispatch_sends(due)
    done["resent"] = len(due)

    fresh: list[int] = []
    for day in due_digest_days(now):
        fresh += queue_digests(day)
    done["digests"] = len(fresh)
    reminders = queue_deadline_reminders(now)
    done["deadline_reminders"] = len(reminders)
    awards = queue_award_reminders(now)
    done["award_reminders"] = len(awards)
    dispatch_sends(sorted(set(fresh + reminders + awards) - set(due)))
    db.session.commit()

    done["expired"] = expire_needs(now)
    return done
