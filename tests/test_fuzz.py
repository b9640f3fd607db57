"""Generated form posts and query strings, sent as users and attackers would send them.

Hypothesis writes the input: text from every Unicode plane with control characters and NUL,
bytes that are not UTF-8, values up to 20,000 characters, numbers and dates in odd formats,
unknown choices, and fields repeated, left out or added. Every post carries a valid CSRF
token, so what is tested is each form's own validation and the services behind it.

Whatever arrives, the board answers below 500 and logs no error; a request it refuses (a form
shown again, an error flashed, a 4xx) leaves every row of every table as it was. A request it
accepts may change rows: the response says which it was. The database is reset per test
function, not per example, so each example checks the rows against those just before it, and
a target an accepted example used up (a declined offer, a rejected need) is made afresh.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slugify import slugify
from sqlalchemy import select
from werkzeug.test import TestResponse

from board.auth.passwords import hash_password
from board.competences.taxonomy import TAXONOMY
from board.extensions import db
from board.models import (
    CURRENCIES,
    Application,
    Competence,
    Member,
    NeedStatus,
    NotificationStatus,
    Report,
    ReportReason,
    User,
)
from board.needs.forms import WORK_LANGUAGES
from board.tokens import Purpose, make_token
from tests import factories
from tests.conftest import AuthActions, csrf_token

Value = str | bytes
Pairs = list[tuple[str, Value]]

REQUESTER = "anna@odra.example"
SUPPLIER = "jonas@spreewerk.example"
STAFF = "clara@cluster.example"
PASSWORD = factories.PASSWORD
SLUGS = tuple(slugify(name) for _area, names in TAXONOMY for name in names)
TODAY = date.today()
EXAMPLES: Counter[str] = Counter()
ACCEPTED: Counter[str] = Counter()
_serial = count(1)


def fuzz(examples: int) -> Callable[[Any], Any]:
    """Hypothesis settings for a test that sends `examples` generated requests."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# What may arrive in any field -------------------------------------------------------------


