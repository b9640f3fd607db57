"""Uploading a file to a need or an offer, downloading it, removing it."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from board.attachments import bp, kinds, services
from board.attachments.forms import UploadForm
from board.errors import DomainError, size_text
from board.extensions import db
from board.forms import refused
from board.models import Attachment, Need, Offer
from board.permissions import (
    acting_user,
    can_attach_to_need,
    can_attach_to_offer,
    can_remove_attachment,
    get_or_404,
    login_required,
    member_required,
    visible_offers,
)
from board.web import carry_out

UPLOADS = ("attachments.add_to_need", "attachments.add_to_offer")
# A file is never shown in the browser: it is a download, and nothing in it may run.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


@bp.url_value_preprocessor
def take_one_file(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Let a signed-in user's upload be as large as one file and its form, where every other
    request keeps MAX_CONTENT_LENGTH. Set here because these functions run before every
    `before_request` one, and CSRF protection reads the form in one."""
    if endpoint in UPLOADS and current_user.is_authenticated:
        request.max_content_length = services.request_limit()


@bp.errorhandler(RequestEntityTooLarge)
def file_too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    raised = request.max_content_length == services.request_limit()
    limit = services.max_bytes() if raised else request.max_content_length
    message = _(
        "The file is too large: the board takes files of at most %(size)s. Nothing was saved.",
        size=size_text(limit or 0),
    )
    return render_template("errors/error.html", code=413, message=message, back=came_from()), 413


def came_from() -> str | None:
    """The page an upload was sent from, if its sender may read it."""
    values = request.view_args or {}
    if request.endpoint == "attachments.add_to_need":
        return need_files_page(values["need_id"])
    if current_user.is_authenticated:
        readable = select(Offer.need_id).where(
            Offer.id == values.get("offer_id"), visible_offers(acting_user())
        )
        need_id = db.session.scalar(readable)
        if need_id is not None:
            return offer_files_page(need_id)
    return None


def need_files_page(need_id: int) -> str:
    return url_for("needs.detail", need_id=need_id, _anchor="files")


def offer_files_page(need_id: int) -> str:
    return url_for("offers.edit", need_id=need_id, _anchor="files")


@bp.post("/needs/<id:need_id>/attachments")
@member_required
def add_to_need(need_id: int) -> Response:
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    if not can_attach_to_need(user, need):
        abort(403)
    return upload(lambda sent: services.attach_to_need(need, user, sent), need_files_page(need.id))


@bp.post("/offers/<id:offer_id>/attachments")
@member_required
def add_to_offer(offer_id: int) -> Response:
    user = acting_user()
    offer = get_or_404(Offer, offer_id, user)
    if not can_attach_to_offer(user, offer):
        abort(403)
    back = offer_files_page(offer.need_id)
    return upload(lambda sent: services.attach_to_offer(offer, user, sent), back)


def upload(attach: Callable[[services.Upload], Attachment], back: str) -> Response:
    """Take the posted file; say what became of it on the page it came from."""
    form = UploadForm()
    if (refusal := refused(form, back)) is not None:
        return refusal
    sent = form.file.data
    try:
        attachment = attach(
            services.Upload(sent.filename or "", sent.stream.read(services.max_bytes() + 1))
        )
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("“%(name)s” is attached.", name=attachment.filename), "success")
    return redirect(back)


@bp.get("/attachments/<id:attachment_id>")
@login_required
def download(attachment_id: int) -> Response:
    attachment = services.readable_file(attachment_id, acting_user())
    if attachment is None:
        abort(404)
    response = send_file(
        io.BytesIO(attachment.content),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        etag=attachment.sha256,
        last_modified=attachment.created_at,
    )
    response.headers.update(DOWNLOAD_HEADERS)
    return response


@bp.post("/attachments/<id:attachment_id>/delete")
@login_required
def delete(attachment_id: int) -> Response:
    user = acting_user()
    attachment = get_or_404(Attachment, attachment_id, user)
    if not can_remove_attachment(user, attachment):
        abort(403)
    if attachment.need_id is not None:
        back = need_files_page(attachment.need_id)
    else:
        back = offer_files_page(attachment.offer.need_id)  # type: ignore[union-attr]
    return carry_out(
        lambda: services.remove_attachment(attachment, user),
        _("“%(name)s” is removed.", name=attachment.filename),
        back,
    )


@bp.app_template_global()
def attachment_limits() -> dict[str, Any]:
    """What the upload forms say and offer: the limits and the kinds of file."""
    return {
        "per_item": services.per_item(),
        "size": size_text(services.max_bytes()),
        "accept": kinds.ACCEPT,
        "kinds": kinds.allowed_kinds(),
    }


@bp.app_template_filter()
def file_kind(content_type: str) -> str:
    return kinds.label(content_type)


@bp.app_template_filter()
def file_size(size: int) -> str:
    return size_text(size)
