"""What cluster staff see at a glance."""

from __future__ import annotations

from sqlalchemy import func, select

from board.extensions import db
from board.models import Member, MemberStatus, User


def dashboard_counts() -> dict[str, int]:
    """Counts shown on the staff dashboard."""

    def count(query: object) -> int:
        return db.session.scalar(query) or 0

    return {
        "active_members": count(
            select(func.count(Member.id)).where(Member.status == MemberStatus.ACTIVE)
        ),
        "users": count(select(func.count(User.id)).where(User.password_hash.is_not(None))),
        "pending_invitations": count(
            select(func.count(User.id)).where(User.password_hash.is_(None))
        ),
    }
