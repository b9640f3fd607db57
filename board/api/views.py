"""The API's operations: each reads or changes what its token's user may on the board, through
the same rules and services as the pages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar, get_origin

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from werkzeug.wrappers import Response

from board.account.tokens import TOKEN_TAG
from board.api import PREFIX, bp, openapi, schemas
from board.api import docs as docs_reading
from board.api.auth import (
    authenticated,
    for_members,
    rate_limit,
    rate_limit_key,
    writing,
)
from board.api.openapi import Response as Answer
from board.api.problems import TITLES, field_errors, problem
from board.api.schemas import N_
from board.competences import services as competences
from board.errors import DomainError, Invalid, NotAllowed
from board.extensions import limiter
from board.members import services as members
from board.models import Need, NeedStatus, Offer, OfferStatus, User
from board.needs import services as needs
from board.offers import services as offers
from board.pagination import Page
from board.permissions import acting_user, can_offer_on, can_view_need, get_or_404
from board.questions import services as questions
from board.web import external_url

M = TypeVar("M", bound=BaseModel)
JSON = "application/json"

limiter.limit(rate_limit, key_func=rate_limit_key)(bp)


def route(
    method: str,
    rule: str,
    summary: str,
    description: str,
    responses: list[Answer],
    **details: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view under the blueprint and declare it in the OpenAPI document."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = f"api.{view.__name__}"
        openapi.declare(
            method, PREFIX + rule, endpoint, summary, description, responses, **details
        )(view)
        return bp.route(rule, methods=[method])(view)

    return decorator


# Answers ------------------------------------------------------------------------------------


def body_of(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def json_answer(model: BaseModel, status: int = 200, **headers: str) -> Response:
    """A JSON answer with a strong ETag of its body; a read whose ETag the client holds
    (If-None-Match) is answered 304 without a body. Clients may keep it, asking again each
    time (no-cache); shared caches may not (it is the token's user's)."""
    body = body_of(model.model_dump(mode="json"))
    response = Response(body, status=status, mimetype=JSON, headers=headers)
    if request.method == "GET" and status == 200:
        response.set_etag(hashlib.sha256(body).hexdigest())
        response.headers["Cache-Control"] = "private, no-cache"
        response.make_conditional(request)
    return response


def refusal(error: DomainError) -> Response:
    """A service's refusal as a problem: a rule of the fields (422), a permission (403), a state
    (409)."""
    if isinstance(error, Invalid):
        errors = field_errors([(one.field or "", one.message) for one in error.errors])
        return problem(422, "validation", error.message, errors=errors)
    if isinstance(error, NotAllowed):
        return problem(403, "forbidden", error.message)
    if error.field:
        return problem(
            422, "validation", error.message, errors=field_errors([(error.field, error.message)])
        )
    # InvalidTransition and Conflict: the need or the offer is not in a state for this.
    return problem(409, "conflict", error.message)


def invalid(error: ValidationError) -> Response:
    errors = [(".".join(str(part) for part in item["loc"]), item["msg"]) for item in error.errors()]
    return problem(
        422,
        "validation",
        _("Some of what was sent is not valid: see errors."),
        errors=field_errors(errors),
    )


def read_query(model: type[M]) -> M | Response:
    """The query string as `model`; a list field takes every value given for its name."""
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        given = request.args.getlist(name)
        if not given:
            continue
        values[name] = given if get_origin(field.annotation) is list else given[-1]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        return invalid(exc)


def read_body(model: type[M]) -> M | Response:
    """The JSON body as `model`."""
    if request.mimetype != JSON:
        return problem(415, "unsupported-media-type", _("Send the body as application/json."))
    data = request.get_json(silent=True)
    if data is None:
        return problem(400, detail=_("The body is not JSON."))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return invalid(exc)


def paged(page: Page[Any], items: list[Any]) -> dict[str, Any]:
    """A page's numbers and the addresses of its neighbours, with the same query."""

    def address(number: int | None) -> str | None:
        if number is None:
            return None
        args = request.args.to_dict(flat=False)
        args["page"] = [str(number)]
        return url_for(request.endpoint or "", **(request.view_args or {}), **args, _external=True)

    return {
        "items": items,
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "total_exact": page.exact,
        "links": {"next": address(page.next_num), "prev": address(page.prev_num)},
    }


