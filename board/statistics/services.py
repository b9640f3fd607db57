"""The figures of the statistics page, each computed by the database in a query or two.

Every figure counts in SQL (GROUP BY, window functions), never by loading rows into Python,
and in SQL that PostgreSQL and SQLite answer alike, so both give the same figures:

- a period is days in cluster time; its months are bucketed with a CASE over the UTC
  instants at which each month begins where the cluster is (computed here, in Python);
- durations are differences of whole seconds since 1970 (`epoch_seconds`);
- medians and 90th percentiles are taken by nearest rank, with `row_number()` and `count()`
  windows (`spread_columns`) or, for the few values of offers per need, running counts of
  each: PostgreSQL's `percentile_cont` has no SQLite twin;
- what came back on each need (its offers, the first of them, its matched firms' answers) is
  read from its tally (`NeedTally`), which the database keeps from the offers and matches, so a
  year's figures read one row per need, not its offers and matches.

The rules, as the page states them: a need is *posted* when its firm sent it for review
(`submitted_at`; a need sent again after changes counts once, when last sent), *approved* when
staff published it, *awarded* when an offer on it was accepted, *cancelled* when its firm
withdrew it after publication, *expired* when it ended without an award. Offers withdrawn by
their firm are counted nowhere. The country filter is the requester firm's country (the
acting firm's for active members); the area filter keeps needs that ask for a competence of
that area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    distinct,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from board.clock import cluster_today, day_start
from board.extensions import db
from board.models import (
    Competence,
    Member,
    MemberStatus,
    Need,
    NeedStatus,
    NeedTally,
    Offer,
    OfferStatus,
    PriceBasis,
    Question,
    member_competences,
    need_competences,
)

# The longest period one page shows: five years of months.
MONTHS_AT_MOST = 60


# Periods -----------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Days in cluster time, the first and the last included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        """The UTC instant the period begins."""
        return day_start(self.first)

    @property
    def end(self) -> datetime:
        """The UTC instant just after it ends."""
        return day_start(self.last + timedelta(days=1))

    def months(self) -> list[date]:
        """The first day of each month the period reaches into."""
        found, month = [], month_start(self.first)
        while month <= self.last:
            found.append(month)
            month = add_months(month, 1)
        return found

    @property
    def month_count(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1


def default_period(today: date | None = None) -> Period:
    """The last twelve full months and this one so far."""
    today = today or cluster_today()
    return Period(add_months(today, -12), today)


@dataclass(frozen=True)
class QuickPeriod:
    key: str
    period: Period


def quick_periods(today: date | None = None) -> list[QuickPeriod]:
    """This and last month, quarter and year; those under way end today."""
    today = today or cluster_today()
    quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    year = date(today.year, 1, 1)
    return [
        QuickPeriod("this-month", Period(month_start(today), today)),
        QuickPeriod("last-month", Period(add_months(today, -1), month_start(today) - timedelta(1))),
        QuickPeriod("this-quarter", Period(quarter, today)),
        QuickPeriod("last-quarter", Period(add_months(quarter, -3), quarter - timedelta(days=1))),
        QuickPeriod("this-year", Period(year, today)),
        QuickPeriod("last-year", Period(date(today.year - 1, 1, 1), year - timedelta(days=1))),
    ]


@dataclass(frozen=True)
class Filters:
    """The requester firm's country (ISO code) and a competence area; empty: all."""

    country: str = ""
    area: str = ""


# SQL pieces --------------------------------------------------------------------------------


class epoch_seconds(FunctionElement[int]):  # noqa: N801 - named as SQL functions are
    """Whole seconds from 1970 to a stored instant, fractions dropped, on both databases."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(floor(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps an instant as UTC text ("2026-11-30 23:30:00.000000"); '%s' reads it.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


def number(value: int) -> ColumnElement[int]:
    """An integer written into the statement: a bound one would be untyped on PostgreSQL in a
    CASE or a UNION."""
    return literal_column(str(int(value)), Integer)


def within(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def month_of(column: Any, period: Period) -> ColumnElement[int]:
    """The index, in `period.months()`, of the month an instant of the period falls in."""
    later = [day_start(month) for month in period.months()[1:]]
    if not later:
        return number(0)
    return case(
        *[(column < instant, number(index)) for index, instant in enumerate(later)],
        else_=number(len(later)),
    )


def need_filter(
    filters: Filters, member_id: Any = Need.member_id, need_id: Any = Need.id
) -> list[ColumnElement[bool]]:
    """Conditions for the filters on a need's firm and id (by default the Need entity's)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.country:
        conditions.append(member_id.in_(select(Member.id).where(Member.country == filters.country)))
    if filters.area:
        conditions.append(
            need_id.in_(
                select(need_competences.c.need_id)
                .join(Competence, Competence.id == need_competences.c.competence_id)
                .where(Competence.area == filters.area)
            )
        )
    return conditions


