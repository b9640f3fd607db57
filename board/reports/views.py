"""Members report a need or an offer to the cluster staff."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from board.errors import DomainError
from board.forms import refused
from board.models import Need, Offer, ReportReason
from board.permissions import acting_user, get_or_404, member_required
from board.reports import bp, services
from board.reports.forms import ReportForm


def _file(back: str, need: Need | None = None, offer: Offer | None = None) -> Response:
    form = ReportForm()
    if (refusal := refused(form, back)) is not None:
        return refusal
    try:
        services.file_report(
            acting_user(), ReportReason(form.reason.data), form.comment.data or "", need, offer
        )
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Thank you: the cluster staff will look at it."), "success")
    return redirect(back)


@bp.post("/needs/<id:need_id>/report")
@member_required
def report_need(need_id: int) -> Response:
    need = get_or_404(Need, need_id, acting_user())
    return _file(url_for("needs.detail", need_id=need.id), need=need)


@bp.post("/offers/<id:offer_id>/report")
@member_required
def report_offer(offer_id: int) -> Response:
    offer = get_or_404(Offer, offer_id, acting_user())
    return _file(url_for("needs.detail", need_id=offer.need_id, _anchor="offers"), offer=offer)
