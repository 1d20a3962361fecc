"""A region's admin pages: the staff dashboard and the rule explorer."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import admin_required, staff_required
from ..forms import ExplainForm, year_settings_form, year_settings_from
from ..regions import RuleError
from ..services import offsets, years
from ..services.capabilities import capabilities
from ..services.dashboard import staff_queues
from ..services.explain import explain
from ..services.lookup import find_learner
from ..services.years import current_year
from .binding import bind_region

bp = Blueprint("admin", __name__, url_prefix="/<region>/admin")
bind_region(bp)


@bp.get("/")
@staff_required
def dashboard():
    """Where the region's staff land after signing in: the queues waiting for them with counts,
    the exports, and the admin pages their role opens."""
    year = current_year(g.region.code)
    return render_template(
        "admin/dashboard.html", year=year, queues=staff_queues(current_user, g.region.code, year),
        caps=capabilities(g.region.code, year), offset_statuses=offsets.status_labels(g.region.code),
    )


@bp.get("/explain")
@admin_required
def explain_page():
    """The same dry run as ``cpe explain``, for the region's admins."""
    form = ExplainForm(request.args)
    result = None
    error = None
    if request.args and form.validate():
        learner = find_learner(g.region.code, form.learner.data)
        if learner is None:
            error = _("没有找到该学员。")
        else:
            result = explain(learner, form.year.data or current_year(g.region.code))
    return render_template("admin/explain.html", form=form, result=result, error=error)


@bp.get("/years")
@admin_required
def years_page():
    """年度设置 opens on the year that applies today."""
    return redirect(url_for("admin.year_settings", year=current_year(g.region.code)))


@bp.route("/years/<int:year>", methods=["GET", "POST"])
@admin_required
def year_settings(year: int):
    """The values a notice changes for ``year``, as the plugin declares them: each shown with
    its default, bounds and where it came from, editable within the bounds, audited."""
    region = g.region.code
    current = current_year(region)
    offered = [y for y in (current - 1, current, current + 1) if g.region._offered(y) is not None]
    if year not in offered and g.region._offered(year) is None:
        abort(404)
    declared = g.region.year_settings(year)
    items = years.values(region, year)
    values = {item.setting.key: item.value for item in items}
    reset = request.form.get("reset") if request.method == "POST" else None
    form = year_settings_form(declared, values, formdata=request.form if request.method == "POST" and not reset else None)
    problems: dict[str, str] = {}
    if reset:
        setting = next((s for s in declared if s.key == reset), None)
        if setting is None:
            abort(400)
        changes = {reset: setting.default}
    elif request.method == "POST" and form.validate():
        changes = year_settings_from(form, declared, values)
    else:
        changes = None
    if changes is not None:
        try:
            changed = years.save(current_user, region, year, changes)
        except years.SettingsRefused as refusal:
            problems = refusal.problems
        except RuleError as error:
            problems = {"": error.message}
        else:
            if changed:
                labels = "、".join(s.label for s in declared if s.key in changed)
                flash(_("已保存%(year)s年度设置：%(labels)s。", year=year, labels=labels), "success")
            else:
                flash(_("没有修改任何设置。"), "info")
            return redirect(url_for("admin.year_settings", year=year))
    status = years.status(region, year)
    return render_template(
        "admin/years.html", year=year, offered=offered, current=current, items=items, form=form,
        problems=problems, status=status, shown=years.shown,
    ), 422 if problems or form.errors else 200
