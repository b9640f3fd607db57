"""The competence taxonomy: loading it, and offering it to forms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from slugify import slugify
from sqlalchemy import select
from wtforms import SelectChoice

from board.extensions import db
from board.models import Competence
from board.taxonomy import TAXONOMY


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
                competence.name, competence.area, competence.position = (
                    name,
                    area,
                    position,
                )
                updated += 1
    db.session.commit()
    return created, updated


def all_competences() -> Sequence[Competence]:
    """Every competence, in taxonomy order."""
    return db.session.scalars(select(Competence).order_by(Competence.position)).all()


def choices() -> list[SelectChoice]:
    """Checkbox choices for a competences field, grouped by area."""
    return [SelectChoice(c.slug, c.name, optgroup=c.area) for c in all_competences()]


def by_slugs(slugs: Iterable[str]) -> list[Competence]:
    """The competences with these slugs, in taxonomy order; unknown slugs are ignored."""
    wanted = set(slugs)
    if not wanted:
        return []
    query = select(Competence).where(Competence.slug.in_(wanted)).order_by(Competence.position)
    return list(db.session.scalars(query))
