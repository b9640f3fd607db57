"""Every other free-text field, typed into its form, is inert wherever it is shown again:
firm profiles and names, user names, applications, competences, reasons, reports, and the
match and digest e-mails; and every translated text of a page or an HTML e-mail keeps what
fills its placeholders out of markup. (Needs, offers and review reasons: tests/test_need_xss.py.)"""

from __future__ import annotations

import html
import re
from datetime import datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from jinja2 import nodes
from sqlalchemy import select

from board.clock import cluster_today, cluster_zone
from board.extensions import db
from board.models import Application, Member, Need, Offer, Report, User
from board.needs.services import approve_need
from board.notifications import sweep
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox
from tests.test_need_xss import (
    BREAKOUT,
    IMG,
    PAYLOADS,
    SCRIPT,
    SVG,
    assert_email_inert,
    assert_inert,
    only,
    page,
)

# One line, for names; several, for free text.
LINE = f"Acme {BREAKOUT} {SCRIPT} {SVG}"
TEXT = "Hello.\n\n" + "\n".join(PAYLOADS)
# A valid e-mail address (every character is allowed before the @) that becomes an element
# with an event handler wherever it lands between < and > in markup.
ADDRESS = "svg/onload=alert`1`//@acme.example"


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    response = AuthActions(client).login(account.email, account.password)
    assert response.status_code == 302, f"{account.email} could not sign in"
    return client


def test_a_firm_s_profile_is_shown_as_text_and_a_script_address_is_refused(app: Flask) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software")
        member = factories.make_user(odra, email="agnieszka@odra.example")
        other = factories.make_user(factories.make_member("Wisła Cloud"))
        odra_id = odra.id
    client = signed_in(app, member)
    refused = submit(client, "/member", {"description": TEXT, "website": "javascript:alert(1)"})
    assert refused.status_code == 200
    with app.app_context():
        assert db.session.get(Member, odra_id).description == ""  # nothing saved
    saved = submit(
        client, "/member", {"description": TEXT, "website": "https://odra.example/?q=<b>"}
    )
    assert saved.status_code == 302
    assert_inert(page(client, "/member"), "the own profile form", SCRIPT, IMG)
    reader = signed_in(app, other)
    shown = assert_inert(page(reader, "/members/odra-software"), "the firm's page", SCRIPT, IMG)
    assert "https://odra.example/?q=%3Cb%3E" in shown.links or (
        "https://odra.example/?q=<b>" in shown.links
    )


def test_a_user_s_name_is_inert_on_pages_and_in_e_mails(app: Flask, mailbox: Mailbox) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software")
        author = factories.make_user(odra, email="agnieszka@odra.example")
        staff = factories.make_user(is_staff=True)
        need_id = factories.make_need(odra, author.id, status="pending").id
    client = signed_in(app, author)
    data = {"name": LINE, "locale": "en", "notify": "instant"}
    assert submit(client, "/account", data).status_code == 302
    assert_inert(page(client, "/account"), "the account page")
    assert_inert(page(client, "/members/odra-software"), "the firm's page", LINE)
    with app.app_context():
        approve_need(db.session.get(Need, need_id), db.session.get(User, staff.id))
    approved = only(mailbox, author.email, "Your need is published:")
    assert_email_inert(approved, "need_approved to a user with markup in the name", LINE)


def test_an_application_is_inert_for_staff_and_in_both_e_mails(
    app: Flask, mailbox: Mailbox
) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True, email="clara@cluster.example")
    applicant = app.test_client()
    response = submit(
        applicant,
        "/apply",
        {
            "member_name": LINE,
            "name": f"Jan {IMG}",
            "email": ADDRESS,
            "competences": ["python"],
            "message": TEXT,
        },
    )
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    assert_inert(response.get_data(as_text=True), "the thank-you page", LINE, ADDRESS)
    told = only(mailbox, staff.email, "A firm applies to join the board:")
    assert_email_inert(told, "application_submitted", LINE, f"Jan {IMG}", ADDRESS)
    reviewer = signed_in(app, staff)
    assert_inert(page(reviewer, "/staff/applications"), "/staff/applications", LINE, SCRIPT)
    with app.app_context():
        application_id = db.session.scalar(select(Application.id))
    reason = "Not a member of the region. " + " ".join(PAYLOADS)
    response = submit(
        reviewer,
        f"/staff/applications/{application_id}/reject",
        {"reason": reason},
        form_page="/staff/applications",
    )
    assert response.status_code == 302
    (rejected,) = mailbox.wait_for(1, to=ADDRESS)
    assert_email_inert(rejected, "application_rejected", reason)


