"""The front page and the health check."""

from __future__ import annotations

import redis
from flask import current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from board.extensions import db
from board.main import bp


@bp.get("/")
def index() -> str | Response:
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    if current_user.is_staff:
        return redirect(url_for("staff.dashboard"))
    return redirect(url_for("needs.board"))


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Whether the database and, when configured, the broker answer."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError:
        checks["database"] = "unreachable"
    finally:
        db.session.rollback()
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        try:
            client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            checks["broker"] = "ok"
        except redis.RedisError:
            checks["broker"] = "unreachable"
    else:
        checks["broker"] = "not configured (tasks run in-process)"
    healthy = checks["database"] == "ok" and checks["broker"] != "unreachable"
    return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503
