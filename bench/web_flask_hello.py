"""What the framework alone costs: a one-route Flask app returning a string, no database,
no session, no template; served by bench/web.py's gunicorn beside the raw WSGI hello world."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, world!\n"
