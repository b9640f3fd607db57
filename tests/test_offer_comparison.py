"""The offers on a need side by side: who may read the table, what it shows, how it groups
and sorts, and the same table as a CSV file a spreadsheet opens safely."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from slugify import slugify
from sqlalchemy import select

from board.clock import cluster_today
from board.extensions import db
from board.models import (
    Attachment,
    Member,
    Need,
    NeedMatch,
    NeedStatus,
    Offer,
    OfferStatus,
    PriceBasis,
    User,
    utcnow,
)
from board.offers import comparison
from tests import factories
from tests.conftest import AuthActions
from tests.statements import statements_run

FORMULA_FIRM = '=HYPERLINK("http://evil.example","Click")'


@dataclass
class Scene:
    need_id: int
    requester: factories.Account
    colleague: factories.Account
    supplier: factories.Account
    bystander: factories.Account
    staff: factories.Account
    # The EUR offers by firm: Spreewerk (A), Ceahlău (B), the formula firm (C).
    offer_ids: dict[str, int]


@pytest.fixture
def scene(app: Flask) -> Scene:
    """Odra's open need asks for three competences, in EUR. Three firms offer in EUR, each
    first in the order of another column, and one in PLN; staff hid a fifth offer."""
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        spreewerk = factories.make_member(
            "Spreewerk Digital GmbH", competences=("kotlin", "kubernetes", "python"), country="DE"
        )
        ceahlau = factories.make_member(
            "Ceahlău Software SRL", competences=("kotlin", "kubernetes"), country="RO"
        )
        formula = factories.make_member(FORMULA_FIRM, competences=("react",), country="DE")
        wisla = factories.make_member("Wisła Cloud S.A.", competences=("kotlin",), country="PL")
        spam = factories.make_member("Spam Sp", competences=("kotlin",))
        bystanders = factories.make_member("Tatry Apps", competences=("kotlin",))
        requester = factories.make_user(odra, email="agnieszka@odra.example")
        supplier = factories.make_user(spreewerk, email="jonas@spreewerk.example")
        need = factories.make_need(
            odra, requester.id, competences=("kotlin", "kubernetes", "python")
        )
        # Recorded when the need opened, before Spreewerk added two competences: the share
        # the comparison shows is the recorded one.
        db.session.add(
            NeedMatch(
                need=need, member=spreewerk, score=1 / 3, competence_ids=[need.competences[0].id]
            )
        )
        start = utcnow() - timedelta(days=2)
        today = cluster_today()
        a = offer(need, spreewerk, supplier.id, "12000", PriceBasis.FIXED, today + timedelta(5))
        a.status, a.created_at = OfferStatus.SHORTLISTED, start
        a.edited_at = start + timedelta(minutes=90)
        b = offer(need, ceahlau, None, "600", PriceBasis.DAY, today + timedelta(10))
        b.status, b.created_at = OfferStatus.DECLINED, start + timedelta(hours=1)
        c = offer(need, formula, None, "9000", PriceBasis.HOUR, today + timedelta(20))
        c.created_at = start + timedelta(hours=2)
        d = offer(need, wisla, None, "50000", PriceBasis.FIXED, today + timedelta(3), "PLN")
        hidden = offer(need, spam, None, "1", PriceBasis.FIXED, today)
        hidden.hidden_at, hidden.hidden_reason = utcnow(), "Advertising."
        for name in ("plan.pdf", "team.pdf"):
            attach(a, name)
        db.session.commit()
        return Scene(
            need_id=need.id,
            requester=requester,
            colleague=factories.make_user(odra, email="tomasz@odra.example"),
            supplier=supplier,
            bystander=factories.make_user(bystanders, email="ewa@tatry.example"),
            staff=factories.make_user(is_staff=True, email="clara@cluster.example"),
            offer_ids={"A": a.id, "B": b.id, "C": c.id, "D": d.id, "hidden": hidden.id},
        )


def offer(
    need: Need,
    member: Member,
    author_id: int | None,
    price: str,
    basis: PriceBasis,
    available: object,
    currency: str = "EUR",
) -> Offer:
    made = factories.make_offer(need, member, author_id, price=price)
    made.price_basis, made.available_from, made.currency = basis, available, currency
    return made


def attach(target: Offer, filename: str) -> None:
    content = f"%PDF-1.4 {filename}".encode()
    db.session.add(
        Attachment(
            offer=target,
            filename=filename,
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
    )


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(account.email, account.password)
    return client


def tables(page: str) -> list[tuple[str, list[str]]]:
    """Each currency's table on the comparison page: its currency and its firms, in order."""
    found = []
    for currency, body in re.findall(
        r'<section aria-labelledby="currency-([A-Z]{3})">(.*?)</section>', page, re.S
    ):
        firms = re.findall(r'<th scope="row"[^>]*>\s*<a [^>]*>([^<]*)</a>', body)
        found.append(
            (currency, [firm.replace("&#34;", '"').replace("&quot;", '"') for firm in firms])
        )
    return found


