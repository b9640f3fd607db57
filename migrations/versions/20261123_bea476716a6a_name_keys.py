"""Firm names compared case- and space-insensitively, in Python (SQLite folds ASCII only).

Revision ID: bea476716a6a
Revises: a2bbe5877eaa
Create Date: 2026-11-23 16:10:50.367355

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bea476716a6a'
down_revision = 'a2bbe5877eaa'
branch_labels = None
depends_on = None


def name_key(name):
    return " ".join(name.split()).casefold()


def backfill(table, source, target):
    """Fill the new key column from the name, row by row, in Python."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, {source} FROM {table}")).all()
    for row_id, name in rows:
        connection.execute(
            sa.text(f"UPDATE {table} SET {target} = :key WHERE id = :id"),
            {"key": name_key(name), "id": row_id},
        )


def upgrade():
    op.add_column("applications", sa.Column("member_key", sa.String(length=200), nullable=True))
    op.add_column("members", sa.Column("name_key", sa.String(length=200), nullable=True))
    backfill("applications", "member_name", "member_key")
    backfill("members", "name", "name_key")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.alter_column("member_key", existing_type=sa.String(length=200), nullable=False)
        batch_op.create_index(batch_op.f("ix_applications_member_key"), ["member_key"], unique=False)
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=200), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_members_name_key"), ["name_key"])


def downgrade():
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_members_name_key"), type_="unique")
        batch_op.drop_column("name_key")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_member_key"))
        batch_op.drop_column("member_key")
