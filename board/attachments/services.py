"""Files on needs and offers: adding, removing, listing and reading them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import (
    ColumnElement,
    Select,
    Update,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import undefer

from board import audit
from board.attachments.kinds import identify, safe_name
from board.errors import InvalidFile, InvalidTransition, NotAllowed, size_text
from board.extensions import db
from board.models import (
    NEED_EDITABLE,
    Attachment,
    Need,
    Offer,
    OfferStatus,
    User,
    UTCDateTime,
    utcnow,
)
from board.permissions import (
    can_attach_to_need,
    can_attach_to_offer,
    can_remove_attachment,
    visible_attachments,
)

# Room for the upload form's other fields and the multipart headers around the file.
FORM_ALLOWANCE = 64 * 1024


def max_bytes() -> int:
    """The largest file the board keeps."""
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def per_item() -> int:
    """How many files one need, or one offer, may have."""
    return int(current_app.config["ATTACHMENTS_PER_ITEM"])


def request_limit() -> int:
    """The largest upload request: one file at the limit, and its form."""
    return max_bytes() + FORM_ALLOWANCE


@dataclass(frozen=True)
class Upload:
    """A file as it was sent: its name on the sender's computer, and its bytes (read up to
    one byte past the limit, which is enough to tell that it is too large)."""

    filename: str
    content: bytes


def attach_to_need(need: Need, user: User, upload: Upload) -> Attachment:
    """Add a file to a need its firm may still edit."""
    if not can_attach_to_need(user, need):
        raise NotAllowed(_("Only the need's own firm adds files to it, while it may edit it."))
    attachment = checked(upload, user)
    attachment.need_id = need.id
    # The status is checked again in the statement that locks the need for this change.
    hold = (
        update(Need)
        .where(Need.id == need.id, Need.status.in_(NEED_EDITABLE))
        .values(updated_at=Need.updated_at)
    )
    refusal = _("Files can be added to a need only while its firm may edit it.")
    store(attachment, hold, Attachment.need_id == need.id, refusal, user, need_id=need.id)
    return attachment


def copy_files(source: Need, copy: Need) -> None:
    """Give a need made from another the other's files, copied in the database (the bytes
    never pass through the web process), in the caller's transaction."""
    columns = ("uploader_id", "filename", "content_type", "size", "sha256", "content")
    db.session.flush()
    rows = select(
        literal(copy.id),
        *(getattr(Attachment, name) for name in columns),
        literal(utcnow(), UTCDateTime()),
    ).where(Attachment.need_id == source.id)
    db.session.execute(insert(Attachment).from_select(["need_id", *columns, "created_at"], rows))


def attach_to_offer(offer: Offer, user: User, upload: Upload) -> Attachment:
    """Add a file to the firm's own live offer, while its need takes offers."""
    if not can_attach_to_offer(user, offer):
        raise NotAllowed(
            _("Only the offer's own firm adds files to it, while the need takes offers.")
        )
    attachment = checked(upload, user)
    attachment.offer_id = offer.id
    hold = (
        update(Offer)
        .where(
            Offer.id == offer.id,
            Offer.status.in_((OfferStatus.SUBMITTED, OfferStatus.SHORTLISTED)),
            Offer.hidden_at.is_(None),
        )
        .values(updated_at=Offer.updated_at)
    )
    refusal = _("Files can be added to an offer only while it is in the running.")
    store(attachment, hold, Attachment.offer_id == offer.id, refusal, user, offer_id=offer.id)
    return attachment


def checked(upload: Upload, user: User) -> Attachment:
    """A new attachment holding `upload`, refused if it is empty, too large or of a kind
    the board does not take."""
    name = safe_name(upload.filename)
    if not upload.content:
        raise InvalidFile(_("“%(name)s” is empty. Choose a file with something in it.", name=name))
    if len(upload.content) > max_bytes():
        raise InvalidFile(
            _(
                "“%(name)s” is larger than %(size)s, the most a file may be. Nothing was saved.",
                name=name,
                size=size_text(max_bytes()),
            )
        )
    content_type = identify(upload.content, name)
    return Attachment(
        uploader_id=user.id,
        filename=name,
        content_type=content_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        content=upload.content,
    )


def store(
    attachment: Attachment,
    hold: Update,
    siblings: ColumnElement[bool],
    refusal: str,
    user: User,
    **owner: int,
) -> None:
    """Keep `attachment` if its need or offer (locked by `hold`, which matches it only in a
    state that takes files) has room for it; all of it, or nothing."""
    # The lock comes first, so that two uploads at once count each other's file.
    if db.session.execute(hold.execution_options(synchronize_session=False)).rowcount != 1:
        db.session.rollback()
        raise InvalidTransition(refusal)
    count = db.session.scalar(select(func.count(Attachment.id)).where(siblings)) or 0
    if count >= per_item():
        db.session.rollback()
        raise InvalidFile(
            ngettext(
                "There is already %(num)d file here, the most allowed. Remove it to add another.",
                "There are already %(num)d files here, the most allowed. Remove one to add "
                "another.",
                count,
            )
        )
    db.session.add(attachment)
    audit.record("attachment.added", attachment, user, filename=attachment.filename, **owner)
    db.session.commit()


def remove_attachment(attachment: Attachment, user: User) -> None:
    """Remove a file from a need or offer that may still change."""
    if not can_remove_attachment(user, attachment):
        raise NotAllowed(_("You may not remove this file."))
    owner = (
        {"need_id": attachment.need_id}
        if attachment.need_id is not None
        else {"offer_id": attachment.offer_id}
    )
    audit.record("attachment.removed", attachment, user, filename=attachment.filename, **owner)
    # Of two removals at once, the second finds nothing to remove and says so.
    if db.session.execute(delete(Attachment).where(Attachment.id == attachment.id)).rowcount != 1:
        db.session.rollback()
        raise InvalidTransition(_("This file has been removed already."))
    db.session.commit()


@dataclass
class PageFiles:
    """The files a need's page shows its reader: the need's own and each offer's."""

    need: list[Attachment] = field(default_factory=list)
    offers: dict[int, list[Attachment]] = field(default_factory=dict)

    def of_offer(self, offer: Offer) -> list[Attachment]:
        return self.offers.get(offer.id, [])


def listed() -> Select[tuple[Attachment]]:
    """Files in the order they were added, without their content (deferred)."""
    return select(Attachment).order_by(Attachment.created_at, Attachment.id)


def files_on_need_page(need: Need, offers: Sequence[Offer], user: User) -> PageFiles:
    """What `user` may read of the need's files and its offers' files: one query for each,
    without the files' content."""
    files = PageFiles()
    readable = visible_attachments(user)
    files.need = list(db.session.scalars(listed().where(Attachment.need_id == need.id, readable)))
    if offers:
        on_offers = Attachment.offer_id.in_([offer.id for offer in offers])
        for attachment in db.session.scalars(listed().where(on_offers, readable)):
            files.offers.setdefault(attachment.offer_id, []).append(attachment)  # type: ignore[arg-type]
    return files


def offer_files(offer: Offer, user: User) -> list[Attachment]:
    """What `user` may read of an offer's files, without their content."""
    statement = listed().where(Attachment.offer_id == offer.id, visible_attachments(user))
    return list(db.session.scalars(statement))


def readable_file(attachment_id: int, user: User) -> Attachment | None:
    """The file with its content, if `user` may read it."""
    statement = (
        select(Attachment)
        .options(undefer(Attachment.content))
        .where(Attachment.id == attachment_id, visible_attachments(user))
    )
    return db.session.scalar(statement)
