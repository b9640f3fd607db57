"""The figures as tables: each shown on the page (its chart drawn from it) and downloadable
as a CSV file by its name, with the same rules as the offers comparison's export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from babel import Locale, dates, numbers
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from slugify import slugify

from board.clock import cluster_zone
from board.i18n import competence_name, country_name, dates_locale, money, share_text
from board.offers.comparison import text_cell
from board.statistics import services
from board.statistics.services import Filters, Period, Spread

# The countries the cluster is made of come first in the cross-border matrix, in this order.
HOME_COUNTRIES = ("PL", "DE", "RO")
SECONDS_A_DAY = 86_400
SECONDS_AN_HOUR = 3_600


@dataclass(frozen=True)
class Cell:
    """A figure as the page shows it (`text`) and as a CSV file or a chart reads it (`value`:
    a number, a text, or None when there is none)."""

    value: int | Decimal | str | None
    text: str

    @property
    def number(self) -> int | Decimal | None:
        return None if isinstance(self.value, str) else self.value


@dataclass(frozen=True)
class Column:
    heading: str
    # Whether the chart draws this column as a series.
    charted: bool = True


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    # The heading of the column of row labels.
    corner: str
    columns: list[Column]
    rows: list[Row]
    # What the figures count, said under the caption.
    notes: list[str] = field(default_factory=list)
    # "bar" or "line": the chart drawn from the table; None: no chart.
    chart: str | None = None
    # Bars along the horizontal axis, for long row labels.
    horizontal: bool = False
    empty: str = ""


# Numbers as the reader writes them ---------------------------------------------------------


def _locale() -> Locale:
    return get_locale() or Locale("en")


def count(value: int) -> Cell:
    return Cell(value, numbers.format_decimal(value, locale=_locale()))


def share(part: int, whole: int) -> Cell:
    """A share as a percentage with one decimal in the file, as the reader writes it here."""
    if not whole:
        return Cell(None, "—")
    return Cell(
        (Decimal(100 * part) / whole).quantize(Decimal("0.1")),
        share_text(part / whole),
    )


def tenths(value: Decimal | None) -> Cell:
    if value is None:
        return Cell(None, "—")
    return Cell(value, numbers.format_decimal(value, format="#,##0.0", locale=_locale()))


def in_units(seconds: int | None, unit: int) -> Cell:
    if seconds is None:
        return Cell(None, "—")
    return tenths((Decimal(seconds) / unit).quantize(Decimal("0.1")))


def text(value: str) -> Cell:
    return Cell(value, value)


def month_label(month: date) -> str:
    """ "Dec 2026", as the reader writes a month."""
    return dates.format_skeleton("yMMM", month, locale=dates_locale())


def zone_name() -> str:
    """The cluster's time zone as the reader names it ("Poland Time")."""
    return dates.get_timezone_location(cluster_zone(), locale=dates_locale())


def country_label(code: str) -> str:
    return country_name(code) if code else _("Country not given")


# The figures, each queried once per request ------------------------------------------------


class Figures:
    """The figures of one period and filters, each queried when first asked for."""

    def __init__(self, period: Period, filters: Filters) -> None:
        self.period, self.filters = period, filters

    @cached_property
    def months(self) -> list[services.MonthOfNeeds]:
        return services.needs_by_month(self.period, self.filters)

    @cached_property
    def outcomes(self) -> services.NeedOutcomes:
        return services.need_outcomes(self.period, self.filters)

    @property
    def offers(self) -> services.OffersPerNeed:
        return self.outcomes.offers

    @property
    def response(self) -> services.MatchedResponse:
        return self.outcomes.response

    @property
    def first_offer(self) -> Spread:
        return self.outcomes.first_offer

    @cached_property
    def award(self) -> Spread:
        return services.time_to_award(self.period, self.filters)

    @cached_property
    def fulfilment(self) -> services.Fulfilment:
        return services.fulfilment(self.period, self.filters)

    @cached_property
    def value(self) -> list[services.AwardedValue]:
        return services.awarded_value(self.period, self.filters)

    @cached_property
    def pairs(self) -> list[services.CountryPair]:
        return services.awards_by_countries(self.period, self.filters)

    @cached_property
    def balance(self) -> list[services.CompetenceBalance]:
        return services.competence_balance(self.period, self.filters)

    @cached_property
    def ahead(self) -> list[services.CompetenceBalance]:
        return services.ahead_of_supply(self.balance)

    @cached_property
    def members(self) -> services.ActiveMembers:
        return services.active_members(self.period, self.filters)

    @property
    def cross_border(self) -> int:
        return sum(
            pair.awards
            for pair in self.pairs
            if pair.requester and pair.supplier and pair.requester != pair.supplier
        )


