"""The form a matched firm's user says a need is not for the firm with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.validators import Optional

from board.i18n import enum_choices
from board.models import NotForUsReason


class NotForUsForm(FlaskForm):
    reason = RadioField(
        _l("Why not? (optional)"),
        choices=lambda: enum_choices(NotForUsReason),
        validators=[Optional()],
        invalid_choice_message=_l("Choose one of the reasons below, or none."),
    )
    # The signed link's token, when the page was reached from an e-mail.
    token = HiddenField()
