"""Forms for a firm's profile and for inviting colleagues."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from board.forms import (
    CompetencesField,
    email_field,
    invitation_language_field,
    phone_field,
    website_field,
)
from board.models import firm_name


class MemberProfileForm(FlaskForm):
    description = TextAreaField(
        _l("What your firm does"),
        validators=[Length(max=5000, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 6},
    )
    website = website_field()
    phone = phone_field(_l("Contact phone (optional)"))
    competences = CompetencesField()


class InviteForm(FlaskForm):
    email = email_field(_l("Your colleague's e-mail address"))
    locale = invitation_language_field()


class ApplicationForm(FlaskForm):
    """A firm applying to join; the field names are part of the board's interface."""

    member_name = StringField(
        _l("Firm name"),
        validators=[DataRequired(_l("Enter the firm's name.")), Length(min=2, max=200)],
        filters=[lambda value: firm_name(value) if isinstance(value, str) else value],
    )
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(min=2, max=120)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "name"},
    )
    email = email_field(_l("Your e-mail address"))
    competences = CompetencesField(_l("Your firm's competences"))
    message = TextAreaField(
        _l("Message to the cluster staff"),
        validators=[Length(max=5000, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 5},
    )
