"""Invitations, password resets and password changes, through the real SMTP server."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from freezegun import freeze_time
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, select

import board.jobs
from board.extensions import db
from board.models import Application, AuditEvent, Member, User
from tests import factories
from tests.conftest import SECRET_KEY, AuthActions, csrf_token, submit
from tests.mailbox import Mailbox, html_of, text_of

NEW_PASSWORD = "a brand new passphrase"


def link_in(message, path: str) -> str:
    """The path of the board link in an e-mail's text part (the host is BASE_URL's)."""
    match = re.search(rf"http://board\.test({path}/[\w.-]+)", text_of(message))
    assert match, f"no {path} link in:\n{text_of(message)}"
    return match.group(1)


@pytest.fixture
def staff(app: Flask) -> factories.Account:
    with app.app_context():
        return factories.make_user(is_staff=True, email="clara@cluster.example")


def add_member(client: FlaskClient, **fields: object):
    data = {
        "member_name": "Spreewerk Digital GmbH",
        "country": "DE",
        "website": "spreewerk.example",
        "email": "lena@spreewerk.example",
        "competences": ["react", "figma-prototyping"],
        "locale": "en",  # not German, the firm's country's: these tests read English
        **fields,
    }
    return submit(client, "/staff/members/new", data)


def test_staff_adds_a_member_and_the_invited_user_joins(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: factories.Account, mailbox: Mailbox
) -> None:
    auth.login(staff.email, staff.password)
    response = add_member(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/members/spreewerk-digital-gmbh"
    auth.logout()

    (invitation,) = mailbox.wait_for(1, to="lena@spreewerk.example")
    assert invitation["Subject"] == "You are invited to the cluster procurement board"
    assert "Spreewerk Digital GmbH" in text_of(invitation)
    path = link_in(invitation, "/invitations")
    assert f'href="http://board.test{path}"' in html_of(invitation)

    page = client.get(path).get_data(as_text=True)
    assert "lena@spreewerk.example" in page
    response = submit(
        client, path, {"name": "Lena Hoffmann", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert "Lena Hoffmann" in client.get("/account").get_data(as_text=True)

    auth.logout()
    assert auth.login("lena@spreewerk.example", NEW_PASSWORD).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lena@spreewerk.example"))
        assert user.member.name == "Spreewerk Digital GmbH"
        assert [c.slug for c in user.member.competences] == ["react", "figma-prototyping"]
        assert user.member.website == "https://spreewerk.example"
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"member.created", "user.invited", "user.invitation_accepted"} <= actions


@pytest.mark.worker
def test_invitation_is_sent_by_the_celery_worker_on_redis(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: factories.Account, mailbox: Mailbox
) -> None:
    auth.login(staff.email, staff.password)
    assert add_member(client).status_code == 302
    auth.logout()
    (invitation,) = mailbox.wait_for(1, to="lena@spreewerk.example", timeout=30)
    path = link_in(invitation, "/invitations")
    data = {"name": "Lena Hoffmann", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert submit(client, path, data).status_code == 302
    auth.logout()
    assert auth.login("lena@spreewerk.example", NEW_PASSWORD).status_code == 302


def test_invitation_link_works_once(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: factories.Account, mailbox: Mailbox
) -> None:
    auth.login(staff.email, staff.password)
    add_member(client)
    auth.logout()
    path = link_in(mailbox.wait_for(1)[0], "/invitations")
    data = {"name": "Lena Hoffmann", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    submit(client, path, data)
    auth.logout()
    response = client.get(path)
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)


def test_member_invites_a_colleague(
    app: Flask, client: FlaskClient, auth: AuthActions, mailbox: Mailbox
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member("Odra Software"))
    auth.login(account.email, account.password)
    response = submit(client, "/member/invite", {"email": "tomasz@odra.example"})
    assert response.status_code == 302
    (invitation,) = mailbox.wait_for(1, to="tomasz@odra.example")
    assert "Odra Software" in text_of(invitation)
    assert "tomasz@odra.example" in client.get("/member").get_data(as_text=True)


def answer(client: FlaskClient, response, email: str) -> tuple[int, str, list[str]]:
    """What an invitation form answers: its status, where it leads and the messages shown
    there, as they read whatever address was invited."""
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    messages = re.findall(r'<p class="flash[^"]*">(.*?)</p>', page, re.S)
    shown = [message.replace(email, "ADDRESS") for message in messages]
    return response.status_code, response.headers["Location"], shown


def test_inviting_an_address_that_has_an_account_answers_as_any_invitation_and_tells_its_owner(
    app: Flask, client: FlaskClient, auth: AuthActions, mailbox: Mailbox
) -> None:
    with app.app_context():
        member = factories.make_member("Odra Software")
        account = factories.make_user(member)
        other = factories.make_user(factories.make_member(), email="taken@else.example")
    auth.login(account.email, account.password)
    invited = submit(client, "/member/invite", {"email": "new@odra.example"})
    expected = answer(client, invited, "new@odra.example")
    mailbox.wait_for(1, to="new@odra.example")

    taken = submit(client, "/member/invite", {"email": " Taken@Else.example"})

    assert answer(client, taken, "taken@else.example") == expected
    assert expected == (302, "/member", ["An invitation is on its way to ADDRESS."])
    (told,) = mailbox.wait_for(1, to=other.email)
    assert told["Subject"] == "Someone used your e-mail address on the cluster procurement board"
    body = text_of(told)
    assert "Someone at Odra Software tried to invite you" in body
    assert "http://board.test/login" in body and "http://board.test/password/forgot" in body
    assert "/invitations/" not in body
    assert len(mailbox.messages) == 2
    with app.app_context():
        user = db.session.get(User, other.id)
        assert (user.member_id, user.invited_at) == (other.member_id, None)


def test_staff_adding_a_firm_are_told_the_address_is_taken(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: factories.Account, mailbox: Mailbox
) -> None:
    with app.app_context():
        factories.make_user(factories.make_member(), email="lena@spreewerk.example")
    auth.login(staff.email, staff.password)
    response = add_member(client)
    assert response.status_code == 200
    assert "This address already belongs to a user of the board." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Member.id).where(Member.name.like("Spreewerk%"))) is None
    assert mailbox.messages == []


def test_password_reset_through_the_smtp_server(
    app: Flask, client: FlaskClient, auth: AuthActions, mailbox: Mailbox
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member(), email="radu@somes.example")
    response = submit(client, "/password/forgot", {"email": "Radu@Somes.example"})
    assert response.status_code == 302
    (message,) = mailbox.wait_for(1, to="radu@somes.example")
    assert message["Subject"] == "Reset your password"
    path = link_in(message, "/password/reset")

    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = submit(client, path, data)
    assert response.status_code == 302
    assert auth.login(account.email, account.password).status_code == 200
    assert auth.login(account.email, NEW_PASSWORD).status_code == 302

    auth.logout()
    reused = client.get(path)
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)


def test_expired_reset_link_gets_a_clear_message(
    app: Flask, client: FlaskClient, mailbox: Mailbox
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member())
    with freeze_time("2026-11-23 10:00:00"):
        submit(client, "/password/forgot", {"email": account.email})
        path = link_in(mailbox.wait_for(1)[0], "/password/reset")
    with freeze_time("2026-11-23 11:00:30"):
        response = client.get(path)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "has expired" in page
    assert 'href="/password/forgot"' in page


def test_reset_link_dies_when_the_password_changes_another_way(
    app: Flask, client: FlaskClient, auth: AuthActions, mailbox: Mailbox
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member())
    submit(client, "/password/forgot", {"email": account.email})
    path = link_in(mailbox.wait_for(1)[0], "/password/reset")
    auth.login(account.email, account.password)
    data = {"current_password": account.password, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert submit(client, "/account/password", data).status_code == 302
    auth.logout()
    assert client.get(path).status_code == 400


def test_unknown_address_gets_the_same_answer_and_no_mail(
    client: FlaskClient, mailbox: Mailbox
) -> None:
    response = submit(client, "/password/forgot", {"email": "nobody@nowhere.example"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "If nobody@nowhere.example belongs to a user of the board" in page
    assert mailbox.messages == []


@dataclass
class ResetRequest:
    """What one POST /password/forgot did: its answer, its SQL and the jobs it started."""

    status: int
    location: str
    statements: list[str]
    jobs: list[tuple[str, int]]


def request_reset(app: Flask, client: FlaskClient, email: str, jobs: list) -> ResetRequest:
    token = csrf_token(client, "/password/forgot")
    statements: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    started = len(jobs)
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.post("/password/forgot", data={"csrf_token": token, "email": email})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return ResetRequest(
        response.status_code, response.headers.get("Location", ""), statements, jobs[started:]
    )


def test_a_reset_request_does_the_same_work_whether_or_not_the_address_has_an_account(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither the answer nor the work behind it (and so its time) says who is registered."""
    with app.app_context():
        member = factories.make_member()
        registered = factories.make_user(member, email="radu@somes.example")
        invited = factories.make_user(member, email="ioana@somes.example", password=None)
    started: list[tuple[str, int]] = []
    # The jobs are recorded, not run: what is compared is the request's own work.
    monkeypatch.setattr(board.jobs, "start", lambda name, args: started.append((name, len(args))))

    known = request_reset(app, client, registered.email, started)
    pending = request_reset(app, client, invited.email, started)
    unknown = request_reset(app, client, "nobody@somes.example", started)

    assert (known.status, known.location) == (302, "/login")
    assert known.jobs == [("notify.send", 1)]
    assert any(s.startswith("INSERT INTO notifications") for s in known.statements)
    for other in (pending, unknown):
        assert (other.status, other.location) == (known.status, known.location)
        assert other.statements == known.statements
        assert other.jobs == known.jobs


