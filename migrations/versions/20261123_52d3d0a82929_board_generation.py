"""A generation number that changes with every write to what the board page shows.

Revision ID: 52d3d0a82929
Revises: f2d30ace607b
Create Date: 2026-11-23 20:05:00.000000

The board page keeps its rendered list for a short while (board/page_cache.py); it is valid
for as long as `board_state.generation` stays the same. Triggers in the database bump it, so
that every write counts, whoever makes it: the web, the worker, the CLI or an operator's SQL.

PostgreSQL: a deferred constraint trigger runs the bump at commit, once per transaction (a
transaction-local setting remembers that it ran), so the counter's row is the last lock a
transaction takes and two writers cannot deadlock on it; readers see the new number only
together with the data it stands for. SQLite has one writer at a time: plain row triggers.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '52d3d0a82929'
down_revision = 'f2d30ace607b'
branch_labels = None
depends_on = None

# What the board's rows show: needs and their competences, firms (names, suspension) and
# their competences (the "your firm has it" marks), and the competences' names.
TABLES = ('needs', 'need_competences', 'members', 'member_competences', 'competences')

POSTGRESQL_BUMP = """
CREATE FUNCTION board_state_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('board.generation_bumped', true) IS DISTINCT FROM 'yes' THEN
        UPDATE board_state SET generation = generation + 1 WHERE id = 1;
        PERFORM set_config('board.generation_bumped', 'yes', true);
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade():
    op.execute(
        'CREATE TABLE board_state ('
        ' id INTEGER PRIMARY KEY CHECK (id = 1),'
        ' generation BIGINT NOT NULL DEFAULT 0)'
    )
    op.execute('INSERT INTO board_state (id, generation) VALUES (1, 0)')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRESQL_BUMP)
        for table in TABLES:
            op.execute(
                f'CREATE CONSTRAINT TRIGGER {table}_board_state'
                f' AFTER INSERT OR UPDATE OR DELETE ON {table}'
                ' DEFERRABLE INITIALLY DEFERRED FOR EACH ROW'
                ' EXECUTE FUNCTION board_state_bump()'
            )
            # TRUNCATE has no row triggers; a statement trigger bumps at once.
            op.execute(
                f'CREATE TRIGGER {table}_board_state_truncate AFTER TRUNCATE ON {table}'
                ' FOR EACH STATEMENT EXECUTE FUNCTION board_state_bump()'
            )
    else:
        for table in TABLES:
            for event in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(
                    f'CREATE TRIGGER {table}_board_state_{event.lower()}'
                    f' AFTER {event} ON {table} BEGIN'
                    ' UPDATE board_state SET generation = generation + 1 WHERE id = 1;'
                    ' END'
                )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f'DROP TRIGGER {table}_board_state_truncate ON {table}')
            op.execute(f'DROP TRIGGER {table}_board_state ON {table}')
        op.execute('DROP FUNCTION board_state_bump()')
    else:
        for table in TABLES:
            for event in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER {table}_board_state_{event}')
    op.execute('DROP TABLE board_state')
