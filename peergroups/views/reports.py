"""Reports for boards and funders: the page, each table as a CSV file, and a printable one-page
report. Admins and supervisors see every group and the organization; facilitators their own
groups (a group they may not see is a 404). Figures come from reports.py through report_tables.py."""
import csv
import io

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from .. import charts, db, i18n, report_tables
from ..attendance import local_today
from ..i18n import gettext as _
from ..models import ROLES, Organization
from ..pages import kept, render
from ..reports import PERIOD_KINDS, PeriodError, Scope, parse_period
from ..security import get_group, led_group_ids, parse_id, require_role, visible_group_list
from ..suppression import effective_k

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _load():
    """What every report URL shares: the organization, the scope (a group the user may see, or all
    they may see), the period (or a message), whether it is for sharing outside, and k."""
    require_role(*ROLES)
    org = Organization.current()
    group = None
    if request.args.get("group"):
        group_id = parse_id(request.args["group"])
        group = get_group(group_id) if group_id else get_group(0)  # 404 for what is not theirs
    if group is not None:
        scope = Scope([group.id])
    elif current_user.role == "facilitator":
        scope = Scope(sorted(led_group_ids()))
    else:
        scope = Scope(None)
    today = local_today(org.timezone if org else "UTC")
    try:
        period, error = parse_period(request.args, today), None
    except PeriodError as problem:
        period, error = parse_period({}, today), str(problem.args[0])
    return dict(org=org, group=group, scope=scope, period=period, error=error, today=today,
                share=request.args.get("share") == "1",
                k=effective_k(org.survey_min_responses if org else None))


def _report(ctx, feedback_only=False, no_feedback=False):
    report = None if feedback_only else report_tables.build(
        ctx["scope"], ctx["period"], ctx["today"], current_app.config["CHECKIN_OVERDUE_DAYS"])
    feedback = []
    if no_feedback:
        pass
    elif ctx["group"] is not None:
        feedback = [(ctx["group"].name, report_tables.feedback(ctx["period"], ctx["group"].id, get_locale()))]
    elif ctx["scope"].group_ids is None:
        feedback = [(None, report_tables.feedback(ctx["period"], None, get_locale()))]
    else:
        feedback = [(group.name, report_tables.feedback(ctx["period"], group.id, get_locale()))
                    for group in visible_group_list(include_archived=True)]
    if report is not None and ctx["share"]:
        report = report._replace(tables=[report_tables.shared(t, ctx["k"]) for t in report.tables])
    return report, feedback


def _charts(report, feedback):
    """The charts beside their tables, drawn from the same numbers."""
    rtl = i18n.is_rtl(str(get_locale()))
    by_key = {t.key: t for t in report.tables}
    months = by_key["attendance-months"].rows
    drawn = {"attendance-months": charts.bars(
        [(i18n.month(row[0]), [row[3]], [i18n.number(row[3])]) for row in months], rtl)}
    too_early = _("too early to tell")

    def share(value):
        return i18n.percent(value) if isinstance(value, float) else too_early

    cohorts = by_key["retention"].rows
    drawn["retention"] = charts.bars(
        [(i18n.month(row[0]), [_num(row[3]), _num(row[5])], [share(row[3]), share(row[5])]) for row in cohorts],
        rtl, series=[_("Came back within 30 days"), _("4 or more meetings within 90 days")], top=1)
    for _name, tables in feedback:
        for item in tables:
            if item.chart:
                drawn[item.table.key] = charts.bars(
                    [(i18n.month(month), [value], [i18n.number(value, 1) if value is not None else _("not shown")])
                     for month, value in item.chart], rtl)
    return drawn


def _num(value):
    return value if isinstance(value, float) else None


def _whole(value, code):
    return i18n.number(value, 0, code)


CELL_FORMATS = {"month": i18n.month, "share": i18n.percent, "decimal": lambda value, code: i18n.number(value, 1, code),
                "count": _whole, "people": _whole, "days": _whole,
                "language": lambda value, _code: i18n.native_name(value)}


