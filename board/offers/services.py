"""Offers: a supplier firm's answer to a need, and the requester's decision on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Row, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from board import audit
from board.errors import Conflict, InvalidTransition, NotAllowed
from board.extensions import db
from board.models import (
    CURRENCIES,
    Member,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    PriceBasis,
    User,
    utcnow,
)
from board.needs.services import transition
from board.notifications import announce
from board.permissions import visible_needs, visible_offers
from board.states import move

LIVE = (OfferStatus.SUBMITTED, OfferStatus.SHORTLISTED)


@dataclass
class OfferData:
    message: str
    price: Decimal
    currency: str
    available_from: date
    reference: str = ""
    price_basis: PriceBasis = PriceBasis.FIXED


# What an offer says, which its firm may change while it is live; and the part of it that
# the requester is e-mailed about when it changes.
TERMS = ("message", "price", "currency", "price_basis", "available_from", "reference")
PRICE_TERMS = ("price", "currency", "price_basis")


def price_terms(offer: Offer) -> dict[str, str]:
    """An offer's price, currency and basis as the audit trail keeps them."""
    return {
        "price": f"{offer.price:.2f}",
        "currency": offer.currency,
        "price_basis": str(offer.price_basis),
    }


def submit_offer(need: Need, member: Member, author: User, data: OfferData) -> tuple[Offer, bool]:
    """Send the firm's offer on a need, or change the one it sent; True if it is new."""
    if need.member_id == member.id:
        raise NotAllowed(_("A firm cannot offer on its own need."))
    if not need.accepts_offers():
        raise InvalidTransition(_("This need no longer takes offers: its deadline has passed."))
    if data.currency not in CURRENCIES:
        raise Conflict(_("Choose a currency from the list."), "currency")
    offer = offer_of(need, member)
    created = offer is None
    if offer is None:
        offer = Offer(need=need, member=member, author=author)
        db.session.add(offer)
    elif offer.status not in (*LIVE, OfferStatus.WITHDRAWN):
        raise InvalidTransition(_("This offer has been decided on and can no longer change."))
    # Sending a withdrawn offer again is sending it anew: the requester hears of it as new.
    sent = created or offer.status == OfferStatus.WITHDRAWN
    before = {name: getattr(offer, name) for name in TERMS}
    terms_before = None if created else price_terms(offer)
    offer.message = data.message.strip()
    offer.price, offer.currency = data.price, data.currency
    offer.price_basis = PriceBasis(data.price_basis)
    offer.available_from, offer.reference = data.available_from, data.reference.strip()
    changed = [name for name in TERMS if getattr(offer, name) != before[name]]
    repriced = not sent and any(name in PRICE_TERMS for name in changed)
    detail: dict[str, object] = {}
    if sent:
        offer.status = OfferStatus.SUBMITTED
    elif not changed:
        return offer, False
    else:
        offer.edited_at = utcnow()
        detail["changed"] = changed
        if repriced:
            detail["before"], detail["after"] = terms_before, price_terms(offer)
    try:
        action = "offer.submitted" if sent else "offer.updated"
        event = audit.record(action, offer, author, **detail)
    except IntegrityError as exc:
        # A colleague's offer on the same need was saved a moment ago: one offer per firm.
        db.session.rollback()
        raise Conflict(
            _("A colleague has just sent your firm's offer on this need. Open it and edit it.")
        ) from exc
    if sent:
        announce.offer_received(offer, event)
    elif repriced and offer.hidden_at is None:
        # An offer staff hid is not the requester's to read, nor its new price.
        announce.offer_changed(offer, event)
    db.session.commit()
    return offer, created


def _move(
    offer: Offer,
    allowed: Sequence[OfferStatus],
    target: OfferStatus,
    message: str,
    **values: object,
) -> None:
    """Set an offer's status if it is still in one of `allowed` (see `board.states.move`)."""
    move(offer, allowed, target, message, **values)


def withdraw_offer(offer: Offer, actor: User) -> None:
    """Take an offer back before the deadline."""
    if not offer.need.accepts_offers():
        raise InvalidTransition(_("After the deadline an offer can no longer be withdrawn."))
    _move(offer, LIVE, OfferStatus.WITHDRAWN, _("This offer can no longer be withdrawn."))
    audit.record("offer.withdrawn", offer, actor)
    db.session.commit()


def shortlist_offer(offer: Offer, actor: User) -> None:
    """Mark an offer as one the requester is considering."""
    _require_open(offer.need)
    _move(
        offer,
        (OfferStatus.SUBMITTED,),
        OfferStatus.SHORTLISTED,
        _("Only a new offer can be shortlisted."),
    )
    audit.record("offer.shortlisted", offer, actor)
    db.session.commit()


