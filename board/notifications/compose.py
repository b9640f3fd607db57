"""Composing: the e-mail of an outbox row, in its recipient's language.

Every kind of e-mail has a subject here and a template pair `templates/email/<kind>.txt` and
`.html`. A batch's e-mails about one need share most of their text: `Composer` works that out
once per batch and fills in each recipient.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale, format_date, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from board.extensions import db
from board.mail import Letter, Outgoing, build_message, build_outgoing, compose
from board.models import (
    Application,
    AuditEvent,
    Clarification,
    Competence,
    Member,
    Need,
    NeedMatch,
    Notification,
    Offer,
    PriceBasis,
    Question,
    User,
)
from board.offers.contacts import requester_contact, supplier_contact
from board.tokens import (
    Purpose,
    make_token,
    not_for_us_serializer,
    not_for_us_token,
    unsubscribe_serializer,
)
from board.web import external_url

# Kind → subject; the body is the template pair templates/email/<kind>.txt and .html.
SUBJECTS = {
    "need_match": _l("A new need matches your firm: %(title)s"),
    "digest": _l("Needs that matched your firm on %(title)s"),
    "deadline_reminder": _l("Offers close soon: %(title)s"),
    "award_reminder": _l("Offers have closed: award or cancel %(title)s"),
    "need_approved": _l("Your need is published: %(title)s"),
    "need_rejected": _l("Your need was not accepted: %(title)s"),
    "need_changes_requested": _l("Changes requested to your need: %(title)s"),
    "offer_received": _l("New offer on your need: %(title)s"),
    "offer_changed": _l("An offer on your need changed its price: %(title)s"),
    "offer_accepted": _l("Your offer was accepted: %(title)s"),
    "award_confirmed": _l("You awarded your need: %(title)s"),
    "offer_declined": _l("Your offer was declined: %(title)s"),
    "need_cancelled": _l("A need you offered on was cancelled: %(title)s"),
    "need_awarded": _l("A need you offered on was awarded to another firm: %(title)s"),
    "need_hidden": _l("Your need was hidden by the cluster staff: %(title)s"),
    "offer_hidden": _l("Your offer was hidden by the cluster staff: %(title)s"),
    "need_submitted": _l("A need waits for your review: %(title)s"),
    "application_submitted": _l("A firm applies to join the board: %(title)s"),
    "application_rejected": _l("Your application to the cluster procurement board"),
    "invitation": _l("You are invited to the cluster procurement board"),
    "password_reset": _l("Reset your password"),
    "account_exists": _l("Someone used your e-mail address on the cluster procurement board"),
    "question_asked": _l("A question about your need: %(title)s"),
    "question_answered": _l("A question was answered on a need you follow: %(title)s"),
    "clarification_published": _l("A clarification on a need you follow: %(title)s"),
    "deadline_extended": _l("Offers are taken for longer: %(title)s"),
}

# E-mails that carry a signed link for their recipient's account, made when they are sent.
ACCOUNT_LINKS = {"invitation": Purpose.INVITATION, "password_reset": Purpose.PASSWORD_RESET}

# E-mails a user chose to receive about needs; they carry a one-click unsubscribe link.
SUBSCRIBED_KINDS = frozenset({"need_match", "digest", "deadline_reminder"})

# E-mails to a matched firm about one need; they carry a link to say it is not for the firm.
MATCHED_KINDS = frozenset({"need_match", "deadline_reminder"})


# E-mails that tell of a question, an answer or a clarification: not sent once staff hid it.
PUBLISHED_KINDS = frozenset({"question_asked", "question_answered", "clarification_published"})


def exchange(event: AuditEvent | None) -> tuple[Question | None, Clarification | None]:
    """The question or the clarification an audit event is about, if it is about one."""
    if event is None or event.target_type not in ("question", "clarification"):
        return None, None
    if event.target_type == "question":
        return db.session.get(Question, event.target_id), None
    return None, db.session.get(Clarification, event.target_id)


@dataclass(slots=True, eq=False)
class Recipient:
    """The person a row being delivered goes to: the columns its e-mail reads, and their firm.

    A row without a user (an applicant, an address asking for a reset) has no id and no firm.
    """

    id: int | None
    email: str
    name: str
    member_id: int | None
    locale: str
    member: Member | None

    @property
    def display_name(self) -> str:
        return self.name or self.email


@dataclass(slots=True, eq=False)
class BatchRow:
    """An outbox row being delivered, read as plain columns rather than as an ORM entity.

    It carries what composing and delivering read: the row's own columns, its user as a
    `Recipient`, and the need, offer and event it is about (ORM entities, shared by the
    batch's rows). A row whose delivery fails is updated through its entity.
    """

    id: int
    kind: str
    user_id: int | None
    need_id: int | None
    offer_id: int | None
    event_id: int | None
    data: dict[str, Any]
    attempts: int
    user: Recipient
    need: Need | None
    offer: Offer | None
    event: AuditEvent | None


def unsubscribe_headers(url: str) -> dict[str, str]:
    """The headers that let a mail client unsubscribe in one click (RFC 8058)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def address_recipient(notification: Notification) -> Recipient:
    """The recipient of a row that addresses a person who is not a user."""
    return Recipient(
        id=None,
        email=notification.email or "",
        name="",
        member_id=None,
        locale=notification.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        member=None,
    )


def matched_competences(need: Need, member_id: int | None) -> tuple[list[Competence], float]:
    """The need's competences the firm had when it matched, and its score."""
    match = db.session.get(NeedMatch, (need.id, member_id)) if member_id else None
    if match is None:
        return [], 0.0
    wanted = set(match.competence_ids)
    return [c for c in need.competences if c.id in wanted], match.score


def matched_firms(need_id: int) -> int:
    """How many firms a need matched when it opened."""
    count = select(func.count()).select_from(NeedMatch).where(NeedMatch.need_id == need_id)
    return db.session.scalar(count) or 0


def digest_entries(notification: Notification) -> list[dict[str, Any]]:
    """The needs a digest lists, each with the competences the firm matched and the link to
    say it is not for the firm, best first."""
    need_ids = notification.data.get("need_ids", [])
    needs = db.session.scalars(
        select(Need)
        .where(Need.id.in_(need_ids))
        .options(selectinload(Need.competences), selectinload(Need.member))
    ).all()
    entries = []
    for need in needs:
        competences, score = matched_competences(need, notification.user.member_id)
        entries.append(
            {
                "need": need,
                "competences": competences,
                "score": score,
                "url": external_url("needs.detail", need_id=need.id),
                "not_for_us_url": external_url(
                    "matches.not_for_us",
                    need_id=need.id,
                    token=not_for_us_token(notification.user.id, need.id),
                ),
            }
        )
    return sorted(entries, key=lambda entry: (-entry["score"], entry["need"].id))


# Stand-ins for what differs between the users of a firm in a need_match e-mail. Letters and
# digits only, so HTML escaping, base64 and the templates leave them as they are.
_NAME = f"recipient{uuid.uuid4().hex}name"
_UNSUBSCRIBE = f"recipient{uuid.uuid4().hex}unsubscribe"
_NOT_FOR_US = f"recipient{uuid.uuid4().hex}notforus"
_PIECES = re.compile(f"({_NAME}|{_UNSUBSCRIBE}|{_NOT_FOR_US})")


class _Recipient:
    """A user as a shared need_match body sees them: their firm, placeholders for the rest."""

    def __init__(self, user: User | Recipient) -> None:
        self.id = user.id
        self.member = user.member
        self.member_id = user.member_id
        self.locale = user.locale
        self.name = self.display_name = _NAME
        self.email = "recipient@invalid"


class Composer:
    """Composes the e-mails of a batch, working out once what its rows have in common.

    A need, its link, the competences each firm matched it with and the links every e-mail
    carries are the same for all the rows about that need; only the recipient differs.
    """

    def __init__(self, rows: Sequence[Notification] = ()) -> None:
        config = current_app.config
        # The firms of the batch's users, per need: their matches are loaded together.
        self.batch_members: dict[int, set[int]] = defaultdict(set)
        for row in rows:
            if row.need_id is not None and row.user.member_id is not None:
                self.batch_members[row.need_id].add(row.user.member_id)
        self.domain = config["MAIL_FROM"].rpartition("@")[2]
        self.tokens = unsubscribe_serializer()
        self.urls: dict[tuple[str, int | None], str] = {}
        self.matches: dict[tuple[int, int | None], tuple[list[Competence], float]] = {}
        self.facts: dict[tuple[int, str], dict[str, str]] = {}
        self.shared: dict[tuple[int | None, int | None, str], tuple[str, list[str], list[str]]] = {}
        self.unsubscribe_parts: tuple[str, str] | None = None
        self.not_for_us_tokens = not_for_us_serializer()
        self.not_for_us_parts: dict[int, tuple[str, str]] = {}
        self.accounts: dict[int, User | None] = {}

    def account(self, notification: Notification) -> User | None:
        """The user entity of a row, for an e-mail whose link is signed for their account."""
        if notification.user_id is None:
            return None
        if notification.user_id not in self.accounts:
            self.accounts[notification.user_id] = db.session.get(User, notification.user_id)
        return self.accounts[notification.user_id]

    def is_due(self, notification: Notification) -> bool:
        """Whether the row's e-mail is still to be sent.

        An invitation accepted meanwhile is not; a password reset is sent only to the
        registered, enabled owner of the address it was asked for; a question, answer or
        clarification staff hid meanwhile is not told.
        """
        if notification.kind in PUBLISHED_KINDS:
            return self.still_shown(notification)
        if notification.kind not in ACCOUNT_LINKS:
            return True
        account = self.account(notification)
        if account is None:
            return False
        if notification.kind == "invitation":
            return not account.has_accepted_invitation
        return account.has_accepted_invitation and account.active

    def still_shown(self, notification: Notification) -> bool:
        """Whether the question, answer or clarification a row tells of is still shown."""
        question, clarification = exchange(notification.event)
        if notification.kind == "question_asked":
            return question is not None and question.hidden_at is None
        if notification.kind == "question_answered":
            return question is not None and question.is_published
        return clarification is not None and clarification.hidden_at is None

    def url(self, endpoint: str, need_id: int | None = None) -> str:
        key = (endpoint, need_id)
        if key not in self.urls:
            values = {} if need_id is None else {"need_id": need_id}
            self.urls[key] = external_url(endpoint, **values)
        return self.urls[key]

    def matched(self, need: Need, member_id: int | None) -> tuple[list[Competence], float]:
        """What `matched_competences` gives, with one query for the batch's firms."""
        key = (need.id, member_id)
        if key not in self.matches:
            if member_id is None:
                return [], 0.0
            members = self.batch_members.pop(need.id, set()) | {member_id}
            for other in members:
                self.matches[(need.id, other)] = ([], 0.0)
            for match in db.session.scalars(
                select(NeedMatch).where(
                    NeedMatch.need_id == need.id, NeedMatch.member_id.in_(members)
                )
            ):
                wanted = set(match.competence_ids)
                self.matches[(need.id, match.member_id)] = (
                    [c for c in need.competences if c.id in wanted],
                    match.score,
                )
        return self.matches[key]

    def need_facts(self, need: Need) -> dict[str, str]:
        """The need's requester, budget and deadline, rendered once per language."""
        key = (need.id, str(get_locale()))
        if key not in self.facts:
            self.facts[key] = {
                "text": render_template("email/_need_facts.txt", need=need),
                # Rendered by an autoescaping template: the need's text in it is escaped.
                "html": Markup(render_template("email/_need_facts.html", need=need)),  # nosec B704
            }
        return self.facts[key]

    def compose(self, notification: Notification) -> EmailMessage:
        """The e-mail for a notification, in its recipient's language."""
        if notification.kind == "need_match" and notification.need is not None:
            return self.compose_match(notification)
        return self.compose_plain(notification)

    def outgoing(self, notification: Notification) -> EmailMessage | Outgoing | None:
        """`compose`, with a need_match e-mail written straight to the bytes SMTP carries;
        None when the row's e-mail is no longer due."""
        if not self.is_due(notification):
            return None
        if notification.kind == "need_match" and notification.need is not None:
            return build_outgoing(self._match_letter(notification))
        return self.compose_plain(notification)

    def compose_match(self, notification: Notification) -> EmailMessage:
        """A need_match e-mail from the bodies its firm's users share in their language.

        Between users of one firm these e-mails differ only in the recipient: the address, the
        greeting's name, the unsubscribe and "not for us" links (and the Message-ID and Date
        headers). The bodies are rendered once per need, firm and language with a placeholder
        for each of these, and filled in per user: HTML-escaped in the HTML part, as they are
        in the text.
        """
        return build_message(self._match_letter(notification))

    def _match_letter(self, notification: Notification) -> Letter:
        """A need_match e-mail for its recipient, from their firm's shared bodies."""
        user = notification.user
        key = (notification.need_id, user.member_id, user.locale)
        shared = self.shared.get(key)
        if shared is None:
            shared = self.shared[key] = self._render_match(notification)
        subject, text, html = shared
        unsubscribe_url = self.unsubscribe_url(user.id)
        values = {
            _NAME: user.display_name,
            _UNSUBSCRIBE: unsubscribe_url,
            _NOT_FOR_US: self.not_for_us_url(user.id, notification.need_id),
        }
        escaped = {name: str(escape(value)) for name, value in values.items()}
        return Letter(
            to=user.email,
            subject=subject,
            text="".join([values.get(piece, piece) for piece in text]),
            html="".join([escaped.get(piece, piece) for piece in html]),
            message_id=f"<notification-{notification.id}@{self.domain}>",
            headers=unsubscribe_headers(unsubscribe_url),
        )

    def unsubscribe_url(self, user_id: int) -> str:
        """The user's one-click unsubscribe link: the URL is built once, the token per user."""
        if self.unsubscribe_parts is None:
            # The token is URL-safe base64 and dots, which a URL holds as they are.
            before, _sep, after = external_url("account.unsubscribe", token=_UNSUBSCRIBE).partition(
                _UNSUBSCRIBE
            )
            self.unsubscribe_parts = (before, after)
        before, after = self.unsubscribe_parts
        return f"{before}{self.tokens.dumps(user_id)}{after}"

    def not_for_us_url(self, user_id: int, need_id: int) -> str:
        """The user's link to say a need is not for their firm: the URL is built once per
        need, the token per user."""
        if need_id not in self.not_for_us_parts:
            url = external_url("matches.not_for_us", need_id=need_id, token=_NOT_FOR_US)
            before, _sep, after = url.partition(_NOT_FOR_US)
            self.not_for_us_parts[need_id] = (before, after)
        before, after = self.not_for_us_parts[need_id]
        return f"{before}{self.not_for_us_tokens.dumps([user_id, need_id])}{after}"

    def account_link(self, notification: Notification) -> str:
        """The signed link of an invitation or a password reset, for the row's account."""
        account = self.account(notification)
        if account is None:
            raise LookupError(f"notification {notification.id} has no account to link to")
        purpose = ACCOUNT_LINKS[notification.kind]
        endpoint = "auth.invitation" if purpose is Purpose.INVITATION else "auth.reset_password"
        return external_url(endpoint, token=make_token(account, purpose))

    def _render_match(self, notification: Notification) -> tuple[str, list[str], list[str]]:
        """The subject and both bodies for a firm's users, cut at the placeholders."""
        user = _Recipient(notification.user)
        with self._arguments(notification, user, _UNSUBSCRIBE, _NOT_FOR_US) as arguments:
            template = arguments.pop("template")
            subject = " ".join(arguments.pop("subject").split())
            for name in ("to", "message_id", "headers"):
                del arguments[name]
            text = render_template(f"email/{template}.txt", **arguments)
            html = render_template(f"email/{template}.html", **arguments)
        return subject, _PIECES.split(text), _PIECES.split(html)

    def compose_plain(
        self, notification: Notification, user: Any = None, unsubscribe_url: str | None = None
    ) -> EmailMessage:
        """The e-mail for a notification, rendered from its templates for this row alone."""
        with self._arguments(notification, user, unsubscribe_url) as arguments:
            return compose(**arguments)

    @contextmanager
    def _arguments(
        self,
        notification: Notification,
        user: Any = None,
        unsubscribe_url: str | None = None,
        not_for_us_url: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """`compose`'s arguments for a notification, in the recipient's language while open."""
        user = user or notification.user or address_recipient(notification)
        need, offer, event = (
            notification.need,
            notification.offer,
            notification.event,
        )
        application = (
            db.session.get(Application, event.target_id)
            if event is not None and event.target_type == "application"
            else None
        )
        question, clarification = exchange(event)
        context: dict[str, Any] = {}
        headers: dict[str, str] = {}
        if notification.kind in SUBSCRIBED_KINDS:
            if unsubscribe_url is None:
                unsubscribe_url = self.unsubscribe_url(user.id)
            context["unsubscribe_url"] = unsubscribe_url
            context["account_url"] = self.url("account.settings")
            headers.update(unsubscribe_headers(unsubscribe_url))
        if need is not None and notification.kind in MATCHED_KINDS:
            context["competences"], context["score"] = self.matched(need, user.member_id)
            context["not_for_us_url"] = not_for_us_url or self.not_for_us_url(user.id, need.id)
        if notification.kind in ACCOUNT_LINKS:
            context["url"] = self.account_link(notification)
        if notification.kind == "account_exists":
            context["login_url"] = self.url("auth.login")
            context["forgot_url"] = self.url("auth.forgot_password")
        if notification.kind == "offer_changed" and event is not None:
            context["before"] = offer_terms(event.detail.get("before"))
            context["after"] = offer_terms(event.detail.get("after"))
        if notification.kind == "deadline_extended" and event is not None:
            context["before"] = date.fromisoformat(event.detail["before"])
            context["after"] = date.fromisoformat(event.detail["after"])
        # Read as the e-mail is sent: the contact as it is then.
        if notification.kind == "offer_accepted" and need is not None:
            context["contact"] = requester_contact(need)
        if notification.kind == "award_confirmed" and offer is not None:
            context["contact"] = supplier_contact(offer)
        # Counted as the e-mail is composed, after the approval that recorded the matches.
        if notification.kind == "need_approved" and need is not None:
            context["firms"] = matched_firms(need.id)
        with force_locale(user.locale):
            if need is not None and notification.kind in MATCHED_KINDS:
                context["facts"] = self.need_facts(need)
            if notification.kind == "digest":
                context["entries"] = digest_entries(notification)
                context["day"] = date.fromisoformat(notification.data["day"])
            title = need.title if need else application.member_name if application else ""
            if notification.kind == "digest":
                title = format_date(context["day"])
            yield dict(
                to=user.email,
                subject=str(SUBJECTS[notification.kind] % {"title": title}),
                template=notification.kind,
                message_id=f"<notification-{notification.id}@{self.domain}>",
                headers=headers,
                user=user,
                need=need,
                offer=offer,
                event=event,
                application=application,
                question=question,
                clarification=clarification,
                need_url=self.url("needs.detail", need.id) if need else None,
                applications_url=self.url("staff.applications"),
                **context,
            )


@dataclass(frozen=True)
class OfferTerms:
    """An offer's price, currency and basis, as an audit event recorded them."""

    price: Decimal
    currency: str
    basis: PriceBasis


def offer_terms(recorded: dict[str, str] | None) -> OfferTerms | None:
    if not recorded:
        return None
    return OfferTerms(
        Decimal(recorded["price"]), recorded["currency"], PriceBasis(recorded["price_basis"])
    )


def compose_notification(notification: Notification) -> EmailMessage:
    """The e-mail for a notification, in its recipient's language."""
    return Composer().compose(notification)