LIVE_OFFER = Offer.status != OfferStatus.WITHDRAWN
AWARDED = Need.status == NeedStatus.CLOSED
CANCELLED = and_(Need.status == NeedStatus.CANCELLED, Need.published_at.is_not(None))
EXPIRED = Need.status == NeedStatus.EXPIRED


def counted(query: Select[Any]) -> dict[Any, int]:
    """The counts of a query of (key, count) rows, by key."""
    return {key: total for key, total in db.session.execute(query)}


# Medians and percentiles -------------------------------------------------------------------

MEDIAN = (1, 2)
NINETIETH = (9, 10)


@dataclass(frozen=True)
class Spread:
    """How many values there are, and their median and 90th percentile (None: no values)."""

    count: int
    median: int | None
    p90: int | None


def rank_of(value: ColumnElement[Any]) -> ColumnElement[int]:
    """A value's rank among the values that are not NULL, in ascending order, from 1 (the
    NULLs are ranked apart: PostgreSQL sorts them last and SQLite first)."""
    return func.row_number().over(partition_by=value.is_(None), order_by=value)


def count_of(value: ColumnElement[Any]) -> ColumnElement[int]:
    """How many values are not NULL, on every row."""
    return func.count(value).over()


def nearest_rank(total: ColumnElement[int], share: tuple[int, int]) -> ColumnElement[int]:
    """The rank of a share of `total` values by nearest rank: ceil(total × share), in integers."""
    above, below = share
    return (total * number(above) + number(below - 1)) // number(below)


def whole(value: ColumnElement[Any]) -> ColumnElement[int]:
    """A sum of integers as an integer (PostgreSQL's sum of bigints is a numeric)."""
    return cast(value, BigInteger)


def spread_columns(
    value: ColumnElement[Any], rank: ColumnElement[int], total: ColumnElement[int]
) -> list[ColumnElement[Any]]:
    """How many values, their median and their 90th percentile, by nearest rank, from each
    value's `rank_of` and the `count_of` them.

    Nearest rank: of n values in ascending order, the p-th percentile is the value at rank
    ceil(p × n), counting from 1; so the median of 1, 2, 3, 4 is 2 (the lower middle), and
    each figure is one of the values, never an interpolation between two. The ranks are
    `row_number()` over the values, the rank sought is integer arithmetic on `count()` over
    them: PostgreSQL and SQLite give the same answer.
    """

    def at(share: tuple[int, int]) -> ColumnElement[Any]:
        sought = nearest_rank(total, share)
        return func.max(case((and_(value.is_not(None), rank == sought), value)))

    return [func.coalesce(func.max(total), number(0)), at(MEDIAN), at(NINETIETH)]


def spread(total: int | None, median: int | None, p90: int | None) -> Spread:
    return Spread(int(total or 0), median, p90)


def spread_of(values: Subquery) -> Spread:
    """The median and 90th percentile of the column `value` of `values` (`spread_columns`)."""
    ranks = select(
        values.c.value,
        rank_of(values.c.value).label("rank"),
        count_of(values.c.value).label("total"),
    ).subquery()
    columns = spread_columns(ranks.c.value, ranks.c.rank, ranks.c.total)
    return spread(*db.session.execute(select(*columns)).one())


# The figures -------------------------------------------------------------------------------

NEED_EVENTS = ("posted", "approved", "awarded", "cancelled", "expired")


@dataclass(frozen=True)
class MonthOfNeeds:
    month: date
    posted: int = 0
    approved: int = 0
    awarded: int = 0
    cancelled: int = 0
    expired: int = 0


def needs_by_month(period: Period, filters: Filters) -> list[MonthOfNeeds]:
    """Needs posted, approved, awarded, cancelled and expired in each month of the period."""
    events: list[tuple[Any, list[ColumnElement[bool]]]] = [
        (Need.submitted_at, []),
        (Need.published_at, []),
        (Need.closed_at, [AWARDED]),
        (Need.closed_at, [CANCELLED]),
        (Need.closed_at, [EXPIRED]),
    ]
    parts = [
        select(number(kind).label("kind"), month_of(instant, period).label("month")).where(
            within(instant, period), *conditions, *need_filter(filters)
        )
        for kind, (instant, conditions) in enumerate(events)
    ]
    rows = union_all(*parts).subquery()
    counted = select(rows.c.kind, rows.c.month, func.count()).group_by(rows.c.kind, rows.c.month)
    counts: dict[tuple[int, int], int] = {
        (kind, month): total for kind, month, total in db.session.execute(counted)
    }
    return [
        MonthOfNeeds(
            month,
            **{event: counts.get((kind, index), 0) for kind, event in enumerate(NEED_EVENTS)},
        )
        for index, month in enumerate(period.months())
    ]


