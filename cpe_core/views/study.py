"""A learner's pages: course page, study plan, institution choice, player, exercise, credit
query. Thin views over :mod:`cpe_core.services.study` and :mod:`cpe_core.services.learning`."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..forms import CpeForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..extensions import db
from ..regions import RuleError
from ..auth import staff_required
from ..services import entitlement, handouts, institutions, learning, ledger, past_records, ratings, tables
from ..services.identity import InvalidInput
from ..services import study as service
from ..services.capabilities import require
from ..services.input_rules import Body, Number
from .api import json_body
from .binding import bind_region
from ..services.years import current_year, open_years


class HeartbeatBody(Body):
    """A player's heartbeat, on the site and the API (the gateway in front of the app reads the
    same ``position`` and the service checks it the same way)."""

    position = Number(required=True, label="播放进度", minimum=0, code="invalid_position", message="播放进度无效。")

bp = Blueprint("study", __name__, url_prefix="/<region>")
bind_region(bp)


class CourseActionForm(CpeForm):
    course_id = IntegerField(validators=[DataRequired(message=_l("请选择课程。"))])
    year = IntegerField(validators=[DataRequired(message=_l("请选择年度。"))])


class YearActionForm(CpeForm):
    year = IntegerField(validators=[DataRequired(message=_l("请选择年度。"))])


class InstitutionForm(CpeForm):
    year = HiddenField()
    institution_id = SelectField(_l("培训机构"), coerce=int, validators=[InputRequired(message=_l("请选择培训机构。"))])
    level = SelectField(_l("级别"), choices=[], validate_choice=False)


class RatingForm(CpeForm):
    stars = RadioField(_l("评分"), choices=[SelectChoice(n, _l("%(stars)s星", stars=n)) for n in range(1, 6)], coerce=int,
                       validators=[InputRequired(message=_l("请选择1至5星。"))])
    comment = TextAreaField(_l("评价内容"), validators=[Length(max=2000)])


class HideRatingForm(CpeForm):
    reason = StringField(_l("隐藏原因"), validators=[DataRequired(message=_l("请填写隐藏原因。")), Length(max=200)])


def _learner_of_region():
    if current_user.region != g.region.code or current_user.role != "learner":
        abort(403)


def _year() -> int:
    return request.values.get("year", type=int) or current_year(g.region.code)


def _errors(form) -> str:
    return _("；").join(str(m) for errors in form.errors.values() for m in errors)


@bp.get("/courses/<int:course_id>")
def course(course_id: int):
    """The course page: introduction, preview, chapters; progress for a signed-in learner."""
    learner = current_user if current_user.is_authenticated and current_user.region == g.region.code else None
    try:
        view = service.course_view(learner, g.region.code, course_id)
    except RuleError:
        abort(404)
    staff = current_user.is_authenticated and current_user.may_review(g.region.code)
    rated = view.course.year
    rating_form = None
    rating_refusal = None
    if learner is not None and learner.role == "learner" and "course" in g.region.rating_policy(rated).targets:
        try:
            ratings.may_rate(learner, "course", course_id)
        except RuleError as refusal:
            rating_refusal = refusal.message
        else:
            mine = ratings.mine(learner, "course", course_id, rated)
            rating_form = RatingForm(stars=mine.stars if mine else None, comment=mine.comment if mine else "")
    return render_template(
        "study/course.html", view=view, form=CourseActionForm(), learner=learner,
        rating_summary=ratings.summary("course", course_id, with_hidden=staff), rating_form=rating_form,
        rating_refusal=rating_refusal, hide_form=HideRatingForm() if staff else None,
    )


@bp.post("/courses/<int:course_id>/rating")
@login_required
def rate_course(course_id: int):
    """A learner's stars and comment on a course they studied (one per year, editable)."""
    _learner_of_region()
    form = RatingForm()
    if not form.validate():
        flash(_errors(form), "error")
    else:
        try:
            ratings.rate(current_user, "course", course_id, form.stars.data, form.comment.data or "")
        except (RuleError, InvalidInput) as refusal:
            db.session.rollback()
            flash(refusal.message, "error")
        else:
            flash(_("评价已保存。"), "success")
    return redirect(url_for("study.course", course_id=course_id) + "#ratings")


