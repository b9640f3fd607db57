"""Membership applications: a firm asks to join, staff accept or refuse it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select, update

from board import audit
from board.auth.services import find_user, invite_user, tell_account_owner
from board.competences.services import usable
from board.errors import Conflict, InvalidTransition
from board.extensions import db
from board.members.services import checked_firm_name, unique_slug
from board.models import (
    Application,
    ApplicationStatus,
    Member,
    MemberStatus,
    User,
    name_key,
    utcnow,
)
from board.notifications import announce


@dataclass
class ApplicationData:
    member_name: str
    contact_name: str
    email: str
    message: str = ""
    competences: list[str] = field(default_factory=list)
    # The language the form was read in; the answer and the invitation are written in it.
    locale: str = "en"


def _same_name(name: str) -> object:
    return Member.name_key == name_key(name)


def _has_account(email: str) -> bool:
    """Whether the address belongs to a user who has accepted their invitation; one who has
    not may apply, and approving moves their invitation to the new member."""
    user = find_user(email)
    return user is not None and user.has_accepted_invitation


def submit_application(data: ApplicationData) -> Application:
    """Record a firm's application and tell the reviewing staff (and the owner of the
    address, if it has an account)."""
    name = checked_firm_name(data.member_name)
    email = data.email.strip().lower()
    if db.session.scalar(select(Member.id).where(_same_name(name))) is not None:
        raise Conflict(_("A member firm with this name exists already."), "member_name")
    pending = select(Application).where(Application.status == ApplicationStatus.PENDING)
    if db.session.scalar(pending.where(Application.email == email)) is not None:
        raise Conflict(_("An application from this address is already waiting."), "email")
    if db.session.scalar(pending.where(Application.member_key == name_key(name))) is not None:
        raise Conflict(_("An application for this firm is already waiting."), "member_name")
    competences, _refused = usable(data.competences)
    application = Application(
        member_name=name,
        contact_name=" ".join(data.contact_name.split()),
        email=email,
        message=data.message.strip(),
        competences=competences,
        locale=data.locale,
    )
    db.session.add(application)
    event = audit.record("application.submitted", application, None, member_name=name)
    announce.application_submitted(application, event)
    # The answer and the staff's work are the same for an address that has an account (its
    # approval is refused); only the owner of the address is told.
    owner = find_user(email)
    if owner is not None and owner.has_accepted_invitation:
        tell_account_owner(owner, None, attempt="application", application=application.id)
    db.session.commit()
    return application


def _decide(application: Application, target: ApplicationStatus, staff: User, **values: object):
    result = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status == ApplicationStatus.PENDING)
        .values(status=target, decided_at=utcnow(), decided_by_id=staff.id, **values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise InvalidTransition(_("This application has been decided already."))


def approve_application(application: Application, staff: User) -> Member:
    """Make the firm an active member and invite the person who applied (moving their
    invitation elsewhere, if they have not accepted it)."""
    if application.status != ApplicationStatus.PENDING:
        raise InvalidTransition(_("This application has been decided already."))
    if db.session.scalar(select(Member.id).where(_same_name(application.member_name))):
        raise Conflict(_("A member firm with this name exists already."))
    if _has_account(application.email):
        raise Conflict(_("The applicant's address already belongs to a user of the board."))
    _decide(application, ApplicationStatus.APPROVED, staff)
    member = Member(
        name=application.member_name,
        slug=unique_slug(application.member_name),
        status=MemberStatus.ACTIVE,
        competences=list(application.competences),
    )
    db.session.add(member)
    application.member = member
    audit.record("application.approved", application, staff)
    audit.record("member.created", member, staff, name=member.name, application=application.id)
    invite_user(
        application.email,
        member,
        staff,
        name=application.contact_name,
        locale=application.locale,
    )
    return member


def reject_application(application: Application, staff: User, reason: str) -> None:
    """Refuse an application; the person who applied is e-mailed the reason."""
    _decide(application, ApplicationStatus.REJECTED, staff, reason=reason.strip())
    event = audit.record("application.rejected", application, staff, reason=reason.strip())
    announce.application_rejected(application, event)
    db.session.commit()


def pending_applications() -> Sequence[Application]:
    """Applications waiting for staff, the oldest first."""
    query = (
        select(Application)
        .where(Application.status == ApplicationStatus.PENDING)
        .order_by(Application.created_at, Application.id)
    )
    return db.session.scalars(query).all()


def recent_decisions(limit: int = 20) -> Sequence[Application]:
    query = (
        select(Application)
        .where(Application.status != ApplicationStatus.PENDING)
        .order_by(Application.decided_at.desc())
        .limit(limit)
    )
    return db.session.scalars(query).all()
