"""Certificates (合格证 / 学时证明): who may have one, the PDF, and public verification.

What a certificate says comes from the region's ``cpe_certificate_template`` hook and the
learner's ledger; it is frozen into ``Certificate.fields`` at issue, so the PDF can be rendered
again byte for byte (reportlab's invariant mode) and the verification page shows exactly what
was printed, with the SHA-256 of the issued PDF.
"""
from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from hookspecs import KIND_LABELS, KINDS, UNIT_LABELS, CertificateTemplate, Reason

from .. import clock
from ..extensions import db
from ..models import Certificate, CreditRecord, Enrolment, Institution, User
from ..regions import RuleError, rules_for
from .privacy import mask_id_number
from . import audit, exams, ledger

#: Debian's fonts-wqy-microhei; set ``CPE_CJK_FONT`` to another TrueType (.ttf/.ttc) font.
DEFAULT_CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
SIGNING_SALT = "cpe.certificate"


class FontMissing(RuntimeError):
    """The CJK font configured in ``CPE_CJK_FONT`` cannot be loaded."""


@dataclass(frozen=True)
class CertificateStatus:
    """Whether the learner may have a certificate for the year, with every reason if not."""

    template: CertificateTemplate | None
    allowed: bool
    reasons: tuple[Reason, ...]


def status(user_id: int, region: str, year: int) -> CertificateStatus:
    """May the learner have the year's certificate: exam passed, or year complete without exam.

    Templates with ``selectable_records`` need no exam and no completed year: the member picks
    records on the certificate page.
    """
    rules = rules_for(region)
    template = rules.certificate_template(year)
    if template is None:
        return CertificateStatus(None, False, (Reason("no_certificate", "本地区本年度不颁发证书。"),))
    if template.selectable_records:
        return CertificateStatus(template, True, (Reason("select_records", "请勾选要列入证明的记录。"),))
    policy = rules.exam_policy(year)
    if policy is not None:
        if exams.passed_attempt(user_id, region, year) is not None:
            return CertificateStatus(template, True, (Reason("exam_passed", "考试已合格，可以下载证书。"),))
        reasons = [Reason("exam_not_passed", f"考试合格（{policy.pass_mark}分及以上）后才能下载证书。")]
        return CertificateStatus(template, False, tuple(reasons))
    progress = ledger.progress(user_id, region, year)
    if progress.complete:
        return CertificateStatus(template, True, (Reason("year_complete", "已完成本年度学习要求，可以下载证书。"),))
    return CertificateStatus(template, False, tuple(progress.reasons()))


def selectable_records(user_id: int, region: str, year: int) -> list[CreditRecord]:
    """The ledger records a member may list on an hours certificate."""
    return list(
        db.session.scalars(
            select(CreditRecord)
            .where(CreditRecord.user_id == user_id, CreditRecord.region == region, CreditRecord.year == year)
            .order_by(CreditRecord.created_at, CreditRecord.id)
        )
    )


def _institution(user_id: int, region: str, year: int, template: CertificateTemplate) -> str:
    name = db.session.scalar(
        select(Institution.name)
        .join(Enrolment, Enrolment.institution_id == Institution.id)
        .where(
            Enrolment.user_id == user_id,
            Enrolment.region == region,
            Enrolment.year == year,
            Enrolment.status != "cancelled",
        )
        .order_by(Enrolment.id.desc())
        .limit(1)
    )
    return name or template.issuer


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SIGNING_SALT)


def issued(user_id: int, region: str, year: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id, Certificate.region == region, Certificate.year == year)
            .order_by(Certificate.id.desc())
        )
    )


