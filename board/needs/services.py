"""Needs: drafting, review by staff, publication, and the end of their life."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import selectinload

from board import audit
from board.attachments.services import copy_files
from board.clock import closing_instant, cluster_today
from board.competences.services import by_slugs
from board.errors import DomainError, Invalid, InvalidTransition
from board.extensions import db
from board.jobs import job
from board.models import (
    CURRENCIES,
    NEED_CANCELLABLE,
    NEED_EDITABLE,
    NEED_PUBLISHED,
    NEED_REPOSTABLE,
    NEED_SUBMITTABLE,
    AuditEvent,
    Competence,
    Member,
    MemberStatus,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    User,
    WorkMode,
    need_competences,
    utcnow,
)
from board.needs import search
from board.notifications import announce
from board.pagination import Page, offset, paginate
from board.permissions import visible_needs, visible_offers
from board.rendering import render_markdown
from board.states import move

# An open need with no award this long after its deadline expires.
EXPIRY_AFTER_DEADLINE = timedelta(days=30)


@dataclass
class NeedData:
    title: str
    description: str
    competences: list[str]
    # None only while a form that could not read it is judged (`rule_errors`).
    offer_deadline: date | None
    currency: str = "EUR"
    # An earlier last day for questions; None: questions close with the offers.
    question_deadline: date | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    expected_start: date | None = None
    duration: str = ""
    work_mode: WorkMode = WorkMode.REMOTE
    location: str = ""
    work_language: str = "en"


def rule_errors(data: NeedData) -> tuple[list[DomainError], list[Competence]]:
    """Every rule `data` breaks that a form cannot judge alone, each naming its field, and
    the competences it asks for. A value the form could not read (None) is the form's to
    refuse, so the rules that need it are not asked."""
    today = cluster_today()
    errors: list[DomainError] = []

    def refuse(message: str, field: str) -> None:
        errors.append(DomainError(message, field))

    competences = by_slugs(data.competences) if data.competences else []
    if not data.competences:
        refuse(_("Choose at least one competence."), "competences")
    elif len(competences) != len(set(data.competences)):
        refuse(_("Choose competences from the list."), "competences")
    deadline = data.offer_deadline
    if deadline is not None and deadline <= today:
        refuse(_("The offer deadline must be tomorrow or later."), "offer_deadline")
    elif deadline is not None and deadline > today + timedelta(days=365):
        refuse(_("The offer deadline can be at most one year ahead."), "offer_deadline")
    if data.question_deadline is not None:
        if data.question_deadline < today:
            refuse(_("The last day for questions cannot be in the past."), "question_deadline")
        elif deadline is not None and data.question_deadline > deadline:
            refuse(
                _("The last day for questions cannot be after the offer deadline."),
                "question_deadline",
            )
    if data.currency not in CURRENCIES:
        refuse(_("Choose a currency from the list."), "currency")
    if data.budget_min is not None and data.budget_max is not None:
        if data.budget_min > data.budget_max:
            refuse(_("The lowest budget cannot be above the highest."), "budget_max")
    if data.expected_start is not None and data.expected_start < today:
        refuse(_("The expected start cannot be in the past."), "expected_start")
    return errors, competences


def check_rules(data: NeedData) -> list[Competence]:
    """Refuse what a form cannot judge alone, every broken rule at once; return the
    competences the need asks for."""
    errors, competences = rule_errors(data)
    if errors:
        raise Invalid(errors)
    return competences


def _apply(need: Need, data: NeedData, competences: list[Competence]) -> None:
    need.title = " ".join(data.title.split())
    need.description = data.description.strip()
    need.description_html = str(render_markdown(need.description))
    need.competences = competences
    need.offer_deadline = data.offer_deadline
    need.offers_close_at = closing_instant(data.offer_deadline)
    need.question_deadline = data.question_deadline
    need.questions_close_at = (
        closing_instant(data.question_deadline) if data.question_deadline else None
    )
    need.budget_min, need.budget_max, need.currency = (
        data.budget_min,
        data.budget_max,
        data.currency,
    )
    need.expected_start, need.duration = data.expected_start, data.duration.strip()
    need.work_mode, need.location = data.work_mode, data.location.strip()
    need.work_language = data.work_language


def create_need(member: Member, author: User, data: NeedData) -> Need:
    """Save a new need as a draft of the author's firm."""
    need = _new_draft(member, author, data)
    db.session.commit()
    return need


