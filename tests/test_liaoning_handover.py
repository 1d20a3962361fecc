"""Liaoning's 进入网校 to an institution this deployment also serves (Chaoyang): a signed,
single-use, short-lived hand-over signs the learner in there without a second registration;
paying and refunding there move the hub's enrolment; the credits earned there come back
through Chaoyang's push to the hub's receiver and show as 学分已登记."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from webtest import TestApp

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, CreditPush, Enrolment, Handover, Payment, User
from cpe_core.services import ledger, pushes, registrations
from cpe_core.testing import id_number, login

YEAR = 2024


@pytest.fixture
def cpe_plugins() -> str:
    return "liaoning,chaoyang"


@pytest.fixture
def schools(make_institution):
    inside = make_institution("liaoning", "朝阳会计在线", url="/chaoyang/", contact="0421-2622171")
    outside = make_institution("liaoning", "辽宁会计网校", url="https://school.example.org/")
    return inside.id, outside.id


@pytest.fixture
def learner(make_learner):
    return make_learner("liaoning", name="冯思媛", collection_region="liaoning", collection_area="朝阳市双塔区",
                        qualified_year=2015, collection_status="approved")


def enrol(testapp, school_id: int):
    form = testapp.get(f"/liaoning/enrolments/?year={YEAR}").forms["enrol"]
    form["level"] = "中级"
    form["institution_id"] = str(school_id)
    return form.submit().follow()


def enter_form(page):
    return page.forms[page.html.select_one("form[id^=enter-]")["id"]]


def handover_link(testapp, page) -> str:
    """Press 进入网校 and return where it sends the browser, without following it."""
    answer = enter_form(page).submit()
    assert answer.status_int == 302
    return answer.location


def chaoyang_account(id_number: str) -> User | None:
    return db.session.scalar(select(User).where(User.region == "chaoyang", User.login == id_number))


def test_enter_school_signs_the_learner_in_on_chaoyang_with_a_new_account_and_audits_it(testapp, learner, schools):
    login(testapp, "liaoning", learner.login)
    page = enrol(testapp, schools[0])
    link = handover_link(testapp, page)
    assert "/chaoyang/handover?token=" in link
    home = testapp.get(link).follow()
    assert home.request.path == "/chaoyang/"
    assert "冯思媛" in home.text and "退出" in home.text  # signed in on the Chaoyang site

    account = chaoyang_account(learner.login)
    assert account is not None and account.name == "冯思媛" and account.phone == learner.phone
    assert (account.profile.collection_region, account.profile.collection_area) == ("liaoning", "朝阳市双塔区")
    # Chaoyang's own rule lets a learner collected in 朝阳市 on the provincial platform order there.
    assert "order-annual" in testapp.get(f"/chaoyang/orders/new?year={YEAR}").forms
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["handover.issue", "handover.redeem"]


def test_an_existing_chaoyang_account_with_the_same_id_number_is_reused(testapp, learner, schools, make_learner):
    existing = make_learner("chaoyang", id_number=learner.profile.id_number, name="冯思媛",
                            collection_region="chaoyang", collection_area="朝阳市双塔区")
    login(testapp, "liaoning", learner.login)
    testapp.get(handover_link(testapp, enrol(testapp, schools[0])))
    assert db.session.scalar(select(func.count()).select_from(User).where(User.region == "chaoyang")) == 1
    assert db.session.scalar(select(Handover.target_user_id)) == existing.id


def test_a_hand_over_link_works_once(testapp, learner, schools):
    login(testapp, "liaoning", learner.login)
    link = handover_link(testapp, enrol(testapp, schools[0]))
    testapp.get(link)
    stranger = TestApp(testapp.app)
    refused = stranger.get(link, status=400)
    assert "进入网校的链接已使用过" in refused.text
    assert "退出" not in refused.text


def test_a_hand_over_link_expires_after_two_minutes(testapp, learner, schools, clock):
    login(testapp, "liaoning", learner.login)
    link = handover_link(testapp, enrol(testapp, schools[0]))
    clock.advance(seconds=121)
    assert "进入网校的链接已过期" in testapp.get(link, status=400).text
    assert chaoyang_account(learner.login) is None


def test_a_tampered_or_misdirected_hand_over_link_is_refused(testapp, learner, schools):
    login(testapp, "liaoning", learner.login)
    link = handover_link(testapp, enrol(testapp, schools[0]))
    assert "链接无效" in testapp.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB"), status=400).text
    # The same signed token presented to another region's site is not its hand-over.
    assert "链接无效" in testapp.get(link.replace("/chaoyang/", "/liaoning/"), status=400).text
    assert chaoyang_account(learner.login) is None


def test_an_institution_outside_the_deployment_stays_a_plain_link(testapp, learner, schools):
    login(testapp, "liaoning", learner.login)
    row = enrol(testapp, schools[1]).html.select_one("#enrolments tbody tr")
    link = row.select_one("a.enter-school")
    assert link["href"] == "https://school.example.org/" and row.select_one("form[id^=enter-]") is None
    enrolment_id = db.session.scalar(select(Enrolment.id))
    page = testapp.get(f"/liaoning/enrolments/?year={YEAR}")
    token = page.forms["enrol"]["csrf_token"].value
    refused = testapp.post(f"/liaoning/enrolments/{enrolment_id}/enter", {"csrf_token": token}).follow()
    assert "该培训机构不在本平台" in refused.text
    assert db.session.scalar(select(func.count()).select_from(Handover)) == 0


def pay_annual_on_chaoyang(app, testapp) -> str:
    """Order Chaoyang's annual purchase as the handed-over learner and pay it in the sandbox."""
    order_page = testapp.get(f"/chaoyang/orders/new?year={YEAR}").forms["order-annual"].submit().follow()
    form = order_page.forms["pay"]
    form["provider"] = "sandbox"
    form.submit()
    ref = db.session.scalar(select(Payment.provider_ref))
    db.session.rollback()
    sandbox = app.extensions["cpe"].payment_providers()["sandbox"]
    sandbox.pay(ref)
    body, headers = sandbox.notification(ref)
    TestApp(app).post("/payments/notify/sandbox", body, headers=headers)
    return order_page.request.path


