"""Bad learning input gets the same refusal on the site's player endpoints as on ``/api/v1``
(heartbeat and exercise), and one learner's heartbeats never count for another."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import ChapterProgress, StudyPlanItem
from study_support import YEAR, add_to_plan, course, learner, sign_in


def csrf(testapp, region="chaoyang") -> str:
    """The session's CSRF token, as any page form carries it (the plan page's 一键选课 form)."""
    return testapp.get(f"/{region}/plan?year={YEAR}").forms["auto"]["csrf_token"].value


def site_beat(testapp, token, chapter_id, position, status=200):
    return testapp.post_json(f"/chaoyang/learn/{chapter_id}/heartbeat", {"position": position},
                             headers={"X-CSRFToken": token}, status=status)


def api_beat(testapp, chapter_id, position, status=200):
    return testapp.post_json(f"/api/v1/chapters/{chapter_id}/heartbeat", {"position": position}, status=status)


def watched(user, chapter) -> int:
    db.session.expire_all()
    progress = db.session.scalar(select(ChapterProgress).where(
        ChapterProgress.user_id == user.id, ChapterProgress.chapter_id == chapter.id))
    return progress.watched_seconds if progress else 0


@pytest.fixture
def setup(testapp, make_learner):
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang", chapters=2, duration=300, credits=12)
    add_to_plan(user, c)
    sign_in(testapp, user)
    return user, c


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("missing_chapter", "chapter_not_found", "没有这个章节。"),
        ("other_region", "chapter_not_found", "没有这个章节。"),
        ("not_in_plan", "chapter_not_in_plan", "该课程不在您的学习计划中，请先选课。"),
        ("removed", "chapter_not_in_plan", "该课程不在您的学习计划中，请先选课。"),
        ("locked", "chapter_locked", "请先完成上一章的随堂练习。"),
        ("too_fast", "heartbeat_too_fast", "上报的观看进度超过了实际经过的时间，本次不计入学习进度，请正常播放。"),
    ],
)
def test_bad_heartbeats_get_the_same_refusal_on_the_site_as_in_the_api(testapp, setup, clock, case, code, message):
    user, c = setup
    token = csrf(testapp)
    chapter_id, position = c.chapters[0].id, 0
    if case == "missing_chapter":
        chapter_id = 999999
    elif case == "other_region":
        chapter_id = course("guangdong").chapters[0].id
    elif case == "not_in_plan":
        chapter_id = course("chaoyang").chapters[0].id
    elif case == "removed":
        item = db.session.scalar(select(StudyPlanItem).where(StudyPlanItem.user_id == user.id))
        item.removed_at = item.added_at
        db.session.commit()
    elif case == "locked":
        chapter_id = c.chapters[1].id
    elif case == "too_fast":
        site_beat(testapp, token, chapter_id, 0)
        clock.advance(seconds=3)
        position = 200  # 200 s claimed after 3 s: beyond the default 120 s slack
    site = site_beat(testapp, token, chapter_id, position, status=422).json
    api = api_beat(testapp, chapter_id, position, status=422).json
    assert site["error"] == api["error"] == {"code": code, "message": message}
    assert watched(user, c.chapters[0]) == 0


def test_a_claim_ahead_of_the_elapsed_time_is_capped_on_the_site_too(testapp, setup, clock):
    user, c = setup
    token = csrf(testapp)
    chapter = c.chapters[0]
    site_beat(testapp, token, chapter.id, 0)
    clock.advance(seconds=5)
    res = site_beat(testapp, token, chapter.id, 25).json  # 25 s claimed, 5 s elapsed
    assert (res["watched_seconds"], res["counted_seconds"]) == (5, 5)
    # The same moment reported again (a second tab, a retried request) counts nothing.
    assert site_beat(testapp, token, chapter.id, 25).json["counted_seconds"] == 0
    assert api_beat(testapp, chapter.id, 5).json["counted_seconds"] == 0
    assert watched(user, chapter) == 5


def test_another_learner_on_the_same_course_never_moves_the_first_learners_progress(testapp, setup, make_learner, clock):
    first, c = setup
    chapter = c.chapters[0]
    api_beat(testapp, chapter.id, 0)
    clock.advance(seconds=10)
    api_beat(testapp, chapter.id, 10)
    other = learner(make_learner, "chaoyang", name="另一学员")
    add_to_plan(other, c)
    testapp.reset()
    sign_in(testapp, other)
    api_beat(testapp, chapter.id, 0)
    clock.advance(seconds=20)
    assert api_beat(testapp, chapter.id, 20).json["watched_seconds"] == 20
    assert (watched(first, chapter), watched(other, chapter)) == (10, 20)


def test_an_exercise_answer_for_a_locked_chapter_is_refused_on_the_site(testapp, setup):
    user, c = setup
    second = c.chapters[1]
    single, truefalse = second.questions
    res = testapp.post(f"/chaoyang/learn/{second.id}/exercise",
                       {"csrf_token": csrf(testapp), f"q{single.id}": "1", f"q{truefalse.id}": "0"})
    assert res.html.select_one(".flash-error").text == "请先完成上一章的随堂练习。"
    assert "练习通过" not in res.text
    progress = db.session.scalar(select(ChapterProgress).where(
        ChapterProgress.user_id == user.id, ChapterProgress.chapter_id == second.id))
    assert progress is None or progress.exercise_passed_at is None
    # And the API says the same.
    api = testapp.post_json(f"/api/v1/chapters/{second.id}/exercise",
                            {"answers": {str(single.id): 1, str(truefalse.id): 0}}, status=422).json
    assert api["error"] == {"code": "chapter_locked", "message": "请先完成上一章的随堂练习。"}


def test_the_player_page_offers_the_chapters_handout_for_download(testapp, setup):
    _user, c = setup
    chapter = c.chapters[0]
    chapter.handout_url = "/static/handouts/c1.pdf"
    db.session.commit()
    page = testapp.get(f"/chaoyang/learn/{chapter.id}")
    link = page.html.find("a", href="/static/handouts/c1.pdf")
    assert link is not None and link.has_attr("download") and link.text == "下载讲义"


@pytest.mark.parametrize("region", ["chaoyang", "guangdong", "cicpa"])
def test_a_demo_course_offers_anyone_its_preview_and_each_chapters_handout(app, testapp, region):
    """Without signing in: the course page plays the preview clip and links every chapter's
    讲义, and both files really download."""
    from cpe_core.models import Course
    from cpe_core.regions import rules_for
    from cpe_core.services import demo

    demo.load(rules_for(region))
    c = db.session.scalar(select(Course).where(Course.region == region).order_by(Course.id).limit(1))
    page = testapp.get(f"/{region}/courses/{c.id}")
    preview = page.html.select_one("video.preview")["src"]
    assert testapp.get(preview).content_type == "video/webm"
    links = [row.find("a", download=True) for row in page.html.select("tr.chapter")]
    assert links and all(link is not None and link.text == "下载讲义" for link in links)
    handout = testapp.get(links[0]["href"])
    assert handout.content_type == "application/pdf" and handout.body.startswith(b"%PDF")


def test_the_api_shows_the_right_answers_and_explanations_after_any_submission(testapp, make_learner, clock):
    user = learner(make_learner, "guangdong")
    c = course("guangdong", chapters=1, duration=20)
    add_to_plan(user, c)
    sign_in(testapp, user)
    chapter = c.chapters[0]
    api_beat(testapp, chapter.id, 0)
    for second in (10, 20):
        clock.advance(seconds=10)
        api_beat(testapp, chapter.id, second)
    single, truefalse = chapter.questions
    for attempt in range(3):  # unlimited tries: wrong, wrong, then right
        right = attempt == 2
        res = testapp.post_json(f"/api/v1/chapters/{chapter.id}/exercise",
                                {"answers": {str(single.id): 1 if right else 0, str(truefalse.id): 1}}).json
        assert res["passed"] is right
        shown = {r["question_id"]: (r["answer"], r["explanation"]) for r in res["results"]}
        assert shown == {single.id: (1, "应选乙。"), truefalse.id: (0, "该说法正确。")}
