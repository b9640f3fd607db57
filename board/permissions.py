"""Who may see and do what: the one place these rules live, checked on the server.

Reading rules come in pairs: a predicate answers for one object in hand (`can_view_need`), and
a clause says the same as a WHERE condition (`visible_needs`), so that a query never loads a
row its viewer may not read. Services, views and templates use these and nothing else; the
tests hold each predicate and its clause to the same answers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, g
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased
from werkzeug.wrappers import Response

from board.extensions import db, login_manager
from board.models import (
    NEED_CANCELLABLE,
    NEED_EDITABLE,
    NEED_PUBLISHED,
    NEED_REPOSTABLE,
    NEED_SUBMITTABLE,
    Attachment,
    Clarification,
    Member,
    MemberStatus,
    Need,
    NeedMatch,
    NeedStatus,
    Offer,
    OfferStatus,
    Question,
    QuestionStatus,
    User,
)

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=db.Model)

# Where the signed-in user of a request is kept as a model instance: whatever makes a user
# current (the user loader, `start_session`) puts it here too, so nothing has to unwrap the
# `current_user` proxy.
ACTING_USER = "board_acting_user"


def acting_user() -> User:
    """The signed-in user as a model instance (not the request-local proxy), in a view that
    one of the guards below lets through."""
    user: User = getattr(g, ACTING_USER)
    return user


def _guard(allowed: Callable[[User], bool]) -> Callable[[F], F]:
    """A view decorator: `refusal` decides, on each request."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return refusal(allowed) or view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def refusal(allowed: Callable[[User], bool]) -> Response | None:
    """Send anonymous users to sign in; answer 403 to users that `allowed` refuses; None when
    the signed-in user may go on."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not allowed(acting_user()):
        abort(403)
    return None


def is_staff(user: User) -> bool:
    return user.is_staff


def belongs_to_member(user: User) -> bool:
    return user.member is not None and user.member.is_active


def signed_in(user: User) -> bool:
    return True


staff_required = _guard(is_staff)
member_required = _guard(belongs_to_member)
login_required = _guard(signed_in)


# Member firms -----------------------------------------------------------------------------


def can_view_member(user: User, member: Member) -> bool:
    """Active firms are listed to every user; the others only to staff (a user of a firm that
    is not active cannot sign in)."""
    return user.is_staff or member.status == MemberStatus.ACTIVE


def visible_members(user: User) -> ColumnElement[bool]:
    """`can_view_member` as a condition on Member."""
    return true() if user.is_staff else Member.status == MemberStatus.ACTIVE


# Needs ------------------------------------------------------------------------------------


def is_requester(user: User, need: Need) -> bool:
    return user.member_id is not None and user.member_id == need.member_id


def has_offered(user: User, need: Need) -> bool:
    """Whether the user's firm has an offer on the need (in any state)."""
    offered = exists().where(Offer.need_id == need.id, Offer.member_id == user.member_id)
    return bool(db.session.scalar(select(offered)))


def can_view_need(user: User, need: Need) -> bool:
    """Published needs: every active member's users; the rest: their own firm and staff.

    A firm that offered on a need that was then cancelled still sees it: it was told so by
    e-mail, with a link.
    """
    if user.is_staff or is_requester(user, need):
        return True
    if not belongs_to_member(user) or not need.member.is_active:
        return False
    if need.status in NEED_PUBLISHED:
        return True
    return need.status == NeedStatus.CANCELLED and has_offered(user, need)


