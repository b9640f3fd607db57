"""The least memory a worker built on the board's stack holds: a Celery app on Redis with one
task that does nothing, importing what the board's worker is made of (Celery with kombu and
redis, SQLAlchemy's ORM, psycopg, Flask, Flask-SQLAlchemy, Jinja, Flask-Babel) and none of
the board. bench/fanout.py starts it with the worker's own options, after the fan-out, and
reports its memory beside the worker's: no worker on this stack can hold less."""

import os

import flask  # noqa: F401
import flask_babel  # noqa: F401
import flask_sqlalchemy  # noqa: F401
import jinja2  # noqa: F401
import psycopg  # noqa: F401
import sqlalchemy.orm  # noqa: F401
from celery import Celery

celery = Celery("floor", broker=os.environ["REDIS_URL"])


@celery.task
def nothing() -> None:
    """Stands for the board's tasks; never sent."""
