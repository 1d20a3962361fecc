"""The JSON API's accounts part: same rules and messages as the site, token auth, OpenAPI."""
from __future__ import annotations


import pytest

from cpe_core.testing import CAPTCHA_TEST_ANSWER, api_captcha, id_number

LEARNER_ID = id_number("211302", "19880516", 21)


@pytest.fixture
def extra_plugins(outbox):
    return [("test-sms", outbox)]


def chaoyang_body(**overrides):
    body = {
        "login": LEARNER_ID, "password": "Secret123", "password2": "Secret123", "name": "赵学员",
        "qualification_level": "中级", "qualified_year": 2016, "employer": "朝阳某单位",
        "phone": "13904210123", "collection_region": "chaoyang", "privacy_accepted": True,
    }
    body.update(overrides)
    return body


def with_captcha(testapp, body: dict) -> dict:
    return {**body, **api_captcha(testapp)}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_register_then_read_profile_and_eligibility_with_the_token(testapp):
    created = testapp.post_json("/api/v1/regions/chaoyang/register", with_captcha(testapp, chaoyang_body()), status=201).json
    token = created["token"]
    me = testapp.get("/api/v1/me", headers=bearer(token)).json
    assert (me["name"], me["id_number"], me["region"]) == ("赵学员", LEARNER_ID, "chaoyang")
    answer = testapp.get("/api/v1/me/eligibility?year=2024", headers=bearer(token)).json
    assert answer["allowed"] is True
    assert answer["reasons"][0]["message"] == "符合朝阳市2024年度会计继续教育学习条件"


def test_ineligible_learner_gets_the_chinese_reason_from_the_api(testapp):
    token = testapp.post_json(
        "/api/v1/regions/chaoyang/register", with_captcha(testapp, chaoyang_body(collection_region="liaoning-other")), status=201
    ).json["token"]
    answer = testapp.get("/api/v1/me/eligibility", headers=bearer(token)).json
    assert answer["allowed"] is False and answer["reasons"][0]["code"] == "collected_elsewhere"
    assert "您的信息采集地区不是朝阳市" in answer["reasons"][0]["message"]


@pytest.mark.parametrize(
    "overrides, status, code, message",
    [
        ({"login": LEARNER_ID[:17] + ("0" if LEARNER_ID[17] != "0" else "1")}, 422, "invalid_input",
         "身份证号校验位不正确，请核对后重新输入。"),
        ({"phone": "12345"}, 422, "invalid_input", "手机号码应为11位中国大陆手机号码。"),
        ({"password": "abc", "password2": "abc"}, 422, "invalid_input", "密码至少8位，且须同时包含字母和数字。"),
        ({"employer": ""}, 422, "invalid_input", "请填写“工作单位”。"),
        ({"privacy_accepted": False}, 422, "invalid_input", "请阅读并同意《朝阳会计在线个人信息保护政策》后再注册。"),
    ],
)
def test_api_registration_refuses_bad_input_with_the_sites_messages(testapp, overrides, status, code, message):
    body = testapp.post_json("/api/v1/regions/chaoyang/register", with_captcha(testapp, chaoyang_body(**overrides)), status=status).json
    assert body["error"]["code"] == code
    assert message in body["error"]["fields"].values()


def test_api_duplicate_registration_is_a_conflict(testapp):
    testapp.post_json("/api/v1/regions/chaoyang/register", with_captcha(testapp, chaoyang_body()), status=201)
    body = testapp.post_json("/api/v1/regions/chaoyang/register", with_captcha(testapp, chaoyang_body()), status=409).json
    assert body["error"] == {
        "code": "already_registered",
        "message": "该身份证号已在本地区注册，请直接登录；忘记密码可通过“忘记密码”找回。",
        "fields": {"login": "该身份证号已在本地区注册，请直接登录；忘记密码可通过“忘记密码”找回。"},
    }


def test_guangdong_api_registration_requires_a_yes_to_one_question(testapp):
    body = {"login": id_number("440106", "19900101", 8), "password": "Secret123", "password2": "Secret123",
            "name": "陈学员", "phone": "13800138000", "privacy_accepted": True,
            "works_in_guangdong": "no", "lives_or_studies_with_qualification": "no"}
    refused = testapp.post_json("/api/v1/regions/guangdong/register", with_captcha(testapp, body), status=422).json["error"]
    assert refused["code"] == "registration_not_eligible" and "您不符合注册条件" in refused["message"]
    body["works_in_guangdong"] = "yes"
    testapp.post_json("/api/v1/regions/guangdong/register", with_captcha(testapp, body), status=201)


