"""The kinds of file the board takes, told from their content, and names made safe to show."""

from __future__ import annotations

import io
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

import magic
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from board.errors import InvalidFile

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
TEXT = "text/plain"
ZIP = "application/zip"


@dataclass(frozen=True)
class Kind:
    """A kind of file the board takes: its content type and the endings of its names."""

    content_type: str
    label: LazyString
    extensions: tuple[str, ...]


KINDS = (
    Kind("application/pdf", _l("PDF document"), (".pdf",)),
    Kind("application/msword", _l("Word document"), (".doc",)),
    Kind(DOCX, _l("Word document"), (".docx",)),
    Kind("application/vnd.ms-excel", _l("Excel spreadsheet"), (".xls",)),
    Kind(XLSX, _l("Excel spreadsheet"), (".xlsx",)),
    Kind("application/vnd.ms-powerpoint", _l("PowerPoint presentation"), (".ppt",)),
    Kind(PPTX, _l("PowerPoint presentation"), (".pptx",)),
    Kind(ODT, _l("OpenDocument text"), (".odt",)),
    Kind(ODS, _l("OpenDocument spreadsheet"), (".ods",)),
    Kind(ODP, _l("OpenDocument presentation"), (".odp",)),
    Kind("image/png", _l("PNG image"), (".png",)),
    Kind("image/jpeg", _l("JPEG image"), (".jpg", ".jpeg")),
    Kind("image/gif", _l("GIF image"), (".gif",)),
    Kind("image/webp", _l("WebP image"), (".webp",)),
    Kind(TEXT, _l("plain text"), (".txt", ".csv", ".md")),
    Kind(ZIP, _l("ZIP archive"), (".zip",)),
)
BY_TYPE = {kind.content_type: kind for kind in KINDS}
# What a file input offers to choose from; the content decides all the same.
ACCEPT = ",".join(extension for kind in KINDS for extension in kind.extensions)

# The old Office formats share one container; when libmagic names only the container, the
# name tells which of the three it is (the content has shown it is one of them).
OLE_CONTAINERS = ("application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office")
OLE_KINDS = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
             ".ppt": "application/vnd.ms-powerpoint"}  # fmt: skip
# Plain text has no signature: libmagic calls it text (or, when very short, nothing at all),
# and the board takes it when it is UTF-8 without NUL bytes.
TEXT_TYPES = ("text/plain", "text/csv", "application/octet-stream")
OPEN_DOCUMENTS = (ODT, ODS, ODP)
OFFICE_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))

MAX_NAME_LENGTH = 150
# Characters that no file system of the readers' computers takes in a name.
RESERVED = str.maketrans({char: "_" for char in '<>:"/\\|?*'})


def allowed_kinds() -> str:
    """The kinds the board takes, as a sentence names them."""
    return _(
        "PDF, Word, Excel, PowerPoint (also as OpenDocument), PNG, JPEG, GIF and WebP images, "
        "plain text (UTF-8) and ZIP"
    )


def label(content_type: str) -> str:
    """What a person calls a file of this type."""
    kind = BY_TYPE.get(content_type)
    return str(kind.label) if kind else content_type


def safe_name(uploaded: str) -> str:
    """The uploaded name made safe to show and to download: no folders, no control or
    invisible characters, none that a file system refuses, not too long. Letters of every
    script stay as they are ("Oferta_łódź.pdf")."""
    name = unicodedata.normalize("NFC", uploaded.replace("\\", "/").rsplit("/", 1)[-1])
    # Category C: control, format (right-to-left overrides that disguise an ending, zero-width
    # characters), surrogates, private use and unassigned.
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if char.isspace() or unicodedata.category(char)[0] != "C"
    )
    name = " ".join(name.translate(RESERVED).split()).strip(". ")
    if len(name) > MAX_NAME_LENGTH:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 10 else ""
        name = name[: MAX_NAME_LENGTH - len(suffix)].rstrip(". ") + suffix
    return name or _("file")


def extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def identify(content: bytes, name: str) -> str:
    """The content type of a file the board takes, found in `content`; `name` (already made
    safe) must end as files of that kind do. Refuses anything else with a clear message."""
    found = magic.from_buffer(content, mime=True)
    if found in OLE_CONTAINERS and extension(name) in OLE_KINDS:
        found = OLE_KINDS[extension(name)]
    elif found == ZIP:
        found = office_document(content) or ZIP
    elif found in TEXT_TYPES:
        if not is_text(content):
            if found == "application/octet-stream":
                raise wrong_kind(name)
            raise InvalidFile(
                _(
                    "“%(name)s” is text, but not in UTF-8. Save it as UTF-8 text and upload "
                    "it again.",
                    name=name,
                )
            )
        found = TEXT
    kind = BY_TYPE.get(found)
    if kind is None:
        raise wrong_kind(name)
    if extension(name) not in kind.extensions:
        endings = format_list(list(kind.extensions), style="or", locale=get_locale())
        raise InvalidFile(
            _(
                "By its content, “%(name)s” is of the kind “%(kind)s”, whose names end in "
                "%(endings)s. Rename the file and upload it again.",
                name=name,
                kind=kind.label,
                endings=endings,
            )
        )
    return found


def wrong_kind(name: str) -> InvalidFile:
    return InvalidFile(
        _(
            "“%(name)s” is not a kind of file the board takes. It takes %(kinds)s.",
            name=name,
            kinds=allowed_kinds(),
        )
    )


def is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def office_document(content: bytes) -> str | None:
    """The type of an Office or OpenDocument file that libmagic took for a plain ZIP (their
    parts in an order it does not expect), from the archive's list of parts; None for any
    other archive. Reads no more than a few bytes of any part."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as part:
                    declared = part.read(100).decode("ascii", "replace").strip()
                if declared in OPEN_DOCUMENTS:
                    return declared
            if "[Content_Types].xml" in names:
                for folder, content_type in OFFICE_PARTS:
                    if any(part.startswith(folder) for part in names):
                        return content_type
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError,
            ValueError, zlib.error):  # fmt: skip
        return None
    return None
