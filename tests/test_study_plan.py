"""The study plan (个人教学计划) and the institution choice, per region, on the site and the API."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from cpe_core.extensions import db
from cpe_core.models import ChapterProgress, Enrolment, Order, StudyPlanItem
from cpe_core.regions import rules_for
from hookspecs import StudyPlanPolicy, hookimpl
from study_support import REGIONS, SCHOOL, YEAR, add_to_plan, course, institution, learner, pay_for_plan, sign_in


def plan_json(testapp):
    return testapp.get("/api/v1/me/plan", params={"year": YEAR}).json


def add(testapp, course_id, status=201):
    return testapp.post_json("/api/v1/me/plan", {"course_id": course_id, "year": YEAR}, status=status)


@pytest.mark.parametrize("region", REGIONS)
def test_learner_adds_and_removes_courses_and_sees_totals_per_kind(testapp, make_learner, region):
    user = learner(make_learner, region)
    pro = course(region, kind="professional", credits=20)
    pub = course(region, kind="public", credits=8)
    sign_in(testapp, user)
    page = testapp.get(f"/{region}/plan?year={YEAR}")
    res = page.forms[f"add-{pro.id}"].submit().follow()
    res = res.forms[f"add-{pub.id}"].submit().follow()
    assert res.html.select_one(".kind-professional .selected").text == "20"
    assert res.html.select_one(".kind-public .selected").text == "8"
    assert res.html.select_one(".selected-total").text == "28"
    requirement = rules_for(region).requirements(YEAR)
    data = plan_json(testapp)
    assert data["selected"] == {"total": 28, "by_kind": {"professional": 20, "public": 8}}
    assert data["requirement"]["total"] == requirement.total
    res = res.forms[f"remove-{pub.id}"].submit().follow()
    assert res.html.select_one(".selected-total").text == "20"
    assert [c["id"] for c in plan_json(testapp)["courses"]] == [pro.id]


def test_removing_a_started_course_keeps_its_record_and_adding_it_back_restores_it(testapp, make_learner, clock):
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang", duration=60)
    sign_in(testapp, user)
    add(testapp, c.id)
    pay_for_plan(user)  # 年度购买: the course opens, and again when re-selected
    chapter = c.chapters[0]
    testapp.post_json(f"/api/v1/chapters/{chapter.id}/heartbeat", {"position": 0})
    clock.advance(seconds=20)
    testapp.post_json(f"/api/v1/chapters/{chapter.id}/heartbeat", {"position": 20})
    testapp.delete(f"/api/v1/me/plan/{c.id}", params={"year": YEAR})
    assert plan_json(testapp)["courses"] == []
    kept = db.session.scalar(select(ChapterProgress).where(ChapterProgress.chapter_id == chapter.id))
    assert kept.watched_seconds == 20
    add(testapp, c.id)
    restored = plan_json(testapp)["courses"][0]
    assert (restored["id"], restored["watched_seconds"]) == (c.id, 20)
    assert db.session.scalar(select(db.func.count(StudyPlanItem.id))) == 1


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("required", "course_required", "必修课程不能移除。"),
        ("locked", "course_locked", "该课程已按学分购买，不能移除或更换。"),
        ("not_selected", "course_not_selected", "这门课程不在学习计划中。"),
    ],
)
def test_courses_that_cannot_be_removed(testapp, make_learner, case, code, message):
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang", required=case == "required")
    sign_in(testapp, user)
    if case != "not_selected":
        add(testapp, c.id)
    if case == "locked":
        # What paying in 学分购买 mode does to the paid courses (see services.orders).
        db.session.execute(db.update(StudyPlanItem).values(locked=True))
        db.session.commit()
    res = testapp.delete(f"/api/v1/me/plan/{c.id}", params={"year": YEAR}, status=422).json
    assert res["error"] == {"code": code, "message": message}
    if case != "not_selected":
        page = testapp.get(f"/chaoyang/plan?year={YEAR}")
        assert f"remove-{c.id}" not in page.forms  # no remove button either
        assert plan_json(testapp)["courses"][0]["id"] == c.id


def test_removing_through_a_forged_site_form_shows_the_reason(testapp, make_learner):
    user = learner(make_learner, "chaoyang")
    keep = course("chaoyang", required=True)
    other = course("chaoyang")
    sign_in(testapp, user)
    add(testapp, keep.id)
    add(testapp, other.id)
    form = testapp.get(f"/chaoyang/plan?year={YEAR}").forms[f"remove-{other.id}"]
    form["course_id"].force_value(str(keep.id))
    assert "必修课程不能移除。" in form.submit().follow().text


# --- removing a started course: a region rule (cpe_study_plan_policy) ----------------------

#: Whether each region lets a learner remove a course already started: Chaoyang's training flow
#: says yes (the record is kept), Guangdong's guide only "在没有听课的情况下", CICPA's manual is
#: silent (the core's default: yes).
STARTED_REMOVABLE = {"chaoyang": True, "guangdong": False, "cicpa": True}


def start(testapp, clock, c, seconds=10):
    chapter = c.chapters[0]
    testapp.post_json(f"/api/v1/chapters/{chapter.id}/heartbeat", {"position": 0})
    clock.advance(seconds=seconds)
    testapp.post_json(f"/api/v1/chapters/{chapter.id}/heartbeat", {"position": seconds})


@pytest.mark.parametrize("region", REGIONS)
def test_a_course_not_yet_started_can_be_removed_on_the_site_in_every_region(testapp, make_learner, region):
    user = learner(make_learner, region)
    c = course(region)
    sign_in(testapp, user)
    add(testapp, c.id)
    assert plan_json(testapp)["courses"][0]["removable"] is True
    page = testapp.get(f"/{region}/plan?year={YEAR}")
    assert "no-remove" not in page.text
    page.forms[f"remove-{c.id}"].submit().follow()
    assert plan_json(testapp)["courses"] == []


@pytest.mark.parametrize("region", REGIONS)
def test_removing_a_started_course_follows_the_regions_rule_on_the_site(testapp, make_learner, clock, region):
    user = learner(make_learner, region)
    c = course(region)
    sign_in(testapp, user)
    add(testapp, c.id)
    pay_for_plan(user)
    page = testapp.get(f"/{region}/plan?year={YEAR}")
    form = page.forms[f"remove-{c.id}"]  # taken before starting: a stale page still shows it
    start(testapp, clock, c)
    page = testapp.get(f"/{region}/plan?year={YEAR}")
    row = page.html.select_one(f'.plan-courses tr[data-course="{c.id}"]')
    note = page.html.select_one(".plan-note")  # the region's rule in its own words, if it words one
    assert (note.text if note else "") == rules_for(region).study_plan_policy(YEAR).note
    res = form.submit().follow()
    ids = [line["id"] for line in plan_json(testapp)["courses"]]
    if STARTED_REMOVABLE[region]:
        assert f"remove-{c.id}" in page.forms and row.select_one(".no-remove") is None
        assert ids == []
    else:
        assert f"remove-{c.id}" not in page.forms  # no remove button, the reason instead
        assert row.select_one(".no-remove").text == "已开始学习的课程不能移除。"
        assert "已开始学习的课程不能移除。" in res.html.select_one(".flash-error").text
        assert ids == [c.id]


@pytest.mark.parametrize("region", REGIONS)
def test_removing_a_started_course_follows_the_regions_rule_in_the_api(testapp, make_learner, clock, region):
    user = learner(make_learner, region)
    c = course(region)
    sign_in(testapp, user)
    add(testapp, c.id)
    pay_for_plan(user)
    start(testapp, clock, c)
    data = plan_json(testapp)
    assert data["plan_rules"]["started_removable"] is STARTED_REMOVABLE[region]
    line = data["courses"][0]
    if STARTED_REMOVABLE[region]:
        assert (line["removable"], line["removal_refusal"]) == (True, None)
        testapp.delete(f"/api/v1/me/plan/{c.id}", params={"year": YEAR})
        assert plan_json(testapp)["courses"] == []
        add(testapp, c.id)  # and adding it back restores the record
        assert plan_json(testapp)["courses"][0]["watched_seconds"] == 10
    else:
        refusal = {"code": "course_started", "message": "已开始学习的课程不能移除。"}
        assert (line["removable"], line["removal_refusal"]) == (False, refusal)
        res = testapp.delete(f"/api/v1/me/plan/{c.id}", params={"year": YEAR}, status=422).json
        assert res["error"] == refusal
        assert [x["id"] for x in plan_json(testapp)["courses"]] == [c.id]


def test_guangdong_still_refuses_a_required_course_before_it_is_started(testapp, make_learner):
    user = learner(make_learner, "guangdong")
    c = course("guangdong", required=True)
    sign_in(testapp, user)
    add(testapp, c.id)
    res = testapp.delete(f"/api/v1/me/plan/{c.id}", params={"year": YEAR}, status=422).json
    assert res["error"] == {"code": "course_required", "message": "必修课程不能移除。"}
    assert plan_json(testapp)["courses"][0]["removal_refusal"]["code"] == "course_required"


class StrictPlan:
    """A region-agnostic plugin answering before the region's own (tryfirst)."""

    @hookimpl(tryfirst=True)
    def cpe_study_plan_policy(self, region, year):
        return StudyPlanPolicy(region=region, year=year, started_removable=False)


