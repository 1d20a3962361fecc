"""Loading each region's demo content for the current programme year, idempotently.

``make run`` runs ``cpe demo load`` on whatever day a newcomer tries the site: the loader asks
each region which year applies today (``RegionRules.current_year``), asks its plugin for that
year's content (``cpe_demo_data``) and takes each demo learner to its stage of the journey
(``hookspecs.DEMO_STAGES``) through the same services a learner's clicks go through: the
sandbox payment, the ledger, the exam, the certificate. Nothing is written around a rule; where
a rule needs time (a chapter's full length, a minimum of study minutes) the loader records the
chapter as watched in full, as a learner who had watched it would have it.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from hookspecs import DemoAccount, DemoApplication, DemoCourse, DemoData, FormField

from .. import clock
from ..extensions import db
from ..models import (
    Chapter,
    ChapterProgress,
    Course,
    CreditRecord,
    Institution,
    OffsetApplication,
    Order,
    Question,
    StudyPlanItem,
    User,
)
from ..regions import RegionRules, RuleError
from .accounts import create_user, find_user

log = logging.getLogger("cpe.demo")


@dataclass
class LoadReport:
    region: str
    year: int = 0
    institutions: int = 0
    courses: int = 0
    accounts: int = 0
    settings: int = 0
    stages: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        staged = f"; {', '.join(self.stages)}" if self.stages else ""
        return (
            f"{self.region} {self.year}: {self.institutions} institutions, {self.courses} courses, "
            f"{self.accounts} accounts, {self.settings} year settings added{staged}"
        )


def load(rules: RegionRules, today: dt.date | None = None) -> LoadReport:
    """Create what the region's demo data for the current year names and does not exist yet,
    then bring each demo learner to its stage. Running it twice changes nothing."""
    today = today or clock.today_in_shanghai()
    year = rules.current_year(today)
    report = LoadReport(rules.code, year)
    data = rules.demo_data(year, today)
    if data is None:
        return report
    institutions = _institutions(rules.code, data, report)
    for course in data.courses:
        if _course_exists(rules.code, course.code):
            continue
        _add_course(rules.code, data.year, course, institutions)
        report.courses += 1
    new_accounts = []
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
        new_accounts.append(account)
        report.accounts += 1
    db.session.commit()
    report.settings = _year_settings(rules, data)
    for account in new_accounts:
        if account.role == "learner" and account.collection_status == "submitted":
            _submit_collection(rules, account)
            report.stages.append(f"{account.name}: collection submitted")
    for account in data.accounts:
        if account.role == "learner" and account.stage != "new":
            _stage(rules, data, account, report)
    for application in data.applications:
        _application(rules, data.year, application, report)
    return report


def _profile(login_field: str, account: DemoAccount) -> dict:
    approved = account.collection_region and account.collection_status is None
    profile = dict(
        qualification_level=account.qualification_level,
        qualified_year=account.qualified_year,
        collection_region=account.collection_region,
        collection_area=account.collection_area,
        collection_status="approved" if approved else "draft",
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
            found[demo.name] = Institution(region=region, name=demo.name, level=demo.level, url=demo.url,
                                           introduction=demo.introduction, contact=demo.contact, fees=demo.fees)
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
        category=demo.category,
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


# --- year settings -----------------------------------------------------------------------------


def _year_settings(rules: RegionRules, data: DemoData) -> int:
    """Store the values the demo sets for its year, as the system's, once."""
    if not data.year_settings:
        return 0
    from . import years

    return len(years.save(None, rules.code, data.year, dict(data.year_settings)))


# --- stages ------------------------------------------------------------------------------------