def link_header(listing: schemas.Paged) -> dict[str, str]:
    links = [
        f'<{url}>; rel="{rel}"'
        for rel, url in (("next", listing.links.next), ("prev", listing.links.prev))
        if url
    ]
    return {"Link": ", ".join(links)} if links else {}


def page_of(rows: Sequence[Any], number: int, per_page: int) -> Page[Any]:
    start = (number - 1) * per_page
    return Page(rows[start : start + per_page], number, per_page, len(rows))


# What the board's objects look like -------------------------------------------------------


def money(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else amount.quantize(Decimal("0.01"))


def need_fields(need: Need) -> dict[str, Any]:
    return {
        "id": need.id,
        "title": need.title,
        "status": need.status,
        "firm": {"slug": need.member.slug, "name": need.member.name},
        "competences": [c.slug for c in need.competences],
        "offer_deadline": need.offer_deadline,
        "offers_close_at": need.offers_close_at,
        "question_deadline": need.question_deadline,
        "budget_min": money(need.budget_min),
        "budget_max": money(need.budget_max),
        "currency": need.currency,
        "expected_start": need.expected_start,
        "duration": need.duration,
        "work_mode": need.work_mode,
        "location": need.location,
        "work_language": need.work_language,
        "published_at": need.published_at,
        "url": external_url("needs.detail", need_id=need.id),
    }


def offer_fields(offer: Offer, need: Need | None) -> dict[str, Any]:
    """An offer of the token's firm; its need's title only while the firm may read the need."""
    return {
        "id": offer.id,
        "need_id": offer.need_id,
        "need_title": need.title if need is not None else None,
        "status": offer.status,
        "message": offer.message,
        "price": money(offer.price),
        "currency": offer.currency,
        "price_basis": offer.price_basis,
        "available_from": offer.available_from,
        "reference": offer.reference,
        "decline_reason": offer.decline_reason,
        "hidden": offer.hidden_at is not None,
        "created_at": offer.created_at,
        "updated_at": offer.updated_at,
        "edited_at": offer.edited_at,
        "decided_at": offer.decided_at,
    }


def offer_answer(offer: Offer, user: User, status: int = 200, **headers: str) -> Response:
    """The offer as its firm reads it (its need's title while the firm may read the need)."""
    need = offer.need if can_view_need(user, offer.need) else None
    return json_answer(schemas.Offer.model_validate(offer_fields(offer, need)), status, **headers)


def own_offer(offer_id: int) -> Offer:
    """One of the token's firm's offers, or 404: another firm's offer is not there for it,
    even the requester's reading of an offer on its need."""
    user = acting_user()
    offer = get_or_404(Offer, offer_id, user)
    if offer.member_id != user.member_id:
        abort(404)
    return offer


# The document and its page ----------------------------------------------------------------


@cache
def document_body(server: str) -> bytes:
    """The OpenAPI document, made once per process: the operations are declared at import."""
    return body_of(openapi.document(openapi.OPERATIONS, server))


NOT_MODIFIED = N_("Not modified: the ETag sent in If-None-Match is still the body's.")


@route(
    "GET",
    "/openapi.json",
    N_("The OpenAPI document"),
    N_("This document: every operation, parameter and body of the API. It needs no token."),
    [Answer(200, N_("The document."), headers=("ETag",)), Answer(304, NOT_MODIFIED)],
    secured=False,
    tag="documentation",
)
def openapi_document() -> Response:
    body = document_body(request.script_root or "/")
    response = Response(body, mimetype=JSON)
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


@bp.get("/docs")
def docs() -> str:
    """The API's documentation, as a page of the board, in the reader's language."""
    document = openapi.document(openapi.OPERATIONS, request.script_root or "/")
    return render_template(
        "api/docs.html",
        operations=docs_reading.operations(document),
        schemas=docs_reading.schemas(document),
        enums=docs_reading.enums(document),
        problems=TITLES,
        rate_limit=current_app.config["API_RATE_LIMIT"],
        token_tag=TOKEN_TAG,
    )


# Needs --------------------------------------------------------------------------------------


@route(
    "GET",
    "/needs",
    N_("The board's needs"),
    N_(
        "Needs as the board lists them to the token's user, with its search and filters, "
        "newest first unless sorted otherwise, page by page."
    ),
    [
        Answer(200, N_("One page of needs."), schemas.NeedList, ("ETag", "Link")),
        Answer(304, NOT_MODIFIED),
    ],
    query=schemas.NeedQuery,
    errors=(422,),
    tag="needs",
)
@authenticated
def list_needs() -> Response:
    query = read_query(schemas.NeedQuery)
    if isinstance(query, Response):
        return query
    known = {c.slug for c in competences.all_competences()}
    unknown = [slug for slug in query.competence if slug not in known]
    if unknown:
        errors = [("competence", _("Unknown competence: %(value)s.", value=s)) for s in unknown]
        return problem(422, "validation", errors[0][1], errors=field_errors(errors))
    board_query = needs.BoardQuery(
        q=query.q,
        competences=query.competence,
        status=NeedStatus(query.status),
        matching=query.matching,
        sort=query.sort,
    )
    per_page = current_app.config["NEEDS_PER_PAGE"]
    page = needs.board_page(acting_user(), board_query, query.page, per_page)
    listing = schemas.NeedList.model_validate(paged(page, [need_fields(n) for n in page.items]))
    return json_answer(listing, **link_header(listing))


@route(
    "GET",
    "/needs/<id:need_id>",
    N_("One need"),
    N_(
        "A need the token's user may read, with its text, the questions the requester "
        "answered and its clarifications."
    ),
    [Answer(200, N_("The need."), schemas.NeedDetail, ("ETag",)), Answer(304, NOT_MODIFIED)],
    errors=(404,),
    tag="needs",
)
@authenticated
def get_need(need_id: int) -> Response:
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    discussion = questions.discussion(need, user)
    own = offers.offer_of(need, user.member)
    detail = {
        **need_fields(need),
        "description": need.description,
        "questions": [
            {"question": q.text, "answer": q.answer, "answered_at": q.answered_at}
            for q in discussion.questions
            if q.is_published
        ],
        "clarifications": [
            {"text": c.text, "created_at": c.created_at}
            for c in discussion.clarifications
            if c.hidden_at is None
        ],
        "own_offer_id": own.id if own is not None else None,
    }
    return json_answer(schemas.NeedDetail.model_validate(detail))


# Offers -------------------------------------------------------------------------------------


@route(
    "GET",
    "/offers",
    N_("The firm's offers"),
    N_("Every offer of the token's user's firm, the most recently changed first, page by page."),
    [
        Answer(200, N_("One page of offers."), schemas.OfferList, ("ETag", "Link")),
        Answer(304, NOT_MODIFIED),
    ],
    query=schemas.ListQuery,
    errors=(403, 422),
    tag="offers",
)
@authenticated
@for_members
def list_offers() -> Response:
    query = read_query(schemas.ListQuery)
    if isinstance(query, Response):
        return query
    rows = offers.member_offers(acting_user())
    page = page_of(rows, query.page, current_app.config["NEEDS_PER_PAGE"])
    items = [offer_fields(offer, need) for offer, need in page.items]
    listing = schemas.OfferList.model_validate(paged(page, items))
    return json_answer(listing, **link_header(listing))


@route(
    "GET",
    "/offers/<id:offer_id>",
    N_("One of the firm's offers"),
    N_("An offer of the token's user's firm."),
    [Answer(200, N_("The offer."), schemas.Offer, ("ETag",)), Answer(304, NOT_MODIFIED)],
    errors=(403, 404),
    tag="offers",
)
@authenticated
@for_members
def get_offer(offer_id: int) -> Response:
    return offer_answer(own_offer(offer_id), acting_user())


@route(
    "POST",
    "/needs/<id:need_id>/offers",
    N_("Send an offer on a need"),
    N_(
        "The firm's offer on another firm's open need, until its deadline. A firm has one "
        "offer per need: change it with PATCH; a withdrawn one is sent again here."
    ),
    [
        Answer(201, N_("The offer is sent."), schemas.Offer, ("Location",)),
        Answer(200, N_("The withdrawn offer is sent again."), schemas.Offer),
    ],
    body=schemas.OfferIn,
    errors=(403, 404, 409, 415, 422),
    tag="offers",
)
@authenticated
@writing
@for_members
def create_offer(need_id: int) -> Response:
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    if not can_offer_on(user, need):
        return problem(403, "forbidden", _("This need does not take offers from your firm now."))
    sent = read_body(schemas.OfferIn)
    if isinstance(sent, Response):
        return sent
    existing = offers.offer_of(need, user.member)
    if existing is not None and existing.status != OfferStatus.WITHDRAWN:
        return problem(
            409, "conflict", _("Your firm has an offer on this need already: change it instead.")
        )
    # The body's fields are the offer's terms, by the same names.
    data = offers.OfferData(**sent.model_dump())
    try:
        offer, created = offers.submit_offer(need, user.member, user, data)  # type: ignore[arg-type]
    except DomainError as exc:
        return refusal(exc)
    if not created:
        return offer_answer(offer, user)
    location = url_for("api.get_offer", offer_id=offer.id, _external=True)
    return offer_answer(offer, user, 201, Location=location)


@route(
    "PATCH",
    "/offers/<id:offer_id>",
    N_("Change an offer"),
    N_(
        "Change the terms of the firm's offer while it is in the running and its need takes "
        "offers. The requester firm is told of a new price, as on the board."
    ),
    [Answer(200, N_("The offer as it is now."), schemas.Offer)],
    body=schemas.OfferPatch,
    errors=(403, 404, 409, 415, 422),
    tag="offers",
)
@authenticated
@writing
@for_members
def update_offer(offer_id: int) -> Response:
    user = acting_user()
    offer = own_offer(offer_id)
    if not can_offer_on(user, offer.need):
        return problem(403, "forbidden", _("This need does not take offers from your firm now."))
    sent = read_body(schemas.OfferPatch)
    if isinstance(sent, Response):
        return sent
    if offer.status == OfferStatus.WITHDRAWN:
        return problem(
            409, "conflict", _("This offer is withdrawn: send it again on its need instead.")
        )
    terms = {name: getattr(offer, name) for name in offers.TERMS}
    data = offers.OfferData(**terms | sent.model_dump(exclude_unset=True, exclude_none=True))
    try:
        offers.submit_offer(offer.need, user.member, user, data)  # type: ignore[arg-type]
    except DomainError as exc:
        return refusal(exc)
    return offer_answer(offer, user)


@route(
    "POST",
    "/offers/<id:offer_id>/withdraw",
    N_("Withdraw an offer"),
    N_("Take the firm's offer back before the need's deadline; it may be sent again."),
    [Answer(200, N_("The offer, withdrawn."), schemas.Offer)],
    errors=(403, 404, 409),
    tag="offers",
)
@authenticated
@writing
@for_members
def withdraw_offer(offer_id: int) -> Response:
    user = acting_user()
    offer = own_offer(offer_id)
    try:
        offers.withdraw_offer(offer, user)
    except DomainError as exc:
        return refusal(exc)
    return offer_answer(offer, user)


# The cluster ------------------------------------------------------------------------------


@route(
    "GET",
    "/competences",
    N_("Competences"),
    N_("The cluster's competences, area by area, as forms offer them (retired ones left out)."),
    [
        Answer(200, N_("Every competence."), schemas.CompetenceList, ("ETag",)),
        Answer(304, NOT_MODIFIED),
    ],
    tag="cluster",
)
@authenticated
def list_competences() -> Response:
    found = [
        {"slug": c.slug, "name": c.name, "area": c.area} for c in competences.all_competences()
    ]
    return json_answer(schemas.CompetenceList.model_validate({"items": found}))


@route(
    "GET",
    "/members",
    N_("Member firms"),
    N_("The directory of active member firms, by name, page by page."),
    [
        Answer(200, N_("One page of firms."), schemas.MemberList, ("ETag", "Link")),
        Answer(304, NOT_MODIFIED),
    ],
    query=schemas.ListQuery,
    errors=(422,),
    tag="cluster",
)
@authenticated
def list_members() -> Response:
    query = read_query(schemas.ListQuery)
    if isinstance(query, Response):
        return query
    rows = members.active_members()
    page = page_of(rows, query.page, current_app.config["MEMBERS_PER_PAGE"])
    items = [
        {
            "slug": m.slug,
            "name": m.name,
            "country": m.country,
            "website": m.website,
            "description": m.description,
            "competences": [c.slug for c in m.competences],
        }
        for m in page.items
    ]
    listing = schemas.MemberList.model_validate(paged(page, items))
    return json_answer(listing, **link_header(listing))
