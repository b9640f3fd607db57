"""The offer form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from board.forms import DateEntered, DayField, amount_field, strip
from board.i18n import enum_choices
from board.models import PriceBasis


class OfferForm(FlaskForm):
    message = TextAreaField(
        _l("Your offer"),
        validators=[
            DataRequired(_l("Write what your firm offers.")),
            Length(max=10000, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"rows": 10},
    )
    price = amount_field(_l("Price"), required=True)
    price_basis = RadioField(
        _l("The price is"),
        default=PriceBasis.FIXED.value,
        choices=lambda: enum_choices(PriceBasis),
    )
    currency = SelectField(_l("Currency"), default="EUR")
    available_from = DayField(
        _l("Available from"), validators=[DateEntered(_l("Say from when your team is free."))]
    )
    reference = StringField(
        _l("Your own reference"),
        validators=[Optional(), Length(max=100)],
        filters=[strip],
    )
