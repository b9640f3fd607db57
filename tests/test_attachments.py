"""Files on needs and offers: what is taken and what is refused, who reads and who removes
them, and what a download looks like."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, select
from werkzeug.test import TestResponse

import config
from board import ConfigurationError, create_app
from board.attachments.kinds import BY_TYPE, safe_name
from board.extensions import db
from board.models import Attachment, AuditEvent, Need, NeedStatus, Offer, OfferStatus, utcnow
from tests import factories
from tests.conftest import CSRF_PATTERN, AuthActions, csrf_token

MAX_BYTES = 16 * 1024
PER_ITEM = 5


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"ATTACHMENT_MAX_BYTES": MAX_BYTES, "ATTACHMENTS_PER_ITEM": PER_ITEM}


# Tiny real files of each kind -------------------------------------------------------------


def archive(
    *parts: tuple[str, str | bytes], stored_first: tuple[str, bytes] | None = None
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        if stored_first:
            zipped.writestr(zipfile.ZipInfo(stored_first[0]), stored_first[1], zipfile.ZIP_STORED)
        for name, content in parts:
            zipped.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'  # noqa: E501


def office(folder: str, part: str) -> bytes:
    return archive(
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", "<Relationships/>"),
        (f"{folder}/{part}", "<document/>"),
    )


def open_document(kind: str) -> bytes:
    mimetype = f"application/vnd.oasis.opendocument.{kind}".encode()
    return archive(
        ("content.xml", "<office:document-content/>"), stored_first=("mimetype", mimetype)
    )


def png() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"  # noqa: E501
# The header of a compound document, the container of the old Word, Excel and PowerPoint files.
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
OLE += b"\x00" * (512 - len(OLE))
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

ACCEPTED = {
    "Oferta_łódź.pdf": (PDF, "application/pdf"),
    "diagram.png": (png(), "image/png"),
    "photo.jpg": (JPEG, "image/jpeg"),
    "photo.jpeg": (JPEG, "image/jpeg"),
    "anim.gif": (GIF, "image/gif"),
    "picture.webp": (WEBP, "image/webp"),
    "scope.docx": (office("word", "document.xml"), DOCX),
    "budget.xlsx": (office("xl", "workbook.xml"), XLSX),
    "slides.pptx": (office("ppt", "presentation.xml"), PPTX),
    "scope.odt": (open_document("text"), "application/vnd.oasis.opendocument.text"),
    "budget.ods": (open_document("spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
    "slides.odp": (open_document("presentation"), "application/vnd.oasis.opendocument.presentation"),  # noqa: E501
    "old.doc": (OLE, "application/msword"),
    "old.xls": (OLE, "application/vnd.ms-excel"),
    "old.ppt": (OLE, "application/vnd.ms-powerpoint"),
    "notes.txt": ("Zakres prac: Łódź, Brașov, Köln.\n".encode(), "text/plain"),
    "prices.csv": (b"item,price\nAudit,12000\nReport,3000\n", "text/plain"),
    "README.md": (b"# Scope\n\n- one\n- two\n", "text/plain"),
    "x.txt": (b"x", "text/plain"),
    "bundle.zip": (archive(("a.txt", "hello")), "application/zip"),
    # Parts in an order libmagic does not expect: the list of parts tells what it is.
    "reordered.xlsx": (archive(("[Content_Types].xml", CONTENT_TYPES), ("xl/workbook.xml", "<w/>")), XLSX),  # noqa: E501
    "reordered.odt": (archive(("content.xml", "<x/>"), ("mimetype", "application/vnd.oasis.opendocument.text")), "application/vnd.oasis.opendocument.text"),  # noqa: E501
}  # fmt: skip

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 44
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100
NOT_TAKEN = "is not a kind of file the board takes. It takes PDF, Word, Excel, PowerPoint"
REFUSED = {
    "html named .pdf": ("offer.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", NOT_TAKEN),  # noqa: E501
    "svg named .png": ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', NOT_TAKEN),  # noqa: E501
    "an ELF program named .docx": ("scope.docx", ELF, NOT_TAKEN),
    "a Windows program named .docx": ("scope.docx", EXE, NOT_TAKEN),
    "a shell script named .txt": ("notes.txt", b"#!/bin/sh\nrm -rf ~\n", NOT_TAKEN),
    "text with a NUL byte": ("notes.txt", b"abc\x00def\x01\x02", NOT_TAKEN),
    "text not in UTF-8": ("notes.txt", "Łódź, café".encode("cp1250"), "is text, but not in UTF-8"),  # noqa: E501
    "a PNG named .pdf": ("offer.pdf", png(), "By its content, “offer.pdf” is of the kind “PNG image”, whose names end in .png."),  # noqa: E501
    "text named .bat": ("run.bat", b"echo hello\n", "whose names end in .txt, .csv, or .md."),
    "a program inside a compound document name": ("setup.msi", OLE, NOT_TAKEN),
}  # fmt: skip


# The cluster ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    """Odra's draft and open needs; Ceahlău's and Someș's offers on the open one; Tisa, a
    third firm that did not offer; staff."""

    draft: int
    open_need: int
    offer: int
    rival_offer: int
    requester: factories.Account
    colleague: factories.Account
    supplier: factories.Account
    rival: factories.Account
    third: factories.Account
    staff: factories.Account


@pytest.fixture
def scene(app: Flask) -> Scene:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        ceahlau = factories.make_member("Ceahlau Software", competences=("kotlin",))
        somes = factories.make_member("Somes Data", competences=("kotlin",))
        tisa = factories.make_member("Tisa Systems", competences=("kotlin",))
        requester = factories.make_user(odra, email="agnieszka@odra.example")
        supplier = factories.make_user(ceahlau, email="mihai@ceahlau.example")
        rival = factories.make_user(somes, email="ioana@somes.example")
        draft = factories.make_need(odra, requester.id, title="Draft", status=NeedStatus.DRAFT)
        open_need = factories.make_need(odra, requester.id, title="Open need")
        offer = factories.make_offer(open_need, ceahlau, supplier.id)
        rival_offer = factories.make_offer(open_need, somes, rival.id)
        return Scene(
            draft=draft.id,
            open_need=open_need.id,
            offer=offer.id,
            rival_offer=rival_offer.id,
            requester=requester,
            colleague=factories.make_user(odra, email="tomasz@odra.example"),
            supplier=supplier,
            rival=rival,
            third=factories.make_user(tisa, email="dan@tisa.example"),
            staff=factories.make_user(is_staff=True, email="staff@cluster.example"),
        )


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    response = AuthActions(client).login(account.email, account.password)
    assert response.status_code == 302
    return client


def token(client: FlaskClient) -> str:
    match = CSRF_PATTERN.search(client.get("/account").get_data(as_text=True))
    assert match
    return match.group(1)


def upload(client: FlaskClient, path: str, name: str, content: bytes) -> TestResponse:
    data = {"csrf_token": token(client), "file": (io.BytesIO(content), name)}
    return client.post(path, data=data, content_type="multipart/form-data")


def post(client: FlaskClient, path: str) -> TestResponse:
    return client.post(path, data={"csrf_token": token(client)})


def followed(client: FlaskClient, response: TestResponse) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def add_file(
    app: Flask,
    name: str = "brief.pdf",
    content: bytes = PDF,
    need_id: int | None = None,
    offer_id: int | None = None,
) -> int:
    """A file stored as an upload would leave it, on a need or an offer in any state."""
    with app.app_context():
        attachment = Attachment(
            need_id=need_id,
            offer_id=offer_id,
            filename=name,
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
        db.session.add(attachment)
        db.session.commit()
        return attachment.id


def stored(app: Flask) -> list[tuple[str, str, int | None, int | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(
                Attachment.filename,
                Attachment.content_type,
                Attachment.need_id,
                Attachment.offer_id,
            ).order_by(Attachment.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def audit_trail(app: Flask) -> list[tuple[str, int, dict[str, Any]]]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.startswith("attachment."))
            .order_by(AuditEvent.id)
        )
        return [(event.action, event.target_id, event.detail) for event in events]


def set_need(app: Flask, need_id: int, **values: Any) -> None:
    with app.app_context():
        need = db.session.get(Need, need_id)
        for name, value in values.items():
            setattr(need, name, value)
        db.session.commit()


def set_offer(app: Flask, offer_id: int, **values: Any) -> None:
    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        for name, value in values.items():
            setattr(offer, name, value)
        db.session.commit()


# What is taken ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACCEPTED)
def test_each_allowed_kind_is_kept_with_the_type_its_content_shows(
    app: Flask, scene: Scene, name: str
) -> None:
    content, content_type = ACCEPTED[name]
    client = signed_in(app, scene.requester)
    response = upload(client, f"/needs/{scene.draft}/attachments", name, content)
    assert response.headers["Location"] == f"/needs/{scene.draft}#files"
    page = followed(client, response)
    assert f"“{name}” is attached." in page
    assert stored(app) == [(name, content_type, scene.draft, None)]
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert attachment.content == content
        assert attachment.size == len(content)
        assert attachment.sha256 == hashlib.sha256(content).hexdigest()
        assert attachment.uploader_id == scene.requester.id
        attachment_id = attachment.id
    (event,) = audit_trail(app)
    assert event == ("attachment.added", attachment_id, {"filename": name, "need_id": scene.draft})
    # The need's page lists it at once, for its firm.
    assert f'href="/attachments/{attachment_id}"' in client.get(f"/needs/{scene.draft}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("case", REFUSED)
def test_content_that_is_no_allowed_kind_is_refused_whatever_its_name_and_nothing_is_saved(
    app: Flask, scene: Scene, case: str
) -> None:
    name, content, message = REFUSED[case]
    client = signed_in(app, scene.requester)
    page = followed(client, upload(client, f"/needs/{scene.draft}/attachments", name, content))
    assert message in page
    assert stored(app) == []
    assert audit_trail(app) == []


def test_an_empty_file_is_refused(app: Flask, scene: Scene) -> None:
    client = signed_in(app, scene.requester)
    page = followed(client, upload(client, f"/needs/{scene.draft}/attachments", "scope.pdf", b""))
    assert "“scope.pdf” is empty. Choose a file with something in it." in page
    assert stored(app) == []


def test_a_post_without_a_file_asks_for_one(app: Flask, scene: Scene) -> None:
    client = signed_in(app, scene.requester)
    page = followed(client, post(client, f"/needs/{scene.draft}/attachments"))
    assert "Choose a file to upload." in page
    assert stored(app) == []


def test_a_file_over_the_limit_is_refused_with_the_limit_named(app: Flask, scene: Scene) -> None:
    client = signed_in(app, scene.requester)
    content = PDF + b"0" * (MAX_BYTES + 1 - len(PDF))
    page = followed(client, upload(client, f"/needs/{scene.draft}/attachments", "big.pdf", content))
    assert "“big.pdf” is larger than 16 kB, the most a file may be. Nothing was saved." in page
    assert stored(app) == []
    # One byte less is taken.
    upload(client, f"/needs/{scene.draft}/attachments", "big.pdf", content[:-1])
    assert [row[0] for row in stored(app)] == ["big.pdf"]


def test_a_request_over_the_upload_limit_gets_a_clear_413_page_and_stores_nothing(
    app: Flask, scene: Scene
) -> None:
    client = signed_in(app, scene.requester)
    content = PDF + b"0" * (200 * 1024)
    response = upload(client, f"/needs/{scene.draft}/attachments", "huge.pdf", content)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<title>413 · Cluster procurement board</title>" in page
    assert "Sign out" in page
    assert (
        "The file is too large: the board takes files of at most 16 kB. Nothing was saved." in page
    )
    assert f'<a href="/needs/{scene.draft}#files">Back to the page you came from</a>' in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert stored(app) == []
    supplier = signed_in(app, scene.supplier)
    response = upload(supplier, f"/offers/{scene.offer}/attachments", "huge.pdf", content)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert f'<a href="/needs/{scene.open_need}/offer#files">' in page
    assert stored(app) == []


def test_the_413_page_of_an_offer_it_may_not_read_leads_nowhere_near_it(
    app: Flask, scene: Scene
) -> None:
    """Even refused for its size, a post to another firm's offer says nothing of its need."""
    rival = signed_in(app, scene.rival)
    response = upload(rival, f"/offers/{scene.offer}/attachments", "x.pdf", b"0" * 200 * 1024)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert f"/needs/{scene.open_need}" not in page
    assert "Go to the front page" in page


