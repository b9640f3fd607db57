"""A matched firm may say a need is not for it, and why: kept on its match.

Revision ID: 19823fec1649
Revises: e3f1b3dc5cac
Create Date: 2026-12-05 12:40:00.000000

A need's page shows the requester how many matched firms said so; it is kept rendered until
the generation changes (board/page_cache.py), so writes to the matches change it too, through
the triggers of 52d3d0a82929.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '19823fec1649'
down_revision = 'e3f1b3dc5cac'
branch_labels = None
depends_on = None


TABLE = 'need_matches'


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('SET CONSTRAINTS ALL IMMEDIATE')
    with op.batch_alter_table('need_matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_for_us_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('not_for_us_reason', sa.Enum('field', 'capacity', 'budget', 'deadline', 'other', name='not_for_us_reason', native_enum=False, create_constraint=True, length=20), nullable=True))
        batch_op.add_column(sa.Column('not_for_us_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_need_matches_not_for_us_by_id_users'), 'users', ['not_for_us_by_id'], ['id'], ondelete='SET NULL')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            f'CREATE CONSTRAINT TRIGGER {TABLE}_board_state'
            f' AFTER INSERT OR UPDATE OR DELETE ON {TABLE}'
            ' DEFERRABLE INITIALLY DEFERRED FOR EACH ROW'
            ' EXECUTE FUNCTION board_state_bump()'
        )
        op.execute(
            f'CREATE TRIGGER {TABLE}_board_state_truncate AFTER TRUNCATE ON {TABLE}'
            ' FOR EACH STATEMENT EXECUTE FUNCTION board_state_bump()'
        )
    else:
        for event in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER {TABLE}_board_state_{event.lower()}'
                f' AFTER {event} ON {TABLE} BEGIN'
                ' UPDATE board_state SET generation = generation + 1 WHERE id = 1;'
                ' END'
            )
    op.execute('UPDATE board_state SET generation = generation + 1 WHERE id = 1')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER {TABLE}_board_state_truncate ON {TABLE}')
        op.execute(f'DROP TRIGGER {TABLE}_board_state ON {TABLE}')
    else:
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER {TABLE}_board_state_{event}')
    with op.batch_alter_table('need_matches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_need_matches_not_for_us_by_id_users'), type_='foreignkey')
        batch_op.drop_column('not_for_us_by_id')
        batch_op.drop_constraint(op.f('ck_need_matches_not_for_us_reason'), type_='check')
        batch_op.drop_column('not_for_us_reason')
        batch_op.drop_column('not_for_us_at')

