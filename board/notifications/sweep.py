"""The sweep: the `notify.sweep` job, run by Celery beat every SWEEP_INTERVAL seconds.

It repairs what a lost message, a dead worker or a broker outage left behind (rows claimed by
a delivery that died, rows whose task never arrived, open needs whose fan-out never ran) and
queues what is due by the clock: daily digests and deadline and award reminders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, cast, exists, func, select, update
from sqlalchemy.dialects.postgresql import JSONB

from board.clock import cluster_today, day_bounds, local_hour
from board.extensions import db
from board.jobs import dispatch, job
from board.models import (
    Member,
    Need,
    NeedMatch,
    NeedStatus,
    Notification,
    NotificationStatus,
    NotifyMode,
    Offer,
    User,
    utcnow,
)
from board.notifications.announce import active_users
from board.notifications.match import filter_allows, match_recipients, reachable
from board.notifications.outbox import (
    add_need_rows,
    add_rows,
    dispatch_sends,
    lease_end,
    pending_ids,
)


def due_digest_days(now: datetime) -> list[date]:
    """The days whose digest is due: yesterday once DIGEST_HOUR has passed, and the day before
    (in case the sweep did not run that morning)."""
    latest = cluster_today(now) - timedelta(
        days=1 if local_hour(now) >= current_app.config["DIGEST_HOUR"] else 2
    )
    return [latest - timedelta(days=1), latest]


def digest_key(day: date) -> str:
    """The key of the digests of the needs published on `day`, cluster time."""
    return f"digest:{day.isoformat()}"


def digest_lists(need_id: int) -> ColumnElement[bool]:
    """A digest row whose needs include this one."""
    if db.session.get_bind().dialect.name == "postgresql":  # pragma: no mutate
        return cast(Notification.data, JSONB)["need_ids"].contains([need_id])
    listed = func.json_each(Notification.data, "$.need_ids").table_valued("value")
    return exists(select(listed.c.value).where(listed.c.value == need_id))


def queue_digests(day: date) -> list[int]:
    """One digest row per daily user with matches on needs published that day (not those
    their firm said are not for it); their ids.

    The rows of a day are added in one transaction, so a day that has any has them all: later
    sweeps skip it (its unsent rows are the business of the retry and resend rules).
    """
    key = digest_key(day)
    if db.session.scalar(select(exists().where(Notification.key == key))):
        return []
    start, end = day_bounds(day)
    query = (
        select(User.id, Need.id)
        .join(Member, Member.id == User.member_id)
        .join(NeedMatch, NeedMatch.member_id == Member.id)
        .join(Need, Need.id == NeedMatch.need_id)
        .where(
            Need.published_at >= start,
            Need.published_at < end,
            Need.status == NeedStatus.OPEN,
            NeedMatch.not_for_us_at.is_(None),
            reachable(),
            User.notify == NotifyMode.DAILY,
            filter_allows(Need.id),
        )
    )
    # The digest orders its needs itself (best match first).
    by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, need_id in db.session.execute(query):
        by_user[user_id].append(need_id)
    add_rows(
        [
            {"user_id": user_id, "key": key, "kind": "digest",
             "data": {"day": day.isoformat(), "need_ids": need_ids}}
            for user_id, need_ids in by_user.items()
        ]
    )  # fmt: skip
    return pending_ids(Notification.key == key)


def _claim(mark: Any, now: datetime, *conditions: ColumnElement[bool]) -> Sequence[int]:
    """Set `mark` on the open needs that meet `conditions` and have no `mark` yet; the ids of
    those this sweep marked. One UPDATE finds and marks them, so of two sweeps running at once
    each need goes to one."""
    return db.session.scalars(
        update(Need)
        .where(Need.status == NeedStatus.OPEN, mark.is_(None), *conditions)
        .values({mark.key: now})
        .returning(Need.id)
    ).all()


def queue_deadline_reminders(now: datetime) -> list[int]:
    """Remind matched firms that have not offered, nor said the need is not for them, a few
    days before offers close."""
    soon = now + timedelta(days=current_app.config["REMINDER_DAYS"])
    ids: list[int] = []
    claimed = _claim(
        Need.deadline_reminded_at,
        now,
        Need.offers_close_at > now,
        Need.offers_close_at <= soon,
        # A need published this close to its deadline was announced moments ago.
        Need.published_at <= now - timedelta(days=1),
    )
    deadlines = select(Need.id, Need.offer_deadline).where(Need.id.in_(claimed))
    for need_id, deadline in db.session.execute(deadlines.order_by(Need.id)):
        offered = select(Offer.member_id).where(Offer.need_id == need_id)
        offering_users = set(db.session.scalars(select(User.id).where(User.member_id.in_(offered))))
        users = [
            user_id
            for user_id in match_recipients(need_id, [NotifyMode.INSTANT, NotifyMode.DAILY])
            if user_id not in offering_users
        ]
        # Once per deadline: a need whose deadline was extended is reminded of the new one.
        ids += add_need_rows("deadline_reminder", need_id, users, deadline.isoformat())
    return ids


def queue_award_reminders(now: datetime) -> list[int]:
    """Ask the requester to award or cancel a need whose offers have closed."""
    ids: list[int] = []
    claimed = _claim(Need.award_reminded_at, now, Need.offers_close_at <= now)
    for need in db.session.scalars(select(Need).where(Need.id.in_(claimed))):
        author = need.author
        users = [author] if author is not None and author.is_active else active_users([need.member])
        user_ids = [user.id for user in users]
        ids += add_need_rows("award_reminder", need.id, user_ids, need.offer_deadline.isoformat())
    return ids


@job("notify.sweep")
def sweep(now: datetime | None = None) -> dict[str, int]:
    """Find and restart what was left undone; send due digests and reminders."""
    now = now or utcnow()
    config = current_app.config
    grace = now - timedelta(seconds=config["SWEEP_GRACE"])
    done: dict[str, int] = {}

    # Rows claimed by a delivery that died (worker killed, machine lost) go back to pending.
    stale = db.session.execute(
        update(Notification)
        .where(
            Notification.status == NotificationStatus.SENDING,
            Notification.claimed_at < now - timedelta(seconds=config["MAIL_LEASE"]),
        )
        .values(status=NotificationStatus.PENDING, claimed_at=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    done["reclaimed"] = stale.rowcount or 0
    db.session.commit()

    # Open needs whose fan-out never ran (broker down at approval, message lost).
    unannounced = db.session.scalars(
        select(Need.id).where(
            Need.status == NeedStatus.OPEN,
            Need.fanned_out_at.is_(None),
            Need.published_at <= grace,
        )
    ).all()
    for need_id in unannounced:
        dispatch("notify.fan_out", need_id)
    done["fan_outs"] = len(unannounced)

    # Pending rows whose time has come: a retry that is due, or a task that never arrived.
    due = pending_ids(Notification.next_attempt_at <= now)
    if due:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(due), Notification.status == NotificationStatus.PENDING)
            .values(next_attempt_at=lease_end(now))
            .execution_options(synchronize_session=False)
        )
    dispatch_sends(due)
    done["resent"] = len(due)

    fresh: list[int] = []
    for day in due_digest_days(now):
        fresh += queue_digests(day)
    done["digests"] = len(fresh)
    reminders = queue_deadline_reminders(now)
    done["deadline_reminders"] = len(reminders)
    awards = queue_award_reminders(now)
    done["award_reminders"] = len(awards)
    dispatch_sends(sorted(set(fresh + reminders + awards) - set(due)))
    db.session.commit()
    return done