@pytest.mark.parametrize("extra_plugins", [[("strict-plan", StrictPlan())]])
def test_the_rule_comes_from_the_hook_not_the_region_name(testapp, make_learner, clock, extra_plugins):
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang")
    sign_in(testapp, user)
    add(testapp, c.id)
    pay_for_plan(user)
    start(testapp, clock, c)
    res = testapp.delete(f"/api/v1/me/plan/{c.id}", params={"year": YEAR}, status=422).json
    assert res["error"]["code"] == "course_started"


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("unknown", "course_not_found", "没有这门课程。"),
        ("other_region", "course_not_found", "没有这门课程。"),
        ("twice", "course_already_selected", "这门课程已在学习计划中。"),
        ("other_school", "course_other_institution", "这门课程不属于您选择的培训机构。"),
        ("not_a_number", "course_not_found", "没有这门课程。"),
        ("other_year", "course_wrong_year", "这门课程不属于2024年度。"),
    ],
)
def test_bad_additions_are_refused(testapp, make_learner, case, code, message):
    user = learner(make_learner, "guangdong")
    c = course("guangdong")
    sign_in(testapp, user)
    course_id = c.id
    if case == "unknown":
        course_id = 999999
    elif case == "other_region":
        course_id = course("chaoyang").id
    elif case == "twice":
        add(testapp, c.id)
    elif case == "other_school":
        course_id = course("guangdong", school="东奥会计在线").id
    elif case == "not_a_number":
        course_id = "abc"
    elif case == "other_year":
        c.year = YEAR - 1
        db.session.commit()
    res = testapp.post_json("/api/v1/me/plan", {"course_id": course_id, "year": YEAR}, status=422).json
    assert res["error"] == {"code": code, "message": message}


