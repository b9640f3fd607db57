"""Every route of the URL map, every method, every role: one table of the answers they get.

The roles are an anonymous visitor, a user of member firm A, a user of member firm B and a
cluster staff user. The objects are real: firm A's needs in several states, firm B's offer on
A's open need, firm A's offer on firm C's need, an outbox row, an application, a report,
competences, users, and signed links (valid ones made for another user, and forged ones).

An answer is a status code and whether the request wrote to the database: every table is read
before and after each request, so a refusal that still changed something fails, and so does a
302 that claims success but changed nothing.

A second walk follows, as each role, every GET of the table and the same-site links on the
pages it reaches: none may fail with a server error, write, or show a text of the world that
the role may not read.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select, text
from werkzeug.test import TestResponse

from board import tokens
from board.account import tokens as api_tokens
from board.extensions import db
from board.models import (
    Application,
    Attachment,
    Competence,
    MemberStatus,
    Need,
    NeedMatch,
    NeedStatus,
    NotForUsReason,
    Notification,
    NotificationStatus,
    OfferStatus,
    Report,
    ReportReason,
    TokenScope,
    User,
    utcnow,
)
from board.notifications import outbox
from board.questions import services as questions
from board.tokens import Purpose, make_token
from tests import factories
from tests.conftest import AuthActions, csrf_token

ROLES = ("anonymous", "member_a", "member_b", "staff")
NEW_PASSWORD = "a brand new passphrase"
IN_A_MONTH = (date.today() + timedelta(days=30)).isoformat()
IN_TWO_MONTHS = (date.today() + timedelta(days=60)).isoformat()
# The largest id the URL converter accepts: a well-formed address of nothing.
MISSING_ID = 2**31 - 1


# The table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What one role gets: a status, whether the request wrote, whether it is sent to sign in."""

    status: int
    writes: bool = False
    sign_in: bool = False

    def __str__(self) -> str:
        if self.sign_in:
            return "302 to sign in"
        return f"{self.status}{' and a write' if self.writes else ''}"


SIGN_IN = Answer(302, sign_in=True)


@dataclass(frozen=True)
class Upload:
    """A file a case sends (read afresh for each role)."""

    name: str
    content: bytes


def w(status: int) -> Answer:
    """The request is allowed and changes the database."""
    return Answer(status, writes=True)


@dataclass(frozen=True)
class Case:
    """A method on a path of one rule, the form it sends, and the answer each role gets."""

    method: str
    rule: str
    path: str
    answers: dict[str, Answer]
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


MATRIX: list[Case] = []


def answer(value: int | Answer) -> Answer:
    return value if isinstance(value, Answer) else Answer(value)


def case(
    method: str,
    rule: str,
    path: str | None = None,
    *,
    anon: int | Answer = SIGN_IN,
    a: int | Answer,
    b: int | Answer,
    staff: int | Answer,
    data: dict[str, Any] | None = None,
) -> None:
    """One row: a method on `path` (a rule of the URL map with the world's ids put in)."""
    answers = dict(zip(ROLES, map(answer, (anon, a, b, staff)), strict=True))
    MATRIX.append(Case(method, rule, path or rule, answers, data or {}))


def everyone(method: str, rule: str, path: str | None, same: int | Answer, **data: Any) -> None:
    case(method, rule, path, anon=same, a=same, b=same, staff=same, data=data)


def staff_only(method: str, rule: str, path: str | None, ok: int | Answer, **data: Any) -> None:
    case(method, rule, path, a=403, b=403, staff=ok, data=data)


# Paths name the world's objects: {draft} {pending} {open} {hidden} {cancelled} are firm A's
# needs, {c_open} is firm C's open need, {b_offer} firm B's offer on {open}, {hidden_offer}
# firm C's offer on {open} that staff hid, {a_offer} firm A's offer on {c_open}, and
# {cancelled_offer} firm B's offer on {cancelled}.

# Pages for everyone, and signing in and out.
case("GET", "/", anon=200, a=302, b=302, staff=302)
everyone("GET", "/healthz", None, 200)
everyone("GET", "/privacy", None, 200)
case("GET", "/login", anon=200, a=302, b=302, staff=302)
case(
    "POST",
    "/login",
    anon=w(302),
    a=302,
    b=302,
    staff=302,
    data={"email": "{email_a}", "password": factories.PASSWORD},
)
case("POST", "/logout", a=w(302), b=w(302), staff=w(302))
# The language switch: a visitor's choice is a cookie; a signed-in user's is saved.
case(
    "POST",
    "/language",
    anon=302,
    a=w(302),
    b=w(302),
    staff=w(302),
    data={"locale": "pl", "next": "/"},
)
everyone("GET", "/apply", None, 200)
everyone(
    "POST",
    "/apply",
    None,
    w(200),
    member_name="Tisza Cloud Kft.",
    name="Eszter Varga",
    email="eszter@tisza.example",
    competences="python",
    message="We build data pipelines.",
)

