"""Changes of state that two requests may race for, made by the database in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import update

from board.errors import InvalidTransition
from board.extensions import db


def move(
    row: Any, allowed: Sequence[StrEnum], target: StrEnum, refusal: str, **values: Any
) -> None:
    """Set `row`'s status to `target` (and `values`) if it is still in one of `allowed`.

    The status is compared and set in one UPDATE, so of two requests racing for the same
    change (two accepts, an approve and a cancel) only one wins; the other's transaction is
    rolled back and it is refused with `refusal`.
    """
    model = type(row)
    result = db.session.execute(
        update(model)
        .where(model.id == row.id, model.status.in_(allowed))
        .values(status=target, **values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise InvalidTransition(refusal)
