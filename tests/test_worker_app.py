"""The Celery worker's app: what tasks use, without the web app's pages and extensions."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from board.web import LINKED_PAGES

ROOT = Path(__file__).resolve().parent.parent

# Each of these would cost every worker process memory that no task uses.
WEB_ONLY = (
    "alembic",
    "flask_migrate",
    "flask_limiter",
    "board.commands",
    "board.account.views",
    "board.auth.views",
    "board.main.views",
    "board.members.views",
    "board.needs.views",
    "board.offers.views",
    "board.reports.views",
    "board.staff.views",
    "board.api.views",
    "board.feeds.views",
    "board.feeds.services",
    "pydantic",
    "feedgen",
    "icalendar",
)


@pytest.mark.processes
def test_worker_imports_no_web_only_module(tmp_path: Path) -> None:
    """`import worker` builds the worker's app without the pages, the limiter or migrations."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "REDIS_URL", "BOARD_ENV")
    }
    env["BOARD_INSTANCE_PATH"] = str(tmp_path)
    script = (
        "import sys, worker\n"
        f"print(' '.join(m for m in {WEB_ONLY!r} if m in sys.modules))\n"
        "print(' '.join(rule.endpoint for rule in worker.flask_app.url_map.iter_rules()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    imported, endpoints = result.stdout.splitlines()
    assert imported == ""
    assert set(endpoints.split()) == {"static", *LINKED_PAGES}


def test_linked_pages_are_the_blueprints_rules(app: Flask) -> None:
    """The worker links to the same addresses as the pages the web app serves."""
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    assert {endpoint: rules.get(endpoint) for endpoint in LINKED_PAGES} == LINKED_PAGES


def test_email_links_go_to_linked_pages() -> None:
    """Every endpoint the board's code links to from e-mail is one the worker's app knows.

    Modules only the web app imports (the feeds, the API, the account page) build their links
    in the web app, which has every page's rule.
    """
    call = re.compile(r"""(?:external_url|self\.url)\(\s*["']([\w.]+)["']""")
    used = {
        endpoint
        for path in (ROOT / "board").rglob("*.py")
        if ".".join(path.relative_to(ROOT).with_suffix("").parts) not in WEB_ONLY
        for endpoint in call.findall(path.read_text(encoding="utf-8"))
    }
    assert used
    assert used <= set(LINKED_PAGES)