def issue(user: User, region: str, year: int, record_ids: list[int] | None = None) -> Certificate:
    """Issue the year's certificate (once: a second call returns the same one) or, for an
    hours certificate, a new one listing the selected records. Refused with the reasons."""
    state = status(user.id, region, year)
    if not state.allowed:
        raise RuleError(state.reasons[0].code, "".join(r.message for r in state.reasons))
    template = state.template
    records: list[CreditRecord] = []
    if template.selectable_records:
        wanted = set(record_ids or ())
        if not wanted:
            raise RuleError("no_records_selected", "请至少勾选一条记录。")
        records = [r for r in selectable_records(user.id, region, year) if r.id in wanted]
        if len(records) != len(wanted):
            raise RuleError("record_not_yours", "所选记录不存在或不属于您，证书未生成。")
    else:
        for existing in issued(user.id, region, year):
            if existing.revoked_at is None:
                return existing
    fields = _fields(user, region, year, template, records)
    pdf = render_pdf(fields)
    certificate = Certificate(
        user_id=user.id,
        region=region,
        year=year,
        serial=fields["serial"],
        code=fields["code"],
        fields=fields,
        sha256=hashlib.sha256(pdf).hexdigest(),
        issued_at=clock.to_utc_naive(clock.now()),
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


def _fields(
    user: User, region: str, year: int, template: CertificateTemplate, records: list[CreditRecord]
) -> dict:
    """Everything printed, in print order; stored as the certificate's ``fields``."""
    rules = rules_for(region)
    unit = UNIT_LABELS[rules.info.unit]
    serial = f"{template.serial_prefix}{year}{secrets.token_hex(5).upper()}"
    code = _serializer().dumps(serial)
    profile = user.profile
    if records:
        credits: dict[str, int] = {}
        for record in records:
            credits[record.kind] = credits.get(record.kind, 0) + record.credits
    else:
        credits, _offsets = ledger.earned_by_source(user.id, year)
    rows = [["姓名", user.name], ["身份证号", mask_id_number(profile.id_number if profile else None)]]
    if profile is not None and profile.member_number:
        rows.append(["会员编号", profile.member_number])
    rows.append(["年度", f"{year}年度"])
    for kind in KINDS:
        if kind in credits:
            rows.append([KIND_LABELS[kind], f"{credits[kind]}{unit}"])
    rows.append(["合计", f"{sum(credits.values())}{unit}"])
    attempt = exams.passed_attempt(user.id, region, year) if not template.selectable_records else None
    if attempt is not None:
        rows.append(["考试成绩", f"{attempt.score}分"])
    rows.append(["培训机构", _institution(user.id, region, year, template)])
    rows.append(["证书编号", serial])
    rows.append(["发证日期", clock.today_in_shanghai().isoformat()])
    return {
        "title": template.title,
        "statement": template.statement.format(name=user.name, year=year),
        "rows": rows,
        "records": [
            [r.description or KIND_LABELS.get(r.kind, r.kind), KIND_LABELS.get(r.kind, r.kind), f"{r.credits}{unit}"]
            for r in records
        ],
        "issuer": template.issuer,
        "serial": serial,
        "code": code,
        "verify_url": url_for("certificates.verify", code=code, _external=True),
    }


def find_by_code(code: str) -> Certificate | None:
    """The certificate a verification code names; None for a forged or unknown code."""
    try:
        serial = _serializer().loads(code)
    except BadSignature:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code, Certificate.serial == serial))


def revoke(certificate: Certificate, actor: User, reason: str) -> None:
    """Revoke (staff); the verification page then says so. Audited in the same transaction."""
    if certificate.revoked_at is not None:
        raise RuleError("already_revoked", "该证书已被撤销。")
    certificate.revoked_at = clock.to_utc_naive(clock.now())
    audit.record(
        "certificate.revoke",
        f"certificate:{certificate.serial}",
        actor=actor,
        region=certificate.region,
        before={"revoked": False},
        after={"revoked": True, "reason": reason},
    )
    db.session.commit()


# --- The PDF --------------------------------------------------------------------------------

_registered_fonts: dict[str, str] = {}


def cjk_font() -> str:
    """Register the configured CJK font with reportlab (once per path) and return its name."""
    path = current_app.config.get("CPE_CJK_FONT") or DEFAULT_CJK_FONT
    name = _registered_fonts.get(path)
    if name is not None:
        return name
    if not Path(path).is_file():
        raise FontMissing(
            f"CJK font not found: {path}. Install Debian's fonts-wqy-microhei or set CPE_CJK_FONT "
            "to a TrueType font with Chinese glyphs (.ttf/.ttc)."
        )
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"CPE-CJK-{hashlib.sha1(path.encode()).hexdigest()[:8]}"
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    except Exception as error:  # noqa: BLE001 - any load failure is the same problem to a deployer
        raise FontMissing(f"CJK font {path} cannot be loaded by reportlab: {error}") from error
    _registered_fonts[path] = name
    return name


