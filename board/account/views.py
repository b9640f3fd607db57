"""A user's own name, language, notifications and password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from werkzeug.wrappers import Response

from board.account import bp, services, tokens
from board.account.forms import (
    AccountForm,
    ApiTokenForm,
    PasswordChangeForm,
    StaffAccountForm,
)
from board.auth.services import change_password
from board.auth.sessions import start_session
from board.competences import services as competences
from board.errors import DomainError
from board.extensions import csrf, db
from board.forms import attach_error
from board.i18n import locale_choices
from board.models import NotifyMode, TokenScope, User
from board.permissions import acting_user, login_required
from board.tokens import user_from_unsubscribe_token
from board.web import external_url


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    user = acting_user()
    form_class = StaffAccountForm if user.is_staff else AccountForm
    form = form_class(
        data={
            "name": user.name,
            "phone": user.phone,
            "locale": user.locale,
            "notify": user.notify,
            "notify_reviews": user.notify_reviews,
            "competences": [c.slug for c in user.competences],
        }
    )
    form.locale.choices = locale_choices()
    form.competences.choices = competences.choices(keep=[c.slug for c in user.competences])
    if form.validate_on_submit():
        data = services.AccountData(
            name=form.name.data,
            phone=form.phone.data or "",
            locale=form.locale.data,
            notify=NotifyMode(form.notify.data),
            notify_reviews=form.notify_reviews.data if user.is_staff else None,
            competences=None if user.is_staff else (form.competences.data or []),
        )
        try:
            services.update_account(user, data)
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            refresh()  # the language chosen just now is the one to say so in
            flash(_("Your settings have been saved."), "success")
            return redirect(url_for("account.settings"))
    return render_template("account/settings.html", form=form, feeds=feed_addresses(user))


def feed_addresses(user: User) -> dict[str, str] | None:
    """The addresses of the user's private feeds, if they made them."""
    feed = tokens.feed_token_of(user)
    if feed is None:
        return None
    return {
        "needs": external_url("feeds.needs", token=feed.token),
        "deadlines": external_url("feeds.deadlines", token=feed.token),
    }


@bp.post("/account/feeds")
@login_required
def reset_feeds() -> Response:
    """Make the private feeds' addresses, or new ones: the old ones stop working."""
    made = tokens.feed_token_of(acting_user()) is not None
    tokens.reset_feed_token(acting_user())
    flash(
        _("Your feeds have new addresses; the old ones no longer work.")
        if made
        else _("Your feeds' addresses are ready."),
        "success",
    )
    return redirect(url_for("account.settings", _anchor="feeds"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def api_tokens() -> str:
    """A user's API tokens; a new one is shown once, on the page that made it, and never kept
    in the session (whose cookie is signed, not encrypted)."""
    user = acting_user()
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = tokens.create_api_token(
                user, form.name.data, TokenScope(form.scope.data)
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            form = ApiTokenForm(formdata=None)
    return render_template(
        "account/tokens.html",
        form=form,
        secret=secret,
        api_tokens=tokens.user_tokens(user),
        token_tag=tokens.TOKEN_TAG,
    )


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int) -> Response:
    user = acting_user()
    token = tokens.token_of(user, token_id)
    if token is None:
        abort(404)
    try:
        tokens.revoke_api_token(token, user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("The token %(name)s is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("account.api_tokens"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    user = acting_user()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(user, form.current_password.data, form.password.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            # The new session token signed every other device out; keep this one signed in.
            start_session(user)
            flash(_("Your password has been changed. Other devices have been signed out."))
            return redirect(url_for("account.settings"))
    return render_template("account/password.html", form=form)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> str | tuple[str, int]:
    """Stop e-mails about matching needs from a link in one of them.

    A GET only asks for confirmation (mail scanners follow links). A POST needs neither a
    session nor a CSRF token, so that a mail client can send it in one click (RFC 8058): the
    signed token is the proof.
    """
    user = user_from_unsubscribe_token(token)
    if user is None:
        return render_template("account/unsubscribe.html", user=None), 404
    if request.method == "POST":
        services.unsubscribe(user)
        return render_template("account/unsubscribe.html", user=user, done=True)
    return render_template("account/unsubscribe.html", user=user, done=False)
