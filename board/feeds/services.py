"""What a user's feeds hold, and the documents themselves (feedgen's Atom, icalendar's
iCalendar): read through the board's reading rules, as the user would on the board."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from board.clock import cluster_zone
from board.extensions import db
from board.i18n import closing_text, competence_name, money
from board.models import Need, NeedMatch, NeedStatus, Offer, User
from board.needs.services import BoardQuery, board_page
from board.offers.services import LIVE
from board.permissions import visible_needs
from board.web import external_url

# The newest open needs a feed holds: a reader keeps what it has seen.
FEED_ENTRIES = 50


def feed_needs(user: User) -> Sequence[Need]:
    """The newest open needs the user may read that ask for one of the competences of their
    personal filter (every open need when they chose none)."""
    query = BoardQuery(
        competences=[c.slug for c in user.competences], status=NeedStatus.OPEN, sort="newest"
    )
    return board_page(user, query, 1, FEED_ENTRIES).items


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).netloc or "board"


def needs_atom(user: User, self_url: str) -> bytes:
    """The Atom document of a user's open needs, newest first, in their language."""
    found = feed_needs(user)
    feed = FeedGenerator()
    # The feed's id is the user's, not the address's: a new feed secret keeps the same feed.
    feed.id(uuid.uuid5(uuid.NAMESPACE_URL, f"{_host()}/feeds/needs/{user.id}").urn)
    feed.title(_("Open needs on the cluster's procurement board"))
    feed.subtitle(
        _("Needs that ask for the competences you chose on your account")
        if user.competences
        else _("Every open need you may read")
    )
    feed.author(name=_("Cluster procurement board"))
    feed.link(href=external_url("needs.board"), rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language(user.locale)
    feed.updated(max((n.published_at or n.created_at for n in found), default=_epoch()))
    for need in found:
        entry = feed.add_entry(order="append")
        url = external_url("needs.detail", need_id=need.id)
        entry.id(url)
        entry.title(need.title)
        entry.link(href=url, rel="alternate")
        entry.author(name=need.member.name)
        entry.published(need.published_at or need.created_at)
        entry.updated(need.published_at or need.created_at)
        entry.summary(_summary(need))
        entry.content(need.description_html, type="html")
        for competence in need.competences:
            entry.category(term=competence.slug, label=competence_name(competence.name))
    return feed.atom_str(pretty=True)


def _summary(need: Need) -> str:
    parts = [
        _(
            "%(firm)s needs: %(competences)s.",
            firm=need.member.name,
            competences=", ".join(competence_name(c.name) for c in need.competences),
        ),
        _("Offers until %(when)s.", when=closing_text(need.offers_close_at)),
    ]
    if need.budget_min is not None or need.budget_max is not None:
        low, high = money(need.budget_min, need.currency), money(need.budget_max, need.currency)
        parts.append(_("Budget: %(budget)s.", budget=" – ".join(filter(None, (low, high)))))
    return " ".join(parts)


def _epoch() -> datetime:
    return datetime(2026, 1, 1, tzinfo=cluster_zone())


# The calendar -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A deadline of a need that concerns the user's firm, and why it does."""

    need: Need
    why: str


def calendar_needs(user: User) -> list[Deadline]:
    """The open needs whose deadlines concern the user's firm: its own, those it offered on
    (while the offer is in the running) and those it was matched to (unless it said they are
    not for it), among those the user may read."""
    if user.member_id is None:
        return []
    offered = select(Offer.need_id).where(Offer.member_id == user.member_id, Offer.status.in_(LIVE))
    matched = select(NeedMatch.need_id).where(
        NeedMatch.member_id == user.member_id, NeedMatch.not_for_us_at.is_(None)
    )
    statement = (
        select(Need)
        .where(
            Need.status == NeedStatus.OPEN,
            visible_needs(user, NeedStatus.OPEN),
            or_(
                Need.member_id == user.member_id,
                Need.id.in_(offered),
                Need.id.in_(matched),
            ),
        )
        .options(selectinload(Need.member))
        .order_by(Need.offers_close_at, Need.id)
    )
    found = db.session.scalars(statement).all()
    offered_ids = set(db.session.scalars(offered))
    deadlines = []
    for need in found:
        if need.member_id == user.member_id:
            why = _("Your firm's need.")
        elif need.id in offered_ids:
            why = _("Your firm has an offer on this need.")
        else:
            why = _("This need matches your firm's competences.")
        deadlines.append(Deadline(need, why))
    return deadlines


def deadlines_ics(user: User) -> bytes:
    """The iCalendar document of the deadlines of a user's firm, in their language: an
    all-day event on each need's last day for offers, and on its last day for questions when
    that comes earlier. Each event's UID is the need's and the deadline's, so a deadline
    taken for longer moves its event rather than adding one."""
    calendar = Calendar()
    calendar.add("prodid", "-//Cluster procurement board//Deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Deadlines on the procurement board"))
    calendar.add("x-wr-timezone", str(cluster_zone()))
    # Calendars that honour it ask again within the hour.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    events = [
        _event(deadline, kind, day, summary, when)
        for deadline in calendar_needs(user)
        for kind, day, summary, when in _days(deadline.need)
    ]
    for event in sorted(events, key=lambda e: (e.decoded("dtstart"), str(e["uid"]))):
        calendar.add_component(event)
    return calendar.to_ical()


def _days(need: Need) -> list[tuple[str, date, str, str]]:
    """A need's deadlines: its last day for offers, and for questions when that is earlier."""
    days = [
        (
            "offers",
            need.offer_deadline,
            _("Offers close: %(title)s", title=need.title),
            _("Offers are taken until %(when)s.", when=closing_text(need.offers_close_at)),
        )
    ]
    if need.questions_close_at is not None and need.question_deadline is not None:
        if need.question_deadline < need.offer_deadline:
            days.append(
                (
                    "questions",
                    need.question_deadline,
                    _("Questions close: %(title)s", title=need.title),
                    _(
                        "Questions are taken until %(when)s.",
                        when=closing_text(need.questions_close_at),
                    ),
                )
            )
    return days


def _event(deadline: Deadline, kind: str, day: date, summary: str, when: str) -> Event:
    need = deadline.need
    url = external_url("needs.detail", need_id=need.id)
    event = Event()
    event.add("uid", f"need-{need.id}-{kind}@{_host()}")
    # In a published calendar (no METHOD) DTSTAMP is when the event last changed (RFC 5545
    # 3.8.7.2): the need's last change, so an unchanged calendar keeps its ETag.
    event.add("dtstamp", need.updated_at)
    event.add("last-modified", need.updated_at)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", f"{when} {deadline.why} ({need.member.name})\n{url}")
    event.add("url", url, parameters={"VALUE": "URI"})
    # A deadline takes no time in one's day: shown, never "busy".
    event.add("transp", "TRANSPARENT")
    return event
