"""Shared set-up for the study and learning tests: eligible learners per region, an institution
choice where the region has one, and courses with chapters and exercise questions."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import Chapter, Course, Enrolment, Institution, Question, StudyPlanItem
from cpe_core.testing import login

YEAR = 2024

#: Profile fields that make a learner eligible in each in-tree region for 2024.
ELIGIBLE = {
    "chaoyang": dict(collection_region="chaoyang", collection_status="approved", qualified_year=2015,
                     qualification_level="初级"),
    "guangdong": dict(collection_region="guangdong", collection_area="广州市天河区", collection_status="approved",
                      qualification_level="中级", qualified_year=2015),
    "cicpa": dict(member_type="practising"),
}
#: The institution each region's learner studies at in these tests (None: no choice there).
SCHOOL = {"chaoyang": "朝阳市会计学会", "guangdong": "中华会计网校", "cicpa": None}
LEVEL = {"chaoyang": "中级", "guangdong": None, "cicpa": None}
REGIONS = tuple(ELIGIBLE)


def institution(region: str, name: str | None = None) -> Institution | None:
    name = name or SCHOOL[region]
    if name is None:
        return None
    found = db.session.scalar(select(Institution).where(Institution.region == region, Institution.name == name))
    if found is None:
        found = Institution(region=region, name=name)
        db.session.add(found)
        db.session.commit()
    return found


def learner(make_learner, region: str, *, enrol: bool = True, **fields):
    """An eligible learner of ``region``, enrolled at the region's test school when it has one."""
    profile = {**ELIGIBLE[region], **fields}
    user = make_learner(region, **profile)
    school = institution(region)
    if enrol and school is not None:
        db.session.add(Enrolment(user_id=user.id, region=region, year=YEAR, institution_id=school.id,
                                 level=LEVEL[region], status="selected"))
        db.session.commit()
    return user


def course(region: str, *, kind: str = "professional", credits: int = 10, chapters: int = 2,
           duration: int = 60, required: bool = False, questions: bool = True, title: str | None = None,
           school: str | None = None, video_url: str | None = "/static/video/demo-lesson.webm") -> Course:
    """A committed course of ``region`` (2024) with ``chapters`` chapters of ``duration`` seconds,
    each with a single-choice question (answer: option 1) and a true/false one (answer: 正确)."""
    inst = institution(region, school)
    number = db.session.scalar(select(db.func.count(Course.id))) + 1
    c = Course(region=region, year=YEAR, code=f"S{number:04d}", title=title or f"{region}课程{number}", kind=kind,
               credits=credits, lecturer="讲师", introduction="课程简介", required=required,
               institution_id=inst.id if inst else None)
    for position in range(1, chapters + 1):
        ch = Chapter(position=position, title=f"第{position}章", duration_seconds=duration, video_url=video_url)
        if questions:
            ch.questions = [
                Question(question_type="single", text=f"第{position}章单选题", options=["甲", "乙", "丙", "丁"],
                         answer=1, explanation="应选乙。"),
                Question(question_type="truefalse", text=f"第{position}章判断题", options=["正确", "错误"],
                         answer=0, explanation="该说法正确。"),
            ]
        c.chapters.append(ch)
    db.session.add(c)
    db.session.commit()
    return c


def pay_for_plan(user, year: int = YEAR) -> None:
    """Open the learner's plan courses for study as a learner does: order every purchase mode the
    region offers them and pay it through the sandbox provider's signed notification (a ¥0
    order is paid at once; where study is free there is nothing to buy). Commits.

    Call it after the courses are in the plan when a mode buys only the courses selected."""
    from flask import current_app

    from cpe_core.regions import RuleError
    from cpe_core.services import entitlement, orders

    sandbox = current_app.extensions["cpe"].payment_providers()["sandbox"]
    for offer in orders.offers(user, year):
        if offer.quote is None:
            continue
        try:
            order = orders.create_order(user, year, offer.mode.code)
        except RuleError as error:
            if error.code != "already_paid":
                raise
            continue
        if order.status == "pending":
            with current_app.test_request_context():
                payment, _instruction = orders.start_payment(user, order.number, "sandbox")
            sandbox.pay(payment.provider_ref)
            body, headers = sandbox.notification(payment.provider_ref)
            assert orders.handle_notification("sandbox", headers, body).accepted
    entitlement.refresh(user, year)  # free study: nothing was bought
    db.session.commit()


def add_to_plan(user, *courses, year: int = YEAR) -> None:
    """Put ``courses`` in the learner's plan and open them by paying (:func:`pay_for_plan`)."""
    for c in courses:
        db.session.add(StudyPlanItem(user_id=user.id, course_id=c.id, year=year))
    db.session.commit()
    pay_for_plan(user, year)


def sign_in(testapp, user, password: str = "Passw0rd!"):
    res = login(testapp, user.region, user.login, password)
    assert res.status_int == 302, res.text
    return res


def api_heartbeat(testapp, chapter_id: int, position, status: int = 200, **kwargs):
    """A heartbeat posted to the JSON API, as the mobile player sends it."""
    return testapp.post_json(f"/api/v1/chapters/{chapter_id}/heartbeat", {"position": position}, status=status,
                             **kwargs)


def studying_one_chapter(testapp, make_learner, *, duration: int = 600) -> tuple:
    """A signed-in Chaoyang learner with a one-chapter course in their plan: ``(user, chapter_id)``."""
    user = learner(make_learner, "chaoyang")
    c = course("chaoyang", chapters=1, duration=duration, credits=5)
    add_to_plan(user, c)
    sign_in(testapp, user)
    return user, c.chapters[0].id


def api_headers(testapp) -> dict:
    return {"Content-Type": "application/json"}


@contextmanager
def second_tab_after_first_read(app, monkeypatch, tab_b: Callable[[], object]) -> Iterator[dict]:
    """While active, the first heartbeat to read its chapter's row waits, between that read and
    its compare-and-swap UPDATE, until ``tab_b`` (a whole heartbeat of a second tab, run in a
    thread with its own app context and session) has been recorded. Yields ``{"interleaved",
    "b"}`` (``b``: what ``tab_b`` returned). Both ways of the heartbeat judge the row they read
    with ``learning._access_from_row``, which is where the first one is held."""
    from cpe_core.services import learning

    original = learning._access_from_row
    state: dict = {"interleaved": False, "b": None}

    def run_b() -> None:
        with app.app_context():
            with app.test_request_context():
                state["b"] = tab_b()
            db.session.remove()

    def reading(row, *args, **kwargs):
        judged = original(row, *args, **kwargs)  # tab A has read the progress row here
        if not state["interleaved"]:
            state["interleaved"] = True
            thread = threading.Thread(target=run_b)
            thread.start()
            thread.join()
        return judged

    monkeypatch.setattr(learning, "_access_from_row", reading)
    yield state
