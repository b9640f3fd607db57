"""The need form says how many firms the competences picked reach: on the page for the
competences it shows ticked, and from `GET /needs/reach` as one picks; and the competence
picker is a form of plain checkboxes that works without a script."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from babel.support import Translations
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.clock import cluster_today
from board.competences.services import by_slugs
from board.extensions import db
from board.i18n import TRANSLATIONS
from board.models import Competence, MemberStatus, NeedStatus, User
from board.needs import reach
from board.notifications import match
from tests import factories
from tests.conftest import AuthActions, submit
from tests.statements import statements_run

EVERYONE = "other member firms have at least one of these competences"
NOBODY = "No other member firm has any of these competences"


@dataclass(frozen=True)
class Cluster:
    """Odra posts and has Kotlin and Python. Wisła has Kotlin, Elbtal Kotlin and Kubernetes,
    Tatry React; Dunaj, suspended, has Kotlin and Java."""

    requester: factories.Account
    wisla: factories.Account
    staff: factories.Account
    odra_id: int
    draft_id: int


@pytest.fixture
def cluster(app: Flask) -> Cluster:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin", "python"))
        wisla = factories.make_member("Wisła Cloud", competences=("kotlin",))
        factories.make_member("Elbtal Systems", competences=("kotlin", "kubernetes"))
        factories.make_member("Tatry Apps", competences=("react",))
        factories.make_member(
            "Dunaj IT", competences=("kotlin", "java"), status=MemberStatus.SUSPENDED
        )
        requester = factories.make_user(odra, email="anna@odra.example")
        draft = factories.make_need(
            odra, requester.id, competences=("kotlin", "kubernetes"), status=NeedStatus.DRAFT
        )
        return Cluster(
            requester=requester,
            wisla=factories.make_user(wisla, email="piotr@wisla.example"),
            staff=factories.make_user(is_staff=True, email="clara@cluster.example"),
            odra_id=odra.id,
            draft_id=draft.id,
        )


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(account.email, account.password)
    return client


def asked(client: FlaskClient, *slugs: str) -> dict[str, object]:
    response = client.get("/needs/reach", query_string=[("competences", s) for s in slugs])
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    found: dict[str, object] = response.get_json()
    return found


def in_twenty_days(app: Flask) -> str:
    with app.app_context():
        return (cluster_today() + timedelta(days=20)).isoformat()


def ids(*slugs: str) -> list[int]:
    return [competence.id for competence in by_slugs(slugs)]


def test_the_count_is_the_firms_that_approving_the_need_would_match(
    app: Flask, cluster: Cluster
) -> None:
    client = signed_in(app, cluster.requester)
    pickings = (
        ("kotlin",),
        ("kubernetes",),
        ("kotlin", "kubernetes", "react"),
        ("react", "kubernetes"),
        ("java",),
    )
    for slugs in pickings:
        answer = asked(client, *slugs)
        with app.app_context():
            expected = match.firms_reached(ids(*slugs), cluster.odra_id)
        assert answer["firms"] == expected, slugs
    assert asked(client, "kotlin")["firms"] == 2
    assert asked(client, "kotlin", "kubernetes", "react")["firms"] == 3
    two = asked(client, "kotlin")
    assert two["text"] == f"2 {EVERYONE}."
    assert two["warning"] is False and two["nearest"] == []
    assert asked(client, "react")["text"] == (
        "1 other member firm has at least one of these competences."
    )


def test_the_requester_firm_is_not_counted(app: Flask, cluster: Cluster) -> None:
    # Odra has Python, and nobody else: a need is never sent to the firm that posts it.
    assert asked(signed_in(app, cluster.requester), "python")["firms"] == 0
    # Wisła is counted for Odra's need, Odra for Wisła's: each firm leaves out only itself.
    assert asked(signed_in(app, cluster.wisla), "python")["firms"] == 1
    assert asked(signed_in(app, cluster.wisla), "kotlin")["firms"] == 2


def test_unknown_competences_are_ignored(app: Flask, cluster: Cluster) -> None:
    client = signed_in(app, cluster.requester)
    answer = asked(client, "kotlin", "no-such-competence", "KOTLIN", "", "kotlin", "<b>")
    assert answer == asked(client, "kotlin")
    assert asked(client, "no-such-competence")["firms"] == 0
    assert asked(client, "no-such-competence")["warning"] is False


def test_without_competences_the_answer_asks_to_choose_some(app: Flask, cluster: Cluster) -> None:
    answer = asked(signed_in(app, cluster.requester))
    assert answer == {
        "firms": 0,
        "text": "Choose competences to see how many member firms have them.",
        "warning": False,
        "nearest": [],
    }


def test_when_no_firm_has_them_the_nearest_competences_firms_have_are_named(
    app: Flask, cluster: Cluster
) -> None:
    # Python and Java: only the requester itself and a suspended firm have them.
    answer = asked(signed_in(app, cluster.requester), "python", "java")
    assert answer["firms"] == 0 and answer["warning"] is True
    assert str(answer["text"]).startswith(NOBODY)
    with app.app_context():
        nearest = match.nearest_competences(ids("python", "java"), cluster.odra_id)
    assert [(c["slug"], c["firms"]) for c in answer["nearest"]] == [  # type: ignore[union-attr]
        (competence.slug, firms) for competence, firms in nearest
    ]
    assert answer["nearest"] == [
        {"slug": "kotlin", "name": "Kotlin", "firms": 2, "text": "Kotlin: 2 firms"},
        {"slug": "react", "name": "React", "firms": 1, "text": "React: 1 firm"},
    ]


def test_only_members_ask_staff_are_refused_and_visitors_sent_to_sign_in(
    app: Flask, cluster: Cluster
) -> None:
    assert signed_in(app, cluster.staff).get("/needs/reach?competences=kotlin").status_code == 403
    anonymous = app.test_client().get("/needs/reach?competences=kotlin")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=")


def test_the_answer_is_in_the_readers_language_with_its_plural_forms(
    app: Flask, cluster: Cluster
) -> None:
    with app.app_context():
        db.session.get(User, cluster.requester.id).locale = "pl"  # type: ignore[union-attr]
        db.session.commit()
        # Two more firms with Kotlin, for a count of five: Polish writes 1, 2 and 5 apart.
        for name in ("Warta Data", "Prosna IT", "Noteć Apps"):
            factories.make_member(name, competences=("kotlin", "react"))
    client = signed_in(app, cluster.requester)
    polish = Translations.load(str(TRANSLATIONS), ["pl"])
    singular = "%(num)d other member firm has at least one of these competences."
    plural = "%(num)d other member firms have at least one of these competences."
    texts = {}
    for slugs, firms in ((("kubernetes",), 1), (("react",), 4), (("kotlin",), 5)):
        answer = asked(client, *slugs)
        assert answer["firms"] == firms
        assert answer["text"] == polish.ungettext(singular, plural, firms) % {"num": firms}
        texts[firms] = answer["text"]
    assert len({text.removeprefix(str(n)) for n, text in texts.items()}) == 3, texts
    assert EVERYONE not in texts[5]


def test_the_count_costs_two_queries_however_many_competences_are_sent(
    app: Flask, cluster: Cluster
) -> None:
    with app.app_context():
        many = ["kotlin", *(f"junk-{n}" for n in range(5000))]
        with statements_run() as read:
            found = reach.picked_reach(many, cluster.odra_id)
        assert found.firms == 2 and len(read) == 2
        with statements_run() as read:
            reach.picked_reach(["kotlin", "kubernetes", "react"], cluster.odra_id)
        assert len(read) == 2
        # The nearest competences are looked for only when the picked ones reach nobody.
        with statements_run() as read:
            assert reach.picked_reach(["python"], cluster.odra_id).nearest
        assert len(read) == 3
        with statements_run() as read:
            assert reach.picked_reach([], cluster.odra_id).firms == 0
        assert len(read) == 1


# The form, without a script ---------------------------------------------------------------


class Picker(HTMLParser):
    """The competence picker's checkboxes and areas on a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.boxes: list[dict[str, str | None]] = []
        self.areas: list[bool] = []
        self.in_reach = 0
        self.reach_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "input" and values.get("type") == "checkbox":
            self.boxes.append(values)
        if tag == "details" and "competence-area" in classes:
            self.areas.append("open" in values)
        if self.in_reach or "competence-reach" in classes:
            self.in_reach += 1

    def handle_endtag(self, tag: str) -> None:
        if self.in_reach and tag in ("div", "p", "ul", "li"):
            self.in_reach -= 1

    def handle_data(self, data: str) -> None:
        if self.in_reach and data.strip():
            self.reach_text.append(" ".join(data.split()))

    @classmethod
    def of(cls, page: str) -> Picker:
        picker = cls()
        picker.feed(page)
        picker.close()
        return picker

    def named(self, name: str) -> list[dict[str, str | None]]:
        return [box for box in self.boxes if box.get("name") == name]

    def ticked(self) -> list[str | None]:
        return [box["value"] for box in self.boxes if "checked" in box]


