"""Cluster staff: the dashboard, adding member firms, and reviewing needs."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from board import competences
from board.errors import DomainError
from board.extensions import db
from board.forms import attach_error
from board.members.services import NewMemberData, add_member
from board.models import Need
from board.needs import services as needs_services
from board.needs.forms import ReasonForm
from board.permissions import acting_user, staff_required
from board.staff import services
from board.staff.forms import NewMemberForm, country_choices
from board.web import carry_out

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("")
@staff_required
def dashboard() -> str:
    return render_template("staff/dashboard.html", counts=services.dashboard_counts())


@bp.route("/members/new", methods=["GET", "POST"])
@staff_required
def new_member() -> str | Response:
    form = NewMemberForm()
    form.country.choices = country_choices()
    form.competences.choices = competences.choices()
    if form.validate_on_submit():
        data = NewMemberData(
            name=form.member_name.data,
            email=form.email.data,
            country=form.country.data or "",
            website=form.website.data or "",
            competences=form.competences.data or [],
        )
        try:
            member = add_member(data, acting_user())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _(
                    "%(name)s is a member; an invitation is on its way to %(email)s.",
                    name=member.name,
                    email=data.email,
                ),
                "success",
            )
            return redirect(url_for("members.profile", slug=member.slug))
    return render_template("staff/new_member.html", form=form)


@bp.get("/needs")
@staff_required
def needs() -> str:
    return render_template("staff/needs.html", needs=needs_services.pending_needs())


def staff_need(need_id: int) -> Need:
    need = db.session.get(Need, need_id)
    if need is None:
        abort(404)
    return need


def moderate(need: Need, change: Callable[[], None], success: str) -> Response:
    """Run a review decision: back to the queue when done, to the need when refused."""
    return carry_out(
        change, success, url_for("staff.needs"), url_for("needs.detail", need_id=need.id)
    )


@bp.post("/needs/<id:need_id>/approve")
@staff_required
def approve_need(need_id: int) -> Response:
    need = staff_need(need_id)
    return moderate(
        need,
        lambda: needs_services.approve_need(need, acting_user()),
        _("The need is published and its author is told."),
    )


def with_reason(need_id: int, change: Callable[[Need, str], None], success: str) -> Response:
    """A moderation that needs a reason: refused with the form's message when it has none."""
    need = staff_need(need_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(form.reason.errors[0] if form.reason.errors else _("The form expired."), "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    return moderate(need, lambda: change(need, form.reason.data), success)


@bp.post("/needs/<id:need_id>/reject")
@staff_required
def reject_need(need_id: int) -> Response:
    return with_reason(
        need_id,
        lambda need, reason: needs_services.reject_need(need, acting_user(), reason),
        _("The need is rejected and its author is told why."),
    )


@bp.post("/needs/<id:need_id>/request-changes")
@staff_required
def request_changes(need_id: int) -> Response:
    return with_reason(
        need_id,
        lambda need, reason: needs_services.request_changes(need, acting_user(), reason),
        _("The need is sent back to its author with your request."),
    )


@bp.post("/needs/<id:need_id>/hide")
@staff_required
def hide_need(need_id: int) -> Response:
    return with_reason(
        need_id,
        lambda need, reason: needs_services.hide_need(need, acting_user(), reason),
        _("The need is hidden from the board."),
    )
