"""What every model is made of: time, money, names and labelled states."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Self

import sqlalchemy as sa
from flask_babel.speaklater import LazyString


def utcnow() -> datetime:
    return datetime.now(UTC)


def firm_name(name: str) -> str:
    """A firm's name as stored: invisible format characters (Unicode category Cf: zero-width
    spaces, soft hyphens, direction marks, byte order marks) removed, spaces collapsed."""
    visible = "".join(char for char in name if unicodedata.category(char) != "Cf")
    return " ".join(visible.split())


def has_control_characters(text: str) -> bool:
    """Whether `text` holds a control character (Unicode category Cc: escape, bell, …)."""
    return any(unicodedata.category(char) == "Cc" for char in text)


def name_key(name: str) -> str:
    """A firm's name as compared for sameness: the visible name in Unicode's compatibility
    form (NFKC: full-width "Ｏ" = "O", "ﬁ" = "fi"), case folded (Ł = ł), spaces collapsed."""
    folded = unicodedata.normalize("NFKC", firm_name(name)).casefold()
    # Folding can leave a string that is not in NFKC, and NFKC can make spaces.
    return " ".join(unicodedata.normalize("NFKC", folded).split())


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


# The currencies a budget or a price may be in.
CURRENCIES = ("EUR", "PLN", "RON", "USD", "GBP", "CHF", "CZK", "HUF", "BGN", "SEK", "DKK", "NOK")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is expected")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Money(sa.TypeDecorator[Decimal]):
    """An amount with two decimals, stored exactly as an integer number of hundredths."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: sa.Dialect) -> int | None:
        return None if value is None else int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value: int | None, dialect: sa.Dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def str_enum(enum: type[StrEnum], name: str) -> sa.Enum:
    """Store a StrEnum by value in a VARCHAR guarded by a CHECK constraint."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Labelled(StrEnum):
    """A StrEnum whose members carry the words people read for them (`member.label`),
    translated into the reader's language when shown."""

    label: LazyString

    def __new__(cls, value: str, label: LazyString) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member