def test_an_ineligible_learner_cannot_select_courses(testapp, make_learner):
    user = learner(make_learner, "chaoyang", collection_region="guangdong")
    c = course("chaoyang")
    sign_in(testapp, user)
    res = add(testapp, c.id, status=422).json
    assert res["error"]["code"] == "collected_elsewhere"


@pytest.mark.parametrize("region", REGIONS)
def test_one_click_selection_fills_the_requirement(testapp, make_learner, region):
    user = learner(make_learner, region)
    requirement = rules_for(region).requirements(YEAR)
    required = course(region, kind="public", credits=2, required=True)
    for kind in ("professional", "public"):
        for _ in range(requirement.total // 10 + 2):
            course(region, kind=kind, credits=10)
    sign_in(testapp, user)
    res = testapp.get(f"/{region}/plan?year={YEAR}").forms["auto"].submit().follow()
    assert "已为您选择" in res.text
    data = plan_json(testapp)
    assert required.id in [c["id"] for c in data["courses"]]
    assert data["selected"]["total"] >= requirement.total
    for kind, minimum in requirement.minimums.items():
        assert data["selected"]["by_kind"].get(kind, 0) >= minimum
    # Nothing more than needed: dropping any non-required course breaks the requirement.
    assert data["selected"]["total"] < requirement.total + 10 + 2
    again = testapp.post_json("/api/v1/me/plan/auto", {"year": YEAR}).json
    assert again["added"] == []


# --- institution choice --------------------------------------------------------------------


@pytest.mark.parametrize(("region", "school", "level"), [
    ("chaoyang", "朝阳市会计学会", "高级"),
    ("guangdong", "东奥会计在线", None),
    ("cicpa", "上海国家会计学院", None),
])
def test_learner_chooses_an_institution_and_sees_its_courses_only(testapp, make_learner, region, school, level):
    profile = {"member_type": "non_practising"} if region == "cicpa" else {}
    user = learner(make_learner, region, enrol=False, **profile)
    policy = rules_for(region).institution_policy(YEAR)
    for name in policy.institutions:
        institution(region, name)
    mine = course(region, school=school)
    others = [course(region, school=name) for name in policy.institutions if name != school]
    sign_in(testapp, user)
    page = testapp.get(f"/{region}/plan?year={YEAR}")
    assert "请先选择本年度的培训机构。" in page.text
    res = add(testapp, mine.id, status=422).json
    assert res["error"] == {"code": "institution_required", "message": "请先选择本年度的培训机构。"}
    form = testapp.get(f"/{region}/institution?year={YEAR}").forms["institution"]
    form["institution_id"].select(text=school)
    if level:
        form["level"] = level
    form.submit().follow()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    assert (enrolment.institution.name, enrolment.level, enrolment.status) == (school, level, "selected")
    catalogue = [c["id"] for c in plan_json(testapp)["catalogue"]]
    assert mine.id in catalogue and not {c.id for c in others} & set(catalogue)
    add(testapp, mine.id)


def test_a_practising_cpa_studies_any_institute_without_choosing(testapp, make_learner):
    user = learner(make_learner, "cicpa")
    a = course("cicpa", school="北京国家会计学院")
    b = course("cicpa", school="厦门国家会计学院")
    sign_in(testapp, user)
    assert testapp.get("/api/v1/me/institution", params={"year": YEAR}).json["required"] is False
    add(testapp, a.id)
    add(testapp, b.id)


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("no_level", "unknown_level", "请选择级别（初级及以下、中级、高级）。"),
        ("bad_level", "unknown_level", "请选择级别（初级及以下、中级、高级）。"),
        ("unknown_school", "unknown_institution", "请选择列表中的培训机构。"),
        ("twice", "institution_already_chosen", "本年度已选择培训机构，如需更换请先取消原选择。"),
    ],
)
def test_bad_institution_choices_are_refused(testapp, make_learner, case, code, message):
    user = learner(make_learner, "chaoyang", enrol=False)
    school = institution("chaoyang")
    stranger = institution("chaoyang", "某培训学校")
    sign_in(testapp, user)
    body = {"year": YEAR, "institution_id": school.id, "level": "中级"}
    if case == "no_level":
        body.pop("level")
    elif case == "bad_level":
        body["level"] = "特级"
    elif case == "unknown_school":
        body["institution_id"] = stranger.id
    elif case == "twice":
        testapp.post_json("/api/v1/me/institution", body, status=201)
    res = testapp.post_json("/api/v1/me/institution", body, status=422).json
    assert res["error"] == {"code": code, "message": message}