def test_names_staff_type_are_inert_on_every_page_that_shows_them(
    app: Flask, mailbox: Mailbox
) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True)
        member = factories.make_user(factories.make_member("Odra Software"))
    client = signed_in(app, staff)
    area = f"Langs {BREAKOUT}"
    response = submit(client, "/staff/competences", {"name": f"Rust {IMG}", "area": area})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert_inert(page(client, "/staff/competences"), "/staff/competences", f"Rust {IMG}", area)
    response = submit(
        client,
        "/staff/members/new",
        {"member_name": LINE, "country": "PL", "email": "first@acme.example", "website": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert_inert(page(client, "/staff/members"), "/staff/members", LINE)
    (invitation,) = mailbox.wait_for(1, to="first@acme.example")
    assert_email_inert(invitation, "the invitation of a firm with markup in its name")
    reader = signed_in(app, member)
    assert_inert(page(reader, "/members"), "the directory", LINE)
    assert_inert(page(reader, "/needs/new"), "the need form's competences", f"Rust {IMG}")
    assert_inert(page(reader, "/account"), "the account's competence filter", f"Rust {IMG}")


def test_reasons_and_reports_are_inert_on_pages_and_in_e_mails(
    app: Flask, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("python",))
        wisla = factories.make_member("Wisła Cloud", competences=("python",))
        tatry = factories.make_member("Tatry Apps", competences=("python",))
        requester = factories.make_user(odra, email="agnieszka@odra.example")
        supplier = factories.make_user(wisla, email="piotr@wisla.example")
        other = factories.make_user(tatry, email="ewa@tatry.example")
        staff = factories.make_user(is_staff=True)
        need = factories.make_need(odra, requester.id)
        declined = factories.make_offer(need, wisla, supplier.id).id
        hidden = factories.make_offer(need, tatry, other.id).id
        need_id = need.id
    reason = "Too expensive. " + " ".join(PAYLOADS)
    owner = signed_in(app, requester)
    response = submit(
        owner, f"/offers/{declined}/decline", {"reason": reason}, form_page=f"/needs/{need_id}"
    )
    assert response.status_code == 302
    assert_email_inert(
        only(mailbox, supplier.email, "Your offer was declined:"), "declined", reason
    )

    reporter = signed_in(app, other)
    response = submit(
        reporter,
        f"/needs/{need_id}/report",
        {"reason": "spam", "comment": TEXT},
        form_page=f"/needs/{need_id}",
    )
    assert response.status_code == 302
    moderator = signed_in(app, staff)
    assert_inert(page(moderator, "/staff/reports"), "/staff/reports", SCRIPT, IMG)
    with app.app_context():
        report_id = db.session.scalar(select(Report.id))
    response = submit(
        moderator,
        f"/staff/reports/{report_id}/resolve",
        {"resolution": TEXT},
        form_page="/staff/reports",
    )
    assert response.status_code == 302
    assert_inert(page(moderator, "/staff/reports?status=resolved"), "resolved reports")

    response = submit(
        moderator, f"/staff/offers/{hidden}/hide", {"reason": reason}, form_page=f"/needs/{need_id}"
    )
    assert response.status_code == 302
    assert_email_inert(only(mailbox, other.email, "Your offer was hidden"), "offer_hidden", reason)
    response = submit(
        moderator, f"/staff/needs/{need_id}/hide", {"reason": reason}, form_page=f"/needs/{need_id}"
    )
    assert response.status_code == 302
    hidden_mail = only(mailbox, requester.email, "Your need was hidden")
    assert_email_inert(hidden_mail, "need_hidden", reason)
    assert_inert(page(owner, f"/needs/{need_id}"), "the hidden need for its owner", reason)
    with app.app_context():
        assert db.session.get(Offer, hidden).hidden_reason == reason


def test_a_need_s_title_is_inert_in_match_digest_and_reminder_e_mails(
    app: Flask, mailbox: Mailbox
) -> None:
    title = f"Kotlin {BREAKOUT} {SCRIPT}"
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        wisla = factories.make_member("Wisła Cloud", competences=("kotlin",))
        requester = factories.make_user(odra)
        instant = factories.make_user(wisla, email="instant@wisla.example")
        daily = factories.make_user(wisla, email="daily@wisla.example")
        db.session.get(User, daily.id).notify = "daily"
        db.session.commit()
        staff = factories.make_user(is_staff=True)
        need = factories.make_need(
            odra, requester.id, title=title, competences=("kotlin",), status="pending"
        )
        approve_need(need, db.session.get(User, staff.id))
    match = only(mailbox, instant.email, "A new need matches your firm:")
    assert_email_inert(match, "need_match", title)
    with app.app_context():
        tomorrow = cluster_today() + timedelta(days=1)
        sweep.sweep(datetime.combine(tomorrow, time(9), tzinfo=cluster_zone()))
    digest = only(mailbox, daily.email, "Needs that matched your firm on")
    assert_email_inert(digest, "digest", title)


# Each kind of placeholder in a text, filled with what a person could have typed there.
TYPED = (SCRIPT, BREAKOUT, ADDRESS, 'Tom & Jerry\'s "firm"')
GETTEXT_CALLS = {"_": 1, "gettext": 1, "ngettext": 3}


def translated_texts(app: Flask) -> list[tuple[str, nodes.Call]]:
    """Every `_()`, `gettext()` and `ngettext()` with variables in the HTML templates."""
    found = []
    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith(".html")):
        source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
        for call in app.jinja_env.parse(source).find_all(nodes.Call):
            if (
                isinstance(call.node, nodes.Name)
                and call.node.name in GETTEXT_CALLS
                and (call.kwargs or len(call.args) > 1)
            ):
                found.append((name, call))
    return found


def render_text(app: Flask, call: nodes.Call, typed: str) -> tuple[str, bool]:
    """What the text of `call` shows with `typed` in its every %(name)s; whether it has one."""
    strings = [arg.value for arg in call.args if isinstance(arg, nodes.Const)]
    variables: dict[str, object] = {}
    for string in strings:
        for key, kind in re.findall(r"%\((\w+)\)([sd])", string):
            variables[key] = typed if kind == "s" else 2
    if call.node.name == "ngettext":
        source = "{{ f(strings[0], strings[1], 2, **variables) }}"
    else:
        source = "{{ f(strings[0], **variables) }}"
    template = app.jinja_env.from_string(source)
    function = app.jinja_env.globals[call.node.name]
    shown = template.render(f=function, strings=strings, variables=variables)
    return shown, typed in variables.values()


@pytest.mark.parametrize("typed", TYPED)
def test_typed_values_arrive_escaped_through_every_translated_text_in_pages_and_e_mails(
    app: Flask, typed: str
) -> None:
    """Whatever fills a placeholder of a text in a page or an HTML e-mail stays text: no
    text puts it inside markup, in any language the board speaks."""
    texts = translated_texts(app)
    assert len({name for name, _call in texts if name.startswith("email/")}) >= 15
    assert len({name for name, _call in texts if not name.startswith("email/")}) >= 15
    problems = []
    with app.test_request_context():
        for locale in app.extensions["board.locales"]:
            with force_locale(locale):
                for name, call in texts:
                    shown, filled = render_text(app, call, typed)
                    where = f"{name}:{call.lineno} ({locale})"
                    if re.search(r"[<>\"]", shown):
                        problems.append(f"{where} puts markup around a value: {shown}")
                    elif filled and typed not in html.unescape(shown):
                        problems.append(f"{where} loses the value: {shown}")
    assert problems == []
