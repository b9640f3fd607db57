"""The membership journey in a real browser: a firm applies, staff approve, its user joins."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from board.extensions import db
from board.models import Application, ApplicationStatus, Member, MemberStatus, User
from tests import factories
from tests.browser.actions import sign_in, sign_out, tick_competence
from tests.browser.test_procurement_loop import assert_labelled, main_nav, subject, watch
from tests.mailbox import Mailbox, text_of

STAFF_EMAIL = "clara@cluster.example"
FIRM = "Wisła Cloud sp. z o.o."
APPLICANT_NAME = "Ola Kowalska"
APPLICANT = "ola@wisla-cloud.example"
MESSAGE = "We run Kubernetes platforms for logistics firms in Kraków and joined the cluster in May."
NEW_PASSWORD = "a river runs through Kraków"


def test_a_firm_applies_staff_approve_and_its_user_joins(
    app: Flask, live_server: str, page: Page, mailbox: Mailbox
) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True, email=STAFF_EMAIL, name="Clara Staff")
    problems = watch(page)

    # An anonymous visitor finds the form from the front page and applies, by the labels.
    page.goto(f"{live_server}/")
    page.locator("main").get_by_role("link", name="Apply to join").click()
    expect(page).to_have_url(f"{live_server}/apply")
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply to join the board")
    assert_labelled(page)
    page.get_by_label("Firm name", exact=True).fill(FIRM)
    page.get_by_label("Your name", exact=True).fill(APPLICANT_NAME)
    page.get_by_label("Your e-mail address", exact=True).fill(APPLICANT)
    tick_competence(page, "Python")
    tick_competence(page, "Kubernetes")
    page.get_by_label("Message to the cluster staff", exact=True).fill(MESSAGE)
    page.get_by_role("button", name="Send the application").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.locator("main")).to_contain_text(
        f"The application of {FIRM} is with the cluster staff. They will write to {APPLICANT}."
    )
    (announcement,) = mailbox.wait_for(1, to=staff.email)
    assert subject(announcement) == f"A firm applies to join the board: {FIRM}"
    assert f"{live_server}/staff/applications" in text_of(announcement)

    # Staff find it from the dashboard's count and approve it.
    sign_in(page, live_server, staff.email, staff.password)
    main_nav(page).get_by_role("link", name="Staff").click()
    expect(page).to_have_url(f"{live_server}/staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff dashboard")
    page.get_by_role("link", name=re.compile(r"^1\s+membership application$")).click()
    expect(page).to_have_url(f"{live_server}/staff/applications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Membership applications")
    application = page.locator("article").filter(
        has=page.get_by_role("heading", level=2, name=FIRM)
    )
    expect(application).to_contain_text(f"{APPLICANT_NAME} <{APPLICANT}>")
    expect(application.locator(".tags li")).to_have_text(["Python", "Kubernetes"])
    expect(application).to_contain_text(MESSAGE)
    assert_labelled(page)
    application.get_by_role("button", name="Approve and invite").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"{FIRM} is a member; {APPLICANT} is invited."
    )
    expect(page.locator("main")).to_contain_text("No applications are waiting.")
    decided = page.get_by_role("row").filter(has=page.get_by_role("link", name=FIRM))
    expect(decided.get_by_role("cell")).to_have_text([FIRM, "approved", "Clara Staff"])
    sign_out(page)

    # The invitation arrives; the applicant follows it and chooses a name and password.
    (invitation,) = mailbox.wait_for(1, to=APPLICANT)
    assert subject(invitation) == "You are invited to the cluster procurement board"
    body = text_of(invitation)
    match = re.search(re.escape(live_server) + r"/invitations/[^\s<>\"']+", body)
    assert match, f"no link to {live_server}/invitations/… in the invitation:\n{body}"

    page.goto(match.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the procurement board")
    expect(page.locator("main")).to_contain_text(FIRM)
    assert_labelled(page)
    page.get_by_label("Your name", exact=True).fill(APPLICANT_NAME)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Join the board").click()

    expect(page.get_by_role("status")).to_contain_text(f"Welcome to the board, {APPLICANT_NAME}.")
    my_firm = main_nav(page).get_by_role("link", name="My firm")
    expect(my_firm).to_be_visible()
    my_firm.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRM)

    # The password chosen in the browser is the one that signs in through /login.
    sign_out(page)
    sign_in(page, live_server, APPLICANT, NEW_PASSWORD)
    expect(main_nav(page).get_by_role("link", name="My firm")).to_be_visible()

    assert problems == [], "\n".join(problems)

    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.name == FIRM))
        assert member is not None and member.status == MemberStatus.ACTIVE
        assert [c.slug for c in member.competences] == ["python", "kubernetes"]
        user = db.session.scalar(select(User).where(User.email == APPLICANT))
        assert (user.name, user.member_id) == (APPLICANT_NAME, member.id)
        (status,) = db.session.scalars(select(Application.status)).all()
        assert status == ApplicationStatus.APPROVED
