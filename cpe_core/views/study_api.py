"""``/api/v1`` endpoints for studying: catalogue, plan, institution, heartbeat, exercise,
credits. The same services as the site; a learner signs in with the site's session.

Writes accept JSON bodies only (``Content-Type: application/json``): a cross-site form cannot
send one without a CORS preflight, which this API never grants, so the session cookie cannot be
abused from another site.
"""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..regions import RuleError, rules_for
from ..services import handouts, learning, ledger
from ..services import study as service
from ..services.identity import InvalidInput
from ..services.input_rules import Body, Integer, Object, Text, Year, parse_int
from .api import bp, error, json_body
from .study import HeartbeatBody
from ..services.years import current_year


def _learner():
    if current_user.role != "learner" or not current_user.region:
        return error("learners_only", "仅学员可以使用此功能。", 403)
    return None


def _year(data: dict | None = None) -> int:
    value = (data or {}).get("year") if data else request.args.get("year", type=int)
    if value is None:
        return current_year(current_user.region)
    return value


def _year_field() -> Year:
    return Year(code="invalid_year", message="年度无效。", load_default=None)


class PlanAddBody(Body):
    course_id = Integer(required=True, label="课程", code="course_not_found", message="没有这门课程。")
    year = _year_field()


class YearBody(Body):
    year = _year_field()


class ExerciseBody(Body):
    answers = Object(required=True, label="答案", code="answers_incomplete", message="请回答全部题目后再提交。")


class InstitutionBody(Body):
    institution_id = Integer(load_default=None, label="培训机构")
    level = Text(load_default=None, max_length=32, label="等级")
    year = _year_field()


def _course(line) -> dict:
    c = line.course
    return {
        "id": c.id, "code": c.code, "title": c.title, "kind": c.kind, "credits": c.credits,
        "lecturer": c.lecturer, "required": c.required, "institution_id": c.institution_id,
        "selected": line.selected, "locked": line.locked, "opened": line.opened, "earned": line.earned,
        "duration_seconds": line.duration_seconds, "watched_seconds": line.watched_seconds,
        "percent": line.percent,
        # For a course of the plan: whether it may be removed, else the refusal removing it gets.
        "removable": line.removable,
        "removal_refusal": (
            {"code": line.removal_refusal.code, "message": line.removal_refusal.message}
            if line.removal_refusal is not None else None
        ),
    }


def _rollback_on_rule_error(view):
    from functools import wraps

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except RuleError:
            db.session.rollback()
            raise

    return wrapper


@bp.get("/me/plan")
@login_required
def plan_get():
    if (refusal := _learner()) is not None:
        return refusal
    view = service.plan_view(current_user, _year())
    progress = view.progress
    return jsonify(
        year=view.year,
        requirement={"total": view.requirements.total, "minimums": dict(view.requirements.minimums)},
        selected={"total": view.total, "by_kind": view.totals},
        earned={"total": progress.total, "by_kind": progress.earned},
        institution_required=view.institution_missing,
        plan_rules={"started_removable": view.plan_policy.started_removable, "note": view.plan_policy.note},
        courses=[_course(line) for line in view.lines],
        catalogue=[_course(line) for line in view.catalogue],
    )


@bp.post("/me/plan")
@login_required
@_rollback_on_rule_error
@json_body(PlanAddBody)
def plan_add(body: dict):
    if (refusal := _learner()) is not None:
        return refusal
    service.add_course(current_user, body["course_id"], _year(body))
    return jsonify(ok=True), 201


@bp.delete("/me/plan/<int:course_id>")
@login_required
@_rollback_on_rule_error
def plan_remove(course_id: int):
    if (refusal := _learner()) is not None:
        return refusal
    service.remove_course(current_user, course_id, _year())
    return jsonify(ok=True)


@bp.post("/me/plan/auto")
@login_required
@_rollback_on_rule_error
@json_body(YearBody)
def plan_auto(body: dict):
    if (refusal := _learner()) is not None:
        return refusal
    added = service.one_click_select(current_user, _year(body))
    return jsonify(added=[c.id for c in added])


@bp.get("/me/courses/<int:course_id>")
@login_required
def course_get(course_id: int):
    if (refusal := _learner()) is not None:
        return refusal
    view = service.course_view(current_user, current_user.region, course_id)
    course = view.course
    return jsonify(
        id=course.id, code=course.code, title=course.title, kind=course.kind, credits=course.credits,
        year=course.year, lecturer=course.lecturer, introduction=course.introduction, preview_url=course.preview_url,
        required=course.required, selected=view.selected, opened=view.opened, earned=view.earned,
        percent=view.percent, duration_seconds=view.duration_seconds, watched_seconds=view.watched_seconds,
        chapters=[
            {"id": c.chapter.id, "position": c.chapter.position, "title": c.chapter.title,
             "duration_seconds": c.chapter.duration_seconds, "watched_seconds": c.watched_seconds,
             "watched": c.watched, "passed": c.passed, "unlocked": c.unlocked,
             "handout_url": _handout_url(c.chapter)}
            for c in view.chapters
        ],
    )


