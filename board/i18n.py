"""Languages: the user's own setting first, then the visitor's choice (a cookie), then the
browser's Accept-Language; dates, numbers and money written the reader's way."""

from __future__ import annotations

import logging
import os
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from babel import Locale, UnknownLocaleError, dates, numbers, units
from babel.support import NullTranslations
from flask import Flask, current_app, request
from flask_babel import get_babel, get_locale, get_translations, ngettext, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from wtforms import SelectChoice

from board.models import Labelled, PriceBasis, ReportReason

log = logging.getLogger(__name__)
# The catalogs of the languages the board speaks; each compiled beside itself by `make catalogs`.
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def available_locales() -> list[str]:
    """The locales the board can speak: English and every compiled translation."""
    return current_app.extensions["board.locales"]


def locale_choices() -> list[SelectChoice]:
    """Each available locale, named in its own language, for a select field."""
    return [
        SelectChoice(code, Locale.parse(code).get_display_name(code).capitalize())
        for code in available_locales()
    ]


# The language an anonymous visitor chose with the language switch.
LOCALE_COOKIE = "board_locale"


def select_locale() -> str | None:
    available = available_locales()
    if current_user and current_user.is_authenticated and current_user.locale in available:
        return current_user.locale
    if request:
        chosen = request.cookies.get(LOCALE_COOKIE)
        if chosen in available:
            return chosen
        return request.accept_languages.best_match(available)
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def country_language(country: str | None) -> str:
    """The language the board speaks that a firm of this country most likely reads: the
    country's main language (CLDR's likely subtags) if the board speaks it, else English."""
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not country:
        return default
    try:
        language = Locale.parse(f"und_{country}").language
    except (ValueError, UnknownLocaleError):
        return default
    return language if language in available_locales() else default


def environment_locale() -> str:
    """The language of the shell a command runs in (LC_ALL, LC_MESSAGES, LANG), if the board
    speaks it: what the board's commands print is read by the person who typed them."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            language = value.split(".")[0].split("_")[0]
            if language in available_locales():
                return language
            break
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def browser_locale() -> str:
    """The language the browser asks for, among those the board speaks."""
    available = available_locales()
    return (
        request.accept_languages.best_match(available) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


# Babel's territories also hold blocs, "unknown" and pseudo-locales, which are no countries, and
# Sark's CQ, a code only reserved, which the cluster's languages have no name for.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "CQ"})


@cache
def known_countries() -> frozenset[str]:
    """The ISO 3166 alpha-2 codes a firm's country may have."""
    codes = Locale("en").territories
    return frozenset(c for c in codes if len(c) == 2 and c.isalpha()) - NOT_COUNTRIES


def country_name(code: str) -> str:
    """The name of an ISO 3166 country in the current language."""
    locale = get_locale() or Locale("en")
    return locale.territories.get(code, code)


def competence_name(name: str) -> str:
    """A competence's or an area's name in the current language.

    The taxonomy's names are in the catalogs (board/competences/taxonomy.py marks them), and
    are stored as the taxonomy has them; a name staff typed is shown as they typed it.
    """
    return get_translations().ugettext(name) if name else name


def enum_choices(enum: type[Labelled]) -> list[SelectChoice]:
    """A select field's choices for every member of a labelled enum, in its order."""
    return [SelectChoice(member.value, member.label) for member in enum]


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


# English is written the European way for a European board: "31 Dec 2026, 23:59 CET", never
# the American "12/31/26, 11:59 PM". CLDR's English for Europe does exactly that.
EUROPEAN_ENGLISH = Locale.parse("en_150")


def dates_locale() -> Locale:
    """The locale dates and times are written in: the reader's, English as in Europe."""
    locale = get_locale() or Locale("en")
    return EUROPEAN_ENGLISH if locale.language == "en" and not locale.territory else locale


def date_text(value: date | datetime | None, format: str = "medium") -> str:
    """A day, as the reader writes it; an instant is first put in the cluster's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return dates.format_date(value, format, locale=dates_locale())


def datetime_text(value: datetime | None, format: str = "medium") -> str:
    """An instant in the cluster's time zone, as the reader writes it (no seconds)."""
    return "" if value is None else _day_and_time(to_user_timezone(value), format, "HH:mm")


def closing_text(closes_at: datetime) -> str:
    """When offers close, named with the time zone: the last minute of the deadline day in
    the cluster's zone, "31 Dec 2026, 23:59 CET" (a reader elsewhere knows what it means)."""
    return _day_and_time(to_user_timezone(closes_at - timedelta(minutes=1)), "medium", "HH:mm z")


def _day_and_time(local: datetime, format: str, time_pattern: str) -> str:
    """A local instant's day in `format` and its time in `time_pattern`, joined the locale's
    way ("{1}, {0}": day, then time)."""
    locale = dates_locale()
    day = dates.format_date(local.date(), format, locale=locale)
    time = dates.format_time(local, time_pattern, locale=locale)
    joined: str = locale.datetime_formats.get(format, "{1} {0}")
    return joined.replace("{1}", day).replace("{0}", time)


