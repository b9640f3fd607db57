"""Cluster staff: the dashboard and adding member firms."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from board import competences
from board.errors import DomainError
from board.forms import attach_error
from board.members.services import NewMemberData, add_member
from board.permissions import acting_user, staff_required
from board.staff import services
from board.staff.forms import NewMemberForm, country_choices

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
