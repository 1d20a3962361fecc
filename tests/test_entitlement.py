"""A course opens for study only through a paid order line that covers it, or because study is
free by the region's rule: one test per path that opens (or closes) a course, each through the
learner's own pages and the sandbox provider, and the study paths that must refuse a course not
opened (both heartbeat ways, exercises, the ledger, the exam's questions)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from webtest import TestApp

from cpe_core import clock as clocks
from cpe_core.extensions import db
from cpe_core.models import ChapterProgress, CreditRecord, Order, Refund, StudyPlanItem
from cpe_core.regions import RuleError
from cpe_core.services import cards, learning, ledger
from cpe_core.testing import login
from exam_helpers import add_questions, give_credits
from study_support import YEAR, api_heartbeat, course, institution, learner, sign_in
from test_orders import buy_through_sandbox, gateway, place_order, start_paying  # noqa: F401

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "hainan"
NOT_OPENED = {"code": "course_not_opened", "message": "该课程尚未开通，请先缴费开通该课程。"}


@pytest.fixture
def extra_plugins(monkeypatch):
    """The Hainan example (enrol, then pay), beside the in-tree regions."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import cpe_hainan.hooks

    return [("hainan", cpe_hainan.hooks.plugin)]


def lesson(region: str, **fields) -> SimpleNamespace:
    """A course made by ``study_support.course``, read into plain values: the sandbox's pay page
    closes the test's session (it stands for the provider), which would detach the row."""
    c = course(region, **fields)
    chapters = [SimpleNamespace(id=ch.id, questions=[SimpleNamespace(id=q.id, answer=q.answer) for q in ch.questions])
                for ch in c.chapters]
    return SimpleNamespace(id=c.id, title=c.title, chapters=chapters)


def add(testapp, c) -> None:
    """The learner selects ``c`` (选课), as the plan page does."""
    testapp.post_json("/api/v1/me/plan", {"course_id": c.id, "year": YEAR}, status=201)


def studies(testapp, c) -> None:
    """The learner's player is accepted on ``c``'s first chapter."""
    assert api_heartbeat(testapp, c.chapters[0].id, 0).json["chapter_id"] == c.chapters[0].id


def refused(testapp, c) -> None:
    """The learner's player is refused on ``c``: not opened."""
    assert api_heartbeat(testapp, c.chapters[0].id, 0, status=422).json["error"] == NOT_OPENED


def opened_on_the_order_page(testapp, region: str, number: str) -> list[str]:
    page = testapp.get(f"/{region}/orders/{number}")
    return [li.text for li in page.html.select("#unlocked .course-unlocked")]


def pay_on_the_return_page(testapp, region: str, mode: str) -> None:
    """Order ``mode`` and pay on the sandbox's page; the notification is lost, so the return
    page asks the provider."""
    _offers, res = place_order(testapp, region, mode)
    pay_page = start_paying(testapp, res.follow()).follow()
    form = pay_page.forms["sandbox_pay"]
    form["notify"] = "0"
    assert "支付成功，课程已开通" in form.submit().follow().follow().text


def ledger_credits(user) -> int:
    db.session.rollback()
    total = db.session.scalar(select(func.coalesce(func.sum(CreditRecord.credits), 0))
                              .where(CreditRecord.user_id == user.id, CreditRecord.source == "course"))
    db.session.rollback()
    return total


def offsets(user, credits: int = 60) -> None:
    """Approved offsets: the Chaoyang learner may buy by credit (学分购买) only."""
    ledger.record_credit(user_id=user.id, region=user.region, year=YEAR, kind="professional", credits=credits,
                         source="offset", source_id=1)
    db.session.commit()


# --- what a course not opened refuses ----------------------------------------------------------


