"""The language an application was written in, for staff's answer.

Revision ID: b5e2c4a1d9f0
Revises: 0851be9e58a4
Create Date: 2026-12-05 10:00:00.000000

Applications made before it are answered in English, as they were.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5e2c4a1d9f0'
down_revision = '0851be9e58a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('locale', sa.String(length=10), server_default='en', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('locale')