NAMES = {"A": "Spreewerk Digital GmbH", "B": "Ceahlău Software SRL", "C": FORMULA_FIRM}


def firms(*letters: str) -> list[str]:
    return [NAMES[letter] for letter in letters]


# Who may read it ---------------------------------------------------------------------------


def test_the_requester_firm_reads_every_offer_it_may_see_grouped_by_currency(
    app: Flask, scene: Scene
) -> None:
    for account in (scene.requester, scene.colleague):
        response = signed_in(app, account).get(f"/needs/{scene.need_id}/offers")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert tables(page) == [("EUR", firms("B", "C", "A")), ("PLN", ["Wisła Cloud S.A."])]
        assert "Spam Sp" not in page  # hidden by staff: gone for the requester
        assert "amounts in different currencies are not compared" in page


def test_staff_read_the_table_with_the_hidden_offer_marked(app: Flask, scene: Scene) -> None:
    page = signed_in(app, scene.staff).get(f"/needs/{scene.need_id}/offers").get_data(as_text=True)
    (eur, pln) = tables(page)
    assert eur == ("EUR", ["Spam Sp", *firms("B", "C", "A")])
    row = re.search(r'<tr class="hidden-offer">(.*?)</tr>', page, re.S)
    assert row is not None and "Spam Sp" in row.group(1) and "hidden by staff" in row.group(1)


@pytest.mark.parametrize("path", ["/needs/{id}/offers", "/needs/{id}/offers.csv"])
def test_a_supplier_or_another_firm_that_reads_the_need_is_refused(
    app: Flask, scene: Scene, path: str
) -> None:
    for account in (scene.supplier, scene.bystander):
        response = signed_in(app, account).get(path.format(id=scene.need_id))
        assert response.status_code == 403
        assert "Spreewerk" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/needs/{id}/offers", "/needs/{id}/offers.csv"])
def test_a_firm_that_cannot_read_the_need_finds_nothing(
    app: Flask, scene: Scene, path: str
) -> None:
    with app.app_context():
        db.session.get(Need, scene.need_id).status = NeedStatus.HIDDEN
        db.session.commit()
    response = signed_in(app, scene.bystander).get(path.format(id=scene.need_id))
    assert response.status_code == 404
    assert signed_in(app, scene.requester).get(path.format(id=scene.need_id)).status_code == 200
    anonymous = app.test_client().get(path.format(id=scene.need_id))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_need_page_links_the_comparison_for_the_requester_only(
    app: Flask, scene: Scene
) -> None:
    link = f'href="/needs/{scene.need_id}/offers"'
    assert link in signed_in(app, scene.requester).get(f"/needs/{scene.need_id}").get_data(
        as_text=True
    )
    assert link not in signed_in(app, scene.supplier).get(f"/needs/{scene.need_id}").get_data(
        as_text=True
    )


# What it shows -----------------------------------------------------------------------------


def row_of(page: str, firm: str) -> str:
    rows = [row for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S) if firm in row]
    assert len(rows) == 1, f"{len(rows)} rows name {firm}"
    return " ".join(re.sub(r"<[^>]+>", " ", rows[0]).split())


def test_each_row_shows_firm_country_price_basis_share_files_and_last_change(
    app: Flask, scene: Scene
) -> None:
    page = (
        signed_in(app, scene.requester).get(f"/needs/{scene.need_id}/offers").get_data(as_text=True)
    )
    spreewerk = row_of(page, "Spreewerk")
    for shown in ("Germany", "€12,000.00", "fixed price", "EUR", "33%", "shortlisted", "edited"):
        assert shown in spreewerk
    assert re.search(r"\b2\b", spreewerk)  # two files
    ceahlau = row_of(page, "Ceahlău")
    # Not matched when the need opened: the share is what the firm has now, two of three.
    for shown in ("Romania", "€600.00", "day rate", "67%", "declined", "sent "):
        assert shown in ceahlau
    assert "edited" not in ceahlau
    assert "hourly rate" in row_of(page, "HYPERLINK")
    assert "0%" in row_of(page, "HYPERLINK")
    assert f'href="/members/{slugify("Spreewerk Digital GmbH")}"' in page


