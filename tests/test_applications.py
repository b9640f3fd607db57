"""A firm applies to join; staff hear of it by e-mail, approve or refuse it; the applicant joins.

Every e-mail goes through the real SMTP server of the suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.extensions import db
from board.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Member,
    MemberStatus,
    Notification,
    User,
)
from tests import factories
from tests.conftest import CSRF_PATTERN, AuthActions, submit
from tests.mailbox import Mailbox, html_of, text_of
from tests.test_moderation import assert_error_next_to, flashed, has, signed_in, subject, text

FIRM = "Spreewerk Digital GmbH"
APPLICANT = "lena@spreewerk.example"
NEW_PASSWORD = "a river runs through Berlin"
MESSAGE = "We build React front ends for logistics firms and joined the cluster in May."
APPLICATION = {
    "member_name": FIRM,
    "name": "Lena Hoffmann",
    "email": APPLICANT,
    "competences": ["react", "figma-prototyping"],
    "message": MESSAGE,
}
REFUSAL = "Only firms with an office in the cluster's region can join; yours is in Hamburg."


@dataclass
class Staff:
    reviewer: factories.Account  # review e-mails on (the default)
    colleague: factories.Account  # review e-mails on (the default)
    quiet: factories.Account  # turned review e-mails off on /account


@pytest.fixture
def staff(app: Flask) -> Staff:
    with app.app_context():
        reviewer = factories.make_user(is_staff=True, email="clara@cluster.example", name="Clara")
        colleague = factories.make_user(is_staff=True, email="ioana@cluster.example", name="Ioana")
        quiet = factories.make_user(is_staff=True, email="bogdan@cluster.example", name="Bogdan")
    client = signed_in(app, quiet)
    box = re.search(r'<input[^>]*name="notify_reviews"[^>]*>', text(client, "/account"))
    assert box and "checked" in box.group(0), "review e-mails are not on by default"
    # A browser sends nothing for an unticked box.
    data = {"name": "Bogdan Ionescu", "locale": "en", "notify": "instant"}
    response = submit(client, "/account", data)
    assert response.status_code == 302, "the account form did not save"
    with app.app_context():
        assert db.session.get(User, quiet.id).notify_reviews is False
        assert db.session.get(User, reviewer.id).notify_reviews is True
    return Staff(reviewer=reviewer, colleague=colleague, quiet=quiet)


def apply(client: FlaskClient, **changes: object):
    """Send the application form as an anonymous visitor, with the token of /apply."""
    return submit(client, "/apply", {**APPLICATION, **changes})


def applications(app: Flask) -> list[tuple[str, str, ApplicationStatus]]:
    with app.app_context():
        query = select(Application).order_by(Application.id)
        return [(a.member_name, a.email, a.status) for a in db.session.scalars(query)]


def the_application(app: Flask) -> int:
    with app.app_context():
        (application_id,) = db.session.scalars(select(Application.id)).all()
        return application_id


def audit_trail(app: Flask) -> list[tuple[str, str, int | None]]:
    """(action, target type, actor id) of every audit event, oldest first."""
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        return [(e.action, e.target_type, e.actor_id) for e in db.session.scalars(query)]


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def link(message, path: str) -> str:
    """The path of the board link to `path` in an e-mail's text part."""
    match = re.search(rf"http://board\.test({path}/[\w.-]+)", text_of(message))
    assert match, f"no {path} link in:\n{text_of(message)}"
    return match.group(1)


def post(client: FlaskClient, path: str, data: dict | None = None):
    return submit(client, path, data or {}, form_page="/staff/applications")


# The whole path ---------------------------------------------------------------------------


