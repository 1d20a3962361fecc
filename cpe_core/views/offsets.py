"""Offset and hour applications on the site: the learner's side and the reviewer's queue.

Thin views over :mod:`cpe_core.services.offsets`; the forms are built at run time from the
region's :class:`~hookspecs.OffsetField` definitions.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, g, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..forms import CpeForm
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField

from hookspecs import OffsetType

from ..extensions import db
from ..models import User
from ..regions import RuleError
from ..services import ledger, tables
from ..services import offsets as service
from ..services.capabilities import require
from .binding import bind_region
from ..services.years import current_year
from .site import qty

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover - older WTForms
    def _Choice(value, label):  # noqa: N802 - stands in for the class
        return (value, label)

bp = Blueprint("offsets", __name__, url_prefix="/<region>")
bind_region(bp)

FIELD_PREFIX = "f_"


# --- forms -----------------------------------------------------------------------------------


def application_form(offset: OffsetType, unit: str, data: dict | None = None) -> CpeForm:
    """The form for ``offset``: its roles, its fields, the credits claimed and the evidence."""

    class ApplicationForm(CpeForm):
        pass

    choices = []
    for role in offset.roles:
        worth = qty(role.credits, g.region.info.unit) + (f"/{UNITS.get(role.per_unit, role.per_unit)}" if role.per_unit else "")
        choices.append(_Choice(role.code, f"{role.label}（{worth}）"))
    # The service checks every value against the rules: the form only carries them.
    ApplicationForm.role = SelectField(_l("申请类别"), choices=choices, validate_choice=False)
    for spec in offset.fields:
        label = spec.label if spec.required else _("%(label)s（选填）", label=spec.label)
        if spec.type == "choice":
            field = SelectField(
                label, choices=[_Choice("", _l("请选择"))] + [_Choice(c, c) for c in spec.choices],
                validate_choice=False,
            )
        else:
            kind = {"int": "number", "date": "date"}.get(spec.type, "text")
            extra = {"placeholder": "CN11-1234/F"} if spec.type == "cn_number" else {}
            field = StringField(label, render_kw={"type": kind, **extra})
        setattr(ApplicationForm, FIELD_PREFIX + spec.name, field)
    ApplicationForm.claimed = StringField(_("申请折算%(unit)s（选填，须与规定一致）", unit=unit), render_kw={"type": "number"})
    ApplicationForm.evidence = MultipleFileField(_l("证明材料"))
    return ApplicationForm(data=data)


UNITS = {"day": _l("天"), "hour": _l("学时")}


class DecisionForm(CpeForm):
    comment = TextAreaField(_l("审核意见（退回时必填）"))


class ImportForm(CpeForm):
    offset_type = SelectField(_l("抵免类型"))
    year = StringField(_l("年度"))
    table = MultipleFileField(_l("名单文件（CSV或XLSX）"))


# --- learners --------------------------------------------------------------------------------


def _unit() -> str:
    return _(service.unit_label(g.region.code))  # "学分"/"学时" are msgids (hookspecs labels)


def _list_filter(args, prefix: str = FIELD_PREFIX) -> service.ListFilter:
    """The learner's list query from request args: ``type``, ``year`` and ``<prefix><field>``."""
    year = (args.get("year") or "").strip()
    fields = {
        key[len(prefix):]: value for key, value in args.items()
        if key.startswith(prefix) and value and value.strip()
    }
    return service.ListFilter(
        type_code=args.get("type") or None, year=int(year) if year.isdigit() else None, fields=fields,
    )


@bp.get("/offsets")
@login_required
def index():
    region = g.region.code
    year = current_year(g.region.code)
    require(region, year, "offsets")
    types = service.offset_types(region, year)
    learner = current_user.region == region and current_user.role == "learner"
    filters = _list_filter(request.args)
    mine = service.applications_of(current_user, region, filters) if learner else []
    by_code = {t.code: t for t in types}
    progress = None
    if learner:
        try:
            progress = ledger.progress(current_user.id, region, year)
        except RuleError:
            progress = None
    years = sorted({year, *(a.year for a in service.applications_of(current_user, region))}, reverse=True) if learner else [year]
    return render_template(
        "offsets/index.html", types=types, applications=mine, by_code=by_code, learner=learner,
        statuses=service.status_labels(region), unit=_unit(), year=year, progress=progress,
        role_label=service.role_label, filters=filters, years=years,
        filter_fields=service.filter_fields(types), prefix=FIELD_PREFIX,
        args=request.args.to_dict(),
    )


