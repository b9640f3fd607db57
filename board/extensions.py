"""Flask extensions, unbound; `create_app` binds them to an application."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from celery import Celery, Task
from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from flask_limiter import Limiter
    from flask_migrate import Migrate

# Stable constraint names, so that migrations generated on SQLite and PostgreSQL agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: object, connection_record: object) -> None:
    """Make SQLite enforce foreign keys, and let readers and a writer work side by side."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate: Migrate
limiter: Limiter


def __getattr__(name: str) -> Any:
    """Create `migrate` and `limiter` on first use: only the web app and its CLI use them, and
    Flask-Migrate imports Alembic and every SQLAlchemy dialect, memory that each worker
    process would otherwise carry."""
    if name == "migrate":
        from flask_migrate import Migrate

        globals()[name] = Migrate()
    elif name == "limiter":
        from flask_limiter import Limiter
        from flask_limiter.util import get_remote_address

        globals()[name] = Limiter(key_func=get_remote_address)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return globals()[name]


def celery_init_app(app: Flask, settings: dict[str, Any]) -> Celery:
    """Create the Celery application whose tasks run inside a Flask application context."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(settings)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
