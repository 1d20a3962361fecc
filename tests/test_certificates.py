"""Certificates: issued after the exam is passed (or, for hours certificates, for the records a
member selects), printed in Chinese with an embedded CJK font, and verifiable by a signed code
whose page shows every printed field and the SHA-256 of the issued PDF."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, Certificate, CreditRecord
from cpe_core.regions import rules_for
from cpe_core.services import certificates, exams
from cpe_core.testing import id_number, login, require_or_skip
from exam_helpers import add_questions, answers_of, give_credits, plan
from study_support import ELIGIBLE

YEAR = 2024


def pass_exam(user, region="chaoyang"):
    """Sit and pass the exam through the services (the exam's own tests cover the pages)."""
    attempt = exams.start(user.id, region, YEAR)
    exams.save_answers(user.id, attempt.id, answers_of(attempt.id))
    return exams.submit(user.id, attempt.id)


@pytest.fixture
def passed_learner(make_learner, make_course):
    user = make_learner("chaoyang", name="张合格", id_number=id_number(sequence=77), **ELIGIBLE["chaoyang"])
    for kind in ("professional", "public"):
        course = make_course("chaoyang", YEAR, kind=kind, credits=30)
        add_questions(course)
        plan(user, course, YEAR)
    give_credits(user, "chaoyang", YEAR, source="course", professional=60, public=30)
    assert pass_exam(user).passed
    return user


def signed_in(testapp, user, region="chaoyang"):
    login(testapp, region, user.login).follow()
    return testapp


def issue_through_the_page(testapp, region="chaoyang"):
    page = testapp.get(f"/{region}/certificates/")
    return page.forms["issue"].submit().follow()


def verify_path(certificate) -> str:
    return f"/verify/{certificate.code}"


def test_no_certificate_before_the_exam_is_passed(testapp, make_learner):
    user = make_learner("chaoyang")
    page = signed_in(testapp, user).get("/chaoyang/certificates/")
    pass_mark = rules_for("chaoyang").exam_policy(YEAR).pass_mark
    assert f"考试合格（{pass_mark}分及以上）后才能下载证书。" in page.text
    assert "issue" not in page.forms
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_passing_gives_a_pdf_whose_digest_the_verification_page_shows(testapp, passed_learner):
    pdf = issue_through_the_page(signed_in(testapp, passed_learner))
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")
    certificate = db.session.scalar(select(Certificate))
    assert hashlib.sha256(pdf.body).hexdigest() == certificate.sha256
    # downloading again gives the very same file
    again = testapp.get(f"/chaoyang/certificates/{certificate.serial}.pdf")
    assert again.body == pdf.body
    # a second issue returns the same certificate, not a new one
    issue_through_the_page(testapp)
    assert db.session.scalar(select(func.count(Certificate.id))) == 1

    testapp.reset()  # the verification page is public
    page = testapp.get(verify_path(certificate))
    assert "真实有效" in page.text
    assert f'<code id="sha256">{hashlib.sha256(pdf.body).hexdigest()}</code>' in page.text
    for label, value in certificate.fields["rows"]:
        assert f"<th>{label}</th><td>{value}</td>" in page.text
    assert certificate.fields["title"] in page.text and certificate.fields["statement"] in page.text


def test_an_edited_pdf_is_caught_by_the_verification_page(testapp, passed_learner):
    pdf = issue_through_the_page(signed_in(testapp, passed_learner)).body
    certificate = db.session.scalar(select(Certificate))
    testapp.reset()
    form = testapp.get(verify_path(certificate)).forms["check"]
    assert "请选择要核对的PDF文件。" in form.submit().text
    form["pdf"] = ("certificate.pdf", pdf, "application/pdf")
    assert "文件与颁发的证书完全一致。" in form.submit().text
    middle = len(pdf) // 2
    edited = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]  # one bit changed
    form = testapp.get(verify_path(certificate)).forms["check"]
    form["pdf"] = ("certificate.pdf", edited, "application/pdf")
    assert "文件与颁发的证书不一致，可能已被修改。" in form.submit().text


