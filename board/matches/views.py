"""A matched firm's user says a need is not for the firm, or takes that back.

The page is reached from a button on the need's page, or without signing in from the signed
link in a match e-mail (as unsubscribing is). Its form keeps its CSRF token: showing the page
gives the browser a session, so the POST that follows carries one; only the one-click
unsubscribe, which a mail client sends without ever showing a page, goes without.
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from board.errors import DomainError
from board.forms import attach_error
from board.matches import bp, services
from board.matches.forms import NotForUsForm
from board.models import Need, NotForUsReason, User
from board.permissions import (
    acting_user,
    can_say_not_for_us,
    get_or_404,
    member_required,
    refusal,
    signed_in,
)
from board.tokens import user_from_not_for_us_token
from board.web import carry_out

TEMPLATE = "matches/not_for_us.html"


@bp.route("/needs/<id:need_id>/not-for-us", methods=["GET", "POST"])
def not_for_us(need_id: int) -> str | Response | tuple[str, int]:
    """Ask which reason, if any, then record that the need is not for the user's firm."""
    token = request.values.get("token", "")
    user: User | None
    if token:
        user = user_from_not_for_us_token(token, need_id)
        if user is None:
            return render_template(TEMPLATE, state="invalid", need=None), 404
    elif (sign_in := refusal(signed_in)) is not None:
        return sign_in
    else:
        user = acting_user()
    need = get_or_404(Need, need_id, user)
    try:
        services.require_may_answer(need, user)
    except DomainError as exc:
        return render_template(TEMPLATE, state="refused", need=need, message=exc.message), 403
    match = services.firm_match(need, user.member_id)
    if match is not None and match.not_for_us_at is not None:
        return render_template(TEMPLATE, state="already", need=need, match=match)
    form = NotForUsForm(token=token)
    if form.validate_on_submit():
        reason = NotForUsReason(form.reason.data) if form.reason.data else None
        try:
            said = services.say_not_for_us(need, user, reason)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            match = services.firm_match(need, user.member_id)
            return render_template(
                TEMPLATE, state="done" if said else "already", need=need, match=match
            )
    return render_template(TEMPLATE, state="ask", need=need, form=form, user=user)


@bp.post("/needs/<id:need_id>/not-for-us/withdraw")
@member_required
def take_back(need_id: int) -> Response:
    """The firm says the need is for it after all."""
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    if not can_say_not_for_us(user, need):
        abort(403)
    return carry_out(
        lambda: services.take_back_not_for_us(need, user),
        _("Noted: this need is for your firm after all. Its reminders will reach you again."),
        url_for("needs.detail", need_id=need.id),
    )
