"""Form pieces shared by several features: e-mail, new password, competences, websites, amounts,
reasons for decisions."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app, flash, g, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    DecimalField,
    Field,
    Form,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from board.errors import DomainError, Invalid
from board.models import CURRENCIES
from board.page_cache import SHARED_RENDER
from board.web import carry_out


class EmailAddress:
    """A syntactically valid e-mail address (no DNS lookups)."""

    def __call__(self, form: Form, field: Field) -> None:
        if not field.data:
            return
        try:
            validate_email(field.data, check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValidationError(_l("Enter a valid e-mail address, like name@firm.com.")) from exc


class PasswordStrength:
    """Long enough to resist guessing, short enough not to be a denial of service."""

    def __call__(self, form: Form, field: Field) -> None:
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(field.data or "") < minimum:
            raise ValidationError(_l("Use at least %(n)d characters.", n=minimum))
        if len(field.data) > 200:
            raise ValidationError(_l("Use at most 200 characters."))


class Finite:
    """A real number: a decimal field would otherwise accept NaN and Infinity."""

    def __call__(self, form: Form, field: Field) -> None:
        if field.data is not None and not field.data.is_finite():
            raise StopValidation(_l("Enter a number."))


class DateEntered:
    """A required date; keeps the field's own message when what was typed is not a date."""

    def __init__(self, message: Any) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form: Form, field: Field) -> None:
        if field.data is not None:
            return
        typed = field.raw_data and str(field.raw_data[0]).strip()
        raise StopValidation(None if typed else self.message)


class DayField(DateField):
    """A date written as YYYY-MM-DD (what a browser's date input sends)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter a date like 2026-12-31.")) from exc


def web_address(value: str) -> str | None:
    """The http(s) address `value` names, with https:// before a bare domain; else None."""
    value = value.strip()
    if "://" not in value:
        value = "https://" + value
    scheme, _, rest = value.partition("://")
    host = rest.split("/", 1)[0]
    visible = all(char.isprintable() and not char.isspace() for char in value)
    if scheme.lower() not in ("http", "https") or "." not in host or not visible:
        return None
    return value


class WebAddress:
    """An http(s) address; a bare domain gets https:// in front of it."""

    def __call__(self, form: Form, field: Field) -> None:
        value = (field.data or "").strip()
        if not value:
            return
        address = web_address(value)
        if address is None:
            raise ValidationError(_l("Enter a web address like https://firm.com."))
        field.data = address


# A phone number as people write it: digits, spaces and + - ( ) / . only.
PHONE = re.compile(r"[0-9 +\-()/.]*[0-9][0-9 +\-()/.]*")


class PhoneNumber:
    """A phone number as people write it, with at least one digit."""

    def __call__(self, form: Form, field: Field) -> None:
        if field.data and not PHONE.fullmatch(field.data):
            raise ValidationError(
                _l("Write a phone number with digits, spaces and + - ( ) / . only.")
            )


def phone_text(value: object) -> object:
    """A phone number with its spaces tidied: none at the ends, one between groups."""
    return " ".join(value.split()) if isinstance(value, str) else value


def phone_field(label: Any) -> StringField:
    """An optional phone number, at most 40 characters."""
    return StringField(
        label,
        validators=[
            Optional(),
            Length(max=40, message=_l("Use at most %(max)d characters.")),
            PhoneNumber(),
        ],
        filters=[phone_text],
        render_kw={"autocomplete": "tel", "type": "tel", "inputmode": "tel"},
    )


def invitation_language_field() -> SelectField:
    """The language an invitation is written in (`locale`, part of the board's interface);
    the invited person's account starts in it. Choices: `board.i18n.locale_choices`."""
    return SelectField(
        _l("Language of the invitation"),
        description=_l(
            "The e-mail is written in it; the board speaks it until they choose another."
        ),
        validate_choice=True,
    )


def email_field(label: Any = None) -> StringField:
    return StringField(
        label or _l("E-mail"),
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Length(max=254),
            EmailAddress(),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "email", "type": "email"},
    )


def new_password_field() -> PasswordField:
    return PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a password.")), PasswordStrength()],
        render_kw={"autocomplete": "new-password"},
    )


