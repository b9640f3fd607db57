"""Firm names compared without invisible characters and in Unicode's compatibility form.

Revision ID: 0851be9e58a4
Revises: 7c1e0f3b9a42
Create Date: 2026-12-05 07:00:00.000000

The stored keys of existing firms and applications are computed again. Two firms whose names
become the same key cannot both keep their names: the upgrade stops before changing anything
and names them, so that staff rename one first.
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0851be9e58a4'
down_revision = '7c1e0f3b9a42'
branch_labels = None
depends_on = None


def name_key(name):
    visible = "".join(char for char in name if unicodedata.category(char) != "Cf")
    folded = unicodedata.normalize("NFKC", " ".join(visible.split())).casefold()
    return " ".join(unicodedata.normalize("NFKC", folded).split())


def previous_name_key(name):
    return " ".join(name.split()).casefold()


def new_keys(table, source, target, key):
    """(id, name, key) of every row whose stored key differs from what `key` makes of it."""
    rows = op.get_bind().execute(sa.text(f"SELECT id, {source}, {target} FROM {table}")).all()
    return [(row_id, name, key(name)) for row_id, name, stored in rows if key(name) != stored]


def refuse_clashes(key):
    """Stop, naming the firms, if two of them would have the same key."""
    rows = op.get_bind().execute(sa.text("SELECT id, name FROM members ORDER BY id")).all()
    seen, clashes = {}, []
    for row_id, name in rows:
        first = seen.setdefault(key(name), (row_id, name))
        if first[0] != row_id:
            clashes.append(f"{first[1]!r} (id {first[0]}) and {name!r} (id {row_id})")
    if clashes:
        raise RuntimeError(
            "these member firms have names that differ only in invisible characters, "
            "case, spacing or compatibility forms; rename one of each pair and run the "
            "upgrade again: " + "; ".join(clashes)
        )


def store(table, target, changes):
    connection = op.get_bind()
    for row_id, _name, value in changes:
        connection.execute(
            sa.text(f"UPDATE {table} SET {target} = :key WHERE id = :id"),
            {"key": value, "id": row_id},
        )


def recompute(key):
    refuse_clashes(key)
    members = new_keys("members", "name", "name_key", key)
    applications = new_keys("applications", "member_name", "member_key", key)
    # Members one at a time would meet the unique constraint half-way (a key another row
    # still holds): park each changed row first on a key no name makes (keys never start
    # with a space).
    store("members", "name_key", [(row_id, name, f" {row_id}") for row_id, name, _ in members])
    store("members", "name_key", members)
    store("applications", "member_key", applications)


def upgrade():
    recompute(name_key)


def downgrade():
    recompute(previous_name_key)
