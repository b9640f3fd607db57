"""The audit trail: one AuditEvent per state change, written in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from board.extensions import db
from board.models import AuditEvent, User


def record(
    action: str, target: db.Model | str, actor: User | None = None, **detail: Any
) -> AuditEvent:
    """Add an audit event for `action` on `target`; the caller's commit stores it.

    `target` is a row, or the name of something the board does that has no row of its own
    (`"retention"`, the retention policy): its events have a target type and no id.
    """
    if isinstance(target, str):
        target_type, target_id = target, None
    else:
        if target.id is None:
            db.session.flush()
        target_type, target_id = type(target).__name__.lower(), target.id
    event = AuditEvent(
        action=action,
        target_type=target_type,
        target_id=target_id,
        actor=actor,
        detail=detail,
    )
    db.session.add(event)
    return event


@dataclass
class AuditQuery:
    """The filters of the audit log."""

    actor: str = ""
    action: str = ""
    target: str = ""
    since: date | None = None
    until: date | None = None


def search(query: AuditQuery) -> Select[tuple[AuditEvent]]:
    """Audit events matching the filters, newest first.

    `action` ending in a dot matches a family ("need." is every change of a need); `target`
    is "type" or "type:id".
    """
    statement = select(AuditEvent).options(selectinload(AuditEvent.actor))
    if query.actor:
        # An erased person is found by the pseudonym the log knows them by.
        who = query.actor.strip().lower()
        statement = statement.outerjoin(AuditEvent.actor).where(
            or_(
                User.email.contains(who, autoescape=True),
                AuditEvent.former_actor.contains(who, autoescape=True),
            )
        )
    if query.action:
        action = query.action.strip()
        condition = (
            AuditEvent.action.startswith(action, autoescape=True)
            if action.endswith(".")
            else AuditEvent.action == action
        )
        statement = statement.where(condition)
    if query.target:
        kind, _, ident = query.target.strip().partition(":")
        statement = statement.where(AuditEvent.target_type == kind.lower())
        if ident.isdigit() and int(ident) < 2**31:
            statement = statement.where(AuditEvent.target_id == int(ident))
    if query.since:
        statement = statement.where(AuditEvent.created_at >= _midnight(query.since))
    if query.until and query.until < date.max:
        statement = statement.where(
            AuditEvent.created_at < _midnight(query.until + timedelta(days=1))
        )
    return statement.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