def visible_needs(user: User, status: NeedStatus | None = None) -> ColumnElement[bool]:
    """`can_view_need` as a condition on Need; simpler when the needs' status is known."""
    if user.is_staff:
        return true()
    own = Need.member_id == user.member_id
    if not belongs_to_member(user):
        return own
    # The user's own firm is active, so its needs are among the active firms' ones.
    of_active_firm = Need.member_id.in_(
        select(Member.id).where(Member.status == MemberStatus.ACTIVE)
    )
    # An alias of its own, so that a query of offers can ask about their needs with it.
    offer = aliased(Offer)
    offered = exists().where(offer.need_id == Need.id, offer.member_id == user.member_id)
    if status is None:
        return or_(
            own,
            and_(
                of_active_firm,
                or_(
                    Need.status.in_(NEED_PUBLISHED),
                    and_(Need.status == NeedStatus.CANCELLED, offered),
                ),
            ),
        )
    if status in NEED_PUBLISHED:
        return of_active_firm
    if status == NeedStatus.CANCELLED:
        return or_(own, and_(of_active_firm, offered))
    return own


def can_see_reach(user: User, need: Need) -> bool:
    """Whom a need reached and what came back, in figures (never which firms): its own firm
    and staff."""
    return user.is_staff or is_requester(user, need)


def can_edit_need(user: User, need: Need) -> bool:
    return is_requester(user, need) and need.status in NEED_EDITABLE


def can_submit_need(user: User, need: Need) -> bool:
    return is_requester(user, need) and need.status in NEED_SUBMITTABLE


def can_copy_need(user: User, need: Need) -> bool:
    """A new draft from any of the firm's needs, whatever became of it."""
    return is_requester(user, need)


def can_repost_need(user: User, need: Need) -> bool:
    """A need that ended without an award, posted again for review in one step."""
    return is_requester(user, need) and need.status in NEED_REPOSTABLE


def can_extend_deadline(user: User, need: Need) -> bool:
    """An open need's offers may be taken for longer (never for less: firms plan by it)."""
    return is_requester(user, need) and need.status == NeedStatus.OPEN


def can_cancel_need(user: User, need: Need) -> bool:
    return is_requester(user, need) and need.status in NEED_CANCELLABLE


def can_moderate_need(user: User, need: Need) -> bool:
    return user.is_staff


def can_read_moderation(user: User, need: Need) -> bool:
    """Why staff sent a need back, refused or hid it: its own firm and staff read it."""
    return user.is_staff or is_requester(user, need)


def can_compare_offers(user: User, need: Need) -> bool:
    """The offers on a need, side by side: its own firm and staff (each reads those
    `visible_offers` lets it; a supplier reads only its own, in a section of its own)."""
    return user.is_staff or is_requester(user, need)


def can_offer_on(user: User, need: Need) -> bool:
    """Another active firm's user, while the need takes offers."""
    return (
        belongs_to_member(user)
        and not is_requester(user, need)
        and need.member.is_active
        and need.accepts_offers()
    )


# Matches ----------------------------------------------------------------------------------


def is_matched(user: User, need: Need) -> bool:
    """Whether the user's firm is one the need matched when it opened."""
    if user.member_id is None:
        return False
    return db.session.get(NeedMatch, (need.id, user.member_id)) is not None


def can_say_not_for_us(user: User, need: Need) -> bool:
    """A user of an active firm the need matched says (or takes back) that it is not for the
    firm, while the need is open."""
    return (
        user.is_active
        and belongs_to_member(user)
        and need.status == NeedStatus.OPEN
        and is_matched(user, need)
    )


def can_read_not_for_us(user: User, need: Need) -> bool:
    """How many matched firms said a need is not for them, and why: its own firm and staff."""
    return user.is_staff or is_requester(user, need)


def can_see_not_for_us_firms(user: User, need: Need) -> bool:
    """Which firms said so: staff alone, never the requester."""
    return user.is_staff


# Offers -----------------------------------------------------------------------------------


def can_view_offer(user: User, offer: Offer) -> bool:
    """An offer is confidential: its own firm, the requester firm (unless staff hid it), staff."""
    return (
        user.is_staff
        or (user.member_id is not None and user.member_id == offer.member_id)
        or (is_requester(user, offer.need) and offer.hidden_at is None)
    )


