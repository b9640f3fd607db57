"""The committed migrations build exactly the schema the models describe."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import Connection, column, delete, insert, select, table, text

from board.extensions import db
from board.models import Application, Member, utcnow
from board.schema import include_object

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The revision before firm names were compared without invisible characters.
BEFORE_NAME_KEYS = "7c1e0f3b9a42"


def alembic_config() -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def differences_from_the_models(connection: Connection) -> list[Any]:
    """What Alembic finds between the database and the models, hand-made objects left out."""
    context = MigrationContext.configure(connection, opts={"include_object": include_object})
    with warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; PostgreSQL compares them.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        return list(compare_metadata(context, db.metadata))


def test_database_is_at_the_latest_migration_and_matches_the_models(app: Flask) -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, "migrations have branched"
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == heads[0]
        assert differences_from_the_models(connection) == []


def test_a_table_no_model_or_migration_made_is_still_found(app: Flask) -> None:
    """Leaving the hand-made objects out of the comparison leaves nothing else out."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
        found = differences_from_the_models(connection)
        connection.execute(text("DROP TABLE stray"))
    assert [(kind, table.name) for kind, table in found] == [("remove_table", "stray")]


def firms_and_keys() -> list[tuple[str, str]]:
    """(name, stored key) of every firm and every application, firms first, each by id."""
    members = db.session.execute(select(Member.name, Member.name_key).order_by(Member.id))
    applications = db.session.execute(
        select(Application.member_name, Application.member_key).order_by(Application.id)
    )
    return [tuple(row) for row in (*members, *applications)]


def add_firm_as_before(name: str) -> None:
    """A firm stored with the key of the previous revision (spaces collapsed, case folded)."""
    key = " ".join(name.split()).casefold()
    # The table as it was at that revision, not as the model has it today.
    members = table(
        "members",
        *(column(name) for name in ("name", "name_key", "slug", "description", "website")),
        *(column(name) for name in ("country", "status", "created_at")),
    )
    db.session.execute(
        insert(members).values(
            name=name,
            name_key=key,
            slug=f"firm-{len(key)}-{abs(hash(name))}",
            description="",
            website="",
            country="PL",
            status="active",
            created_at=utcnow(),
        )
    )
    db.session.commit()


@pytest.fixture
def before_name_keys(app: Flask) -> Iterator[None]:
    """The database at the revision before invisible characters were ignored; at the latest
    revision again afterwards, whatever the test did."""
    with app.app_context():
        downgrade(revision=BEFORE_NAME_KEYS)
        try:
            yield
        finally:
            db.session.rollback()
            db.session.execute(delete(Member.__table__))
            db.session.commit()
            upgrade()


def test_upgrading_computes_the_stored_name_keys_again(app: Flask, before_name_keys: None) -> None:
    add_firm_as_before("Odra\u200b Soft\u00adware")
    add_firm_as_before("\uff25lbtal GmbH")
    # The table as it was at that revision, not as the model has it today.
    applications = table(
        "applications",
        *(column(name) for name in ("member_name", "member_key", "contact_name", "email")),
        *(column(name) for name in ("message", "status", "reason", "created_at")),
    )
    db.session.execute(
        insert(applications).values(
            member_name="Spree\u2060werk Digital\ufeff GmbH",
            member_key="spree\u2060werk digital\ufeff gmbh",
            contact_name="Lena Hoffmann",
            email="lena@spreewerk.example",
            message="",
            status="pending",
            reason="",
            created_at=utcnow(),
        )
    )
    db.session.commit()

    upgrade()

    assert firms_and_keys() == [
        ("Odra\u200b Soft\u00adware", "odra software"),
        ("\uff25lbtal GmbH", "elbtal gmbh"),
        ("Spree\u2060werk Digital\ufeff GmbH", "spreewerk digital gmbh"),
    ]


def test_an_upgrade_that_would_make_two_firms_the_same_stops_and_names_them(
    app: Flask, before_name_keys: None
) -> None:
    add_firm_as_before("Odra Software")
    add_firm_as_before("Odra\u200b Software")
    stored = firms_and_keys()

    with pytest.raises(RuntimeError) as refusal:
        command.upgrade(alembic_config(), "head")

    assert "'Odra Software' (id 1) and 'Odra\\u200b Software' (id 2)" in str(refusal.value)
    assert "rename one of each pair" in str(refusal.value)
    db.session.rollback()
    assert firms_and_keys() == stored
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == BEFORE_NAME_KEYS
