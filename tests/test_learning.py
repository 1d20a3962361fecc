"""Learning: heartbeats count real time only, exercises unlock chapters, finished courses earn
their credits once. Through the site and ``/api/v1`` alike."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import ChapterProgress, CreditRecord, StudyPlanItem
from cpe_core.services.learning import DEFAULT_MAX_STEP_SECONDS
from study_support import REGIONS, YEAR, add_to_plan, course, learner, second_tab_after_first_read, sign_in
from study_support import api_heartbeat as beat


def site_beat(testapp, region, chapter_id, position, status=200):
    page = testapp.get(f"/{region}/learn/{chapter_id}")
    token = page.html.find("video")["data-csrf"]
    return testapp.post_json(
        f"/{region}/learn/{chapter_id}/heartbeat", {"position": position}, headers={"X-CSRFToken": token}, status=status
    )


def watch(testapp, clock, chapter, step=10):
    """Play ``chapter`` to its end in real (test) time."""
    beat(testapp, chapter.id, 0)
    position = 0
    while position < chapter.duration_seconds:
        clock.advance(seconds=step)
        position = min(position + step, chapter.duration_seconds)
        res = beat(testapp, chapter.id, position)
    return res


def answer(testapp, chapter, right=True, status=200):
    single, truefalse = chapter.questions
    answers = {str(single.id): 1 if right else 0, str(truefalse.id): 0 if right else 1}
    return testapp.post_json(f"/api/v1/chapters/{chapter.id}/exercise", {"answers": answers}, status=status)


@pytest.fixture
def setup(testapp, make_learner):
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang", chapters=2, duration=30, credits=12)
    add_to_plan(user, c)
    sign_in(testapp, user)
    return user, c


@pytest.mark.parametrize("region", REGIONS)
def test_progress_follows_real_time_and_a_course_earns_its_credits_once(testapp, make_learner, clock, region):
    user = learner(make_learner, region)
    c = course(region, chapters=2, duration=30, credits=12, kind="public")
    add_to_plan(user, c)
    sign_in(testapp, user)
    first, second = c.chapters
    assert watch(testapp, clock, first).json["watched"] is True
    assert answer(testapp, first).json["passed"] is True
    watch(testapp, clock, second)
    result = answer(testapp, second).json
    assert result["course_completed"] is True
    # Re-doing the exercise later never counts the credits twice.
    assert answer(testapp, second).json["course_completed"] is False
    records = db.session.scalars(select(CreditRecord).where(CreditRecord.user_id == user.id)).all()
    assert [(r.kind, r.credits, r.source, r.source_id) for r in records] == [("public", 12, "course", c.id)]
    credits = testapp.get("/api/v1/me/credits", params={"year": YEAR}).json
    assert credits["earned"] == {"total": 12, "by_kind": {"public": 12}}
    page = testapp.get(f"/{region}/credits?year={YEAR}")
    assert page.html.select_one(".kind-public .earned").text == "12"
    assert c.title in page.text


def test_a_claim_ahead_of_elapsed_time_is_capped_to_the_elapsed_time(testapp, setup, clock):
    _user, c = setup
    chapter = c.chapters[0]
    assert beat(testapp, chapter.id, 0).json["watched_seconds"] == 0
    clock.advance(seconds=10)
    assert beat(testapp, chapter.id, 10).json["watched_seconds"] == 10
    clock.advance(seconds=5)
    # 15 s claimed, 5 s elapsed (within the slack): counted as 5 s.
    res = beat(testapp, chapter.id, 25).json
    assert (res["watched_seconds"], res["counted_seconds"]) == (15, 5)


def test_a_claim_beyond_elapsed_time_plus_slack_is_refused_and_nothing_counts(testapp, setup, clock):
    _user, c = setup
    chapter = c.chapters[0]
    beat(testapp, chapter.id, 0)
    clock.advance(seconds=3)
    res = beat(testapp, chapter.id, 29, status=422).json  # 29 s claimed > 3 s elapsed + 20 s slack
    assert res["error"]["code"] == "heartbeat_too_fast"
    assert res["error"]["message"] == "上报的观看进度超过了实际经过的时间，本次不计入学习进度，请正常播放。"
    progress = db.session.scalar(select(ChapterProgress).where(ChapterProgress.chapter_id == chapter.id))
    assert progress.watched_seconds == 0


@pytest.fixture
def cpe_test_config(cpe_test_config):
    # A short slack so the 30-second test chapters can show a refusal; the default is 120 s.
    return {**cpe_test_config, "CPE_HEARTBEAT_SLACK_SECONDS": 20}


def test_seeking_back_and_repeating_a_position_never_counts_twice(testapp, setup, clock):
    _user, c = setup
    chapter = c.chapters[0]
    beat(testapp, chapter.id, 0)
    clock.advance(seconds=10)
    beat(testapp, chapter.id, 10)
    # Two tabs report the same moment: the second finds the time already consumed.
    assert beat(testapp, chapter.id, 10).json["counted_seconds"] == 0
    clock.advance(seconds=5)
    assert beat(testapp, chapter.id, 3).json["watched_seconds"] == 10  # out of order / seek back
    clock.advance(seconds=5)
    assert beat(testapp, chapter.id, 15).json["watched_seconds"] == 15


def test_two_tabs_interleaving_never_count_more_than_the_real_time(testapp, setup, clock):
    _user, c = setup
    chapter = c.chapters[0]
    beat(testapp, chapter.id, 0)
    # Tab A and tab B both play from 0, five seconds apart, heartbeating every 5 s for 20 s.
    for second in range(5, 25, 5):
        clock.advance(seconds=5)
        beat(testapp, chapter.id, second)       # tab A
        beat(testapp, chapter.id, second + 5)   # tab B, 5 s ahead
    watched = testapp.get(f"/api/v1/me/courses/{c.id}").json["chapters"][0]["watched_seconds"]
    assert watched <= 20 + 2  # 20 s passed; at most the rounding carry on top


def test_a_paused_player_does_not_bank_the_pause(testapp, setup, clock):
    user, _c = setup
    long = course("chaoyang", chapters=1, duration=600)
    add_to_plan(user, long)
    chapter = long.chapters[0]
    beat(testapp, chapter.id, 0)
    clock.advance(minutes=10)
    # Ten minutes paused, then a seek to 100 s: at most one heartbeat step is counted.
    res = beat(testapp, chapter.id, 100).json
    assert res["watched_seconds"] == DEFAULT_MAX_STEP_SECONDS
    clock.advance(seconds=5)
    # From there on only real time counts (5 s plus the rounding carry at most); the seek
    # position itself is now too far ahead and refused.
    assert beat(testapp, chapter.id, 100, status=422).json["error"]["code"] == "heartbeat_too_fast"
    assert beat(testapp, chapter.id, 40).json["counted_seconds"] <= 5 + 2


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("negative", "invalid_position", "播放进度无效。"),
        ("text", "invalid_position", "播放进度无效。"),
        ("missing_chapter", "chapter_not_found", "没有这个章节。"),
        ("not_in_plan", "chapter_not_in_plan", "该课程不在您的学习计划中，请先选课。"),
        ("other_region", "chapter_not_found", "没有这个章节。"),
        ("locked", "chapter_locked", "请先完成上一章的随堂练习。"),
        ("removed", "chapter_not_in_plan", "该课程不在您的学习计划中，请先选课。"),
    ],
)
def test_bad_heartbeats_are_refused_with_a_reason(testapp, setup, make_learner, case, code, message):
    user, c = setup
    chapter_id, position = c.chapters[0].id, 0
    if case == "negative":
        position = -5
    elif case == "text":
        position = "abc"
    elif case == "missing_chapter":
        chapter_id = 999999
    elif case == "not_in_plan":
        chapter_id = course("chaoyang").chapters[0].id
    elif case == "other_region":
        other = course("guangdong")
        chapter_id = other.chapters[0].id
    elif case == "locked":
        chapter_id = c.chapters[1].id
    elif case == "removed":
        item = db.session.scalar(select(StudyPlanItem).where(StudyPlanItem.user_id == user.id))
        item.removed_at = item.added_at
        db.session.commit()
    res = beat(testapp, chapter_id, position, status=422).json
    assert res["error"] == {"code": code, "message": message}
    # The site's player endpoint answers the same.
    if case not in ("missing_chapter", "other_region", "not_in_plan", "removed", "locked"):
        token = testapp.get(f"/chaoyang/learn/{c.chapters[0].id}").html.find("video")["data-csrf"]
        site = testapp.post_json(f"/chaoyang/learn/{chapter_id}/heartbeat", {"position": position},
                                 headers={"X-CSRFToken": token}, status=422).json
        assert site["error"] == {"code": code, "message": message}


def test_another_learners_session_cannot_report_for_a_chapter_it_has_not_selected(testapp, setup, make_learner):
    _user, c = setup
    other = learner(make_learner, "chaoyang", name="另一学员")
    testapp.reset()
    sign_in(testapp, other)
    res = beat(testapp, c.chapters[0].id, 0, status=422).json
    assert res["error"]["code"] == "chapter_not_in_plan"


def test_site_heartbeat_needs_the_csrf_token(testapp, setup):
    _user, c = setup
    testapp.post_json(f"/chaoyang/learn/{c.chapters[0].id}/heartbeat", {"position": 0}, status=400)


def test_site_heartbeat_counts_like_the_api(testapp, setup, clock):
    _user, c = setup
    chapter = c.chapters[0]
    site_beat(testapp, "chaoyang", chapter.id, 0)
    clock.advance(seconds=7)
    assert site_beat(testapp, "chaoyang", chapter.id, 7).json["watched_seconds"] == 7
    assert beat(testapp, chapter.id, 7).json["watched_seconds"] == 7


def test_exercise_opens_only_after_the_whole_video(testapp, setup, clock):
    _user, c = setup
    chapter = c.chapters[0]
    beat(testapp, chapter.id, 0)
    clock.advance(seconds=20)
    beat(testapp, chapter.id, 20)
    res = answer(testapp, chapter, status=422).json
    assert res["error"] == {"code": "exercise_locked", "message": "请先完整观看本章视频，再做随堂练习。"}
    page = testapp.get(f"/chaoyang/learn/{chapter.id}/exercise").follow()
    assert "请先完整观看本章视频，再做随堂练习。" in page.text


def test_an_exercise_answer_for_a_locked_chapter_is_refused(testapp, setup):
    _user, c = setup
    res = answer(testapp, c.chapters[1], status=422).json
    assert res["error"] == {"code": "chapter_locked", "message": "请先完成上一章的随堂练习。"}


def test_exercise_through_the_site_shows_answers_and_unlocks_the_next_chapter(testapp, setup, clock):
    _user, c = setup
    first, second = c.chapters
    watch(testapp, clock, first)
    page = testapp.get(f"/chaoyang/learn/{first.id}/exercise")
    form = page.forms["exercise"]
    single, truefalse = first.questions
    form[f"q{single.id}"] = "0"      # wrong
    form[f"q{truefalse.id}"] = "1"   # wrong
    res = form.submit()
    assert "未答对，请重新观看或再试一次（不限次数）。" in res.text
    assert "应选乙。" in res.text and "正确答案：乙" in res.text
    beat(testapp, second.id, 0, status=422)  # still locked
    form = res.forms["exercise"]
    form[f"q{single.id}"] = "1"      # right
    form[f"q{truefalse.id}"] = "1"   # wrong: one right answer is enough
    res = form.submit()
    assert "练习通过，下一章已解锁。" in res.text
    next_page = res.click(href=f"/chaoyang/learn/{second.id}")
    assert next_page.html.find("video") is not None
    assert beat(testapp, second.id, 0).json["watched_seconds"] == 0


def test_unanswered_exercise_is_refused(testapp, setup, clock):
    _user, c = setup
    first = c.chapters[0]
    watch(testapp, clock, first)
    res = testapp.post_json(f"/api/v1/chapters/{first.id}/exercise",
                            {"answers": {str(first.questions[0].id): 1}}, status=422).json
    assert res["error"] == {"code": "answers_incomplete", "message": "请回答全部题目后再提交。"}
    res = testapp.post_json(f"/api/v1/chapters/{first.id}/exercise",
                            {"answers": {str(q.id): 9 for q in first.questions}}, status=422).json
    assert res["error"] == {"code": "invalid_answer", "message": "答案选项无效。"}


def test_rewatching_a_finished_chapter_never_blocks_anything(testapp, setup, clock):
    _user, c = setup
    first = c.chapters[0]
    watch(testapp, clock, first)
    answer(testapp, first)
    clock.advance(seconds=5)
    res = beat(testapp, first.id, 2).json
    assert (res["watched"], res["watched_seconds"]) == (True, 30)
    assert answer(testapp, first, right=False).json["passed"] is False
    assert testapp.get(f"/api/v1/me/courses/{c.id}").json["chapters"][1]["unlocked"] is True


def test_the_api_needs_a_signed_in_learner(testapp, setup):
    testapp.reset()
    res = testapp.post_json("/api/v1/chapters/1/heartbeat", {"position": 0}, status=401).json
    assert res["error"]["code"] == "login_required"


def test_course_page_shows_watched_and_total_time_and_percent(testapp, setup, clock):
    _user, c = setup
    first = c.chapters[0]
    beat(testapp, first.id, 0)
    clock.advance(seconds=15)
    beat(testapp, first.id, 15)
    page = testapp.get(f"/chaoyang/courses/{c.id}")
    rows = page.html.select("tr.chapter")
    assert "0:15 / 0:30" in rows[0].text and "0:00 / 0:30" in rows[1].text
    assert page.html.select_one(".course-percent").text == "25%"


def test_concurrent_heartbeats_from_two_tabs_never_double_count(app, testapp, setup, clock, monkeypatch):
    """Tab B's heartbeat runs entirely between tab A's read and A's conditional UPDATE."""
    if app.config["CPE_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite serialises writers; the interleaving needs PostgreSQL's concurrent sessions")
    from cpe_core.models import User
    from cpe_core.services import learning

    user, c = setup
    chapter = c.chapters[0]
    beat(testapp, chapter.id, 0)
    clock.advance(seconds=10)

    def tab_b():
        return learning.heartbeat(db.session.get(User, user.id), chapter.id, 10)

    with second_tab_after_first_read(app, monkeypatch, tab_b) as state:
        result = beat(testapp, chapter.id, 10).json
    assert state["interleaved"]
    assert (result["watched_seconds"], result["counted_seconds"]) == (10, 0)