def mix(*kinds: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value of one of `kinds`, each kind as likely as the others.

    st.one_of flattens nested choices, so a kind made of many choices would crowd out the rest.
    """
    return st.integers(0, len(kinds) - 1).flatmap(lambda index: kinds[index])


# Text from every plane, NUL and control characters included; lone surrogates cannot be
# encoded as UTF-8, and Hypothesis's text leaves them out.
ANY_TEXT = st.text(max_size=30)
CONTROLS = st.text(st.characters(categories=("Cc", "Cf", "Z")), min_size=1, max_size=6)
ATTACKS = st.sampled_from(
    (
        "\x00",
        "a\x00b",
        "\u202egnp.exe",
        "\ufeff\u200b",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🏳️‍🌈",
        "Z̴̡̛a̷l̶g̵o",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "{{ 7*7 }}",
        "{% raw %}",
        "' OR '1'='1",
        "1; DROP TABLE users; --",
        "%00",
        "%s%s%n",
        "../../etc/passwd",
        "\r\nSet-Cookie: a=b",
        "javascript:alert(1)",
        "null",
        " ",
        "",
    )
)
LONG = st.builds(
    lambda unit, times: (unit * times)[:20_000],
    st.text(min_size=1, max_size=3),
    st.integers(100, 20_000),
)
# Bytes that need not be UTF-8, percent-encoded as a hand-made request would send them.
RAW = st.binary(min_size=1, max_size=12)
NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats().map(repr),
    st.decimals().map(str),
    # Digits of other scripts, superscripts, fractions and numerals.
    st.text(st.characters(categories=("Nd", "No", "Nl")), min_size=1, max_size=4),
    st.sampled_from(
        (
            "1e3",
            "1E+999999999",
            "1e-400",
            "1_000",
            "0x1F",
            "1,50",
            " 42 ",
            "+5",
            "-0",
            "007",
            ".5",
            "5.",
            "١٢٣",
            "１２３",
            "²",
            "Ⅻ",
            "½",
            "sNaN",
            "-Infinity",
            "9" * 60,
        )
    ),
)
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.dates().map(lambda day: day.strftime("%d.%m.%Y")),
    st.sampled_from(
        (
            "9999-12-31",
            "0001-01-01",
            "2026-02-30",
            "2026-13-01",
            "0000-01-01",
            "10000-01-01",
            "2026-1-1",
            "26-01-01",
            "2026/01/01",
            "٢٠٢٦-١٢-٣١",
            "2026-12-31T23:59",
            " 2026-12-31 ",
            "+2026-12-31",
            "today",
        )
    ),
)
# NUL inside ordinary text: a browser never sends it, a script easily does.
WITH_NUL = st.builds(
    lambda head, tail: f"{head}\x00{tail}", st.text(max_size=8), st.text(max_size=8)
)
ODD = mix(ANY_TEXT, CONTROLS, ATTACKS, WITH_NUL, LONG, RAW, NUMBERS, DATES)


# What each field takes when it is filled in as meant -----------------------------------


def one(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[Value]]:
    return values.map(lambda value: [value])


WORDS = st.text(st.characters(categories=("L", "N")), min_size=5, max_size=40)
PROSE = st.text(min_size=1, max_size=300).filter(str.strip)
EMAIL = one(
    st.one_of(
        st.sampled_from((REQUESTER, SUPPLIER, STAFF, "nobody@odra.example")),
        st.emails(),
    )
)
NEW_PASSWORD = one(st.text(min_size=10, max_size=40))
COMPETENCES = st.lists(st.sampled_from(SLUGS), min_size=1, max_size=4, unique=True)
FUTURE_DAY = st.integers(2, 300).map(lambda n: (TODAY + timedelta(days=n)).isoformat())
AMOUNT = st.one_of(
    st.integers(0, 10**9).map(str),
    st.decimals(min_value=0, max_value=10**6, places=2).map(str),
)
WEBSITE = one(st.sampled_from(("", "https://odra.example", "odra.example/team", "http://a.b")))
OPTIONAL_TEXT = one(st.one_of(st.just(""), ANY_TEXT))


@st.composite
def posted(
    draw: st.DrawFn, fields: dict[str, st.SearchStrategy[list[Value]]], **same: str
) -> Pairs:
    """A form as a browser or a script posts it.

    Every field is filled in as meant, except a drawn few that are spoilt: odd values,
    repeated, or left out. `same` names fields that repeat another (confirm=password) unless
    spoilt. A few fields the form does not know may come along.
    """
    spoilt = draw(st.sets(st.sampled_from(sorted(fields)), max_size=len(fields)))
    chosen: dict[str, list[Value]] = {}
    for name, valid in fields.items():
        if name in spoilt:
            fitting = valid.map(lambda values: values[0] if values else "")
            chosen[name] = draw(st.lists(st.one_of(ODD, fitting), max_size=3))
        else:
            chosen[name] = draw(valid)
    for name, source in same.items():
        if name not in spoilt:
            chosen[name] = list(chosen[source])
    known = {*fields, "csrf_token"}
    extra_name = st.text(min_size=1, max_size=12).filter(lambda name: name not in known)
    extras = draw(st.lists(st.tuples(extra_name, ODD), max_size=2))
    return [(name, value) for name, values in chosen.items() for value in values] + extras


def query(fields: dict[str, st.SearchStrategy[list[Value]]]) -> st.SearchStrategy[Pairs]:
    """A query string: like a form, with every field liable to be odd, repeated or missing."""
    return posted(fields)


# The world the requests arrive in ----------------------------------------------------------


@dataclass(frozen=True)
class World:
    """Odra posts needs, Spreewerk offers on them, Clara is staff."""

    requester: factories.Account
    supplier: factories.Account
    staff: factories.Account
    draft_id: int
    open_id: int


@pytest.fixture
def world(app: Flask) -> World:
    # Generated sign-ins, applications and invitations must reach the forms, not the limits.
    app.config.update(
        LOGIN_RATE_LIMIT="100000 per minute",
        PASSWORD_RESET_RATE_LIMIT="100000 per minute",
        APPLY_RATE_LIMIT="100000 per minute",
        INVITE_RATE_LIMIT="100000 per minute",
        INVITE_ADDRESS_RATE_LIMIT="100000 per minute",
    )
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin", "python"))
        spreewerk = factories.make_member("Spreewerk Digital", competences=("python", "kotlin"))
        requester = factories.make_user(odra, email=REQUESTER)
        supplier = factories.make_user(spreewerk, email=SUPPLIER)
        staff = factories.make_user(email=STAFF, is_staff=True)
        draft = factories.make_need(odra, requester.id, status=NeedStatus.DRAFT)
        open_need = factories.make_need(odra, requester.id, status=NeedStatus.OPEN)
        return World(requester, supplier, staff, draft.id, open_need.id)


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, all columns, ordered by primary key."""
    with app.app_context():
        rows = {}
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            result = db.session.execute(select(table).order_by(*order))
            rows[table.name] = [tuple(row) for row in result]
        return rows


def assert_unchanged(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> None:
    changed = {
        name: [row for row in after[name] if row not in before[name]][:3]
        for name in before
        if before[name] != after[name]
    }
    assert not changed, f"a refused request changed rows: {changed}"


# Forms that answer success with a page of their own instead of a redirect.
SUCCESS_PAGES: dict[str, Callable[[str], bool]] = {
    "/apply": lambda page: 'name="member_name"' not in page,
}


def decoded(value: Value) -> str:
    """A value as the board reads it: bytes that are not UTF-8 become U+FFFD."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


PAGED = ("/needs", "/staff/audit", "/staff/notifications")


class Visitor:
    """One browser: a test client, signed in or not, and its session's CSRF token."""

    def __init__(self, app: Flask, account: factories.Account | None = None) -> None:
        self.client: FlaskClient = app.test_client()
        self.signed_in = account is not None
        self._token: str | None = None
        if account is not None:
            response = AuthActions(self.client).login(account.email, account.password)
            assert response.status_code == 302

    def token(self) -> str:
        if self._token is None:
            self._token = csrf_token(self.client, "/account" if self.signed_in else "/login")
        return self._token

    def session_may_have_changed(self) -> None:
        self._token = None

    def send(self, method: str, path: str, pairs: Pairs) -> TestResponse:
        if method == "GET":
            return self.client.get(path, query_string=urlencode(pairs))
        body = urlencode([("csrf_token", self.token()), *pairs])
        return self.client.post(path, data=body, content_type="application/x-www-form-urlencoded")

    def take_flashes(self) -> list[tuple[str, str]]:
        with self.client.session_transaction() as session:
            return list(session.pop("_flashes", []))


@dataclass
class Probe:
    """Sends generated requests and checks what each one did to the board."""

    app: Flask
    caplog: pytest.LogCaptureFixture
    test: str
    visitors: dict[int | None, Visitor] = field(default_factory=dict)
    targets: dict[str, Fresh] = field(default_factory=dict)
    # The rows as the last refused request left them; None once anything may have changed.
    rows: dict[str, list[tuple[Any, ...]]] | None = None

    def visitor(self, account: factories.Account | None = None) -> Visitor:
        """The browser of `account` (None: anonymous), kept across examples."""
        key = account.id if account else None
        if key not in self.visitors:
            self.rows = None  # signing in writes the time of the last sign-in
            self.visitors[key] = Visitor(self.app, account)
        return self.visitors[key]

    def target(self, name: str, make: Callable[[], int]) -> Fresh:
        """The object `name` requests act on, kept across examples until used up."""
        if name not in self.targets:
            self.targets[name] = Fresh(self.app, make, self)
        return self.targets[name]

    def forget(self, visitor: Visitor) -> None:
        """Start the next example in a new browser (this one's session changed hands)."""
        self.visitors = {k: v for k, v in self.visitors.items() if v is not visitor}

    def send(
        self,
        visitor: Visitor,
        method: str,
        path: str,
        pairs: Pairs,
    ) -> bool:
        """Send one generated request; see `check`."""
        EXAMPLES[self.test] += 1
        accepted = self.check(visitor, method, path, pairs)
        ACCEPTED[self.test] += accepted
        return accepted

    def check(
        self,
        visitor: Visitor,
        method: str,
        path: str,
        pairs: Pairs,
    ) -> bool:
        """Send one request, check it, and return whether the board accepted it.

        A POST is accepted when it redirects without flashing an error, or answers with its
        page of success (SUCCESS_PAGES).
        """
        before = self.rows or snapshot(self.app)
        self.rows = None
        self.caplog.clear()
        response = visitor.send(method, path, pairs)
        flashes = visitor.take_flashes()

        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
        logged = [r for r in self.caplog.records if r.levelno >= logging.ERROR]
        assert not logged, f"{method} {path} logged: {logged[0].getMessage()}"
        if visitor.signed_in and response.status_code in (301, 302, 303):
            assert not response.location.startswith("/login"), "the visitor was signed out"
        refused = any(category == "error" for category, _message in flashes)
        accepted = method == "POST" and not refused and response.status_code in (302, 303)
        shown = SUCCESS_PAGES.get(path)
        if method == "POST" and response.status_code == 200 and shown is not None:
            accepted = shown(response.get_data(as_text=True))
        if accepted:
            visitor.session_may_have_changed()
            return True
        after = snapshot(self.app)
        assert_unchanged(before, after)
        self.rows = after
        if method == "POST" and response.status_code == 200:
            page = response.get_data(as_text=True)
            says_why = 'class="errors-summary"' in page or 'class="flash flash-error"' in page
            assert says_why, f"POST {path} refused the form without saying why"
        return False


@pytest.fixture
def probe(app: Flask, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest) -> Probe:
    return Probe(app, caplog, request.node.originalname)


class ExampleCount:
    """Adds to pytest's summary how many generated requests this module sent."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if EXAMPLES:
            terminalreporter.write_line(
                f"tests/test_fuzz.py sent {sum(EXAMPLES.values())} generated requests, "
                f"{sum(ACCEPTED.values())} of them accepted:"
            )
            for name, sent in sorted(EXAMPLES.items()):
                terminalreporter.write_line(f"  {name}: {sent} sent, {ACCEPTED[name]} accepted")


@pytest.fixture(scope="module", autouse=True)
def _count_examples(request: pytest.FixtureRequest) -> None:
    """Have pytest's summary say how many generated requests were sent."""
    plugins = request.config.pluginmanager
    if not plugins.has_plugin("generated-request-count"):
        plugins.register(ExampleCount(), "generated-request-count")


class Fresh:
    """An id made on demand, made again once an accepted request has used it up."""

    def __init__(self, app: Flask, make: Callable[[], int], probe: Probe) -> None:
        self.app, self.make, self.probe, self._id = app, make, probe, None

    @property
    def id(self) -> int:
        if self._id is None:
            self.probe.rows = None
            with self.app.app_context():
                self._id = self.make()
        return self._id

    def used_up(self) -> None:
        self._id = None


def member_of(account: factories.Account) -> Member:
    member = db.session.get(Member, account.member_id)
    assert member is not None
    return member


# Anonymous forms -------------------------------------------------------------------------

SIGN_IN = posted(
    {
        "email": EMAIL,
        "password": one(st.one_of(st.just(PASSWORD), ANY_TEXT)),
        "remember": one(st.sampled_from(("y", "on", ""))),
    }
)
NEXT = st.lists(st.tuples(st.just("next"), st.one_of(st.just("/needs"), ODD)), max_size=2)


@fuzz(60)
@given(pairs=SIGN_IN, next_page=NEXT)
def test_sign_in_withstands_generated_posts(
    app: Flask, world: World, probe: Probe, pairs: Pairs, next_page: Pairs
) -> None:
    """Sign-in answers any post below 500; a refused sign-in changes no row."""
    path = "/login?" + urlencode(next_page) if next_page else "/login"
    visitor = probe.visitor()
    if probe.send(visitor, "POST", path, pairs):
        assert visitor.client.get("/account").status_code == 200
        probe.forget(visitor)


@fuzz(40)
@given(pairs=posted({"email": EMAIL}))
def test_forgotten_password_withstands_generated_posts(
    app: Flask, world: World, probe: Probe, pairs: Pairs
) -> None:
    """Asking for a reset link answers any post below 500; a refused one changes no row."""
    probe.send(probe.visitor(), "POST", "/password/forgot", pairs)


PASSWORDS = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}


@fuzz(40)
@given(pairs=posted(PASSWORDS, confirm="password"))
def test_password_reset_withstands_generated_posts(
    app: Flask, world: World, probe: Probe, pairs: Pairs
) -> None:
    """A valid reset link answers any post below 500; a refused new password changes no row."""
    with app.app_context():
        user = db.session.get(User, world.requester.id)
        token = make_token(user, Purpose.PASSWORD_RESET)
    probe.send(probe.visitor(), "POST", f"/password/reset/{token}", pairs)


def invited_user(world: World) -> int:
    email = f"invited{next(_serial)}@odra.example"
    return factories.make_user(member_of(world.requester), email=email, password=None).id


@fuzz(40)
@given(pairs=posted({"name": one(WORDS), **PASSWORDS}, confirm="password"))
def test_invitation_withstands_generated_posts(
    app: Flask, world: World, probe: Probe, pairs: Pairs
) -> None:
    """A valid invitation answers any post below 500; a refused acceptance changes no row."""
    invited = probe.target("invited", lambda: invited_user(world))
    with app.app_context():
        token = make_token(db.session.get(User, invited.id), Purpose.INVITATION)
    visitor = probe.visitor()
    if probe.send(visitor, "POST", f"/invitations/{token}", pairs):
        invited.used_up()
        probe.forget(visitor)


APPLICATION = posted(
    {
        "member_name": one(WORDS),
        "name": one(WORDS),
        "email": EMAIL,
        "competences": COMPETENCES,
        "message": OPTIONAL_TEXT,
    }
)


@fuzz(50)
@given(pairs=APPLICATION)
def test_application_withstands_generated_posts(
    app: Flask, world: World, probe: Probe, pairs: Pairs
) -> None:
    """Applying to join answers any post below 500; a refused application changes no row."""
    probe.send(probe.visitor(), "POST", "/apply", pairs)


# A member's forms ------------------------------------------------------------------------

NEED = posted(
    {
        "title": one(WORDS),
        "description": one(PROSE),
        "competences": COMPETENCES,
        "offer_deadline": one(FUTURE_DAY),
        "budget_min": one(st.one_of(st.just(""), AMOUNT)),
        "budget_max": one(st.one_of(st.just(""), AMOUNT)),
        "currency": one(st.sampled_from(CURRENCIES)),
        "expected_start": one(st.one_of(st.just(""), FUTURE_DAY)),
        "duration": OPTIONAL_TEXT,
        "work_mode": one(st.sampled_from(("remote", "hybrid", "onsite"))),
        "location": OPTIONAL_TEXT,
        "work_language": one(st.sampled_from(WORK_LANGUAGES)),
    }
)


@fuzz(120)
@given(edit=st.booleans(), pairs=NEED)
def test_need_form_withstands_generated_posts(
    app: Flask, world: World, probe: Probe, edit: bool, pairs: Pairs
) -> None:
    """Posting or editing a need answers any post below 500; a refused one changes no row."""
    path = f"/needs/{world.draft_id}/edit" if edit else "/needs/new"
    probe.send(probe.visitor(world.requester), "POST", path, pairs)


OFFER = posted(
    {
        "message": one(PROSE),
        "price": one(AMOUNT),
        "currency": one(st.sampled_from(CURRENCIES)),
        "available_from": one(st.one_of(FUTURE_DAY, st.dates().map(date.isoformat))),
        "reference": OPTIONAL_TEXT,
    }
)


@fuzz(80)
@given(pairs=OFFER)
def test_offer_form_withstands_generated_posts(
    app: Flask, world: World, probe: Probe, pairs: Pairs
) -> None:
    """Offering on an open need answers any post below 500; a refused offer changes no row."""
    probe.send(probe.visitor(world.supplier), "POST", f"/needs/{world.open_id}/offer", pairs)


REASON = one(PROSE)


def open_offer(world: World) -> int:
    """A new open need of Odra with Spreewerk's offer on it."""
    need = factories.make_need(member_of(world.requester), world.requester.id)
    return factories.make_offer(need, member_of(world.supplier), world.supplier.id).id


@fuzz(40)
@given(pairs=posted({"reason": one(st.one_of(st.just(""), ANY_TEXT, PROSE))}))
def test_declining_an_offer_withstands_generated_posts(
    app: Flask, world: World, probe: Probe, pairs: Pairs
) -> None:
    """Declining an offer with a reason answers any post below 500; a refusal changes no row."""
    offer = probe.target("offer", lambda: open_offer(world))
    if probe.send(probe.visitor(world.requester), "POST", f"/offers/{offer.id}/decline", pairs):
        offer.used_up()


REPORT = posted(
    {"reason": one(st.sampled_from([r.value for r in ReportReason])), "comment": OPTIONAL_TEXT}
)


@fuzz(50)
@given(on_offer=st.booleans(), pairs=REPORT)
def test_reporting_withstands_generated_posts(
    app: Flask, world: World, probe: Probe, on_offer: bool, pairs: Pairs
) -> None:
    """Reporting a need or an offer answers any post below 500; a refusal changes no row."""
    if on_offer:
        target = probe.target("offer", lambda: open_offer(world))
        path, visitor = f"/offers/{target.id}/report", probe.visitor(world.requester)
    else:
        target = probe.target("need", lambda: open_need(world))
        path, visitor = f"/needs/{target.id}/report", probe.visitor(world.supplier)
    if probe.send(visitor, "POST", path, pairs):
        target.used_up()


ACCOUNT = {
    "name": one(WORDS),
    "locale": one(st.just("en")),
    "notify": one(st.sampled_from(("instant", "daily", "off"))),
    "competences": st.lists(st.sampled_from(SLUGS), max_size=3, unique=True),
}
OWN_FORMS = {
    "/member": posted(
        {"description": OPTIONAL_TEXT, "website": WEBSITE, "competences": COMPETENCES}
    ),
    "/member/invite": posted({"email": EMAIL}),
    "/account": posted(ACCOUNT),
    "/account/password": posted(
        {"current_password": one(st.one_of(st.just(PASSWORD), ANY_TEXT)), **PASSWORDS},
        confirm="password",
    ),
}


@fuzz(120)
@given(data=st.data())
def test_own_firm_and_account_forms_withstand_generated_posts(
    app: Flask, world: World, probe: Probe, data: st.DataObject
) -> None:
    """A firm's profile, invitations, settings and password change answer any post below 500;
    a refused one changes no row."""
    path = data.draw(st.sampled_from(sorted(OWN_FORMS)), label="path")
    pairs = data.draw(OWN_FORMS[path], label="pairs")
    if probe.send(probe.visitor(world.supplier), "POST", path, pairs) and path.endswith("password"):
        # The next example signs in with the known password again.
        with app.app_context():
            user = db.session.get(User, world.supplier.id)
            user.password_hash = hash_password(PASSWORD)
            db.session.commit()
        probe.rows = None


# Staff forms -----------------------------------------------------------------------------


def new_competence() -> int:
    serial = next(_serial)
    competence = Competence(
        slug=f"generated-{serial}", name=f"Generated {serial}", area="Testing", position=serial
    )
    db.session.add(competence)
    db.session.commit()
    return competence.id


COMPETENCE = {"name": one(WORDS), "area": one(WORDS)}
STAFF_FORMS: dict[str, st.SearchStrategy[Pairs]] = {
    "/staff/members/new": posted(
        {
            "member_name": one(WORDS),
            "country": one(st.sampled_from(("", "PL", "RO", "DE", "CZ"))),
            "website": WEBSITE,
            "email": EMAIL,
            "competences": COMPETENCES,
        }
    ),
    "/staff/users": posted({"email": EMAIL, "name": OPTIONAL_TEXT}),
    "/staff/competences": posted(COMPETENCE),
    "/staff/competences/<competence>/rename": posted(COMPETENCE),
    "/staff/competences/<competence>/merge": posted(
        {"into": one(st.sampled_from(("1", "2", "3", "<competence>")))}
    ),
    "/account": posted({**ACCOUNT, "notify_reviews": one(st.sampled_from(("y", "")))}),
}


@fuzz(150)
@given(data=st.data())
def test_staff_forms_withstand_generated_posts(
    app: Flask, world: World, probe: Probe, data: st.DataObject
) -> None:
    """Adding firms, staff and competences, renaming and merging competences, and staff
    settings answer any post below 500; a refused one changes no row."""
    form = data.draw(st.sampled_from(sorted(STAFF_FORMS)), label="form")
    pairs = data.draw(STAFF_FORMS[form], label="pairs")
    target = probe.target("competence", new_competence)
    if "<competence>" in form:
        competence = str(target.id)
        form = form.replace("<competence>", competence)
        pairs = [(name, competence if value == "<competence>" else value) for name, value in pairs]
    if probe.send(probe.visitor(world.staff), "POST", form, pairs):
        target.used_up()


def pending_need(world: World) -> int:
    return factories.make_need(
        member_of(world.requester), world.requester.id, status=NeedStatus.PENDING
    ).id


def open_need(world: World) -> int:
    return factories.make_need(member_of(world.requester), world.requester.id).id


def application() -> int:
    serial = next(_serial)
    pending = Application(
        member_name=f"Applicant {serial}",
        contact_name="Ioana Mureșan",
        email=f"ioana{serial}@applicant.example",
    )
    db.session.add(pending)
    db.session.commit()
    return pending.id


def open_report(world: World) -> int:
    report = Report(reporter_id=world.supplier.id, need_id=world.open_id, reason=ReportReason.SPAM)
    db.session.add(report)
    db.session.commit()
    return report.id


# Staff decisions that take a reason, and what each decides on.
DECISIONS: dict[str, tuple[str, Callable[[World], int]]] = {
    "/staff/needs/<id>/reject": ("reason", pending_need),
    "/staff/needs/<id>/request-changes": ("reason", pending_need),
    "/staff/needs/<id>/hide": ("reason", open_need),
    "/staff/offers/<id>/hide": ("reason", open_offer),
    "/staff/applications/<id>/reject": ("reason", lambda world: application()),
    "/staff/reports/<id>/resolve": ("resolution", open_report),
}


@fuzz(100)
@given(data=st.data())
def test_staff_decisions_with_a_reason_withstand_generated_posts(
    app: Flask, world: World, probe: Probe, data: st.DataObject
) -> None:
    """Rejecting, sending back and hiding needs, hiding offers, refusing applications and
    closing reports answer any reason below 500; a refused decision changes no row."""
    decision = data.draw(st.sampled_from(sorted(DECISIONS)), label="decision")
    name, make = DECISIONS[decision]
    pairs = data.draw(posted({name: REASON}), label="pairs")
    target = probe.target(decision, lambda: make(world))
    path = decision.replace("<id>", str(target.id))
    if probe.send(probe.visitor(world.staff), "POST", path, pairs):
        target.used_up()


# Filters and query strings ---------------------------------------------------------------

# Page numbers: small ones, the edges of what is served, digits int() reads or cannot read.
PAGE = one(
    mix(
        st.integers(1, 3).map(str),
        st.sampled_from(("0", "-1", "10000", "10001", "1.0", "")),
        st.sampled_from(("١", "١٢", "²", "①", "Ⅳ", "½")),
        NUMBERS,
    )
)
# Any day a date filter may be given, the first and the last there are included.
DAY = one(
    mix(
        st.dates(TODAY - timedelta(days=30), TODAY),
        st.sampled_from((date.min, date.max)),
        st.dates(),
    ).map(date.isoformat)
)
BOARD = query(
    {
        "q": one(st.one_of(WORDS, ANY_TEXT)),
        "competence": st.lists(st.sampled_from(SLUGS), max_size=3),
        "status": one(st.sampled_from([s.value for s in NeedStatus])),
        "page": PAGE,
        "sort": one(st.sampled_from(("newest", "deadline", "relevance"))),
        "match": one(st.sampled_from(("y", "1", ""))),
    }
)


@fuzz(120)
@given(as_staff=st.booleans(), pairs=BOARD)
def test_board_filters_withstand_generated_query_strings(
    app: Flask, world: World, probe: Probe, as_staff: bool, pairs: Pairs
) -> None:
    """The board answers any filter below 500 and changes no row."""
    probe.send(probe.visitor(world.staff if as_staff else world.supplier), "GET", "/needs", pairs)


STAFF_FILTERS = {
    "/staff/audit": query(
        {
            "actor": one(st.sampled_from((STAFF, "clara", "odra.example"))),
            "action": one(st.sampled_from(("need.created", "need.", "user.invited"))),
            "target": one(st.sampled_from(("need", "need:1", "user:2"))),
            "since": DAY,
            "until": DAY,
            "page": PAGE,
        }
    ),
    "/staff/notifications": query(
        {"status": one(st.sampled_from([s.value for s in NotificationStatus])), "page": PAGE}
    ),
    "/members": query({"page": PAGE}),
}


@fuzz(120)
@given(data=st.data())
def test_audit_outbox_and_directory_filters_withstand_generated_query_strings(
    app: Flask, world: World, probe: Probe, data: st.DataObject
) -> None:
    """The audit log, the outbox and the directory answer any filter below 500 and change
    no row."""
    path = data.draw(st.sampled_from(sorted(STAFF_FILTERS)), label="path")
    pairs = data.draw(STAFF_FILTERS[path], label="pairs")
    probe.send(probe.visitor(world.staff), "GET", path, pairs)


QUERY_NAMES = st.one_of(
    st.sampled_from(("page", "q", "status", "next", "sort", "competence", "match", "since")),
    st.text(min_size=1, max_size=10),
)


def get_pages(app: Flask, world: World) -> list[str]:
    """Every page the board answers a GET on, its arguments filled with the world's."""
    arguments = {
        "need_id": str(world.open_id),
        "offer_id": "1",
        "attachment_id": "1",
        "user_id": "1",
        "member_id": "1",
        "slug": "spreewerk-digital",
        "token": "x",
    }
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and rule.endpoint != "static":
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<{name}>", arguments[name])
                path = path.replace(f"<id:{name}>", arguments[name])
            pages.append(path)
    return sorted(pages)


@fuzz(100)
@given(data=st.data(), who=st.sampled_from(("anonymous", "supplier", "staff")))
def test_every_page_withstands_generated_query_strings(
    app: Flask, world: World, probe: Probe, data: st.DataObject, who: str
) -> None:
    """Every page answers any query string below 500, whoever asks, and changes no row."""
    path = data.draw(st.sampled_from(get_pages(app, world)), label="path")
    pairs = data.draw(st.lists(st.tuples(QUERY_NAMES, ODD), max_size=4), label="pairs")
    account = {"anonymous": None, "supplier": world.supplier, "staff": world.staff}[who]
    probe.send(probe.visitor(account), "GET", path, pairs)


# Ids that exist are left out: the requests above act on them, with forms that make sense.
SEGMENT = st.one_of(
    ODD.filter(lambda value: not (isinstance(value, str) and value.isdecimal())),
    st.sampled_from(("0", "2147483648", "99999999999999999999", "-1", "1.0", "1e3", "0x1")),
)


def rules_with_arguments(app: Flask) -> list[tuple[str, str]]:
    """(method, rule) for every rule that takes part of its path as an argument."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.arguments and rule.endpoint != "static":
            found += [(method, rule.rule) for method in sorted({"GET", "POST"} & rule.methods)]
    return sorted(found)


@fuzz(100)
@given(data=st.data(), segment=SEGMENT)
def test_every_link_withstands_generated_path_segments(
    app: Flask, world: World, probe: Probe, data: st.DataObject, segment: Value
) -> None:
    """Tokens, slugs and ids in links: anything in their place answers below 500 and
    changes no row."""
    method, rule = data.draw(st.sampled_from(rules_with_arguments(app)), label="rule")
    path = rule.split("<", 1)[0] + quote(segment, safe="") + rule.split(">", 1)[1]
    account = world.staff if rule.startswith("/staff") else world.supplier
    probe.send(probe.visitor(account), method, path, [])


# Bugs the generated requests found, kept as cases ---------------------------------------


@pytest.mark.parametrize("path", PAGED)
def test_a_page_number_in_other_digits_shows_the_first_page(
    app: Flask, world: World, probe: Probe, path: str
) -> None:
    """A page number int() cannot read, like a superscript two, means page 1."""
    account = world.supplier if path == "/needs" else world.staff
    probe.check(probe.visitor(account), "GET", path, [("page", "²")])


def test_the_audit_log_filters_until_the_last_day_there_is(
    app: Flask, world: World, probe: Probe
) -> None:
    """Filtering the audit log until 9999-12-31 shows the log, not an error."""
    probe.check(probe.visitor(world.staff), "GET", "/staff/audit", [("until", "9999-12-31")])


NUL = "long enough\x00text"
# (who, method, path, pairs): a sample of the places PostgreSQL refuses NUL in a string.
NUL_CASES = [
    pytest.param("staff", "GET", "/staff/audit", [("actor", NUL)], id="audit-actor"),
    pytest.param("staff", "GET", "/staff/audit", [("target", f"need{NUL}")], id="audit-target"),
    pytest.param("staff", "GET", "/members/a%00b", [], id="member-slug"),
    pytest.param(
        "supplier",
        "POST",
        "/member",
        [("description", NUL), ("competences", "python")],
        id="profile-description",
    ),
    pytest.param(
        "supplier",
        "POST",
        "/account",
        [("name", NUL), ("locale", "en"), ("notify", "off")],
        id="account-name",
    ),
    pytest.param(
        "staff",
        "POST",
        "/staff/competences",
        [("name", NUL), ("area", "Testing")],
        id="competence-name",
    ),
    pytest.param(
        None,
        "POST",
        "/apply",
        [("member_name", NUL), ("name", "Ioana"), ("email", "ioana@mures.example")],
        id="application-firm-name",
    ),
]


@pytest.mark.parametrize("who, method, path, pairs", NUL_CASES)
def test_nul_in_text_never_fails_a_request(
    app: Flask,
    world: World,
    probe: Probe,
    request: pytest.FixtureRequest,
    who: str | None,
    method: str,
    path: str,
    pairs: Pairs,
) -> None:
    """A NUL character in a field, a filter or a link is refused with a reason, on both
    databases (PostgreSQL cannot store one), and changes nothing."""
    account = {"supplier": world.supplier, "staff": world.staff, None: None}[who]
    visitor = probe.visitor(account)
    assert probe.check(visitor, method, path, pairs) is False
    response = visitor.send(method, path, pairs)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