def enrolment_status() -> str:
    status = db.session.scalar(select(Enrolment.status))
    db.session.rollback()
    return status


def test_paying_at_chaoyang_makes_the_enrolment_paid_and_a_refund_there_cancels_it(app, testapp, learner, schools,
                                                                                 make_staff):
    login(testapp, "liaoning", learner.login)
    testapp.get(handover_link(testapp, enrol(testapp, schools[0])))
    order_path = pay_annual_on_chaoyang(app, testapp)
    assert enrolment_status() == "paid"

    login(testapp, "liaoning", learner.login)
    row = testapp.get(f"/liaoning/enrolments/?year={YEAR}").html.select_one("#enrolments tbody tr")
    assert row.select_one("td.status").text == "已缴费"
    assert row.select_one("form[id^=cancel-]") is None  # 在网校缴费后不能取消报名

    # 退费后自动取消报名: the refund is asked and approved on the Chaoyang site.
    testapp.get(handover_link(testapp, testapp.get(f"/liaoning/enrolments/?year={YEAR}")))
    form = testapp.get(order_path).forms["refund"]
    form["reason"] = "更换培训机构"
    form.submit()
    make_staff("chaoyang")
    staff = TestApp(testapp.app)
    login(staff, "chaoyang", "chaoyang-admin")
    listing = staff.get("/chaoyang/admin/refunds")
    listing.forms[listing.html.select_one("form[id^=approve-]")["id"]].submit()
    assert enrolment_status() == "cancelled"


@pytest.fixture
def hub_receiver(app, live_server, schools):
    """Chaoyang's push pointed at this deployment's own Liaoning receiver, with the token
    ``cpe institutions token`` would give 朝阳会计在线."""
    from cpe_core.models import Institution

    institution = db.session.get(Institution, schools[0])
    token = registrations.new_token(institution)
    db.session.commit()
    app.config["CPE_CHAOYANG_PUSH_URL"] = f"{live_server}/api/v1/regions/liaoning/registrations"
    app.config["CPE_CHAOYANG_PUSH_TOKEN"] = token
    return token


def test_credits_earned_at_chaoyang_are_registered_back_through_its_push(app, testapp, learner, schools,
                                                                       hub_receiver):
    login(testapp, "liaoning", learner.login)
    testapp.get(handover_link(testapp, enrol(testapp, schools[0])))
    account = chaoyang_account(learner.login)
    ledger.record_credit(user_id=account.id, region="chaoyang", year=YEAR, kind="professional", credits=60,
                         source="course", source_id=1, description="课程")
    db.session.commit()

    summary = pushes.push("chaoyang", YEAR)
    assert (summary.accepted, summary.failed) == (1, 0)
    assert db.session.scalar(select(CreditPush.status)) == "registered"
    db.session.rollback()

    login(testapp, "liaoning", learner.login)
    row = testapp.get(f"/liaoning/enrolments/?year={YEAR}").html.select_one("#enrolments tbody tr")
    cells = [td.text for td in row.select("td")]
    assert row.select_one("td.status").text == "学分已登记"
    assert cells[5:8] == ["60", "60", "0"]  # 已获学分, 专业课学分, 公需课学分

    # More credits there: the next push sends a new version, which replaces what was registered.
    ledger.record_credit(user_id=account.id, region="chaoyang", year=YEAR, kind="public", credits=30,
                         source="course", source_id=2, description="课程")
    db.session.commit()
    assert pushes.push("chaoyang", YEAR).accepted == 1
    assert ledger.earned_by_source(learner.id, YEAR)[0] == {"professional": 60, "public": 30}
    assert ledger.progress(learner.id, "liaoning", YEAR).complete


