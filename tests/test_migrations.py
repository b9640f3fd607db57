"""The committed migrations build exactly the schema the models describe."""

from __future__ import annotations

import warnings
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from board.extensions import db
from board.schema import include_object

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_database_is_at_the_latest_migration_and_matches_the_models(app: Flask) -> None:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, "migrations have branched"
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        assert context.get_current_revision() == heads[0]
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes; PostgreSQL compares them.
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            differences = compare_metadata(context, db.metadata)
    assert differences == []