def test_credit_query_lists_this_and_past_years(testapp, setup):
    from cpe_core.services.ledger import record_credit

    user, _c = setup
    record_credit(user_id=user.id, region="chaoyang", year=2023, kind="public", credits=30, source="import",
                  source_id=1, description="2023年度继续教育")
    db.session.commit()
    page = testapp.get("/chaoyang/credits")
    years = [a.text for a in page.html.select(".years a")]
    assert years == ["2024年度", "2023年度"]
    past = page.click(linkid=None, href="year=2023")
    assert past.html.select_one(".kind-public .earned").text == "30"
    assert "2023年度继续教育" in past.text
    reasons = [li.text for li in past.html.select(".reasons li")]
    assert "本年度共需90学分，已取得30学分，还差60学分。" in reasons
    assert testapp.get("/api/v1/me/credits", params={"year": 2023}).json["earned"]["total"] == 30


def test_the_player_beats_to_the_api_and_through_the_site_once_per_activity_interval(app, testapp, make_learner):
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang", chapters=1)
    add_to_plan(user, c)
    sign_in(testapp, user)
    app.config["CPE_PLAYER_ACTIVITY_SECONDS"] = 45
    chapter_id = c.chapters[0].id
    video = testapp.get(f"/chaoyang/learn/{chapter_id}").html.find("video")
    assert video["data-heartbeat"] == f"/api/v1/chapters/{chapter_id}/heartbeat"
    assert video["data-activity"] == f"/chaoyang/learn/{chapter_id}/heartbeat"
    assert video["data-activity-interval"] == "45"
