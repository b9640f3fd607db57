"""The front page, the language switch and the health check."""

from __future__ import annotations

import redis
from flask import current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from board.account.services import set_locale
from board.extensions import db
from board.i18n import LOCALE_COOKIE, locale_choices
from board.main import bp
from board.main.forms import LanguageForm
from board.models import User
from board.web import safe_next

# A visitor's choice of language outlives the session: a year, renewed at each switch.
LOCALE_COOKIE_AGE = 365 * 24 * 3600


@bp.get("/")
def index() -> str | Response:
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    if current_user.is_staff:
        return redirect(url_for("staff.dashboard"))
    return redirect(url_for("needs.board"))


@bp.post("/language")
def language() -> Response:
    """Switch the interface language: saved on the account of a signed-in user, and in a
    cookie for the browser (it stays after signing out); then back to the page it was on."""
    form = LanguageForm()
    form.locale.choices = locale_choices()
    back = safe_next(form.next.data) or url_for("main.index")
    if not form.validate_on_submit():
        flash(_("Choose one of the languages in the list."), "error")
        return redirect(back)
    locale = form.locale.data
    if current_user.is_authenticated:
        set_locale(db.session.get_one(User, current_user.id), locale)
    refresh()
    response = redirect(back)
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=LOCALE_COOKIE_AGE,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Whether the database and, when configured, the broker answer."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError:
        checks["database"] = "unreachable"
    finally:
        db.session.rollback()
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        try:
            client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            checks["broker"] = "ok"
        except redis.RedisError:
            checks["broker"] = "unreachable"
    else:
        checks["broker"] = "not configured (tasks run in-process)"
    healthy = checks["database"] == "ok" and checks["broker"] != "unreachable"
    return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503