def test_a_choice_can_be_cancelled_to_switch_until_something_is_paid(testapp, make_learner):
    user = learner(make_learner, "guangdong", enrol=False)
    first = institution("guangdong", "中华会计网校")
    second = institution("guangdong", "东奥会计在线")
    sign_in(testapp, user)
    testapp.post_json("/api/v1/me/institution", {"year": YEAR, "institution_id": first.id}, status=201)
    page = testapp.get(f"/guangdong/institution?year={YEAR}")
    assert page.html.select_one(".chosen").text == "中华会计网校"
    res = page.forms["cancel"].submit().follow()
    assert "已取消选择，可以重新选择培训机构。" in res.text
    testapp.post_json("/api/v1/me/institution", {"year": YEAR, "institution_id": second.id}, status=201)
    db.session.add(Order(number="T0001", user_id=user.id, region="guangdong", year=YEAR, mode="professional",
                         total_fen=9000, status="paid"))
    db.session.commit()
    res = testapp.delete("/api/v1/me/institution", params={"year": YEAR}, status=422).json
    assert res["error"] == {"code": "institution_paid", "message": "已在该机构缴费，不能取消选择；如需更换请先申请退费。"}


@pytest.mark.parametrize(("region", "first", "second", "profile"), [
    # Chaoyang has one recognised school: switching means choosing again with another level.
    ("chaoyang", ("朝阳市会计学会", "初级及以下"), ("朝阳市会计学会", "高级"), {}),
    ("guangdong", ("中华会计网校", None), ("东奥会计在线", None), {}),
    ("cicpa", ("北京国家会计学院", None), ("厦门国家会计学院", None), {"member_type": "non_practising"}),
])
def test_every_region_lets_a_choice_be_cancelled_to_switch_until_something_is_paid(
        testapp, make_learner, region, first, second, profile):
    user = learner(make_learner, region, enrol=False, **profile)
    sign_in(testapp, user)

    def choose(name, level, status=201):
        body = {"year": YEAR, "institution_id": institution(region, name).id}
        if level:
            body["level"] = level
        return testapp.post_json("/api/v1/me/institution", body, status=status)

    choose(*first)
    refused = choose(*second, status=422).json  # one institution a year: cancel first
    assert refused["error"]["code"] == "institution_already_chosen"
    page = testapp.get(f"/{region}/institution?year={YEAR}")
    assert "已取消选择，可以重新选择培训机构。" in page.forms["cancel"].submit().follow().text
    choose(*second)
    chosen = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.status == "selected"))
    assert (chosen.institution.name, chosen.level) == second
    db.session.add(Order(number=f"T-{region}", user_id=user.id, region=region, year=YEAR, mode="annual",
                         total_fen=100, status="paid"))
    db.session.commit()
    res = testapp.delete("/api/v1/me/institution", params={"year": YEAR}, status=422).json
    assert res["error"] == {"code": "institution_paid", "message": "已在该机构缴费，不能取消选择；如需更换请先申请退费。"}
    page = testapp.get(f"/{region}/institution?year={YEAR}").forms["cancel"].submit().follow()
    assert "已在该机构缴费，不能取消选择；如需更换请先申请退费。" in page.text
    db.session.expire_all()
    assert db.session.get(Enrolment, chosen.id).status == "selected"


