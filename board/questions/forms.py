"""The forms of questions, answers and clarifications."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from board.questions.services import ANSWER_LENGTH, CLARIFICATION_LENGTH, QUESTION_LENGTH


def written(value: object) -> object:
    """What was typed, without surrounding blanks and with a browser's CRLF line ends as LF
    (so a text the browser let through at the length limit still fits it)."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def text_field(label: Any, missing: Any, longest: int, rows: int) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(missing),
            Length(max=longest, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[written],
        render_kw={"rows": rows, "maxlength": longest},
    )


class QuestionForm(FlaskForm):
    question = text_field(_l("Your question"), _l("Write your question."), QUESTION_LENGTH, 4)


class AnswerForm(FlaskForm):
    answer = text_field(_l("Your answer"), _l("Write your answer."), ANSWER_LENGTH, 4)


class ClarificationForm(FlaskForm):
    text = text_field(_l("Clarification"), _l("Write the clarification."), CLARIFICATION_LENGTH, 5)
