"""A chapter exercise (随堂随练) shows two questions drawn from the chapter's question bank, and is
scored against exactly the questions it showed; the next try draws again. The site and the API
show and score the same questions."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cpe_core import clock
from cpe_core.extensions import db
from cpe_core.models import ChapterProgress, Question
from cpe_core.services.learning import draw_exercise
from study_support import YEAR, add_to_plan, course, learner, sign_in


@pytest.fixture
def bank(testapp, make_learner):
    """A signed-in learner whose first chapter (watched) has a bank of six questions."""
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang", chapters=2)
    chapter = c.chapters[0]
    for number in range(4):
        chapter.questions.append(Question(question_type="truefalse", text=f"补充判断题{number}",
                                          options=["正确", "错误"], answer=number % 2, explanation=f"解析{number}"))
    add_to_plan(user, c)
    now = clock.to_utc_naive(clock.now())
    db.session.add(ChapterProgress(user_id=user.id, chapter_id=chapter.id, watched_seconds=60, last_heartbeat_at=now,
                                   watched_at=now))
    db.session.commit()
    sign_in(testapp, user)
    return user, chapter


def shown(testapp, chapter) -> list[int]:
    return [q["id"] for q in testapp.get(f"/api/v1/chapters/{chapter.id}/exercise").json["questions"]]


def right_answers(ids) -> dict[str, int]:
    return {str(i): db.session.get(Question, i).answer for i in ids}


def test_an_exercise_shows_two_questions_of_the_bank_and_the_same_ones_until_submitted(testapp, bank):
    _user, chapter = bank
    first = shown(testapp, chapter)
    bank_ids = [q.id for q in chapter.questions]
    assert len(first) == 2 and set(first) <= set(bank_ids) and first == sorted(first)
    assert shown(testapp, chapter) == first  # a reload shows the same two
    page = testapp.get(f"/chaoyang/learn/{chapter.id}/exercise")
    assert [f.get("name") for f in page.html.select("fieldset.question input")][::2] == [f"q{i}" for i in first]
    assert len(page.html.select("fieldset.question")) == 2


def test_the_score_is_for_the_shown_questions_and_each_try_draws_again(testapp, bank):
    _user, chapter = bank
    seen: set[int] = set()
    for _try in range(8):
        ids = shown(testapp, chapter)
        seen.update(ids)
        wrong = {key: 1 - value for key, value in right_answers(ids).items()}
        res = testapp.post_json(f"/api/v1/chapters/{chapter.id}/exercise", {"answers": wrong}).json
        assert res["passed"] is False
        assert [r["question_id"] for r in res["results"]] == ids
    assert len(seen) > 2, "tries draw from the whole bank"
    progress = db.session.scalar(select(ChapterProgress).where(ChapterProgress.chapter_id == chapter.id))
    assert progress.exercise_attempts == 8 and progress.exercise_passed_at is None
    ids = shown(testapp, chapter)
    res = testapp.post_json(f"/api/v1/chapters/{chapter.id}/exercise", {"answers": right_answers(ids)}).json
    assert res["passed"] is True


def test_answers_to_questions_not_shown_are_refused(testapp, bank):
    _user, chapter = bank
    ids = shown(testapp, chapter)
    other = [q.id for q in chapter.questions if q.id not in ids]
    body = {"answers": right_answers([ids[0], other[0]])}
    res = testapp.post_json(f"/api/v1/chapters/{chapter.id}/exercise", body, status=422).json
    assert res["error"] == {"code": "exercise_changed", "message": "练习题目已更换，请按当前显示的题目重新作答。"}
    # A page left open while another tab submitted is refused the same way, on the site too.
    page = testapp.get(f"/chaoyang/learn/{chapter.id}/exercise")
    tries = 0
    while tries == 0 or set(shown(testapp, chapter)) == set(ids):  # until the draw differs
        current = shown(testapp, chapter)
        testapp.post_json(f"/api/v1/chapters/{chapter.id}/exercise", {"answers": right_answers(current)})
        tries += 1
        assert tries < 20
    form = page.forms["exercise"]
    for key, value in right_answers(ids).items():
        form[f"q{key}"] = str(value)
    res = form.submit()
    assert res.html.select_one(".flash-error").text == "练习题目已更换，请按当前显示的题目重新作答。"
    assert "练习通过" not in res.text
    db.session.expire_all()
    progress = db.session.scalar(select(ChapterProgress).where(ChapterProgress.chapter_id == chapter.id))
    assert progress.exercise_attempts == tries, "a refused submission counts no attempt"


def test_the_site_scores_the_questions_it_showed_like_the_api(testapp, bank):
    _user, chapter = bank
    ids = shown(testapp, chapter)
    form = testapp.get(f"/chaoyang/learn/{chapter.id}/exercise").forms["exercise"]
    answers = right_answers(ids)
    form[f"q{ids[0]}"] = str(answers[str(ids[0])])
    res = form.submit()
    assert res.html.select_one(".flash-error").text == "请回答全部题目后再提交。"
    form = res.forms["exercise"]
    form[f"q{ids[1]}"] = str(1 - answers[str(ids[1])])
    res = form.submit()
    assert "练习通过，下一章已解锁。" in res.text
    assert len(res.html.select("ol.answers li")) == 2
    assert res.html.select("ol.answers li")[1]["class"] == ["wrong"]


def test_how_many_questions_an_exercise_shows_is_a_setting(app, testapp, bank):
    _user, chapter = bank
    app.config["CPE_EXERCISE_QUESTIONS"] = 3
    ids = shown(testapp, chapter)
    assert len(ids) == 3
    res = testapp.post_json(f"/api/v1/chapters/{chapter.id}/exercise", {"answers": right_answers(ids[:2])},
                            status=422).json
    assert res["error"]["code"] == "answers_incomplete"
    app.config["CPE_EXERCISE_QUESTIONS"] = 10  # more than the bank holds: the whole bank
    assert shown(testapp, chapter) == sorted(q.id for q in chapter.questions)


def test_the_draw_is_fixed_per_learner_chapter_and_attempt():
    bank = list(range(10))
    assert draw_exercise(bank, 1, 7, 0, 2) == draw_exercise(bank, 1, 7, 0, 2)
    draws = {tuple(draw_exercise(bank, user, 7, attempt, 2)) for user in range(1, 5) for attempt in range(5)}
    assert len(draws) > 5
    assert draw_exercise(bank[:2], 1, 7, 0, 2) == [0, 1]