@bp.post("/ratings/<int:rating_id>/hide")
@staff_required
def hide_rating(rating_id: int):
    """Staff hide a rating's comment, saying why (audited)."""
    form = HideRatingForm()
    rating = db.session.get(ratings.Rating, rating_id)
    if rating is None or rating.region != g.region.code:
        abort(404)
    if not form.validate():
        flash(_errors(form), "error")
    else:
        try:
            ratings.hide(current_user, rating_id, form.reason.data)
        except (RuleError, InvalidInput) as refusal:
            db.session.rollback()
            flash(refusal.message, "error")
        else:
            flash(_("评价已隐藏。"), "success")
    if rating.target == "course":
        return redirect(url_for("study.course", course_id=rating.target_id) + "#ratings")
    return redirect(url_for("study.institution_ratings") + f"#institution-{rating.target_id}")


@bp.get("/institutions/ratings")
@staff_required
def institution_ratings():
    """培训机构评价: each institution of the region with its average and every comment, hidden
    ones included, so staff may hide one with a reason."""
    require(g.region.code, current_year(g.region.code), "institution_ratings")
    return render_template("study/institution_ratings.html", hide_form=HideRatingForm(),
                           schools=ratings.institutions_rated(g.region.code, with_hidden=True))


@bp.get("/plan")
@login_required
def plan():
    _learner_of_region()
    year = _year()
    require(g.region.code, year, "catalogue")
    try:
        view = service.plan_view(current_user, year)
    except RuleError as error:
        flash(error.message, "error")
        return redirect(url_for("region.home"))
    return render_template("study/plan.html", view=view, form=CourseActionForm(), year_form=YearActionForm(),
                           years=open_years(g.region.code))


def _plan_action(action) -> object:
    _learner_of_region()
    form = CourseActionForm()
    if not form.validate():
        flash(_errors(form), "error")
        return redirect(url_for("study.plan"))
    try:
        action(current_user, form.course_id.data, form.year.data)
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(request.form.get("next") or url_for("study.plan", year=form.year.data))


@bp.post("/plan/add")
@login_required
def plan_add():
    return _plan_action(service.add_course)


@bp.post("/plan/remove")
@login_required
def plan_remove():
    return _plan_action(service.remove_course)


@bp.post("/plan/auto")
@login_required
def plan_auto():
    _learner_of_region()
    form = YearActionForm()
    if not form.validate():
        flash(_errors(form), "error")
        return redirect(url_for("study.plan"))
    try:
        added = service.one_click_select(current_user, form.year.data)
        flash(_("已为您选择%(count)s门课程。", count=len(added)) if added else _("学习计划已满足本年度要求。"), "success")
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("study.plan", year=form.year.data))


@bp.get("/resources")
@login_required
def resources():
    """学习资源: the year's providers by subject tab, distance and face-to-face, searchable."""
    _learner_of_region()
    year = _year()
    require(g.region.code, year, "resources")
    view = institutions.learning_resources(
        current_user, year, kind=request.args.get("kind"), mode=request.args.get("mode") or None,
        query=request.args.get("q", "")[:100],
    )
    if view is None:
        abort(404)
    return render_template("study/resources.html", view=view, year=year, years=open_years(g.region.code))


@bp.get("/history")
@login_required
def history():
    """往年继续教育查询: the learner's records by year, those kept before this platform included."""
    _learner_of_region()
    if not g.region.info.record_stages:
        abort(404)
    year = request.args.get("year", type=int)
    return render_template("study/history.html", records=past_records.records_of(current_user, year), year=year,
                           years=past_records.years_of(current_user))


@bp.get("/history/<int:record_id>")
@login_required
def history_record(record_id: int):
    """One record's stages (远程机构 → 财政管理机构 → 完成状态 → 省平台) with time, status and remark."""
    _learner_of_region()
    if not g.region.info.record_stages:
        abort(404)
    try:
        record = past_records.record_of(current_user, record_id)
    except RuleError:
        abort(404)
    return render_template("study/history_record.html", record=record)