def confirm_field() -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def website_field() -> StringField:
    return StringField(
        _l("Website"),
        validators=[Optional(), Length(max=300), WebAddress()],
        render_kw={"placeholder": "https://", "inputmode": "url"},
    )


MAX_AMOUNT = 1_000_000_000


def strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def currency_choices() -> list[SelectChoice]:
    return [SelectChoice(code, code) for code in CURRENCIES]


def amount_field(label: object, required: bool = False) -> DecimalField:
    first = InputRequired(_l("Enter an amount.")) if required else Optional()
    return DecimalField(
        label,
        places=2,
        validators=[
            first,
            Finite(),
            NumberRange(
                min=0, max=MAX_AMOUNT, message=_l("Enter an amount from 0 to one billion.")
            ),
        ],
        render_kw={"inputmode": "decimal"},
    )


class CompetencesField(SelectMultipleField):
    """Competence slugs, as checkboxes grouped by area; the view fills the choices."""

    def __init__(self, label: Any = None, validators: list[Any] | None = None, **kw: Any):
        super().__init__(
            label or _l("Competences"),
            validators,
            invalid_choice_message=_l("Unknown competence: %(value)s."),
            **kw,
        )


def attach_error(form: Form, error: DomainError) -> None:
    """Show a service's refusal next to its field, or at the top if it names no field; each
    of several refusals (`Invalid`) in its place. A field the form refused already keeps its
    own message, which says what to fix first."""
    for one in error.errors if isinstance(error, Invalid) else [error]:
        field = getattr(form, one.field, None) if one.field else None
        if not isinstance(field, Field):
            flash(one.message, "error")
        elif not field.errors:
            field.errors = [one.message]


def reason_field(required: bool = True) -> TextAreaField:
    """The reason staff or a requester give for a decision, shown to the firm concerned."""
    validators: list[Any] = [Length(max=2000, message=_l("Use at most %(max)d characters."))]
    if required:
        validators.insert(0, DataRequired(_l("Say why: the firm will read it.")))
    else:
        validators.insert(0, Optional())
    return TextAreaField(_l("Reason"), validators=validators, render_kw={"rows": 3})


class ReasonForm(FlaskForm):
    reason = reason_field(required=True)


class OptionalReasonForm(FlaskForm):
    reason = reason_field(required=False)


def with_reason(
    back: str,
    change: Callable[[str], object],
    success: str,
    done: str,
    required: bool = True,
) -> Response:
    """A decision that comes with a reason for the firm concerned (`reason`, required unless
    said otherwise): refused with the form's message when the reason is missing or too long."""
    form = ReasonForm() if required else OptionalReasonForm()
    if (refusal := refused(form, back)) is not None:
        return refusal
    return carry_out(lambda: change(form.reason.data or ""), success, done, back)


def refused(form: FlaskForm, back: str) -> Response | None:
    """For a small form posted from a page (a button with a reason or a choice): when it does
    not validate, say why (its first error, or that the page was too old) and go back there;
    None when it is valid."""
    if form.validate_on_submit():
        return None
    errors = [error for field in form if field.name != "csrf_token" for error in field.errors]
    flash(errors[0] if errors else _("The form expired."), "error")
    return redirect(back)


# What a shared part of a page (board/page_cache.py) holds where a form's CSRF token goes:
# letters and digits only, so escaping leaves it as it is.
CSRF_PLACEHOLDER = f"csrf{uuid.uuid4().hex}token"


def csrf_token() -> str:
    """The templates' `csrf_token()`: this session's token, or the placeholder while a part
    that several users share is rendered."""
    return CSRF_PLACEHOLDER if g.get(SHARED_RENDER) else generate_csrf()


def with_csrf_tokens(html: Markup) -> Markup:
    """A shared part of a page with this session's CSRF token in each of its forms."""
    if CSRF_PLACEHOLDER not in html:
        return html
    # Markup.replace escapes the token, which is URL-safe base64 and dots: it stays as it is.
    return html.replace(CSRF_PLACEHOLDER, generate_csrf())


def init_app(app: Flask) -> None:
    """Give templates the CSRF token that knows about shared parts (after CSRFProtect's)."""
    # Both places CSRFProtect puts its own: the globals (macros imported without context)
    # and a context processor (every template rendered with context).
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
