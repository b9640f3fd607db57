"""Every change of state of a need or an offer, through its service: what it changes, what it
writes in the audit trail (what, on what, by whom, with which details), and what a change the
rules refuse says to the person who asked for it (views show the service's words as they are).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from board.clock import cluster_today
from board.errors import DomainError
from board.extensions import db
from board.models import (
    AuditEvent,
    Member,
    MemberStatus,
    Need,
    NeedStatus,
    Notification,
    Offer,
    OfferStatus,
    User,
    utcnow,
)
from board.needs import services as needs
from board.offers import services as offers
from tests import factories
from tests.statements import statements_run


@dataclass
class Cast:
    """A requester firm with an open need, two supplier firms with an offer each, staff."""

    requester: User
    supplier: User
    rival: User
    staff: User
    need: Need
    offer: Offer
    rival_offer: Offer


@pytest.fixture
def cast(app: Flask) -> Iterator[Cast]:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        somes = factories.make_member("Somes Data", competences=("kotlin",))
        tatry = factories.make_member("Tatry Apps", competences=("kotlin",))
        requester = db.session.get(User, factories.make_user(odra).id)
        supplier = db.session.get(User, factories.make_user(somes).id)
        rival = db.session.get(User, factories.make_user(tatry).id)
        staff = db.session.get(User, factories.make_user(is_staff=True).id)
        need = factories.make_need(odra, requester.id)
        offer = factories.make_offer(need, somes, supplier.id)
        rival_offer = factories.make_offer(need, tatry, rival.id)
        yield Cast(requester, supplier, rival, staff, need, offer, rival_offer)


def audited(row: Any) -> list[tuple[str, int | None, dict[str, Any]]]:
    """The audit trail of a row: (action, actor id, details), oldest first."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.target_type == type(row).__name__.lower(),
            AuditEvent.target_id == row.id,
        )
        .order_by(AuditEvent.id)
    )
    return [(event.action, event.actor_id, event.detail) for event in events]


def refused(change: Callable[[], object], message: str) -> DomainError:
    """`change` is refused with exactly `message`, and leaves the session usable."""
    with pytest.raises(DomainError) as refusal:
        change()
    assert refusal.value.message == message
    db.session.rollback()
    return refusal.value


def mails(kind: str) -> list[int | None]:
    """The users an e-mail of this kind is queued for."""
    query = select(Notification.user_id).where(Notification.kind == kind)
    return sorted(db.session.scalars(query), key=lambda user_id: user_id or 0)


# Offers -------------------------------------------------------------------------------------


def test_a_supplier_withdraws_its_offer_once_and_only_before_the_deadline(cast: Cast) -> None:
    offers.withdraw_offer(cast.offer, cast.supplier)
    assert cast.offer.status == OfferStatus.WITHDRAWN
    assert audited(cast.offer) == [("offer.withdrawn", cast.supplier.id, {})]
    refused(
        lambda: offers.withdraw_offer(cast.offer, cast.supplier),
        "This offer can no longer be withdrawn.",
    )
    cast.need.offers_close_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    refused(
        lambda: offers.withdraw_offer(cast.rival_offer, cast.rival),
        "After the deadline an offer can no longer be withdrawn.",
    )
    assert cast.rival_offer.status == OfferStatus.SUBMITTED


def test_the_requester_shortlists_a_new_offer_while_the_need_is_open(cast: Cast) -> None:
    offers.shortlist_offer(cast.offer, cast.requester)
    assert cast.offer.status == OfferStatus.SHORTLISTED
    assert audited(cast.offer) == [("offer.shortlisted", cast.requester.id, {})]
    refused(
        lambda: offers.shortlist_offer(cast.offer, cast.requester),
        "Only a new offer can be shortlisted.",
    )
    cast.need.status = NeedStatus.HIDDEN
    db.session.commit()
    refused(
        lambda: offers.shortlist_offer(cast.rival_offer, cast.requester),
        "This need is no longer open.",
    )
    assert cast.rival_offer.status == OfferStatus.SUBMITTED


