"""Languages: the user's own setting first, then the browser's Accept-Language."""

from __future__ import annotations

from babel import Locale
from flask import Flask, current_app, request
from flask_babel import get_babel, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice


def available_locales() -> list[str]:
    """The locales the board can speak: English and every compiled translation."""
    return current_app.extensions["board.locales"]


def locale_choices() -> list[SelectChoice]:
    """Each available locale, named in its own language, for a select field."""
    return [
        SelectChoice(code, Locale.parse(code).get_display_name(code).capitalize())
        for code in available_locales()
    ]


def select_locale() -> str | None:
    available = available_locales()
    if current_user and current_user.is_authenticated and current_user.locale in available:
        return current_user.locale
    if request:
        return request.accept_languages.best_match(available)
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def country_name(code: str) -> str:
    """The name of an ISO 3166 country in the current language."""
    locale = get_locale() or Locale("en")
    return locale.territories.get(code, code)


def member_status_label(status: str) -> str:
    labels = {
        "applicant": _("applicant"),
        "active": _("active"),
        "suspended": _("suspended"),
    }
    return labels.get(status, status)


def init_app(app: Flask) -> None:
    """Find the compiled translations once; give the language helpers to every template."""
    with app.app_context():
        translations = get_babel().instance.list_translations()
        app.extensions["board.locales"] = sorted({str(locale) for locale in translations})
    app.jinja_env.globals.update(
        current_locale=current_locale,
        country_name=country_name,
        member_status_label=member_status_label,
    )