def test_the_printed_fields_are_the_learners(passed_learner, app):
    with app.test_request_context():
        certificate = certificates.issue(passed_learner, "chaoyang", YEAR)
    rows = dict(certificate.fields["rows"])
    number = passed_learner.profile.id_number
    assert rows["姓名"] == "张合格"
    assert rows["身份证号"] == number[:6] + "********" + number[-4:]
    assert (rows["专业科目"], rows["公需科目"], rows["合计"]) == ("60学分", "30学分", "90学分")
    assert rows["年度"] == f"{YEAR}年度" and rows["证书编号"] == certificate.serial
    assert rows["发证日期"] == "2024-06-15"
    assert rows["考试成绩"] == f"{rules_for('chaoyang').exam_policy(YEAR).full_marks}分"
    assert rows["培训机构"]  # the enrolment's school, else the issuer the region names
    assert certificate.fields["verify_url"].endswith(f"/verify/{certificate.code}")


def _tools(*names):
    for name in names:
        if shutil.which(name) is None:
            require_or_skip(f"{name} not found (apt-get install poppler-utils zbar-tools)")


def test_the_pdf_is_chinese_text_in_an_embedded_font(testapp, passed_learner, tmp_path):
    _tools("pdftotext", "pdffonts", "pdftoppm")
    pdf = issue_through_the_page(signed_in(testapp, passed_learner))
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf.body)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    certificate = db.session.scalar(select(Certificate))
    flat = re.sub(r"\s+", "", text)
    for label, value in certificate.fields["rows"]:
        assert re.sub(r"\s+", "", f"{label}：{value}") in flat
    assert certificate.fields["title"] in flat and "扫码核验证书真伪" in flat
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    truetype = [line.split() for line in fonts.splitlines() if " TrueType " in line]
    # columns: name type encoding emb sub uni object id — embedded, subset, with ToUnicode
    assert truetype and all(cols[-5:-2] == ["yes", "yes", "yes"] for cols in truetype), fonts
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(path), str(tmp_path / "page")], check=True)
    image = (tmp_path / "page.png").read_bytes()
    assert image.startswith(b"\x89PNG") and len(image) > 2_000


def test_the_qr_code_opens_the_verification_page(testapp, passed_learner, tmp_path):
    _tools("pdftoppm", "zbarimg")
    pdf = issue_through_the_page(signed_in(testapp, passed_learner))
    (tmp_path / "certificate.pdf").write_bytes(pdf.body)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(tmp_path / "certificate.pdf"),
                    str(tmp_path / "page")], check=True)
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page.png")],
                             capture_output=True, text=True, check=True).stdout.strip()
    certificate = db.session.scalar(select(Certificate))
    assert scanned == f"http://localhost/verify/{certificate.code}"
    testapp.reset()
    assert "真实有效" in testapp.get(scanned).text


@pytest.mark.parametrize("tamper", ["flip_last", "other_key", "garbage"])
def test_forged_or_guessed_codes_are_not_verified(testapp, passed_learner, app, tamper):
    with app.test_request_context():
        certificate = certificates.issue(passed_learner, "chaoyang", YEAR)
    code = certificate.code
    if tamper == "flip_last":
        forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    elif tamper == "other_key":
        from itsdangerous import URLSafeSerializer

        forged = URLSafeSerializer("not-the-key", salt=certificates.SIGNING_SALT).dumps(certificate.serial)
    else:
        forged = "CY2024000001"
    page = testapp.get(f"/verify/{forged}", status=404)
    assert "证书核验码无效：没有找到这张证书，它可能是伪造的。" in page.text
    assert certificate.serial not in page.text


def test_a_revoked_certificate_shows_as_revoked(testapp, passed_learner, make_staff, app):
    with app.test_request_context():
        certificate = certificates.issue(passed_learner, "chaoyang", YEAR)
    make_staff("chaoyang", "admin", login="cy-admin")
    signed_in(testapp, type("Staff", (), {"login": "cy-admin"}))
    form = testapp.get(f"/chaoyang/certificates/{certificate.serial}/revoke").forms["revoke"]
    assert "请填写撤销原因。" in form.submit().text
    form["reason"] = "信息有误"
    page = form.submit().follow()
    assert re.search(r"该证书已于\d{4}-\d{2}-\d{2}被撤销，不再有效。", page.text)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.revoke"))
    assert entry.after == {"revoked": True, "reason": "信息有误"} and entry.region == "chaoyang"


