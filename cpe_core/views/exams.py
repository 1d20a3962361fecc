"""The exam: status page, the paper (answers saved as the learner goes), results and history.

HTML under ``/<region>/exam`` and JSON under ``/api/v1``; both call :mod:`..services.exams`.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from marshmallow import fields
from flask_login import current_user, login_required
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..forms import CpeForm
from wtforms import RadioField
from wtforms.validators import Optional

from hookspecs import KIND_LABELS

from .. import clock
from ..extensions import login_manager
from ..auth import staff_required
from ..regions import RuleError, rules_for
from ..services import credit_reviews, exams
from ..services.capabilities import require
from ..services.input_rules import Body, Integer
from .api import bp as api_bp
from .api import error as api_error
from .api import Reply, json_body, operation
from .api_accounts import Reason
from .binding import bind_region
from ..services.years import current_year

bp = Blueprint("exams", __name__, url_prefix="/<region>/exam")
bind_region(bp)
#: The staff's 学分审核 (审核、合并) before the exam, where the region's exam policy asks for it.
review_bp = Blueprint("credit_reviews", __name__, url_prefix="/<region>/review/credits")
bind_region(review_bp)


class ConfirmForm(CpeForm):
    """Only the CSRF token: the ticked learners are read as a list of ``user_id``s."""


@review_bp.route("", methods=["GET", "POST"])
@staff_required
def credit_queue():
    """The learners whose credits meet the exam's requirement, waiting to be merged; a batch
    confirmation (批量确认) of the ticked ones."""
    year = request.values.get("year", type=int) or next(iter(credit_reviews.review_years(g.region.code)),
                                                        current_year(g.region.code))
    require(g.region.code, year, "credit_review")
    form = ConfirmForm()
    if request.method == "POST":
        if form.validate():
            ids = [int(v) for v in request.form.getlist("user_id") if v.isdigit()][:1000]
            try:
                merged = credit_reviews.confirm(current_user, g.region.code, year, ids)
                flash(_("已确认%(count)s名学员的学分审核、合并。", count=merged), "success")
            except RuleError as error:
                flash(error.message, "error")
        else:
            flash(_("页面已过期，请刷新后重试。"), "error")
        return redirect(url_for("credit_reviews.credit_queue", year=year))
    policy = rules_for(g.region.code).exam_policy(year)
    return render_template("exam/credit_queue.html", waiting=credit_reviews.queue(g.region.code, year), year=year,
                           policy=policy, form=form, KIND_LABELS=KIND_LABELS)


class AnswerBody(Body):
    """One answer of the paper: the option's index (the service checks it is one of the question's)."""

    choice = Integer(required=True, label="答案", code="invalid_choice", message="所选答案不是该题的选项，答案未保存。")


class StartForm(CpeForm):
    """Only the CSRF token: starting takes no input."""


def _learner_year() -> int:
    if not current_user.is_authenticated:
        abort(401)
    if current_user.region != g.region.code:
        abort(403)
    year = request.args.get("year", type=int) or current_year(g.region.code)
    require(g.region.code, year, "exam")
    return year


def _paper_form(questions: list[exams.PaperQuestion]) -> CpeForm:
    class PaperForm(CpeForm):
        pass

    for question in questions:
        field = RadioField(
            question.text,
            choices=list(enumerate(question.options)),
            coerce=int,
            validators=[Optional()],
            default=question.choice,
        )
        setattr(PaperForm, f"q{question.id}", field)
    return PaperForm()


@bp.errorhandler(exams.ExamRefused)
def refused(err: exams.ExamRefused):
    return render_template("exam/refused.html", message=err.message), err.status


@bp.get("/")
@login_required
def exam_page():
    year = _learner_year()
    state = exams.status(current_user.id, g.region.code, year)
    attempts = exams.history(current_user.id, g.region.code, year)
    current = next((a for a in attempts if a.status == "open"), None)
    return render_template(
        "exam/status.html",
        year=year,
        state=state,
        attempts=attempts,
        current=current,
        summary=exams.summary(current_user.id, g.region.code, year, state.policy) if state.policy else [],
        form=StartForm(),
        kind_labels=KIND_LABELS,
    )


@bp.post("/start")
@login_required
def start():
    year = _learner_year()
    if not StartForm().validate_on_submit():
        abort(400)
    attempt = exams.start(current_user.id, g.region.code, year)
    return redirect(url_for("exams.attempt_page", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt_page(attempt_id: int):
    attempt = exams.get_attempt(current_user.id, attempt_id, g.region.code)
    if attempt.status == "open" and exams.close_if_overdue(attempt):
        flash(_("考试时间已到，试卷已按已保存的答案自动交卷。"))
    if attempt.status != "open" and request.method == "POST":
        # a second tab, or a page left open after the attempt closed
        raise exams.ExamRefused("already_submitted", "本次考试已交卷，请勿重复提交。")
    if attempt.status != "open":
        return render_template("exam/result.html", attempt=attempt, questions=exams.review(attempt))
    questions = exams.paper(attempt)
    form = _paper_form(questions)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        choices = {
            q.id: form[f"q{q.id}"].data for q in questions if form[f"q{q.id}"].data is not None
        }
        if choices:
            exams.save_answers(current_user.id, attempt.id, choices, g.region.code)
        if request.form.get("action") == "submit":
            exams.submit(current_user.id, attempt.id, g.region.code)
            return redirect(url_for("exams.attempt_page", attempt_id=attempt.id))
        flash(_("答案已保存。"))
        return redirect(url_for("exams.attempt_page", attempt_id=attempt.id))
    policy = rules_for(attempt.region).exam_policy(attempt.year)
    return render_template(
        "exam/paper.html",
        attempt=attempt,
        policy=policy,
        questions=questions,
        form=form,
        remaining=exams.remaining_seconds(attempt),
        deadline=_local(attempt.deadline_at),
    )


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@login_required
@json_body(AnswerBody)
def autosave(attempt_id: int, question_id: int, body: dict):
    """The paper page's autosave (JSON, CSRF token in ``X-CSRFToken``). It lives on the site,
    not under ``/api/``, so that answering counts as activity for the idle sign-out."""
    choice = body["choice"]
    try:
        attempt = exams.save_answers(current_user.id, attempt_id, {question_id: choice}, g.region.code)
    except exams.ExamRefused as err:
        return api_error(err.code, err.message, err.status)
    return jsonify(saved=True, remaining_seconds=exams.remaining_seconds(attempt))


def _local(stored):
    """A stored naive-UTC instant as Shanghai wall time, to the second, for display."""
    return clock.shanghai_text(stored, clock.SECONDS)


# --- JSON API -------------------------------------------------------------------------------


@api_bp.errorhandler(exams.ExamRefused)
def api_refused(err: exams.ExamRefused):
    return api_error(err.code, err.message, err.status)


def _api_learner():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # login_required, or session_replaced
    return None


class PaperQuestion(Reply):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    type = fields.String(required=True)
    text = fields.String(required=True)
    options = fields.List(fields.String(), required=True)
    points = fields.Integer(required=True)
    choice = fields.Integer(required=True, allow_none=True)
    answer = fields.Raw(metadata={"description": "正确答案（交卷后）"})
    explanation = fields.String(allow_none=True)


class AttemptReply(Reply):
    id = fields.Integer(required=True)
    region = fields.String(required=True)
    year = fields.Integer(required=True)
    status = fields.String(required=True)
    deadline_at = fields.String(required=True)
    remaining_seconds = fields.Integer(required=True)
    score = fields.Integer(required=True, allow_none=True)
    passed = fields.Boolean(required=True, allow_none=True)
    questions = fields.List(fields.Nested(PaperQuestion))


class ExamStatus(Reply):
    open = fields.Boolean(required=True)
    reasons = fields.List(fields.Nested(Reason), required=True)
    attempts = fields.List(fields.Nested(AttemptReply), required=True)


class AttemptEnvelope(Reply):
    attempt = fields.Nested(AttemptReply, required=True)


class AnswerSaved(Reply):
    saved = fields.Boolean(required=True)
    remaining_seconds = fields.Integer(required=True)


ATTEMPT_ERRORS = {403: ("not_your_attempt",), 404: ("attempt_not_found",)}


def _attempt_json(attempt, with_paper: bool = True) -> dict:
    data = {
        "id": attempt.id,
        "region": attempt.region,
        "year": attempt.year,
        "status": attempt.status,
        "deadline_at": clock.from_utc_naive(attempt.deadline_at).isoformat(),
        "remaining_seconds": exams.remaining_seconds(attempt) if attempt.status == "open" else 0,
        "score": attempt.score,
        "passed": attempt.passed,
    }
    if with_paper and attempt.status == "open":
        data["questions"] = [
            {
                "id": q.id,
                "number": q.number,
                "type": q.question_type,
                "text": q.text,
                "options": list(q.options),
                "points": q.points,
                "choice": q.choice,
            }
            for q in exams.paper(attempt)
        ]
    elif with_paper:
        data["questions"] = [
            {
                "id": q.id,
                "number": q.number,
                "type": q.question_type,
                "text": q.text,
                "options": list(q.options),
                "points": q.points,
                "choice": q.choice,
                "answer": q.answer,
                "explanation": q.explanation,
            }
            for q in exams.review(attempt)
        ]
    return data


@api_bp.get("/regions/<code>/exam/<int(min=2000, max=2100):year>")
@operation("学员在某地区某年度的考试：能否开考（及原因）与历次考试", ExamStatus, errors={404: ("unknown_region",)})
def api_exam_status(code: str, year: int):
    if (refusal := _api_learner()) is not None:
        return refusal
    rules_for(code)
    state = exams.status(current_user.id, code, year)
    return jsonify(
        open=state.open,
        reasons=[{"code": r.code, "message": r.message} for r in state.reasons],
        attempts=[_attempt_json(a, with_paper=False) for a in exams.history(current_user.id, code, year)],
    )


@api_bp.post("/regions/<code>/exam/<int(min=2000, max=2100):year>/attempts")
@operation("开始一次考试（服务器计时），返回试卷；不能开考时 403，code 为 GET 考试状态所列原因之一", AttemptEnvelope,
           status=201, errors={403: ("wrong_region", "question_bank_too_small", "no_exam", "window_not_open",
                                     "window_closed", "attempts_used_up", "exam_passed", "attempt_open"),
                               404: ("unknown_region",)})
def api_start(code: str, year: int):
    if (refusal := _api_learner()) is not None:
        return refusal
    rules_for(code)
    if current_user.region != code:
        return api_error("wrong_region", "您不是本地区的学员。", 403)
    attempt = exams.start(current_user.id, code, year)
    return jsonify(attempt=_attempt_json(attempt)), 201


@api_bp.get("/exam/attempts/<int:attempt_id>")
@operation("一次考试：进行中为试卷与作答，交卷后含答案与解析", AttemptEnvelope, errors=ATTEMPT_ERRORS)
def api_attempt(attempt_id: int):
    if (refusal := _api_learner()) is not None:
        return refusal
    attempt = exams.get_attempt(current_user.id, attempt_id)
    exams.close_if_overdue(attempt)
    return jsonify(attempt=_attempt_json(attempt))


@api_bp.put("/exam/attempts/<int:attempt_id>/answers/<int:question_id>")
@operation("保存一题的答案（选项序号）", AnswerSaved,
           errors={**ATTEMPT_ERRORS, 409: ("attempt_closed", "already_submitted", "time_up"),
                   422: ("question_not_in_attempt", "invalid_choice")})
@json_body(AnswerBody)
def api_answer(attempt_id: int, question_id: int, body: dict):
    if (refusal := _api_learner()) is not None:
        return refusal
    attempt = exams.save_answers(current_user.id, attempt_id, {question_id: body["choice"]})
    return jsonify(saved=True, remaining_seconds=exams.remaining_seconds(attempt))


@api_bp.post("/exam/attempts/<int:attempt_id>/submit")
@operation("交卷并评分", AttemptEnvelope, errors={**ATTEMPT_ERRORS, 409: ("already_submitted", "attempt_closed")})
def api_submit(attempt_id: int):
    if (refusal := _api_learner()) is not None:
        return refusal
    attempt = exams.submit(current_user.id, attempt_id)
    return jsonify(attempt=_attempt_json(attempt))
