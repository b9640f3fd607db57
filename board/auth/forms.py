"""Forms for signing in, invitations and password resets."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from board.forms import confirm_field, email_field, new_password_field


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = new_password_field()
    confirm = confirm_field()


class InvitationForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(min=2, max=120)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "name"},
    )
    password = new_password_field()
    confirm = confirm_field()