def test_a_firm_applies_staff_approve_and_the_applicant_joins(
    app: Flask, client: FlaskClient, staff: Staff, mailbox: Mailbox
) -> None:
    # An anonymous visitor sends the application and is thanked.
    response = apply(client)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert has(page, "Thank you")
    assert has(page, f"The application of {FIRM} is with the cluster staff.")
    assert has(page, APPLICANT)

    # Each reviewing staff member is e-mailed once; the one who turned it off is not.
    for account in (staff.reviewer, staff.colleague):
        (announcement,) = mailbox.wait_for(1, to=account.email)
        assert subject(announcement) == f"A firm applies to join the board: {FIRM}"
        body = text_of(announcement)
        assert FIRM in body and "Lena Hoffmann" in body and APPLICANT in body
        assert "http://board.test/staff/applications" in body
        assert "http://board.test/staff/applications" in html_of(announcement)
    with app.app_context():
        recipients = db.session.scalars(select(Notification.user_id)).all()
    assert sorted(recipients) == sorted([staff.reviewer.id, staff.colleague.id])
    assert mailbox.to(staff.quiet.email) == []
    assert len(mailbox.messages) == 2

    # Staff find it in the queue, with what the firm wrote.
    reviewer = signed_in(app, staff.reviewer)
    dashboard = text(reviewer, "/staff")
    assert re.search(r'<span class="count">1</span>\s*membership application\b', dashboard)
    page = text(reviewer, "/staff/applications")
    for shown in (FIRM, "Lena Hoffmann", APPLICANT, "React", MESSAGE, "Approve and invite"):
        assert has(page, shown), shown

    application_id = the_application(app)
    response = post(reviewer, f"/staff/applications/{application_id}/approve")
    page = flashed(reviewer, response)
    assert has(page, f"{FIRM} is a member; {APPLICANT} is invited.")
    assert has(page, "No applications are waiting.")
    assert re.search(
        r'<span class="count">0</span>\s*membership applications', text(reviewer, "/staff")
    )

    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.name == FIRM))
        assert member is not None
        assert member.status == MemberStatus.ACTIVE
        assert [c.slug for c in member.competences] == ["react", "figma-prototyping"]
        application = db.session.get(Application, application_id)
        assert application.status == ApplicationStatus.APPROVED
        assert application.member_id == member.id
        assert application.decided_by_id == staff.reviewer.id
        member_id = member.id

    # The applicant follows the invitation, chooses a password and is in.
    (invitation,) = mailbox.wait_for(1, to=APPLICANT)
    assert subject(invitation) == "You are invited to the cluster procurement board"
    assert FIRM in text_of(invitation)
    path = link(invitation, "/invitations")
    applicant = app.test_client()
    assert has(text(applicant, path), f"You have been invited as a user of {FIRM}.")
    data = {"name": "Lena Hoffmann", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = submit(applicant, path, data)
    assert response.status_code == 302
    assert has(flashed(applicant, response), "Welcome to the board, Lena Hoffmann.")

    AuthActions(applicant).logout()
    assert AuthActions(applicant).login(APPLICANT, NEW_PASSWORD).status_code == 302
    assert has(text(applicant, "/needs"), "My firm")
    own = text(applicant, "/member")
    assert has(own, FIRM) and has(own, f"Lena Hoffmann <{APPLICANT}>")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == APPLICANT))
        assert (user.member_id, user.is_staff) == (member_id, False)

    trail = audit_trail(app)
    assert ("application.submitted", "application", None) in trail
    assert ("application.approved", "application", staff.reviewer.id) in trail
    assert ("member.created", "member", staff.reviewer.id) in trail
    assert ("user.invited", "user", staff.reviewer.id) in trail


# Refusing ---------------------------------------------------------------------------------