def test_a_selected_course_not_paid_for_cannot_be_studied_anywhere(testapp, make_learner):
    user = learner(make_learner, "chaoyang")
    c = lesson("chaoyang", chapters=1)
    chapter_id = c.chapters[0].id
    sign_in(testapp, user)
    add(testapp, c)
    refused(testapp, c)  # the API heartbeat (the gateway's fast path, then the app)
    token = testapp.get(f"/chaoyang/plan?year={YEAR}").forms["auto"]["csrf_token"].value
    site = testapp.post_json(f"/chaoyang/learn/{chapter_id}/heartbeat", {"position": 0},
                             headers={"X-CSRFToken": token}, status=422)
    assert site.json["error"] == NOT_OPENED
    assert testapp.get(f"/api/v1/chapters/{chapter_id}/exercise", status=422).json["error"] == NOT_OPENED
    answers = {str(q.id): q.answer for q in c.chapters[0].questions}
    posted = testapp.post_json(f"/api/v1/chapters/{chapter_id}/exercise", {"answers": answers}, status=422)
    assert posted.json["error"] == NOT_OPENED
    # The player and the exercise page send the learner to pay, saying why.
    for path in (f"/chaoyang/learn/{chapter_id}", f"/chaoyang/learn/{chapter_id}/exercise"):
        res = testapp.get(path)
        assert res.location.endswith("/chaoyang/orders/new")
        page = res.follow()
        assert "该课程尚未开通，请先缴费开通该课程。" in page.text and "order-annual" in page.forms
    # The course page and the plan say it too, with the way to the order page, and no chapter link.
    course_page = testapp.get(f"/chaoyang/courses/{c.id}")
    assert course_page.html.find(id="not-opened").a["href"] == f"/chaoyang/orders/new?year={YEAR}"
    assert course_page.html.select_one(".chapter .status").text == "未开通"
    assert not course_page.html.select(f'a[href="/chaoyang/learn/{chapter_id}"]')
    plan = testapp.get(f"/chaoyang/plan?year={YEAR}")
    assert plan.html.select_one(f'tr[data-course="{c.id}"] a.not-opened')["href"] == f"/chaoyang/orders/new?year={YEAR}"
    assert testapp.get(f"/api/v1/me/courses/{c.id}").json["opened"] is False
    db.session.rollback()
    assert db.session.scalar(select(func.count(ChapterProgress.id))) == 0


def test_nothing_of_a_course_not_paid_for_reaches_the_ledger(app, testapp, gateway, make_learner):
    user = learner(make_learner, "chaoyang")
    c = lesson("chaoyang", chapters=1, credits=8)
    sign_in(testapp, user)
    add(testapp, c)
    # Every chapter done (as a record kept from before a refund would be), but not paid for:
    # completing the course, whichever way it is reached, writes nothing.
    now = clocks.to_utc_naive(clocks.now())
    db.session.add(ChapterProgress(user_id=user.id, chapter_id=c.chapters[0].id, watched_seconds=60,
                                   watched_at=now, exercise_passed_at=now))
    db.session.commit()
    assert learning.complete_course_if_done(user.id, c.id) is False
    db.session.commit()
    assert ledger_credits(user) == 0
    buy_through_sandbox(app, testapp, gateway, user, "chaoyang", "annual")
    assert learning.complete_course_if_done(user.id, c.id) is True
    db.session.commit()
    assert ledger_credits(user) == 8


# --- the paths that open a course ------------------------------------------------------------


@pytest.mark.parametrize("way", ["notification", "return_page"])
def test_a_paid_sandbox_order_opens_the_course(app, testapp, gateway, make_learner, way):
    user = learner(make_learner, "chaoyang")
    c = lesson("chaoyang", chapters=1)
    sign_in(testapp, user)
    add(testapp, c)
    refused(testapp, c)
    if way == "notification":
        order = buy_through_sandbox(app, testapp, gateway, user, "chaoyang", "annual")
    else:
        pay_on_the_return_page(testapp, "chaoyang", "annual")
        order = db.session.scalar(select(Order))
        db.session.rollback()
    studies(testapp, c)
    assert opened_on_the_order_page(testapp, "chaoyang", order.number) == [f"{c.title}（10学分）"]