@bp.get("/offsets/<int:application_id>")
@login_required
def view(application_id: int):
    """查看: the learner's own application, read-only in any status, with its 附件信息."""
    region = g.region.code
    try:
        application = service.get_own(current_user, region, application_id)
    except RuleError as err:
        return _refused(err)
    try:
        offset = service.offset_type(region, application.year, application.offset_type)
    except RuleError:
        offset = None
    return render_template(
        "offsets/view.html", application=application, offset=offset,
        statuses=service.status_labels(region), unit=_unit(), role_label=service.role_label,
        editable=application.status in service.EDITABLE,
    )


@bp.get("/offsets/export.<fmt>")
@login_required
def my_export(fmt: str):
    """导出: the learner's list as queried, as CSV or Excel."""
    region = g.region.code
    if fmt not in tables.FORMATS:
        abort(404)
    rows = service.export_rows(region, service.applications_of(current_user, region, _list_filter(request.args)))
    body = service.export_csv(rows) if fmt == "csv" else service.export_xlsx(rows)
    response = Response(body, mimetype=tables.MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename=my-offsets-{region}.{fmt}"
    return response


def _uploads() -> list[service.Upload]:
    return [
        service.Upload(f.filename or "", f.read())
        for f in request.files.getlist("evidence")
        if f and f.filename
    ]


def _claimed(form) -> int | None:
    text = (form.claimed.data or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise RuleError("claimed_not_integer", f"申请折算{service.unit_label(g.region.code)}须为整数。") from None


def _raw_fields(form, offset: OffsetType) -> dict:
    return {spec.name: form[FIELD_PREFIX + spec.name].data for spec in offset.fields}


def _edit_page(offset: OffsetType, form, application=None):
    """Show the form; on POST preview the credits, save a draft or submit."""
    region = g.region.code
    error = preview = None
    status = 200
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.method == "POST" and form.validate_on_submit():
        action = request.form.get("action", "save")
        try:
            claimed = _claimed(form)
            if action == "preview":
                _fields, _qty, preview = service.value(
                    region, offset, form.role.data, _raw_fields(form, offset), claimed
                )
                if wants_json:
                    # The form's own script asks this way, so the files the learner chose stay
                    # chosen: a page reload would clear every file input.
                    unit = _unit()
                    return jsonify(credits=preview, message=_("按规定可折算%(amount)s%(unit)s。", amount=preview, unit=unit))
            else:
                saved = service.save(
                    current_user, region, year=application.year if application else current_year(g.region.code),
                    type_code=offset.code, role=form.role.data, raw_fields=_raw_fields(form, offset),
                    uploads=_uploads(), submit=action == "submit", claimed=claimed, application=application,
                )
                return redirect(url_for("offsets.index", saved=saved.id))
        except RuleError as err:
            if wants_json:
                return jsonify(error={"code": err.code, "message": err.message}), 422
            error, status = err.message, 422
    elif request.method == "POST":
        error, status = _("页面已过期，请刷新后重试。"), 400
        if wants_json:
            return jsonify(error={"code": "form_expired", "message": error}), status
    return render_template(
        "offsets/form.html", offset=offset, form=form, application=application, error=error,
        preview=preview, unit=_unit(), prefix=FIELD_PREFIX, evidence_note=service.evidence_note(offset.evidence),
    ), status


@bp.route("/offsets/new/<type_code>", methods=["GET", "POST"])
@login_required
def new(type_code: str):
    region = g.region.code
    require(region, current_year(g.region.code), "offsets")
    require(region, current_year(g.region.code), "offset_applications")
    try:
        if current_user.region != region or current_user.role != "learner":
            raise RuleError("not_a_learner_here", "只有本地区的学员可以提交申请。")
        offset = service.offset_type(region, current_year(g.region.code), type_code)
        if not offset.needs_application:
            raise RuleError("no_application_needed", f"“{offset.label}”无需申请，由工作人员统一登记。")
    except RuleError as err:
        return render_template("error.html", title=_l("不能申请"), message=err.message), 403
    return _edit_page(offset, application_form(offset, _unit()))


@bp.route("/offsets/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit(application_id: int):
    region = g.region.code
    try:
        application = service.get_own(current_user, region, application_id)
        if application.status not in service.EDITABLE:
            raise service.locked(region, application.status)
        offset = service.offset_type(region, application.year, application.offset_type)
    except RuleError as err:
        return _refused(err)
    data = {FIELD_PREFIX + k: ("" if v is None else str(v)) for k, v in application.fields.items()}
    data["role"] = application.role
    form = application_form(offset, _unit(), data=None if request.method == "POST" else data)
    return _edit_page(offset, form, application)


@bp.post("/offsets/<int:application_id>/delete")
@login_required
def delete(application_id: int):
    form = CpeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        application = service.get_own(current_user, g.region.code, application_id)
        service.delete(current_user, g.region.code, application)
    except RuleError as err:
        return _refused(err)
    return redirect(url_for("offsets.index"))


def _refused(err: RuleError):
    status = 404 if err.code.endswith("not_found") else 403
    return render_template("error.html", title=_l("无法操作"), message=err.message), status


@bp.get("/offsets/files/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    try:
        found = service.attachment_for(current_user, g.region.code, attachment_id)
    except RuleError as err:
        return _refused(err)
    response = send_file(
        service.attachment_path(found), mimetype=found.content_type, download_name=found.filename,
        as_attachment=found.content_type == "application/pdf",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response


# --- reviewers -------------------------------------------------------------------------------


def _filters() -> service.QueueFilter:
    year = request.args.get("year", "").strip()
    return service.QueueFilter(
        status=request.args.get("status") or None,
        type_code=request.args.get("type") or None,
        year=int(year) if year.isdigit() else None,
    )


@bp.get("/review/offsets")
@login_required
def queue():
    region = g.region.code
    filters = _filters()
    require(region, filters.year or current_year(g.region.code), "offsets")
    try:
        page = service.queue_page(current_user, region, filters, before=request.args.get("before", type=int))
    except RuleError as err:
        return _refused(err)
    types = service.offset_types(region, filters.year or current_year(g.region.code))
    args = {k: v for k, v in request.args.items() if k != "before"}
    return render_template(
        "offsets/queue.html", applications=page.items, rows=service.export_rows(region, page.items),
        filters=filters, types=types, statuses=service.status_labels(region), unit=_unit(), args=args,
        next_url=url_for("offsets.queue", before=page.next_key, **args) if page.next_key else None,
        first_url=url_for("offsets.queue", **args) if request.args.get("before") else None,
    )


@bp.get("/review/offsets/export.<fmt>")
@login_required
def export(fmt: str):
    region = g.region.code
    try:
        rows = service.export_rows(region, service.queue(current_user, region, _filters()))
    except RuleError as err:
        return _refused(err)
    if fmt == "csv":
        body, mimetype = service.export_csv(rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = service.export_xlsx(rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=offsets-{region}.{fmt}"
    return response


@bp.route("/review/offsets/<int:application_id>", methods=["GET", "POST"])
@login_required
def detail(application_id: int):
    region = g.region.code
    try:
        application = service.get_for_review(current_user, region, application_id)
    except RuleError as err:
        return _refused(err)
    form = DecisionForm()
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.review(
                    current_user, region, application_id,
                    approve=request.form.get("decision") == "approve", comment=form.comment.data or "",
                )
                return redirect(url_for("offsets.detail", application_id=application_id))
            except RuleError as err:
                error, status = err.message, 422
        else:
            error, status = _("页面已过期，请刷新后重试。"), 400
    try:
        offset = service.offset_type(region, application.year, application.offset_type)
    except RuleError:
        offset = None
    learner = db.session.get(User, application.user_id)
    return render_template(
        "offsets/detail.html", application=application, offset=offset, learner=learner, form=form,
        error=error, statuses=service.status_labels(region), unit=_unit(), role_label=service.role_label,
    ), status


@bp.route("/review/import", methods=["GET", "POST"])
@login_required
def import_page():
    region = g.region.code
    try:
        service.check_reviewer(current_user, region)
    except RuleError as err:
        return _refused(err)
    year = current_year(g.region.code)
    form = ImportForm(data={"year": str(year)} if request.method == "GET" else None)
    form.offset_type.choices = [
        _Choice(t.code, t.label) for t in service.offset_types(region, year) if not t.needs_application
    ]
    report, error, status = None, None, 200
    if request.method == "POST" and form.validate_on_submit():
        files = [f for f in request.files.getlist("table") if f and f.filename]
        try:
            if not files:
                raise RuleError("import_no_file", "请选择名单文件。")
            chosen_year = int(form.year.data) if (form.year.data or "").strip().isdigit() else None
            if chosen_year is None:
                raise RuleError("import_bad_year", "请填写年度。")
            report = service.import_passers(
                current_user, region, year=chosen_year, type_code=form.offset_type.data,
                filename=files[0].filename, data=files[0].read(),
            )
        except RuleError as err:
            error, status = err.message, 422
    elif request.method == "POST":
        error, status = _("请选择抵免类型。"), 422
    return render_template("offsets/import.html", form=form, report=report, error=error), status
