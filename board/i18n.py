"""Languages: the user's own setting first, then the browser's Accept-Language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from babel import Locale, numbers
from babel.support import NullTranslations
from flask import Flask, current_app, request
from flask_babel import get_babel, get_locale, get_translations, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from wtforms import SelectChoice

from board.models import Labelled, ReportReason


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


CODE_AGAINST_DIGITS = re.compile(r"(?<=[A-Z]{3})(?=[\d\u2212-])|(?<=\d)(?=[A-Z]{3})")


def money(amount: Decimal | None, currency: str) -> str:
    """An amount in its currency, written the reader's way."""
    if amount is None:
        return ""
    return _money(amount, currency, get_locale() or Locale("en"))


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


def init_app(app: Flask) -> None:
    """Find the compiled translations once; give the language helpers to every template."""
    with app.app_context():
        translations = get_babel().instance.list_translations()
        app.extensions["board.locales"] = sorted({str(locale) for locale in translations})
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # After the callables above, which set `gettext`, and the i18n extension, which set `_`.
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
    app.jinja_env.filters["competence_name"] = competence_name
    app.jinja_env.globals.update(
        current_locale=current_locale,
        country_name=country_name,
        competence_name=competence_name,
        report_reasons=list(ReportReason),
        language_name=language_name,
        money=money,
        deadline_text=deadline_text,
    )
