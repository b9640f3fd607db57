"""Each published need's tally of offers and matches, kept by triggers; indexes for a period.

Revision ID: 5d1c7e2a9b30
Revises: 19823fec1649
Create Date: 2026-12-05 16:00:00.000000

The statistics page reads a year of needs: how many offers each got, when the first came, how
the firms it matched answered. Counting a year's offers and matches on each view joins
hundreds of thousands of rows (about 1.3 s on the benchmark's data set); `need_tallies` holds
those counts, one narrow row per need, with the need's publication instant and firm, so that a
period's tallies are read from one index.

`needs`, `offers` and `need_matches` stay the truth. Triggers count a need's tally afresh from
them whenever a statement touches its offers or matches, or the need is inserted published or
its publication or firm changes, whoever writes: the web, the worker, the CLI, cascades or an
operator's SQL. On `offers` and `need_matches`, PostgreSQL uses statement triggers with
transition tables, as for the competence ids (ab337838be4a): the trigger first locks the needs
it will count, then counts in a later statement, so two transactions adding offers to one
need cannot leave its tally short. SQLite has one writer at a time: row triggers. A TRUNCATE
counts every tally afresh. A tally is written only for a need that exists, so a need deleted
with its offers leaves none behind; every published need has one, and so does any need with
an offer or a match.

The indexes let a period's needs (posted, published, ended), offers, questions and tallies be
read from the index alone, with the columns the figures and the filters ask for, and a need's
offers be counted from one: without it SQLite, with no statistics, counts a need's offers by
scanning every offer in the covering index by date. Created directly, not in batch mode, so
SQLite keeps the tables' triggers.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1c7e2a9b30'
down_revision = '19823fec1649'
branch_labels = None
depends_on = None

# A need's tally counted afresh from the need, its offers and its matches: the same on both
# databases.
COUNT = """
SELECT n.id, n.published_at, n.member_id,
    (SELECT count(*) FROM offers o WHERE o.need_id = n.id AND o.status <> 'withdrawn'),
    (SELECT min(o.created_at) FROM offers o WHERE o.need_id = n.id AND o.status <> 'withdrawn'),
    (SELECT count(*) FROM need_matches m WHERE m.need_id = n.id),
    (SELECT count(*) FROM need_matches m JOIN offers o
        ON o.need_id = m.need_id AND o.member_id = m.member_id AND o.status <> 'withdrawn'
        WHERE m.need_id = n.id),
    (SELECT count(*) FROM need_matches m
        WHERE m.need_id = n.id AND m.not_for_us_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM offers o WHERE o.need_id = m.need_id AND o.member_id = m.member_id
            AND o.status <> 'withdrawn'))
