"""Forms for a user's own settings and password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from board.forms import CompetencesField, confirm_field, new_password_field, phone_field
from board.models import NotifyMode, TokenScope


class AccountForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(min=2, max=120)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "name"},
    )
    phone = phone_field(_l("Your phone (optional)"))
    locale = SelectField(_l("Language"))
    notify = RadioField(
        _l("E-mails about needs that match your firm"),
        choices=[
            SelectChoice(NotifyMode.INSTANT, _l("One e-mail per matching need, when it opens")),
            SelectChoice(NotifyMode.DAILY, _l("One daily digest")),
            SelectChoice(NotifyMode.OFF, _l("None")),
        ],
    )
    competences = CompetencesField(_l("Only needs asking for these competences"))


class StaffAccountForm(AccountForm):
    notify_reviews = BooleanField(
        _l("E-mail me when a need or a membership application waits for review")
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field()
    confirm = confirm_field()


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Name the token after the tool that will use it.")),
            Length(max=100),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    scope = RadioField(
        _l("What the token may do"),
        default=TokenScope.READ.value,
        choices=[
            SelectChoice(
                TokenScope.READ.value, _l("Read: needs, the firm's offers, competences, members")
            ),
            SelectChoice(
                TokenScope.WRITE.value,
                _l("Read and write: also send, change and withdraw the firm's offers"),
            ),
        ],
    )