def _cells(table, k):
    """The table's rows and total as the page shows them: each row's cells as one piece of HTML
    (a header cell, then data cells), every value formatted and escaped here in one call. A cell
    in the template cost more than everything else on the page: an organization's table has
    hundreds."""
    code = i18n.locale_code()
    fewer = escape(_("fewer than %(k)d", k=k))
    empty = Markup('<span class="muted">%s</span>') % (table.none_means or "–")
    formats = [CELL_FORMATS.get(column.kind) for column in table.columns]

    def show(row, head):
        shown = [fewer if value is report_tables.FEWER else empty if value is None
                 else escape(form(value, code) if form else value) for form, value in zip(formats, row)]
        return Markup(f'<th scope="row">{escape(head) if head else shown[0]}</th>'
                      + "".join(f"<td>{value}</td>" for value in shown[1:]))
    return [show(row, None) for row in table.rows], show(table.total, _("Total")) if table.total else None


def _page(page, part, status=200):
    """`page` around `part`, the report itself (_content)."""
    stamp = db.generation()  # before anything the report is made of is read
    ctx = _load()
    if ctx["error"]:
        status = 422
    return render(page, status=status, content=_content(part, ctx, stamp), org=ctx["org"])


def _content(template, ctx, stamp):
    """The report as HTML. A report is the slowest page there is (dozens of figures over every
    attendance mark of the period), and a coordinator or board member opens the same one again and
    again: it is kept until anything in the database changes (pages.kept), apart for each day, as
    its figures are "as of" today."""
    def make():
        report, feedback = _report(ctx)
        return render_template(
            template, report=report, feedback=feedback, charts=_charts(report, feedback),
            how=report_tables.HOW_WE_COUNT, fewer=report_tables.FEWER, kinds=PERIOD_KINDS,
            groups=visible_group_list(include_archived=True), args=request.args,
            file_args={name: value for name, value in request.args.items() if name != "table"},
            printing=template.endswith("_print.html"), cells=_cells, **ctx)
    return kept(template, stamp, make, ctx["today"])


@bp.get("/")
def index():
    return _page("reports/index.html", "reports/_report.html")


@bp.get("/print")
def printable():
    return _page("reports/print.html", "reports/_print.html")


@bp.get("/table.csv")
def table_csv():
    """One table as a CSV file: UTF-8 with a byte-order mark (so spreadsheets read it as UTF-8),
    headers in the user's language, numbers unformatted."""
    ctx = _load()
    if ctx["error"]:
        return _page("reports/index.html", "reports/_report.html")
    key = request.args.get("table", "")
    report, feedback = _report(ctx, feedback_only=key.startswith("feedback-"), no_feedback=not key.startswith("feedback-"))
    tables = {t.key: t for t in report.tables} if report else {}
    tables.update({item.table.key: item.table for _name, items in feedback for item in items})
    table = tables.get(key)
    if table is None:
        abort(404)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(column.label) for column in table.columns])
    for row in table.rows:
        writer.writerow(_csv_row(row, table, ctx["k"]))
    if table.total:
        writer.writerow(_csv_row([_("Total"), *table.total[1:]], table, ctx["k"]))
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    period = ctx["period"]
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{table.key}-{period.first:%Y-%m}-{period.last:%Y-%m}.csv"')
    return response


def _csv_row(row, table, k):
    out = []
    for value, column in zip(row, table.columns):
        if value is report_tables.FEWER:
            out.append(f"<{k}")
        elif value is None:
            out.append("")
        elif column.kind == "month" and hasattr(value, "strftime"):
            out.append(value.strftime("%Y-%m"))
        elif column.kind == "share":
            out.append(round(value, 4))
        elif column.kind == "decimal":
            out.append(round(value, 2))
        elif column.kind == "language":
            out.append(i18n.native_name(value))
        else:
            out.append(str(value) if not isinstance(value, (int, float)) else value)
    return out
