"""``/api/v1`` endpoints for studying: catalogue, plan, institution, heartbeat, exercise,
credits. The same services as the site; a learner signs in with the site's session.

Writes accept JSON bodies only (``Content-Type: application/json``): a cross-site form cannot
send one without a CORS preflight, which this API never grants, so the session cookie cannot be
abused from another site.
"""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user, login_required
from marshmallow import fields

from ..extensions import db
from ..regions import RuleError, rules_for
from ..services import handouts, learning, ledger, ratings
from ..services import study as service
from ..services.identity import InvalidInput
from ..services.input_rules import Body, Integer, Object, Text, Year, parse_int
from .api import Reply, bp, error, json_body, operation, query_args
from .api_accounts import Reason, YearQuery
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


class CourseLine(Reply):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    credits = fields.Integer(required=True)
    lecturer = fields.String(required=True, allow_none=True)
    required = fields.Boolean(required=True)
    institution_id = fields.Integer(required=True, allow_none=True)
    selected = fields.Boolean(required=True)
    locked = fields.Boolean(required=True)
    opened = fields.Boolean(required=True)
    earned = fields.Boolean(required=True)
    duration_seconds = fields.Integer(required=True)
    watched_seconds = fields.Integer(required=True)
    percent = fields.Integer(required=True)
    removable = fields.Boolean(required=True)
    removal_refusal = fields.Nested(Reason, required=True, allow_none=True)


class CreditTotals(Reply):
    total = fields.Integer(required=True)
    minimums = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class Progress(Reply):
    total = fields.Integer(required=True)
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class PlanRules(Reply):
    started_removable = fields.Boolean(required=True)
    note = fields.String(required=True, allow_none=True)


class Plan(Reply):
    year = fields.Integer(required=True)
    requirement = fields.Nested(CreditTotals, required=True)
    selected = fields.Nested(Progress, required=True)
    earned = fields.Nested(Progress, required=True)
    institution_required = fields.Boolean(required=True)
    plan_rules = fields.Nested(PlanRules, required=True)
    courses = fields.List(fields.Nested(CourseLine), required=True)
    catalogue = fields.List(fields.Nested(CourseLine), required=True)


class Done(Reply):
    ok = fields.Boolean(required=True)


class Added(Reply):
    added = fields.List(fields.Integer(), required=True)


class ChapterReply(Reply):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    title = fields.String(required=True)
    duration_seconds = fields.Integer(required=True)
    watched_seconds = fields.Integer(required=True)
    watched = fields.Boolean(required=True)
    passed = fields.Boolean(required=True)
    unlocked = fields.Boolean(required=True)
    handout_url = fields.String(required=True, allow_none=True)


class CourseReply(Reply):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    credits = fields.Integer(required=True)
    year = fields.Integer(required=True)
    lecturer = fields.String(required=True, allow_none=True)
    introduction = fields.String(required=True, allow_none=True)
    preview_url = fields.String(required=True, allow_none=True)
    required = fields.Boolean(required=True)
    selected = fields.Boolean(required=True)
    opened = fields.Boolean(required=True)
    earned = fields.Boolean(required=True)
    percent = fields.Integer(required=True)
    duration_seconds = fields.Integer(required=True)
    watched_seconds = fields.Integer(required=True)
    chapters = fields.List(fields.Nested(ChapterReply), required=True)


class HeartbeatReply(Reply):
    chapter_id = fields.Integer(required=True)
    watched_seconds = fields.Integer(required=True)
    duration_seconds = fields.Integer(required=True)
    counted_seconds = fields.Integer(required=True)
    watched = fields.Boolean(required=True)


class ExerciseQuestion(Reply):
    id = fields.Integer(required=True)
    type = fields.String(required=True)
    text = fields.String(required=True)
    options = fields.List(fields.String(), required=True)


class Exercise(Reply):
    questions = fields.List(fields.Nested(ExerciseQuestion), required=True)


class ExerciseResult(Reply):
    question_id = fields.Integer(required=True)
    chosen = fields.Integer(required=True, allow_none=True)
    correct = fields.Boolean(required=True)
    answer = fields.Integer(required=True)
    explanation = fields.String(required=True, allow_none=True)


class ExerciseMarked(Reply):
    passed = fields.Boolean(required=True)
    course_completed = fields.Boolean(required=True)
    results = fields.List(fields.Nested(ExerciseResult), required=True)


class LedgerEntry(Reply):
    kind = fields.String(required=True)
    credits = fields.Integer(required=True)
    source = fields.String(required=True)
    description = fields.String(required=True, allow_none=True)


class Credits(Reply):
    year = fields.Integer(required=True)
    unit = fields.String(required=True)
    required = fields.Nested(CreditTotals, required=True)
    earned = fields.Nested(Progress, required=True)
    complete = fields.Boolean(required=True)
    entries = fields.List(fields.Nested(LedgerEntry), required=True)