def _new_draft(member: Member, author: User, data: NeedData, **detail: Any) -> Need:
    """A new draft of the firm, audited with `detail`, in the caller's transaction."""
    competences = check_rules(data)
    need = Need(member=member, author=author, status=NeedStatus.DRAFT)
    _apply(need, data, competences)
    db.session.add(need)
    audit.record("need.created", need, author, title=need.title, **detail)
    return need


def update_need(need: Need, actor: User, data: NeedData) -> None:
    """Change a need that is a draft, was sent back by staff, or waits for review (it keeps
    its place in the queue; staff see it changed since it was submitted)."""
    refusal = _("This need can no longer be edited: staff have decided on it.")
    if need.status not in NEED_EDITABLE:
        raise InvalidTransition(refusal)
    competences = check_rules(data)
    # Claimed in the database first: an approval racing this edit either comes after it
    # (and publishes what was saved) or before it (and the edit is refused).
    move(need, NEED_EDITABLE, need.status, refusal)
    _apply(need, data, competences)
    audit.record("need.updated", need, actor)
    db.session.commit()


def changed_in_review(need_ids: Sequence[int]) -> set[int]:
    """Which of these needs waiting for review were edited after they were submitted."""
    if not need_ids:
        return set()
    edited = (
        select(AuditEvent.target_id)
        .join(Need, Need.id == AuditEvent.target_id)
        .where(
            AuditEvent.target_type == "need",
            AuditEvent.action == "need.updated",
            AuditEvent.target_id.in_(need_ids),
            AuditEvent.created_at > Need.submitted_at,
        )
    )
    return set(db.session.scalars(edited))


# A copy's deadline when its original's has passed: the usual time firms get to answer.
COPY_OFFER_DAYS = 14


def copy_data(need: Need, offer_deadline: date | None = None) -> NeedData:
    """What `need` asked for, as a new need's data; dates that have passed are left out, and
    the offer deadline is `offer_deadline`, else the original's while it is ahead, else two
    weeks from today."""
    today = cluster_today()
    if offer_deadline is None:
        ahead = need.offer_deadline > today
        offer_deadline = need.offer_deadline if ahead else today + timedelta(COPY_OFFER_DAYS)
    question_deadline = need.question_deadline
    if question_deadline is not None and not today <= question_deadline <= offer_deadline:
        question_deadline = None
    start = need.expected_start
    return NeedData(
        title=need.title,
        description=need.description,
        competences=[competence.slug for competence in need.competences],
        offer_deadline=offer_deadline,
        question_deadline=question_deadline,
        currency=need.currency,
        budget_min=need.budget_min,
        budget_max=need.budget_max,
        expected_start=start if start is not None and start >= today else None,
        duration=need.duration,
        work_mode=need.work_mode,
        location=need.location,
        work_language=need.work_language,
    )


def copy_need(need: Need, author: User) -> Need:
    """A new draft of the author's firm asking for what `need` asked, with the same files."""
    copy = _new_draft(author.member, author, copy_data(need), copied_from=need.id)
    copy_files(need, copy)
    db.session.commit()
    return copy


def repost_need(need: Need, author: User, offer_deadline: date) -> Need:
    """Post a need that ended without an award again, in one step: a new need with its files
    and a new deadline, sent for review at once. The old one stays as it ended."""
    if need.status not in NEED_REPOSTABLE:
        raise InvalidTransition(_("Only a cancelled or expired need can be posted again."))
    data = copy_data(need, offer_deadline)
    copy = _new_draft(author.member, author, data, reposted_from=need.id)
    copy_files(need, copy)
    submit_need(copy, author)
    return copy


