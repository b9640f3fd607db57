"""Languages: the user's own setting first, then the browser's Accept-Language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from flask import Flask, current_app, request
from flask_babel import format_currency, get_babel, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from board.models import NeedStatus


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


# Babel's territories also hold blocs, "unknown" and pseudo-locales, which are no countries.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"})


@cache
def known_countries() -> frozenset[str]:
    """The ISO 3166 alpha-2 codes a firm's country may have."""
    codes = Locale("en").territories
    return frozenset(c for c in codes if len(c) == 2 and c.isalpha()) - NOT_COUNTRIES


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


def need_status_label(status: str) -> str:
    labels = {
        "draft": _("draft"),
        "pending": _("waiting for review"),
        "changes_requested": _("changes requested"),
        "open": _("open"),
        "closed": _("awarded"),
        "rejected": _("rejected"),
        "cancelled": _("cancelled"),
        "expired": _("expired"),
        "hidden": _("hidden by staff"),
    }
    return labels.get(status, status)


def need_status_choices() -> list[SelectChoice]:
    return [SelectChoice(status.value, need_status_label(status)) for status in NeedStatus]


def offer_status_label(status: str) -> str:
    labels = {
        "submitted": _("sent"),
        "shortlisted": _("shortlisted"),
        "accepted": _("accepted"),
        "declined": _("declined"),
        "withdrawn": _("withdrawn"),
    }
    return labels.get(status, status)


def notification_status_label(status: str) -> str:
    labels = {
        "pending": _("Waiting"),
        "sending": _("Being sent"),
        "sent": _("Sent"),
        "failed": _("Failed"),
        "suppressed": _("Not sent: address refused"),
    }
    return labels.get(status, status)


def report_reason_label(reason: str) -> str:
    labels = {
        "spam": _("Spam or advertising"),
        "misleading": _("Misleading or false"),
        "inappropriate": _("Offensive or inappropriate"),
        "confidential": _("Reveals confidential information"),
        "duplicate": _("Duplicate"),
        "other": _("Something else"),
    }
    return labels.get(reason, reason)


def work_mode_label(mode: str) -> str:
    labels = {"remote": _("Remote"), "hybrid": _("Hybrid"), "onsite": _("On site")}
    return labels.get(mode, mode)


def language_name(code: str) -> str:
    locale = get_locale() or Locale("en")
    return locale.languages.get(code, code).capitalize()


def deadline_text(closes_at: datetime, now: datetime | None = None) -> str:
    """How long offers stay open, in words."""
    remaining = closes_at - (now or datetime.now(UTC))
    if remaining.total_seconds() <= 0:
        return _("offers closed")
    days = remaining.days
    if days == 0:
        return _("last day for offers")
    return ngettext("%(num)d day left", "%(num)d days left", days)


CODE_AGAINST_DIGITS = re.compile(r"(?<=[A-Z]{3})(?=[\d\u2212-])|(?<=\d)(?=[A-Z]{3})")


def money(amount: Decimal | None, currency: str) -> str:
    """An amount in its currency, written the reader's way."""
    if amount is None:
        return ""
    # Where the locale writes a currency's code rather than a symbol ("PLN", "RON"), keep it
    # apart from the digits, as CLDR asks: "PLN\u00a098,000.00", not "PLN98,000.00".
    return CODE_AGAINST_DIGITS.sub("\u00a0", format_currency(amount, currency))


def init_app(app: Flask) -> None:
    """Find the compiled translations once; give the language helpers to every template."""
    with app.app_context():
        translations = get_babel().instance.list_translations()
        app.extensions["board.locales"] = sorted({str(locale) for locale in translations})
    app.jinja_env.globals.update(
        current_locale=current_locale,
        country_name=country_name,
        member_status_label=member_status_label,
        need_status_label=need_status_label,
        offer_status_label=offer_status_label,
        notification_status_label=notification_status_label,
        work_mode_label=work_mode_label,
        report_reason_label=report_reason_label,
        language_name=language_name,
        money=money,
        deadline_text=deadline_text,
    )
