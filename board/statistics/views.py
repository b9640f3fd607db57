"""The statistics page, and each of its tables as a CSV file."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from board.clock import cluster_today
from board.i18n import competence_name, country_name
from board.permissions import staff_required
from board.statistics import bp, services, tables
from board.statistics.forms import Query, StatisticsForm, read_query


def filter_choices(form: StatisticsForm) -> None:
    form.country.choices = [
        SelectChoice("", _("All countries")),
        *sorted(
            (SelectChoice(code, country_name(code)) for code in services.countries()),
            key=lambda choice: choice.label,
        ),
    ]
    form.area.choices = [
        SelectChoice("", _("All areas")),
        *(SelectChoice(area, competence_name(area)) for area in services.areas()),
    ]


@bp.get("/statistics")
@staff_required
def page() -> str | Response:
    """What the board achieved in a period; `?format=csv&table=…` gives one table as CSV."""
    form = StatisticsForm(request.args)
    filter_choices(form)
    today = cluster_today()
    query = read_query(form, today)
    figures = tables.Figures(query.period, query.filters)
    if "format" in request.args or "table" in request.args:
        return csv_file(figures, query)
    return render_template(
        "statistics/page.html",
        form=form,
        query=query,
        quick=services.quick_periods(today),
        tables=tables.all_tables(figures),
        link=page_link(query),
        zone=tables.zone_name(),
    )


def csv_file(figures: tables.Figures, query: Query) -> Response:
    """The table `?table=` names as a CSV file; 404 for a table or a format there is not."""
    build = tables.TABLES.get(request.args.get("table", ""))
    if request.args.get("format") != "csv" or build is None:
        abort(404)
    table = build(figures)
    name = tables.csv_filename(table.name, query.period, query.filters)
    return Response(
        tables.as_csv(table),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def page_link(query: Query) -> Callable[..., str]:
    """Links to this page for another period, or to a table's CSV, keeping the filters."""

    def link(period: services.Period | None = None, **extra: str) -> str:
        period = period or query.period
        args = {"from": period.first.isoformat(), "to": period.last.isoformat()}
        args.update({"country": query.filters.country, "area": query.filters.area})
        return url_for("statistics.page", **{k: v for k, v in args.items() if v}, **extra)

    return link