def test_the_picker_is_a_checkbox_for_every_competence_without_a_script(
    app: Flask, cluster: Cluster
) -> None:
    client = signed_in(app, cluster.requester)
    page = client.get(f"/needs/{cluster.draft_id}/edit").get_data(as_text=True)
    picker = Picker.of(page)
    with app.app_context():
        slugs = list(
            db.session.scalars(
                select(Competence.slug)
                .where(Competence.retired_at.is_(None))
                .order_by(Competence.position)
            )
        )
        areas = db.session.scalar(select(func.count(func.distinct(Competence.area))))
    assert len(slugs) == 84
    assert [box["value"] for box in picker.named("competences")] == slugs
    assert len(picker.boxes) == len(picker.named("competences"))
    assert picker.ticked() == ["kotlin", "kubernetes"]
    # Each area a disclosure; only those with a ticked competence start open (Kotlin is in
    # the first, Kubernetes in the second).
    assert len(picker.areas) == areas
    assert picker.areas == [True, True] + [False] * (areas - 2)
    # The script's tools are there, hidden until it shows them; the filter box sends nothing.
    assert "data-picker-tools hidden" in page
    assert 'type="search"' in page and 'name="competences-filter"' not in page
    assert '<script src="/static/js/competence_picker.js" defer></script>' in page


