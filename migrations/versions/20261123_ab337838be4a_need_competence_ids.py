"""A need's competence ids on the need itself, in one GIN index with its status and text.

Revision ID: ab337838be4a
Revises: 52d3d0a82929
Create Date: 2026-11-23 23:30:00.000000

PostgreSQL only. A board search with a competence went from the competence's ~3,400 needs to
each need's row and its search_vector (TOASTed for most needs) to test the words. With the
competence ids as an int[] column on `needs`, one GIN index over (status, competence_ids,
search_vector) finds exactly the needs that have the status, a competence and the words, and
only those rows are read. `status` needs btree_gin (a trusted extension since PostgreSQL 13:
a database owner may create it). The index also serves searches without a competence, so it
replaces ix_needs_search_vector.

`need_competences` stays the truth; statement triggers on it (with transition tables, so a
bulk insert costs one UPDATE per statement) write the sorted ids onto each need it touched,
whoever writes: the web, taxonomy merges, cascades, the CLI, a loader or an operator's SQL.
The trigger first locks the needs it will write, then reads their competences in a new
statement, so two transactions changing one need's competences cannot leave it stale.

SQLite reaches the target without it (FTS5 narrows the competence's needs first): no change.
Like search_vector, the column and index are not in the models (board/schema.py).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ab337838be4a'
down_revision = '52d3d0a82929'
branch_labels = None
depends_on = None

SYNC_FUNCTION = """
CREATE FUNCTION needs_competence_ids_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed integer[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE needs SET competence_ids = '{}' WHERE competence_ids <> '{}';
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        changed := ARRAY(SELECT DISTINCT need_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        changed := ARRAY(SELECT DISTINCT need_id FROM old_rows);
    ELSE
        changed := ARRAY(SELECT need_id FROM new_rows UNION SELECT need_id FROM old_rows);
    END IF;
    -- Wait for concurrent writers of these needs; the UPDATE below then sees their rows.
    PERFORM 1 FROM needs WHERE id = ANY (changed) ORDER BY id FOR UPDATE;
    UPDATE needs SET competence_ids = fresh.ids
    FROM (
        SELECT c.need_id, ARRAY(
            SELECT nc.competence_id FROM need_competences nc
            WHERE nc.need_id = c.need_id ORDER BY nc.competence_id
        ) AS ids
        FROM unnest(changed) AS c(need_id)
    ) AS fresh
    WHERE needs.id = fresh.need_id AND needs.competence_ids IS DISTINCT FROM fresh.ids;
    RETURN NULL;
END
$$
"""

TRIGGERS = (
    'CREATE TRIGGER need_competences_ids_insert AFTER INSERT ON need_competences'
    ' REFERENCING NEW TABLE AS new_rows'
    ' FOR EACH STATEMENT EXECUTE FUNCTION needs_competence_ids_sync()',
    'CREATE TRIGGER need_competences_ids_update AFTER UPDATE ON need_competences'
    ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
    ' FOR EACH STATEMENT EXECUTE FUNCTION needs_competence_ids_sync()',
    'CREATE TRIGGER need_competences_ids_delete AFTER DELETE ON need_competences'
    ' REFERENCING OLD TABLE AS old_rows'
    ' FOR EACH STATEMENT EXECUTE FUNCTION needs_competence_ids_sync()',
    'CREATE TRIGGER need_competences_ids_truncate AFTER TRUNCATE ON need_competences'
    ' FOR EACH STATEMENT EXECUTE FUNCTION needs_competence_ids_sync()',
)
TRIGGER_NAMES = ('insert', 'update', 'delete', 'truncate')

BACKFILL = """
UPDATE needs SET competence_ids = fresh.ids
FROM (
    SELECT need_id, array_agg(competence_id ORDER BY competence_id) AS ids
    FROM need_competences GROUP BY need_id
) AS fresh
WHERE needs.id = fresh.need_id
"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS btree_gin')
    op.execute("ALTER TABLE needs ADD COLUMN competence_ids integer[] NOT NULL DEFAULT '{}'")
    op.execute(SYNC_FUNCTION)
    for statement in TRIGGERS:
        op.execute(statement)
    op.execute(BACKFILL)
    # The backfill queued the board generation's deferred triggers; an index cannot be built
    # on a table with pending trigger events, so run them now.
    op.execute('SET CONSTRAINTS ALL IMMEDIATE')
    op.execute('DROP INDEX ix_needs_search_vector')
    op.execute(
        'CREATE INDEX ix_needs_search ON needs USING gin (status, competence_ids, search_vector)'
    )
    # The planner's estimates for the new column, before the first search needs them.
    op.execute('ANALYZE needs')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX ix_needs_search')
    op.execute('CREATE INDEX ix_needs_search_vector ON needs USING gin (search_vector)')
    for name in TRIGGER_NAMES:
        op.execute(f'DROP TRIGGER need_competences_ids_{name} ON need_competences')
    op.execute('DROP FUNCTION needs_competence_ids_sync()')
    op.execute('ALTER TABLE needs DROP COLUMN competence_ids')
    op.execute('DROP EXTENSION IF EXISTS btree_gin')
