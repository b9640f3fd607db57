"""Forms for keeping the competence taxonomy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class CompetenceForm(FlaskForm):
    name = StringField(
        _l("Competence"),
        validators=[DataRequired(_l("Name the competence.")), Length(min=2, max=100)],
    )
    area = StringField(
        _l("Area"), validators=[DataRequired(_l("Name its area.")), Length(min=2, max=80)]
    )


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"))