def test_an_annual_purchase_opens_courses_selected_after_paying(app, testapp, gateway, make_learner):
    user = learner(make_learner, "chaoyang")
    first = lesson("chaoyang", chapters=1)
    sign_in(testapp, user)
    add(testapp, first)
    order = buy_through_sandbox(app, testapp, gateway, user, "chaoyang", "annual")
    later = lesson("chaoyang", chapters=1, kind="public")
    add(testapp, later)  # 年度购买: courses may be re-selected, and what is selected is paid for
    studies(testapp, first)
    studies(testapp, later)
    page = testapp.get(f"/chaoyang/orders/{order.number}")
    assert "本订单开通2024年度全部课程" in page.text
    assert len(page.html.select("#unlocked .course-unlocked")) == 2


def test_the_free_public_package_opens_public_courses_only_not_the_paid_professional_ones(testapp, make_learner):
    # The leak issue 14 found: after the ¥0 public order alone, the order page listed every
    # course as 已开通 and a learner earned professional credits without paying.
    user = learner(make_learner, "guangdong")
    public = lesson("guangdong", kind="public", chapters=1, credits=3)
    professional = lesson("guangdong", kind="professional", chapters=1, credits=8)
    sign_in(testapp, user)
    add(testapp, public)
    add(testapp, professional)
    _offers, res = place_order(testapp, "guangdong", "public")
    page = res.follow()
    assert "已支付" in page.text
    assert [li.text for li in page.html.select("#unlocked .course-unlocked")] == [f"{public.title}（3学分）"]
    assert "本订单开通2024年度全部公需科目课程" in page.text
    studies(testapp, public)
    refused(testapp, professional)
    answers = {str(q.id): q.answer for q in professional.chapters[0].questions}
    testapp.post_json(f"/api/v1/chapters/{professional.chapters[0].id}/exercise", {"answers": answers}, status=422)
    db.session.rollback()
    assert db.session.scalar(select(CreditRecord.id).where(CreditRecord.kind == "professional")) is None


def test_the_professional_package_opens_professional_courses_only(app, testapp, gateway, make_learner):
    user = learner(make_learner, "guangdong")
    public = lesson("guangdong", kind="public", chapters=1)
    professional = lesson("guangdong", kind="professional", chapters=1)
    sign_in(testapp, user)
    add(testapp, public)
    add(testapp, professional)
    order = buy_through_sandbox(app, testapp, gateway, user, "guangdong", "professional")
    assert (order.mode, order.total_fen) == ("professional", 9000)
    studies(testapp, professional)
    refused(testapp, public)  # the ¥0 public package is still to be ordered
    assert opened_on_the_order_page(testapp, "guangdong", order.number) == [f"{professional.title}（10学分）"]


def test_a_study_card_opens_what_its_order_covers(testapp, make_learner, make_staff):
    _batch, (card,) = cards.generate_batch(make_staff("chaoyang"), "chaoyang", YEAR, 1)
    user = learner(make_learner, "chaoyang")
    c = lesson("chaoyang", chapters=1)
    sign_in(testapp, user)
    add(testapp, c)
    refused(testapp, c)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    form = res.follow().forms["card"]
    form["number"], form["secret"] = card.number, card.secret
    assert "学习卡使用成功，课程已开通" in form.submit().follow().text
    studies(testapp, c)


def test_a_credit_purchase_opens_only_the_courses_it_paid_for(app, testapp, gateway, make_learner):
    user = learner(make_learner, "chaoyang")
    offsets(user)
    bought = lesson("chaoyang", chapters=1, credits=20)
    sign_in(testapp, user)
    add(testapp, bought)
    order = buy_through_sandbox(app, testapp, gateway, user, "chaoyang", "credit")
    assert (order.mode, order.total_fen) == ("credit", 2000)
    later = lesson("chaoyang", chapters=1, credits=10)
    add(testapp, later)
    studies(testapp, bought)
    refused(testapp, later)
    assert opened_on_the_order_page(testapp, "chaoyang", order.number) == [f"{bought.title}（20学分）"]


def test_a_free_region_opens_a_selected_course_without_any_order(testapp, make_learner):
    user = learner(make_learner, "cicpa")
    c = lesson("cicpa", chapters=1)
    sign_in(testapp, user)
    add(testapp, c)
    assert testapp.get(f"/api/v1/me/courses/{c.id}").json["opened"] is True
    studies(testapp, c)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Order.id))) == 0


