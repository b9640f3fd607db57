"""A firm's offer on a need, the requester's decisions on offers, and a firm's own offers."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from board.attachments import services as attachments
from board.errors import DomainError
from board.forms import attach_error, currency_choices, with_reason
from board.models import Need, Offer, PriceBasis, User
from board.offers import bp, comparison, services
from board.offers.forms import OfferForm
from board.permissions import (
    acting_user,
    can_attach_to_offer,
    can_compare_offers,
    can_decide_offer,
    can_offer_on,
    can_withdraw_offer,
    get_or_404,
    login_required,
    member_required,
)
from board.web import carry_out


@bp.route("/needs/<id:need_id>/offer", methods=["GET", "POST"])
@member_required
def edit(need_id: int) -> str | Response:
    """Send the firm's offer on a need, or change the one it sent."""
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    if not can_offer_on(user, need):
        flash(_("This need does not take offers from your firm now."), "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    existing = services.offer_of(need, user.member)
    form = OfferForm(data=offer_fields(existing) if existing else {"currency": need.currency})
    form.currency.choices = currency_choices()
    if form.validate_on_submit():
        data = services.OfferData(
            message=form.message.data,
            price=form.price.data,
            currency=form.currency.data,
            available_from=form.available_from.data,
            reference=form.reference.data or "",
            price_basis=PriceBasis(form.price_basis.data),
        )
        try:
            _offer, created = services.submit_offer(need, user.member, user, data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Your offer is sent.") if created else _("Your offer is updated."), "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template(
        "offers/form.html",
        form=form,
        need=need,
        offer=existing,
        offer_files=attachments.offer_files(existing, user) if existing else [],
        can_attach_files=existing is not None and can_attach_to_offer(user, existing),
    )


def offer_fields(offer: Offer) -> dict[str, object]:
    """What the offer form shows of an offer already sent."""
    return {
        "message": offer.message,
        "price": offer.price,
        "currency": offer.currency,
        "price_basis": offer.price_basis.value,
        "available_from": offer.available_from,
        "reference": offer.reference,
    }


def offer_for(offer_id: int, allowed: Callable[[User, Offer], bool]) -> Offer:
    """The offer, or 404 if it does not exist, the user may not read it, or may not do this."""
    user = acting_user()
    offer = get_or_404(Offer, offer_id, user)
    if not allowed(user, offer):
        abort(404)
    return offer


def offers_page(offer: Offer) -> str:
    """The offers on the need of `offer`, where every decision on it returns."""
    return url_for("needs.detail", need_id=offer.need_id, _anchor="offers")


@bp.post("/offers/<id:offer_id>/withdraw")
@member_required
def withdraw(offer_id: int) -> Response:
    offer = offer_for(offer_id, can_withdraw_offer)
    return carry_out(
        lambda: services.withdraw_offer(offer, acting_user()),
        _("Your offer is withdrawn. You can send it again before the deadline."),
        offers_page(offer),
    )


@bp.post("/offers/<id:offer_id>/shortlist")
@member_required
def shortlist(offer_id: int) -> Response:
    offer = offer_for(offer_id, can_decide_offer)
    return carry_out(
        lambda: services.shortlist_offer(offer, acting_user()),
        _("The offer is on your shortlist."),
        offers_page(offer),
    )


@bp.post("/offers/<id:offer_id>/unshortlist")
@member_required
def unshortlist(offer_id: int) -> Response:
    offer = offer_for(offer_id, can_decide_offer)
    return carry_out(
        lambda: services.unshortlist_offer(offer, acting_user()),
        _("The offer is off your shortlist."),
        offers_page(offer),
    )


@bp.post("/offers/<id:offer_id>/accept")
@member_required
def accept(offer_id: int) -> Response:
    offer = offer_for(offer_id, can_decide_offer)
    return carry_out(
        lambda: services.accept_offer(offer, acting_user()),
        _("You accepted the offer; the need is closed and the firms are told."),
        offers_page(offer),
    )


@bp.post("/offers/<id:offer_id>/decline")
@member_required
def decline(offer_id: int) -> Response:
    offer = offer_for(offer_id, can_decide_offer)
    return with_reason(
        offers_page(offer),
        lambda reason: services.decline_offer(offer, acting_user(), reason),
        _("The offer is declined and its firm is told."),
        offers_page(offer),
        required=False,
    )


@bp.get("/offers")
@member_required
def mine() -> str:
    return render_template("offers/mine.html", offers=services.member_offers(acting_user()))


def comparable(need_id: int) -> Need:
    """The need whose offers are compared: 404 if the user may not read it, 403 if they may
    not compare its offers (a firm that offered on it reads its own offer alone)."""
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    if not can_compare_offers(user, need):
        abort(403)
    return need


@bp.get("/needs/<id:need_id>/offers")
@login_required
def compare(need_id: int) -> str:
    """The offers on a need side by side, one table per currency."""
    need = comparable(need_id)
    found = comparison.compare(need, acting_user(), request.args.get("sort"))
    return render_template("offers/compare.html", need=need, comparison=found)


@bp.get("/needs/<id:need_id>/offers.csv")
@login_required
def compare_csv(need_id: int) -> Response:
    """The comparison as a CSV file, in the same order."""
    need = comparable(need_id)
    found = comparison.compare(need, acting_user(), request.args.get("sort"))
    return Response(
        comparison.as_csv(found, acting_user()),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="need-{need.id}-offers.csv"'},
    )
