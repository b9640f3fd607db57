"""Forms for cluster staff."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from board.forms import (
    CompetencesField,
    DayField,
    email_field,
    invitation_language_field,
    website_field,
)
from board.i18n import known_countries
from board.models import firm_name


def country_choices() -> list[SelectChoice]:
    """ISO 3166 countries named in the current language, blank first."""
    locale = get_locale() or Locale("en")
    names = {code: locale.territories.get(code, code) for code in known_countries()}
    ordered = sorted(names.items(), key=lambda item: item[1])
    return [SelectChoice("", "—"), *(SelectChoice(code, name) for code, name in ordered)]


class NewMemberForm(FlaskForm):
    member_name = StringField(
        _l("Firm name"),
        validators=[DataRequired(_l("Enter the firm's name.")), Length(min=2, max=200)],
        filters=[lambda value: firm_name(value) if isinstance(value, str) else value],
    )
    country = SelectField(_l("Country"), default="")
    website = website_field()
    email = email_field(_l("E-mail of the firm's first user"))
    locale = invitation_language_field()
    competences = CompetencesField()


class NewStaffForm(FlaskForm):
    email = email_field(_l("E-mail of the new staff member"))
    locale = invitation_language_field()
    name = StringField(
        _l("Name"),
        validators=[Optional(), Length(max=120)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


class ResolveForm(FlaskForm):
    resolution = TextAreaField(
        _l("What was done"),
        validators=[DataRequired(_l("Say what was done.")), Length(max=2000)],
        render_kw={"rows": 2},
    )


class AuditFilterForm(FlaskForm):
    """The audit log's query string: read from GET, never changes anything."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who (e-mail)"), validators=[Optional(), Length(max=254)])
    action = StringField(
        _l("What (e.g. need.approved, or need.)"), validators=[Optional(), Length(max=60)]
    )
    target = StringField(_l("Target (e.g. need:12)"), validators=[Optional(), Length(max=60)])
    since = DayField(_l("From"), validators=[Optional()])
    until = DayField(_l("Until"), validators=[Optional()])
