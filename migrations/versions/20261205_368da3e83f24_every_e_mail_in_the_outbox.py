"""Every e-mail in the outbox: a row may address a person who is not a user.

Revision ID: 368da3e83f24
Revises: ab337838be4a
Create Date: 2026-12-05 06:06:26.819296

A firm that applied, or an address that asked for a password reset, has no user: its row
carries the address and the language instead.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '368da3e83f24'
down_revision = 'ab337838be4a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_notifications_key_email'), ['key', 'email'])
        batch_op.create_check_constraint(
            op.f('ck_notifications_recipient'), 'user_id IS NOT NULL OR email IS NOT NULL'
        )


def downgrade():
    op.execute("DELETE FROM notifications WHERE user_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_recipient'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_notifications_key_email'), type_='unique')
        batch_op.alter_column('user_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('locale')
        batch_op.drop_column('email')
