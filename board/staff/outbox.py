"""The outbox as staff see it: e-mails that failed, wait, or were not sent to a refused address."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from board.extensions import db
from board.models import Notification, NotificationStatus
from board.notifications import outbox as notifications_outbox
from board.pagination import paginate
from board.permissions import acting_user, get_or_404, staff_required
from board.staff import bp
from board.web import carry_out, page_number

# The statuses staff can list, the first being the default view.
LISTED = (
    NotificationStatus.FAILED,
    NotificationStatus.PENDING,
    NotificationStatus.SENDING,
    NotificationStatus.SUPPRESSED,
    NotificationStatus.SENT,
)


@bp.get("/notifications")
@staff_required
def outbox() -> str:
    try:
        status = NotificationStatus(request.args.get("status", NotificationStatus.FAILED))
    except ValueError:
        status = NotificationStatus.FAILED
    counts = dict(
        db.session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        ).all()
    )
    query = (
        select(Notification)
        .where(Notification.status == status)
        .options(selectinload(Notification.user), selectinload(Notification.need))
        .order_by(Notification.id.desc())
    )
    page = paginate(query, page_number(), current_app.config["NOTIFICATIONS_PER_PAGE"])
    return render_template(
        "staff/notifications.html", page=page, status=status, statuses=LISTED, counts=counts
    )


@bp.post("/notifications/<id:notification_id>/retry")
@staff_required
def retry_notification(notification_id: int) -> Response:
    notification = get_or_404(Notification, notification_id)
    return carry_out(
        lambda: notifications_outbox.retry(notification, acting_user()),
        _("The e-mail to %(email)s is queued again.", email=notification.user.email),
        url_for("staff.outbox", status=notification.status),
        url_for("staff.outbox"),
    )
