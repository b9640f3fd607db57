"""Test data, created through the models inside an application context."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from slugify import slugify

from board.auth.passwords import hash_password
from board.competences import by_slugs
from board.extensions import db
from board.models import Member, MemberStatus, User, utcnow

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
) -> Account:
    email = email or f"user{next(_sequence)}@example.com"
    user = User(
        email=email,
        name=name,
        member=member,
        is_staff=is_staff,
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
