"""Test data, created through the models inside an application context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import count

from slugify import slugify

from board.auth.passwords import hash_password
from board.clock import closing_instant, cluster_today
from board.competences.services import by_slugs
from board.extensions import db
from board.members.applications import ApplicationData, submit_application
from board.models import (
    NEED_EDITABLE,
    NEED_PUBLISHED,
    Member,
    MemberStatus,
    Need,
    NeedStatus,
    Notification,
    NotificationStatus,
    Offer,
    OfferStatus,
    ReportReason,
    User,
    utcnow,
)
from board.rendering import render_markdown
from board.reports.services import file_report

PASSWORD = "correct horse battery"
_sequence = count(1)


@dataclass(frozen=True)
class Account:
    """What a test needs to act as a user, detached from any session."""

    id: int
    email: str
    password: str
    member_id: int | None
    member_slug: str | None


def make_member(
    name: str | None = None,
    competences: tuple[str, ...] = ("python", "kubernetes"),
    status: MemberStatus = MemberStatus.ACTIVE,
    country: str = "PL",
) -> Member:
    name = name or f"Firm {next(_sequence)} sp. z o.o."
    member = Member(
        name=name,
        slug=slugify(name),
        status=status,
        country=country,
        competences=by_slugs(competences),
    )
    db.session.add(member)
    db.session.commit()
    return member


def make_user(
    member: Member | None = None,
    email: str | None = None,
    password: str | None = PASSWORD,
    is_staff: bool = False,
    name: str = "Test User",
    locale: str = "en",
) -> Account:
    email = email or f"user{next(_sequence)}@example.com"
    user = User(
        email=email,
        name=name,
        member=member,
        is_staff=is_staff,
        locale=locale,
        password_hash=hash_password(password) if password else None,
        password_changed_at=utcnow() if password else None,
    )
    db.session.add(user)
    db.session.commit()
    return Account(
        id=user.id,
        email=user.email,
        password=password or "",
        member_id=member.id if member else None,
        member_slug=member.slug if member else None,
    )


def make_need(
    member: Member,
    author_id: int | None = None,
    title: str = "Two senior Kotlin developers for six months",
    description: str = "We are building a **logistics** platform and need help.",
    competences: tuple[str, ...] = ("kotlin", "kubernetes"),
    status: NeedStatus = NeedStatus.OPEN,
    deadline_in_days: int = 14,
    **fields: object,
) -> Need:
    """A need as the services would leave it in `status` (published if open or later)."""
    deadline = cluster_today() + timedelta(days=deadline_in_days)
    now = utcnow()
    need = Need(
        member=member,
        author=db.session.get(User, author_id) if author_id else None,
        title=title,
        description=description,
        description_html=str(render_markdown(description)),
        competences=by_slugs(competences),
        offer_deadline=deadline,
        offers_close_at=closing_instant(deadline),
        status=status,
        submitted_at=now if status != NeedStatus.DRAFT else None,
        published_at=now if status in NEED_PUBLISHED else None,
        # Published needs made here count as announced; tests of the fan-out approve a need.
        fanned_out_at=None if status in (*NEED_EDITABLE, NeedStatus.PENDING) else now,
        **fields,
    )
    db.session.add(need)
    db.session.commit()
    return need


def make_offer(
    need: Need,
    member: Member,
    author_id: int | None = None,
    price: str = "120000",
    status: OfferStatus = OfferStatus.SUBMITTED,
) -> Offer:
    offer = Offer(
        need=need,
        member=member,
        author=db.session.get(User, author_id) if author_id else None,
        message="We have a team of two Kotlin seniors free from March.",
        price=Decimal(price),
        currency="EUR",
        available_from=cluster_today() + timedelta(days=30),
        status=status,
    )
    db.session.add(offer)
    db.session.commit()
    return offer


def staff_work(reporter: User, need: Need, application: ApplicationData) -> None:
    """Something on each staff page: a report of `need` by `reporter`, a firm's application,
    and an e-mail to `reporter` that failed."""
    file_report(reporter, ReportReason.MISLEADING, "Not a real need.", need=need)
    submit_application(application)
    db.session.add(
        Notification(
            user=reporter,
            key=f"need_match:need:{need.id}",
            kind="need_match",
            need=need,
            status=NotificationStatus.FAILED,
            attempts=5,
            last_error="550 5.1.1 mailbox unavailable",
        )
    )
    db.session.commit()
