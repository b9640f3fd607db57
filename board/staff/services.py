"""What cluster staff see at a glance, and the lists behind their pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from board.clock import cluster_today, day_start
from board.extensions import db
from board.models import (
    Application,
    ApplicationStatus,
    Member,
    MemberStatus,
    Need,
    NeedStatus,
    Notification,
    NotificationStatus,
    Offer,
    Report,
    ReportStatus,
    User,
    utcnow,
)


def count(model: type, *conditions: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def dashboard_counts(now: datetime | None = None) -> dict[str, int]:
    """The numbers on the staff dashboard, each with the queue it leads to; "this month" is
    the cluster's month, from its first midnight where the cluster is."""
    month_start = day_start(cluster_today(now or utcnow()).replace(day=1))
    return {
        "pending_needs": count(Need, Need.status == NeedStatus.PENDING),
        "open_needs": count(Need, Need.status == NeedStatus.OPEN),
        "offers_this_month": count(Offer, Offer.created_at >= month_start),
        "pending_applications": count(Application, Application.status == ApplicationStatus.PENDING),
        "open_reports": count(Report, Report.status == ReportStatus.OPEN),
        "failed_emails": count(Notification, Notification.status == NotificationStatus.FAILED),
        "active_members": count(Member, Member.status == MemberStatus.ACTIVE),
        "suspended_members": count(Member, Member.status == MemberStatus.SUSPENDED),
    }


def all_members() -> Sequence[Member]:
    """Every firm with its users, suspended ones first, then by name."""
    query = (
        select(Member)
        .options(selectinload(Member.users))
        .order_by(Member.status.desc(), func.lower(Member.name))
    )
    return db.session.scalars(query).all()


def staff_users() -> Sequence[User]:
    query = select(User).where(User.is_staff.is_(True)).order_by(func.lower(User.email))
    return db.session.scalars(query).all()
