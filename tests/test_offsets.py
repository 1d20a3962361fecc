"""Offset and hour applications (学分抵免, 学时申请): the learner's forms, the evidence rules,
the review cycle, the staff import and the bad inputs, through the real site forms."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, CreditRecord, OffsetApplication, OffsetAttachment
from cpe_core.regions import rules_for
from cpe_core.testing import id_number, login

YEAR = 2024


@pytest.fixture
def cpe_test_config(cpe_test_config, tmp_path):
    return {**cpe_test_config, "CPE_UPLOAD_DIR": str(tmp_path / "uploads")}


@pytest.fixture
def upload_dir(app) -> Path:
    return Path(app.config["CPE_UPLOAD_DIR"])


def image(fmt: str = "JPEG", color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(buffer, fmt)
    return buffer.getvalue()


def jpeg(name: str = "proof.jpg", color: str = "red") -> tuple[str, str, bytes]:
    return ("evidence", name, image("JPEG", color))


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def sample_value(spec) -> str:
    """A valid answer for any field type the hook can define."""
    return {
        "int": "2",
        "date": "2024-05-01",
        "cn_number": "CN11-1234/F",
        "choice": spec.choices[0] if spec.choices else "x",
    }.get(spec.type, "测试内容")


def fill(form, region: str, type_code: str, role: str, **values):
    offset = rules_for(region).offset_type(YEAR, type_code)
    form["role"] = role
    for spec in offset.fields:
        form["f_" + spec.name] = values.get(spec.name, sample_value(spec))
    if "claimed" in values:
        form["claimed"] = values["claimed"]
    return form


def new_form(testapp, region: str, type_code: str):
    return testapp.get(f"/{region}/offsets/new/{type_code}").forms["offset"]


def submit(form, files=(), action="submit", status=302):
    return form.submit("action", value=action, upload_files=list(files), status=status)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def learner(make_learner, testapp):
    user = make_learner("chaoyang", name="王会计")
    login(testapp, "chaoyang", user.login)
    return user


@pytest.fixture
def reviewer(make_staff):
    return make_staff("chaoyang", "reviewer", login="cy-reviewer", name="审核员甲")


def apply(testapp, region="chaoyang", type_code="paper", role="alone", files=(), **values):
    form = fill(new_form(testapp, region, type_code), region, type_code, role, **values)
    submit(form, files)
    db.session.expire_all()
    return db.session.scalars(select(OffsetApplication).order_by(OffsetApplication.id.desc())).first()


# --- every kind and role from the seeds -----------------------------------------------------

# (region, kind, role, values, credits the seed gives)
SEED_VALUES = [
    ("chaoyang", "degree", "course_passed", {}, 90),
    ("chaoyang", "research", "alone", {}, 90),
    ("chaoyang", "research", "leader", {}, 90),
    ("chaoyang", "research", "member", {}, 60),
    ("chaoyang", "paper", "alone", {}, 30),
    ("chaoyang", "paper", "first_author", {"author_position": "1"}, 30),
    ("chaoyang", "paper", "other_author", {"author_position": "3"}, 10),
    ("chaoyang", "book", "alone", {}, 90),
    ("chaoyang", "book", "first_author", {"author_position": "1"}, 90),
    ("chaoyang", "book", "other_author", {"author_position": "2"}, 60),
    ("chaoyang", "training", "participant", {"days": "1"}, 30),
    ("chaoyang", "training", "participant", {"days": "3"}, 90),
    ("chaoyang", "contest", "participant", {}, 90),
    ("cicpa", "input", "hours", {"hours": "12"}, 12),
    ("cicpa", "output", "hours", {"hours": "8"}, 8),
    ("cicpa", "exemption", "exempt", {}, 40),
]


@pytest.mark.parametrize(("region", "kind", "role", "values", "credits"), SEED_VALUES)
def test_every_kind_and_role_is_valued_as_the_seed_says(
    testapp, make_learner, region, kind, role, values, credits
):
    user = make_learner(region, name="赵会计", **({"member_number": "M0001"} if region == "cicpa" else {}))
    login(testapp, region, user.login)
    form = fill(new_form(testapp, region, kind), region, kind, role, **values)
    preview = submit(form, action="preview", status=200)
    unit = "学分" if region == "chaoyang" else "学时"
    assert f"按规定可折算{credits}{unit}。" in preview.text
    assert count(OffsetApplication) == 0, "a preview saves nothing"

    files = [jpeg()] if region == "chaoyang" else [("evidence", "证明.pdf", PDF)]
    form = fill(preview.forms["offset"], region, kind, role, **values)
    page = submit(form, files).follow()
    application = db.session.scalars(select(OffsetApplication)).one()
    assert (application.offset_type, application.role, application.credits) == (kind, role, credits)
    assert application.status == "submitted" and application.user_id == user.id
    row = page.html.select_one(f"#my-applications tr[data-id='{application.id}']").text
    # CICPA words the statuses as its manual does (cpe_application_statuses); the code stays.
    assert ("未确认" if region == "cicpa" else "待审核") in row and f"{credits}{unit}" in row


def test_the_national_exam_needs_no_application(testapp, learner):
    page = testapp.get("/chaoyang/offsets")
    assert "无需申请，由工作人员统一登记。" in page.text
    assert "/chaoyang/offsets/new/exam" not in page.text
    refused = testapp.get("/chaoyang/offsets/new/exam", status=403)
    assert "“会计相关考试”无需申请，由工作人员统一登记。" in refused.text


def test_a_region_without_offsets_says_so(testapp, make_learner):
    user = make_learner("guangdong")
    login(testapp, "guangdong", user.login)
    unit = {"credit": "学分", "hour": "学时"}[rules_for("guangdong").info.unit]
    refused = testapp.get("/guangdong/offsets", status=404)
    assert f"本地区不受理{unit}抵免申请。" in refused.text
    assert "/guangdong/offsets" not in str(refused.html.select_one(".mainnav")), "nor does the menu offer it"


# --- bad values ------------------------------------------------------------------------------

BAD_VALUES = [
    ("chaoyang", "paper", "other_author", {"claimed": "30"},
     "“会计类论文·合作发表·其他作者”按规定可折算10学分，不能申请30学分。"),
    ("chaoyang", "training", "participant", {"days": "-2"}, "“培训天数”不能为负数。"),
    ("chaoyang", "training", "participant", {"days": "0"}, "“培训天数”至少为1。"),
    ("chaoyang", "training", "participant", {"days": "4"}, "“培训天数”不能超过3。"),
    ("chaoyang", "training", "participant", {"days": "两天"}, "“培训天数”须为整数。"),
    ("chaoyang", "paper", "alone", {"cn_number": "ISSN 1234"}, "“国内统一刊号（CN）”格式不正确，应如CN11-1234/F。"),
    ("chaoyang", "paper", "alone", {"title": ""}, "请填写“论文题目”。"),
    ("chaoyang", "paper", "alone", {"published_on": "2024-13-01"}, "“发表日期”须为日期，如2024-05-01。"),
    ("chaoyang", "book", "alone", {"claimed": "九十"}, "申请折算学分须为整数。"),
    ("cicpa", "input", "hours", {"hours": "41"}, "“申请学时数”不能超过40。"),
    ("cicpa", "output", "hours", {"hours": "-1"}, "“申请学时数”不能为负数。"),
    ("cicpa", "exemption", "exempt", {"claimed": "80"}, "“豁免学时·豁免本年度学时”按规定可折算40学时，不能申请80学时。"),
]


@pytest.mark.parametrize(("region", "kind", "role", "values", "message"), BAD_VALUES)
def test_values_outside_the_rules_are_refused_and_nothing_is_saved(
    testapp, make_learner, upload_dir, region, kind, role, values, message
):
    user = make_learner(region, **({"member_number": "M0002"} if region == "cicpa" else {}))
    login(testapp, region, user.login)
    form = fill(new_form(testapp, region, kind), region, kind, role, **values)
    page = submit(form, [jpeg()], status=422)
    assert page.html.select_one(".alert-error").text == message
    assert count(OffsetApplication) == 0 and count(OffsetAttachment) == 0
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


BIG = b"\xff\xd8\xff\xe0" + b"\0" * (5 * 1024 * 1024)
BAD_FILES = [
    ([jpeg("1.jpg"), jpeg("2.jpg"), jpeg("3.jpg"), jpeg("4.jpg")], "证明材料最多上传3个文件。"),
    ([("evidence", "合同.jpg", b"this is a text file, not a picture")],
     "文件“合同.jpg”不是允许的格式（JPG、PNG），请重新选择。"),
    ([("evidence", "扫描件.jpg", PDF)], "文件“扫描件.jpg”不是允许的格式（JPG、PNG），请重新选择。"),
    ([("evidence", "大图.jpg", BIG)], "文件“大图.jpg”超过5MB，请压缩后再上传。"),
]


@pytest.mark.parametrize(("files", "message"), BAD_FILES, ids=["fourth", "renamed-text", "pdf", "oversized"])
def test_bad_evidence_is_refused_and_nothing_is_saved(testapp, learner, upload_dir, files, message):
    form = fill(new_form(testapp, "chaoyang", "paper"), "chaoyang", "paper", "alone")
    page = submit(form, files, status=422)
    assert page.html.select_one(".alert-error").text == message
    assert count(OffsetApplication) == 0 and count(OffsetAttachment) == 0
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_png_is_accepted_by_its_content_whatever_its_name(testapp, learner, upload_dir):
    application = apply(testapp, files=[("evidence", "photo.jpeg", image("PNG"))])
    (attachment,) = application.attachments
    assert attachment.content_type == "image/png" and attachment.filename == "photo.jpeg"
    assert attachment.storage_key.endswith(".png") and "photo" not in attachment.storage_key
    assert (upload_dir / attachment.storage_key).read_bytes() == image("PNG")


def test_cicpa_needs_an_attachment_to_submit_and_accepts_pdf(testapp, make_learner):
    user = make_learner("cicpa", member_number="M0003")
    login(testapp, "cicpa", user.login)
    form = fill(new_form(testapp, "cicpa", "input"), "cicpa", "input", "hours", hours="6")
    page = submit(form, status=422)
    assert page.html.select_one(".alert-error").text == "提交前请上传证明材料（至少1个文件）。"
    assert count(OffsetApplication) == 0
    # A draft may wait for its attachment.
    submit(fill(page.forms["offset"], "cicpa", "input", "hours", hours="6"), action="save")
    application = db.session.scalars(select(OffsetApplication)).one()
    assert application.status == "draft"
    edit = testapp.get(f"/cicpa/offsets/{application.id}/edit").forms["offset"]
    submit(edit, [("evidence", "证明.pdf", PDF)])
    db.session.expire_all()
    assert application.status == "submitted" and application.attachments[0].content_type == "application/pdf"


# --- the edit / re-upload rule ---------------------------------------------------------------


def test_an_edit_must_upload_images_again_and_saving_without_clears_them(testapp, learner, upload_dir):
    application = apply(testapp, files=[jpeg("a.jpg"), jpeg("b.jpg", "blue")])
    old_files = [upload_dir / a.storage_key for a in application.attachments]
    assert len(old_files) == 2 and all(path.exists() for path in old_files)

    page = testapp.get(f"/chaoyang/offsets/{application.id}/edit")
    warning = page.html.select_one("#reupload-warning").text
    assert "每次修改后必须重新上传证明材料图片" in warning and "原上传的图片将被清除" in warning
    form = page.forms["offset"]
    assert form["f_title"].value == "测试内容", "the form keeps what was entered"
    form["f_title"] = "改过的题目"
    refused = submit(form, status=422)
    assert "提交前请上传证明材料（至少1个文件）。" in refused.text, "an edit goes to review only with new images"
    form = refused.forms["offset"]
    submit(form, action="save")
    db.session.expire_all()
    assert application.fields["title"] == "改过的题目" and application.status == "draft"
    assert application.attachments == [], "saving an edit without images clears the old ones"
    assert not any(path.exists() for path in old_files)

    form = testapp.get(f"/chaoyang/offsets/{application.id}/edit").forms["offset"]
    submit(form, [jpeg("c.jpg")])
    db.session.expire_all()
    assert [a.filename for a in application.attachments] == ["c.jpg"]


def test_cicpa_edits_keep_the_attachments_already_uploaded(testapp, make_learner):
    user = make_learner("cicpa", member_number="M0004")
    login(testapp, "cicpa", user.login)
    application = apply(testapp, "cicpa", "output", "hours", files=[("evidence", "a.pdf", PDF)], hours="5")
    page = testapp.get(f"/cicpa/offsets/{application.id}/edit")
    assert page.html.select_one("#reupload-warning") is None
    form = page.forms["offset"]
    form["f_hours"] = "7"
    submit(form)
    db.session.expire_all()
    assert application.credits == 7 and len(application.attachments) == 1


# --- the review cycle ------------------------------------------------------------------------


def decide(testapp, application_id, decision, comment="", status=302, region="chaoyang"):
    form = testapp.get(f"/{region}/review/offsets/{application_id}").forms["decision"]
    form["comment"] = comment
    return form.submit("decision", value=decision, status=status)


def test_reject_resubmit_approve_cycle_updates_totals_and_the_audit_log(
    app, testapp, make_learner, reviewer
):
    from cpe_core.services import exams, learners, ledger

    user = make_learner("chaoyang", name="钱会计")
    login(testapp, "chaoyang", user.login)
    application = apply(testapp, type_code="research", role="member", files=[jpeg()])
    assert application.credits == 60

    login(testapp, "chaoyang", "cy-reviewer")
    queue = testapp.get("/chaoyang/review/offsets?status=submitted")
    assert "钱会计" in queue.html.select_one(f"#queue tr[data-id='{application.id}']").text
    refused = decide(testapp, application.id, "reject", status=422)
    assert refused.html.select_one(".alert-error").text == "退回申请时请填写审核意见。"
    db.session.expire_all()
    assert application.status == "submitted"
    detail = decide(testapp, application.id, "reject", "结项证书不清晰，请重新上传").follow()
    assert detail.html.select_one("#status").text == "已退回"

    login(testapp, "chaoyang", user.login)
    mine = testapp.get("/chaoyang/offsets")
    row = mine.html.select_one(f"#my-applications tr[data-id='{application.id}']").text
    assert "已退回" in row and "结项证书不清晰，请重新上传" in row
    form = testapp.get(f"/chaoyang/offsets/{application.id}/edit").forms["offset"]
    submit(form, [jpeg("clear.jpg")])
    db.session.expire_all()
    assert application.status == "submitted"
    assert ledger.progress(user.id, "chaoyang", YEAR).total == 0, "nothing counts before approval"

    login(testapp, "chaoyang", "cy-reviewer")
    decide(testapp, application.id, "approve", "同意")
    db.session.expire_all()
    assert application.status == "approved" and application.reviewed_by == reviewer.id

    progress = ledger.progress(user.id, "chaoyang", YEAR)
    assert progress.from_offsets == {"professional": 60} and progress.total == 60
    record = db.session.scalars(select(CreditRecord)).one()
    assert (record.source, record.source_id, record.credits) == ("offset", application.id, 60)
    # The exam threshold counts the offset: 60 professional credits are no longer missing.
    reasons = {r.code for r in exams.status(user.id, "chaoyang", YEAR).reasons}
    assert "exam_professional_missing" not in reasons and "exam_total_missing" in reasons
    # Chaoyang's credit purchase opens to learners with offsets.
    modes = rules_for("chaoyang").purchase_modes(learners.facts_for(user, YEAR), YEAR)
    assert {m.code: m.available for m in modes} == {"annual": False, "credit": True}

    actions = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    decisions = [(e.action, e.actor, e.after["status"]) for e in actions if e.action.startswith("offset.")]
    assert decisions == [
        ("offset.reject", "reviewer:cy-reviewer", "rejected"),
        ("offset.approve", "reviewer:cy-reviewer", "approved"),
    ]
    assert all(e.at is not None for e in actions)

    # The learner sees the new totals at once, and an approved application is locked.
    login(testapp, "chaoyang", user.login)
    assert "其中来自学分抵免的60学分" in testapp.get("/chaoyang/offsets").text
    locked = testapp.get(f"/chaoyang/offsets/{application.id}/edit", status=403)
    assert "已通过的申请不能修改或删除。" in locked.text
    assert f"delete-{application.id}" not in testapp.get("/chaoyang/offsets").forms
    token = testapp.get("/chaoyang/offsets").html.select_one("input[name=csrf_token]")["value"]
    testapp.post(f"/chaoyang/offsets/{application.id}/delete", {"csrf_token": token}, status=403)
    assert count(OffsetApplication) == 1 and count(CreditRecord) == 1


def test_a_decision_on_an_already_decided_application_is_refused(testapp, learner, reviewer):
    application = apply(testapp, files=[jpeg()])
    login(testapp, "chaoyang", "cy-reviewer")
    page = testapp.get(f"/chaoyang/review/offsets/{application.id}")
    form = page.forms["decision"]
    form.submit("decision", value="approve", status=302)
    again = form.submit("decision", value="approve", status=422)
    assert again.html.select_one(".alert-error").text == "这份申请已通过，只能审核待审核的申请。"
    assert count(CreditRecord) == 1


def test_the_learner_may_delete_a_pending_application_and_its_files(testapp, learner, upload_dir):
    application = apply(testapp, files=[jpeg()])
    path = upload_dir / application.attachments[0].storage_key
    testapp.get("/chaoyang/offsets").forms[f"delete-{application.id}"].submit(status=302)
    assert count(OffsetApplication) == 0 and not path.exists()


# --- other people's things -------------------------------------------------------------------


def test_someone_elses_application_and_files_are_out_of_reach(testapp, make_learner, upload_dir):
    owner = make_learner("chaoyang", name="甲")
    other = make_learner("chaoyang", name="乙")
    login(testapp, "chaoyang", owner.login)
    application = apply(testapp, files=[jpeg()])
    attachment_id = application.attachments[0].id
    assert testapp.get(f"/chaoyang/offsets/files/{attachment_id}").content_type == "image/jpeg"

    login(testapp, "chaoyang", other.login)
    assert "没有找到这份申请。" in testapp.get(f"/chaoyang/offsets/{application.id}/edit", status=404).text
    form = testapp.get("/chaoyang/offsets/new/paper").forms["offset"]
    fill(form, "chaoyang", "paper", "alone")
    form.action = f"/chaoyang/offsets/{application.id}/edit"
    assert "没有找到这份申请。" in submit(form, status=404).text
    delete_token = testapp.get("/chaoyang/offsets/new/paper").forms["offset"]["csrf_token"].value
    testapp.post(f"/chaoyang/offsets/{application.id}/delete", {"csrf_token": delete_token}, status=404)
    assert "没有找到这个文件。" in testapp.get(f"/chaoyang/offsets/files/{attachment_id}", status=404).text
    assert "您不是本地区的审核人员" in testapp.get("/chaoyang/review/offsets", status=403).text
    db.session.expire_all()
    assert application.fields["title"] == "测试内容" and count(OffsetApplication) == 1


def test_a_reviewer_of_another_region_can_neither_see_nor_decide(testapp, learner, make_staff):
    application = apply(testapp, files=[jpeg()])
    make_staff("cicpa", "reviewer", login="cicpa-reviewer")
    login(testapp, "cicpa", "cicpa-reviewer")
    token = testapp.get("/cicpa/").html.select_one("input[name=csrf_token]")["value"]
    message = "您不是本地区的审核人员，不能审核本地区的申请。"
    assert message in testapp.get("/chaoyang/review/offsets", status=403).text
    assert message in testapp.get(f"/chaoyang/review/offsets/{application.id}", status=403).text
    assert message in testapp.get("/chaoyang/review/offsets/export.csv", status=403).text
    testapp.post(
        f"/chaoyang/review/offsets/{application.id}",
        {"csrf_token": token, "decision": "approve"},
        status=403,
    )
    attachment_id = application.attachments[0].id
    testapp.get(f"/chaoyang/offsets/files/{attachment_id}", status=404)
    # Its own region's queue does not list Chaoyang's applications either.
    assert f"data-id=\"{application.id}\"" not in testapp.get("/cicpa/review/offsets").text
    db.session.expire_all()
    assert application.status == "submitted" and count(CreditRecord) == 0
    assert count(AuditEntry) == 0


def test_the_regions_reviewer_sees_the_evidence_beside_the_application(testapp, learner, reviewer):
    application = apply(testapp, files=[jpeg("a.jpg"), jpeg("b.jpg", "blue")])
    login(testapp, "chaoyang", "cy-reviewer")
    page = testapp.get(f"/chaoyang/review/offsets/{application.id}")
    images = [img["src"] for img in page.html.select("img.evidence")]
    assert len(images) == 2
    assert testapp.get(images[1]).body == image("JPEG", "blue")
    assert "CN11-1234/F" in page.html.select_one("#application-fields").text


# --- queue filters and exports ---------------------------------------------------------------


def test_queue_filters_by_status_kind_and_year_and_exports_csv_and_xlsx(testapp, learner, reviewer):
    from openpyxl import load_workbook

    paper = apply(testapp, files=[jpeg()])
    contest = apply(testapp, type_code="contest", role="participant", files=[jpeg()])
    form = fill(new_form(testapp, "chaoyang", "book"), "chaoyang", "book", "alone")
    submit(form, action="save")
    draft = db.session.scalars(select(OffsetApplication).where(OffsetApplication.status == "draft")).one()
    login(testapp, "chaoyang", "cy-reviewer")

    def ids(query: str) -> set[int]:
        page = testapp.get(f"/chaoyang/review/offsets{query}")
        return {int(tr["data-id"]) for tr in page.html.select("#queue tr[data-id]")}

    decide(testapp, contest.id, "reject", "请补充获奖证书")
    everything = ids("")
    assert everything == {paper.id, contest.id}
    assert ids("?status=submitted") == {paper.id}
    assert ids("?status=rejected") == {contest.id}
    assert ids("?type=paper") == {paper.id}
    assert ids("?type=contest&status=submitted") == set()
    assert draft.id not in everything, "a learner's draft is not the reviewer's business"
    testapp.get(f"/chaoyang/review/offsets/{draft.id}", status=404)
    assert ids(f"?year={YEAR}") == everything and ids("?year=2023") == set()

    body = testapp.get("/chaoyang/review/offsets/export.csv?type=paper").body
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["申请编号", "账号", "姓名"]
    assert rows[1][:3] == [str(paper.id), learner.login, "王会计"] and len(rows) == 2
    assert "会计类论文" in rows[1] and "待审核" in rows[1]

    book = load_workbook(io.BytesIO(testapp.get("/chaoyang/review/offsets/export.xlsx").body))
    sheet = list(book.active.iter_rows(values_only=True))
    assert sheet[0][0] == "申请编号" and {row[0] for row in sheet[1:]} == everything


# --- staff import of national-exam passers ----------------------------------------------------


def csv_file(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_file(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("maker,filename", [(csv_file, "passers.csv"), (xlsx_file, "passers.xlsx")])
def test_staff_import_passers_and_get_a_report_of_unmatched_rows(
    testapp, make_learner, make_staff, maker, filename
):
    from cpe_core.services import ledger

    one = make_learner("chaoyang", name="孙会计")
    two = make_learner("chaoyang", name="李会计")
    make_staff("chaoyang", "admin", login="cy-admin")
    stranger = id_number(sequence=777)
    rows = [
        ["身份证号", "姓名", "考试名称", "通过科目", "考试年度"],
        [one.login, "孙会计", "全国会计专业技术资格考试", "中级会计实务", 2024],
        [two.login, "李会计", "全国会计专业技术资格考试", "财务管理", 2024],
        [stranger, "周会计", "全国会计专业技术资格考试", "经济法", 2024],
        [one.login, "孙某", "全国会计专业技术资格考试", "经济法", 2024],
    ]
    login(testapp, "chaoyang", "cy-admin")

    def upload():
        form = testapp.get("/chaoyang/review/import").forms["import"]
        form["offset_type"] = "exam"
        return form.submit(upload_files=[("table", filename, maker(rows))])

    report = upload()
    assert "登记2人，未匹配2行，已登记过0行。" in report.text
    unmatched = [[td.text for td in tr.select("td")] for tr in report.html.select("#unmatched tbody tr")]
    assert unmatched == [
        ["4", stranger, "周会计", "没有这个学员"],
        ["5", one.login, "孙某", "姓名与账号不符（系统中为孙会计）"],
    ]
    assert ledger.progress(one.id, "chaoyang", YEAR).from_offsets == {"professional": 90}
    assert ledger.progress(two.id, "chaoyang", YEAR).from_offsets == {"professional": 90}
    records = db.session.scalars(select(CreditRecord)).all()
    assert {r.source for r in records} == {"import"}
    applications = {a.id for a in db.session.scalars(select(OffsetApplication))}
    assert {r.source_id for r in records} == applications

    again = upload()
    assert "登记0人，未匹配2行，已登记过2行。" in again.text
    assert count(CreditRecord) == 2
    assert [e.action for e in db.session.scalars(select(AuditEntry))] == ["offset.import", "offset.import"]


IMPORT_ERRORS = [
    ([["姓名", "通过科目"], ["孙会计", "经济法"]], "passers.csv", "第一行须有“身份证号”或“会员编号”列。"),
    ([], "passers.csv", "文件是空的。"),
]


@pytest.mark.parametrize("rows,filename,message", IMPORT_ERRORS)
def test_a_bad_import_file_is_refused(testapp, make_staff, rows, filename, message):
    make_staff("chaoyang", "admin", login="cy-admin")
    login(testapp, "chaoyang", "cy-admin")
    form = testapp.get("/chaoyang/review/import").forms["import"]
    page = form.submit(upload_files=[("table", filename, csv_file(rows))], status=422)
    assert page.html.select_one(".alert-error").text == message
    assert count(OffsetApplication) == 0


def test_learners_cannot_import(testapp, learner):
    assert "您不是本地区的审核人员" in testapp.get("/chaoyang/review/import", status=403).text


# --- the same operations under /api/v1 --------------------------------------------------------


def test_api_catalogue_preview_apply_and_review(testapp, learner, reviewer):
    types = testapp.get("/api/v1/regions/chaoyang/offset-types").json["types"]
    assert [t["code"] for t in types] == [t.code for t in rules_for("chaoyang").offset_types(YEAR)]

    offset = rules_for("chaoyang").offset_type(YEAR, "paper")
    fields = {spec.name: sample_value(spec) for spec in offset.fields}
    body = {"type": "paper", "role": "other_author", "fields": fields}
    assert testapp.post_json("/api/v1/me/offsets/preview", body).json["credits"] == 10
    refused = testapp.post_json("/api/v1/me/offsets", {**body, "credits": 30}, status=422).json
    assert refused["error"] == {
        "code": "credits_not_allowed",
        "message": "“会计类论文·合作发表·其他作者”按规定可折算10学分，不能申请30学分。",
    }
    no_evidence = testapp.post_json("/api/v1/me/offsets", {**body, "submit": True}, status=422).json
    assert no_evidence["error"] == {"code": "evidence_required", "message": "提交前请上传证明材料（至少1个文件）。"}
    created = testapp.post_json("/api/v1/me/offsets", body, status=201).json
    assert (created["status"], created["credits"]) == ("draft", 10)
    # The API takes JSON only: the evidence is uploaded on the site, which submits it.
    submit(testapp.get(f"/chaoyang/offsets/{created['id']}/edit").forms["offset"], [jpeg()])
    assert [(a["id"], a["status"]) for a in testapp.get("/api/v1/me/offsets").json["applications"]] == [
        (created["id"], "submitted")]

    login(testapp, "chaoyang", "cy-reviewer")
    queue = testapp.get("/api/v1/regions/chaoyang/offsets?status=submitted").json["applications"]
    assert [a["id"] for a in queue] == [created["id"]]
    no_comment = testapp.post_json(
        f"/api/v1/regions/chaoyang/offsets/{created['id']}/decision", {"decision": "reject"}, status=422
    ).json
    assert no_comment["error"]["message"] == "退回申请时请填写审核意见。"
    approved = testapp.post_json(
        f"/api/v1/regions/chaoyang/offsets/{created['id']}/decision", {"decision": "approve"}
    ).json
    assert approved["status"] == "approved" and count(CreditRecord) == 1


def test_api_refuses_other_peoples_applications_and_other_regions_reviewers(
    testapp, make_learner, make_staff
):
    owner = make_learner("chaoyang")
    other = make_learner("chaoyang")
    make_staff("cicpa", "reviewer", login="cicpa-reviewer")
    login(testapp, "chaoyang", owner.login)
    body = {"type": "contest", "role": "participant", "submit": True,
            "fields": {"contest_name": "知识竞赛", "organiser": "财政局", "held_on": "2024-04-01"}}
    created = {"id": apply(testapp, type_code="contest", role="participant", files=[jpeg()]).id}

    login(testapp, "chaoyang", other.login)
    missing = testapp.put_json(f"/api/v1/me/offsets/{created['id']}", body, status=404).json
    assert missing["error"] == {"code": "application_not_found", "message": "没有找到这份申请。"}
    testapp.delete(f"/api/v1/me/offsets/{created['id']}", status=404)

    login(testapp, "cicpa", "cicpa-reviewer")
    refused = testapp.post_json(
        f"/api/v1/regions/chaoyang/offsets/{created['id']}/decision", {"decision": "approve"}, status=403
    ).json
    assert refused["error"]["message"] == "您不是本地区的审核人员，不能审核本地区的申请。"
    testapp.get("/api/v1/regions/chaoyang/offsets", status=403)
    db.session.expire_all()
    assert db.session.get(OffsetApplication, created["id"]).status == "submitted"
    assert count(CreditRecord) == 0


# --- evidence a Chaoyang application goes to review with ---------------------------------------


def test_a_new_chaoyang_application_needs_an_image_to_be_submitted_but_a_draft_does_not(
    testapp, learner, upload_dir
):
    form = fill(new_form(testapp, "chaoyang", "contest"), "chaoyang", "contest", "participant")
    refused = submit(form, status=422)
    assert "提交前请上传证明材料（至少1个文件）。" in refused.text
    assert count(OffsetApplication) == 0
    assert "至少1个" in new_form(testapp, "chaoyang", "contest").html.text, "the form says so beforehand"
    submit(fill(new_form(testapp, "chaoyang", "contest"), "chaoyang", "contest", "participant"), action="save")
    draft = db.session.scalars(select(OffsetApplication)).one()
    assert draft.status == "draft" and draft.attachments == []
    submitted = apply(testapp, type_code="contest", role="participant", files=[jpeg()])
    assert submitted.status == "submitted" and len(submitted.attachments) == 1


def test_the_credit_preview_answers_json_for_the_forms_script(testapp, learner):
    form = fill(new_form(testapp, "chaoyang", "paper"), "chaoyang", "paper", "other_author", author_position="3")
    fields = dict(form.submit_fields())
    answer = testapp.post("/chaoyang/offsets/new/paper", {**fields, "action": "preview"},
                          headers={"Accept": "application/json"}).json
    assert answer == {"credits": 10, "message": "按规定可折算10学分。"}
    refused = testapp.post("/chaoyang/offsets/new/paper", {**fields, "action": "preview", "claimed": "30"},
                           headers={"Accept": "application/json"}, status=422).json
    assert refused["error"]["code"] == "credits_not_allowed"
    assert count(OffsetApplication) == 0, "a preview saves nothing"