def test_the_table_is_described_for_screen_readers_and_scrolls_on_a_phone(
    app: Flask, scene: Scene
) -> None:
    page = signed_in(app, scene.requester).get(f"/needs/{scene.need_id}/offers?sort=-share")
    html = page.get_data(as_text=True)
    assert html.count('<div class="table-scroll"') == 2
    assert "<caption>" in html and "sorted by Competences covered, descending" in html
    assert html.count('scope="col"') == 20
    assert html.count('aria-sort="descending"') == 2  # one sorted column in each table
    assert 'aria-sort="ascending"' not in html
    # The sorted column's link turns the order round; another column's starts its own way.
    assert f'href="/needs/{scene.need_id}/offers?sort=share"' in html
    assert f'href="/needs/{scene.need_id}/offers?sort=price"' in html
    assert f'href="/needs/{scene.need_id}/offers?sort=-changed"' in html
    assert f'href="/needs/{scene.need_id}/offers.csv?sort=-share"' in html


def test_one_currency_needs_no_warning_about_comparing_amounts(app: Flask, scene: Scene) -> None:
    with app.app_context():
        db.session.delete(db.session.get(Offer, scene.offer_ids["D"]))
        db.session.commit()
    page = (
        signed_in(app, scene.requester).get(f"/needs/{scene.need_id}/offers").get_data(as_text=True)
    )
    assert [currency for currency, _firms in tables(page)] == ["EUR"]
    assert "not compared" not in page


def test_a_need_without_offers_says_so(app: Flask, scene: Scene) -> None:
    with app.app_context():
        other = factories.make_need(db.session.get(Member, scene.requester.member_id))
        other_id = other.id
    page = signed_in(app, scene.requester).get(f"/needs/{other_id}/offers")
    assert page.status_code == 200 and "No offers yet." in page.get_data(as_text=True)


# Sorting -----------------------------------------------------------------------------------

ORDERS = {
    "price": ("B", "C", "A"),
    "available": ("A", "B", "C"),
    "share": ("C", "A", "B"),
    "changed": ("B", "A", "C"),
    "firm": ("C", "B", "A"),
    "status": ("A", "C", "B"),
}


@pytest.mark.parametrize("key", sorted(ORDERS))
@pytest.mark.parametrize("descending", [False, True])
def test_each_column_sorts_both_ways_within_each_currency(
    app: Flask, scene: Scene, key: str, descending: bool
) -> None:
    sort = f"-{key}" if descending else key
    page = signed_in(app, scene.requester).get(f"/needs/{scene.need_id}/offers?sort={sort}")
    expected = list(reversed(ORDERS[key])) if descending else list(ORDERS[key])
    html = page.get_data(as_text=True)
    assert tables(html) == [("EUR", firms(*expected)), ("PLN", ["Wisła Cloud S.A."])]
    assert html.count(f'aria-sort="{"descending" if descending else "ascending"}"') == 2


@pytest.mark.parametrize("sort", ["", "bogus", "-bogus", "--price", "price;drop", "%00"])
def test_an_unknown_order_falls_back_to_the_price_lowest_first(
    app: Flask, scene: Scene, sort: str
) -> None:
    response = signed_in(app, scene.requester).get(f"/needs/{scene.need_id}/offers?sort={sort}")
    if sort == "%00":
        assert response.status_code == 400  # no request may carry a NUL
        return
    assert response.status_code == 200
    assert tables(response.get_data(as_text=True))[0] == ("EUR", firms("B", "C", "A"))


def test_offers_that_tie_keep_the_order_they_were_made_in_both_directions(
    app: Flask, scene: Scene
) -> None:
    with app.app_context():
        for key in ("A", "B", "C"):
            db.session.get(Offer, scene.offer_ids[key]).price = Decimal("5000")
        db.session.commit()
        need = db.session.get(Need, scene.need_id)
        viewer = db.session.get(User, scene.requester.id)
        ids = sorted(scene.offer_ids[key] for key in ("A", "B", "C"))
        for sort in ("price", "-price"):
            rows = comparison.compare(need, viewer, sort).groups[0].rows
            assert [row.offer.id for row in rows] == ids


def test_the_table_costs_the_same_statements_for_three_offers_or_six(
    app: Flask, scene: Scene
) -> None:
    client = signed_in(app, scene.requester)
    path = f"/needs/{scene.need_id}/offers?sort=share"
    client.get(path)
    with app.app_context(), statements_run() as few:
        assert client.get(path).status_code == 200
    with app.app_context():
        need = db.session.get(Need, scene.need_id)
        for n in range(3):
            firm = factories.make_member(f"Extra Firm {n}", competences=("python",))
            attach(factories.make_offer(need, firm), "cv.pdf")
        db.session.commit()
    with app.app_context(), statements_run() as many:
        page = client.get(path).get_data(as_text=True)
    assert "Extra Firm 2" in page
    assert len(many) == len(few)