def visible_offers(user: User) -> ColumnElement[bool]:
    """`can_view_offer` as a condition on Offer."""
    if user.is_staff:
        return true()
    if user.member_id is None:
        return false()
    requested = select(Need.id).where(Need.member_id == user.member_id)
    return or_(
        Offer.member_id == user.member_id,
        and_(Offer.hidden_at.is_(None), Offer.need_id.in_(requested)),
    )


def can_decide_offer(user: User, offer: Offer) -> bool:
    """The requester firm's users shortlist, decline and accept."""
    return is_requester(user, offer.need) and belongs_to_member(user)


def can_withdraw_offer(user: User, offer: Offer) -> bool:
    return user.member_id is not None and user.member_id == offer.member_id


def can_unshortlist_offer(user: User, offer: Offer) -> bool:
    """The requester firm takes an offer off its shortlist while the need is open."""
    return (
        can_decide_offer(user, offer)
        and offer.status == OfferStatus.SHORTLISTED
        and offer.need.status == NeedStatus.OPEN
    )


def can_see_award_contacts(user: User, need: Need) -> bool:
    """After an award, the requester firm and the winning firm see who to talk to (and staff)."""
    if need.status != NeedStatus.CLOSED:
        return False
    if user.is_staff or is_requester(user, need):
        return True
    return user.member_id is not None and any(
        offer.member_id == user.member_id and offer.status == OfferStatus.ACCEPTED
        for offer in need.offers
    )


# Questions and clarifications -------------------------------------------------------------


def can_ask_question(user: User, need: Need) -> bool:
    """Another active firm's user, while the need takes questions."""
    return (
        belongs_to_member(user)
        and not is_requester(user, need)
        and need.member.is_active
        and need.accepts_questions()
    )


def can_answer_question(user: User, question: Question) -> bool:
    """The requester firm answers or dismisses a question waiting on its open need."""
    return (
        is_requester(user, question.need)
        and belongs_to_member(user)
        and question.need.status == NeedStatus.OPEN
        and question.status == QuestionStatus.WAITING
        and question.hidden_at is None
    )


def can_see_asker(user: User, question: Question) -> bool:
    """Which firm asked: staff alone, never the requester or another firm."""
    return user.is_staff


def can_view_question(user: User, question: Question) -> bool:
    """Staff see every question; the asking firm its own; the requester firm those not
    hidden; every other reader of the need the published ones."""
    if user.is_staff:
        return True
    if not can_view_need(user, question.need):
        return False
    if user.member_id is not None and user.member_id == question.member_id:
        return True
    if question.hidden_at is not None:
        return False
    return is_requester(user, question.need) or question.is_published


def visible_questions(user: User) -> ColumnElement[bool]:
    """`can_view_question` as a condition on Question."""
    if user.is_staff:
        return true()
    readable = Question.need_id.in_(select(Need.id).where(visible_needs(user)))
    if user.member_id is None:
        return false()
    own_need = Question.need_id.in_(select(Need.id).where(Need.member_id == user.member_id))
    published = and_(
        Question.status == QuestionStatus.ANSWERED, Question.answer_hidden_at.is_(None)
    )
    return and_(
        readable,
        or_(
            Question.member_id == user.member_id,
            and_(Question.hidden_at.is_(None), or_(own_need, published)),
        ),
    )


def can_clarify(user: User, need: Need) -> bool:
    """The requester firm adds clarifications while its need is open."""
    return is_requester(user, need) and belongs_to_member(user) and need.status == NeedStatus.OPEN


def can_view_clarification(user: User, clarification: Clarification) -> bool:
    """Every reader of the need, unless staff hid it (then its firm and staff)."""
    if user.is_staff:
        return True
    if not can_view_need(user, clarification.need):
        return False
    return clarification.hidden_at is None or is_requester(user, clarification.need)


