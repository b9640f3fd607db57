"""Languages: the user's setting first, then the browser's; every text through gettext."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, get_translations
from jinja2 import Environment

from board import create_app
from board.competences.services import add_competence
from board.extensions import babel, db
from board.i18n import money
from board.models import User
from tests import factories
from tests.conftest import AuthActions, base_config
from tests.pseudo import catalog_of, compiled_catalogs

ROOT = Path(__file__).resolve().parent.parent


def speak(app: Flask, *locales: str) -> None:
    """Pretend catalogs for these locales are compiled (English is always there)."""
    app.extensions["board.locales"] = sorted({"en", *locales})


def test_an_anonymous_visitor_gets_the_browsers_language(app: Flask) -> None:
    speak(app, "de", "pl")
    client = app.test_client()
    page = client.get("/login", headers={"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"})
    assert '<html lang="pl">' in page.get_data(as_text=True)
    page = client.get("/login", headers={"Accept-Language": "fr, ja"})
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_a_users_own_setting_wins_over_the_browser(app: Flask, client: FlaskClient) -> None:
    speak(app, "de", "ro")
    with app.app_context():
        member = factories.make_member("Someș Data", country="RO")
        account = factories.make_user(member)
        db.session.get(User, account.id).locale = "ro"
        db.session.commit()
    AuthActions(client).login(account.email, account.password)
    page = client.get("/members", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="ro">' in page
    assert "România" in page  # the country, named in the reader's language


def test_the_account_form_offers_only_languages_the_board_speaks(
    app: Flask, client: FlaskClient
) -> None:
    speak(app, "de")
    with app.app_context():
        account = factories.make_user(factories.make_member())
    AuthActions(client).login(account.email, account.password)
    page = client.get("/account").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="(\w+)"', page)
    assert options == ["de", "en"]
    assert "Deutsch" in page


def test_competences_are_named_in_the_readers_language_and_typed_ones_as_typed(
    app: Flask, client: FlaskClient
) -> None:
    speak(app, "pl")
    with app.app_context():
        staff = factories.make_user(is_staff=True)
        typed = add_competence("Pentesty OT", "Automatyka", db.session.get(User, staff.id))
        member = factories.make_member("Strażnica Security", competences=("penetration-testing",))
        member.competences.append(typed)
        account = factories.make_user(member)
        db.session.get(User, account.id).locale = "pl"
        db.session.commit()
    AuthActions(client).login(account.email, account.password)
    page = client.get(f"/members/{account.member_slug}").get_data(as_text=True)
    assert "Testy penetracyjne" in page and "Penetration testing" not in page
    assert "Pentesty OT" in page
    form = client.get("/member").get_data(as_text=True)
    assert "Bezpieczeństwo" in form and "Automatyka" in form


@pytest.mark.processes
def test_no_user_facing_text_escapes_gettext(tmp_path: Path) -> None:
    """Every template text node is inside a gettext call: extraction finds the known texts."""
    catalog = tmp_path / "messages.pot"
    pybabel = str(Path(sys.executable).parent / "pybabel")
    command = [pybabel, "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(catalog), "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    text = catalog.read_text()
    for message in ("Sign in", "Add a member firm", "Reset your password", "Choose a password."):
        assert f'msgid "{message}"' in text
    untranslated = []
    for template in (ROOT / "templates").rglob("*.html"):
        source = re.sub(r"{[{%#].*?[}%#]}", "", template.read_text(), flags=re.S)
        source = re.sub(r"<(script|style)\b.*?</\1>", "", source, flags=re.S)
        words = [t.strip() for t in re.split(r"<[^>]+>", source) if re.search(r"[A-Za-z]{3}", t)]
        untranslated += [f"{template.name}: {w}" for w in words]
    assert untranslated == []


def test_an_amount_keeps_its_currency_code_apart_from_the_digits(app: Flask) -> None:
    with app.test_request_context():
        assert money(Decimal("98000"), "PLN") == "PLN\u00a098,000.00"
        assert money(Decimal("98000"), "EUR") == "€98,000.00"
        assert money(Decimal("-5"), "RON") == "-RON\u00a05.00"
        with force_locale("de"):
            assert money(Decimal("98000"), "PLN") == "98.000,00\u00a0PLN"
        assert money(None, "PLN") == ""


def test_templates_follow_a_language_forced_in_the_middle_of_a_request(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """An e-mail in its reader's language, sent while a page renders in another, is in hers."""
    catalogs = compiled_catalogs(
        tmp_path / "translations",
        {
            "pl": catalog_of("pl", {"Sign in": "Zaloguj się"}),
            "de": catalog_of("de", {"Sign in": "Anmelden"}),
        },
    )
    app = create_app(
        base_config(
            f"sqlite:///{tmp_path / 'board.sqlite'}",
            tmp_path / "mail",
            BABEL_TRANSLATION_DIRECTORIES=str(catalogs),
        )
    )
    template = app.jinja_env.from_string("{{ _('Sign in') }}")
    # Flask-Babel keeps loaded catalogs per process, not per app: start and end without any.
    babel.domain_instance.cache.clear()
    request.addfinalizer(babel.domain_instance.cache.clear)
    with app.test_request_context("/", headers={"Accept-Language": "pl"}):
        assert app.extensions["board.locales"] == ["de", "en", "pl"]
        assert template.render() == "Zaloguj się"
        with force_locale("de"):
            assert template.render() == "Anmelden"
            with force_locale("en"):
                assert template.render() == "Sign in"
            assert template.render() == "Anmelden"
        assert template.render() == "Zaloguj się"
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert template.render() == "Anmelden"
    with app.app_context(), force_locale("pl"):  # a task: no request at all
        assert template.render() == "Zaloguj się"


