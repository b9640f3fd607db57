"""Announcing: the e-mails a change of state calls for, queued in the change's transaction.

Each function adds one outbox row per recipient, keyed by the audit event it is about, so the
rows exist exactly when the change is committed; they are sent after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import selectinload

from board.extensions import db
from board.jobs import dispatch
from board.models import (
    Application,
    AuditEvent,
    Clarification,
    Member,
    Need,
    NeedMatch,
    Notification,
    NotifyMode,
    Offer,
    OfferStatus,
    Question,
    User,
)
from board.notifications.compose import SUBJECTS
from board.notifications.match import record_matches
from board.notifications.outbox import queue


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
    rows = [
        _row(event, kind, user=user, need=need, offer=offer) for user in users if user.is_active
    ]
    queue(rows)
    return len(rows)


def _row(event: AuditEvent, kind: str, **recipient_and_subject: Any) -> Notification:
    """An outbox row of `kind` about `event`."""
    if kind not in SUBJECTS:
        raise KeyError(f"unknown notification kind {kind!r}")
    if event.id is None:
        db.session.flush()  # the key names the event by its id
    return Notification(
        key=f"{kind}:event:{event.id}", event=event, kind=kind, **recipient_and_subject
    )


def invitation(user: User, event: AuditEvent) -> None:
    """E-mail an invited person (a user without a password yet) the link that sets it."""
    queue([_row(event, "invitation", user=user)])


def password_reset(email: str, user: User | None) -> None:
    """E-mail the link that chooses a new password, if `user` is the registered owner of the
    address; otherwise the row is dropped unsent.

    Either way the request that asks for it does the same work (one row, one job), so its
    answer and its time say nothing about whether the address has an account.
    """
    key = f"password_reset:{uuid.uuid4().hex}"
    queue([Notification(key=key, kind="password_reset", user=user, email=email)])


def account_exists(user: User, event: AuditEvent) -> None:
    """Tell the owner of an account that someone applied or invited with their address, and
    how to sign in or choose a new password."""
    announce(event, "account_exists", [user])


def application_rejected(application: Application, event: AuditEvent) -> None:
    """E-mail the person who applied for a firm that staff refused it, and why."""
    queue([_row(event, "application_rejected", email=application.email, locale=application.locale)])


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


def offer_changed(offer: Offer, event: AuditEvent) -> None:
    """Tell the requester firm's users that an offer's price, currency or basis changed."""
    announce(
        event, "offer_changed", active_users([offer.need.member]), need=offer.need, offer=offer
    )


def award_confirmed(offer: Offer, event: AuditEvent) -> None:
    """Tell the requester firm's users whom they awarded the need to, and how to reach them."""
    announce(
        event, "award_confirmed", active_users([offer.need.member]), need=offer.need, offer=offer
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


def question_asked(question: Question, event: AuditEvent) -> None:
    """Tell the requester firm's users that a question waits for them (not who asked it)."""
    announce(event, "question_asked", active_users([question.need.member]), need=question.need)


def following(need: Need) -> list[User]:
    """The users to tell what the requester publishes about a need: those of the other firms
    that matched it (unless they said it is not for them), offered on it or asked about it,
    who have not turned e-mails off."""
    firms = union(
        select(NeedMatch.member_id).where(
            NeedMatch.need_id == need.id, NeedMatch.not_for_us_at.is_(None)
        ),
        select(Offer.member_id).where(Offer.need_id == need.id),
        select(Question.member_id).where(Question.need_id == need.id),
    )
    query = (
        select(User)
        .where(
            User.member_id.in_(firms),
            User.member_id != need.member_id,
            User.active.is_(True),
            User.notify != NotifyMode.OFF,
        )
        .options(selectinload(User.member))
        .order_by(User.id)
    )
    return [user for user in db.session.scalars(query) if user.is_active]


def deadline_extended(need: Need, event: AuditEvent) -> None:
    """Tell the firms that offered on the need (an offer still in the running) or asked about it
    that offers are taken until a later day: their plans depend on it."""
    firms = union(
        select(Offer.member_id).where(
            Offer.need_id == need.id,
            Offer.hidden_at.is_(None),
            Offer.status.in_((OfferStatus.SUBMITTED, OfferStatus.SHORTLISTED)),
        ),
        select(Question.member_id).where(Question.need_id == need.id),
    )
    query = select(User).where(User.member_id.in_(firms), User.member_id != need.member_id)
    announce(event, "deadline_extended", db.session.scalars(query.order_by(User.id)), need=need)


def question_answered(question: Question, event: AuditEvent) -> None:
    """Tell the firms following the need the published answer (never who asked)."""
    announce(event, "question_answered", following(question.need), need=question.need)


def clarification_published(clarification: Clarification, event: AuditEvent) -> None:
    """Tell the firms following the need the requester's clarification."""
    announce(
        event, "clarification_published", following(clarification.need), need=clarification.need
    )
