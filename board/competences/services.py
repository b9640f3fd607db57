"""The competence taxonomy: loading it, offering it to forms, and staff's changes to it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import gettext as _
from slugify import slugify
from sqlalchemy import delete, func, select, update
from wtforms import SelectChoice

from board import audit
from board.competences.taxonomy import TAXONOMY
from board.errors import Conflict, DomainError
from board.extensions import db
from board.i18n import competence_name
from board.models import (
    Competence,
    User,
    application_competences,
    member_competences,
    need_competences,
    user_competences,
    utcnow,
)

# Every table that refers to competences; a merge moves all of them.
REFERENCES = (member_competences, need_competences, application_competences, user_competences)


def load_taxonomy() -> tuple[int, int]:
    """Create or update every competence of the taxonomy; return (created, updated)."""
    existing = {c.slug: c for c in db.session.scalars(select(Competence))}
    created = updated = 0
    position = 0
    for area, names in TAXONOMY:
        for name in names:
            position += 1
            slug = slugify(name)
            competence = existing.get(slug)
            if competence is None:
                db.session.add(Competence(slug=slug, name=name, area=area, position=position))
                created += 1
            elif (competence.name, competence.area, competence.position) != (
                name,
                area,
                position,
            ):
                competence.name, competence.area, competence.position = name, area, position
                updated += 1
    db.session.commit()
    return created, updated


def all_competences(include_retired: bool = False) -> Sequence[Competence]:
    """The competences area by area, in taxonomy order; retired ones only when asked for.

    A competence added later to an old area sorts with its area, not at the very end.
    """
    query = select(Competence).order_by(Competence.position, Competence.id)
    if not include_retired:
        query = query.where(Competence.retired_at.is_(None))
    found = db.session.scalars(query).all()
    area_rank: dict[str, int] = {}
    for competence in found:
        area_rank.setdefault(competence.area, len(area_rank))
    return sorted(found, key=lambda c: area_rank[c.area])


def choices(keep: Iterable[str] = ()) -> list[SelectChoice]:
    """Checkbox choices for a competences field, grouped by area, named in the current language.

    Retired competences are left out, except those in `keep` (already on the record being
    edited), so that editing an old record does not silently drop them.
    """
    kept = set(keep)
    return [
        SelectChoice(c.slug, competence_name(c.name), optgroup=competence_name(c.area))
        for c in all_competences(include_retired=True)
        if not c.is_retired or c.slug in kept
    ]


def by_slugs(slugs: Iterable[str]) -> list[Competence]:
    """The competences with these slugs, in taxonomy order; unknown slugs are ignored."""
    wanted = set(slugs)
    if not wanted:
        return []
    query = select(Competence).where(Competence.slug.in_(wanted)).order_by(Competence.position)
    return list(db.session.scalars(query))


def usable(slugs: Iterable[str]) -> tuple[list[Competence], list[str]]:
    """The competences a new record may get from these slugs, and the slugs that are not."""
    wanted = [slug.strip() for slug in slugs if slug.strip()]
    found = {c.slug: c for c in by_slugs(wanted) if not c.is_retired}
    refused = [slug for slug in wanted if slug not in found]
    return sorted(found.values(), key=lambda c: c.position), refused


def add_competence(name: str, area: str, actor: User) -> Competence:
    """Add a competence to an area of the taxonomy."""
    name, area = " ".join(name.split()), " ".join(area.split())
    slug = slugify(name, max_length=80)
    if not slug:
        raise DomainError(_("The name needs letters or digits."), "name")
    _refuse_taken(name, slug)
    last = db.session.scalar(select(func.max(Competence.position))) or 0
    competence = Competence(slug=slug, name=name, area=area, position=last + 1)
    db.session.add(competence)
    audit.record("competence.added", competence, actor, name=name, area=area)
    db.session.commit()
    return competence


def rename_competence(competence: Competence, name: str, area: str, actor: User) -> None:
    """Rename a competence or move it to another area; its slug, and links, stay."""
    name, area = " ".join(name.split()), " ".join(area.split())
    _refuse_taken(name, None, competence)
    before = {"name": competence.name, "area": competence.area}
    competence.name, competence.area = name, area
    audit.record("competence.renamed", competence, actor, before=before, name=name, area=area)
    db.session.commit()


def retire_competence(competence: Competence, actor: User) -> None:
    """Take a competence out of new forms; old records keep it."""
    if competence.is_retired:
        raise DomainError(_("This competence is retired already."))
    competence.retired_at = utcnow()
    audit.record("competence.retired", competence, actor)
    db.session.commit()


def restore_competence(competence: Competence, actor: User) -> None:
    """Offer a retired competence in forms again."""
    if not competence.is_retired:
        raise DomainError(_("This competence is not retired."))
    competence.retired_at = None
    audit.record("competence.restored", competence, actor)
    db.session.commit()


def merge_competences(retired: Competence, survivor: Competence, actor: User) -> int:
    """Move every reference to `retired` onto `survivor` and retire it, in one transaction.

    Returns how many references moved. A record that had both keeps one.
    """
    if retired.id == survivor.id:
        raise DomainError(_("Choose two different competences."), "into")
    if survivor.is_retired:
        raise DomainError(_("Merge into a competence that is not retired."), "into")
    moved = 0
    for table in REFERENCES:
        owner = next(c for c in table.c if c.name != "competence_id")
        has_survivor = select(owner).where(table.c.competence_id == survivor.id)
        # Records that already have the survivor just lose the retired one.
        db.session.execute(
            delete(table).where(table.c.competence_id == retired.id, owner.in_(has_survivor))
        )
        result = db.session.execute(
            update(table)
            .where(table.c.competence_id == retired.id)
            .values(competence_id=survivor.id)
        )
        moved += result.rowcount or 0
    retired.retired_at = retired.retired_at or utcnow()
    audit.record("competence.merged", retired, actor, into=survivor.slug, moved=moved)
    db.session.commit()
    db.session.expire_all()
    return moved


def _refuse_taken(name: str, slug: str | None, competence: Competence | None = None) -> None:
    same_name = select(Competence.id).where(func.lower(Competence.name) == name.lower())
    if competence is not None:
        same_name = same_name.where(Competence.id != competence.id)
    taken = db.session.scalar(same_name) is not None
    if slug is not None:
        taken = taken or db.session.scalar(select(Competence.id).where(Competence.slug == slug))
    if taken:
        raise Conflict(_("A competence with this name exists already."), "name")


def usage() -> dict[int, int]:
    """How many firms and needs use each competence, by competence id."""
    counts: dict[int, int] = {}
    for table in (member_competences, need_competences):
        rows = db.session.execute(
            select(table.c.competence_id, func.count()).group_by(table.c.competence_id)
        )
        for competence_id, n in rows:
            counts[competence_id] = counts.get(competence_id, 0) + n
    return counts