def test_staff_refuse_an_application_and_the_applicant_reads_why(
    app: Flask, client: FlaskClient, staff: Staff, mailbox: Mailbox
) -> None:
    apply(client)
    mailbox.wait_for(1, to=staff.reviewer.email)
    application_id = the_application(app)
    reviewer = signed_in(app, staff.reviewer)
    response = post(reviewer, f"/staff/applications/{application_id}/reject", {"reason": REFUSAL})
    page = flashed(reviewer, response)
    assert has(page, f"The application is refused and {APPLICANT} is told why.")
    assert has(page, "No applications are waiting.")
    assert has(page, f"refused: {REFUSAL}")

    (refusal,) = mailbox.wait_for(1, to=APPLICANT)
    assert subject(refusal) == "Your application to the cluster procurement board"
    assert "Hello Lena Hoffmann," in text_of(refusal)
    assert REFUSAL in text_of(refusal) and FIRM in text_of(refusal)
    assert has(html_of(refusal), REFUSAL)

    assert applications(app) == [(FIRM, APPLICANT, ApplicationStatus.REJECTED)]
    assert count(app, Member) == 0
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == APPLICANT)) is None
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "application.rejected")
        )
        assert (event.actor_id, event.target_id) == (staff.reviewer.id, application_id)
        assert event.detail == {"reason": REFUSAL}


@pytest.mark.parametrize("reason", ["", "  \n "])
def test_an_application_is_not_refused_without_a_reason(
    app: Flask, client: FlaskClient, staff: Staff, mailbox: Mailbox, reason: str
) -> None:
    apply(client)
    mailbox.wait_for(1, to=staff.reviewer.email)
    application_id = the_application(app)
    trail = audit_trail(app)
    reviewer = signed_in(app, staff.reviewer)
    response = post(reviewer, f"/staff/applications/{application_id}/reject", {"reason": reason})
    page = flashed(reviewer, response)
    assert has(page, "Say why: the firm will read it.")
    assert has(page, "Approve and invite")
    assert applications(app) == [(FIRM, APPLICANT, ApplicationStatus.PENDING)]
    assert audit_trail(app) == trail
    assert mailbox.to(APPLICANT) == []


@pytest.mark.parametrize(
    "first, second",
    [("approve", "approve"), ("approve", "reject"), ("reject", "reject"), ("reject", "approve")],
)
def test_an_application_is_decided_once(
    app: Flask, client: FlaskClient, staff: Staff, mailbox: Mailbox, first: str, second: str
) -> None:
    apply(client)
    mailbox.wait_for(1, to=staff.reviewer.email)
    application_id = the_application(app)
    reviewer = signed_in(app, staff.reviewer)
    path = f"/staff/applications/{application_id}"
    post(reviewer, f"{path}/{first}", {"reason": REFUSAL})
    mailbox.wait_for(1, to=APPLICANT)
    decided = applications(app)
    trail = audit_trail(app)
    members, users = count(app, Member), count(app, User)

    response = post(reviewer, f"{path}/{second}", {"reason": "Changed our mind."})
    assert has(flashed(reviewer, response), "This application has been decided already.")
    assert applications(app) == decided
    assert audit_trail(app) == trail
    assert (count(app, Member), count(app, User)) == (members, users)
    assert len(mailbox.to(APPLICANT)) == 1


def test_a_refused_firm_may_apply_again(
    app: Flask, client: FlaskClient, staff: Staff, mailbox: Mailbox
) -> None:
    apply(client)
    application_id = the_application(app)
    reviewer = signed_in(app, staff.reviewer)
    post(reviewer, f"/staff/applications/{application_id}/reject", {"reason": REFUSAL})
    mailbox.wait_for(1, to=APPLICANT)
    response = submit(app.test_client(), "/apply", APPLICATION)
    assert has(response.get_data(as_text=True), "Thank you")
    assert applications(app) == [
        (FIRM, APPLICANT, ApplicationStatus.REJECTED),
        (FIRM, APPLICANT, ApplicationStatus.PENDING),
    ]


# Duplicates -------------------------------------------------------------------------------


@pytest.fixture
def odra(app: Flask) -> factories.Account:
    """A member firm with a user, that applications may collide with."""
    with app.app_context():
        member = factories.make_member("Odra Software sp. z o.o.")
        return factories.make_user(member, email="agnieszka@odra.example")