def test_the_requester_declines_an_offer_with_a_reason_its_firm_reads(cast: Cast) -> None:
    offers.decline_offer(cast.offer, cast.requester, "  Above our budget.  ")
    assert cast.offer.status == OfferStatus.DECLINED
    assert cast.offer.decline_reason == "Above our budget."
    assert cast.offer.decided_at is not None
    assert audited(cast.offer) == [
        ("offer.declined", cast.requester.id, {"reason": "Above our budget."})
    ]
    assert mails("offer_declined") == [cast.supplier.id]
    refused(
        lambda: offers.decline_offer(cast.offer, cast.requester),
        "This offer can no longer be declined.",
    )
    cast.need.status = NeedStatus.CANCELLED
    db.session.commit()
    refused(
        lambda: offers.decline_offer(cast.rival_offer, cast.requester),
        "This need is no longer open.",
    )


def test_an_offer_declined_without_a_reason_carries_none(cast: Cast) -> None:
    offers.decline_offer(cast.offer, cast.requester)
    assert cast.offer.decline_reason == ""
    assert audited(cast.offer) == [("offer.declined", cast.requester.id, {"reason": ""})]


def test_a_firms_offers_list_the_last_changed_first(cast: Cast) -> None:
    second = factories.make_need(cast.requester.member, cast.requester.id, title="A second need")
    newer = factories.make_offer(second, cast.supplier.member, cast.supplier.id)
    cast.offer.updated_at = newer.updated_at + timedelta(minutes=5)
    db.session.commit()
    listed = [offer.id for offer, _need in offers.member_offers(cast.supplier)]
    assert listed == [cast.offer.id, newer.id]
    cast.offer.updated_at = newer.updated_at  # changed at the same instant: the newer first
    db.session.commit()
    listed = [offer.id for offer, _need in offers.member_offers(cast.supplier)]
    assert listed == [newer.id, cast.offer.id]


def test_accepting_an_offer_awards_the_need_and_declines_the_live_others(cast: Cast) -> None:
    offers.accept_offer(cast.offer, cast.requester)
    assert cast.need.status == NeedStatus.CLOSED and cast.need.closed_at is not None
    assert (cast.offer.status, cast.rival_offer.status) == (
        OfferStatus.ACCEPTED,
        OfferStatus.DECLINED,
    )
    assert cast.offer.decided_at is not None and cast.rival_offer.decided_at is not None
    assert audited(cast.need)[-1] == (
        "need.awarded",
        cast.requester.id,
        {"offer_id": cast.offer.id},
    )
    assert audited(cast.offer) == [("offer.accepted", cast.requester.id, {})]
    assert audited(cast.rival_offer) == [
        ("offer.declined", cast.requester.id, {"accepted_offer": cast.offer.id})
    ]
    assert mails("offer_accepted") == [cast.supplier.id]
    assert mails("need_awarded") == [cast.rival.id]
    assert mails("award_confirmed") == [cast.requester.id]
    refused(
        lambda: offers.accept_offer(cast.rival_offer, cast.requester),
        "This need is no longer open, so no offer can be accepted.",
    )


def test_an_offer_of_a_suspended_firm_cannot_be_accepted(cast: Cast) -> None:
    cast.offer.member.status = MemberStatus.SUSPENDED
    db.session.commit()
    refused(
        lambda: offers.accept_offer(cast.offer, cast.requester),
        "This firm is suspended; its offer cannot be accepted now.",
    )
    assert cast.need.status == NeedStatus.OPEN


def test_staff_hide_an_offer_with_a_reason_and_show_it_again(cast: Cast) -> None:
    offers.hide_offer(cast.offer, cast.staff, "  Advertising, not an offer.  ")
    assert cast.offer.hidden_at is not None
    assert cast.offer.hidden_reason == "Advertising, not an offer."
    assert mails("offer_hidden") == [cast.supplier.id]
    refused(
        lambda: offers.hide_offer(cast.offer, cast.staff, "Again"),
        "This offer is hidden already.",
    )
    offers.unhide_offer(cast.offer, cast.staff)
    assert (cast.offer.hidden_at, cast.offer.hidden_reason) == (None, "")
    assert audited(cast.offer) == [
        ("offer.hidden", cast.staff.id, {"reason": "Advertising, not an offer."}),
        ("offer.unhidden", cast.staff.id, {}),
    ]
    refused(lambda: offers.unhide_offer(cast.offer, cast.staff), "This offer is not hidden.")


