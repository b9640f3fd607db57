"""The statistics page: exact figures from a cluster of known needs, offers, matches,
questions and awards, on both databases, with instants on either side of month boundaries in
cluster time (Europe/Warsaw: 23:30 UTC on the last day of a winter month is already the next
month there); the filters, the CSV files, and who may read it.

The period of most tests is the first quarter of 2026. Its months begin (UTC) on
2025-12-31 23:00, 2026-01-31 23:00 and 2026-02-28 23:00, and it ends on 2026-03-31 22:00
(summer time began on 29 March).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import literal_column, select, union_all

from board.competences.services import by_slugs
from board.extensions import db
from board.i18n import date_text
from board.models import (
    Member,
    MemberStatus,
    Need,
    NeedMatch,
    NeedStatus,
    Offer,
    OfferStatus,
    PriceBasis,
    Question,
)
from board.staff.services import dashboard_counts
from board.statistics import services, tables
from board.statistics.services import Filters, Period, Spread
from tests import factories
from tests.conftest import AuthActions
from tests.statements import statements_run

ROOT = Path(__file__).resolve().parent.parent
Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))
ALL = Filters()
Q1_QUERY = "from=2026-01-01&to=2026-03-31"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Cluster:
    firms: dict[str, Member]
    staff: factories.Account
    member: factories.Account


class Builder:
    """Needs, offers, matches and questions at given instants (UTC), as the services would
    have left them."""

    def __init__(self, firms: dict[str, Member]) -> None:
        self.firms = firms

    def need(
        self,
        firm: str,
        competences: tuple[str, ...],
        status: NeedStatus,
        submitted: str | None = None,
        published: str | None = None,
        closed: str | None = None,
    ) -> Need:
        need = factories.make_need(self.firms[firm], competences=competences, status=status)
        need.submitted_at = utc(submitted) if submitted else None
        need.published_at = utc(published) if published else None
        need.closed_at = utc(closed) if closed else None
        db.session.commit()
        return need

    def offer(
        self,
        need: Need,
        firm: str,
        created: str,
        status: OfferStatus = OfferStatus.SUBMITTED,
        price: str = "10000",
        currency: str = "EUR",
        basis: PriceBasis = PriceBasis.FIXED,
    ) -> Offer:
        offer = factories.make_offer(need, self.firms[firm], price=price, status=status)
        offer.created_at = utc(created)
        offer.currency, offer.price_basis = currency, basis
        db.session.commit()
        return offer

    def match(self, need: Need, firm: str, not_for_us: str | None = None) -> None:
        db.session.add(
            NeedMatch(
                need_id=need.id,
                member_id=self.firms[firm].id,
                score=1.0,
                not_for_us_at=utc(not_for_us) if not_for_us else None,
            )
        )
        db.session.commit()

    def question(self, need: Need, firm: str, created: str) -> None:
        db.session.add(
            Question(
                need_id=need.id,
                member_id=self.firms[firm].id,
                text="Is remote work fine?",
                created_at=utc(created),
            )
        )
        db.session.commit()


def build_cluster() -> Cluster:
    """Seven active firms in PL, DE, RO and SK, a suspended one in HU, and eleven needs."""
    firms = {
        "odra": factories.make_member("Odra Software", ("kotlin", "python"), country="PL"),
        "wisla": factories.make_member("Wisła Cloud", ("kotlin", "kubernetes"), country="PL"),
        "spree": factories.make_member(
            "Spreewerk Digital", ("kotlin", "kubernetes", "python"), country="DE"
        ),
        "elbtal": factories.make_member("Elbtal Systemtechnik", ("terraform",), country="DE"),
        "somes": factories.make_member("Someș Data", ("python", "terraform"), country="RO"),
        "ceahlau": factories.make_member("Ceahlău Software", ("python",), country="RO"),
        "dunaj": factories.make_member("Dunaj Systems", ("kotlin",), country="SK"),
        "tisza": factories.make_member(
            "Tisza Security", ("penetration-testing",), MemberStatus.SUSPENDED, country="HU"
        ),
    }
    b = Builder(firms)
    closed, declined, withdrawn = OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.WITHDRAWN

    # N1, PL: posted 2025-12-31 23:30 UTC, which is 1 January in Warsaw; awarded at 23:30 UTC
    # on 31 January, which is 1 February there. A withdrawn offer came first: not counted.
    n1 = b.need(
        "odra",
        ("kotlin", "kubernetes"),
        NeedStatus.CLOSED,
        "2025-12-31 23:30",
        "2026-01-05 10:00",
        "2026-01-31 23:30",
    )
    b.offer(n1, "dunaj", "2026-01-05 11:00", withdrawn)
    b.offer(n1, "spree", "2026-01-05 16:00", closed, "100000")
    b.offer(n1, "wisla", "2026-01-07 10:00", declined, "90000")
    for firm in ("spree", "wisla", "dunaj"):
        b.match(n1, firm)
    b.question(n1, "somes", "2026-01-06 09:00")

    # N2, DE: posted at 22:30 UTC on 31 January (still January in Warsaw), awarded on 31 March
    # at 21:30 UTC (23:30 in Warsaw) at a day rate to a firm it did not match (SK).
    n2 = b.need(
        "spree",
        ("python",),
        NeedStatus.CLOSED,
        "2026-01-31 22:30",
        "2026-02-02 09:00",
        "2026-03-31 21:30",
    )
    b.offer(n2, "dunaj", "2026-02-02 09:30", closed, "500", basis=PriceBasis.DAY)
    b.offer(n2, "odra", "2026-02-03 09:00", withdrawn)
    for firm in ("somes", "odra"):
        b.match(n2, firm)

    # N3, RO: awarded at 22:30 UTC on 31 March, 1 April in Warsaw: outside the quarter. A firm
    # that said "not for us" offered all the same; a firm it did not match offered too.
    n3 = b.need(
        "somes",
        ("kotlin",),
        NeedStatus.CLOSED,
        "2026-02-10 08:00",
        "2026-02-11 08:00",
        "2026-03-31 22:30",
    )
    b.offer(n3, "odra", "2026-02-12 08:00", closed, "30000", "RON")
    b.offer(n3, "dunaj", "2026-02-11 20:00", declined, "25000", "RON")
    b.offer(n3, "ceahlau", "2026-02-13 08:00", declined, "28000", "RON")
    b.match(n3, "odra")
    b.match(n3, "dunaj", not_for_us="2026-02-11 12:00")
    b.match(n3, "wisla", not_for_us="2026-02-11 13:00")
    b.match(n3, "spree")
    b.question(n3, "dunaj", "2026-02-12 10:00")

    # N4, PL: cancelled after publication; no firm has its competence (Tisza is suspended).
    b.need(
        "odra",
        ("penetration-testing",),
        NeedStatus.CANCELLED,
        "2026-03-02 10:00",
        "2026-03-03 10:00",
        "2026-03-20 10:00",
    )
    # N5, PL: expired at 23:30 UTC on 28 February, 1 March in Warsaw.
    n5 = b.need(
        "odra",
        ("penetration-testing", "kotlin"),
        NeedStatus.EXPIRED,
        "2026-01-10 10:00",
        "2026-01-12 10:00",
        "2026-02-28 23:30",
    )
    for firm in ("spree", "wisla", "dunaj"):
        b.match(n5, firm)
    # N6, PL: waiting for review. N7, DE: a draft cancelled before review: neither posted
    # nor cancelled in the figures.
    b.need("wisla", ("python", "terraform"), NeedStatus.PENDING, "2026-03-10 10:00")
    b.need("spree", ("kotlin",), NeedStatus.CANCELLED, closed="2026-03-05 10:00")

    # N8, SK: open, six offers (one shortlisted).
    n8 = b.need(
        "dunaj", ("kotlin", "python"), NeedStatus.OPEN, "2026-03-15 10:00", "2026-03-16 10:00"
    )
    b.offer(n8, "odra", "2026-03-16 14:00")
    b.offer(n8, "spree", "2026-03-17 10:00")
    b.offer(n8, "somes", "2026-03-18 10:00")
    b.offer(n8, "wisla", "2026-03-18 11:00", OfferStatus.SHORTLISTED)
    b.offer(n8, "elbtal", "2026-03-19 10:00")
    b.offer(n8, "ceahlau", "2026-03-20 10:00")
    for firm in ("odra", "spree"):
        b.match(n8, firm)
    # A question at 22:30 UTC on 31 March: 1 April in Warsaw, outside the quarter.
    b.question(n8, "ceahlau", "2026-03-31 22:30")

    # N9, RO: published at 22:30 UTC on 31 December, still 2025 in Warsaw; offered on in
    # January (the firm counts as active), matched a firm that said it is not for it.
    n9 = b.need("somes", ("python",), NeedStatus.OPEN, "2025-12-30 10:00", "2025-12-31 22:30")
    b.offer(n9, "odra", "2026-01-02 10:00")
    b.match(n9, "odra", not_for_us="2026-01-02 09:00")

    # N10, DE: posted at 23:45 on 31 March in Warsaw, published after midnight there.
    b.need(
        "elbtal",
        ("kubernetes",),
        NeedStatus.OPEN,
        "2026-03-31 21:45",
        "2026-03-31 22:15",
    )
    # N11, PL: awarded to a Polish firm, at a fixed price in euros.
    n11 = b.need(
        "odra",
        ("kotlin",),
        NeedStatus.CLOSED,
        "2026-01-20 10:00",
        "2026-01-21 10:00",
        "2026-02-15 10:00",
    )
    b.offer(n11, "wisla", "2026-01-21 12:00", closed, "20000")
    b.match(n11, "wisla")

    staff = factories.make_user(is_staff=True, email="clara@cluster.example")
    member = factories.make_user(firms["odra"], email="agnieszka@odra.example")
    return Cluster(firms, staff, member)


@pytest.fixture
def cluster(app: Flask) -> Cluster:
    with app.app_context():
        return build_cluster()


def figures(app: Flask, filters: Filters = ALL, period: Period = Q1) -> tables.Figures:
    """Every figure of the period, read at once (the app context ends with this call)."""
    with app.test_request_context("/"):
        found = tables.Figures(period, filters)
        for name in (
            "months",
            "offers",
            "response",
            "first_offer",
            "award",
            "fulfilment",
            "value",
            "pairs",
            "balance",
            "ahead",
            "members",
        ):
            getattr(found, name)
        return found


def monthly(found: tables.Figures) -> list[tuple[int, ...]]:
    return [(m.posted, m.approved, m.awarded, m.cancelled, m.expired) for m in found.months]


# The figures ---------------------------------------------------------------------------------


def test_needs_are_counted_in_the_month_of_cluster_time_they_happened(
    app: Flask, cluster: Cluster
) -> None:
    found = figures(app)
    assert [m.month for m in found.months] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert monthly(found) == [
        # posted, approved, awarded, cancelled, expired
        (4, 3, 0, 0, 0),
        (1, 2, 2, 0, 0),
        (4, 2, 1, 1, 1),
    ]


def test_offers_per_need_median_and_groups_over_needs_approved_in_the_period(
    app: Flask, cluster: Cluster
) -> None:
    found = figures(app)
    # Offers on N1…N11 approved in the quarter: 2, 1, 3, 0, 0, 6, 1 (withdrawn ones left out).
    assert found.offers.spread == Spread(count=7, median=1, p90=6)
    assert found.offers.groups == (2, 2, 1, 1, 1)


def test_matched_firms_offered_said_not_for_us_or_said_nothing(
    app: Flask, cluster: Cluster
) -> None:
    response = figures(app).response
    assert (response.offered, response.not_for_us, response.silent) == (7, 1, 7)


def test_time_to_first_offer_and_to_award_by_nearest_rank(app: Flask, cluster: Cluster) -> None:
    found = figures(app)
    # First live offers: 30 min, 2 h, 4 h, 6 h, 12 h after approval.
    assert found.first_offer == Spread(count=5, median=4 * 3600, p90=12 * 3600)
    # Awards: 25 days; 26 days 13 h 30 min; 57 days 12 h 30 min.
    assert found.award == Spread(
        count=3, median=26 * 86400 + 13 * 3600 + 1800, p90=57 * 86400 + 12 * 3600 + 1800
    )


def test_nearest_rank_takes_the_lower_middle_and_a_value_that_exists(app: Flask) -> None:
    with app.app_context():
        for values, expected in (
            ([], Spread(0, None, None)),
            ([7], Spread(1, 7, 7)),
            ([1, 2, 3, 4], Spread(4, 2, 4)),
            ([5, 1, 4, 2, 3], Spread(5, 3, 5)),
            (list(range(1, 11)), Spread(10, 5, 9)),
            (list(range(1, 12)), Spread(11, 6, 10)),
        ):
            rows = [select(literal_column(str(v)).label("value")) for v in values]
            nothing = select(literal_column("1").label("value")).where(literal_column("0") == 1)
            assert services.spread_of(union_all(nothing, *rows).subquery()) == expected, values


def test_fulfilment_value_and_the_country_matrix_count_awards_of_the_period(
    app: Flask, cluster: Cluster
) -> None:
    found = figures(app)
    assert (found.fulfilment.awarded, found.fulfilment.cancelled, found.fulfilment.expired) == (
        3,
        1,
        1,
    )
    # A day rate is never added to a fixed price; N3's award in RON falls on 1 April.
    assert [(v.currency, v.basis, v.awards, v.total) for v in found.value] == [
        ("EUR", PriceBasis.DAY, 1, Decimal("500.00")),
        ("EUR", PriceBasis.FIXED, 2, Decimal("120000.00")),
    ]
    pairs = {(p.requester, p.supplier): p.awards for p in found.pairs}
    assert pairs == {("PL", "DE"): 1, ("PL", "PL"): 1, ("DE", "SK"): 1}
    assert found.cross_border == 2
    assert tables.matrix_countries(found.pairs) == ["PL", "DE", "RO", "SK"]


def test_competences_in_demand_against_supply_and_where_demand_runs_ahead(
    app: Flask, cluster: Cluster
) -> None:
    found = figures(app)
    assert [(c.name, c.needs, c.firms) for c in found.balance] == [
        ("Kotlin", 5, 4),
        ("Penetration testing", 2, 0),  # only a suspended firm declares it
        ("Python", 2, 4),
        ("Kubernetes", 1, 2),
        ("Terraform", 0, 2),
    ]
    # Kotlin: 5 of 10 asked, 4 of 12 declared: exactly one and a half times its share.
    assert [c.name for c in found.ahead] == ["Kotlin", "Penetration testing"]


def test_active_members_posted_offered_or_asked(app: Flask, cluster: Cluster) -> None:
    members = figures(app).members
    assert (members.posted, members.offered, members.asked, members.any, members.members) == (
        6,
        7,
        2,
        7,
        7,
    )


def test_the_country_filter_keeps_needs_of_requester_firms_of_that_country(
    app: Flask, cluster: Cluster
) -> None:
    found = figures(app, Filters(country="PL"))
    assert monthly(found) == [(3, 3, 0, 0, 0), (0, 0, 2, 0, 0), (2, 1, 0, 1, 1)]
    assert {(p.requester, p.supplier): p.awards for p in found.pairs} == {
        ("PL", "DE"): 1,
        ("PL", "PL"): 1,
    }
    assert found.offers.spread == Spread(count=4, median=0, p90=2)  # N1 2, N4 0, N5 0, N11 1
    assert (found.fulfilment.awarded, found.fulfilment.closed) == (2, 4)
    members = found.members
    assert (members.posted, members.offered, members.asked, members.any, members.members) == (
        2,
        2,
        0,
        2,
        2,
    )


def test_the_area_filter_keeps_needs_asking_for_a_competence_of_that_area(
    app: Flask, cluster: Cluster
) -> None:
    found = figures(app, Filters(area="Security"))
    assert monthly(found) == [(1, 1, 0, 0, 0), (0, 0, 0, 0, 0), (1, 1, 0, 1, 1)]
    assert found.offers.spread == Spread(count=2, median=0, p90=0)
    assert [(c.name, c.needs, c.firms) for c in found.balance] == [("Penetration testing", 2, 0)]
    assert found.first_offer == Spread(0, None, None)


def test_a_period_from_mid_month_to_mid_month_has_a_row_for_every_month_it_touches(
    app: Flask, cluster: Cluster
) -> None:
    found = figures(app, period=Period(date(2025, 12, 15), date(2026, 2, 10)))
    assert [m.month for m in found.months] == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    # N9 was published at 23:30 on 31 December in Warsaw; N2 posted on 31 January, N3 on 10
    # February (its day is in), N1 awarded on 1 February.
    assert monthly(found) == [(1, 1, 0, 0, 0), (4, 3, 0, 0, 0), (1, 1, 1, 0, 0)]


def test_the_page_asks_the_same_few_queries_whatever_the_data(app: Flask) -> None:
    with app.test_request_context("/"):
        with statements_run() as empty:
            tables.all_tables(tables.Figures(Q1, ALL))
        build_cluster()
        with statements_run() as full:
            tables.all_tables(tables.Figures(Q1, ALL))
    assert len(full) == len(empty) <= 16


# The dashboard -------------------------------------------------------------------------------


def test_the_dashboard_counts_this_month_of_cluster_time(app: Flask) -> None:
    with app.app_context():
        firm = factories.make_member("Odra Software", country="PL")
        supplier = factories.make_member("Spreewerk Digital", country="DE")
        need = factories.make_need(firm)
        offer = factories.make_offer(need, supplier)
        # 21:45 UTC on 31 March is still March in Warsaw (summer time, UTC+2).
        offer.created_at = utc("2026-03-31 21:45")
        db.session.commit()
        # At 22:30 UTC it is 00:30 on 1 April there: a new month, with no offer yet.
        assert dashboard_counts(utc("2026-03-31 22:30"))["offers_this_month"] == 0
        assert dashboard_counts(utc("2026-03-31 21:50"))["offers_this_month"] == 1
        # In winter the month begins at 23:00 UTC the evening before.
        offer.created_at = utc("2026-02-28 22:45")
        db.session.commit()
        assert dashboard_counts(utc("2026-02-28 23:30"))["offers_this_month"] == 0
        assert dashboard_counts(utc("2026-03-10 12:00"))["offers_this_month"] == 0
        assert dashboard_counts(utc("2026-02-28 22:50"))["offers_this_month"] == 1


# The page --------------------------------------------------------------------------------


def signed_in(client: FlaskClient, account: factories.Account) -> FlaskClient:
    assert AuthActions(client).login(account.email, account.password).status_code == 302
    return client


def test_only_staff_read_the_statistics(app: Flask, client: FlaskClient, cluster: Cluster) -> None:
    anonymous = client.get("/staff/statistics")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client.get("/staff/statistics?format=csv&table=needs").status_code == 302
    member = signed_in(app.test_client(), cluster.member)
    assert member.get("/staff/statistics").status_code == 403
    assert member.get("/staff/statistics?format=csv&table=needs").status_code == 403
    staff = signed_in(client, cluster.staff)
    page = staff.get(f"/staff/statistics?{Q1_QUERY}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Period: 1 Jan 2026 to 31 Mar 2026" in html
    assert 'data-chart="line"' in html and "<caption>Needs, month by month</caption>" in html
    assert '<th scope="row">Mar 2026</th>' in html


def test_each_table_is_a_csv_file_with_a_bom_its_headings_and_its_rows(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    staff = signed_in(client, cluster.staff)
    response = staff.get(f"/staff/statistics?{Q1_QUERY}&format=csv&table=needs")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="statistics-needs-2026-01-01-2026-03-31.csv"'
    )
    assert (
        response.get_data()
        == (
            "\ufeffMonth,Posted,Approved,Awarded,Cancelled,Expired\r\n"
            "Jan 2026,4,3,0,0,0\r\n"
            "Feb 2026,1,2,2,0,0\r\n"
            "Mar 2026,4,2,1,1,1\r\n"
        ).encode()
    )

    value = staff.get(f"/staff/statistics?{Q1_QUERY}&country=PL&format=csv&table=value")
    assert value.headers["Content-Disposition"] == (
        'attachment; filename="statistics-value-2026-01-01-2026-03-31-pl.csv"'
    )
    assert value.get_data(as_text=True) == (
        "\ufeffCurrency,Price basis,Awards,Sum\r\nEUR,fixed price,2,120000.00\r\n"
    )

    matrix = staff.get(f"/staff/statistics?{Q1_QUERY}&format=csv&table=cross-border")
    assert matrix.get_data(as_text=True).splitlines() == [
        "\ufeffRequester firm's country,Supplier in Poland,Supplier in Germany,"
        "Supplier in Romania,Supplier in Slovakia",
        "Poland,1,1,0,0",
        "Germany,0,0,0,1",
        "Romania,0,0,0,0",
        "Slovakia,0,0,0,0",
    ]
    timing = staff.get(f"/staff/statistics?{Q1_QUERY}&format=csv&table=timing")
    assert timing.get_data(as_text=True).splitlines()[1:] == [
        "The first offer,5,0.2,4.0,0.5,12.0",
        "The award,3,26.6,637.5,57.5,1380.5",
    ]
    ahead = staff.get(f"/staff/statistics?{Q1_QUERY}&format=csv&table=ahead")
    assert ahead.get_data(as_text=True).splitlines()[1:] == [
        "Kotlin,Languages and frameworks,5,4",
        "Penetration testing,Security,2,0",
    ]
    offers = staff.get(f"/staff/statistics?{Q1_QUERY}&format=csv&table=offers")
    assert offers.get_data(as_text=True).splitlines()[1:] == [
        "No offer,2,28.6",
        "1 offer,2,28.6",
        "2 offers,1,14.3",
        "3 to 5 offers,1,14.3",
        "6 offers or more,1,14.3",
    ]


def test_a_csv_cell_that_would_run_as_a_formula_is_quoted(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    with app.app_context():
        competence = by_slugs(["terraform"])[0]
        competence.name = "=HYPERLINK(1)"
        db.session.commit()
    staff = signed_in(client, cluster.staff)
    rows = staff.get(f"/staff/statistics?{Q1_QUERY}&format=csv&table=competences")
    assert "'=HYPERLINK(1),Cloud and DevOps,0,2,no" in rows.get_data(as_text=True).splitlines()


def test_an_unknown_table_or_format_is_not_found(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    staff = signed_in(client, cluster.staff)
    for query in ("format=csv&table=nonsense", "format=csv", "format=xlsx&table=needs", "table=x"):
        assert staff.get(f"/staff/statistics?{query}").status_code == 404, query


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-02-30&to=yesterday", "The dates were not understood"),
        ("from=2026-03-01&to=2026-01-01", "The period ends before it begins"),
        ("from=1900-01-01&to=2026-01-01", "Dates from 1970-01-01 to 2999-12-31 can be shown"),
        ("from=9999-12-31", "Dates from 1970-01-01 to 2999-12-31 can be shown"),
        ("from=2010-01-01&to=2026-01-01", "A period of at most 60 months can be shown"),
        ("country=XX", "No member firm is in the country asked for"),
        ("area=Astrology", "There is no such competence area"),
    ],
)
def test_a_query_that_makes_no_sense_gets_a_message_and_the_default_period(
    app: Flask, client: FlaskClient, cluster: Cluster, query: str, message: str
) -> None:
    staff = signed_in(client, cluster.staff)
    response = staff.get(f"/staff/statistics?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    with app.test_request_context("/"):
        default = services.default_period()
        shown = f"Period: {date_text(default.first)} to {date_text(default.last)}"
    assert shown in html


def test_quick_periods_fill_the_dates_and_keep_the_filters(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    staff = signed_in(client, cluster.staff)
    html = staff.get("/staff/statistics?country=PL&area=Security").get_data(as_text=True)
    with app.test_request_context("/"):
        quick = {choice.key: choice.period for choice in services.quick_periods()}
    last_year = quick["last-year"]
    assert (
        f'href="/staff/statistics?from={last_year.first}&amp;to={last_year.last}'
        '&amp;country=PL&amp;area=Security"' in html
    )
    assert "Requester firms in Poland" in html and "Needs asking for Security" in html


def test_quick_periods_are_calendar_months_quarters_and_years(app: Flask) -> None:
    with app.app_context():
        found = {q.key: q.period for q in services.quick_periods(date(2026, 5, 17))}
    assert found == {
        "this-month": Period(date(2026, 5, 1), date(2026, 5, 17)),
        "last-month": Period(date(2026, 4, 1), date(2026, 4, 30)),
        "this-quarter": Period(date(2026, 4, 1), date(2026, 5, 17)),
        "last-quarter": Period(date(2026, 1, 1), date(2026, 3, 31)),
        "this-year": Period(date(2026, 1, 1), date(2026, 5, 17)),
        "last-year": Period(date(2025, 1, 1), date(2025, 12, 31)),
    }
    with app.app_context():
        assert services.default_period(date(2026, 1, 31)) == Period(
            date(2025, 1, 1), date(2026, 1, 31)
        )


def test_the_vendored_chart_library_is_the_pinned_release() -> None:
    folder = ROOT / "static" / "vendor" / "chartjs"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    digest = hashlib.sha256((folder / "chart.umd.min.js").read_bytes()).hexdigest()
    assert f"`{digest}`" in readme
    assert f"CHARTJS_SHA256 := {digest}" in makefile
    version = re.search(r"^CHARTJS_VERSION := (\S+)$", makefile, re.MULTILINE)
    assert version is not None
    assert (
        (folder / "chart.umd.min.js")
        .read_text(encoding="utf-8")
        .startswith(f"/*!\n * Chart.js v{version.group(1)}\n")
    )
    assert "MIT License" in (folder / "LICENSE.md").read_text(encoding="utf-8")