DUPLICATES = [
    # (what was applied before, what is sent now, field, message)
    (
        APPLICATION,
        {"member_name": "Spree Cloud GmbH", "email": "  LENA@Spreewerk.example "},
        "email",
        "An application from this address is already waiting.",
    ),
    (
        APPLICATION,
        {"member_name": "  spreewerk   DIGITAL gmbh ", "email": "jonas@spreewerk.example"},
        "member_name",
        "An application for this firm is already waiting.",
    ),
    (
        {**APPLICATION, "member_name": "Łódź Software House", "email": "ola@lodz.example"},
        {"member_name": "ŁÓDŹ  SOFTWARE HOUSE", "email": "piotr@lodz.example"},
        "member_name",
        "An application for this firm is already waiting.",
    ),
    (
        None,
        {"member_name": "ODRA software  SP. Z O.O.", "email": "jan@odra-new.example"},
        "member_name",
        "A member firm with this name exists already.",
    ),
    (
        None,
        {
            "member_name": "Odra\u200b Soft\u00adware sp.\u2060 z o.o.\ufeff",
            "email": "jan@odra-new.example",
        },
        "member_name",
        "A member firm with this name exists already.",
    ),
    (
        None,
        {"member_name": "\uff2f\uff44\uff52\uff41 Software sp. z o.o.", "email": "jan@odra.pl"},
        "member_name",
        "A member firm with this name exists already.",
    ),
    (
        APPLICATION,
        {"member_name": "Spree\u200dwerk\u200e Digital GmbH", "email": "jonas@spreewerk.example"},
        "member_name",
        "An application for this firm is already waiting.",
    ),
]


@pytest.mark.parametrize(
    "before, now, field, message",
    DUPLICATES,
    ids=[
        "same-email",
        "same-firm",
        "same-firm-polish",
        "firm-is-a-member",
        "firm-is-a-member-with-invisible-characters",
        "firm-is-a-member-in-full-width-letters",
        "same-firm-with-invisible-characters",
    ],
)
def test_a_duplicate_application_is_refused_next_to_the_field(
    app: Flask,
    client: FlaskClient,
    odra: factories.Account,
    mailbox: Mailbox,
    before: dict | None,
    now: dict,
    field: str,
    message: str,
) -> None:
    if before is not None:
        assert submit(client, "/apply", before).status_code == 200
    stored = applications(app)
    trail = audit_trail(app)

    response = submit(app.test_client(), "/apply", {**APPLICATION, **now})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert not has(page, "Thank you")
    assert_error_next_to(page, field, message)
    assert applications(app) == stored
    assert audit_trail(app) == trail
    assert count(app, Member) == 1


def answer(response, firm: str, email: str) -> str:
    """A page as it reads whoever the applicant is: the firm, the address and the form's
    token written as placeholders."""
    page = CSRF_PATTERN.sub("csrf", response.get_data(as_text=True))
    return page.replace(firm, "FIRM").replace(email, "ADDRESS")


def test_applying_with_an_address_that_has_an_account_answers_as_for_anyone_and_tells_its_owner(
    app: Flask, staff: Staff, odra: factories.Account, mailbox: Mailbox
) -> None:
    """The page tells nobody that the address is registered; its owner reads who tried."""
    newcomer = apply(app.test_client(), member_name="Spree Cloud GmbH", email="jonas@spree.example")
    mailbox.wait_for(1, to=staff.reviewer.email)
    mailbox.clear()
    taken = apply(app.test_client(), member_name="Odra Cloud", email="Agnieszka@Odra.example")

    assert taken.status_code == newcomer.status_code == 200
    assert answer(taken, "Odra Cloud", "Agnieszka@Odra.example") == answer(
        newcomer, "Spree Cloud GmbH", "jonas@spree.example"
    )
    # Staff see it and hear of it like any application; approving it would be refused.
    (announcement,) = mailbox.wait_for(1, to=staff.reviewer.email)
    assert subject(announcement) == "A firm applies to join the board: Odra Cloud"
    (told,) = mailbox.wait_for(1, to=odra.email)
    assert subject(told) == "Someone used your e-mail address on the cluster procurement board"
    body = text_of(told)
    assert "Someone applied for a firm to join the cluster's procurement board" in body
    assert "http://board.test/login" in body and "http://board.test/password/forgot" in body
    assert 'href="http://board.test/password/forgot"' in html_of(told)
    assert "Odra Cloud" not in body  # what a stranger typed is not mailed to the owner
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == odra.email))
        assert (user.member_id, user.invited_at) == (odra.member_id, None)
    assert ("user.address_reused", "user", None) in audit_trail(app)