class InstitutionOffered(Reply):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ChosenInstitution(Reply):
    institution_id = fields.Integer(required=True, allow_none=True)
    level = fields.String(required=True, allow_none=True)
    status = fields.String(required=True)


class Institution(Reply):
    year = fields.Integer(required=True)
    required = fields.Boolean(required=True)
    levels = fields.List(fields.String(), required=True)
    institutions = fields.List(fields.Nested(InstitutionOffered), required=True)
    chosen = fields.Nested(ChosenInstitution, required=True, allow_none=True)


LEARNERS_ONLY = {403: ("learners_only",)}
YEAR_CODES = ("year_not_started", "year_closed", "invalid_year")
PLAN_CODES = ("course_already_selected", "course_locked", "course_not_selected", "course_other_institution",
              "course_required", "course_started", "course_wrong_year", "institution_required", *YEAR_CODES)
CHAPTER_ERRORS = {403: ("learners_only", "chapter_locked", "chapter_not_in_plan"), 404: ("chapter_not_found",),
                  422: ("chapter_locked", "chapter_not_in_plan", *YEAR_CODES)}
INSTITUTION_CODES = ("institution_already_chosen", "institution_other_level", "institution_paid",
                     "institution_studied", "no_institution_choice", "no_institution_chosen",
                     "unknown_institution", "unknown_level", *YEAR_CODES)


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
@operation("当前学员某年度的学习计划、可选课程与学分进度（year 缺省为当前年度）", Plan, errors=LEARNERS_ONLY)
@login_required
@query_args(YearQuery)
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
@operation("把一门课程加入学习计划", Done, status=201,
           errors={**LEARNERS_ONLY, 404: ("course_not_found",), 422: ("course_not_found", *PLAN_CODES)})
@login_required
@_rollback_on_rule_error
@json_body(PlanAddBody)
def plan_add(body: dict):
    if (refusal := _learner()) is not None:
        return refusal
    service.add_course(current_user, body["course_id"], _year(body))
    return jsonify(ok=True), 201


@bp.delete("/me/plan/<int:course_id>")
@operation("从学习计划中移除一门课程（已开始或已付费的课程按地区规则不能移除）", Done,
           errors={**LEARNERS_ONLY, 404: ("course_not_found",), 422: PLAN_CODES})
@login_required
@query_args(YearQuery)
@_rollback_on_rule_error
def plan_remove(course_id: int):
    if (refusal := _learner()) is not None:
        return refusal
    service.remove_course(current_user, course_id, _year())
    return jsonify(ok=True)


@bp.post("/me/plan/auto")
@operation("一键选课：按地区要求补足学习计划", Added, errors={**LEARNERS_ONLY, 422: PLAN_CODES})
@login_required
@_rollback_on_rule_error
@json_body(YearBody)
def plan_auto(body: dict):
    if (refusal := _learner()) is not None:
        return refusal
    added = service.one_click_select(current_user, _year(body))
    return jsonify(added=[c.id for c in added])


@bp.get("/me/courses/<int:course_id>")
@operation("一门课程：章节、进度与讲义", CourseReply, errors={**LEARNERS_ONLY, 404: ("course_not_found",)})
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
@operation("下载章节讲义文件（课程须在学习计划中）", None, media_type="application/octet-stream",
           errors={403: ("handout_forbidden",), 404: ("handout_not_found",)})
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
@operation("播放心跳：报告播放进度（秒），服务器计时累计学习时长", HeartbeatReply,
           errors={**CHAPTER_ERRORS, 429: ("heartbeat_too_fast", "heartbeat_busy"),
                   409: ("heartbeat_busy",)})
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
@operation("章节练习题（看完视频后）", Exercise,
           errors={**CHAPTER_ERRORS, 422: (*CHAPTER_ERRORS[422], "no_exercise", "exercise_locked")})
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
@operation("提交章节练习：answers 为 {题目编号: 选项序号}", ExerciseMarked,
           errors={**CHAPTER_ERRORS, 422: (*CHAPTER_ERRORS[422], "no_exercise", "exercise_locked", "exercise_changed",
                                           "answers_incomplete", "invalid_answer")})
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
@operation("当前学员某年度的学分：要求、已得与明细（year 缺省为当前年度）", Credits, errors=LEARNERS_ONLY)
@login_required
@query_args(YearQuery)
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
@operation("某年度须选的培训机构与等级，以及已选的（year 缺省为当前年度）", Institution, errors=LEARNERS_ONLY)
@login_required
@query_args(YearQuery)
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
@operation("选择培训机构与等级", ChosenInstitution, status=201, errors={**LEARNERS_ONLY, 422: INSTITUTION_CODES})
@login_required
@_rollback_on_rule_error
@json_body(InstitutionBody)
def institution_choose(body: dict):
    if (refusal := _learner()) is not None:
        return refusal
    enrolment = service.choose_institution(current_user, _year(body), body["institution_id"], body["level"])
    return jsonify(institution_id=enrolment.institution_id, level=enrolment.level, status=enrolment.status), 201


