"""The audit log: who changed what, when and why."""

from __future__ import annotations

from flask import current_app, render_template, request

from board import audit
from board.pagination import paginate
from board.permissions import staff_required
from board.staff import bp
from board.staff.forms import AuditFilterForm
from board.web import page_number


@bp.get("/audit")
@staff_required
def audit_log() -> str:
    form = AuditFilterForm(request.args)
    refused = not form.validate()
    query = audit.AuditQuery(
        actor="" if form.actor.errors else form.actor.data or "",
        action="" if form.action.errors else form.action.data or "",
        target="" if form.target.errors else form.target.data or "",
        since=None if form.since.errors else form.since.data,
        until=None if form.until.errors else form.until.data,
    )
    page = paginate(audit.search(query), page_number(), current_app.config["AUDIT_PER_PAGE"])
    return render_template("staff/audit.html", form=form, page=page, refused=refused)
