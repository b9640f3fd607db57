"""Who to talk to after an award: the person who posted the need and the person who sent the
winning offer, each with their firm, shown to the other side (and staff) only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from board.extensions import db
from board.models import Member, Need, NeedStatus, Offer, OfferStatus, User
from board.permissions import can_see_award_contacts, is_requester, visible_needs


@dataclass(frozen=True)
class Contact:
    """A firm, and a person at it with how to reach them (the firm's public phone when the
    person gave none; no person when their account is gone)."""

    firm: Member
    name: str
    email: str
    phone: str


def contact(firm: Member, person: User | None) -> Contact:
    if person is None:
        return Contact(firm, "", "", firm.phone)
    return Contact(firm, person.display_name, person.email, person.phone or firm.phone)


def requester_contact(need: Need) -> Contact:
    """Who posted the need, for the firm that won it."""
    return contact(need.member, need.author)


def supplier_contact(offer: Offer) -> Contact:
    """Who sent the winning offer, for the firm that accepted it."""
    return contact(offer.member, offer.author)


@dataclass(frozen=True)
class AwardContacts:
    # For the winning firm and staff.
    requester: Contact | None
    # For the requester firm and staff.
    supplier: Contact | None


def award_contacts(need_id: int, viewer: User) -> AwardContacts | None:
    """The contacts of an awarded need that `viewer` may see; None on any other need.

    Read on every view of the need's page, outside its shared part: a person's name, address
    and phone may change without the page's data changing.
    """
    query = (
        select(Need, Offer)
        .join(Offer, and_(Offer.need_id == Need.id, Offer.status == OfferStatus.ACCEPTED))
        .where(
            Need.id == need_id,
            Need.status == NeedStatus.CLOSED,
            visible_needs(viewer, NeedStatus.CLOSED),
        )
        .options(
            joinedload(Need.member),
            joinedload(Need.author),
            joinedload(Offer.member),
            joinedload(Offer.author),
        )
    )
    found = db.session.execute(query).first()
    if found is None:
        return None
    need, offer = found
    if not can_see_award_contacts(viewer, need):
        return None
    won = viewer.member_id is not None and viewer.member_id == offer.member_id
    return AwardContacts(
        requester=requester_contact(need) if viewer.is_staff or won else None,
        supplier=supplier_contact(offer) if viewer.is_staff or is_requester(viewer, need) else None,
    )
