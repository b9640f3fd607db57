"""No text a person reads escapes gettext: the board, crawled in a pseudo-language.

The board is given a catalog in which every message is visibly transformed ("⟦Šîĝñ îñ⟧", see
tests/pseudo.py), for a locale whose CLDR data is in Greek letters, and every person of a small
cluster reads it in that language. Then every GET page of the URL map is read as an anonymous
visitor, a requester, a supplier and a member of staff, with every object the cluster has (a
route added later is read too, and a route whose address the crawl cannot fill fails the test);
every form page is sent back empty and with nonsense, so that its validation messages show;
every action is posted as each user, so that its refusals and confirmations show; the error
pages are read; and every kind of e-mail is composed. What a person reads on them (text outside
scripts and styles, titles, placeholders, labels for screen readers, confirmations, button
values) must hold no ASCII word once the cluster's own data (names, titles, messages, addresses)
and a few codes that are the same in every language are taken out: any such word is a text that
did not go through gettext, or a name, date or country Babel did not format.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel import Locale, dates
from flask import Flask, current_app, template_rendered
from flask.testing import FlaskClient
from flask_babel import force_locale
from itsdangerous import TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer
from jinja2 import Template
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from board import tokens
from board.account import tokens as api_tokens
from board.attachments import services as attachments
from board.auth import services as auth
from board.clock import cluster_today
from board.competences import services as competences
from board.extensions import babel, db
from board.members import applications
from board.members import services as members
from board.models import (
    CURRENCIES,
    Attachment,
    Clarification,
    Competence,
    Member,
    MemberStatus,
    Need,
    NeedStatus,
    Notification,
    NotificationStatus,
    NotifyMode,
    Offer,
    PriceBasis,
    Question,
    ReportReason,
    TokenScope,
    User,
    WorkMode,
)
from board.needs import services as needs
from board.notifications import compose, deliver, sweep
from board.offers import services as offers
from board.questions import services as questions
from board.reports import services as reports
from board.tokens import Purpose, make_token
from config import Defaults
from tests import factories
from tests.conftest import CSRF_PATTERN, AuthActions, csrf_token
from tests.mailbox import Mailbox, html_of, text_of
from tests.pseudo import PSEUDO_LOCALE, ROOT, compiled_catalogs, pseudo_catalog

# Pages speak the same language on either database.
pytestmark = pytest.mark.one_database

ROLES = ("anonymous", "requester", "supplier", "staff")
# Endpoints that are no page a person reads.
NOT_PAGES = {
    "static": "stylesheets, scripts and images",
    "main.healthz": "JSON for the monitoring",
    "attachments.download": "files, sent as downloads",
    "feeds.needs": "an Atom feed for feed readers (its texts: tests/test_feeds.py)",
    "feeds.deadlines": "an iCalendar for calendars (its texts: tests/test_feeds.py)",
    **{
        f"api.{name}": "JSON for the firms' software"
        for name in (
            "openapi_document",
            "list_needs",
            "get_need",
            "list_offers",
            "get_offer",
            "list_competences",
            "list_members",
        )
    },
}
# The largest id the URL converter accepts: a well-formed address of nothing.
MISSING_ID = 2**31 - 1


def zone_abbreviations() -> set[str]:
    """The cluster's time zone as the pseudo-language's locale abbreviates it, in winter and
    in summer (CET and CEST: abbreviations, like currency codes, are not translated)."""
    zone = ZoneInfo(Defaults.CLUSTER_TIMEZONE)
    instants = (datetime(2027, 1, 15, 12, tzinfo=zone), datetime(2027, 7, 15, 12, tzinfo=zone))
    return {dates.format_time(moment, "z", locale=PSEUDO_LOCALE) for moment in instants}


# Codes that are the same in every language: currencies (written as codes where a locale has no
# symbol for them) and the units of a size, as CLDR writes them in the pseudo-language's locale.
CODES = frozenset({*CURRENCIES, "byte", "kB", "MB", "GB", *zone_abbreviations()})
WORD = re.compile(r"[A-Za-z]{2,}")
# Addresses are data wherever they appear: e-mail addresses and links.
ADDRESS = re.compile(r"[^\s<>()⟦⟧\"']+@[^\s<>()⟦⟧\"']+|\b[a-z][a-z0-9+.-]*://[^\s<>⟦⟧\"']*")


@pytest.fixture(scope="session")
def pseudo_catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pseudo-language's catalog, made from the catalog template and compiled."""
    folder = tmp_path_factory.mktemp("pseudo-translations")
    return compiled_catalogs(folder, {PSEUDO_LOCALE: pseudo_catalog()})


