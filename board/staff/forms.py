"""Forms for cluster staff."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from board.forms import CompetencesField, email_field, website_field


def country_choices() -> list[SelectChoice]:
    """ISO 3166 countries named in the current language, blank first."""
    locale = get_locale() or Locale("en")
    names = {
        code: name
        for code, name in locale.territories.items()
        if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ", "QO")
    }
    ordered = sorted(names.items(), key=lambda item: item[1])
    return [SelectChoice("", "—"), *(SelectChoice(code, name) for code, name in ordered)]


class NewMemberForm(FlaskForm):
    member_name = StringField(
        _l("Firm name"),
        validators=[DataRequired(_l("Enter the firm's name.")), Length(min=2, max=200)],
        filters=[lambda value: " ".join(value.split()) if isinstance(value, str) else value],
    )
    country = SelectField(_l("Country"), default="")
    website = website_field()
    email = email_field(_l("E-mail of the firm's first user"))
    competences = CompetencesField()
