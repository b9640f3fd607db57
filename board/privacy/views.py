"""A person's copy of their data and the erasure of their account; staff's erasure tools."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import logout_user
from werkzeug.wrappers import Response as BaseResponse

from board.auth.passwords import verify_password
from board.errors import DomainError
from board.forms import attach_error
from board.models import Member, User
from board.permissions import acting_user, get_or_404, login_required, staff_required
from board.privacy import bp, services
from board.privacy.forms import ConfirmErasureForm, EraseAccountForm


def download(data: dict[str, Any], name: str) -> Response:
    """The export as a JSON file to save."""
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.context_processor
def headings() -> dict[str, Any]:
    return {"titles": services.TABLE_TITLES}


@bp.get("/privacy")
def notice() -> str:
    """What the board stores about people, why, for how long, and how to use one's rights."""
    return render_template("privacy/notice.html", periods=services.retention_periods())


def own_page(user: User, form: EraseAccountForm) -> str:
    """The person's data, and the form that erases their account (or why they may not)."""
    return render_template(
        "privacy/mine.html",
        data=services.export_person(user),
        form=form,
        refusal=services.self_erasure_refusal(user),
    )


def person_page(user: User, form: ConfirmErasureForm) -> str:
    """Staff's view of a person's data, and the form that erases them."""
    return render_template(
        "privacy/person.html",
        person=user,
        data=services.export_person(user, mentioned=True),
        form=form,
        colleagues=services.active_colleagues(user),
    )


@bp.get("/account/privacy")
@login_required
def mine() -> str:
    return own_page(acting_user(), EraseAccountForm())


@bp.get("/account/export")
@login_required
def export() -> Response:
    user = acting_user()
    return download(services.export_person(user), f"board-data-{user.id}")


@bp.post("/account/delete")
@login_required
def delete() -> str | BaseResponse:
    user = acting_user()
    form = EraseAccountForm()
    if form.validate_on_submit():
        if not verify_password(user, form.password.data):
            form.password.errors.append(_("The password is not correct."))
        else:
            try:
                services.erase_person(user, user)
            except DomainError as exc:
                attach_error(form, exc)
            else:
                logout_user()
                session.clear()
                flash(_("Your account has been erased. Thank you for using the board."), "info")
                return redirect(url_for("auth.login"))
    return own_page(user, form)


@bp.get("/staff/users/<id:user_id>/privacy")
@staff_required
def person(user_id: int) -> str:
    return person_page(get_or_404(User, user_id), ConfirmErasureForm())


@bp.get("/staff/users/<id:user_id>/export")
@staff_required
def person_export(user_id: int) -> Response:
    user = get_or_404(User, user_id)
    return download(services.export_person(user, mentioned=True), f"board-data-{user.id}")


@bp.post("/staff/users/<id:user_id>/erase")
@staff_required
def erase_person(user_id: int) -> str | BaseResponse:
    user = get_or_404(User, user_id)
    staff = acting_user()
    form = ConfirmErasureForm()
    if form.validate_on_submit():
        if user.id == staff.id:
            form.confirm.errors.append(_("Erase your own account from your account's page."))
        elif form.confirm.data.strip().lower() != user.email:
            form.confirm.errors.append(_("Type the person's e-mail address exactly as shown."))
        else:
            back = url_for("members.profile", slug=user.member.slug) if user.member else None
            name = services.erase_person(user, staff)
            flash(_("The person is erased; the audit log knows them as %(name)s.", name=name))
            return redirect(back or url_for("staff.users"))
    return person_page(user, form)


@bp.route("/staff/members/<id:member_id>/erase", methods=["GET", "POST"])
@staff_required
def erase_member(member_id: int) -> str | BaseResponse:
    member = get_or_404(Member, member_id)
    form = ConfirmErasureForm()
    if member.is_erased:
        flash(_("This firm has been erased already."), "info")
        return redirect(url_for("staff.members"))
    if form.validate_on_submit():
        try:
            name = services.erase_member(member, acting_user(), form.confirm.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("The firm is erased; the board knows it as %(name)s.", name=name), "success")
            return redirect(url_for("staff.members"))
    return render_template(
        "privacy/erase_member.html", plan=services.firm_erasure(member), form=form
    )