@pytest.fixture
def app_settings(pseudo_catalogs: Path) -> dict[str, Any]:
    """The board's own catalogs and the pseudo-language's; a board short enough to have pages."""
    return {"BABEL_TRANSLATION_DIRECTORIES": f"translations;{pseudo_catalogs}", "NEEDS_PER_PAGE": 2}


@pytest.fixture(autouse=True)
def _fresh_catalogs(app: Flask) -> Iterator[None]:
    # Flask-Babel keeps loaded catalogs per process, not per app: start and end without any,
    # so that neither this module's catalogs nor another test's missing ones are reused.
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield
    with app.app_context():
        babel.domain_instance.cache.clear()


# What a person reads ---------------------------------------------------------------------


class Reader(HTMLParser):
    """The texts of an HTML page or part that a person reads or hears."""

    # <code> holds identifiers and records shown verbatim, the same in every language: what is
    # typed into filters, files and addresses (audit actions and targets, e-mail kinds,
    # competence slugs), an audit event's details as recorded, a mail server's answer.
    UNREAD = frozenset({"script", "style", "code"})
    READ_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt", "data-confirm"})
    BUTTONS = frozenset({"submit", "button", "reset"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.unread = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.UNREAD:
            self.unread += 1
        self.texts += [value or "" for name, value in attrs if name in self.READ_ATTRIBUTES]
        values = dict(attrs)
        if tag == "input" and (values.get("type") or "").lower() in self.BUTTONS:
            self.texts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.UNREAD and self.unread:
            self.unread -= 1

    def handle_data(self, data: str) -> None:
        if not self.unread and data.strip():
            self.texts.append(data)


def read(html: str) -> list[str]:
    reader = Reader()
    reader.feed(html)
    reader.close()
    return [text for text in reader.texts if text.strip()]


def leftovers(text: str, data: Iterable[str]) -> list[str]:
    """The ASCII words of `text` once the data shown in it (longest first) is taken out."""
    for known in data:
        text = text.replace(known, " ")
    return [word for word in WORD.findall(ADDRESS.sub(" ", text)) if word not in CODES]


@dataclass
class Findings:
    """Texts that escaped gettext, by where they were read."""

    data: list[str]
    found: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def check(self, where: str, texts: Iterable[str]) -> None:
        for text in texts:
            if words := leftovers(text, self.data):
                self.found[f"{' '.join(text.split())!r}: {' '.join(words)}"].add(where)

    def check_page(self, where: str, response: TestResponse) -> None:
        if response.mimetype == "text/html":
            self.check(where, read(response.get_data(as_text=True)))

    def report(self) -> str:
        return "\n".join(
            f"{text}\n    on {', '.join(sorted(places)[:4])}"
            + (f" and {len(places) - 4} more" if len(places) > 4 else "")
            for text, places in sorted(self.found.items())
        )


# The cluster -----------------------------------------------------------------------------


@dataclass
class World:
    """The accounts that act, the values that fill the URL map's addresses, and the data."""

    accounts: dict[str, factories.Account]
    # Values for a rule's argument, by argument name or by (endpoint, argument name).
    arguments: dict[str | tuple[str, str], list[str]]
    data: list[str]


class LongAgo(TimestampSigner):
    """Signs as if a year ago: a genuine link that has expired."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 365 * 24 * 3600


def expired(token: str, purpose: Purpose) -> str:
    key, salt = current_app.config["SECRET_KEY"], f"board.{purpose}"
    payload = URLSafeTimedSerializer(key, salt=salt).loads(token)
    return URLSafeTimedSerializer(key, salt=salt, signer=LongAgo).dumps(payload)


def forged(salt: str, payload: object, timed: bool = True) -> str:
    serializer = URLSafeTimedSerializer if timed else URLSafeSerializer
    return serializer("not-the-secret-key", salt=salt).dumps(payload)


class Cluster:
    """Builds the world through the services, as people using the board would leave it, and
    keeps every text it writes: that is the data the pages show, not text of the board."""

    def __init__(self) -> None:
        self.data: list[str] = []

    def said(self, text: str) -> str:
        self.data.append(text)
        return text

    def firm(self, name: str, country: str, competences: tuple[str, ...]) -> Member:
        member = factories.make_member(self.said(name), competences=competences, country=country)
        member.description = self.said(f"{name} builds software for logistics and banks.")
        member.website = self.said(f"https://{member.slug}.example")
        db.session.commit()
        return member

    def person(self, member: Member | None, name: str, email: str, **settings: Any) -> User:
        account = factories.make_user(
            member, email=self.said(email), name=self.said(name), is_staff=member is None
        )
        user = db.session.get(User, account.id)
        assert user is not None
        user.locale = PSEUDO_LOCALE
        for setting, value in settings.items():
            setattr(user, setting, value)
        db.session.commit()
        return user

    def need(self, author: User, title: str, **fields: Any) -> Need:
        data = needs.NeedData(
            title=self.said(title),
            description=self.said(f"{title}: the team joins our own for the whole project."),
            competences=list(fields.pop("competences", ("kotlin",))),
            offer_deadline=cluster_today() + timedelta(days=fields.pop("days", 20)),
            **fields,
        )
        assert author.member is not None
        return needs.create_need(author.member, author, data)

    def published(self, author: User, staff: User, title: str, **fields: Any) -> Need:
        need = self.need(author, title, **fields)
        needs.submit_need(need, author)
        needs.approve_need(need, staff)
        return need

    def offer(
        self,
        need: Need,
        author: User,
        price: str,
        currency: str = "EUR",
        basis: PriceBasis = PriceBasis.FIXED,
    ) -> Offer:
        assert author.member is not None
        data = offers.OfferData(
            message=self.said(f"{author.member.name} offers two people for {need.title}."),
            price=Decimal(price),
            currency=currency,
            available_from=cluster_today() + timedelta(days=30),
            reference=self.said(f"REF-{need.id}-{author.id}"),
            price_basis=basis,
        )
        offer, _created = offers.submit_offer(need, author.member, author, data)
        return offer


# An application sent through the form, which answers with a page of its own.
APPLICATION = {
    "member_name": "Tisa Data SRL",
    "name": "Ioana Mureșan",
    "email": "ioana@tisa.example",
    "competences": "python",
}


def build_world(mailbox: Mailbox) -> World:
    """A cluster with needs and offers in every state, and every kind of e-mail in its outbox."""
    c = Cluster()
    odra = c.firm("Odra Software sp. z o.o.", "PL", ("kotlin", "python"))
    spreewerk = c.firm("Spreewerk Digital GmbH", "DE", ("kotlin", "kubernetes", "python"))
    ceahlau = c.firm("Ceahlău Software SRL", "RO", ("kotlin", "python", "react"))
    wisla = c.firm("Wisła Cloud S.A.", "PL", ("kotlin", "terraform"))
    dunaj = c.firm("Dunaj Systems s.r.o.", "SK", ("kotlin",))

    staff = c.person(None, "Clara Staff", "staff@cluster.example")
    anna = c.person(odra, "Agnieszka Nowak", "agnieszka@odra.example")
    tomasz = c.person(odra, "Tomasz Wiśniewski", "tomasz@odra.example")
    jonas = c.person(spreewerk, "Jonas Becker", "jonas@spreewerk.example")
    c.person(spreewerk, "Lena Hoffmann", "lena@spreewerk.example", notify=NotifyMode.DAILY)
    mihai = c.person(ceahlau, "Mihai Ciobanu", "mihai@ceahlau.example")
    piotr = c.person(wisla, "Piotr Zając", "piotr@wisla.example")
    marek = c.person(dunaj, "Marek Novák", "marek@dunaj.example")
    anna.phone = "+48 71 123 45 67"
    spreewerk.phone = "+49 (30) 555-0100"

    draft = c.need(anna, "A data platform audit", currency="PLN")
    pdf = b"%PDF-1.4\n%%EOF\n"
    attachments.attach_to_need(draft, anna, attachments.Upload(c.said("Zakres prac.pdf"), pdf))
    pending = c.need(anna, "Mobile app for couriers", budget_max=Decimal("40000"))
    needs.submit_need(pending, anna)
    changes = c.need(anna, "Kotlin backend rewrite")
    needs.submit_need(changes, anna)
    needs.request_changes(changes, staff, c.said("Please give a budget range."))
    rejected = c.need(anna, "Looking for a full-time employee")
    needs.submit_need(rejected, anna)
    needs.reject_need(rejected, staff, c.said("This is a job advert, not a project."))

    # Open, with a shortlisted offer, one staff hid and one of a firm suspended since.
    open_need = c.published(
        anna,
        staff,
        "Two senior Kotlin developers for six months",
        competences=("kotlin", "kubernetes"),
        budget_min=Decimal("80000"),
        budget_max=Decimal("120000"),
        expected_start=cluster_today() + timedelta(days=45),
        duration=c.said("six months"),
        work_mode=WorkMode.HYBRID,
        location=c.said("Wrocław"),
        work_language="de",
        question_deadline=cluster_today() + timedelta(days=10),
    )
    shortlisted = c.offer(open_need, jonas, "98000")
    offers.shortlist_offer(shortlisted, anna)
    attachments.attach_to_offer(shortlisted, jonas, attachments.Upload(c.said("Team.pdf"), pdf))
    hidden_offer = c.offer(open_need, mihai, "87000")
    offers.hide_offer(hidden_offer, staff, c.said("The offer advertises another service."))
    c.offer(open_need, marek, "91000")
    c.offer(open_need, marek, "650", basis=PriceBasis.DAY)  # a new price: the requester is told

    # Questions on it: waiting, answered, dismissed, hidden, answered with the answer hidden;
    # clarifications, one of them hidden.
    ask = questions.ask_question
    ask(open_need, piotr, c.said("Is the team expected in Wrocław every week?"))
    answered = ask(open_need, jonas, c.said("Which Kotlin version do you use?"))
    questions.answer_question(answered, anna, c.said("Kotlin 2.1 with coroutines."))
    questions.dismiss_question(ask(open_need, mihai, c.said("Is the budget firm?")), anna)
    hidden_question = ask(open_need, piotr, c.said("Would you buy our product instead?"))
    questions.hide_question(hidden_question, staff, c.said("An advertisement."))
    overshared = ask(open_need, marek, c.said("Who else offered?"))
    questions.answer_question(overshared, anna, c.said("Ceahlău offered 87000."))
    questions.hide_answer(overshared, staff, c.said("The answer names another firm's offer."))
    questions.publish_clarification(open_need, anna, c.said("The office is in Wrocław."))
    hidden_clarification = questions.publish_clarification(
        open_need, anna, c.said("Call Agnieszka on her private number.")
    )
    questions.hide_clarification(hidden_clarification, staff, c.said("A private number."))
    # Offers taken for longer: the firms that offered or asked are told.
    needs.extend_deadline(open_need, anna, open_need.offer_deadline + timedelta(days=7))

    # Open, with a declined offer and a withdrawn one.
    second = c.published(
        anna,
        staff,
        "Python data pipelines",
        competences=("python",),
        budget_min=Decimal("5000"),
        currency="PLN",
    )
    declined = c.offer(second, jonas, "60000", "PLN")
    offers.decline_offer(declined, anna, c.said("Too expensive for us this year."))
    withdrawn = c.offer(second, mihai, "45000", "PLN")
    offers.withdraw_offer(withdrawn, mihai)

    awarded = c.published(anna, staff, "Security review of the payment API", currency="RON")
    won = c.offer(awarded, jonas, "30000", "RON")
    c.offer(awarded, mihai, "35000", "RON")
    offers.accept_offer(won, anna)

    cancelled = c.published(anna, staff, "Kubernetes migration", work_mode=WorkMode.ONSITE)
    c.offer(cancelled, jonas, "20000")
    needs.cancel_need(cancelled, anna)

    hidden = c.published(anna, staff, "Game engine port")
    needs.hide_need(hidden, staff, c.said("Staff are checking who posted this."))

    factories.make_need(
        odra,
        anna.id,
        title=c.said("An old React front end"),
        description=c.said("An old React front end for the archive."),
        status=NeedStatus.EXPIRED,
    )
    ceahlau_need = c.published(
        mihai, staff, "React front end for a bank", competences=("react", "python")
    )
    c.offer(ceahlau_need, anna, "15000")
    db.session.commit()

    # Membership: applications waiting, refused and approved; invitations; address reused.
    tisza = applications.ApplicationData(
        c.said("Tisza Cloud Kft."),
        c.said("Eszter Varga"),
        c.said("eszter@tisza.example"),
        c.said("We build data pipelines in Szeged."),
        ["python"],
    )
    applications.submit_application(tisza)
    refused = applications.submit_application(
        applications.ApplicationData(
            c.said("Vltava Apps s.r.o."), c.said("Jan Novák"), c.said("jan@vltava.example")
        )
    )
    applications.reject_application(refused, staff, c.said("We accept firms of the region only."))
    approved = applications.submit_application(
        applications.ApplicationData(
            c.said("Mureș Data SRL"), c.said("Ioana Pop"), c.said("ioana@mures.example")
        )
    )
    applications.approve_application(approved, staff)
    db.session.commit()
    members.invite_colleague(c.said("ilse@odra.example"), odra, anna)
    members.invite_colleague(jonas.email, odra, anna)  # an address with an account
    auth.invite_user(c.said("nadia@cluster.example"), None, staff, name=c.said("Nadia Staff"))

    # Staff keep the cluster: the taxonomy, reports, a suspension and a deactivation.
    by_slug = {competence.slug: competence for competence in db.session.scalars(select(Competence))}
    flutter = competences.add_competence(c.said("Flutter"), c.said("Mobile apps"), staff)
    competences.retire_competence(by_slug["angular"], staff)
    report = reports.file_report(
        mihai, ReportReason.MISLEADING, c.said("The budget looks invented."), need=open_need
    )
    reports.file_report(anna, ReportReason.SPAM, c.said("An advert."), offer=shortlisted)
    reports.resolve_report(report, staff, c.said("Talked to the firm."))
    members.set_member_status(dunaj, MemberStatus.SUSPENDED, staff)
    members.set_user_active(tomasz, False, staff)

    # The outbox: a reset refused by the mail server, then suppressed; reminders and a digest.
    auth.request_password_reset(anna.email)
    mailbox.replies.append(c.said("550 5.1.1 <piotr@wisla.example>: mailbox unavailable"))
    auth.request_password_reset(piotr.email)
    auth.request_password_reset(piotr.email)
    sweep.queue_digests(cluster_today())
    sweep.queue_deadline_reminders(open_need.offers_close_at - timedelta(days=1))
    sweep.queue_award_reminders(open_need.offers_close_at + timedelta(days=1))
    db.session.commit()

    # Everyone reads the pseudo-language, those who are not users yet too.
    for user in db.session.scalars(select(User)):
        user.locale = PSEUDO_LOCALE
    for row in db.session.scalars(select(Notification).where(Notification.user_id.is_(None))):
        row.locale = PSEUDO_LOCALE
    db.session.commit()

    # Software of the firms: API tokens, one used and one revoked, and a user's feeds.
    used, _secret = api_tokens.create_api_token(anna, c.said("Our CRM"), TokenScope.WRITE)
    api_tokens.note_use(used)
    revoked, _secret = api_tokens.create_api_token(anna, c.said("Old script"), TokenScope.READ)
    api_tokens.revoke_api_token(revoked, anna)
    api_tokens.reset_feed_token(anna)

    invited = db.session.scalar(select(User).where(User.email == "ilse@odra.example"))
    assert invited is not None
    invitation = make_token(invited, Purpose.INVITATION)
    reset = make_token(anna, Purpose.PASSWORD_RESET)
    all_needs = [str(need.id) for need in db.session.scalars(select(Need).order_by(Need.id))]
    all_offers = [str(offer) for offer in db.session.scalars(select(Offer.id).order_by(Offer.id))]
    failed = db.session.scalars(
        select(Notification.id).where(
            Notification.status.in_([NotificationStatus.FAILED, NotificationStatus.SUPPRESSED])
        )
    ).all()
    sent = db.session.scalar(
        select(Notification.id).where(Notification.status == NotificationStatus.SENT)
    )
    all_files = [str(file) for file in db.session.scalars(select(Attachment.id))]
    missing = str(MISSING_ID)
    arguments: dict[str | tuple[str, str], list[str]] = {
        "need_id": [*all_needs, missing],
        "offer_id": [*all_offers, missing],
        "attachment_id": [*all_files, missing],
        "slug": [m.slug for m in db.session.scalars(select(Member))] + ["no-such-firm"],
        "member_id": [str(dunaj.id), str(wisla.id), missing],
        "user_id": [str(tomasz.id), str(piotr.id), str(staff.id), missing],
        "application_id": [
            *(str(a.id) for a in applications.pending_applications()),
            str(refused.id),
            missing,
        ],
        "report_id": [str(report.id), missing],
        "token_id": [str(used.id), str(revoked.id), missing],
        "question_id": [
            *(str(i) for i in db.session.scalars(select(Question.id).order_by(Question.id))),
            missing,
        ],
        "clarification_id": [
            *(str(i) for i in db.session.scalars(select(Clarification.id))),
            missing,
        ],
        "notification_id": [*(str(i) for i in failed), str(sent), missing],
        "competence_id": [
            str(by_slug["django"].id),
            str(by_slug["angular"].id),
            str(flutter.id),
            missing,
        ],
        ("auth.invitation", "token"): [
            invitation,
            expired(invitation, Purpose.INVITATION),
            forged("board.invitation", [invited.id, "0" * 16]),
        ],
        ("auth.reset_password", "token"): [
            reset,
            expired(reset, Purpose.PASSWORD_RESET),
            forged("board.password-reset", [anna.id, "0" * 16]),
        ],
        ("account.unsubscribe", "token"): [
            tokens.unsubscribe_token(jonas.id),
            forged(tokens.UNSUBSCRIBE_SALT, jonas.id, timed=False),
        ],
    }
    accounts = {
        role: factories.Account(
            id=user.id,
            email=user.email,
            password=factories.PASSWORD,
            member_id=user.member_id,
            member_slug=user.member.slug if user.member else None,
        )
        for role, user in (("requester", anna), ("supplier", jonas), ("staff", staff))
    }
    # The names of the board's languages, each in itself, as the language menu lists them.
    languages = [
        Locale.parse(code).get_display_name(code).capitalize()
        for code in current_app.extensions["board.locales"]
    ]
    typed = [APPLICATION[field] for field in ("member_name", "name", "email")]
    data = {*c.data, *languages, *typed, *db.session.scalars(select(Member.name))}
    return World(accounts, arguments, sorted(data, key=len, reverse=True))


@pytest.fixture
def world(app: Flask, mailbox: Mailbox) -> World:
    with app.app_context():
        return build_world(mailbox)


# The crawl -------------------------------------------------------------------------------


def page_rules(app: Flask) -> list[Rule]:
    """Every GET rule of the URL map that answers with a page."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ()) and rule.endpoint not in NOT_PAGES
        ),
        key=lambda rule: rule.rule,
    )


