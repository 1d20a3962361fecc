"""Certificates: the learner's page and download (``/<region>/certificates``, and
``/api/v1/me/certificates``), staff revocation, and the public verification page
(``/verify/<code>``). A revoked certificate's PDF is no longer handed out (410)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields
from ..forms import CpeForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from .. import clock
from ..auth import admin_required
from ..extensions import db
from ..models import Certificate
from ..regions import RuleError, rules_for
from ..services import certificates
from .api import bp as api_bp
from .api import error as api_error
from .api import Reply, operation, query_args
from .api_accounts import YearQuery, learner_api
from ..services.capabilities import require
from .binding import bind_region
from ..services.years import current_year

bp = Blueprint("my_certificates", __name__, url_prefix="/<region>/certificates")
bind_region(bp)
verify_bp = Blueprint("certificates", __name__)


class IssueForm(CpeForm):
    records = SelectMultipleField(
        _l("选择记录"), coerce=int, widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(), validate_choice=False,
    )


class RevokeForm(CpeForm):
    reason = StringField(_l("撤销原因"), validators=[DataRequired(message=_l("请填写撤销原因。")), Length(max=200)])


def _learner_year() -> int:
    if current_user.region != g.region.code:
        abort(403)
    year = request.args.get("year", type=int) or current_year(g.region.code)
    require(g.region.code, year, "certificates")
    return year


@bp.route("/", methods=["GET", "POST"])
@login_required
def certificate_page():
    year = _learner_year()
    state = certificates.status(current_user.id, g.region.code, year)
    records = (
        certificates.selectable_records(current_user.id, g.region.code, year)
        if state.template is not None and state.template.selectable_records
        else []
    )
    form = IssueForm()
    form.records.choices = [(r.id, r.description or str(r.id)) for r in records]
    error, status = None, 200
    if form.validate_on_submit():
        try:
            issued = certificates.issue(current_user, g.region.code, year, form.records.data)
        except RuleError as err:
            error, status = err.message, 422
        except certificates.FontMissing:
            current_app.logger.exception("certificate font missing")
            error, status = _("证书生成失败：服务器缺少中文字体，请联系管理员。"), 503
        else:
            return redirect(url_for("my_certificates.download", serial=issued.serial))
    return render_template(
        "certificates/mine.html",
        year=year,
        state=state,
        form=form,
        records=records,
        issued=certificates.issued(current_user.id, g.region.code, year),
        error=error,
    ), status


@bp.get("/<serial>.pdf")
@login_required
def download(serial: str):
    certificate = certificates.owned(current_user.id, serial, g.region.code)
    if certificate is None:
        abort(404)
    try:
        pdf = certificates.pdf_for_owner(certificate)
    except RuleError as refused:
        return render_template("error.html", title=_("证书已撤销"), message=refused.message), 410
    return _pdf_response(pdf, serial)


def _pdf_response(pdf: bytes, serial: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{serial}.pdf"'
    return response


@bp.route("/<serial>/revoke", methods=["GET", "POST"])
@admin_required
def revoke(serial: str):
    certificate = db.session.scalar(
        select(Certificate).where(Certificate.serial == serial, Certificate.region == g.region.code)
    )
    if certificate is None:
        abort(404)
    form = RevokeForm()
    error = None
    if form.validate_on_submit():
        try:
            certificates.revoke(certificate, current_user, form.reason.data)
        except RuleError as err:
            error = err.message
        else:
            return redirect(url_for("certificates.verify", code=certificate.code))
    return render_template("certificates/revoke.html", certificate=certificate, form=form, error=error)


class CheckFileForm(CpeForm):
    pdf = FileField(_l("核对PDF文件"), validators=[FileRequired(message=_l("请选择要核对的PDF文件。"))])


@verify_bp.route("/verify/<code>", methods=["GET", "POST"])
def verify(code: str):
    """Public: every printed field, the issued PDF's SHA-256, and a check of an uploaded file."""
    certificate = certificates.find_by_code(code)
    if certificate is None:
        return render_template("certificates/verify.html", certificate=None), 404
    form = CheckFileForm()
    matches = None
    if form.validate_on_submit():
        matches = certificates.file_matches(certificate, form.pdf.data.stream)
    return render_template(
        "certificates/verify.html",
        certificate=certificate,
        region_name=rules_for(certificate.region).info.name,
        form=form,
        matches=matches,
    )


# --- JSON API -------------------------------------------------------------------------------


def _certificate_json(certificate: Certificate) -> dict:
    return {
        "serial": certificate.serial, "region": certificate.region, "year": certificate.year,
        "title": certificate.fields.get("title"),
        "issued_at": clock.from_utc_naive(certificate.issued_at).isoformat(),
        "revoked": certificate.revoked_at is not None,
        "revoked_at": clock.from_utc_naive(certificate.revoked_at).isoformat() if certificate.revoked_at else None,
        "verify_url": url_for("certificates.verify", code=certificate.code, _external=True),
        "pdf_url": None if certificate.revoked_at else url_for("api.certificate_pdf", serial=certificate.serial),
    }


class CertificateReply(Reply):
    serial = fields.String(required=True)
    region = fields.String(required=True)
    year = fields.Integer(required=True)
    title = fields.String(required=True, allow_none=True)
    issued_at = fields.String(required=True)
    revoked = fields.Boolean(required=True)
    revoked_at = fields.String(required=True, allow_none=True)
    verify_url = fields.String(required=True)
    pdf_url = fields.String(required=True, allow_none=True)


class CertificateList(Reply):
    year = fields.Integer(required=True)
    certificates = fields.List(fields.Nested(CertificateReply), required=True)


@api_bp.get("/me/certificates")
@operation("当前学员某年度已发的证书（含撤销状态；year 缺省为本地区当前年度）", CertificateList,
           errors={403: ("forbidden",)})
@learner_api
@query_args(YearQuery)
def certificate_list():
    year = request.args.get("year", type=int) or rules_for(current_user.region).info.current_year
    return jsonify(year=year, certificates=[
        _certificate_json(c) for c in certificates.issued(current_user.id, current_user.region, year)
    ])


@api_bp.get("/me/certificates/<serial>.pdf")
@operation("下载自己的证书PDF；已撤销的证书返回 410（certificate_revoked）", None, media_type="application/pdf",
           errors={403: ("forbidden",), 404: ("certificate_not_found",), 410: ("certificate_revoked",)})
@learner_api
def certificate_pdf(serial: str):
    certificate = certificates.owned(current_user.id, serial)
    if certificate is None:
        return api_error("certificate_not_found", "没有找到该证书。", 404)
    try:
        pdf = certificates.pdf_for_owner(certificate)
    except RuleError as refused:
        return api_error(refused.code, refused.message, 410)
    return _pdf_response(pdf, serial)