# The tables --------------------------------------------------------------------------------


def summary_table(figures: Figures) -> Table:
    approved = sum(month.approved for month in figures.months)
    ended = figures.fulfilment
    awards = sum(pair.awards for pair in figures.pairs)
    response = figures.response
    rows = [
        Row(_("Needs approved"), [count(approved)]),
        Row(_("Median offers per approved need"), [count_or_dash(figures.offers.spread.median)]),
        Row(_("Needs awarded"), [count(ended.awarded)]),
        Row(_("Needs that ended with an award (%)"), [share(ended.awarded, ended.closed)]),
        Row(_("Matched firms that sent an offer (%)"), [share(response.offered, response.total)]),
        Row(
            _("Median time from approval to the first offer (days)"),
            [in_units(figures.first_offer.median, SECONDS_A_DAY)],
        ),
        Row(
            _("Median time from approval to the award (days)"),
            [in_units(figures.award.median, SECONDS_A_DAY)],
        ),
        Row(_("Awards across a border"), [count(figures.cross_border)]),
        Row(_("Awards across a border (%)"), [share(figures.cross_border, awards)]),
        Row(_("Member firms active in the period"), [count(figures.members.any)]),
    ]
    return Table("summary", _("Key figures"), _("Figure"), [Column(_("Value"), False)], rows)


def count_or_dash(value: int | None) -> Cell:
    return Cell(None, "—") if value is None else count(value)


def needs_table(figures: Figures) -> Table:
    columns = [
        Column(_("Posted")),
        Column(_("Approved")),
        Column(_("Awarded")),
        Column(_("Cancelled")),
        Column(_("Expired")),
    ]
    rows = [
        Row(
            month_label(month.month),
            [count(getattr(month, event)) for event in services.NEED_EVENTS],
        )
        for month in figures.months
    ]
    notes = [
        _(
            "Posted: sent to staff for review (a need sent again after changes counts once, "
            "in the month it was last sent). Approved: published by staff. Awarded: an offer "
            "was accepted. Cancelled: withdrawn by its firm after publication. Expired: ended "
            "without an award."
        )
    ]
    return Table("needs", _("Needs, month by month"), _("Month"), columns, rows, notes, "line")


def offers_table(figures: Figures) -> Table:
    found = figures.offers
    labels = [_("No offer"), _("1 offer"), _("2 offers"), _("3 to 5 offers"), _("6 offers or more")]
    rows = [
        Row(label, [count(needs), share(needs, found.spread.count)])
        for label, needs in zip(labels, found.groups, strict=True)
    ]
    notes = [
        ngettext(
            "Over the %(needs)s need approved in the period; offers withdrawn by their firm "
            "are not counted.",
            "Over the %(needs)s needs approved in the period; offers withdrawn by their firm "
            "are not counted.",
            found.spread.count,
            needs=numbers.format_decimal(found.spread.count, locale=_locale()),
        )
    ]
    if found.spread.median is not None:
        notes.append(
            _(
                "Median of offers per need: %(median)s; 90th percentile: %(p90)s.",
                median=numbers.format_decimal(found.spread.median, locale=_locale()),
                p90=numbers.format_decimal(found.spread.p90 or 0, locale=_locale()),
            )
        )
    return Table(
        "offers",
        _("Offers per approved need"),
        _("Offers"),
        [Column(_("Needs")), Column(_("Share of needs (%)"), False)],
        rows if found.spread.count else [],
        notes,
        "bar",
        empty=_("No need was approved in the period."),
    )


def response_table(figures: Figures) -> Table:
    found = figures.response
    rows = [
        Row(_("Sent an offer"), [count(found.offered), share(found.offered, found.total)]),
        Row(
            _("Said it is not for them"),
            [count(found.not_for_us), share(found.not_for_us, found.total)],
        ),
        Row(_("Said nothing"), [count(found.silent), share(found.silent, found.total)]),
    ]
    notes = [
        _(
            "The firms each need approved in the period matched when it was published (a firm "
            "matched by two needs counts twice). A firm that said a need is not for it and "
            "offered all the same counts as offering."
        )
    ]
    return Table(
        "response",
        _("How matched firms answered"),
        _("Answer"),
        [Column(_("Matched firms")), Column(_("Share (%)"), False)],
        rows if found.total else [],
        notes,
        "bar",
        empty=_("No need approved in the period matched a firm."),
    )


