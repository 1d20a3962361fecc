"""Password reset by SMS code (self-service) and by staff after checking identity (audited)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from cpe_core.testing import id_number, login

LEARNER_ID = id_number("211302", "19880516", 31)
PHONE = "13904210555"


@pytest.fixture
def extra_plugins(outbox):
    return [("test-sms", outbox)]


@pytest.fixture
def learner(make_learner):
    return make_learner("chaoyang", login=LEARNER_ID, id_number=LEARNER_ID, name="孙学员", phone=PHONE)


def request_code(testapp, login_name=LEARNER_ID, phone=PHONE):
    form = testapp.get("/chaoyang/password/reset").forms["reset_request"]
    form["login"], form["phone"] = login_name, phone
    return form.submit(expect_errors=True)


def confirm(page, code, password="NewSecret9", password2=None):
    form = page.forms["reset_confirm"]
    form["code"], form["password"], form["password2"] = code, password, password2 or password
    return form.submit(expect_errors=True)


def test_a_learner_resets_the_password_with_an_sms_code(testapp, learner, outbox):
    page = request_code(testapp).follow()
    region, phone, message = outbox.sent[-1]
    assert (region, phone) == ("chaoyang", PHONE) and "朝阳会计在线" in message
    assert confirm(page, outbox.last_code()).status_int == 302
    assert login(testapp, "chaoyang", LEARNER_ID, "NewSecret9").status_int == 302


def test_the_code_is_stored_hashed(testapp, learner, outbox):
    from cpe_core.extensions import db
    from cpe_core.models import SmsCode

    request_code(testapp)
    stored = db.session.query(SmsCode).one()
    assert outbox.last_code() not in stored.code_hash and len(stored.code_hash) == 64


def test_a_code_works_once(testapp, learner, outbox):
    page = request_code(testapp).follow()
    code = outbox.last_code()
    confirm(page, code)
    again = confirm(testapp.get(page.request.url), code, "Another99")
    assert again.status_int == 422 and "短信验证码错误或已过期，请重新获取。" in again.text


def test_a_code_expires_after_ten_minutes(testapp, learner, outbox, clock):
    page = request_code(testapp).follow()
    clock.advance(minutes=11)
    assert "短信验证码错误或已过期，请重新获取。" in confirm(page, outbox.last_code()).text


def test_a_wrong_code_is_refused_and_five_wrong_tries_burn_the_code(testapp, learner, outbox):
    page = request_code(testapp).follow()
    code = outbox.last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert confirm(page, wrong).status_int == 422
    assert confirm(page, code).status_int == 422


def test_at_most_five_codes_per_phone_per_shanghai_day(testapp, learner, outbox, clock):
    for _ in range(5):
        assert request_code(testapp).status_int == 302
    refused = request_code(testapp)
    assert refused.status_int == 422
    assert "该手机号今日获取验证码次数已达上限（5次），请明天再试。" in refused.text
    assert len(outbox.sent) == 5
    # 2024-06-15 10:00 Shanghai + 14 h = 00:00 next day in Shanghai (still 16:00 UTC the same day).
    clock.advance(hours=14)
    assert request_code(testapp).status_int == 302


@pytest.mark.parametrize(
    "login_name, phone, message",
    [
        (LEARNER_ID, "13904210556", "账号与手机号码不匹配"),
        (id_number(sequence=404), PHONE, "账号与手机号码不匹配"),
        (LEARNER_ID, "1390421", "手机号码应为11位中国大陆手机号码。"),
    ],
)
def test_reset_code_is_only_sent_to_the_phone_on_file(testapp, learner, outbox, login_name, phone, message):
    page = request_code(testapp, login_name, phone)
    assert page.status_int == 422 and message in page.text
    assert outbox.sent == []


def staff_page(testapp, make_staff, learner, role="admin", region="chaoyang"):
    make_staff(region, role, login=f"{region}-{role}")
    login(testapp, region, f"{region}-{role}")
    return testapp.get(f"/{region}/admin/learners/{learner.id}", expect_errors=True)


def test_staff_reset_after_checking_name_id_and_phone_is_audited(testapp, make_staff, learner):
    from cpe_core.extensions import db
    from cpe_core.models import AuditEntry

    page = staff_page(testapp, make_staff, learner)
    form = page.forms["staff_reset"]
    form["name"], form["id_number"], form["phone"], form["password"] = "孙学员", LEARNER_ID, PHONE, "Staff1234"
    done = form.submit().follow()
    assert "密码已重置。" in done.text and "重置密码" in done.html.select("section.card ul li")[0].text
    entry = db.session.query(AuditEntry).filter_by(action="learner.password_reset").one()
    assert entry.target == f"user:{learner.id}" and entry.actor == "admin:chaoyang-admin"
    testapp.reset()
    assert login(testapp, "chaoyang", LEARNER_ID, "Staff1234").status_int == 302


@pytest.mark.parametrize("field, value", [("name", "别人"), ("id_number", id_number(sequence=5)), ("phone", "13900000000")])
def test_staff_reset_refuses_when_identity_does_not_match(testapp, make_staff, learner, field, value):
    from cpe_core.extensions import db
    from cpe_core.models import AuditEntry

    form = staff_page(testapp, make_staff, learner).forms["staff_reset"]
    values = {"name": "孙学员", "id_number": LEARNER_ID, "phone": PHONE, "password": "Staff1234"}
    values[field] = value
    for key, val in values.items():
        form[key] = val
    page = form.submit(status=422)
    assert "姓名、身份证号和手机号码与平台登记信息不符，不能重置密码。" in page.text
    assert db.session.query(AuditEntry).count() == 0


def test_staff_of_another_region_cannot_see_the_learner(testapp, make_staff, learner):
    assert staff_page(testapp, make_staff, learner, region="guangdong").status_int == 404


def test_reviewers_see_learners_but_cannot_reset(testapp, make_staff, learner):
    page = staff_page(testapp, make_staff, learner, role="reviewer")
    assert page.status_int == 200 and "staff_reset" not in page.forms
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    testapp.post(f"/chaoyang/admin/learners/{learner.id}/password",
                 {"csrf_token": token, "name": "孙学员", "id_number": LEARNER_ID, "phone": PHONE,
                  "password": "Staff1234"}, status=403)


def test_learners_cannot_open_staff_pages(testapp, learner):
    login(testapp, "chaoyang", LEARNER_ID)
    testapp.get("/chaoyang/admin/learners", status=403)
    testapp.get(f"/chaoyang/admin/learners/{learner.id}", status=403)


def test_staff_search_finds_learners_by_part_of_a_name_or_the_whole_login_or_phone(testapp, make_staff, learner,
                                                                                   make_learner):
    make_learner("chaoyang", name="周其他", phone="13900000001")
    staff_page(testapp, make_staff, learner)
    for q in ("孙学员", "学员", LEARNER_ID, PHONE):
        page = testapp.get("/chaoyang/admin/learners", {"q": q})
        assert "孙学员" in page.text and "周其他" not in page.text
    # Identifiers match whole (an index lookup among a million), never a part of one.
    for q in (LEARNER_ID[:10], PHONE[-4:]):
        assert "孙学员" not in testapp.get("/chaoyang/admin/learners", {"q": q}).text
