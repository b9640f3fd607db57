"""The language switch every page carries."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField


class LanguageForm(FlaskForm):
    """`locale` is part of the board's interface (`POST /language`); `next` is the page the
    switch was on, to return to it."""

    locale = SelectField(_l("Language"))
    next = HiddenField()