@bp.route("/institution", methods=["GET", "POST"])
@login_required
def institution():
    _learner_of_region()
    year = _year()
    policy = service.institution_policy(current_user, year)
    if policy is None:
        flash(_("本地区无需选择培训机构。"), "error")
        return redirect(url_for("study.plan", year=year))
    form = InstitutionForm(year=year)
    if request.method == "GET" and request.args.get("institution_id", type=int):
        # 去学习 on the 学习资源 page: that institution comes preselected.
        form.institution_id.data = request.args.get("institution_id", type=int)
    form.institution_id.choices = [(i.id, i.name) for i in service.institutions_on_offer(current_user, policy)]
    form.level.choices = [(level, level) for level in policy.levels]
    if request.method == "POST":
        if request.form.get("action") == "cancel":
            cancel = YearActionForm()
            if cancel.validate():
                try:
                    service.cancel_institution(current_user, year)
                    flash(_("已取消选择，可以重新选择培训机构。"), "success")
                except RuleError as error:
                    db.session.rollback()
                    flash(error.message, "error")
            return redirect(url_for("study.institution", year=year))
        if form.validate():
            try:
                service.choose_institution(current_user, year, form.institution_id.data, form.level.data or None)
                flash(_("已选择培训机构。"), "success")
                return redirect(url_for("study.plan", year=year))
            except RuleError as error:
                db.session.rollback()
                flash(error.message, "error")
        else:
            flash(_errors(form), "error")
    enrolment = service.current_enrolment(current_user, year)
    return render_template(
        "study/institution.html", policy=policy, form=form, enrolment=enrolment, year=year, cancel_form=YearActionForm()
    )


def _refused(error: RuleError):
    """Where a learner who may not study the chapter goes: to pay, when the course is not
    opened (the order page, with the message); else back to the plan."""
    flash(error.message, "error")
    if error.code == entitlement.NOT_OPENED_CODE:
        return redirect(url_for("orders.new"))
    return redirect(url_for("study.plan"))


def _course_and_chapter(course_id: int, chapter_id: int):
    """The learner's view of the course and its line for ``chapter_id``."""
    view = service.course_view(current_user, g.region.code, course_id)
    return view, next(c for c in view.chapters if c.chapter.id == chapter_id)


@bp.get("/learn/<int:chapter_id>")
@login_required
def player(chapter_id: int):
    _learner_of_region()
    try:
        access = learning.chapter_access(current_user, chapter_id)
    except RuleError as error:
        return _refused(error)
    view, line = _course_and_chapter(access.course_id, chapter_id)
    if not line.unlocked:
        flash(_("请先完成上一章的随堂练习。"), "error")
        return redirect(url_for("study.course", course_id=access.course_id))
    return render_template(
        "study/player.html", view=view, line=line, interval=learning.heartbeat_interval(),
        activity_interval=learning.player_activity_interval(), form=YearActionForm(),
    )


@bp.post("/learn/<int:chapter_id>/heartbeat")
@login_required
@json_body(HeartbeatBody)
def heartbeat(chapter_id: int, body: dict):
    """The player's heartbeat (JSON, CSRF token in the ``X-CSRFToken`` header)."""
    _learner_of_region()
    try:
        result = learning.heartbeat(current_user, chapter_id, body["position"])
    except RuleError as error:
        db.session.rollback()
        return jsonify(error={"code": error.code, "message": error.message}), 422
    return jsonify(result.as_dict())