@bp.delete("/me/institution")
@operation("取消所选培训机构（未付费、未学习时）", Done, errors={**LEARNERS_ONLY, 422: INSTITUTION_CODES})
@login_required
@query_args(YearQuery)
@_rollback_on_rule_error
def institution_cancel():
    if (refusal := _learner()) is not None:
        return refusal
    service.cancel_institution(current_user, _year())
    return jsonify(ok=True)


class RatingBody(Body):
    stars = Integer(required=True, minimum=1, maximum=5, label="评分", code="invalid_stars", message="请选择1至5星。")
    comment = Text(load_default="", max_length=2000, label="评价内容")
    year = _year_field()


class HideRatingBody(Body):
    reason = Text(load_default="", max_length=200, label="隐藏原因")


class RatingReply(Reply):
    id = fields.Integer(required=True)
    target = fields.String(required=True)
    target_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    stars = fields.Integer(required=True)
    comment = fields.String(required=True)
    hidden = fields.Boolean(required=True)
    updated_at = fields.String(required=True)
    hidden_reason = fields.String(allow_none=True)


class CourseRatings(Reply):
    average = fields.Float(required=True, allow_none=True)
    count = fields.Integer(required=True)
    ratings = fields.List(fields.Nested(RatingReply), required=True)
    mine = fields.Nested(RatingReply, required=True, allow_none=True)


def _ratings_json(summary, *, staff: bool) -> dict:
    return {"average": summary.average, "count": summary.count,
            "ratings": [ratings.as_json(r, staff=staff) for r in summary.ratings]}


@bp.get("/regions/<code>/courses/<int:course_id>/ratings")
@operation("课程评价：平均星级、评价人数与显示的评价（本地区工作人员另见已隐藏的及原因）；学员另见自己的评价",
           CourseRatings, auth=False, errors={404: ("unknown_region", "course_not_found")})
def course_ratings(code: str, course_id: int):
    """A course's average stars, how many rated it, and the comments shown (staff of the region
    also get hidden ones, with the reason)."""
    rules_for(code)
    ratings.find_course(code, course_id)
    staff = current_user.is_authenticated and current_user.may_review(code)
    mine = None
    if current_user.is_authenticated and current_user.region == code and current_user.role == "learner":
        course_year = ratings.find_course(code, course_id).year
        found = ratings.mine(current_user, "course", course_id, course_year)
        mine = ratings.as_json(found, staff=True) if found else None
    return jsonify(**_ratings_json(ratings.summary("course", course_id, with_hidden=staff), staff=staff), mine=mine)


@bp.put("/me/ratings/<target>/<int:target_id>")
@login_required
@operation("评价（1–5星与评语）学过的课程或报名的培训机构，可修改；每人每项每年一条", RatingReply,
           errors={403: ("learners_only",),
                   422: ("not_rateable", "not_studied", "not_enrolled", "invalid_stars")})
@json_body(RatingBody)
def rate(target: str, target_id: int, body: dict):
    """Give or change the learner's rating (1–5 stars, a comment) of a course they studied or the
    institution of their enrolment (``year`` then says which enrolment's), as the region allows."""
    if (refusal := _learner()) is not None:
        return refusal
    try:
        rating = ratings.rate(current_user, target, target_id, body["stars"], body["comment"], body["year"])
    except InvalidInput as refused:
        return error(refused.code, refused.message, 422)
    return jsonify(ratings.as_json(rating, staff=True))


@bp.post("/regions/<code>/ratings/<int:rating_id>/hide")
@login_required
@operation("工作人员隐藏评价的评语（须填写原因，记入审计日志）", RatingReply,
           errors={403: ("not_region_staff",), 404: ("unknown_region", "rating_not_found"),
                   422: ("reason_required",)})
@json_body(HideRatingBody)
def hide_rating(code: str, rating_id: int, body: dict):
    """Staff of the region hide a rating's comment, with a reason (audited)."""
    rules_for(code)
    if not current_user.may_review(code):
        return error("not_region_staff", "只有本地区的工作人员可以隐藏评价。", 403)
    rating = db.session.get(ratings.Rating, rating_id)
    if rating is None or rating.region != code:
        return error("rating_not_found", ratings.MSG_NOT_FOUND, 404)
    try:
        rating = ratings.hide(current_user, rating_id, body["reason"])
    except InvalidInput as refused:
        return error(refused.code, refused.message, 422)
    return jsonify(ratings.as_json(rating, staff=True))
