"""Full-text search over needs: PostgreSQL's tsvector, SQLite's FTS5.

The search objects are created by the migrations, per dialect, and are not in the models'
metadata; `include_object` keeps Alembic's comparison from seeing them as strays.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from board.models import Competence, Need, need_competences

WORD = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    """The words of a search query, at most twelve, each at most 40 characters."""
    return [word[:40] for word in WORD.findall(query)][:12]


def matches(dialect: str, query: str) -> ColumnElement[bool] | None:
    """A condition on Need that holds when every word of `query` is in its title or text."""
    terms = words(query)
    if not terms:
        return None
    if dialect == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in terms)
        condition = text("needs.search_vector @@ to_tsquery('simple', :search_query)")
        return condition.bindparams(bindparam("search_query", tsquery))  # type: ignore[return-value]
    return Need.id.in_(_fts_ids(terms))


def matches_among(
    dialect: str, query: str, need_id: ColumnElement[int]
) -> ColumnElement[bool] | None:
    """On SQLite, a condition that the need `need_id` matches `query`, or None.

    A search with a competence filter then narrows the competence's few thousand needs by the
    words before it reads any need. `+ 0` keeps SQLite from turning the test around into one
    index lookup per matching word, which is slow for a common prefix. PostgreSQL's planner
    orders the joins itself: None there.
    """
    terms = words(query)
    if dialect == "postgresql" or not terms:
        return None
    return (need_id + literal_column("0")).in_(_fts_ids(terms))


def _fts_ids(terms: list[str]) -> Select[Any]:
    # FTS5: each word quoted (so no word is read as an operator), prefix-matched, all required.
    fts_query = " ".join(f'"{term}"*' for term in terms)
    return (  # type: ignore[return-value]
        text("SELECT rowid FROM needs_fts WHERE needs_fts MATCH :search_query")
        .bindparams(bindparam("search_query", fts_query))
        .columns(column("rowid", Integer))
    )


def rank(dialect: str, query: str) -> ColumnElement[float] | None:
    """How well a need matches `query`, title words weighing most; None where not ranked."""
    terms = words(query)
    if dialect != "postgresql" or not terms:
        return None
    tsquery = " & ".join(f"{term}:*" for term in terms)
    return func.ts_rank(
        literal_column("needs.search_vector"),
        func.to_tsquery(literal_column("'simple'"), bindparam("rank_query", tsquery)),
        type_=Float,
    )


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the hand-made search objects out of Alembic's comparison with the models."""
    if type_ == "column" and name in ("search_vector", "competence_ids"):
        return False
    if type_ == "table" and name and name.startswith("needs_fts"):
        return False
    return not (type_ == "index" and name in ("ix_needs_search_vector", "ix_needs_search"))


def narrow(statement: Select[Any], dialect: str, q: str, competences: list[str]) -> Select[Any]:
    """Keep the needs whose text matches `q` and that ask for any of `competences` (either may
    be empty), each database the way it finds them fastest."""
    condition = matches(dialect, q) if q else None
    if competences and dialect == "postgresql":
        statement = statement.where(_asks_for_any(competences))
    elif competences:
        wanted = _needs_with_competences(competences)
        among = matches_among(dialect, q, need_competences.c.need_id)
        if among is not None:
            wanted, condition = wanted.where(among), None
        statement = statement.where(Need.id.in_(wanted))
    if condition is not None:
        statement = statement.where(condition)
    return statement


def _needs_with_competences(slugs: list[str]) -> Select[tuple[int]]:
    """The ids of needs asking for any of these competences."""
    return (
        select(need_competences.c.need_id)
        .join(Competence, Competence.id == need_competences.c.competence_id)
        .where(Competence.slug.in_(slugs))
    )


def _asks_for_any(slugs: list[str]) -> ColumnElement[bool]:
    """On PostgreSQL, a condition that a need asks for any of these competences.

    It reads the ids that triggers copy onto the need (migration ab337838be4a), so the GIN
    index over status, competence ids and text finds a search's needs in one scan.
    """
    ids = select(func.array_agg(Competence.id)).where(Competence.slug.in_(slugs))
    competence_ids = literal_column("needs.competence_ids", ARRAY(Integer))
    return competence_ids.overlap(ids.scalar_subquery())
