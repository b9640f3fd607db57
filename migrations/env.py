"""Alembic environment for the board: the application's engine and metadata."""

import logging
import warnings
from logging.config import fileConfig

from alembic import context
from flask import current_app

from board.schema import include_object

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")
# Batch migrations on SQLite reflect tables; SQLAlchemy cannot reflect the expression index
# on users' e-mail there and says so. The index is not touched by batch copies of other tables.
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based")

migrate = current_app.extensions["migrate"]
config.set_main_option(
    "sqlalchemy.url",
    migrate.db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)
target_metadata = migrate.db.metadata


def render_item(type_, obj, autogen_context):
    """Write the board's column types as the plain types they store."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and type(obj).__name__ == "Money":
        return "sa.BigInteger()"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context, revision, directives):
        # Do not write an empty migration when the models did not change.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")

    conf_args = dict(migrate.configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("include_object", include_object)
    with migrate.db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations copy tables; enforced foreign keys would cascade deletes.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # end the implicit transaction so Alembic manages its own
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