def extend_deadline(need: Need, actor: User, offer_deadline: date) -> None:
    """Take offers on an open need until a later day; the firms that offered or asked are
    told, and reminders are due again before the new deadline."""
    today = cluster_today()
    before = need.offer_deadline
    if offer_deadline <= before:
        raise DomainError(
            _("Choose a day after the present deadline, %(date)s.", date=format_date(before)),
            "offer_deadline",
        )
    if offer_deadline > today + timedelta(days=365):
        raise DomainError(_("The offer deadline can be at most one year ahead."), "offer_deadline")
    move(
        need,
        (NeedStatus.OPEN,),
        NeedStatus.OPEN,
        _("Only an open need's deadline can be extended."),
        offer_deadline=offer_deadline,
        offers_close_at=closing_instant(offer_deadline),
        deadline_reminded_at=None,
        award_reminded_at=None,
    )
    event = audit.record(
        "need.deadline_extended",
        need,
        actor,
        before=before.isoformat(),
        after=offer_deadline.isoformat(),
    )
    announce.deadline_extended(need, event)
    db.session.commit()


MESSAGES = {
    NeedStatus.PENDING: lambda: _("This need cannot be submitted for review now."),
    NeedStatus.OPEN: lambda: _("Only a need waiting for review can be approved."),
    NeedStatus.REJECTED: lambda: _("Only a need waiting for review can be rejected."),
    NeedStatus.CHANGES_REQUESTED: lambda: _(
        "Changes can be requested only for a need waiting for review."
    ),
    NeedStatus.CANCELLED: lambda: _("This need can no longer be cancelled."),
    NeedStatus.HIDDEN: lambda: _("Only an open need can be hidden."),
    NeedStatus.CLOSED: lambda: _("This need is no longer open, so no offer can be accepted."),
    NeedStatus.EXPIRED: lambda: _("Only an open need can expire."),
}


def transition(
    need: Need,
    allowed: Sequence[NeedStatus],
    target: NeedStatus,
    action: str,
    actor: User | None,
    detail: dict[str, Any] | None = None,
    refusal: str | None = None,
    **values: Any,
) -> AuditEvent:
    """Move a need to `target` if it is in one of `allowed` states, as one atomic update.

    The change is audited as `action` by `actor`, with `detail`.
    """
    move(need, allowed, target, refusal or MESSAGES[target](), **values)
    return audit.record(action, need, actor, **(detail or {}))


def submit_need(need: Need, actor: User) -> None:
    """Send a need to staff for review."""
    if need.offer_deadline <= cluster_today():
        raise DomainError(_("The offer deadline has passed: edit the need and choose a new one."))
    event = transition(
        need, NEED_SUBMITTABLE, NeedStatus.PENDING, "need.submitted", actor, submitted_at=utcnow()
    )
    announce.need_submitted(need, event)
    db.session.commit()


def approve_need(need: Need, staff: User) -> None:
    """Publish a need: it opens to offers and is announced."""
    if need.status == NeedStatus.PENDING and need.offer_deadline <= cluster_today():
        raise DomainError(_("The offer deadline of this need has passed: request changes instead."))
    now = utcnow()
    event = transition(
        need,
        (NeedStatus.PENDING,),
        NeedStatus.OPEN,
        "need.approved",
        staff,
        published_at=now,
        moderated_at=now,
        moderation_reason="",
    )
    announce.need_opened(need, event)
    db.session.commit()


def _moderate(
    need: Need,
    staff: User,
    allowed: NeedStatus,
    target: NeedStatus,
    reason: str,
    tell: Callable[[Need, AuditEvent], None],
) -> None:
    """A staff decision on a need that gives its firm a reason, which the firm is told."""
    event = transition(
        need,
        (allowed,),
        target,
        f"need.{target.value}",
        staff,
        {"reason": reason},
        moderated_at=utcnow(),
        moderation_reason=reason,
    )
    tell(need, event)
    db.session.commit()


def reject_need(need: Need, staff: User, reason: str) -> None:
    """Refuse a need, saying why; its author may edit it and submit it again."""
    _moderate(need, staff, NeedStatus.PENDING, NeedStatus.REJECTED, reason, announce.need_rejected)


def request_changes(need: Need, staff: User, reason: str) -> None:
    """Send a need back to its author with what to change."""
    _moderate(
        need,
        staff,
        NeedStatus.PENDING,
        NeedStatus.CHANGES_REQUESTED,
        reason,
        announce.need_changes_requested,
    )


