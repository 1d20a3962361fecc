"""The yearly exam: each region's policy, the paper drawn from the learner's own courses, the
server-kept timer, answers saved as the learner goes, and every refused action."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import g
from sqlalchemy import func, select

from cpe_core.clock import SHANGHAI
from cpe_core.extensions import db
from cpe_core.models import ExamAnswer, ExamAttempt, Question
from cpe_core.regions import rules_for
from cpe_core.testing import login
from exam_helpers import EXPLANATION, add_questions, answers_of, give_credits, plan, wrong
from study_support import ELIGIBLE

YEAR = 2024


@pytest.fixture
def chaoyang_learner(make_learner, make_course):
    """A Chaoyang learner with the 90 credits (60 professional) and two planned courses."""
    user = make_learner("chaoyang", name="李考试", **ELIGIBLE["chaoyang"])
    for kind in ("professional", "public"):
        course = make_course("chaoyang", YEAR, kind=kind, credits=30)
        add_questions(course)
        plan(user, course, YEAR)
    give_credits(user, "chaoyang", YEAR, professional=60, public=30)
    return user


def signed_in(testapp, user, region="chaoyang"):
    login(testapp, region, user.login).follow()
    return testapp


def start_exam(testapp, region="chaoyang", year=YEAR):
    page = testapp.get(f"/{region}/exam/?year={year}")
    return page.forms["start"].submit().follow()


def attempt_id_of(page) -> int:
    return int(re.search(r'data-attempt="(\d+)"', page.text).group(1))


# --- each region's policy ------------------------------------------------------------------


def test_chaoyang_exam_closed_lists_every_missing_credit(testapp, make_learner):
    user = make_learner("chaoyang")
    give_credits(user, "chaoyang", YEAR, professional=40, public=20)
    page = signed_in(testapp, user).get("/chaoyang/exam/")
    assert "考试需取得90学分，还差30学分。" in page.text
    assert "考试需专业科目60学分，还差20学分。" in page.text
    assert "start" not in page.forms


def test_chaoyang_offsets_count_towards_the_exam(testapp, chaoyang_learner):
    # give_credits writes "import" records, which the ledger counts as offsets
    page = signed_in(testapp, chaoyang_learner).get("/chaoyang/exam/")
    assert "已满足考试条件，可以参加考试。" in page.text and "start" in page.forms


def test_chaoyang_exam_window_closed_is_given_as_a_reason(testapp, chaoyang_learner, clock):
    policy = rules_for("chaoyang").exam_policy(YEAR)
    clock.at = policy.closes_at + dt.timedelta(seconds=1)
    page = signed_in(testapp, chaoyang_learner).get(f"/chaoyang/exam/?year={YEAR}")
    closed = policy.closes_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert f"考试已于{closed}关闭。" in page.text


def test_chaoyang_paper_is_drawn_from_own_courses_by_the_policy(testapp, chaoyang_learner, make_course):
    other = make_course("chaoyang", YEAR, title="未选课程")
    add_questions(other, tag="不应出现")
    dropped = make_course("chaoyang", YEAR, title="已移除课程")
    add_questions(dropped, tag="不应出现")
    plan(chaoyang_learner, dropped, YEAR, removed_at=dt.datetime(2024, 5, 1))
    paper = start_exam(signed_in(testapp, chaoyang_learner))
    policy = rules_for("chaoyang").exam_policy(YEAR)
    for section in policy.sections:
        label = "单选题" if section.question_type == "single" else "判断题"
        assert paper.text.count(f"【{label}，{section.points}分】") == section.count
    assert "不应出现" not in paper.text
    assert "交卷截止时间：2024-06-15 11:00:00" in paper.text  # 60 minutes after the clock's 10:00


def test_right_answers_never_reach_the_browser_before_submit(testapp, chaoyang_learner):
    paper = start_exam(signed_in(testapp, chaoyang_learner))
    attempt_id = attempt_id_of(paper)
    assert EXPLANATION not in paper.text and "正确答案" not in paper.text
    data = testapp.get(f"/api/v1/exam/attempts/{attempt_id}").json["attempt"]
    assert len(data["questions"]) == sum(s.count for s in rules_for("chaoyang").exam_policy(YEAR).sections)
    assert all(set(q) == {"id", "number", "type", "text", "options", "points", "choice"} for q in data["questions"])


def test_chaoyang_score_is_shown_at_once_and_a_pass_is_recorded(testapp, chaoyang_learner):
    paper = start_exam(signed_in(testapp, chaoyang_learner))
    attempt_id = attempt_id_of(paper)
    form = paper.forms["paper"]
    for question_id, right in answers_of(attempt_id).items():
        form[f"q{question_id}"] = str(right)
    result = form.submit("action", value="submit").follow()
    full = rules_for("chaoyang").exam_policy(YEAR).full_marks
    assert f'<strong id="score">{full}</strong>' in result.text and "考试合格" in result.text
    assert EXPLANATION in result.text  # answers are shown after submitting
    history = testapp.get("/chaoyang/exam/").text
    assert f"<td>{full}</td>" in history and "合格" in history


def test_a_failing_score_counts_only_right_answers(testapp, chaoyang_learner):
    paper = start_exam(signed_in(testapp, chaoyang_learner))
    attempt_id = attempt_id_of(paper)
    policy = rules_for("chaoyang").exam_policy(YEAR)
    points = {s.question_type: s.points for s in policy.sections}
    form = paper.forms["paper"]
    expected = 0
    attempt = db.session.get(ExamAttempt, attempt_id)
    types = dict(
        db.session.execute(
            select(Question.id, Question.question_type).where(Question.id.in_(attempt.question_ids))
        ).all()
    )
    db.session.commit()
    for index, (question_id, right) in enumerate(sorted(answers_of(attempt_id).items())):
        if index < 3:
            form[f"q{question_id}"] = str(right)
            expected += points[types[question_id]]
        elif index < 6:
            form[f"q{question_id}"] = str(wrong(question_id, right))
    db.session.commit()
    result = form.submit("action", value="submit").follow()
    assert expected < policy.pass_mark
    assert f'<strong id="score">{expected}</strong>' in result.text and "未合格" in result.text


def test_guangdong_examines_public_courses_only_after_study_time(testapp, make_learner, make_course):
    user = make_learner("guangdong")
    give_credits(user, "guangdong", YEAR, public=30)
    page = signed_in(testapp, user, "guangdong").get("/guangdong/exam/")
    policy = rules_for("guangdong").exam_policy(YEAR)
    assert f"考试需学习{policy.min_study_minutes}分钟，已学习0分钟" in page.text
    assert "start" not in page.forms
    # 考试概况, as Guangdong's guide shows it: study and exam deadlines, progress, result.
    rows = {row.th.text: row.td.text for row in page.html.select("#exam-summary tr")}
    assert rows["学习截止"] == f"{YEAR}-12-31"
    assert rows["测试截止"] == f"{policy.closes_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
    assert rows["学习进度（公需科目）"] == "0/30学分"  # given as an offset: Guangdong's exam counts study only
    assert rows["学习时长"] == f"0/{policy.min_study_minutes}分钟"
    assert rows["通过情况"] == "未通过"


def test_guangdong_paper_uses_public_courses_and_attempts_run_out(testapp, make_learner, make_course, monkeypatch):
    from cpe_core.services import ledger

    monkeypatch.setattr(ledger, "study_minutes", lambda user_id, year: 10_000)
    user = make_learner("guangdong", **ELIGIBLE["guangdong"])
    public = make_course("guangdong", YEAR, kind="public", credits=30, title="公需课")
    professional = make_course("guangdong", YEAR, kind="professional", credits=60, title="专业课")
    add_questions(public, singles=12, truefalses=12)
    add_questions(professional, tag="专业题目")
    plan(user, public, YEAR)
    plan(user, professional, YEAR)
    give_credits(user, "guangdong", YEAR, source="course", public=30)
    signed_in(testapp, user, "guangdong")
    policy = rules_for("guangdong").exam_policy(YEAR)
    for _ in range(policy.max_attempts):
        paper = start_exam(testapp, "guangdong")
        assert "专业题目" not in paper.text
        assert paper.text.count("【单选题") + paper.text.count("【判断题") == sum(s.count for s in policy.sections)
        paper.forms["paper"].submit("action", value="submit").follow()
    page = testapp.get("/guangdong/exam/")
    assert f"考试机会已用完（共{policy.max_attempts}次）。" in page.text and "start" not in page.forms
    refused = testapp.post(f"/api/v1/regions/guangdong/exam/{YEAR}/attempts", status=403).json
    assert refused["error"]["code"] == "attempts_used_up"
    assert db.session.scalar(select(func.count(ExamAttempt.id))) == policy.max_attempts


def test_guangdong_exam_window_not_open_yet(testapp, make_learner, clock):
    user = make_learner("guangdong")
    policy = rules_for("guangdong").exam_policy(YEAR)
    clock.at = policy.opens_at - dt.timedelta(days=1)
    page = signed_in(testapp, user, "guangdong").get("/guangdong/exam/")
    assert "考试尚未开放，开放时间：2024-06-01 00:00。" in page.text


def test_cicpa_holds_no_exam(testapp, make_learner):
    user = make_learner("cicpa", login="100000000001", member_type="non_practising")
    page = signed_in(testapp, user, "cicpa").get("/cicpa/exam/", status=404)
    assert "本地区本年度不设考试。" in page.text and "start" not in page.forms
    assert "/cicpa/exam/" not in str(page.html.select_one(".mainnav")), "nor does the menu offer it"
    refused = testapp.post(f"/api/v1/regions/cicpa/exam/{YEAR}/attempts", status=403).json
    assert refused["error"] == {"code": "no_exam", "message": "本地区本年度不设考试。"}


def test_starting_when_not_eligible_is_refused_with_the_reasons(testapp, make_learner):
    user = make_learner("chaoyang")
    signed_in(testapp, user)
    refused = testapp.post(f"/api/v1/regions/chaoyang/exam/{YEAR}/attempts", status=403).json["error"]
    assert refused["code"] == "exam_total_missing"
    assert "考试需取得90学分，还差90学分。" in refused["message"]
    assert "考试需专业科目60学分" in refused["message"]
    assert db.session.scalar(select(func.count(ExamAttempt.id))) == 0


def test_a_second_start_continues_the_attempt_in_progress(testapp, chaoyang_learner):
    signed_in(testapp, chaoyang_learner)
    first = testapp.post(f"/api/v1/regions/chaoyang/exam/{YEAR}/attempts", status=201).json["attempt"]
    second = testapp.post(f"/api/v1/regions/chaoyang/exam/{YEAR}/attempts", status=201).json["attempt"]
    assert first["id"] == second["id"]
    assert [q["id"] for q in first["questions"]] == [q["id"] for q in second["questions"]]
    assert "继续考试" in testapp.get("/chaoyang/exam/").text


# --- answers saved as the learner goes ------------------------------------------------------


def test_saved_answers_survive_a_reload(testapp, chaoyang_learner):
    paper = start_exam(signed_in(testapp, chaoyang_learner))
    attempt_id = attempt_id_of(paper)
    (first, right_first), (second, right_second), *_ = answers_of(attempt_id).items()
    db.session.commit()
    testapp.put_json(f"/api/v1/exam/attempts/{attempt_id}/answers/{first}", {"choice": right_first})
    form = paper.forms["paper"]
    form[f"q{second}"] = str(right_second)
    saved = form.submit("action", value="save").follow()
    assert "答案已保存。" in saved.text
    reloaded = testapp.get(f"/chaoyang/exam/attempts/{attempt_id}").forms["paper"]
    assert reloaded[f"q{first}"].value == str(right_first)
    assert reloaded[f"q{second}"].value == str(right_second)
    # changing an answer replaces it
    testapp.put_json(f"/api/v1/exam/attempts/{attempt_id}/answers/{first}", {"choice": wrong(first, right_first)})
    questions = testapp.get(f"/api/v1/exam/attempts/{attempt_id}").json["attempt"]["questions"]
    assert {q["id"]: q["choice"] for q in questions}[first] == wrong(first, right_first)
    assert db.session.scalar(select(func.count(ExamAnswer.id))) == 2


# --- the server-kept timer ------------------------------------------------------------------


def sit(testapp, clock, minutes: float, seconds: float = 0, path: str = "/chaoyang/exam/"):
    """Let time pass while the learner stays active (the site signs out after 30 idle minutes)."""
    left = minutes * 60 + seconds
    while left > 0:
        step = min(left, 20 * 60)
        clock.advance(seconds=step)
        left -= step
        if left > 0:
            testapp.get(path)


def test_answers_within_the_grace_are_accepted(testapp, chaoyang_learner, clock):
    attempt_id = attempt_id_of(start_exam(signed_in(testapp, chaoyang_learner)))
    policy = rules_for("chaoyang").exam_policy(YEAR)
    question, right = next(iter(answers_of(attempt_id).items()))
    db.session.commit()
    sit(testapp, clock, policy.time_limit_minutes, policy.grace_seconds, path="/chaoyang/")
    ok = testapp.put_json(f"/api/v1/exam/attempts/{attempt_id}/answers/{question}", {"choice": right}).json
    assert ok["saved"] is True and ok["remaining_seconds"] == 0


def test_answers_after_the_time_limit_are_refused_and_the_attempt_scored_with_what_was_saved(
    testapp, chaoyang_learner, clock
):
    attempt_id = attempt_id_of(start_exam(signed_in(testapp, chaoyang_learner)))
    policy = rules_for("chaoyang").exam_policy(YEAR)
    points = {s.question_type: s.points for s in policy.sections}
    items = list(answers_of(attempt_id).items())
    db.session.commit()
    (early, early_right), (late, late_right) = items[0], items[1]
    testapp.put_json(f"/api/v1/exam/attempts/{attempt_id}/answers/{early}", {"choice": early_right})
    sit(testapp, clock, policy.time_limit_minutes, policy.grace_seconds + 1, path="/chaoyang/")
    refused = testapp.put_json(
        f"/api/v1/exam/attempts/{attempt_id}/answers/{late}", {"choice": late_right}, status=409
    ).json["error"]
    assert refused == {"code": "time_up", "message": "考试时间已到，此后的答案不再保存；试卷已按已保存的答案自动交卷。"}
    attempt = db.session.get(ExamAttempt, attempt_id)
    early_type = db.session.get(Question, early).question_type
    assert (attempt.status, attempt.score) == ("closed", points[early_type])
    assert db.session.scalar(select(func.count(ExamAnswer.id))) == 1
    page = testapp.get(f"/chaoyang/exam/attempts/{attempt_id}")
    assert f'<strong id="score">{points[early_type]}</strong>' in page.text


def test_an_overdue_attempt_is_closed_when_the_page_is_opened(testapp, chaoyang_learner, clock):
    attempt_id = attempt_id_of(start_exam(signed_in(testapp, chaoyang_learner)))
    sit(testapp, clock, 180, path="/chaoyang/")
    page = testapp.get(f"/chaoyang/exam/attempts/{attempt_id}")
    assert "考试时间已到，试卷已按已保存的答案自动交卷。" in page.text
    assert '<strong id="score">0</strong>' in page.text


# --- refused actions ------------------------------------------------------------------------


@pytest.fixture
def open_attempt(testapp, chaoyang_learner):
    attempt_id = attempt_id_of(start_exam(signed_in(testapp, chaoyang_learner)))
    question = next(iter(answers_of(attempt_id)))
    db.session.commit()
    return attempt_id, question


@pytest.mark.parametrize(
    "body, question_offset, status, code, message",
    [
        ({"choice": 0}, 10_000, 422, "question_not_in_attempt", "该题目不在本次试卷中，答案未保存。"),
        ({"choice": 7}, 0, 422, "invalid_choice", "所选答案不是该题的选项，答案未保存。"),
        ({"choice": -1}, 0, 422, "invalid_choice", "所选答案不是该题的选项，答案未保存。"),
        ({"choice": "甲"}, 0, 422, "invalid_choice", "所选答案不是该题的选项，答案未保存。"),
        ({}, 0, 422, "invalid_choice", "所选答案不是该题的选项，答案未保存。"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_saved(testapp, open_attempt, body, question_offset, status, code, message):
    attempt_id, question = open_attempt
    answer = testapp.put_json(
        f"/api/v1/exam/attempts/{attempt_id}/answers/{question + question_offset}", body, status=status
    ).json
    assert answer["error"] == {"code": code, "message": message}
    assert db.session.scalar(select(func.count(ExamAnswer.id))) == 0


def test_a_question_of_another_paper_is_refused(testapp, open_attempt, make_course):
    attempt_id, _question = open_attempt
    outsider = add_questions(make_course("chaoyang", YEAR), singles=1, truefalses=0)[0]
    answer = testapp.put_json(f"/api/v1/exam/attempts/{attempt_id}/answers/{outsider.id}", {"choice": 0}, status=422)
    assert answer.json["error"]["message"] == "该题目不在本次试卷中，答案未保存。"


def test_submitting_twice_and_editing_after_submit_are_refused(testapp, open_attempt):
    attempt_id, question = open_attempt
    first = testapp.post(f"/api/v1/exam/attempts/{attempt_id}/submit").json["attempt"]
    again = testapp.post(f"/api/v1/exam/attempts/{attempt_id}/submit", status=409).json["error"]
    assert again == {"code": "already_submitted", "message": "本次考试已交卷，请勿重复提交。"}
    edit = testapp.put_json(f"/api/v1/exam/attempts/{attempt_id}/answers/{question}", {"choice": 0}, status=409)
    assert edit.json["error"] == {"code": "attempt_closed", "message": "本次考试已交卷，不能再修改答案。"}
    assert db.session.get(ExamAttempt, attempt_id).score == first["score"]
    assert db.session.scalar(select(func.count(ExamAnswer.id))) == 0


def test_another_learners_attempt_is_refused(testapp, open_attempt, make_learner):
    attempt_id, question = open_attempt
    intruder = make_learner("chaoyang", name="王他人")
    testapp.reset()  # the same browser, now signed in as someone else
    g.pop("csrf_token", None)  # the test's app context outlives requests: forget the old token
    other = signed_in(testapp, intruder)
    for response in (
        other.post(f"/api/v1/exam/attempts/{attempt_id}/submit", status=403),
        other.put_json(f"/api/v1/exam/attempts/{attempt_id}/answers/{question}", {"choice": 0}, status=403),
        other.get(f"/api/v1/exam/attempts/{attempt_id}", status=403),
    ):
        assert response.json["error"] == {"code": "not_your_attempt", "message": "这不是您的考试，无权查看或提交。"}
    page = other.get(f"/chaoyang/exam/attempts/{attempt_id}", status=403)
    assert "这不是您的考试，无权查看或提交。" in page.text
    assert db.session.get(ExamAttempt, attempt_id).status == "open"


def test_two_tabs_submitting_produce_one_score(testapp, open_attempt):
    attempt_id, _question = open_attempt
    tab_one = testapp.get(f"/chaoyang/exam/attempts/{attempt_id}").forms["paper"]
    tab_two = testapp.get(f"/chaoyang/exam/attempts/{attempt_id}").forms["paper"]
    tab_one.submit("action", value="submit").follow()
    refused = tab_two.submit("action", value="submit", status=409)
    assert "本次考试已交卷，不能再修改答案。" in refused.text or "本次考试已交卷，请勿重复提交。" in refused.text
    assert db.session.scalar(select(func.count(ExamAttempt.id)).where(ExamAttempt.submitted_at.is_not(None))) == 1


def test_concurrent_submits_close_the_attempt_once(app, open_attempt):
    """Two requests race for the same attempt; the conditional UPDATE lets exactly one win."""
    import threading

    from cpe_core.services import exams

    attempt_id, _question = open_attempt
    user_id = db.session.get(ExamAttempt, attempt_id).user_id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def tab():
        with app.app_context():
            barrier.wait()
            try:
                exams.submit(user_id, attempt_id)
                outcomes.append("scored")
            except exams.ExamRefused as refused:
                outcomes.append(refused.code)
            except Exception as error:  # noqa: BLE001 - shown in the assertion below
                outcomes.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already_submitted", "scored"]


def test_a_question_bank_too_small_for_the_paper_is_refused_clearly(testapp, make_learner, make_course):
    user = make_learner("chaoyang", **ELIGIBLE["chaoyang"])
    course = make_course("chaoyang", YEAR, credits=90)
    add_questions(course, singles=2, truefalses=6)
    plan(user, course, YEAR)
    give_credits(user, "chaoyang", YEAR, professional=60, public=30)
    page = signed_in(testapp, user).get("/chaoyang/exam/")
    refused = page.forms["start"].submit(status=409)
    single = next(s for s in rules_for("chaoyang").exam_policy(YEAR).sections if s.question_type == "single")
    assert f"您所选课程的题库中单选题不足{single.count}道，暂时无法组卷，请联系客服。" in refused.text
    assert db.session.scalar(select(func.count(ExamAttempt.id))) == 0


def test_a_learner_of_another_region_cannot_use_this_regions_exam(testapp, make_learner):
    user = make_learner("guangdong")
    signed_in(testapp, user, "guangdong")
    testapp.get("/chaoyang/exam/", status=403)
    refused = testapp.post(f"/api/v1/regions/chaoyang/exam/{YEAR}/attempts", status=403).json
    assert refused["error"] == {"code": "wrong_region", "message": "您不是本地区的学员。"}


def test_an_attempt_started_just_before_the_window_closes_ends_with_the_window(testapp, chaoyang_learner, clock):
    policy = rules_for("chaoyang").exam_policy(YEAR)
    clock.at = policy.closes_at - dt.timedelta(minutes=10)
    paper = start_exam(signed_in(testapp, chaoyang_learner))
    closes = policy.closes_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    assert f"交卷截止时间：{closes}" in paper.text


def test_answering_on_the_page_keeps_the_learner_signed_in_through_a_long_exam(testapp, chaoyang_learner, clock):
    paper = start_exam(signed_in(testapp, chaoyang_learner))
    attempt_id = attempt_id_of(paper)
    token = paper.forms["paper"]["csrf_token"].value
    items = sorted(answers_of(attempt_id).items())
    db.session.commit()
    for question_id, right in items[:3]:
        clock.advance(minutes=20)  # longer than nothing, shorter than the idle limit
        saved = testapp.put_json(
            f"/chaoyang/exam/attempts/{attempt_id}/answers/{question_id}", {"choice": right},
            headers={"X-CSRFToken": token},
        ).json
        assert saved["saved"] is True
    refused = testapp.put_json(
        f"/chaoyang/exam/attempts/{attempt_id}/answers/{items[3][0]}", {"choice": 9},
        headers={"X-CSRFToken": token}, status=422,
    ).json
    assert refused["error"]["message"] == "所选答案不是该题的选项，答案未保存。"
    # 60 minutes on the paper page, only autosaving: still signed in, and the submit counts
    result = paper.forms["paper"].submit("action", value="submit").follow()
    assert "本次成绩" in result.text
    assert db.session.get(ExamAttempt, attempt_id).score > 0


def test_autosave_without_the_csrf_token_is_refused(testapp, chaoyang_learner):
    attempt_id = attempt_id_of(start_exam(signed_in(testapp, chaoyang_learner)))
    question = next(iter(answers_of(attempt_id)))
    db.session.commit()
    testapp.put_json(f"/chaoyang/exam/attempts/{attempt_id}/answers/{question}", {"choice": 0}, status=400)
    assert db.session.scalar(select(func.count(ExamAnswer.id))) == 0
