"""Database objects made by hand in migrations, which the models' metadata does not describe."""

from __future__ import annotations

from board import page_cache
from board.needs import search


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the hand-made objects (search, the board's generation) out of comparisons."""
    return all(
        check(obj, name, type_, reflected, compare_to)
        for check in (search.include_object, page_cache.include_object)
    )
