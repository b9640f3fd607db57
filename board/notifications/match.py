"""Matching: the firms a need reaches when it opens, and the users of those firms who hear.

A need's matches are recorded in the transaction that opens it (`NeedMatch`: every active firm
other than the requester that shares a competence with it, and its score), so they are the
firms' competences as they were then. `notify.fan_out` turns them into outbox rows after the
commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    distinct,
    func,
    insert,
    or_,
    select,
    update,
)

from board.extensions import db
from board.jobs import job
from board.models import (
    Competence,
    Member,
    MemberStatus,
    Need,
    NeedMatch,
    NeedStatus,
    Notification,
    NotifyMode,
    User,
    member_competences,
    need_competences,
    user_competences,
    utcnow,
)
from board.notifications.outbox import dispatch_sends, insert_need_rows, pending_ids

log = logging.getLogger(__name__)


def sharing(competence_ids: Collection[int], member_id: int | None) -> Select[tuple[int, int]]:
    """(firm, competence) of the active firms other than `member_id` that have one of these
    competences: whom a need with them matches, were it to open now."""
    return (
        select(member_competences.c.member_id, member_competences.c.competence_id)
        .join(Member, Member.id == member_competences.c.member_id)
        .where(
            member_competences.c.competence_id.in_(competence_ids),
            Member.status == MemberStatus.ACTIVE,
            Member.id != member_id,
        )
    )


def firms_reached(competence_ids: Collection[int], member_id: int | None) -> int:
    """How many firms a need of `member_id`'s with these competences would match now."""
    if not competence_ids:
        return 0
    pairs = sharing(competence_ids, member_id).subquery()
    return db.session.scalar(select(func.count(distinct(pairs.c.member_id)))) or 0


def nearest_competences(
    competence_ids: Collection[int], member_id: int | None, limit: int = 5
) -> list[tuple[Competence, int]]:
    """Competences firms do have in the areas of these ones (other than these), with how
    many firms have each, most first: what to pick when these reach nobody."""
    if not competence_ids:
        return []
    firms = func.count(distinct(member_competences.c.member_id))
    areas = select(Competence.area).where(Competence.id.in_(competence_ids))
    query = (
        select(Competence, firms)
        .join(member_competences, member_competences.c.competence_id == Competence.id)
        .join(Member, Member.id == member_competences.c.member_id)
        .where(
            Competence.area.in_(areas),
            Competence.id.not_in(competence_ids),
            Competence.retired_at.is_(None),
            Member.status == MemberStatus.ACTIVE,
            Member.id != member_id,
        )
        .group_by(Competence.id)
        .order_by(firms.desc(), Competence.position, Competence.id)
        .limit(limit)
    )
    return [(competence, count) for competence, count in db.session.execute(query)]


def users_reached(need: Need) -> dict[NotifyMode, int]:
    """The users approval would tell about the need now, by how they asked to hear (`off`:
    they will not be e-mailed); users whose personal filter leaves the need out are not
    counted."""
    wanted = [competence.id for competence in need.competences]
    counts = dict.fromkeys(NotifyMode, 0)
    if not wanted:
        return counts
    firms = sharing(wanted, need.member_id).with_only_columns(member_competences.c.member_id)
    query = (
        select(User.notify, func.count(User.id))
        .join(Member, Member.id == User.member_id)
        .where(User.member_id.in_(firms), reachable(), filter_allows(need.id))
        .group_by(User.notify)
    )
    counts.update({mode: count for mode, count in db.session.execute(query)})
    return counts


# Matches written per statement: a firm's row has five values, well under the databases'
# limits on parameters.
MATCHES_PER_STATEMENT = 1000


def record_matches(need: Need) -> int:
    """Record the active firms, other than the requester, sharing a competence with the need;
    return how many were recorded.

    The score is the share of the need's competences the firm covers. This runs in the
    transaction that opens the need, so the matches are the competences as they were then.
    """
    wanted = {competence.id for competence in need.competences}
    if not wanted:
        return 0
    pairs = db.session.execute(sharing(wanted, need.member_id)).all()
    shared: dict[int, list[int]] = defaultdict(list)
    for member_id, competence_id in pairs:
        shared[member_id].append(competence_id)
    existing = set(
        db.session.scalars(select(NeedMatch.member_id).where(NeedMatch.need_id == need.id))
    )
    now = utcnow()
    rows = [
        {
            "need_id": need.id,
            "member_id": member_id,
            "score": len(ids) / len(wanted),
            "competence_ids": sorted(ids),
            "created_at": now,
        }
        for member_id, ids in shared.items()
        if member_id not in existing
    ]
    # Many rows to one INSERT: the need's tally (migration 5d1c7e2a9b30) is counted once per
    # statement, not once per firm.
    for start in range(0, len(rows), MATCHES_PER_STATEMENT):
        db.session.execute(insert(NeedMatch).values(rows[start : start + MATCHES_PER_STATEMENT]))
    return len(rows)


