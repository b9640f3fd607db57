"""The audit trail: one AuditEvent per state change, written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from board.extensions import db
from board.models import AuditEvent, User


def record(action: str, target: db.Model, actor: User | None = None, **detail: Any) -> AuditEvent:
    """Add an audit event for `action` on `target`; the caller's commit stores it."""
    if target.id is None:
        db.session.flush()
    event = AuditEvent(
        action=action,
        target_type=type(target).__name__.lower(),
        target_id=target.id,
        actor=actor,
        detail=detail,
    )
    db.session.add(event)
    return event
