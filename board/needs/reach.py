"""A need's reach, for its requester firm and staff: whom approving it would tell, and, once
published, the firms it matched, the users told, and what came back (offers, questions, firms
that said it is not for them, and why: never which firms). On the need form, the firms the
competences picked so far would reach.

Who is told changes without the need's page changing (e-mails go out, users change how they
hear), so these figures are read on each view, outside the page's shared part: that part holds
a placeholder (`slot`) where they go, for the viewers allowed to see them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy import ColumnElement, ScalarSelect, and_, case, distinct, func, or_, select
from sqlalchemy.orm import aliased

from board.clock import cluster_today
from board.extensions import db
from board.i18n import competence_name
from board.models import (
    Competence,
    Need,
    NeedMatch,
    NotForUsReason,
    Notification,
    NotificationStatus,
    Offer,
    OfferStatus,
    Question,
    User,
)
from board.notifications.match import (
    Forecast,
    firms_reached,
    forecasts,
    nearest_competences,
)
from board.notifications.sweep import digest_key, digest_lists
from board.permissions import can_see_reach, visible_offers, visible_questions

# Letters and digits only, so escaping leaves them as they are; made anew by each process,
# whose page cache alone holds them, so no text a member writes can carry one.
SLOTS = {
    "forecast": f"forecast{uuid.uuid4().hex}slot",
    "reach": f"reach{uuid.uuid4().hex}slot",
}

WAITING = (NotificationStatus.PENDING, NotificationStatus.SENDING)
UNDELIVERED = (NotificationStatus.FAILED, NotificationStatus.SUPPRESSED)


def slot(kind: str) -> Markup:
    """Where the shared part of a need's page leaves room for figures of `kind`."""
    # Letters and digits: nothing in it to escape.
    return Markup(SLOTS[kind])  # nosec B704


@dataclass(frozen=True)
class Reach:
    """A published need's reach, as counted when its page is viewed."""

    # Firms matched when it was published (its NeedMatch rows).
    firms: int
    # Users whose e-mail about it was sent: their own, or a daily digest listing it.
    told: int
    told_at_once: int
    told_in_digest: int
    # Those e-mails not sent yet, and those that could not be delivered.
    waiting: int
    undelivered: int
    # Offers the viewer may read, not withdrawn; questions the viewer may read.
    offers: int
    questions: int
    # Matched firms that said it is not for them, and how many gave each reason.
    not_for_us: int
    reasons: tuple[tuple[NotForUsReason, int], ...]

    @property
    def without_reason(self) -> int:
        return self.not_for_us - sum(count for _reason, count in self.reasons)


