"""Languages: the user's setting first, then the browser's; every text through gettext."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, get_translations
from jinja2 import Environment
from sqlalchemy import select

from board import create_app
from board.competences.services import add_competence
from board.extensions import babel, db
from board.i18n import money
from board.members.applications import approve_application, reject_application
from board.models import Application, NeedStatus, User
from board.needs.services import submit_need
from tests import factories
from tests.conftest import AuthActions, base_config, csrf_token, submit
from tests.mailbox import Mailbox
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
    for chooser in ('id="locale"', 'id="language-switch"'):  # the form's and every page's switch
        choices = re.search(rf"<select {chooser}.*?</select>", page, flags=re.S)
        assert choices is not None
        assert re.findall(r'<option[^>]*value="(\w+)"', choices.group(0)) == ["de", "en"]
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


def switch(client: FlaskClient, locale: str, next_page: str = "/login") -> Any:
    """Send the language switch from `next_page` (or, for a page elsewhere, the sign-in page)."""
    token = csrf_token(client, next_page if next_page.startswith("/needs") else "/login")
    return client.post("/language", data={"csrf_token": token, "locale": locale, "next": next_page})


def test_an_anonymous_visitor_switches_the_language_and_keeps_it(app: Flask) -> None:
    client = app.test_client()
    headers = {"Accept-Language": "de"}
    assert '<html lang="de">' in client.get("/login", headers=headers).get_data(as_text=True)
    response = switch(client, "ro")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    cookie = client.get_cookie("board_locale")
    assert cookie is not None and cookie.value == "ro" and cookie.http_only
    page = client.get("/login", headers=headers).get_data(as_text=True)
    assert '<html lang="ro">' in page and "Conectare" in page


def test_a_signed_in_user_s_switch_is_saved_on_the_account(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member())
    AuthActions(client).login(account.email, account.password)
    assert switch(client, "pl", "/needs?q=kotlin").headers["Location"] == "/needs?q=kotlin"
    with app.app_context():
        assert db.session.get(User, account.id).locale == "pl"
    other_browser = app.test_client()
    AuthActions(other_browser).login(account.email, account.password)
    assert '<html lang="pl">' in other_browser.get("/needs").get_data(as_text=True)


@pytest.mark.parametrize("locale, next_page", [("xx", "/login"), ("", "/login"), ("pl", "//evil")])
def test_a_switch_to_a_language_the_board_lacks_or_elsewhere_changes_nothing_unsafe(
    app: Flask, locale: str, next_page: str
) -> None:
    client = app.test_client()
    response = switch(client, locale, next_page)
    assert response.headers["Location"] in ("/login", "/")
    if locale != "pl":
        assert client.get_cookie("board_locale") is None
        page = client.get(response.headers["Location"], follow_redirects=True)
        assert "Choose one of the languages in the list." in page.get_data(as_text=True)


def subject_in(locale: str, app: Flask, text: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return str(get_translations().ugettext(text))


INVITED = "You are invited to the cluster procurement board"


@pytest.mark.parametrize(
    "country, chosen, written_in", [("RO", "", "ro"), ("DE", "pl", "pl"), ("FR", "", "en")]
)
def test_a_new_firm_s_invitation_is_in_the_chosen_language_or_its_country_s(
    app: Flask, client: FlaskClient, mailbox: Mailbox, country: str, chosen: str, written_in: str
) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True)
    AuthActions(client).login(staff.email, staff.password)
    data = {"member_name": "Someș Data", "country": country, "email": "ioana@somes.example"}
    assert submit(client, "/staff/members/new", {**data, "locale": chosen}).status_code == 302
    (invitation,) = mailbox.wait_for(1, to="ioana@somes.example")
    assert invitation["Subject"] == subject_in(written_in, app, INVITED)
    with app.app_context():
        invited = db.session.scalar(select(User).where(User.email == "ioana@somes.example"))
        assert invited is not None and invited.locale == written_in


def test_a_colleague_is_invited_in_the_firm_s_language_unless_the_inviter_chooses(
    app: Flask, client: FlaskClient, mailbox: Mailbox
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member("Odra Software", country="PL"))
    AuthActions(client).login(account.email, account.password)
    form = client.get("/member/invite").get_data(as_text=True)
    assert re.search(r'<option selected value="pl">|<option value="pl" selected>', form)
    submit(client, "/member/invite", {"email": "kuba@odra.example", "locale": "de"})
    (invitation,) = mailbox.wait_for(1, to="kuba@odra.example")
    assert invitation["Subject"] == subject_in("de", app, INVITED) != INVITED
    response = submit(client, "/member/invite", {"email": "ola@odra.example", "locale": "xx"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)


@pytest.mark.parametrize("decision", ["reject", "approve"])
def test_staff_answer_an_application_in_the_language_it_was_written_in(
    app: Flask, mailbox: Mailbox, decision: str
) -> None:
    applicant = app.test_client()
    applicant.set_cookie("board_locale", "ro")
    form = {"member_name": "Someș Data", "name": "Ioana Pop", "email": "ioana@somes.example"}
    form |= {"competences": ["react"], "message": "Wir bauen Apps für Kliniken."}
    assert '<html lang="ro">' in submit(applicant, "/apply", form).get_data(as_text=True)
    with app.app_context():
        staff = db.session.get(User, factories.make_user(is_staff=True).id)
        application = db.session.scalar(select(Application))
        assert application is not None and application.locale == "ro"
        if decision == "reject":
            reject_application(application, staff, "Not an ICT firm.")
        else:
            approve_application(application, staff)
    subject = (
        "Your application to the cluster procurement board" if decision == "reject" else INVITED
    )
    (answer,) = mailbox.wait_for(1, to="ioana@somes.example")
    assert answer["Subject"] == subject_in("ro", app, subject) != subject


def test_each_staff_member_is_alerted_in_their_own_language(app: Flask, mailbox: Mailbox) -> None:
    with app.app_context():
        for email, locale in (("ola@cluster.example", "pl"), ("jonas@cluster.example", "de")):
            staff = db.session.get(User, factories.make_user(is_staff=True, email=email).id)
            staff.locale = locale
        odra = factories.make_member("Odra Software")
        author = db.session.get(User, factories.make_user(odra).id)
        need = factories.make_need(odra, author.id, status=NeedStatus.DRAFT, title="Kotlin")
        submit_need(need, author)
    waiting = "A need waits for your review: %(title)s"
    for email, locale in (("ola@cluster.example", "pl"), ("jonas@cluster.example", "de")):
        (alert,) = mailbox.wait_for(1, to=email)
        with app.test_request_context(), force_locale(locale):
            expected = str(get_translations().ugettext(waiting)) % {"title": "Kotlin"}
        assert alert["Subject"] == expected != waiting % {"title": "Kotlin"}


def test_the_form_library_s_own_messages_follow_the_language(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member("Odra Software", country="PL"))
        db.session.get(User, account.id).locale = "pl"
        db.session.commit()
    AuthActions(client).login(account.email, account.password)
    response = submit(client, "/member/invite", {"email": "ola@odra.example", "locale": "xx"})
    page = response.get_data(as_text=True)
    assert "Not a valid choice" not in page and "Nieprawidłowy wybór" in page
