"""Study time is real time per learner: chapters of different courses played at once, in tabs or
on devices, share the learner's real time instead of each counting it. The counted total across
all of a learner's chapters never exceeds the wall-clock time, on every path (the heartbeat in
front of the app, the app's API view, the site's view), and under concurrent requests."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from webtest import TestApp

from cpe_core import create_app
from cpe_core.extensions import db
from cpe_core.models import ChapterProgress, User
from cpe_core.services import learning
from study_support import add_to_plan, course, learner, sign_in
from study_support import api_heartbeat as beat


def total_counted(user_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.coalesce(func.sum(ChapterProgress.watched_seconds), 0)).where(ChapterProgress.user_id == user_id)
    )


@pytest.fixture
def two_courses(testapp, make_learner):
    """A signed-in learner with two one-chapter courses (an hour each) in the plan."""
    user = learner(make_learner, "chaoyang")
    courses = [course("chaoyang", chapters=1, duration=3600) for _ in range(2)]
    add_to_plan(user, *courses)
    sign_in(testapp, user)
    return user, [c.chapters[0].id for c in courses]


def site_beat(client, chapter_id: int, position: int, csrf: str):
    return client.post_json(f"/chaoyang/learn/{chapter_id}/heartbeat", {"position": position},
                            headers={"X-CSRFToken": csrf})


@pytest.mark.parametrize("path", ["gateway", "app", "site"])
def test_two_chapters_of_two_courses_played_at_once_count_the_real_time_once(
        cpe_test_config, testapp, two_courses, clock, path):
    """The attack: both videos play for N seconds, each tab heartbeating every 10 s, the two
    interleaved 5 s apart. Before the study clock, each chapter counted all of it (2 N)."""
    user, (first, second) = two_courses
    client = testapp
    if path == "app":  # the API view, without the gateway in front
        client = TestApp(create_app({**cpe_test_config, "CPE_HEARTBEAT_GATEWAY": False}))
        client.set_cookie("session", testapp.cookies["session"])
    csrfs = {}
    if path == "site":
        for chapter_id in (first, second):
            csrfs[chapter_id] = client.get(f"/chaoyang/learn/{chapter_id}").html.find("video")["data-csrf"]

    def send(chapter_id: int, position: int):
        if path == "site":
            return site_beat(client, chapter_id, position, csrfs[chapter_id])
        return beat(client, chapter_id, position)

    send(first, 0)
    clock.advance(seconds=5)
    send(second, 0)
    seconds = 5
    for tick in range(1, 13):  # two minutes of both playing
        clock.advance(seconds=5)
        seconds += 5
        send(first, 10 * tick)
        clock.advance(seconds=5)
        seconds += 5
        send(second, 10 * tick)
    counted = total_counted(user.id)
    assert counted <= seconds
    # Real time is not lost either: all of it but the first heartbeat's counted once.
    assert counted >= seconds - 10


def test_a_chapter_switched_to_counts_only_from_where_the_other_left_off(testapp, two_courses, clock):
    user, (first, second) = two_courses
    beat(testapp, first, 0)
    for second_ in range(10, 70, 10):
        clock.advance(seconds=10)
        beat(testapp, first, second_)
    beat(testapp, second, 0)  # the other course opened in another tab: nothing counted yet
    clock.advance(seconds=10)
    # Both report 10 s more: the real time was 10 s, and only the first to report gets it.
    assert beat(testapp, second, 10).json["counted_seconds"] == 10
    assert beat(testapp, first, 70).json["counted_seconds"] == 0
    assert total_counted(user.id) == 70


def test_the_learners_clock_moves_with_every_counted_second(testapp, two_courses, clock):
    user, (first, _second) = two_courses
    beat(testapp, first, 0)
    clock.advance(seconds=10)
    beat(testapp, first, 10)
    db.session.rollback()
    clock_at = db.session.get(User, user.id).study_counted_until
    assert clock_at is not None
    clock.advance(seconds=10)
    assert beat(testapp, first, 20).json["counted_seconds"] == 10
    db.session.rollback()
    assert (db.session.get(User, user.id).study_counted_until - clock_at).total_seconds() == 10


@pytest.mark.parametrize("path", ["gateway", "service"])
def test_concurrent_heartbeats_of_different_chapters_never_count_a_second_twice(
        app, testapp, make_learner, clock, path):
    """Real threads, each with its own database connection, send one heartbeat per chapter at
    the same instant, every 10 s of the (controlled) clock: together they count at most 10 s."""
    user = learner(make_learner, "chaoyang")
    courses = [course("chaoyang", chapters=1, duration=3600) for _ in range(4)]
    add_to_plan(user, *courses)
    chapters = [c.chapters[0].id for c in courses]
    sign_in(testapp, user)
    cookie = testapp.cookies["session"]
    for chapter_id in chapters:
        beat(testapp, chapter_id, 0)
    user_id = user.id
    db.session.remove()  # leave nothing open: the threads write
    rounds = 6
    errors: list[BaseException] = []

    def one(chapter_id: int, position: int, barrier: threading.Barrier) -> None:
        try:
            with app.app_context():
                barrier.wait()
                if path == "gateway":
                    client = TestApp(app)
                    client.set_cookie("session", cookie)
                    beat(client, chapter_id, position)
                else:
                    learning.heartbeat(user_id, chapter_id, position)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    for number in range(1, rounds + 1):
        clock.advance(seconds=10)
        barrier = threading.Barrier(len(chapters))
        threads = [threading.Thread(target=one, args=(chapter_id, 10 * number, barrier)) for chapter_id in chapters]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors
    counted = total_counted(user_id)
    assert 0 < counted <= 10 * rounds
