"""`GET /healthz`: whether the database and the broker answer."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import redis_url
from tests.mailbox import free_port


def test_health_without_a_broker_reports_in_process_tasks(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"
    assert response.json["broker"].startswith("not configured")


@pytest.mark.parametrize("broker", ["up", "down"])
def test_health_reports_the_broker(app: Flask, broker: str) -> None:
    backend = app.config["BACKEND"]
    url = redis_url(backend) if broker == "up" else f"redis://127.0.0.1:{free_port()}/0"
    app.config["REDIS_URL"] = url
    response = app.test_client().get("/healthz")
    if broker == "up":
        assert response.status_code == 200
        assert response.json == {"status": "ok", "database": "ok", "broker": "ok"}
    else:
        assert response.status_code == 503
        assert response.json["broker"] == "unreachable"
        assert response.json["status"] == "degraded"