# --- enrol, then pay; refunds close again ------------------------------------------------------


def hainan_learner_enrolled(make_learner, testapp):
    school = institution("hainan", "海南省会计学会")
    user = make_learner("hainan", collection_region="hainan", collection_area="海口市")
    login(testapp, "hainan", user.login)
    form = testapp.get(f"/hainan/enrolments/?year={YEAR}").forms["enrol"]
    form["level"], form["institution_id"] = "中级", str(school.id)
    form.submit()
    return user


def approve_the_refund(app, region: str, make_staff) -> None:
    staff = TestApp(app)
    login(staff, region, make_staff(region).login)
    refund_id = db.session.scalar(select(Refund.id))
    db.session.rollback()
    staff.get(f"/{region}/admin/refunds").forms[f"approve-{refund_id}"].submit()


def ask_refund(testapp, region: str, number: str) -> None:
    form = testapp.get(f"/{region}/orders/{number}").forms["refund"]
    form["reason"] = "工作调动，不再需要"
    form.submit()


def test_enrol_then_pay_opens_the_course_when_the_enrolment_is_paid(app, testapp, make_learner, make_staff):
    hainan_learner_enrolled(make_learner, testapp)
    c = lesson("hainan", chapters=1, school="海南省会计学会")
    add(testapp, c)
    refused(testapp, c)  # enrolled, not paid
    page = testapp.get(f"/hainan/enrolments/?year={YEAR}")
    enrolment_id = page.html.select_one("[id^=enrolment-]")["id"].split("-")[1]
    order_page = page.forms[f"pay-{enrolment_id}-year"].submit().follow()
    pay_page = start_paying(testapp, order_page).follow()
    form = pay_page.forms["sandbox_pay"]
    form["notify"] = "0"
    form.submit().follow().follow()
    studies(testapp, c)
    # A refund cancels the enrolment (退费后自动取消报名), and with it the access.
    number = db.session.scalar(select(Order.number))
    db.session.rollback()
    ask_refund(testapp, "hainan", number)
    approve_the_refund(app, "hainan", make_staff)
    refused(testapp, c)


def test_a_refund_closes_the_course_on_both_heartbeat_paths(app, testapp, gateway, make_learner, make_staff, clock):
    user = learner(make_learner, "chaoyang")
    c = lesson("chaoyang", chapters=1, duration=600)
    sign_in(testapp, user)
    add(testapp, c)
    order = buy_through_sandbox(app, testapp, gateway, user, "chaoyang", "annual")
    studies(testapp, c)  # the progress row exists: the next heartbeat could take the fast path
    ask_refund(testapp, "chaoyang", order.number)
    approve_the_refund(app, "chaoyang", make_staff)
    db.session.rollback()
    clock.advance(seconds=10)
    for way in (learning.quick_heartbeat, learning.heartbeat):
        with pytest.raises(RuleError) as refusal:
            way(user.id, c.chapters[0].id, 10)
        assert refusal.value.code == "course_not_opened"
        db.session.rollback()
    refused(testapp, c)
    assert db.session.scalar(select(ChapterProgress.watched_seconds)) == 0
    assert db.session.scalar(select(StudyPlanItem.opened_at)) is None
    assert testapp.get(f"/chaoyang/orders/{order.number}").html.find(id="unlocked") is None  # refunded


# --- the exam ----------------------------------------------------------------------------------


def test_the_exam_draws_no_question_from_a_course_not_paid_for(app, testapp, gateway, make_learner):
    user = learner(make_learner, "chaoyang")
    offsets(user)
    paid = course("chaoyang", kind="public", credits=30, chapters=1, questions=False, title="已缴费课程")
    add_questions(paid, singles=5, truefalses=5)
    sign_in(testapp, user)
    add(testapp, paid)
    buy_through_sandbox(app, testapp, gateway, user, "chaoyang", "credit")
    unpaid = course("chaoyang", credits=10, chapters=1, questions=False, title="未缴费课程")
    add_questions(unpaid, singles=6, truefalses=6)
    add(testapp, unpaid)
    give_credits(user, "chaoyang", YEAR, source="course", public=30)
    paper = testapp.get(f"/chaoyang/exam/?year={YEAR}").forms["start"].submit().follow()
    assert paper.text.count("已缴费课程") == 10
    assert "未缴费课程" not in paper.text


