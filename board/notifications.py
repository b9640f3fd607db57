"""Who hears about what, and the outbox that makes each e-mail go out once.

A service that changes state calls one of the announcing functions below inside its own
transaction: they add one Notification row per recipient, tied to the AuditEvent of the
change, and start the `notify.deliver` job when that transaction commits. The job claims
each row before touching SMTP, so running it twice (a retry, a message delivered twice)
sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from board.extensions import db
from board.jobs import dispatch, job
from board.mail import PermanentMailError, TransientMailError, compose, open_transport
from board.models import (
    Application,
    AuditEvent,
    Member,
    Need,
    Notification,
    NotificationStatus,
    Offer,
    OfferStatus,
    User,
    utcnow,
)
from board.web import external_url

log = logging.getLogger(__name__)

# Kind → subject; the body is the template pair templates/email/<kind>.txt and .html.
SUBJECTS = {
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
    count = 0
    for user in users:
        if not user.is_active:
            continue
        db.session.add(Notification(user=user, event=event, kind=kind, need=need, offer=offer))
        count += 1
    if count:
        db.session.flush()
        dispatch("notify.deliver", event.id)
    return count


def need_opened(need: Need, event: AuditEvent) -> None:
    """A need was approved and is open: tell its author."""
    announce(event, "need_approved", [need.author] if need.author else [], need=need)


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


def compose_notification(notification: Notification) -> EmailMessage:
    """The e-mail for a notification, in its recipient's language."""
    user, need, offer, event = (
        notification.user,
        notification.need,
        notification.offer,
        notification.event,
    )
    application = (
        db.session.get(Application, event.target_id) if event.target_type == "application" else None
    )
    title = need.title if need else application.member_name if application else ""
    with force_locale(user.locale):
        domain = current_app.config["MAIL_FROM"].rpartition("@")[2]
        return compose(
            to=user.email,
            subject=str(SUBJECTS[notification.kind] % {"title": title}),
            template=notification.kind,
            message_id=f"<notification-{notification.id}@{domain}>",
            user=user,
            need=need,
            offer=offer,
            event=event,
            application=application,
            need_url=external_url("needs.detail", need_id=need.id) if need else None,
            applications_url=external_url("staff.applications"),
        )


def claim(notification_id: int) -> bool:
    """Mark a pending notification as being sent; False if another delivery has it."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id, Notification.status == NotificationStatus.PENDING
        )
        .values(status=NotificationStatus.SENDING, attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


@job("notify.deliver")
def deliver(event_id: int) -> None:
    """Send the pending e-mails of one event over one SMTP connection."""
    pending = db.session.scalars(
        select(Notification.id).where(
            Notification.event_id == event_id, Notification.status == NotificationStatus.PENDING
        )
    ).all()
    with open_transport() as transport:
        for notification_id in pending:
            if not claim(notification_id):
                continue
            notification = db.session.get(Notification, notification_id)
            assert notification is not None
            try:
                transport.send(compose_notification(notification))
            except TransientMailError as exc:
                # Back to pending: the retry of this job (or the sweep) sends it.
                notification.status = NotificationStatus.PENDING
                notification.last_error = str(exc)[:1000]
                db.session.commit()
                raise
            except PermanentMailError as exc:
                notification.status = NotificationStatus.FAILED
                notification.last_error = str(exc)[:1000]
                db.session.commit()
                log.warning("Notification %s failed for good: %s", notification_id, exc)
                continue
            notification.status = NotificationStatus.SENT
            notification.sent_at = utcnow()
            notification.last_error = ""
            db.session.commit()


def notifications_for(need: Need) -> list[Notification]:
    """The e-mails about a need, newest first (for staff and tests)."""
    query = (
        select(Notification)
        .where(Notification.need_id == need.id)
        .options(selectinload(Notification.user))
        .order_by(Notification.id.desc())
    )
    return list(db.session.scalars(query))
