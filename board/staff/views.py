"""Cluster staff: the dashboard, member firms and their users, membership applications.

Review and moderation, the taxonomy and the audit log add their routes to this blueprint
from their own modules (imported at the end).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from board.auth.limits import invitation_limits
from board.auth.services import invite_user
from board.competences import services as competences
from board.errors import DomainError
from board.forms import attach_error, with_reason
from board.i18n import current_locale, locale_choices
from board.members import applications as membership
from board.members.services import NewMemberData, add_member, set_member_status, set_user_active
from board.models import Application, Member, MemberStatus, User
from board.permissions import acting_user, get_or_404, staff_required
from board.privacy import retention
from board.staff import bp, services
from board.staff.forms import NewMemberForm, NewStaffForm, country_choices
from board.web import carry_out


@bp.get("")
@staff_required
def dashboard() -> str:
    return render_template(
        "staff/dashboard.html", counts=services.dashboard_counts(), retention=retention.summary()
    )


@bp.route("/members/new", methods=["GET", "POST"])
@invitation_limits
@staff_required
def new_member() -> str | Response:
    form = NewMemberForm(locale="")
    form.country.choices = country_choices()
    by_country = SelectChoice("", _("The language of the firm's country"))
    form.locale.choices = [by_country, *locale_choices()]
    form.competences.choices = competences.choices()
    if form.validate_on_submit():
        data = NewMemberData(
            name=form.member_name.data,
            email=form.email.data,
            country=form.country.data or "",
            website=form.website.data or "",
            competences=form.competences.data or [],
            locale=form.locale.data or "",
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


@bp.get("/members")
@staff_required
def members() -> str:
    return render_template("staff/members.html", members=services.all_members())


@bp.post("/members/<id:member_id>/suspend")
@staff_required
def suspend_member(member_id: int) -> Response:
    member = get_or_404(Member, member_id)
    return carry_out(
        lambda: set_member_status(member, MemberStatus.SUSPENDED, acting_user()),
        _(
            "%(name)s is suspended: its users cannot sign in and its needs left the board.",
            name=member.name,
        ),
        url_for("members.profile", slug=member.slug),
    )


@bp.post("/members/<id:member_id>/activate")
@staff_required
def activate_member(member_id: int) -> Response:
    member = get_or_404(Member, member_id)
    return carry_out(
        lambda: set_member_status(member, MemberStatus.ACTIVE, acting_user()),
        _("%(name)s is active again.", name=member.name),
        url_for("members.profile", slug=member.slug),
    )


def _user_page(user: User) -> str:
    if user.member is not None:
        return url_for("members.profile", slug=user.member.slug)
    return url_for("staff.users")


@bp.post("/users/<id:user_id>/deactivate")
@staff_required
def deactivate_user(user_id: int) -> Response:
    user = get_or_404(User, user_id)
    return carry_out(
        lambda: set_user_active(user, False, acting_user()),
        _("%(email)s can no longer sign in.", email=user.email),
        _user_page(user),
    )


@bp.post("/users/<id:user_id>/activate")
@staff_required
def activate_user(user_id: int) -> Response:
    user = get_or_404(User, user_id)
    return carry_out(
        lambda: set_user_active(user, True, acting_user()),
        _("%(email)s can sign in again.", email=user.email),
        _user_page(user),
    )


@bp.route("/users", methods=["GET", "POST"])
@invitation_limits
@staff_required
def users() -> str | Response:
    """The cluster staff, and the form to invite a new staff member."""
    form = NewStaffForm(locale=current_locale())
    form.locale.choices = locale_choices()
    if form.validate_on_submit():
        try:
            invite_user(
                form.email.data,
                None,
                acting_user(),
                name=form.name.data or "",
                locale=form.locale.data,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("An invitation is on its way to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("staff.users"))
    return render_template("staff/users.html", form=form, staff=services.staff_users())


@bp.get("/applications")
@staff_required
def applications() -> str:
    return render_template(
        "staff/applications.html",
        pending=membership.pending_applications(),
        decided=membership.recent_decisions(),
    )


@bp.post("/applications/<id:application_id>/approve")
@staff_required
def approve_application(application_id: int) -> Response:
    application = get_or_404(Application, application_id)
    return carry_out(
        lambda: membership.approve_application(application, acting_user()),
        _(
            "%(firm)s is a member; %(email)s is invited.",
            firm=application.member_name,
            email=application.email,
        ),
        url_for("staff.applications"),
    )


@bp.post("/applications/<id:application_id>/reject")
@staff_required
def reject_application(application_id: int) -> Response:
    application = get_or_404(Application, application_id)
    back = url_for("staff.applications")
    return with_reason(
        back,
        lambda reason: membership.reject_application(application, acting_user(), reason),
        _("The application is refused and %(email)s is told why.", email=application.email),
        back,
    )
