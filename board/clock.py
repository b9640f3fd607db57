"""Cluster time: the zone the cluster lives in, its today, and the instants its days end.

Deadlines are days, not instants: offers on a need close at the end of its deadline day where
the cluster is (`CLUSTER_TIMEZONE`), which is a different UTC instant in winter and summer.
Every instant the board stores is UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from board.models import utcnow


def cluster_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLUSTER_TIMEZONE"])


def cluster_today(now: datetime | None = None) -> date:
    """Today's date where the cluster is."""
    return (now or utcnow()).astimezone(cluster_zone()).date()


def day_start(day: date) -> datetime:
    """The instant a day begins where the cluster is, in UTC."""
    return datetime.combine(day, time.min, tzinfo=cluster_zone()).astimezone(UTC)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants a day begins and ends where the cluster is."""
    return day_start(day), day_start(day + timedelta(days=1))


def closing_instant(deadline: date) -> datetime:
    """Offers close at the end of the deadline day, in the cluster's time zone."""
    return day_start(deadline + timedelta(days=1))


def local_hour(now: datetime) -> int:
    """The hour of the day it is at `now` where the cluster is."""
    return now.astimezone(cluster_zone()).hour
