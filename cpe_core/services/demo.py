"""Loading each region's demo content, idempotently."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hookspecs import DemoCourse, DemoData

from ..extensions import db
from ..models import Chapter, Course, Institution, Question
from ..regions import RegionRules
from .accounts import create_user, find_user


@dataclass
class LoadReport:
    region: str
    institutions: int = 0
    courses: int = 0
    accounts: int = 0

    def __str__(self) -> str:
        return (
            f"{self.region}: {self.institutions} institutions, {self.courses} courses, "
            f"{self.accounts} accounts added"
        )


def load(rules: RegionRules) -> LoadReport:
    """Create what the region's demo data names and does not exist yet; commit once."""
    report = LoadReport(rules.code)
    data = rules.demo_data()
    if data is None:
        return report
    institutions = _institutions(rules.code, data, report)
    for course in data.courses:
        if _course_exists(rules.code, course.code):
            continue
        _add_course(rules.code, data.year, course, institutions)
        report.courses += 1
    for account in data.accounts:
        if find_user(rules.code, account.login) is not None:
            continue
        create_user(
            region=rules.code,
            login=account.login,
            name=account.name,
            password=account.password,
            role=account.role,
            phone=account.phone,
            **_profile(rules.info.login_field, account) if account.role == "learner" else {},
        )
        report.accounts += 1
    db.session.commit()
    return report


def _profile(login_field: str, account) -> dict:
    profile = dict(
        qualification_level=account.qualification_level,
        qualified_year=account.qualified_year,
        collection_region=account.collection_region,
        collection_area=account.collection_area,
        collection_status="approved" if account.collection_region else "draft",
        employer=account.employer,
        member_type=account.member_type,
    )
    if login_field == "member_number":
        profile["member_number"] = account.login
    else:
        profile["id_number"] = account.login
    return profile


def _institutions(region: str, data: DemoData, report: LoadReport) -> dict[str, Institution]:
    found = {
        inst.name: inst
        for inst in db.session.scalars(select(Institution).where(Institution.region == region))
    }
    for demo in data.institutions:
        if demo.name not in found:
            found[demo.name] = Institution(region=region, name=demo.name, level=demo.level)
            db.session.add(found[demo.name])
            report.institutions += 1
    return found


def _course_exists(region: str, code: str) -> bool:
    return (
        db.session.scalar(select(Course.id).where(Course.region == region, Course.code == code))
        is not None
    )


#: Demo clips shipped in ``cpe_core/static/video`` (WebM, a few hundred KB): a 180-second lesson,
#: longer than any demo chapter (the player stops at the chapter's own length), and a preview.
DEMO_LESSON_URL = "/static/video/demo-lesson.webm"
DEMO_PREVIEW_URL = "/static/video/demo-preview.webm"
#: A one-page Chinese PDF (讲义) every demo chapter offers for download under its video.
DEMO_HANDOUT_URL = "/static/handouts/demo-handout.pdf"


def _add_course(region: str, year: int, demo: DemoCourse, institutions: dict[str, Institution]) -> None:
    course = Course(
        region=region,
        year=year,
        code=demo.code,
        title=demo.title,
        kind=demo.kind,
        credits=demo.credits,
        lecturer=demo.lecturer,
        introduction=demo.introduction,
        required=demo.required,
        preview_url=DEMO_PREVIEW_URL,
        institution=institutions.get(demo.institution) if demo.institution else None,
    )
    for position, chapter in enumerate(demo.chapters, start=1):
        course.chapters.append(
            Chapter(
                position=position,
                title=chapter.title,
                duration_seconds=chapter.duration_seconds,
                video_url=DEMO_LESSON_URL,
                handout_url=DEMO_HANDOUT_URL,
                questions=[
                    Question(
                        question_type=q.question_type,
                        text=q.text,
                        options=list(q.options),
                        answer=q.answer,
                        explanation=q.explanation,
                    )
                    for q in chapter.questions
                ],
            )
        )
    db.session.add(course)