def test_password_change_signs_out_other_devices_but_not_this_one(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member())
    other_device = app.test_client()
    AuthActions(other_device).login(account.email, account.password)
    auth.login(account.email, account.password)
    data = {"current_password": account.password, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert submit(client, "/account/password", data).status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302


def test_password_change_needs_the_current_password(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member())
    auth.login(account.email, account.password)
    data = {
        "current_password": "not my password",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    response = submit(client, "/account/password", data)
    assert response.status_code == 200
    assert "The current password is not correct." in response.get_data(as_text=True)
    auth.logout()
    assert auth.login(account.email, account.password).status_code == 302


def test_passwords_are_stored_as_argon2id(app: Flask) -> None:
    with app.app_context():
        account = factories.make_user(factories.make_member())
        assert db.session.get(User, account.id).password_hash.startswith("$argon2id$")


# Throttling invitations ---------------------------------------------------------------------

THROTTLED = "Too many invitations have been sent in a short time. Please try again later."


def invited(app: Flask) -> list[str]:
    """The addresses of every user invited so far, in order."""
    with app.app_context():
        query = select(User.email).where(User.invited_at.is_not(None)).order_by(User.id)
        return list(db.session.scalars(query))


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)


def test_an_inviter_is_throttled_over_every_invitation_form(
    app: Flask, staff: factories.Account, mailbox: Mailbox
) -> None:
    app.config["INVITE_RATE_LIMIT"] = "2 per hour"
    with app.app_context():
        odra = factories.make_member("Odra Software")
        member_user = factories.make_user(odra, email="anna@odra.example")
        colleague = factories.make_user(odra, email="tomasz@odra.example")
        other_staff = factories.make_user(is_staff=True, email="ioana@cluster.example")

    clara = app.test_client()
    AuthActions(clara).login(staff.email, staff.password)
    assert submit(clara, "/staff/users", {"email": "radu@cluster.example"}).status_code == 302
    assert add_member(clara).status_code == 302
    assert_throttled(submit(clara, "/staff/users", {"email": "elena@cluster.example"}))
    assert_throttled(add_member(clara, member_name="Elbtal GmbH", email="m@elbtal.example"))
    # A form sent back with an error did not count: other staff still invite.
    ioana = app.test_client()
    AuthActions(ioana).login(other_staff.email, other_staff.password)
    assert submit(ioana, "/staff/users", {"email": "not an address"}).status_code == 200
    assert submit(ioana, "/staff/users", {"email": "elena@cluster.example"}).status_code == 302

    anna = app.test_client()
    AuthActions(anna).login(member_user.email, member_user.password)
    for address in ("jan@odra.example", "ola@odra.example"):
        assert submit(anna, "/member/invite", {"email": address}).status_code == 302
    assert_throttled(submit(anna, "/member/invite", {"email": "piotr@odra.example"}))
    tomasz = app.test_client()
    AuthActions(tomasz).login(colleague.email, colleague.password)
    assert submit(tomasz, "/member/invite", {"email": "piotr@odra.example"}).status_code == 302

    assert invited(app) == [
        "radu@cluster.example",
        "lena@spreewerk.example",
        "elena@cluster.example",
        "jan@odra.example",
        "ola@odra.example",
        "piotr@odra.example",
    ]
    with app.app_context():
        assert db.session.scalar(select(Member.id).where(Member.name == "Elbtal GmbH")) is None
    assert len(mailbox.wait_for(6)) == 6


def test_an_address_is_throttled_whoever_invites_it(
    app: Flask, staff: factories.Account, mailbox: Mailbox
) -> None:
    app.config["INVITE_ADDRESS_RATE_LIMIT"] = "2 per day"
    with app.app_context():
        odra = factories.make_member("Odra Software")
        anna = factories.make_user(odra, email="anna@odra.example")
        tomasz = factories.make_user(odra, email="tomasz@odra.example")
    first, second = app.test_client(), app.test_client()
    AuthActions(first).login(anna.email, anna.password)
    AuthActions(second).login(tomasz.email, tomasz.password)

    assert submit(first, "/member/invite", {"email": "jan@odra.example"}).status_code == 302
    assert submit(second, "/member/invite", {"email": "Jan@Odra.example "}).status_code == 302
    assert_throttled(submit(first, "/member/invite", {"email": "JAN@odra.example"}))
    clara = app.test_client()
    AuthActions(clara).login(staff.email, staff.password)
    assert_throttled(add_member(clara, email="jan@odra.example"))
    assert_throttled(submit(clara, "/staff/users", {"email": "jan@odra.example"}))
    assert add_member(clara).status_code == 302

    assert invited(app) == ["jan@odra.example", "lena@spreewerk.example"]
    with app.app_context():
        invitations = select(AuditEvent.id).where(AuditEvent.action == "user.invited")
        assert len(db.session.scalars(invitations).all()) == 3
    assert len(mailbox.wait_for(3)) == 3
    assert len(mailbox.to("jan@odra.example")) == 2


# An invitation not accepted yet -------------------------------------------------------------


def signed_in_as(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(account.email, account.password).status_code == 302
    return client


def member_of(app: Flask, email: str) -> tuple[str | None, bool]:
    """The firm (by name) and staff flag of the user with this address."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return (user.member.name if user.member else None), user.is_staff


def accept(app: Flask, path: str) -> int:
    """Follow an invitation link and choose a password: the status of the refusal, or of the
    answer to the form."""
    client = app.test_client()
    page = client.get(path)
    if page.status_code != 200:
        return page.status_code
    data = {"name": "Jan Kowalski", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    return submit(client, path, data).status_code


def test_an_invitation_not_accepted_moves_to_the_firm_that_invites_next(
    app: Flask, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_user(factories.make_member("Odra Software"))
        warta = factories.make_user(factories.make_member("Warta Data"))
    response = submit(signed_in_as(app, odra), "/member/invite", {"email": "jan@example.pl"})
    assert response.status_code == 302
    (first,) = mailbox.wait_for(1, to="jan@example.pl")
    first_link = link_in(first, "/invitations")

    warta_client = signed_in_as(app, warta)
    response = submit(warta_client, "/member/invite", {"email": "Jan@Example.pl"})
    assert response.status_code == 302
    page = warta_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "An invitation is on its way to jan@example.pl." in page
    assert "jan@example.pl" in page  # among Warta's users
    assert member_of(app, "jan@example.pl") == ("Warta Data", False)

    second = [m for m in mailbox.wait_for(2, to="jan@example.pl") if m is not first][0]
    assert "Warta Data" in text_of(second)
    refused = app.test_client().get(first_link)
    assert refused.status_code == 400
    assert "not valid" in refused.get_data(as_text=True)
    assert accept(app, first_link) == 400
    assert accept(app, link_in(second, "/invitations")) == 302
    assert member_of(app, "jan@example.pl") == ("Warta Data", False)
    with app.app_context():
        moves = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "user.invited")
        ).all()
        assert moves[-1] == {"email": "jan@example.pl", "moved_from": f"member:{odra.member_id}"}


def test_staff_move_an_invitation_not_accepted_to_the_staff_and_back_to_a_firm(
    app: Flask, staff: factories.Account, mailbox: Mailbox
) -> None:
    app.config["INVITE_ADDRESS_RATE_LIMIT"] = "10 per day"
    with app.app_context():
        odra = factories.make_user(factories.make_member("Odra Software"))
    submit(signed_in_as(app, odra), "/member/invite", {"email": "jan@example.pl"})
    clara = signed_in_as(app, staff)
    assert submit(clara, "/staff/users", {"email": "jan@example.pl"}).status_code == 302
    assert member_of(app, "jan@example.pl") == (None, True)
    # A firm's user cannot take an invitation to the staff (and is told what anyone is).
    response = submit(signed_in_as(app, odra), "/member/invite", {"email": "jan@example.pl"})
    assert response.status_code == 302
    assert member_of(app, "jan@example.pl") == (None, True)
    assert add_member(clara, email="jan@example.pl").status_code == 302
    assert member_of(app, "jan@example.pl") == ("Spreewerk Digital GmbH", False)

    messages = mailbox.wait_for(3, to="jan@example.pl")
    links = [link_in(message, "/invitations") for message in messages]
    assert [accept(app, path) for path in links] == [400, 400, 302]


def test_an_invited_address_may_apply_and_approval_moves_the_invitation(
    app: Flask, staff: factories.Account, mailbox: Mailbox
) -> None:
    with app.app_context():
        odra = factories.make_user(factories.make_member("Odra Software"))
    submit(signed_in_as(app, odra), "/member/invite", {"email": "jan@example.pl"})
    old_link = link_in(mailbox.wait_for(1, to="jan@example.pl")[0], "/invitations")

    application = {
        "member_name": "Kowalski IT",
        "name": "Jan Kowalski",
        "email": "jan@example.pl",
        "competences": ["python"],
    }
    response = submit(app.test_client(), "/apply", application)
    assert "The application of Kowalski IT is with the cluster staff." in response.get_data(
        as_text=True
    )
    with app.app_context():
        application_id = db.session.scalar(select(Application.id))
    clara = signed_in_as(app, staff)
    response = submit(
        clara, f"/staff/applications/{application_id}/approve", {}, "/staff/applications"
    )
    page = clara.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kowalski IT is a member; jan@example.pl is invited." in page
    assert member_of(app, "jan@example.pl") == ("Kowalski IT", False)

    new = [m for m in mailbox.wait_for(2, to="jan@example.pl") if "Kowalski IT" in text_of(m)]
    assert accept(app, old_link) == 400
    assert accept(app, link_in(new[0], "/invitations")) == 302
    assert member_of(app, "jan@example.pl") == ("Kowalski IT", False)


def test_an_invitation_link_that_names_no_firm_works_until_the_user_is_invited_again(
    app: Flask,
) -> None:
    with app.app_context():
        odra = factories.make_user(factories.make_member("Odra Software"))
        warta = factories.make_user(factories.make_member("Warta Data"))
    with freeze_time("2026-11-23 10:00:00"):
        submit(signed_in_as(app, odra), "/member/invite", {"email": "jan@example.pl"})
        with app.app_context():
            user_id = db.session.scalar(select(User.id).where(User.email == "jan@example.pl"))
        # The user id and the fingerprint of no password, as invitation links used to carry.
        unset = hashlib.sha256(b"").hexdigest()[:16]
        serializer = URLSafeTimedSerializer(SECRET_KEY, salt="board.invitation")
        token = serializer.dumps([user_id, unset])
        assert app.test_client().get(f"/invitations/{token}").status_code == 200
    with freeze_time("2026-11-23 10:00:05"):
        submit(signed_in_as(app, warta), "/member/invite", {"email": "jan@example.pl"})
        assert app.test_client().get(f"/invitations/{token}").status_code == 400
