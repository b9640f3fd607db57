"""Offers count in the generation of what pages show: a need's page lists them.

Revision ID: 7c1e0f3b9a42
Revises: 368da3e83f24
Create Date: 2026-12-05 07:40:00.000000

A need's page, with its offers, is kept rendered like the board (board/page_cache.py) until
the generation changes; a new, changed or withdrawn offer must change it. The triggers are
those of 52d3d0a82929 (the bump function exists on PostgreSQL already).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c1e0f3b9a42'
down_revision = '368da3e83f24'
branch_labels = None
depends_on = None

TABLE = 'offers'


def upgrade():
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
