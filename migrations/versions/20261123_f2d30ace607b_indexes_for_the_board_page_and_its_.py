"""Indexes for the board page and its competence filter.

Revision ID: f2d30ace607b
Revises: b347fb30710e
Create Date: 2026-11-23 18:29:05.381822

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2d30ace607b'
down_revision = 'b347fb30710e'
branch_labels = None
depends_on = None

# Plain create_index, not a batch: a batch could recreate `needs` on SQLite and lose the
# search triggers.


def upgrade():
    op.create_index(
        'ix_need_competences_competence_id_need_id',
        'need_competences',
        ['competence_id', 'need_id'],
        unique=False,
    )
    op.create_index(
        'ix_needs_status_listed',
        'needs',
        ['status', sa.literal_column('coalesce(published_at, created_at)'), 'id'],
        unique=False,
    )
    op.create_index('ix_needs_status_member_id', 'needs', ['status', 'member_id'], unique=False)


def downgrade():
    op.drop_index('ix_needs_status_member_id', table_name='needs')
    op.drop_index('ix_needs_status_listed', table_name='needs')
    op.drop_index('ix_need_competences_competence_id_need_id', table_name='need_competences')
