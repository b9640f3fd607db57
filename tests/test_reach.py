"""Reach: how many firms and users a need would be told about, counted before it opens, is what
opening it records."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from board.extensions import db
from board.models import Competence, MemberStatus, Need, NeedMatch, NeedStatus, NotifyMode, User
from board.needs.services import approve_need
from board.notifications import match
from tests import factories


def ids(*slugs: str) -> list[int]:
    found = db.session.scalars(select(Competence.id).where(Competence.slug.in_(slugs)))
    return list(found)


@pytest.fixture
def requester(app: Flask) -> factories.Account:
    """Odra posts; Wisła has Kotlin, Elbtal Kotlin and Kubernetes, Tatry only React, and a
    suspended firm Kotlin too."""
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin", "python"))
        wisla = factories.make_member("Wisła Cloud", competences=("kotlin",))
        elbtal = factories.make_member("Elbtal Systems", competences=("kotlin", "kubernetes"))
        factories.make_member("Tatry Apps", competences=("react",))
        factories.make_member("Dunaj IT", competences=("kotlin",), status=MemberStatus.SUSPENDED)
        factories.make_user(wisla, email="instant@wisla.example")
        daily = factories.make_user(wisla, email="daily@wisla.example")
        off = factories.make_user(elbtal, email="off@elbtal.example")
        picky = factories.make_user(elbtal, email="picky@elbtal.example")
        factories.make_user(elbtal, email="invited@elbtal.example", password=None)
        db.session.get(User, daily.id).notify = NotifyMode.DAILY  # type: ignore[union-attr]
        db.session.get(User, off.id).notify = NotifyMode.OFF  # type: ignore[union-attr]
        # A personal filter that leaves Kotlin and Kubernetes out.
        db.session.get(User, picky.id).competences = db.session.scalars(  # type: ignore[union-attr]
            select(Competence).where(Competence.slug == "react")
        ).all()
        db.session.commit()
        return factories.make_user(odra, email="anna@odra.example")


def test_the_firms_a_need_reaches_are_those_its_approval_records(
    app: Flask, requester: factories.Account
) -> None:
    with app.app_context():
        odra_id = requester.member_id
        assert match.firms_reached(ids("kotlin"), odra_id) == 2
        assert match.firms_reached(ids("kotlin", "kubernetes", "react"), odra_id) == 3
        # Its own firm has Python: a need is never sent to the firm that posts it.
        assert match.firms_reached(ids("python"), odra_id) == 0
        assert match.firms_reached([], odra_id) == 0

        odra = db.session.get(User, requester.id).member  # type: ignore[union-attr]
        need = factories.make_need(odra, requester.id, competences=("kotlin", "kubernetes"))
        need.status = NeedStatus.PENDING
        db.session.commit()
        counted = match.firms_reached([c.id for c in need.competences], odra_id)
        before = match.users_reached(need)
        staff = db.session.get(User, factories.make_user(is_staff=True).id)
        approve_need(db.session.get(Need, need.id), staff)  # type: ignore[arg-type]
        recorded = db.session.scalars(select(NeedMatch).where(NeedMatch.need_id == need.id))
        assert counted == len(recorded.all()) == 2
    # Wisła's instant and daily users; Elbtal's user who turned e-mails off; not the user
    # whose filter leaves the need out, nor the one who never signed in.
    assert before == {NotifyMode.INSTANT: 1, NotifyMode.DAILY: 1, NotifyMode.OFF: 1}


def test_a_need_that_reaches_nobody_is_shown_the_nearest_competences_firms_have(
    app: Flask, requester: factories.Account
) -> None:
    with app.app_context():
        nearest = match.nearest_competences(ids("java"), requester.member_id)
        # The same area as Java, most firms first; never the requester's own firm's counts.
        assert [(c.slug, firms) for c, firms in nearest] == [("kotlin", 2), ("react", 1)]
        assert match.nearest_competences([], requester.member_id) == []