# Signed links: a valid one made for another user (firm C's user, an invited user of firm A),
# the same kind forged with another key, and one made for another purpose.
everyone("GET", "/password/forgot", None, 200)
everyone("POST", "/password/forgot", None, w(302), email="{email_c}")
RESET = "/password/reset/<token>"
everyone("GET", RESET, "/password/reset/{reset}", 200)
everyone(
    "POST", RESET, "/password/reset/{reset}", w(302), password=NEW_PASSWORD, confirm=NEW_PASSWORD
)
for token in ("forged_reset", "invitation"):
    everyone("GET", RESET, f"/password/reset/{{{token}}}", 400)
    everyone(
        "POST",
        RESET,
        f"/password/reset/{{{token}}}",
        400,
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
INVITATION = "/invitations/<token>"
everyone("GET", INVITATION, "/invitations/{invitation}", 200)
everyone(
    "POST",
    INVITATION,
    "/invitations/{invitation}",
    w(302),
    name="Ilse Invited",
    password=NEW_PASSWORD,
    confirm=NEW_PASSWORD,
)
for token in ("forged_invitation", "reset"):
    everyone("GET", INVITATION, f"/invitations/{{{token}}}", 400)
    everyone(
        "POST",
        INVITATION,
        f"/invitations/{{{token}}}",
        400,
        name="Ilse Invited",
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
UNSUBSCRIBE = "/unsubscribe/<token>"
everyone("GET", UNSUBSCRIBE, "/unsubscribe/{unsubscribe}", 200)
everyone("POST", UNSUBSCRIBE, "/unsubscribe/{unsubscribe}", w(200))
everyone("GET", UNSUBSCRIBE, "/unsubscribe/{forged_unsubscribe}", 404)
everyone("POST", UNSUBSCRIBE, "/unsubscribe/{forged_unsubscribe}", 404)

# One's own account.
case("GET", "/account", a=200, b=200, staff=200)
case(
    "POST",
    "/account",
    a=w(302),
    b=w(302),
    staff=w(302),
    data={"name": "Renamed User", "locale": "en", "notify": "daily"},
)
case("GET", "/account/password", a=200, b=200, staff=200)
case(
    "POST",
    "/account/password",
    a=w(302),
    b=w(302),
    staff=w(302),
    data={
        "current_password": factories.PASSWORD,
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    },
)

# The directory and one's own firm; staff belong to no firm.
case("GET", "/members", a=200, b=200, staff=200)
PROFILE = "/members/<slug>"
case("GET", PROFILE, "/members/{firm_a_slug}", a=200, b=200, staff=200)
case("GET", PROFILE, "/members/{suspended_slug}", a=404, b=404, staff=200)
case("GET", PROFILE, "/members/no-such-firm", a=404, b=404, staff=404)
case("GET", "/member", a=200, b=200, staff=403)
case(
    "POST",
    "/member",
    a=w(302),
    b=w(302),
    staff=403,
    data={
        "description": "We write Kotlin.",
        "website": "https://firm.example",
        "competences": "kotlin",
    },
)
case("GET", "/member/invite", a=200, b=200, staff=403)
case(
    "POST",
    "/member/invite",
    a=w(302),
    b=w(302),
    staff=403,
    data={"email": "colleague@new.example"},
)

# Needs: published ones to every member, the others to firm A and staff; 404 for what one
# may not see, 403 for what one sees but may not do.
NEED_FORM = {
    "title": "Three Go developers for a year",
    "description": "A payments platform wants **Go** help.",
    "competences": "kotlin",
    "offer_deadline": IN_A_MONTH,
    "currency": "EUR",
    "work_mode": "remote",
    "work_language": "en",
}
case("GET", "/needs", a=200, b=200, staff=200)
case("GET", "/needs/mine", a=200, b=200, staff=403)
case("GET", "/needs/new", a=200, b=200, staff=403)
# How many firms the competences picked on the need form reach: for the firms that post needs.
case(
    "GET",
    "/needs/reach",
    "/needs/reach?competences=kotlin&competences=python",
    a=200,
    b=200,
    staff=403,
)
case("POST", "/needs/new", a=w(302), b=w(302), staff=403, data=NEED_FORM)
DETAIL = "/needs/<id:need_id>"
for state in ("draft", "pending", "hidden"):
    case("GET", DETAIL, f"/needs/{{{state}}}", a=200, b=404, staff=200)
# A firm told that a need it offered on was cancelled can still open the link it was sent.
for state in ("open", "c_open", "cancelled"):
    case("GET", DETAIL, f"/needs/{{{state}}}", a=200, b=200, staff=200)
# An open need of a suspended firm left the board with its firm.
case("GET", DETAIL, "/needs/{suspended_open}", a=404, b=404, staff=200)

EDIT = "/needs/<id:need_id>/edit"
case("GET", EDIT, "/needs/{draft}/edit", a=200, b=404, staff=403)
case("POST", EDIT, "/needs/{draft}/edit", a=w(302), b=404, staff=403, data=NEED_FORM)
# Waiting for review, a need is still its firm's to change: it stays in the queue.
case("GET", EDIT, "/needs/{pending}/edit", a=200, b=404, staff=403)
case("POST", EDIT, "/needs/{pending}/edit", a=w(302), b=404, staff=403, data=NEED_FORM)
for method in ("GET", "POST"):
    for state, seen_by_b in (("open", True), ("hidden", False)):
        case(
            method,
            EDIT,
            f"/needs/{{{state}}}/edit",
            a=403,
            b=403 if seen_by_b else 404,
            staff=403,
            data=NEED_FORM,
        )
    for state in ("c_open", "cancelled"):
        case(method, EDIT, f"/needs/{{{state}}}/edit", a=403, b=403, staff=403, data=NEED_FORM)

SUBMIT = "/needs/<id:need_id>/submit"
case("POST", SUBMIT, "/needs/{draft}/submit", a=w(302), b=404, staff=403)
case("POST", SUBMIT, "/needs/{pending}/submit", a=403, b=404, staff=403)
case("POST", SUBMIT, "/needs/{open}/submit", a=403, b=403, staff=403)
case("POST", SUBMIT, "/needs/{c_open}/submit", a=403, b=403, staff=403)

CANCEL = "/needs/<id:need_id>/cancel"
case("POST", CANCEL, "/needs/{draft}/cancel", a=w(302), b=404, staff=403)
case("POST", CANCEL, "/needs/{pending}/cancel", a=w(302), b=404, staff=403)
case("POST", CANCEL, "/needs/{open}/cancel", a=w(302), b=403, staff=403)
case("POST", CANCEL, "/needs/{hidden}/cancel", a=403, b=404, staff=403)
case("POST", CANCEL, "/needs/{c_open}/cancel", a=403, b=403, staff=403)
case("POST", CANCEL, "/needs/{cancelled}/cancel", a=403, b=403, staff=403)

# A new draft from any of the firm's needs, whatever became of it.
COPY = "/needs/<id:need_id>/copy"
for state, seen_by_b in (
    ("draft", False),
    ("pending", False),
    ("open", True),
    ("hidden", False),
    ("cancelled", True),
):
    case("POST", COPY, f"/needs/{{{state}}}/copy", a=w(302), b=403 if seen_by_b else 404, staff=403)
case("POST", COPY, "/needs/{c_open}/copy", a=403, b=403, staff=403)

# A need that ended without an award, posted again with a new deadline; a date that cannot be
# one comes back with its message (200, nothing written).
REPOST = "/needs/<id:need_id>/repost"
LATER = {"offer_deadline": IN_TWO_MONTHS}
PAST = {"offer_deadline": "2020-01-01"}
case("POST", REPOST, "/needs/{cancelled}/repost", a=w(302), b=403, staff=403, data=LATER)
case("POST", REPOST, "/needs/{cancelled}/repost", a=200, b=403, staff=403, data=PAST)
for state, seen_by_b in (("draft", False), ("open", True), ("c_open", True)):
    answer_b = 403 if seen_by_b else 404
    case("POST", REPOST, f"/needs/{{{state}}}/repost", a=403, b=answer_b, staff=403, data=LATER)

# An open need's offers taken for longer.
DEADLINE = "/needs/<id:need_id>/deadline"
case("POST", DEADLINE, "/needs/{open}/deadline", a=w(302), b=403, staff=403, data=LATER)
case("POST", DEADLINE, "/needs/{open}/deadline", a=200, b=403, staff=403, data=PAST)
for state, seen_by_b in (("draft", False), ("cancelled", True), ("c_open", True)):
    answer_b = 403 if seen_by_b else 404
    path = f"/needs/{{{state}}}/deadline"
    case("POST", DEADLINE, path, a=403, b=answer_b, staff=403, data=LATER)

# The offer form: firm A is sent back from its own needs (302, nothing written).
OFFER_FORM = {
    "message": "Two seniors, free soon.",
    "price": "50000",
    "currency": "EUR",
    "available_from": IN_A_MONTH,
}
OFFER = "/needs/<id:need_id>/offer"
case("GET", OFFER, "/needs/{open}/offer", a=302, b=200, staff=403)
case("POST", OFFER, "/needs/{open}/offer", a=302, b=w(302), staff=403, data=OFFER_FORM)
case("GET", OFFER, "/needs/{c_open}/offer", a=200, b=200, staff=403)
case("POST", OFFER, "/needs/{c_open}/offer", a=w(302), b=w(302), staff=403, data=OFFER_FORM)
for method in ("GET", "POST"):
    case(method, OFFER, "/needs/{suspended_open}/offer", a=404, b=404, staff=403, data=OFFER_FORM)
    case(method, OFFER, "/needs/{cancelled}/offer", a=302, b=302, staff=403, data=OFFER_FORM)
    for state in ("draft", "pending", "hidden"):
        case(method, OFFER, f"/needs/{{{state}}}/offer", a=302, b=404, staff=403, data=OFFER_FORM)

REPORT_FORM = {"reason": ReportReason.SPAM.value, "comment": "Looks like an advert."}
REPORT_NEED = "/needs/<id:need_id>/report"
case("POST", REPORT_NEED, "/needs/{open}/report", a=w(302), b=w(302), staff=403, data=REPORT_FORM)
case(
    "POST", REPORT_NEED, "/needs/{suspended_open}/report", a=404, b=404, staff=403, data=REPORT_FORM
)
case(
    "POST",
    REPORT_NEED,
    "/needs/{cancelled}/report",
    a=w(302),
    b=w(302),
    staff=403,
    data=REPORT_FORM,
)
for state in ("draft", "hidden"):
    case(
        "POST",
        REPORT_NEED,
        f"/needs/{{{state}}}/report",
        a=w(302),
        b=404,
        staff=403,
        data=REPORT_FORM,
    )

# Offers: confidential to the two firms and staff; firm B withdraws its own, firm A decides on
# the offers on its needs; an offer staff hid is gone for the requester.
case("GET", "/offers", a=200, b=200, staff=403)
WITHDRAW = "/offers/<id:offer_id>/withdraw"
case("POST", WITHDRAW, "/offers/{b_offer}/withdraw", a=404, b=w(302), staff=403)
case("POST", WITHDRAW, "/offers/{a_offer}/withdraw", a=w(302), b=404, staff=403)
case("POST", WITHDRAW, "/offers/{hidden_offer}/withdraw", a=404, b=404, staff=403)
# Past the need's life an offer no longer moves: refused with a message, nothing written.
case("POST", WITHDRAW, "/offers/{cancelled_offer}/withdraw", a=404, b=302, staff=403)
for action in ("shortlist", "accept", "decline"):
    rule = f"/offers/<id:offer_id>/{action}"
    form = {"reason": "Too expensive."}
    case("POST", rule, f"/offers/{{b_offer}}/{action}", a=w(302), b=404, staff=403, data=form)
    case("POST", rule, f"/offers/{{a_offer}}/{action}", a=404, b=404, staff=403, data=form)
    case("POST", rule, f"/offers/{{hidden_offer}}/{action}", a=404, b=404, staff=403, data=form)
    case("POST", rule, f"/offers/{{cancelled_offer}}/{action}", a=302, b=404, staff=403, data=form)
# Taking an offer off the shortlist: only a shortlisted one moves (else a message, no write).
UNSHORTLIST = "/offers/<id:offer_id>/unshortlist"
case("POST", UNSHORTLIST, "/offers/{shortlisted_offer}/unshortlist", a=w(302), b=404, staff=403)
case("POST", UNSHORTLIST, "/offers/{b_offer}/unshortlist", a=302, b=404, staff=403)
case("POST", UNSHORTLIST, "/offers/{a_offer}/unshortlist", a=404, b=404, staff=403)
case("POST", UNSHORTLIST, "/offers/{hidden_offer}/unshortlist", a=404, b=404, staff=403)
# The offers side by side, and as CSV: the requester firm and staff; a firm that reads the
# need but only its own offer is refused; a need one may not read is not there.
for rule in ("/needs/<id:need_id>/offers", "/needs/<id:need_id>/offers.csv"):
    suffix = rule.rsplit("/", 1)[1]
    case("GET", rule, f"/needs/{{open}}/{suffix}", a=200, b=403, staff=200)
    case("GET", rule, f"/needs/{{draft}}/{suffix}", a=200, b=404, staff=200)
    case("GET", rule, f"/needs/{{c_open}}/{suffix}", a=403, b=403, staff=200)
    case("GET", rule, f"/needs/{{open}}/{suffix}?sort=-price", a=200, b=403, staff=200)
REPORT_OFFER = "/offers/<id:offer_id>/report"
case(
    "POST",
    REPORT_OFFER,
    "/offers/{b_offer}/report",
    a=w(302),
    b=w(302),
    staff=403,
    data=REPORT_FORM,
)
case("POST", REPORT_OFFER, "/offers/{a_offer}/report", a=w(302), b=404, staff=403, data=REPORT_FORM)
case(
    "POST", REPORT_OFFER, "/offers/{hidden_offer}/report", a=404, b=404, staff=403, data=REPORT_FORM
)

# Questions: any other firm that reads an open need asks (firm A on C's, B on A's); the
# requester firm answers, dismisses and clarifies. A refusal of the need's state (not open)
# shows the form again with why: 200, nothing written.
QUESTION = {"question": "Is remote work fine for the whole project?"}
NO_CAPACITY = {"reason": "capacity"}
ASK = "/needs/<id:need_id>/questions"
case("POST", ASK, "/needs/{open}/questions", a=403, b=w(302), staff=403, data=QUESTION)
case("POST", ASK, "/needs/{c_open}/questions", a=w(302), b=w(302), staff=403, data=QUESTION)
case("POST", ASK, "/needs/{draft}/questions", a=403, b=404, staff=403, data=QUESTION)
case("POST", ASK, "/needs/{cancelled}/questions", a=403, b=200, staff=403, data=QUESTION)
# Answered already: the answer form is shown again with why; a dismissal is refused with a
# message on the need's page.
for action, form, again in (
    ("answer", {"answer": "Yes, fully remote."}, 200),
    ("dismiss", {}, 302),
):
    rule = f"/questions/<id:question_id>/{action}"
    case("POST", rule, f"/questions/{{b_question}}/{action}", a=w(302), b=403, staff=403, data=form)
    # Firm B reads the published question of another firm and may not act on it.
    case(
        "POST",
        rule,
        f"/questions/{{answered_question}}/{action}",
        a=again,
        b=403,
        staff=403,
        data=form,
    )
    # Hidden by staff: gone for the requester; its asking firm still sees it.
    case(
        "POST", rule, f"/questions/{{hidden_question}}/{action}", a=404, b=403, staff=403, data=form
    )
CLARIFY = "/needs/<id:need_id>/clarifications"
CLARIFICATION = {"text": "The office is in Wrocław, by the station."}
case(
    "POST", CLARIFY, "/needs/{open}/clarifications", a=w(302), b=403, staff=403, data=CLARIFICATION
)
case("POST", CLARIFY, "/needs/{draft}/clarifications", a=200, b=404, staff=403, data=CLARIFICATION)
case("POST", CLARIFY, "/needs/{c_open}/clarifications", a=403, b=403, staff=403, data=CLARIFICATION)

# Files: a need's firm adds them while it may edit the need, an offer's firm while the offer
# may change; whoever reads the need or offer downloads them, but a hidden one's only staff.
PDF_FORM = {"file": Upload("scope.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")}
ADD_TO_NEED = "/needs/<id:need_id>/attachments"
case("POST", ADD_TO_NEED, "/needs/{draft}/attachments", a=w(302), b=404, staff=403, data=PDF_FORM)
case("POST", ADD_TO_NEED, "/needs/{pending}/attachments", a=w(302), b=404, staff=403, data=PDF_FORM)
case("POST", ADD_TO_NEED, "/needs/{open}/attachments", a=403, b=403, staff=403, data=PDF_FORM)
ADD_TO_OFFER = "/offers/<id:offer_id>/attachments"
for offer, a_may, b_may in (
    ("b_offer", 403, w(302)),
    ("a_offer", w(302), 404),
    ("hidden_offer", 404, 404),
    ("cancelled_offer", 403, 403),
):
    path = f"/offers/{{{offer}}}/attachments"
    case("POST", ADD_TO_OFFER, path, a=a_may, b=b_may, staff=403, data=PDF_FORM)
DOWNLOAD = "/attachments/<id:attachment_id>"
for file, a_reads, b_reads in (
    ("open_file", True, True),
    ("draft_file", True, False),
    ("b_offer_file", True, True),
    ("hidden_offer_file", False, False),
    ("hidden_need_file", False, False),
):
    path = f"/attachments/{{{file}}}"
    case("GET", DOWNLOAD, path, a=200 if a_reads else 404, b=200 if b_reads else 404, staff=200)
REMOVE = "/attachments/<id:attachment_id>/delete"
case("POST", REMOVE, "/attachments/{draft_file}/delete", a=w(302), b=404, staff=403)
case("POST", REMOVE, "/attachments/{open_file}/delete", a=403, b=403, staff=403)
case("POST", REMOVE, "/attachments/{b_offer_file}/delete", a=403, b=w(302), staff=403)
case("POST", REMOVE, "/attachments/{hidden_offer_file}/delete", a=404, b=404, staff=403)

# "Not for us": a matched firm (B, on A's open need) says so, signed in or by the signed link
# of its match e-mail, which acts for its user without a session; a forged link is nothing.
NOT_FOR_US = "/needs/<id:need_id>/not-for-us"
case("GET", NOT_FOR_US, "/needs/{open}/not-for-us", a=403, b=200, staff=403)
case("POST", NOT_FOR_US, "/needs/{open}/not-for-us", a=403, b=w(200), staff=403, data=NO_CAPACITY)
everyone("GET", NOT_FOR_US, "/needs/{open}/not-for-us?token={not_for_us}", 200)
everyone("GET", NOT_FOR_US, "/needs/{open}/not-for-us?token={forged_not_for_us}", 404)
everyone(
    "POST", NOT_FOR_US, "/needs/{open}/not-for-us", w(200), token="{not_for_us}", **NO_CAPACITY
)
everyone(
    "POST", NOT_FOR_US, "/needs/{open}/not-for-us", 404, token="{forged_not_for_us}", **NO_CAPACITY
)
# Taken back: firm B said so of C's need; of A's it has not (a message, nothing written).
TAKE_BACK = "/needs/<id:need_id>/not-for-us/withdraw"
case("POST", TAKE_BACK, "/needs/{c_open}/not-for-us/withdraw", a=403, b=w(302), staff=403)
case("POST", TAKE_BACK, "/needs/{open}/not-for-us/withdraw", a=403, b=302, staff=403)

# Staff pages: 403 for members whatever the object, sign-in for anonymous visitors.
for page in (
    "/staff",
    "/staff/needs",
    "/staff/applications",
    "/staff/audit",
    "/staff/members",
    "/staff/members/new",
    "/staff/notifications",
    "/staff/reports",
    "/staff/users",
    "/staff/competences",
    "/staff/statistics",
):
    staff_only("GET", page, None, 200)
# The statistics: each table as CSV; a table or format there is not, and dates that make no
# sense (a message and the default period, never an error).
STATISTICS = "/staff/statistics"
staff_only(
    "GET", STATISTICS, f"{STATISTICS}?from=2026-01-01&to=2026-03-31&format=csv&table=needs", 200
)
staff_only("GET", STATISTICS, f"{STATISTICS}?format=csv&table=no-such-table", 404)
staff_only("GET", STATISTICS, f"{STATISTICS}?from=2026-13-45&to=soon&country=XX&area=none", 200)
REASON = {"reason": "Not what the cluster is for."}
staff_only("POST", "/staff/needs/<id:need_id>/approve", "/staff/needs/{pending}/approve", w(302))
staff_only(
    "POST", "/staff/needs/<id:need_id>/reject", "/staff/needs/{pending}/reject", w(302), **REASON
)
staff_only(
    "POST",
    "/staff/needs/<id:need_id>/request-changes",
    "/staff/needs/{pending}/request-changes",
    w(302),
    **REASON,
)
staff_only("POST", "/staff/needs/<id:need_id>/hide", "/staff/needs/{open}/hide", w(302), **REASON)
staff_only("POST", "/staff/needs/<id:need_id>/unhide", "/staff/needs/{hidden}/unhide", w(302))
staff_only(
    "POST", "/staff/offers/<id:offer_id>/hide", "/staff/offers/{b_offer}/hide", w(302), **REASON
)
staff_only(
    "POST", "/staff/offers/<id:offer_id>/unhide", "/staff/offers/{hidden_offer}/unhide", w(302)
)
for target, action, ident, form in (
    ("questions", "hide", "b_question", REASON),
    ("questions", "unhide", "hidden_question", {}),
    ("questions", "hide-answer", "answered_question", REASON),
    ("questions", "unhide-answer", "answer_hidden_question", {}),
    ("clarifications", "hide", "clarification", REASON),
    ("clarifications", "unhide", "hidden_clarification", {}),
):
    singular = target.removesuffix("s")
    staff_only(
        "POST",
        f"/staff/{target}/<id:{singular}_id>/{action}",
        f"/staff/{target}/{{{ident}}}/{action}",
        w(302),
        **form,
    )
staff_only(
    "POST",
    "/staff/members/new",
    None,
    w(302),
    member_name="Vltava Systems s.r.o.",
    email="first@vltava.example",
    country="CZ",
    competences="python",
)
staff_only(
    "POST", "/staff/members/<id:member_id>/suspend", "/staff/members/{firm_a}/suspend", w(302)
)
staff_only(
    "POST",
    "/staff/members/<id:member_id>/activate",
    "/staff/members/{suspended_firm}/activate",
    w(302),
)
staff_only(
    "POST", "/staff/users", None, w(302), email="new.staff@cluster.example", name="New Staff"
)
staff_only(
    "POST", "/staff/users/<id:user_id>/deactivate", "/staff/users/{user_a}/deactivate", w(302)
)
# Staff cannot lock themselves out: refused with a message, nothing written.
staff_only(
    "POST", "/staff/users/<id:user_id>/deactivate", "/staff/users/{staff_user}/deactivate", 302
)
staff_only(
    "POST", "/staff/users/<id:user_id>/activate", "/staff/users/{inactive_user}/activate", w(302)
)
staff_only(
    "POST",
    "/staff/applications/<id:application_id>/approve",
    "/staff/applications/{application}/approve",
    w(302),
)
staff_only(
    "POST",
    "/staff/applications/<id:application_id>/reject",
    "/staff/applications/{application}/reject",
    w(302),
    **REASON,
)
staff_only(
    "POST",
    "/staff/notifications/<id:notification_id>/retry",
    "/staff/notifications/{notification}/retry",
    w(302),
)
staff_only(
    "POST",
    "/staff/reports/<id:report_id>/resolve",
    "/staff/reports/{report}/resolve",
    w(302),
    resolution="Talked to the firm.",
)
staff_only(
    "POST", "/staff/competences", None, w(302), name="Elixir", area="Languages and frameworks"
)
COMPETENCE = "/staff/competences/<id:competence_id>"
staff_only(
    "POST",
    f"{COMPETENCE}/rename",
    "/staff/competences/{competence}/rename",
    w(302),
    name="Django (Python)",
    area="Languages and frameworks",
)
staff_only("POST", f"{COMPETENCE}/retire", "/staff/competences/{competence}/retire", w(302))
staff_only("POST", f"{COMPETENCE}/restore", "/staff/competences/{retired}/restore", w(302))
staff_only(
    "POST",
    f"{COMPETENCE}/merge",
    "/staff/competences/{competence}/merge",
    w(302),
    into="{survivor}",
)

# Personal API tokens: each user makes and revokes their own; another's is not there for them.
# A new token is shown on the page that made it (200), never carried in the session.
case("GET", "/account/tokens", a=200, b=200, staff=200)
case(
    "POST",
    "/account/tokens",
    a=w(200),
    b=w(200),
    staff=w(200),
    data={"name": "Our CRM", "scope": "write"},
)
# A person's data, and erasing an account: each reads their own. Erasing needs the password,
# and each role here is the last who can sign in for its firm (or the only staff), so even
# the right password gets a message and writes nothing.
case("GET", "/account/privacy", a=200, b=200, staff=200)
case("GET", "/account/export", a=200, b=200, staff=200)
for password in ("not the password", factories.PASSWORD):
    case("POST", "/account/delete", a=200, b=200, staff=200, data={"password": password})
# Staff read and erase a person, after typing their address; a firm, after typing its name.
PERSON = "/staff/users/<id:user_id>"
staff_only("GET", f"{PERSON}/privacy", "/staff/users/{user_a}/privacy", 200)
staff_only("GET", f"{PERSON}/export", "/staff/users/{user_a}/export", 200)
staff_only("POST", f"{PERSON}/erase", "/staff/users/{user_a}/erase", w(302), confirm="{email_a}")
staff_only("POST", f"{PERSON}/erase", "/staff/users/{user_a}/erase", 200, confirm="x@y.example")
ERASE_FIRM = "/staff/members/<id:member_id>/erase"
staff_only("GET", ERASE_FIRM, "/staff/members/{firm_a}/erase", 200)
staff_only("POST", ERASE_FIRM, "/staff/members/{firm_a}/erase", w(302), confirm="Odra Software")
staff_only("POST", ERASE_FIRM, "/staff/members/{firm_a}/erase", 200, confirm="Odra")
REVOKE = "/account/tokens/<id:token_id>/revoke"
case("POST", REVOKE, "/account/tokens/{token_member_a}/revoke", a=w(302), b=404, staff=404)
case("POST", REVOKE, "/account/tokens/{token_staff}/revoke", a=404, b=404, staff=w(302))
# The private feeds' addresses, made or made anew on one's account.
case("POST", "/account/feeds", a=w(302), b=w(302), staff=w(302))
# The feeds are opened by the secret in their address, whoever holds it; a made-up one, a
# missing one or one of a firm suspended since finds nothing.
for feed in ("/feeds/needs.atom", "/feeds/deadlines.ics"):
    for holder in ("member_a", "member_b", "staff"):
        everyone("GET", feed, f"{feed}?token={{feed_{holder}}}", 200)
    for nobody in ("{forged_feed}", "{suspended_feed}", ""):
        everyone("GET", feed, f"{feed}?token={nobody}", 404)


def api(
    method: str,
    rule: str,
    path: str | None = None,
    *,
    a: int | Answer,
    b: int | Answer,
    staff: int | Answer,
    token: str = "",
    body: dict[str, Any] | None = None,
) -> None:
    """An operation of the API, each role with its own token (a read and write one, or the
    kind `token` names: "read", "revoked"); without a token, 401."""
    data = {**({TOKEN_KIND: token} if token else {}), **(body or {})}
    case(method, API + rule, path and API + path, anon=401, a=a, b=b, staff=staff, data=data)


# The API: a token reads what its user reads on the board, as the pages answer it; a
# read-only token and a revoked one change nothing.
API = "/api/v1"
TOKEN_KIND = "_token"
everyone("GET", "/api/v1/openapi.json", None, 200)
everyone("GET", "/api/v1/docs", None, 200)
for listing in ("/needs", "/competences", "/members"):
    api("GET", listing, a=200, b=200, staff=200)
for status in ("draft", "pending", "hidden", "open"):
    api("GET", "/needs", f"/needs?status={status}&q=Kotlin", a=200, b=200, staff=200)
api("GET", "/needs", "/needs?competence=no-such-skill", a=422, b=422, staff=422)
for kind, reads in (("read", 200), ("revoked", 401)):
    api("GET", "/needs", None, a=reads, b=reads, staff=reads, token=kind)
API_NEED = "/needs/<id:need_id>"
for state in ("draft", "pending", "hidden"):
    api("GET", API_NEED, f"/needs/{{{state}}}", a=200, b=404, staff=200)
for state in ("open", "c_open", "cancelled"):
    api("GET", API_NEED, f"/needs/{{{state}}}", a=200, b=200, staff=200)
api("GET", API_NEED, "/needs/{suspended_open}", a=404, b=404, staff=200)
api("GET", "/offers", a=200, b=200, staff=403)
API_OFFER = "/offers/<id:offer_id>"
api("GET", API_OFFER, "/offers/{b_offer}", a=404, b=200, staff=403)
api("GET", API_OFFER, "/offers/{a_offer}", a=200, b=404, staff=403)
api("GET", API_OFFER, "/offers/{hidden_offer}", a=404, b=404, staff=403)
OFFER_BODY = {
    "message": "Two seniors, free soon.",
    "price": "50000",
    "currency": "EUR",
    "available_from": IN_A_MONTH,
}
SEND = "/needs/<id:need_id>/offers"
# Firm A has an offer on C's need already: it changes it (PATCH) rather than sending another.
api("POST", SEND, "/needs/{c_open}/offers", a=409, b=w(201), staff=403, body=OFFER_BODY)
for kind in ("read", "revoked"):
    refused = 403 if kind == "read" else 401
    api(
        "POST",
        SEND,
        "/needs/{c_open}/offers",
        a=refused,
        b=refused,
        staff=refused,
        token=kind,
        body=OFFER_BODY,
    )
# Firm A's own need; firm B has an offer on it already.
api("POST", SEND, "/needs/{open}/offers", a=403, b=409, staff=403, body=OFFER_BODY)
for state in ("draft", "hidden"):
    api("POST", SEND, f"/needs/{{{state}}}/offers", a=403, b=404, staff=403, body=OFFER_BODY)
api("POST", SEND, "/needs/{cancelled}/offers", a=403, b=403, staff=403, body=OFFER_BODY)
api("POST", SEND, "/needs/{suspended_open}/offers", a=404, b=404, staff=403, body=OFFER_BODY)
NEW_PRICE = {"price": "45000"}
api("PATCH", API_OFFER, "/offers/{b_offer}", a=404, b=w(200), staff=403, body=NEW_PRICE)
api("PATCH", API_OFFER, "/offers/{a_offer}", a=w(200), b=404, staff=403, body=NEW_PRICE)
api("PATCH", API_OFFER, "/offers/{hidden_offer}", a=404, b=404, staff=403, body=NEW_PRICE)
# Past its need's life an offer no longer changes.
api("PATCH", API_OFFER, "/offers/{cancelled_offer}", a=404, b=403, staff=403, body=NEW_PRICE)
for kind, refused in (("read", 403), ("revoked", 401)):
    api(
        "PATCH",
        API_OFFER,
        "/offers/{b_offer}",
        a=refused,
        b=refused,
        staff=refused,
        token=kind,
        body=NEW_PRICE,
    )
API_WITHDRAW = "/offers/<id:offer_id>/withdraw"
api("POST", API_WITHDRAW, "/offers/{b_offer}/withdraw", a=404, b=w(200), staff=403)
api("POST", API_WITHDRAW, "/offers/{a_offer}/withdraw", a=w(200), b=404, staff=403)
api("POST", API_WITHDRAW, "/offers/{hidden_offer}/withdraw", a=404, b=404, staff=403)
api("POST", API_WITHDRAW, "/offers/{cancelled_offer}/withdraw", a=404, b=409, staff=403)
for kind, refused in (("read", 403), ("revoked", 401)):
    api(
        "POST",
        API_WITHDRAW,
        "/offers/{b_offer}/withdraw",
        a=refused,
        b=refused,
        staff=refused,
        token=kind,
    )

# Routes of members' objects where a staff request reaches the object (the others refuse staff
# at once): pages staff read too, and files, which staff may not remove.
STAFF_LOOK_UP = {
    DETAIL,
    "/needs/<id:need_id>/offers",
    "/needs/<id:need_id>/offers.csv",
    "/attachments/<id:attachment_id>",
    "/attachments/<id:attachment_id>/delete",
    "/needs/<id:need_id>/not-for-us",
    REVOKE,
}

# The address of nothing, for every method of every rule that takes an id: 404 to whoever may
# use the route at all (staff are refused member routes before any object is looked up).
for method, rule in sorted({(c.method, c.rule) for c in MATRIX if "<id:" in c.rule}):
    first = next(c for c in MATRIX if (c.method, c.rule) == (method, rule))
    nowhere = re.sub(r"<id:\w+>", str(MISSING_ID), rule)
    if rule.startswith("/staff/"):
        staff_only(method, rule, nowhere, 404, **first.data)
    elif rule.startswith(API):
        # Staff are refused the firms' offers before any object is looked up.
        staff_answer = 404 if rule == API + API_NEED else 403
        body = {key: value for key, value in first.data.items() if key != TOKEN_KIND}
        api(
            method,
            rule.removeprefix(API),
            nowhere.removeprefix(API),
            a=404,
            b=404,
            staff=staff_answer,
            body=body,
        )
    else:
        case(
            method,
            rule,
            nowhere,
            a=404,
            b=404,
            staff=404 if rule in STAFF_LOOK_UP else 403,
            data=first.data,
        )

# Cases where the application answers otherwise than the table says: each is a bug, described
# in the report that added it. The test requires them to be still wrong, so that the fix
# cannot go unnoticed: remove the entry with the fix.
KNOWN_WRONG: set[tuple[str, str, str]] = set()

RULES = sorted({c.rule for c in MATRIX})


# The world ---------------------------------------------------------------------------------

Rows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class World:
    """The objects the table names, the accounts that act, and every row, to put back."""

    values: dict[str, str | int]
    accounts: dict[str, factories.Account]
    rows: Rows


OFFER_MESSAGES = {
    "b_offer": "Spreewerk answers: two Kotlin seniors from March",
    "a_offer": "Odra answers: a Python pair for the data platform",
    "hidden_offer": "Ceahlau answers: an offer staff took off the board",
    "cancelled_offer": "Spreewerk answers: a team for a need that was cancelled",
    "shortlisted_offer": "Spreewerk answers: a shortlisted pair for the second team",
}
REPORT_COMMENT = "The budget in this need looks invented"
QUESTIONS = {
    "b_question": "Spreewerk asks: is the team needed in Wrocław every week?",
    "answered_question": "Ceahlau asks: which Kotlin version do you use?",
    "hidden_question": "Spreewerk asks: would you buy our product instead?",
    "answer_hidden_question": "Ceahlau asks: who else offered?",
}
HIDDEN_ANSWER = "Spreewerk offered 120000."
HIDDEN_CLARIFICATION = "Call Anna on her private number."
# Files of the world: (the need or offer they are on, their name).
FILES = {
    "open_file": ("open", "kotlin-team-scope.pdf"),
    "draft_file": ("draft", "draft-budget-sheet.pdf"),
    "hidden_need_file": ("hidden", "hidden-need-brief.pdf"),
    "b_offer_file": ("b_offer", "spreewerk-cv-pack.pdf"),
    "hidden_offer_file": ("hidden_offer", "ceahlau-hidden-brochure.pdf"),
}
# Texts of the world only some roles may read: no page that any other role reaches shows them.
CONFIDENTIAL = {
    "Kotlin team (draft)": {"member_a", "staff"},
    "Kotlin team (pending)": {"member_a", "staff"},
    "Kotlin team (hidden)": {"member_a", "staff"},
    "Left with its firm": {"staff"},
    "Kotlin team (open)": {"member_a", "member_b", "staff"},
    "Kotlin team (cancelled)": {"member_a", "member_b", "staff"},
    OFFER_MESSAGES["b_offer"]: {"member_a", "member_b", "staff"},
    OFFER_MESSAGES["a_offer"]: {"member_a", "staff"},
    OFFER_MESSAGES["hidden_offer"]: {"staff"},
    OFFER_MESSAGES["cancelled_offer"]: {"member_a", "member_b", "staff"},
    OFFER_MESSAGES["shortlisted_offer"]: {"member_a", "member_b", "staff"},
    "ioana@tisa.example": {"staff"},
    REPORT_COMMENT: {"staff"},
    # A waiting question: its firm, the requester firm, staff; hidden: its firm and staff.
    QUESTIONS["b_question"]: {"member_a", "member_b", "staff"},
    QUESTIONS["hidden_question"]: {"member_b", "staff"},
    HIDDEN_ANSWER: {"member_a", "staff"},
    HIDDEN_CLARIFICATION: {"member_a", "staff"},
    FILES["draft_file"][1]: {"member_a", "staff"},
    FILES["hidden_need_file"][1]: {"staff"},
    FILES["b_offer_file"][1]: {"member_a", "member_b", "staff"},
    FILES["hidden_offer_file"][1]: {"staff"},
}

# Building the world takes longer than any test's requests, so each backend builds it once
# and later tests put its rows back.
WORLDS: dict[str, World] = {}


# Columns a request may write without changing anything its table stands for: when a token
# was last used, noted at most once a minute.
BOOKKEEPING = {"api_tokens": {"last_used_at"}}


def snapshot() -> Rows:
    """Every row of every table, all columns but bookkeeping, in primary-key order."""
    return {
        table.name: [
            {key: value for key, value in row.items() if key not in BOOKKEEPING.get(table.name, ())}
            for row in db.session.execute(
                select(table).order_by(*table.primary_key.columns)
            ).mappings()
        ]
        for table in db.metadata.sorted_tables
    }


def read_rows(app: Flask) -> Rows:
    with app.app_context():
        return snapshot()


# Tables the database's triggers fill from others.
DERIVED = frozenset({"need_tallies"})


def put_back(app: Flask, rows: Rows) -> None:
    """Replace every table's rows with `rows`, ids and session tokens included."""
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        for table in db.metadata.sorted_tables:
            # The database counts the tallies again from the offers and matches put back.
            if rows[table.name] and table.name not in DERIVED:
                db.session.execute(table.insert(), rows[table.name])
        if app.config["BACKEND"] == "postgresql":
            # Ids were inserted explicitly: move each sequence past them.
            for table in db.metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key:
                    next_id = max((row["id"] for row in rows[table.name]), default=0) + 1
                    db.session.execute(
                        text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n, false)"),
                        {"t": table.name, "n": next_id},
                    )
        db.session.commit()


def forged(purpose: str, payload: object, timed: bool = True) -> str:
    """A token shaped like the board's, signed with a key that is not the board's."""
    serializer = URLSafeTimedSerializer if timed else URLSafeSerializer
    return serializer("not-the-secret-key", salt=purpose).dumps(payload)


def build_world() -> World:
    """Firms A, B, C and a suspended one, their users, staff, and what the table acts on."""
    firm_a = factories.make_member("Odra Software", competences=("kotlin",))
    firm_b = factories.make_member("Spreewerk Digital", competences=("kotlin", "python"))
    firm_c = factories.make_member("Ceahlău Software", competences=("python", "react"))
    suspended = factories.make_member("Dunaj Systems", status=MemberStatus.SUSPENDED)
    user_a = factories.make_user(firm_a, email="anna@odra.example")
    user_b = factories.make_user(firm_b, email="jonas@spreewerk.example")
    user_c = factories.make_user(firm_c, email="mihai@ceahlau.example")
    staff = factories.make_user(is_staff=True, email="staff@cluster.example")
    invited = factories.make_user(firm_a, email="ilse@odra.example", password=None)
    inactive = factories.make_user(firm_a, email="former@odra.example")

    values: dict[str, str | int] = {"firm_a": firm_a.id, "suspended_firm": suspended.id}
    states = (NeedStatus.DRAFT, NeedStatus.PENDING, NeedStatus.OPEN, NeedStatus.HIDDEN)
    for state in (*states, NeedStatus.CANCELLED):
        need = factories.make_need(firm_a, user_a.id, title=f"Kotlin team ({state})", status=state)
        values[state.value] = need.id
    open_need = db.session.get(Need, values["open"])
    c_need = factories.make_need(
        firm_c, user_c.id, title="Python for a data platform", competences=("python",)
    )
    values["c_open"] = c_need.id
    second = factories.make_need(firm_a, user_a.id, title="Kotlin team (second)")
    values["suspended_open"] = factories.make_need(suspended, title="Left with its firm").id
    offers = {
        "b_offer": factories.make_offer(open_need, firm_b, user_b.id),
        "a_offer": factories.make_offer(c_need, firm_a, user_a.id),
        "hidden_offer": factories.make_offer(open_need, firm_c, user_c.id),
        "cancelled_offer": factories.make_offer(
            db.session.get(Need, values["cancelled"]), firm_b, user_b.id
        ),
        "shortlisted_offer": factories.make_offer(
            second, firm_b, user_b.id, status=OfferStatus.SHORTLISTED
        ),
    }
    for name, offer in offers.items():
        offer.message = OFFER_MESSAGES[name]
        values[name] = offer.id
    offers["hidden_offer"].hidden_at = utcnow()
    offers["hidden_offer"].hidden_reason = "Spam."

    db.session.commit()
    ask = questions.ask_question
    anna, jonas, mihai, clara = (
        db.session.get(User, account.id) for account in (user_a, user_b, user_c, staff)
    )
    asked = {
        name: ask(
            open_need,
            jonas if name.startswith("b_") or name == "hidden_question" else mihai,
            text,
        )
        for name, text in QUESTIONS.items()
    }
    questions.answer_question(asked["answered_question"], anna, "Kotlin 2.1.")
    questions.hide_question(asked["hidden_question"], clara, "An advertisement.")
    questions.answer_question(asked["answer_hidden_question"], anna, HIDDEN_ANSWER)
    questions.hide_answer(asked["answer_hidden_question"], clara, "Names another firm's offer.")
    clarification = questions.publish_clarification(open_need, anna, "Kick-off in Wrocław.")
    hidden_clarification = questions.publish_clarification(open_need, anna, HIDDEN_CLARIFICATION)
    questions.hide_clarification(hidden_clarification, clara, "A private number.")
    values.update({name: question.id for name, question in asked.items()})
    values.update(clarification=clarification.id, hidden_clarification=hidden_clarification.id)
    # Firm B matched A's open need and C's; it said C's is not for it.
    db.session.add_all(
        [
            NeedMatch(need_id=open_need.id, member_id=firm_b.id, score=1.0),
            NeedMatch(
                need_id=c_need.id,
                member_id=firm_b.id,
                score=1.0,
                not_for_us_at=utcnow(),
                not_for_us_reason=NotForUsReason.FIELD,
                not_for_us_by_id=user_b.id,
            ),
        ]
    )
    values["not_for_us"] = tokens.not_for_us_token(user_b.id, open_need.id)
    values["forged_not_for_us"] = forged(
        tokens.NOT_FOR_US_SALT, [user_b.id, open_need.id], timed=False
    )
    for name, (owner, filename) in FILES.items():
        on = {"offer_id": values[owner]} if owner.endswith("offer") else {"need_id": values[owner]}
        file = Attachment(
            **on, filename=filename, content_type="application/pdf", size=5, sha256="0" * 64
        )
        file.content = b"%PDF-"
        db.session.add(file)
        db.session.flush()
        values[name] = file.id

    db.session.get(User, inactive.id).active = False  # type: ignore[union-attr]
    outbox.add_rows(
        [
            {
                "user_id": user_a.id,
                "key": f"need_match:need:{c_need.id}",
                "kind": "need_match",
                "need_id": c_need.id,
                "status": NotificationStatus.FAILED,
                "attempts": 3,
                "last_error": "550 mailbox unavailable",
            }
        ]
    )
    competence = {c.slug: c for c in db.session.scalars(select(Competence))}
    competence["angular"].retired_at = utcnow()
    application = Application(
        member_name="Tisa Data SRL",
        contact_name="Ioana Pop",
        email="ioana@tisa.example",
        competences=[competence["python"]],
    )
    report = Report(
        reporter_id=user_c.id,
        need_id=open_need.id,
        reason=ReportReason.MISLEADING,
        comment=REPORT_COMMENT,
    )
    db.session.add_all([application, report])
    db.session.commit()
    notification_id = db.session.scalar(
        select(Notification.id).where(Notification.status == NotificationStatus.FAILED)
    )
    assert notification_id is not None

    invited_user = db.session.get(User, invited.id)
    reset_user = db.session.get(User, user_c.id)
    values.update(
        user_a=user_a.id,
        staff_user=staff.id,
        inactive_user=inactive.id,
        application=application.id,
        report=report.id,
        notification=notification_id,
        competence=competence["django"].id,
        survivor=competence["python"].id,
        retired=competence["angular"].id,
        firm_a_slug=firm_a.slug,
        suspended_slug=suspended.slug,
        email_a=user_a.email,
        email_c=user_c.email,
        invitation=make_token(invited_user, Purpose.INVITATION),  # type: ignore[arg-type]
        reset=make_token(reset_user, Purpose.PASSWORD_RESET),  # type: ignore[arg-type]
        unsubscribe=tokens.unsubscribe_token(reset_user.id),  # type: ignore[union-attr]
        forged_invitation=forged("board.invitation", [invited.id, "0" * 16]),
        forged_reset=forged("board.password-reset", [user_c.id, "0" * 16]),
        forged_unsubscribe=forged(tokens.UNSUBSCRIBE_SALT, user_c.id, timed=False),
    )
    accounts = {"member_a": user_a, "member_b": user_b, "staff": staff}
    # Each role's API tokens, one of each kind, and the secret of its feeds; the feeds of a
    # user of the suspended firm, which find nothing.
    for role, account in accounts.items():
        user = db.session.get(User, account.id)
        for kind, scope in (("write", TokenScope.WRITE), ("read", TokenScope.READ)):
            token, values[f"api_{role}_{kind}"] = api_tokens.create_api_token(user, kind, scope)
            if kind == "write":
                values[f"token_{role}"] = token.id
        revoked, values[f"api_{role}_revoked"] = api_tokens.create_api_token(
            user, "revoked", TokenScope.WRITE
        )
        api_tokens.revoke_api_token(revoked, user)  # type: ignore[arg-type]
        values[f"feed_{role}"] = api_tokens.reset_feed_token(user).token  # type: ignore[arg-type]
    gone = factories.make_user(suspended, email="former@dunaj.example")
    suspended_user = db.session.get(User, gone.id)
    values["suspended_feed"] = api_tokens.reset_feed_token(suspended_user).token  # type: ignore[arg-type]
    values["forged_feed"] = "A" * 43
    return World(values=values, accounts=accounts, rows=snapshot())


@pytest.fixture
def world(app: Flask) -> World:
    """The world of the table in this test's database, built or put back."""
    backend = app.config["BACKEND"]
    if backend not in WORLDS:
        with app.app_context():
            WORLDS[backend] = build_world()
    else:
        put_back(app, WORLDS[backend].rows)
    return WORLDS[backend]


# Acting as a role -------------------------------------------------------------------------


@dataclass
class Browser:
    """One role's own cookie jar, signed in unless anonymous, with a CSRF token of its session."""

    role: str
    client: FlaskClient
    token: str
    # The role's API tokens by kind ("write", "read", "revoked"); none for a visitor.
    api_tokens: dict[str, str] = field(default_factory=dict)

    def send(self, method: str, path: str, data: dict[str, Any]) -> TestResponse:
        if path.startswith(API + "/"):
            return self.call(method, path, data)
        if method == "GET":
            return self.client.get(path)
        fields = {
            key: (io.BytesIO(value.content), value.name) if isinstance(value, Upload) else value
            for key, value in data.items()
        }
        return self.client.post(path, data={"csrf_token": self.token, **fields})

    def call(self, method: str, path: str, data: dict[str, Any]) -> TestResponse:
        """A request of the role's software: its bearer token (no cookie is needed), the body
        as JSON."""
        body = {key: value for key, value in data.items() if key != TOKEN_KIND}
        secret = self.api_tokens.get(data.get(TOKEN_KIND, "write"))
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return self.client.open(path, method=method, json=body or None, headers=headers)


def open_browser(app: Flask, world: World, role: str) -> Browser:
    client = app.test_client()
    if role == "anonymous":
        return Browser(role, client, csrf_token(client, "/login"))
    account = world.accounts[role]
    signed_in = AuthActions(client).login(account.email, account.password)
    assert signed_in.status_code == 302, f"{role} could not sign in"
    # Signing in starts a new session, with a new CSRF token.
    secrets = {
        kind: str(world.values[f"api_{role}_{kind}"]) for kind in ("write", "read", "revoked")
    }
    return Browser(role, client, csrf_token(client, "/account"), secrets)


def changed_tables(before: Rows, after: Rows) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def sent_to_sign_in(response: TestResponse, path: str) -> bool:
    location = urlsplit(response.location or "")
    return location.path == "/login" and parse_qs(location.query).get("next") == [path]


def check(expected: Answer, path: str, response: TestResponse, changed: list[str]) -> str | None:
    """What is wrong with this answer, or None."""
    status = response.status_code
    got = f"{status}{' and a write to ' + ', '.join(changed) if changed else ''}"
    if status >= 500:
        return f"a server error: {got}"
    if status != expected.status or bool(changed) != expected.writes:
        return f"expected {expected}, got {got}"
    to_sign_in = status == 302 and sent_to_sign_in(response, path)
    if to_sign_in != expected.sign_in:
        return f"expected {expected}, got a redirect to {response.location}"
    return None


def writes_last(case: Case) -> list[str]:
    """Refusals change nothing, so the roles that may write go last, each on the whole world."""
    return sorted(ROLES, key=lambda role: case.answers[role].writes)


@pytest.mark.parametrize("rule", RULES)
def test_each_role_gets_the_answer_the_table_gives_it(app: Flask, world: World, rule: str) -> None:
    """Every case of one rule, as every role: the status, the sign-in redirect, and whether it
    wrote to the database are those of the table; nothing answers 500."""
    browsers: dict[str, Browser] = {}
    wrong: dict[tuple[str, str, str], str] = {}
    rows: Rows | None = None  # the database as it is, when known
    for case in (c for c in MATRIX if c.rule == rule):
        path = case.path.format(**world.values)
        data = {
            key: value.format(**world.values) if isinstance(value, str) else value
            for key, value in case.data.items()
        }
        for role in writes_last(case):
            if role not in browsers:
                browsers[role] = open_browser(app, world, role)
                rows = None
            before = rows if rows is not None else read_rows(app)
            response = browsers[role].send(case.method, path, data)
            rows = read_rows(app)
            changed = changed_tables(before, rows)
            problem = check(case.answers[role], path, response, changed)
            if problem:
                wrong[(case.method, case.path, role)] = problem
            if changed:
                # Back to the world as built; this role signs in again, the others still are.
                put_back(app, world.rows)
                del browsers[role]
                rows = None

    here = {(c.method, c.path, role) for c in MATRIX if c.rule == rule for role in ROLES}
    fixed = sorted(key for key in KNOWN_WRONG & here if key not in wrong)
    assert not fixed, f"answers as the table says now; remove from KNOWN_WRONG: {fixed}"
    unexpected = {key: problem for key, problem in wrong.items() if key not in KNOWN_WRONG}
    assert not unexpected, "\n".join(
        f"{method} {path} as {role}: {problem}"
        for (method, path, role), problem in sorted(unexpected.items())
    )
    if wrong:
        pytest.xfail("known wrong: " + "; ".join(f"{k[0]} {k[1]} as {k[2]}" for k in wrong))


def routes(app: Flask) -> set[tuple[str, str]]:
    """(rule, method) for every method of the URL map (HEAD and OPTIONS, which Flask answers
    for GET, aside), static files aside."""
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def gaps(app: Flask, table: list[Case]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Routes the table lacks, and table entries for routes the app lacks."""
    listed = {(c.rule, c.method) for c in table}
    return sorted(routes(app) - listed), sorted(listed - routes(app))


def test_the_table_has_an_entry_for_every_rule_and_every_method(app: Flask) -> None:
    """A new route, or a new method on a route, fails the suite until the table says who may
    use it; a table entry for a rule that no longer exists fails it too."""
    missing, stale = gaps(app, MATRIX)
    assert missing == [], "routes missing from the table"
    assert stale == [], "table entries without a route"
    cases = {(c.method, c.path, role) for c in MATRIX for role in ROLES}
    assert sorted(KNOWN_WRONG - cases) == [], "KNOWN_WRONG names no case of the table"


def test_the_walk_would_notice_a_route_left_out_and_an_entry_left_over(app: Flask) -> None:
    """The check above is not vacuous: a route added to the app shows up as missing, an entry
    for a route that is gone shows up as left over."""

    @app.route("/needs/<id:need_id>/archive", methods=["GET", "POST"])
    def archive(need_id: int) -> str:
        return "archived"

    gone = Case("POST", "/needs/<id:need_id>/publish", "/needs/{open}/publish", {})
    missing, stale = gaps(app, [*MATRIX, gone])
    assert missing == [
        ("/needs/<id:need_id>/archive", "GET"),
        ("/needs/<id:need_id>/archive", "POST"),
    ]
    assert stale == [("/needs/<id:need_id>/publish", "POST")]


def test_each_path_of_the_table_reaches_the_rule_it_is_listed_under(
    app: Flask, world: World
) -> None:
    """The table's paths really hit the rule they stand for, with the world's objects."""
    adapter = app.url_map.bind("localhost")
    for case in MATRIX:
        path = urlsplit(case.path.format(**world.values)).path
        rule, _arguments = adapter.match(path, method=case.method, return_rule=True)
        assert rule.rule == case.rule, case.name


# Safe methods ------------------------------------------------------------------------------

LINK = re.compile(r'href="([^"]+)"')
MAX_LINKS = 150
# Query strings the pages' forms would send, well-formed or not: reading them writes nothing.
QUERIES = (
    "/needs?q=Kotlin&competence=kotlin&competence=python&match=y&sort=relevance&page=2",
    "/needs?q=Kotlin+team+draft&status=draft&sort=deadline",
    "/needs?status=pending",
    "/needs?status=hidden&match=y",
    "/needs?status=nonsense&competence=no-such-skill&page=-1&sort=%00",
    "/staff/audit?actor=anna%40odra.example&action=need.&target=need%3A1&since=2020-01-01",
    "/staff/audit?since=not-a-date&until=2020-13-45&page=99999",
    "/staff/notifications?status=bogus&page=0",
    "/staff/statistics?from=2030-01-01&to=2020-01-01",
)


def links_on(page: str, base: str) -> Iterator[str]:
    """Same-site addresses linked from a page, as path and query."""
    for href in LINK.findall(page):
        target = urlsplit(urljoin(base, html.unescape(href)))
        if target.scheme in ("http", "https") and target.netloc == "localhost":
            yield target.path + (f"?{target.query}" if target.query else "")


@pytest.mark.parametrize("role", ROLES)
def test_get_requests_change_nothing_fail_nowhere_and_leak_nothing(
    app: Flask, world: World, role: str
) -> None:
    """Every GET of the table and every same-site link on the pages it reaches (one level),
    as this role: no answer is a server error, no table changes, and no page shows a text of
    the world that this role may not read."""
    browser = open_browser(app, world, role)
    before = read_rows(app)
    # A signed link shows its need to whoever holds it, as its e-mail's reader: not a leak.
    start = [
        c.path.format(**world.values)
        for c in MATRIX
        if c.method == "GET" and "token=" not in c.path
    ] + list(QUERIES)
    if role != "anonymous":
        # The role's own feeds: what its feed reader and calendar read.
        start += [
            f"{feed}?token={world.values[f'feed_{role}']}"
            for feed in ("/feeds/needs.atom", "/feeds/deadlines.ics")
        ]
    seen: set[str] = set()
    found: list[str] = []
    wrong: list[str] = []

    hidden = [secret for secret, readers in CONFIDENTIAL.items() if role not in readers]

    def visit(path: str) -> TestResponse:
        response = browser.send("GET", path, {})
        changed = changed_tables(before, read_rows(app))
        if response.status_code >= 500 or changed:
            wrong.append(f"GET {path}: {response.status_code}, wrote to {changed}")
            put_back(app, before)
        page = html.unescape(response.get_data(as_text=True))
        wrong.extend(f"GET {path} shows {secret!r}" for secret in hidden if secret in page)
        return response

    for path in dict.fromkeys(start):
        seen.add(path)
        response = visit(path)
        if response.mimetype == "text/html":
            found.extend(links_on(response.get_data(as_text=True), f"http://localhost{path}"))
    followed = [link for link in dict.fromkeys(found) if link not in seen][:MAX_LINKS]
    for link in followed:
        visit(link)
    assert followed, f"{role} found no link to follow"
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)