def test_a_supplier_sends_changes_and_sends_again_its_one_offer(cast: Cast) -> None:
    data = offers.OfferData("  Three seniors.  ", Decimal("99000"), "PLN", cluster_today(), " R-7 ")
    offer, created = offers.submit_offer(cast.need, cast.supplier.member, cast.supplier, data)
    assert (offer.id, created) == (cast.offer.id, False)
    assert (offer.message, offer.price, offer.currency, offer.reference) == (
        "Three seniors.",
        Decimal("99000.00"),
        "PLN",
        "R-7",
    )
    assert audited(offer)[-1] == (
        "offer.updated",
        cast.supplier.id,
        {
            "changed": ["message", "price", "currency", "available_from", "reference"],
            "before": {"price": "120000.00", "currency": "EUR", "price_basis": "fixed"},
            "after": {"price": "99000.00", "currency": "PLN", "price_basis": "fixed"},
        },
    )
    assert mails("offer_received") == []
    assert mails("offer_changed") == [cast.requester.id]
    offers.withdraw_offer(offer, cast.supplier)
    offers.submit_offer(cast.need, cast.supplier.member, cast.supplier, data)
    assert offer.status == OfferStatus.SUBMITTED
    assert audited(offer)[-1] == ("offer.submitted", cast.supplier.id, {})
    assert mails("offer_received") == [cast.requester.id]
    refused(
        lambda: offers.submit_offer(cast.need, cast.requester.member, cast.requester, data),
        "A firm cannot offer on its own need.",
    )
    bad = offers.OfferData("Hm.", Decimal("1"), "XYZ", cluster_today())
    refusal = refused(
        lambda: offers.submit_offer(cast.need, cast.supplier.member, cast.supplier, bad),
        "Choose a currency from the list.",
    )
    assert refusal.field == "currency"  # the form shows it next to the currency
    offers.decline_offer(offer, cast.requester)
    refused(
        lambda: offers.submit_offer(cast.need, cast.supplier.member, cast.supplier, data),
        "This offer has been decided on and can no longer change.",
    )


def test_the_offers_on_a_need_read_oldest_first(cast: Cast) -> None:
    cast.offer.created_at = cast.rival_offer.created_at + timedelta(minutes=5)
    db.session.commit()
    assert offers.offers_on(cast.need, cast.requester) == [cast.rival_offer, cast.offer]
    cast.offer.created_at = cast.rival_offer.created_at  # the same instant: the first made
    db.session.commit()
    assert offers.offers_on(cast.need, cast.requester) == [cast.offer, cast.rival_offer]


def test_a_firms_first_offer_on_another_need_is_new_and_names_its_author(cast: Cast) -> None:
    second = factories.make_need(cast.requester.member, cast.requester.id, title="A second need")
    data = offers.OfferData("Two seniors.", Decimal("50000"), "EUR", cluster_today())
    offer, created = offers.submit_offer(second, cast.supplier.member, cast.supplier, data)
    assert created and offer.id != cast.offer.id
    assert (offer.need, offer.author, offer.status) == (
        second,
        cast.supplier,
        OfferStatus.SUBMITTED,
    )


