"""The personal-data copy and account closure through ``/api/v1``, with the site's services:
the same archive (audited), the same password check, the same erasure, and the token ends."""
from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, CreditRecord, User
from cpe_core.services.ledger import record_credit
from cpe_core.testing import api_captcha


def token_of(testapp, region: str, login: str, password: str = "Passw0rd!") -> dict:
    answer = testapp.post_json(f"/api/v1/regions/{region}/login",
                               {"login": login, "password": password, **api_captcha(testapp)}).json
    return {"Authorization": f"Bearer {answer['token']}"}


def test_a_learner_downloads_their_personal_data_through_the_api_and_the_download_is_audited(testapp, make_learner):
    learner = make_learner("chaoyang", name="张丽华", phone="13800001234", collection_region="chaoyang")
    record_credit(user_id=learner.id, region="chaoyang", year=2024, kind="professional", credits=10,
                  source="course", source_id=1, description="会计准则")
    db.session.commit()
    headers = token_of(testapp, "chaoyang", learner.login)

    download = testapp.get("/api/v1/me/personal-data", headers=headers)

    assert download.content_type == "application/zip" and "no-store" in download.headers["Cache-Control"]
    bundle = zipfile.ZipFile(io.BytesIO(download.body))
    assert {"profile.json", "collection/answers.json", "orders.json", "credits.json", "certificates.json"} <= set(
        bundle.namelist())
    assert json.loads(bundle.read("profile.json"))["phone"] == "13800001234"
    assert json.loads(bundle.read("credits.json"))[0]["description"] == "会计准则"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "learner.personal_data_export"))
    assert entry.target == f"user:{learner.id}"


def test_only_a_signed_in_learner_gets_a_personal_data_copy(testapp, make_staff):
    testapp.get("/api/v1/me/personal-data", status=401)
    make_staff("chaoyang", "admin")
    refused = testapp.get("/api/v1/me/personal-data", headers=token_of(testapp, "chaoyang", "chaoyang-admin"), status=403)
    assert refused.json["error"]["code"] == "forbidden"


def test_a_learner_closes_their_account_through_the_api_and_the_token_ends(testapp, make_learner):
    learner = make_learner("chaoyang", name="张丽华", phone="13800001234", employer="朝阳市某公司",
                           collection_region="chaoyang")
    record_credit(user_id=learner.id, region="chaoyang", year=2024, kind="professional", credits=10,
                  source="course", source_id=1, description="会计准则")
    db.session.commit()
    headers = token_of(testapp, "chaoyang", learner.login)

    refused = testapp.post_json("/api/v1/me/close", {"password": "wrong-password"}, headers=headers, status=422).json
    assert refused["error"] == {"code": "wrong_password", "message": "密码不正确，账号未注销。"}
    db.session.expire_all()
    assert db.session.get(User, learner.id).phone == "13800001234"

    assert testapp.post_json("/api/v1/me/close", {"password": "Passw0rd!"}, headers=headers).json == {"closed": True}

    db.session.expire_all()
    user = db.session.get(User, learner.id)
    assert (user.is_active_account, user.phone, user.profile.employer) == (False, None, None)
    assert user.closed_at is not None
    assert db.session.scalar(select(CreditRecord.credits).where(CreditRecord.user_id == learner.id)) == 10
    db.session.rollback()
    assert testapp.get("/api/v1/me", headers=headers, status=401).json["error"]["code"] == "login_required"
    testapp.post_json("/api/v1/regions/chaoyang/login",
                      {"login": learner.login, "password": "Passw0rd!", **api_captcha(testapp)}, status=401)
