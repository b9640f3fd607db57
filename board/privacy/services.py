"""A person's copy of their data, the erasure of a person, and of a firm that left the cluster."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from board import audit
from board.errors import NotAllowed
from board.extensions import db
from board.models import (
    Application,
    AuditEvent,
    Member,
    MemberStatus,
    Need,
    NeedStatus,
    Notification,
    Offer,
    OfferStatus,
    Suppression,
    User,
    utcnow,
)
from board.models.needs import NEED_SUBMITTABLE
from board.needs.services import transition
from board.notifications import announce
from board.privacy.records import Person, mentions, replace_in, rows_of, scrub
from board.rendering import render_markdown
from board.states import move
from config import RETENTION_PERIODS

log = logging.getLogger(__name__)

EXPORT_FORMAT = 1
# The values of these keys in the audit events about a person are theirs, whatever they were
# then (a name changed since is still theirs).
PERSONAL_KEYS = ("email", "name", "phone")
UNPUBLISHED = (*NEED_SUBMITTABLE, NeedStatus.PENDING)
LIVE_OFFERS = (OfferStatus.SUBMITTED, OfferStatus.SHORTLISTED)
# The headings of an export's parts, one per table (a table not named here is shown by name).
TABLE_TITLES = {
    "users": _l("Account"),
    "user_competences": _l("Competences picked for e-mails"),
    "api_tokens": _l("API tokens"),
    "feed_tokens": _l("Feed addresses"),
    "members": _l("Firms"),
    "applications": _l("Membership applications"),
    "needs": _l("Needs"),
    "offers": _l("Offers"),
    "questions": _l("Questions and answers"),
    "clarifications": _l("Clarifications"),
    "attachments": _l("Files (their details; the files are on their need or offer)"),
    "need_matches": _l("Matches answered “not for us”"),
    "reports": _l("Reports"),
    "notifications": _l("E-mails"),
    "suppressions": _l("Addresses mail servers refused"),
    "audit_events": _l("Audit log"),
}


def pseudonym(kind: str) -> str:
    """A name for someone erased: the same wherever they appear, telling nothing of them."""
    return f"former-{kind}-{secrets.token_hex(4)}"


def export_person(user: User, *, mentioned: bool = False) -> dict[str, Any]:
    """Everything the board holds about `user`, table by table; with `mentioned`, also every
    row of others that names them (for staff, who may read every row)."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "person": {"id": user.id, "email": user.email, "name": user.name},
        "tables": rows_of(Person.of(user), mentioned=mentioned),
    }


def retention_periods() -> dict[str, int]:
    """Each retention period in days, by its setting's name (0: kept for ever)."""
    return {name: int(current_app.config[name]) for name in RETENTION_PERIODS}


def active_colleagues(user: User) -> int:
    """How many others can sign in for the user's firm (or, for staff, for the cluster)."""
    same = User.is_staff.is_(True) if user.is_staff else User.member_id == user.member_id
    return db.session.scalar(
        select(func.count(User.id)).where(
            same, User.id != user.id, User.active.is_(True), User.password_hash.is_not(None)
        )
    )


def self_erasure_refusal(user: User) -> str | None:
    """Why the user may not erase their own account, or None: a firm (or the cluster's staff)
    must not be left without anyone who can sign in, unless staff decide so."""
    if active_colleagues(user):
        return None
    if user.is_staff:
        return _("You are the only member of staff who can sign in: invite another before you go.")
    if user.member is not None and user.member.is_active:
        return _(
            "You are the last person who can sign in for %(firm)s: invite a colleague first, "
            "or ask cluster staff to erase you or the whole firm.",
            firm=user.member.name,
        )
    return None


def erase_person(user: User, actor: User | None) -> str:
    """Erase a person: their account goes, and their address, name and phone leave every
    table; what their firm keeps (needs, offers, awards) stays, by a "former user". Returns
    the pseudonym the audit log knows them by from now on."""
    if actor is not None and actor.id == user.id and (refusal := self_erasure_refusal(user)):
        raise NotAllowed(refusal)
    address = user.email
    name = _erase(user, actor)
    db.session.commit()
    remove_mail_files([address])
    return name


def remove_mail_files(addresses: Sequence[str]) -> int:
    """Delete the e-mails written as files (the embedded default, without a mail server) that
    were sent to any of these addresses; how many. Run after the commit: a database that
    refused the erasure leaves the files too."""
    folder = Path(current_app.config["MAIL_FOLDER"])
    wanted = [address.lower().encode() for address in addresses]
    removed = 0
    for path in folder.glob("*.eml") if folder.is_dir() else ():
        try:
            if any(address in path.read_bytes().lower() for address in wanted):
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile by the retention policy
            continue
    return removed


def _erase(user: User, actor: User | None) -> str:
    name = pseudonym("user")
    person = Person.of(user)
    audit.record("user.erased", user, actor, pseudonym=name, by_self=actor is user)
    db.session.flush()
    _forget(person, name)
    db.session.delete(user)
    db.session.flush()
    log.info("Erased user %s as %s", person.user_id, name)
    return name


