"""Erased people and firms: the pseudonym an erased person's actions are logged under, and the
mark of a firm that was erased.

Revision ID: c8d2f6a1e4b7
Revises: 739fd396fd07
Create Date: 2026-12-05 18:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8d2f6a1e4b7'
down_revision = '739fd396fd07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('former_actor', sa.String(length=40), nullable=True))
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # Dropped in place: SQLite would rebuild the tables, and lose their triggers (the board's
    # generation on members), in a batch.
    op.execute('ALTER TABLE members DROP COLUMN erased_at')
    op.execute('ALTER TABLE audit_events DROP COLUMN former_actor')
