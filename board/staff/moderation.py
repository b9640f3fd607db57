"""Staff review: needs waiting for approval, hiding needs and offers, members' reports."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from board.forms import refused, with_reason
from board.models import Need, Offer, Report
from board.needs import reach
from board.needs import services as needs_services
from board.offers import services as offers_services
from board.permissions import acting_user, get_or_404, staff_required
from board.reports import services as reports_services
from board.staff import bp
from board.staff.forms import ResolveForm
from board.web import carry_out


@bp.get("/needs")
@staff_required
def needs() -> str:
    waiting = needs_services.pending_needs()
    return render_template(
        "staff/needs.html",
        needs=waiting,
        forecasts=reach.review_forecasts(waiting),
        changed=needs_services.changed_in_review([need.id for need in waiting]),
    )


def need_page(need: Need) -> str:
    return url_for("needs.detail", need_id=need.id)


@bp.post("/needs/<id:need_id>/approve")
@staff_required
def approve_need(need_id: int) -> Response:
    need = get_or_404(Need, need_id)
    return carry_out(
        lambda: needs_services.approve_need(need, acting_user()),
        _("The need is published and its author is told."),
        url_for("staff.needs"),
        need_page(need),
    )


@bp.post("/needs/<id:need_id>/reject")
@staff_required
def reject_need(need_id: int) -> Response:
    need = get_or_404(Need, need_id)
    return with_reason(
        need_page(need),
        lambda reason: needs_services.reject_need(need, acting_user(), reason),
        _("The need is rejected and its author is told why."),
        url_for("staff.needs"),
    )


@bp.post("/needs/<id:need_id>/request-changes")
@staff_required
def request_changes(need_id: int) -> Response:
    need = get_or_404(Need, need_id)
    return with_reason(
        need_page(need),
        lambda reason: needs_services.request_changes(need, acting_user(), reason),
        _("The need is sent back to its author with your request."),
        url_for("staff.needs"),
    )


@bp.post("/needs/<id:need_id>/hide")
@staff_required
def hide_need(need_id: int) -> Response:
    need = get_or_404(Need, need_id)
    return with_reason(
        need_page(need),
        lambda reason: needs_services.hide_need(need, acting_user(), reason),
        _("The need is hidden from the board and its firm is told why."),
        need_page(need),
    )


@bp.post("/needs/<id:need_id>/unhide")
@staff_required
def unhide_need(need_id: int) -> Response:
    need = get_or_404(Need, need_id)
    return carry_out(
        lambda: needs_services.unhide_need(need, acting_user()),
        _("The need is back on the board."),
        need_page(need),
    )


@bp.post("/offers/<id:offer_id>/hide")
@staff_required
def hide_offer(offer_id: int) -> Response:
    offer = get_or_404(Offer, offer_id)
    back = url_for("needs.detail", need_id=offer.need_id, _anchor="offers")
    return with_reason(
        back,
        lambda reason: offers_services.hide_offer(offer, acting_user(), reason),
        _("The offer is hidden from the requester and its firm is told why."),
        back,
    )


@bp.post("/offers/<id:offer_id>/unhide")
@staff_required
def unhide_offer(offer_id: int) -> Response:
    offer = get_or_404(Offer, offer_id)
    return carry_out(
        lambda: offers_services.unhide_offer(offer, acting_user()),
        _("The requester sees the offer again."),
        url_for("needs.detail", need_id=offer.need_id, _anchor="offers"),
    )


@bp.get("/reports")
@staff_required
def reports() -> str:
    return render_template(
        "staff/reports.html", reports=reports_services.open_reports(), form=ResolveForm()
    )


@bp.post("/reports/<id:report_id>/resolve")
@staff_required
def resolve_report(report_id: int) -> Response:
    report = get_or_404(Report, report_id)
    form = ResolveForm()
    if (refusal := refused(form, url_for("staff.reports"))) is not None:
        return refusal
    return carry_out(
        lambda: reports_services.resolve_report(report, acting_user(), form.resolution.data),
        _("The report is closed."),
        url_for("staff.reports"),
    )
