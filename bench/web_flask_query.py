"""The least a page that reads the database costs: Flask, Flask-SQLAlchemy on the `bench`
PostgreSQL database with the board's engine options, one query per request (a user by id),
a small Jinja template. No session, sign-in, translations or layout. bench/web.py serves it
beside the hello worlds: no page of the board can be faster than this one."""

from flask import Flask, render_template_string
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

from bench.data import POSTGRES_URL
from board import engine_options

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = POSTGRES_URL
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(POSTGRES_URL)
db = SQLAlchemy(app)
PAGE = "<!doctype html><title>{{ title }}</title><p>{{ name }} ({{ email }})</p>\n"
USER = text("SELECT name, email FROM users WHERE id = :id")


@app.get("/")
def page() -> str:
    row = db.session.execute(USER, {"id": 1}).one()
    return render_template_string(PAGE, title="One query", name=row.name, email=row.email)
