"""Domain errors raised by services, and the HTTP error pages."""

from __future__ import annotations

import time

from babel.units import format_unit
from flask import Flask, Response, current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from board.api.problems import is_api_request, problem
from board.extensions import db
from board.i18n import browser_locale


class DomainError(Exception):
    """A rule of the board refused an action; the message is shown to the user as it is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """Several rules refused what was sent at once, each naming its field: a form shows them
    all in one round."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(errors[0].message, errors[0].field)
        self.errors = errors


class NotAllowed(DomainError):
    """The user may not do this."""


class InvalidTransition(DomainError):
    """The object is not in a state that allows this."""


class Conflict(DomainError):
    """The action would duplicate something that exists."""


class InvalidFile(DomainError):
    """An uploaded file cannot be kept: empty, too large, of a kind the board does not take,
    or one too many."""


def register_error_handlers(app: Flask) -> None:
    """Answer HTTP errors with pages in the board's layout."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        message = _(
            "The form was sent without a valid security token, perhaps because the page was "
            "open too long. Go back, reload the page and send it again."
        )
        return render_template("errors/error.html", code=400, message=message), 400

    # Only the web app has the limiter; the worker never loads it.
    from flask_limiter import RateLimitExceeded

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error: RateLimitExceeded) -> tuple[str, int] | Response:
        if is_api_request():
            return api_rate_limited()
        # A limit with a message of its own says what was limited.
        if error.limit.error_message and error.description:
            message = error.description
        else:
            message = _("Too many attempts. Please wait a minute and try again.")
        return render_template("errors/error.html", code=429, message=message), 429

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | Response:
        code = error.code or 500
        if is_api_request():
            return api_error(error)
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have permission to see this page."),
            404: _("This page does not exist, or you cannot see it."),
            405: _("This address does not accept that kind of request."),
            413: _(
                "What you sent is too large: the board takes at most %(size)s at once. "
                "Nothing was saved. Go back, shorten the text and send it again.",
                size=size_text(current_app.config["MAX_CONTENT_LENGTH"]),
            ),
            429: _("Too many attempts. Please wait a minute and try again."),
        }
        # A bad request refused with a reason of our own says more than the generic message.
        given = (
            error.description
            if code == 400 and error.description != type(error).description
            else None
        )
        message = given or messages.get(code, error.description or "")
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int] | Response:
        # The failed request may have left the session unusable, or the database may be what
        # failed: the page must render without it. It is in the browser's language (the
        # user's own setting would load the user) and rendered without the context
        # processors, which load the signed-in user too.
        db.session.rollback()
        if is_api_request():
            return problem(500)
        locale = browser_locale()
        with force_locale(locale):
            message = _("Something went wrong on our side. The error has been logged.")
            template = current_app.jinja_env.get_template("errors/500.html")
            page = template.render(message=message, locale=locale)
        return page, 500


def size_text(size: int) -> str:
    """A number of bytes as the reader writes it: "1 MB", "300 kB"."""
    value, unit = float(size), "digital-byte"
    for larger in ("digital-kilobyte", "digital-megabyte", "digital-gigabyte"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    return format_unit(value, unit, length="short", format="#,##0.#", locale=get_locale())


# The API's errors are problem details, whatever raised them (a URL of no operation too).
API_PROBLEMS = {401: "invalid-token", 403: "forbidden", 404: "not-found", 422: "validation"}


def api_error(error: HTTPException) -> Response:
    code = error.code or 500
    # A refusal with a reason of its own (a NUL character) says it; the generic texts are
    # written for pages.
    given = error.description if error.description != type(error).description else ""
    response = problem(code, API_PROBLEMS.get(code), given or "")
    if code == 405 and (allowed := error.get_headers()):
        response.headers.extend(header for header in allowed if header[0] == "Allow")
    return response


def api_rate_limited() -> Response:
    from board.extensions import limiter

    response = problem(
        429, "rate-limited", _("Too many requests with this token. Wait a minute and try again.")
    )
    current = limiter.current_limit
    if current is not None:
        response.headers["Retry-After"] = str(max(1, int(current.reset_at - time.time())))
    return response