def published_needs(period: Period, filters: Filters) -> list[ColumnElement[bool]]:
    return [within(Need.published_at, period), *need_filter(filters)]


# The groups of the distribution of offers per need: at least, at most (None: no limit).
OFFER_GROUPS: tuple[tuple[int, int | None], ...] = ((0, 0), (1, 1), (2, 2), (3, 5), (6, None))


@dataclass(frozen=True)
class OffersPerNeed:
    """Over the needs published in the period: how many had how many offers."""

    spread: Spread
    # Needs in each of OFFER_GROUPS, in order.
    groups: tuple[int, ...]


def tallied(period: Period, filters: Filters, *columns: Any) -> Select[Any]:
    """`columns` of the tallies of the needs published in the period: every published need has
    one, with its publication and firm, so the needs themselves are not read."""
    return select(*columns).where(
        within(NeedTally.published_at, period),
        *need_filter(filters, NeedTally.member_id, NeedTally.need_id),
    )


@dataclass(frozen=True)
class MatchedResponse:
    """What the firms matched by needs published in the period did about them."""

    offered: int
    not_for_us: int
    silent: int

    @property
    def total(self) -> int:
        return self.offered + self.not_for_us + self.silent


@dataclass(frozen=True)
class NeedOutcomes:
    """What came back on the needs published in the period."""

    offers: OffersPerNeed
    # Seconds from approval to the first offer, over the needs that received one.
    first_offer: Spread
    response: MatchedResponse


def need_outcomes(period: Period, filters: Filters) -> NeedOutcomes:
    """Offers per need (median and groups), time from approval to the first offer (median and
    90th percentile) and matched firms' answers, over the needs published in the period, in
    one statement over their tallies."""
    wait = epoch_seconds(NeedTally.first_offer_at) - epoch_seconds(NeedTally.published_at)
    needs = tallied(
        period,
        filters,
        NeedTally.offers.label("offers"),
        wait.label("wait"),
        NeedTally.matched.label("matched"),
        NeedTally.matched_offered.label("offered"),
        NeedTally.matched_not_for_us.label("not_for_us"),
    ).cte("published")

    # A need has one of a few numbers of offers: the needs with each number, and how many
    # needs have at most that many. The median is the first number whose running count
    # reaches the median's rank (nearest rank, as `spread_columns`), with no sort of the needs.
    per_value = (
        select(needs.c.offers.label("value"), func.count().label("needs"))
        .group_by(needs.c.offers)
        .subquery()
    )
    running = select(
        per_value,
        whole(func.sum(per_value.c.needs).over(order_by=per_value.c.value)).label("running"),
        whole(func.sum(per_value.c.needs).over()).label("total"),
    ).subquery()

    def offers_at(share: tuple[int, int]) -> ColumnElement[Any]:
        reached = running.c.running >= nearest_rank(running.c.total, share)
        return func.min(case((reached, running.c.value)))

    def needs_with(low: int, high: int | None) -> ColumnElement[int]:
        """How many needs had from `low` to `high` offers (no limit: None)."""
        value = running.c.value
        inside = value >= number(low) if high is None else value.between(number(low), number(high))
        return func.coalesce(func.sum(case((inside, running.c.needs), else_=number(0))), number(0))

    offers = select(
        func.coalesce(func.max(running.c.total), number(0)).label("count"),
        offers_at(MEDIAN).label("median"),
        offers_at(NINETIETH).label("p90"),
        *(needs_with(*group).label(f"group{index}") for index, group in enumerate(OFFER_GROUPS)),
    ).subquery()
    waits = (
        select(
            needs.c.wait.label("value"),
            func.row_number().over(order_by=needs.c.wait).label("rank"),
            func.count().over().label("total"),
        )
        .where(needs.c.wait.is_not(None))
        .subquery()
    )
    first_offer = select(
        *(
            column.label(name)
            for column, name in zip(
                spread_columns(waits.c.value, waits.c.rank, waits.c.total),
                ("count", "median", "p90"),
                strict=True,
            )
        )
    ).subquery()
    answers = select(
        *(
            func.coalesce(func.sum(needs.c[name]), number(0)).label(name)
            for name in ("matched", "offered", "not_for_us")
        )
    ).subquery()
    found = db.session.execute(
        select(offers, first_offer, answers)
        .select_from(offers)
        .join(first_offer, true())
        .join(answers, true())
    ).one()
    groups = tuple(int(found._mapping[f"group{index}"]) for index in range(len(OFFER_GROUPS)))
    offered, not_for_us = int(found.offered), int(found.not_for_us)
    return NeedOutcomes(
        OffersPerNeed(spread(found[0], found[1], found[2]), groups),
        spread(*found[3 + len(OFFER_GROUPS) : 6 + len(OFFER_GROUPS)]),
        MatchedResponse(offered, not_for_us, int(found.matched) - offered - not_for_us),
    )


