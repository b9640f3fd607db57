"""Forms that confirm an erasure: nothing is erased by one stray click."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class EraseAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )


class ConfirmErasureForm(FlaskForm):
    """Staff type the name of what goes (a person's address, a firm's name)."""

    confirm = StringField(
        _l("Type it here to confirm"),
        validators=[DataRequired(_l("Type it to confirm.")), Length(max=300)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