FROM needs n
"""
COUNTED = (
    'published_at', 'member_id', 'offers', 'first_offer_at', 'matched', 'matched_offered',
    'matched_not_for_us',
)
UPSERT = (
    f"INSERT INTO need_tallies (need_id, {', '.join(COUNTED)}) {COUNT} WHERE {{where}}"
    ' ON CONFLICT (need_id) DO UPDATE SET '
    + ', '.join(f'{name} = excluded.{name}' for name in COUNTED)
)
EVERY_NEED = (
    'n.published_at IS NOT NULL'
    ' OR EXISTS (SELECT 1 FROM offers o WHERE o.need_id = n.id)'
    ' OR EXISTS (SELECT 1 FROM need_matches m WHERE m.need_id = n.id)'
)

POSTGRESQL_SYNC = f"""
CREATE FUNCTION need_tallies_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed integer[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM need_tallies;
        {UPSERT.format(where=EVERY_NEED)};
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        changed := ARRAY(SELECT DISTINCT need_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        changed := ARRAY(SELECT DISTINCT need_id FROM old_rows);
    ELSE
        changed := ARRAY(SELECT need_id FROM new_rows UNION SELECT need_id FROM old_rows);
    END IF;
    -- Wait for concurrent writers of these needs' offers and matches; the count below is a
    -- later statement, so it sees their rows.
    PERFORM 1 FROM needs WHERE id = ANY (changed) ORDER BY id FOR NO KEY UPDATE;
    {UPSERT.format(where='n.id = ANY (changed)')};
    RETURN NULL;
END
$$
"""
# A need inserted published, or published later: its row is the writer's already.
POSTGRESQL_SYNC_NEED = f"""
CREATE FUNCTION need_tallies_sync_need() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {UPSERT.format(where='n.id = NEW.id')};
    RETURN NULL;
END
$$
"""
TABLES = ('offers', 'need_matches')
EVENTS = {
    'insert': 'REFERENCING NEW TABLE AS new_rows',
    'update': 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows',
    'delete': 'REFERENCING OLD TABLE AS old_rows',
}
NEED_EVENTS = {
    'insert': ('AFTER INSERT ON needs', 'NEW.published_at IS NOT NULL'),
    'update': (
        'AFTER UPDATE OF published_at, member_id ON needs',
        'NEW.published_at IS DISTINCT FROM OLD.published_at OR NEW.member_id <> OLD.member_id',
    ),
}
INDEXES = {
    'ix_needs_submitted_at': ('needs', ['submitted_at', 'member_id', 'id']),
    'ix_needs_published_at': ('needs', ['published_at', 'member_id', 'id']),
    'ix_needs_closed_at': ('needs', ['closed_at', 'status', 'published_at', 'member_id', 'id']),
    'ix_offers_created_at': ('offers', ['created_at', 'member_id', 'status', 'need_id']),
    'ix_offers_need_id_status': ('offers', ['need_id', 'status', 'created_at', 'member_id']),
    'ix_questions_created_at': ('questions', ['created_at', 'member_id', 'need_id']),
    'ix_need_tallies_published_at': (
        'need_tallies', ['published_at', 'member_id', 'need_id', *COUNTED[2:]]
    ),
}


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.create_table('need_tallies',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('offers', sa.Integer(), nullable=False),
    sa.Column('first_offer_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('matched_offered', sa.Integer(), nullable=False),
    sa.Column('matched_not_for_us', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_need_tallies_need_id_needs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('need_id', name=op.f('pk_need_tallies'))
    )
    if postgresql:
        op.execute(POSTGRESQL_SYNC)
        op.execute(POSTGRESQL_SYNC_NEED)
        for table in TABLES:
            for event, transition in EVENTS.items():
                op.execute(
                    f'CREATE TRIGGER {table}_tallies_{event} AFTER {event.upper()} ON {table}'
                    f' {transition} FOR EACH STATEMENT EXECUTE FUNCTION need_tallies_sync()'
                )
            op.execute(
                f'CREATE TRIGGER {table}_tallies_truncate AFTER TRUNCATE ON {table}'
                ' FOR EACH STATEMENT EXECUTE FUNCTION need_tallies_sync()'
            )
        for event, (when, condition) in NEED_EVENTS.items():
            op.execute(
                f'CREATE TRIGGER needs_tallies_{event} {when} FOR EACH ROW'
                f' WHEN ({condition}) EXECUTE FUNCTION need_tallies_sync_need()'
            )
    else:
        for table in TABLES:
            for event, rows in (('insert', ('NEW',)), ('update', ('OLD', 'NEW')), ('delete', ('OLD',))):
                counts = ' '.join(f"{UPSERT.format(where=f'n.id = {row}.need_id')};" for row in rows)
                op.execute(
                    f'CREATE TRIGGER {table}_tallies_{event} AFTER {event.upper()} ON {table}'
                    f' BEGIN {counts} END'
                )
        for event, (when, condition) in NEED_EVENTS.items():
            op.execute(
                f'CREATE TRIGGER needs_tallies_{event} {when} WHEN {condition}'
                f" BEGIN {UPSERT.format(where='n.id = NEW.id')}; END"
            )
    op.execute(UPSERT.format(where=EVERY_NEED))
    if postgresql:
        # The backfill queued the board generation's deferred triggers; an index cannot be
        # built on a table with pending trigger events, so run them now.
        op.execute('SET CONSTRAINTS ALL IMMEDIATE')
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)
    if postgresql:
        op.execute('ANALYZE need_tallies')


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
    triggers = [
        (f'{table}_tallies_{event}', table)
        for table in TABLES
        for event in (*EVENTS, *(('truncate',) if postgresql else ()))
    ] + [(f'needs_tallies_{event}', 'needs') for event in NEED_EVENTS]
    for name, table in triggers:
        op.execute(f'DROP TRIGGER {name}' + (f' ON {table}' if postgresql else ''))
    if postgresql:
        op.execute('DROP FUNCTION need_tallies_sync_need()')
        op.execute('DROP FUNCTION need_tallies_sync()')
    op.drop_table('need_tallies')