# Bad input --------------------------------------------------------------------------------

BAD_INPUT = [
    ({"member_name": ""}, "member_name", "Enter the firm's name."),
    ({"member_name": "   "}, "member_name", "Enter the firm's name."),
    ({"member_name": "\u200b\u2060\u00ad\ufeff"}, "member_name", "Enter the firm's name."),
    (
        {"member_name": "Spreewerk\x1b[8m Digital"},
        "member_name",
        "The firm name cannot contain control characters.",
    ),
    # Each of these letters is 18 once compared: the name cannot be compared with others.
    ({"member_name": "\ufdfa" * 20}, "member_name", "Use a shorter firm name."),
    ({"name": ""}, "name", "Enter your name."),
    ({"email": ""}, "email", "Enter an e-mail address."),
    ({"email": "lena(at)spreewerk"}, "email", "Enter a valid e-mail address, like name@firm.com."),
    ({"email": "lena@spreewerk"}, "email", "Enter a valid e-mail address, like name@firm.com."),
    (
        {"competences": ["react", "cobol-on-mars"]},
        "competences",
        "Unknown competence: cobol-on-mars.",
    ),
    ({"message": "x" * 5001}, "message", "Use at most 5000 characters."),
]


@pytest.mark.parametrize(
    "changes, field, message",
    BAD_INPUT,
    ids=[
        "no-firm",
        "blank-firm",
        "invisible-firm",
        "control-characters",
        "firm-too-long-to-compare",
        "no-name",
        "no-email",
        "bad-email",
        "email-without-domain",
        "unknown-competence",
        "long-message",
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_stored(
    app: Flask,
    client: FlaskClient,
    staff: Staff,
    mailbox: Mailbox,
    changes: dict,
    field: str,
    message: str,
) -> None:
    trail = audit_trail(app)
    response = apply(client, **changes)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert not has(page, "Thank you")
    assert_error_next_to(page, field, message)
    # What was typed in the other fields is kept.
    if field != "member_name":
        assert f'value="{FIRM}"' in page
    assert applications(app) == []
    assert audit_trail(app) == trail
    assert count(app, Notification) == 0
    assert mailbox.messages == []


def test_invisible_characters_are_kept_out_of_the_firm_name(
    app: Flask, client: FlaskClient
) -> None:
    response = apply(client, member_name="\u202eSpree\u200bwerk  Digi\u00adtal\u2060 GmbH\ufeff")
    assert has(response.get_data(as_text=True), f"The application of {FIRM} is with")
    assert applications(app) == [(FIRM, APPLICANT, ApplicationStatus.PENDING)]


def test_a_message_of_exactly_5000_characters_is_accepted(app: Flask, client: FlaskClient) -> None:
    response = apply(client, message="y" * 5000)
    assert has(response.get_data(as_text=True), "Thank you")
    assert applications(app) == [(FIRM, APPLICANT, ApplicationStatus.PENDING)]


def test_signed_in_users_cannot_decide_applications_unless_staff(
    app: Flask, client: FlaskClient, odra: factories.Account
) -> None:
    apply(client)
    application_id = the_application(app)
    member = signed_in(app, odra)
    for route in ("approve", "reject"):
        response = submit(
            member, f"/staff/applications/{application_id}/{route}", {"reason": "x"}, "/account"
        )
        assert response.status_code == 403
    assert applications(app) == [(FIRM, APPLICANT, ApplicationStatus.PENDING)]
