"""Member firms: the directory, profiles, adding firms and inviting their users."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from board import audit
from board.auth.services import AddressTaken, find_user, invite_user, tell_account_owner
from board.competences.services import by_slugs
from board.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from board.extensions import db
from board.i18n import country_language
from board.models import (
    Member,
    MemberStatus,
    User,
    firm_name,
    has_control_characters,
    name_key,
)


@dataclass
class ProfileData:
    description: str
    website: str
    competences: list[str] = field(default_factory=list)
    # The firm's public contact phone; None leaves it as it is.
    phone: str | None = None


@dataclass
class NewMemberData:
    name: str
    email: str
    country: str = ""
    website: str = ""
    competences: list[str] = field(default_factory=list)
    # The invitation's language; none: the language of the firm's country.
    locale: str = ""


def active_members() -> Sequence[Member]:
    """Active firms by name, with their competences loaded."""
    query = (
        select(Member)
        .where(Member.status == MemberStatus.ACTIVE)
        .options(selectinload(Member.competences))
        .order_by(func.lower(Member.name))
    )
    return db.session.scalars(query).all()


def update_profile(member: Member, data: ProfileData, actor: User) -> None:
    """Change a firm's description, website, phone and competences."""
    before = sorted(c.slug for c in member.competences)
    member.description = data.description.strip()
    member.website = data.website
    member.competences = by_slugs(data.competences)
    after = sorted(c.slug for c in member.competences)
    changes: dict[str, object] = {"competences": after} if after != before else {}
    if data.phone is not None and data.phone.strip() != member.phone:
        member.phone = changes["phone"] = data.phone.strip()
    audit.record("member.updated", member, actor, **changes)
    db.session.commit()


# The length of a firm's stored name and of the key it is compared by.
NAME_MAX = 200


def checked_firm_name(name: str) -> str:
    """The firm name as it is stored; refused if nothing visible is left, if it holds a
    control character, or if it is too long to store or to compare."""
    name = firm_name(name)
    if not name:
        raise DomainError(_("Enter the firm's name."), "member_name")
    if has_control_characters(name):
        raise DomainError(_("The firm name cannot contain control characters."), "member_name")
    if len(name) > NAME_MAX or len(name_key(name)) > NAME_MAX:
        raise DomainError(_("Use a shorter firm name."), "member_name")
    return name


def unique_slug(name: str) -> str:
    """A URL slug for a firm name, numbered if another firm has it."""
    base = slugify(name, max_length=180) or "member"
    slug, n = base, 1
    while db.session.scalar(select(Member.id).where(Member.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def add_member(data: NewMemberData, actor: User) -> Member:
    """Add an active member firm and invite its first user (whose invitation elsewhere, if
    they have not accepted it, moves to this firm)."""
    name = checked_firm_name(data.name)
    taken = select(Member.id).where(Member.name_key == name_key(name))
    if db.session.scalar(taken) is not None:
        raise Conflict(_("A member firm with this name exists already."), "member_name")
    user = find_user(data.email)
    if user is not None and user.has_accepted_invitation:
        raise Conflict(_("This address already belongs to a user of the board."), "email")
    member = Member(
        name=name,
        slug=unique_slug(name),
        country=data.country,
        website=data.website,
        status=MemberStatus.ACTIVE,
        competences=by_slugs(data.competences),
    )
    db.session.add(member)
    try:
        audit.record("member.created", member, actor, name=name)
        invite_user(data.email, member, actor, locale=data.locale or country_language(data.country))
    except IntegrityError as exc:
        # Another request added the same firm or address a moment ago.
        db.session.rollback()
        raise Conflict(_("This firm or address was added a moment ago."), "member_name") from exc
    return member


def invite_colleague(email: str, member: Member, inviter: User, locale: str | None = None) -> str:
    """Invite a colleague to the firm; return the address invited, as the answer names it.

    The answer is the same for an address that has an account: its owner is e-mailed instead
    and nothing else changes, so the form tells nobody who is registered.
    """
    try:
        invite_user(email, member, inviter, locale=locale)
    except AddressTaken as taken:
        if taken.user.has_accepted_invitation:
            tell_account_owner(taken.user, inviter, attempt="invitation", firm=member.name)
            db.session.commit()
    return email.strip().lower()


def set_member_status(member: Member, status: MemberStatus, actor: User) -> None:
    """Suspend or reactivate a firm: a suspended firm's users cannot sign in, its needs
    leave the board and its offers are marked; reactivating brings all of it back, except
    the sessions that suspending ended: its users sign in again."""
    if member.is_erased:
        raise InvalidTransition(_("This firm has been erased: it cannot be active again."))
    if member.status == status:
        raise InvalidTransition(
            _("This firm is suspended already.")
            if status == MemberStatus.SUSPENDED
            else _("This firm is active already.")
        )
    before = member.status
    member.status = status
    if status == MemberStatus.SUSPENDED:
        # A cookie copied before the suspension must not come back to life with the firm.
        for user in member.users:
            user.rotate_session_token()
    action = "member.suspended" if status == MemberStatus.SUSPENDED else "member.activated"
    audit.record(action, member, actor, before=str(before))
    db.session.commit()


def set_user_active(user: User, active: bool, actor: User) -> None:
    """Let a single user sign in again, or stop them (their sessions end at once)."""
    if user.id == actor.id:
        raise NotAllowed(_("You cannot deactivate your own account."))
    if user.active == active:
        raise InvalidTransition(
            _("This user is active already.") if active else _("This user is deactivated already.")
        )
    user.active = active
    if not active:
        user.rotate_session_token()
    audit.record("user.activated" if active else "user.deactivated", user, actor)
    db.session.commit()