def test_template_texts_come_out_as_jinjas_own_gettext_gives_them(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Translated, escaped and formatted alike, with or without autoescape, first and again."""
    catalogs = compiled_catalogs(
        tmp_path / "translations",
        {
            "pl": catalog_of(
                "pl",
                {
                    "Sign in": "Zaloguj się",
                    "Fish & chips": "Ryba & frytki",
                    "<b>Open</b> needs": "<b>Otwarte</b> potrzeby",
                    "100%% sure": "100%% pewne",
                    "Hello %(name)s": "Cześć %(name)s",
                },
            )
        },
    )
    app = create_app(
        base_config(
            f"sqlite:///{tmp_path / 'board.sqlite'}",
            tmp_path / "mail",
            BABEL_TRANSLATION_DIRECTORIES=str(catalogs),
        )
    )
    babel.domain_instance.cache.clear()
    request.addfinalizer(babel.domain_instance.cache.clear)
    sources = [
        "{{ _('Sign in') }}",
        "{{ gettext('Sign in') }}",
        "{{ _('Fish & chips') }}",
        "{{ _('<b>Open</b> needs') }}",
        "{{ _('100%% sure') }}",
        "{{ _('Hello %(name)s', name='<Ann & Bob>') }}",
        "{{ _('Not in the catalog: 5%% & <i>') }}",
        "{% trans %}Sign in{% endtrans %}",
        "{% trans name='<Ann>' %}Hello {{ name }}{% endtrans %}",
    ]
    with app.test_request_context("/", headers={"Accept-Language": "pl"}):
        translations = get_translations()
        for autoescape in (True, False):
            reference = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
            reference.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            ours = app.jinja_env.overlay(autoescape=autoescape)
            for source in sources:
                expected = reference.from_string(source).render()
                for _ in range(2):  # the second time from the texts kept for the catalog
                    assert ours.from_string(source).render() == expected, (source, autoescape)
        # The texts were translated, and a variable is escaped where the template escapes.
        escaping = app.jinja_env.overlay(autoescape=True)
        assert escaping.from_string(sources[0]).render() == "Zaloguj się"
        assert escaping.from_string(sources[5]).render() == "Cześć &lt;Ann &amp; Bob&gt;"
