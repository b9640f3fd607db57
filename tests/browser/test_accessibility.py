"""axe-core in a real browser on every main page, as each kind of user sees it.

A page passes when axe finds no serious or critical violation of WCAG 2.1 A/AA or of its
best practices. Each test signs in once and collects the violations of all its pages, so one
run lists everything to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from board.audit import record
from board.extensions import db
from board.members.applications import ApplicationData
from board.models import (
    Attachment,
    Member,
    Need,
    NeedMatch,
    NeedStatus,
    NotForUsReason,
    User,
    utcnow,
)
from board.questions import services as questions
from board.tokens import Purpose, make_token, unsubscribe_token
from tests import factories
from tests.browser.actions import sign_in, sign_out

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}

# Opens every <details> first, so the forms behind a disclosure are checked too; then runs
# axe and keeps what a report needs.
RUN_AXE = """
async (tags) => {
  document.querySelectorAll("details").forEach((details) => { details.open = true; });
  const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({ target: node.target, html: node.html })),
  }));
}
"""


def attach_file(**owner: int) -> None:
    """A PDF on a need or an offer, as an upload would store it."""
    file = Attachment(
        **owner, filename="scope.pdf", content_type="application/pdf", size=5, sha256="0" * 64
    )
    file.content = b"%PDF-"
    db.session.add(file)
    db.session.commit()


@dataclass
class Audit:
    """Runs axe on the pages a test shows and collects their serious violations."""

    page: Page
    base_url: str
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def visit(self, path: str, status: int = 200) -> None:
        response = self.page.goto(f"{self.base_url}{path}")
        assert response is not None and response.status == status, (
            f"{path} answered {response and response.status}, not {status}"
        )
        expect(self.page).to_have_url(re.compile(re.escape(f"{self.base_url}{path}") + "$"))
        self.check(path)

    def check(self, label: str) -> None:
        """Run axe on the page shown now; note its serious and critical violations."""
        # page.evaluate is not subject to the page's CSP, which allows no inline script.
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE_SOURCE)
        violations: list[dict[str, Any]] = self.page.evaluate(RUN_AXE, TAGS)
        self.checked.append(label)
        for violation in violations:
            if violation["impact"] in BLOCKING:
                nodes = "\n".join(
                    f"      {' '.join(node['target'])}: {node['html']}"
                    for node in violation["nodes"]
                )
                self.failures.append(
                    f"{label}: {violation['impact']} {violation['id']}: {violation['help']}\n"
                    f"{nodes}"
                )

    def assert_clean(self) -> None:
        if self.failures:
            pytest.fail(
                f"axe-core found serious or critical violations ({len(self.checked)} pages "
                "checked):\n" + "\n".join(self.failures),
                pytrace=False,
            )


def say_not_for_us(need: Need, firm: Member, reason: NotForUsReason) -> None:
    """`firm` matched `need` when it opened, and said it is not for it."""
    db.session.add(
        NeedMatch(
            need_id=need.id,
            member_id=firm.id,
            score=1.0,
            not_for_us_at=utcnow(),
            not_for_us_reason=reason,
        )
    )
    db.session.commit()


def test_pages_for_anonymous_visitors_have_no_serious_violations(
    app: Flask, live_server: str, page: Page
) -> None:
    with app.app_context():
        firm = factories.make_member("Odra Software sp. z o.o.")
        account = factories.make_user(firm, email="agnieszka@odra.example")
        invited = factories.make_user(firm, email="bartek@odra.example", password=None)
        user = db.session.get(User, account.id)
        unsubscribe = unsubscribe_token(user.id)
        reset = make_token(user, Purpose.PASSWORD_RESET)
        invitation = make_token(db.session.get(User, invited.id), Purpose.INVITATION)
    audit = Audit(page, live_server)

    for path in ("/", "/login", "/password/forgot", "/apply", "/api/v1/docs", "/privacy"):
        audit.visit(path)
    audit.visit("/no-such-page", status=404)
    audit.visit(f"/unsubscribe/{unsubscribe}")
    audit.visit(f"/password/reset/{reset}")
    audit.visit("/password/reset/not-a-token", status=400)
    audit.visit(f"/invitations/{invitation}")
    audit.visit("/invitations/not-a-token", status=400)

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail", exact=True).fill(account.email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check("/login after a wrong password")

    page.goto(f"{live_server}/apply")
    page.get_by_role("button", name="Send the application").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check("/apply sent empty")

    page.get_by_label("Firm name").fill("Warta Data sp. z o.o.")
    page.get_by_label("Your name").fill("Celina Warta")
    page.get_by_label("Your e-mail address").fill("celina@warta.example")
    page.get_by_role("button", name="Send the application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    audit.check("/apply sent")

    audit.assert_clean()


def test_pages_for_a_requesting_member_have_no_serious_violations(
    app: Flask, live_server: str, page: Page
) -> None:
    with app.app_context():
        firm = factories.make_member("Odra Software sp. z o.o.", competences=("python", "aws"))
        user = factories.make_user(firm, email="agnieszka@odra.example", name="Agnieszka")
        # A colleague who can still sign in: she may erase her own account.
        factories.make_user(firm, email="bartek@odra.example", name="Bartek")
        supplier = factories.make_member("Warta Data sp. z o.o.", competences=("kotlin",))
        supplier_user = factories.make_user(supplier, email="celina@warta.example")
        other = factories.make_member("Prosna IT sp. z o.o.", competences=("kotlin",))
        for title in ("Data platform on AWS", "Penetration test of a web shop"):
            factories.make_need(other, title=title, competences=("python", "aws"))
        own = factories.make_need(firm, user.id, title="Two senior Kotlin developers")
        offer = factories.make_offer(own, supplier, supplier_user.id)
        factories.make_offer(own, other, price="98000")
        draft = factories.make_need(firm, user.id, title="A mobile app", status=NeedStatus.DRAFT)
        # A need that ended without an award can be posted again.
        expired = factories.make_need(
            firm, user.id, title="A data warehouse", status=NeedStatus.EXPIRED, deadline_in_days=-40
        )
        # Who the need reached: a matched firm that said it is not for it, and why.
        say_not_for_us(own, other, NotForUsReason.CAPACITY)
        # A question waits for an answer, and the draft and an offer carry files.
        questions.ask_question(own, db.session.get(User, supplier_user.id), "Remote only?")
        attach_file(need_id=draft.id)
        attach_file(offer_id=offer.id)
        own_id, draft_id, supplier_slug = own.id, draft.id, supplier.slug
        expired_id, own_deadline = expired.id, own.offer_deadline
    audit = Audit(page, live_server)
    sign_in(page, live_server, user.email, user.password)

    audit.visit("/needs")
    audit.visit("/needs?q=mainframe")
    expect(page.get_by_text("No needs match.")).to_be_visible()
    audit.visit("/needs/new")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check("/needs/new sent empty")
    # The competence picker as its script makes it: a chosen competence's chip, its area's
    # count and the firms reached; a filter that finds nothing; a choice that reaches nobody.
    page.goto(f"{live_server}/needs/new")
    search = page.get_by_label("Find a competence", exact=True)
    search.fill("kotlin")
    page.get_by_label("Kotlin", exact=True).check()
    reach = page.locator(".competence-reach")
    expect(reach).to_contain_text("2 other member firms")
    audit.check("/needs/new with a competence chosen")
    search.fill("no such skill")
    expect(page.get_by_role("status").filter(has_text="No competence")).to_be_visible()
    audit.check("/needs/new filtered to nothing")
    search.fill("")
    page.get_by_role("button", name="Remove Kotlin", exact=True).click()
    search.fill("aws")
    page.get_by_label("AWS", exact=True).check()
    expect(reach).to_contain_text("No other member firm")
    audit.check("/needs/new with a competence no other firm has")
    for path in (
        f"/needs/{own_id}",
        f"/needs/{own_id}/offers",
        "/needs/mine",
        f"/needs/{draft_id}",
        f"/needs/{draft_id}/edit",
        "/offers",
        "/members",
        f"/members/{supplier_slug}",
        "/member",
        "/member/invite",
        "/account",
        "/account/password",
        f"/needs/{expired_id}",
    ):
        audit.visit(path)
    audit.visit("/staff", status=403)
    # Software of the firm: the token page with a token just made (shown once) and one
    # revoked, the account page with the feeds' addresses, the API's documentation.
    audit.visit("/account/tokens")
    page.get_by_label("Name", exact=True).fill("Our CRM")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_role("heading", name="Your new token")).to_be_visible()
    audit.check("/account/tokens with a new token")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").first.click()
    expect(page.get_by_text("revoked", exact=False).first).to_be_visible()
    audit.check("/account/tokens with a revoked token")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check("/account/tokens sent without a name")
    page.goto(f"{live_server}/account")
    page.get_by_role("button", name="Make my feed addresses").click()
    expect(page.get_by_label("Open needs (Atom feed)")).to_be_visible()
    audit.check("/account with the feeds' addresses")
    audit.visit("/api/v1/docs")
    # Offers taken for longer, asked for a day that is not later: the form comes back.
    page.goto(f"{live_server}/needs/{own_id}")
    page.get_by_label("Offers until", exact=True).fill(own_deadline.isoformat())
    page.get_by_role("button", name="Extend the deadline").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check(f"/needs/{own_id}/deadline with a day that is not later")
    # Her data, and erasing her account with a password that is not hers: the form comes back.
    audit.visit("/account/privacy")
    page.get_by_label("Your password", exact=True).fill("not my password")
    page.get_by_role("button", name="Erase my account").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check("/account/privacy with a wrong password")

    audit.assert_clean()


def test_pages_for_a_supplying_member_have_no_serious_violations(
    app: Flask, live_server: str, page: Page
) -> None:
    with app.app_context():
        requester = factories.make_member("Odra Software sp. z o.o.")
        supplier = factories.make_member("Warta Data sp. z o.o.", competences=("kotlin",))
        user = factories.make_user(supplier, email="celina@warta.example")
        offered = factories.make_need(requester, title="Two senior Kotlin developers")
        offer = factories.make_offer(offered, supplier, user.id)
        attach_file(offer_id=offer.id)
        questions.ask_question(offered, db.session.get(User, user.id), "Remote only?")
        fresh = factories.make_need(requester, title="A Kotlin code review")
        offered_id, fresh_id = offered.id, fresh.id
    audit = Audit(page, live_server)
    sign_in(page, live_server, user.email, user.password)

    for path in (
        f"/needs/{offered_id}",
        f"/needs/{offered_id}/offer",
        f"/needs/{fresh_id}",
        f"/needs/{fresh_id}/offer",
    ):
        audit.visit(path)
    page.get_by_role("button", name="Send the offer").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check(f"/needs/{fresh_id}/offer sent empty")
    # A question of blanks passes the browser's check, not the board's: the form comes back.
    page.goto(f"{live_server}/needs/{fresh_id}")
    page.get_by_label("Ask the requester a question", exact=True).fill("   ")
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check(f"/needs/{fresh_id}/questions sent blank")
    audit.visit("/offers")
    sign_out(page)
    audit.check("/login after signing out")

    audit.assert_clean()


def test_pages_for_staff_have_no_serious_violations(
    app: Flask, live_server: str, page: Page
) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True, email="clara@cluster.example")
        firm = factories.make_member("Odra Software sp. z o.o.")
        member = factories.make_user(firm, email="agnieszka@odra.example")
        pending = factories.make_need(firm, member.id, status=NeedStatus.PENDING)
        # Changed by its firm while it waits: the queue says so.
        record("need.updated", pending, db.session.get(User, member.id))
        db.session.commit()
        # Approving it would tell nobody: staff are warned.
        unmatched = factories.make_need(
            firm, member.id, competences=("java",), status=NeedStatus.PENDING
        )
        reported = factories.make_need(firm, member.id, title="Cheap developers, no questions")
        reporter = db.session.get(User, member.id)
        # Staff see who asked, and hide questions, answers and clarifications.
        asker_firm = factories.make_member("Prosna IT sp. z o.o.")
        asker = factories.make_user(asker_firm)
        question = questions.ask_question(reported, db.session.get(User, asker.id), "Why?")
        questions.answer_question(question, reporter, "Because.")
        questions.publish_clarification(reported, reporter, "Remote work is fine.")
        factories.staff_work(
            reporter,
            reported,
            ApplicationData(
                member_name="Warta Data sp. z o.o.",
                contact_name="Celina Warta",
                email="celina@warta.example",
                message="We build data platforms in Poznań.",
                competences=["python"],
            ),
        )
        say_not_for_us(reported, asker_firm, NotForUsReason.FIELD)
        pending_id, reported_id, unmatched_id = pending.id, reported.id, unmatched.id
        firm_id = firm.id
    audit = Audit(page, live_server)
    sign_in(page, live_server, staff.email, staff.password)

    audit.visit("/staff/needs")
    expect(page.get_by_text("changed since submitted")).to_have_count(1)
    for path in (
        "/staff",
        f"/needs/{pending_id}",
        f"/needs/{unmatched_id}",
        f"/needs/{reported_id}",
        f"/needs/{reported_id}/offers",
        "/staff/applications",
        "/staff/members",
        "/staff/members/new",
        "/staff/users",
        "/staff/competences",
        "/staff/reports",
        "/staff/notifications",
        "/staff/audit",
        "/staff/statistics",
        "/staff/statistics?from=2026-13-01&country=XX",
        f"/staff/users/{member.id}/privacy",
        f"/staff/members/{firm_id}/erase",
    ):
        audit.visit(path)
    # Erasing a firm asks for its name; a wrong one brings the form back.
    page.get_by_label("Type it here to confirm").fill("Odra")
    page.get_by_role("button", name="Erase the firm").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check(f"/staff/members/{firm_id}/erase with a wrong name")
    page.goto(f"{live_server}/needs/{pending_id}")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("status")).to_be_visible()
    audit.check(f"/needs/{pending_id} approved")
    page.goto(f"{live_server}/staff/members/new")
    page.get_by_role("button", name="Add the firm and send the invitation").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check("/staff/members/new sent empty")

    audit.assert_clean()


def test_the_audit_reports_what_axe_finds(app: Flask, live_server: str, page: Page) -> None:
    """The tests above would pass vacuously if axe never ran: break a page and watch it fail."""
    audit = Audit(page, live_server)
    audit.visit("/login")
    assert audit.failures == []
    page.evaluate(
        """() => {
          const main = document.querySelector("main");
          main.append(document.createElement("img"));
          main.append(Object.assign(document.createElement("input"), { name: "nameless" }));
        }"""
    )
    audit.check("/login broken on purpose")
    found = "\n".join(audit.failures)
    assert "critical image-alt" in found and "critical label" in found, found
    assert 'name="nameless"' in found, found
