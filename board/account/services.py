"""A user's own settings."""

from __future__ import annotations

from dataclasses import dataclass

from board import audit
from board.extensions import db
from board.models import NotifyMode, User


@dataclass
class AccountData:
    name: str
    locale: str
    notify: NotifyMode
    notify_reviews: bool | None = None


def update_account(user: User, data: AccountData) -> None:
    """Save a user's name, language and notification settings."""
    values: dict[str, object] = {"name": data.name, "locale": data.locale, "notify": data.notify}
    if data.notify_reviews is not None and user.is_staff:
        values["notify_reviews"] = data.notify_reviews
    changed = {key: str(value) for key, value in values.items() if getattr(user, key) != value}
    for key, value in values.items():
        setattr(user, key, value)
    if changed:
        audit.record("user.settings_changed", user, user, **changed)
    db.session.commit()