def _stage(rules: RegionRules, data: DemoData, account: DemoAccount, report: LoadReport) -> None:
    """Take ``account`` to its stage for ``data.year``; each step is skipped once done."""
    from flask import current_app

    user = find_user(rules.code, account.login)
    # Payments build their return and notification URLs: give them the site's address.
    with current_app.test_request_context(base_url=current_app.config.get("CPE_DEMO_BASE_URL", "http://127.0.0.1:5000")):
        try:
            _choose_institution(user, data.year)
            _plan(user, data, account)
            _pay(rules, user, data.year)
            if account.stage in ("ready_for_exam", "certified"):
                study_everything(user, data.year)
            if account.stage == "certified":
                _pass_exam(rules, user, data.year)
                _certify(rules, user, data.year)
        except RuleError as error:
            db.session.rollback()
            log.warning("demo %s %s stopped before %s: %s", rules.code, account.login, account.stage, error.message)
            report.stages.append(f"{account.name} stopped: {error.message}")
            return
    report.stages.append(f"{account.name}: {account.stage}")


def _choose_institution(user: User, year: int) -> None:
    from . import study

    policy = study.institution_policy(user, year)
    if policy is None or not policy.applies_to(user.profile.member_type) or study.current_enrolment(user, year):
        return
    offered = study.institutions_on_offer(user, policy)
    if offered:
        study.choose_institution(user, year, offered[0].id, policy.levels[0] if policy.levels else None)


def _plan(user: User, data: DemoData, account: DemoAccount) -> None:
    from . import study

    planned = db.session.scalar(
        select(StudyPlanItem.id).where(StudyPlanItem.user_id == user.id, StudyPlanItem.year == data.year).limit(1)
    )
    if planned is not None:
        return
    if not account.courses:
        study.one_click_select(user, data.year)
        return
    for code in account.courses:
        course_id = db.session.scalar(select(Course.id).where(Course.region == user.region, Course.code == code))
        if course_id is not None:
            study.add_course(user, course_id, data.year)


def _pay(rules: RegionRules, user: User, year: int) -> None:
    """Buy every mode on offer, through the region's first payment provider (the sandbox in
    development), as the learner's 去支付 would."""
    from . import orders

    for offer in orders.offers(user, year):
        if offer.quote is None:
            continue
        paid = db.session.scalar(
            select(Order.id).where(Order.user_id == user.id, Order.year == year, Order.mode == offer.mode.code,
                                   Order.status == "paid").limit(1)
        )
        if paid is not None:
            continue
        order = orders.create_order(user, year, offer.mode.code)
        if order.status == "paid":
            continue
        providers = rules.payment_providers()
        if not providers:
            raise RuleError("no_provider", "没有可用的支付方式，演示学员未能缴费。")
        payment, _instruction = orders.start_payment(user, order.number, providers[0].code)
        orders.settle(payment.id, transaction_id=f"DEMO{payment.id}")


def study_everything(user: User, year: int) -> None:
    """Every chapter of the year's plan watched to its end and its exercise passed, then each
    course's credits through the ledger's own rule."""
    from . import learning

    now = clock.to_utc_naive(clock.now())
    plan = db.session.scalars(
        select(StudyPlanItem.course_id).where(
            StudyPlanItem.user_id == user.id, StudyPlanItem.year == year, StudyPlanItem.removed_at.is_(None)
        )
    ).all()
    for course_id in plan:
        chapters = db.session.scalars(select(Chapter).where(Chapter.course_id == course_id)).all()
        for chapter in chapters:
            progress = db.session.scalar(
                select(ChapterProgress).where(ChapterProgress.user_id == user.id, ChapterProgress.chapter_id == chapter.id)
            )
            if progress is None:
                progress = ChapterProgress(user_id=user.id, chapter_id=chapter.id, watched_seconds=0)
                db.session.add(progress)
            progress.watched_seconds = chapter.duration_seconds
            progress.last_heartbeat_at = progress.last_heartbeat_at or now
            progress.watched_at = progress.watched_at or now
            progress.exercise_passed_at = progress.exercise_passed_at or now
            progress.exercise_attempts = max(progress.exercise_attempts or 0, 1)
        db.session.flush()
        learning.complete_course_if_done(user.id, course_id)
    db.session.commit()