def visible_clarifications(user: User) -> ColumnElement[bool]:
    """`can_view_clarification` as a condition on Clarification."""
    if user.is_staff:
        return true()
    readable = Clarification.need_id.in_(select(Need.id).where(visible_needs(user)))
    own_need = Clarification.need_id.in_(select(Need.id).where(Need.member_id == user.member_id))
    return and_(readable, or_(Clarification.hidden_at.is_(None), own_need))


# Attachments ------------------------------------------------------------------------------


def can_view_attachment(user: User, attachment: Attachment) -> bool:
    """Whoever may read its need or offer; a hidden need's or offer's files only staff."""
    if user.is_staff:
        return True
    if attachment.need is not None:
        need = attachment.need
        return need.status != NeedStatus.HIDDEN and can_view_need(user, need)
    offer = attachment.offer
    return offer is not None and offer.hidden_at is None and can_view_offer(user, offer)


def visible_attachments(user: User) -> ColumnElement[bool]:
    """`can_view_attachment` as a condition on Attachment."""
    if user.is_staff:
        return true()
    needs = select(Need.id).where(visible_needs(user), Need.status != NeedStatus.HIDDEN)
    offers = select(Offer.id).where(visible_offers(user), Offer.hidden_at.is_(None))
    return or_(Attachment.need_id.in_(needs), Attachment.offer_id.in_(offers))


def can_attach_to_need(user: User, need: Need) -> bool:
    """The requester firm adds and removes a need's files while it may edit the need."""
    return can_edit_need(user, need) and belongs_to_member(user)


def can_attach_to_offer(user: User, offer: Offer) -> bool:
    """The supplier firm adds and removes its offer's files while the offer may change."""
    return (
        belongs_to_member(user)
        and user.member_id == offer.member_id
        and offer.is_live
        and offer.need.accepts_offers()
    )


def can_remove_attachment(user: User, attachment: Attachment) -> bool:
    if attachment.need is not None:
        return can_attach_to_need(user, attachment.need)
    return attachment.offer is not None and can_attach_to_offer(user, attachment.offer)


# Loading ----------------------------------------------------------------------------------

# The reading rule of each model that has one, as a clause.
VISIBLE: dict[type[Any], Callable[[User], ColumnElement[bool]]] = {
    Member: visible_members,
    Need: visible_needs,
    Offer: visible_offers,
    Question: visible_questions,
    Clarification: visible_clarifications,
    Attachment: visible_attachments,
}


def get_or_404(
    model: type[M], ident: int | str, viewer: User | None = None, column: Any = None
) -> M:
    """The row of `model` whose id (or `column`) is `ident`, or 404 when there is none or
    `viewer` may not read it.

    Without a viewer the caller's guard has decided already (a staff page).
    """
    statement = select(model).where((model.id if column is None else column) == ident)
    if viewer is not None:
        statement = statement.where(VISIBLE[model](viewer))
    row: M = db.one_or_404(statement)
    return row


def init_app(app: Flask) -> None:
    """Let templates ask the same questions the views ask, so buttons match what is allowed."""
    app.jinja_env.globals.update(
        can_edit_need=can_edit_need,
        can_cancel_need=can_cancel_need,
        can_submit_need=can_submit_need,
        can_copy_need=can_copy_need,
        can_repost_need=can_repost_need,
        can_extend_deadline=can_extend_deadline,
        can_moderate_need=can_moderate_need,
        can_read_moderation=can_read_moderation,
        can_see_reach=can_see_reach,
        can_compare_offers=can_compare_offers,
        can_offer_on=can_offer_on,
        can_decide_offer=can_decide_offer,
        can_unshortlist_offer=can_unshortlist_offer,
        can_see_award_contacts=can_see_award_contacts,
        can_say_not_for_us=can_say_not_for_us,
        can_ask_question=can_ask_question,
        can_answer_question=can_answer_question,
        can_see_asker=can_see_asker,
        can_clarify=can_clarify,
        can_attach_to_need=can_attach_to_need,
        can_attach_to_offer=can_attach_to_offer,
        can_remove_attachment=can_remove_attachment,
        is_requester=is_requester,
    )
