"""Where a person is in the board's data: the rows linked to them, and the words that name them.

Both are found from the schema itself (every foreign key to `users`, every text and JSON
column), so a table or a column added later is covered without being listed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Table, and_, false, func, or_, select, update

from board.extensions import db
from board.models import AuditEvent, User

# Secrets and bytes: never copied out, never searched.
HIDDEN = {
    ("users", "password_hash"),
    ("users", "session_token"),
    ("api_tokens", "secret_hash"),
    ("feed_tokens", "token"),
    ("attachments", "content"),
    # Rendered from `description`, and rendered again when that changes.
    ("needs", "description_html"),
}
# Who someone is, rather than what was written about them: a person's own row goes with
# them, and a firm's name is the firm's, kept unique by the database.
IDENTITIES = {"users", "competences"}
FIRM_IDENTITY = {("members", "name"), ("members", "name_key"), ("members", "slug")}
# A name shorter than this is too common a word to look for in what others wrote.
SHORTEST_NAME = 4
# A phone number with fewer digits than this could be any number.
SHORTEST_PHONE = 6


@dataclass(frozen=True)
class Person:
    """What names a person in text: their address, and their name and phone if distinctive."""

    user_id: int
    email: str
    name: str = ""
    phone: str = ""

    @classmethod
    def of(cls, user: User) -> Person:
        name = " ".join(user.name.split())
        phone = user.phone.strip()
        firm_phone = user.member.phone.strip() if user.member is not None else ""
        return cls(
            user_id=user.id,
            email=user.email.strip().lower(),
            name=name if len(name) >= SHORTEST_NAME else "",
            phone=phone
            if sum(c.isdigit() for c in phone) >= SHORTEST_PHONE and phone != firm_phone
            else "",
        )

    @property
    def needles(self) -> list[str]:
        return [text for text in (self.email, self.name, self.phone) if text]

    def pattern(self) -> re.Pattern[str]:
        """Any of the person's words in a text: the address anywhere, the name as whole
        words (any spacing between them), the phone as written."""
        parts = [re.escape(self.email)]
        if self.name:
            words = r"\s+".join(re.escape(word) for word in self.name.split())
            parts.append(rf"(?<!\w){words}(?!\w)")
        if self.phone:
            parts.append(re.escape(self.phone))
        return re.compile("|".join(parts), re.IGNORECASE)


def tables() -> Iterator[Table]:
    yield from db.metadata.sorted_tables


def is_text(column: sa.Column[Any]) -> bool:
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.Enum):
        return False
    return isinstance(kind, sa.String | sa.Text | sa.JSON)


def is_json(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, sa.JSON)


def text_columns(table: Table) -> list[sa.Column[Any]]:
    """The columns of `table` where someone may have written a person's name or address."""
    if table.name in IDENTITIES:
        return []
    return [
        column
        for column in table.columns
        if is_text(column)
        and (table.name, column.name) not in HIDDEN
        and (table.name, column.name) not in FIRM_IDENTITY
    ]


def mentions(column: sa.Column[Any], needles: list[str]) -> ColumnElement[bool]:
    """Rows whose `column` may hold one of these words: a wide net, as SQL's case folding
    differs between databases (SQLite folds ASCII only); a pattern then decides."""
    forms: set[str] = set()
    for needle in needles:
        # Both databases fold ASCII letters in `icontains`: one form of an ASCII word does.
        if needle.isascii():
            forms.add(needle.lower())
        else:
            forms |= {needle, needle.lower(), needle.upper(), needle.title()}
    if is_json(column):
        # JSON is stored with non-ASCII characters escaped.
        forms |= {json.dumps(form)[1:-1] for form in forms}
    text = sa.cast(column, sa.Text)
    return or_(*(text.icontains(form, autoescape=True) for form in sorted(forms)))


def links(table: Table, person: Person) -> ColumnElement[bool]:
    """Rows of `table` that are the person's by reference: every foreign key to them, an
    address that is theirs, and audit events about them or naming their address."""
    clauses: list[ColumnElement[bool]] = [
        column == person.user_id
        for column in table.columns
        if any(key.column.table.name == "users" for key in column.foreign_keys)
    ]
    if table.name == "users":
        clauses.append(table.c.id == person.user_id)
    if "email" in table.c and table.name != "users":
        clauses.append(func.lower(table.c.email) == person.email)
    if table.name == AuditEvent.__tablename__:
        clauses.append(and_(table.c.target_type == "user", table.c.target_id == person.user_id))
        clauses.append(mentions(table.c.detail, [person.email]))
    return or_(*clauses) if clauses else false()


def plain(value: Any) -> Any:
    """A value as JSON holds it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def rows_of(person: Person, *, mentioned: bool) -> dict[str, list[dict[str, Any]]]:
    """Every row that is the person's, and with `mentioned` every row whose text names them,
    table by table, without secrets and file contents."""
    found: dict[str, list[dict[str, Any]]] = {}
    pattern = person.pattern()
    for table in tables():
        shown = [c for c in table.columns if (table.name, c.name) not in HIDDEN]
        linked = links(table, person)
        searched = text_columns(table) if mentioned else []
        statement = select(*shown, linked.label("linked__")).where(
            or_(linked, *(mentions(column, person.needles) for column in searched))
        )
        if table.primary_key.columns:
            statement = statement.order_by(*table.primary_key.columns)
        rows = [
            {column.name: plain(row[column.name]) for column in shown}
            for row in db.session.execute(statement).mappings()
            # The wide net of `mentions` may catch a near miss: the pattern decides.
            if row["linked__"] or any(pattern.search(_as_text(row[c.name])) for c in searched)
        ]
        if rows:
            found[table.name] = rows
    return found


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def replace_in(value: Any, rewrite: Callable[[str], str]) -> Any:
    """`value` with every string in it rewritten (a JSON document is walked through)."""
    if isinstance(value, str):
        return rewrite(value)
    if isinstance(value, list):
        return [replace_in(item, rewrite) for item in value]
    if isinstance(value, dict):
        return {key: replace_in(item, rewrite) for key, item in value.items()}
    return value


def scrub(person: Person, pseudonym: str) -> dict[str, set[Any]]:
    """Write `pseudonym` wherever a text names the person; the changed rows' keys by table."""
    pattern = person.pattern()

    def rewrite(text: str) -> str:
        return pattern.sub(pseudonym, text)

    changed: dict[str, set[Any]] = {}
    for table in tables():
        columns = text_columns(table)
        keys = list(table.primary_key.columns)
        if not columns or not keys:
            continue
        candidates = db.session.execute(
            select(*keys, *columns).where(
                or_(*(mentions(column, person.needles) for column in columns))
            )
        ).mappings()
        for row in candidates.all():
            rewritten = {column.name: replace_in(row[column.name], rewrite) for column in columns}
            values = {name: value for name, value in rewritten.items() if value != row[name]}
            if not values:
                continue
            db.session.execute(
                update(table).where(*(key == row[key.name] for key in keys)).values(values)
            )
            changed.setdefault(table.name, set()).add(tuple(row[key.name] for key in keys))
    return changed
