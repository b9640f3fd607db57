"""Decisions on offers, and a firm's own offers."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from board.extensions import db
from board.models import Offer, User
from board.needs.forms import OptionalReasonForm
from board.offers import services
from board.permissions import (
    acting_user,
    can_decide_offer,
    can_view_offer,
    can_withdraw_offer,
    member_required,
)
from board.web import carry_out

bp = Blueprint("offers", __name__)


def offer_for(offer_id: int, allowed: Callable[[User, Offer], bool]) -> Offer:
    """The offer, or 404 if it does not exist, the user may not see it, or may not do this."""
    offer = db.session.get(Offer, offer_id)
    user = acting_user()
    if offer is None or not can_view_offer(user, offer) or not allowed(user, offer):
        abort(404)
    return offer


def decide(offer: Offer, change: Callable[[], None], success: str) -> Response:
    """Run a decision on an offer and go back to the offers on its need."""
    return carry_out(
        change, success, url_for("needs.detail", need_id=offer.need_id, _anchor="offers")
    )


@bp.post("/offers/<id:offer_id>/withdraw")
@member_required
def withdraw(offer_id: int) -> Response:
    offer = offer_for(offer_id, can_withdraw_offer)
    return decide(
        offer,
        lambda: services.withdraw_offer(offer, acting_user()),
        _("Your offer is withdrawn. You can send it again before the deadline."),
    )


@bp.post("/offers/<id:offer_id>/shortlist")
@member_required
def shortlist(offer_id: int) -> Response:
    offer = offer_for(offer_id, can_decide_offer)
    return decide(
        offer,
        lambda: services.shortlist_offer(offer, acting_user()),
        _("The offer is on your shortlist."),
    )


@bp.post("/offers/<id:offer_id>/accept")
@member_required
def accept(offer_id: int) -> Response:
    offer = offer_for(offer_id, can_decide_offer)
    return decide(
        offer,
        lambda: services.accept_offer(offer, acting_user()),
        _("You accepted the offer; the need is closed and the firms are told."),
    )


@bp.post("/offers/<id:offer_id>/decline")
@member_required
def decline(offer_id: int) -> Response:
    offer = offer_for(offer_id, can_decide_offer)
    form = OptionalReasonForm()
    if not form.validate_on_submit():
        flash(form.reason.errors[0] if form.reason.errors else _("The form expired."), "error")
        return redirect(url_for("needs.detail", need_id=offer.need_id, _anchor="offers"))
    reason = form.reason.data or ""
    return decide(
        offer,
        lambda: services.decline_offer(offer, acting_user(), reason),
        _("The offer is declined and its firm is told."),
    )


@bp.get("/offers")
@member_required
def mine() -> str:
    return render_template("offers/mine.html", offers=services.member_offers(acting_user().member))