def test_a_colleague_s_offer_saved_a_moment_before_is_not_duplicated(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two people of one firm send its offer at once: the second meets the database's rule."""
    monkeypatch.setattr(offers, "offer_of", lambda need, member: None)  # it saw no offer yet
    data = offers.OfferData("Ours.", Decimal("1"), "EUR", cluster_today())
    refused(
        lambda: offers.submit_offer(cast.need, cast.supplier.member, cast.supplier, data),
        "A colleague has just sent your firm's offer on this need. Open it and edit it.",
    )
    assert db.session.scalar(select(func.count(Offer.id))) == 2


def test_each_change_of_an_offer_s_state_is_dated(cast: Cast) -> None:
    before = cast.offer.updated_at
    offers.withdraw_offer(cast.offer, cast.supplier)
    assert cast.offer.updated_at > before


def test_a_withdrawn_offer_cannot_be_accepted_and_the_need_stays_open(cast: Cast) -> None:
    offers.withdraw_offer(cast.offer, cast.supplier)
    refused(
        lambda: offers.accept_offer(cast.offer, cast.requester),
        "This offer can no longer be accepted.",
    )
    assert (cast.need.status, cast.offer.status) == (NeedStatus.OPEN, OfferStatus.WITHDRAWN)


# Needs --------------------------------------------------------------------------------------


def need_data(**changes: Any) -> needs.NeedData:
    fields: dict[str, Any] = {
        "title": "  Two   Kotlin   developers  ",
        "description": "  Ktor on Kubernetes.  ",
        "competences": ["kotlin", "kubernetes"],
        "offer_deadline": cluster_today() + timedelta(days=10),
        "currency": "EUR",
        "budget_min": Decimal("1000"),
        "budget_max": Decimal("2000"),
        "expected_start": cluster_today() + timedelta(days=20),
        "duration": " six months ",
        "location": " Wrocław ",
    }
    return needs.NeedData(**{**fields, **changes})


def test_a_firms_needs_list_the_last_changed_first_with_the_offers_it_may_read(
    cast: Cast,
) -> None:
    """Withdrawn offers and offers staff hid from the requester are not counted; a need
    without offers has none."""
    member = db.session.get(Member, cast.requester.member_id)
    draft = needs.create_need(member, cast.requester, need_data())
    draft.updated_at = cast.need.updated_at + timedelta(minutes=5)
    db.session.commit()
    assert [(need.id, count) for need, count in needs.member_needs(cast.requester)] == [
        (draft.id, 0),
        (cast.need.id, 2),
    ]
    offers.withdraw_offer(cast.offer, cast.supplier)
    offers.hide_offer(cast.rival_offer, cast.staff, "Spam.")
    assert [count for _need, count in needs.member_needs(cast.requester)] == [0, 0]


def test_a_draft_is_created_edited_and_submitted_by_its_firm(cast: Cast) -> None:
    member = db.session.get(Member, cast.requester.member_id)
    draft = needs.create_need(member, cast.requester, need_data())
    assert (draft.status, draft.title, draft.description) == (
        NeedStatus.DRAFT,
        "Two Kotlin developers",
        "Ktor on Kubernetes.",
    )
    assert (draft.duration, draft.location) == ("six months", "Wrocław")
    assert (draft.member, draft.author) == (member, cast.requester)
    assert [c.slug for c in draft.competences] == ["kotlin", "kubernetes"]
    needs.update_need(draft, cast.requester, need_data(title="Three Kotlin developers"))
    assert draft.title == "Three Kotlin developers"
    edited = draft.updated_at
    needs.submit_need(draft, cast.requester)
    assert draft.status == NeedStatus.PENDING and draft.submitted_at is not None
    assert draft.updated_at > edited  # "My needs" lists it as the last changed
    assert audited(draft) == [
        ("need.created", cast.requester.id, {"title": "Two Kotlin developers"}),
        ("need.updated", cast.requester.id, {}),
        ("need.submitted", cast.requester.id, {}),
    ]
    refused(
        lambda: needs.submit_need(draft, cast.requester),
        "This need cannot be submitted for review now.",
    )
    # Waiting for review, it may still change; it stays in the queue, marked as changed.
    assert needs.changed_in_review([draft.id]) == set()
    needs.update_need(draft, cast.requester, need_data(title="Four Kotlin developers"))
    assert (draft.status, draft.title) == (NeedStatus.PENDING, "Four Kotlin developers")
    assert needs.changed_in_review([draft.id]) == {draft.id}
    needs.approve_need(draft, cast.staff)
    refused(
        lambda: needs.update_need(draft, cast.requester, need_data()),
        "This need can no longer be edited: staff have decided on it.",
    )
    assert draft.title == "Four Kotlin developers"


@pytest.mark.parametrize(
    "changes, message, field",
    [
        ({"competences": []}, "Choose at least one competence.", "competences"),
        ({"competences": ["kotlin", "nope"]}, "Choose competences from the list.", "competences"),
        ({"offer_deadline": 0}, "The offer deadline must be tomorrow or later.", "offer_deadline"),
        ({"offer_deadline": 366}, "The offer deadline can be at most one year ahead.",
         "offer_deadline"),
        ({"currency": "XYZ"}, "Choose a currency from the list.", "currency"),
        ({"budget_min": Decimal("2001")}, "The lowest budget cannot be above the highest.",
         "budget_max"),
        ({"expected_start": -1}, "The expected start cannot be in the past.", "expected_start"),
    ],
)  # fmt: skip
def test_a_need_the_rules_refuse_is_refused_next_to_its_field_and_not_saved(
    cast: Cast, changes: dict[str, Any], message: str, field: str
) -> None:
    for name in ("offer_deadline", "expected_start"):
        if isinstance(changes.get(name), int):
            changes[name] = cluster_today() + timedelta(days=changes[name])
    member = db.session.get(Member, cast.requester.member_id)
    with pytest.raises(DomainError) as refusal:
        needs.create_need(member, cast.requester, need_data(**changes))
    assert (refusal.value.message, refusal.value.field) == (message, field)
    db.session.rollback()
    assert db.session.scalars(select(Need.id)).all() == [cast.need.id]


def test_the_last_and_first_days_the_rules_allow(cast: Cast) -> None:
    member = db.session.get(Member, cast.requester.member_id)
    edges = need_data(
        offer_deadline=cluster_today() + timedelta(days=365),
        expected_start=cluster_today(),
        budget_min=Decimal("2000"),
    )
    assert needs.create_need(member, cast.requester, edges).status == NeedStatus.DRAFT
    tomorrow = need_data(offer_deadline=cluster_today() + timedelta(days=1), budget_max=None)
    assert needs.create_need(member, cast.requester, tomorrow).budget_max is None


def test_a_need_whose_deadline_passed_is_neither_submitted_nor_approved(cast: Cast) -> None:
    for status, change, message in (
        (NeedStatus.DRAFT, lambda need: needs.submit_need(need, cast.requester),
         "The offer deadline has passed: edit the need and choose a new one."),
        (NeedStatus.PENDING, lambda need: needs.approve_need(need, cast.staff),
         "The offer deadline of this need has passed: request changes instead."),
    ):  # fmt: skip
        member = db.session.get(Member, cast.requester.member_id)
        need = factories.make_need(member, cast.requester.id, status=status, deadline_in_days=0)
        refused(lambda need=need, change=change: change(need), message)
        assert db.session.get(Need, need.id).status == status


def pending(cast: Cast) -> Need:
    member = db.session.get(Member, cast.requester.member_id)
    return factories.make_need(member, cast.requester.id, status=NeedStatus.PENDING)


def test_the_review_queue_reads_the_longest_waiting_first_with_firms_and_competences(
    cast: Cast,
) -> None:
    """Needs sent at the same instant wait in the order they were made; however many wait,
    the queue and what it shows of each take three statements."""
    somes = db.session.get(Member, cast.supplier.member_id)
    waiting = [pending(cast)]
    waiting.append(factories.make_need(somes, status=NeedStatus.PENDING, competences=("kotlin",)))
    waiting.append(pending(cast))
    for need in waiting:
        need.submitted_at = waiting[0].created_at
    waiting[2].submitted_at -= timedelta(minutes=1)
    db.session.commit()
    db.session.expire_all()
    with statements_run() as statements:
        queue = needs.pending_needs()
        shown = [(need.member.name, [c.slug for c in need.competences]) for need in queue]
    assert [need.id for need in queue] == [waiting[2].id, waiting[0].id, waiting[1].id]
    assert shown == [
        ("Odra Software", ["kotlin", "kubernetes"]),
        ("Odra Software", ["kotlin", "kubernetes"]),
        ("Somes Data", ["kotlin"]),
    ]  # the longest waiting first; then, sent at once, in the order they were made
    assert len(statements) == 3


def test_staff_approve_a_pending_need_once(cast: Cast) -> None:
    need = pending(cast)
    needs.approve_need(need, cast.staff)
    assert need.status == NeedStatus.OPEN
    assert need.published_at is not None and need.published_at == need.moderated_at
    assert audited(need)[-1] == ("need.approved", cast.staff.id, {})
    assert mails("need_approved") == [cast.requester.id]
    refused(
        lambda: needs.approve_need(need, cast.staff),
        "Only a need waiting for review can be approved.",
    )


@pytest.mark.parametrize(
    "change, status, action, mail, again",
    [
        (needs.reject_need, NeedStatus.REJECTED, "need.rejected", "need_rejected",
         "Only a need waiting for review can be rejected."),
        (needs.request_changes, NeedStatus.CHANGES_REQUESTED, "need.changes_requested",
         "need_changes_requested", "Changes can be requested only for a need waiting for review."),
    ],
)  # fmt: skip
def test_staff_send_a_pending_need_back_with_a_reason(
    cast: Cast, change: Callable[..., None], status: NeedStatus, action: str, mail: str, again: str
) -> None:
    need = pending(cast)
    change(need, cast.staff, "Say which Kotlin version.")
    assert (need.status, need.moderation_reason) == (status, "Say which Kotlin version.")
    assert need.moderated_at is not None
    assert audited(need)[-1] == (action, cast.staff.id, {"reason": "Say which Kotlin version."})
    assert mails(mail) == [cast.requester.id]
    refused(lambda: change(need, cast.staff, "Again"), again)
    needs.update_need(need, cast.requester, need_data())
    needs.submit_need(need, cast.requester)
    needs.approve_need(need, cast.staff)
    assert need.moderation_reason == ""


def test_staff_hide_an_open_need_with_a_reason_and_put_it_back(cast: Cast) -> None:
    needs.hide_need(cast.need, cast.staff, "Not a need: an advertisement.")
    assert cast.need.status == NeedStatus.HIDDEN
    hidden_at = cast.need.moderated_at
    assert cast.need.moderation_reason == "Not a need: an advertisement."
    assert mails("need_hidden") == [cast.requester.id]
    refused(
        lambda: needs.hide_need(cast.need, cast.staff, "Again"), "Only an open need can be hidden."
    )
    needs.unhide_need(cast.need, cast.staff)
    assert (cast.need.status, cast.need.moderation_reason) == (NeedStatus.OPEN, "")
    assert cast.need.moderated_at > hidden_at  # when staff last decided about it
    assert audited(cast.need)[-2:] == [
        ("need.hidden", cast.staff.id, {"reason": "Not a need: an advertisement."}),
        ("need.unhidden", cast.staff.id, {}),
    ]
    refused(
        lambda: needs.unhide_need(cast.need, cast.staff),
        "Only a hidden need can be put back on the board.",
    )


def test_the_requester_cancels_an_open_need_and_the_firms_still_in_the_running_are_told(
    cast: Cast,
) -> None:
    offers.withdraw_offer(cast.rival_offer, cast.rival)
    needs.cancel_need(cast.need, cast.requester)
    assert cast.need.status == NeedStatus.CANCELLED and cast.need.closed_at is not None
    assert audited(cast.need)[-1] == ("need.cancelled", cast.requester.id, {})
    assert mails("need_cancelled") == [cast.supplier.id]
    refused(
        lambda: needs.cancel_need(cast.need, cast.requester),
        "This need can no longer be cancelled.",
    )


def test_a_draft_is_cancelled_without_telling_anyone(cast: Cast) -> None:
    member = db.session.get(Member, cast.requester.member_id)
    draft = factories.make_need(member, cast.requester.id, status=NeedStatus.DRAFT)
    needs.cancel_need(draft, cast.requester)
    assert draft.status == NeedStatus.CANCELLED
    assert mails("need_cancelled") == []


def test_an_open_need_expires_thirty_days_after_its_deadline_by_nobody(cast: Cast) -> None:
    closes = cast.need.offers_close_at
    assert needs.expire_needs(closes + timedelta(days=30)) == 0
    assert needs.expire_needs(closes + timedelta(days=30, seconds=1)) == 1
    assert cast.need.status == NeedStatus.EXPIRED and cast.need.closed_at is not None
    assert audited(cast.need)[-1] == ("need.expired", None, {})
    assert needs.expire_needs(closes + timedelta(days=31)) == 0
