"""Helpers shared by the exam and certificate tests: a learner with credits, a study plan
whose courses carry question banks, and answering a paper right or wrong."""
from __future__ import annotations

from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import ExamAttempt, Question, StudyPlanItem
from cpe_core.services import ledger
from study_support import pay_for_plan

SINGLE_OPTIONS = ["选项甲", "选项乙", "选项丙", "选项丁"]
TRUEFALSE_OPTIONS = ["正确", "错误"]
#: Printed only after submission: the paper must never contain it.
EXPLANATION = "解析：此为标准答案"


def add_questions(course, singles: int = 6, truefalses: int = 6, tag: str = "") -> list[Question]:
    chapter = course.chapters[0]
    made = []
    for number in range(singles):
        made.append(Question(chapter=chapter, question_type="single", text=f"{tag}{course.title}单选题{number + 1}",
                             options=SINGLE_OPTIONS, answer=(number % 4), explanation=EXPLANATION))
    for number in range(truefalses):
        made.append(Question(chapter=chapter, question_type="truefalse", text=f"{tag}{course.title}判断题{number + 1}",
                             options=TRUEFALSE_OPTIONS, answer=(number % 2), explanation=EXPLANATION))
    db.session.add_all(made)
    db.session.commit()
    return made


def plan(user, course, year: int, removed_at=None) -> StudyPlanItem:
    """Put ``course`` in the learner's plan (removed at ``removed_at``, if given); a course kept
    in the plan is paid for, so it opens (``study_support.pay_for_plan``: an eligible learner)."""
    item = StudyPlanItem(user_id=user.id, course_id=course.id, year=year, removed_at=removed_at)
    db.session.add(item)
    db.session.commit()
    if removed_at is None:
        pay_for_plan(user, year)
    return item


def give_credits(user, region: str, year: int, source: str = "import", **by_kind: int) -> None:
    """Ledger entries per kind; ``import`` counts as an offset, ``course`` as studied credits."""
    for number, (kind, amount) in enumerate(by_kind.items(), 1):
        ledger.record_credit(user_id=user.id, region=region, year=year, kind=kind, credits=amount,
                             source=source, source_id=number, description=f"测试{kind}学分")
    db.session.commit()


def answers_of(attempt_id: int) -> dict[int, int]:
    """The right choice of every question on the paper (read from the database, as staff)."""
    attempt = db.session.get(ExamAttempt, attempt_id)
    rows = db.session.execute(select(Question.id, Question.answer).where(Question.id.in_(attempt.question_ids)))
    return dict(rows.all())


def wrong(question_id: int, right: int) -> int:
    return (right + 1) % 2
