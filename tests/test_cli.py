"""`flask board …`: init, create-staff, seed-demo, sweep."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from flask_babel import force_locale, gettext
from sqlalchemy import distinct, func, select

from board.extensions import db
from board.models import Competence, Member, User, utcnow
from board.notifications.match import record_matches
from tests import factories
from tests.conftest import AuthActions
from tests.mailbox import Mailbox

ROOT = Path(__file__).resolve().parent.parent


def test_init_is_idempotent_and_loads_a_taxonomy_of_ten_areas(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["board", "init"])
    assert result.exit_code == 0, result.output
    assert "competences: 0 added, 0 updated" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Competence.id))) >= 60
        assert db.session.scalar(select(func.count(distinct(Competence.area)))) == 10
        areas = set(db.session.scalars(select(Competence.area)))
    assert {"Security", "ERP and CRM", "Game development", "QA and testing"} <= areas


def test_create_staff_makes_a_user_who_can_sign_in(
    app: Flask, runner: FlaskCliRunner, auth: AuthActions
) -> None:
    result = runner.invoke(
        args=["board", "create-staff", "Clara@Cluster.example", "--password", "long enough pw"]
    )
    assert result.exit_code == 0, result.output
    assert auth.login("clara@cluster.example", "long enough pw").status_code == 302
    assert auth.client.get("/staff").status_code == 200


def test_create_staff_refuses_a_short_password_and_a_member_address(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["board", "create-staff", "a@cluster.example", "--password", "x"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    runner.invoke(args=["board", "seed-demo"])
    member_address = "radu.pop@somes-data.example"
    result = runner.invoke(
        args=["board", "create-staff", member_address, "--password", "long enough pw"]
    )
    assert result.exit_code != 0
    assert "belongs to a member's user" in result.output


def test_seed_demo_builds_the_cluster_the_readme_describes(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["board", "seed-demo"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["board", "seed-demo"])
    assert "0 member firms and 0 needs added" in again.output
    with app.app_context():
        members = db.session.scalars(select(Member)).all()
        assert len(members) == 8
        assert {m.country for m in members} == {"PL", "DE", "RO"}
        assert all(m.competences for m in members)
        assert db.session.scalar(select(func.count(User.id))) >= 9
    readme = (ROOT / "README.md").read_text()
    logins = re.findall(r"`([\w.-]+@[\w.-]+\.example)`", readme)
    assert len(logins) >= 9
    password = re.search(r"Every demo password is `([^`]+)`", readme).group(1)
    for email in logins:
        client = app.test_client()
        assert AuthActions(client).login(email, password).status_code == 302, email


def test_sweep_sends_what_a_broker_outage_left_behind_and_says_what_it_did(
    app: Flask, runner: FlaskCliRunner, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        wisla = factories.make_member("Wisła Cloud", competences=("kotlin",))
        factories.make_user(wisla, email="piotr@wisla.example")
        need = factories.make_need(odra, competences=("kotlin",))
        # Open, matched, but its fan-out never ran.
        need.fanned_out_at = None
        need.published_at = utcnow() - timedelta(minutes=5)
        record_matches(need)
        db.session.commit()
    result = runner.invoke(args=["board", "sweep"])
    assert result.exit_code == 0, result.output
    assert "fan_outs 1" in result.output
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "piotr@wisla.example"
    again = runner.invoke(args=["board", "sweep"])
    assert "fan_outs 0" in again.output
    assert len(mailbox.messages) == 1
    assert runner.invoke(args=["board", "sweep", "--every", "0"]).exit_code == 2


def test_the_commands_speak_the_language_of_the_shell(app: Flask, runner: FlaskCliRunner) -> None:
    shell = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "de_DE.UTF-8"}
    args = ["board", "create-staff", "a@cluster.example", "--password", "x"]
    result = runner.invoke(args=args, env=shell)
    with app.test_request_context(), force_locale("de"):
        expected = gettext("Use at least %(n)d characters.", n=10)
    assert result.exit_code != 0
    assert expected in result.output and expected != "Use at least 10 characters."
    english = runner.invoke(args=args, env={**shell, "LANG": "fr_FR.UTF-8"})  # not spoken
    assert "Use at least 10 characters." in english.output
