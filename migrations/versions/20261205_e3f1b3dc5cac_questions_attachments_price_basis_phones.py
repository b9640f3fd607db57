"""Questions and clarifications on needs, files on needs and offers, an offer's price basis and
when it was edited, and contact phones for firms and users.

Revision ID: e3f1b3dc5cac
Revises: b5e2c4a1d9f0
Create Date: 2026-12-05 11:41:05.983919

A need's page lists its questions, clarifications and files, and is kept rendered until the
generation changes (board/page_cache.py): writes to the new tables change it, through the
triggers of 52d3d0a82929. Offers sent before have a fixed price, as their firms meant.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e3f1b3dc5cac'
down_revision = 'b5e2c4a1d9f0'
branch_labels = None
depends_on = None

GENERATION_TABLES = ('questions', 'clarifications', 'attachments')


def _generation_triggers(table):
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            f'CREATE CONSTRAINT TRIGGER {table}_board_state'
            f' AFTER INSERT OR UPDATE OR DELETE ON {table}'
            ' DEFERRABLE INITIALLY DEFERRED FOR EACH ROW'
            ' EXECUTE FUNCTION board_state_bump()'
        )
        op.execute(
            f'CREATE TRIGGER {table}_board_state_truncate AFTER TRUNCATE ON {table}'
            ' FOR EACH STATEMENT EXECUTE FUNCTION board_state_bump()'
        )
    else:
        for event in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER {table}_board_state_{event.lower()}'
                f' AFTER {event} ON {table} BEGIN'
                ' UPDATE board_state SET generation = generation + 1 WHERE id = 1;'
                ' END'
            )


def _offers_triggers_again():
    """SQLite rebuilds a table to add a column with a CHECK constraint, without its triggers."""
    if op.get_bind().dialect.name != 'postgresql':
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS offers_board_state_{event}')
        _generation_triggers('offers')


def _drop_generation_triggers(table):
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER {table}_board_state_truncate ON {table}')
        op.execute(f'DROP TRIGGER {table}_board_state ON {table}')
    else:
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER {table}_board_state_{event}')


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # An earlier revision in the same run may have written to these tables: their deferred
        # generation triggers must fire before the tables can be altered.
        op.execute('SET CONSTRAINTS ALL IMMEDIATE')
    op.create_table('clarifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_clarifications_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_clarifications_need_id_needs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clarifications'))
    )
    with op.batch_alter_table('clarifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clarifications_need_id'), ['need_id'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'answered', 'dismissed', name='question_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=False),
    sa.Column('answer_hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_hidden_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_questions_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_questions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_questions_member_id_members')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_questions_need_id_needs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_status'), ['status'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(need_id IS NULL) <> (offer_id IS NULL)', name=op.f('ck_attachments_one_owner')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_attachments_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_attachments_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_attachments_uploader_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_offer_id'), ['offer_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=40), server_default='', nullable=False))

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('questions_close_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_basis', sa.Enum('fixed', 'day', 'hour', name='price_basis', native_enum=False, create_constraint=True, length=20), server_default='fixed', nullable=False))
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
    _offers_triggers_again()

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=40), server_default='', nullable=False))

    for table in GENERATION_TABLES:
        _generation_triggers(table)
    op.execute('UPDATE board_state SET generation = generation + 1 WHERE id = 1')


def downgrade():
    # Dropped in place: SQLite would rebuild these tables, and lose their triggers, in a batch.
    for table in GENERATION_TABLES:
        _drop_generation_triggers(table)
    op.execute('ALTER TABLE users DROP COLUMN phone')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_offers_price_basis'), type_='check')
        batch_op.drop_column('edited_at')
        batch_op.drop_column('price_basis')
    _offers_triggers_again()

    op.execute('ALTER TABLE needs DROP COLUMN questions_close_at')
    op.execute('ALTER TABLE needs DROP COLUMN question_deadline')
    op.execute('ALTER TABLE members DROP COLUMN phone')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_offer_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_need_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questions_status'))
        batch_op.drop_index(batch_op.f('ix_questions_need_id'))
        batch_op.drop_index(batch_op.f('ix_questions_member_id'))

    op.drop_table('questions')
    with op.batch_alter_table('clarifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clarifications_need_id'))

    op.drop_table('clarifications')
