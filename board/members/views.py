"""The member directory, a firm's own profile, and inviting colleagues."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from board.auth.limits import invitation_limits
from board.competences import services as competences
from board.errors import DomainError
from board.extensions import limiter
from board.forms import attach_error
from board.i18n import country_language, current_locale, locale_choices
from board.members import applications, bp, services
from board.members.forms import ApplicationForm, InviteForm, MemberProfileForm
from board.models import Member
from board.permissions import (
    acting_user,
    get_or_404,
    login_required,
    member_required,
)


@bp.get("/members")
@login_required
def directory() -> str:
    return render_template("members/directory.html", members=services.active_members())


@bp.get("/members/<slug>")
@login_required
def profile(slug: str) -> str:
    member = get_or_404(Member, slug, acting_user(), column=Member.slug)
    return render_template("members/profile.html", member=member)


@bp.route("/member", methods=["GET", "POST"])
@member_required
def own_profile() -> str | Response:
    user = acting_user()
    member = user.member
    assert member is not None  # member_required
    form = MemberProfileForm(
        data={
            "description": member.description,
            "website": member.website,
            "phone": member.phone,
            "competences": [c.slug for c in member.competences],
        }
    )
    form.competences.choices = competences.choices(keep=[c.slug for c in member.competences])
    if form.validate_on_submit():
        data = services.ProfileData(
            description=form.description.data or "",
            website=form.website.data or "",
            phone=form.phone.data or "",
            competences=form.competences.data or [],
        )
        services.update_profile(member, data, user)
        flash(_("Your firm's profile has been saved."), "success")
        return redirect(url_for("members.own_profile"))
    return render_template("members/own_profile.html", form=form, member=member)


@bp.route("/member/invite", methods=["GET", "POST"])
@invitation_limits
@member_required
def invite() -> str | Response:
    user = acting_user()
    assert user.member is not None  # member_required
    form = InviteForm(locale=country_language(user.member.country))
    form.locale.choices = locale_choices()
    if form.validate_on_submit():
        address = services.invite_colleague(
            form.email.data, user.member, user, locale=form.locale.data
        )
        flash(_("An invitation is on its way to %(email)s.", email=address), "success")
        return redirect(url_for("members.own_profile"))
    return render_template("members/invite.html", form=form, member=user.member)


def _apply_limit() -> str:
    return current_app.config["APPLY_RATE_LIMIT"]


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit(_apply_limit, methods=["POST"])
def apply() -> str | Response:
    """A firm applies to join: open to anyone, reviewed by staff."""
    form = ApplicationForm()
    form.competences.choices = competences.choices()
    if form.validate_on_submit():
        data = applications.ApplicationData(
            member_name=form.member_name.data,
            contact_name=form.name.data,
            email=form.email.data,
            message=form.message.data or "",
            competences=form.competences.data or [],
            locale=current_locale(),
        )
        try:
            applications.submit_application(data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            return render_template("members/applied.html", application=data)
    return render_template("members/apply.html", form=form)