def test_the_edit_form_says_how_many_firms_its_competences_reach(
    app: Flask, cluster: Cluster
) -> None:
    client = signed_in(app, cluster.requester)
    picker = Picker.of(client.get(f"/needs/{cluster.draft_id}/edit").get_data(as_text=True))
    assert picker.reach_text == [f"2 {EVERYONE}."]
    page = client.get(f"/needs/{cluster.draft_id}/edit").get_data(as_text=True)
    assert 'aria-live="polite"' in page and 'data-reach-url="/needs/reach"' in page


def test_a_form_sent_back_with_errors_counts_what_it_shows_ticked(
    app: Flask, cluster: Cluster
) -> None:
    client = signed_in(app, cluster.requester)
    deadline = in_twenty_days(app)
    form = {"title": "", "description": "A data platform.", "offer_deadline": deadline}
    response = submit(client, "/needs/new", {**form, "competences": ["kotlin", "react"]})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Give the need a title." in page
    picker = Picker.of(page)
    assert picker.ticked() == ["kotlin", "react"]
    assert picker.reach_text == [f"3 {EVERYONE}."]

    # Competences only the requester has: the warning names the nearest ones firms have.
    response = submit(
        client, f"/needs/{cluster.draft_id}/edit", {**form, "competences": ["python"]}
    )
    picker = Picker.of(response.get_data(as_text=True))
    assert picker.ticked() == ["python"]
    assert picker.reach_text[0].startswith(NOBODY)
    assert picker.reach_text[1:] == ["Kotlin: 2 firms", "React: 1 firm"]
    assert 'class="competence-reach reach-warning"' in response.get_data(as_text=True)


def test_a_new_form_asks_to_choose_competences_and_the_field_error_opens_every_area(
    app: Flask, cluster: Cluster
) -> None:
    client = signed_in(app, cluster.requester)
    picker = Picker.of(client.get("/needs/new").get_data(as_text=True))
    assert picker.reach_text == ["Choose competences to see how many member firms have them."]
    assert picker.ticked() == [] and not any(picker.areas)
    # Sent without a competence: the error is the whole picker's, every area opens.
    deadline = in_twenty_days(app)
    response = submit(
        client,
        "/needs/new",
        {"title": "A data platform", "description": "On AWS.", "offer_deadline": deadline},
    )
    page = unescape(response.get_data(as_text=True))
    assert "Choose at least one competence." in page
    assert all(Picker.of(page).areas)


def test_every_page_with_the_picker_keeps_its_ticks_and_only_the_need_form_counts(
    app: Flask, cluster: Cluster
) -> None:
    with app.app_context():
        user = db.session.get(User, cluster.requester.id)
        user.competences = by_slugs(["react"])  # type: ignore[union-attr]
        db.session.commit()
    client = signed_in(app, cluster.requester)
    for path, ticked in (("/member", ["python", "kotlin"]), ("/account", ["react"])):
        picker = Picker.of(client.get(path).get_data(as_text=True))
        assert picker.ticked() == ticked, path
        assert len(picker.named("competences")) == 84, path
        assert picker.reach_text == [], path
