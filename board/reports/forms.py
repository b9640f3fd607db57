"""The form to report a need or an offer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length

from board.i18n import enum_choices
from board.models import ReportReason


def reason_choices() -> list[SelectChoice]:
    return enum_choices(ReportReason)


class ReportForm(FlaskForm):
    reason = SelectField(_l("What is wrong"), choices=reason_choices)
    comment = TextAreaField(
        _l("Details for the cluster staff (optional)"),
        validators=[Length(max=1000, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 2},
    )
