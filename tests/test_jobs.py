"""Jobs: started after commit, dropped on rollback, published by name to the worker."""

from __future__ import annotations

import ast
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board import jobs
from board.extensions import db
from board.models import Competence, Member, Notification, NotificationStatus
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """A job that records its argument and whether it saw the committed row."""
    calls: list[tuple[int, bool]] = []

    def record(competence_id: int) -> None:
        calls.append((competence_id, db.session.get(Competence, competence_id) is not None))

    monkeypatch.setitem(jobs.JOBS, "test.record", record)
    return calls


def test_a_job_starts_after_commit_and_sees_the_committed_state(app: Flask, recorded: list) -> None:
    with app.app_context():
        competence = Competence(slug="cobol", name="COBOL", area="Languages and frameworks")
        db.session.add(competence)
        db.session.flush()
        jobs.dispatch("test.record", competence.id)
        assert recorded == []
        db.session.commit()
        assert recorded == [(competence.id, True)]


def test_a_job_of_a_rolled_back_transaction_never_starts(app: Flask, recorded: list) -> None:
    with app.app_context():
        competence = Competence(slug="cobol", name="COBOL", area="Languages and frameworks")
        db.session.add(competence)
        db.session.flush()
        jobs.dispatch("test.record", competence.id)
        db.session.rollback()
        db.session.commit()
    assert recorded == []


def test_dispatching_an_unknown_job_fails_at_once(app: Flask) -> None:
    with app.app_context(), pytest.raises(KeyError, match="no.such.job"):
        jobs.dispatch("no.such.job", 1)


def test_a_failing_in_process_job_does_not_fail_the_request(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*notification_ids: int) -> None:
        raise RuntimeError("the delivery broke")

    monkeypatch.setitem(jobs.JOBS, "notify.send", broken)
    with app.app_context():
        account = factories.make_user(factories.make_member())
    auth.login(account.email, account.password)
    with caplog.at_level(logging.ERROR, logger="board.jobs"):
        response = submit(client, "/member/invite", {"email": "colleague@odra.example"})
    assert response.status_code == 302
    assert "Job notify.send" in caplog.text
    with app.app_context():
        # The invitation waits in the outbox for the sweep.
        assert db.session.scalar(select(Notification.status)) == NotificationStatus.PENDING


def test_with_redis_down_the_request_succeeds_and_the_job_waits(
    app: Flask, client: FlaskClient, auth: AuthActions, caplog: pytest.LogCaptureFixture
) -> None:
    staff_app_config = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    app.config.update(staff_app_config)
    app.extensions["celery"].conf.broker_url = staff_app_config["REDIS_URL"]
    with app.app_context():
        staff = factories.make_user(is_staff=True)
    auth.login(staff.email, staff.password)
    with caplog.at_level(logging.WARNING, logger="board.jobs"):
        data = {"member_name": "Someș Data SRL", "email": "ioana@somes.example", "country": "RO"}
        response = submit(client, "/staff/members/new", data)
    assert response.status_code == 302
    assert "left for the sweep" in caplog.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Member.id))) == 1


@pytest.mark.processes
def test_every_job_has_a_worker_task_of_the_same_name(tmp_path: Path) -> None:
    env = {**os.environ, "BOARD_INSTANCE_PATH": str(tmp_path)}
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "BOARD_ENV"):
        env.pop(name, None)
    script = (
        "import json, worker; "
        "print(json.dumps(sorted(n for n in worker.celery.tasks if not n.startswith('celery.'))))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(output.splitlines()[-1]) == sorted(jobs.JOBS)


def test_the_board_never_imports_the_worker() -> None:
    offenders = []
    for path in (ROOT / "board").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0] == "worker"]
    assert offenders == []
