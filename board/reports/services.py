"""Reports: a member flags a need or an offer for staff to look at."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from board import audit
from board.errors import Conflict, InvalidTransition
from board.extensions import db
from board.models import Need, Offer, Report, ReportReason, ReportStatus, User, utcnow


def file_report(
    reporter: User,
    reason: ReportReason,
    comment: str,
    need: Need | None = None,
    offer: Offer | None = None,
) -> Report:
    """Flag a need or an offer for staff; one open report per person and thing."""
    query = select(Report.id).where(
        Report.reporter_id == reporter.id, Report.status == ReportStatus.OPEN
    )
    query = (
        query.where(Report.need_id == need.id)
        if need
        else query.where(
            Report.offer_id == offer.id  # type: ignore[union-attr]
        )
    )
    if db.session.scalar(query) is not None:
        raise Conflict(_("You have reported this already; the cluster staff will look at it."))
    report = Report(
        reporter=reporter, reason=reason, comment=comment.strip(), need=need, offer=offer
    )
    db.session.add(report)
    audit.record("report.filed", report, reporter, reason=str(reason))
    db.session.commit()
    return report


def resolve_report(report: Report, staff: User, resolution: str) -> None:
    """Close a report, noting what was done."""
    if report.status != ReportStatus.OPEN:
        raise InvalidTransition(_("This report is closed already."))
    report.status, report.resolved_at, report.resolved_by = ReportStatus.RESOLVED, utcnow(), staff
    report.resolution = resolution.strip()
    audit.record("report.resolved", report, staff, resolution=report.resolution)
    db.session.commit()


def open_reports() -> Sequence[Report]:
    """Reports waiting for staff, the oldest first, with what they are about."""
    query = (
        select(Report)
        .where(Report.status == ReportStatus.OPEN)
        .options(
            selectinload(Report.need).selectinload(Need.member),
            selectinload(Report.offer).selectinload(Offer.member),
            selectinload(Report.reporter),
        )
        .order_by(Report.created_at, Report.id)
    )
    return db.session.scalars(query).all()