def _pass_exam(rules: RegionRules, user: User, year: int) -> None:
    """Sit the year's exam and answer every question right (where the region holds one)."""
    from . import exams

    if rules.exam_policy(year) is None or exams.passed_attempt(user.id, rules.code, year) is not None:
        return
    attempt = exams.start(user.id, rules.code, year)
    answers = {
        question.id: question.answer
        for question in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))
    }
    exams.save_answers(user.id, attempt.id, answers, rules.code)
    exams.submit(user.id, attempt.id, rules.code)


def _certify(rules: RegionRules, user: User, year: int) -> None:
    from . import certificates

    template = rules.certificate_template(year)
    if template is None or certificates.issued(user.id, rules.code, year):
        return
    record_ids = None
    if template.selectable_records:
        record_ids = list(db.session.scalars(
            select(CreditRecord.id).where(CreditRecord.user_id == user.id, CreditRecord.year == year)
        ))
    certificates.issue(user, rules.code, year, record_ids)


# --- work waiting for staff ----------------------------------------------------------------------


def evidence_image(text: str = "证明材料（演示）") -> bytes:
    """A small JPEG standing for a scanned certificate or ID photo."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (236, 242, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 467, 307), outline=(11, 92, 173), width=4)
    draw.rectangle((40, 60, 200, 240), fill=(200, 214, 232))
    for row in range(5):
        draw.line((230, 80 + row * 35, 440, 80 + row * 35), fill=(120, 140, 170), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _application(rules: RegionRules, year: int, demo: DemoApplication, report: LoadReport) -> None:
    """Submit the demo application once (none of that type for the year yet)."""
    from . import offsets
    from .stored_files import Upload

    user = find_user(rules.code, demo.login)
    if user is None:
        return
    exists = db.session.scalar(
        select(OffsetApplication.id).where(
            OffsetApplication.user_id == user.id, OffsetApplication.year == year,
            OffsetApplication.offset_type == demo.offset_type,
        ).limit(1)
    )
    if exists is not None:
        return
    offset = rules.offset_type(year, demo.offset_type)
    uploads = [Upload("evidence.jpg", evidence_image())] if offset.evidence.max_files else []
    try:
        offsets.save(user, rules.code, year=year, type_code=demo.offset_type, role=demo.role,
                     raw_fields=dict(demo.fields), uploads=uploads, submit=True)
    except RuleError as error:
        db.session.rollback()
        log.warning("demo application of %s not submitted: %s", demo.login, error.message)
        report.stages.append(f"{user.name} application refused: {error.message}")
        return
    report.stages.append(f"{user.name}: application submitted")


def _submit_collection(rules: RegionRules, account: DemoAccount) -> None:
    """Fill every step of the region's info collection and submit it for review."""
    from . import collection

    user = find_user(rules.code, account.login)
    profile = {name: getattr(user.profile, name, None) for name in ("collection_area", "employer",
                                                                     "qualification_level", "qualified_year",
                                                                     "is_student")}
    profile.update(name=user.name, phone=user.phone)
    for step in rules.collection_steps():
        data = {f.name: _answer(f, account, profile) for f in step.fields}
        files = {rule.code: evidence_image(rule.label) for rule in step.attachments
                 if not rule.students_only or profile.get("is_student")}
        collection.save_step(rules, user, step.code, {k: v for k, v in data.items() if v is not None}, files)
    collection.submit(rules, user)


def _answer(form_field: FormField, account: DemoAccount, profile: dict) -> object:
    if form_field.name in account.answers:
        return account.answers[form_field.name]
    value = profile.get(form_field.name)
    if form_field.type == "choice" and form_field.choices:
        codes = [code for code, _label in form_field.choices]
        if value in codes:
            return value
        # A finer place than the list holds (广州市越秀区 for 广州市) takes its list entry.
        return next((code for code in codes if value and str(value).startswith(code)), codes[0])
    if form_field.type == "bool":
        return bool(value)
    return value
