"""In headless Chromium: a demo chapter video plays to its end, the server counts it in real
time, the exercise is passed and the next chapter unlocks."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from cpe_core.extensions import db
from cpe_core.models import ChapterProgress, CreditRecord
from cpe_core.services.demo import DEMO_PREVIEW_URL
from cpe_core.testing import DEFAULT_NOW
from study_support import add_to_plan, course, learner

pytestmark = pytest.mark.browser


class RunningClock:
    """Starts at the tests' usual moment and runs in real time: the server's real-time rule is
    enforced as in production (a FixedClock would never let a second pass)."""

    def __init__(self, start: dt.datetime) -> None:
        self.start = start
        self.t0 = time.monotonic()

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=time.monotonic() - self.t0)


@pytest.fixture
def clock():
    return RunningClock(DEFAULT_NOW)


@pytest.fixture
def cpe_test_config(cpe_test_config, request):
    """A heartbeat a second, and a test's own settings (indirect parametrization)."""
    return {**cpe_test_config, "CPE_HEARTBEAT_INTERVAL_SECONDS": 1, **getattr(request, "param", {})}


def sign_in_through_the_form(page, login_name: str) -> None:
    page.goto("/chaoyang/login")
    page.get_by_label("身份证号（工作人员填写账号）").fill(login_name)
    page.get_by_label("密码").fill("Passw0rd!")
    page.get_by_role("button", name="登录").click()


def first_chapter_in_plan(make_learner, *, chapters: int, duration: int) -> tuple[int, str]:
    """A Chaoyang learner with a course of ``chapters`` chapters of ``duration`` seconds in the
    plan: the first chapter's id and the learner's login, with the test's session let go before
    the browser starts."""
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang", chapters=chapters, duration=duration, credits=2)
    add_to_plan(user, c)
    chapter_id, login_name = c.chapters[0].id, user.login
    db.session.remove()
    return chapter_id, login_name


def test_demo_chapter_plays_to_its_end_then_the_exercise_unlocks_the_next_chapter(
    page, live_server, make_learner, artifact_dir
):
    from playwright.sync_api import expect

    user = learner(make_learner, "chaoyang", name="王学员")
    # A 4-second chapter played from the 5-second demo clip: the player stops at the chapter's end.
    c = course("chaoyang", chapters=2, duration=4, video_url=DEMO_PREVIEW_URL, credits=6)
    add_to_plan(user, c)
    first, second = c.chapters
    first_id, second_id, login_name = first.id, second.id, user.login
    db.session.remove()

    sign_in_through_the_form(page, login_name)
    page.goto(f"/chaoyang/learn/{first_id}")
    video = page.locator("video#lesson")
    expect(video).to_be_visible()
    expect(page.locator("#exercise-link")).to_be_hidden()
    beats = heartbeats_posted(page)
    page.evaluate("document.getElementById('lesson').play()")
    expect(page.locator("#exercise-link")).to_be_visible(timeout=25_000)
    # Within the minute after the page loaded, every heartbeat went to the JSON API's URL, the
    # one the heartbeat gateway answers in front of the app.
    assert len(beats) >= 2 and set(beats) == {f"/api/v1/chapters/{first_id}/heartbeat"}
    assert page.evaluate("document.getElementById('lesson').currentTime") >= 4 - 0.5
    expect(page.locator("#watched")).to_have_text("0:04")
    page.screenshot(path=artifact_dir / "learning-chapter-watched.png", full_page=True)
    progress = db.session.scalar(db.select(ChapterProgress).where(ChapterProgress.chapter_id == first_id))
    assert progress.watched_at is not None and progress.watched_seconds == 4
    db.session.remove()

    page.locator("#exercise-link a").click()
    page.get_by_label("乙").check()
    page.get_by_label("正确").check()
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator(".outcome")).to_have_text("练习通过，下一章已解锁。")
    expect(page.locator(".answers")).to_contain_text("解析：应选乙。")
    page.locator("a.next-chapter").click()
    expect(page).to_have_url(f"{live_server}/chaoyang/learn/{second_id}")
    expect(page.locator("video#lesson")).to_be_visible()
    page.goto(f"/chaoyang/courses/{c.id}")
    expect(page.locator("tr.chapter").nth(0).locator(".status")).to_have_text("已完成")
    expect(page.locator("tr.chapter").nth(1).locator(".status")).to_have_text("学习中")
    assert db.session.scalar(db.select(db.func.count(CreditRecord.id))) == 0  # chapter 2 still to do
    db.session.remove()


def heartbeats_posted(page) -> list[str]:
    """The paths of the heartbeats the page posts from now on."""
    from urllib.parse import urlsplit

    posted: list[str] = []
    page.on("request", lambda r: posted.append(urlsplit(r.url).path)
            if r.method == "POST" and r.url.endswith("/heartbeat") else None)
    return posted


@pytest.mark.parametrize("cpe_test_config", [{"CPE_IDLE_MINUTES": 0.1, "CPE_PLAYER_ACTIVITY_SECONDS": 2}],
                         indirect=True)
def test_a_learner_watching_longer_than_the_idle_limit_stays_signed_in(page, live_server, make_learner):
    """The idle sign-out (here after 6 s) counts the player's heartbeats through the site as
    activity; the player sends one every activity interval (here 2 s) and the rest to the API."""
    from playwright.sync_api import expect

    chapter_id, login_name = first_chapter_in_plan(make_learner, chapters=2, duration=10)

    sign_in_through_the_form(page, login_name)
    page.goto(f"/chaoyang/learn/{chapter_id}")
    expect(page.locator("video#lesson")).to_be_visible()
    beats = heartbeats_posted(page)
    page.evaluate("document.getElementById('lesson').play()")
    expect(page.locator("#exercise-link")).to_be_visible(timeout=30_000)
    assert {f"/api/v1/chapters/{chapter_id}/heartbeat", f"/chaoyang/learn/{chapter_id}/heartbeat"} == set(beats)
    page.locator("#exercise-link a").click()  # more than 6 s after the page loaded
    expect(page).to_have_url(f"{live_server}/chaoyang/learn/{chapter_id}/exercise")


def test_speeding_up_playback_does_not_speed_up_the_counted_time(page, live_server, make_learner):
    from playwright.sync_api import expect

    chapter_id, login_name = first_chapter_in_plan(make_learner, chapters=1, duration=60)

    sign_in_through_the_form(page, login_name)
    page.goto(f"/chaoyang/learn/{chapter_id}")
    expect(page.locator("video#lesson")).to_be_visible()
    started = time.monotonic()
    page.evaluate("const v = document.getElementById('lesson'); v.playbackRate = 16; v.play()")
    page.wait_for_function("() => document.getElementById('lesson').currentTime > 30", timeout=15_000)
    page.wait_for_timeout(1500)
    elapsed = time.monotonic() - started
    progress = db.session.scalar(db.select(ChapterProgress).where(ChapterProgress.chapter_id == chapter_id))
    # The player is far ahead; the server counted no more than the real time (plus the carry).
    assert progress.watched_seconds <= elapsed + 2
    assert progress.watched_at is None
    db.session.remove()
