"""The offers on a need side by side, for its requester firm and staff: sorted, grouped by
currency (amounts in different currencies are never compared), and as a CSV file."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import to_user_timezone
from sqlalchemy import func, select

from board.extensions import db
from board.i18n import country_name
from board.models import Attachment, Need, NeedMatch, Offer, OfferStatus, User, member_competences
from board.offers.services import offers_on

# Most promising first: what an ascending sort by status shows at the top.
STATUS_ORDER = {
    OfferStatus.ACCEPTED: 0,
    OfferStatus.SHORTLISTED: 1,
    OfferStatus.SUBMITTED: 2,
    OfferStatus.DECLINED: 3,
    OfferStatus.WITHDRAWN: 4,
}


def firm_order(name: str) -> str:
    """A firm's name as it sorts: without case or accents, so "Ceahlău" sits by "Ceahlau"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True)
class OfferRow:
    """An offer as the comparison shows it."""

    offer: Offer
    # The share of the need's competences the firm has, 0 to 1 (None: the need names none).
    share: float | None
    attachments: int

    @property
    def changed_at(self) -> datetime:
        """When its firm last sent or changed it."""
        return self.offer.edited_at or self.offer.created_at


# What each `?sort=` key orders by, ascending; ties keep the offers' order by id.
SORT_KEYS: dict[str, Callable[[OfferRow], Any]] = {
    "price": lambda row: row.offer.price,
    "available": lambda row: row.offer.available_from,
    "share": lambda row: -1.0 if row.share is None else row.share,
    "changed": lambda row: row.changed_at,
    "firm": lambda row: firm_order(row.offer.member.name),
    "status": lambda row: STATUS_ORDER[row.offer.status],
}
# The direction a column sorts in when first chosen: the best or latest first where that is
# what a reader looks for.
FIRST_DESCENDING = frozenset({"share", "changed"})
DEFAULT_SORT = "price"


@dataclass(frozen=True)
class Sort:
    """The order asked for with `?sort=`: a key, descending when it starts with "-"."""

    key: str = DEFAULT_SORT
    descending: bool = False

    @classmethod
    def parse(cls, value: str | None) -> Sort:
        """The order `value` names; the default order for anything else."""
        value = value or ""
        key = value.removeprefix("-")
        if key not in SORT_KEYS:
            return cls()
        return cls(key, value.startswith("-"))

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def by(self, key: str) -> str:
        """The `?sort=` of a column's header link: the other way round if it is this order."""
        if key == self.key:
            return key if self.descending else f"-{key}"
        return f"-{key}" if key in FIRST_DESCENDING else key

    def aria(self, key: str) -> str | None:
        """The column's `aria-sort`, if the table is sorted by it."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def apply(self, rows: Sequence[OfferRow]) -> list[OfferRow]:
        ordered = sorted(rows, key=lambda row: row.offer.id)
        # Python's sort is stable, reversed too: equal rows stay in the order of their ids.
        return sorted(ordered, key=SORT_KEYS[self.key], reverse=self.descending)


@dataclass(frozen=True)
class CurrencyGroup:
    currency: str
    rows: list[OfferRow]


@dataclass(frozen=True)
class Comparison:
    need: Need
    sort: Sort
    groups: list[CurrencyGroup]

    @property
    def rows(self) -> list[OfferRow]:
        """Every row, group after group."""
        return [row for group in self.groups for row in group.rows]

    @property
    def mixed(self) -> bool:
        """Whether the offers come in more than one currency."""
        return len(self.groups) > 1


def compare(need: Need, viewer: User, sort: str | None = None) -> Comparison:
    """The offers on `need` that `viewer` may read, one sorted table per currency (the need's
    own currency first)."""
    order = Sort.parse(sort)
    offers = offers_on(need, viewer)
    shares = competence_shares(need, [offer.member_id for offer in offers])
    files = attachment_counts([offer.id for offer in offers])
    by_currency: dict[str, list[OfferRow]] = defaultdict(list)
    for offer in offers:
        row = OfferRow(offer, shares.get(offer.member_id), files.get(offer.id, 0))
        by_currency[offer.currency].append(row)
    currencies = sorted(by_currency, key=lambda code: (code != need.currency, code))
    groups = [CurrencyGroup(code, order.apply(by_currency[code])) for code in currencies]
    return Comparison(need, order, groups)


def competence_shares(need: Need, member_ids: Sequence[int]) -> dict[int, float | None]:
    """The share of the need's competences each firm has: as recorded when the need matched
    it, else from the firm's competences now (a firm may have offered without matching)."""
    wanted = [competence.id for competence in need.competences]
    if not wanted or not member_ids:
        return dict.fromkeys(member_ids)
    shares: dict[int, float | None] = dict.fromkeys(member_ids, 0.0)
    matched = select(NeedMatch.member_id, NeedMatch.score).where(
        NeedMatch.need_id == need.id, NeedMatch.member_id.in_(member_ids)
    )
    recorded = set()
    for member_id, score in db.session.execute(matched):
        shares[member_id] = score
        recorded.add(member_id)
    unmatched = [member_id for member_id in member_ids if member_id not in recorded]
    if unmatched:
        held = (
            select(member_competences.c.member_id, func.count())
            .where(
                member_competences.c.member_id.in_(unmatched),
                member_competences.c.competence_id.in_(wanted),
            )
            .group_by(member_competences.c.member_id)
        )
        for member_id, count in db.session.execute(held):
            shares[member_id] = count / len(wanted)
    return shares


def attachment_counts(offer_ids: Sequence[int]) -> dict[int, int]:
    """How many files each offer has."""
    if not offer_ids:
        return {}
    query = (
        select(Attachment.offer_id, func.count(Attachment.id))
        .where(Attachment.offer_id.in_(offer_ids))
        .group_by(Attachment.offer_id)
    )
    return {offer_id: count for offer_id, count in db.session.execute(query)}


# A cell a spreadsheet would run as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """A text as a spreadsheet shows it, never runs it: a leading quote stops a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def as_csv(comparison: Comparison, viewer: User) -> str:
    """The comparison as a CSV file, with a header row in the reader's language.

    It starts with a byte-order mark, by which spreadsheet programs know it is UTF-8 and
    show the firms' names (Polish, German, Romanian letters) as they are.
    """
    header = [
        _("Firm"),
        _("Country"),
        _("Price"),
        _("Price basis"),
        _("Currency"),
        _("Competences covered (%)"),
        _("Available from"),
        _("Status"),
        _("Attachments"),
        _("Last changed"),
    ]
    if viewer.is_staff:
        header.append(_("Hidden by staff"))
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([text_cell(title) for title in header])
    for row in comparison.rows:
        offer = row.offer
        texts = [
            offer.member.name,
            country_name(offer.member.country) if offer.member.country else "",
        ]
        cells: list[object] = [text_cell(text) for text in texts]
        cells += [
            f"{offer.price:.2f}",
            text_cell(str(offer.price_basis.label)),
            offer.currency,
            "" if row.share is None else round(row.share * 100),
            offer.available_from.isoformat(),
            text_cell(str(offer.status.label)),
            row.attachments,
            to_user_timezone(row.changed_at).isoformat(timespec="minutes"),
        ]
        if viewer.is_staff:
            cells.append(text_cell(_("yes") if offer.hidden_at else _("no")))
        writer.writerow(cells)
    return buffer.getvalue()