def need_reach(need_id: int, viewer: User) -> Reach | None:
    """The reach of a published need, in two queries; None when `viewer` may not see it."""
    # The need under a name of its own: the viewer's reading rules, used below, ask about
    # needs themselves and must not be tied to this one.
    need = aliased(Need)

    def count(*conditions: ColumnElement[bool]) -> ScalarSelect[int]:
        return select(func.count()).where(*conditions).scalar_subquery()

    matched = NeedMatch.need_id == need_id
    declined = and_(matched, NeedMatch.not_for_us_at.is_not(None))
    found = db.session.execute(
        select(
            need,
            count(matched),
            count(declined),
            *[count(declined, NeedMatch.not_for_us_reason == reason) for reason in NotForUsReason],
            count(
                Offer.need_id == need_id,
                Offer.status != OfferStatus.WITHDRAWN,
                visible_offers(viewer),
            ),
            count(Question.need_id == need_id, visible_questions(viewer)),
        ).where(need.id == need_id)
    ).first()
    if found is None or found[0].published_at is None or not can_see_reach(viewer, found[0]):
        return None
    shown, firms, not_for_us, *counts = found
    by_reason, (offers, questions) = counts[:-2], counts[-2:]
    day = cluster_today(shown.published_at)
    sent = Notification.status == NotificationStatus.SENT

    def users(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count(distinct(case((and_(*conditions), Notification.user_id))))

    def rows(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count(case((and_(*conditions), 1)))

    told = db.session.execute(
        select(
            users(sent),
            users(sent, Notification.kind == "need_match"),
            users(sent, Notification.kind == "digest"),
            rows(Notification.status.in_(WAITING)),
            rows(Notification.status.in_(UNDELIVERED)),
        ).where(
            or_(
                and_(Notification.kind == "need_match", Notification.need_id == need_id),
                and_(
                    Notification.key == digest_key(day),
                    Notification.kind == "digest",
                    digest_lists(need_id),
                ),
            )
        )
    ).one()
    return Reach(
        firms=firms,
        told=told[0],
        told_at_once=told[1],
        told_in_digest=told[2],
        waiting=told[3],
        undelivered=told[4],
        offers=offers,
        questions=questions,
        not_for_us=not_for_us,
        reasons=tuple(
            (reason, n) for reason, n in zip(NotForUsReason, by_reason, strict=True) if n
        ),
    )


def firms_matched(viewer: User) -> dict[int, int]:
    """How many firms each of the viewer's firm's needs matched when it was published."""
    query = (
        select(NeedMatch.need_id, func.count())
        .join(Need, Need.id == NeedMatch.need_id)
        .where(Need.member_id == viewer.member_id)
        .group_by(NeedMatch.need_id)
    )
    return {need_id: count for need_id, count in db.session.execute(query)}


def review_forecasts(needs: Sequence[Need]) -> dict[int, Forecast]:
    """Whom approving each of these needs would tell now, in two queries."""
    return forecasts([need.id for need in needs])


def pending_forecast(need_id: int, viewer: User) -> Forecast | None:
    """Whom approving a need would tell now, for staff (two queries); None for anyone else."""
    return forecasts([need_id])[need_id] if viewer.is_staff else None


@dataclass(frozen=True)
class PickedReach:
    """How many firms a need with the competences picked on its form would match now."""

    # The picked competences the board knows.
    chosen: int
    firms: int
    # When they reach no firm: competences of the same areas that firms have, and how many.
    nearest: tuple[tuple[Competence, int], ...] = ()

    @property
    def warning(self) -> bool:
        """Competences are picked, and a need with them would tell nobody."""
        return bool(self.chosen) and not self.firms

    @property
    def text(self) -> str:
        if not self.chosen:
            return _("Choose competences to see how many member firms have them.")
        if self.firms:
            return ngettext(
                "%(num)d other member firm has at least one of these competences.",
                "%(num)d other member firms have at least one of these competences.",
                self.firms,
            )
        if self.nearest:
            return _(
                "No other member firm has any of these competences: nobody would be told about "
                "the need. Firms do have these competences in the same areas:"
            )
        return _(
            "No other member firm has any of these competences: nobody would be told about the "
            "need. The cluster staff may know firms that have them."
        )

    def nearest_texts(self) -> list[dict[str, Any]]:
        """Each nearest competence: its slug, its name in the reader's language, its firms."""
        found = []
        for competence, firms in self.nearest:
            name = competence_name(competence.name)
            text = ngettext("%(name)s: %(num)d firm", "%(name)s: %(num)d firms", firms, name=name)
            found.append({"slug": competence.slug, "name": name, "firms": firms, "text": text})
        return found

    def as_json(self) -> dict[str, Any]:
        return {
            "firms": self.firms,
            "text": self.text,
            "warning": self.warning,
            "nearest": self.nearest_texts(),
        }


def picked_reach(slugs: Iterable[str], member_id: int | None) -> PickedReach:
    """The firms, other than `member_id`, that a need with these competences would match now
    (unknown slugs are ignored), and the nearest competences firms have when none would."""
    # Every competence's slug, read whole: a list sent with thousands of slugs costs no more
    # than one with a few, and at most every competence is counted. Retired ones count, as a
    # need that keeps one is matched on it.
    known = {slug: id_ for slug, id_ in db.session.execute(select(Competence.slug, Competence.id))}
    wanted = {known[slug] for slug in slugs if slug in known}
    firms = firms_reached(wanted, member_id)
    nearest = nearest_competences(wanted, member_id) if wanted and not firms else []
    return PickedReach(chosen=len(wanted), firms=firms, nearest=tuple(nearest))