def _forget(person: Person, name: str) -> None:
    """Replace the person by `name` in the log and in every text, and drop what was only
    there to reach them (their e-mails, the refusal of their address)."""
    db.session.execute(
        update(AuditEvent).where(AuditEvent.actor_id == person.user_id).values(former_actor=name)
    )
    about = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.target_type == "user", AuditEvent.target_id == person.user_id
        )
    )
    for event in about:
        if any(key in event.detail for key in PERSONAL_KEYS):
            event.detail = {
                key: name if key in PERSONAL_KEYS else value for key, value in event.detail.items()
            }
    db.session.flush()
    db.session.execute(delete(Notification).where(Notification.user_id == person.user_id))
    db.session.execute(delete(Notification).where(func.lower(Notification.email) == person.email))
    db.session.execute(delete(Suppression).where(func.lower(Suppression.email) == person.email))
    changed = scrub(person, name)
    for (need_id,) in changed.get(Need.__tablename__, ()):
        need = db.session.get(Need, need_id)
        if need is not None:
            db.session.refresh(need)
            need.description_html = str(render_markdown(need.description))


@dataclass(frozen=True)
class FirmErasure:
    """What erasing a firm removes, changes and keeps: shown to staff before they confirm."""

    member: Member
    users: Sequence[User]
    unpublished: Sequence[Need]
    open_needs: Sequence[Need]
    offers_on_open: int
    live_offers: Sequence[Offer]
    applications: int
    kept_needs: int
    kept_offers: int


def firm_erasure(member: Member) -> FirmErasure:
    """What erasing `member` would do."""
    # Each need with its offers, each offer with its need: loaded in a few statements.
    needs = db.session.scalars(
        select(Need)
        .where(Need.member_id == member.id)
        .options(selectinload(Need.offers))
        .order_by(Need.id)
    ).all()
    unpublished = [n for n in needs if n.status in UNPUBLISHED]
    open_needs = [n for n in needs if n.status == NeedStatus.OPEN]
    offers = db.session.scalars(
        select(Offer)
        .where(Offer.member_id == member.id)
        .options(joinedload(Offer.need))
        .order_by(Offer.id)
    ).all()
    live = [o for o in offers if o.status in LIVE_OFFERS and o.need.status == NeedStatus.OPEN]
    return FirmErasure(
        member=member,
        users=db.session.scalars(
            select(User).where(User.member_id == member.id).order_by(User.id)
        ).all(),
        unpublished=unpublished,
        open_needs=open_needs,
        offers_on_open=sum(1 for n in open_needs for o in n.offers if o.is_live),
        live_offers=live,
        applications=db.session.scalar(
            select(func.count(Application.id)).where(Application.member_id == member.id)
        ),
        kept_needs=len(needs) - len(unpublished),
        kept_offers=len(offers),
    )


def erase_member(member: Member, staff: User, confirmation: str) -> str:
    """Erase a firm that left the cluster: its people (each as `erase_person`), its profile,
    competences, applications and unpublished needs. Its open needs are cancelled (the firms
    that offered are told) and its live offers withdrawn; the needs and offers other firms
    took part in stay, under a pseudonym. Returns the pseudonym."""
    if member.is_erased:
        raise NotAllowed(_("This firm has been erased already."))
    if confirmation.strip() != member.name:
        raise NotAllowed(_("Type the firm's name exactly as shown to confirm."), "confirm")
    plan = firm_erasure(member)
    name = pseudonym("member")
    firm_name = member.name
    for need in plan.open_needs:
        event = transition(
            need,
            (NeedStatus.OPEN,),
            NeedStatus.CANCELLED,
            "need.cancelled",
            staff,
            detail={"firm_erased": True},
            closed_at=utcnow(),
        )
        announce.need_cancelled(need, event, [o for o in need.offers if o.is_live])
    for offer in plan.live_offers:
        move(offer, LIVE_OFFERS, OfferStatus.WITHDRAWN, _("This offer can no longer be withdrawn."))
        audit.record("offer.withdrawn", offer, staff, firm_erased=True)
    # What hangs on them (files, competences, e-mails) goes by the database's cascades.
    db.session.execute(
        delete(Need).where(Need.id.in_([need.id for need in plan.unpublished])),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(delete(Application).where(Application.member_id == member.id))
    audit.record(
        "member.erased",
        member,
        staff,
        pseudonym=name,
        users=len(plan.users),
        needs_removed=len(plan.unpublished),
        needs_cancelled=len(plan.open_needs),
        offers_withdrawn=len(plan.live_offers),
    )
    addresses = [user.email for user in plan.users]
    for user in plan.users:
        _erase(user, staff)
    _forget_firm(member, firm_name, name)
    db.session.commit()
    remove_mail_files(addresses)
    log.info("Erased member %s as %s", member.id, name)
    return name


def _forget_firm(member: Member, firm_name: str, name: str) -> None:
    """Take the firm's name, profile and competences off the firm, and its name out of the
    log (firms' names are in the log's details and in applications' texts)."""
    member.name = name
    member.slug = name
    member.description = ""
    member.website = ""
    member.phone = ""
    member.status = MemberStatus.SUSPENDED
    member.erased_at = utcnow()
    member.competences = []
    db.session.flush()
    events = db.session.scalars(
        select(AuditEvent).where(mentions(AuditEvent.__table__.c.detail, [firm_name]))
    )
    written = re.compile(re.escape(firm_name), re.IGNORECASE)
    for event in events:
        event.detail = replace_in(event.detail, lambda text: written.sub(name, text))
    db.session.flush()