def time_to_award(period: Period, filters: Filters) -> Spread:
    """Seconds from approval to award, over needs awarded in the period."""
    waits = (
        select((epoch_seconds(Need.closed_at) - epoch_seconds(Need.published_at)).label("value"))
        .where(AWARDED, within(Need.closed_at, period), *need_filter(filters))
        .subquery()
    )
    return spread_of(waits)


@dataclass(frozen=True)
class Fulfilment:
    """Needs that ended in the period: awarded, cancelled after publication, expired."""

    awarded: int
    cancelled: int
    expired: int

    @property
    def closed(self) -> int:
        return self.awarded + self.cancelled + self.expired


def fulfilment(period: Period, filters: Filters) -> Fulfilment:
    """How the needs that ended in the period ended."""
    query = (
        select(Need.status, func.count())
        .where(
            or_(AWARDED, CANCELLED, EXPIRED), within(Need.closed_at, period), *need_filter(filters)
        )
        .group_by(Need.status)
    )
    counts = counted(query)
    return Fulfilment(
        counts.get(NeedStatus.CLOSED, 0),
        counts.get(NeedStatus.CANCELLED, 0),
        counts.get(NeedStatus.EXPIRED, 0),
    )


def accepted_offers(period: Period, filters: Filters) -> list[ColumnElement[bool]]:
    """The accepted offers of the needs awarded in the period (join Offer to Need)."""
    return [
        Offer.need_id == Need.id,
        Offer.status == OfferStatus.ACCEPTED,
        AWARDED,
        within(Need.closed_at, period),
        *need_filter(filters),
    ]


@dataclass(frozen=True)
class AwardedValue:
    currency: str
    basis: PriceBasis
    awards: int
    total: Decimal


def awarded_value(period: Period, filters: Filters) -> list[AwardedValue]:
    """The prices of the offers accepted in the period, summed per currency and price basis:
    a day rate is never added to a fixed price, nor euros to złoty."""
    query = (
        select(Offer.currency, Offer.price_basis, func.count(), func.sum(Offer.price))
        .select_from(Offer)
        .join(Need, Need.id == Offer.need_id)
        .where(*accepted_offers(period, filters))
        .group_by(Offer.currency, Offer.price_basis)
        .order_by(Offer.currency, Offer.price_basis)
    )
    return [
        AwardedValue(currency, PriceBasis(basis), awards, total)
        for currency, basis, awards, total in db.session.execute(query)
    ]


@dataclass(frozen=True)
class CountryPair:
    requester: str
    supplier: str
    awards: int


def awards_by_countries(period: Period, filters: Filters) -> list[CountryPair]:
    """Awards in the period by the requester's and the supplier's country."""
    requester, supplier = aliased(Member), aliased(Member)
    query = (
        select(requester.country, supplier.country, func.count())
        .select_from(Need)
        .join(requester, requester.id == Need.member_id)
        .join(Offer, Offer.need_id == Need.id)
        .join(supplier, supplier.id == Offer.member_id)
        .where(*accepted_offers(period, filters))
        .group_by(requester.country, supplier.country)
    )
    return [CountryPair(a or "", b or "", total) for a, b, total in db.session.execute(query)]


@dataclass(frozen=True)
class CompetenceBalance:
    """A competence: needs of the period that asked for it, active firms that declare it."""

    name: str
    area: str
    needs: int
    firms: int