# The CSV file ------------------------------------------------------------------------------


def csv_of(client: FlaskClient, need_id: int, sort: str = "") -> tuple[str, list[list[str]]]:
    response = client.get(f"/needs/{need_id}/offers.csv" + (f"?sort={sort}" if sort else ""))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="need-{need_id}-offers.csv"'
    )
    body = response.get_data()
    text = body.decode("utf-8")
    return text, list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_holds_the_tables_rows_in_the_same_order(app: Flask, scene: Scene) -> None:
    client = signed_in(app, scene.requester)
    text, rows = csv_of(client, scene.need_id)
    assert text.startswith("\ufeff")  # spreadsheet programs then read it as UTF-8
    assert rows[0] == [
        "Firm",
        "Country",
        "Price",
        "Price basis",
        "Currency",
        "Competences covered (%)",
        "Available from",
        "Status",
        "Attachments",
        "Last changed",
    ]
    with app.app_context():
        today = cluster_today()
    ceahlau, formula, spreewerk, wisla = rows[1:]
    assert len(rows) == 5  # the offer staff hid is not the requester's to read
    assert ceahlau[:9] == [
        "Ceahlău Software SRL",
        "Romania",
        "600.00",
        "day rate",
        "EUR",
        "67",
        str(today + timedelta(days=10)),
        "declined",
        "0",
    ]
    assert spreewerk[2:9] == [
        "12000.00",
        "fixed price",
        "EUR",
        "33",
        str(today + timedelta(days=5)),
        "shortlisted",
        "2",
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d\d:\d\d", spreewerk[9])
    assert wisla[:5] == ["Wisła Cloud S.A.", "Poland", "50000.00", "fixed price", "PLN"]
    # A name a spreadsheet would run as a formula is shown as text.
    assert formula[0] == "'" + FORMULA_FIRM
    _text, by_firm = csv_of(client, scene.need_id, "-firm")
    assert [row[0] for row in by_firm[1:]] == [
        "Spreewerk Digital GmbH",
        "Ceahlău Software SRL",
        "'" + FORMULA_FIRM,
        "Wisła Cloud S.A.",
    ]


def test_staff_csv_has_the_hidden_offer_and_says_so(app: Flask, scene: Scene) -> None:
    _text, rows = csv_of(signed_in(app, scene.staff), scene.need_id)
    assert rows[0][-1] == "Hidden by staff"
    hidden = next(row for row in rows if row[0] == "Spam Sp")
    assert hidden[-1] == "yes"
    assert {row[-1] for row in rows[1:] if row[0] != "Spam Sp"} == {"no"}


def test_the_csv_header_is_in_the_readers_language(app: Flask, scene: Scene) -> None:
    with app.app_context():
        db.session.get(User, scene.requester.id).locale = "de"
        db.session.commit()
    _text, rows = csv_of(signed_in(app, scene.requester), scene.need_id)
    assert rows[0][0] != "Firm" and rows[0][2] != "Price"
    assert rows[1][2] == "600.00"  # amounts stay plain decimals in every language


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("+48 71", "'+48 71"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Odra = best", "Odra = best"),
        ("Ceahlău", "Ceahlău"),
    ],
)
def test_a_text_cell_a_spreadsheet_would_run_is_neutralised(value: str, cell: str) -> None:
    assert comparison.text_cell(value) == cell


def test_the_sort_of_a_query_string_is_read_safely() -> None:
    assert comparison.Sort.parse("-share") == comparison.Sort("share", True)
    assert comparison.Sort.parse(None) == comparison.Sort("price", False)
    assert comparison.Sort.parse("-") == comparison.Sort("price", False)
    assert comparison.Sort.parse("share").by("share") == "-share"
    assert comparison.Sort.parse("-share").by("share") == "share"
    assert comparison.Sort.parse("price").by("changed") == "-changed"
    assert comparison.Sort.parse("price").aria("firm") is None


def test_offers_rows_are_the_offers_the_viewer_may_read(app: Flask, scene: Scene) -> None:
    with app.app_context():
        need = db.session.get(Need, scene.need_id)
        staff = db.session.get(User, scene.staff.id)
        requester = db.session.get(User, scene.requester.id)
        seen = {row.offer.id for row in comparison.compare(need, staff).rows}
        assert seen == set(scene.offer_ids.values())
        seen = {row.offer.id for row in comparison.compare(need, requester).rows}
        assert seen == set(scene.offer_ids.values()) - {scene.offer_ids["hidden"]}
        assert db.session.scalar(select(Offer.id).where(Offer.id == scene.offer_ids["hidden"]))