def test_an_upload_may_be_larger_than_other_forms_but_other_forms_keep_their_limit(
    app: Flask, scene: Scene
) -> None:
    app.config.update(ATTACHMENT_MAX_BYTES=2 * 1024 * 1024)
    client = signed_in(app, scene.requester)
    content = PDF + b"0" * (1536 * 1024)
    response = upload(client, f"/needs/{scene.draft}/attachments", "scan.pdf", content)
    assert response.status_code == 302
    assert [row[0] for row in stored(app)] == ["scan.pdf"]
    too_large = {"csrf_token": token(client), "description": "x" * len(content)}
    assert client.post(f"/needs/{scene.draft}/edit", data=too_large).status_code == 413


def test_only_a_signed_in_user_may_send_a_request_as_large_as_a_file(
    app: Flask, client: FlaskClient, scene: Scene
) -> None:
    """A visitor's post to an upload address is held to the limit of every other form."""
    token = csrf_token(client, "/login")
    data = {"csrf_token": token, "file": (io.BytesIO(PDF + b"0" * 1536 * 1024), "scan.pdf")}
    app.config.update(ATTACHMENT_MAX_BYTES=2 * 1024 * 1024)
    response = client.post(
        f"/needs/{scene.draft}/attachments", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert "the board takes files of at most 1 MB" in response.get_data(as_text=True)
    assert stored(app) == []


def test_the_sixth_file_is_refused_and_the_form_says_the_limit(app: Flask, scene: Scene) -> None:
    client = signed_in(app, scene.requester)
    path = f"/needs/{scene.draft}/attachments"
    page = client.get(f"/needs/{scene.draft}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'accept=".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.png,.jpg,' in page
    assert "At most 5 files, each up to 16 kB: PDF, Word, Excel, PowerPoint" in page
    for number in range(PER_ITEM):
        assert upload(client, path, f"part{number}.txt", b"text %d" % number).status_code == 302
    page = followed(client, upload(client, path, "part5.txt", b"one too many"))
    assert "There are already 5 files here, the most allowed. Remove one to add another." in page
    assert len(stored(app)) == PER_ITEM
    assert "part5.txt" not in [row[0] for row in stored(app)]
    assert 'name="file"' not in page
    assert "It has 5 files, the most allowed: remove one to add another." in page


def race(*requests: Callable[[], TestResponse]) -> list[TestResponse]:
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(index: int, request: Callable[[], TestResponse]) -> None:
        barrier.wait()
        results[index] = request()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_uploads_at_once_never_pass_the_limit(app: Flask, scene: Scene) -> None:
    for number in range(PER_ITEM - 1):
        add_file(app, f"part{number}.pdf", need_id=scene.draft)
    prepared = []
    for account in (scene.requester, scene.colleague):
        client = signed_in(app, account)
        data = {"csrf_token": token(client)}
        prepared.append((client, data))
    path = f"/needs/{scene.draft}/attachments"
    responses = race(
        *(
            lambda c=c, d=d, n=n: c.post(
                path, data={**d, "file": (io.BytesIO(PDF), f"last{n}.pdf")},
                content_type="multipart/form-data",
            )
            for n, (c, d) in enumerate(prepared)
        )
    )  # fmt: skip
    assert [r.status_code for r in responses] == [302, 302]
    assert len(stored(app)) == PER_ITEM
    assert len(audit_trail(app)) == 1


SIGNATURES = (b"", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", OLE[:8], b"GIF89a",
              b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"\xff\xd8\xff\xe0", b"<html>", b"<svg ",
              b"\x7fELF", b"MZ", b"\xef\xbb\xbf")  # fmt: skip
CONTENTS = st.one_of(
    st.tuples(st.sampled_from(SIGNATURES), st.binary(max_size=3000)).map(b"".join),
    st.text(max_size=2000).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
ENDINGS = st.sampled_from(["", *(e for kind in BY_TYPE.values() for e in kind.extensions),
                           ".exe", ".html", ".svg", ".PDF", ".tar.gz"])  # fmt: skip
# What a browser can put in a file name: no surrogates, no line breaks or quotes (which it
# escapes), and not empty (an empty name means no file was chosen). Nor backslashes: the
# parser of the form reads one as an escape, so the name arrives without it.
STEMS = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters='\r\n"\\'), max_size=300
)
UPLOADS = st.one_of(
    st.tuples(st.tuples(STEMS, ENDINGS).map("".join).filter(bool), CONTENTS),
    # A file of an allowed kind, with something after its content and before its ending.
    st.sampled_from(sorted(ACCEPTED.items())).flatmap(
        lambda item: st.tuples(
            STEMS.map(lambda stem: stem + Path(item[0]).suffix),
            st.binary(max_size=300).map(lambda tail: item[1][0] + tail),
        )
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=UPLOADS)
def test_any_upload_is_kept_whole_or_refused_with_a_reason_and_nothing_kept(
    app: Flask, scene: Scene, sent: tuple[str, bytes]
) -> None:
    name, content = sent
    client = signed_in(app, scene.requester)
    response = upload(client, f"/needs/{scene.draft}/attachments", name, content)
    assert response.status_code == 302, (name, content[:40], response.status_code)
    with client.session_transaction() as session:
        flashes = list(session.pop("_flashes", []))
    ((category, message),) = flashes
    with app.app_context():
        rows = db.session.scalars(select(Attachment)).all()
        kept = [(a.filename, a.content_type, a.content, a.size) for a in rows]
        db.session.execute(delete(Attachment))
        db.session.commit()
    if category == "error":
        assert kept == [], message
        return
    assert category == "success"
    ((filename, content_type, stored_content, size),) = kept
    assert content_type in BY_TYPE
    assert (stored_content, size) == (content, len(content))
    assert filename == safe_name(name)
    assert message == f"“{filename}” is attached."


def test_names_are_made_safe_to_show_and_keep_their_letters() -> None:
    assert safe_name("Oferta_łódź.pdf") == "Oferta_łódź.pdf"
    assert safe_name("C:\\Users\\anna\\Desktop\\Angebot Köln.pdf") == "Angebot Köln.pdf"
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("a\x1b[31mb\r\n.txt") == "a[31mb .txt"
    # A right-to-left override would show "invoice\u202efdp.exe" as "invoiceexe.pdf".
    assert safe_name("invoice\u202efdp.exe") == "invoicefdp.exe"
    assert safe_name('what?<is>"this"|*.txt') == "what__is__this___.txt"
    assert safe_name("   ...hidden.txt.  ") == "hidden.txt"
    assert safe_name("Oferta\u0301.pdf") == "Ofertá.pdf"  # composed: one letter, as typed
    long = safe_name("ż" * 400 + ".pdf")
    assert len(long) == 150 and long.endswith("ż.pdf")


def test_the_stored_name_is_the_uploaded_one_made_safe(app: Flask, scene: Scene) -> None:
    client = signed_in(app, scene.requester)
    name = "../../fakepath/Oferta\x07_łódź\u200b.pdf"
    upload(client, f"/needs/{scene.draft}/attachments", name, PDF)
    assert [row[0] for row in stored(app)] == ["Oferta_łódź.pdf"]


# Downloads --------------------------------------------------------------------------------


def test_a_download_is_an_attachment_never_shown_or_kept_by_a_cache(
    app: Flask, scene: Scene
) -> None:
    client = signed_in(app, scene.requester)
    upload(client, f"/needs/{scene.draft}/attachments", "Oferta_łódź.pdf", PDF)
    upload(client, f"/needs/{scene.draft}/attachments", "notes.txt", "Łódź\n".encode())
    with app.app_context():
        pdf_id, text_id = db.session.scalars(select(Attachment.id).order_by(Attachment.id))
    response = client.get(f"/attachments/{pdf_id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=Oferta_odz.pdf; filename*=UTF-8''" + quote("Oferta_łódź.pdf")
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    text = client.get(f"/attachments/{text_id}")
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert text.headers["Content-Disposition"] == "attachment; filename=notes.txt"


def test_no_one_signed_out_downloads_a_file(app: Flask, client: FlaskClient, scene: Scene) -> None:
    file_id = add_file(app, need_id=scene.open_need)
    response = client.get(f"/attachments/{file_id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_competitor_never_reaches_an_offers_files(app: Flask, scene: Scene) -> None:
    secret = "Ceahlau-rate-card-2027.pdf"
    supplier = signed_in(app, scene.supplier)
    response = upload(supplier, f"/offers/{scene.offer}/attachments", secret, PDF)
    assert response.headers["Location"] == f"/needs/{scene.open_need}/offer#files"
    (row,) = stored(app)
    assert row == (secret, "application/pdf", None, scene.offer)
    with app.app_context():
        file_id = db.session.scalar(select(Attachment.id))
    rival = signed_in(app, scene.rival)
    assert rival.get(f"/attachments/{file_id}").status_code == 404
    assert post(rival, f"/attachments/{file_id}/delete").status_code == 404
    assert upload(rival, f"/offers/{scene.offer}/attachments", "x.pdf", PDF).status_code == 404
    for page in (
        f"/needs/{scene.open_need}",
        f"/needs/{scene.open_need}/offer",
        "/needs",
        "/offers",
        "/needs?q=2027",
    ):
        response = rival.get(page)
        assert response.status_code == 200, page
        assert "Ceahlau-rate-card" not in response.get_data(as_text=True), page
    third = signed_in(app, scene.third)
    assert third.get(f"/attachments/{file_id}").status_code == 404
    assert "Ceahlau-rate-card" not in third.get(f"/needs/{scene.open_need}").get_data(as_text=True)
    assert stored(app) == [row]


def test_the_requester_firm_and_staff_read_an_offers_files_on_the_need_page(
    app: Flask, scene: Scene
) -> None:
    file_id = add_file(app, "rate-card.pdf", offer_id=scene.offer)
    rival_file = add_file(app, "somes-cv.pdf", offer_id=scene.rival_offer)
    for account in (scene.requester, scene.colleague, scene.staff):
        client = signed_in(app, account)
        page = client.get(f"/needs/{scene.open_need}").get_data(as_text=True)
        assert f'<a href="/attachments/{file_id}" download>rate-card.pdf</a>' in page
        assert f'<a href="/attachments/{rival_file}" download>somes-cv.pdf</a>' in page
        assert "PDF document" in page
        # Listed, not for them to remove.
        assert f"/attachments/{file_id}/delete" not in page
        assert client.get(f"/attachments/{file_id}").status_code == 200
    supplier = signed_in(app, scene.supplier)
    page = supplier.get(f"/needs/{scene.open_need}").get_data(as_text=True)
    own_offer = page.split('id="own-offer-heading"')[1]
    assert "rate-card.pdf" in own_offer
    assert "somes-cv.pdf" not in page


def test_a_third_firm_downloads_an_open_needs_file_but_not_a_drafts(
    app: Flask, scene: Scene
) -> None:
    open_file = add_file(app, "open-brief.pdf", need_id=scene.open_need)
    draft_file = add_file(app, "draft-brief.pdf", need_id=scene.draft)
    third = signed_in(app, scene.third)
    assert "open-brief.pdf" in third.get(f"/needs/{scene.open_need}").get_data(as_text=True)
    assert third.get(f"/attachments/{open_file}").status_code == 200
    assert third.get(f"/attachments/{draft_file}").status_code == 404
    for account in (scene.requester, scene.staff):
        client = signed_in(app, account)
        assert client.get(f"/attachments/{draft_file}").status_code == 200
        assert "draft-brief.pdf" in client.get(f"/needs/{scene.draft}").get_data(as_text=True)
    set_need(app, scene.draft, status=NeedStatus.OPEN, published_at=utcnow())
    assert third.get(f"/attachments/{draft_file}").status_code == 200


def test_a_hidden_needs_files_are_served_to_staff_only(app: Flask, scene: Scene) -> None:
    file_id = add_file(app, "hidden-brief.pdf", need_id=scene.open_need)
    set_need(app, scene.open_need, status=NeedStatus.HIDDEN, moderation_reason="Spam")
    for account in (scene.requester, scene.supplier, scene.third):
        client = signed_in(app, account)
        assert client.get(f"/attachments/{file_id}").status_code == 404
        page = client.get(f"/needs/{scene.open_need}")
        assert "hidden-brief.pdf" not in page.get_data(as_text=True)
    staff = signed_in(app, scene.staff)
    assert staff.get(f"/attachments/{file_id}").status_code == 200
    assert "hidden-brief.pdf" in staff.get(f"/needs/{scene.open_need}").get_data(as_text=True)


def test_a_hidden_offers_files_are_served_to_staff_only(app: Flask, scene: Scene) -> None:
    file_id = add_file(app, "hidden-offer.pdf", offer_id=scene.offer)
    set_offer(app, scene.offer, hidden_at=utcnow(), hidden_reason="Spam")
    for account in (scene.requester, scene.supplier):
        client = signed_in(app, account)
        assert client.get(f"/attachments/{file_id}").status_code == 404
        page = client.get(f"/needs/{scene.open_need}").get_data(as_text=True)
        assert "hidden-offer.pdf" not in page
    staff = signed_in(app, scene.staff)
    assert staff.get(f"/attachments/{file_id}").status_code == 200
    assert "hidden-offer.pdf" in staff.get(f"/needs/{scene.open_need}").get_data(as_text=True)


# Who adds and removes ---------------------------------------------------------------------


def test_only_the_needs_firm_adds_files_and_only_while_it_may_edit_the_need(
    app: Flask, scene: Scene
) -> None:
    draft = f"/needs/{scene.draft}/attachments"
    open_path = f"/needs/{scene.open_need}/attachments"
    assert upload(signed_in(app, scene.supplier), draft, "x.pdf", PDF).status_code == 404
    assert upload(signed_in(app, scene.third), open_path, "x.pdf", PDF).status_code == 403
    assert upload(signed_in(app, scene.staff), open_path, "x.pdf", PDF).status_code == 403
    requester = signed_in(app, scene.requester)
    assert upload(requester, open_path, "x.pdf", PDF).status_code == 403
    assert "Add a file" not in requester.get(f"/needs/{scene.open_need}").get_data(as_text=True)
    for status in (NeedStatus.CHANGES_REQUESTED, NeedStatus.REJECTED, NeedStatus.PENDING):
        set_need(app, scene.draft, status=status)
        assert upload(requester, draft, f"{status}.pdf", PDF).status_code == 302
    for status in (NeedStatus.HIDDEN, NeedStatus.CANCELLED):
        set_need(app, scene.draft, status=status)
        assert upload(requester, draft, f"{status}.pdf", PDF).status_code == 403
    assert [row[0] for row in stored(app)] == [
        "changes_requested.pdf",
        "rejected.pdf",
        "pending.pdf",
    ]


def test_only_the_offers_firm_adds_files_while_its_offer_is_in_the_running(
    app: Flask, scene: Scene
) -> None:
    path = f"/offers/{scene.offer}/attachments"
    assert upload(signed_in(app, scene.requester), path, "x.pdf", PDF).status_code == 403
    assert upload(signed_in(app, scene.staff), path, "x.pdf", PDF).status_code == 403
    supplier = signed_in(app, scene.supplier)
    assert upload(supplier, path, "first.pdf", PDF).status_code == 302
    set_offer(app, scene.offer, status=OfferStatus.SHORTLISTED)
    assert upload(supplier, path, "second.pdf", PDF).status_code == 302
    set_offer(app, scene.offer, status=OfferStatus.WITHDRAWN)
    assert upload(supplier, path, "withdrawn.pdf", PDF).status_code == 403
    set_offer(app, scene.offer, status=OfferStatus.SUBMITTED)
    set_need(app, scene.open_need, offers_close_at=utcnow() - timedelta(minutes=1))
    assert upload(supplier, path, "late.pdf", PDF).status_code == 403
    assert [row[0] for row in stored(app)] == ["first.pdf", "second.pdf"]


def test_the_offer_form_shows_the_offers_files_with_upload_and_remove(
    app: Flask, scene: Scene
) -> None:
    file_id = add_file(app, "rate-card.pdf", offer_id=scene.offer)
    supplier = signed_in(app, scene.supplier)
    page = supplier.get(f"/needs/{scene.open_need}/offer").get_data(as_text=True)
    assert "Files of your offer" in page
    assert f'<a href="/attachments/{file_id}" download>rate-card.pdf</a>' in page
    assert f'action="/attachments/{file_id}/delete"' in page
    assert f'action="/offers/{scene.offer}/attachments" enctype="multipart/form-data"' in page
    # A firm that has not offered yet has no files to show.
    third = signed_in(app, scene.third)
    assert "Files of your offer" not in third.get(f"/needs/{scene.open_need}/offer").get_data(
        as_text=True
    )
    set_offer(app, scene.offer, status=OfferStatus.WITHDRAWN)
    page = supplier.get(f"/needs/{scene.open_need}/offer").get_data(as_text=True)
    assert "rate-card.pdf" in page
    assert f"/attachments/{file_id}/delete" not in page
    assert 'name="file"' not in page


def test_removing_a_file_is_for_the_firm_that_may_add_one(app: Flask, scene: Scene) -> None:
    draft_file = add_file(app, "draft.pdf", need_id=scene.draft)
    open_file = add_file(app, "open.pdf", need_id=scene.open_need)
    offer_file = add_file(app, "offer.pdf", offer_id=scene.offer)
    # Readable, but not theirs to remove: 403; not readable: 404.
    assert post(signed_in(app, scene.third), f"/attachments/{open_file}/delete").status_code == 403
    assert post(signed_in(app, scene.staff), f"/attachments/{draft_file}/delete").status_code == 403
    assert post(signed_in(app, scene.third), f"/attachments/{draft_file}/delete").status_code == 404
    requester = signed_in(app, scene.requester)
    assert post(requester, f"/attachments/{open_file}/delete").status_code == 403
    assert post(requester, f"/attachments/{offer_file}/delete").status_code == 403
    assert post(signed_in(app, scene.rival), f"/attachments/{offer_file}/delete").status_code == 404
    assert len(stored(app)) == 3

    colleague = signed_in(app, scene.colleague)
    page = colleague.get(f"/needs/{scene.draft}").get_data(as_text=True)
    assert f'action="/attachments/{draft_file}/delete"' in page
    response = post(colleague, f"/attachments/{draft_file}/delete")
    assert response.headers["Location"] == f"/needs/{scene.draft}#files"
    assert "“draft.pdf” is removed." in followed(colleague, response)
    supplier = signed_in(app, scene.supplier)
    response = post(supplier, f"/attachments/{offer_file}/delete")
    assert response.headers["Location"] == f"/needs/{scene.open_need}/offer#files"
    assert "“offer.pdf” is removed." in followed(supplier, response)
    assert [row[0] for row in stored(app)] == ["open.pdf"]
    assert audit_trail(app) == [
        ("attachment.removed", draft_file, {"filename": "draft.pdf", "need_id": scene.draft}),
        ("attachment.removed", offer_file, {"filename": "offer.pdf", "offer_id": scene.offer}),
    ]
    # Gone: a second removal finds nothing.
    assert post(colleague, f"/attachments/{draft_file}/delete").status_code == 404


def test_an_offers_files_go_with_its_firms_uploads_audit(app: Flask, scene: Scene) -> None:
    supplier = signed_in(app, scene.supplier)
    upload(supplier, f"/offers/{scene.offer}/attachments", "cv.pdf", PDF)
    ((action, _target, detail),) = audit_trail(app)
    assert (action, detail) == ("attachment.added", {"filename": "cv.pdf", "offer_id": scene.offer})


def test_a_needs_files_go_with_the_need(app: Flask, scene: Scene) -> None:
    add_file(app, "draft.pdf", need_id=scene.draft)
    add_file(app, "offer.pdf", offer_id=scene.offer)
    with app.app_context():
        db.session.execute(delete(Need).where(Need.id == scene.draft))
        db.session.execute(delete(Offer).where(Offer.id == scene.offer))
        db.session.commit()
    assert stored(app) == []


# What the need page loads -----------------------------------------------------------------


CONTENT_COLUMN = re.compile(r"attachments\.content\b")


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_need_page_loads_its_files_in_two_queries_without_their_content(
    app: Flask, scene: Scene
) -> None:
    for number in range(3):
        add_file(app, f"brief{number}.pdf", need_id=scene.open_need)
        add_file(app, f"offer{number}.pdf", offer_id=scene.offer)
        add_file(app, f"rival{number}.pdf", offer_id=scene.rival_offer)
    requester = signed_in(app, scene.requester)
    app.extensions["board.page_cache"].entries = None  # each request renders the page
    with statements(app) as seen:
        page = requester.get(f"/needs/{scene.open_need}").get_data(as_text=True)
    assert page.count("download>") == 9
    touching = [s for s in seen if "FROM attachments" in s]
    assert len(touching) == 2, touching
    assert not [s for s in seen if CONTENT_COLUMN.search(s)]
    with statements(app) as seen:
        requester.get(f"/attachments/{add_file(app, 'x.pdf', need_id=scene.open_need)}")
    assert any(CONTENT_COLUMN.search(s) for s in seen)


# Settings ---------------------------------------------------------------------------------


def test_the_limits_are_settings_read_from_the_environment() -> None:
    settings = config.from_environment(
        {"ATTACHMENT_MAX_BYTES": "5242880", "ATTACHMENTS_PER_ITEM": "3"}
    )
    assert settings == {"ATTACHMENT_MAX_BYTES": 5242880, "ATTACHMENTS_PER_ITEM": 3}
    assert config.Defaults.ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024
    assert config.Defaults.ATTACHMENTS_PER_ITEM == 5


@pytest.mark.parametrize("name", ["ATTACHMENT_MAX_BYTES", "ATTACHMENTS_PER_ITEM"])
def test_a_limit_that_is_no_positive_whole_number_stops_the_start(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOARD_INSTANCE_PATH", str(tmp_path))
    for setting in config.ENVIRONMENT_SETTINGS:
        monkeypatch.delenv(setting, raising=False)
    monkeypatch.setenv(name, "0")
    with pytest.raises(ConfigurationError, match=rf"{name} must be a positive whole number"):
        create_app()
    monkeypatch.setenv(name, "10MB")
    with pytest.raises(ConfigurationError, match=rf"{name} must be a whole number"):
        create_app()


def test_the_pages_name_the_limits_as_configured(app: Flask, scene: Scene) -> None:
    app.config.update(ATTACHMENT_MAX_BYTES=10 * 1024 * 1024, ATTACHMENTS_PER_ITEM=3)
    app.extensions["board.page_cache"].entries = None
    page = signed_in(app, scene.requester).get(f"/needs/{scene.draft}").get_data(as_text=True)
    assert re.search(r"At most 3 files, each up to 10 MB", page)
