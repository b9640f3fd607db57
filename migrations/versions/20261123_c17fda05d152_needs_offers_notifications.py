"""Needs, offers and the notification outbox; full-text search over needs.

Revision ID: c17fda05d152
Revises: 1a19d123d649
Create Date: 2026-11-23 14:07:56.442455

"""
from alembic import op
import sqlalchemy as sa

# Full-text search over a need's title and description. PostgreSQL: a generated tsvector
# with a GIN index ('simple': no stemming, the texts are in several languages). SQLite: an
# external-content FTS5 table kept in step by triggers. A later batch migration that
# recreates the needs table on SQLite must recreate these triggers.
POSTGRESQL_SEARCH = (
    """
    ALTER TABLE needs ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(description, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX ix_needs_search_vector ON needs USING gin (search_vector)",
)
SQLITE_SEARCH = (
    """
    CREATE VIRTUAL TABLE needs_fts USING fts5(
        title, description, content='needs', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER needs_fts_insert AFTER INSERT ON needs BEGIN
        INSERT INTO needs_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END
    """,
    """
    CREATE TRIGGER needs_fts_delete AFTER DELETE ON needs BEGIN
        INSERT INTO needs_fts(needs_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    END
    """,
    """
    CREATE TRIGGER needs_fts_update AFTER UPDATE OF title, description ON needs BEGIN
        INSERT INTO needs_fts(needs_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO needs_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END
    """,
)


# revision identifiers, used by Alembic.
revision = 'c17fda05d152'
down_revision = '1a19d123d649'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('budget_min', sa.BigInteger(), nullable=True),
    sa.Column('budget_max', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('offer_deadline', sa.Date(), nullable=False),
    sa.Column('offers_close_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expected_start', sa.Date(), nullable=True),
    sa.Column('duration', sa.String(length=100), nullable=False),
    sa.Column('work_mode', sa.Enum('remote', 'onsite', 'hybrid', name='work_mode', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('work_language', sa.String(length=10), nullable=False),
    sa.Column('status', sa.Enum('draft', 'pending', 'changes_requested', 'open', 'closed', 'rejected', 'cancelled', 'expired', 'hidden', name='need_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('moderation_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max', name=op.f('ck_needs_budget_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_needs_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_needs_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_offers_close_at'), ['offers_close_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_status'), ['status'], unique=False)
        batch_op.create_index('ix_needs_status_published_at', ['status', 'published_at'], unique=False)

    op.create_table('need_competences',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competence_id'], ['competences.id'], name=op.f('fk_need_competences_competence_id_competences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_need_competences_need_id_needs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('need_id', 'competence_id', name=op.f('pk_need_competences'))
    )
    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('available_from', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'shortlisted', 'accepted', 'declined', 'withdrawn', name='offer_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_offers_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_offers_member_id_members')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_offers_need_id_needs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers')),
    sa.UniqueConstraint('need_id', 'member_id', name=op.f('uq_offers_need_id_member_id'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_status'), ['status'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', 'suppressed', name='notification_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'], name=op.f('fk_notifications_event_id_audit_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_notifications_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_notifications_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'event_id', name=op.f('uq_notifications_user_id_event_id'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_status'), ['status'], unique=False)


    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_SEARCH if dialect == "postgresql" else SQLITE_SEARCH:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("needs_fts_insert", "needs_fts_delete", "needs_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS needs_fts")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_status'))
        batch_op.drop_index(batch_op.f('ix_notifications_need_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_event_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_status'))
        batch_op.drop_index(batch_op.f('ix_offers_member_id'))

    op.drop_table('offers')
    op.drop_table('need_competences')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_status_published_at')
        batch_op.drop_index(batch_op.f('ix_needs_status'))
        batch_op.drop_index(batch_op.f('ix_needs_offers_close_at'))
        batch_op.drop_index(batch_op.f('ix_needs_member_id'))

    op.drop_table('needs')