def test_api_login_gives_a_token_and_is_throttled(testapp, make_learner):
    make_learner("chaoyang", login=LEARNER_ID)
    ok = testapp.post_json("/api/v1/regions/chaoyang/login", with_captcha(testapp, {"login": LEARNER_ID, "password": "Passw0rd!"})).json
    assert testapp.get("/api/v1/me", headers=bearer(ok["token"])).json["login"] == LEARNER_ID
    for _ in range(5):
        wrong = testapp.post_json("/api/v1/regions/chaoyang/login", with_captcha(testapp, {"login": LEARNER_ID, "password": "x"}), status=401)
        assert wrong.json["error"] == {"code": "bad_credentials", "message": "账号或密码错误。"}
    locked = testapp.post_json("/api/v1/regions/chaoyang/login", with_captcha(testapp, {"login": LEARNER_ID, "password": "Passw0rd!"}), status=429)
    assert locked.json["error"]["message"] == "登录失败次数过多，请15分钟后再试。"


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Bearer "])
def test_api_profile_needs_a_valid_token(testapp, header):
    headers = {"Authorization": header} if header else {}
    body = testapp.get("/api/v1/me", headers=headers, status=401).json
    assert body["error"] == {"code": "login_required", "message": "请先登录。"}


def test_a_token_stops_working_after_a_password_reset(testapp, make_learner, outbox):
    make_learner("chaoyang", login=LEARNER_ID, phone="13904210123")
    token = testapp.post_json("/api/v1/regions/chaoyang/login", with_captcha(testapp, {"login": LEARNER_ID, "password": "Passw0rd!"})).json["token"]
    testapp.post_json("/api/v1/regions/chaoyang/password-reset/code", {"login": LEARNER_ID, "phone": "13904210123"})
    testapp.post_json("/api/v1/regions/chaoyang/password-reset", {
        "login": LEARNER_ID, "phone": "13904210123", "code": outbox.last_code(),
        "password": "NewSecret9", "password2": "NewSecret9"})
    testapp.get("/api/v1/me", headers=bearer(token), status=401)


def test_a_learners_token_cannot_reach_another_learners_data(testapp, make_learner):
    first = make_learner("chaoyang", login=LEARNER_ID)
    make_learner("chaoyang", login=id_number(sequence=77), name="别人")
    token = testapp.post_json("/api/v1/regions/chaoyang/login", with_captcha(testapp, {"login": LEARNER_ID, "password": "Passw0rd!"})).json["token"]
    # There is no learner id to change: /me is always the token's own learner, whatever is asked.
    assert testapp.get("/api/v1/me?id=2", headers=bearer(token)).json["id"] == first.id
    testapp.get(f"/api/v1/learners/{first.id + 1}", headers=bearer(token), status=404)


def test_api_collection_steps_save_and_submit(testapp, make_learner, app, tmp_path):
    import io

    from PIL import Image

    app.config["CPE_UPLOAD_DIR"] = str(tmp_path)
    gd_id = id_number("440106", "19900101", 9)
    make_learner("guangdong", login=gd_id, work_start_year=2015)
    token = testapp.post_json("/api/v1/regions/guangdong/login", with_captcha(testapp, {"login": gd_id, "password": "Passw0rd!"})).json["token"]
    state = testapp.get("/api/v1/me/collection", headers=bearer(token)).json
    assert [s["code"] for s in state["steps"]] == ["personal", "education", "work", "qualification", "submit"]
    bad = testapp.put_json("/api/v1/me/collection/personal", {"gender": "女"}, headers=bearer(token), status=422).json
    assert bad["error"]["fields"]["collection_area"] == "请选择“信息采集行政区域”。"
    testapp.put_json("/api/v1/me/collection/personal",
                     {"id_type": "居民身份证", "country": "中国（内地）", "gender": "女", "birth_date": "1990-01-01",
                      "email": "gd@example.org", "is_student": False, "collection_area": "佛山市", "address": "佛山某地"},
                     headers=bearer(token))
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    refused = testapp.post("/api/v1/me/collection/personal/attachments/photo", headers=bearer(token),
                           upload_files=[("file", "photo.jpg", buffer.getvalue())], status=422).json
    assert refused["error"]["message"] == "“个人免冠照片”格式不正确，只能上传jpg/jpeg格式的图片。"
    incomplete = testapp.post("/api/v1/me/collection/submit", headers=bearer(token), status=422).json
    assert incomplete["error"]["code"] == "collection_incomplete"
    assert "请在“个人信息”中上传身份证正面照片。" in incomplete["error"]["fields"].values()


def test_openapi_document_is_generated_from_the_routes(testapp):
    document = testapp.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in ("/regions/{code}/register", "/regions/{code}/login", "/me", "/me/eligibility",
                 "/me/collection", "/me/collection/{step}", "/regions/{code}/password-reset/code"):
        assert path in paths, path
    assert paths["/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert "422" in paths["/regions/{code}/register"]["post"]["responses"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_an_api_token_ends_after_seven_days_by_the_apps_clock(testapp, clock):
    created = testapp.post_json("/api/v1/regions/chaoyang/register", with_captcha(testapp, chaoyang_body()), status=201).json
    clock.advance(days=6, hours=23)
    assert testapp.get("/api/v1/me", headers=bearer(created["token"])).status_int == 200
    clock.advance(hours=2)
    refused = testapp.get("/api/v1/me", headers=bearer(created["token"]), status=401)
    assert refused.json["error"]["code"] in ("login_required", "session_replaced")