def competence_balance(period: Period, filters: Filters) -> list[CompetenceBalance]:
    """Per competence, needs published in the period that asked for it and active member firms
    (anywhere in the cluster) that declare it; most asked for first."""
    demand = (
        select(need_competences.c.competence_id, func.count().label("needs"))
        .join(Need, Need.id == need_competences.c.need_id)
        .where(*published_needs(period, filters))
        .group_by(need_competences.c.competence_id)
        .subquery()
    )
    supply = (
        select(member_competences.c.competence_id, func.count().label("firms"))
        .join(Member, Member.id == member_competences.c.member_id)
        .where(Member.status == MemberStatus.ACTIVE)
        .group_by(member_competences.c.competence_id)
        .subquery()
    )
    needs = func.coalesce(demand.c.needs, 0)
    firms = func.coalesce(supply.c.firms, 0)
    query = (
        select(Competence.name, Competence.area, needs, firms)
        .outerjoin(demand, demand.c.competence_id == Competence.id)
        .outerjoin(supply, supply.c.competence_id == Competence.id)
        .where(or_(needs > 0, firms > 0))
        .order_by(needs.desc(), firms, Competence.id)
    )
    if filters.area:
        query = query.where(Competence.area == filters.area)
    return [CompetenceBalance(*row) for row in db.session.execute(query)]


# Demand runs ahead of supply where a competence's share of what the period's needs asked for
# is at least AHEAD_FACTOR times its share of what active firms declare, or no firm declares
# it, and at least MIN_DEMAND needs asked for it (one need is no trend).
AHEAD_FACTOR = (3, 2)
MIN_DEMAND = 2


def ahead_of_supply(balance: Sequence[CompetenceBalance]) -> list[CompetenceBalance]:
    """The competences of `balance` where demand runs ahead of supply (the rule above)."""
    asked = sum(row.needs for row in balance)
    declared = sum(row.firms for row in balance)
    above, below = AHEAD_FACTOR
    # needs / asked >= factor × firms / declared, in integers.
    return [
        row
        for row in balance
        if row.needs >= MIN_DEMAND
        and (row.firms == 0 or row.needs * declared * below >= above * row.firms * asked)
    ]


@dataclass(frozen=True)
class ActiveMembers:
    """Firms that posted a need, sent an offer or asked a question in the period."""

    posted: int
    offered: int
    asked: int
    any: int
    # Active member firms now (of the country, with that filter): the figures' background.
    members: int


def active_members(period: Period, filters: Filters) -> ActiveMembers:
    """Firms active in the period; with a country, the firms of that country."""
    # Needs of the area: a join only when an area is chosen, so that without one the offers
    # and questions are read from their indexes alone.
    area = need_filter(Filters(area=filters.area))

    def on_needs(statement: Select[Any], need_id: Any) -> Select[Any]:
        return statement.join(Need, Need.id == need_id).where(*area) if area else statement

    acts: list[Select[Any]] = [
        select(number(0).label("kind"), Need.member_id.label("member_id")).where(
            within(Need.submitted_at, period), *area
        ),
        on_needs(
            select(number(1), Offer.member_id).where(LIVE_OFFER, within(Offer.created_at, period)),
            Offer.need_id,
        ),
        on_needs(
            select(number(2), Question.member_id).where(within(Question.created_at, period)),
            Question.need_id,
        ),
    ]
    done = union_all(*acts).subquery()
    of_country = (
        [done.c.member_id.in_(select(Member.id).where(Member.country == filters.country))]
        if filters.country
        else []
    )
    # Each firm once for each thing it did: a few thousand rows, read three times below.
    firms = (
        select(done.c.kind, done.c.member_id)
        .where(*of_country)
        .group_by(done.c.kind, done.c.member_id)
        .cte("firms")
    )

    def did(kind: int) -> Any:
        return select(func.count()).where(firms.c.kind == number(kind)).scalar_subquery()

    members = [Member.status == MemberStatus.ACTIVE]
    if filters.country:
        members.append(Member.country == filters.country)
    found = db.session.execute(
        select(
            did(0),
            did(1),
            did(2),
            select(func.count(distinct(firms.c.member_id))).scalar_subquery(),
            select(func.count()).select_from(Member).where(*members).scalar_subquery(),
        )
    ).one()
    return ActiveMembers(*(int(n) for n in found))


# What the filters offer ----------------------------------------------------------------


def countries() -> list[str]:
    """The countries member firms are in."""
    query = select(Member.country).where(Member.country != "").distinct()
    return sorted(db.session.scalars(query))


def areas() -> list[str]:
    """The competence areas, in the taxonomy's order."""
    query = (
        select(Competence.area, func.min(Competence.id))
        .group_by(Competence.area)
        .order_by(func.min(Competence.id))
    )
    return [area for area, _first in db.session.execute(query)]