# --- the other ways a plan changes -------------------------------------------------------------


def test_one_click_selection_opens_what_the_paid_year_covers(app, testapp, gateway, make_learner):
    user = learner(make_learner, "chaoyang")
    sign_in(testapp, user)
    buy_through_sandbox(app, testapp, gateway, user, "chaoyang", "annual")
    offered = lesson("chaoyang", chapters=1, required=True)
    assert testapp.post_json("/api/v1/me/plan/auto", {"year": YEAR}).json["added"] == [offered.id]
    assert testapp.get(f"/api/v1/me/courses/{offered.id}").json["opened"] is True
    studies(testapp, offered)


def test_the_refresh_command_applies_the_rule_to_rows_from_before_it(app, make_learner):
    # A row as migration 0012 leaves it (opened, as the old code let everyone study) of a learner
    # who never paid, and a free region's row never refreshed.
    chaoyang, cicpa = learner(make_learner, "chaoyang"), learner(make_learner, "cicpa")
    unpaid, free = lesson("chaoyang", chapters=1), lesson("cicpa", chapters=1)
    db.session.add_all([
        StudyPlanItem(user_id=chaoyang.id, course_id=unpaid.id, year=YEAR, opened_at=clocks.to_utc_naive(clocks.now())),
        StudyPlanItem(user_id=cicpa.id, course_id=free.id, year=YEAR),
    ])
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["orders", "refresh-entitlements"], catch_exceptions=False)
    assert result.output.strip() == "recomputed 2 learner-year(s)"
    db.session.rollback()
    opened = dict(db.session.execute(select(StudyPlanItem.course_id, StudyPlanItem.opened_at)).all())
    assert opened[unpaid.id] is None and opened[free.id] is not None


# --- buying again only what is not open yet ------------------------------------------------------


def _pay(app, user, order) -> None:
    from cpe_core.services import orders

    with app.test_request_context():
        payment, _instruction = orders.start_payment(user, order.number, "sandbox")
        orders.settle(payment.id, transaction_id="T2")


def test_courses_selected_after_a_credit_purchase_are_bought_in_a_second_order(app, testapp, gateway, make_learner):
    from cpe_core.services import orders

    user = learner(make_learner, "chaoyang")
    offsets(user)
    first = lesson("chaoyang", chapters=1, credits=20)
    sign_in(testapp, user)
    add(testapp, first)
    buy_through_sandbox(app, testapp, gateway, user, "chaoyang", "credit")
    later = lesson("chaoyang", chapters=1, credits=10)
    add(testapp, later)
    refused(testapp, later)
    second = orders.create_order(user, YEAR, "credit")
    assert (second.total_fen, [line.course_id for line in second.lines]) == (1000, [later.id])
    _pay(app, user, second)
    studies(testapp, later)
    with pytest.raises(RuleError) as again:
        orders.create_order(user, YEAR, "credit")
    assert again.value.code == "already_paid"


def test_a_paid_package_is_not_sold_again_while_another_kind_is_still_to_buy(app, testapp, gateway, make_learner):
    from cpe_core.services import orders

    user = learner(make_learner, "guangdong")
    public = lesson("guangdong", kind="public", chapters=1)
    professional = lesson("guangdong", kind="professional", chapters=1)
    sign_in(testapp, user)
    add(testapp, public)
    add(testapp, professional)
    buy_through_sandbox(app, testapp, gateway, user, "guangdong", "professional")
    with pytest.raises(RuleError) as again:
        orders.create_order(user, YEAR, "professional")  # the public course is unopened, not the kind it sells
    assert again.value.code == "already_paid"
    assert db.session.scalar(select(func.count(Order.id)).where(Order.mode == "professional")) == 1
