"""A region's admin pages."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _

from ..auth import admin_required
from ..forms import ExplainForm
from ..services.explain import explain
from ..services.lookup import find_learner
from .binding import bind_region

bp = Blueprint("admin", __name__, url_prefix="/<region>/admin")
bind_region(bp)


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
            result = explain(learner, form.year.data or g.region.info.current_year)
    return render_template("admin/explain.html", form=form, result=result, error=error)