def send_handout(chapter, path):
    """The handout file as a download, under the name it was uploaded with."""
    response = send_file(path, mimetype=chapter.handout_content_type, as_attachment=True,
                         download_name=chapter.handout_filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response


@bp.get("/learn/<int:chapter_id>/handout")
@login_required
def handout(chapter_id: int):
    """An uploaded 讲义: for learners with the course in their plan, and the region's staff."""
    try:
        chapter, path = handouts.handout_for(current_user, g.region.code, chapter_id)
    except handouts.HandoutRefused as refused:
        return render_template("error.html", title=_("无法下载讲义"), message=refused.message), refused.status
    return send_handout(chapter, path)


def exercise_form(questions, formdata=None):
    """A form with one radio group per question, named ``q<id>`` (showing ``formdata``'s choices;
    which questions were answered, and how, the service judges)."""

    class ExerciseForm(CpeForm):
        pass

    for q in questions:
        setattr(ExerciseForm, f"q{q.id}", RadioField(q.text, coerce=int, choices=list(enumerate(q.options)),
                                                     validate_choice=False))
    return ExerciseForm(formdata=formdata)


def _posted_answers() -> dict[int, object]:
    """``q<id>`` fields of the posted form as question id -> option index (the text as sent when
    it is no number, for the service to refuse)."""
    answers: dict[int, object] = {}
    for key, value in request.form.items():
        if key.startswith("q") and key[1:].isdigit():
            answers[int(key[1:])] = int(value) if value.isdigit() else value
    return answers


@bp.route("/learn/<int:chapter_id>/exercise", methods=["GET", "POST"])
@login_required
def exercise(chapter_id: int):
    _learner_of_region()
    try:
        access = learning.chapter_access(current_user, chapter_id)
    except RuleError as error:
        return _refused(error)
    view, line = _course_and_chapter(access.course_id, chapter_id)
    questions = learning.exercise_questions(current_user, chapter_id)
    form = exercise_form(questions, formdata=None)
    result = None
    if request.method == "POST":
        if CpeForm().validate():  # the CSRF token
            try:
                result = learning.submit_exercise(current_user, chapter_id, _posted_answers())
            except RuleError as error:
                db.session.rollback()
                flash(error.message, "error")
                form = exercise_form(questions, formdata=request.form)  # keep what was chosen
            else:
                view, line = _course_and_chapter(access.course_id, chapter_id)
                # The next try draws its own questions.
                questions = learning.exercise_questions(current_user, chapter_id)
                form = exercise_form(questions, formdata=None)
        else:
            flash(_("页面已过期，请刷新后重试。"), "error")
    elif not line.watched:
        flash(_("请先完整观看本章视频，再做随堂练习。"), "error")
        return redirect(url_for("study.player", chapter_id=chapter_id))
    following = next((c for c in view.chapters if c.chapter.position == line.chapter.position + 1), None)
    return render_template(
        "study/exercise.html", view=view, line=line, form=form, questions=questions, result=result,
        following=following,
    )


@bp.get("/credits")
@login_required
def credits():
    """学分查询: the year's ledger against the requirement, for this and past years."""
    _learner_of_region()
    year = _year()
    try:
        progress = ledger.progress(current_user.id, current_user.region, year)
    except RuleError as error:
        flash(error.message, "error")
        progress = None
    return render_template(
        "study/credits.html", year=year, years=service.credit_years(current_user), progress=progress,
        entries=service.ledger_entries(current_user, year),
    )


@bp.get("/credits/export.<fmt>")
@login_required
def credits_export(fmt: str):
    """学分查询/学时查询的导出: the selected year's ledger as CSV or Excel."""
    _learner_of_region()
    if fmt not in tables.FORMATS:
        abort(404)
    year = _year()
    try:
        header, rows = service.ledger_table(current_user, year)
    except RuleError as error:
        flash(error.message, "error")
        return redirect(url_for("study.credits", year=year))
    response = Response(tables.as_bytes(fmt, header, rows, f"{year}"), mimetype=tables.MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename=credits-{g.region.code}-{year}.{fmt}"
    return response


@bp.get("/credits/online")
@login_required
def online_courses():
    """继续教育在线学分/学时: the online courses completed in the year and what each gave, read
    from the ledger (a course is complete when it has its ledger entry)."""
    _learner_of_region()
    year = _year()
    entries = ledger.course_entries(current_user.id, year)
    return render_template(
        "study/online.html", year=year, years=service.credit_years(current_user), entries=entries,
        total=sum(entry.credits for entry, _course in entries),
    )
