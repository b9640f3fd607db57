"""`make run`: the board commands it starts, and the links in the e-mails written under them."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import Flask

import config
from board import create_app
from board.auth.services import invite_user
from board.extensions import db
from tests import factories
from tests.conftest import ROOT
from tests.mailbox import text_of


@dataclass
class Command:
    """One board command of a recipe: the environment it runs in, and its arguments."""

    environ: dict[str, str]
    argv: list[str] = field(default_factory=list)


def board_commands(environ: dict[str, str], *variables: str) -> list[Command]:
    """The `flask --app wsgi` commands `make run` would start, read from `make -n run`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("MAKE")}
    env.pop("BASE_URL", None)
    env.update(environ)
    printed = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *variables],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\\\n", " ")
    commands = []
    for line in printed.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        segment: list[str] = []
        for token in [*lexer, ";"]:
            if token.strip(";&|"):
                segment.append(token)
                continue
            if "--app" in segment and "wsgi" in segment:
                commands.append(parse_env(segment, env))
            segment = []
    return commands


def parse_env(tokens: list[str], environ: dict[str, str]) -> Command:
    command = Command(environ=dict(environ))
    words = iter(tokens[1:] if tokens[0] == "env" else tokens)
    for word in words:
        if word == "-u":
            command.environ.pop(next(words), None)
        elif re.fullmatch(r"[A-Z_]+=.*", word):
            name, _, value = word.partition("=")
            command.environ[name] = value
        else:
            command.argv = [word, *words]
    return command


def base_urls(commands: list[Command]) -> set[str | None]:
    return {command.environ.get("BASE_URL") for command in commands}


@pytest.mark.processes
def test_make_run_gives_every_board_command_the_address_it_serves() -> None:
    commands = board_commands({}, "PORT=5123")
    names = [" ".join(c.argv[c.argv.index("wsgi") + 1 :][:2]) for c in commands]
    assert names == ["board init", "board seed-demo", "board sweep", "run --host"]
    assert base_urls(commands) == {"http://127.0.0.1:5123"}
    assert base_urls(board_commands({}, "HOST=localhost")) == {"http://localhost:5000"}
    assert base_urls(board_commands({})) == {"http://127.0.0.1:5000"}


@pytest.mark.processes
def test_make_run_keeps_a_base_url_set_in_the_environment() -> None:
    behind_a_proxy = {"BASE_URL": "https://board.cluster.example"}
    commands = board_commands(behind_a_proxy, "PORT=5123")
    assert base_urls(commands) == {"https://board.cluster.example"}


@pytest.fixture
def app_of_make_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The board as `make run PORT=5123` serves it: its web command's environment, no other."""
    (web,) = [c for c in board_commands({}, "PORT=5123") if "run" in c.argv]
    for name in config.ENVIRONMENT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
        if name in web.environ:
            monkeypatch.setenv(name, web.environ[name])
    monkeypatch.setenv("BOARD_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    result = app.test_cli_runner().invoke(args=["board", "init"])
    assert result.exit_code == 0, result.output
    return app


@pytest.mark.processes
def test_an_e_mail_written_under_make_run_links_to_the_port_it_serves(
    app_of_make_run: Flask, tmp_path: Path
) -> None:
    with app_of_make_run.app_context():
        firm = factories.make_member("Odra Software")
        invite_user("jan@odra.example", firm, None)
        db.engine.dispose()
    (written,) = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "jan@odra.example"
    links = re.findall(r"https?://\S+", text_of(message))
    assert links and all(link.startswith("http://127.0.0.1:5123/") for link in links), links
    assert any(link.startswith("http://127.0.0.1:5123/invitations/") for link in links)
