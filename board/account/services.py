"""A user's own settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from board import audit
from board.competences.services import usable
from board.errors import DomainError
from board.extensions import db
from board.models import NotifyMode, User


@dataclass
class AccountData:
    name: str
    locale: str
    notify: NotifyMode
    notify_reviews: bool | None = None
    # None leaves the phone as it is.
    phone: str | None = None
    # Slugs of a personal competence filter; None leaves the filter as it is.
    competences: list[str] | None = field(default=None)


def update_account(user: User, data: AccountData) -> None:
    """Save a user's name, phone, language and notification settings."""
    values: dict[str, object] = {"name": data.name, "locale": data.locale, "notify": data.notify}
    if data.notify_reviews is not None and user.is_staff:
        values["notify_reviews"] = data.notify_reviews
    if data.phone is not None:
        values["phone"] = data.phone.strip()
    changed = {key: str(value) for key, value in values.items() if getattr(user, key) != value}
    for key, value in values.items():
        setattr(user, key, value)
    if data.competences is not None and user.member_id is not None:
        chosen, refused = usable(data.competences)
        kept = [c for c in user.competences if c.slug in refused and c.is_retired]
        if [slug for slug in refused if slug not in {c.slug for c in kept}]:
            raise DomainError(_("Choose competences from the list."), "competences")
        new = sorted({c.id: c for c in [*chosen, *kept]}.values(), key=lambda c: c.position)
        if [c.id for c in new] != [c.id for c in user.competences]:
            changed["competences"] = ", ".join(c.slug for c in new) or "-"
            user.competences = new
    if changed:
        audit.record("user.settings_changed", user, user, **changed)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    """Save the language a user chose with the language switch."""
    if user.locale != locale:
        user.locale = locale
        audit.record("user.settings_changed", user, user, locale=locale)
        db.session.commit()


def unsubscribe(user: User) -> bool:
    """Switch a user's e-mails about matching needs off; False if they already were."""
    if user.notify == NotifyMode.OFF:
        return False
    user.notify = NotifyMode.OFF
    audit.record("user.unsubscribed", user, None)
    db.session.commit()
    return True
