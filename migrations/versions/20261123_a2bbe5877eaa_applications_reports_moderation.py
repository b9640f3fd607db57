"""Membership applications, reports, retired competences, hidden offers, review e-mails.

Revision ID: a2bbe5877eaa
Revises: c17fda05d152
Create Date: 2026-11-23 15:38:52.127611

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2bbe5877eaa'
down_revision = 'c17fda05d152'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_name', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='application_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_applications_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_applications_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_status'), ['status'], unique=False)

    op.create_table('application_competences',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_competences_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competence_id'], ['competences.id'], name=op.f('fk_application_competences_competence_id_competences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('application_id', 'competence_id', name=op.f('pk_application_competences'))
    )
    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Enum('spam', 'misleading', 'inappropriate', 'confidential', 'duplicate', 'other', name='report_reason', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', name='report_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(need_id IS NULL) <> (offer_id IS NULL)', name=op.f('ck_reports_one_target')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_reports_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_reports_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_status'), ['status'], unique=False)

    # Plain ADD COLUMN: SQLite does it in place, so the tables keep their indexes and triggers.
    op.add_column("competences", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("offers", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "offers", sa.Column("hidden_reason", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "users",
        sa.Column("notify_reviews", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notify_reviews')

    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_at')

    with op.batch_alter_table('competences', schema=None) as batch_op:
        batch_op.drop_column('retired_at')

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_status'))
        batch_op.drop_index(batch_op.f('ix_reports_offer_id'))
        batch_op.drop_index(batch_op.f('ix_reports_need_id'))

    op.drop_table('reports')
    op.drop_table('application_competences')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_status'))
        batch_op.drop_index(batch_op.f('ix_applications_email'))

    op.drop_table('applications')
