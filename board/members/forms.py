"""Forms for a firm's profile and for inviting colleagues."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from board.forms import CompetencesField, email_field, website_field


class MemberProfileForm(FlaskForm):
    description = TextAreaField(
        _l("What your firm does"),
        validators=[Length(max=5000, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 6},
    )
    website = website_field()
    competences = CompetencesField()


class InviteForm(FlaskForm):
    email = email_field(_l("Your colleague's e-mail address"))
