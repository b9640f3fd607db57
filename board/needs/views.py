"""The board of needs, a need's page, posting, editing, submitting and cancelling needs."""

from __future__ import annotations

from dataclasses import fields, replace
from functools import partial

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response

from board.attachments import services as attachments
from board.competences import services as competences
from board.errors import DomainError
from board.forms import attach_error, currency_choices, with_csrf_tokens
from board.i18n import enum_choices
from board.matches import services as matches
from board.models import Need, NeedStatus, User
from board.needs import bp, reach, services
from board.needs.forms import BoardFilterForm, DeadlineForm, NeedForm, language_choices
from board.offers import services as offers
from board.offers.contacts import award_contacts
from board.page_cache import arguments_key, page_cache, rendered_html
from board.permissions import (
    acting_user,
    can_cancel_need,
    can_copy_need,
    can_edit_need,
    can_extend_deadline,
    can_repost_need,
    can_submit_need,
    get_or_404,
    login_required,
    member_required,
)
from board.questions import services as questions
from board.web import carry_out, page_number


@bp.get("/needs")
@login_required
def board() -> str:
    user = acting_user()
    # The list is the same for every user of a firm asking for the same arguments.
    key = (
        "needs.board",
        str(get_locale()),
        request.script_root,
        user.is_staff,
        user.member_id,
        arguments_key(list(request.args.items(multi=True))),
    )
    cache = page_cache()
    content = cache.fetch(cache.generation(), key, lambda: board_list(user))
    return render_template("needs/board.html", content=with_csrf_tokens(content))


def board_list(user: User) -> str:
    """The board's filters, count, rows and pages, rendered."""
    form = BoardFilterForm(request.args)
    form.competence.choices = competences.choices()
    form.status.choices = enum_choices(NeedStatus)
    refused = not form.validate()
    # A filter that does not make sense is dropped (and said so); the others still apply.
    query = services.BoardQuery(
        q="" if form.q.errors else (form.q.data or ""),
        competences=[] if form.competence.errors else (form.competence.data or []),
        status=NeedStatus.OPEN if form.status.errors else NeedStatus(form.status.data),
        matching=bool(form.match.data),
        sort="newest" if form.sort.errors else form.sort.data,
    )
    page = services.board_page(
        user, query, page=page_number(), per_page=current_app.config["NEEDS_PER_PAGE"]
    )
    own = {c.id for c in user.member.competences} if user.member else set()
    return render_template(
        "needs/_board_list.html", form=form, page=page, query=query, own=own, refused=refused
    )


@bp.get("/needs/mine")
@member_required
def mine() -> str:
    user = acting_user()
    return render_template(
        "needs/mine.html",
        needs=services.member_needs(user),
        waiting=questions.waiting_questions(user),
        matched=reach.firms_matched(user),
    )


def need_form(**data: object) -> NeedForm:
    form = NeedForm(data=data or None)
    form.competences.choices = competences.choices(keep=data.get("competences") or ())  # type: ignore[arg-type]
    form.currency.choices = currency_choices()
    form.work_language.choices = language_choices()
    return form


def need_data(form: NeedForm) -> services.NeedData:
    return services.NeedData(
        title=form.title.data,
        description=form.description.data,
        competences=form.competences.data or [],
        offer_deadline=form.offer_deadline.data,
        question_deadline=form.question_deadline.data,
        currency=form.currency.data,
        budget_min=form.budget_min.data,
        budget_max=form.budget_max.data,
        expected_start=form.expected_start.data,
        duration=form.duration.data or "",
        work_mode=form.work_mode.data,
        location=form.location.data or "",
        work_language=form.work_language.data,
    )


def saved(form: NeedForm) -> services.NeedData | None:
    """The need's data when the form was sent and every rule holds; otherwise None, with
    each of the form's and the rules' refusals beside its field, all in one round."""
    if not form.is_submitted():
        return None
    valid = form.validate()
    # What the form refused is left out of the rules: its own message says what to fix.
    refused = {f.name for f in fields(services.NeedData) if form[f.name].errors}
    data = replace(need_data(form), **dict.fromkeys(refused))
    errors, _competences = services.rule_errors(data)
    for error in errors:
        attach_error(form, error)
    return data if valid and not errors else None


@bp.route("/needs/new", methods=["GET", "POST"])
@member_required
def new() -> str | Response:
    user = acting_user()
    form = need_form(work_language=user.locale)
    if (data := saved(form)) is not None:
        try:
            need = services.create_need(user.member, user, data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _("Your need is saved as a draft. Submit it for review when it is ready."),
                "success",
            )
            return redirect(url_for("needs.detail", need_id=need.id))
    return need_form_page(form, None)