def _handout_url(chapter) -> str | None:
    """Where the chapter's 讲义 downloads from: the uploaded file's API address, or the URL given."""
    if chapter.handout_key:
        return url_for("api.chapter_handout", chapter_id=chapter.id)
    return chapter.handout_url


@bp.get("/chapters/<int:chapter_id>/handout")
@login_required
def chapter_handout(chapter_id: int):
    """The chapter's uploaded 讲义 file, as on the site (403 ``handout_forbidden`` when the course
    is not in the caller's plan, 404 ``handout_not_found``)."""
    from .study import send_handout

    try:
        chapter, path = handouts.handout_for(current_user, current_user.region or "", chapter_id)
    except handouts.HandoutRefused as refused:
        return error(refused.code, refused.message, refused.status)
    return send_handout(chapter, path)


@bp.post("/chapters/<int:chapter_id>/heartbeat")
@login_required
@_rollback_on_rule_error
@json_body(HeartbeatBody)
def heartbeat(chapter_id: int, body: dict):
    # The usual heartbeat never gets here: speed/heartbeat_gateway.py answers it in front of
    # the app with the same service. This answers the rest (first and finishing heartbeats,
    # refusals, tokens).
    if (refusal := _learner()) is not None:
        return refusal
    try:
        result = learning.heartbeat(current_user, chapter_id, body["position"])
    except learning.AccountRefused as refused:
        db.session.rollback()
        return error(refused.code, refused.message, refused.status)
    return jsonify(result.as_dict())


@bp.get("/chapters/<int:chapter_id>/exercise")
@login_required
def exercise_get(chapter_id: int):
    if (refusal := _learner()) is not None:
        return refusal
    learning.chapter_access(current_user, chapter_id)
    return jsonify(
        questions=[
            {"id": q.id, "type": q.question_type, "text": q.text, "options": list(q.options)}
            for q in learning.exercise_questions(current_user, chapter_id)
        ]
    )


@bp.post("/chapters/<int:chapter_id>/exercise")
@login_required
@_rollback_on_rule_error
@json_body(ExerciseBody)
def exercise_post(chapter_id: int, body: dict):
    if (refusal := _learner()) is not None:
        return refusal
    try:
        answers = {parse_int("题目", key): value for key, value in body["answers"].items()}
    except InvalidInput:
        raise RuleError("invalid_answer", "答案选项无效。") from None
    result = learning.submit_exercise(current_user, chapter_id, answers)
    return jsonify(
        passed=result.passed,
        course_completed=result.course_completed,
        results=[
            {"question_id": r.question.id, "chosen": r.chosen, "correct": r.correct,
             "answer": r.question.answer, "explanation": r.question.explanation}
            for r in result.results
        ],
    )


@bp.get("/me/credits")
@login_required
def credits_get():
    if (refusal := _learner()) is not None:
        return refusal
    year = _year()
    progress = ledger.progress(current_user.id, current_user.region, year)
    return jsonify(
        year=year,
        unit=progress.requirements.unit,
        required={"total": progress.requirements.total, "minimums": dict(progress.requirements.minimums)},
        earned={"total": progress.total, "by_kind": progress.earned},
        complete=progress.complete,
        entries=[
            {"kind": e.kind, "credits": e.credits, "source": e.source, "description": e.description}
            for e in service.ledger_entries(current_user, year)
        ],
    )


@bp.get("/me/institution")
@login_required
def institution_get():
    if (refusal := _learner()) is not None:
        return refusal
    year = _year()
    policy = service.institution_policy(current_user, year)
    if policy is None:
        return jsonify(year=year, required=False, institutions=[], levels=[], chosen=None)
    enrolment = service.current_enrolment(current_user, year)
    return jsonify(
        year=year, required=True, levels=list(policy.levels),
        institutions=[{"id": i.id, "name": i.name} for i in service.institutions_on_offer(current_user, policy)],
        chosen=None if enrolment is None else {
            "institution_id": enrolment.institution_id, "level": enrolment.level, "status": enrolment.status
        },
    )


@bp.post("/me/institution")
@login_required
@_rollback_on_rule_error
@json_body(InstitutionBody)
def institution_choose(body: dict):
    if (refusal := _learner()) is not None:
        return refusal
    enrolment = service.choose_institution(current_user, _year(body), body["institution_id"], body["level"])
    return jsonify(institution_id=enrolment.institution_id, level=enrolment.level, status=enrolment.status), 201


@bp.delete("/me/institution")
@login_required
@_rollback_on_rule_error
def institution_cancel():
    if (refusal := _learner()) is not None:
        return refusal
    service.cancel_institution(current_user, _year())
    return jsonify(ok=True)
