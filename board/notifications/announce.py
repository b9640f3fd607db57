"""Announcing: the e-mails a change of state calls for, queued in the change's transaction.

Each function adds one outbox row per recipient, keyed by the audit event it is about, so the
rows exist exactly when the change is committed; they are sent after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from board.extensions import db
from board.jobs import dispatch
from board.models import (
    Application,
    AuditEvent,
    Member,
    Need,
    Notification,
    Offer,
    OfferStatus,
    User,
    utcnow,
)
from board.notifications.compose import SUBJECTS
from board.notifications.match import record_matches
from board.notifications.outbox import dispatch_sends, unsent_after


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
            next_attempt_at=unsent_after(utcnow()),
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
