"""Importing member firms from a CSV file: a new active firm and its contact per good line."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from board import audit
from board.auth.services import invite_user
from board.competences.services import by_slugs, usable
from board.errors import Conflict, DomainError
from board.extensions import db
from board.forms import web_address
from board.i18n import known_countries
from board.members.services import unique_slug
from board.models import (
    Competence,
    Member,
    MemberStatus,
    User,
    firm_name,
    has_control_characters,
    name_key,
)

COLUMNS = ("name", "country", "website", "competences", "email")
REQUIRED_COLUMNS = ("name", "email")
COLUMN_ALIASES = {"e-mail": "email"}
BATCH_SIZE = 100
NAME_MAX, WEBSITE_MAX, EMAIL_MAX = 200, 300, 254


@dataclass
class ImportReport:
    """What an import did: firms added, firms that existed already, and the lines refused."""

    created: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class CsvRow(dict[str, str]):
    """A data row keyed by column, knowing the line of the file it starts on."""

    def __init__(self, line: int, values: Mapping[str, str], surplus: int = 0) -> None:
        super().__init__(values)
        self.line = line
        # Non-empty values past the last column: most often a comma that was not quoted.
        self.surplus = surplus


class BadFile(DomainError):
    """The file cannot be read as a member CSV file (no usable header, broken quoting)."""


class ImportInterrupted(DomainError):
    """The database refused a row that another change made a duplicate; the batch was undone."""


@dataclass
class _Firm:
    name: str
    country: str
    website: str
    competences: list[Competence]
    email: str


class _Refused(Exception):
    """A row is bad; the message says why, in plain words."""


def read_rows(lines: Iterable[str]) -> list[CsvRow]:
    """The data rows of a member CSV file given as text lines, after checking its header.

    Values are separated by commas, or by semicolons when the header is (spreadsheets set to
    Polish, German or Romanian save CSV that way). Blank lines are skipped.
    """
    source = iter(lines)
    header, delimiter = _header(next(source, ""))
    reader = csv.reader(source, delimiter=delimiter, skipinitialspace=True)
    rows: list[CsvRow] = []
    while True:
        line = reader.line_num + 2  # the header is line 1
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            raise BadFile(f"line {line}: {exc}") from exc
        if not any(cell.strip() for cell in cells):
            continue
        padded = cells + [""] * (len(header) - len(cells))
        values = {name: cell.strip() for name, cell in zip(header, padded, strict=False)}
        surplus = sum(1 for cell in cells[len(header) :] if cell.strip())
        rows.append(CsvRow(line, values, surplus))


def _header(line: str) -> tuple[list[str], str]:
    for delimiter in (",", ";"):
        cells = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
        names = [_column_name(cell) for cell in cells]
        if all(column in names for column in REQUIRED_COLUMNS):
            return names, delimiter
    raise BadFile(
        f"the first line must name the columns: {','.join(COLUMNS)} "
        "(name and email are required, the others may be left out)"
    )


def _column_name(cell: str) -> str:
    name = cell.strip().lstrip("\ufeff").strip().lower()
    return COLUMN_ALIASES.get(name, name)


def import_members(
    rows: Iterable[Mapping[str, str]],
    invite: bool,
    actor: User | None,
    progress: Callable[[int], object] | None = None,
) -> ImportReport:
    """Add an active firm and its contact user for each good row; refuse bad rows by line.

    A firm that exists (the same `name_key`: case, spacing, invisible characters and
    compatibility forms do not count) is left as it is, so importing a file again changes
    nothing. Rows are numbered from line 2 unless they are `CsvRow`s;
    `progress(1)` is called after each row.
    """
    report = ImportReport()
    # Compared in Python: SQLite's lower() folds ASCII only, and firm names are Polish too.
    firms = {name_key(name) for name in db.session.scalars(select(Member.name))}
    users = {email: staff for email, staff in db.session.execute(select(User.email, User.is_staff))}
    first_seen: dict[str, int] = {}
    unsaved_since: int | None = None  # the first line of the batch not yet committed
    for number, row in enumerate(rows, start=2):
        line = row.line if isinstance(row, CsvRow) else number
        try:
            firm = _examine(row, line, first_seen, firms, users)
        except _Refused as refusal:
            report.errors.append((line, str(refusal)))
        else:
            if firm is None:
                report.unchanged += 1
            else:
                unsaved_since = unsaved_since or line
                _add(firm, line, invite, actor, unsaved_since)
                users[firm.email.lower()] = False
                report.created += 1
                if invite or report.created % BATCH_SIZE == 0:
                    db.session.commit()
                    unsaved_since = None
        if progress is not None:
            progress(1)
    db.session.commit()
    return report


def _examine(
    row: Mapping[str, str],
    line: int,
    first_seen: dict[str, int],
    firms: set[str],
    users: dict[str, bool],
) -> _Firm | None:
    """The new firm a row describes, or None if the firm exists; raises _Refused if bad."""
    if isinstance(row, CsvRow) and row.surplus:
        raise _Refused(
            f"{row.surplus} more value{'s' if row.surplus > 1 else ''} than the header has "
            "columns; put quotes around a value that contains a comma"
        )
    name = firm_name(row.get("name") or "")
    if not name:
        raise _Refused("the firm name is missing")
    if has_control_characters(name):
        raise _Refused(f"the firm name '{name}' contains control characters")
    key = name_key(name)
    if key in first_seen:
        raise _Refused(f"'{name}' appears twice in the file (first on line {first_seen[key]})")
    first_seen[key] = line
    if key in firms:
        return None
    if len(name) > NAME_MAX or len(key) > NAME_MAX:
        raise _Refused(f"the firm name is longer than {NAME_MAX} characters")
    country = (row.get("country") or "").strip().upper()
    if country and country not in known_countries():
        raise _Refused(f"country '{country}' is not an ISO 3166 country code like PL, DE or RO")
    website = (row.get("website") or "").strip()
    if website:
        address = web_address(website)
        if address is None:
            raise _Refused(f"website '{website}' is not a web address like https://firm.com")
        if len(address) > WEBSITE_MAX:
            raise _Refused(f"the website is longer than {WEBSITE_MAX} characters")
        website = address
    competences = _competences(row.get("competences") or "")
    email = (row.get("email") or "").strip()
    if not email:
        raise _Refused("the e-mail address is missing")
    if not _is_email(email):
        raise _Refused(f"e-mail '{email}' is not valid")
    if email.lower() in users:
        owner = "a cluster staff user" if users[email.lower()] else "a user of another firm"
        raise _Refused(f"{email} already belongs to {owner}")
    return _Firm(name, country, website, competences, email)


def _competences(value: str) -> list[Competence]:
    slugs = [slug.strip().lower() for slug in re.split(r"[;,]", value) if slug.strip()]
    found, refused = usable(dict.fromkeys(slugs))
    if not refused:
        return found
    retired = {c.slug for c in by_slugs(refused)}
    unknown = [slug for slug in refused if slug not in retired]
    listed = ", ".join(f"'{slug}'" for slug in unknown or refused)
    if unknown:
        raise _Refused(f"unknown competence{'s' if len(unknown) > 1 else ''} {listed}")
    verb = "are" if len(refused) > 1 else "is"
    raise _Refused(f"competence{'s' if len(refused) > 1 else ''} {listed} {verb} retired")


def _is_email(value: str) -> bool:
    if len(value) > EMAIL_MAX:
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _add(firm: _Firm, line: int, invite: bool, actor: User | None, unsaved_since: int) -> None:
    """Add the firm, its contact and the audit event; only an invitation commits."""
    member = Member(
        name=firm.name,
        slug=unique_slug(firm.name),
        country=firm.country,
        website=firm.website,
        status=MemberStatus.ACTIVE,
        competences=firm.competences,
    )
    db.session.add(member)
    try:
        if not invite:
            # No password and no e-mail: the contact is invited later, by staff or a colleague.
            db.session.add(User(email=firm.email, member=member))
        # Flushed now, so that a firm or address added meanwhile fails on this line.
        db.session.flush()
        audit.record("member.imported", member, actor, name=firm.name, email=firm.email, line=line)
        if invite:
            invite_user(firm.email, member, actor)
    except (IntegrityError, Conflict) as exc:
        db.session.rollback()
        raise ImportInterrupted(
            f"line {line}: '{firm.name}' or {firm.email} was added to the board by someone "
            f"else during the import, so nothing from line {unsaved_since} on was saved; "
            "run the import again to add the rest"
        ) from exc
