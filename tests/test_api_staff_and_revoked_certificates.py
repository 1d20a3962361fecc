"""Staff sign in through the JSON API (it answered 500: the answer was built from a learner
profile staff do not have), and a revoked certificate's PDF is refused to its owner on the site
and through the API while the verification page keeps saying it was revoked."""
from __future__ import annotations

import re

import pytest

from cpe_core.extensions import db
from cpe_core.models import User
from cpe_core.services import certificates, exams
from cpe_core.testing import api_captcha, id_number, login
from exam_helpers import add_questions, answers_of, give_credits, plan
from study_support import ELIGIBLE

YEAR = 2024
MSG_REVOKED = "该证书已被撤销，不能再下载；证书状态以核验页面为准，如有疑问请联系主办单位。"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def api_login(testapp, login_name: str, region: str = "chaoyang", status: int = 200):
    body = {"login": login_name, "password": "Passw0rd!", **api_captcha(testapp)}
    return testapp.post_json(f"/api/v1/regions/{region}/login", body, status=status).json


@pytest.mark.parametrize("role", ["admin", "reviewer"])
def test_staff_sign_in_through_the_api_and_get_a_staff_answer(testapp, make_staff, role):
    staff = make_staff("chaoyang", role, login=f"cy-{role}", name="王老师")
    answer = api_login(testapp, f"cy-{role}")
    assert answer["role"] == role and "learner" not in answer
    assert answer["staff"] == {"id": staff.id, "region": "chaoyang", "login": f"cy-{role}", "name": "王老师",
                               "role": role}
    # The token is a staff token: a learner's own resources refuse it with a stable code.
    refused = testapp.get("/api/v1/me", headers=bearer(answer["token"]), status=403).json
    assert refused["error"]["code"] == "forbidden"


def test_an_admin_token_reaches_the_admin_api(testapp, make_staff):
    make_staff("chaoyang", "admin", login="cy-admin")
    token = api_login(testapp, "cy-admin")["token"]
    assert testapp.get("/api/v1/regions/chaoyang/exports", headers=bearer(token)).status_int == 200


def test_a_learner_sign_in_still_answers_the_learner(testapp, make_learner):
    learner = make_learner("chaoyang")
    answer = api_login(testapp, learner.login)
    assert answer["role"] == "learner" and answer["learner"]["id_number"] == learner.profile.id_number
    assert "staff" not in answer


def test_staff_of_another_region_cannot_sign_in_there(testapp, make_staff):
    make_staff("guangdong", "admin", login="gd-admin")
    refused = api_login(testapp, "gd-admin", region="chaoyang", status=401)
    assert refused["error"]["code"] == "bad_credentials"


# --- revoked certificates -------------------------------------------------------------------


@pytest.fixture
def certificate(app, make_learner, make_course):
    user = make_learner("chaoyang", name="张撤销", id_number=id_number(sequence=78), **ELIGIBLE["chaoyang"])
    for kind in ("professional", "public"):
        course = make_course("chaoyang", YEAR, kind=kind, credits=30)
        add_questions(course)
        plan(user, course, YEAR)
    give_credits(user, "chaoyang", YEAR, source="course", professional=60, public=30)
    attempt = exams.start(user.id, "chaoyang", YEAR)
    exams.save_answers(user.id, attempt.id, answers_of(attempt.id))
    assert exams.submit(user.id, attempt.id).passed
    with app.test_request_context():
        return certificates.issue(user, "chaoyang", YEAR)


def owner_of(certificate) -> str:
    return db.session.get(User, certificate.user_id).login


def revoke(certificate, make_staff) -> None:
    certificates.revoke(certificate, make_staff("chaoyang", "admin", login="cy-admin"), "信息有误")


def test_the_owner_downloads_a_valid_certificate_on_the_site_and_through_the_api(testapp, certificate):
    owner = owner_of(certificate)
    login(testapp, "chaoyang", owner).follow()
    assert testapp.get(f"/chaoyang/certificates/{certificate.serial}.pdf").body.startswith(b"%PDF")
    testapp.reset()
    token = api_login(testapp, owner)["token"]
    listed = testapp.get(f"/api/v1/me/certificates?year={YEAR}", headers=bearer(token)).json["certificates"]
    assert [(c["serial"], c["revoked"]) for c in listed] == [(certificate.serial, False)]
    pdf = testapp.get(listed[0]["pdf_url"], headers=bearer(token))
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")


def test_a_revoked_certificate_is_refused_to_its_owner_on_the_site(testapp, certificate, make_staff):
    serial, code, owner = certificate.serial, certificate.code, owner_of(certificate)
    revoke(certificate, make_staff)
    login(testapp, "chaoyang", owner).follow()
    refused = testapp.get(f"/chaoyang/certificates/{serial}.pdf", status=410)
    assert refused.content_type == "text/html" and MSG_REVOKED in refused.text and "证书已撤销" in refused.text
    page = testapp.get(f"/chaoyang/certificates/?year={YEAR}")
    assert "已撤销" in page.text and f"{serial}.pdf" not in page.text
    verified = testapp.get(f"/verify/{code}")
    assert re.search(r"该证书已于\d{4}-\d{2}-\d{2}被撤销，不再有效。", verified.text)


def test_a_revoked_certificate_is_refused_through_the_api_with_a_stable_code(testapp, certificate, make_staff):
    serial, owner = certificate.serial, owner_of(certificate)
    revoke(certificate, make_staff)
    token = api_login(testapp, owner)["token"]
    listed = testapp.get(f"/api/v1/me/certificates?year={YEAR}", headers=bearer(token)).json["certificates"]
    assert listed[0]["revoked"] is True and listed[0]["revoked_at"] and listed[0]["pdf_url"] is None
    refused = testapp.get(f"/api/v1/me/certificates/{serial}.pdf", headers=bearer(token), status=410).json
    assert refused["error"] == {"code": "certificate_revoked", "message": MSG_REVOKED}


def test_another_learner_gets_no_certificate_through_the_api(testapp, certificate, make_learner):
    other = make_learner("chaoyang", name="王他人")
    token = api_login(testapp, other.login)["token"]
    refused = testapp.get(f"/api/v1/me/certificates/{certificate.serial}.pdf", headers=bearer(token), status=404).json
    assert refused["error"]["code"] == "certificate_not_found"
    assert testapp.get(f"/api/v1/me/certificates?year={YEAR}", headers=bearer(token)).json["certificates"] == []
