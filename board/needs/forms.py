"""Forms for posting needs and filtering the board."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from board.forms import CompetencesField, DateEntered, DayField, amount_field, strip
from board.i18n import enum_choices, language_name
from board.models import NeedStatus, WorkMode

# Languages a project is commonly run in across the cluster's countries.
WORK_LANGUAGES = ("en", "pl", "de", "ro", "fr", "it", "es", "cs", "sk", "hu", "uk", "bg")


def language_choices() -> list[SelectChoice]:
    """Languages of work, named in the reader's language."""
    return [SelectChoice(code, language_name(code)) for code in WORK_LANGUAGES]


class NeedForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give the need a title.")),
            Length(min=5, max=200, message=_l("Use 5 to 200 characters.")),
        ],
        filters=[strip],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[
            DataRequired(_l("Describe what you need.")),
            Length(max=20000, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"rows": 12},
    )
    competences = CompetencesField(_l("Competences needed"))
    offer_deadline = DayField(
        _l("Offers until"), validators=[DateEntered(_l("Choose the last day for offers."))]
    )
    question_deadline = DayField(_l("Questions until"), validators=[Optional()])
    budget_min = amount_field(_l("Budget from"))
    budget_max = amount_field(_l("Budget up to"))
    currency = SelectField(_l("Currency"), default="EUR")
    expected_start = DayField(_l("Expected start"), validators=[Optional()])
    duration = StringField(
        _l("Expected duration"), validators=[Optional(), Length(max=100)], filters=[strip]
    )
    work_mode = RadioField(
        _l("Where the work is done"),
        default=WorkMode.REMOTE.value,
        choices=lambda: enum_choices(WorkMode),
    )
    location = StringField(
        _l("Location"), validators=[Optional(), Length(max=200)], filters=[strip]
    )
    work_language = SelectField(_l("Language of work"), default="en")


class DeadlineForm(FlaskForm):
    """A new last day for offers: a need's extended deadline, or a need posted again."""

    offer_deadline = DayField(
        _l("Offers until"), validators=[DateEntered(_l("Choose the last day for offers."))]
    )


class BoardFilterForm(FlaskForm):
    """The board's query string: read from GET, never changes anything."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)], filters=[strip])
    competence = SelectMultipleField(_l("Competences"))
    status = SelectField(_l("Status"), default=NeedStatus.OPEN.value)
    match = BooleanField(_l("Only needs that match my firm's competences"))
    sort = SelectField(
        _l("Order"),
        default="newest",
        choices=[
            SelectChoice("newest", _l("Newest first")),
            SelectChoice("deadline", _l("Deadline soonest")),
            SelectChoice("relevance", _l("Best match to the search")),
        ],
    )
