"""Markup written into a need or an offer is shown as text: never run, on a page or in an e-mail.

A member posts a need through /needs/new whose title and Markdown description carry the usual
script-injection payloads; the tests read every page that shows it, and the HTML part of every
e-mail about it, with html.parser, and look for anything a browser would run: a <script> that
is not the board's own, an on…= handler, a javascript:/data:/vbscript: address. The payloads
must still be there as text: a page that silently dropped the need would prove nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from board.clock import cluster_today
from board.extensions import db
from board.models import Need, NeedStatus
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, html_of, text_of

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
SVG = "<svg onload=alert(1)>"
RAW_LINK = '<a href="javascript:alert(1)">raw link</a>'
PAYLOADS = (
    SCRIPT,
    IMG,
    "[click](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    RAW_LINK,
    SVG,
    BREAKOUT,
)
# Each payload on its own as a block, then the same again inline, in a heading, a list, a
# table, a reference link, an autolink, entity- and whitespace-disguised schemes, an image.
DESCRIPTION = "\n\n".join(
    (
        f"# Heading {SCRIPT}",
        *PAYLOADS,
        "Inline: " + " and ".join(PAYLOADS) + ".",
        "\n".join(f"- {payload}" for payload in PAYLOADS),
        f"| column | other |\n| --- | --- |\n| {SCRIPT} | {IMG} |",
        "[reference link][evil] and <javascript:alert(1)> and <data:text/html,x>",
        "[entity](jav&#x61;script:alert(1)) and [spaced]( javascript:alert(1) )",
        "![image](javascript:alert(1)) ![data image](data:image/png;base64,iVBORw0KGgo=)",
        f"`{SCRIPT}` in code, and a safe link to [the cluster](https://cluster.example/).",
        "[evil]: javascript:alert(1)",
    )
)
TITLE = f"Kotlin team {BREAKOUT} {SCRIPT} {SVG}"
OFFER_MESSAGE = "We can start soon.\n\n" + "\n".join(PAYLOADS)
REASON = "Please explain the budget. " + " ".join(PAYLOADS)

# Addresses a browser would run or render as a document of the attacker's choosing.
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcdoc", "poster"}
ACTIVE_TAGS = {"script", "svg", "iframe", "object", "embed", "math", "base", "frame"}
# The board's own scripts, every page loads them (base.html).
OWN_SCRIPTS = ("/static/js/board.js", "/static/js/competence_picker.js")
# A start tag, its attributes (quoted values skipped whole), and an attribute's name.
TAG = re.compile(
    r"<([a-zA-Z][^\s/>]*)((?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*/?>"
)
ATTRIBUTE = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")


@dataclass
class Inspection:
    """What html.parser found in a document: the dangerous tags, attributes and the text."""

    problems: list[str] = field(default_factory=list)
    text: str = ""
    links: list[str] = field(default_factory=list)


class MarkupInspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = Inspection()
        self._chunks: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        markup = self.get_starttag_text() or tag
        if tag == "script":
            self._in_script = True
            if values.get("src") not in OWN_SCRIPTS:
                self.result.problems.append(f"a script that is not the board's own: {markup}")
        elif tag in ACTIVE_TAGS:
            self.result.problems.append(f"an active element: {markup}")
        for name, value in values.items():
            if name.startswith("on"):
                self.result.problems.append(f"an event handler attribute {name}=: {markup}")
            if name in URL_ATTRIBUTES:
                # Browsers ignore ASCII whitespace and control characters inside a scheme.
                squeezed = re.sub(r"[\x00-\x20]+", "", value).lower()
                if squeezed.startswith(BAD_SCHEMES):
                    self.result.problems.append(f"a {name} with a dangerous scheme: {markup}")
        if tag == "a" and "href" in values:
            self.result.links.append(values["href"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.result.problems.append(f"inline script content: {data.strip()[:80]!r}")
        self._chunks.append(data)

    def close(self) -> None:
        super().close()
        self.result.text = "".join(self._chunks)


def inspect(html: str) -> Inspection:
    inspector = MarkupInspector()
    inspector.feed(html)
    inspector.close()
    return inspector.result


def assert_inert(html: str, where: str, *shown: str) -> Inspection:
    """Nothing in `html` would run; each of `shown` is there, as text a reader sees."""
    found = inspect(html)
    assert found.problems == [], f"{where}: executable markup:\n" + "\n".join(found.problems)
    # Regexes over the raw tags as a second opinion, independent of the parser.
    for tag in TAG.finditer(html):
        name, names = tag.group(1).lower(), [a.lower() for a in ATTRIBUTE.findall(tag.group(2))]
        assert name != "script" or any(
            tag.group(0).find(f'src="{script}"') > 0 for script in OWN_SCRIPTS
        ), tag.group(0)
        assert not [a for a in names if a.startswith("on")], f"{where}: {tag.group(0)}"
    for text in shown:
        assert text in found.text, f"{where}: {text[:60]!r} is not shown as text"
    return found


def assert_email_inert(message: EmailMessage, where: str, *shown: str) -> None:
    subject = message["Subject"]
    assert "\n" not in subject and "\r" not in subject, f"{where}: a multi-line Subject"
    assert_inert(html_of(message), f"{where} (HTML part)", *shown)
    for text in shown:
        assert text in text_of(message), f"{where} (text part): {text[:60]!r} missing"


@dataclass(frozen=True)
class Cast:
    requester: factories.Account
    supplier: factories.Account
    staff: factories.Account


@pytest.fixture
def cast(app: Flask) -> Cast:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin", "python"))
        wisla = factories.make_member("Wisła Cloud", competences=("kotlin", "kubernetes"))
        return Cast(
            requester=factories.make_user(odra, email="agnieszka@odra.example", name="Agnieszka"),
            supplier=factories.make_user(wisla, email="piotr@wisla.example", name="Piotr"),
            staff=factories.make_user(is_staff=True, email="clara@cluster.example", name="Clara"),
        )


def deadline(app: Flask, days: int = 10) -> str:
    with app.app_context():
        return (cluster_today() + timedelta(days=days)).isoformat()


def post_need(client: FlaskClient, app: Flask, title: str, description: str) -> int:
    """Post a need through the form, as a member's browser does; return its id."""
    response = submit(
        client,
        "/needs/new",
        {
            "title": title,
            "description": description,
            "competences": ["kotlin"],
            "offer_deadline": deadline(app),
            "budget_min": "10000",
            "budget_max": "20000",
            "currency": "EUR",
            "work_mode": "remote",
            "work_language": "en",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 302, f"the form refused the need:\n{page[:3000]}"
    match = re.fullmatch(r"/needs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def stored_need(app: Flask, need_id: int) -> Need:
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert need is not None
        db.session.expunge(need)
        return need


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return response.get_data(as_text=True)


def switch(auth: AuthActions, account: factories.Account) -> None:
    auth.logout()
    response = auth.login(account.email, account.password)
    assert response.status_code == 302, f"{account.email} could not sign in"


def only(mailbox: Mailbox, to: str, subject_start: str) -> EmailMessage:
    mailbox.wait_for(1, to=to)
    found = [m for m in mailbox.to(to) if m["Subject"].strip().startswith(subject_start)]
    assert len(found) == 1, f"{len(found)} e-mails to {to} starting {subject_start!r}"
    return found[0]


def test_markup_in_a_need_is_shown_as_text_on_every_page(
    app: Flask, client: FlaskClient, auth: AuthActions, cast: Cast
) -> None:
    auth.login(cast.requester.email, cast.requester.password)
    need_id = post_need(client, app, TITLE, DESCRIPTION)
    need = stored_need(app, need_id)
    assert need.title == TITLE
    assert need.description == DESCRIPTION

    detail = assert_inert(page(client, f"/needs/{need_id}"), "the draft's page", TITLE, SCRIPT)
    for payload in (IMG, RAW_LINK, SVG, BREAKOUT, "javascript:alert(1)"):
        assert payload in detail.text, f"the draft's page: {payload!r} is not shown as text"
    # The Markdown still works: the one safe link is a link, and hardened.
    assert "https://cluster.example/" in detail.links
    assert not [link for link in detail.links if "alert" in link], detail.links
    assert_inert(page(client, f"/needs/{need_id}/edit"), "the edit form", DESCRIPTION)
    assert_inert(page(client, "/needs/mine"), "/needs/mine", TITLE)

    response = submit(client, f"/needs/{need_id}/submit", form_page=f"/needs/{need_id}")
    assert response.status_code == 302
    assert stored_need(app, need_id).status == NeedStatus.PENDING

    switch(auth, cast.staff)
    assert_inert(page(client, "/staff/needs"), "/staff/needs", TITLE)
    assert_inert(page(client, f"/needs/{need_id}"), "the need's page for staff", TITLE, SCRIPT)
    response = submit(client, f"/staff/needs/{need_id}/approve", form_page=f"/needs/{need_id}")
    assert response.status_code == 302
    assert stored_need(app, need_id).status == NeedStatus.OPEN

    switch(auth, cast.supplier)
    assert_inert(page(client, "/needs"), "the board", TITLE)
    # The search box gives back what was typed: as the value of the field, never as markup.
    searched = page(client, "/needs?q=" + "%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E+Kotlin")
    assert_inert(searched, "the board searched with a payload", TITLE)
    assert_inert(page(client, f"/needs/{need_id}"), "the open need's page", TITLE, SCRIPT)
    assert_inert(page(client, f"/needs/{need_id}/offer"), "the offer form", TITLE)


def test_markup_in_a_need_an_offer_and_a_reason_is_inert_in_the_emails(
    app: Flask, client: FlaskClient, auth: AuthActions, cast: Cast, mailbox: Mailbox
) -> None:
    auth.login(cast.requester.email, cast.requester.password)
    need_id = post_need(client, app, TITLE, DESCRIPTION)
    submit(client, f"/needs/{need_id}/submit", form_page=f"/needs/{need_id}")

    # Staff send it back with a reason that carries the payloads too.
    switch(auth, cast.staff)
    response = submit(
        client,
        f"/staff/needs/{need_id}/request-changes",
        {"reason": REASON},
        form_page=f"/needs/{need_id}",
    )
    assert response.status_code == 302
    changes = only(mailbox, cast.requester.email, "Changes requested to your need:")
    assert_email_inert(changes, "need_changes_requested", TITLE, REASON)

    switch(auth, cast.requester)
    assert_inert(page(client, f"/needs/{need_id}"), "the page with staff's reason", REASON)
    submit(client, f"/needs/{need_id}/submit", form_page=f"/needs/{need_id}")

    switch(auth, cast.staff)
    response = submit(client, f"/staff/needs/{need_id}/approve", form_page=f"/needs/{need_id}")
    assert response.status_code == 302
    approved = only(mailbox, cast.requester.email, "Your need is published:")
    assert approved["Subject"] == f"Your need is published: {TITLE}"
    assert_email_inert(approved, "need_approved", TITLE)

    switch(auth, cast.supplier)
    response = submit(
        client,
        f"/needs/{need_id}/offer",
        {
            "message": OFFER_MESSAGE,
            "price": "15000",
            "currency": "EUR",
            "available_from": deadline(app, 20),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    received = only(mailbox, cast.requester.email, "New offer on your need:")
    assert_email_inert(received, "offer_received", TITLE, "Wisła Cloud")

    # The requester reads the offer's message on the need's page: as text.
    switch(auth, cast.requester)
    shown = assert_inert(page(client, f"/needs/{need_id}"), "the need with its offer", TITLE)
    for payload in PAYLOADS:
        assert payload in shown.text, f"the offer's {payload!r} is not shown as text"


def test_a_line_break_in_the_title_cannot_add_an_email_header(
    app: Flask, client: FlaskClient, auth: AuthActions, cast: Cast, mailbox: Mailbox
) -> None:
    """The form takes the title, but it is saved on one line: the Subject stays one header."""
    auth.login(cast.requester.email, cast.requester.password)
    need_id = post_need(client, app, "Urgent Kotlin help\r\nBcc: evil@example.com", "Plain text.")
    need = stored_need(app, need_id)
    assert "\r" not in need.title and "\n" not in need.title, repr(need.title)
    assert need.title == "Urgent Kotlin help Bcc: evil@example.com"
    submit(client, f"/needs/{need_id}/submit", form_page=f"/needs/{need_id}")

    switch(auth, cast.staff)
    submit(client, f"/staff/needs/{need_id}/approve", form_page=f"/needs/{need_id}")
    message = only(mailbox, cast.requester.email, "Your need is published:")
    assert message["Subject"] == "Your need is published: Urgent Kotlin help Bcc: evil@example.com"
    assert message["Bcc"] is None and message["Cc"] is None
    assert message.get_all("To") == [cast.requester.email]
    match = only(mailbox, cast.supplier.email, "A new need matches your firm:")
    assert (
        match["Subject"].strip()
        == "A new need matches your firm: Urgent Kotlin help Bcc: evil@example.com"
    )
    # The staff reviewer was told of the submission, the matching supplier of the need.
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        [cast.requester.email, cast.staff.email, cast.supplier.email]
    )
    assert not any("evil@example.com" in m.get("To", "") for m in mailbox.messages)


# Latin with diacritics, Cyrillic, Greek, Hebrew and Arabic (right to left), Devanagari, CJK,
# Hangul, Thai, Georgian, a combining accent, mathematical letters outside the BMP, and emoji
# with skin tones, flags and zero-width joiners.
MIXED = (
    "Zażółć gęślą jaźń Съешь ещё этих булок Ελληνικά κείμενα עברית שלום العربية مرحبا "
    "हिन्दी नमस्ते 中文漢字测试 日本語のテキスト 한국어 텍스트 ภาษาไทย ქართული Cafe\u0301 "
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩🏽‍💻 🇵🇱🇷🇴🇺🇦 👨‍👩‍👧‍👦 🧑🏿‍🚀 ✅ "
)
LONG_DESCRIPTION = (MIXED * (5000 // len(MIXED) + 1))[:5000].strip()
LONG_TITLE = " ".join((MIXED * 4)[:200].split())


def test_long_text_in_many_scripts_survives_pages_search_and_emails(
    app: Flask, client: FlaskClient, auth: AuthActions, cast: Cast, mailbox: Mailbox
) -> None:
    assert len(LONG_DESCRIPTION) >= 4990 and 150 <= len(LONG_TITLE) <= 200
    auth.login(cast.requester.email, cast.requester.password)
    need_id = post_need(client, app, LONG_TITLE, LONG_DESCRIPTION)
    need = stored_need(app, need_id)
    assert need.title == LONG_TITLE
    assert need.description == LONG_DESCRIPTION

    detail = page(client, f"/needs/{need_id}")
    assert_inert(detail, "the need's page", LONG_TITLE, LONG_DESCRIPTION)
    assert_inert(page(client, f"/needs/{need_id}/edit"), "the edit form", LONG_DESCRIPTION)
    assert_inert(page(client, "/needs/mine"), "/needs/mine", LONG_TITLE)
    submit(client, f"/needs/{need_id}/submit", form_page=f"/needs/{need_id}")

    switch(auth, cast.staff)
    assert_inert(page(client, "/staff/needs"), "/staff/needs", LONG_TITLE)
    submit(client, f"/staff/needs/{need_id}/approve", form_page=f"/needs/{need_id}")
    approved = only(mailbox, cast.requester.email, "Your need is published:")
    assert approved["Subject"] == f"Your need is published: {LONG_TITLE}"
    assert_email_inert(approved, "need_approved", LONG_TITLE)

    switch(auth, cast.supplier)
    assert_inert(page(client, "/needs"), "the board", LONG_TITLE)
    for word in ("булок", "gęślą", "κείμενα"):
        found = page(client, f"/needs?q={word}")
        assert LONG_TITLE in inspect(found).text, f"searching {word!r} does not find the need"

    with app.app_context():
        titles = db.session.scalars(select(Need.title)).all()
    assert titles == [LONG_TITLE]
