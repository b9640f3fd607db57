"""Sign in and out, invitations, password resets."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from board.auth import bp, services
from board.auth.forms import (
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    ResetPasswordForm,
)
from board.auth.sessions import start_session
from board.extensions import limiter
from board.permissions import acting_user, login_required
from board.tokens import Purpose, TokenExpired, TokenInvalid, load_token
from board.web import safe_next


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _submitted_email() -> str:
    return "email:" + request.form.get("email", "").strip().lower()[:254]


def _failed(response: Response) -> bool:
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, key_func=_submitted_email)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
        form.password.errors.append(_("The e-mail address or the password is not correct."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    services.sign_out(acting_user())
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_reset_limit, methods=["POST"], key_func=_submitted_email)
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "If %(email)s belongs to a user of the board, a link to choose a new password "
                "is on its way. It works for one hour.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    try:
        user = load_token(token, Purpose.PASSWORD_RESET)
    except (TokenExpired, TokenInvalid) as exc:
        return render_template("auth/link_refused.html", expired=isinstance(exc, TokenExpired)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        flash(_("Your password has been changed. Sign in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=user)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str) -> str | Response | tuple[str, int]:
    try:
        user = load_token(token, Purpose.INVITATION)
    except (TokenExpired, TokenInvalid) as exc:
        expired = isinstance(exc, TokenExpired)
        return render_template("auth/invitation_refused.html", expired=expired), 400
    form = InvitationForm(data={"name": user.name})
    if form.validate_on_submit():
        services.accept_invitation(user, form.name.data, form.password.data)
        if user.is_active:
            start_session(user)
            flash(_("Welcome to the board, %(name)s.", name=user.name), "success")
            return redirect(url_for("main.index"))
        flash(_("Your password is set. Your firm's account is not active yet."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/invitation.html", form=form, user=user)