def test_learners_cannot_revoke_or_download_others_certificates(testapp, passed_learner, make_learner, app):
    with app.test_request_context():
        certificate = certificates.issue(passed_learner, "chaoyang", YEAR)
    other = make_learner("chaoyang", name="王他人")
    signed_in(testapp, other)
    testapp.get(f"/chaoyang/certificates/{certificate.serial}.pdf", status=404)
    testapp.get(f"/chaoyang/certificates/{certificate.serial}/revoke", status=403)
    assert db.session.get(Certificate, certificate.id).revoked_at is None


def test_a_missing_font_fails_clearly(testapp, passed_learner, app):
    app.config["CPE_CJK_FONT"] = "/nonexistent/font.ttc"
    page = signed_in(testapp, passed_learner).get("/chaoyang/certificates/")
    failed = page.forms["issue"].submit(status=503)
    assert "证书生成失败：服务器缺少中文字体，请联系管理员。" in failed.text
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    with pytest.raises(certificates.FontMissing, match="CPE_CJK_FONT"):
        certificates.cjk_font()


# --- CICPA: the hours certificate for selected records --------------------------------------


@pytest.fixture
def member(make_learner):
    user = make_learner("cicpa", login="100000000009", name="赵会员", member_type="non_practising")
    give_credits(user, "cicpa", YEAR, source="course", professional=12, public=8)
    return user


def test_cicpa_hours_certificate_lists_the_selected_records_only(testapp, member):
    page = signed_in(testapp, member, "cicpa").get("/cicpa/certificates/")
    form = page.forms["issue"]
    boxes = form.fields["records"]
    assert len(boxes) == 2
    boxes[0].checked = True
    pdf = form.submit().follow()
    certificate = db.session.scalar(select(Certificate))
    assert hashlib.sha256(pdf.body).hexdigest() == certificate.sha256
    assert certificate.fields["title"] == rules_for("cicpa").certificate_template(YEAR).title
    assert len(certificate.fields["records"]) == 1
    rows = dict(certificate.fields["rows"])
    assert rows["合计"] == "12学时" and "公需科目" not in rows
    verify = testapp.get(verify_path(certificate))
    assert "测试professional学分" in verify.text and "测试public学分" not in verify.text


def test_cicpa_hours_certificate_needs_a_selection(testapp, member):
    page = signed_in(testapp, member, "cicpa").get("/cicpa/certificates/")
    refused = page.forms["issue"].submit(status=422)
    assert "请至少勾选一条记录。" in refused.text
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_cicpa_hours_certificate_refuses_another_members_record(testapp, member, make_learner):
    stranger = make_learner("cicpa", login="100000000010", member_type="non_practising")
    give_credits(stranger, "cicpa", YEAR, source="course", professional=40)
    foreign = db.session.scalar(select(CreditRecord.id).where(CreditRecord.user_id == stranger.id))
    db.session.commit()
    page = signed_in(testapp, member, "cicpa").get("/cicpa/certificates/")
    token = page.forms["issue"]["csrf_token"].value
    refused = testapp.post("/cicpa/certificates/", {"csrf_token": token, "records": str(foreign)}, status=422)
    assert "所选记录不存在或不属于您，证书未生成。" in refused.text
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


# --- a region without an exam: completing the year is enough ---------------------------------


@pytest.fixture
def no_exam(monkeypatch):
    """Chaoyang as if it held no exam (the exam-policy hook answering None)."""
    from cpe_core.regions import RegionRules

    monkeypatch.setattr(RegionRules, "exam_policy", lambda self, year: None)


def test_without_an_exam_the_completed_year_earns_the_certificate(testapp, make_learner, no_exam):
    user = make_learner("chaoyang", name="钱完成")
    give_credits(user, "chaoyang", YEAR, source="course", professional=60, public=20)
    page = signed_in(testapp, user).get("/chaoyang/certificates/")
    assert "本年度共需90学分，已取得80学分，还差10学分。" in page.text
    assert "issue" not in page.forms
    give_credits(user, "chaoyang", YEAR, source="offset", public=10)
    pdf = issue_through_the_page(testapp)
    certificate = db.session.scalar(select(Certificate))
    assert hashlib.sha256(pdf.body).hexdigest() == certificate.sha256
    rows = dict(certificate.fields["rows"])
    assert rows["合计"] == "90学分" and "考试成绩" not in rows
