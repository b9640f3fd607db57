"""Pages of a long list: the rows of one page, and how many there are on all of them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from board.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, its number (from 1) and the size of the whole list.

    A list counted only up to a limit has that limit as its total, and is not `exact`: it has
    more rows, and a page after the total's last one.
    """

    items: Sequence[T]
    page: int
    per_page: int
    total: int
    exact: bool = True

    @property
    def pages(self) -> int:
        """How many pages the list has (none when it is empty); one more past a limit."""
        return -(-self.total // self.per_page) + (0 if self.exact else 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> Iterator[int | None]:
        """The page numbers a pager shows: both ends and around this page, None for a gap."""
        last = self.pages
        shown = {
            *range(1, min(left_edge, last) + 1),
            *range(max(1, self.page - left_current), min(last, self.page + right_current) + 1),
            *range(max(1, last - right_edge + 1), last + 1),
        }
        previous = 0
        for number in sorted(shown):
            if number > previous + 1:
                yield None
            yield number
            previous = number


def offset(page: int, per_page: int) -> int:
    return (page - 1) * per_page


def paginate(statement: Select[Any], page: int, per_page: int) -> Page[Any]:
    """The `page`-th page of what `statement` selects, and how many rows it selects in all."""
    items = db.session.scalars(statement.limit(per_page).offset(offset(page, per_page))).all()
    if page == 1 and len(items) < per_page:
        total = len(items)
    else:
        counted = select(func.count()).select_from(statement.order_by(None).subquery())
        total = db.session.scalar(counted) or 0
    return Page(items, page, per_page, total)