def hide_need(need: Need, staff: User, reason: str) -> None:
    """Take an open need off the board, saying why; its firm is told."""
    _moderate(need, staff, NeedStatus.OPEN, NeedStatus.HIDDEN, reason, announce.need_hidden)


def unhide_need(need: Need, staff: User) -> None:
    """Put a hidden need back on the board."""
    transition(
        need,
        (NeedStatus.HIDDEN,),
        NeedStatus.OPEN,
        "need.unhidden",
        staff,
        refusal=_("Only a hidden need can be put back on the board."),
        moderated_at=utcnow(),
        moderation_reason="",
    )
    db.session.commit()


def cancel_need(need: Need, actor: User) -> None:
    """Withdraw a need; firms that had offered are told."""
    was_open = need.status == NeedStatus.OPEN
    event = transition(
        need, NEED_CANCELLABLE, NeedStatus.CANCELLED, "need.cancelled", actor, closed_at=utcnow()
    )
    if was_open:
        announce.need_cancelled(need, event, [o for o in need.offers if o.is_live])
    db.session.commit()


@job("needs.expire")
def expire_needs(now: datetime | None = None) -> int:
    """Expire open needs left without an award long after their deadline; return how many."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Need).where(
            Need.status == NeedStatus.OPEN,
            Need.offers_close_at < now - EXPIRY_AFTER_DEADLINE,
        )
    ).all()
    for need in overdue:
        try:
            transition(
                need, (NeedStatus.OPEN,), NeedStatus.EXPIRED, "need.expired", None, closed_at=now
            )
        except InvalidTransition:
            continue
    db.session.commit()
    return len(overdue)


# The board --------------------------------------------------------------------------------


@dataclass
class BoardQuery:
    """What the board page was asked for."""

    q: str = ""
    competences: list[str] = field(default_factory=list)
    status: NeedStatus = NeedStatus.OPEN
    matching: bool = False
    sort: str = "newest"


def board_statement(viewer: User, query: BoardQuery) -> Select[tuple[Need]]:
    """The needs a viewer asked for, among those they may see, in the order they chose."""
    statement = select(Need).options(selectinload(Need.competences), selectinload(Need.member))
    return _board_order(query, _board_filter(viewer, query, statement))


def board_page(viewer: User, query: BoardQuery, page: int, per_page: int) -> Page[Need]:
    """One page of the board, with the number of needs on all its pages.

    The plain board is paged by two queries; each reads an index of its own and stops early.

    A text search's matches are planned on their own (a materialized CTE of their ids and
    sort keys): under the page's LIMIT, PostgreSQL would otherwise walk every need of the
    status in board order, testing each one's text, as if the count stopped after a page.
    The page is then ordered and cut from the matches, and the count read from them, in the
    query that reads the page. That reads every match, which for a common word alone is a
    good part of the board: such a search is counted up to SEARCH_COUNT_LIMIT first, and when
    it finds more, its page is read in board order (a few rows of the board's index for each
    need shown) and the count given as "more than" the limit.
    """
    if not search.words(query.q):
        return paginate(board_statement(viewer, query), page, per_page)
    if not query.competences and query.sort != "relevance":
        limit = current_app.config["SEARCH_COUNT_LIMIT"]
        found = _board_filter(viewer, query, select(Need.id)).limit(limit + 1).subquery()
        if (db.session.scalar(select(func.count()).select_from(found)) or 0) > limit:
            items = db.session.scalars(
                board_statement(viewer, query).limit(per_page).offset(offset(page, per_page))
            ).all()
            return Page(items, page, per_page, limit, exact=False)
    keys = _sort_keys(query)
    found = select(Need.id, *(key.label(f"key{n}") for n, (key, _) in enumerate(keys[:-1])))
    matches = _board_filter(viewer, query, found).cte("matches").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(matches).scalar_subquery().label("total")
    chosen = (
        select(matches, total)
        .order_by(*_ordered(matches.c, keys))
        .limit(per_page)
        .offset(offset(page, per_page))
        .subquery("page")
    )
    statement = (
        select(Need, chosen.c.total)
        .join(chosen, chosen.c.id == Need.id)
        .order_by(*_ordered(chosen.c, keys))
        .options(selectinload(Need.competences), selectinload(Need.member))
    )
    rows = db.session.execute(statement).all()
    if rows:
        counted = rows[0].total
    elif page == 1:
        counted = 0
    else:
        # Past the last page: the count comes from the matches alone.
        counted = db.session.scalar(select(func.count()).select_from(matches)) or 0
    return Page([row.Need for row in rows], page, per_page, counted)


def _board_filter(viewer: User, query: BoardQuery, statement: Select[Any]) -> Select[Any]:
    """Keep the needs the viewer asked for and may see."""
    statement = statement.where(Need.status == query.status, visible_needs(viewer, query.status))
    if viewer.is_staff and query.status in NEED_PUBLISHED:
        # A suspended firm's needs leave the board until the firm is reactivated; for members
        # `visible_needs` says so already.
        active_firms = select(Member.id).where(Member.status == MemberStatus.ACTIVE)
        statement = statement.where(Need.member_id.in_(active_firms))
    dialect = db.engine.dialect.name  # pragma: no mutate
    statement = search.narrow(statement, dialect, query.q, query.competences)
    if query.matching and viewer.member is not None:
        own = [c.id for c in viewer.member.competences]
        statement = statement.where(
            Need.member_id != viewer.member_id,
            Need.id.in_(
                select(need_competences.c.need_id).where(need_competences.c.competence_id.in_(own))
            ),
        )
    return statement


def _board_order(query: BoardQuery, statement: Select[Any]) -> Select[Any]:
    """Order needs as the viewer chose; the id breaks ties, so pages never overlap."""
    return statement.order_by(
        *(key.desc() if down else key.asc() for key, down in _sort_keys(query))
    )


def _sort_keys(query: BoardQuery) -> list[tuple[ColumnElement[Any], bool]]:
    """What the board orders by, first to last, each with whether it descends; the id last."""
    keys: list[tuple[ColumnElement[Any], bool]] = []
    # Only PostgreSQL ranks (`search.rank`); SQLite's relevance is the newest first.
    relevance = query.sort == "relevance"  # pragma: no mutate
    rank = search.rank(db.engine.dialect.name, query.q) if relevance else None  # pragma: no mutate
    if rank is not None:
        keys.append((rank, True))  # pragma: no mutate
    if query.sort == "deadline":
        return [*keys, (Need.offers_close_at, False), (Need.id, True)]
    return [*keys, (func.coalesce(Need.published_at, Need.created_at), True), (Need.id, True)]


def _ordered(columns: Any, keys: list[tuple[ColumnElement[Any], bool]]) -> list[ColumnElement[Any]]:
    """The board's order over the `id` and `key<n>` columns of a subquery of needs."""
    named = [columns[f"key{n}"] for n in range(len(keys) - 1)] + [columns.id]
    return [c.desc() if down else c.asc() for c, (_, down) in zip(named, keys, strict=True)]


def member_needs(viewer: User) -> Sequence[Row[tuple[Need, int]]]:
    """The viewer's firm's needs in every state, the most recently changed first, each with
    how many offers it received that the viewer may read (whatever was decided on them; an
    offer withdrawn by its firm is not among them)."""
    received = (
        select(Offer.need_id, func.count().label("offers"))
        .where(visible_offers(viewer), Offer.status != OfferStatus.WITHDRAWN)
        .group_by(Offer.need_id)
        .subquery()
    )
    query = (
        select(Need, func.coalesce(received.c.offers, 0))
        .outerjoin(received, received.c.need_id == Need.id)
        .where(Need.member_id == viewer.member_id)
        .options(selectinload(Need.competences))
        .order_by(Need.updated_at.desc())
    )
    return db.session.execute(query).all()


def pending_needs() -> Sequence[Need]:
    """Needs waiting for review, the longest waiting first."""
    query = (
        select(Need)
        .where(Need.status == NeedStatus.PENDING)
        .options(selectinload(Need.competences), selectinload(Need.member))
        .order_by(Need.submitted_at.asc(), Need.id.asc())
    )
    return db.session.scalars(query).all()