def render_pdf(fields: dict) -> bytes:
    """The certificate as a one-page A4 PDF with the font embedded and a QR code to verify it.

    Deterministic: the same fields give the same bytes (so the stored SHA-256 stays valid).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle(fields["title"])
    pdf.setAuthor(fields["issuer"])
    width, height = A4
    pdf.setStrokeColorRGB(0.55, 0.1, 0.1)
    pdf.setLineWidth(3)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 45 * mm, fields["title"])
    y = height - 65 * mm
    pdf.setFont(font, 12)
    for line in _wrap(fields["statement"], 36):
        pdf.drawString(30 * mm, y, line)
        y -= 8 * mm
    y -= 4 * mm
    pdf.setFont(font, 13)
    for label, value in fields["rows"]:
        pdf.drawString(35 * mm, y, f"{label}：")
        pdf.drawString(70 * mm, y, str(value))
        y -= 9 * mm
    if fields.get("records"):
        y -= 3 * mm
        pdf.setFont(font, 11)
        for description, kind, amount in fields["records"]:
            pdf.drawString(35 * mm, y, f"{description}（{kind}）")
            pdf.drawRightString(width - 35 * mm, y, amount)
            y -= 7 * mm
    _draw_qr(pdf, fields["verify_url"], x=30 * mm, y=30 * mm, size=35 * mm)
    pdf.setFont(font, 9)
    pdf.drawString(30 * mm, 25 * mm, "扫码核验证书真伪")
    pdf.setFont(font, 14)
    pdf.drawRightString(width - 30 * mm, 50 * mm, fields["issuer"])
    pdf.drawRightString(width - 30 * mm, 40 * mm, dict(fields["rows"]).get("发证日期", ""))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_qr(pdf, data: str, *, x: float, y: float, size: float) -> None:
    """The QR code (encoded by segno) drawn as one filled path, a rectangle per horizontal run
    of dark modules: far fewer PDF operators than reportlab's widget, which also encodes twice."""
    import segno

    matrix = segno.make_qr(data, error="m", boost_error=False).matrix
    quiet = 2  # modules of white margin on each side
    module = size / (len(matrix) + 2 * quiet)
    path = pdf.beginPath()
    for row, modules in enumerate(matrix):
        top = y + size - (row + quiet + 1) * module
        col = 0
        while col < len(modules):
            if not modules[col]:
                col += 1
                continue
            run = col
            while run < len(modules) and modules[run]:
                run += 1
            path.rect(x + (col + quiet) * module, top, (run - col) * module, module)
            col = run
    pdf.setFillColorRGB(0, 0, 0)
    pdf.drawPath(path, stroke=0, fill=1)


def _wrap(text: str, per_line: int) -> list[str]:
    return [text[i : i + per_line] for i in range(0, len(text), per_line)] or [""]


def file_matches(certificate: Certificate, stream) -> bool:
    """Whether an uploaded file is byte for byte the issued PDF (by SHA-256)."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(65536), b""):
        digest.update(chunk)
    return digest.hexdigest() == certificate.sha256


def pdf_for(certificate: Certificate) -> bytes:
    """The issued PDF again (identical bytes: rendering is deterministic)."""
    return render_pdf(certificate.fields)


MSG_REVOKED = "该证书已被撤销，不能再下载；证书状态以核验页面为准，如有疑问请联系主办单位。"


def pdf_for_owner(certificate: Certificate) -> bytes:
    """The PDF its owner downloads; a revoked certificate is refused (a printed copy would look
    as valid as before), its verification page keeps saying it was revoked.

    :raises RuleError: ``certificate_revoked``.
    """
    if certificate.revoked_at is not None:
        raise RuleError("certificate_revoked", MSG_REVOKED)
    return pdf_for(certificate)


def owned(user_id: int, serial: str, region: str | None = None) -> Certificate | None:
    """The certificate ``serial`` if ``user_id`` holds it (in ``region`` when given), else None."""
    query = select(Certificate).where(Certificate.serial == serial, Certificate.user_id == user_id)
    if region is not None:
        query = query.where(Certificate.region == region)
    return db.session.scalar(query)
