"""need_match e-mails are composed from bodies rendered once per need, firm and language, and
filled in per user: each must be the e-mail that rendering its templates for that user alone
gives, down to the escaping of a name in the HTML part."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy import select

from board import tokens
from board.extensions import db
from board.models import Member, Need, NeedStatus, Notification, User
from board.notifications import compose, deliver, match, outbox
from tests import factories
from tests.mailbox import html_of, text_of

# Name (empty: the address stands in), language.
RECIPIENTS = (
    ("Piotr", "en"),
    ('Anna "Ania" <b>Nowak</b> & Co', "en"),
    ("", "en"),
    ("Łucja Żółć", "pl"),
    ("O'Brien <script>alert(1)</script>", "pl"),
    ("Jürgen", "de"),
)


def headers_of(message: EmailMessage) -> dict[str, str]:
    """Every header but Date (the instant of composing) and the part boundary (random)."""
    headers = {name: str(value) for name, value in message.items() if name != "Date"}
    headers["Content-Type"] = message.get_content_type()
    return headers


@pytest.fixture
def match_rows(app: Flask) -> list[int]:
    with app.app_context():
        requester = factories.make_member("Odra Software", competences=("kotlin",))
        author = factories.make_user(requester, email="agnieszka@odra.example")
        firms = [
            factories.make_member("Wisła Cloud", competences=("kotlin", "kubernetes")),
            factories.make_member("Tatry <Apps> & Sons", competences=("kubernetes",)),
        ]
        user_ids = []
        for number, firm in enumerate(firms):
            for position, (name, locale) in enumerate(RECIPIENTS):
                account = factories.make_user(
                    firm, email=f"user{position}@firm{number}.example", name=name
                )
                db.session.get(User, account.id).locale = locale
                user_ids.append(account.id)
        db.session.commit()
        need = factories.make_need(
            db.session.get(Member, requester.id),
            author.id,
            title='Kotlin & Kubernetes for "Fracht" <2026>',
            competences=("kotlin", "kubernetes", "terraform"),
            status=NeedStatus.OPEN,
        )
        match.record_matches(need)
        ids = outbox.add_need_rows("need_match", need.id, user_ids)
        db.session.commit()
        return ids


def test_a_shared_body_filled_in_per_user_is_the_e_mail_rendered_for_that_user(
    app: Flask, match_rows: list[int]
) -> None:
    with app.app_context():
        rows = deliver.load_batch(match_rows)
        assert len(rows) == 2 * len(RECIPIENTS)
        composer = compose.Composer()
        for row in rows:
            fast = composer.compose(row)
            plain = compose.Composer().compose_plain(row)
            assert headers_of(fast) == headers_of(plain), row.user.email
            assert text_of(fast) == text_of(plain), row.user.email
            assert html_of(fast) == html_of(plain), row.user.email
            assert row.user.display_name in text_of(fast)
            assert compose._NAME not in text_of(fast) + html_of(fast)
            token = tokens.unsubscribe_token(row.user.id)
            assert fast["List-Unsubscribe"].endswith(f"/{token}>")
        # Rendered once for each firm and language, not once per user.
        assert len(composer.shared) == 2 * len({locale for _, locale in RECIPIENTS})


def test_the_shared_body_escapes_each_users_name_in_html_only(
    app: Flask, match_rows: list[int]
) -> None:
    with app.app_context():
        rows = deliver.load_batch(match_rows)
        composer = compose.Composer()
        row = next(r for r in rows if r.user.name.startswith("O'Brien"))
        message = composer.compose(row)
        assert "O'Brien <script>alert(1)</script>" in text_of(message)
        assert "<script>" not in html_of(message)
        assert "O&#39;Brien &lt;script&gt;alert(1)&lt;/script&gt;" in html_of(message)
        token = tokens.unsubscribe_token(row.user.id)
        assert message["List-Unsubscribe"].endswith(f"/{token}>")
        assert tokens.user_from_unsubscribe_token(token).id == row.user_id


def test_other_kinds_about_the_same_need_are_rendered_for_each_user(
    app: Flask, match_rows: list[int]
) -> None:
    with app.app_context():
        row = db.session.scalar(select(Notification).where(Notification.id == match_rows[0]))
        need = db.session.get(Need, row.need_id)
        key = outbox.need_key("deadline_reminder", need.id)
        outbox.add_rows(
            [{"user_id": row.user_id, "key": key, "kind": "deadline_reminder", "need_id": need.id}]
        )
        db.session.commit()
        (reminder,) = deliver.load_batch(outbox.pending_ids(Notification.key == key))
        composer = compose.Composer()
        message = composer.compose(reminder)
        assert composer.shared == {}
        assert text_of(message) == text_of(compose.Composer().compose_plain(reminder))


def test_a_match_written_as_bytes_is_the_composed_e_mail(
    app: Flask, match_rows: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from board import mail

    monkeypatch.setattr(mail, "_alternative", lambda: 'multipart/alternative; boundary="b-1"')
    monkeypatch.setattr(mail, "_date_header", lambda moment: "Mon, 23 Nov 2026 10:00:00 +0000")
    with app.app_context():
        rows = deliver.load_batch(match_rows)
        composer = compose.Composer()
        for row in rows:
            outgoing = composer.outgoing(row)
            assert isinstance(outgoing, mail.Outgoing), row.user.email
            assert outgoing.recipients == [row.user.email]
            assert outgoing.data == mail.wire_bytes(composer.compose(row)), row.user.email