def timing_table(figures: Figures) -> Table:
    rows = []
    for label, spread in (
        (_("The first offer"), figures.first_offer),
        (_("The award"), figures.award),
    ):
        rows.append(
            Row(
                label,
                [
                    count(spread.count),
                    in_units(spread.median, SECONDS_A_DAY),
                    in_units(spread.median, SECONDS_AN_HOUR),
                    in_units(spread.p90, SECONDS_A_DAY),
                    in_units(spread.p90, SECONDS_AN_HOUR),
                ],
            )
        )
    notes = [
        _(
            "The first offer: over the needs approved in the period that received an offer. "
            "The award: over the needs awarded in the period."
        ),
        _(
            "Median and 90th percentile by nearest rank: of n times in ascending order, the "
            "median is the one at rank n × 0.5 and the 90th percentile the one at rank "
            "n × 0.9, each rounded up; each is a time one need took."
        ),
    ]
    return Table(
        "timing",
        _("Time from approval"),
        _("From approval to"),
        [
            Column(_("Needs"), False),
            Column(_("Median (days)")),
            Column(_("Median (hours)"), False),
            Column(_("90th percentile (days)")),
            Column(_("90th percentile (hours)"), False),
        ],
        rows,
        notes,
        "bar",
    )


def fulfilment_table(figures: Figures) -> Table:
    ended = figures.fulfilment
    rows = [
        Row(_("Awarded"), [count(ended.awarded), share(ended.awarded, ended.closed)]),
        Row(_("Cancelled"), [count(ended.cancelled), share(ended.cancelled, ended.closed)]),
        Row(_("Expired"), [count(ended.expired), share(ended.expired, ended.closed)]),
    ]
    notes = [
        _(
            "The needs that ended in the period: awarded, cancelled by their firm after "
            "publication, or expired without an award."
        )
    ]
    return Table(
        "fulfilment",
        _("How needs ended"),
        _("Ended"),
        [Column(_("Needs")), Column(_("Share (%)"), False)],
        rows if ended.closed else [],
        notes,
        "bar",
        empty=_("No need ended in the period."),
    )


def value_table(figures: Figures) -> Table:
    rows = [
        Row(
            found.currency,
            [text(str(found.basis.label)), count(found.awards), money_cell(found)],
        )
        for found in figures.value
    ]
    notes = [
        _(
            "The prices of the offers accepted in the period, added up per currency and per "
            "price basis: a day rate is never added to a fixed price, nor one currency to "
            "another. No chart: amounts in different currencies are not compared."
        )
    ]
    return Table(
        "value",
        _("Value awarded"),
        _("Currency"),
        [Column(_("Price basis"), False), Column(_("Awards"), False), Column(_("Sum"), False)],
        rows,
        notes,
        empty=_("No offer was accepted in the period."),
    )


def money_cell(found: services.AwardedValue) -> Cell:
    return Cell(found.total, money(found.total, found.currency))


def matrix_countries(pairs: list[services.CountryPair]) -> list[str]:
    """PL, DE and RO, then every other country of the awards by its code, "not given" last."""
    seen = {pair.requester for pair in pairs} | {pair.supplier for pair in pairs}
    others = sorted(code for code in seen - set(HOME_COUNTRIES) if code)
    return [*HOME_COUNTRIES, *others, *([""] if "" in seen else [])]


def cross_border_table(figures: Figures) -> Table:
    countries = matrix_countries(figures.pairs)
    awards = {(pair.requester, pair.supplier): pair.awards for pair in figures.pairs}
    rows = [
        Row(
            country_label(requester),
            [count(awards.get((requester, supplier), 0)) for supplier in countries],
        )
        for requester in countries
    ]
    total = sum(awards.values())
    notes = [
        _(
            "Awards in the period: a row is the country of the firm that posted the need, a "
            "column the country of the firm whose offer it accepted. %(cross)s of %(total)s "
            "went across a border.",
            cross=numbers.format_decimal(figures.cross_border, locale=_locale()),
            total=numbers.format_decimal(total, locale=_locale()),
        )
    ]
    return Table(
        "cross-border",
        _("Awards by the countries of requester and supplier"),
        _("Requester firm's country"),
        [Column(_("Supplier in %(country)s", country=country_label(c))) for c in countries],
        rows if total else [],
        notes,
        "bar",
        empty=_("No offer was accepted in the period."),
    )


