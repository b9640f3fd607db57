"""The statistics page's query string: the period and the filters, read from GET."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from board.forms import DayField
from board.statistics.services import (
    MONTHS_AT_MOST,
    Filters,
    Period,
    add_months,
    default_period,
)

# The days a period may start and end on: wide enough for any cluster's history, and far
# from the ends of the calendar, where the instant after the last day could not be named.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


class StatisticsForm(FlaskForm):
    """The period (`from`, `to`) and the filters (`country`, `area`): never changes anything."""

    class Meta:
        csrf = False

    start = DayField(_l("From"), name="from", validators=[Optional()])
    end = DayField(_l("To"), name="to", validators=[Optional()])
    # Choices are filled in the view; a value not among them is answered by `read_query`.
    country = SelectField(_l("Country of the requester firm"), default="", validate_choice=False)
    area = SelectField(_l("Competence area"), default="", validate_choice=False)


@dataclass
class Query:
    """What the page shows, and what in the query string it had to leave out, and why."""

    period: Period
    filters: Filters
    problems: list[str] = field(default_factory=list)
    # Whether the period is the default one because no dates were given (or none made sense).
    default: bool = False


def read_query(form: StatisticsForm, today: date) -> Query:
    """The period and filters the query string asks for; what makes no sense is left out with a
    message, and the period falls back to the default one."""
    form.validate()
    problems: list[str] = []
    period = None
    if form.start.errors or form.end.errors:
        problems.append(_("The dates were not understood, so the default period is shown."))
    elif form.start.data or form.end.data:
        last = form.end.data or today
        first = form.start.data or add_months(last, -12)
        candidate = Period(first, last)
        if not (FIRST_DAY <= first <= LAST_DAY and FIRST_DAY <= last <= LAST_DAY):
            problems.append(
                _(
                    "Dates from %(first)s to %(last)s can be shown, so the default period is "
                    "shown.",
                    first=FIRST_DAY.isoformat(),
                    last=LAST_DAY.isoformat(),
                )
            )
        elif first > last:
            problems.append(_("The period ends before it begins, so the default period is shown."))
        elif candidate.month_count > MONTHS_AT_MOST:
            problems.append(
                _(
                    "A period of at most %(months)d months can be shown, so the default period "
                    "is shown.",
                    months=MONTHS_AT_MOST,
                )
            )
        else:
            period = candidate
    countries = {choice.value for choice in form.country.iter_choices()}
    areas = {choice.value for choice in form.area.iter_choices()}
    country, area = form.country.data or "", form.area.data or ""
    if country not in countries:
        problems.append(_("No member firm is in the country asked for: all countries are shown."))
        country = ""
    if area not in areas:
        problems.append(_("There is no such competence area: all areas are shown."))
        area = ""
    chosen = period or default_period(today)
    if not problems:
        form.start.data, form.end.data = chosen.first, chosen.last
    return Query(chosen, Filters(country, area), problems, default=period is None)
