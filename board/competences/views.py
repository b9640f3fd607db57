"""Staff keep the competence taxonomy: add, rename, retire, restore and merge."""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from board.competences import bp
from board.competences import services as competences
from board.competences.forms import CompetenceForm, MergeForm
from board.errors import DomainError
from board.forms import attach_error, refused
from board.i18n import competence_name
from board.models import Competence
from board.permissions import acting_user, get_or_404, staff_required
from board.web import carry_out


def merge_form() -> MergeForm:
    form = MergeForm()
    form.into.choices = [
        SelectChoice(str(c.id), f"{competence_name(c.area)} · {competence_name(c.name)}")
        for c in competences.all_competences()
    ]
    return form


@bp.route("", methods=["GET", "POST"])
@staff_required
def taxonomy() -> str | Response:
    """The taxonomy, grouped by area, with the form to add a competence."""
    form = CompetenceForm()
    if form.validate_on_submit():
        try:
            added = competences.add_competence(form.name.data, form.area.data, acting_user())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("%(name)s is added.", name=competence_name(added.name)), "success")
            return redirect(url_for("competences.taxonomy", _anchor=f"competence-{added.id}"))
    return render_template(
        "competences/taxonomy.html",
        form=form,
        merge=merge_form(),
        areas=[
            (area, list(items))
            for area, items in groupby(
                competences.all_competences(include_retired=True), key=attrgetter("area")
            )
        ],
        usage=competences.usage(),
    )


@bp.post("/<id:competence_id>/rename")
@staff_required
def rename_competence(competence_id: int) -> Response:
    competence = get_or_404(Competence, competence_id)
    form = CompetenceForm()
    if (refusal := refused(form, taxonomy_page(competence))) is not None:
        return refusal
    return carry_out(
        lambda: competences.rename_competence(
            competence, form.name.data, form.area.data, acting_user()
        ),
        _("The competence is renamed; firms and needs keep it."),
        taxonomy_page(competence),
    )


@bp.post("/<id:competence_id>/retire")
@staff_required
def retire_competence(competence_id: int) -> Response:
    competence = get_or_404(Competence, competence_id)
    return carry_out(
        lambda: competences.retire_competence(competence, acting_user()),
        _(
            "%(name)s is retired: new forms no longer offer it.",
            name=competence_name(competence.name),
        ),
        taxonomy_page(competence),
    )


@bp.post("/<id:competence_id>/restore")
@staff_required
def restore_competence(competence_id: int) -> Response:
    competence = get_or_404(Competence, competence_id)
    return carry_out(
        lambda: competences.restore_competence(competence, acting_user()),
        _("%(name)s is offered in forms again.", name=competence_name(competence.name)),
        taxonomy_page(competence),
    )


@bp.post("/<id:competence_id>/merge")
@staff_required
def merge_competence(competence_id: int) -> Response:
    competence = get_or_404(Competence, competence_id)
    form = merge_form()
    if (refusal := refused(form, taxonomy_page(competence))) is not None:
        return refusal
    survivor = get_or_404(Competence, int(form.into.data))
    return carry_out(
        lambda: competences.merge_competences(competence, survivor, acting_user()),
        _(
            "%(old)s is merged into %(new)s.",
            old=competence_name(competence.name),
            new=competence_name(survivor.name),
        ),
        taxonomy_page(competence),
    )


def taxonomy_page(competence: Competence) -> str:
    """The taxonomy page, at this competence."""
    return url_for("competences.taxonomy", _anchor=f"competence-{competence.id}")