CODE_AGAINST_DIGITS = re.compile(r"(?<=[A-Z]{3})(?=[\d\u2212-])|(?<=\d)(?=[A-Z]{3})")


def money(amount: Decimal | None, currency: str) -> str:
    """An amount in its currency, written the reader's way."""
    if amount is None:
        return ""
    return _money(amount, currency, get_locale() or Locale("en"))


def price_terms(amount: Decimal, currency: str, basis: str) -> str:
    """An offer's price with what it pays for, written the reader's way: "€12,000.00 · day
    rate" (a day rate and a fixed price must never read alike)."""
    return _("%(price)s · %(basis)s", price=money(amount, currency), basis=PriceBasis(basis).label)


def share_text(share: float) -> str:
    """A share from 0 to 1 as the reader writes a percentage: "67 %", "67%"."""
    return numbers.format_percent(share, locale=get_locale() or Locale("en"))


def days_text(days: int) -> str:
    """A number of days as the reader writes it: "180 days", "180 dni", "180 de zile"."""
    return units.format_unit(
        days, "duration-day", length="long", locale=get_locale() or Locale("en")
    )


# Budgets repeat (round figures in a few currencies) and Babel's formatting is slow next to a
# dictionary lookup: a board page shows up to a hundred amounts.
@lru_cache(maxsize=4096)
def _money(amount: Decimal, currency: str, locale: Locale) -> str:
    # Where the locale writes a currency's code rather than a symbol ("PLN", "RON"), keep it
    # apart from the digits, as CLDR asks: "PLN\u00a098,000.00", not "PLN98,000.00".
    return CODE_AGAINST_DIGITS.sub(
        "\u00a0", numbers.format_currency(amount, currency, locale=locale)
    )


# Each catalog's texts as a template shows them when they take no variables: the translation,
# as Markup where the template escapes, `%%` written as `%` (see `template_gettext`). The
# catalogs live as long as the process (Flask-Babel keeps them per language), and so do these.
_PLAIN_TEXTS: WeakKeyDictionary[NullTranslations, dict[tuple[str, bool], str]] = WeakKeyDictionary()


@pass_context
def template_gettext(context: Context, string: str, **variables: Any) -> str:
    """`_()` and `gettext()` in templates: Jinja's newstyle gettext, with less work per call.

    Jinja's own goes through two more calls and formats the translation on every use; a need
    with twenty offers shows the same twenty labels twenty times. What a text without
    variables becomes is the same for a catalog every time, so it is kept. Texts with
    variables are translated, escaped and formatted exactly as Jinja does.
    """
    translations = get_translations()
    autoescape = context.eval_ctx.autoescape
    if variables:
        return _translated(translations, string, autoescape) % variables
    texts = _PLAIN_TEXTS.get(translations)
    if texts is None:
        texts = _PLAIN_TEXTS.setdefault(translations, {})
    key = (string, autoescape)
    text = texts.get(key)
    if text is None:
        text = texts[key] = _translated(translations, string, autoescape) % {}
    return text


def _translated(translations: NullTranslations, string: str, autoescape: bool) -> str:
    """A template's text in the catalog's language, trusted as Jinja's own gettext trusts it:
    the texts are ours and the translators', never a user's; variables are escaped by `%`."""
    found = translations.ugettext(string)
    return Markup(found) if autoescape else found  # nosec B704


def uncompiled_catalogs() -> list[Path]:
    """The catalogs whose compiled form is missing or older than they are."""
    return [
        catalog
        for catalog in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
        if not catalog.with_suffix(".mo").exists()
        or catalog.with_suffix(".mo").stat().st_mtime < catalog.stat().st_mtime
    ]


def init_app(app: Flask) -> None:
    """Find the compiled translations once; give the language helpers to every template."""
    with app.app_context():
        translations = get_babel().instance.list_translations()
        app.extensions["board.locales"] = sorted({str(locale) for locale in translations})
    for catalog in uncompiled_catalogs():
        log.warning(
            "%s is not compiled: the board does not speak it (run `make catalogs`)", catalog
        )
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # After the callables above, which set `gettext`, and the i18n extension, which set `_`.
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
    # Babel's date filters, written the reader's way (`dates_locale`).
    app.jinja_env.filters.update(
        dateformat=date_text, datetimeformat=datetime_text, competence_name=competence_name
    )
    app.jinja_env.globals.update(
        closing_text=closing_text,
        locale_choices=locale_choices,
        current_locale=current_locale,
        country_name=country_name,
        competence_name=competence_name,
        report_reasons=list(ReportReason),
        language_name=language_name,
        money=money,
        price_terms=price_terms,
        share_text=share_text,
        days_text=days_text,
        deadline_text=deadline_text,
    )
