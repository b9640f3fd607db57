"""Errors of the API as problem details (RFC 9457): `application/problem+json` bodies.

Their titles are English and stable, for programs to read; `detail` says what happened in
the language the request asks for (Accept-Language), when the board speaks it.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from flask import Response, request, url_for

PROBLEM_TYPE = "application/problem+json"
# The API's own addresses: every error under them, even of a path that is no operation, is a
# problem document rather than a page.
API_PREFIX = "/api/"

# The problems the API names, each with its title; the documentation page explains each one
# under its own anchor, which is the problem's `type`.
TITLES = {
    "invalid-token": "The request has no valid API token",
    "insufficient-scope": "The token may not do this",
    "forbidden": "The token's user may not do this",
    "not-found": "There is nothing here, or the token's user may not see it",
    "validation": "The request is not valid",
    "conflict": "The request conflicts with the present state",
    "rate-limited": "Too many requests with this token",
    "unsupported-media-type": "The body must be JSON",
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem_type(kind: str) -> str:
    return url_for("api.docs", _external=True, _anchor=f"problem-{kind}")


def problem(status: int, kind: str | None = None, detail: str = "", **members: Any) -> Response:
    """A problem details response; a problem without a kind of its own is `about:blank`, whose
    title is the status's phrase."""
    if kind is None:
        body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase}
    else:
        body = {"type": problem_type(kind), "title": TITLES[kind]}
    body["status"] = status
    if detail:
        body["detail"] = str(detail)
    body.update(members)
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE)


def field_errors(errors: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Errors of a request's fields as the validation problem lists them."""
    return [{"field": field, "message": str(message)} for field, message in errors]