def test_a_non_practising_member_cannot_switch_institute_after_studying(testapp, make_learner, clock):
    user = learner(make_learner, "cicpa", enrol=False, member_type="non_practising")
    school = institution("cicpa", "北京国家会计学院")
    c = course("cicpa", school="北京国家会计学院")
    sign_in(testapp, user)
    testapp.post_json("/api/v1/me/institution", {"year": YEAR, "institution_id": school.id}, status=201)
    add(testapp, c.id)
    testapp.post_json(f"/api/v1/chapters/{c.chapters[0].id}/heartbeat", {"position": 0})
    clock.advance(seconds=5)
    testapp.post_json(f"/api/v1/chapters/{c.chapters[0].id}/heartbeat", {"position": 5})
    res = testapp.delete("/api/v1/me/institution", params={"year": YEAR}, status=422).json
    assert res["error"] == {"code": "institution_studied", "message": "已在该机构开始学习，本年度不能再更换。"}


def test_staff_cannot_use_the_learner_plan(testapp, make_staff):
    make_staff("chaoyang")
    from cpe_core.testing import login

    login(testapp, "chaoyang", "chaoyang-admin")
    assert testapp.get("/api/v1/me/plan", status=403).json["error"]["code"] == "learners_only"
    testapp.get("/chaoyang/plan", status=403)


# --- constant number of queries ------------------------------------------------------------


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.hit)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.hit)

    def hit(self, *args):
        self.count += 1


def _count_pages(testapp, make_learner, region, n, clock):
    user = learner(make_learner, region)
    # n courses in the catalogue, half of them selected, and a course page with n chapters.
    courses = [course(region, kind=("professional", "public")[i % 2], chapters=n if i == 0 else 2) for i in range(n)]
    add_to_plan(user, *courses[: n // 2 + 1])
    sign_in(testapp, user)
    target_id, chapter_id = courses[0].id, courses[0].chapters[0].id
    testapp.post_json(f"/api/v1/chapters/{chapter_id}/heartbeat", {"position": 0})
    db.session.remove()
    counts = {}
    for name, url in (("plan", f"/{region}/plan?year={YEAR}"), ("course", f"/{region}/courses/{target_id}"),
                      ("api_plan", "/api/v1/me/plan")):
        with QueryCounter(db.engine) as counter:
            testapp.get(url)
        counts[name] = counter.count
    return counts


@pytest.mark.parametrize("region", REGIONS)
def test_plan_and_course_pages_run_a_constant_number_of_queries(app, testapp, make_learner, clock, region):
    few = _count_pages(testapp, make_learner, region, 3, clock)
    testapp.reset()
    from cpe_core.models import Chapter, Course, Question

    db.session.execute(db.delete(ChapterProgress))
    db.session.execute(db.delete(StudyPlanItem))
    db.session.execute(db.delete(Question))
    db.session.execute(db.delete(Chapter))
    db.session.execute(db.delete(Course))
    db.session.commit()
    many = _count_pages(testapp, make_learner, region, 30, clock)
    assert few == many, (few, many)


def test_anyone_sees_a_course_with_its_preview_chapters_and_handouts(testapp):
    c = course("guangdong", chapters=2, duration=150)
    c.preview_url = "/static/video/demo-preview.webm"
    c.chapters[0].handout_url = "/static/handouts/ch1.pdf"
    db.session.commit()
    page = testapp.get(f"/guangdong/courses/{c.id}")
    assert page.html.select_one("video.preview")["src"] == "/static/video/demo-preview.webm"
    rows = page.html.select("tr.chapter")
    assert "0:00 / 2:30" in rows[0].text and "未选课" in rows[0].text
    assert rows[0].find("a", href="/static/handouts/ch1.pdf") is not None
    assert testapp.get("/static/video/demo-preview.webm").content_type == "video/webm"
    assert c.title in testapp.get("/guangdong/courses").text