@bp.route("/needs/<id:need_id>/edit", methods=["GET", "POST"])
@member_required
def edit(need_id: int) -> str | Response:
    need = get_or_404(Need, need_id, acting_user())
    if not can_edit_need(acting_user(), need):
        abort(403)
    form = need_form(
        title=need.title,
        description=need.description,
        competences=[c.slug for c in need.competences],
        offer_deadline=need.offer_deadline,
        question_deadline=need.question_deadline,
        currency=need.currency,
        budget_min=need.budget_min,
        budget_max=need.budget_max,
        expected_start=need.expected_start,
        duration=need.duration,
        work_mode=need.work_mode.value,
        location=need.location,
        work_language=need.work_language,
    )
    if (data := saved(form)) is not None:
        try:
            services.update_need(need, acting_user(), data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            if need.status == NeedStatus.PENDING:
                flash(_("Your changes are saved. The need still waits for review."), "success")
            else:
                flash(_("Your changes are saved."), "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    return need_form_page(form, need)


def need_form_page(form: NeedForm, need: Need | None) -> str:
    """The need form, with whom the competences it shows ticked would reach: counted here, so
    the form says it without JavaScript too."""
    picked = reach.picked_reach(form.competences.data or [], acting_user().member_id)
    return render_template("needs/form.html", form=form, need=need, picked=picked)


@bp.post("/needs/<id:need_id>/copy")
@member_required
def copy(need_id: int) -> Response:
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    if not can_copy_need(user, need):
        abort(403)
    try:
        draft = services.copy_need(need, user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    flash(
        _(
            "This new draft asks for what the need asked. "
            "Check it, its dates above all, and save it."
        ),
        "success",
    )
    return redirect(url_for("needs.edit", need_id=draft.id))


@bp.post("/needs/<id:need_id>/repost")
@member_required
def repost(need_id: int) -> str | Response:
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    if not can_repost_need(user, need):
        abort(403)
    form = DeadlineForm()
    if form.validate_on_submit():
        try:
            posted = services.repost_need(need, user, form.offer_deadline.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _("The need is posted again and waits for review by the cluster staff."),
                "success",
            )
            return redirect(url_for("needs.detail", need_id=posted.id))
    return render_template("needs/deadline.html", form=form, need=need)


@bp.post("/needs/<id:need_id>/deadline")
@member_required
def deadline(need_id: int) -> str | Response:
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    if not can_extend_deadline(user, need):
        abort(403)
    form = DeadlineForm()
    if form.validate_on_submit():
        try:
            services.extend_deadline(need, user, form.offer_deadline.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(
                _("Offers are taken for longer. Firms that offered or asked are told."), "success"
            )
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/deadline.html", form=form, need=need)


@bp.get("/needs/<id:need_id>")
@login_required
def detail(need_id: int) -> str:
    user = acting_user()
    # The page is the same for every user of a firm, and for every staff member.
    key = (
        "needs.detail",
        need_id,
        str(get_locale()),
        request.script_root,
        user.is_staff,
        user.member_id,
    )
    cache = page_cache()
    title, content, awarded = cache.fetch_parts(
        cache.generation(), key, lambda: need_page(need_id, user)
    )
    # People's names, addresses and phones are not part of what the cached page depends on:
    # the award's contacts are read afresh, for an awarded need only.
    contacts = award_contacts(need_id, user) if awarded else None
    content = with_reach(with_csrf_tokens(content), need_id, user)
    return render_template("needs/detail.html", title=title, content=content, contacts=contacts)


bp.add_app_template_global(reach.slot, "reach_slot")

# What fills each place the shared part of a need's page leaves for its reach.
REACH_PARTS = {
    "forecast": (reach.pending_forecast, "needs/_forecast.html"),
    "reach": (reach.need_reach, "needs/_reach.html"),
}


def reach_part(kind: str, need_id: int, user: User) -> str:
    """The reach figures of `kind` for `user`, rendered; nothing for a viewer without them."""
    count, template = REACH_PARTS[kind]
    figures = count(need_id, user)
    return "" if figures is None else render_template(template, **{kind: figures}, viewer=user)


def with_reach(content: Markup, need_id: int, user: User) -> Markup:
    """A need's page with its reach, read afresh, where its shared part left room for it: who
    was told changes without the page's data changing."""
    for kind, marker in reach.SLOTS.items():
        if marker in content:
            part = rendered_html(partial(reach_part, kind, need_id, user))
            content = content.replace(marker, part)
    return content


def need_page(need_id: int, user: User) -> tuple[str, Markup, bool]:
    """A need's title, its page below the layout as `user`'s firm sees it, and whether it
    was awarded."""
    need = get_or_404(Need, need_id, user)
    readable = offers.offers_on(need, user)
    own = [offer for offer in readable if offer.member_id == user.member_id]
    own_offer = own[0] if own else None
    discussion = questions.discussion(need, user)
    page_files = attachments.files_on_need_page(need, readable, user)
    not_for_us = matches.on_need_page(need, user)
    html = rendered_html(
        lambda: render_template(
            "needs/_detail.html",
            need=need,
            user=user,
            own_offer=own_offer,
            offers=readable,
            discussion=discussion,
            page_files=page_files,
            not_for_us=not_for_us,
        )
    )
    return need.title, html, need.status == NeedStatus.CLOSED


@bp.post("/needs/<id:need_id>/submit")
@member_required
def submit(need_id: int) -> Response:
    need = get_or_404(Need, need_id, acting_user())
    if not can_submit_need(acting_user(), need):
        abort(403)
    return carry_out(
        lambda: services.submit_need(need, acting_user()),
        _("Your need is with the cluster staff for review."),
        url_for("needs.detail", need_id=need.id),
    )


@bp.post("/needs/<id:need_id>/cancel")
@member_required
def cancel(need_id: int) -> Response:
    need = get_or_404(Need, need_id, acting_user())
    if not can_cancel_need(acting_user(), need):
        abort(403)
    return carry_out(
        lambda: services.cancel_need(need, acting_user()),
        _("The need is cancelled."),
        url_for("needs.detail", need_id=need.id),
    )


@bp.get("/needs/reach")
@member_required
def competence_reach() -> dict[str, object]:
    """How many other firms the competences picked on the need form reach now, as JSON: the
    form asks as one picks (the form's page says it too, for the competences it shows ticked)."""
    picked = reach.picked_reach(request.args.getlist("competences"), acting_user().member_id)
    return picked.as_json()
