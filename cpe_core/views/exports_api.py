"""``/api/v1`` endpoints for credit exports: a region's staff start an export job (or a push),
follow its progress and download the file. The same services as the admin pages
(:mod:`cpe_core.services.export_jobs`), limited the same way to the region's own admins."""
from __future__ import annotations

from functools import wraps

from flask import jsonify, request, send_file, url_for
from flask_login import current_user
from marshmallow import fields

from ..extensions import db, login_manager
from ..regions import RuleError, rules_for
from ..services import audit, background, export_jobs
from ..services.input_rules import Body, Text, Year
from .api import Reply, bp, error, json_body, operation


class ExportBody(Body):
    year = Year(required=True, code="year_invalid", message="年度应为2000至2100之间的整数。")
    format = Text(required=True, max_length=16, label="导出格式", code="format_required", message="请选择导出格式。")


class ExportJob(Reply):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    region = fields.String(required=True, allow_none=True)
    params = fields.Dict(keys=fields.String(), required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    done = fields.Integer(required=True)
    total = fields.Integer(required=True, allow_none=True)
    percent = fields.Integer(required=True, allow_none=True)
    message = fields.String(required=True, allow_none=True)
    error = fields.String(required=True, allow_none=True)
    attempts = fields.Integer(required=True)
    created_by = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, allow_none=True)
    finished_at = fields.String(required=True, allow_none=True)
    year = fields.Integer(required=True, allow_none=True)
    format = fields.String(required=True, allow_none=True)
    url = fields.String(required=True)
    download = fields.String(required=True, allow_none=True)


class ExportJobs(Reply):
    jobs = fields.List(fields.Nested(ExportJob), required=True)


STAFF_ERRORS = {403: ("not_region_staff",), 404: ("unknown_region",)}


def staff_api(view):
    """Only a signed-in admin of the URL's region (or a site admin) gets through."""

    @wraps(view)
    def wrapper(code: str, *args, **kwargs):
        rules_for(code)  # an unknown region is a 404 (see api.unknown_region)
        if not current_user.is_authenticated:
            return login_manager.unauthorized()  # login_required, or session_replaced
        if not current_user.may_administer(code):
            return error("not_region_staff", "只有本地区的管理员可以导出学分。", 403)
        return view(code, *args, **kwargs)

    return wrapper


def _job_json(code: str, job) -> dict:
    ready = export_jobs.file_path(job) is not None
    return {
        **background.as_json(job),
        "year": job.params.get("year"),
        "format": job.params.get("format"),
        "url": url_for("api.export_status", code=code, job_id=job.id),
        "download": url_for("api.export_download", code=code, job_id=job.id) if ready else None,
    }


def _job_or_404(code: str, job_id: int):
    job = export_jobs.load(job_id, region=code)
    if job is None:
        return None, error("export_not_found", "没有找到该导出任务。", 404)
    return job, None


@bp.post("/regions/<code>/exports")
@operation("开始一个学分导出任务（管理员）：年度、格式（csv、xlsx、push）", ExportJob, status=202,
           errors={**STAFF_ERRORS, 422: ("export_format_not_offered", "export_not_offered", "year_not_offered",
                                         "push_not_configured")})
@staff_api
@json_body(ExportBody)
def export_start(code: str, body: dict):
    year, fmt = body["year"], body["format"]
    if not fmt:
        return error("format_required", "请选择导出格式。", 422)
    try:
        job = export_jobs.start(code, year, fmt, current_user)
    except RuleError as err:
        db.session.rollback()
        return error(err.code, err.message, 422)
    response = jsonify(_job_json(code, job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.export_status", code=code, job_id=job.id)
    return response


@bp.get("/regions/<code>/exports")
@operation("本地区最近的导出任务（管理员）", ExportJobs, errors=STAFF_ERRORS)
@staff_api
def export_list(code: str):
    jobs = [job for job in background.jobs_of(code, 50) if job.kind == export_jobs.KIND]
    return jsonify(jobs=[_job_json(code, job) for job in jobs])


@bp.get("/regions/<code>/exports/<int:job_id>")
@operation("导出任务的状态与进度（管理员）", ExportJob,
           errors={403: ("not_region_staff",), 404: ("unknown_region", "export_not_found")})
@staff_api
def export_status(code: str, job_id: int):
    job, refusal = _job_or_404(code, job_id)
    return refusal or jsonify(_job_json(code, job))


@bp.get("/regions/<code>/exports/<int:job_id>/download")
@operation("下载已完成的导出文件（管理员）", None, media_type="application/octet-stream",
           errors={403: ("not_region_staff",), 404: ("unknown_region", "export_not_found"),
                   409: ("export_not_ready",)})
@staff_api
def export_download(code: str, job_id: int):
    job, refusal = _job_or_404(code, job_id)
    if refusal:
        return refusal
    path = export_jobs.file_path(job)
    if path is None or not path.exists():
        return error("export_not_ready", "导出尚未完成，没有可下载的文件。", 409)
    audit.record("credit_export.download", f"export:{job.id}", actor=current_user, region=code,
                 after={"file": job.result})
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=job.result)
