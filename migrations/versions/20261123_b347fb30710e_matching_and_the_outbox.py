"""Matching snapshots, personal filters, suppressions, and an outbox keyed by what it says.

Revision ID: b347fb30710e
Revises: bea476716a6a
Create Date: 2026-11-23 16:47:48.320200

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b347fb30710e'
down_revision = 'bea476716a6a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressions')),
    sa.UniqueConstraint('email', name=op.f('uq_suppressions_email'))
    )
    op.create_table('user_competences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competence_id'], ['competences.id'], name=op.f('fk_user_competences_competence_id_competences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_competences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'competence_id', name=op.f('pk_user_competences'))
    )
    op.create_table('need_matches',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('competence_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_need_matches_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_need_matches_need_id_needs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('need_id', 'member_id', name=op.f('pk_need_matches'))
    )
    with op.batch_alter_table('need_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_matches_member_id'), ['member_id'], unique=False)

    # Plain ADD COLUMN: a batch would recreate `needs` and lose SQLite's search triggers.
    op.add_column('needs', sa.Column('fanned_out_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('needs', sa.Column('deadline_reminded_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('needs', sa.Column('award_reminded_at', sa.DateTime(timezone=True), nullable=True))
    # Needs already published were announced under the old scheme.
    op.execute("UPDATE needs SET fanned_out_at = published_at WHERE published_at IS NOT NULL")

    op.add_column('notifications', sa.Column('key', sa.String(length=80), nullable=True))
    op.add_column('notifications', sa.Column('data', sa.JSON(), nullable=True))
    op.add_column('notifications', sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('notifications', sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE notifications SET key = kind || ':event:' || event_id, data = '{}'")

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column('data', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('event_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.drop_index(batch_op.f('ix_notifications_status'))
        batch_op.drop_constraint(batch_op.f('uq_notifications_user_id_event_id'), type_='unique')
        batch_op.create_index('ix_notifications_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_notifications_key_user_id'), ['key', 'user_id'])



def downgrade():
    # Rows without an event (matches, digests, reminders) cannot exist under the old scheme.
    op.execute("DELETE FROM notifications WHERE event_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_notifications_key_user_id'), type_='unique')
        batch_op.drop_index('ix_notifications_status_next_attempt_at')
        batch_op.create_unique_constraint(batch_op.f('uq_notifications_user_id_event_id'), ['user_id', 'event_id'])
        batch_op.create_index(batch_op.f('ix_notifications_status'), ['status'], unique=False)
        batch_op.alter_column('event_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('data')
        batch_op.drop_column('key')

    op.drop_column('needs', 'award_reminded_at')
    op.drop_column('needs', 'deadline_reminded_at')
    op.drop_column('needs', 'fanned_out_at')

    with op.batch_alter_table('need_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_matches_member_id'))

    op.drop_table('need_matches')
    op.drop_table('user_competences')
    op.drop_table('suppressions')
