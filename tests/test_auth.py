"""Signing in and out: credentials, sessions, redirects, throttling."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
import redis
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from board.auth.passwords import verify_password
from board.auth.services import authenticate
from board.extensions import db
from board.models import MemberStatus, User
from tests import factories
from tests.conftest import (
    CSRF_PATTERN,
    ROOT,
    SECRET_KEY,
    AuthActions,
    scratch_redis_url,
    submit,
)
from tests.mailbox import free_port

WRONG = "The e-mail address or the password is not correct."


@pytest.fixture
def member_account(app: Flask) -> factories.Account:
    with app.app_context():
        member = factories.make_member("Odra Software")
        return factories.make_user(member, email="agnieszka@odra.example")


def test_member_signs_in_and_sees_the_directory(
    client: FlaskClient, auth: AuthActions, member_account: factories.Account
) -> None:
    response = auth.login(member_account.email, member_account.password)
    assert response.status_code == 302
    page = client.get("/members", follow_redirects=True).get_data(as_text=True)
    assert "Odra Software" in page
    assert "Sign out" in page


def test_email_is_matched_case_insensitively(
    auth: AuthActions, member_account: factories.Account
) -> None:
    response = auth.login("  AGNIESZKA@Odra.Example ", member_account.password)
    assert response.status_code == 302


@pytest.mark.parametrize(
    "email, password",
    [("agnieszka@odra.example", "wrong password"), ("nobody@odra.example", "whatever it is")],
    ids=["wrong-password", "unknown-account"],
)
def test_failed_sign_in_does_not_reveal_whether_the_account_exists(
    client: FlaskClient,
    auth: AuthActions,
    member_account: factories.Account,
    email: str,
    password: str,
) -> None:
    response = auth.login(email, password)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert WRONG in page
    assert 'aria-invalid="true"' in page
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    "email, password",
    [
        ("agnieszka@odra.example", "wrong password"),
        ("nobody@odra.example", "whatever it is"),
        ("invited@odra.example", "whatever it is"),
    ],
    ids=["wrong-password", "unknown-account", "invited-without-a-password"],
)
def test_a_failed_sign_in_does_the_same_password_hashing_work_whoever_the_address_is(
    app: Flask,
    auth: AuthActions,
    member_account: factories.Account,
    monkeypatch: pytest.MonkeyPatch,
    email: str,
    password: str,
) -> None:
    """One argon2id computation at the configured cost, whether or not the address has an
    account: the time of the answer tells nothing."""
    with app.app_context():
        factories.make_user(factories.make_member(), email="invited@odra.example", password=None)
    computed: list[tuple[int, int, int]] = []
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def spy(self: PasswordHasher, *args: object, original=original, **kwargs: object) -> object:
            computed.append((self.time_cost, self.memory_cost, self.parallelism))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, spy)
    assert WRONG in auth.login(email, password).get_data(as_text=True)
    config = app.config
    expected = (config["PASSWORD_TIME_COST"], config["PASSWORD_MEMORY_COST"],
                config["PASSWORD_PARALLELISM"])  # fmt: skip
    assert computed == [expected]


def test_user_of_a_suspended_firm_cannot_sign_in(app: Flask, auth: AuthActions) -> None:
    with app.app_context():
        member = factories.make_member(status=MemberStatus.SUSPENDED)
        account = factories.make_user(member)
    assert WRONG in auth.login(account.email, account.password).get_data(as_text=True)


def test_deactivated_user_cannot_sign_in(app: Flask, auth: AuthActions) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member())
        db.session.get(User, account.id).active = False
        db.session.commit()
    assert WRONG in auth.login(account.email, account.password).get_data(as_text=True)


def test_invited_user_without_password_cannot_sign_in(app: Flask, auth: AuthActions) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member(), password=None)
    response = auth.login(account.email, "any password at all")
    assert WRONG in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/member", "/member"),
        ("/members?page=2", "/members?page=2"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_sign_in_returns_only_to_pages_of_this_site(
    client: FlaskClient, member_account: factories.Account, target: str, expected: str
) -> None:
    data = {"email": member_account.email, "password": member_account.password}
    response = submit(client, f"/login?next={target}", data, form_page="/login")
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_pages_for_members_send_anonymous_users_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/member")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<p class="flash flash-info">Please sign in to see this page.</p>' in page


def test_sign_in_starts_a_new_session(
    app: Flask, client: FlaskClient, auth: AuthActions, member_account: factories.Account
) -> None:
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before sign-in"
    auth.login(member_account.email, member_account.password)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


def test_sign_out_ends_the_session_everywhere_even_for_a_copied_cookie(
    app: Flask, client: FlaskClient, auth: AuthActions, member_account: factories.Account
) -> None:
    auth.login(member_account.email, member_account.password, remember="y")
    stolen_session = client.get_cookie("session").value
    stolen_remember = client.get_cookie("remember_token").value
    assert auth.logout().status_code == 302
    assert client.get("/account").status_code == 302

    other = app.test_client()
    other.set_cookie("session", stolen_session)
    assert other.get("/account").status_code == 302
    other = app.test_client()
    other.set_cookie("remember_token", stolen_remember)
    assert other.get("/account").status_code == 302


def test_logout_is_refused_without_csrf_token(
    client: FlaskClient, auth: AuthActions, member_account: factories.Account
) -> None:
    auth.login(member_account.email, member_account.password)
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200


def test_sign_in_is_throttled_after_repeated_failures_for_one_account(
    app: Flask, member_account: factories.Account
) -> None:
    for attempt in range(10):
        # Each attempt from a different address: the account's own limit still applies.
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{attempt + 1}"
        assert AuthActions(client).login(member_account.email, "wrong").status_code == 200
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    response = AuthActions(client).login(member_account.email, member_account.password)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_sign_in_is_throttled_per_address_across_accounts(client: FlaskClient, app: Flask) -> None:
    for n in range(10):
        assert AuthActions(client).login(f"guess{n}@odra.example", "wrong").status_code == 200
    assert AuthActions(client).login("guess@odra.example", "wrong").status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(
    app: Flask, member_account: factories.Account
) -> None:
    for _ in range(12):
        client = app.test_client()
        response = AuthActions(client).login(member_account.email, member_account.password)
        assert response.status_code == 302


def test_sign_in_records_the_time(
    app: Flask, auth: AuthActions, member_account: factories.Account
) -> None:
    auth.login(member_account.email, member_account.password)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == member_account.email))
        assert user.last_login_at is not None


def test_a_user_whose_firm_is_suspended_is_signed_out_at_the_next_request(
    app: Flask, client: FlaskClient, auth: AuthActions, member_account: factories.Account
) -> None:
    auth.login(member_account.email, member_account.password)
    assert client.get("/member").status_code == 200
    with app.app_context():
        db.session.get(User, member_account.id).member.status = MemberStatus.SUSPENDED
        db.session.commit()
    assert client.get("/member").status_code == 302


def test_password_reset_requests_are_throttled_per_address(
    app: Flask, member_account: factories.Account, mailbox
) -> None:
    for attempt in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.2.{attempt + 1}"
        response = submit(client, "/password/forgot", {"email": member_account.email})
        assert response.status_code == 302
    client = app.test_client()
    response = submit(client, "/password/forgot", {"email": member_account.email})
    assert response.status_code == 429
    assert len(mailbox.wait_for(5)) == 5


@pytest.mark.processes
def test_sign_in_limits_are_shared_between_web_processes_through_redis(
    app: Flask,
    database_urls: dict[str, str],
    member_account: factories.Account,
    tmp_path: Path,
) -> None:
    """Failures counted by one gunicorn process count in another when REDIS_URL is set."""
    storage = scratch_redis_url()
    redis.Redis.from_url(storage).flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": database_urls[app.config["BACKEND"]],
        "REDIS_URL": storage,
        "SECRET_KEY": SECRET_KEY,
        "BOARD_INSTANCE_PATH": str(tmp_path),
    }
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        browser = build_opener(HTTPCookieProcessor(CookieJar()))
        statuses = [
            sign_in_over_http(browser, ports[attempt % 2], member_account.email, "wrong")
            for attempt in range(11)
        ]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
    assert statuses == [200] * 10 + [429]


def sign_in_over_http(browser, port: int, email: str, password: str) -> int:
    base = f"http://127.0.0.1:{port}"
    # Wait for gunicorn to listen and for its worker to load the app: on a busy machine
    # that can take longer than one read's timeout.
    deadline = time.monotonic() + 60
    while True:
        try:
            page = browser.open(f"{base}/login", timeout=5).read().decode()
            break
        except (URLError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    token = CSRF_PATTERN.search(page).group(1)
    form = urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    try:
        return browser.open(f"{base}/login", data=form, timeout=10).status
    except HTTPError as error:
        return error.code


def test_no_password_opens_an_unknown_account_or_one_without_a_password(app: Flask) -> None:
    with app.app_context():
        invited = factories.make_user(factories.make_member("Odra Software"), password=None)
        assert verify_password(None, factories.PASSWORD) is False
        assert verify_password(db.session.get(User, invited.id), factories.PASSWORD) is False


def test_a_hash_of_an_older_cost_is_replaced_at_sign_in_and_a_current_one_kept(
    app: Flask, member_account: factories.Account
) -> None:
    with app.app_context():
        current = db.session.get_one(User, member_account.id).password_hash
        assert authenticate(member_account.email, member_account.password) is not None
        assert db.session.get_one(User, member_account.id).password_hash == current
        app.config["PASSWORD_TIME_COST"] += 1  # the operator raised the cost since
        assert authenticate(member_account.email, member_account.password) is not None
        upgraded = db.session.get_one(User, member_account.id).password_hash
        assert upgraded != current and "t=2" in upgraded
        assert verify_password(db.session.get(User, member_account.id), member_account.password)


def test_a_sign_in_is_remembered_on_the_device_only_when_asked(
    app: Flask, member_account: factories.Account
) -> None:
    for remember, kept in (({}, False), ({"remember": "y"}, True)):
        client = app.test_client()
        AuthActions(client).login(member_account.email, member_account.password, **remember)
        assert (client.get_cookie("remember_token") is not None) == kept
    # A session begun again by a change of password is not remembered unless asked either.
    client = app.test_client()
    AuthActions(client).login(member_account.email, member_account.password)
    new = "another long password"
    change = {"current_password": member_account.password, "password": new, "confirm": new}
    assert submit(client, "/account/password", change).status_code == 302
    assert client.get_cookie("remember_token") is None


def test_a_session_taken_to_another_browser_is_signed_out(
    app: Flask, member_account: factories.Account
) -> None:
    """A session cookie copied to another browser (another User-Agent) opens nothing."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "Firefox/140"
    AuthActions(client).login(member_account.email, member_account.password)
    assert client.get("/member").status_code == 200
    client.environ_base["HTTP_USER_AGENT"] = "curl/8.0"
    assert client.get("/member").status_code == 302