def addresses(
    app: Flask, rules: Iterable[Rule], values: dict[Any, list[str]]
) -> dict[str, list[str]]:
    """Each rule's addresses with every combination of the values its arguments take.

    A rule with an argument that has no values fails the test: the crawl must read every page.
    """
    adapter = app.url_map.bind("localhost")
    found: dict[str, list[str]] = {}
    unfilled: list[str] = []
    for rule in rules:
        names = sorted(rule.arguments)
        choices = [values.get((rule.endpoint, name)) or values.get(name) for name in names]
        if not all(choices):
            unfilled.append(f"{rule.rule} ({rule.endpoint})")
            continue
        found[rule.rule] = [
            adapter.build(rule.endpoint, dict(zip(names, combination, strict=True)))
            for combination in itertools.product(*choices)  # type: ignore[arg-type]
        ]
    assert not unfilled, "the crawl has no values for the arguments of " + ", ".join(unfilled)
    return found


def browser(app: Flask, world: World, role: str) -> FlaskClient:
    """A client of its own for the role, signed in unless anonymous, asking for the language."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = PSEUDO_LOCALE
    if role != "anonymous":
        account = world.accounts[role]
        assert AuthActions(client).login(account.email, account.password).status_code == 302
    return client


def first_status(response: TestResponse) -> int:
    return response.history[0].status_code if response.history else response.status_code


# Query strings the pages' own links and forms send, and addresses of nothing.
QUERIES = (
    *(f"/needs?status={status.value}" for status in NeedStatus),
    "/needs?q=Kotlin&competence=kotlin&competence=no-such-skill&match=y&sort=deadline",
    "/needs?status=open&page=2",
    *(f"/staff/notifications?status={status.value}" for status in NotificationStatus),
    "/staff/notifications?status=sent&page=2",
    "/staff/audit?action=need.&since=not-a-date",
    "/staff/audit?page=2",
    "/staff/statistics?from=not-a-date&to=2026-13-45&country=XX&area=nowhere",
    "/staff/statistics?from=2026-03-01&to=2026-01-01",
    "/no-such-page",
    "/logout",
)


FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')


def form_fields(page: str) -> list[str]:
    """The names of the fields on a page, but for the CSRF token."""
    return sorted(set(FIELD.findall(page)) - {"csrf_token"})


def page_templates() -> set[str]:
    """The templates of whole pages; e-mails and the server error page are read elsewhere."""
    folder = ROOT / "templates"
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*.html")
        if not path.name.startswith("_") and path.parts[-2] != "email"
    } - {"base.html", "errors/500.html"}


def test_every_page_every_form_and_every_action_speaks_the_readers_language(
    app: Flask, world: World
) -> None:
    findings = Findings(world.data)
    rendered: set[str] = set()

    def record(sender: Flask, template: Template, context: dict[str, Any], **extra: Any) -> None:
        rendered.add(template.name or "")

    template_rendered.connect(record, app)
    rules = page_rules(app)
    pages = addresses(app, rules, world.arguments)
    forms = {rule.rule for rule in rules if "POST" in (rule.methods or ())}
    seen: dict[str, set[int]] = defaultdict(set)
    clients = {role: browser(app, world, role) for role in ROLES}

    # Every page, as everyone.
    for role, client in clients.items():
        for rule, paths in pages.items():
            for path in paths:
                response = client.get(path, follow_redirects=True)
                seen[rule].add(first_status(response))
                findings.check_page(f"GET {path} as {role}", response)
        for path in QUERIES:
            findings.check_page(f"GET {path} as {role}", client.get(path, follow_redirects=True))
    never_shown = [rule for rule in pages if 200 not in seen[rule]]
    assert not never_shown, f"no one could read these pages: {never_shown} ({dict(seen)})"

    # Every form sent back empty, then with nonsense in every field, as everyone who has it.
    for role, client in clients.items():
        for rule in sorted(forms):
            for path in pages[rule]:
                page = client.get(path)
                if page.status_code != 200:
                    continue
                html = page.get_data(as_text=True)
                found = CSRF_PATTERN.search(html)
                token = found.group(1) if found else ""
                nonsense = {name: "x" for name in form_fields(html)}
                for data in ({}, nonsense):
                    response = client.post(
                        path, data={"csrf_token": token, **data}, follow_redirects=True
                    )
                    findings.check_page(f"POST {path} {sorted(data)} as {role}", response)
    # A form that answers with a page of its own when it is sent as it should be.
    applied = clients["anonymous"].post(
        "/apply", data={"csrf_token": csrf_token(clients["anonymous"], "/apply"), **APPLICATION}
    )
    assert applied.status_code == 200
    findings.check_page("POST /apply as anonymous", applied)

    # Every action as every signed-in role, sending nothing but the form's token: refused with
    # a message, or done with a confirmation. Signing out goes last.
    actions = sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" not in (rule.methods or ())),
        key=lambda rule: (rule.endpoint == "auth.logout", rule.rule),
    )
    action_paths = addresses(app, actions, world.arguments)
    for role in ROLES[1:]:
        client = clients[role]
        token = csrf_token(client, "/account")
        for path in itertools.chain(*action_paths.values()):
            response = client.post(path, data={"csrf_token": token}, follow_redirects=True)
            findings.check_page(f"POST {path} as {role}", response)

    template_rendered.disconnect(record, app)
    assert not page_templates() - rendered, "pages the crawl never reached"
    assert not findings.found, "texts that escaped gettext:\n" + findings.report()


def test_the_error_pages_speak_the_readers_language(app: Flask, world: World) -> None:
    findings = Findings(world.data)
    client = browser(app, world, "requester")
    response = client.post("/account", data={"name": "Agnieszka Nowak"})
    assert response.status_code == 400
    findings.check_page("POST /account without a token", response)

    anonymous = browser(app, world, "anonymous")
    large = anonymous.post("/apply", data={"message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert large.status_code == 413
    findings.check_page("POST /apply too large", large)
    for _attempt in range(30):
        response = anonymous.post(
            "/login",
            data={
                "csrf_token": csrf_token(anonymous, "/login"),
                "email": world.accounts["requester"].email,
                "password": "not the password",
            },
        )
        if response.status_code == 429:
            break
    assert response.status_code == 429
    findings.check_page("POST /login too often", response)

    # The page of an error the board did not foresee, as the browser's language asks.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.test_request_context("/", headers={"Accept-Language": PSEUDO_LOCALE}):
        failure = app.handle_exception(RuntimeError("the database went away"))
    assert failure.status_code == 500
    findings.check_page("a server error", failure)
    assert not findings.found, "texts that escaped gettext:\n" + findings.report()


def test_every_kind_of_e_mail_speaks_its_readers_language(app: Flask, world: World) -> None:
    findings = Findings(world.data)
    with app.app_context():
        ids = db.session.scalars(select(Notification.id).order_by(Notification.id)).all()
        rows = deliver.load_batch(ids)
        assert {row.user.locale for row in rows} == {PSEUDO_LOCALE}
        composer = compose.Composer(rows)
        for row in rows:
            message = composer.compose(row)
            where = f"e-mail {row.kind} #{row.id}"
            findings.check(f"{where} (subject)", [str(message["Subject"])])
            findings.check(f"{where} (text)", text_of(message).splitlines())
            findings.check(f"{where} (HTML)", read(html_of(message)))
    missing = sorted(set(compose.SUBJECTS) - {row.kind for row in rows})
    assert not missing, f"the cluster sent no e-mail of these kinds: {missing}"
    assert not findings.found, "texts that escaped gettext:\n" + findings.report()


# The crawl's own checks ------------------------------------------------------------------


def test_a_text_left_out_of_gettext_is_found(app: Flask) -> None:
    """The reader sees what a person sees, and what the pseudo-language did not reach shows."""
    page = (
        "<html><head><title>{{ _('Sign in') }}</title><script>var ok = 1;</script></head><body>"
        "<p>{{ _('Sign in') }}</p><p>Forgot it?</p><code>need.approved</code>"
        "<input type='submit' value='Send it'><input name='q' value='typed words'>"
        "<a title='{{ _(\"Members\") }}' aria-label='Go home'>{{ day | dateformat }}</a>"
        "<p>{{ country_name('DE') }}: 98 EUR, anna@odra.example, https://odra.example/x</p>"
        "</body></html>"
    )
    with app.test_request_context("/", headers={"Accept-Language": PSEUDO_LOCALE}):
        texts = read(app.jinja_env.from_string(page).render(day=datetime(2026, 12, 5)))
    found = [word for text in texts for word in leftovers(text, [])]
    assert found == ["Forgot", "it", "Send", "it", "Go", "home"]
    with app.test_request_context("/"), force_locale("en"):
        english = read(app.jinja_env.from_string(page).render(day=datetime(2026, 12, 5)))
    assert "Sign" in [word for text in english for word in leftovers(text, [])]


def test_a_page_the_crawl_cannot_address_fails_it(app: Flask) -> None:
    """A GET route added with an argument the crawl has no values for fails the crawl rather
    than being left out."""

    @app.get("/needs/<id:need_id>/history/<int:version>")
    def history(need_id: int, version: int) -> str:
        return "history"

    rules = [rule for rule in page_rules(app) if rule.endpoint == "history"]
    assert addresses(app, rules, {"need_id": ["1"], "version": ["2"]}) == {
        "/needs/<id:need_id>/history/<int:version>": ["/needs/1/history/2"]
    }
    with pytest.raises(AssertionError, match="history"):
        addresses(app, rules, {"need_id": ["1"]})