def filter_allows(need_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    """A user without a personal competence filter, or whose filter shares one with the need.

    Both are IN over a set the database builds once (a hashed subplan), not EXISTS: inside an
    OR, a correlated EXISTS runs once per user, and without fresh statistics PostgreSQL runs
    it as a scan of the whole table each time.
    """
    filtered = select(user_competences.c.user_id)
    overlapping = select(user_competences.c.user_id).where(
        user_competences.c.competence_id.in_(
            select(need_competences.c.competence_id).where(need_competences.c.need_id == need_id)
        )
    )
    # user_id is never NULL, so NOT IN means what NOT EXISTS would.
    return or_(User.id.not_in(filtered), User.id.in_(overlapping))


def reachable() -> ColumnElement[bool]:
    """Users who can sign in, of firms that are active."""
    return and_(
        User.active.is_(True),
        User.password_hash.is_not(None),
        Member.status == MemberStatus.ACTIVE,
    )


def match_recipients(need_id: int, modes: Sequence[NotifyMode]) -> list[int]:
    """Ids of the users of the need's matched firms who asked for these kinds of e-mail (not
    of those that said the need is not for them)."""
    return list(db.session.scalars(match_recipients_query(need_id, modes)))


def match_recipients_query(need_id: int, modes: Sequence[NotifyMode]) -> Select[tuple[int]]:
    """The ids of the users of the need's matched firms who asked for these kinds of e-mail,
    but not of the firms that said the need is not for them."""
    return (
        select(User.id)
        .join(Member, Member.id == User.member_id)
        .join(NeedMatch, NeedMatch.member_id == Member.id)
        .where(
            NeedMatch.need_id == need_id,
            NeedMatch.not_for_us_at.is_(None),
            reachable(),
            User.notify.in_(modes),
            filter_allows(need_id),
        )
    )


@job("notify.fan_out")
def fan_out(need_id: int) -> int:
    """Turn an open need's matches into one e-mail per instant user; return how many rows."""
    need = db.session.get(Need, need_id)
    if need is None or need.fanned_out_at is not None:
        return 0
    dispatched: list[int] = []
    count = 0
    if need.status == NeedStatus.OPEN:
        recipients = match_recipients_query(need_id, [NotifyMode.INSTANT])
        # The first batch is committed and handed out on its own, so its e-mails go out while
        # the rows of everyone else are inserted. Any users will do for it: unordered, the
        # database stops at the first few instead of sorting every match.
        first = recipients.limit(current_app.config["MAIL_BATCH_SIZE"])
        dispatched = insert_need_rows("need_match", need_id, first)
        dispatch_sends(dispatched)
        db.session.commit()
        count = len(dispatched) + len(insert_need_rows("need_match", need_id, recipients))
    # Whoever sets the mark dispatches the rest, including rows that an earlier fan-out, which
    # died before the mark, left pending; a fan-out running twice at once sends nothing twice.
    marked = db.session.execute(
        update(Need)
        .where(Need.id == need_id, Need.fanned_out_at.is_(None))
        .values(fanned_out_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount == 1:
        pending = pending_ids(Notification.need_id == need_id, Notification.kind == "need_match")
        started = set(dispatched)
        dispatch_sends([i for i in pending if i not in started])
    db.session.commit()
    log.info("Need %s matched %s users", need_id, count)
    return count


@dataclass(frozen=True)
class Forecast:
    """Whom approving a need would tell now: the firms it matches, and their users by how they
    asked to hear (`off`: they will not be e-mailed)."""

    firms: int
    users: dict[NotifyMode, int]


def sharing_needs(need_ids: Collection[int]) -> Select[tuple[int, int]]:
    """(need, firm) of the active firms other than each need's own that have one of its
    competences: `sharing` for several needs at once, each pair once."""
    return (
        select(need_competences.c.need_id, member_competences.c.member_id)
        .join(
            member_competences,
            member_competences.c.competence_id == need_competences.c.competence_id,
        )
        .join(Need, Need.id == need_competences.c.need_id)
        .join(Member, Member.id == member_competences.c.member_id)
        .where(
            need_competences.c.need_id.in_(need_ids),
            Member.status == MemberStatus.ACTIVE,
            Member.id != Need.member_id,
        )
        .distinct()
    )


def forecasts(need_ids: Collection[int]) -> dict[int, Forecast]:
    """`firms_reached` and `users_reached` for each of these needs, in two queries whatever
    their number."""
    if not need_ids:
        return {}
    pairs = sharing_needs(need_ids).subquery()
    counted = select(pairs.c.need_id, func.count()).group_by(pairs.c.need_id)
    firms = {need_id: count for need_id, count in db.session.execute(counted)}
    # `filter_allows` for many needs: a user without a personal filter, or one whose filter
    # shares a competence with that need (joined, so the rule is not asked once per user).
    overlapping = (
        select(need_competences.c.need_id, user_competences.c.user_id)
        .join(
            user_competences,
            user_competences.c.competence_id == need_competences.c.competence_id,
        )
        .where(need_competences.c.need_id.in_(need_ids))
        .distinct()
        .subquery()
    )
    users = (
        select(pairs.c.need_id, User.notify, func.count(User.id))
        .join(User, User.member_id == pairs.c.member_id)
        .join(Member, Member.id == User.member_id)
        .outerjoin(
            overlapping,
            and_(overlapping.c.need_id == pairs.c.need_id, overlapping.c.user_id == User.id),
        )
        .where(
            reachable(),
            or_(
                User.id.not_in(select(user_competences.c.user_id)),
                overlapping.c.user_id.is_not(None),
            ),
        )
        .group_by(pairs.c.need_id, User.notify)
    )
    by_mode: dict[int, dict[NotifyMode, int]] = {
        need_id: dict.fromkeys(NotifyMode, 0) for need_id in need_ids
    }
    for need_id, mode, count in db.session.execute(users):
        by_mode[need_id][mode] = count
    return {
        need_id: Forecast(firms=firms.get(need_id, 0), users=by_mode[need_id])
        for need_id in need_ids
    }