def unshortlist_offer(offer: Offer, actor: User) -> None:
    """Take an offer off the shortlist: it waits with the other new offers again."""
    _require_open(offer.need)
    _move(
        offer,
        (OfferStatus.SHORTLISTED,),
        OfferStatus.SUBMITTED,
        _("Only a shortlisted offer can be taken off the shortlist."),
    )
    audit.record("offer.unshortlisted", offer, actor)
    db.session.commit()


def decline_offer(offer: Offer, actor: User, reason: str = "") -> None:
    """Turn an offer down, optionally saying why; its firm is told."""
    _require_open(offer.need)
    _move(
        offer,
        LIVE,
        OfferStatus.DECLINED,
        _("This offer can no longer be declined."),
        decided_at=utcnow(),
        decline_reason=reason.strip(),
    )
    event = audit.record("offer.declined", offer, actor, reason=reason.strip())
    announce.offer_decided(offer, event)
    db.session.commit()


def accept_offer(offer: Offer, actor: User) -> None:
    """Award the need to this offer: the need closes and every other waiting offer is declined."""
    if not offer.member.is_active:
        raise NotAllowed(_("This firm is suspended; its offer cannot be accepted now."))
    need = offer.need
    now = utcnow()
    # The need is closed first: of two accepts racing, only one can close it.
    need_event = transition(
        need,
        (NeedStatus.OPEN,),
        NeedStatus.CLOSED,
        "need.awarded",
        actor,
        {"offer_id": offer.id},
        closed_at=now,
    )
    _move(
        offer,
        LIVE,
        OfferStatus.ACCEPTED,
        _("This offer can no longer be accepted."),
        decided_at=now,
    )
    event = audit.record("offer.accepted", offer, actor)
    announce.offer_decided(offer, event)
    announce.award_confirmed(offer, event)
    # Only the firms still waiting hear of the award: a declined firm has had its answer.
    losing = [o for o in need.offers if o.id != offer.id and o.status in LIVE]
    for other in losing:
        other.status, other.decided_at = OfferStatus.DECLINED, now
        audit.record("offer.declined", other, actor, accepted_offer=offer.id)
    announce.need_awarded(need, need_event, losing)
    db.session.commit()


def hide_offer(offer: Offer, staff: User, reason: str) -> None:
    """Hide an offer from the requester, saying why; the supplier firm is told."""
    if offer.hidden_at is not None:
        raise InvalidTransition(_("This offer is hidden already."))
    offer.hidden_at, offer.hidden_reason = utcnow(), reason.strip()
    event = audit.record("offer.hidden", offer, staff, reason=reason.strip())
    announce.offer_hidden(offer, event)
    db.session.commit()


def unhide_offer(offer: Offer, staff: User) -> None:
    """Show a hidden offer to the requester again."""
    if offer.hidden_at is None:
        raise InvalidTransition(_("This offer is not hidden."))
    offer.hidden_at, offer.hidden_reason = None, ""
    audit.record("offer.unhidden", offer, staff)
    db.session.commit()


def _require_open(need: Need) -> None:
    if need.status != NeedStatus.OPEN:
        raise InvalidTransition(_("This need is no longer open."))


def member_offers(viewer: User) -> Sequence[Row[tuple[Offer, Need | None]]]:
    """The viewer's firm's offers, newest first, each with its need when the viewer may still
    read it (staff may have hidden it since, or its firm been suspended)."""
    query = (
        select(Offer, Need)
        .outerjoin(Need, and_(Need.id == Offer.need_id, visible_needs(viewer)))
        .where(Offer.member_id == viewer.member_id)
        .options(selectinload(Need.member))
        .order_by(Offer.updated_at.desc(), Offer.id.desc())
    )
    return db.session.execute(query).all()


def offers_on(need: Need, viewer: User) -> Sequence[Offer]:
    """The offers on a need that `viewer` may read, each with its firm, oldest first."""
    query = (
        select(Offer)
        .where(Offer.need_id == need.id, visible_offers(viewer))
        .options(selectinload(Offer.member))
        .order_by(Offer.created_at.asc(), Offer.id.asc())
    )
    return db.session.scalars(query).all()


def offer_of(need: Need, member: Member | None) -> Offer | None:
    """A firm's offer on a need, if it has one."""
    if member is None:
        return None
    return db.session.scalar(
        select(Offer).where(Offer.need_id == need.id, Offer.member_id == member.id)
    )