def balance_rows(
    found: list[services.CompetenceBalance],
    flagged: list[services.CompetenceBalance] | None = None,
) -> list[Row]:
    """A row per competence; with `flagged`, whether it is one of them."""
    rows = []
    for row in found:
        cells = [text(competence_name(row.area)), count(row.needs), count(row.firms)]
        if flagged is not None:
            cells.append(text(_("yes") if row in flagged else _("no")))
        rows.append(Row(competence_name(row.name), cells))
    return rows


def demand_rule() -> str:
    return _(
        "Demand runs ahead of supply where at least %(needs)d needs asked for a competence and "
        "its share of what the period's needs asked for is at least one and a half times its "
        "share of what active firms declare, or no active firm declares it.",
        needs=services.MIN_DEMAND,
    )


def ahead_table(figures: Figures) -> Table:
    return Table(
        "ahead",
        _("Competences where demand runs ahead of supply"),
        _("Competence"),
        [
            Column(_("Area"), False),
            Column(_("Needs that asked for it")),
            Column(_("Active firms that declare it")),
        ],
        balance_rows(figures.ahead),
        [demand_rule()],
        "bar",
        horizontal=True,
        empty=_("No competence: supply keeps up with demand."),
    )


def competences_table(figures: Figures) -> Table:
    return Table(
        "competences",
        _("Competences in demand and in supply"),
        _("Competence"),
        [
            Column(_("Area"), False),
            Column(_("Needs that asked for it"), False),
            Column(_("Active firms that declare it"), False),
            Column(_("Demand ahead of supply"), False),
        ],
        balance_rows(figures.balance, figures.ahead),
        [
            _(
                "Needs approved in the period; active member firms anywhere in the cluster, "
                "as their profiles say today."
            )
        ],
        empty=_("No competence was asked for or declared."),
    )


def members_table(figures: Figures) -> Table:
    found = figures.members
    rows = [
        Row(_("Posted a need"), [count(found.posted), share(found.posted, found.members)]),
        Row(_("Sent an offer"), [count(found.offered), share(found.offered, found.members)]),
        Row(_("Asked a question"), [count(found.asked), share(found.asked, found.members)]),
        Row(_("Did any of these"), [count(found.any), share(found.any, found.members)]),
    ]
    notes = [
        _(
            "Member firms that did so in the period (with a country chosen, the firms of that "
            "country), against the member firms active today: %(members)s.",
            members=numbers.format_decimal(found.members, locale=_locale()),
        )
    ]
    return Table(
        "members",
        _("Active member firms"),
        _("Firms that"),
        [Column(_("Firms")), Column(_("Share of active member firms (%)"), False)],
        rows,
        notes,
        "bar",
    )


# Every table of the page, in its order, by the name its CSV file is asked for with.
TABLES: dict[str, Callable[[Figures], Table]] = {
    "summary": summary_table,
    "needs": needs_table,
    "offers": offers_table,
    "response": response_table,
    "timing": timing_table,
    "fulfilment": fulfilment_table,
    "value": value_table,
    "cross-border": cross_border_table,
    "ahead": ahead_table,
    "competences": competences_table,
    "members": members_table,
}


def all_tables(figures: Figures) -> dict[str, Table]:
    return {name: build(figures) for name, build in TABLES.items()}


# CSV ---------------------------------------------------------------------------------------


def as_csv(table: Table) -> str:
    """A table as a CSV file: UTF-8 with a byte-order mark, headings in the reader's language,
    numbers as a spreadsheet reads them (a dot before decimals), no cell that would run as a
    formula."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([text_cell(table.corner), *(text_cell(c.heading) for c in table.columns)])
    for row in table.rows:
        writer.writerow([text_cell(row.label), *(csv_value(cell) for cell in row.cells)])
    return buffer.getvalue()


def csv_value(cell: Cell) -> str:
    if cell.value is None:
        return ""
    if isinstance(cell.value, str):
        return text_cell(cell.value)
    return str(cell.value)


def csv_filename(name: str, period: Period, filters: Filters) -> str:
    """`statistics-needs-2026-01-01-2026-12-31.csv`, with the country and area if chosen."""
    parts = ["statistics", name, period.first.isoformat(), period.last.isoformat()]
    parts += [part for part in (filters.country.lower(), slugify(filters.area)) if part]
    return "-".join(parts) + ".csv"