def registration(key: str, id_number: str, professional: int = 10):
    return {"idempotency_key": key, "region": "outside", "year": YEAR,
            "record": {"id_number": id_number, "credits.professional": professional, "credits.public": 0}}


def test_the_receiver_wants_the_institutions_token_and_answers_a_retried_key_with_409(app, testapp, learner, schools,
                                                                                   hub_receiver):
    login(testapp, "liaoning", learner.login)
    enrol(testapp, schools[0])
    api = TestApp(testapp.app)
    url = "/api/v1/regions/liaoning/registrations"
    body = registration("k-1", learner.profile.id_number)
    assert api.post_json(url, body, status=401).json["error"]["code"] == "institution_token_required"
    assert api.post_json(url, body, headers={"Authorization": "Bearer wrong"}, status=401)
    auth = {"Authorization": f"Bearer {hub_receiver}"}
    assert api.post_json(url, body, headers=auth).json["status"] == "registered"
    assert api.post_json(url, body, headers=auth, status=409).json["error"]["code"] == "already_received"
    assert api.get(f"{url}/k-1", headers=auth).json == {"status": "registered"}
    assert api.get(f"{url}/unknown", headers=auth, status=404).json["error"]["code"] == "registration_not_found"
    unknown = registration("k-2", id_number(sequence=99))  # no enrolment here
    assert api.post_json(url, unknown, headers=auth, status=422).json["error"]["code"] == "no_enrolment"
    assert ledger.earned_by_source(learner.id, YEAR)[0] == {"professional": 10}


def test_the_outside_institution_registers_with_its_own_token_only_for_its_own_enrolments(app, testapp, learner,
                                                                                          schools, hub_receiver):
    from cpe_core.models import Institution

    login(testapp, "liaoning", learner.login)
    enrol(testapp, schools[0])  # enrolled at Chaoyang, not at the outside school
    outside_token = registrations.new_token(db.session.get(Institution, schools[1]))
    db.session.commit()
    api = TestApp(testapp.app)
    refused = api.post_json("/api/v1/regions/liaoning/registrations", registration("o-1", learner.profile.id_number),
                            headers={"Authorization": f"Bearer {outside_token}"}, status=422)
    assert refused.json["error"]["code"] == "no_enrolment"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_hubs_export_carries_each_learners_institution_and_level(app, testapp, learner, schools, make_learner,
                                                                    tmp_path, fmt):
    import csv

    from openpyxl import load_workbook

    login(testapp, "liaoning", learner.login)
    enrol(testapp, schools[0])
    cancelled = make_learner("liaoning", name="退学员", collection_region="liaoning", qualified_year=2015,
                             department="和平区财政局")
    for who in (learner, cancelled):
        ledger.record_credit(user_id=who.id, region="liaoning", year=YEAR, kind="professional", credits=60,
                             source="import", source_id=who.id)
    db.session.commit()
    target = tmp_path / f"out.{fmt}"
    result = app.test_cli_runner().invoke(
        args=["export", "--region", "liaoning", "--year", str(YEAR), "--format", fmt, "--output", str(target)])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        with open(target, encoding="utf-8-sig", newline="") as stream:
            rows = [(r["姓名"], r["培训机构"], r["报名等级"], r["主管部门"]) for r in csv.DictReader(stream)]
    else:
        sheet = load_workbook(target).active
        header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
        rows = [(r[header.index("姓名")], r[header.index("培训机构")] or "", r[header.index("报名等级")] or "",
                 r[header.index("主管部门")] or "") for r in body]
    assert rows == [("冯思媛", "朝阳会计在线", "中级", ""), ("退学员", "", "", "和平区财政局")]


def test_chaoyangs_admin_is_offered_the_push_only_once_it_is_connected_to_the_hub(app, testapp, make_staff, schools):
    make_staff("chaoyang")
    login(testapp, "chaoyang", "chaoyang-admin")
    formats = lambda: [value for value, *_ in testapp.get("/chaoyang/admin/exports").forms["export"]["format"].options]
    assert formats() == ["csv", "xlsx"]
    app.config["CPE_CHAOYANG_PUSH_URL"] = "https://cpe.example.org/api/v1/regions/liaoning/registrations"
    assert formats() == ["csv", "xlsx", "push"]
