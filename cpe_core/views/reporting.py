"""Reporting to the authority: the learner's reporting status, and for a region's admins the
progress chart, export jobs (with progress and a download link) and failed pushes."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..forms import CpeForm
from wtforms import IntegerField, SelectField

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)
from wtforms.validators import InputRequired, NumberRange

from ..auth import admin_required
from ..extensions import db
from ..regions import RuleError
from ..services import audit, background, certificate_jobs, export_jobs, exports, ledger, pushes
from ..services import progress as progress_counts
from ..services.capabilities import capabilities, require
from ..services.study import credit_years
from .binding import bind_region
from ..services.years import current_year

bp = Blueprint("reporting", __name__, url_prefix="/<region>")
bind_region(bp)


class ExportForm(CpeForm):
    year = IntegerField(
        _l("年度"),
        validators=[
            InputRequired(_l("请填写年度。")),
            NumberRange(min=2000, max=2100, message=_l("年度应在2000至2100之间。")),
        ],
    )
    # The region's own formats are set per request (no push where it has no receiver); the
    # service refuses any other with its message.
    format = SelectField(_l("格式"), validate_choice=False)


class CertificateBatchForm(CpeForm):
    year = IntegerField(
        _l("年度"),
        validators=[
            InputRequired(_l("请填写年度。")),
            NumberRange(min=2000, max=2100, message=_l("年度应在2000至2100之间。")),
        ],
    )


def _export_or_none(year: int):
    try:
        return exports.export_of(g.region, year)
    except RuleError:
        return None


@bp.get("/credits/reporting")
@login_required
def learner_status():
    """学分上报: per year, whether the year is complete and where its record stands with the
    authority (e.g. 已回传 -> 已审核 -> 已完成 -> 回传成功)."""
    if current_user.region != g.region.code or current_user.role != "learner":
        abort(403)
    require(g.region.code, current_year(g.region.code), "export")
    rows = []
    for year in credit_years(current_user):
        try:
            progress = ledger.progress(current_user.id, g.region.code, year)
        except RuleError:
            continue
        export = _export_or_none(year)
        push_row = pushes.push_for(current_user.id, g.region.code, year)
        pushed = export is not None and "push" in export.formats
        rows.append(
            {
                "year": year,
                "progress": progress,
                "pushed": pushed,
                "status": pushes.status_label(export, push_row.status if push_row else None),
                "steps": export.push_statuses if export is not None else (),
                "current": push_row.status if push_row else None,
            }
        )
    return render_template("reporting/learner.html", rows=rows)


class RefreshForm(CpeForm):
    year = IntegerField(validators=[InputRequired(), NumberRange(min=2000, max=2100)])


@bp.get("/admin/progress")
@admin_required
def progress():
    """Per-region progress: complete / in progress / not started, with a bar chart, as the
    background count last took it (:mod:`~cpe_core.services.progress`), with its age. A year
    never counted is counted now (at once without a job broker, else by a worker)."""
    year = request.args.get("year", type=int) or current_year(g.region.code)
    error = snapshot = None
    try:
        g.region.requirements(year)
        snapshot = progress_counts.snapshot(g.region.code, year)
        if snapshot is None:
            snapshot = progress_counts.first_count(g.region.code, year)
    except RuleError as rule_error:
        error = rule_error.message
    caps = capabilities(g.region.code, year)
    return render_template(
        "reporting/progress.html", year=year, error=error, snapshot=snapshot,
        result=progress_counts.as_progress(snapshot) if snapshot else None,
        age=progress_counts.age_minutes(snapshot) if snapshot else None,
        every=int(current_app.config.get("CPE_BEAT_REFRESH_PROGRESS_SECONDS", 600)) // 60,
        refresh=RefreshForm(data={"year": year}, prefix="refresh"),
        failures=pushes.failures(g.region.code) if caps.push else None,
    )


@bp.post("/admin/progress/refresh")
@admin_required
def refresh_progress():
    """Count the year again now (a job; at once without a broker)."""
    form = RefreshForm(prefix="refresh")
    if not form.validate_on_submit():
        abort(400)
    try:
        g.region.requirements(form.year.data)
    except RuleError:
        abort(404)
    progress_counts.request_refresh(g.region.code, form.year.data)
    return redirect(url_for("reporting.progress", year=form.year.data))


def _export_form(**kwargs) -> ExportForm:
    """The export form offering only the formats the region's credit export names."""
    form = ExportForm(**kwargs)
    caps = capabilities(g.region.code, current_year(g.region.code))
    form.format.choices = [SelectChoice(f, _(exports.FORMAT_LABELS.get(f, f))) for f in caps.export_formats]
    return form


def _jobs_page(form: ExportForm, batch: CertificateBatchForm, error: str | None):
    return render_template(
        "reporting/exports.html", form=form, batch=batch, error=error,
        caps=capabilities(g.region.code, current_year(g.region.code)),
        jobs=background.jobs_of(g.region.code), status_label=background.status_label,
        kind_labels=background.KIND_LABELS, format_labels=exports.FORMAT_LABELS,
    ), (400 if error else 200)


@bp.route("/admin/exports", methods=["GET", "POST"])
@admin_required
def export_list():
    """Start an export or push as a background job; list the region's recent jobs (of every
    kind: exports, certificate batches, e-mails) with their progress."""
    this_year = {"year": current_year(g.region.code)}
    form = _export_form(data=this_year if request.method == "GET" else None)
    batch = CertificateBatchForm(data=this_year, prefix="batch")
    error = None
    if form.validate_on_submit():
        try:
            job = export_jobs.start(g.region.code, form.year.data, form.format.data, current_user)
        except RuleError as rule_error:
            error = rule_error.message
        else:
            return redirect(url_for("reporting.export_job", job_id=job.id))
    elif form.errors:
        error = _("；").join(str(m) for messages in form.errors.values() for m in messages)
    return _jobs_page(form, batch, error)


@bp.post("/admin/certificates/batch")
@admin_required
def certificate_batch():
    """Issue the year's certificate to every learner who qualifies, as a background job."""
    form = _export_form(data={"year": current_year(g.region.code)})
    batch = CertificateBatchForm(prefix="batch")
    error = None
    if batch.validate_on_submit():
        try:
            job = certificate_jobs.start(g.region.code, batch.year.data, current_user)
        except RuleError as rule_error:
            db.session.rollback()
            error = rule_error.message
        else:
            return redirect(url_for("reporting.export_job", job_id=job.id))
    else:
        error = _("；").join(str(m) for messages in batch.errors.values() for m in messages) or _("页面已过期，请重试。")
    return _jobs_page(form, batch, error)


def _job(job_id: int):
    job = background.get(job_id, region=g.region.code)
    if job is None:
        abort(404)
    return job


@bp.get("/admin/exports/<int:job_id>")
@admin_required
def export_job(job_id: int):
    job = _job(job_id)
    path = export_jobs.file_path(job)
    download = url_for("reporting.export_download", job_id=job.id) if path is not None else None
    if request.accept_mimetypes.best == "application/json":
        return jsonify({**background.as_json(job), "download": download})
    return render_template(
        "reporting/job.html", job=job, download=download, status_label=background.status_label(job),
        kind_label=background.KIND_LABELS.get(job.kind, job.kind),
    )


@bp.get("/admin/exports/<int:job_id>/download")
@admin_required
def export_download(job_id: int):
    job = _job(job_id)
    path = export_jobs.file_path(job)
    if path is None or not path.exists():
        abort(404)
    audit.record("credit_export.download", f"export:{job.id}", actor=current_user, region=g.region.code,
                 after={"file": job.result})
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=job.result)
